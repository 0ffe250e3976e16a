"""GPT-3 App. A quality filtering: ``quality_classifier``, ``cc_quality_scores``, ``cc_filtered``."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import hashlib
import json
import os

import dagster as dg
import numpy as np
import polars as pl

from gpt_assets.automation import FOLLOW, follow_ignoring
from gpt_assets.defs.common import table_metadata, write_drops
from gpt_assets.defs.ingest import cc_documents, reference_documents
from gpt_assets.defs.webtext import webtext_documents
from gpt_assets.mixture import count_tokens
from gpt_assets.partitions import cc_crawls
from gpt_assets.quality import ClassifierConfig, QualityClassifier, pareto_keep, train
from gpt_assets.resources import DataRoot

GROUP = "quality_filter"
ASSET = "quality_classifier"


class QualityClassifierConfig(dg.Config):
    alpha: float = 9.0  # GPT-3 App. A: keep iff np.random.pareto(alpha) > 1 - score
    seed: int = 0
    curated_corpora: list[str] = ["books1", "books2", "wikipedia"]  # GPT-3 App. A positives, with WebText
    max_docs_per_class: int = 200_000  # ours: a seeded sample above this
    balance_classes: bool = True  # ours (the paper is silent): as many negatives as positives, seeded
    heldout_share: float = 0.1
    epoch: int = 2  # fastText settings: see gpt_assets.quality.ClassifierConfig
    lr: float = 0.1
    word_ngrams: int = 1
    dim: int = 16
    min_auc: float = 0.9  # the check's floor on held-out ROC AUC

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(alpha=self.alpha, seed=self.seed, heldout_share=self.heldout_share,
                                epoch=self.epoch, lr=self.lr, word_ngrams=self.word_ngrams, dim=self.dim)


def _sample(frame: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    frame = frame.sort("doc_id")
    return frame if frame.height <= n else frame.sample(n, seed=seed).sort("doc_id")


def latest_version(data: DataRoot) -> tuple[str, QualityClassifier]:
    pointer = data.lake.checkpoints / ASSET / "LATEST"
    if not pointer.exists():
        raise dg.Failure(f"no trained {ASSET} under {pointer.parent}: materialize {ASSET} first")
    version = pointer.read_text().strip()
    return version, QualityClassifier.load(pointer.parent / version / "model.bin")


@dg.asset(group_name=GROUP, kinds={"fasttext"}, deps=[webtext_documents, reference_documents, cc_documents],
          automation_condition=follow_ignoring("cc_documents"),
          check_specs=[dg.AssetCheckSpec("heldout_auc", asset=ASSET, blocking=True,
                                         description="Held-out ROC AUC at least min_auc.")],
          description="fastText classifier: WebText + books + Wikipedia (curated) against raw Common Crawl.")
def quality_classifier(context: dg.AssetExecutionContext, config: QualityClassifierConfig, data: DataRoot):
    lake = data.lake
    pos = pl.concat([
        lake.scan("webtext_documents").select("doc_id", "text").collect(),
        lake.scan("reference_documents").filter(pl.col("corpus").is_in(config.curated_corpora))
        .select((pl.col("corpus") + ":" + pl.col("id")).alias("doc_id"), "text").collect(),
    ])
    neg = lake.scan("cc_documents").select("doc_id", "text").collect()
    n_pos, n_neg = min(pos.height, config.max_docs_per_class), min(neg.height, config.max_docs_per_class)
    if config.balance_classes:
        n_pos = n_neg = min(n_pos, n_neg)
    pos, neg = _sample(pos, n_pos, config.seed), _sample(neg, n_neg, config.seed)
    cfg = config.classifier()
    fingerprint = hashlib.sha256(json.dumps(cfg.__dict__, sort_keys=True).encode())
    for ids in (pos["doc_id"], neg["doc_id"]):
        fingerprint.update("\n".join(ids.to_list()).encode())
    version = fingerprint.hexdigest()[:12]
    clf, metrics = train(list(pos.iter_rows()), list(neg.iter_rows()), cfg)
    folder = lake.checkpoints / ASSET / version
    clf.save(folder / "model.bin")
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True))
    tmp = folder.parent / f".LATEST.{os.getpid()}"
    tmp.write_text(version)
    os.replace(tmp, folder.parent / "LATEST")
    context.log.info(f"{ASSET} {version}: held-out ROC AUC {metrics['heldout_roc_auc']}")
    flat = {k: v for k, v in metrics.items() if k != "config"}
    yield dg.MaterializeResult(metadata={**flat, "version": version,
                                         "path": dg.MetadataValue.path(str(folder / "model.bin"))})
    auc = metrics["heldout_roc_auc"]
    yield dg.AssetCheckResult(check_name="heldout_auc", passed=bool(auc >= config.min_auc),
                              metadata={"heldout_roc_auc": auc, "min_auc": config.min_auc})


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, partitions_def=cc_crawls,
          automation_condition=follow_ignoring("quality_classifier"),
          deps=[quality_classifier, cc_documents],
          check_specs=[dg.AssetCheckSpec("every_document_scored", asset="cc_quality_scores", blocking=True)],
          description="The classifier's probability that each Common Crawl document is curated-like.")
def cc_quality_scores(context: dg.AssetExecutionContext, data: DataRoot):
    crawl = context.partition_key
    version, clf = latest_version(data)
    docs = data.lake.scan("cc_documents", crawl).select("doc_id", "crawl", "url", "text").collect()
    scores = clf.score(docs["text"].to_list())
    out = docs.select("doc_id", "crawl", "url").with_columns(
        pl.Series("score", scores), pl.lit(version).alias("model_version"))
    data.lake.write_frame("cc_quality_scores", out, crawl)
    data.publish("cc_quality_scores")
    yield dg.MaterializeResult(metadata=table_metadata(
        out, data, "cc_quality_scores", model_version=version,
        mean_score=float(np.mean(scores)) if len(scores) else 0.0,
        score_deciles=dg.MetadataValue.json(
            [round(float(q), 3) for q in np.quantile(scores, np.linspace(0, 1, 11))] if len(scores) else [])))
    ok = out.height == docs.height and bool(((out["score"] >= 0) & (out["score"] <= 1)).all())
    yield dg.AssetCheckResult(check_name="every_document_scored", passed=ok, metadata={"scored": out.height})


class CCFilterConfig(dg.Config):
    alpha: float = 9.0  # GPT-3 App. A: keep iff np.random.pareto(alpha) > 1 - score
    seed: int = 0


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, partitions_def=cc_crawls, automation_condition=FOLLOW,
          deps=[cc_quality_scores, cc_documents],
          check_specs=[dg.AssetCheckSpec("keeps_some_not_all", asset="cc_filtered", blocking=True)],
          description="Common Crawl documents kept by the Pareto rule on their quality score (seeded per document).")
def cc_filtered(context: dg.AssetExecutionContext, config: CCFilterConfig, data: DataRoot):
    crawl = context.partition_key
    docs = data.lake.scan("cc_documents", crawl).select("doc_id", "crawl", "url", "text").collect()
    scores = data.lake.scan("cc_quality_scores", crawl).select("doc_id", "score").collect()
    scored = docs.join(scores, on="doc_id", how="inner").sort("doc_id")
    keep = pareto_keep(scored["doc_id"].to_list(), scored["score"].to_numpy(), config.alpha, config.seed)
    kept = scored.filter(pl.Series(keep)).with_columns(
        pl.col("text").map_elements(count_tokens, return_dtype=pl.Int64).alias("n_tokens"))
    dropped = scored.filter(~pl.Series(keep)).select("doc_id", pl.lit("pareto_rejected").alias("reason"))
    data.lake.write_frame("cc_filtered", kept, crawl)
    write_drops(data, "cc_filtered", dropped, "commoncrawl", crawl)
    data.publish("cc_filtered", "document_drops")
    rate = kept.height / scored.height if scored.height else 0.0
    yield dg.MaterializeResult(metadata=table_metadata(
        kept, data, "cc_filtered", scored=scored.height, dropped=dropped.height, keep_rate=round(rate, 4),
        alpha=config.alpha, tokens=int(kept["n_tokens"].sum()) if kept.height else 0))
    yield dg.AssetCheckResult(check_name="keeps_some_not_all", passed=0 < kept.height < scored.height or
                              scored.height == 0, metadata={"keep_rate": round(rate, 4)})


QUALITY_ASSETS = [quality_classifier, cc_quality_scores, cc_filtered]
