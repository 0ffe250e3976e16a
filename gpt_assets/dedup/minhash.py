"""MinHash signatures, datasketch-compatible permutations, vectorised with numpy.

For ``num_perm`` and ``seed`` the permutation parameters are drawn exactly as ``datasketch.MinHash`` draws them,
so with ``hash="sha1"`` a row equals ``datasketch.MinHash(num_perm, seed, scheme=...)`` updated with the
document's shingles (``shingle.encode("utf-8")``):

* ``scheme="affine32"`` (datasketch >= 2.0 default): ``a, b`` from ``RandomState(seed)`` (``a`` odd),
  ``value = a * fmix32(h) + b  mod 2**32``.
* ``scheme="legacy"`` (datasketch < 2.0, ``scheme="legacy"``): ``a in [1, p)``, ``b in [0, p)`` drawn pairwise,
  ``value = ((a * h + b) mod 2**64) mod p  &  0xFFFFFFFF`` with ``p = 2**61 - 1``.

Signatures are ``uint32`` arrays of shape ``(n_docs, num_perm)``; a document without shingles (empty after
normalisation) gets all ``0xFFFFFFFF``, as an un-updated datasketch ``MinHash`` has.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import polars as pl

from .hashing import shingle_hashes
from .normalization import words
from .shingles import shingles

SCHEMES = ("affine32", "legacy")
EMPTY = np.uint32(0xFFFFFFFF)
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64(0xFFFFFFFF)
_CHUNK = 8192  # shingles per kernel step: a (num_perm, _CHUNK) uint32 block (4 MiB at 128) stays in cache


@lru_cache(maxsize=32)
def permutations(num_perm: int, seed: int = 1, scheme: str = "affine32") -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` exactly as ``datasketch.MinHash(num_perm, seed, scheme=scheme).permutations``."""
    gen = np.random.RandomState(seed)
    if scheme == "affine32":
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        return a, b
    if scheme == "legacy":
        ab = [
            (gen.randint(1, _MERSENNE, dtype=np.uint64), gen.randint(0, _MERSENNE, dtype=np.uint64))
            for _ in range(num_perm)
        ]
        arr = np.array(ab, dtype=np.uint64).T
        return arr[0].copy(), arr[1].copy()
    raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _permute(x: np.ndarray, a: np.ndarray, b: np.ndarray, scheme: str, out: np.ndarray) -> np.ndarray:
    """Permuted values of a chunk of (premixed) hashes, ``out`` has shape ``(num_perm, len(x))``."""
    if scheme == "affine32":
        np.multiply(a[:, None], x[None, :], out=out)
        out += b[:, None]
        return out
    v = a[:, None] * x[None, :].astype(np.uint64)
    v += b[:, None]
    # v mod (2**61 - 1) without a division: fold the top bits, then one conditional subtraction.
    v = (v & _MERSENNE) + (v >> np.uint64(61))
    v -= np.where(v >= _MERSENNE, _MERSENNE, np.uint64(0))
    np.bitwise_and(v, _MAX32, out=v)
    out[...] = v
    return out


def minhash(
    hashes: np.ndarray, offsets: np.ndarray, num_perm: int = 128, seed: int = 1, scheme: str = "affine32"
) -> np.ndarray:
    """Signatures of documents whose shingle hashes are ``hashes[offsets[d]:offsets[d+1]]`` (uint32)."""
    a, b = permutations(num_perm, seed, scheme)
    n_docs, n = len(offsets) - 1, len(hashes)
    out = np.full((n_docs, num_perm), EMPTY, dtype=np.uint32)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1])
    if not n:
        return out
    x = _fmix32(hashes) if scheme == "affine32" else hashes.astype(np.uint32)
    # Segments: each document's shingles, cut again at chunk boundaries; min per segment, then per document.
    doc_starts = offsets[:-1][nonempty]
    cuts = np.union1d(doc_starts, np.arange(0, n, _CHUNK, dtype=np.int64))
    seg_min = np.empty((num_perm, len(cuts)), dtype=np.uint32)
    buf = np.empty((num_perm, _CHUNK), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for lo in range(0, n, _CHUNK):
            hi = min(lo + _CHUNK, n)
            block = _permute(x[lo:hi], a, b, scheme, buf[:, : hi - lo])
            i, j = np.searchsorted(cuts, [lo, hi])
            np.minimum.reduceat(block, cuts[i:j] - lo, axis=1, out=seg_min[:, i:j])
    if len(cuts) > len(doc_starts):
        seg_min = np.minimum.reduceat(seg_min, np.searchsorted(cuts, doc_starts), axis=1)
    out[nonempty] = seg_min.T
    return out


def _sign_batch(
    batch: Sequence[str | None] | pl.Series, num_perm: int, seed: int, ngram: int, hash: str, scheme: str
) -> np.ndarray:
    w = words(batch)
    s = shingles(w, ngram)
    return minhash(shingle_hashes(w, s, hash), s.offsets, num_perm, seed, scheme)


def signatures(
    texts: Sequence[str | None] | pl.Series,
    num_perm: int = 128,
    seed: int = 1,
    ngram: int = 5,
    *,
    hash: str = "fmix64",
    scheme: str = "affine32",
    batch_size: int = 2048,
    workers: int = 1,
) -> np.ndarray:
    """MinHash signatures of ``texts``: ``uint32`` array ``(len(texts), num_perm)``.

    Texts are normalised (see :mod:`.normalization`), shingled into word ``ngram``-grams, hashed with ``hash``
    (``"fmix64"`` fast numpy hash, or ``"sha1"`` as datasketch) and permuted as datasketch's ``scheme``. Work
    runs in batches of ``batch_size`` documents, so memory beyond the output is bounded by ``workers`` batches;
    ``workers > 1`` signs batches on that many threads (numpy and polars release the GIL).
    """
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    starts = range(0, len(texts), batch_size)
    args = (num_perm, seed, ngram, hash, scheme)
    if workers <= 1:
        for lo in starts:
            out[lo : lo + batch_size] = _sign_batch(texts[lo : lo + batch_size], *args)
        return out
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[int, Future[np.ndarray]]] = deque()
        for lo in starts:
            pending.append((lo, pool.submit(_sign_batch, texts[lo : lo + batch_size], *args)))
            if len(pending) > workers:
                done_lo, fut = pending.popleft()
                out[done_lo : done_lo + batch_size] = fut.result()
        for done_lo, fut in pending:
            out[done_lo : done_lo + batch_size] = fut.result()
    return out
