"""Stream files through a reader into a lake part and a quarantine part, tallying each file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from gpt_assets.ingest.ids import SeenIds
from gpt_assets.ingest.rejects import DUPLICATE, REJECT_SCHEMA, FileTally, Reject
from gpt_assets.lake import Lake

Reader = Callable[[Path], Iterator[dict | Reject | None]]
RecordKey = Callable[[dict], str]
ID_BATCH = 1024  # accepted rows checked for duplicate ids at a time


@dataclass
class IngestResult:
    asset: str
    partition: str | None
    tallies: list[FileTally] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0  # records of types the asset does not take (warcinfo, request)

    @property
    def read(self) -> int:
        return sum(t.read for t in self.tallies)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tallies)

    def reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.tallies:
            for k, v in t.reasons.items():
                out[k] = out.get(k, 0) + v
        return dict(sorted(out.items()))


def _position(row: dict, record: int) -> int:
    """Where a record sits in its file: its byte offset (WARC), line (JSONL), else its record number."""
    for name in ("offset", "line"):
        if isinstance(row.get(name), int):
            return row[name]
    return record


def ingest(lake: Lake, asset: str, schema: pa.Schema, files: Iterable[tuple[Path, Reader]],
           partition: str | None = None, key: RecordKey | None = None) -> IngestResult:
    """Write every accepted row to ``lake/<asset>/<partition>.parquet`` and every reject to
    ``lake/ingest_rejects/<asset>/<partition>.parquet``; never raise on bad input.

    ``key`` names a record (``doc_id``, ``prompt_id``): a record whose key was already read in this call (the same
    file landed twice, a mirror, a repeated line) is quarantined as ``duplicate_id``, so the table is unique on it;
    the first copy read (files in the order given) is the one kept.
    """
    result = IngestResult(asset, partition)
    root = lake.raw
    seen = SeenIds()
    with lake.writer(asset, schema, partition) as out, \
            lake.writer("ingest_rejects", REJECT_SCHEMA, partition, sub=asset) as quarantine:

        def reject(tally: FileTally, item: Reject) -> None:
            quarantine.write(item.row(asset, partition))
            tally.reject(item.reason)

        def accept(tally: FileTally, rows: list[tuple[dict, int]]) -> None:
            """Write a batch of (row, record number), quarantining the rows whose key was read before."""
            fresh = seen.fresh([key(r) for r, _ in rows]) if key else [True] * len(rows)
            for (row, record), new in zip(rows, fresh, strict=True):
                if new:
                    out.write(row)
                    tally.accept()
                else:
                    reject(tally, Reject(tally.file, _position(row, record), DUPLICATE,
                                         f"{key(row)} was already read in this partition (a file landed twice?)"))
            rows.clear()

        for path, reader in files:
            name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            tally = FileTally(name)
            result.tallies.append(tally)
            batch: list[tuple[dict, int]] = []
            try:
                if path.stat().st_size == 0:
                    reject(tally, Reject(name, 0, "empty_file", "the file holds no records"))
                    continue
                for item in reader(path):
                    if item is None:
                        result.skipped += 1
                    elif isinstance(item, Reject):
                        reject(tally, Reject(name, item.position, item.reason, item.detail))
                    else:
                        item["source_file"] = name
                        batch.append((item, tally.read + len(batch) + 1))  # the record's number in the file
                        if len(batch) >= ID_BATCH:
                            accept(tally, batch)
            except OSError as exc:  # unreadable file: quarantine it whole, go on with the rest
                reject(tally, Reject(name, -1, "unreadable_file", str(exc)))
            finally:
                accept(tally, batch)
        out.flush()
        result.rows = out.rows
    return result
