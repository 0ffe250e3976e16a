"""Score a materialized sample world against its ground truth (the figures quoted in issue notes).

    GPT_ASSETS_DATA=<data root> .venv/bin/python bench/truth_report.py

Prints: the classifier's held-out metrics and keep rate per planted CC kind; dedup pair precision /
recall at Jaccard >= 0.8 for the default and the GPT-3 presets on raw CC; planted WebText copies
removed; planted benchmark passages left in the mixture; the mixture's Table 2.2.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpt_assets.decontam import BenchmarkIndex, ngram_hashes, token_hashes  # noqa: E402
from gpt_assets.dedup import DEFAULT, GPT3, dedup, normalize, shingle_strings  # noqa: E402
from gpt_assets.defs.dedup import DedupAssetConfig  # noqa: E402
from gpt_assets.lake import Lake  # noqa: E402
from gpt_assets.paths import data_root  # noqa: E402
from gpt_assets.sampleworld import load_truth  # noqa: E402


def pairs(frame: pl.DataFrame, column: str) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for ids in frame.filter(pl.col(column).is_not_null()).group_by(column).agg("doc_id")["doc_id"]:
        out.update(itertools.combinations(sorted(ids), 2))
    return out


def main() -> None:
    root = data_root()
    lake, truth_dir = Lake(root), root / "truth"
    uuid = pl.col("record_id").str.strip_chars("<>").str.replace("urn:uuid:", "")
    truth = load_truth(truth_dir, "commoncrawl").with_columns(uuid.alias("doc_id"))
    version = (lake.checkpoints / "quality_classifier" / "LATEST").read_text().strip()
    metrics = json.loads((lake.checkpoints / "quality_classifier" / version / "metrics.json").read_text())
    print("classifier:", {k: v for k, v in metrics.items() if k != "config"})
    scores = lake.scan("cc_quality_scores").collect().join(truth.select("doc_id", "kind"), on="doc_id")
    kept = lake.scan("cc_filtered").select("doc_id").collect().with_columns(pl.lit(True).alias("kept"))
    by_kind = scores.join(kept, on="doc_id", how="left").with_columns(pl.col("kept").fill_null(False)).group_by(
        "kind").agg(pl.len().alias("docs"), pl.col("score").median().round(3).alias("median_score"),
                    pl.col("kept").mean().round(4).alias("keep_rate")).sort("kind")
    print(by_kind)
    docs = lake.scan("cc_documents").select("doc_id", pl.lit("commoncrawl").alias("source"),
                                            pl.col("crawl").alias("partition"), "text").collect()
    shingles = {d: set(shingle_strings(normalize([t])[0], 5)) for d, t in docs.select("doc_id", "text").iter_rows()}

    def jac(a: str, b: str) -> float:
        return len(shingles[a] & shingles[b]) / max(1, len(shingles[a] | shingles[b]))

    planted = pairs(truth.select("doc_id", "dup_cluster_id"), "dup_cluster_id")
    target = {p for p in planted if jac(*p) >= 0.8}
    asset = DedupAssetConfig()
    for name, cfg in (("default", asset.dedup_config()), ("gpt3", GPT3.with_(threshold=asset.threshold)),
                      ("default at 0.8", DEFAULT)):
        found = pairs(dedup(docs, cfg).filter(pl.col("reason") != "unique"), "cluster_id")
        correct = {p for p in found if p in planted or jac(*p) >= 0.8}
        precision, recall = len(correct) / max(1, len(found)), len(found & target) / max(1, len(target))
        print(f"dedup {name} (threshold {cfg.threshold}, bands x rows {cfg.lsh_params}): planted pairs at "
              f"J>=0.8 {len(target)}, precision {precision:.4f}, recall {recall:.4f}")
    clusters = lake.scan("duplicate_clusters").collect()
    pages = load_truth(truth_dir, "webpages").select(pl.col("url").alias("page_url"), "article_id")
    in_webtext = lake.scan("webtext_documents").select("page_url").collect().join(pages, on="page_url")["article_id"]
    copies = truth.filter((pl.col("kind") == "webtext_copy") & pl.col("webtext_article_id").is_in(
        in_webtext.drop_nulls().to_list())).select("doc_id")
    in_filtered = clusters.join(copies, on="doc_id", how="semi")
    print(f"planted copies of WebText documents that passed the quality filter: {in_filtered.height}, "
          f"removed as webtext_copy: {in_filtered.filter(pl.col('reason').str.starts_with('webtext_copy')).height}")
    bench = lake.scan("benchmark_examples").select("benchmark", "text").collect()
    index = BenchmarkIndex.build(bench.iter_rows(), 13)
    mix = lake.scan("training_mixture").select("text").collect()["text"]
    left = sum(bool(len(index.hits(ngram_hashes(token_hashes(t), 13)))) for t in mix)
    print(f"mixture documents still holding a benchmark 13-gram: {left} of {mix.len()}")
    print(lake.scan("decontamination_report").collect())
    print(lake.scan("mixture_summary").collect())


if __name__ == "__main__":
    main()
