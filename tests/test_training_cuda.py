"""training/ on a GPU (skipped without CUDA): bf16 autocast, fused AdamW, CUDA sampling generators, resume."""

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.test_training_basics import corpus, make_lm
from tests.test_training_ppo import prompts, toy_reward
from training.checkpoint import save_pretrained
from training.evaluate import kl_to_reference, win_rate
from training.pretrain import PretrainConfig, train_lm
from training.reward import Ranking, RewardConfig, load_reward_model, train_reward
from training.sft import SFTConfig, train_sft
from training.tokenizer import TokenizerConfig, train_tokenizer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


class Killed(Exception):
    pass


def test_pretrain_on_cuda_in_bf16_resumes_after_a_kill(tmp_path):
    train_tokenizer(TokenizerConfig.preset("tiny", out_dir=str(tmp_path), name="tok", vocab_size=300), corpus())
    kw = {"tokenizer": str(tmp_path / "tok"), "device": "cuda", "max_steps": 30, "checkpoint_every": 10,
          "n_ctx": 32, "dropout": 0.1, "log_every": 1}
    texts = ["the cat sat on the mat. the dog ran under the log."] * 40
    whole = train_lm(PretrainConfig.preset("tiny", out_dir=str(tmp_path / "a"), **kw), texts, texts[:8],
                     log=lambda s, m: None)
    assert whole.history[-1]["loss"] < 0.5 * whole.history[0]["loss"]
    cfg = PretrainConfig.preset("tiny", out_dir=str(tmp_path / "b"), **kw)

    def die(step, metrics):
        if step == 15:
            raise Killed

    with pytest.raises(Killed):
        train_lm(cfg, texts, texts[:8], log=die)
    steps = []
    resumed = train_lm(cfg, texts, texts[:8], log=lambda s, m: steps.append(s))
    assert steps[:2] == [10, 11] and steps[-1] == 30
    assert resumed.history[-1]["loss"] == pytest.approx(whole.history[-1]["loss"], rel=0.05)
    model = AutoModelForCausalLM.from_pretrained(resumed.path)  # loads on CPU
    assert next(model.parameters()).dtype == torch.float32


def test_sft_reward_ppo_ptx_and_evaluation_on_cuda(tmp_path):
    from training.ppo import PPOConfig, train_ppo

    base = make_lm(tmp_path, "base")
    pairs = [(p, " the dog sat") for p in prompts(16)]
    sft = train_sft(SFTConfig.preset("tiny", init_from=str(base), out_dir=str(tmp_path), name="sft", device="cuda",
                                     epochs=2), pairs, pairs[:4], log=lambda s, m: None, ptx_texts=corpus(40))
    ranks = [Ranking(p, [" the dog", " a cat", " red log"]) for p in prompts(16)]
    rm = train_reward(RewardConfig.preset("tiny", init_from=str(sft.path), out_dir=str(tmp_path), name="rm",
                                          device="cuda"), ranks, ranks[:4], pairs[:4], log=lambda s, m: None)
    assert 0 <= rm.metrics["val_accuracy"] <= 1
    cfg = PPOConfig.preset("tiny", policy_init=str(sft.path), reward_model=str(rm.path), out_dir=str(tmp_path),
                           name="ppo", device="cuda", episodes=16 * 3, ema_decay=0.992)
    result = train_ppo(cfg, prompts(), ptx_texts=corpus(40), log=lambda s, m: None)
    assert len(result.history) == 3 and all(h["ptx_loss"] > 0 for h in result.history)
    toy = train_ppo(PPOConfig.preset("tiny", policy_init=str(sft.path), out_dir=str(tmp_path), name="toy",
                                     device="cuda", ptx_coef=0.0, episodes=16 * 20, no_eos_penalty=0.0),
                    prompts(), reward_fn=toy_reward, log=lambda s, m: None)
    first = sum(h["reward"] for h in toy.history[:4]) / 4
    last = sum(h["reward"] for h in toy.history[-4:]) / 4
    assert last > first
    tok = AutoTokenizer.from_pretrained(str(sft.path))
    ref = AutoModelForCausalLM.from_pretrained(sft.path).cuda()
    assert win_rate(toy.model, ref, tok, prompts(8), toy_reward, max_new_tokens=8)["n"] == 8
    assert kl_to_reference(ref, ref, tok, prompts(8), max_new_tokens=8) == 0.0
    save_pretrained(load_reward_model(str(rm.path)), tok, tmp_path / "copy")
