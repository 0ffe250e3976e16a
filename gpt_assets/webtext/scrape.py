"""The WebText scrape (GPT-2 §2.1: "we scraped all outbound links from Reddit ... which received at least 3 karma").

Fetches the pages of ``webtext_links`` into gzip-per-record WARC files in
``raw/webpages/`` (``scrape-<UTC time>-<run>-<part>.warc.gz``), which ``web_pages``
ingests like any other WARC.  A fetched link is its chain of ``response`` records
(each redirect hop, then the 2xx page); a skipped link writes nothing and gets its
reason.  Every link gets exactly one outcome row:

- ``fetched`` (this run or an earlier one), ``skipped`` (with ``reason``),
- ``present`` (a WARC not written by the scraper already holds the page),
- ``not_attempted`` (beyond ``max_links``).

Links are fetched by a thread pool (global concurrency), politely and safely:
:mod:`gpt_assets.webtext.crawler` (robots.txt, per-host limits, retries) over
:mod:`gpt_assets.webtext.safefetch` (SSRF refusals, size and time caps).

Resumable: outcomes are appended to ``<state>/progress.jsonl`` after the WARC part
holding their pages is renamed into place; a rerun skips the links recorded there
and those whose pages any other WARC under ``raw/webpages/`` holds.  A kill loses
at most the open part (``links_per_file`` links), never leaves a damaged file.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from gpt_assets.ingest.landing import files_of
from gpt_assets.ingest.warc import Record, iter_records
from gpt_assets.webtext.crawler import USER_AGENT, Fetcher, LinkResult, ScrapeSettings, interleave_by_host
from gpt_assets.webtext.safefetch import Exchange
from gpt_assets.webtext.urls import normalize_url
from gpt_assets.webtext.warcout import WarcWriter, new_record_id, payload_digest, warc_date, warcinfo_block

__all__ = ["USER_AGENT", "OUTCOME_SCHEMA", "ScrapeReport", "ScrapeSettings", "load_progress", "pages_present",
           "scrape", "state_dir"]

OUTCOME_SCHEMA = {
    "url_key": pl.String, "url": pl.String, "outcome": pl.String, "reason": pl.String, "detail": pl.String,
    "http_status": pl.Int32, "final_url": pl.String, "redirects": pl.Int32, "ip": pl.String,
    "body_bytes": pl.Int64, "attempts": pl.Int32, "fetched_at": pl.String, "warc_file": pl.String, "run": pl.String,
}




# --- resumability -------------------------------------------------------------------------------------------------


def state_dir(root: Path) -> Path:
    """Where the scrape keeps its progress, lock and open part: ``<data root>/state/webtext_scrape/``."""
    return Path(root) / "state" / "webtext_scrape"


def load_progress(path: Path) -> dict[str, dict]:
    """The outcome rows committed by earlier runs, by url_key (the last one wins; a torn last line is ignored)."""
    rows: dict[str, dict] = {}
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("url_key"):
            rows[row["url_key"]] = row
    return rows


def _mend_progress(path: Path) -> None:
    """End a line torn by a kill, so that the next append starts a line of its own."""
    if path.exists() and path.stat().st_size:
        with open(path, "rb+") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                fh.write(b"\n")


def _append_progress(path: Path, rows: list[dict]) -> None:
    if not rows:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        fh.flush()
        os.fsync(fh.fileno())


def pages_present(raw: Path, exclude: set[str] = frozenset()) -> set[str]:
    """url_keys of the response records in the WARCs under ``raw/webpages/`` (files named in ``exclude`` skipped)."""
    keys: set[str] = set()
    for f in files_of(raw, "webpages"):
        if _rel(raw, f.path) in exclude:
            continue
        for item in iter_records(f.path):
            if isinstance(item, Record) and item.type == "response":
                key = normalize_url(item.header("WARC-Target-URI"))
                if key:
                    keys.add(key)
    return keys


def _rel(raw: Path, path: Path) -> str:
    return path.relative_to(raw).as_posix()


@contextmanager
def _exclusive(state: Path) -> Iterator[None]:
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeError(f"another webtext scrape is running (it holds {state / 'lock'})") from exc
        yield


# --- output -------------------------------------------------------------------------------------------------------


def _row(key: str, url: str, outcome: str, run: str, reason: str = "", detail: str = "", **extra) -> dict:
    row = {name: None for name in OUTCOME_SCHEMA}
    row.update(url_key=key, url=url, outcome=outcome, reason=reason, detail=detail, run=run, **extra)
    return row


class _Part:
    """One WARC part and the outcomes it commits."""

    def __init__(self, raw: Path, state: Path, name: str, settings: ScrapeSettings):
        self.raw, self.state, self.name, self.s = raw, state, name, settings
        self.rel = f"webpages/{name}"
        self.rows: list[dict] = []
        self.writer: WarcWriter | None = None
        self.info_id = ""

    def _open(self) -> WarcWriter:
        if self.writer is None:
            self.writer = WarcWriter(self.raw / self.rel, self.state / "tmp" / f"{self.name}.tmp")
            info = {"software": self.s.user_agent.split(" ", 1)[0], "format": "WARC File Format 1.0",
                    "robots": "obey", "http-header-user-agent": self.s.user_agent,
                    "description": "WebText scrape: outbound Reddit links (GPT-2 §2.1)"}
            self.info_id = self.writer.write("warcinfo", warcinfo_block(info), {
                "WARC-Date": warc_date(datetime.now(UTC)), "WARC-Filename": self.name,
                "Content-Type": "application/warc-fields"})
        return self.writer

    def add(self, key: str, url: str, result: LinkResult, run: str) -> dict:
        if not result.ok:
            last = result.chain[-1] if result.chain else None
            row = _row(key, url, "skipped", run, result.reason, result.detail, attempts=result.attempts,
                       http_status=last.status if last else None, final_url=last.url if last else None,
                       redirects=max(0, len(result.chain) - 1))
        else:
            writer = self._open()
            for ex in result.chain:
                self._write_exchange(writer, ex)
            final = result.chain[-1]
            row = _row(key, url, "fetched", run, http_status=final.status, final_url=final.url,
                       redirects=len(result.chain) - 1, ip=final.ip, body_bytes=len(final.body),
                       attempts=result.attempts, fetched_at=warc_date(result.chain[0].started), warc_file=self.rel)
        self.rows.append(row)
        return row

    def _write_exchange(self, writer: WarcWriter, ex: Exchange) -> None:
        common = {"WARC-Date": warc_date(ex.started), "WARC-Target-URI": ex.url, "WARC-IP-Address": ex.ip,
                  "WARC-Warcinfo-ID": self.info_id}
        response_id = new_record_id()
        writer.write("response", ex.http_block(), {
            **common, "Content-Type": "application/http; msgtype=response",
            "WARC-Payload-Digest": payload_digest(ex.body)}, response_id)
        if self.s.write_requests:
            writer.write("request", ex.request, {**common, "Content-Type": "application/http; msgtype=request",
                                                 "WARC-Concurrent-To": response_id})

    def commit(self) -> str | None:
        """Rename the WARC into place, then record the outcomes; the file's landing-zone path, if any."""
        path = None
        if self.writer is not None:
            self.writer.commit()
            path = self.rel
        _append_progress(self.state / "progress.jsonl", self.rows)
        return path

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()


@dataclass
class ScrapeReport:
    outcomes: list[dict]  # one per link
    files: list[str] = field(default_factory=list)  # landing-zone paths written this run
    attempted: int = 0
    fetched_now: int = 0
    warc_bytes: int = 0
    body_bytes: int = 0
    seconds: float = 0.0

    @property
    def pages_per_s(self) -> float:
        return self.fetched_now / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.outcomes:
            out[row["outcome"]] = out.get(row["outcome"], 0) + 1
        return out

    def skipped_now(self) -> dict[str, int]:
        """Skip reasons of the links attempted this run."""
        out: dict[str, int] = {}
        for row in self.outcomes[: self.attempted]:
            if row["outcome"] == "skipped":
                out[row["reason"]] = out.get(row["reason"], 0) + 1
        return dict(sorted(out.items()))

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.outcomes, schema=OUTCOME_SCHEMA).sort("url_key")


def _safe_fetch(fetcher: Fetcher, url: str) -> LinkResult:
    try:
        return fetcher.fetch_link(url)
    except Exception as exc:  # a bug must not lose the run: the link gets a reason
        return LinkResult([], "internal_error", repr(exc)[:300])


def scrape(links: Sequence[tuple[str, str]], raw: Path, state: Path, settings: ScrapeSettings | None = None,
           log: Callable[[str], None] | None = None) -> ScrapeReport:
    """Fetch the pages of ``links`` ((url_key, url) pairs) that have none yet; one outcome row per link.

    The rows of the links attempted this run come first in ``outcomes``, in the order they finished.
    """
    raw, state, settings = Path(raw), Path(state), settings or ScrapeSettings()
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    with _exclusive(state):
        for leftover in (state / "tmp").glob("*.tmp") if (state / "tmp").exists() else ():
            leftover.unlink()  # the open part of a killed run
        _mend_progress(state / "progress.jsonl")
        done = load_progress(state / "progress.jsonl")
        present = pages_present(raw, {r["warc_file"] for r in done.values() if r.get("warc_file")})
        earlier: list[dict] = []
        todo: list[tuple[str, str]] = []
        for key, url in dict(links).items():
            prev = done.get(key)
            if prev is not None and (prev["outcome"] == "fetched" or not settings.retry_skipped):
                earlier.append({**{n: prev.get(n) for n in OUTCOME_SCHEMA}, "url": url})
            elif key in present:
                earlier.append(_row(key, url, "present", run))
            else:
                todo.append((key, url))
        if settings.max_links > 0:
            earlier += [_row(k, u, "not_attempted", run, "max_links") for k, u in todo[settings.max_links:]]
            todo = todo[: settings.max_links]
        report = ScrapeReport(outcomes=[])
        started = time.monotonic()
        _run(interleave_by_host(todo), raw, state, settings, run, report, log)
        report.seconds = time.monotonic() - started
        report.attempted = len(report.outcomes)
        report.outcomes += earlier
    return report


def _run(todo: list[tuple[str, str]], raw: Path, state: Path, settings: ScrapeSettings, run: str,
         report: ScrapeReport, log: Callable[[str], None] | None) -> None:
    fetcher = Fetcher(settings)
    seq = 0

    def new_part() -> _Part:
        nonlocal seq
        seq += 1
        return _Part(raw, state, f"scrape-{run}-{seq:04d}.warc.gz", settings)

    def close(p: _Part) -> None:
        written = p.writer
        path = p.commit()
        if path:
            report.files.append(path)
            report.warc_bytes += written.bytes
        if log:
            log(f"webtext_scrape: {len(report.outcomes)}/{len(todo)} links done, {len(report.files)} files")

    part = new_part()
    pending = iter(todo)
    futures: dict[Future, tuple[str, str]] = {}
    pool = ThreadPoolExecutor(max(1, settings.concurrency), thread_name_prefix="scrape")
    try:
        def submit() -> None:
            link = next(pending, None)
            if link is not None:
                futures[pool.submit(_safe_fetch, fetcher, link[1])] = link

        for _ in range(2 * max(1, settings.concurrency)):
            submit()
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for fut in finished:
                key, url = futures.pop(fut)
                row = part.add(key, url, fut.result(), run)
                report.outcomes.append(row)
                if row["outcome"] == "fetched":
                    report.fetched_now += 1
                    report.body_bytes += row["body_bytes"] or 0
                if len(part.rows) >= max(1, settings.links_per_file):
                    close(part)
                    part = new_part()
                submit()
        close(part)
    except BaseException:
        part.abort()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
