"""Fuzzy dedup (GPT-3 App. A): MinHash-LSH within each source, and WebText removed from Common Crawl."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator

import dagster as dg
import polars as pl

from gpt_assets.automation import FOLLOW
from gpt_assets.dedup import DEFAULT, GPT3, OUTPUT_COLUMNS, DedupIndex, dedup, remove_reference_copies
from gpt_assets.defs.common import md_dict, md_table, table_metadata, write_drops
from gpt_assets.defs.ingest import reference_documents
from gpt_assets.defs.quality import cc_filtered
from gpt_assets.defs.webtext import webtext_documents
from gpt_assets.quality_stage import BATCH_ROWS, batches
from gpt_assets.resources import DataRoot

GROUP = "dedup"
REFERENCE_CORPORA = ("books1", "books2", "wikipedia")
PRESETS = {"default": DEFAULT, "gpt3": GPT3}


def source_documents(data: DataRoot) -> pl.DataFrame:
    """Every candidate training document: (source, partition, doc_id, text, n_tokens).

    Reference documents have no stored token count; theirs is null here (decontamination counts the survivors').
    """
    lake = data.lake
    webtext = lake.scan("webtext_documents").select(
        pl.lit("webtext").alias("source"), pl.lit("").alias("partition"), "doc_id", "text", "n_tokens")
    cc = lake.scan("cc_filtered").select(
        pl.lit("commoncrawl").alias("source"), pl.col("crawl").alias("partition"), "doc_id", "text", "n_tokens")
    ref = lake.scan("reference_documents").filter(pl.col("corpus").is_in(REFERENCE_CORPORA)).select(
        pl.col("corpus").alias("source"), pl.lit("").alias("partition"),
        (pl.col("corpus") + ":" + pl.col("id")).alias("doc_id"), "text", pl.lit(None, pl.Int64).alias("n_tokens"))
    return pl.concat([webtext.collect(), cc.collect(), ref.collect()])


def kept_document_stream(data: DataRoot, rows: int = BATCH_ROWS) -> Callable[[], Iterator[pl.DataFrame]]:
    """The documents ``duplicate_clusters`` keeps as a re-startable stream of batches, read part by part in
    record batches (source, partition, doc_id, text, n_tokens; n_tokens is null for reference documents).

    Memory is a batch and the kept ids, never the corpus's texts.
    """
    lake = data.lake
    kept = lake.scan("duplicate_clusters").filter(pl.col("kept")).select("source", "doc_id").collect()
    ids = {source: frame["doc_id"] for (source,), frame in kept.group_by("source")}
    columns = ["doc_id", "text", "n_tokens"]

    def frames() -> Iterator[tuple[str, pl.DataFrame]]:
        for path in lake.parts("webtext_documents"):
            for table in batches(path, columns, rows):
                yield "webtext", pl.from_arrow(table).select(pl.lit("").alias("partition"), *columns)
        for path in lake.parts("cc_filtered"):
            for table in batches(path, ["crawl", *columns], rows):
                yield "commoncrawl", pl.from_arrow(table).select(pl.col("crawl").alias("partition"), *columns)
        for path in lake.parts("reference_documents"):
            for table in batches(path, ["corpus", "id", "text"], rows):
                frame = pl.from_arrow(table).filter(pl.col("corpus").is_in(REFERENCE_CORPORA))
                for (corpus,), part in frame.group_by("corpus", maintain_order=True):
                    yield corpus, part.select(pl.lit("").alias("partition"), (pl.col("corpus") + ":" + pl.col("id"))
                                              .alias("doc_id"), "text", pl.lit(None, pl.Int64).alias("n_tokens"))

    def stream() -> Iterator[pl.DataFrame]:
        for source, frame in frames():
            frame = frame.filter(pl.col("doc_id").is_in(ids.get(source, pl.Series([], dtype=pl.String))))
            if frame.height:
                yield frame.select(pl.lit(source).alias("source"), "partition", "doc_id", "text",
                                   pl.col("n_tokens").cast(pl.Int64))

    return stream


class DedupAssetConfig(dg.Config):
    preset: str = "default"  # "default" (128 perms, Jaccard 0.8, word 5-grams) or "gpt3" (10 hashes, App. A)
    # Ours: the target is pairs of true Jaccard >= 0.8. Banding and verification sit at 0.75 with false
    # negatives weighted 0.8 (bands, rows = 16, 8) so such pairs are found with ~97% recall despite MinHash
    # estimation noise (sd ~0.035 at 128 permutations); at 0.8 with even weights (9, 13) recall is ~60%.
    threshold: float = 0.75
    false_negative_weight: float = 0.8

    def dedup_config(self):
        w = self.false_negative_weight
        return PRESETS[self.preset].with_(threshold=self.threshold, weights=(1.0 - w, w))
    remove_webtext_from_cc: bool = True  # GPT-3 App. A: WebText also removed from Common Crawl
    # Ours: a CC page that copies a WebText article inside its own navigation and footer has Jaccard ~0.6-0.9
    # to the extracted article; unrelated documents share almost no word 5-grams.
    webtext_threshold: float = 0.5
    rebuild_index: bool = False  # re-sign every crawl (the incremental index is rebuilt from scratch)


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[webtext_documents, cc_filtered, reference_documents],
          automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec("one_survivor_per_cluster", asset="duplicate_clusters", blocking=True,
                                         description="Every near-duplicate cluster keeps exactly one document."),
                       dg.AssetCheckSpec("every_document_decided", asset="duplicate_clusters", blocking=True,
                                         description="One row (kept or dropped) per candidate document.")],
          description="Near-duplicate clusters within each source (and CC pages copying WebText): "
                      "doc_id, source, partition, cluster_id, kept, reason.")
def duplicate_clusters(context: dg.AssetExecutionContext, config: DedupAssetConfig, data: DataRoot):
    dcfg = config.dedup_config()
    docs = source_documents(data)
    webtext = docs.filter(pl.col("source") == "webtext").select("doc_id", "source", "partition", "text")
    parts = []
    for source in sorted(docs["source"].unique().to_list()):
        frame = docs.filter(pl.col("source") == source).select("doc_id", "source", "partition", "text")
        if source == "commoncrawl":
            reference = webtext if config.remove_webtext_from_cc else None
            parts.append(incremental_cc(data, frame, reference, dcfg, config, context.log))
        else:
            parts.append(dedup(frame, dcfg))
    clusters = pl.concat(parts).sort("source", "partition", "doc_id")
    data.lake.write_frame("duplicate_clusters", clusters)
    dropped = clusters.filter(~pl.col("kept"))  # reasons keep the document they point to (`near_duplicate_of:<id>`)
    for source in sorted(dropped["source"].unique().to_list()):
        write_drops(data, f"dedup_{source}", dropped.filter(pl.col("source") == source), source)
    data.publish("duplicate_clusters", "document_drops")
    summary = clusters.group_by("source").agg(
        pl.len().alias("documents"), pl.col("kept").sum().alias("kept"),
        (~pl.col("kept")).sum().alias("dropped"),
        pl.col("reason").str.starts_with("webtext_copy").sum().alias("webtext_copies"),
        pl.col("cluster_id").n_unique().alias("clusters")).with_columns(
        (pl.col("dropped") / pl.col("documents")).round(4).alias("reduction")).sort("source")
    b, r = dcfg.lsh_params
    yield dg.MaterializeResult(metadata=table_metadata(
        clusters, data, "duplicate_clusters", dropped=int((~clusters["kept"]).sum()),
        parameters=md_dict({"preset": config.preset, "num_perm": dcfg.num_perm, "bands": b, "rows": r,
                            "threshold": dcfg.threshold}, "parameter"),
        per_source=dg.MetadataValue.md(md_table(summary.to_dicts()))))
    multi = clusters.filter(pl.col("reason") != "empty").group_by("source", "cluster_id").agg(
        pl.col("kept").sum().alias("k"), pl.col("reason").str.starts_with("webtext_copy").all().alias("all_copies"))
    bad = multi.filter((pl.col("k") != 1) & ~pl.col("all_copies"))
    yield dg.AssetCheckResult(
        check_name="one_survivor_per_cluster", passed=bad.height == 0,
        metadata={"clusters_without_one_survivor": bad.height},
        description=None if bad.height == 0 else f"{bad.height} cluster(s) keep no document or more than one (each "
        "should keep exactly one): a bug in the clustering; report it with the cluster ids from duplicate_clusters.")
    ok = clusters.height == docs.height
    yield dg.AssetCheckResult(
        check_name="every_document_decided", passed=ok, metadata={"documents": docs.height, "rows": clusters.height},
        description=None if ok else f"{clusters.height} rows for {docs.height} candidate documents (one each): "
        "a doc_id repeats within a source; look for a file landed twice, then re-materialize.")


def incremental_cc(data: DataRoot, frame: pl.DataFrame, reference, dcfg, config: DedupAssetConfig, log):
    """Common Crawl, one crawl at a time through a persistent index: a new crawl is signed and compared with
    the stored signatures of the crawls before it, which are not recomputed.

    WebText copies are removed from each crawl as it is added (they never enter the index). A crawl whose
    documents changed since it was indexed (e.g. the classifier was retrained) rebuilds the index. Known
    limit: WebText documents added after a crawl was indexed are not compared with that crawl until a
    rebuild (``rebuild_index: true``).
    """
    fingerprint = hashlib.sha256(json.dumps(dcfg.signature_fingerprint(), sort_keys=True).encode()).hexdigest()
    root = data.lake.root / "dedup_index" / fingerprint[:12]
    state_path = root / "crawls.json"
    state = json.loads(state_path.read_text()) if state_path.exists() and not config.rebuild_index else {}
    crawls = sorted(frame["partition"].unique().to_list())
    digests = {c: hashlib.sha256("\n".join(sorted(frame.filter(pl.col("partition") == c)["doc_id"].to_list()))
                                 .encode()).hexdigest() for c in crawls}
    if any(state.get(c, {}).get("digest") not in (None, digests[c]) for c in crawls) or \
            any(c not in digests for c in state):
        log.info("Common Crawl documents changed since they were indexed: rebuilding the dedup index")
        state = {}
    if not state and root.exists():
        shutil.rmtree(root)
    index = DedupIndex(root / "commoncrawl", dcfg)
    decisions = root / "decisions"
    decisions.mkdir(parents=True, exist_ok=True)
    for crawl in crawls:
        if crawl in state:
            continue
        part = frame.filter(pl.col("partition") == crawl)
        copies = (remove_reference_copies(part, reference, dcfg.with_(threshold=config.webtext_threshold))
                  .filter(~pl.col("kept")) if reference is not None and reference.height else part.head(0))
        rest = part.join(copies.select("doc_id"), on="doc_id", how="anti")
        out = pl.concat([index.add(rest), copies.select(OUTPUT_COLUMNS)]) if copies.height else index.add(rest)
        out.write_parquet(decisions / f"{crawl}.parquet")
        state[crawl] = {"digest": digests[crawl], "docs": part.height}
        state_path.write_text(json.dumps(state, indent=1, sort_keys=True))
        log.info(f"dedup index: added {crawl} ({part.height} documents, {copies.height} WebText copies)")
    return pl.concat([pl.read_parquet(decisions / f"{c}.parquet") for c in crawls]).select(OUTPUT_COLUMNS)


DEDUP_ASSETS = [duplicate_clusters]
