"""Signatures plus band keys of a document set, and the pair-finding steps on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from .clusters import connected_components
from .config import DedupConfig
from .lsh import band_keys, candidate_pairs, cross_pairs, estimate_jaccard, unpack
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


@dataclass
class Signed:
    """MinHash signatures (``(n, num_perm)`` uint32, any row-indexable), band keys ``(bands, n)`` and the
    mask of documents without shingles (never candidates)."""

    sig: np.ndarray | Rows
    keys: np.ndarray
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


def cluster_labels(s: Signed, config: DedupConfig) -> np.ndarray:
    """Near-duplicate cluster label (smallest member index) of every document of ``s``."""
    i, j = verified_pairs(s, config)
    return connected_components(len(s), i, j)


def best_reference_match(target: Signed, reference: Signed, config: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """For each target document, the reference document it near-duplicates (``-1`` if none) and the
    estimated Jaccard. Among several matches the highest estimate wins, then the first in reference order."""
    t_live = np.flatnonzero(~target.empty)
    r_live = np.flatnonzero(~reference.empty)
    match = np.full(len(target), -1, dtype=np.int64)
    score = np.zeros(len(target), dtype=np.float32)
    if not len(t_live) or not len(r_live):
        return match, score
    r, t = unpack(cross_pairs(reference.keys[:, r_live], target.keys[:, t_live], config.fanout))
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
