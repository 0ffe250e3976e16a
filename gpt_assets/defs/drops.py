"""``document_drops`` in the catalog: why every dropped document was dropped, by stage, source, partition, reason.

Each stage that drops documents writes its own part of the table as it runs (``common.write_drops``); this asset
reads them all after those stages and shows the counts and a sample in the UI, with the query for the rest.
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

import dagster as dg
import polars as pl

from gpt_assets.automation import FOLLOW
from gpt_assets.defs.common import DROPS, check_result, column_schema, md_table
from gpt_assets.resources import DataRoot

# The stages that write a part of document_drops (asset keys).
WRITERS = ("webtext_documents", "cc_filtered", "duplicate_clusters", "pretraining_documents", "prompt_splits",
           "rm_rankings")
SAMPLE_ROWS = 10


def drop_counts(drops: pl.DataFrame) -> pl.DataFrame:
    """Documents dropped per stage, source, partition and kind of reason (the reason up to its first ':', so
    ``near_duplicate_of:<id>`` counts as one kind), largest first within a stage."""
    kind = pl.col("reason").str.split(":").list.first().alias("reason")
    return drops.with_columns(kind).group_by("stage", "source", "partition", "reason").len("documents") \
        .sort(["stage", "documents", "source", "partition", "reason"], descending=[False, True, False, False, False])


def duplicate_drops(drops: pl.DataFrame) -> int:
    """Rows beyond the first for one document at one stage and partition (one reason per drop is the contract)."""
    return drops.height - drops.unique(["stage", "partition", "source", "doc_id"]).height


@dg.asset(name=DROPS, group_name="mixture", kinds={"duckdb", "parquet"}, deps=list(WRITERS),
          automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec("every_drop_has_a_reason", asset=DROPS,
                                         description="No row with an empty doc_id or reason: every dropped "
                                                     "document says which stage dropped it and why."),
                       dg.AssetCheckSpec("one_row_per_dropped_document", asset=DROPS,
                                         description="One row per document, stage and partition (a second row "
                                                     "means a stage wrote its drops twice or ids repeat).")],
          description="Every dropped document with the stage, source, partition and reason that dropped it "
                      "(written by each dropping stage, counted here); query it with gpt-assets sql.")
def document_drops(context: dg.AssetExecutionContext, data: DataRoot):
    lake = data.lake
    parts = lake.parts(DROPS)
    drops = (lake.scan(DROPS).collect() if parts else
             pl.DataFrame(schema={"stage": pl.String, "source": pl.String, "partition": pl.String,
                                  "doc_id": pl.String, "reason": pl.String}))
    data.publish(DROPS)
    counts = drop_counts(drops)
    per_stage = drops.group_by("stage").len("documents").sort("stage")
    blank = drops.filter(pl.col("doc_id").is_null() | (pl.col("doc_id") == "") | pl.col("reason").is_null()
                         | (pl.col("reason") == "")).height
    repeated = duplicate_drops(drops)
    sample = drops.sort("stage", "partition", "doc_id").group_by("stage", maintain_order=True).head(2) \
        .head(SAMPLE_ROWS)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": drops.height, "dagster/column_schema": column_schema(drops.schema),
        "path": dg.MetadataValue.path(str(lake.table_dir(DROPS))), "stages": per_stage.height,
        "by_stage": dg.MetadataValue.md(md_table(per_stage.to_dicts())),
        "by_reason": dg.MetadataValue.md(md_table(counts.to_dicts(), limit=60)),
        "sample": dg.MetadataValue.md(md_table(sample.to_dicts())),
        "query": dg.MetadataValue.md("```\ngpt-assets sql \"select * from document_drops where stage = "
                                     "'cc_filtered' and reason = 'pareto_rejected' limit 20\"\n```")})
    yield check_result("every_drop_has_a_reason", blank == 0,
                       f"{blank} of {drops.height} rows of document_drops have an empty doc_id or reason: the stage "
                       "that wrote them lost its reason; see by_reason for which stage and fix its drop frame",
                       asset=DROPS, blank_rows=blank)
    yield check_result("one_row_per_dropped_document", repeated == 0,
                       f"{repeated} rows of document_drops repeat a (stage, partition, source, doc_id) already "
                       "present: the same document was dropped twice at one stage, so its ids are not unique "
                       "(a file ingested twice?) or a stage wrote its part twice; find them with gpt-assets sql "
                       "grouping by stage, partition, doc_id", asset=DROPS, repeated_rows=repeated)
