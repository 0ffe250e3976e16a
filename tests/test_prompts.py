"""InstructGPT prompt datasets: splits, the simulated labeler, demonstrations, real-format importers."""

import gzip
import json
import random
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from gpt_assets.defs.prompts import imported_feedback
from gpt_assets.prompts.importers import read_alpaca, read_hh, read_oasst
from gpt_assets.prompts.labeler import CLOSERS, OPENERS, Prompt, SimulatedLabeler, gold_score, pair_agreement
from gpt_assets.prompts.sensitive import REFUSAL
from gpt_assets.resources import DataRoot
from gpt_assets.sampleworld import load_truth
from tests.conftest import TINY_CONFIG

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "real-samples"
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/real-samples/ is absent")


def test_prompt_splits_have_the_configured_sizes_and_load_with_datasets(lineage):
    import datasets

    want = TINY_CONFIG["prompt_splits"]
    sizes = dict(lineage.sql("select split, count(*) from prompt_splits group by split"))
    assert {k: sizes[k] for k in ("sft", "rm", "ppo")} == {k: want[k] for k in ("sft", "rm", "ppo")}
    assert sizes["val"] > 0 and sizes["test"] > 0
    sft = datasets.load_dataset("parquet", data_files=str(lineage.lake.part_path("prompt_splits", "sft")),
                                split="train")
    assert len(sft) == want["sft"] and {"prompt_id", "user_id", "source", "text", "split"} <= set(sft.column_names)
    checks = {c: ok for (a, c, _), ok in lineage.checks.items() if a == "prompt_splits"}
    assert len(checks) == 9 and all(checks.values())


def test_planted_pii_is_scrubbed(lineage):
    truth = load_truth(lineage.root / "truth", "prompts").filter(pl.col("pii_kinds").list.len() > 0)
    values = [v for vs in truth["pii_values"] for v in vs]
    texts = lineage.lake.scan("prompt_splits").select("text").collect()["text"]
    assert values and not any(v in t for t in texts for v in values if "@" in v or len(v) > 9)


def test_demonstrations_answer_every_sft_prompt(lineage):
    demos = lineage.lake.scan("demonstrations").filter(pl.col("source") != "dialogue").collect()
    sft = lineage.lake.scan("prompt_splits").filter(pl.col("split") == "sft").collect()
    assert demos.height == sft.height and set(demos["prompt_id"]) == set(sft["prompt_id"])
    truth = dict(load_truth(lineage.root / "truth", "prompts").select("prompt_id", "reference_answer").iter_rows())
    flagged = set(sft.filter(pl.col("flagged"))["prompt_id"])
    assert flagged, "the tiny world's planted sensitive prompts are flagged"
    padded = 0
    for p, r in demos.select("prompt_id", "response").iter_rows():
        lines = r.split("\n")
        if p in flagged:  # GPT-4 §6: a prompt the sensitive-prompt classifier flags is demonstrated with a refusal
            assert r == REFUSAL
        elif r != truth[p]:  # the reference with one chatty line before or after it, the gold counting it against
            assert (lines[0] in OPENERS and "\n".join(lines[1:]) == truth[p]) or \
                (lines[-1] in CLOSERS and "\n".join(lines[:-1]) == truth[p]), r
            assert gold_score(truth[p], r) < gold_score(truth[p], truth[p])
            padded += 1
    assert 0.6 < padded / (demos.height - len(flagged)) < 0.8, padded / demos.height


def _degrade(text: str, level: float, rng: random.Random) -> str:
    words = text.split() or ["ok"]
    out = [w if rng.random() > level else rng.choice(["thing", "stuff", "maybe", "very", "the"]) for w in words]
    if rng.random() < level:
        out = out[: max(1, int(len(out) * (1 - level)))]
    return " ".join(out)


def test_two_simulated_labelers_agree_on_about_73_percent_of_pairs(tiny_world):
    truth = load_truth(tiny_world / "truth", "prompts")
    a, b = SimulatedLabeler(truth, seed=1), SimulatedLabeler(truth, seed=2)
    rng = random.Random(0)
    same = total = 0
    for pid, ref in truth.select("prompt_id", "reference_answer").head(600).iter_rows():
        responses = [_degrade(ref, lvl, rng) for lvl in (0.0, 0.15, 0.3, 0.45, 0.6, 0.8)]
        prompt = Prompt(pid, "")
        s, t = pair_agreement(a.rank(prompt, responses), b.rank(prompt, responses))
        same, total = same + s, total + t
    assert 0.70 <= same / total <= 0.76, same / total


def test_gold_preference_prefers_the_right_answer():
    ref = "The capital of Australia is Canberra."
    assert gold_score(ref, ref) == 1.0
    assert gold_score(ref, "The capital of Australia is Sydney.") < gold_score(ref, ref)
    assert gold_score(ref, "Canberra " * 40) < gold_score(ref, "It is Canberra.")
    assert gold_score(ref, "") == 0.0


@needs_samples
def test_hh_rlhf_sample_becomes_comparisons():
    rows = list(read_hh(SAMPLES / "hh_harmless_test.jsonl.gz"))
    comps = [r for r in rows if isinstance(r, dict)]
    assert len(comps) > 2000 and len(rows) == 2312  # one row or one quarantine per pair
    assert all(c["prompt"].endswith("<|assistant|>") and c["chosen"] != c["rejected"] for c in comps[:50])
    reasons = {r.reason for r in rows if not isinstance(r, dict)}
    assert "empty_response" in reasons and all(c["chosen"] and c["rejected"] for c in comps)


@needs_samples
def test_oasst_sample_gives_best_reply_demos_and_all_ranked_pairs():
    rows = [r for r in read_oasst(SAMPLES / "oasst_en_100_trees.jsonl") if isinstance(r, dict)]
    demos = [r for r in rows if r["kind"] == "demonstration"]
    comps = [r for r in rows if r["kind"] == "comparison"]
    assert len(demos) >= 100 and len(comps) > len(demos)
    per_prompt = pl.DataFrame(comps).group_by("prompt_id").len()["len"].to_list()
    triangular = {k * (k - 1) // 2 for k in range(2, 20)}
    assert all(n in triangular for n in per_prompt)  # all C(K, 2) pairs of K ranked replies


def test_alpaca_and_malformed_lines(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([
        {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"},
        {"instruction": "No output here."}]))
    rows = list(read_alpaca(tmp_path / "a.json"))
    assert rows[0]["prompt"] == "Add the numbers.\n\n2 and 3" and rows[0]["response"] == "5"
    assert rows[1].reason == "missing_instruction_or_output"
    good = {"chosen": "\n\nHuman: hi\n\nAssistant: hello", "rejected": "\n\nHuman: hi\n\nAssistant: go away"}
    (tmp_path / "h.jsonl").write_text(json.dumps(good) + "\n{broken\n" + json.dumps(good) + "\n")
    rows = list(read_hh(tmp_path / "h.jsonl"))
    assert [type(r).__name__ for r in rows] == ["dict", "Reject", "dict"] and rows[1].position == 2


@needs_samples
def test_imported_feedback_asset_reads_the_real_samples(tmp_path):
    for fmt, name in (("hh-rlhf", "hh_harmless_test.jsonl.gz"), ("oasst", "oasst_en_100_trees.jsonl")):
        (tmp_path / "raw/feedback" / fmt).mkdir(parents=True)
        shutil.copy(SAMPLES / name, tmp_path / "raw/feedback" / fmt / name)
    (tmp_path / "raw/feedback/hh-rlhf/bad.jsonl.gz").write_bytes(gzip.compress(b"{not json\n", mtime=0))
    result = dg.materialize([imported_feedback], resources={"data": DataRoot(path=str(tmp_path))})
    assert result.success
    lake = DataRoot(path=str(tmp_path)).lake
    comps = lake.scan("imported_comparisons").collect()
    assert set(comps["source"]) == {"hh-rlhf", "oasst"}
    assert lake.scan("imported_demonstrations").collect().height >= 100
    rejects = lake.scan("ingest_rejects").collect()
    assert "feedback/hh-rlhf/bad.jsonl.gz" in rejects["file"].to_list()
