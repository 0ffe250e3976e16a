"""Write gzip-per-record WARC/1.0 files atomically: a file appears in the landing zone only once complete.

Records are written to a temporary file outside ``raw/`` and renamed into place on
:meth:`WarcWriter.commit`, so a killed scrape never leaves a half-written
``.warc.gz`` for ``web_pages`` to call damaged.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import uuid
from datetime import datetime
from pathlib import Path


def warc_date(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def record_bytes(rtype: str, block: bytes, headers: dict[str, str], record_id: str) -> bytes:
    """One WARC/1.0 record (headers in a stable order, Content-Length last), uncompressed."""
    head = {"WARC-Type": rtype, "WARC-Record-ID": record_id, **headers,
            "WARC-Block-Digest": _digest(block), "Content-Length": str(len(block))}
    text = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n"
    return text.encode("utf-8") + block + b"\r\n\r\n"


class WarcWriter:
    """One output file: ``tmp`` while open, renamed to ``final`` by :meth:`commit`."""

    def __init__(self, final: Path, tmp: Path):
        self.final, self.tmp = final, tmp
        self.records = 0
        self.bytes = 0
        tmp.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(tmp, "wb")  # closed in commit/abort

    def write(self, rtype: str, block: bytes, headers: dict[str, str], record_id: str | None = None) -> str:
        rid = record_id or new_record_id()
        data = gzip.compress(record_bytes(rtype, block, headers, rid), compresslevel=6, mtime=0)
        self._fh.write(data)
        self.records += 1
        self.bytes += len(data)
        return rid

    def commit(self) -> Path:
        """Flush to disk and rename into place."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self.final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        self._fh.close()
        self.tmp.unlink(missing_ok=True)


def payload_digest(body: bytes) -> str:
    return _digest(body)


def warcinfo_block(fields: dict[str, str]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode("utf-8")
