"""Declarative automation: a new partition flows downstream, old partitions and training stay untouched."""

import dagster as dg
import pytest

from gpt_assets.definitions import defs


@pytest.fixture
def settled():
    """An instance where every asset (every partition) has been materialized once, and automation has settled."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("cc_crawls", ["CC-MAIN-2017-43"])
        instance.add_dynamic_partitions("reddit_months", ["2017-10"])
        graph = defs.resolve_asset_graph()
        for key in graph.get_all_asset_keys():
            node = graph.get(key)
            parts = node.partitions_def.get_partition_keys(dynamic_partitions_store=instance) \
                if node.partitions_def else [None]
            for p in parts:
                instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=p))
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
        assert result.total_requested == 0
        yield instance, result.cursor


def _follow(instance, cursor) -> dict[str, set]:
    """Tick the automation until it requests nothing, materializing what each tick requests (as the runs would)."""
    requested: dict[str, set] = {}
    for _ in range(10):
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        cursor = result.cursor
        if not result.total_requested:
            return requested
        for key in defs.resolve_asset_graph().get_all_asset_keys():
            for p in result.get_requested_partitions(key):
                assert p not in requested.get(key.to_user_string(), set()), f"{key} {p} requested twice"
                requested.setdefault(key.to_user_string(), set()).add(p)
                instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=p))
    raise AssertionError(f"automation did not settle: {requested}")


def test_a_new_crawl_runs_its_own_partitions_and_the_stages_after_them(settled):
    instance, cursor = settled
    instance.add_dynamic_partitions("cc_crawls", ["CC-MAIN-2017-47"])
    instance.report_runless_asset_event(dg.AssetMaterialization("cc_documents", partition="CC-MAIN-2017-47"))
    got = _follow(instance, cursor)
    assert got.pop("cc_quality_scores") == {"CC-MAIN-2017-47"} and got.pop("cc_filtered") == {"CC-MAIN-2017-47"}
    assert got == {k: {None} for k in ("duplicate_clusters", "pretraining_documents", "decontamination_report",
                                       "training_mixture", "mixture_summary", "document_drops")}  # no training


def test_a_new_reddit_month_retrains_the_classifier_but_rescores_no_old_crawl(settled):
    instance, cursor = settled
    instance.add_dynamic_partitions("reddit_months", ["2017-11"])
    instance.report_runless_asset_event(dg.AssetMaterialization("reddit_submissions", partition="2017-11"))
    got = _follow(instance, cursor)
    assert got == {k: {None} for k in ("webtext_links", "webtext_documents", "quality_classifier", "duplicate_clusters",
                                       "pretraining_documents", "decontamination_report", "training_mixture",
                                       "mixture_summary", "document_drops")}  # no cc_quality_scores partition
