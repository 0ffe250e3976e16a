"""``cc_quality_scores`` and ``cc_filtered`` as streams (GPT-3 App. A): a crawl is read in record batches and written
as it goes, so memory is bounded by a batch, not by the crawl.

Each stage runs one task per shard of the crawl (``gpt_assets.shards``: in this process, or Ray tasks), every
task writing its own file that is then joined in shard order into the partition's part. Scores are written in the
order of ``cc_documents``; the filter reads both parts batch by batch side by side and
checks that each batch's doc_ids line up (both tables are unique on doc_id: ingestion quarantines second copies).
What the metadata needs from the whole crawl is kept in fixed-size sums: a 1,000-bin histogram of the scores with
per-bin counts, kept documents, expected keeps and the exact score range.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gpt_assets.lake import Lake, PartWriter, parquet_rows
from gpt_assets.mixture import count_tokens
from gpt_assets.quality import QualityClassifier, hash64, keep_probability, pareto_keep
from gpt_assets.shards import SHARD_ROWS, InProcess, Runner, Shard, join_shards, plan, read_rows, scratch_dir

BATCH_ROWS = 4096  # documents a batch: ~16 MB of Common Crawl text
SCORES_SCHEMA = pa.schema([("doc_id", pa.string()), ("crawl", pa.string()), ("url", pa.string()),
                           ("score", pa.float64()), ("model_version", pa.string())])
FILTERED_SCHEMA = pa.schema([("doc_id", pa.string()), ("crawl", pa.string()), ("url", pa.string()),
                             ("text", pa.string()), ("score", pa.float64()), ("n_tokens", pa.int64())])
DROPS_SCHEMA = pa.schema([("stage", pa.string()), ("source", pa.string()), ("partition", pa.string()),
                          ("doc_id", pa.string()), ("reason", pa.string())])


def _hashes(ids: list[str], seed: int) -> np.ndarray:
    """A stable 64-bit hash per doc_id (blake2b of seed and id): the same on every machine and run."""
    return np.fromiter((hash64(f"sample:{seed}:{i}") for i in ids), dtype=np.uint64, count=len(ids))


def hash_sample(stream: Callable[[], Iterator[pa.Table]], n: int, seed: int) -> list[tuple[str, str]]:
    """(doc_id, text) of the ``n`` documents with the smallest hash of (seed, doc_id), in the stream's order.

    A uniform sample that is the same whatever the order or partitioning of the documents, drawn in two passes over
    ``stream()`` (tables with ``doc_id`` and ``text``): the first keeps the n smallest hashes of the ids seen so
    far, the second the texts at or below the n-th; memory is the sample and one batch, never the corpus.
    """
    best = np.zeros(0, dtype=np.uint64)
    total = 0
    for table in stream():
        h = _hashes(table.column("doc_id").to_pylist(), seed)
        total += len(h)
        best = np.concatenate([best, h])
        if len(best) > n:
            best = np.partition(best, n - 1)[:n] if n else best[:0]
    if not len(best):
        return []
    cut = best.max()
    out: list[tuple[str, str]] = []
    for table in stream():
        ids = table.column("doc_id").to_pylist()
        keep = np.flatnonzero(_hashes(ids, seed) <= cut) if total > n else range(len(ids))
        texts = table.column("text")
        out += [(ids[i], texts[int(i)].as_py()) for i in keep]
    return out


def part_stream(paths: list[Path], columns: list[str], rename: Callable[[pa.Table], pa.Table] | None = None,
                rows: int = BATCH_ROWS) -> Callable[[], Iterator[pa.Table]]:
    """A re-startable stream of tables over Parquet parts (for :func:`hash_sample`'s two passes)."""

    def stream() -> Iterator[pa.Table]:
        for path in paths:
            for table in batches(path, columns, rows):
                yield rename(table) if rename else table

    return stream


class StaleScores(ValueError):
    """The scores part does not line up with the documents part (written from another version of the crawl)."""


def batches(path: Path, columns: list[str], rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """The whole part as tables of exactly ``rows`` rows (the last shorter), a batch in memory at a time."""
    return read_rows(path, columns, 0, None, rows)


@dataclass
class ScoreHistogram:
    """Scores of a crawl in fixed bins over [0, 1]: counts, kept, expected keeps, and each bin's score range."""

    bins: int = 1000
    counts: np.ndarray = field(init=False)
    kept: np.ndarray = field(init=False)
    expected: np.ndarray = field(init=False)
    low: np.ndarray = field(init=False)
    high: np.ndarray = field(init=False)
    sum: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.counts, self.kept = np.zeros(self.bins, np.int64), np.zeros(self.bins, np.int64)
        self.expected = np.zeros(self.bins)
        self.low, self.high = np.full(self.bins, np.inf), np.full(self.bins, -np.inf)

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def add(self, scores: np.ndarray, keep: np.ndarray | None = None, p: np.ndarray | None = None) -> None:
        b = np.minimum((scores * self.bins).astype(np.int64), self.bins - 1)
        np.add.at(self.counts, b, 1)
        self.sum += float(scores.sum())
        if keep is not None:
            np.add.at(self.kept, b, keep.astype(np.int64))
        if p is not None:
            np.add.at(self.expected, b, p)
        np.minimum.at(self.low, b, scores)
        np.maximum.at(self.high, b, scores)

    def merge(self, other: ScoreHistogram) -> ScoreHistogram:
        """This histogram with ``other``'s scores added (shards of one crawl)."""
        self.counts += other.counts
        self.kept += other.kept
        self.expected += other.expected
        np.minimum(self.low, other.low, out=self.low)
        np.maximum(self.high, other.high, out=self.high)
        self.sum += other.sum
        return self

    def mean(self) -> float:
        return self.sum / self.total if self.total else 0.0

    def quantiles(self, qs: np.ndarray) -> list[float]:
        """Score quantiles to a bin's width (0.001); the 0 and 1 quantiles exact."""
        if not self.total:
            return []
        cum = np.cumsum(self.counts)
        filled = np.flatnonzero(self.counts)
        out = []
        for q in qs:
            if q <= 0:
                out.append(float(self.low[filled[0]]))
            elif q >= 1:
                out.append(float(self.high[filled[-1]]))
            else:
                i = int(np.searchsorted(cum, q * self.total))
                out.append(float(min(self.high[i], (i + 1) / self.bins)))
        return out

    def deciles(self) -> list[dict]:
        """Per score decile (whole bins, so sizes are near a tenth): documents, score range, kept share, expected."""
        if not self.total:
            return []
        cum = np.cumsum(self.counts)
        edges = [0] + [int(np.searchsorted(cum, k * self.total / 10, side="left")) + 1 for k in range(1, 10)] + \
            [self.bins]
        rows = []
        for start, stop in zip(edges, edges[1:], strict=False):
            n = int(self.counts[start:stop].sum())
            if not n:
                continue
            rows.append({"decile": len(rows) + 1, "documents": n,
                         "score_min": round(float(self.low[start:stop].min()), 3),
                         "score_max": round(float(self.high[start:stop].max()), 3),
                         "kept": round(float(self.kept[start:stop].sum() / n), 4),
                         "expected": round(float(self.expected[start:stop].sum() / n), 4)})
        return rows


@dataclass
class ScoreSummary:
    documents: int
    histogram: ScoreHistogram


_MODELS: dict[str, QualityClassifier] = {}


def _classifier(model: str) -> QualityClassifier:
    """The classifier at ``model``, loaded once per process (a Ray worker keeps it across its tasks)."""
    if model not in _MODELS:
        _MODELS[model] = QualityClassifier.load(Path(model))
    return _MODELS[model]


def score_shard(docs: str, shard: Shard, model: str, version: str, out: str, rows: int) -> ScoreHistogram:
    """Score one shard of a crawl's documents into the file ``out``; the shard's histogram."""
    clf = _classifier(model)
    hist = ScoreHistogram()
    with PartWriter(Path(out), SCORES_SCHEMA) as writer:
        for d in read_rows(Path(docs), ["doc_id", "crawl", "url", "text"], shard.start, shard.stop, rows):
            s = clf.score(d.column("text").to_pylist())
            writer.write_table(pa.table({"doc_id": d.column("doc_id"), "crawl": d.column("crawl"),
                                         "url": d.column("url"), "score": pa.array(s, pa.float64()),
                                         "model_version": pa.array([version] * len(s), pa.string())},
                                        schema=SCORES_SCHEMA))
            hist.add(s)
    return hist


def score_crawl(lake: Lake, crawl: str, model: Path, version: str, rows: int = BATCH_ROWS,
                runner: Runner | None = None, shard_rows: int = SHARD_ROWS) -> ScoreSummary:
    """Score every document of ``cc_documents[crawl]`` into ``cc_quality_scores[crawl]``: one task per shard of
    ``shard_rows`` documents (in this process unless ``runner`` says otherwise), a batch at a time in each."""
    docs = lake.part_path("cc_documents", crawl)
    shards = plan(parquet_rows(docs), shard_rows)
    folder = scratch_dir(lake.root, "cc_quality_scores", crawl)
    outs = [folder / f"{s.index:05d}.parquet" for s in shards]
    try:
        hists = (runner or InProcess()).map(score_shard, [(str(docs), s, str(model), version, str(o), rows)
                                                          for s, o in zip(shards, outs, strict=True)])
        documents = _place(outs, lake.part_path("cc_quality_scores", crawl), SCORES_SCHEMA, rows)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    hist = ScoreHistogram()
    for h in hists:
        hist.merge(h)
    return ScoreSummary(documents, hist)


def _place(shard_files: list[Path], part: Path, schema: pa.Schema, rows: int) -> int:
    """The shards' files as the partition's part: one file moved into place, several joined in order."""
    if len(shard_files) == 1:
        part.parent.mkdir(parents=True, exist_ok=True)
        os.replace(shard_files[0], part)
        return parquet_rows(part)
    return join_shards(shard_files, part, schema, rows)


@dataclass
class FilterSummary:
    scored: int = 0
    kept: int = 0
    tokens: int = 0
    expected: float = 0.0  # the rule's expected keeps: sum of p_i
    variance: float = 0.0  # sum of p_i (1 - p_i): the Poisson-binomial variance of the kept count
    model_version: str = ""
    histogram: ScoreHistogram = field(default_factory=ScoreHistogram)

    @property
    def dropped(self) -> int:
        return self.scored - self.kept

    def merge(self, other: FilterSummary) -> FilterSummary:
        """This summary with another shard's added."""
        self.scored += other.scored
        self.kept += other.kept
        self.tokens += other.tokens
        self.expected += other.expected
        self.variance += other.variance
        self.model_version = self.model_version or other.model_version
        self.histogram.merge(other.histogram)
        return self


def filter_shard(docs: str, scores: str, shard: Shard, alpha: float, seed: int, crawl: str, drops_stage: str,
                 kept_out: str, drops_out: str, rows: int) -> FilterSummary:
    """The Pareto rule over one shard: kept documents (with token counts) to ``kept_out``, the others to
    ``drops_out`` with reason ``pareto_rejected``. Raises :class:`StaleScores` when the shard's scores are not
    its documents'."""
    summary = FilterSummary()
    d_batches = read_rows(Path(docs), ["doc_id", "crawl", "url", "text"], shard.start, shard.stop, rows)
    s_batches = read_rows(Path(scores), ["doc_id", "score", "model_version"], shard.start, shard.stop, rows)
    with PartWriter(Path(kept_out), FILTERED_SCHEMA) as out, PartWriter(Path(drops_out), DROPS_SCHEMA) as dropped:
        for d, s in _side_by_side(d_batches, s_batches):
            ids = d.column("doc_id")
            if not ids.equals(s.column("doc_id")):
                at = next(i for i, (a, b) in enumerate(zip(ids.to_pylist(), s.column("doc_id").to_pylist(),
                                                            strict=True)) if a != b)
                raise StaleScores(f"cc_quality_scores [{crawl}] does not line up with cc_documents [{crawl}] at "
                                  f"document {shard.start + summary.scored + at} (doc_id {ids[at].as_py()!r}, "
                                  f"scored as {s.column('doc_id')[at].as_py()!r})")
            score = s.column("score").to_numpy(zero_copy_only=False)
            keep = pareto_keep(ids.to_pylist(), score, alpha, seed)
            p = keep_probability(score, alpha)
            summary.scored += len(score)
            summary.expected += float(p.sum())
            summary.variance += float((p * (1 - p)).sum())
            summary.histogram.add(score, keep, p)
            if not summary.model_version and s.num_rows:
                summary.model_version = s.column("model_version")[0].as_py()
            mask = pa.array(keep)
            kept = d.filter(mask)
            n_tokens = [count_tokens(t) for t in kept.column("text").to_pylist()]
            summary.kept += kept.num_rows
            summary.tokens += sum(n_tokens)
            out.write_table(kept.append_column("score", pc.filter(s.column("score"), mask))
                            .append_column("n_tokens", pa.array(n_tokens, pa.int64())).select(FILTERED_SCHEMA.names)
                            .cast(FILTERED_SCHEMA))
            rest = pc.filter(ids, pc.invert(mask))
            n = len(rest)
            dropped.write_table(pa.table({"stage": [drops_stage] * n, "source": ["commoncrawl"] * n,
                                          "partition": [crawl] * n, "doc_id": rest,
                                          "reason": ["pareto_rejected"] * n}, schema=DROPS_SCHEMA))
    return summary


def filter_crawl(lake: Lake, crawl: str, alpha: float, seed: int, drops_asset: str, drops_stage: str,
                 rows: int = BATCH_ROWS, runner: Runner | None = None, shard_rows: int = SHARD_ROWS
                 ) -> FilterSummary:
    """The Pareto rule over ``cc_documents[crawl]`` and its scores: kept documents (with token counts) to
    ``cc_filtered[crawl]``, the others to the drops table with reason ``pareto_rejected``; one task per shard of
    ``shard_rows`` documents, a batch at a time in each.

    Raises :class:`StaleScores` (and writes nothing) when the scores do not line up with the documents.
    """
    docs, scores = lake.part_path("cc_documents", crawl), lake.part_path("cc_quality_scores", crawl)
    n_docs, n_scores = parquet_rows(docs), parquet_rows(scores)
    if n_scores != n_docs:
        raise StaleScores(f"cc_quality_scores has {'fewer' if n_scores < n_docs else 'more'} documents than "
                          f"cc_documents ({n_scores:,} against {n_docs:,})")
    shards = plan(n_docs, shard_rows)
    kept_dir = scratch_dir(lake.root, "cc_filtered", crawl)
    drops_dir = scratch_dir(lake.root, f"{drops_asset}.{drops_stage}", crawl)
    kept = [kept_dir / f"{s.index:05d}.parquet" for s in shards]
    dropped = [drops_dir / f"{s.index:05d}.parquet" for s in shards]
    try:
        parts = (runner or InProcess()).map(filter_shard, [
            (str(docs), str(scores), s, alpha, seed, crawl, drops_stage, str(k), str(d), rows)
            for s, k, d in zip(shards, kept, dropped, strict=True)])
        _place(kept, lake.part_path("cc_filtered", crawl), FILTERED_SCHEMA, rows)
        _place(dropped, lake.part_path(drops_asset, crawl, sub=drops_stage), DROPS_SCHEMA, rows)
    finally:
        shutil.rmtree(kept_dir, ignore_errors=True)
        shutil.rmtree(drops_dir, ignore_errors=True)
    summary = FilterSummary()
    for part in parts:
        summary.merge(part)
    return summary


def _side_by_side(a: Iterator[pa.Table], b: Iterator[pa.Table]) -> Iterator[tuple[pa.Table, pa.Table]]:
    for x in a:
        y = next(b, None)
        if y is None or y.num_rows != x.num_rows:
            raise StaleScores("cc_quality_scores has fewer documents than cc_documents")
        yield x, y
    if next(b, None) is not None:
        raise StaleScores("cc_quality_scores has more documents than cc_documents")
