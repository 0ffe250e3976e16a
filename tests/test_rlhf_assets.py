"""RLHF assets on the tiny world: rankings of SFT samples, their pairs, the reward model, PPO-ptx, evaluation."""

import json
import math

import polars as pl
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer


def test_rm_rankings_rank_k_sft_samples_and_comparisons_hold_every_pair(lineage):
    rankings = pl.read_parquet(lineage.root / "lake/rm_rankings/*.parquet").filter(pl.col("kind") == "prompt")
    splits = pl.read_parquet(lineage.root / "lake/prompt_splits/*.parquet")
    rm_ids = set(splits.filter(pl.col("split") == "rm")["prompt_id"])
    train = rankings.filter(pl.col("split") == "train")
    assert set(train["prompt_id"]) <= rm_ids and train.height >= 0.95 * 120  # rm_prompts in TINY_CONFIG
    assert set(rankings.filter(pl.col("split") == "val")["prompt_id"]).isdisjoint(rm_ids)
    assert ((rankings["k"] >= 2) & (rankings["k"] <= 4)).all() and (rankings["k_sampled"] == 4).all()
    assert all(sorted(r) == list(range(k)) for r, k in rankings.select("ranking", "k").iter_rows())
    assert all(len(set(r)) == len(r) for r in rankings["responses"])  # distinct responses only

    (pairs,), = lineage.sql("select count(*) from rm_comparisons where source = 'sft_samples'")
    assert pairs == sum(math.comb(k, 2) for k in rankings["k"])
    (imported,), = lineage.sql("select count(*) from imported_comparisons")
    (copied,), = lineage.sql("select count(*) from rm_comparisons where source not in ('sft_samples', "
                             "'dialogue_samples')")
    assert copied == imported
    assert all(lineage.checks[("rm_rankings", c, "")] for c in ("rankings_valid", "unranked_share"))
    assert lineage.checks[("rm_comparisons", "pairs_reconcile", "")]


def test_reward_model_scores_as_a_sequence_classifier_with_demonstrations_near_zero(lineage):
    (path, metrics), = lineage.sql("select path, metrics from checkpoints where asset = 'reward_model'")
    metrics = json.loads(metrics)
    assert 0.0 <= metrics["val_accuracy"] <= 1.0 and "demonstration_mean_before_bias" in metrics
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    demos = pl.read_parquet(lineage.root / "lake/demonstrations/*.parquet").head(64)
    texts = [p + r + tok.eos_token for p, r in demos.select("prompt", "response").iter_rows()]
    enc = tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=model.config.n_positions)
    with torch.no_grad():
        scores = model(**enc).logits[:, 0]
    assert scores.shape == (64,) and abs(scores.mean().item()) < 3 * scores.std().item() + 0.5


def test_ppo_policy_and_its_evaluation_against_sft(lineage):
    rows = dict(lineage.sql("select asset, metrics from checkpoints"))
    assert {"reward_model", "ppo_policy"} <= set(rows)
    ppo = json.loads(rows["ppo_policy"])
    assert ppo["iterations"] >= 1 and ppo["ptx_coef"] == 1.0 and math.isfinite(ppo["kl"])
    (path,), = lineage.sql("select path from checkpoints where asset = 'ppo_policy'")
    tok, model = AutoTokenizer.from_pretrained(path), AutoModelForCausalLM.from_pretrained(path)
    ids = tok("List three fruits.", return_tensors="pt")["input_ids"]
    assert model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=tok.pad_token_id).shape[1] > ids.shape[1]

    ev = pl.read_parquet(lineage.root / "lake/policy_evaluation/*.parquet")
    test_ids = set(pl.read_parquet(lineage.root / "lake/prompt_splits/test.parquet")["prompt_id"])
    assert ev.height == min(64, len(test_ids)) and set(ev["prompt_id"]) <= test_ids
    assert {"gold_policy", "gold_baseline", "rm_policy", "rm_baseline"} <= set(ev.columns)
    assert ev["gold_policy"].is_between(0, 1).all()
    assert ("policy_evaluation", "ppo_beats_sft", "") in lineage.checks


def test_policy_evaluation_reports_intervals_gold_means_and_best_of_n(lineage):
    meta = lineage.metadata["policy_evaluation"]
    assert meta["judge"] == "gold" and meta["ties"] == "counted as half a win"
    for judge in ("gold", "rm"):
        lo, hi = meta[f"{judge}_win_rate_lo"], meta[f"{judge}_win_rate_hi"]
        assert 0.0 <= lo <= meta[f"{judge}_win_rate"] <= hi <= 1.0 and hi - lo > 0.05  # 64 prompts: a wide interval
        assert [float(x) for x in meta[f"{judge}_win_rate_ci95"].split("-")] == pytest.approx([lo, hi], abs=1e-3)
    for model in ("base_lm", "sft_model", "ppo_policy"):
        assert 0.0 <= meta[f"gold_mean_{model}"] <= 1.0
    assert meta["gold_mean_sft_model"] == meta["gold_mean_baseline"]
    assert meta["best_of_prompts"] == 64  # min(best_of_prompts, test_prompts)
    for n in (4, 16):
        assert 0.0 <= meta[f"best_of_{n}_gold_mean"] <= 1.0 and 0.0 <= meta[f"best_of_{n}_gold_win_rate"] <= 1.0
    assert "| gold_sft | gold_ppo |" in meta["examples"]
    assert ("policy_evaluation", "sft_beats_base", "") in lineage.checks


def test_dialogues_flow_through_sft_the_reward_model_and_the_evaluation(lineage):
    """ChatGPT's data: labeler-written conversations split by user, the SFT ones demonstrations in the chat template,
    the RM ones' contexts sampled and ranked, the test ones answered by SFT and PPO."""
    from training.chat import ASSISTANT, USER, is_chat

    assert all(lineage.checks[("dialogues", c, "")] for c in ("counts_reconcile", "unique_ids", "reject_share"))
    assert lineage.checks[("dialogue_splits", "users_disjoint", "")]
    splits = lineage.lake.scan("dialogue_splits").collect()
    assert splits.height == 120 and set(splits["split"]) == {"sft", "rm", "val", "test"}
    assert all(is_chat(p) for p in splits["prompt"])

    demos = lineage.lake.scan("demonstrations").filter(pl.col("source") == "dialogue").collect()
    sft_ids = set(splits.filter(pl.col("split") == "sft")["conversation_id"])
    assert set(demos["prompt_id"]) == sft_ids and (demos["turns"].list.len() == demos["n_turns"]).all()
    assert all(t[-1]["text"] == r for t, r in demos.select("turns", "response").iter_rows())

    rankings = lineage.lake.scan("rm_rankings").filter(pl.col("kind") == "dialogue").collect()
    rm_ids = set(splits.filter(pl.col("split") == "rm")["conversation_id"])
    train = rankings.filter(pl.col("split") == "train")
    assert train.height >= 0.9 * len(rm_ids) and set(train["prompt_id"]) <= rm_ids
    assert set(rankings.filter(pl.col("split") == "val")["prompt_id"]) <= set(
        splits.filter(pl.col("split") == "val")["conversation_id"])
    (pairs,), = lineage.sql("select count(*) from rm_comparisons where source = 'dialogue_samples'")
    assert pairs == sum(math.comb(k, 2) for k in rankings["k"])

    (path, metrics), = lineage.sql("select path, metrics from checkpoints where asset = 'reward_model'")
    assert 0.0 <= json.loads(metrics)["val_accuracy_dialogue"] <= 1.0
    (sft_path,), = lineage.sql("select path from checkpoints where asset = 'sft_model'")
    tok = AutoTokenizer.from_pretrained(sft_path)  # stock transformers renders the template
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert text == f"{USER}hi{ASSISTANT}"

    ev = lineage.metadata["policy_evaluation"]
    n_test = splits.filter(pl.col("split") == "test").height
    assert ev["dialogue_test_contexts"] == n_test
    for key in ("dialogue_in_template_sft_model", "dialogue_in_template_ppo_policy", "dialogue_gold_win_rate",
                "dialogue_rm_win_rate", "dialogue_gold_mean_sft_model"):
        assert 0.0 <= ev[key] <= 1.0 or key.startswith("dialogue_rm"), key
    assert "[user]" in ev["dialogue_examples"]
    assert ("policy_evaluation", "sft_answers_in_template", "") in lineage.checks


def test_a_second_rlhf_round_samples_the_first_policy_and_continues_it(lineage):
    """Iterated RLHF: round 1 ranks samples of ppo_policy, retrains the RM on both rounds' comparisons, continues PPO
    from ppo_policy (KL to SFT) and is evaluated against SFT and against round 0."""
    assert lineage.checks[("round_rankings", "rankings_valid", "1")]
    rankings = lineage.lake.scan("round_rankings").collect()
    (ppo_version,), = lineage.sql("select version from checkpoints where asset = 'ppo_policy'")
    assert (rankings["round"] == 1).all() and (rankings["policy"] == f"ppo_policy/{ppo_version}").all()
    assert rankings.filter(pl.col("split") == "train").height >= 0.9 * 60
    rounds = dict(lineage.sql("select asset, path from checkpoints where asset like 'round_%'"))
    assert set(rounds) == {"round_reward_model/1", "round_policy/1"}
    meta = lineage.metadata["round_reward_model"]
    assert meta["train_rankings"] > rankings.filter(pl.col("split") == "train").height  # round 0's kept
    assert 0.0 <= meta["val_accuracy"] <= 1.0 and "val_accuracy_round0" in meta
    assert lineage.metadata["round_policy"]["continues"].endswith(ppo_version)
    policy = AutoModelForCausalLM.from_pretrained(rounds["round_policy/1"])
    assert policy.config.n_positions > 0
    ev = lineage.metadata["round_evaluation"]
    assert ev["judge"] == "gold" and 0.0 <= ev["win_rate_vs_sft"] <= 1.0 and 0.0 <= ev["win_rate_vs_previous"] <= 1.0
    assert "| 0 |" in ev["per_round"] and "| 1 |" in ev["per_round"] and "win_rate_by_round" in ev
    assert ("round_evaluation", "not_worse_than_previous", "1") in lineage.checks
