"""The code location loads as `dagster dev` and `dagster definitions validate` load it."""

import dagster as dg

from gpt_assets.definitions import defs


def test_definitions_validate():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {s.name for s in repo.sensor_defs} == {"reddit_landing_sensor", "commoncrawl_landing_sensor",
                                                  "data_lineage_automation"}
    assert {s.name for s in repo.schedule_defs} == {"landing_refresh_schedule", "evaluation_refresh_schedule"}
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in repo.schedule_defs)
    names = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    for name in ("reddit_submissions", "cc_documents", "web_pages", "reference_documents", "prompt_pool",
                 "benchmark_examples", "ingest_rejects", "webtext_links", "webtext_documents", "quality_classifier",
                 "cc_quality_scores", "cc_filtered", "duplicate_clusters", "training_mixture", "mixture_summary",
                 "decontamination_report", "prompt_splits", "demonstrations", "bpe_tokenizer", "base_lm",
                 "sft_model", "rm_rankings", "rm_comparisons", "reward_model", "ppo_policy", "policy_evaluation"):
        assert name in names


def test_every_asset_has_a_group_a_description_and_checks():
    graph = defs.resolve_asset_graph()
    checked = {c.asset_key for c in graph.asset_check_keys}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name != "default" and node.description and node.owners, key
        assert key in checked, f"{key.to_user_string()} has no asset check"
