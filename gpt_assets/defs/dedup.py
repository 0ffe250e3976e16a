"""Fuzzy dedup (GPT-3 App. A): MinHash-LSH within each source, and WebText removed from Common Crawl."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable, Iterator

import dagster as dg
import polars as pl

from gpt_assets.automation import FOLLOW
from gpt_assets.dedup import DEFAULT, GPT3, OUTPUT_COLUMNS, DedupIndex, Signed, remove_reference_copies, sign
from gpt_assets.dedup.index import sign_to_disk
from gpt_assets.dedup.signed import signed_from, take
from gpt_assets.dedup.stream import dedup_stream
from gpt_assets.defs.common import md_dict, md_table, table_metadata, write_drops
from gpt_assets.defs.ingest import reference_documents
from gpt_assets.defs.quality import cc_filtered
from gpt_assets.defs.webtext import webtext_documents
from gpt_assets.quality_stage import BATCH_ROWS, batches
from gpt_assets.resources import DataRoot

GROUP = "dedup"
REFERENCE_CORPORA = ("books1", "books2", "wikipedia")
PRESETS = {"default": DEFAULT, "gpt3": GPT3}


def _frames(lake, rows: int, sources: set[str] | None = None) -> Iterator[tuple[str, pl.DataFrame]]:
    """(source, batch) of every candidate training document, part by part in record batches: partition, doc_id,
    text, n_tokens (null for reference documents, which carry no stored count). ``sources``: only these."""
    columns = ["doc_id", "text", "n_tokens"]
    if sources is None or "webtext" in sources:
        for path in lake.parts("webtext_documents"):
            for table in batches(path, columns, rows):
                yield "webtext", pl.from_arrow(table).select(pl.lit("").alias("partition"), *columns)
    if sources is None or "commoncrawl" in sources:
        for path in lake.parts("cc_filtered"):
            for table in batches(path, ["crawl", *columns], rows):
                yield "commoncrawl", pl.from_arrow(table).select(pl.col("crawl").alias("partition"), *columns)
    wanted = [c for c in REFERENCE_CORPORA if sources is None or c in sources]
    if wanted:
        for path in lake.parts("reference_documents"):
            for table in batches(path, ["corpus", "id", "text"], rows):
                frame = pl.from_arrow(table).filter(pl.col("corpus").is_in(wanted))
                for (corpus,), part in frame.group_by("corpus", maintain_order=True):
                    yield corpus, part.select(pl.lit("").alias("partition"), (pl.col("corpus") + ":" + pl.col("id"))
                                              .alias("doc_id"), "text", pl.lit(None, pl.Int64).alias("n_tokens"))


def _batch(source: str, frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(pl.lit(source).alias("source"), "partition", "doc_id", "text",
                        pl.col("n_tokens").cast(pl.Int64))


def document_stream(data: DataRoot, source: str, rows: int = BATCH_ROWS) -> Callable[[], Iterator[pl.DataFrame]]:
    """One source's candidate documents as a re-startable stream of batches (source, partition, doc_id, text,
    n_tokens)."""
    return lambda: (_batch(s, f) for s, f in _frames(data.lake, rows, {source}) if s == source and f.height)


def candidate_counts(data: DataRoot) -> dict[str, int]:
    """Candidate documents per source that has any, from the parts' ids."""
    lake, found = data.lake, {}
    for name, asset in (("webtext", "webtext_documents"), ("commoncrawl", "cc_filtered")):
        if lake.parts(asset) and (n := lake.scan(asset).select(pl.len()).collect().item()):
            found[name] = n
    if lake.parts("reference_documents"):
        counts = lake.scan("reference_documents").filter(pl.col("corpus").is_in(REFERENCE_CORPORA)).group_by(
            "corpus").len().collect()
        found.update(dict(counts.iter_rows()))
    return dict(sorted(found.items()))


def kept_document_stream(data: DataRoot, rows: int = BATCH_ROWS) -> Callable[[], Iterator[pl.DataFrame]]:
    """The documents ``duplicate_clusters`` keeps as a re-startable stream of batches, read part by part in
    record batches (source, partition, doc_id, text, n_tokens; n_tokens is null for reference documents).

    Memory is a batch and the kept ids, never the corpus's texts.
    """
    lake = data.lake
    kept = lake.scan("duplicate_clusters").filter(pl.col("kept")).select("source", "doc_id").collect()
    ids = {source: frame["doc_id"] for (source,), frame in kept.group_by("source")}

    def stream() -> Iterator[pl.DataFrame]:
        for source, frame in _frames(lake, rows):
            frame = frame.filter(pl.col("doc_id").is_in(ids.get(source, pl.Series([], dtype=pl.String))))
            if frame.height:
                yield _batch(source, frame)

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
    parts = []
    candidates = candidate_counts(data)
    for source in candidates:
        if source == "commoncrawl":
            parts.append(incremental_cc(data, dcfg, config, context.log))
        else:  # signatures to disk batch by batch, clusters a band at a time: no texts held
            parts.append(dedup_stream(document_stream(data, source), dcfg,
                                      data.lake.root / "scratch" / "duplicate_clusters" / source))
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
    documents = sum(candidates.values())
    ok = clusters.height == documents
    yield dg.AssetCheckResult(
        check_name="every_document_decided", passed=ok, metadata={"documents": documents, "rows": clusters.height},
        description=None if ok else f"{clusters.height} rows for {documents} candidate documents (one each): "
        "a doc_id repeats within a source; look for a file landed twice, then re-materialize.")


def incremental_cc(data: DataRoot, dcfg, config: DedupAssetConfig, log) -> pl.DataFrame:
    """Common Crawl's decisions through the persistent index under ``<data root>/dedup_index/`` (see
    :func:`index_crawls`), reading one crawl's part of ``cc_filtered`` at a time, in record batches."""
    lake = data.lake
    ids = lake.scan("cc_filtered").select(pl.col("crawl").alias("partition"), "doc_id").collect()

    def load(crawl: str) -> Iterator[pl.DataFrame]:
        for table in batches(lake.part_path("cc_filtered", crawl), ["doc_id", "crawl", "text"], BATCH_ROWS):
            yield pl.from_arrow(table).select("doc_id", pl.lit("commoncrawl").alias("source"),
                                              pl.col("crawl").alias("partition"), "text")

    def reference() -> Iterator[pl.DataFrame] | None:
        if not config.remove_webtext_from_cc or not lake.parts("webtext_documents"):
            return None
        return document_stream(data, "webtext")()

    return index_crawls(lake.root / "dedup_index", ids, load, reference, dcfg, config, log)


Batches = pl.DataFrame | Iterable[pl.DataFrame]


def _batches(found: Batches) -> Iterable[pl.DataFrame]:
    return [found] if isinstance(found, pl.DataFrame) else found


def index_crawls(folder, ids: pl.DataFrame, load: Callable[[str], Batches], reference: Callable[[], Batches | None],
                 dcfg, config: DedupAssetConfig, log) -> pl.DataFrame:
    """Common Crawl, one crawl at a time through a persistent index: a new crawl (``load(crawl)``: its doc_id,
    source, partition, text, as a frame or in batches) is signed and compared with the stored signatures of the
    crawls before it, which are not recomputed. ``ids`` (partition, doc_id) names every crawl's documents.

    WebText copies (``reference()``, read only when a crawl is new; a frame, batches or None) are removed from
    each crawl as it is added (they never enter the index): WebText is signed batch by batch into a folder
    beside the index (memory-mapped, removed after), and each crawl batch is signed once, for the lookup and the
    index both. One batch of texts is in memory at a time. A crawl whose documents changed since it was indexed
    (e.g. the classifier was retrained) rebuilds the index. Known limit: WebText documents added after a crawl
    was indexed are not compared with that crawl until a rebuild (``rebuild_index: true``).
    """
    fingerprint = hashlib.sha256(json.dumps(dcfg.signature_fingerprint(), sort_keys=True).encode()).hexdigest()
    root = folder / fingerprint[:12]
    state_path = root / "crawls.json"
    state = json.loads(state_path.read_text()) if state_path.exists() and not config.rebuild_index else {}
    crawls = sorted(ids["partition"].unique().to_list())
    digests = {c: hashlib.sha256("\n".join(sorted(ids.filter(pl.col("partition") == c)["doc_id"].to_list()))
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
    todo = [c for c in crawls if c not in state]
    ref_cfg = dcfg.with_(threshold=config.webtext_threshold)
    ref_batches = reference() if todo else None
    scratch = root / "webtext_signatures"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        ref = sign_to_disk(scratch, _batches(ref_batches), ref_cfg) if ref_batches is not None else None
        if ref is not None and not len(ref[0]):
            ref = None
        for crawl in todo:
            copies: list[pl.DataFrame] = []

            def rest(crawl: str = crawl, copies: list = copies) -> Iterator[tuple[pl.DataFrame, Signed]]:
                for batch in _batches(load(crawl)):
                    s = sign(batch["text"], dcfg)
                    if ref is not None:
                        lookup = s if ref_cfg.lsh_params == dcfg.lsh_params else signed_from(s.sig, ref_cfg)
                        looked = remove_reference_copies(batch, ref[0], ref_cfg, reference_ids=ref[1],
                                                         target_signed=lookup)
                        keep = looked["kept"].to_numpy()
                        if not keep.all():
                            copies.append(looked.filter(~pl.col("kept")).select(OUTPUT_COLUMNS))
                            batch, s = batch.filter(pl.Series(keep)), take(s, keep)
                    yield batch, s

            indexed = index.add_signed_to(rest(), decisions / f"{crawl}.parquet")  # written a chunk at a time
            (decisions / f"{crawl}.copies.parquet").unlink(missing_ok=True)  # an earlier, unfinished attempt's
            if copies:
                pl.concat(copies).write_parquet(decisions / f"{crawl}.copies.parquet")
            n_copies = sum(c.height for c in copies)
            state[crawl] = {"digest": digests[crawl], "docs": indexed + n_copies}
            state_path.write_text(json.dumps(state, indent=1, sort_keys=True))
            log.info(f"dedup index: added {crawl} ({indexed + n_copies} documents, {n_copies} WebText copies)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    files = [f for c in crawls for f in (decisions / f"{c}.parquet", decisions / f"{c}.copies.parquet") if f.exists()]
    return pl.concat([pl.read_parquet(f) for f in files]).select(OUTPUT_COLUMNS)


DEDUP_ASSETS = [duplicate_clusters]
