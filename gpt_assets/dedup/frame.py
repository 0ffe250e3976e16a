"""The pipeline entry points on polars frames: within-set dedup and cross-source removal.

Input frames have ``doc_id, source, partition, text``. Output frames have one row per input row, in input
order: ``doc_id, source, partition, cluster_id, kept, reason``.

* ``cluster_id``: the ``doc_id`` of the cluster's representative, the member that sorts first by the survivor
  rule (a document alone is its own cluster).
* Survivor rule, deterministic: source earlier in ``config.source_priority`` (unlisted sources after it,
  tied), then the earlier ``partition`` (string order, so incremental runs agree with batch runs), then the
  longer text (characters), then the smaller ``doc_id``.
* ``reason``: ``"unique"`` (kept, no near-duplicate), ``"cluster_survivor"`` (kept, has near-duplicates),
  ``"near_duplicate_of:<doc_id>"`` (dropped; the id is the cluster's survivor, not necessarily its nearest
  neighbour), ``"<label>_copy:<doc_id>"`` (dropped; near-duplicate of that reference document, e.g.
  ``"webtext_copy:…"``), ``"empty"`` (kept; no words after normalisation, never compared).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .clusters import survivors
from .config import DEFAULT, DedupConfig
from .signed import Signed, best_reference_match, cluster_labels, sign

INPUT_COLUMNS = ("doc_id", "source", "partition", "text")
OUTPUT_COLUMNS = ("doc_id", "source", "partition", "cluster_id", "kept", "reason")


def _check(frame: pl.DataFrame, name: str = "frame") -> None:
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}")


def source_rank(config: DedupConfig) -> pl.Expr:
    """Position of ``source`` in ``config.source_priority`` (unlisted sources: one past the end)."""
    priority = {s: k for k, s in enumerate(config.source_priority)}
    return pl.col("source").cast(pl.String).replace_strict(priority, default=len(priority), return_dtype=pl.Int64)


def order_keys(frame: pl.DataFrame, config: DedupConfig) -> pl.DataFrame:
    """Survivor-rule sort keys (ascending) of each row; ``frame`` has ``text`` or its ``_neg_len``."""
    text_len = pl.col("text").fill_null("").str.len_chars().cast(pl.Int64)
    neg_len = pl.col("_neg_len") if "_neg_len" in frame.columns else -text_len
    return frame.select(
        _source_rank=source_rank(config),
        _partition=pl.col("partition").cast(pl.String),
        _neg_len=neg_len,
        _doc_id=pl.col("doc_id"),
    )


def decide(
    frame: pl.DataFrame,
    labels: np.ndarray,
    empty: np.ndarray,
    config: DedupConfig,
    *,
    copy_of: pl.Series | None = None,
    label: str = "webtext",
    keys: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Output rows from cluster ``labels`` (and reference ids ``copy_of``, null where not a copy)."""
    n = frame.height
    keys = order_keys(frame, config) if keys is None else keys
    rep = survivors(labels, keys)
    idx = np.arange(n, dtype=np.int64)
    is_copy = np.zeros(n, dtype=bool) if copy_of is None else copy_of.is_not_null().to_numpy()
    surv = survivors(labels, keys.with_columns(_is_copy=pl.Series(is_copy)).select("_is_copy", *keys.columns))
    size = np.bincount(labels, minlength=n)[labels]
    doc_id = frame["doc_id"]
    out = frame.select("doc_id", "source", "partition").with_columns(
        cluster_id=doc_id.gather(rep),
        _survivor_id=doc_id.gather(surv).cast(pl.String),
        _is_survivor=pl.Series(surv == idx),
        _is_copy=pl.Series(is_copy),
        _single=pl.Series(size == 1),
        _empty=pl.Series(empty),
        _copy_of=(copy_of if copy_of is not None else pl.Series([None] * n)).cast(pl.String),
    )
    reason = (
        pl.when("_empty")
        .then(pl.lit("empty"))
        .when("_is_copy")
        .then(pl.lit(f"{label}_copy:") + pl.col("_copy_of"))
        .when(pl.col("_is_survivor") & pl.col("_single"))
        .then(pl.lit("unique"))
        .when("_is_survivor")
        .then(pl.lit("cluster_survivor"))
        .otherwise(pl.lit("near_duplicate_of:") + pl.col("_survivor_id"))
    )
    return out.with_columns(
        kept=(pl.col("_is_survivor") & ~pl.col("_is_copy")) | pl.col("_empty"),
        reason=reason,
    ).select(OUTPUT_COLUMNS)


def _reference_ids(target: Signed, reference: Signed, ref_ids: pl.Series, config: DedupConfig) -> pl.Series:
    match, _ = best_reference_match(target, reference, config)
    hit = match >= 0
    ids = pl.Series("copy_of", [None] * len(match), dtype=pl.String)
    if hit.any():
        ids = ids.scatter(np.flatnonzero(hit), ref_ids.cast(pl.String).gather(match[hit]))
    return ids


def dedup(
    frame: pl.DataFrame,
    config: DedupConfig = DEFAULT,
    *,
    reference: pl.DataFrame | None = None,
    reference_label: str = "webtext",
    reference_threshold: float | None = None,
) -> pl.DataFrame:
    """Near-duplicate clusters within ``frame`` and one survivor per cluster.

    With ``reference`` (e.g. WebText when ``frame`` is Common Crawl), rows of ``frame`` that near-duplicate a
    reference document are also dropped (``"<reference_label>_copy:<doc_id>"``), and survivors are chosen
    among the remaining members; the reference set itself is neither deduplicated nor returned.
    ``reference_threshold`` (default: ``config.threshold``) is the Jaccard threshold for that comparison: a
    page that copies an article inside its own navigation and footer has a lower Jaccard to it.
    """
    _check(frame)
    s = sign(frame["text"], config)
    labels = cluster_labels(s, config)
    copy_of = None
    if reference is not None:
        _check(reference, "reference")
        if reference_threshold is None or reference_threshold == config.threshold:
            copy_of = _reference_ids(s, sign(reference["text"], config), reference["doc_id"], config)
        else:  # other bands: sign again for this comparison
            ref_config = config.with_(threshold=reference_threshold)
            copy_of = _reference_ids(sign(frame["text"], ref_config), sign(reference["text"], ref_config),
                                     reference["doc_id"], ref_config)
    return decide(frame, labels, s.empty, config, copy_of=copy_of, label=reference_label)


def remove_reference_copies(
    target: pl.DataFrame,
    reference: pl.DataFrame | Signed,
    config: DedupConfig = DEFAULT,
    *,
    reference_ids: pl.Series | None = None,
    reference_label: str = "webtext",
    target_signed: Signed | None = None,
) -> pl.DataFrame:
    """Drop every ``target`` row that near-duplicates some ``reference`` document; nothing else.

    ``reference`` is a frame, or precomputed :class:`Signed` (e.g. ``DedupIndex.signed()``) together with
    ``reference_ids``; ``target_signed``, the target's own signatures when they are at hand. Target rows are not
    compared with each other (``cluster_id`` is the row's own ``doc_id``), and the reference is not deduplicated
    against the target.
    """
    _check(target, "target")
    if isinstance(reference, pl.DataFrame):
        _check(reference, "reference")
        ref_signed, reference_ids = sign(reference["text"], config), reference["doc_id"]
    else:
        if reference_ids is None:
            raise ValueError("reference_ids are needed with precomputed reference signatures")
        ref_signed = reference
    s = sign(target["text"], config) if target_signed is None else target_signed
    copy_of = _reference_ids(s, ref_signed, reference_ids, config)
    labels = np.arange(target.height, dtype=np.int64)
    return decide(target, labels, s.empty, config, copy_of=copy_of, label=reference_label)
