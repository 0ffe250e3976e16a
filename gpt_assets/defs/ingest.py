"""Ingestion assets: every landing-zone source to a lake table, bad records to ``ingest_rejects``."""

# No `from __future__ import annotations` here: Dagster reads the annotations to wire config and resources.


from collections import Counter
from collections.abc import Iterator
from functools import partial

import dagster as dg
import polars as pl
import pyarrow as pa

from gpt_assets.defs.common import column_schema, md_table
from gpt_assets.ingest import dialogues as dialogue_reader
from gpt_assets.ingest import jsonl, reddit, tasks, web
from gpt_assets.ingest.driver import IngestResult, Reader, ingest
from gpt_assets.ingest.landing import LAYOUTS, files_of, scan
from gpt_assets.ingest.rejects import REJECT_SCHEMA, Reject, tally_table
from gpt_assets.lake import duplicate_keys
from gpt_assets.partitions import cc_crawls, reddit_months
from gpt_assets.prompts import sensitive
from gpt_assets.resources import DataRoot
from gpt_assets.runner import RUNS_AFTER_FAILURES

GROUP = "ingest"
KINDS = {"parquet", "duckdb"}


class IngestConfig(dg.Config):
    """Run config shared by the ingestion assets."""

    max_reject_share: float = 0.05  # a file with a larger share of rejected records fails the check


def _check_specs(name: str) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec("reject_share", asset=name, blocking=True,
                          description="No input file has more than max_reject_share of its records rejected as bad "
                                      "input (second copies of records, duplicate_id, are not bad input)."),
        dg.AssetCheckSpec("files_complete", asset=name, blocking=True,
                          description="No input file is empty, truncated, corrupt or unreadable."),
        dg.AssetCheckSpec("counts_reconcile", asset=name, blocking=True,
                          description="Per file, records read = accepted + rejected."),
        dg.AssetCheckSpec("unique_ids", asset=name, blocking=True,
                          description="The table is unique on its record id (what later stages join on); a second "
                                      "copy of a record is quarantined as duplicate_id."),
    ]


def _report(result: IngestResult, config: IngestConfig, schema: pa.Schema,
            data: DataRoot) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Publish the views, then yield the materialization's metadata and its checks."""
    whole = [t.file for t in result.tallies if t.read and t.duplicates == t.read]
    if whole:
        dg.get_dagster_logger().warning(
            f"{len(whole)} file(s) hold only records already read from other files (landed twice?): {whole[:10]}; "
            "their records are quarantined as duplicate_id; move the copies out of raw/")
    data.publish(result.asset, "ingest_rejects")
    worst = max(result.tallies, key=lambda t: t.reject_share, default=None)
    over = [t for t in result.tallies if t.reject_share > config.max_reject_share]
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.rows,
            "dagster/column_schema": column_schema(schema),
            "files": len(result.tallies),
            "records_read": result.read,
            "rejected": result.rejected,
            "skipped_other_record_types": result.skipped,
            "reject_reasons": dg.MetadataValue.json(result.reasons()),
            "per_file": dg.MetadataValue.md(md_table(tally_table(result.tallies))),
            "path": dg.MetadataValue.path(str(data.lake.table_dir(result.asset))),
        }
    )
    yield dg.AssetCheckResult(
        check_name="reject_share",
        passed=not over,
        metadata={
            "max_reject_share": config.max_reject_share,
            "worst_file": worst.file if worst else "",
            "worst_share": round(worst.reject_share, 4) if worst else 0.0,
            "files_over": dg.MetadataValue.json([t.file for t in over]),
        },
        description=(f"{len(over)} file(s) over {config.max_reject_share:.0%} rejected: "
                     f"{', '.join(t.file for t in over)}; see ingest_rejects for the reasons") if over else None,
    )
    damaged = {t.file: t.damage for t in result.tallies if t.damage}
    yield dg.AssetCheckResult(
        check_name="files_complete", passed=not damaged, metadata={"damaged_files": dg.MetadataValue.json(damaged)},
        description=(f"{len(damaged)} damaged file(s): {damaged}. The records before the damage are kept; "
                     "replace the file in raw/ (re-download it) and re-materialize") if damaged else None)
    bad = [t.file for t in result.tallies if not t.reconciles()]
    yield dg.AssetCheckResult(check_name="counts_reconcile", passed=not bad,
                              metadata={"records_read": result.read, "accepted": result.rows,
                                        "rejected": result.rejected, "files_not_reconciling": bad},
                              description=None if not bad else f"records read differ from accepted + rejected in "
                              f"{', '.join(bad)} (each record is one or the other): a reader lost records; report it")
    part = data.lake.part_path(result.asset, result.partition)
    key = ID[result.asset]
    extra = duplicate_keys([part] if part.exists() else [], key)
    copies = {t.file: t.duplicates for t in result.tallies if t.duplicates}
    yield dg.AssetCheckResult(
        check_name="unique_ids", passed=extra == 0,
        metadata={"key": ", ".join(key), "duplicate_rows": extra,
                  "quarantined_duplicate_ids": sum(copies.values()),
                  "files_with_second_copies": dg.MetadataValue.json(copies)},
        description=None if extra == 0 else f"{extra} row(s) of {result.asset} repeat a ({', '.join(key)}) "
        "already in the table (should be 0: ingestion quarantines second copies): a bug in the id ledger; report it")


# Each table's record id, what later stages join on (an id is unique within its corpus or benchmark).
ID = {"reddit_submissions": ("id",), "web_pages": ("record_id",), "cc_documents": ("doc_id",),
      "reference_documents": ("corpus", "id"), "prompt_pool": ("prompt_id",), "benchmark_examples": ("benchmark", "id"),
      "benchmark_tasks": ("task", "split", "id"), "safety_prompts": ("label_id",),
      "dialogues": ("conversation_id",)}


def record_key(asset: str):
    """The id of a record of ``asset`` as one string."""
    names = ID[asset]
    if len(names) == 1:
        return lambda row: row[names[0]]
    return lambda row: "\x1f".join(str(row[n]) for n in names)


def _ingest(data: DataRoot, asset: str, schema: pa.Schema, files: list[tuple], partition: str | None = None
            ) -> IngestResult:
    return ingest(data.lake, asset, schema, files, partition, key=record_key(asset))


def _files(data: DataRoot, source: str, reader: Reader, key: str | None = None,
           what: str = "") -> list[tuple]:
    found = files_of(data.lake.raw, source, key)
    if not found and key is not None:
        raise dg.Failure(f"no {what or source} files for partition {key!r} under {data.lake.raw} "
                         f"(accepted: {LAYOUTS[source]}); drop them into the landing zone or remove the partition")
    return [(f.path, reader) for f in found]


@dg.asset(group_name=GROUP, kinds=KINDS, partitions_def=reddit_months, check_specs=_check_specs("reddit_submissions"),
          description="Pushshift Reddit submissions of one month (raw/reddit/RS_[v2_]YYYY-MM.zst / .xz / .bz2 as "
                      "published), one row each.")
def reddit_submissions(context: dg.AssetExecutionContext, config: IngestConfig, data: DataRoot):
    month = context.partition_key
    files = _files(data, "reddit", partial(reddit.read_submissions, month=month), month, "RS_*")
    result = _ingest(data, "reddit_submissions", reddit.SCHEMA, files, month)
    yield from _report(result, config, reddit.SCHEMA, data)


@dg.asset(group_name=GROUP, kinds=KINDS, check_specs=_check_specs("web_pages"), deps=["webtext_scrape"],
          description="Scraped pages that Reddit links to: WARC response records from raw/webpages/.")
def web_pages(config: IngestConfig, data: DataRoot):
    result = _ingest(data, "web_pages", web.WEB_PAGES_SCHEMA, _files(data, "webpages", web.read_web_pages))
    yield from _report(result, config, web.WEB_PAGES_SCHEMA, data)


@dg.asset(group_name=GROUP, kinds=KINDS, partitions_def=cc_crawls, check_specs=_check_specs("cc_documents"),
          description="Common Crawl WET conversion records of one crawl (raw/commoncrawl/CC-MAIN-*/ or Common Crawl's "
                      "own crawl-data/CC-MAIN-*/segments/*/wet/).")
def cc_documents(context: dg.AssetExecutionContext, config: IngestConfig, data: DataRoot):
    crawl = context.partition_key
    files = _files(data, "commoncrawl", partial(web.read_wet, crawl=crawl, utf8_bytes=True), crawl, "WET")
    result = _ingest(data, "cc_documents", web.CC_DOCUMENTS_SCHEMA, files, crawl)
    yield from _report(result, config, web.CC_DOCUMENTS_SCHEMA, data)


@dg.asset(group_name=GROUP, kinds=KINDS, check_specs=_check_specs("reference_documents"),
          description="Curated reference corpora (books1, books2, wikipedia) from raw/reference/<corpus>/.")
def reference_documents(config: IngestConfig, data: DataRoot):
    files = [(f.path, partial(jsonl.read_reference, corpus=f.key)) for f in files_of(data.lake.raw, "reference")]
    result = _ingest(data, "reference_documents", jsonl.REFERENCE_SCHEMA, files)
    yield from _report(result, config, jsonl.REFERENCE_SCHEMA, data)


@dg.asset(group_name=GROUP, kinds=KINDS, check_specs=_check_specs("prompt_pool"),
          description="Prompts sent to the API and written by labelers (raw/prompts/*.jsonl).")
def prompt_pool(config: IngestConfig, data: DataRoot):
    result = _ingest(data, "prompt_pool", jsonl.PROMPT_SCHEMA, _files(data, "prompts", jsonl.read_prompts))
    yield from _report(result, config, jsonl.PROMPT_SCHEMA, data)


@dg.asset(group_name=GROUP, kinds=KINDS, check_specs=_check_specs("benchmark_examples"),
          description="Evaluation examples to keep out of training data: raw/benchmarks/<name>.jsonl, and the "
                      "development and test splits of the evaluation tasks (raw/tasks/<task>/, GPT-3 App. C).")
def benchmark_examples(config: IngestConfig, data: DataRoot):
    files = [(f.path, partial(jsonl.read_benchmark, benchmark=f.key)) for f in files_of(data.lake.raw, "benchmarks")]
    files += [(f.path, partial(jsonl.read_benchmark, benchmark=f.key, id_prefix=f"{split}/"))
              for f in files_of(data.lake.raw, "tasks") if (split := tasks.split_of(f.path)) != "train"]
    result = _ingest(data, "benchmark_examples", jsonl.BENCHMARK_SCHEMA, files)
    yield from _report(result, config, jsonl.BENCHMARK_SCHEMA, data)


@dg.asset(group_name=GROUP, kinds=KINDS, check_specs=_check_specs("benchmark_tasks"),
          description="Evaluation tasks as published (raw/tasks/<task>/<split>.jsonl: LAMBADA, HellaSwag, PIQA, ARC, "
                      "Winogrande), one row per example with its kind, context, choices and label; the DuckDB "
                      "catalog has one view per task (task_<name>).")
def benchmark_tasks(config: IngestConfig, data: DataRoot):
    files = [(f.path, partial(tasks.read_tasks, task=f.key, split=tasks.split_of(f.path)))
             for f in files_of(data.lake.raw, "tasks")]
    result = _ingest(data, "benchmark_tasks", tasks.TASK_SCHEMA, files)
    yield from _report(result, config, tasks.TASK_SCHEMA, data)
    data.publish_subsets("benchmark_tasks", "task", "task_")


@dg.asset(group_name=GROUP, kinds=KINDS, check_specs=_check_specs("safety_prompts"),
          description="Labelled prompts for the sensitive-prompt classifier (GPT-4 §6): raw/safety/sensitive/ "
                      "(e.g. HH-RLHF red-team dialogues: the first human turn), raw/safety/ordinary/ (ordinary "
                      "instructions), raw/safety/labelled/ (rows with their own `sensitive`).")
def safety_prompts(config: IngestConfig, data: DataRoot):
    files = [(f.path, partial(sensitive.read_safety, folder=f.key)) for f in files_of(data.lake.raw, "safety")]
    result = _ingest(data, "safety_prompts", sensitive.SAFETY_SCHEMA, files)
    yield from _report(result, config, sensitive.SAFETY_SCHEMA, data)


@dg.asset(group_name=GROUP, kinds=KINDS, check_specs=_check_specs("dialogues"),
          description="Conversations labelers wrote playing both sides (ChatGPT's demonstrations): "
                      "raw/dialogues/*.jsonl[.gz] with turns/messages ({role, text|content}), ShareGPT "
                      "conversations, or HH-RLHF chosen dialogues; one row per conversation with its turns.")
def dialogues(config: IngestConfig, data: DataRoot):
    files = _files(data, "dialogues", dialogue_reader.read_dialogues)
    result = _ingest(data, "dialogues", dialogue_reader.SCHEMA, files)
    yield from _report(result, config, dialogue_reader.SCHEMA, data)


INGEST_ASSETS = [reddit_submissions, web_pages, cc_documents, reference_documents, prompt_pool, benchmark_examples,
                 benchmark_tasks, safety_prompts, dialogues]


@dg.asset(group_name=GROUP, kinds=KINDS, deps=INGEST_ASSETS, tags={RUNS_AFTER_FAILURES: "true"},
          check_specs=[dg.AssetCheckSpec("rows_located", asset="ingest_rejects",
                                         description="Every reject names its asset, file and reason.")],
          description="Every record that could not be ingested, with file, position and reason; "
                      "also files in raw/ that no asset reads (unknown names, comment dumps, WARC/WAT files, "
                      "a second dump of a month), with the reason.")
def ingest_rejects(context: dg.AssetExecutionContext, data: DataRoot):
    lake = data.lake
    _, refused = scan(lake.raw)
    with lake.writer("ingest_rejects", REJECT_SCHEMA, sub="landing_zone") as out:
        for r in refused:
            out.write(Reject(r.path.relative_to(lake.raw).as_posix(), 0, r.reason, r.detail).row("landing_zone", None))
    unknown = [r.path.name for r in refused if r.reason == "unknown_file"]
    if refused:
        context.log.warning(f"{len(refused)} path(s) in raw/ not read ({len(unknown)} unknown): "
                            f"{[(r.path.name, r.reason) for r in refused][:10]}")
    data.publish("ingest_rejects")
    counts = (lake.scan("ingest_rejects").group_by("asset", "reason").len().sort("asset", "reason").collect())
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": int(counts["len"].sum()) if counts.height else 0,
        "unknown_files": len(unknown),
        "refused_files": dg.MetadataValue.json(dict(Counter(r.reason for r in refused))),
        "by_asset_and_reason": dg.MetadataValue.md(md_table(counts.to_dicts())),
        "rows_per_asset": dg.MetadataValue.json(
            {r["asset"]: r["len"] for r in counts.group_by("asset").agg(pl.col("len").sum()).to_dicts()}),
    })
    unlocated = lake.scan("ingest_rejects").filter(
        pl.any_horizontal(pl.col("asset", "file", "reason").is_null() | (pl.col("asset", "file", "reason") == ""))
    ).select(pl.len()).collect().item()
    yield dg.AssetCheckResult(check_name="rows_located", passed=unlocated == 0, metadata={"unlocated": unlocated},
                              description=None if unlocated == 0 else f"{unlocated} reject row(s) lack an asset, "
                              "file or reason (every reject names all three): a reader wrote a bad reject; report it")
