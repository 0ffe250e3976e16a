"""MinHash LSH banding, vectorised: band keys, candidate pairs from shared buckets, verification.

Parameters follow ``datasketch.MinHashLSH``: ``(bands, rows)`` minimise the weighted false-positive and
false-negative areas under the banding S-curve (``optimal_param`` re-implements datasketch's
``_optimal_param`` with exact Gauss-Legendre quadrature instead of scipy), and band ``i`` covers signature
columns ``i*rows:(i+1)*rows`` (columns past ``bands*rows`` are unused, as in datasketch).

A bucket is a 64-bit key of a band's values. Documents sharing a bucket are candidates: each member is paired
with the first ``fanout`` members of its bucket (ascending document index), so a bucket of up to
``fanout + 1`` members yields all its pairs and a huge bucket (thousands of exact copies) stays linear.
Pairs are packed as ``uint64`` ``(i << 32) | j`` with ``i < j``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

import numpy as np

from .hashing import fmix64

_M = np.uint64(0x9E3779B97F4A7C15)
_ROW_CHUNK = 8192


@lru_cache(maxsize=256)
def optimal_param(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5
) -> tuple[int, int]:
    """``(bands, rows)`` as ``datasketch.lsh._optimal_param(threshold, num_perm, fp_weight, fn_weight)``."""
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.int64)
    # The integrands are polynomials of degree <= b*r <= num_perm: this many nodes integrate them exactly.
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 2)
    b = pairs[:, :1].astype(np.float64)
    r = pairs[:, 1:].astype(np.float64)

    def area(lo: float, hi: float, miss: bool) -> np.ndarray:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        p = 1 - (1 - s[None, :] ** r) ** b
        return ((1 - p) if miss else p) @ weights * (hi - lo) / 2

    error = area(0.0, threshold, False) * false_positive_weight + area(threshold, 1.0, True) * false_negative_weight
    best = pairs[int(np.argmin(error))]
    return int(best[0]), int(best[1])


def band_key(values: np.ndarray, band: int) -> np.ndarray:
    """``uint64`` bucket key of one band's values (``(n_docs, rows)``) of every document."""
    k = np.full(len(values), np.uint64(band + 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(values.shape[1]):
            k *= _M
            k += values[:, c].astype(np.uint64)
    return fmix64(k)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``uint64`` bucket key of every band of every signature: shape ``(bands, n_docs)``."""
    n, num_perm = sig.shape
    if bands * rows > num_perm:
        raise ValueError(f"bands*rows = {bands * rows} exceeds num_perm = {num_perm}")
    keys = np.empty((bands, n), dtype=np.uint64)
    for lo in range(0, n, _ROW_CHUNK):
        block = np.ascontiguousarray(sig[lo : lo + _ROW_CHUNK, : bands * rows]).reshape(-1, bands, rows)
        for band in range(bands):
            keys[band, lo : lo + len(block)] = band_key(block[:, band], band)
    return keys


def _groups(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a sorted key array: start position of each element's run, and the element's rank in its run."""
    n = len(sorted_keys)
    pos = np.arange(n, dtype=np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = sorted_keys[1:] != sorted_keys[:-1]
    start = np.maximum.accumulate(np.where(new, pos, 0))
    return start, pos - start


def _pack(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (i.astype(np.uint64) << np.uint64(32)) | j.astype(np.uint64)


def unpack(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Packed pairs back to two ``int64`` index arrays."""
    return (pairs >> np.uint64(32)).astype(np.int64), (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)


def band_pairs(keys: np.ndarray, fanout: int = 32, min_j: int = 0) -> Iterator[np.ndarray]:
    """Each band's packed pairs ``i < j`` sharing its bucket, one band at a time (unique within the band).

    Only pairs whose larger index is ``>= min_j`` are given (incremental use: new documents only).
    """
    for band_keys_ in keys:
        order = np.argsort(band_keys_, kind="stable")
        start, rank = _groups(band_keys_[order])
        todo = np.flatnonzero(rank > 0)
        todo = todo[order[todo] >= min_j]
        found = []
        o = 0
        while len(todo) and o < fanout:
            found.append(_pack(order[start[todo] + o], order[todo]))
            o += 1
            todo = todo[rank[todo] > o]
        yield np.concatenate(found) if found else np.zeros(0, dtype=np.uint64)


def candidate_pairs(keys: np.ndarray, fanout: int = 32, min_j: int = 0) -> np.ndarray:
    """Unique packed pairs ``i < j`` sharing a bucket in some band (``keys`` is ``(bands, n)``), all bands at once.

    Only pairs whose larger index is ``>= min_j`` are returned (incremental use: new documents only).
    """
    found = [p for p in band_pairs(keys, fanout, min_j) if len(p)]
    if not found:
        return np.zeros(0, dtype=np.uint64)
    return np.unique(np.concatenate(found))


def cross_pairs(ref_keys: np.ndarray | Iterable[np.ndarray], tgt_keys: np.ndarray | Iterable[np.ndarray],
                fanout: int = 32) -> np.ndarray:
    """Unique packed pairs ``(reference index << 32) | target index`` sharing a bucket in some band.

    Each target document is paired with the first ``fanout`` reference documents of its bucket.
    """
    found = []
    for rk, tk in zip(ref_keys, tgt_keys, strict=True):  # arrays (bands, n) or iterables of band rows
        n_ref = len(rk)
        allk = np.concatenate([rk, tk])
        order = np.argsort(allk, kind="stable")  # within a bucket: references first, then targets
        start, rank = _groups(allk[order])
        is_ref = order < n_ref
        refs_before = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(is_ref, out=refs_before[1:])
        todo = np.flatnonzero(~is_ref & (rank > 0))
        n_refs = refs_before[todo] - refs_before[start[todo]]
        todo, n_refs = todo[n_refs > 0], n_refs[n_refs > 0]
        o = 0
        while len(todo) and o < fanout:
            found.append(_pack(order[start[todo] + o], order[todo] - n_ref))
            o += 1
            keep = n_refs > o
            todo, n_refs = todo[keep], n_refs[keep]
    if not found:
        return np.zeros(0, dtype=np.uint64)
    return np.unique(np.concatenate(found))


def estimate_jaccard(
    sig_a: np.ndarray, sig_b: np.ndarray, i: np.ndarray, j: np.ndarray, chunk: int = 16384
) -> np.ndarray:
    """Fraction of equal signature values of rows ``sig_a[i]`` and ``sig_b[j]`` (``float32``)."""
    out = np.empty(len(i), dtype=np.float32)
    for lo in range(0, len(i), chunk):
        a = sig_a[i[lo : lo + chunk]]
        b = sig_b[j[lo : lo + chunk]]
        out[lo : lo + chunk] = (a == b).mean(axis=1)
    return out
