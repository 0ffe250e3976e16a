"""The landing zone ``raw/``: which files belong to which source, and which are refused and why.

Files are taken as their publishers ship them (Common Crawl's ``crawl-data/…`` tree, Pushshift's
``RS_*.zst|.xz|.bz2``) as well as in the short layout the sample world writes.  The scan follows
symlinked folders and files (a mirror linked into ``raw/``) and reads each real folder once, so a
symlink cycle or a second link to the same mirror neither loops nor reads a file twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_MONTH = r"\d{4}-(?:0[1-9]|1[0-2])"
_CRAWL_ROOT = r"(?:commoncrawl/(?:crawl-data/)?|crawl-data/)(?P<key>CC-MAIN-\d{4}-\d{2})/"
REDDIT = re.compile(rf"^reddit/(?:submissions/)?RS_(?:v2_)?(?P<key>{_MONTH})(?:\.zst|\.xz|\.bz2|\.ndjson|\.json)?$")
WEBPAGES = re.compile(r"^webpages/[^/]+\.warc\.gz$")
COMMONCRAWL = re.compile(rf"^{_CRAWL_ROOT}(?:segments/[^/]+/wet/)?[^/]+\.warc\.wet\.gz$")
REFERENCE = re.compile(r"^reference/(?P<key>[a-z0-9_]+)/[^/]+\.jsonl\.gz$")
PROMPTS = re.compile(r"^prompts/[^/]+\.jsonl$")
BENCHMARKS = re.compile(r"^benchmarks/(?P<key>[A-Za-z0-9_.-]+)\.jsonl$")
TASKS = re.compile(r"^tasks/(?P<key>[A-Za-z0-9_.-]+)/[^/]+\.jsonl$")
TASK_LABELS = re.compile(r"^tasks/[A-Za-z0-9_.-]+/[^/]+-labels\.lst$")  # PIQA's labels, read beside their file
FEEDBACK = re.compile(r"^feedback/(?P<key>hh-rlhf|oasst|alpaca)/[^/]+\.(?:jsonl|jsonl\.gz|json)$")
SAFETY = re.compile(r"^safety/(?P<key>sensitive|ordinary|labelled)/[^/]+\.(?:jsonl|jsonl\.gz)$")
DIALOGUES = re.compile(r"^dialogues/[^/]+\.(?:jsonl|jsonl\.gz)$")
PATTERNS = {
    "reddit": REDDIT,
    "webpages": WEBPAGES,
    "commoncrawl": COMMONCRAWL,
    "reference": REFERENCE,
    "prompts": PROMPTS,
    "benchmarks": BENCHMARKS,
    "tasks": TASKS,
    "task_labels": TASK_LABELS,
    "feedback": FEEDBACK,
    "safety": SAFETY,
    "dialogues": DIALOGUES,
}
# The accepted paths in words (README.md, "Landing zone", lists the same).
LAYOUTS = {
    "reddit": "reddit/[submissions/]RS_[v2_]YYYY-MM[.zst|.xz|.bz2|.ndjson|.json]",
    "webpages": "webpages/*.warc.gz",
    "commoncrawl": "{commoncrawl/[crawl-data/],crawl-data/}CC-MAIN-YYYY-WW/[segments/<s>/wet/]*.warc.wet.gz",
    "reference": "reference/<corpus>/*.jsonl.gz",
    "prompts": "prompts/*.jsonl",
    "benchmarks": "benchmarks/<name>.jsonl",
    "tasks": "tasks/<task>/<split>.jsonl (+ PIQA <split>-labels.lst)",
    "feedback": "feedback/{hh-rlhf,oasst,alpaca}/*.{jsonl,jsonl.gz,json}",
    "safety": "safety/{sensitive,ordinary,labelled}/*.jsonl[.gz]",
    "dialogues": "dialogues/*.jsonl[.gz]",
}
# The top folders of raw/ that hold each source (a scan of one source lists only these).
TOPS = {"commoncrawl": ("commoncrawl", "crawl-data")}
UNKNOWN_DETAIL = ("no landing layout matches; accepted: " + "; ".join(LAYOUTS.values())
                  + ' (README.md "Landing zone")')

# Files that have a known name but that no asset reads: (pattern, reason, detail).
REFUSED = (
    (re.compile(rf"^reddit/(?:comments/)?RC_(?:v2_)?{_MONTH}(?:\.[a-z0-9]+)*$"), "comments_dump_not_used",
     "a Pushshift comments dump: WebText (GPT-2 §2.1) uses the outbound links of submissions "
     "(RS_* dumps), so comments are not read"),
    (re.compile(rf"^{_CRAWL_ROOT}(?!.*\.warc\.wet\.gz$).+$"), "not_wet_file",
     "cc_documents reads WET conversion files (CC-MAIN-YYYY-WW/[segments/<s>/wet/]*.warc.wet.gz); "
     "WARC, WAT and the crawl's other files are not used"),
)
# Which of two dumps of one month is read: the v2 re-release, then by compression.
_SUFFIX_RANK = {".zst": 0, ".xz": 1, ".bz2": 2}


@dataclass(frozen=True)
class LandingFile:
    source: str  # a key of PATTERNS
    path: Path
    key: str  # the month, crawl id, corpus or benchmark name; "" where the layout has none


@dataclass(frozen=True)
class Refused:
    """A path under raw/ that no asset reads, with the reason recorded in ``ingest_rejects``."""

    path: Path
    reason: str
    detail: str


def _rel(raw: Path, path: Path) -> str:
    return path.relative_to(raw).as_posix()


def _walk(raw: Path, tops: Iterable[str] | None) -> Iterator[Path | Refused]:
    """Every file under ``raw`` (or under its ``tops``), following symlinks, each real folder once."""
    seen: dict[tuple[int, int], Path] = {}

    def visit(folder: Path) -> Iterator[Path | Refused]:
        st = folder.stat()
        first = seen.setdefault((st.st_dev, st.st_ino), folder)
        if first != folder:
            yield Refused(folder, "duplicate_folder", f"the same folder as {_rel(raw, first)} (reached again "
                                                      "through a symlink); its files are read once, from there")
            return
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Refused(folder, "unreadable_folder", str(exc))
            return
        for entry in entries:
            path = folder / entry.name
            if entry.is_dir():
                yield from visit(path)
            elif entry.is_file():
                yield path
            elif entry.is_symlink():
                yield Refused(path, "broken_symlink", f"the link points to nothing: {os.readlink(path)}")

    if tops is None:
        yield from visit(raw)
        return
    for top in sorted(tops):
        path = raw / top
        if path.is_dir():
            yield from visit(path)
        elif path.is_file():
            yield path


def classify(raw: Path, path: Path) -> LandingFile | Refused:
    """Which source a file under ``raw`` belongs to (and its partition key), or why it is refused."""
    rel = _rel(raw, path)
    for source, pattern in PATTERNS.items():
        m = pattern.match(rel)
        if m:
            return LandingFile(source, path, m.groupdict().get("key") or "")
    for pattern, reason, detail in REFUSED:
        if pattern.match(rel):
            return Refused(path, reason, detail)
    return Refused(path, "unknown_file", UNKNOWN_DETAIL)


def _dump_rank(f: LandingFile) -> tuple[int, int, str]:
    return (0 if f.path.name.startswith("RS_v2_") else 1, _SUFFIX_RANK.get(f.path.suffix, 3), f.path.name)


def _one_dump_per_month(raw: Path, known: list[LandingFile]) -> tuple[list[LandingFile], list[Refused]]:
    """Keep one Reddit dump per month (two would count each submission twice); refuse the others."""
    best: dict[str, LandingFile] = {}
    for f in known:
        if f.source == "reddit" and (f.key not in best or _dump_rank(f) < _dump_rank(best[f.key])):
            best[f.key] = f
    kept = [f for f in known if f.source != "reddit" or best[f.key] is f]
    dropped = [Refused(f.path, "duplicate_month_dump",
                       f"a second dump of {f.key}: {_rel(raw, best[f.key].path)} is read instead (the v2 re-release "
                       "first, then .zst, .xz, .bz2, uncompressed); reading both would count submissions twice")
               for f in known if f.source == "reddit" and best[f.key] is not f]
    return kept, dropped


def scan(raw: Path, sources: Iterable[str] | None = None) -> tuple[list[LandingFile], list[Refused]]:
    """Classify every file under ``raw`` (sorted by path): known files by source, and the refused ones.

    With ``sources``, only those sources' top folders are listed (and only their files returned).
    """
    known: list[LandingFile] = []
    refused: list[Refused] = []
    if not raw.exists():
        return known, refused
    tops = None if sources is None else {t for s in sources for t in TOPS.get(s, (s,))}
    for item in _walk(raw, tops):
        found = item if isinstance(item, Refused) else classify(raw, item)
        if isinstance(found, Refused):
            refused.append(found)
        elif sources is None or found.source in sources:
            known.append(found)
    known, duplicates = _one_dump_per_month(raw, known)
    return sorted(known, key=lambda f: f.path), sorted(refused + duplicates, key=lambda r: r.path)


def files_of(raw: Path, source: str, key: str | None = None) -> list[LandingFile]:
    """The known files of one source, optionally only those of one partition key."""
    return [f for f in scan(raw, [source])[0] if key is None or f.key == key]


def reddit_months(raw: Path) -> list[str]:
    return sorted({f.key for f in files_of(raw, "reddit")})


def crawl_ids(raw: Path) -> list[str]:
    return sorted({f.key for f in files_of(raw, "commoncrawl")})
