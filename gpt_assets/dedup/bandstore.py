"""Signatures on disk, band-major, and near-duplicate clusters computed from them one band at a time.

For corpora whose signatures do not fit in memory (10M documents × 128 permutations are 5.1 GB of uint32): band
``b``'s columns of every document are one raw file, so a band's keys are computed from that file alone, its
candidate pairs found, checked against the clusters so far, verified and joined, and the file let go before the
next band. Verification reads the candidate rows of each file in turn (the fraction of equal values over all
columns, as :func:`~gpt_assets.dedup.lsh.estimate_jaccard`). In memory at any time: one band's file pages, its keys
and sort order, that band's pairs and one label per document. The labels equal those of
:func:`~gpt_assets.dedup.signed.cluster_labels` on the same signatures.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .config import DedupConfig
from .lsh import band_key, band_pairs, unpack
from .minhash import EMPTY
from .signed import join_band

_META = "bands.json"
_CHUNK = 1 << 20  # rows a step when keying, pairs a step when verifying


class BandStore:
    """Band-major signature files under ``directory``: ``band-<b>.u32`` (n × rows), ``rest.u32`` (the columns past
    ``bands * rows``, used only in verification), ``empty.bool`` (documents without shingles)."""

    def __init__(self, directory: Path, num_perm: int, bands: int, rows: int):
        if bands * rows > num_perm:
            raise ValueError(f"bands*rows = {bands * rows} exceeds num_perm = {num_perm}")
        self.directory, self.num_perm, self.bands, self.rows = Path(directory), num_perm, bands, rows
        self.n = 0

    @classmethod
    def create(cls, directory: Path, config: DedupConfig) -> BandStore:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        bands, rows = config.lsh_params
        store = cls(directory, config.num_perm, bands, rows)
        for path in store._files():
            path.write_bytes(b"")
        (directory / "empty.bool").write_bytes(b"")
        store._save()
        return store

    @classmethod
    def open(cls, directory: Path) -> BandStore:
        meta = json.loads((Path(directory) / _META).read_text())
        store = cls(directory, meta["num_perm"], meta["bands"], meta["rows"])
        store.n = meta["n"]
        return store

    def _files(self) -> list[Path]:
        return [self.directory / f"band-{b}.u32" for b in range(self.bands)] + [self.directory / "rest.u32"]

    def _save(self) -> None:
        meta = {"num_perm": self.num_perm, "bands": self.bands, "rows": self.rows, "n": self.n}
        (self.directory / _META).write_text(json.dumps(meta))

    def append(self, sig: np.ndarray) -> None:
        """Add a batch of signatures (``(m, num_perm)`` uint32) after the documents already stored."""
        if sig.ndim != 2 or sig.shape[1] != self.num_perm:
            raise ValueError(f"signatures of shape {sig.shape}: the store holds {self.num_perm} permutations")
        sig = np.asarray(sig, dtype=np.uint32)
        cut = self.bands * self.rows
        for b, path in enumerate(self._files()):
            block = sig[:, b * self.rows:(b + 1) * self.rows] if b < self.bands else sig[:, cut:]
            with open(path, "ab") as fh:
                fh.write(np.ascontiguousarray(block).tobytes())
        with open(self.directory / "empty.bool", "ab") as fh:
            fh.write((sig == EMPTY).all(axis=1).tobytes())
        self.n += len(sig)
        self._save()

    def band(self, b: int) -> np.ndarray:
        """Band ``b``'s columns of every document, memory-mapped (``(n, rows)``; ``b == bands``: the rest)."""
        width = self.rows if b < self.bands else self.num_perm - self.bands * self.rows
        if not self.n or not width:
            return np.zeros((self.n, width), dtype=np.uint32)
        return np.memmap(self._files()[b], dtype=np.uint32, mode="r", shape=(self.n, width))

    def empty(self) -> np.ndarray:
        return np.fromfile(self.directory / "empty.bool", dtype=bool, count=self.n)

    def keys(self, b: int) -> np.ndarray:
        """Band ``b``'s bucket key of every document (as :func:`~gpt_assets.dedup.lsh.band_keys` gives)."""
        values = self.band(b)
        out = np.empty(self.n, dtype=np.uint64)
        for lo in range(0, self.n, _CHUNK):
            out[lo:lo + _CHUNK] = band_key(np.asarray(values[lo:lo + _CHUNK]), b)
        del values
        return out

    def jaccard(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Fraction of equal signature values of the rows ``i`` and ``j`` (float32), one file at a time."""
        equal = np.zeros(len(i), dtype=np.int32)
        for b in range(self.bands + 1):
            values = self.band(b)
            if not values.shape[1]:
                continue
            for lo in range(0, len(i), _CHUNK):
                equal[lo:lo + _CHUNK] += (values[i[lo:lo + _CHUNK]] == values[j[lo:lo + _CHUNK]]).sum(axis=1)
            del values
        return (equal / np.float32(self.num_perm)).astype(np.float32)


def _band_pairs(store: BandStore, live: np.ndarray | None, fanout: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for b in range(store.bands):
        keys = store.keys(b)
        if live is not None:
            keys = keys[live]
        pairs = next(band_pairs(keys[None, :], fanout))
        del keys
        i, j = unpack(pairs)
        yield (live[i], live[j]) if live is not None else (i, j)


def cluster_store(store: BandStore, config: DedupConfig) -> np.ndarray:
    """Near-duplicate cluster label (smallest member index) of every stored document, one band at a time."""
    if (store.bands, store.rows) != config.lsh_params or store.num_perm != config.num_perm:
        raise ValueError(f"the store was built with {store.num_perm} permutations and (bands, rows) = "
                         f"{(store.bands, store.rows)}; this config has {config.num_perm} and {config.lsh_params}")
    labels = np.arange(store.n, dtype=np.int64)
    empty = store.empty()
    live = np.flatnonzero(~empty) if empty.any() else None
    for i, j in _band_pairs(store, live, config.fanout):
        labels = join_band(labels, i, j, config, store.jaccard)
    return labels
