"""Small builders of raw files for reader tests (valid and deliberately broken)."""

from __future__ import annotations

import gzip
import io
import json
import uuid

import zstandard


def warc_record(rtype: str, url: str, block: bytes, extra: dict[str, str] | None = None,
                length: int | None = None) -> bytes:
    """One WARC/1.0 record; ``length`` overrides the true Content-Length (to make it lie)."""
    headers = {
        "WARC-Type": rtype,
        "WARC-Target-URI": url,
        "WARC-Date": "2017-10-01T00:00:00Z",
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url + rtype)}>",
        **(extra or {}),
        "Content-Length": str(len(block) if length is None else length),
    }
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def wet(url: str, text: str, length: int | None = None) -> bytes:
    return warc_record("conversion", url, text.encode(), {"Content-Type": "text/plain"}, length)


def response(url: str, html: str, status: int = 200, ctype: str = "text/html; charset=utf-8") -> bytes:
    body = html.encode()
    http = f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    return warc_record("response", url, http, {"Content-Type": "application/http; msgtype=response"})


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def members(*records: bytes) -> bytes:
    """A gzip-per-record file, as Common Crawl writes them."""
    return b"".join(gz(r) for r in records)


def submission(i: int, **over) -> dict:
    base = {"id": f"s{i}", "author": f"user{i % 7}", "subreddit": "news", "created_utc": 1506816000 + i,
            "score": i % 10, "url": f"https://example.com/a/{i}", "domain": "example.com", "is_self": False,
            "title": f"title {i}", "selftext": "", "over_18": False, "permalink": f"/r/news/comments/s{i}/",
            "num_comments": 3}
    base.update(over)
    return base


def ndjson(objs: list[dict | bytes]) -> bytes:
    return b"".join((o if isinstance(o, bytes) else json.dumps(o).encode()) + b"\n" for o in objs)


def zst_long(data: bytes) -> bytes:
    """zstd with a 256 MiB window and no content size, like Pushshift's --long dumps."""
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=28, enable_ldm=True,
                                                            write_content_size=False)
    out = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as w:
        w.write(data)
    return out.getvalue()
