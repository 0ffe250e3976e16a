"""The landing zone ``raw/``: which files belong to which source, and which are unknown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REDDIT = re.compile(r"^reddit/RS_(\d{4}-(?:0[1-9]|1[0-2]))\.zst$")
WEBPAGES = re.compile(r"^webpages/[^/]+\.warc\.gz$")
COMMONCRAWL = re.compile(r"^commoncrawl/(CC-MAIN-\d{4}-\d{2})/[^/]+\.warc\.wet\.gz$")
REFERENCE = re.compile(r"^reference/([a-z0-9_]+)/[^/]+\.jsonl\.gz$")
PROMPTS = re.compile(r"^prompts/[^/]+\.jsonl$")
BENCHMARKS = re.compile(r"^benchmarks/([A-Za-z0-9_.-]+)\.jsonl$")
FEEDBACK = re.compile(r"^feedback/(hh-rlhf|oasst|alpaca)/[^/]+\.(?:jsonl|jsonl\.gz|json)$")
PATTERNS = {
    "reddit": REDDIT,
    "webpages": WEBPAGES,
    "commoncrawl": COMMONCRAWL,
    "reference": REFERENCE,
    "prompts": PROMPTS,
    "benchmarks": BENCHMARKS,
    "feedback": FEEDBACK,
}


@dataclass(frozen=True)
class LandingFile:
    source: str  # a key of PATTERNS
    path: Path
    key: str  # the month, crawl id, corpus or benchmark name; "" where the layout has none


def _rel(raw: Path, path: Path) -> str:
    return path.relative_to(raw).as_posix()


def scan(raw: Path) -> tuple[list[LandingFile], list[Path]]:
    """Classify every file under ``raw`` (sorted): known files by source, and the unknown ones."""
    known: list[LandingFile] = []
    unknown: list[Path] = []
    if not raw.exists():
        return known, unknown
    for path in sorted(p for p in raw.rglob("*") if p.is_file()):
        rel = _rel(raw, path)
        for source, pattern in PATTERNS.items():
            m = pattern.match(rel)
            if m:
                known.append(LandingFile(source, path, m.group(1) if m.groups() else ""))
                break
        else:
            unknown.append(path)
    return known, unknown


def files_of(raw: Path, source: str, key: str | None = None) -> list[LandingFile]:
    """The known files of one source, optionally only those of one partition key."""
    return [f for f in scan(raw)[0] if f.source == source and (key is None or f.key == key)]


def reddit_months(raw: Path) -> list[str]:
    return sorted({f.key for f in files_of(raw, "reddit")})


def crawl_ids(raw: Path) -> list[str]:
    return sorted({f.key for f in files_of(raw, "commoncrawl")})
