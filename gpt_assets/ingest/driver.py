"""Stream files through a reader into a lake part and a quarantine part, tallying each file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from gpt_assets.ingest.rejects import REJECT_SCHEMA, FileTally, Reject
from gpt_assets.lake import Lake

Reader = Callable[[Path], Iterator[dict | Reject | None]]


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


def ingest(lake: Lake, asset: str, schema: pa.Schema, files: Iterable[tuple[Path, Reader]],
           partition: str | None = None) -> IngestResult:
    """Write every accepted row to ``lake/<asset>/<partition>.parquet`` and every reject to
    ``lake/ingest_rejects/<asset>/<partition>.parquet``; never raise on bad input."""
    result = IngestResult(asset, partition)
    root = lake.raw
    with lake.writer(asset, schema, partition) as out, \
            lake.writer("ingest_rejects", REJECT_SCHEMA, partition, sub=asset) as quarantine:

        def reject(tally: FileTally, item: Reject) -> None:
            quarantine.write(item.row(asset, partition))
            tally.reject(item.reason)

        for path, reader in files:
            name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            tally = FileTally(name)
            result.tallies.append(tally)
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
                        out.write(item)
                        tally.accept()
            except OSError as exc:  # unreadable file: quarantine it whole, go on with the rest
                reject(tally, Reject(name, -1, "unreadable_file", str(exc)))
        out.flush()
        result.rows = out.rows
    return result
