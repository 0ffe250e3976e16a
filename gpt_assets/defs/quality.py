"""GPT-3 App. A quality filtering: ``quality_classifier``, ``cc_quality_scores``, ``cc_filtered``."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import hashlib
import json
import math
import os
from pathlib import Path

import dagster as dg
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from gpt_assets.automation import FOLLOW, follow_ignoring
from gpt_assets.defs.common import DROPS, md_dict, md_table, part_metadata
from gpt_assets.defs.ingest import cc_documents, reference_documents
from gpt_assets.defs.webtext import webtext_documents
from gpt_assets.lake import duplicate_keys, parquet_rows
from gpt_assets.partitions import cc_crawls
from gpt_assets.quality import ClassifierConfig, keep_probability, train
from gpt_assets.quality_stage import (
    FILTERED_SCHEMA,
    SCORES_SCHEMA,
    StaleScores,
    filter_crawl,
    hash_sample,
    part_stream,
    score_crawl,
)
from gpt_assets.resources import DataRoot, Shards
from gpt_assets.shards import Runner, plan

GROUP = "quality_filter"
ASSET = "quality_classifier"


class QualityClassifierConfig(dg.Config):
    alpha: float = Field(default=9.0, description="GPT-3 App. A: keep a CC document iff "
                         "np.random.pareto(alpha) > 1 - score; used here for the held-out keep rates.")
    seed: int = Field(default=0, description="Seed of the class sampling, the held-out split and fastText.")
    curated_corpora: list[str] = Field(default=["books1", "books2", "wikipedia"], description=(
        "GPT-3 App. A: reference corpora that are positives, with WebText; raw Common Crawl is the negative class."))
    max_docs_per_class: int = Field(default=200_000, description="Ours: above this, a seeded hash sample of this "
                                    "many documents (the same whatever the order or partitioning, streamed).")
    balance_classes: bool = Field(default=True, description=(
        "Ours (the paper is silent): as many training windows of each class (a seeded sample of the larger), so "
        "a score of 0.5 means 'as likely curated as CC'."))
    heldout_share: float = Field(default=0.1, description="Ours: documents held out for the metrics and the check.")
    max_words: int = Field(default=ClassifierConfig.max_words, description="Ours: words per window the "
                           "classifier reads; a CC document is scored on its first window.")
    max_windows: int = Field(default=ClassifierConfig.max_windows, description=(
        "Ours: a longer training document (a book) contributes up to this many windows, evenly spread."))
    epoch: int = Field(default=ClassifierConfig.epoch, description=(
        "fastText epochs (GPT-3 gives none). Chosen on real text: 2 epochs at lr 0.1 leave real scores at "
        "0.50 +- 0.003 (a random filter); see bench/RESULTS.md."))
    lr: float = Field(default=ClassifierConfig.lr, description="fastText learning rate (chosen with epoch).")
    word_ngrams: int = Field(default=ClassifierConfig.word_ngrams, description="fastText word n-grams (1: unigrams).")
    dim: int = Field(default=ClassifierConfig.dim, description="fastText vector dimension.")
    min_auc: float = Field(default=0.85, description=(
        "The heldout_auc check: held-out ROC AUC of curated against raw CC at least this (real text: 0.94-0.98)."))
    min_keep_ratio: float = Field(default=3.0, description=(
        "The keeps_curated check: held-out curated text must be kept, in expectation, at least this many times "
        "as often as held-out raw CC, or the filter does not filter."))

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(alpha=self.alpha, seed=self.seed, heldout_share=self.heldout_share,
                                max_words=self.max_words, max_windows=self.max_windows,
                                balance=self.balance_classes, epoch=self.epoch, lr=self.lr,
                                word_ngrams=self.word_ngrams, dim=self.dim)


def latest_model(data: DataRoot) -> tuple[str, Path]:
    """(version, model file) of the latest classifier that passed its checks."""
    pointer = data.lake.checkpoints / ASSET / "LATEST"
    if not pointer.exists():
        raise dg.Failure(f"no {ASSET} that passed its checks under {pointer.parent}: materialize {ASSET} "
                         "(its heldout_auc and keeps_curated checks say what to change when it fails)")
    version = pointer.read_text().strip()
    return version, pointer.parent / version / "model.bin"


def _shard_metadata(shards: Shards, runner: Runner, documents: int) -> dict:
    return {"shards": len(plan(documents, shards.shard_rows)), "shard_backend": shards.backend,
            "shard_workers": runner.workers}


@dg.asset(group_name=GROUP, kinds={"fasttext"}, deps=[webtext_documents, reference_documents, cc_documents],
          automation_condition=follow_ignoring("cc_documents"),
          check_specs=[dg.AssetCheckSpec("heldout_auc", asset=ASSET, blocking=True,
                                         description="Held-out ROC AUC of curated text against raw CC at least "
                                                     "min_auc: the classifier ranks documents it never saw."),
                       dg.AssetCheckSpec("keeps_curated", asset=ASSET, blocking=True,
                                         description="The Pareto rule keeps held-out curated text at least "
                                                     "min_keep_ratio times as often as held-out raw CC (expected "
                                                     "keep rates): the filter filters.")],
          description="fastText classifier: WebText + books + Wikipedia (curated) against raw Common Crawl.")
def quality_classifier(context: dg.AssetExecutionContext, config: QualityClassifierConfig, data: DataRoot):
    lake = data.lake
    corpora = set(config.curated_corpora)

    def curated(table: pa.Table) -> pa.Table:  # reference rows of the curated corpora, doc_id = corpus:id
        table = table.filter(pc.is_in(table.column("corpus"), pa.array(sorted(corpora))))
        ids = pc.binary_join_element_wise(table.column("corpus"), table.column("id"), ":")
        return pa.table({"doc_id": ids, "text": table.column("text")})

    positives = [part_stream(lake.parts("webtext_documents"), ["doc_id", "text"]),
                 part_stream(lake.parts("reference_documents"), ["corpus", "id", "text"], curated)]
    pos = hash_sample(lambda: (t for s in positives for t in s()), config.max_docs_per_class, config.seed)
    neg = hash_sample(part_stream(lake.parts("cc_documents"), ["doc_id", "text"]), config.max_docs_per_class,
                      config.seed)
    cfg = config.classifier()
    fingerprint = hashlib.sha256(json.dumps(cfg.__dict__, sort_keys=True).encode())
    for sample in (pos, neg):
        fingerprint.update("\n".join(d for d, _ in sample).encode())
    version = fingerprint.hexdigest()[:12]
    clf, metrics = train(pos, neg, cfg)
    folder = lake.checkpoints / ASSET / version
    clf.save(folder / "model.bin")
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
    context.log.info(f"{ASSET} {version}: held-out ROC AUC {metrics['heldout_roc_auc']}")
    flat = {k: v for k, v in metrics.items() if k != "config"}
    yield dg.MaterializeResult(metadata={**flat, "version": version,
                                         "path": dg.MetadataValue.path(str(folder / "model.bin"))})
    auc = metrics["heldout_roc_auc"]
    auc_ok = bool(auc >= config.min_auc)
    yield dg.AssetCheckResult(
        check_name="heldout_auc", passed=auc_ok, metadata={"heldout_roc_auc": auc, "min_auc": config.min_auc,
                                                       "heldout_docs": metrics["heldout_docs"]},
        description=None if auc_ok else (
            f"held-out ROC AUC {auc} of curated against raw CC is below min_auc {config.min_auc} on "
            f"{metrics['heldout_docs']} documents: give the classifier more curated and CC documents, or train "
            f"longer (epoch, lr; 2 epochs at lr 0.1 do not learn real text), then re-materialize."))
    cur, cc = metrics["expected_keep_rate_curated"], metrics["expected_keep_rate_cc"]
    ratio = cur / cc if cc and cc > 0 else float("inf")
    keep_ok = bool(ratio >= config.min_keep_ratio) if math.isfinite(cur) else False
    yield dg.AssetCheckResult(
        check_name="keeps_curated", passed=keep_ok,
        metadata={"expected_keep_rate_curated": cur, "expected_keep_rate_cc": cc,
                  "ratio": round(ratio, 2) if math.isfinite(ratio) else "inf", "min_keep_ratio": config.min_keep_ratio},
        description=None if keep_ok else (
            f"the Pareto rule (alpha {config.alpha}) keeps held-out curated text at {cur:.2%} and raw CC at "
            f"{cc:.2%}, a ratio of {ratio:.2f} below min_keep_ratio {config.min_keep_ratio}: the scores do not "
            "separate the classes; train longer or on more documents, then re-materialize."))
    if auc_ok and keep_ok:  # what cc_quality_scores reads: never a classifier that failed its checks
        tmp = folder.parent / f".LATEST.{os.getpid()}"
        tmp.write_text(version)
        os.replace(tmp, folder.parent / "LATEST")


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, partitions_def=cc_crawls,
          automation_condition=follow_ignoring("quality_classifier"),
          deps=[quality_classifier, cc_documents],
          check_specs=[dg.AssetCheckSpec("every_document_scored", asset="cc_quality_scores", blocking=True,
                                         description="One score in [0, 1] per document of the crawl, "
                                                     "unique on doc_id (what cc_filtered joins on).")],
          description="The classifier's probability that each Common Crawl document is curated-like.")
def cc_quality_scores(context: dg.AssetExecutionContext, data: DataRoot, shards: Shards):
    crawl = context.partition_key
    version, model = latest_model(data)
    runner = shards.runner()
    result = score_crawl(data.lake, crawl, model, version, runner=runner, shard_rows=shards.shard_rows)
    data.publish("cc_quality_scores")
    documents = parquet_rows(data.lake.part_path("cc_documents", crawl))
    hist = result.histogram
    yield dg.MaterializeResult(metadata=part_metadata(
        SCORES_SCHEMA, result.documents, data, "cc_quality_scores", model_version=version,
        **_shard_metadata(shards, runner, result.documents),
        mean_score=round(hist.mean(), 4),
        score_deciles=dg.MetadataValue.json([round(q, 3) for q in hist.quantiles(np.linspace(0, 1, 11))])))
    repeated = duplicate_keys([data.lake.part_path("cc_quality_scores", crawl)], ["doc_id"])
    in_range = hist.total == result.documents  # every score fell in a bin of [0, 1]
    ok = result.documents == documents and in_range and not repeated
    yield dg.AssetCheckResult(
        check_name="every_document_scored", passed=ok,
        metadata={"scored": result.documents, "documents": documents, "repeated_doc_ids": repeated},
        description=None if ok else f"{result.documents} scores in [0, 1] for {documents} documents, {repeated} "
        "doc_id(s) repeated (should be one score per document, none repeated): cc_documents changed under the "
        "scoring or lost its unique_ids guard; re-materialize cc_documents for this crawl, then cc_quality_scores.")


class CCFilterConfig(dg.Config):
    alpha: float = Field(default=9.0, description="GPT-3 App. A: keep iff np.random.pareto(alpha) > 1 - score.")
    seed: int = Field(default=0, description="Seed of the per-document Pareto draw (a hash of seed and doc_id).")
    max_sigma: float = Field(default=4.0, description=(
        "The rule_applied check: documents kept may differ from the rule's expectation by at most this many "
        "standard deviations of the Poisson-binomial count (plus one document)."))


def rule_interval(scores: np.ndarray, alpha: float, sigmas: float) -> tuple[float, float, float]:
    """(expected kept, low, high): the Pareto rule's kept count is a sum of Bernoulli(p_i), p_i = (2 - s_i)^-alpha."""
    p = keep_probability(scores, alpha)
    return interval(float(p.sum()), float((p * (1 - p)).sum()), sigmas)


def interval(mean: float, variance: float, sigmas: float) -> tuple[float, float, float]:
    """(mean, low, high) of a count with this mean and variance, ``sigmas`` standard deviations plus one each side."""
    sd = math.sqrt(variance)
    return mean, max(0.0, mean - sigmas * sd - 1), mean + sigmas * sd + 1


def _classifier_keep(data: DataRoot, version: str) -> dict:
    path = data.lake.checkpoints / ASSET / version / "metrics.json"
    if not path.exists():
        return {}
    m = json.loads(path.read_text())
    return {k: m[k] for k in ("expected_keep_rate_curated", "expected_keep_rate_cc") if k in m}


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, partitions_def=cc_crawls, automation_condition=FOLLOW,
          deps=[cc_quality_scores, cc_documents],
          check_specs=[dg.AssetCheckSpec("rule_applied", asset="cc_filtered", blocking=True,
                                         description="The documents kept are as many as the Pareto rule keeps "
                                                     "in expectation on these scores, within max_sigma standard "
                                                     "deviations (so 0 kept of 25 low-scored pages passes)."),
                       dg.AssetCheckSpec("one_row_per_document", asset="cc_filtered", blocking=True,
                                         description="Every document of the crawl (a doc_id landed twice counts "
                                                     "once) is scored and either kept or dropped, once.")],
          description="Common Crawl documents kept by the Pareto rule on their quality score (seeded per document).")
def cc_filtered(context: dg.AssetExecutionContext, config: CCFilterConfig, data: DataRoot, shards: Shards):
    crawl = context.partition_key
    lake = data.lake
    repeated = duplicate_keys([lake.part_path("cc_documents", crawl)], ["doc_id"])
    if repeated:
        raise dg.Failure(f"cc_documents [{crawl}] repeats {repeated} doc_id(s) (it was ingested before ingestion "
                         "quarantined second copies): re-materialize cc_documents for this crawl, then "
                         "cc_quality_scores, then cc_filtered")
    try:
        runner = shards.runner()
        r = filter_crawl(lake, crawl, config.alpha, config.seed, DROPS, "cc_filtered", runner=runner,
                         shard_rows=shards.shard_rows)
    except StaleScores as exc:
        raise dg.Failure(f"{exc}: cc_quality_scores is older than cc_documents; re-materialize cc_quality_scores "
                         "for this crawl, then cc_filtered") from exc
    data.publish("cc_filtered", "document_drops")
    mean, lo, hi = interval(r.expected, r.variance, config.max_sigma)
    yield dg.MaterializeResult(metadata=part_metadata(
        FILTERED_SCHEMA, r.kept, data, "cc_filtered", scored=r.scored, dropped=r.dropped,
        **_shard_metadata(shards, runner, r.scored),
        keep_rate=round(r.kept / r.scored, 4) if r.scored else 0.0,
        expected_keep_rate=round(mean / r.scored, 4) if r.scored else 0.0,
        parameters=md_dict({"alpha": config.alpha, "max_sigma": config.max_sigma}, "parameter"),
        model_version=r.model_version, **_classifier_keep(data, r.model_version), tokens=r.tokens,
        keep_by_score_decile=dg.MetadataValue.md(md_table(r.histogram.deciles()))))
    ok = lo <= r.kept <= hi
    yield dg.AssetCheckResult(
        check_name="rule_applied", passed=ok,
        metadata={"kept": r.kept, "expected": round(mean, 1), "low": round(lo, 1), "high": round(hi, 1)},
        description=None if ok else (
            f"{r.kept} of {r.scored} documents kept where the Pareto rule (alpha {config.alpha}) keeps "
            f"{mean:.1f} in expectation ({lo:.1f}-{hi:.1f} at {config.max_sigma} sigma): the scores or the keep "
            "rule changed under the filter; re-materialize cc_quality_scores, then this partition."))
    documents = parquet_rows(lake.part_path("cc_documents", crawl))
    kept_repeats = duplicate_keys([lake.part_path("cc_filtered", crawl)], ["doc_id"])
    ok = r.scored == documents and r.kept + r.dropped == documents and not kept_repeats
    yield dg.AssetCheckResult(
        check_name="one_row_per_document", passed=ok,
        metadata={"documents": documents, "scored": r.scored, "kept": r.kept, "dropped": r.dropped,
                  "repeated_doc_ids_kept": kept_repeats},
        description=None if ok else (
            f"{r.scored} of {documents} documents of cc_documents [{crawl}] scored, kept + dropped ({r.kept} + "
            f"{r.dropped}), {kept_repeats} doc_id(s) kept twice (should be every document once): cc_documents "
            "changed while the filter ran; re-materialize cc_quality_scores for this crawl, then cc_filtered."))


QUALITY_ASSETS = [quality_classifier, cc_quality_scores, cc_filtered]
