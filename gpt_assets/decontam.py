"""13-gram benchmark decontamination (GPT-3 App. C).

Text is lower-cased and stripped of punctuation into word tokens; every 13-gram
of a benchmark example is a contamination key.  A training document with a
matching 13-gram loses the 13-gram and a 200-character window on each side,
which splits it into pieces; pieces under 200 characters are dropped, and a
document cut into more than 10 pieces is dropped whole.  13-grams that occur in
more than 10 training documents are ignored (they are common phrases, not
leaks).  Choices where the paper is silent: examples shorter than 13 tokens
give no key; the surviving pieces of a document are kept as one row, joined by
blank lines.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+")
_SPAN = re.compile(r"[a-z0-9]+", re.IGNORECASE)  # the same tokens, found in the original text for their spans
_MULT = np.uint64(0x100000001B3)


@dataclass(frozen=True)
class DecontamConfig:
    n: int = 13  # GPT-3 App. C: 13-grams
    window_chars: int = 200  # GPT-3 App. C: remove a 200-character window around each hit
    min_piece_chars: int = 200  # GPT-3 App. C: drop pieces shorter than 200 characters
    max_pieces: int = 10  # GPT-3 App. C: drop documents split into more than 10 pieces
    max_doc_frequency: int = 10  # GPT-3 App. C: ignore 13-grams found in more than 10 training documents


_HASHES: dict[str, int] = {}


def _token_hash(token: str) -> int:
    h = _HASHES[token] = zlib.crc32(token.encode())
    return h


def token_hashes(text: str) -> np.ndarray:
    """Token hashes (uint64, stable: crc32 of the token) of the lower-cased, punctuation-free text."""
    get = _HASHES.get
    return np.fromiter((get(t) or _token_hash(t) for t in _TOKEN.findall(text.lower())), dtype=np.uint64)


def tokens(text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Token hashes and each token's character span (for cutting windows)."""
    return token_hashes(text), [m.span() for m in _SPAN.finditer(text)]


def ngram_hashes(token_hashes: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit polynomial hash of every n-gram, vectorized (wrapping uint64 arithmetic)."""
    if len(token_hashes) < n:
        return np.empty(0, dtype=np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(token_hashes, n)
    with np.errstate(over="ignore"):
        return (windows * _powers(n)).sum(axis=1, dtype=np.uint64)


def _powers(n: int) -> np.ndarray:
    powers = np.ones(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(n - 2, -1, -1):
            powers[i] = powers[i + 1] * _MULT
    return powers


@dataclass
class BenchmarkIndex:
    """Every benchmark 13-gram hash, and which benchmark(s) it comes from."""

    keys: np.ndarray  # sorted unique uint64
    owners: dict[int, str] = field(default_factory=dict)  # hash -> benchmark name (first seen, by name order)

    @classmethod
    def build(cls, examples: Iterable[tuple[str, str]], n: int) -> BenchmarkIndex:
        """From (benchmark, text) pairs."""
        owners: dict[int, str] = {}
        for bench, text in sorted(examples):
            for h in ngram_hashes(token_hashes(text), n).tolist():
                owners.setdefault(h, bench)
        keys = np.array(sorted(owners), dtype=np.uint64)
        return cls(keys, owners)

    def hits(self, grams: np.ndarray) -> np.ndarray:
        """Positions of the n-grams that are benchmark keys."""
        if not len(self.keys) or not len(grams):
            return np.empty(0, dtype=np.int64)
        pos = np.searchsorted(self.keys, grams).clip(max=len(self.keys) - 1)
        return np.flatnonzero(self.keys[pos] == grams)

    def drop(self, common: Iterable[int]) -> BenchmarkIndex:
        common = set(common)
        keys = np.array([k for k in self.keys.tolist() if k not in common], dtype=np.uint64)
        return BenchmarkIndex(keys, {k: v for k, v in self.owners.items() if k not in common})


def count_documents_per_key(texts: Iterable[str], index: BenchmarkIndex, n: int) -> dict[int, int]:
    """Pass 1: in how many training documents each benchmark key occurs."""
    counts: dict[int, int] = {}
    for text in texts:
        grams = ngram_hashes(token_hashes(text), n)
        for h in set(grams[index.hits(grams)].tolist()):
            counts[h] = counts.get(h, 0) + 1
    return counts


@dataclass
class DocResult:
    text: str | None  # None: the document is dropped
    windows: int  # hits removed
    pieces: int  # pieces kept
    benchmarks: dict[str, int]  # hits per benchmark


def decontaminate(text: str, index: BenchmarkIndex, cfg: DecontamConfig) -> DocResult:
    """Pass 2: cut the windows around every hit out of one document."""
    grams = ngram_hashes(token_hashes(text), cfg.n)
    hits = index.hits(grams)
    if not len(hits):
        return DocResult(text, 0, 1, {})
    spans = [m.span() for m in _SPAN.finditer(text)]
    per_bench: dict[str, int] = {}
    cuts: list[tuple[int, int]] = []
    for pos in hits.tolist():
        bench = index.owners[int(grams[pos])]
        per_bench[bench] = per_bench.get(bench, 0) + 1
        start = max(0, spans[pos][0] - cfg.window_chars)
        end = min(len(text), spans[pos + cfg.n - 1][1] + cfg.window_chars)
        if cuts and start <= cuts[-1][1]:
            cuts[-1] = (cuts[-1][0], max(cuts[-1][1], end))
        else:
            cuts.append((start, end))
    pieces, prev = [], 0
    for start, end in cuts:
        pieces.append(text[prev:start])
        prev = end
    pieces.append(text[prev:])
    kept = [p.strip() for p in pieces if len(p.strip()) >= cfg.min_piece_chars]
    if len(kept) > cfg.max_pieces or not kept:
        return DocResult(None, len(cuts), len(kept), per_bench)
    return DocResult("\n\n".join(kept), len(cuts), len(kept), per_bench)
