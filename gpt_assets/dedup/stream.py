"""Within-set dedup of a stream of document batches: signatures to a :class:`BandStore` batch by batch, clusters
one band at a time, decisions from the per-document sort keys (no texts kept).

The output equals :func:`~gpt_assets.dedup.frame.dedup` on the concatenated batches (same rows, same order).
Memory: one batch of texts, the per-document keys (doc_id, source, partition, length) and labels, and one band
of the store at a time.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl

from .bandstore import BandStore, cluster_store
from .config import DedupConfig
from .frame import INPUT_COLUMNS, decide
from .minhash import signatures


def dedup_stream(stream: Callable[[], Iterator[pl.DataFrame]], config: DedupConfig, scratch: Path) -> pl.DataFrame:
    """Near-duplicate clusters of the documents of ``stream()`` (batches with doc_id, source, partition, text)
    and one survivor per cluster; the signatures live under ``scratch`` (removed after)."""
    shutil.rmtree(scratch, ignore_errors=True)
    store = BandStore.create(scratch, config)
    try:
        keys = []
        for batch in stream():
            missing = [c for c in INPUT_COLUMNS if c not in batch.columns]
            if missing:
                raise ValueError(f"a batch lacks columns {missing}")
            store.append(signatures(batch["text"], config.num_perm, config.seed, config.ngram, hash=config.hash,
                                    scheme=config.scheme, batch_size=config.batch_size))
            keys.append(batch.select("doc_id", "source", "partition",
                                     _neg_len=-pl.col("text").fill_null("").str.len_chars().cast(pl.Int64)))
        frame = pl.concat(keys) if keys else pl.DataFrame(schema={"doc_id": pl.String, "source": pl.String,
                                                                  "partition": pl.String, "_neg_len": pl.Int64})
        return decide(frame, cluster_store(store, config), store.empty(), config)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
