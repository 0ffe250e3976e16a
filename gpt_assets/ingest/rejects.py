"""Quarantine rows and per-file reconciliation (records read = accepted + rejected)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pyarrow as pa

REJECT_SCHEMA = pa.schema(
    [
        ("asset", pa.string()),
        ("partition", pa.string()),
        ("file", pa.string()),
        ("position", pa.int64()),  # line number (1-based) for NDJSON/JSONL, byte offset for WARC
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)


# A second copy of a record already read (the same file landed twice, a mirror): quarantined, but not bad input, so
# it does not count toward a file's reject share.
DUPLICATE = "duplicate_id"

# Reasons that speak for a whole file (a broken download), not for one record.
FILE_LEVEL_REASONS = frozenset({"empty_file", "truncated_file", "corrupt_stream", "unreadable_file"})


@dataclass(frozen=True)
class Reject:
    """One record (or stretch of a file) that could not be ingested, and why."""

    file: str
    position: int
    reason: str
    detail: str = ""

    def row(self, asset: str, partition: str | None) -> dict:
        return {"asset": asset, "partition": partition or "", **asdict(self), "detail": self.detail[:500]}


@dataclass
class FileTally:
    """What happened to one input file."""

    file: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def accept(self) -> None:
        self.read += 1
        self.accepted += 1

    def reject(self, reason: str) -> None:
        self.read += 1
        self.rejected += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    @property
    def damage(self) -> list[str]:
        """The file-level problems met in this file."""
        return sorted(r for r in self.reasons if r in FILE_LEVEL_REASONS)

    @property
    def duplicates(self) -> int:
        return self.reasons.get(DUPLICATE, 0)

    @property
    def reject_share(self) -> float:
        """The share of records rejected as bad input (second copies of records excluded)."""
        return (self.rejected - self.duplicates) / self.read if self.read else 0.0

    def reconciles(self) -> bool:
        return self.read == self.accepted + self.rejected


def tally_table(tallies: list[FileTally]) -> list[dict]:
    """Per-file rows for Dagster table metadata."""
    return [
        {
            "file": t.file,
            "read": t.read,
            "accepted": t.accepted,
            "rejected": t.rejected,
            "reject_share": round(t.reject_share, 4),
            "reasons": ", ".join(f"{k}: {v}" for k, v in sorted(t.reasons.items())),
        }
        for t in tallies
    ]
