"""Decontamination (GPT-3 App. C) and the training mixture (GPT-3 Table 2.2)."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import dagster as dg
import polars as pl
import polars.selectors as cs

from gpt_assets import decontam_stage
from gpt_assets.automation import FOLLOW
from gpt_assets.decontam import BenchmarkIndex, DecontamConfig, ngram_hashes, tokens
from gpt_assets.defs.common import md_table, reason_counts, table_metadata, write_drops
from gpt_assets.defs.dedup import duplicate_clusters, kept_documents
from gpt_assets.defs.ingest import benchmark_examples
from gpt_assets.mixture import MixtureConfig, sample
from gpt_assets.resources import DataRoot

GROUP = "mixture"


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
    docs = kept_documents(data)
    benchmarks = data.lake.scan("benchmark_examples").select("benchmark", "id", "text").collect()
    clean, report, drops = decontam_stage.run(docs, benchmarks, cfg)
    data.lake.write_frame("pretraining_documents", clean)
    data.lake.write_frame("decontamination_report", report)
    write_drops(data, "decontamination", drops.join(docs.select("doc_id", "source"), on="doc_id"), "")
    data.publish("pretraining_documents", "decontamination_report", "document_drops")
    per_source = clean.group_by("source").agg(pl.len().alias("documents"), pl.col("n_tokens").sum().alias("tokens"),
                                              pl.col("decontaminated").sum().alias("decontaminated")).sort("source")
    yield dg.MaterializeResult(asset_key="pretraining_documents", metadata=table_metadata(
        clean, data, "pretraining_documents", dropped=drops.height, drop_reasons=dg.MetadataValue.json(
            reason_counts(drops)), per_source=dg.MetadataValue.md(md_table(per_source.to_dicts()))))
    yield dg.MaterializeResult(asset_key="decontamination_report", metadata={
        **table_metadata(report, data, "decontamination_report"),
        "report": dg.MetadataValue.md(md_table(report.to_dicts()))})
    index = BenchmarkIndex.build(benchmarks.select("benchmark", "text").iter_rows(), cfg.n)
    left = {}
    for doc_id, text in clean.filter(pl.col("decontaminated")).select("doc_id", "text").iter_rows():
        hits = index.hits(ngram_hashes(tokens(text)[0], cfg.n))
        if len(hits):
            left[doc_id] = len(hits)
    # hits in undecontaminated docs can only be 13-grams ignored as common; the check looks at cut documents
    yield dg.AssetCheckResult(check_name="no_benchmark_13grams_left", asset_key="pretraining_documents",
                              passed=not left, metadata={"documents_with_hits": len(left)})
    names = set(benchmarks["benchmark"].unique())
    reported = set(report["benchmark"]) if report.height else set()
    negative = report.height and any(report.select((cs.numeric() < 0).any()).row(0))
    yield dg.AssetCheckResult(check_name="every_benchmark_reported", asset_key="decontamination_report",
                              passed=names <= reported and not negative,
                              metadata={"missing": dg.MetadataValue.json(sorted(names - reported))})


class TrainingMixtureConfig(dg.Config):
    # GPT-3 Table 2.2 weights in the training mix (they sum to 101% after rounding; normalized)
    weights: dict[str, float] = {"commoncrawl": 0.60, "webtext": 0.22, "books1": 0.08, "books2": 0.08,
                                 "wikipedia": 0.03}
    token_budget: int = 0  # GPT-3 §2.2: 300B; 0 = auto, the budget at which Common Crawl is read once
    seed: int = 0
    max_share_error: float = 0.01  # the check: each source's token share within one point of its weight


@dg.multi_asset(
    group_name=GROUP,
    specs=[dg.AssetSpec("training_mixture", kinds={"polars", "parquet"},
                        automation_condition=FOLLOW, deps=["pretraining_documents"],
                        description="One row per document the mixture takes (source, doc_id, text, n_tokens)."),
           dg.AssetSpec("mixture_summary", kinds={"polars", "parquet"},
                        automation_condition=FOLLOW, deps=["pretraining_documents"],
                        description="GPT-3 Table 2.2: tokens, weight and epochs per source.")],
    check_specs=[dg.AssetCheckSpec("shares_match_weights", asset="training_mixture", blocking=True),
                 dg.AssetCheckSpec("summary_reconciles", asset="mixture_summary", blocking=True,
                                   description="One row per weighted source; its tokens and documents sum to the "
                                               "mixture's.")],
)
def training_mixture(config: TrainingMixtureConfig, data: DataRoot):
    docs = data.lake.scan("pretraining_documents").select("source", "doc_id", "text", "n_tokens").collect()
    cfg = MixtureConfig(weights=dict(config.weights), token_budget=config.token_budget, seed=config.seed)
    mixture, summary = sample(docs, cfg)
    data.lake.write_frame("training_mixture", mixture)
    data.lake.write_frame("mixture_summary", summary)
    data.publish("training_mixture", "mixture_summary")
    yield dg.MaterializeResult(asset_key="training_mixture", metadata=table_metadata(
        mixture, data, "training_mixture", tokens=int(mixture["n_tokens"].sum()) if mixture.height else 0,
        token_budget=int(summary["token_budget"][0]) if summary.height else 0))
    yield dg.MaterializeResult(asset_key="mixture_summary", metadata={
        **table_metadata(summary, data, "mixture_summary"),
        "table_2_2": dg.MetadataValue.md(md_table(summary.select(
            "source", "tokens", "weight", "share", "epochs", "documents").to_dicts()))})
    total = sum(cfg.weights.values())
    errors = {r["source"]: round(abs(r["share"] - cfg.weights[r["source"]] / total), 4)
              for r in summary.iter_rows(named=True)}
    sums = (int(summary["tokens"].sum()), int(summary["documents"].sum())) if summary.height else (0, 0)
    have = (int(mixture["n_tokens"].sum()), mixture.height) if mixture.height else (0, 0)
    yield dg.AssetCheckResult(check_name="summary_reconciles", asset_key="mixture_summary",
                              passed=set(summary["source"]) == set(cfg.weights) and sums == have,
                              metadata={"summary_tokens_documents": list(sums), "mixture_tokens_documents": list(have)})
    yield dg.AssetCheckResult(check_name="shares_match_weights", asset_key="training_mixture",
                              passed=bool(errors) and max(errors.values()) <= config.max_share_error,
                              metadata={"share_error": dg.MetadataValue.json(errors)})


MIXTURE_ASSETS = [decontamination, training_mixture]
