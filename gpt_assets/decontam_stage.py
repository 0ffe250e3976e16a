"""Decontaminate training documents against benchmark examples (GPT-3 App. C), batch by batch.

Two passes over the same stream of document batches. The first hashes every batch once, counts in how many
documents each benchmark 13-gram occurs (keys in more than ``max_doc_frequency`` documents are ignored as common
phrases) and keeps the hits of the others; the second cuts those hits out of their documents and passes every
other document through untouched. Memory is one batch, the benchmark index, a counter per key and the hits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa

from gpt_assets.decontam import BenchmarkIndex, DecontamConfig, KeyDocumentCounts, batch_grams, batch_tokens, cut
from gpt_assets.mixture import count_tokens

REPORT_SCHEMA = {"benchmark": pl.String, "examples": pl.Int64, "documents_touched": pl.Int64,
                 "windows_removed": pl.Int64, "documents_dropped": pl.Int64, "common_13grams_ignored": pl.Int64}
DROP_SCHEMA = {"doc_id": pl.String, "source": pl.String, "reason": pl.String}
BATCH_BYTES = 1 << 20  # text a batch: 1 MB ran 25-30% faster than 2-8 MB here (bench/decontam.py)


class StreamChanged(ValueError):
    """The second pass did not read what the first did."""


@dataclass
class Tally:
    """What decontamination did, per benchmark, and the dropped documents."""

    touched: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    windows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    dropped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ignored: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    drops: list[tuple[str, str, str]] = field(default_factory=list)  # doc_id, source, reason
    documents: int = 0
    kept: int = 0
    common: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))  # keys ignored as common

    def report(self, examples: dict[str, int]) -> pl.DataFrame:
        return pl.DataFrame([(b, examples[b], self.touched[b], self.windows[b], self.dropped[b], self.ignored[b])
                             for b in sorted(examples)], schema=REPORT_SCHEMA, orient="row")

    def drop_frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.drops, schema=DROP_SCHEMA, orient="row")


def slices(docs: pl.DataFrame, batch_bytes: int = BATCH_BYTES) -> Iterator[pl.DataFrame]:
    """Consecutive slices of a frame, each about ``batch_bytes`` of text (a longer document alone)."""
    if not docs.height:
        return
    group = (docs["text"].str.len_bytes().cum_sum() // batch_bytes).to_numpy()
    bounds = [0, *(np.flatnonzero(np.diff(group)) + 1).tolist(), docs.height]
    for a, b in zip(bounds, bounds[1:], strict=False):
        yield docs.slice(a, b - a)


def index_for(benchmarks: pl.DataFrame, cfg: DecontamConfig) -> BenchmarkIndex:
    return BenchmarkIndex.build(benchmarks.select("benchmark", "text").iter_rows(), cfg.n)


def decontaminate_stream(stream: Callable[[], Iterator[pl.DataFrame]], index: BenchmarkIndex, cfg: DecontamConfig,
                         sink: Callable[[pl.DataFrame], None], batch_bytes: int = BATCH_BYTES) -> Tally:
    """Both passes over ``stream()`` (batches with source, doc_id, text, n_tokens; the same batches each time);
    every batch goes to ``sink`` without its dropped documents, with its cut texts, their recounted tokens (and
    counted ones where n_tokens is null) and a ``decontaminated`` flag."""
    tally = Tally()
    counts = KeyDocumentCounts(index, cfg.n, cfg.max_doc_frequency)
    for frame in stream():
        for batch in slices(frame, batch_bytes):
            counts.add(batch["text"].to_list())
    tally.common = counts.common()
    for key in tally.common.tolist():
        tally.ignored[index.owner_of(key)] += 1
    hits = counts.hits()
    start = 0
    for frame in stream():
        for batch in slices(frame, batch_bytes):
            sink(_cut_batch(batch, hits.between(start, start + batch.height), start, cfg, tally))
            start += batch.height
    if start != counts.rows_seen:
        raise StreamChanged(f"decontamination's second pass read {start:,} documents, its first "
                            f"{counts.rows_seen:,}: the input changed while it ran; materialize it again")
    return tally


def _cut_batch(batch: pl.DataFrame, found: Iterator[tuple[int, list[int], list[str]]], start: int,
               cfg: DecontamConfig, tally: Tally) -> pl.DataFrame:
    """One batch of pass 2: its hits cut out, dropped documents gone, token counts where they changed or were
    missing."""
    touched = np.zeros(batch.height, dtype=bool)
    gone = np.zeros(batch.height, dtype=bool)
    changed: dict[int, str] = {}
    for row, positions, owners in found:
        i = row - start
        r = cut(batch["text"][i], positions, owners, cfg)
        touched[i] = True
        for bench in r.benchmarks:
            tally.touched[bench] += 1
            tally.windows[bench] += r.windows
            tally.dropped[bench] += r.text is None
        if r.text is None:
            gone[i] = True
            reason = "contaminated:" + ",".join(sorted(r.benchmarks))
            tally.drops.append((batch["doc_id"][i], batch["source"][i], reason))
        else:
            changed[i] = r.text
    out = batch.with_columns(pl.col("n_tokens").cast(pl.Int64), pl.Series("decontaminated", touched))
    uncounted = np.flatnonzero(out["n_tokens"].is_null().to_numpy() & ~gone).tolist()
    recount = sorted(set(changed) | set(uncounted))
    if recount:
        rows = sorted(changed)
        out = out.with_columns(out["text"].scatter(rows, [changed[i] for i in rows]) if rows else pl.col("text"),
                               out["n_tokens"].scatter(recount, [count_tokens(changed.get(i) or batch["text"][i])
                                                                 for i in recount]))
    tally.documents += batch.height
    tally.kept += batch.height - int(gone.sum())
    return out.filter(~pl.Series(gone)) if gone.any() else out


def documents_with_hits(tables: Iterable[pa.Table], index: BenchmarkIndex, n: int) -> dict[str, int]:
    """doc_id -> benchmark n-grams found, for the documents of ``tables`` (doc_id, text) that hold any."""
    found: dict[str, int] = {}
    for table in tables:
        if not table.num_rows:
            continue
        grams = batch_grams(batch_tokens(table.column("text").to_pylist()), n)
        docs = grams.doc[index.hits(grams.hashes)]
        if len(docs):
            ids = table.column("doc_id").to_pylist()
            rows, hits = np.unique(docs, return_counts=True)
            found.update((ids[r], int(h)) for r, h in zip(rows.tolist(), hits.tolist(), strict=True))
    return found


def run(docs: pl.DataFrame, benchmarks: pl.DataFrame, cfg: DecontamConfig, batch_bytes: int = BATCH_BYTES
        ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(clean documents, report per benchmark, drops) from ``docs`` (source, doc_id, text, n_tokens) and
    ``benchmarks`` (benchmark, id, text), in memory."""
    kept: list[pl.DataFrame] = []
    tally = decontaminate_stream(lambda: iter([docs]), index_for(benchmarks, cfg), cfg, kept.append, batch_bytes)
    clean = pl.concat(kept) if kept else docs.clear().with_columns(pl.lit(False).alias("decontaminated"))
    examples = dict(benchmarks.group_by("benchmark").len().iter_rows())
    return clean, tally.report(examples), tally.drop_frame()
