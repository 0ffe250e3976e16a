"""WARC files to rows: ``web_pages`` (scraped responses) and ``cc_documents`` (WET conversions)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from gpt_assets.ingest.rejects import Reject
from gpt_assets.ingest.warc import Damage, Record, iter_records, parse_http

WEB_PAGES_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("record_id", pa.string()),
        ("fetched_at", pa.string()),
        ("http_status", pa.int32()),
        ("content_type", pa.string()),
        ("charset", pa.string()),
        ("is_html", pa.bool_()),
        ("html", pa.string()),  # decoded body of HTML responses; null for other types
        ("body_bytes", pa.int64()),
        ("location", pa.string()),  # redirect target of 3xx responses
        ("source_file", pa.string()),
        ("offset", pa.int64()),
    ]
)

CC_DOCUMENTS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("crawl", pa.string()),
        ("url", pa.string()),
        ("fetched_at", pa.string()),
        ("text", pa.string()),
        ("n_chars", pa.int64()),
        ("source_file", pa.string()),
        ("offset", pa.int64()),
    ]
)

_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def record_uuid(record: Record) -> str:
    return record.header("WARC-Record-ID").strip("<>").removeprefix("urn:uuid:")


def _charset(content_type: str, body: bytes) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    m = _META_CHARSET.search(body[:2048])
    return m.group(1).decode("ascii").lower() if m else "utf-8"


def decode_html(body: bytes, charset: str) -> str:
    """Decode with the declared charset (unknown names fall back to UTF-8), replacing bad bytes."""
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return body.decode(charset, errors="replace")


def _damage(file: str, damage: Damage) -> Reject:
    reason = "truncated_file" if damage.truncates_file else "damaged_warc_record"
    return Reject(file, damage.offset, reason, f"{damage.reason} {damage.detail}".strip())


def _records(path: str | Path, rtype: str) -> Iterator[tuple[Record, str] | Reject | None]:
    """(record, bare target URI) per record of ``rtype``; a Reject per damage or URI-less record; None otherwise."""
    file = str(path)
    for item in iter_records(path):
        if isinstance(item, Damage):
            yield _damage(file, item)
        elif item.type != rtype:
            yield None
        elif not item.target_uri:
            yield Reject(file, item.offset, "missing_target_uri", record_uuid(item))
        else:
            yield item, item.target_uri


def read_web_pages(path: str | Path) -> Iterator[dict | Reject | None]:
    """A row per WARC ``response`` record; None for records of other types (skipped, not lost)."""
    file = str(path)
    for entry in _records(path, "response"):
        if not isinstance(entry, tuple):
            yield entry
            continue
        item, url = entry
        status, headers, body = parse_http(item.block)
        if status is None:
            yield Reject(file, item.offset, "invalid_http_response", url)
            continue
        content_type = headers.get("content-type", "")
        is_html = content_type.split(";")[0].strip().lower() in _HTML_TYPES
        charset = _charset(content_type, body) if is_html else ""
        yield {
            "url": url,
            "record_id": record_uuid(item),
            "fetched_at": item.header("WARC-Date"),
            "http_status": status,
            "content_type": content_type,
            "charset": charset,
            "is_html": is_html,
            "html": decode_html(body, charset) if is_html else None,
            "body_bytes": len(body),
            "location": headers.get("location"),
            "source_file": file,
            "offset": item.offset,
        }


def read_wet(path: str | Path, crawl: str, utf8_bytes: bool = False) -> Iterator[dict | Reject | None]:
    """A row per WET ``conversion`` record; None for warcinfo and other types.

    With ``utf8_bytes`` the ``text`` is the record's payload as it is, checked to be UTF-8, for a writer that stores
    it as an Arrow string: the lake gets the same column without a Python ``str`` made and encoded back per page
    (bench/cc_documents.py: that round trip cost more than FastWARC's whole parse).
    """
    file = str(path)
    for entry in _records(path, "conversion"):
        if not isinstance(entry, tuple):
            yield entry
            continue
        item, url = entry
        try:
            text = item.block.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Reject(file, item.offset, "not_utf8", f"{url}: {exc}")
            continue
        yield {
            "doc_id": record_uuid(item),
            "crawl": crawl,
            "url": url,
            "fetched_at": item.header("WARC-Date"),
            "text": item.block if utf8_bytes else text,
            "n_chars": len(text),
            "source_file": file,
            "offset": item.offset,
        }
