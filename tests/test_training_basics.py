"""training/: tokenizer, configs, padding, KV-cache sampling, atomic checkpoints; plus the tiny builders other
training tests import."""

import json
import os
import random
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as hf_logging

from training.checkpoint import atomic_dir
from training.config import from_dict, load_config, run_key
from training.data import batch_indices, model_inputs, pad, stream_indices
from training.generation import _draw, sample, token_logprobs
from training.pretrain import PretrainConfig, build_model
from training.sft import SFTConfig
from training.tokenizer import TokenizerConfig, train_tokenizer
from training.tokenizer import main as tokenizer_main

os.environ.setdefault("HF_HUB_OFFLINE", "1")
hf_logging.disable_progress_bar()
hf_logging.set_verbosity_error()



pytestmark = pytest.mark.usefixtures("one_torch_thread")


WORDS = "the cat dog sat ran on under a mat log big small red blue bird sun".split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def corpus(n: int = 200, seed: int = 0) -> list[str]:
    """Deterministic toy documents."""
    rng = random.Random(seed)
    return [sentence(rng, rng.randint(5, 20)).capitalize() + "." for _ in range(n)]


def make_tokenizer(root: Path, vocab_size: int = 300):
    return train_tokenizer(TokenizerConfig.preset("tiny", out_dir=str(root), name="tokenizer", vocab_size=vocab_size),
                           corpus())


def make_lm(root: Path, name: str = "lm", seed: int = 0) -> Path:
    """A randomly initialised tiny GPT-2 saved with its tokenizer: stands in for a base or SFT model."""
    tokenizer = make_tokenizer(root / f".{name}-tok")
    torch.manual_seed(seed)
    model = build_model(PretrainConfig.preset("tiny"), tokenizer)
    model.save_pretrained(root / name)
    tokenizer.save_pretrained(root / name)
    return root / name


def test_tokenizer_round_trips_and_loads_with_auto_tokenizer(tmp_path):
    tokenizer = make_tokenizer(tmp_path)
    loaded = AutoTokenizer.from_pretrained(str(tmp_path / "tokenizer"))
    for text in ["The cat sat on the mat.", "  spaces\tand\nnewlines ", "héllo wörld — 😀 ∑", ""]:
        ids = loaded(text, add_special_tokens=False)["input_ids"]
        assert loaded.decode(ids) == text
        assert ids == tokenizer(text, add_special_tokens=False)["input_ids"]
    assert len(loaded) == 300
    assert loaded.eos_token == "<|endoftext|>" and loaded.convert_tokens_to_ids("<|endoftext|>") == 0
    assert loaded.pad_token_id not in (None, loaded.eos_token_id)
    assert len(loaded("the cat sat on the mat")["input_ids"]) < len("the cat sat on the mat")  # merges were learnt


def test_tokenizer_cli_reads_a_json_config(tmp_path):
    texts = tmp_path / "texts.jsonl"
    texts.write_text("".join(json.dumps({"text": t}) + "\n" for t in corpus(50)))
    config = tmp_path / "tok.json"
    config.write_text(json.dumps({"preset": "tiny", "vocab_size": 280, "out_dir": str(tmp_path), "name": "bpe",
                                  "texts_path": str(texts)}))
    tokenizer_main(["--config", str(config)])
    assert len(AutoTokenizer.from_pretrained(str(tmp_path / "bpe"))) == 280


def test_configs_have_paper_defaults_presets_and_strict_json(tmp_path):
    assert SFTConfig().epochs == 16 and SFTConfig().resid_pdrop == 0.2 and SFTConfig().min_lr_ratio == 0.1
    tiny = PretrainConfig.preset("tiny", max_steps=5)
    assert (tiny.n_layer, tiny.n_head, tiny.n_embd, tiny.n_ctx, tiny.max_steps) == (3, 4, 96, 128, 5)
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"preset": "gpt2-124m", "lr": 1e-4}))
    cfg = load_config(PretrainConfig, path)
    assert (cfg.n_layer, cfg.n_embd, cfg.device, cfg.lr) == (12, 768, "cuda", 1e-4)
    with pytest.raises(ValueError, match="unknown"):
        from_dict(PretrainConfig, {"learning_rate": 1})
    # operational fields do not change the run's identity; computational ones do
    assert run_key(tiny) == run_key(PretrainConfig.preset("tiny", max_steps=5, log_every=1, out_dir="elsewhere"))
    assert run_key(tiny) != run_key(PretrainConfig.preset("tiny", max_steps=5, lr=1.0))


def test_batch_order_is_a_seeded_permutation_per_epoch():
    epoch = [i for step in range(4) for i in batch_indices(10, 3, step, seed=1)]
    assert sorted(epoch) == list(range(10))
    assert batch_indices(10, 3, 5, seed=1) == batch_indices(10, 3, 5, seed=1)
    assert epoch != [i for step in range(4, 8) for i in batch_indices(10, 3, step, seed=1)]
    stream = [stream_indices(10, 4, step, seed=1) for step in range(5)]  # full batches across epochs (PPO)
    assert all(len(b) == 4 for b in stream) and sorted(sum(stream, [])[:10]) == list(range(10))
    assert sum(stream, [])[10:20] == torch.randperm(10, generator=torch.Generator().manual_seed(2)).tolist()


def test_left_and_right_padding_give_the_same_logits(tmp_path):
    model = AutoModelForCausalLM.from_pretrained(make_lm(tmp_path)).eval()
    seqs = [[5, 6, 7, 8, 9], [10, 11]]
    right = model(**model_inputs(*pad(seqs, 1, "right"))).logits
    left = model(**model_inputs(*pad(seqs, 1, "left"))).logits
    torch.testing.assert_close(right[1, :2], left[1, 3:])
    torch.testing.assert_close(right[0], left[0])


def test_kv_cache_sampling_is_seeded_and_matches_a_full_forward(tmp_path):
    folder = make_lm(tmp_path)
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(str(folder))
    prompts = [tok("The cat")["input_ids"], tok("A big red dog sat on")["input_ids"]]
    kw = {"max_new_tokens": 12, "eos_id": tok.eos_token_id, "pad_id": tok.pad_token_id}
    a = sample(model, prompts, generator=torch.Generator().manual_seed(3), **kw)
    b = sample(model, prompts, generator=torch.Generator().manual_seed(3), **kw)
    assert torch.equal(a.input_ids, b.input_ids)
    assert a.response_mask.sum(1).tolist() == [len(r) for r in a.responses()]
    # log-probabilities from one forward pass equal the cached step-by-step distribution they were sampled from
    lp = token_logprobs(model, a.input_ids, a.attention_mask, a.prompt_len)
    assert lp.shape == a.response_mask.shape and torch.isfinite(lp[a.response_mask.bool()]).all()
    for row, prompt in enumerate(prompts):
        resp = a.responses()[row]
        ids = torch.tensor([prompt + resp])
        ref = token_logprobs(model, ids, torch.ones_like(ids), len(prompt))[0]
        torch.testing.assert_close(lp[row, :len(resp)], ref, atol=1e-5, rtol=1e-5)


def test_drawing_a_token_follows_the_distribution_and_never_picks_a_zero():
    probs = torch.tensor([[0.5, 0.0, 0.3, 0.2, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]]).repeat(20_000, 1)
    tokens = _draw(probs, torch.Generator().manual_seed(0)).view(-1, 2)
    assert (tokens[:, 1] == 4).all()
    freq = torch.bincount(tokens[:, 0], minlength=5).float() / len(tokens)
    assert freq[1] == 0 and freq[4] == 0
    torch.testing.assert_close(freq, probs[0], atol=0.015, rtol=0)


def test_atomic_dir_never_shows_a_partial_folder(tmp_path):
    target = tmp_path / "ckpt"

    def broken(tmp: Path) -> None:
        (tmp / "half.bin").write_text("x")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        atomic_dir(target, broken)
    assert not target.exists() and (tmp_path / ".ckpt.partial").exists()
    atomic_dir(target, lambda tmp: (tmp / "done.txt").write_text("1"))
    atomic_dir(target, lambda tmp: (tmp / "done.txt").write_text("2"))  # replaces a finished folder whole
    assert (target / "done.txt").read_text() == "2" and not (tmp_path / ".ckpt.partial").exists()
