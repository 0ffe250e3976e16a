"""The DuckDB catalog ``warehouse.duckdb``: one VIEW per table asset over its Parquet parts.

Views read a glob, so a new partition shows up without touching the catalog; the
catalog is opened for writing only when a view is new or changed, and only for
the milliseconds that takes, so readers (the CLI, a notebook) can query while a
run writes.  Both sides retry while the other holds the file lock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import duckdb

T = TypeVar("T")
_LOCK_WORDS = ("lock", "Conflicting", "being used")
_MISSING_TABLE = re.compile(r"Table with name (.+?) does not exist")


def _retry(fn: Callable[[], T], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return fn()
        except duckdb.IOException as exc:
            if not any(w in str(exc) for w in _LOCK_WORDS) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def view_sql(name: str, glob: str, where: tuple[str, str] | None = None) -> str:
    """A view over a Parquet glob; ``where`` = (column, value) keeps the rows with that value."""
    sql = f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet({_quoted(glob)}, union_by_name = true)'
    return sql + (f' WHERE "{where[0]}" = {_quoted(where[1])}' if where else "")


def _current_views(path: Path, timeout: float) -> dict[str, str]:
    if not path.exists():
        return {}

    def read() -> dict[str, str]:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall()
        return {name: sql for name, sql in rows}

    return _retry(read, timeout)


def refresh_views(path: str | Path, views: Mapping[str, str], timeout: float = 30.0,
                  where: Mapping[str, tuple[str, str]] | None = None) -> list[str]:
    """Create or replace the views ``{name: parquet glob}`` that are missing or differ; return their names.
    ``where`` gives a view a row filter, ``{name: (column, value)}``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    where = where or {}
    wanted = {name: view_sql(name, glob, where.get(name)) for name, glob in views.items()}
    current = _current_views(path, timeout)
    # DuckDB re-renders the stored SQL; the quoted glob (and filter value) inside it is what must match.
    stale = [n for n, glob in views.items()
             if _quoted(glob) not in current.get(n, "") or (n in where and _quoted(where[n][1]) not in current[n])]
    if not stale:
        return []

    def write() -> None:
        with duckdb.connect(str(path)) as con:
            for name in stale:
                con.execute(wanted[name])

    _retry(write, timeout)
    return stale


def _quoted(glob: str) -> str:
    return "'" + glob.replace("'", "''") + "'"


def connect_read_only(path: str | Path, timeout: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A read-only connection, waiting while a writer briefly holds the file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no catalog at {path}: run `gpt-assets run` (or `make demo`) first")
    return _retry(lambda: duckdb.connect(str(path), read_only=True), timeout)


def query(path: str | Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run one query on the catalog and return (column names, rows)."""
    with connect_read_only(path) as con:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()


def view_names(path: str | Path, timeout: float = 30.0) -> list[str]:
    """The views in the catalog (none when it does not exist yet)."""
    return sorted(_current_views(Path(path), timeout))


def missing_table(exc: duckdb.Error) -> str | None:
    """The table a query named that the catalog does not have, if that is what ``exc`` says."""
    m = _MISSING_TABLE.search(str(exc)) if isinstance(exc, duckdb.CatalogException) else None
    return m.group(1) if m else None


def error_line(exc: duckdb.Error) -> str:
    """DuckDB's message on one line, without the echoed query and its caret."""
    lines = []
    for line in str(exc).splitlines():
        if line.startswith("LINE "):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines) or type(exc).__name__
