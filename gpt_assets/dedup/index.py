"""A persistent dedup index: earlier partitions' signatures, band keys and clusters on disk.

Layout of the index directory: ``meta.json`` (signature settings and parts), per added partition
``part-NNNNN.sig.npy`` (``(n, num_perm)`` uint32, memory-mapped on reload), ``part-NNNNN.keys.npy``
(``(bands, n)`` uint64) and ``part-NNNNN.docs.parquet`` (``doc_id, source, partition``, negated text
length, empty flag), and ``clusters.npy`` (the cluster label of every indexed document, rewritten on each add).

``add(frame)`` signs only the new rows, pairs them with old and new documents through the stored band keys
(reading stored signatures only for candidate verification), extends the stored clusters, and returns the
new rows' decisions. The edges are the ones a batch run over all partitions would find (buckets are ordered by
document index and old documents come first), so the clusters equal the batch clusters. Survivors prefer
already-indexed documents, which are never revisited: when partitions are added in ``partition`` order this
equals the batch survivor rule; otherwise an earlier-indexed document stays the survivor.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import polars as pl

from .config import DEFAULT, DedupConfig
from .frame import _check, decide, order_keys
from .signed import PartKeys, Rows, Signed, cluster_labels, sign

_META = "meta.json"
_CLUSTERS = "clusters.npy"


def _save_npy(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, arr)
    os.replace(tmp, path)


class DedupIndex:
    """Signatures, band keys and clusters of earlier partitions, stored under ``directory``."""

    def __init__(self, directory: str | Path, config: DedupConfig = DEFAULT) -> None:
        self.directory = Path(directory)
        self.config = config
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = self.directory / _META
        fingerprint = config.signature_fingerprint()
        if meta.exists():
            self.meta = json.loads(meta.read_text())
            if self.meta["fingerprint"] != fingerprint:
                raise ValueError(f"index at {self.directory} was built with {self.meta['fingerprint']}")
        else:
            self.meta = {"fingerprint": fingerprint, "parts": []}

    @property
    def n_docs(self) -> int:
        return sum(p["n"] for p in self.meta["parts"])

    def _path(self, part: int, suffix: str) -> Path:
        return self.directory / f"part-{part:05d}.{suffix}"

    def signed(self) -> Signed:
        """Stored signatures (memory-mapped), band keys and empty flags of all indexed documents."""
        parts = range(len(self.meta["parts"]))
        b, _ = self.config.lsh_params
        sig = Rows([np.load(self._path(k, "sig.npy"), mmap_mode="r") for k in parts])
        keys = [np.load(self._path(k, "keys.npy")) for k in parts]
        docs = self.docs()
        return Signed(
            sig=sig,
            keys=np.concatenate(keys, axis=1) if keys else np.zeros((b, 0), dtype=np.uint64),
            empty=docs["_empty"].to_numpy().astype(bool) if docs.height else np.zeros(0, dtype=bool),
        )

    def docs(self) -> pl.DataFrame:
        """Stored per-document rows of all indexed documents, in index order."""
        frames = [pl.read_parquet(self._path(k, "docs.parquet")) for k in range(len(self.meta["parts"]))]
        return pl.concat(frames, how="vertical") if frames else pl.DataFrame()

    def doc_ids(self) -> pl.Series:
        """``doc_id`` of all indexed documents (with :meth:`signed`, a precomputed reference set)."""
        docs = self.docs()
        return docs["doc_id"] if docs.height else pl.Series("doc_id", [], dtype=pl.String)

    def clusters(self) -> np.ndarray:
        """Cluster label (smallest member index in index order) of every indexed document."""
        path = self.directory / _CLUSTERS
        return np.load(path) if path.exists() else np.zeros(0, dtype=np.int64)

    def add(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Deduplicate ``frame`` (a new partition) against itself and the index, store it, return its rows."""
        _check(frame)
        n_old, n_new = self.n_docs, frame.height
        new = sign(frame["text"], self.config)
        parts = range(len(self.meta["parts"]))
        old_docs = self.docs()
        both = Signed(  # stored signatures and keys memory-mapped; the keys read one band at a time
            sig=Rows([*(np.load(self._path(k, "sig.npy"), mmap_mode="r") for k in parts), new.sig]),
            keys=PartKeys([*(np.load(self._path(k, "keys.npy"), mmap_mode="r") for k in parts), new.keys]),
            empty=np.concatenate([old_docs["_empty"].to_numpy().astype(bool) if old_docs.height
                                  else np.zeros(0, dtype=bool), new.empty]),
        )
        parent = np.concatenate([self.clusters(), np.arange(n_old, n_old + n_new, dtype=np.int64)])
        labels = cluster_labels(both, self.config, min_j=n_old, parent=parent)

        new_docs = frame.select(
            "doc_id",
            "source",
            "partition",
            _neg_len=order_keys(frame, self.config)["_neg_len"],
            _empty=pl.Series(new.empty),
        )
        docs = pl.concat([old_docs, new_docs], how="vertical") if n_old else new_docs
        keys = order_keys(docs, self.config).select(pl.Series("_is_new", np.arange(docs.height) >= n_old), pl.all())
        out = decide(docs, labels, docs["_empty"].to_numpy(), self.config, keys=keys).slice(n_old)

        part = len(self.meta["parts"])
        _save_npy(self._path(part, "sig.npy"), new.sig)  # type: ignore[arg-type]
        _save_npy(self._path(part, "keys.npy"), new.keys)
        new_docs.write_parquet(self._path(part, "docs.parquet"))
        _save_npy(self.directory / _CLUSTERS, labels)
        self.meta["parts"].append({"n": n_new})
        tmp = self.directory / (_META + ".tmp")
        tmp.write_text(json.dumps(self.meta, indent=1))
        os.replace(tmp, self.directory / _META)
        return out
