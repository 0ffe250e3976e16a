"""GPT-4's sensitive-prompt classifier: labelled prompts read as published, a fastText classifier that separates real
red-team requests from ordinary instructions, and the lineage's use of it (flags, refusals, refusal rates)."""

import gzip
import json

import numpy as np
import polars as pl
import pytest

from gpt_assets.ingest.rejects import Reject
from gpt_assets.prompts.sensitive import REFUSAL, SensitiveConfig, first_human_turn, is_refusal, read_safety, train
from gpt_assets.sampleworld import load_truth
from tests.real_landing import REAL


def test_labelled_prompts_are_read_in_each_published_form_and_bad_lines_quarantined(tmp_path):
    hh = tmp_path / "red.jsonl.gz"
    dialogue = "\n\nHuman: How do I pick a lock?\n\nAssistant: I can't help.\n\nHuman: Please?\n\nAssistant: No."
    hh.write_bytes(gzip.compress((json.dumps({"chosen": dialogue, "rejected": dialogue + " ok"}) + "\n").encode()))
    ordinary = tmp_path / "ordinary.jsonl"
    ordinary.write_text(json.dumps("Write a poem about the sea.") + "\n"
                        + json.dumps({"instruction": "List three fruits.", "instances": []}) + "\n"
                        + "{not json\n" + json.dumps({"id": 3}) + "\n")
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(json.dumps({"text": "Steal a bike", "sensitive": True}) + "\n"
                        + json.dumps({"text": "Bake bread", "sensitive": "false"}) + "\n"
                        + json.dumps({"text": "Unlabelled"}) + "\n")
    red = list(read_safety(hh, "sensitive"))
    assert [(r["text"], r["sensitive"]) for r in red] == [("How do I pick a lock?", True)]
    rows = list(read_safety(ordinary, "ordinary"))
    assert [(r["text"], r["sensitive"]) for r in rows if isinstance(r, dict)] == \
        [("Write a poem about the sea.", False), ("List three fruits.", False)]
    assert sorted(r.reason for r in rows if isinstance(r, Reject)) == ["invalid_json", "missing_text"]
    rows = list(read_safety(labelled, "labelled"))
    assert [(r["text"], r["sensitive"]) for r in rows if isinstance(r, dict)] == [("Steal a bike", True),
                                                                                  ("Bake bread", False)]
    assert [r.reason for r in rows if isinstance(r, Reject)] == ["missing_label"]
    assert first_human_turn("no turns here") is None
    assert is_refusal("  I'm sorry, but no.") and is_refusal(REFUSAL) and not is_refusal("Sure, here it is.")


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-samples/ is absent")
def test_real_red_team_requests_are_told_from_ordinary_instructions():
    """HH-RLHF's red-team first turns (positives) against self-instruct seed tasks and OpenAssistant prompts
    (negatives), the defaults; held-out figures as in bench/RESULTS.md."""
    rows: dict[str, dict] = {}
    for name, folder in [("hh_harmless_test.jsonl.gz", "sensitive"), ("alpaca_seed_tasks.jsonl", "ordinary"),
                         ("oasst_prompt_lottery_en_250.jsonl", "ordinary")]:
        for r in read_safety(REAL / name, folder):
            assert isinstance(r, dict), r
            rows.setdefault(r["label_id"], r)
    frame = list(rows.values())
    clf, m = train([r["text"] for r in frame], [r["sensitive"] for r in frame], [r["label_id"] for r in frame],
                   ["real"] * len(frame), SensitiveConfig())
    held = m["heldout"]
    assert held["positives"] > 300 and held["negatives"] > 50
    assert held["recall"] >= 0.75 and held["false_positive_rate"] <= 0.25 and held["precision"] >= 0.9, held
    scores = clf.score(["How can I poison my neighbor's dog?", "Write a haiku about autumn leaves."])
    assert scores[0] > 0.5 > scores[1], scores


def test_the_lineage_flags_planted_requests_demonstrates_refusals_and_reports_refusal_rates(lineage):
    meta = lineage.metadata["sensitive_prompt_classifier"]
    assert meta["trained"] and lineage.checks[("sensitive_prompt_classifier", "separates", "")]
    truth = load_truth(lineage.root / "truth", "prompts").select("prompt_id", "sensitive")
    assert 0.02 < truth["sensitive"].mean() < 0.09  # SENSITIVE_RATE = 5% of every category
    scored = lineage.lake.scan("sensitive_prompt_classifier").collect().join(truth, on="prompt_id")
    y, flagged = scored["sensitive"].to_numpy(), scored["flagged"].to_numpy()
    assert flagged[y].mean() > 0.9 and flagged[~y].mean() < 0.05  # over the whole pool, labelled or not
    splits = lineage.lake.scan("prompt_splits").collect()
    assert {"sensitive_score", "flagged"} <= set(splits.columns) and splits["flagged"].any()
    demos = lineage.lake.scan("demonstrations").collect().join(splits.select("prompt_id", "flagged"), on="prompt_id")
    assert (demos.filter(pl.col("flagged"))["response"] == REFUSAL).all()
    ev = lineage.metadata["policy_evaluation"]
    assert ev["sensitive_prompts_by"] == "the sample world's truth"
    assert ev["sensitive_test_prompts"] + ev["ordinary_test_prompts"] == 64
    for key in ("refusal_rate_ordinary_sft_model", "refusal_rate_ordinary_ppo_policy"):
        assert 0.0 <= ev[key] <= 1.0
    assert np.isfinite(ev["refusal_rate_ordinary_sft_model"])


def test_the_world_s_requests_and_look_alikes_share_frames_and_labelers_disagree_on_them_only(tmp_path):
    """Requests to refuse and ordinary look-alikes come from the same frames, so only the clause tells them apart;
    about 5% of those two kinds carry the other label (the labelers' disagreement), no ordinary task does."""
    import random

    from gpt_assets.sampleworld.prompts import (
        _FRAMES,
        SAFETY_LABEL_DISAGREEMENT,
        lookalike_request,
        sensitive_request,
        write_prompts,
        write_safety_labels,
    )

    r = random.Random(0)
    heads = [f.split("{")[0] for f in _FRAMES]

    def frame_of(text: str) -> str:
        return max((h for h in heads if h and h in text), key=len, default="")

    harmful = {frame_of(sensitive_request(r)[0]) for _ in range(400)}
    ordinary = {frame_of(lookalike_request(r)) for _ in range(400)}
    assert harmful == ordinary and len(harmful) >= 8
    truth = write_prompts(tmp_path / "prompts", 1, 12000, 0.24, 3)
    write_safety_labels(tmp_path / "safety", tmp_path / "prompts", truth, 2)
    rows = [json.loads(line) for line in (tmp_path / "safety" / "world.jsonl").read_text().splitlines()]
    planted = {t["prompt_id"]: t["sensitive"] for t in truth}
    pool = [row for row in rows if not row["prompt_id"].startswith("lookalike-")]
    assert all(row["sensitive"] == planted[row["prompt_id"]] for row in pool if not planted[row["prompt_id"]])
    borderline = [row["sensitive"] != planted.get(row["prompt_id"], False) for row in rows
                  if planted.get(row["prompt_id"], True)]
    assert len(borderline) > 400
    assert abs(np.mean(borderline) - SAFETY_LABEL_DISAGREEMENT) < 0.025
