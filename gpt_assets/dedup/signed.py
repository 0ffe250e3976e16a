"""Signatures plus band keys of a document set, and the pair-finding steps on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from .clusters import connected_components
from .config import DedupConfig
from .lsh import band_keys, band_pairs, candidate_pairs, cross_pairs, estimate_jaccard, unpack
from .minhash import EMPTY, signatures


class Rows:
    """Row access over arrays stored in parts (e.g. memory-mapped ``.npy`` files of an index)."""

    def __init__(self, parts: Sequence[np.ndarray]) -> None:
        self.parts = list(parts)
        self.bounds = np.cumsum([0, *(len(p) for p in self.parts)])

    def __len__(self) -> int:
        return int(self.bounds[-1])

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        if len(self.parts) == 1:
            return np.asarray(self.parts[0][idx])
        which = np.searchsorted(self.bounds, idx, side="right") - 1
        out = np.empty((len(idx), *self.parts[0].shape[1:]), dtype=self.parts[0].dtype)
        for k in np.unique(which):
            sel = which == k
            out[sel] = self.parts[k][idx[sel] - self.bounds[k]]
        return out


class PartKeys:
    """Band keys stored per part (``(bands, n_part)`` arrays, e.g. memory-mapped ``.npy`` files), read one band at
    a time: band ``b`` of every document is the parts' row ``b`` end to end."""

    def __init__(self, parts: Sequence[np.ndarray]) -> None:
        self.parts = list(parts)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.parts[0].shape[0] if self.parts else 0, sum(p.shape[1] for p in self.parts))

    def band(self, b: int) -> np.ndarray:
        return np.concatenate([np.asarray(p[b]) for p in self.parts])


@dataclass
class Signed:
    """MinHash signatures (``(n, num_perm)`` uint32, any row-indexable), band keys ``(bands, n)`` and the
    mask of documents without shingles (never candidates)."""

    sig: np.ndarray | Rows
    keys: np.ndarray | PartKeys
    empty: np.ndarray

    def __len__(self) -> int:
        return len(self.empty)


def sign(texts: Sequence[str | None] | pl.Series, config: DedupConfig) -> Signed:
    """Signatures and band keys of ``texts`` under ``config``."""
    sig = signatures(
        texts,
        config.num_perm,
        config.seed,
        config.ngram,
        hash=config.hash,
        scheme=config.scheme,
        batch_size=config.batch_size,
    )
    return signed_from(sig, config)


def take(s: Signed, rows: np.ndarray) -> Signed:
    """The documents ``rows`` (a mask or indices) of an in-memory :class:`Signed`, in their order."""
    return Signed(sig=np.asarray(s.sig)[rows], keys=np.asarray(s.keys)[:, rows], empty=s.empty[rows])


def signed_from(sig: np.ndarray, config: DedupConfig) -> Signed:
    """Band keys and empty mask for precomputed signatures."""
    b, r = config.lsh_params
    empty = np.zeros(len(sig), dtype=bool)
    for lo in range(0, len(sig), 65536):  # chunked: no (n, num_perm) temporary
        empty[lo : lo + 65536] = (sig[lo : lo + 65536] == EMPTY).all(axis=1)
    return Signed(sig=sig, keys=band_keys(sig, b, r), empty=empty)


def verified_pairs(s: Signed, config: DedupConfig, min_j: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(i, j)``, ``i < j``, of ``s`` that pass verification (``j >= min_j`` only)."""
    if s.empty.any():
        live = np.flatnonzero(~s.empty)
        i, j = unpack(candidate_pairs(s.keys[:, live], config.fanout, min_j=int(np.searchsorted(live, min_j))))
        i, j = live[i], live[j]
    else:  # no copy of the keys
        i, j = unpack(candidate_pairs(s.keys, config.fanout, min_j=min_j))
    if config.verify and len(i):
        ok = estimate_jaccard(s.sig, s.sig, i, j) >= np.float32(config.threshold)
        i, j = i[ok], j[ok]
    return i, j


def cluster_labels(s: Signed, config: DedupConfig, min_j: int = 0, parent: np.ndarray | None = None) -> np.ndarray:
    """Near-duplicate cluster label (smallest member index) of every document of ``s``, band by band.

    Each band's candidate pairs, less those already in one cluster, are verified and joined into the clusters
    before the next band is read, so memory holds one band's pairs, not every band's (a bucket of many exact copies
    yields ``fanout`` pairs per member in every band; once joined by the first band, the later bands' pairs are
    dropped before verification). ``min_j`` and ``parent`` as in incremental use: only pairs reaching a document at
    or after ``min_j``, on top of the stored clusters ``parent``. The labels equal those of :func:`verified_pairs`'s
    pairs joined at once.
    """
    labels = np.arange(len(s), dtype=np.int64) if parent is None else connected_components(len(s), [], [], parent)
    live = np.flatnonzero(~s.empty) if s.empty.any() else None
    first = int(np.searchsorted(live, min_j)) if live is not None else min_j

    for pairs in band_pairs(live_bands(s, live), config.fanout, min_j=first):
        i, j = unpack(pairs)
        if live is not None:
            i, j = live[i], live[j]
        labels = join_band(labels, i, j, config, lambda a, b: estimate_jaccard(s.sig, s.sig, a, b))
    return labels


def join_band(labels: np.ndarray, i: np.ndarray, j: np.ndarray, config: DedupConfig,
              jaccard: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """One band's candidate pairs joined into the clusters ``labels``: pairs already in one cluster dropped, the
    rest verified (``jaccard`` of their rows against ``config.threshold``, when ``config.verify``), then joined."""
    apart = labels[i] != labels[j]
    i, j = i[apart], j[apart]
    if config.verify and len(i):
        ok = jaccard(i, j) >= np.float32(config.threshold)
        i, j = i[ok], j[ok]
    return connected_components(len(labels), i, j, labels) if len(i) else labels


def live_bands(s: Signed, live: np.ndarray | None) -> Iterator[np.ndarray]:
    """The band keys of the documents ``live`` (None: all), one band at a time (stored keys are read band by
    band)."""
    for b in range(s.keys.shape[0]):
        row = s.keys.band(b) if isinstance(s.keys, PartKeys) else np.asarray(s.keys[b])
        yield row if live is None else row[live]


def best_reference_match(target: Signed, reference: Signed, config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """For each target document, the reference document it near-duplicates (``-1`` if none) and the
    estimated Jaccard. Among several matches the highest estimate wins, then the first in reference order."""
    t_live = np.flatnonzero(~target.empty)
    r_live = np.flatnonzero(~reference.empty)
    match = np.full(len(target), -1, dtype=np.int64)
    score = np.zeros(len(target), dtype=np.float32)
    if not len(t_live) or not len(r_live):
        return match, score
    r, t = unpack(cross_pairs(live_bands(reference, None if len(r_live) == len(reference) else r_live),
                              live_bands(target, None if len(t_live) == len(target) else t_live), config.fanout))
    r, t = r_live[r], t_live[t]
    est = estimate_jaccard(reference.sig, target.sig, r, t)
    if config.verify:
        ok = est >= np.float32(config.threshold)
        r, t, est = r[ok], t[ok], est[ok]
    if len(t):
        order = np.lexsort((r, -est, t))
        first = np.ones(len(order), dtype=bool)
        first[1:] = t[order][1:] != t[order][:-1]
        pick = order[first]
        match[t[pick]] = r[pick]
        score[t[pick]] = est[pick]
    return match, score
