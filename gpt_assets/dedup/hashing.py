"""32-bit shingle hashes, two modes.

``"sha1"`` (datasketch-compatible): ``datasketch.hashfunc.sha1_hash32`` of the shingle's UTF-8 bytes (the words
joined by single spaces), i.e. the first 4 bytes of SHA-1 as a little-endian ``uint32``. One SHA-1 call per
shingle in a Python loop: exact, but the slowest step of the pipeline.

``"fmix64"`` (fast, numpy only, not equal to ``"sha1"``): every word gets a 64-bit hash, then every shingle
combines its words' hashes; all vectorised, no per-word or per-shingle Python:

* word of ``L <= 256`` bytes: ``acc = L * K``; for each 8-byte chunk (little-endian, last one zero-padded)
  ``acc = fmix64(acc ^ chunk)``; words longer than 256 bytes (rare blobs): ``blake2b(word, digest_size=8)``;
* shingle of words ``w_1 .. w_m``: ``h = w_1; h = h * M + w_i`` (mod ``2**64``), then ``fmix64(h) >> 32``.

``fmix64`` is MurmurHash3's 64-bit finaliser; ``K`` and ``M`` are fixed odd constants. The values depend only
on integer arithmetic (stable across platforms and library versions), but never mix signatures of the two modes.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .normalization import Words
from .shingles import Shingles

HASHES = ("fmix64", "sha1")

_K = np.uint64(0x9E3779B97F4A7C15)
_M = np.uint64(0xC2B2AE3D27D4EB4F)
_LONG_WORD = 256
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_MASKS = np.array([(1 << (8 * r)) - 1 for r in range(9)], dtype=np.uint64)

try:  # CPython's builtin SHA-1: same digest, about half the per-call cost of OpenSSL's for short inputs.
    from _sha1 import sha1 as _sha1
except ImportError:  # pragma: no cover
    _sha1 = hashlib.sha1


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 64-bit finaliser, in place on a ``uint64`` array (returned)."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def _loads64(w: Words) -> np.ndarray:
    """Unaligned little-endian 8-byte loads: element ``i`` is ``buf[i:i+8]`` (zero padding past the end)."""
    padded = w.padded()
    return np.ndarray(shape=(len(w.buf),), dtype="<u8", buffer=padded, strides=(1,))


def word_hashes(w: Words) -> np.ndarray:
    """64-bit hash of every word of the batch (see module docstring)."""
    lengths = (w.ends - w.starts).astype(np.int64)
    if not len(lengths):
        return np.zeros(0, dtype=np.uint64)
    loads = _loads64(w)
    ulen = lengths.astype(np.uint64)
    acc = ulen * _K
    # Keep the word's first min(L, 8) bytes of the 8-byte load (L >= 1, so the shift is 0..56).
    acc ^= loads[w.starts] & (_ALL >> ((np.uint64(8) - np.minimum(ulen, np.uint64(8))) << np.uint64(3)))
    fmix64(acc)
    todo = np.flatnonzero((lengths > 8) & (lengths <= _LONG_WORD))
    k = 8
    while len(todo):
        pos = w.starts[todo] + k
        chunk = loads[pos] & _MASKS[np.minimum(lengths[todo] - k, 8)]
        acc[todo] = fmix64(acc[todo] ^ chunk)
        k += 8
        todo = todo[lengths[todo] > k]
    long_words = np.flatnonzero(lengths > _LONG_WORD)
    if len(long_words):
        raw = w.buf.tobytes()
        digests = b"".join(
            hashlib.blake2b(raw[s:e], digest_size=8).digest()
            for s, e in zip(w.starts[long_words].tolist(), w.ends[long_words].tolist(), strict=True)
        )
        acc[long_words] = np.frombuffer(digests, dtype="<u8")
    return acc


def fmix64_hash(w: Words, s: Shingles) -> np.ndarray:
    """The ``"fmix64"`` hash of every shingle (``uint32``)."""
    wh = word_hashes(w)
    h = wh[s.first_word].copy()
    for t in range(1, s.ngram):
        nxt = s.first_word + t
        live = nxt <= s.last_word
        if live.all():
            h *= _M
            h += wh[nxt]
        else:
            sub = np.flatnonzero(live)
            h[sub] = h[sub] * _M + wh[nxt[sub]]
    return (fmix64(h) >> np.uint64(32)).astype(np.uint32)


def sha1_hash(w: Words, s: Shingles) -> np.ndarray:
    """``datasketch.hashfunc.sha1_hash32`` of every shingle (``uint32``)."""
    c = w.compact()
    raw = c.buf.tobytes()
    starts = c.starts[s.first_word].tolist()
    ends = c.ends[s.last_word].tolist()
    digests = b"".join([_sha1(raw[a:b]).digest()[:4] for a, b in zip(starts, ends, strict=True)])
    return np.frombuffer(digests, dtype="<u4").astype(np.uint32)


def shingle_hashes(w: Words, s: Shingles, hash: str = "fmix64") -> np.ndarray:
    """32-bit hashes of all shingles of a batch, by mode (see module docstring)."""
    if hash == "fmix64":
        with np.errstate(over="ignore"):
            return fmix64_hash(w, s)
    if hash == "sha1":
        return sha1_hash(w, s)
    raise ValueError(f"unknown hash {hash!r}; expected one of {HASHES}")
