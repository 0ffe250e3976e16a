"""Record ids seen so far in one ingestion, to quarantine a second copy of a record (a file landed twice, a mirror).

Ids are kept as 64-bit hashes in sorted numpy runs, merged when two runs reach the same size (a log-structured
merge): 8 bytes an id, a batch checked with one vectorized search per run (about log2(ids / batch) runs). Python's
own string hash is used: the ledger lives in one process and one call. Two distinct ids share a hash with
probability about n^2 / 2^65 (3e-6 at ten million ids); such a record would be quarantined as a duplicate, never
silently lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class SeenIds:
    """``fresh(ids)``: which ids of a batch are new (first occurrence in the batch, never seen before); records them."""

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []  # sorted int64 hashes, sizes non-increasing

    def __len__(self) -> int:
        return sum(len(r) for r in self._runs)

    def fresh(self, ids: Sequence[str]) -> np.ndarray:
        if not len(ids):
            return np.zeros(0, dtype=bool)
        h = np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids))
        _, first = np.unique(h, return_index=True)
        new = np.zeros(len(h), dtype=bool)
        new[first] = True
        for run in self._runs:
            at = np.minimum(np.searchsorted(run, h), len(run) - 1)
            new &= run[at] != h
        if new.any():
            self._push(np.sort(h[new]))
        return new

    def _push(self, run: np.ndarray) -> None:
        self._runs.append(run)
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            top = self._runs.pop()
            self._runs[-1] = np.sort(np.concatenate([self._runs[-1], top]), kind="stable")
