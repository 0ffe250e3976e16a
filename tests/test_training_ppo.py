"""training/ppo.py, sample.py and evaluate.py: GAE and KL rewards by hand, PPO raising a toy reward, PPO-ptx with a
reward model and EMA, resume after a kill, K samples per prompt, win rate and KL."""

import json
import random

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.test_training_basics import corpus, make_lm, sentence
from training.checkpoint import save_pretrained
from training.evaluate import kl_to_reference, win_rate
from training.ppo import PPOConfig, PPOTrainer, gae, kl_rewards, train_ppo, whiten
from training.reward import load_reward_model
from training.sample import sample_k

TARGET = "o"  # toy reward: how often the response uses this letter


class Killed(Exception):
    pass


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def toy_reward(prompt: str, response: str) -> float:
    return float(response.count(TARGET))


def prompts(n: int = 32) -> list[str]:
    rng = random.Random(0)
    return [f"Q: {sentence(rng, 3)}?\nA:" for _ in range(n)]


@pytest.fixture(scope="module")
def sft(tmp_path_factory):
    return make_lm(tmp_path_factory.mktemp("ppo"), "sft")


@pytest.fixture(scope="module")
def toy_run(sft, tmp_path_factory):
    """Plain PPO (no ptx) on the toy reward."""
    cfg = PPOConfig.preset("tiny", policy_init=str(sft), out_dir=str(tmp_path_factory.mktemp("toy")), name="policy",
                           ptx_coef=0.0, episodes=16 * 24, no_eos_penalty=0.0, lr=3e-3, value_lr=3e-3, max_new_tokens=8)
    return train_ppo(cfg, prompts(), reward_fn=toy_reward, log=lambda s, m: None)


def test_gae_without_discount_and_kl_rewards_by_hand():
    rewards = torch.tensor([[0.0, 0.0, 1.0], [0.5, 0.0, 0.0]])
    values = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    adv, ret = gae(rewards, values, mask, gamma=1.0, lam=0.5)
    d = [0.0 + 0.2 - 0.1, 0.0 + 0.3 - 0.2, 1.0 - 0.3]  # TD errors of row 0
    expected0 = [d[0] + 0.5 * (d[1] + 0.5 * d[2]), d[1] + 0.5 * d[2], d[2]]
    torch.testing.assert_close(adv[0], torch.tensor(expected0))
    torch.testing.assert_close(adv[1], torch.tensor([0.5 - 0.4, 0.0, 0.0]))
    torch.testing.assert_close(ret, (adv + values) * mask)
    # with lambda = 1 and no discount the return is the sum of the remaining rewards
    _, ret1 = gae(rewards, values, mask, gamma=1.0, lam=1.0)
    torch.testing.assert_close(ret1[0], torch.tensor([1.0, 1.0, 1.0]))

    logp = torch.tensor([[-1.0, -2.0, -3.0], [-1.0, -9.0, -9.0]])
    ref = torch.tensor([[-1.5, -2.0, -2.0], [-2.0, -1.0, -1.0]])
    r = kl_rewards(logp, ref, torch.tensor([3.0, -1.0]), mask, kl_coef=0.02)
    torch.testing.assert_close(r, torch.tensor([[-0.01, 0.0, 0.02 + 3.0], [-0.02 - 1.0, 0.0, 0.0]]))
    w = whiten(torch.tensor([[1.0, 2.0, 3.0], [4.0, 100.0, 100.0]]), mask)
    assert w[mask.bool()].mean().abs() < 1e-6 and w[~mask.bool()].eq(0).all()


def test_ppo_raises_a_toy_reward_and_logs_every_step(toy_run):
    history = toy_run.history
    assert [h["step"] for h in history] == list(range(1, 25))
    for key in ("reward", "kl", "total_reward", "pg_loss", "vf_loss", "ptx_loss", "clipfrac", "approx_kl", "lr"):
        assert key in history[-1]
    first = sum(h["reward"] for h in history[:5]) / 5
    last = sum(h["reward"] for h in history[-5:]) / 5
    assert last > first + 1.0, (first, last)
    assert history[-1]["kl"] > 0  # the policy moved away from the SFT reference
    assert history[0]["lr"] == pytest.approx(0.1 * 3e-3) and history[-1]["lr"] == pytest.approx(3e-3)  # C.4 warmup
    model = AutoModelForCausalLM.from_pretrained(toy_run.path)
    tok = AutoTokenizer.from_pretrained(str(toy_run.path))
    out = model.generate(**tok(["Q: the cat?\nA:"], return_tensors="pt"), max_new_tokens=5, do_sample=True,
                         pad_token_id=tok.pad_token_id)
    assert out.shape[1] > 0


def test_win_rate_and_kl_of_the_trained_policy(toy_run, sft):
    tok = AutoTokenizer.from_pretrained(str(sft))
    base = AutoModelForCausalLM.from_pretrained(sft)
    held_out = prompts(40)[32:]
    kw = {"max_new_tokens": 8, "seed": 1}
    result = win_rate(toy_run.model, base, tok, held_out, toy_reward, **kw)
    assert result["n"] == 8 and result["wins"] + result["ties"] + result["losses"] == 8
    assert result["win_rate"] > 0.5
    assert kl_to_reference(base, base, tok, held_out, **kw) == 0.0
    assert kl_to_reference(toy_run.model, base, tok, held_out, **kw) > 0.0


def test_ppo_ptx_with_a_reward_model_value_init_and_ema(sft, tmp_path):
    rm_dir = tmp_path / "rm"
    rm = load_reward_model(str(sft))
    save_pretrained(rm, AutoTokenizer.from_pretrained(str(sft)), rm_dir)
    cfg = PPOConfig.preset("tiny", policy_init=str(sft), reward_model=str(rm_dir), out_dir=str(tmp_path),
                           name="ptx", episodes=16 * 3, ema_decay=0.992)
    assert cfg.ptx_coef == 1.0 and cfg.kl_coef == 0.02 and cfg.gamma == 1.0 and cfg.clip_ratio == 0.2  # tiny's
    assert PPOConfig().ptx_coef == 27.8  # the paper's, which gpt2-124m keeps
    trainer = PPOTrainer(cfg)  # value function initialised from the reward model (C.4); reference frozen
    for a, b in zip(trainer.value.state_dict().values(), rm.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert not any(p.requires_grad for p in trainer.reference.parameters())

    result = train_ppo(cfg, prompts(), ptx_texts=corpus(40), log=lambda s, m: None)
    assert all(h["ptx_loss"] > 0 for h in result.history)
    assert all(torch.isfinite(torch.tensor(list(h.values()))).all() for h in result.history)
    policy = AutoModelForCausalLM.from_pretrained(result.path)
    init = AutoModelForCausalLM.from_pretrained(sft)
    moved = [(p - q).abs().max().item() for p, q in zip(policy.parameters(), init.parameters(), strict=True)]
    assert 0 < max(moved) < 1e-2  # the EMA (decay 0.992) moved only a little in 6 updates
    assert json.loads((result.path / "metrics.json").read_text())["metrics"]["reward"] == result.history[-1]["reward"]


def test_ppo_resumes_after_a_kill_with_the_same_final_weights(sft, tmp_path):
    kw = {"policy_init": str(sft), "ptx_coef": 0.0, "episodes": 16 * 4, "checkpoint_every": 2, "ema_decay": 0.9,
          "name": "policy"}
    whole = train_ppo(PPOConfig.preset("tiny", out_dir=str(tmp_path / "a"), **kw), prompts(), reward_fn=toy_reward,
                      log=lambda s, m: None)
    cfg = PPOConfig.preset("tiny", out_dir=str(tmp_path / "b"), **kw)

    def die_at_3(step, metrics):
        if step == 3:
            raise Killed

    with pytest.raises(Killed):
        train_ppo(cfg, prompts(), reward_fn=toy_reward, log=die_at_3)
    steps = []
    resumed = train_ppo(cfg, prompts(), reward_fn=toy_reward, log=lambda s, m: steps.append(s))
    assert steps == [2, 3, 4]  # "resumed_from_step" at 2, then steps 3 and 4
    assert [h["reward"] for h in resumed.history] == [h["reward"] for h in whole.history]
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_sample_k_responses_per_prompt_with_a_seed(sft):
    model = AutoModelForCausalLM.from_pretrained(sft)
    tok = AutoTokenizer.from_pretrained(str(sft))
    rows = sample_k(model, tok, prompts(5), k=4, max_new_tokens=6, seed=7, batch_size=2)
    assert [len(r["responses"]) for r in rows] == [4] * 5 and [r["prompt"] for r in rows] == prompts(5)
    assert rows == sample_k(model, tok, prompts(5), k=4, max_new_tokens=6, seed=7, batch_size=2)
    assert rows != sample_k(model, tok, prompts(5), k=4, max_new_tokens=6, seed=8, batch_size=2)
    assert len({r for row in rows for r in row["responses"]}) > 10  # the K samples differ


def test_responses_that_never_end_pay_the_no_eos_penalty(sft, tmp_path):
    cfg = PPOConfig(policy_init=str(sft), out_dir=str(tmp_path), max_new_tokens=3, no_eos_penalty=-1.0,
                    micro_batch_size=8)
    trainer = PPOTrainer(cfg, reward_fn=lambda prompt, response: 0.5)
    r = trainer.rollout(prompts(16), torch.Generator().manual_seed(0))
    last = (r.mask.sum(dim=1).long() - 1).clamp(min=0)
    final = r.rewards[torch.arange(len(last)), last]  # the policy is its reference: no KL term yet
    expected = torch.where(r.samples.ended, torch.tensor(0.5), torch.tensor(-0.5))
    torch.testing.assert_close(final, expected)
    assert (~r.samples.ended).any()  # a 3-token cap leaves most responses unfinished
    assert PPOConfig.preset("tiny").no_eos_penalty == 0.0 and PPOConfig().no_eos_penalty == -1.0
