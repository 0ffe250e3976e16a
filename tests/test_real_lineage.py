"""The whole lineage on real files in their published layouts, as the README's "Your own data" runs it.

``gpt-assets run --config configs/real-data.yaml`` (plus CPU budgets: tests/conftest.py REAL_BUDGETS) over the
landing zone of tests/real_landing.py; skipped when ../shared/real-samples/ is absent.
"""

import polars as pl

from gpt_assets.decontam import BenchmarkIndex, ngram_hashes, tokens


def test_every_asset_materializes_and_every_blocking_check_passes(real_lineage):
    r = real_lineage
    assert r.code == 0, r.err
    assert "FAILED" not in r.out and "not run" not in r.err
    assert "materializing" in r.out and "policy_evaluation" in r.out
    for asset in ("reddit_submissions", "cc_documents", "web_pages", "webtext_links", "webtext_documents",
                  "quality_classifier", "cc_quality_scores", "cc_filtered", "duplicate_clusters",
                  "pretraining_documents", "training_mixture", "prompt_splits", "bpe_tokenizer", "base_lm",
                  "sft_model", "reward_model", "ppo_policy", "policy_evaluation", "benchmark_tasks",
                  "lm_evaluation", "task_models", "scaling_ladder"):
        assert asset in r.metadata, asset
    failed = {k for k, ok in r.checks.items() if not ok}
    # warnings a tiny model on a tiny real sample is expected to raise; none of them blocks
    assert failed <= {("reward_model", "val_accuracy", ""), ("policy_evaluation", "ppo_beats_sft", ""),
                      ("ppo_policy", "reward_rose", ""), ("training_mixture", "every_weighted_source_present", ""),
                      ("webtext_scrape", "skip_share", ""), ("lm_evaluation", "base_lm_above_chance", ""),
                      ("task_models", "fine_tuning_learns", ""), ("scaling_ladder", "forecast_holds", ""),
                      ("policy_evaluation", "sft_answers_in_template", "")}, failed
    assert r.checks[("reward_model", "better_than_chance", "")]
    for asset in ("base_lm", "sft_model", "reward_model", "ppo_policy"):  # curves inline, not as file paths
        assert r.metadata[asset]["curve"].startswith("![training curve](data:image/png;base64,"), asset
        assert "| field | value |" in r.metadata[asset]["config"], asset  # the run's resolved config
    assert "| kl_coef | 0.02 |" in r.metadata["ppo_policy"]["config"]
    # dialogue (ChatGPT): HH-RLHF's chosen conversations trained and answered; no iterated round without a labeler
    assert r.metadata["demonstrations"]["dialogues"] > 100 and r.metadata["policy_evaluation"]["dialogue_test_contexts"]
    assert r.metadata["round_rankings"]["skipped"].startswith("skipped: labeler kind imported")


def test_native_layouts_are_read_and_what_is_not_read_says_why(real_lineage):
    r = real_lineage
    month = r.lake.scan("reddit_submissions").group_by("month").len().collect()
    assert month.rows() == [("2005-06", 103)]
    crawls = sorted(r.lake.scan("cc_documents").select("crawl").unique().collect()["crawl"])
    assert crawls == ["CC-MAIN-2016-50", "CC-MAIN-2024-22"]
    rejects = r.lake.scan("ingest_rejects").select("asset", "reason", "file").collect()
    landing = rejects.filter(pl.col("asset") == "landing_zone")
    assert landing["reason"].to_list() == ["not_wet_file"] and "/warc/" in landing["file"][0]
    assert set(rejects["asset"]) <= {"landing_zone", "imported_feedback", "safety_prompts", "dialogues"}  # HH's few
    assert set(rejects.filter(pl.col("asset") == "imported_feedback")["reason"]) <= {"empty_response",
                                                                                     "identical_responses"}
    # red-team dialogues that open with the same request: one labelled prompt, the other copies quarantined
    assert set(rejects.filter(pl.col("asset") == "safety_prompts")["reason"]) <= {"duplicate_id"}
    # HH-RLHF's chosen conversations: a few repeat a role or leave a turn empty
    assert set(rejects.filter(pl.col("asset") == "dialogues")["reason"]) <= {"roles_not_alternating", "empty_turn",
                                                                               "duplicate_id"}
    clf = r.metadata["sensitive_prompt_classifier"]
    assert clf["trained"] and r.checks[("sensitive_prompt_classifier", "separates", "")], clf
    assert clf["labelled_sensitive"] > 2000 and clf["heldout_recall"] >= 0.7
    urls = r.lake.scan("web_pages").select("url").collect()["url"]
    assert urls.len() >= 22 and urls.str.starts_with("http").all()  # wget's <https://...> brackets stripped


def test_the_quality_filter_reports_whether_it_filters(real_lineage):
    m = r = real_lineage.metadata
    clf = m["quality_classifier"]
    assert clf["heldout_roc_auc"] >= 0.85
    assert clf["expected_keep_rate_curated"] >= 3 * clf["expected_keep_rate_cc"]
    scores = real_lineage.lake.scan("cc_quality_scores").collect()
    assert scores.height == 26 and scores["score"].std() > 0.02  # graded, not a constant 0.5
    assert "| decile |" in r["cc_filtered"]["keep_by_score_decile"]


def test_a_planted_benchmark_passage_is_cut_and_near_duplicate_articles_cluster(real_lineage):
    r = real_lineage
    _, host, passage = r.planted["contaminated"]
    doc = r.lake.scan("pretraining_documents").filter(pl.col("doc_id") == host).collect()
    assert doc.height == 1 and doc["decontaminated"][0]
    index = BenchmarkIndex.build([("lambada", passage)], 13)
    assert not len(index.hits(ngram_hashes(tokens(doc["text"][0])[0], 13)))
    _, a, b, jaccard = r.planted["near_duplicates"]
    assert 0.82 <= jaccard <= 0.88
    clusters = r.lake.scan("duplicate_clusters").filter(pl.col("doc_id").is_in([a, b])).collect()
    assert clusters.height == 2 and clusters["cluster_id"].n_unique() == 1 and clusters["kept"].sum() == 1


def test_splits_are_all_non_empty_and_the_reward_model_is_judged_on_held_out_human_pairs(real_lineage):
    r = real_lineage
    sizes = dict(r.lake.scan("prompt_splits").group_by("split").len().collect().iter_rows())
    assert set(sizes) == {"sft", "rm", "ppo", "val", "test"} and min(sizes.values()) > 0
    rm = r.metadata["reward_model"]
    assert rm["human_val_pairs"] > 50 and 0.0 <= rm["heldout_human_accuracy"] <= 1.0
    lo, hi = map(float, r.metadata["reward_model"].get("interval_95", "0-1").split("-")) if "interval_95" in rm \
        else (0.0, 1.0)
    assert lo <= rm["heldout_human_accuracy"] <= hi
    ev = r.metadata["policy_evaluation"]
    assert ev["judge"] == "rm" and 0.0 <= ev["rm_win_rate"] <= 1.0 and ev["human_pairs"] == rm["human_val_pairs"]


def test_real_lambada_and_hellaswag_are_evaluated_and_hellaswag_fine_tuned(real_lineage):
    r = real_lineage
    tasks = dict(r.lake.scan("benchmark_tasks").group_by("task", "split").len().collect().select(
        pl.concat_str("task", "split", separator="/"), "len").iter_rows())
    assert tasks == {"lambada_openai/test": 5153, "hellaswag/validation": 1000}
    results = r.lake.scan("lm_evaluation").collect()
    assert set(results["task"]) == {"lambada_openai", "hellaswag"} and set(results["k"]) == {0, 1}
    assert set(results["model"]) == {"base_lm", "sft_model", "ppo_policy"} and results["n"].max() == 40
    assert r.checks[("lm_evaluation", "every_task_scored", "")]
    fine = r.lake.scan("task_models").collect()
    assert fine["task"].to_list() == ["hellaswag", "hellaswag"] and sorted(fine["lm_coef"]) == [0.0, 0.5]
    assert fine["split"][0].startswith("validation cut by id hash") and fine["train_examples"][0] == 200
    assert (fine["test_accuracy"].is_between(0, 1)).all() and fine["chance"][0] == 0.25
