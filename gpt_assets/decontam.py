"""13-gram benchmark decontamination (GPT-3 App. C).

Text is lower-cased and stripped of punctuation into word tokens (runs of ASCII
letters and digits); every 13-gram of a benchmark example is a contamination
key.  A training document with a matching 13-gram loses the 13-gram and a
200-character window on each side, which splits it into pieces; pieces under 200
characters are dropped, and a document cut into more than 10 pieces is dropped
whole.  13-grams that occur in more than 10 training documents are ignored (they
are common phrases, not leaks).  Choices where the paper is silent: examples
shorter than 13 tokens give no key; the surviving pieces of a document are kept
as one row, joined by blank lines.

The engine works on a batch of documents at once, in numpy: the batch's lowered
UTF-8 bytes, token boundaries from a byte class table, token hashes from the
dedup engine's word hash, n-gram hashes as polynomials in wrapping uint64
arithmetic finished by MurmurHash3's mixer, and lookups through a bitmap of the
keys' high bits before a binary search.
Python only touches the documents with a hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from gpt_assets.dedup.hashing import fmix64, word_hashes
from gpt_assets.dedup.normalization import _PAD, Words

_TOKEN = re.compile(r"[a-z0-9]+")
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)] = True
_Q = np.uint64(0x9E3779B97F4A7C15)  # token multiplier


@dataclass(frozen=True)
class DecontamConfig:
    n: int = 13  # GPT-3 App. C: 13-grams
    window_chars: int = 200  # GPT-3 App. C: remove a 200-character window around each hit
    min_piece_chars: int = 200  # GPT-3 App. C: drop pieces shorter than 200 characters
    max_pieces: int = 10  # GPT-3 App. C: drop documents split into more than 10 pieces
    max_doc_frequency: int = 10  # GPT-3 App. C: ignore 13-grams found in more than 10 training documents


@dataclass
class BatchTokens:
    """The word tokens of a batch of documents."""

    hashes: np.ndarray  # uint64, every token of every document, in order
    first: np.ndarray  # int64, len(docs) + 1: document d's tokens are hashes[first[d]:first[d + 1]]


def batch_tokens(texts: Sequence[str]) -> BatchTokens:
    """Token hashes of every document of a batch (lower-cased, runs of ASCII letters and digits).

    A token's hash is the dedup engine's word hash (:func:`gpt_assets.dedup.hashing.word_hashes`: its bytes read
    eight at a time as 64-bit words, chained through MurmurHash3's finaliser), all tokens of the batch at once.
    """
    parts = [t.lower().encode() for t in texts]
    joined = b"\n".join(parts)  # "\n" is no token byte: documents stay apart
    padded = np.frombuffer(joined + bytes(_PAD), dtype=np.uint8)  # word_hashes reads whole words past the end
    data = padded[: len(joined)]
    word = _WORD_BYTE[padded]
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    if word[0]:
        edges = np.concatenate([[0], edges])
    starts, ends = edges[0::2], edges[1::2]
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts)), out=offsets[1:])
    first = np.searchsorted(starts, offsets)
    first[0] = 0
    words = Words(buf=data, offsets=offsets, starts=starts, ends=ends, word_offsets=first)
    return BatchTokens(word_hashes(words), first)


@dataclass
class BatchGrams:
    """The n-grams of a batch of documents (none crosses a document boundary)."""

    hashes: np.ndarray  # uint64
    doc: np.ndarray  # int64: the document of each n-gram
    pos: np.ndarray  # int64: the n-gram's first token within its document


def batch_grams(tokens: BatchTokens, n: int) -> BatchGrams:
    """Every n-gram's mixed polynomial hash sum(token_i * Q**(n-1-i)), by Horner's rule over shifted views."""
    per_doc = np.maximum(np.diff(tokens.first) - n + 1, 0)
    doc = np.repeat(np.arange(len(per_doc)), per_doc)
    if not len(doc):
        empty = np.empty(0, dtype=np.int64)
        return BatchGrams(np.empty(0, dtype=np.uint64), empty, empty)
    gram_first = np.zeros(len(per_doc) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=gram_first[1:])
    pos = np.arange(len(doc)) - gram_first[doc]
    h = tokens.hashes
    acc = h[: len(h) - n + 1].copy()  # every window of the batch's tokens, crossing documents or not
    with np.errstate(over="ignore"):
        for m in range(1, n):
            acc *= _Q
            acc += h[m: len(h) - n + 1 + m]
    return BatchGrams(fmix64(acc[tokens.first[doc] + pos]), doc, pos)


def token_hashes(text: str) -> np.ndarray:
    """Token hashes (uint64, stable) of the lower-cased, punctuation-free text."""
    return batch_tokens([text]).hashes


def ngram_hashes(token_hashes: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit hash of every n-gram of one document's token hashes (the same as :func:`batch_grams`)."""
    if len(token_hashes) < n:
        return np.empty(0, dtype=np.uint64)
    return batch_grams(BatchTokens(token_hashes, np.array([0, len(token_hashes)])), n).hashes


def token_spans(text: str) -> list[tuple[int, int]]:
    """Each token's character span in ``text``, token for token as :func:`batch_tokens` finds them."""
    lowered = text.lower()
    spans = [m.span() for m in _TOKEN.finditer(lowered)]
    if len(lowered) == len(text):
        return spans
    # lower() lengthened a character (e.g. "İ" -> "i̇"): map the lowered offsets back to the original's
    back = np.repeat(np.arange(len(text)), [len(c.lower()) for c in text]).tolist() + [len(text)]
    return [(back[s], back[e - 1] + 1) for s, e in spans]


def tokens(text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Token hashes and each token's character span (for cutting windows)."""
    return token_hashes(text), token_spans(text)


_MIN_BITS, _MAX_BITS = 16, 29  # the prefilter: 8 KB to 64 MB, ~64 bits a key


@dataclass
class BenchmarkIndex:
    """Every benchmark 13-gram hash (sorted, unique), the benchmark each comes from, and a bitmap of their high
    bits that rules most n-grams out before the binary search."""

    keys: np.ndarray  # sorted unique uint64
    owner: np.ndarray  # int64, per key: index into names (the first benchmark by name that holds it)
    names: list[str]
    bits: int = field(init=False)
    bitmap: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.bits = int(np.clip(np.ceil(np.log2(max(len(self.keys), 1) * 64)), _MIN_BITS, _MAX_BITS))
        self.bitmap = np.zeros(1 << (self.bits - 3), dtype=np.uint8)
        slot = self.keys >> np.uint64(64 - self.bits)
        np.bitwise_or.at(self.bitmap, slot >> np.uint64(3),
                         np.left_shift(np.uint64(1), slot & np.uint64(7)).astype(np.uint8))

    @classmethod
    def build(cls, examples: Iterable[tuple[str, str]], n: int) -> BenchmarkIndex:
        """From (benchmark, text) pairs."""
        pairs = sorted(examples)
        names = sorted({b for b, _ in pairs})
        grams = batch_grams(batch_tokens([t for _, t in pairs]), n)
        code = {b: i for i, b in enumerate(names)}
        owner_of_doc = np.array([code[b] for b, _ in pairs], dtype=np.int64)
        owners = owner_of_doc[grams.doc] if len(pairs) else np.empty(0, dtype=np.int64)
        order = np.lexsort((owners, grams.hashes))  # by key, then by benchmark name
        keys, first = np.unique(grams.hashes[order], return_index=True)
        return cls(keys, owners[order][first], names)

    def owner_of(self, key: int) -> str:
        return self.names[int(self.owner[np.searchsorted(self.keys, np.uint64(key))])]

    def lookup(self, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``grams`` that are keys, the index of each one's key)."""
        if not len(self.keys) or not len(grams):
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        slot = grams >> np.uint64(64 - self.bits)
        maybe = np.flatnonzero((self.bitmap[slot >> np.uint64(3)] >> (slot & np.uint64(7)).astype(np.uint8)) & 1)
        at = np.searchsorted(self.keys, grams[maybe]).clip(max=len(self.keys) - 1)
        found = self.keys[at] == grams[maybe]
        return maybe[found], at[found]

    def hits(self, grams: np.ndarray) -> np.ndarray:
        """Positions of the n-grams that are benchmark keys."""
        return self.lookup(grams)[0]

    def drop(self, common: Iterable[int]) -> BenchmarkIndex:
        gone = np.isin(self.keys, np.fromiter(common, dtype=np.uint64))
        return BenchmarkIndex(self.keys[~gone], self.owner[~gone], self.names)


class KeyDocumentCounts:
    """Pass 1, batch by batch: in how many training documents each benchmark key occurs, and every hit of a key
    not (yet) known to be common, so that pass 2 cuts without hashing again.

    A key's count only grows, so the hits of a key already found in more than ``max_doc_frequency`` documents are
    let go as they come: what is held is at most ``max_doc_frequency + 1`` documents' hits per key, whatever the
    corpus's size.
    """

    def __init__(self, index: BenchmarkIndex, n: int, max_doc_frequency: int = 10):
        self.index, self.n, self.max_doc_frequency = index, n, max_doc_frequency
        self.counts = np.zeros(len(index.keys), dtype=np.int64)
        self._rows: list[np.ndarray] = []
        self._pos: list[np.ndarray] = []
        self._key: list[np.ndarray] = []
        self._held = self._pruned_at = 0
        self.rows_seen = 0

    def add(self, texts: Sequence[str]) -> None:
        """The next batch of the stream (rows are numbered across batches, from 0)."""
        first, self.rows_seen = self.rows_seen, self.rows_seen + len(texts)
        if not len(self.index.keys):
            return
        grams = batch_grams(batch_tokens(texts), self.n)
        at, key = self.index.lookup(grams.hashes)
        if not len(at):
            return
        doc = grams.doc[at]
        pairs = np.unique(doc * len(self.index.keys) + key)  # each (document, key) once
        np.add.at(self.counts, pairs % len(self.index.keys), 1)
        self._rows.append(doc + first)
        self._pos.append(grams.pos[at])
        self._key.append(key)
        self._held += len(at)
        if self._held > 2 * self._pruned_at + 65_536:
            self._prune()

    def _prune(self) -> None:
        if not self._rows:
            self._rows, self._pos, self._key = ([np.empty(0, dtype=np.int64)] for _ in range(3))
        rows, pos, key = (np.concatenate(x) for x in (self._rows, self._pos, self._key))
        keep = self.counts[key] <= self.max_doc_frequency
        self._rows, self._pos, self._key = [rows[keep]], [pos[keep]], [key[keep]]
        self._held = self._pruned_at = int(keep.sum())

    def common(self) -> np.ndarray:
        """The keys found in more than ``max_doc_frequency`` documents."""
        return self.index.keys[self.counts > self.max_doc_frequency]

    def hits(self) -> Hits:
        """The hits of the keys that are not common, by row of the stream."""
        self._prune()
        rows, pos, key = self._rows[0], self._pos[0], self._key[0]
        order = np.lexsort((pos, rows))
        return Hits(rows[order], pos[order], self.index.owner[key[order]], self.index.names)


@dataclass
class Hits:
    """Benchmark hits sorted by (row, position): each an n-gram's row in the stream, first token, benchmark."""

    rows: np.ndarray
    pos: np.ndarray
    owner: np.ndarray
    names: list[str]

    def between(self, start: int, stop: int) -> Iterator[tuple[int, list[int], list[str]]]:
        """(row, positions, benchmarks) of each row in [start, stop) that has hits."""
        a, b = np.searchsorted(self.rows, [start, stop])
        rows, pos, owner = self.rows[a:b], self.pos[a:b], self.owner[a:b]
        bounds = (np.flatnonzero(np.diff(rows)) + 1).tolist()
        for lo, hi in zip([0, *bounds], [*bounds, len(rows)], strict=True):
            if hi > lo:
                yield int(rows[lo]), pos[lo:hi].tolist(), [self.names[i] for i in owner[lo:hi].tolist()]


def count_documents_per_key(texts: Iterable[str], index: BenchmarkIndex, n: int) -> dict[int, int]:
    """Pass 1 over one list of documents: key -> documents holding it (keys found at least once)."""
    counts = KeyDocumentCounts(index, n)
    counts.add(list(texts))
    seen = np.flatnonzero(counts.counts)
    return dict(zip(index.keys[seen].tolist(), counts.counts[seen].tolist(), strict=True))


@dataclass
class DocResult:
    text: str | None  # None: the document is dropped
    windows: int  # hits removed
    pieces: int  # pieces kept
    benchmarks: dict[str, int]  # hits per benchmark


def cut(text: str, positions: Sequence[int], owners: Sequence[str], cfg: DecontamConfig) -> DocResult:
    """Cut the window around each hit (an n-gram's first token position, the benchmark it is from) out of one
    document."""
    spans = token_spans(text)
    per_bench: dict[str, int] = {}
    cuts: list[tuple[int, int]] = []
    for pos, bench in sorted(zip(positions, owners, strict=True)):
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


def decontaminate(text: str, index: BenchmarkIndex, cfg: DecontamConfig) -> DocResult:
    """Both passes for one document (its keys counted in it alone)."""
    counts = KeyDocumentCounts(index, cfg.n, cfg.max_doc_frequency)
    counts.add([text])
    for _, positions, owners in counts.hits().between(0, 1):
        return cut(text, positions, owners, cfg)
    return DocResult(text, 0, 1, {})
