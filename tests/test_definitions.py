"""The code location loads as `dagster dev` and `dagster definitions validate` load it."""

import dagster as dg

from gpt_assets.definitions import defs


def test_definitions_validate():
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {s.name for s in repo.sensor_defs} == {"reddit_landing_sensor", "commoncrawl_landing_sensor"}
    names = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    for name in ("reddit_submissions", "cc_documents", "web_pages", "reference_documents", "prompt_pool",
                 "benchmark_examples", "ingest_rejects", "webtext_links", "webtext_documents", "quality_classifier",
                 "cc_quality_scores", "cc_filtered", "duplicate_clusters", "training_mixture", "mixture_summary",
                 "decontamination_report", "prompt_splits", "demonstrations", "bpe_tokenizer", "base_lm",
                 "sft_model"):
        assert name in names
