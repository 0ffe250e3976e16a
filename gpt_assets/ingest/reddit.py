"""Pushshift submission dumps (``raw/reddit/RS_YYYY-MM.zst``) to ``reddit_submissions`` rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa

from gpt_assets.ingest.ndjson import decode_line, iter_lines
from gpt_assets.ingest.rejects import Reject

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("month", pa.string()),
        ("author", pa.string()),
        ("subreddit", pa.string()),
        ("created_utc", pa.int64()),
        ("created_at", pa.timestamp("s", tz="UTC")),
        ("score", pa.int64()),
        ("url", pa.string()),
        ("domain", pa.string()),
        ("is_self", pa.bool_()),
        ("over_18", pa.bool_()),
        ("title", pa.string()),
        ("selftext", pa.string()),
        ("permalink", pa.string()),
        ("num_comments", pa.int64()),
        ("source_file", pa.string()),
        ("line", pa.int64()),
    ]
)


def _int(value: object) -> int | None:
    """An integer, or an integral float / digit string (older dumps write created_utc as a string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


class _Line(msgspec.Struct):
    """The fields of a Pushshift line that ingestion keeps; msgspec skips the other ~45 unparsed.

    Types are checked by :func:`validate_submission`, not by msgspec, so that each
    problem gets its own quarantine reason.
    """

    id: Any = None
    author: Any = None
    subreddit: Any = None
    created_utc: Any = None
    score: Any = None
    url: Any = None
    domain: Any = None
    is_self: Any = False
    over_18: Any = False
    title: Any = None
    selftext: Any = None
    permalink: Any = None
    num_comments: Any = None


_DECODER = msgspec.json.Decoder(_Line)


def validate_submission(obj: _Line, file: str, line_no: int, month: str) -> dict | Reject:
    """Check one decoded submission against the schema; strict on the fields WebText relies on.

    ``score`` must be a JSON integer (a string score is quarantined: it signals a
    broken producer), ``url`` a non-empty string, ``id`` present; ``created_utc``
    may be an integer or a digit string, as in real Pushshift files.
    """
    sid = obj.id
    if not isinstance(sid, str | int) or isinstance(sid, bool) or str(sid) == "":
        return Reject(file, line_no, "missing_id", f"url={obj.url!r}")
    url = obj.url
    if not isinstance(url, str) or not url:
        return Reject(file, line_no, "missing_url", f"id={sid}")
    score = obj.score
    if isinstance(score, bool) or not isinstance(score, int):
        return Reject(file, line_no, "score_not_int", f"id={sid} score={score!r}")
    created = _int(obj.created_utc)
    if created is None:
        return Reject(file, line_no, "bad_created_utc", f"id={sid} created_utc={obj.created_utc!r}")
    return {
        "id": str(sid),
        "month": month,
        "author": _str(obj.author),
        "subreddit": _str(obj.subreddit),
        "created_utc": created,
        "created_at": datetime.fromtimestamp(created, UTC),
        "score": score,
        "url": url,
        "domain": _str(obj.domain),
        "is_self": obj.is_self is True,
        "over_18": obj.over_18 is True,
        "title": _str(obj.title),
        "selftext": _str(obj.selftext),
        "permalink": _str(obj.permalink),
        "num_comments": _int(obj.num_comments) or 0,
        "source_file": file,
        "line": line_no,
    }


def read_submissions(path: str | Path, month: str) -> Iterator[dict | Reject]:
    """Stream one dump: a row per valid submission, a Reject per bad line or damage."""
    file = str(path)
    for item in iter_lines(path):
        if isinstance(item, Reject):
            yield item
            continue
        line_no, line = item
        obj = decode_line(_DECODER, file, line_no, line)
        yield obj if isinstance(obj, Reject) else validate_submission(obj, file, line_no, month)
