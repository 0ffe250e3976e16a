"""Precision and recall of predicted duplicate clusters against ground-truth duplicate pairs."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def cluster_pairs(labels: np.ndarray) -> set[tuple[int, int]]:
    """All pairs ``(i, j)``, ``i < j``, of documents with the same label (quadratic in cluster size)."""
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    pairs: set[tuple[int, int]] = set()
    for group in np.split(order, bounds):
        if len(group) > 1:
            g = np.sort(group).tolist()
            pairs.update((a, b) for k, a in enumerate(g) for b in g[k + 1 :])
    return pairs


def precision_recall(
    predicted: Iterable[tuple[int, int]], truth: Iterable[tuple[int, int]]
) -> tuple[float, float]:
    """Pair precision and recall (order within a pair is ignored; an empty side scores 1.0)."""
    pred = {(min(a, b), max(a, b)) for a, b in predicted}
    true = {(min(a, b), max(a, b)) for a, b in truth}
    hit = len(pred & true)
    return (hit / len(pred) if pred else 1.0, hit / len(true) if true else 1.0)


def cluster_precision_recall(labels: np.ndarray, truth: Iterable[tuple[int, int]]) -> tuple[float, float]:
    """Precision and recall of the pairs implied by cluster ``labels`` against ``truth`` pairs."""
    return precision_recall(cluster_pairs(labels), truth)
