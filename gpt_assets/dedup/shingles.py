"""Word n-gram shingles of a normalised batch, as word-index ranges.

A shingle is ``n`` consecutive words (joined by single spaces when hashed as text). A document with
``0 < k < n`` words has exactly one shingle (all its words), so short texts still match identical short texts;
an empty document has none (its signature is all ``0xFFFFFFFF``, like an empty ``datasketch.MinHash``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .normalization import Words


@dataclass(frozen=True)
class Shingles:
    """Shingle ``i`` spans words ``first_word[i]..last_word[i]`` (inclusive); document ``d`` owns shingles
    ``offsets[d]:offsets[d+1]``."""

    first_word: np.ndarray  # int64
    last_word: np.ndarray  # int64
    offsets: np.ndarray  # int64, n_docs + 1
    ngram: int


def shingles(w: Words, ngram: int = 5) -> Shingles:
    """All word ``ngram``-grams of ``w`` in document order."""
    if ngram < 1:
        raise ValueError("ngram must be >= 1")
    n_words = np.diff(w.word_offsets)
    per_doc = np.where(n_words > 0, np.maximum(n_words - ngram + 1, 1), 0)
    offsets = np.zeros(len(per_doc) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=offsets[1:])
    first = np.repeat(w.word_offsets[:-1] - offsets[:-1], per_doc) + np.arange(int(offsets[-1]), dtype=np.int64)
    last = np.minimum(first + (ngram - 1), np.repeat(w.word_offsets[1:] - 1, per_doc))
    return Shingles(first_word=first, last_word=last, offsets=offsets, ngram=ngram)


def shingle_strings(text: str, ngram: int = 5) -> list[str]:
    """One document's shingles as strings (reference for tests and for peers in the benchmark)."""
    from .normalization import words

    c = words([text]).compact()
    s = shingles(c, ngram)
    raw = c.buf.tobytes()
    spans = zip(c.starts[s.first_word].tolist(), c.ends[s.last_word].tolist(), strict=True)
    return [raw[a:b].decode("utf-8") for a, b in spans]
