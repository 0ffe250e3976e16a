"""The InstructGPT half on real data: real prompts without user ids, real human feedback, labeler kind imported.

The whole lineage runs once over the real landing zone of tests/real_landing.py (the ``real_lineage`` fixture:
the OASST prompt lottery and the self-instruct seed instructions as prompts; HH-RLHF, OpenAssistant trees and the
seed tasks as feedback; the data half on real dumps gives the pretraining mixture).
"""

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from gpt_assets.defs.prompts import LabelerResource
from gpt_assets.ingest.jsonl import read_prompts
from gpt_assets.prompts.importers import read_alpaca
from gpt_assets.prompts.splits import SplitConfig, SplitTooLarge, split
from gpt_assets.resources import DataRoot

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "real-samples"
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/real-samples/ is absent")

def _lines(path: Path, rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


def test_read_prompts_fills_what_real_prompt_files_lack_and_quarantines_the_rest(tmp_path):
    contract = {"prompt_id": "p1", "user_id": "u1", "source": "labeler", "created_at": "2021-01-01T00:00:00Z",
                "text": "Write a haiku."}
    _lines(tmp_path / "p.jsonl", [
        json.dumps("Can you tell me about GLaDOS?"), json.dumps("Can you tell me about GLaDOS?"),
        contract, {"prompt": "Name three rivers.", "lang": "en"}, {"id": "seed_1", "instruction": "Add them.",
                                                                  "input": "2 and 3"},
        {"prompt_id": "p2", "user_id": None, "source": None, "created_at": None, "text": "Say hi."},
        {"prompt_id": "x1", "user_id": "u2"}, {"text": "Hi", "user_id": ""}, {"text": "Hi", "source": "email"},
        {"text": "Hi", "created_at": "yesterday"}, "{not json", json.dumps(7)])
    rows = list(read_prompts(tmp_path / "p.jsonl"))
    ok = [r for r in rows if isinstance(r, dict)]
    assert len(rows) == 12 and len(ok) == 6
    lottery, again, strict, prompt, instruction, nulls = ok
    assert lottery["text"] == "Can you tell me about GLaDOS?" and lottery["prompt_id"].startswith("h-")
    assert again["prompt_id"] == lottery["prompt_id"] + "-2" and again["user_id"] == lottery["user_id"]
    assert lottery["user_id"].startswith("anon:") and prompt["user_id"].startswith("anon:")
    assert lottery["user_id"] != prompt["user_id"]  # each prompt without a user id is its own user
    assert (lottery["source"], lottery["created_at"]) == ("api", None)
    assert strict["user_id"] == "u1" and strict["source"] == "labeler" and strict["created_at"].year == 2021
    assert prompt["text"] == "Name three rivers." and json.loads(prompt["extra"]) == {"lang": "en", "prompt":
                                                                                      "Name three rivers."}
    assert instruction["prompt_id"] == "seed_1" and instruction["text"] == "Add them.\n\n2 and 3"
    assert nulls["user_id"].startswith("anon:") and nulls["source"] == "api"
    reasons = [r.reason for r in rows if not isinstance(r, dict)]
    assert reasons == ["missing_text", "missing_user_id", "unknown_source", "bad_created_at", "invalid_json",
                       "not_an_object"]


@needs_samples
def test_read_alpaca_takes_self_instruct_seed_tasks_and_flat_records(tmp_path):
    seeds = [r for r in read_alpaca(SAMPLES / "alpaca_seed_tasks.jsonl")]
    assert len(seeds) == 175 and all(isinstance(r, dict) for r in seeds)
    first = json.loads((SAMPLES / "alpaca_seed_tasks.jsonl").read_text().splitlines()[1])
    assert seeds[1]["prompt"] == first["instruction"] + "\n\n" + first["instances"][0]["input"]
    assert seeds[1]["response"] == first["instances"][0]["output"]
    _lines(tmp_path / "s.jsonl", [{"instruction": "Sort.", "instances": [{"input": "b a", "output": "a b"},
                                                                         {"input": "c", "output": ""}]},
                                  {"instruction": "Flat.", "input": "", "output": "ok"}])
    rows = list(read_alpaca(tmp_path / "s.jsonl"))
    assert [r["prompt"] if isinstance(r, dict) else r.reason for r in rows] == [
        "Sort.\n\nb a", "missing_instruction_or_output", "Flat."]


def _pool(n_api: int, n_labeler: int = 0) -> pl.DataFrame:
    ids = [f"p{i}" for i in range(n_api + n_labeler)]
    return pl.DataFrame({"prompt_id": ids, "user_id": [f"anon:{i}" for i in ids],
                         "source": ["api"] * n_api + ["labeler"] * n_labeler, "text": ids})


def test_a_pool_too_small_names_the_sizes_that_fit_and_fit_to_pool_uses_them():
    pool = _pool(400)
    with pytest.raises(SplitTooLarge) as exc:
        split(pool, SplitConfig())  # the paper's 13k / 33k / 31k
    msg = str(exc.value)
    assert "fit_to_pool: true" in msg and "api_fills_labeler_quota" in msg and "0 labeler-written" in msg
    out, meta = split(pool, SplitConfig(fit_to_pool=True, api_fills_labeler_quota=True))
    sizes = meta["sizes"]
    assert " ".join(f"--set prompt_splits.{k}={v}" for k, v in sizes.items()) in msg  # the same sizes
    assert dict(out.group_by("split").len().iter_rows()) == {**sizes, "val": meta["users"]["val"],
                                                             "test": meta["users"]["test"]}
    assert 0 < meta["size_scale"] < 0.01 and sizes == {k: int(v * meta["size_scale"]) for k, v in
                                                       {"sft": 13_000, "rm": 33_000, "ppo": 31_000}.items()}
    assert meta["train_prompts_unused"] < 3 and meta["labeler_quota_filled_by_api"] > 0
    # labeler prompts, too few for Table 6: every one dealt to SFT/RM before API prompts fill the rest
    out, meta = split(_pool(400, 30), SplitConfig(fit_to_pool=True, api_fills_labeler_quota=True))
    labeler = out.filter(pl.col("source") == "labeler")
    assert meta["train_labeler_unused"] == 0 and set(labeler["split"]) <= {"sft", "rm", "val", "test"}
    assert labeler.filter(pl.col("split").is_in(["sft", "rm"])).height == meta["train_prompts_available"]["labeler"]
    # without the API fill, a pool short of labeler prompts fails, naming the sizes the fill would give
    with pytest.raises(SplitTooLarge, match="api_fills_labeler_quota=true"):
        split(_pool(400), SplitConfig(fit_to_pool=True))


def test_the_simulated_labeler_without_truth_points_at_kind_imported_not_at_a_sample_world(tmp_path):
    with pytest.raises(dg.Failure) as exc:
        LabelerResource().labeler(DataRoot(path=str(tmp_path)))
    msg = str(exc.value)
    assert "sample-world" not in msg and "kind: imported" in msg and "configs/real-data.yaml" in msg
    with pytest.raises(dg.Failure, match="not one of"):
        LabelerResource(kind="humans").labeler(DataRoot(path=str(tmp_path)))


@needs_samples
def test_the_instructgpt_half_runs_on_real_prompts_and_real_human_feedback(real_lineage):
    lake, meta = real_lineage.lake, real_lineage.metadata
    assert real_lineage.code == 0, real_lineage.err
    assert {"prompt_splits", "sft_model", "reward_model", "ppo_policy", "policy_evaluation"} <= set(meta)

    splits = lake.scan("prompt_splits").collect()
    sizes = dict(splits.group_by("split").len().iter_rows())
    assert set(sizes) == {"sft", "rm", "ppo", "val", "test"} and min(sizes.values()) > 0
    assert (splits["source"] == "api").all() and splits["user_id"].str.starts_with("anon:").all()
    ps = meta["prompt_splits"]
    assert ps["prompts_without_user_id"] == 425 and ps["prompts_without_created_at"] == 425
    assert 0 < ps["size_scale"] < 0.01 and ps["labeler_quota_filled_by_api"] > 0

    assert lake.scan("demonstrations").filter(pl.col("source") != "dialogue").collect().height == 0  # none generated
    assert meta["demonstrations"]["imported_demonstrations"] >= 300
    assert lake.scan("rm_rankings").collect().height == 0 and "skipped" in meta["rm_rankings"]
    comps = lake.scan("rm_comparisons").collect()
    assert set(comps["source"]) == {"hh-rlhf", "oasst"}
    assert comps.group_by("prompt_id").agg(pl.col("split").n_unique())["split"].max() == 1  # held out by prompt
    val = comps.filter(pl.col("split") == "val")
    assert 0.02 * comps.height < val.height < 0.1 * comps.height

    rm = meta["reward_model"]
    assert rm["val_rankings"] == 0 and rm["human_val_pairs"] == val.height
    assert 0.0 <= rm["heldout_human_accuracy"] <= 1.0 and rm["train_rankings"] == comps.height - val.height
    ev = meta["policy_evaluation"]
    assert ev["judge"] == "rm" and 0.0 <= ev["rm_win_rate"] <= 1.0
    assert ev["human_pairs"] == val.height
    for model in ("sft_model", "ppo_policy"):
        assert 0.0 <= ev[f"human_agreement_{model}"] <= 1.0 and abs(ev[f"human_margin_{model}"]) < 10
    table = lake.scan("policy_evaluation").collect()
    assert set(table["prompt_id"]) <= set(splits.filter(pl.col("split") == "test")["prompt_id"])
    print({k: rm[k] for k in ("heldout_human_accuracy", "train_rankings", "human_val_pairs")},
          {k: round(v, 4) for k, v in ev.items() if k.startswith(("human_", "rm_win", "kl_")) and isinstance(v, float)})


@needs_samples
def test_human_preference_scores_each_pair_as_alone_and_flips_with_the_pair(real_lineage):
    import torch
    from transformers import AutoModelForCausalLM

    from training.evaluate import human_preference, response_logprobs
    from training.generation import token_logprobs
    from training.tokenizer import load_tokenizer

    root = real_lineage.root
    path = root / "checkpoints/sft_model" / (root / "checkpoints/sft_model/LATEST").read_text().strip()
    model, tok = AutoModelForCausalLM.from_pretrained(path).eval(), load_tokenizer(path)
    pairs = [("\n\nHuman: hi\n\nAssistant:", " Hello there, how can I help?"), ("Name a river.", " The Nile.")]
    batched = response_logprobs(model, tok, pairs, batch_size=2)
    for (prompt, response), got in zip(pairs, batched, strict=True):
        p = tok(prompt, add_special_tokens=False)["input_ids"]
        ids = p + tok(response, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        x = torch.tensor([ids])
        alone = token_logprobs(model, x, torch.ones_like(x), len(p)).mean().item()
        assert abs(got - alone) < 1e-4  # padding in a batch changes nothing
    one = [("Say hi.", " Hi!", " Goodbye forever and ever.")]
    a = human_preference(model, tok, one)
    b = human_preference(model, tok, [(p, r, c) for p, c, r in one])
    assert a["margin"] == pytest.approx(-b["margin"]) and a["agreement"] + b["agreement"] == 1.0
