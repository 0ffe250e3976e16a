"""Resilient streaming reader for gzip-per-record WARC and WET files.

FastWARC and warcio both stop at the first corrupt gzip member or lying
Content-Length and lose the rest of the file (measured in bench/ingest.py).
So reading is two-speed: FastWARC parses the file (3x warcio's speed, see
bench/RESULTS.md) and, at the first sign of damage, a resilient reader takes
over from the last good record.  The resilient reader decompresses member by
member with zlib, parses each record from its header and Content-Length, and
on damage yields a :class:`Damage` (position and reason) and resynchronises
on the next gzip member or the next ``WARC/1.x`` line.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 18
_FEED = 1 << 15
_MAX_HEADER = 64 * 1024
_WARC_LINE = re.compile(rb"(?:^|\n)WARC/1\.[01]\r?\n")


@dataclass
class Record:
    """One WARC record: its headers (case as written) and block bytes."""

    offset: int  # compressed offset of the gzip member, or byte offset in a plain file
    index: int  # ordinal of the record in its file (0-based, damaged ones counted)
    headers: dict[str, str]
    block: bytes

    @property
    def type(self) -> str:
        return self.headers.get("WARC-Type", "")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    @property
    def target_uri(self) -> str:
        """``WARC-Target-URI`` without the angle brackets that wget writes (``<https://…>``)."""
        return target_uri(self.header("WARC-Target-URI"))


def target_uri(value: str) -> str:
    """A target URI as a bare URL: WARC 1.0's ``<uri>`` form (written by wget) loses its brackets."""
    value = value.strip()
    return value[1:-1].strip() if value.startswith("<") and value.endswith(">") else value


TRUNCATED = "truncated gzip member (the file ends inside it)"


@dataclass
class Damage:
    """A stretch of the file that could not be read as a record."""

    offset: int
    index: int
    reason: str
    detail: str = ""

    @property
    def truncates_file(self) -> bool:
        return self.reason == TRUNCATED


class _Inflater:
    """Decompressed bytes of a gzip file, member by member, resyncing on corrupt members."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.pending = b""  # compressed bytes not yet fed
        self.offset = 0  # compressed offset of pending[0]
        self.eof = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.pending += chunk
        return True

    def members(self) -> Iterator[tuple[int, bytes, str]]:
        """Yield (compressed offset, decompressed bytes, error or "") per gzip member."""
        while True:
            while len(self.pending) < len(GZIP_MAGIC) and self._fill():
                pass
            if not self.pending:
                return
            start = self.offset
            if not self.pending.startswith(GZIP_MAGIC):
                yield start, b"", "not a gzip member"
                self._resync(start)
                continue
            d = zlib.decompressobj(31)
            out: list[bytes] = []
            error = ""
            pos = 0  # feed small slices: zlib copies everything after the member into unused_data
            while True:
                piece = self.pending[pos : pos + _FEED]
                try:
                    out.append(d.decompress(piece))
                except zlib.error as exc:
                    error = f"corrupt gzip member: {exc}"
                    break
                if d.eof:
                    pos += len(piece) - len(d.unused_data)
                    break
                pos += len(piece)
                if pos >= len(self.pending):
                    self.offset += pos
                    self.pending, pos = b"", 0
                    if not self._fill():
                        error = TRUNCATED
                        break
            self.offset += pos
            self.pending = self.pending[pos:]
            yield start, b"".join(out), error
            if error:
                self._resync(start)

    def _resync(self, start: int) -> None:
        """Drop bytes up to the next gzip magic after the member that began at ``start``."""
        skip = 1 if self.offset == start else 0
        while True:
            i = self.pending.find(GZIP_MAGIC, skip)
            if i >= 0:
                self.offset += i
                self.pending = self.pending[i:]
                return
            drop = max(0, len(self.pending) - (len(GZIP_MAGIC) - 1))
            self.offset += drop
            self.pending = self.pending[drop:]
            skip = 0
            if not self._fill():
                self.offset += len(self.pending)
                self.pending = b""
                return


def _parse_records(data: bytes, base_offset: int, first_index: int) -> Iterator[Record | Damage]:
    """Parse the records in one decompressed member (usually exactly one)."""
    pos = 0
    index = first_index
    n = len(data)
    while pos < n:
        # Skip blank lines between records.
        while pos < n and data[pos : pos + 1] in (b"\r", b"\n"):
            pos += 1
        if pos >= n:
            return
        head_end = data.find(b"\r\n\r\n", pos, pos + _MAX_HEADER)
        sep = 4
        if head_end < 0:
            head_end = data.find(b"\n\n", pos, pos + _MAX_HEADER)
            sep = 2
        if head_end < 0 or not data.startswith(b"WARC/1.", pos):
            yield Damage(base_offset, index, "invalid WARC header", data[pos : pos + 60].decode("latin-1"))
            index += 1
            nxt = _next_warc_line(data, pos + 1)
            if nxt is None:
                return
            pos = nxt
            continue
        headers = _parse_headers(data[pos:head_end])
        uri = target_uri(headers.get("WARC-Target-URI", ""))
        block_start = head_end + sep
        try:
            length = int(headers.get("Content-Length", ""))
        except ValueError:
            yield Damage(base_offset, index, "missing or invalid Content-Length", uri)
            index += 1
            nxt = _next_warc_line(data, block_start)
            if nxt is None:
                return
            pos = nxt
            continue
        block_end = block_start + length
        tail = data[block_end : block_end + 4]
        if block_end > n:
            yield Damage(base_offset, index, "record shorter than its Content-Length",
                         f"{uri} declared {length}, has {n - block_start}")
            return
        if tail not in (b"\r\n\r\n", b"\n\n", b"\r\n", b"\n") and not (tail == b"" and block_end == n):
            yield Damage(base_offset, index, "Content-Length does not match the record",
                         f"{uri} declared {length}")
            index += 1
            nxt = _next_warc_line(data, block_start)
            if nxt is None:
                return
            pos = nxt
            continue
        yield Record(base_offset, index, headers, data[block_start:block_end])
        index += 1
        pos = block_end


def _next_warc_line(data: bytes, start: int) -> int | None:
    m = _WARC_LINE.search(data, start)
    if m is None:
        return None
    return m.start() + (1 if data[m.start() : m.start() + 1] == b"\n" else 0)


def _parse_headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in raw.decode("utf-8", "replace").splitlines()[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return headers


def iter_records(path: str | Path, fast: bool = True) -> Iterator[Record | Damage]:
    """Stream the records of a ``.warc.gz`` / ``.warc.wet.gz`` file, with damage reports.

    Memory is bounded by the largest record.  With ``fast`` the file is parsed by
    FastWARC until it meets damage; the resilient reader then re-reads the file and
    goes on after the records already given.
    """
    done = 0
    if fast:
        try:
            for record in _iter_fastwarc(path):
                yield record
                done += 1
            return
        except _Damaged:
            pass
    for item in iter_records_resilient(path):
        if item.index >= done:
            yield item


class _Damaged(Exception):
    """FastWARC met something it cannot read: hand over to the resilient reader."""


def _iter_fastwarc(path: str | Path) -> Iterator[Record]:
    """FastWARC, one record behind: a record is given only once the next one parsed cleanly."""
    from fastwarc.warc import ArchiveIterator

    held: Record | None = None
    index = 0
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(GZIP_MAGIC))
            if head and not head.startswith(GZIP_MAGIC):
                raise _Damaged
            fh.seek(0)
            for r in ArchiveIterator(fh, parse_http=False, fsspec_args=False):
                block = r.reader.read()
                if len(block) != r.content_length:
                    raise _Damaged
                headers = dict(r.headers.items())
                if "Content-Length" not in headers:
                    raise _Damaged
                if held is not None:
                    yield held
                held = Record(r.stream_pos, index, headers, block)
                index += 1
    except OSError as exc:
        raise _Damaged from exc
    if held is not None:
        if not _tail_is_clean(path, held):
            raise _Damaged
        yield held


def _tail_is_clean(path: str | Path, last: Record) -> bool:
    """FastWARC does not notice a file cut inside its last gzip member: re-read that member."""
    with open(path, "rb") as fh:
        fh.seek(last.offset)
        members = list(_Inflater(fh).members())
    if len(members) != 1 or members[0][2]:
        return False
    items = list(_parse_records(members[0][1], last.offset, last.index))
    return len(items) == 1 and isinstance(items[0], Record) and items[0].block == last.block


def iter_records_resilient(path: str | Path) -> Iterator[Record | Damage]:
    """The resilient reader alone (see the module docstring).

    A damaged gzip member gives the complete records it still holds and one
    :class:`Damage` for the rest.
    """
    index = 0
    with open(path, "rb") as fh:
        for offset, data, error in _Inflater(fh).members():
            for item in _parse_records(data, offset, index) if data else ():
                if error and isinstance(item, Damage):
                    continue  # the member's own error below speaks for its cut-off record
                index += 1
                yield item
            if error:
                yield Damage(offset, index, error)
                index += 1


def parse_http(block: bytes) -> tuple[int | None, dict[str, str], bytes]:
    """Split an HTTP response block into (status, lower-cased headers, body)."""
    head, sep, body = block.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = block.partition(b"\n\n")
    lines = head.decode("latin-1").splitlines()
    status: int | None = None
    if lines and lines[0].startswith("HTTP/"):
        parts = lines[0].split()
        if len(parts) > 1 and parts[1].isdigit():
            status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return status, headers, body
