"""Deterministic writers for the landing-zone formats.

- JSONL and JSONL.gz (gzip with mtime 0 and no file name),
- zstd NDJSON with a long window (as Pushshift dumps: a default decoder refuses it),
- WARC/1.0 files gzipped per record: warcinfo, request, response, conversion (WET) records.

The functions are public so that tests can build deliberately broken files with them (wrong
Content-Length, truncated members, bad JSON lines).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import uuid
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import zstandard as zstd

GZIP_LEVEL = 6
ZSTD_LEVEL = 3
ZSTD_WINDOW_LOG = 28  # 256 MiB: above zstd's default decoder limit (2**27), like real Pushshift dumps


# ----------------------------------------------------------------------------------------------- json
def json_line(obj: Any, *, escape_slashes: bool = False) -> bytes:
    """One compact JSON line (ascii, trailing newline); optionally escape '/' as Pushshift does."""
    s = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    if escape_slashes:
        s = s.replace("/", "\\/")
    return s.encode("ascii") + b"\n"


def gzip_bytes(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    """One deterministic gzip member (mtime 0, no file name)."""
    co = zlib.compressobj(level, zlib.DEFLATED, 31)
    return co.compress(data) + co.flush()


class _Closing:
    """Context-manager plumbing shared by the writers: ``with`` closes them."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class GzipWriter(_Closing):
    """Streaming deterministic gzip file (single member, mtime 0, empty file name)."""

    def __init__(self, path: Path, level: int = GZIP_LEVEL) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "wb")  # noqa: SIM115
        self._gz = gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=self._fh, mtime=0)

    def write(self, data: bytes) -> None:
        self._gz.write(data)

    def close(self) -> None:
        self._gz.close()
        self._fh.close()


def write_jsonl(path: Path, rows: Iterable[Any]) -> int:
    """Write rows as JSON lines (utf-8, unescaped non-ascii); return the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "wb") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
            n += 1
    return n


def write_jsonl_gz(path: Path, rows: Iterable[Any]) -> int:
    """Write rows as gzip JSON lines (deterministic); return the count."""
    n = 0
    with GzipWriter(path) as w:
        buf: list[bytes] = []
        for row in rows:
            buf.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
            n += 1
            if len(buf) >= 1024:
                w.write(b"".join(buf))
                buf.clear()
        w.write(b"".join(buf))
    return n


# ----------------------------------------------------------------------------------------------- zstd
def zstd_params(level: int = ZSTD_LEVEL, window_log: int = ZSTD_WINDOW_LOG) -> zstd.ZstdCompressionParameters:
    """Long-window, long-distance-matching parameters (single-threaded, so output is deterministic)."""
    return zstd.ZstdCompressionParameters.from_level(level, window_log=window_log, enable_ldm=True, threads=0)


class ZstdWriter(_Closing):
    """Streaming zstd file (one frame, no content size, long window)."""

    def __init__(self, path: Path, level: int = ZSTD_LEVEL, window_log: int = ZSTD_WINDOW_LOG) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "wb")  # noqa: SIM115
        cctx = zstd.ZstdCompressor(compression_params=zstd_params(level, window_log))
        self._w = cctx.stream_writer(self._fh, closefd=False)
        self._buf: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        self._buf.append(data)
        self._size += len(data)
        if self._size > 1 << 20:
            self._flush()

    def _flush(self) -> None:
        self._w.write(b"".join(self._buf))
        self._buf.clear()
        self._size = 0

    def close(self) -> None:
        self._flush()
        self._w.close()
        self._fh.close()


def read_zstd(path: Path, max_window_size: int = 2**31) -> bytes:
    """Decompress a whole (long-window) zstd file."""
    with open(path, "rb") as fh:
        return zstd.ZstdDecompressor(max_window_size=max_window_size).stream_reader(fh).read()


# ----------------------------------------------------------------------------------------------- WARC
def warc_date(ts: int) -> str:
    """WARC-Date for a unix timestamp: 2017-10-16T03:22:59Z."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(ts: int) -> str:
    """HTTP Date header value: Mon, 16 Oct 2017 03:22:59 GMT."""
    return datetime.fromtimestamp(ts, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def new_record_id(rng: random.Random) -> str:
    """<urn:uuid:...> from a seeded rng (uuid4 layout)."""
    return f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"


def sha1_b32(data: bytes) -> str:
    """'sha1:' + base32 digest, as WARC-Block-Digest / WARC-Payload-Digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_record(headers: Sequence[tuple[str, str]], block: bytes, content_length: int | None = None) -> bytes:
    """Serialize one WARC/1.0 record: headers (without Content-Length), block, trailing CRLFCRLF.

    `content_length` overrides the true length (for deliberately broken test files).
    """
    n = len(block) if content_length is None else content_length
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + f"Content-Length: {n}\r\n\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


def warcinfo_record(rng: random.Random, filename: str, ts: int, fields: Sequence[tuple[str, str]]) -> bytes:
    """A warcinfo record with application/warc-fields."""
    block = "".join(f"{k}: {v}\r\n" for k, v in fields).encode("utf-8") + b"\r\n"
    headers = [
        ("WARC-Type", "warcinfo"),
        ("WARC-Date", warc_date(ts)),
        ("WARC-Filename", filename),
        ("WARC-Record-ID", new_record_id(rng)),
        ("Content-Type", "application/warc-fields"),
    ]
    return warc_record(headers, block)


def http_response(status: int, reason: str, headers: Sequence[tuple[str, str]], body: bytes) -> bytes:
    """HTTP/1.1 response bytes; Content-Length added from the body."""
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode("latin-1") + body


def http_request(
    url_host: str, path: str, user_agent: str = "Mozilla/5.0 (compatible; scraper/1.0)"
) -> bytes:
    """A GET request block."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {url_host}\r\nUser-Agent: {user_agent}\r\n"
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
        "Accept-Encoding: identity\r\nConnection: close\r\n\r\n"
    ).encode("latin-1")


def request_record(record_id: str, url: str, ts: int, block: bytes, warcinfo_id: str | None = None) -> bytes:
    """A WARC request record."""
    headers = [
        ("WARC-Type", "request"),
        ("WARC-Target-URI", url),
        ("WARC-Date", warc_date(ts)),
        ("WARC-Record-ID", record_id),
    ]
    if warcinfo_id:
        headers.append(("WARC-Warcinfo-ID", warcinfo_id))
    headers += [("Content-Type", "application/http; msgtype=request"), ("WARC-Block-Digest", sha1_b32(block))]
    return warc_record(headers, block)


def response_record(
    record_id: str,
    url: str,
    ts: int,
    http_block: bytes,
    *,
    concurrent_to: str | None = None,
    warcinfo_id: str | None = None,
    ip: str | None = None,
    content_length: int | None = None,
) -> bytes:
    """A WARC response record around a full HTTP response (status line, headers, body)."""
    payload = http_block.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in http_block else b""
    headers = [
        ("WARC-Type", "response"),
        ("WARC-Target-URI", url),
        ("WARC-Date", warc_date(ts)),
        ("WARC-Record-ID", record_id),
    ]
    if warcinfo_id:
        headers.append(("WARC-Warcinfo-ID", warcinfo_id))
    if concurrent_to:
        headers.append(("WARC-Concurrent-To", concurrent_to))
    if ip:
        headers.append(("WARC-IP-Address", ip))
    headers += [
        ("Content-Type", "application/http; msgtype=response"),
        ("WARC-Payload-Digest", sha1_b32(payload)),
        ("WARC-Block-Digest", sha1_b32(http_block)),
    ]
    return warc_record(headers, http_block, content_length)


def conversion_record(
    record_id: str, url: str, ts: int, refers_to: str, text: str, content_length: int | None = None
) -> bytes:
    """A WET conversion record (header order as Common Crawl writes it)."""
    block = text.encode("utf-8")
    headers = [
        ("WARC-Type", "conversion"),
        ("WARC-Target-URI", url),
        ("WARC-Date", warc_date(ts)),
        ("WARC-Record-ID", record_id),
        ("WARC-Refers-To", refers_to),
        ("WARC-Block-Digest", sha1_b32(block)),
        ("Content-Type", "text/plain"),
    ]
    return warc_record(headers, block, content_length)


class WarcGzWriter(_Closing):
    """Appends records as separate gzip members (like Common Crawl); tracks member offsets."""

    def __init__(self, path: Path, level: int = GZIP_LEVEL) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.level = level
        self._fh: IO[bytes] = open(path, "wb")  # noqa: SIM115
        self.offset = 0
        self.records = 0

    def write(self, record: bytes) -> int:
        """Write one record as its own gzip member; return the member's byte offset."""
        start = self.offset
        member = gzip_bytes(record, self.level)
        self._fh.write(member)
        self.offset += len(member)
        self.records += 1
        return start

    def close(self) -> None:
        self._fh.close()
