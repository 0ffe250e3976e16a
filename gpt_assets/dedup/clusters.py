"""Connected components of candidate pairs (numpy union-find) and survivor choice."""

from __future__ import annotations

import numpy as np
import polars as pl


def connected_components(n: int, i: np.ndarray, j: np.ndarray, parent: np.ndarray | None = None) -> np.ndarray:
    """Component label of each of ``n`` nodes: the smallest node index in its component (``int64``).

    Edges are ``(i[k], j[k])``. ``parent`` may seed the forest with earlier labels (each node's label is a node
    of its component whose own label is itself), e.g. stored clusters extended by new edges. Hook-and-compress:
    every round links each edge's larger root to the smaller one (``np.minimum.at``), then jumps pointers to
    the roots; rounds repeat until no edge spans two components (logarithmically many in practice).
    """
    labels = np.arange(n, dtype=np.int64) if parent is None else np.asarray(parent, dtype=np.int64).copy()
    if len(labels) != n:
        raise ValueError("parent has the wrong length")
    labels = _compress(labels)
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    while len(i):
        ri, rj = labels[i], labels[j]
        spanning = ri != rj
        if not spanning.any():
            break
        i, j, ri, rj = i[spanning], j[spanning], ri[spanning], rj[spanning]
        np.minimum.at(labels, np.maximum(ri, rj), np.minimum(ri, rj))
        labels = _compress(labels)
    return labels


def _compress(labels: np.ndarray) -> np.ndarray:
    while True:
        up = labels[labels]
        if np.array_equal(up, labels):
            return labels
        labels = up


def survivors(labels: np.ndarray, order_keys: pl.DataFrame) -> np.ndarray:
    """Index of the survivor of each node's component: the member that sorts first by ``order_keys``.

    ``order_keys`` has one row per node; its columns are compared left to right, ascending.
    """
    n = len(labels)
    keyed = order_keys.with_columns(_label=pl.Series(labels), _idx=pl.Series(np.arange(n, dtype=np.int64)))
    firsts = keyed.sort(["_label", *order_keys.columns]).group_by("_label", maintain_order=True).first()
    best = np.empty(n, dtype=np.int64)
    best[firsts["_label"].to_numpy()] = firsts["_idx"].to_numpy()
    return best[labels]
