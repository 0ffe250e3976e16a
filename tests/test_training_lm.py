"""training/: base LM pretraining, SFT label masking, checkpoints that load and generate, resume after a kill."""

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM, AutoTokenizer

from tests.test_training_basics import corpus, make_lm
from training.evaluate import perplexity
from training.pretrain import PretrainConfig, train_lm
from training.sft import IGNORE, SFTConfig, collate, encode_pair, train_sft
from training.tokenizer import TokenizerConfig, train_tokenizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Killed(Exception):
    pass


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("tok")
    train_tokenizer(TokenizerConfig.preset("tiny", out_dir=str(root), name="tokenizer", vocab_size=300), corpus())
    return root / "tokenizer"


def tiny_lm_config(tokenizer_dir, out_dir, **kw) -> PretrainConfig:
    return PretrainConfig.preset("tiny", tokenizer=str(tokenizer_dir), out_dir=str(out_dir), name="base",
                                 n_ctx=32, batch_size=8, micro_batch_size=4, **kw)


def test_pretraining_loss_falls_on_a_repeated_corpus_and_the_checkpoint_generates(tokenizer_dir, tmp_path):
    texts = ["the cat sat on the mat. the dog ran under the log."] * 40
    logs = []
    cfg = tiny_lm_config(tokenizer_dir, tmp_path, max_steps=40, warmup_steps=4, log_every=10, eval_every=20)
    result = train_lm(cfg, texts, texts[:10], log=lambda step, m: logs.append((step, m)))
    losses = [h["loss"] for h in result.history]
    assert [s for s, _ in logs] == [10, 20, 30, 40]
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    assert result.metrics["val_ppl"] < 3.0  # memorised
    folder = tmp_path / "base"
    assert result.path == folder and (folder / "model.safetensors").exists() and not list(tmp_path.glob(".base.*"))
    saved = json.loads((folder / "metrics.json").read_text())
    assert len(saved["history"]) == 40 and saved["metrics"]["val_ppl"] == result.metrics["val_ppl"]
    assert (folder / "curve.png").exists() or (folder / "curve.txt").exists()

    model = AutoModelForCausalLM.from_pretrained(folder)
    tok = AutoTokenizer.from_pretrained(str(folder))
    out = model.generate(**tok(["the cat"], return_tensors="pt"), max_new_tokens=8, do_sample=False,
                         pad_token_id=tok.pad_token_id)
    assert tok.decode(out[0]).startswith("the cat sat on the mat")
    assert perplexity(model, tok, texts[:4], block_size=32) == pytest.approx(result.metrics["val_ppl"], rel=0.05)


def test_a_killed_run_resumes_from_its_intermediate_checkpoint_and_ends_identical(tokenizer_dir, tmp_path):
    texts = corpus(60)
    kw = {"max_steps": 12, "checkpoint_every": 4, "dropout": 0.1, "log_every": 1}  # dropout: the RNG must resume too
    whole = train_lm(tiny_lm_config(tokenizer_dir, tmp_path / "a", **kw), texts, log=lambda s, m: None)

    cfg = tiny_lm_config(tokenizer_dir, tmp_path / "b", **kw)

    def die_after_9(step, metrics):
        if step == 9:
            raise Killed

    with pytest.raises(Killed):
        train_lm(cfg, texts, log=die_after_9)
    assert not (tmp_path / "b" / "base").exists()  # no final folder from a killed run
    assert [p.name for p in sorted((tmp_path / "b" / ".base.intermediate").glob("step_*"))] == [
        "step_00000004", "step_00000008"]

    logs = []
    resumed = train_lm(cfg, texts, log=lambda s, m: logs.append((s, m)))
    assert logs[0] == (8, {"resumed_from_step": 8.0})
    assert [s for s, _ in logs[1:]] == [9, 10, 11, 12]
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in whole.history]
    for (name, a), b in zip(whole.model.state_dict().items(), resumed.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert not (tmp_path / "b" / ".base.intermediate").exists()


def test_sft_masks_prompt_tokens_out_of_the_loss(tmp_path):
    tok = AutoTokenizer.from_pretrained(str(make_lm(tmp_path)))
    ids, labels = encode_pair(tok, "Q: where is the cat?\nA:", " on the mat", max_len=64)
    n_prompt = len(tok("Q: where is the cat?\nA:", add_special_tokens=False)["input_ids"])
    assert labels[:n_prompt] == [IGNORE] * n_prompt
    assert labels[n_prompt:] == ids[n_prompt:] and ids[-1] == tok.eos_token_id
    short_ids, short_labels = encode_pair(tok, "Q: where is the cat?\nA:", " on the mat", max_len=6)
    assert len(short_ids) == 6 and short_labels[-1] == tok.eos_token_id  # prompt cut from the left

    batch = collate([(ids, labels), (short_ids, short_labels)], tok.pad_token_id)
    assert batch["labels"][1, 6:].eq(IGNORE).all() and batch["attention_mask"][1, 6:].eq(0).all()
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "lm")
    logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE
    by_hand = F.cross_entropy(logits[:, :-1][keep], targets[keep])
    torch.testing.assert_close(model(**batch).loss, by_hand)
    assert keep.sum() == 2 * (len(ids) - n_prompt)  # the response + EOS tokens of both rows, nothing else


def test_sft_trains_with_residual_dropout_and_cosine_to_ten_percent(tmp_path):
    base = make_lm(tmp_path, "base")
    pairs = [(f"Q: {w}?\nA:", f" {w} {w} {w}") for w in ["cat", "dog", "sun", "log", "mat", "red"]] * 4
    cfg = SFTConfig.preset("tiny", init_from=str(base), out_dir=str(tmp_path), name="sft", epochs=6, batch_size=8,
                           ptx_coef=0.0)
    result = train_sft(cfg, pairs, pairs[:6], log=lambda s, m: None)
    assert len(result.history) == 6 * 3 and "ptx_loss" not in result.history[0]
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert result.history[0]["lr"] == cfg.lr and result.history[-1]["lr"] == pytest.approx(0.1 * cfg.lr, rel=0.1)
    model = AutoModelForCausalLM.from_pretrained(result.path)
    assert model.config.resid_pdrop == 0.2
    assert math.isfinite(result.metrics["val_loss"])


def test_sft_with_the_pretraining_term_stays_a_better_language_model(tmp_path):
    base = make_lm(tmp_path, "base")
    pairs = [(f"Q: {w}?\nA:", f" {w} {w} {w}") for w in ["cat", "dog", "sun", "log", "mat", "red"]] * 4
    text = corpus(40, seed=5)
    tok = AutoTokenizer.from_pretrained(str(base))

    def lm_loss(path) -> float:
        model = AutoModelForCausalLM.from_pretrained(path).eval()
        ids = torch.tensor([tok(" ".join(text))["input_ids"][:128]])
        with torch.no_grad():
            return float(model(input_ids=ids, labels=ids).loss)

    runs = {}
    for coef in (0.0, 1.0):
        cfg = SFTConfig.preset("tiny", init_from=str(base), out_dir=str(tmp_path), name=f"sft{coef}", epochs=4,
                               batch_size=8, ptx_coef=coef, ptx_batch_size=4, ptx_block_size=32)
        runs[coef] = train_sft(cfg, pairs, pairs[:6], log=lambda s, m: None, ptx_texts=text)
    assert all(h["ptx_loss"] > 0 for h in runs[1.0].history)
    assert runs[1.0].history[-1]["ptx_loss"] < runs[1.0].history[0]["ptx_loss"]
    assert lm_loss(runs[1.0].path) < lm_loss(runs[0.0].path) - 0.3  # the term trains on the pretraining text
    assert runs[1.0].history[-1]["loss"] < runs[1.0].history[0]["loss"]  # and the responses are still learned
    with pytest.raises(ValueError, match="needs pretraining texts"):
        train_sft(replace(cfg, name="none"), pairs, (), log=lambda s, m: None)


def test_pretrain_can_load_a_local_pretrained_folder_instead(tmp_path):
    local = make_lm(tmp_path, "gpt2-local")
    cfg = PretrainConfig(init_from=str(local), out_dir=str(tmp_path), name="base", max_steps=0, micro_batch_size=4)
    result = train_lm(cfg, [], corpus(20), log=lambda s, m: None)
    assert math.isfinite(result.metrics["val_ppl"]) and result.history == []
    copied = AutoModelForCausalLM.from_pretrained(result.path)
    original = AutoModelForCausalLM.from_pretrained(local)
    assert all(torch.equal(a, b) for a, b in zip(copied.state_dict().values(), original.state_dict().values(),
                                                  strict=True))


def test_runs_side_by_side_in_two_processes_match_the_same_runs_in_order(tokenizer_dir, tmp_path):
    """training.side_by_side: two spawned workers of one thread each train what one process trains in order (the
    mixture tokenized once, memory-mapped by both); the scratch token files go when it closes."""
    from training.side_by_side import SideBySide

    texts = corpus()
    cfgs = [tiny_lm_config(tokenizer_dir, tmp_path / out, n_embd=16, n_layer=1, n_head=2, max_steps=6,
                           warmup_steps=1, eval_every=6, eval_batches=2, seed=seed)
            for out, seed in (("a", 0), ("b", 1), ("c", 2))]
    results = {}
    for workers in (1, 2):
        cfgs_w = [replace(c, out_dir=f"{c.out_dir}-{workers}") for c in cfgs]
        with SideBySide(str(tokenizer_dir), texts[:-4], texts[-4:], tmp_path / f"tok{workers}", workers) as runs:
            results[workers] = runs.run_all(cfgs_w)
        assert not (tmp_path / f"tok{workers}").exists()
        assert all((Path(c.out_dir) / "base" / "config.json").exists() for c in cfgs_w)
    assert [m["val_ppl"] for m in results[2]] == pytest.approx([m["val_ppl"] for m in results[1]], rel=1e-4)
    assert len({round(m["val_ppl"], 4) for m in results[1]}) == 3  # three seeds, three runs
