"""Decontamination (GPT-3 App. C) and the training mixture (GPT-3 Table 2.2)."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import dagster as dg
import polars as pl
import polars.selectors as cs
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field

from gpt_assets import decontam_stage
from gpt_assets.automation import FOLLOW
from gpt_assets.decontam import DecontamConfig
from gpt_assets.defs.common import md_table, part_metadata, reason_counts, table_metadata, write_drops
from gpt_assets.defs.dedup import duplicate_clusters, kept_document_stream
from gpt_assets.defs.ingest import benchmark_examples
from gpt_assets.lake import gather
from gpt_assets.mixture import MixtureConfig, sample
from gpt_assets.quality_stage import batches
from gpt_assets.resources import DataRoot

GROUP = "mixture"
PRETRAINING_SCHEMA = pa.schema([("source", pa.string()), ("partition", pa.string()), ("doc_id", pa.string()),
                               ("text", pa.string()), ("n_tokens", pa.int64()), ("decontaminated", pa.bool_())])


class DecontaminationConfig(dg.Config):
    n: int = 13  # GPT-3 App. C: 13-grams
    window_chars: int = 200  # GPT-3 App. C: 200 characters removed around each hit
    min_piece_chars: int = 200  # GPT-3 App. C: pieces under 200 characters dropped
    max_pieces: int = 10  # GPT-3 App. C: documents cut into more than 10 pieces dropped
    max_doc_frequency: int = 10  # GPT-3 App. C: 13-grams in more than 10 training documents ignored


@dg.multi_asset(
    group_name=GROUP,
    specs=[dg.AssetSpec("pretraining_documents", kinds={"polars", "parquet"},
                        automation_condition=FOLLOW, deps=[duplicate_clusters, benchmark_examples],
                        description="Every source's documents after dedup and 13-gram decontamination."),
           dg.AssetSpec("decontamination_report", kinds={"polars", "parquet"}, automation_condition=FOLLOW,
                        deps=[duplicate_clusters, benchmark_examples],
                        description="Per benchmark: documents touched, windows removed, documents dropped.")],
    check_specs=[dg.AssetCheckSpec("no_benchmark_13grams_left", asset="pretraining_documents", blocking=True,
                                   description="No kept document still holds a (non-common) benchmark 13-gram."),
                 dg.AssetCheckSpec("every_benchmark_reported", asset="decontamination_report", blocking=True,
                                   description="One report row per benchmark, counts non-negative.")],
)
def decontamination(context: dg.AssetExecutionContext, config: DecontaminationConfig, data: DataRoot):
    cfg = DecontamConfig(config.n, config.window_chars, config.min_piece_chars, config.max_pieces,
                         config.max_doc_frequency)
    benchmarks = data.lake.scan("benchmark_examples").select("benchmark", "id", "text").collect()
    index = decontam_stage.index_for(benchmarks, cfg)
    try:
        with data.lake.writer("pretraining_documents", PRETRAINING_SCHEMA) as out:
            tally = decontam_stage.decontaminate_stream(
                kept_document_stream(data), index, cfg, lambda batch: out.write_table(batch.to_arrow().cast(
                    PRETRAINING_SCHEMA)))
    except decontam_stage.StreamChanged as exc:  # nothing was written: the part stays as it was
        raise dg.Failure(str(exc)) from exc
    report = tally.report(dict(benchmarks.group_by("benchmark").len().iter_rows()))
    drops = tally.drop_frame()
    data.lake.write_frame("decontamination_report", report)
    write_drops(data, "decontamination", drops, None)
    data.publish("pretraining_documents", "decontamination_report", "document_drops")
    clean = data.lake.scan("pretraining_documents")
    per_source = clean.group_by("source").agg(pl.len().alias("documents"), pl.col("n_tokens").sum().alias("tokens"),
                                              pl.col("decontaminated").sum().alias("decontaminated")).sort("source")
    yield dg.MaterializeResult(asset_key="pretraining_documents", metadata=part_metadata(
        PRETRAINING_SCHEMA, tally.kept, data, "pretraining_documents", dropped=drops.height,
        documents_read=tally.documents,
        drops_by_reason=dg.MetadataValue.md(md_table([{"reason": k, "documents": v}
                                                      for k, v in reason_counts(drops).items()])),
        per_source=dg.MetadataValue.md(md_table(per_source.collect().to_dicts()))))
    yield dg.MaterializeResult(asset_key="decontamination_report", metadata={
        **table_metadata(report, data, "decontamination_report"),
        "report": dg.MetadataValue.md(md_table(report.to_dicts()))})
    # undecontaminated documents can only hold 13-grams ignored as common; the check reads the cut ones
    part = data.lake.part_path("pretraining_documents")
    cut_docs = (table.filter(table["decontaminated"]) for table in batches(part, ["doc_id", "text", "decontaminated"]))
    left = decontam_stage.documents_with_hits(cut_docs, index.drop(tally.common.tolist()), cfg.n)
    yield dg.AssetCheckResult(check_name="no_benchmark_13grams_left", asset_key="pretraining_documents",
                              passed=not left, metadata={"documents_with_hits": len(left)},
                              description=None if not left else f"{len(left)} decontaminated document(s) still hold "
                              f"a benchmark {cfg.n}-gram (none should): e.g. {next(iter(left))}; report it")
    names = set(benchmarks["benchmark"].unique())
    reported = set(report["benchmark"]) if report.height else set()
    negative = report.height and any(report.select((cs.numeric() < 0).any()).row(0))
    ok = names <= reported and not negative
    yield dg.AssetCheckResult(check_name="every_benchmark_reported", asset_key="decontamination_report",
                              passed=ok, metadata={"missing": ", ".join(sorted(names - reported)) or "none"},
                              description=None if ok else f"benchmarks without a report row: "
                              f"{sorted(names - reported)}, or a negative count: re-materialize decontamination")


class TrainingMixtureConfig(dg.Config):
    weights: dict[str, float] = Field(
        default={"commoncrawl": 0.60, "webtext": 0.22, "books1": 0.08, "books2": 0.08, "wikipedia": 0.03},
        description="GPT-3 Table 2.2: each source's weight in the training mix (they sum to 101% after rounding; "
                    "normalized over the sources that have documents).")
    token_budget: int = Field(default=0, description=(
        "GPT-3 §2.2 trained on 300B tokens; 0 = auto: the budget at which Common Crawl (the largest weight) is "
        "read once (Table 2.2 read it 0.44 times), or without CC documents the present source of largest weight."))
    seed: int = Field(default=0, description="Seed of each source's document order.")
    max_share_error: float = Field(default=0.01, description=(
        "The shares_match_weights check: each source's tokens within this share of the budget of its target, "
        "or within half its largest document where whole documents cannot come closer."))
    max_epochs: float = Field(default=3.4, description=(
        "The epochs_within_limit check (warns): no source repeated more often than this. GPT-3 Table 2.2's most "
        "repeated source is Wikipedia at 3.4 epochs; more repetition risks memorizing it."))


@dg.multi_asset(
    group_name=GROUP,
    specs=[dg.AssetSpec("training_mixture", kinds={"polars", "parquet"},
                        automation_condition=FOLLOW, deps=["pretraining_documents"],
                        description="One row per document the mixture takes (source, doc_id, text, n_tokens)."),
           dg.AssetSpec("mixture_summary", kinds={"polars", "parquet"},
                        automation_condition=FOLLOW, deps=["pretraining_documents"],
                        description="GPT-3 Table 2.2: tokens, weight and epochs per source.")],
    check_specs=[dg.AssetCheckSpec("shares_match_weights", asset="training_mixture", blocking=True,
                                   description="Each source's tokens within max_share_error of the budget of its "
                                               "target, or within half its largest document (whole documents)."),
                 dg.AssetCheckSpec("epochs_within_limit", asset="training_mixture",
                                   description="Warns when a source is repeated more than max_epochs times "
                                               "(GPT-3 Table 2.2 reports epochs per source for this reason)."),
                 dg.AssetCheckSpec("every_weighted_source_present", asset="training_mixture",
                                   description="Warns when a weighted source has no documents (its weight is "
                                               "spread over the others)."),
                 dg.AssetCheckSpec("summary_reconciles", asset="mixture_summary", blocking=True,
                                   description="One row per weighted source; its tokens and documents sum to the "
                                               "mixture's.")],
)
def training_mixture(config: TrainingMixtureConfig, data: DataRoot):
    lake = data.lake
    docs = lake.scan("pretraining_documents").select("source", "doc_id", "n_tokens").collect()  # no texts
    cfg = MixtureConfig(weights=dict(config.weights), token_budget=config.token_budget, seed=config.seed)
    try:
        mixture, summary = sample(docs, cfg)
    except ValueError as exc:
        raise dg.Failure(f"training_mixture: {exc}: nothing to sample; check pretraining_documents") from exc
    # the plan's rows in its order, each with its text, written out of core
    part = lake.part_path("training_mixture")
    rows = gather(mixture, lake.parts("pretraining_documents"), ["source", "doc_id"], ["text"], part)
    if rows != mixture.height:
        raise dg.Failure(f"training_mixture wrote {rows:,} rows for a plan of {mixture.height:,}: "
                         "pretraining_documents changed while the mixture was drawn (or repeats a doc_id within a "
                         "source); re-materialize decontamination, then training_mixture")
    data.lake.write_frame("mixture_summary", summary)
    data.publish("training_mixture", "mixture_summary")
    budget = int(summary["token_budget"][0]) if summary.height else 0
    table = summary.with_columns(pl.col("weight").round(4), pl.col("share").round(4), pl.col("epochs").round(2))
    yield dg.MaterializeResult(asset_key="training_mixture", metadata=part_metadata(
        pq.read_schema(part), rows, data, "training_mixture",
        tokens=int(mixture["n_tokens"].sum()) if mixture.height else 0, token_budget=budget))
    yield dg.MaterializeResult(asset_key="mixture_summary", metadata={
        **table_metadata(summary, data, "mixture_summary"),
        "table_2_2": dg.MetadataValue.md(md_table(table.select(
            "source", "tokens_available", "target", "tokens", "weight", "share", "epochs", "documents",
            "max_doc_tokens").to_dicts()))})
    yield from _mixture_checks(mixture, summary, config, budget)


def _mixture_checks(mixture: pl.DataFrame, summary: pl.DataFrame, config: TrainingMixtureConfig, budget: int):
    rows = summary.filter(pl.col("target") > 0).to_dicts()
    off = {r["source"]: r for r in rows
           if abs(r["tokens"] - r["target"]) > max(config.max_share_error * budget, r["max_doc_tokens"] / 2)}
    worst = max(rows, key=lambda r: abs(r["tokens"] - r["target"]) / max(1, budget), default=None)
    yield dg.AssetCheckResult(
        check_name="shares_match_weights", asset_key="training_mixture", passed=bool(rows) and not off,
        metadata={"token_budget": budget, "worst_source": worst["source"] if worst else "",
                  "worst_share_error": round(abs(worst["tokens"] - worst["target"]) / max(1, budget), 4)
                  if worst else 0.0},
        description=None if rows and not off else (
            "no source has documents to sample" if not rows else "; ".join(
                f"{s} took {r['tokens']:,} tokens for a target of {r['target']:,} ({r['weight']:.1%} of "
                f"{budget:,}), further than max_share_error {config.max_share_error:.1%} or half its largest "
                f"document ({r['max_doc_tokens']:,})" for s, r in off.items()) + ": the sampler is broken; report it"))
    over = {r["source"]: round(r["epochs"], 2) for r in rows if r["epochs"] > config.max_epochs}
    yield dg.AssetCheckResult(
        check_name="epochs_within_limit", asset_key="training_mixture", passed=not over,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"epochs": dg.MetadataValue.md(md_table([{"source": r["source"], "epochs": round(r["epochs"], 2)}
                                                          for r in rows])), "max_epochs": config.max_epochs},
        description=None if not over else (
            ", ".join(f"{s} is repeated {e} times" for s, e in over.items())
            + f", more than max_epochs {config.max_epochs}: add documents to it, lower its weight, or lower "
            "token_budget (auto reads Common Crawl once, so a small filtered crawl makes a small budget)"))
    missing = sorted(s for s, w in config.weights.items() if w > 0 and s not in set(r["source"] for r in rows))
    yield dg.AssetCheckResult(
        check_name="every_weighted_source_present", asset_key="training_mixture", passed=not missing,
        severity=dg.AssetCheckSeverity.WARN, metadata={"missing": ", ".join(missing) or "none"},
        description=None if not missing else (
            f"no documents of {', '.join(missing)} (weights {', '.join(str(config.weights[s]) for s in missing)}): "
            "their weight went to the other sources; land them under raw/reference/<corpus>/ or set their "
            "weight to 0"))
    sources = set(summary["source"])
    sums = (int(summary["tokens"].sum()), int(summary["documents"].sum())) if summary.height else (0, 0)
    have = (int(mixture["n_tokens"].sum()), mixture.height) if mixture.height else (0, 0)
    ok = sources == set(config.weights) and sums == have
    yield dg.AssetCheckResult(
        check_name="summary_reconciles", asset_key="mixture_summary", passed=ok,
        metadata={"summary_tokens": sums[0], "summary_documents": sums[1], "mixture_tokens": have[0],
                  "mixture_documents": have[1]},
        description=None if ok else f"mixture_summary says {sums[0]:,} tokens in {sums[1]:,} documents, the "
                                    f"mixture holds {have[0]:,} in {have[1]:,}: re-materialize training_mixture.")


MIXTURE_ASSETS = [decontamination, training_mixture]
