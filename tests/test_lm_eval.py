"""Zero-, one- and few-shot evaluation (training.lm_eval, gpt_assets.lm_eval_stage) on real torch models: the
harness's request building and scoring, few-shot prompts, real task files, and the asset over the tiny lineage."""

import random
from pathlib import Path

import polars as pl
import pytest
import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM

from gpt_assets.ingest.tasks import read_tasks
from gpt_assets.lm_eval_stage import above_chance, evaluate, fewshot_gains, plot_accuracy_vs_k, task_splits
from tests.test_training_basics import make_lm, make_tokenizer
from training.lm_eval import EvalSettings, Example, _encode_pair, _prefix, _requests, evaluate_task, loglikelihoods
from training.pretrain import PretrainConfig, train_lm
from training.tokenizer import load_tokenizer

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-samples"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def random_lm(tmp_path_factory):
    path = make_lm(tmp_path_factory.mktemp("lm"))
    return AutoModelForCausalLM.from_pretrained(path), load_tokenizer(path)


def _direct(model, tokenizer, context: str, continuation: str) -> float:
    ctx, cont = _encode_pair(tokenizer, context, continuation)
    ids = torch.tensor([ctx + cont])
    with torch.no_grad():
        logp = F.log_softmax(model(ids).logits[0], -1)
    return sum(logp[len(ctx) + t - 1, c].item() for t, c in enumerate(cont))


def test_loglikelihoods_equal_a_full_forward_pass_in_any_batch(random_lm):
    model, tok = random_lm
    requests = [("The cat sat on the", " mat."), ("A dog", " ran under a big red log."), ("The sun ", "sat."),
                ("", "The bird.")]
    for batch_size in (1, 3):
        got = loglikelihoods(model, tok, requests, batch_size)
        for (ctx, cont), (ll, n, greedy) in zip(requests, got, strict=True):
            assert ll == pytest.approx(_direct(model, tok, ctx, cont), abs=1e-4)
            assert n == len(_encode_pair(tok, ctx, cont)[1]) and isinstance(greedy, bool)
    # the harness's conventions: a context's trailing space moves to the continuation; an empty context is EOS
    assert _encode_pair(tok, "The sun ", "sat.") == _encode_pair(tok, "The sun", " sat.")
    assert _encode_pair(tok, "", "The bird.")[0] == [tok.eos_token_id]


def test_a_request_longer_than_the_context_is_cut_from_the_left(random_lm):
    model, tok = random_lm
    long = " ".join(["the cat sat on the mat"] * 60)  # far past the tiny model's 128 positions
    (ll, n, _), = loglikelihoods(model, tok, [(long, " a dog")])
    assert n == len(_encode_pair(tok, long, " a dog")[1]) and ll < 0


def test_winogrande_is_scored_by_the_rest_of_the_sentence_after_each_option():
    ex = Example("1", "fill_blank", "_ is the capital of France.", ["Paris", "Rome"], 0)
    assert _requests(ex, "", " ") == [("Paris", " is the capital of France."), ("Rome", " is the capital of France.")]
    mc = Example("2", "multiple_choice", "Question: 2+2?\nAnswer:", ["4", "5"], 0)
    context = "X\n\nQuestion: 2+2?\nAnswer:"
    assert _requests(mc, "X\n\n", " ") == [(context, " 4"), (context, " 5")]


def test_few_shot_prompts_hold_solved_examples_never_the_scored_one_and_only_what_fits(random_lm):
    model, tok = random_lm
    pool = [Example(f"s{i}", "multiple_choice", f"Question {i}?", ["yes", "no"], i % 2) for i in range(6)]
    s = EvalSettings()
    text, used = _prefix(tok, pool[:3], pool[0], s, room=128)
    assert used == 3 and text == "Question 0? yes\n\nQuestion 1? no\n\nQuestion 2? yes\n\n"
    long = [Example(f"l{i}", "multiple_choice", "word " * 50, ["yes", "no"], 0) for i in range(4)]
    text, used = _prefix(tok, long, pool[0], s, room=128)
    assert used < 4 and len(tok(text)["input_ids"]) <= 128
    score = evaluate_task(model, tok, pool, pool, 3, s)  # the pool is the scored split: an example never shows itself
    assert score.n == 6 and score.shots == 3 and score.chance == 0.5


def _facts_lm(root: Path) -> tuple:
    """A tiny GPT-2 trained for a few seconds on six "the X is Y" facts: it knows them, and nothing else."""
    rng = random.Random(0)
    facts = list(zip(("cat", "dog", "bird", "sun", "mat", "log"), ("red", "blue", "big", "small", "red", "big"),
                     strict=True))
    texts = [" ".join(f"The {a} is {b}." for a, b in rng.sample(facts, 4)) for _ in range(300)]
    tok_dir = root / "tok"
    make_tokenizer(tok_dir)
    cfg = PretrainConfig.preset("tiny", tokenizer=str(tok_dir / "tokenizer"), out_dir=str(root), name="facts",
                                max_steps=300, n_ctx=32, threads=1, eval_every=1000)
    train_lm(cfg, texts, texts[:5], log=lambda *_: None)
    return AutoModelForCausalLM.from_pretrained(cfg.final_dir), load_tokenizer(cfg.final_dir), facts


def test_a_model_that_learned_the_facts_answers_above_chance_zero_and_few_shot(tmp_path):
    model, tok, facts = _facts_lm(tmp_path)
    rng = random.Random(1)
    exs = []
    for i, (a, b) in enumerate(facts):
        choices = ["red", "blue", "big", "small"]
        rng.shuffle(choices)
        exs.append(Example(str(i), "multiple_choice", f"The {a} is", choices, choices.index(b)))
    s = EvalSettings(ks=(0, 2))
    zero, few = evaluate_task(model, tok, exs, exs, 0, s), evaluate_task(model, tok, exs, exs, 2, s)
    assert zero.acc > 0.5 and few.acc > 0.5 and zero.chance == 0.25 and few.shots == 2
    lambada = [Example(str(i), "last_word", f"The {a} is", [b], 0) for i, (a, b) in enumerate(facts)]
    word = evaluate_task(model, tok, lambada, lambada, 0, s)
    assert word.acc > 0.5 and word.ppl is not None and word.chance == 0.0


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"task": pl.String, "split": pl.String, "id": pl.String, "kind": pl.String,
                                      "context": pl.String, "choices": pl.List(pl.String), "label": pl.Int64,
                                      "source_file": pl.String, "line": pl.Int64})


def test_the_scored_split_is_test_and_shots_come_from_train_else_the_scored_split():
    row = {"kind": "multiple_choice", "context": "c", "choices": ["a", "b"], "label": 0, "source_file": "f"}
    frame = _frame([{**row, "task": "t1", "split": "train", "id": "1", "line": 1},
                    {**row, "task": "t1", "split": "test", "id": "2", "line": 1},
                    {**row, "task": "t1", "split": "validation", "id": "3", "line": 1},
                    {**row, "task": "t2", "split": "validation", "id": "1", "line": 1},
                    {**row, "task": "t3", "split": "test", "id": "1", "line": 1, "label": None}])
    assert task_splits(frame) == {"t1": ("test", "train"), "t2": ("validation", "validation")}  # t3 has no labels


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-samples/ is absent")
def test_real_lambada_and_hellaswag_are_scored_with_chance_beside_them(random_lm, tmp_path):
    model, tok = random_lm
    rows = [r for name, task in (("bench_lambada_openai_test.jsonl", "lambada"),
                                 ("bench_hellaswag_val_1000.jsonl", "hellaswag"))
            for r in read_tasks(REAL / name, task, "test" if task == "lambada" else "validation")
            if isinstance(r, dict)]
    frame = _frame(rows)
    results = evaluate({"random": (model, tok)}, frame, EvalSettings(ks=(0, 1), max_examples=12), log=lambda _: None)
    assert results.height == 4 and results["acc"].is_between(0, 1).all()
    chance = dict(results.filter(pl.col("k") == 0).select("task", "chance").iter_rows())
    assert chance == {"hellaswag": 0.25, "lambada": 0.0}
    assert results.filter(pl.col("task") == "lambada")["ppl"].min() > 1
    assert fewshot_gains(results).height == 2 and above_chance(results, "random").height <= 2
    assert plot_accuracy_vs_k(results, tmp_path / "p.png") and (tmp_path / "p.png").stat().st_size > 1000


def test_lm_evaluation_asset_scores_every_model_on_every_world_task(lineage):
    results = lineage.lake.scan("lm_evaluation").collect()
    tasks = {t for (t,) in lineage.sql("select distinct task from benchmark_tasks")}
    assert tasks == {"world_lambada", "world_hellaswag", "world_arc", "world_winogrande"}
    assert set(results["model"]) == {"base_lm", "sft_model", "ppo_policy"} and set(results["task"]) == tasks
    assert sorted(set(results["k"])) == [0, 1, 4] and results.height == 3 * 4 * 3
    assert lineage.checks[("lm_evaluation", "every_task_scored", "")] is True
    meta = lineage.metadata["lm_evaluation"]
    assert "accuracy_vs_k" in meta and "fewshot_gain" in meta
    assert lineage.sql("select count(*) from task_world_arc")[0][0] == lineage.sql(
        "select count(*) from benchmark_tasks where task = 'world_arc'")[0][0] > 0


def _harness_dir(tmp: Path, train: Path, validation: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "train.jsonl").write_bytes(train.read_bytes())
    (tmp / "validation.jsonl").write_bytes(validation.read_bytes())
    return tmp


@pytest.mark.parametrize("data", ["world", "real"])
def test_our_scores_are_lm_evaluation_harness_scores_on_the_same_model_and_data(data, tiny_world, tmp_path):
    """EleutherAI's harness (its own hellaswag task on local files, in a subprocess, offline) and ours: at k=0 the
    same requests, log-likelihoods and acc / acc_norm per example; at k=1 our scoring of the harness's own prompts
    gives its log-likelihoods (the shots it draws are its sampler's)."""
    pytest.importorskip("lm_eval")
    import sys
    from dataclasses import replace

    from gpt_assets.ingest.rejects import Reject
    from training.harness import run_harness
    from training.pretrain import build_model

    tokenizer = make_tokenizer(tmp_path / "tok")  # a small vocabulary: real endings need more than 128 positions
    torch.manual_seed(3)
    lm = tmp_path / "lm"
    build_model(replace(PretrainConfig.preset("tiny"), n_ctx=512), tokenizer).save_pretrained(lm)
    tokenizer.save_pretrained(lm)
    if data == "world":
        world = tiny_world / "raw" / "tasks" / "world_hellaswag"
        folder, ks = _harness_dir(tmp_path / "data", world / "train.jsonl", world / "validation.jsonl"), [0, 1]
    else:
        real = REAL / "bench_hellaswag_val_1000.jsonl"
        if not real.exists():
            pytest.skip("../shared/real-samples/ is absent")
        folder, ks = _harness_dir(tmp_path / "data", real, real), [0]
    limit = 20
    (tmp_path / "work").mkdir()
    got = run_harness(sys.executable, str(lm), folder, limit, ks, 16, tmp_path / "work")
    assert "error" not in got, got.get("error")
    model, tokenizer = AutoModelForCausalLM.from_pretrained(lm).eval(), load_tokenizer(lm)

    def examples(split: str) -> list[Example]:
        rows = read_tasks(folder / f"{split}.jsonl", "hellaswag", split)
        return [Example(r["id"], r["kind"], r["context"], r["choices"], r["label"]) for r in rows
                if not isinstance(r, Reject)]

    test, shots = examples("validation")[:limit], examples("train")
    settings = EvalSettings(max_examples=limit, batch_size=16)
    for k in ks:
        run = got["runs"][str(k)]
        samples = sorted(run["samples"], key=lambda s: s["doc_id"])
        assert len(samples) == limit
        requests = [tuple(r) for s in samples for r in s["arguments"]]
        ours = [ll for ll, _, _ in loglikelihoods(model, tokenizer, requests, 16)]
        theirs = [ll for s in samples for ll in s["lls"]]
        assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) < 1e-3
        if k == 0:
            assert [[(e.context, " " + c) for c in e.choices] for e in test] == \
                [[tuple(r) for r in s["arguments"]] for s in samples]
            score = evaluate_task(model, tokenizer, test, shots, 0, settings)
            assert score.per_example == [int(s["acc"]) for s in samples]
            assert score.acc == pytest.approx(run["acc"]) and score.acc_norm == pytest.approx(run["acc_norm"])
