"""Text normalisation and word spans, vectorised over a batch of documents.

Normalisation (what shingles are built from):

1. Unicode lowercase (polars ``str.to_lowercase``).
2. Word characters are ASCII letters and digits and every non-ASCII character except Unicode punctuation
   (``P*``), symbols (``S*``), separators (``Z*``) and controls (``Cc``). Everything else (ASCII punctuation,
   symbols, whitespace and controls, and their non-ASCII counterparts) separates words.
3. A word is a maximal run of word characters; the normalised text is the words joined by single spaces.

So ``"Hello,  World! Don't"`` normalises to ``"hello world don t"``. A batch lives in one UTF-8 byte buffer
(numpy ``uint8``) with document offsets, and words are byte spans in it: nothing is kept per word or per
shingle as a Python object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

# Non-ASCII punctuation, symbols, separators and controls become spaces (rare in most text, so cheap).
_NON_ASCII_SEPARATORS = r"[[\p{P}\p{S}\p{Z}\p{Cc}]--\x00-\x7F]+"
_PAD = 8  # zero bytes after the buffer, so 8-byte loads at any word start stay in bounds


def is_word_byte(buf: np.ndarray) -> np.ndarray:
    """Word bytes of a lowercased UTF-8 buffer: ``[0-9a-z]`` or any byte of a non-ASCII character."""
    out = buf >= 0x80
    t = buf - np.uint8(ord("a"))
    out |= t < 26
    np.subtract(buf, np.uint8(ord("0")), out=t)
    out |= t < 10
    return out


@dataclass(frozen=True)
class Words:
    """A lowercased batch: ``buf[offsets[d]:offsets[d+1]]`` is document ``d`` (non-ASCII separators already
    replaced, one trailing space added); ``buf`` is followed by ``_PAD`` zero bytes in memory.

    ``starts``/``ends`` are byte spans of all words in document order; document ``d`` owns words
    ``word_offsets[d]:word_offsets[d+1]``.
    """

    buf: np.ndarray  # uint8
    offsets: np.ndarray  # int64, n_docs + 1
    starts: np.ndarray  # int64, n_words
    ends: np.ndarray  # int64, n_words (exclusive)
    word_offsets: np.ndarray  # int64, n_docs + 1

    @property
    def n_docs(self) -> int:
        return len(self.offsets) - 1

    def padded(self) -> np.ndarray:
        """``buf`` followed by its ``_PAD`` zero bytes (a view)."""
        base = self.buf.base
        assert isinstance(base, np.ndarray) and len(base) >= len(self.buf) + _PAD
        return base[: len(self.buf) + _PAD]

    def compact(self) -> Words:
        """The normalised batch: words joined by single spaces, no trailing space (``Words`` of that buffer)."""
        lengths = self.ends - self.starts
        sep_after = np.ones(len(lengths), dtype=np.int64)
        sep_after[self.word_offsets[1:][self.word_offsets[1:] > self.word_offsets[:-1]] - 1] = 0
        new_starts = _exclusive_cumsum(lengths + sep_after)
        total = int(new_starts[-1])
        store = np.zeros(total + _PAD, dtype=np.uint8)
        store[:total] = ord(" ")
        cum_len = _exclusive_cumsum(lengths)
        within = np.arange(int(cum_len[-1]), dtype=np.int64) - np.repeat(cum_len[:-1], lengths)
        store[np.repeat(new_starts[:-1], lengths) + within] = self.buf[np.repeat(self.starts, lengths) + within]
        return Words(
            buf=store[:total],
            offsets=new_starts[self.word_offsets],
            starts=new_starts[:-1],
            ends=new_starts[:-1] + lengths,
            word_offsets=self.word_offsets,
        )

def _exclusive_cumsum(x: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x) + 1, dtype=np.int64)
    np.cumsum(x, out=out[1:])
    return out


def _arrow_bytes(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    arr = series.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return data[offsets[0] : offsets[-1]], offsets - offsets[0]


def words(texts: Sequence[str | None] | pl.Series) -> Words:
    """Lowercase ``texts`` (``None`` counts as empty) and find their words."""
    series = texts if isinstance(texts, pl.Series) else pl.Series(list(texts), dtype=pl.String)
    series = series.cast(pl.String).fill_null("").str.to_lowercase().str.replace_all(_NON_ASCII_SEPARATORS, " ")
    raw, offsets = _arrow_bytes(series + " ")  # every document ends with a separator
    n = len(raw)
    store = np.zeros(n + _PAD, dtype=np.uint8)
    store[:n] = raw
    buf = store[:n]
    is_word = is_word_byte(buf)
    # Every word starts and ends at a transition of is_word; the trailing space closes the last word.
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    if n and is_word[0]:
        edges = np.concatenate(([0], edges))
    starts, ends = edges[0::2].copy(), edges[1::2].copy()
    return Words(
        buf=buf,
        offsets=offsets,
        starts=starts,
        ends=ends,
        word_offsets=np.searchsorted(starts, offsets).astype(np.int64),
    )


def normalize(texts: Sequence[str | None] | pl.Series) -> list[str]:
    """The normalised form of each text (for inspection and tests; the hot path stays in byte buffers)."""
    c = words(texts).compact()
    raw = c.buf.tobytes()
    return [raw[a:b].decode("utf-8") for a, b in zip(c.offsets[:-1].tolist(), c.offsets[1:].tolist(), strict=True)]
