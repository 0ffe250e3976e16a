"""The lake: Parquet per asset and partition under ``<data>/lake/<asset>/``, written atomically.

Writers stream record batches (never a whole dump in memory) to a temporary file
and rename it into place on success, so readers and catalog views never see a
half-written part.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

UNPARTITIONED = "all"
_SAFE = re.compile(r"^[A-Za-z0-9_.=-]+$")


def part_name(partition: str | None) -> str:
    key = partition or UNPARTITIONED
    if not _SAFE.match(key):
        raise ValueError(f"partition key {key!r} is not safe as a file name")
    return key


class PartWriter:
    """Stream rows into ``<dir>/<partition>.parquet``; the file appears only on clean exit."""

    def __init__(self, path: Path, schema: pa.Schema, batch_rows: int = 20_000, batch_bytes: int = 64 << 20):
        """Rows are buffered and written as one row group at ``batch_rows`` rows or ``batch_bytes`` of text
        (the ``str``/``bytes`` values), whichever comes first: memory is bounded by the batch however long the pages.
        """
        self.path = path
        self.schema = schema
        self.batch_rows = batch_rows
        self.batch_bytes = batch_bytes
        self.rows = 0
        self._buf: list[dict] = []
        self._bytes = 0
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._writer: pq.ParquetWriter | None = None
        # one row group is encoded and compressed on a thread (Arrow's writer releases the GIL) while the next batch
        # is read: at most two batches in memory
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def __enter__(self) -> PartWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="part-writer")
        return self

    def _submit(self, table: pa.Table) -> None:
        """Write ``table`` as the next row group on the writer thread, once the one before it is written."""
        self._wait()
        assert self._pool is not None and self._writer is not None
        self._pending = self._pool.submit(self._writer.write_table, table)

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # a failed write raises here

    def write(self, row: dict) -> None:
        self._buf.append(row)
        self._bytes += sum(len(v) for v in row.values() if isinstance(v, str | bytes))
        if len(self._buf) >= self.batch_rows or self._bytes >= self.batch_bytes:
            self.flush()

    def write_many(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self.write(row)

    def write_table(self, table: pa.Table) -> None:
        """Write a batch that is already a table of this schema (after any buffered rows)."""
        self.flush()
        if table.num_rows and self._writer is not None:
            self._submit(table)
            self.rows += table.num_rows

    def flush(self) -> None:
        if self._buf and self._writer is not None:
            # column lists, then one table (a key a row lacks is null, as with Table.from_pylist): 20k rows of 10 KB
            # texts 0.65 -> 0.14 s; WET ingestion end to end is the same either way (146 vs 148 MB/s)
            columns = {name: [row.get(name) for row in self._buf] for name in self.schema.names}
            self._submit(pa.Table.from_pydict(columns, schema=self.schema))
            self.rows += len(self._buf)
            self._buf = []
            self._bytes = 0

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        done = False
        try:
            if exc_type is None:
                self.flush()
                self._wait()
                done = True
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            if self._writer is not None:
                self._writer.close()
            if done:
                os.replace(self._tmp, self.path)
            else:
                self._tmp.unlink(missing_ok=True)


class Lake:
    """Paths and I/O of the lake under one data root."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.raw = self.root / "raw"
        self.dir = self.root / "lake"
        self.catalog = self.root / "warehouse.duckdb"
        self.checkpoints = self.root / "checkpoints"

    def table_dir(self, asset: str) -> Path:
        return self.dir / asset

    def part_path(self, asset: str, partition: str | None = None, sub: str | None = None) -> Path:
        base = self.table_dir(asset) / sub if sub else self.table_dir(asset)
        return base / f"{part_name(partition)}.parquet"

    def writer(self, asset: str, schema: pa.Schema, partition: str | None = None,
               sub: str | None = None) -> PartWriter:
        return PartWriter(self.part_path(asset, partition, sub), schema)

    def write_frame(self, asset: str, frame: pl.DataFrame, partition: str | None = None,
                    sub: str | None = None) -> Path:
        path = self.part_path(asset, partition, sub)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        frame.write_parquet(tmp, compression="zstd")
        os.replace(tmp, path)
        return path

    def glob(self, asset: str) -> str:
        """The glob a catalog view reads: every part, at any depth, of the asset."""
        return str(self.table_dir(asset) / "**" / "*.parquet")

    def drop_parts(self, asset: str) -> None:
        """Remove every part of an asset (before writing a new set whose partition names may differ)."""
        for part in self.parts(asset):
            part.unlink()

    def parts(self, asset: str) -> list[Path]:
        d = self.table_dir(asset)
        return sorted(p for p in d.rglob("*.parquet") if not p.name.startswith(".")) if d.exists() else []

    def scan(self, asset: str, partition: str | None = None) -> pl.LazyFrame:
        """A lazy frame over all parts (or one partition's part) of an asset."""
        if partition is not None:
            return pl.scan_parquet(self.part_path(asset, partition))
        parts = self.parts(asset)
        if not parts:
            raise FileNotFoundError(f"no parts of {asset!r} under {self.table_dir(asset)}: materialize it first")
        return pl.scan_parquet(parts)


def parquet_rows(path: Path) -> int:
    """Rows of a Parquet file, from its footer (0 when there is no such file)."""
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else 0


def _out_of_core(memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that spills past ``memory_limit`` to a folder under the system's temporary folder (never
    the working directory), on one thread."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET threads = 1")
    con.execute("SET temp_directory = $dir", {"dir": str(Path(tempfile.gettempdir()) / "gpt-assets-duckdb")})
    return con


def duplicate_keys(paths: Iterable[Path], columns: Iterable[str], memory_limit: str = "1GB") -> int:
    """Rows of these Parquet files beyond the first with the same key (0 = unique on ``columns``).

    DuckDB counts out of core: past ``memory_limit`` its hash aggregate spills to a directory under the system's
    temporary folder (never the working directory), so a partition of any size is checked in bounded memory.
    """
    files = [str(p) for p in paths]
    if not files:
        return 0
    key = ", ".join(f'"{c}"' for c in columns)
    with _out_of_core(memory_limit) as con:
        return int(con.execute(f"SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT {key} FROM "
                               "read_parquet($files))) FROM read_parquet($files)", {"files": files}).fetchone()[0])



def gather(plan: pl.DataFrame, paths: Iterable[Path], on: list[str], columns: list[str], out: Path,
           memory_limit: str = "1GB") -> int:
    """Write ``out``: for each row of ``plan`` (the ``on`` keys and any columns of its own), in plan order, the
    matching row's ``columns`` from these Parquet files; returns the rows written.

    DuckDB joins and orders out of core (past ``memory_limit`` it spills under the system's temporary folder), so
    a selection over a corpus of any size is written in bounded memory, texts never all in memory at once.
    """
    files = [str(p) for p in paths]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    keys = " AND ".join(f'p."{c}" = d."{c}"' for c in on)
    own = [c for c in plan.columns if c not in on and c != "_pos"]
    select = ", ".join([*(f'p."{c}"' for c in on), *(f'd."{c}"' for c in columns), *(f'p."{c}"' for c in own)])
    with _out_of_core(memory_limit) as con:
        con.register("plan_rows", plan.with_row_index("_pos").to_arrow())
        con.execute(f"COPY (SELECT {select} FROM plan_rows p JOIN read_parquet($files) d ON {keys} ORDER BY p._pos) "
                    f"TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)", {"files": files})
    os.replace(tmp, out)
    return parquet_rows(out)
