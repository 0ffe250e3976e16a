"""``webtext_scrape``: fetch the pages of ``webtext_links`` into ``raw/webpages/`` (GPT-2 §2.1). Off by default."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import dagster as dg
from pydantic import Field

from gpt_assets.defs.common import md_table, table_metadata
from gpt_assets.ingest.rejects import Reject
from gpt_assets.ingest.web import read_web_pages
from gpt_assets.resources import DataRoot
from gpt_assets.webtext.scrape import USER_AGENT, ScrapeReport, ScrapeSettings, scrape, state_dir

GROUP = "webtext"
ENABLE = "--set webtext_scrape.enabled=true"
_D = ScrapeSettings()


class WebTextScrapeConfig(dg.Config):
    enabled: bool = Field(default=False, description=(
        "Fetch the pages of webtext_links from the web (GPT-2 §2.1 scraped every outbound link with ≥ 3 karma). "
        f"Off by default: the run touches no network and writes nothing. CLI: gpt-assets run {ENABLE}"))
    user_agent: str = Field(default=USER_AGENT, description=(
        "User-Agent sent with every request and matched against robots.txt; put your contact URL in it."))
    concurrency: int = Field(default=_D.concurrency, description="Requests in flight over all hosts (threads).")
    per_host_concurrency: int = Field(default=_D.per_host_concurrency, description="Requests in flight per host.")
    min_delay: float = Field(default=_D.min_delay, description=(
        "Seconds between two requests to one host:port (after the previous one's start and its end)."))
    max_crawl_delay: float = Field(default=_D.max_crawl_delay, description=(
        "A robots.txt Crawl-delay is honoured up to this many seconds per request."))
    connect_timeout: float = Field(default=_D.connect_timeout, description="Seconds to open a connection.")
    read_timeout: float = Field(default=_D.read_timeout, description="Seconds one socket read may wait.")
    max_seconds: float = Field(default=_D.max_seconds, description=(
        "Seconds one response may take, body included (a slower page is skipped as timeout)."))
    max_retries: int = Field(default=_D.max_retries, description=(
        "Retries after 429, 5xx, timeouts and connection errors, with exponential backoff."))
    backoff: float = Field(default=_D.backoff, description="Seconds before the first retry; doubles per retry.")
    max_backoff: float = Field(default=_D.max_backoff, description=(
        "Longest wait before a retry; a Retry-After longer than this gives the link up (http_error_<code>)."))
    max_bytes: int = Field(default=_D.max_bytes, description=(
        "Largest body read; a larger page is skipped as too_large without reading the rest."))
    max_redirects: int = Field(default=_D.max_redirects, description=(
        "Redirects followed per link (each hop checked again); more is too_many_redirects."))
    allow_hosts: list[str] = Field(default=[], description=(
        "Host names or CIDR networks exempt from the private-address refusal (e.g. an intranet mirror, or "
        "127.0.0.1 in tests). Empty: only public addresses are contacted."))
    write_requests: bool = Field(default=_D.write_requests, description="Also write WARC request records.")
    links_per_file: int = Field(default=_D.links_per_file, description=(
        "Links per WARC part; a part is renamed into raw/webpages/ and its outcomes recorded when full, so a "
        "killed run loses at most this many links' work."))
    max_links: int = Field(default=_D.max_links, description=(
        "Links to attempt this run (0 = all); the rest are reported not_attempted and wait for the next run."))
    retry_skipped: bool = Field(default=_D.retry_skipped, description=(
        "Attempt again the links an earlier run skipped (by default a recorded outcome is final)."))
    max_skip_share: float = Field(default=0.5, description=(
        "The skip_share check warns when a larger share of the links attempted this run was skipped."))

    def settings(self) -> ScrapeSettings:
        return ScrapeSettings(
            user_agent=self.user_agent, concurrency=self.concurrency, per_host_concurrency=self.per_host_concurrency,
            min_delay=self.min_delay, max_crawl_delay=self.max_crawl_delay, connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout, max_seconds=self.max_seconds, max_retries=self.max_retries,
            backoff=self.backoff, max_backoff=self.max_backoff, max_bytes=self.max_bytes,
            max_redirects=self.max_redirects, allow_hosts=tuple(self.allow_hosts),
            write_requests=self.write_requests, links_per_file=self.links_per_file, max_links=self.max_links,
            retry_skipped=self.retry_skipped)


CHECKS = [
    dg.AssetCheckSpec("outcomes_reconcile", asset="webtext_scrape", blocking=True,
                      description="Every link of webtext_links has exactly one outcome row (fetched, skipped with a "
                                  "reason, present, not_attempted), and this run's attempts add up."),
    dg.AssetCheckSpec("warc_readable", asset="webtext_scrape", blocking=True,
                      description="The WARC files written this run read back with web_pages' reader: no damage, "
                                  "one response record per page and redirect hop written."),
    dg.AssetCheckSpec("skip_share", asset="webtext_scrape",
                      description="At most max_skip_share of the links attempted this run were skipped (warns)."),
]


def _disabled():
    yield dg.MaterializeResult(metadata={
        "enabled": False,
        "status": dg.MetadataValue.md(
            "The scrape is **off**: no request was sent and nothing was written to `raw/`. "
            f"Turn it on with `gpt-assets run --select webtext_scrape {ENABLE}` (or `enabled: true` in the "
            "launchpad); the pages land in `raw/webpages/` for `web_pages`."),
        "how_to_enable": ENABLE})
    for spec in CHECKS:
        yield dg.AssetCheckResult(check_name=spec.name, passed=True, metadata={"enabled": False})


def _reconcile(report: ScrapeReport, keys: set[str]) -> dg.AssetCheckResult:
    rows = report.outcomes
    seen = [r["url_key"] for r in rows]
    dups, missing, extra = len(seen) - len(set(seen)), len(keys - set(seen)), len(set(seen) - keys)
    attempted = report.outcomes[: report.attempted]
    unexplained = sum(1 for r in attempted if r["outcome"] not in ("fetched", "skipped")
                      or (r["outcome"] == "skipped" and not r["reason"]))
    ok = dups == missing == extra == unexplained == 0 and len(rows) == len(keys)
    meta = {"links": len(keys), "outcome_rows": len(rows), "duplicated": dups, "missing": missing, "unknown": extra,
            "attempted": report.attempted, "attempted_without_outcome": unexplained}
    return dg.AssetCheckResult(
        check_name="outcomes_reconcile", passed=ok, metadata=meta,
        description=None if ok else (
            f"Measured {len(rows)} outcome rows for {len(keys)} links ({dups} duplicated, {missing} missing, "
            f"{extra} unknown, {unexplained} attempted without fetched/skipped+reason) against exactly one per "
            "link: a scraper bug; rematerialize (the scrape resumes where it stopped) and report it if it stays."))


def _readable(report: ScrapeReport, data: DataRoot) -> dg.AssetCheckResult:
    expected = sum((r["redirects"] or 0) + 1 for r in report.outcomes[: report.attempted] if r["outcome"] == "fetched")
    responses, damaged = 0, []
    for rel in report.files:
        for item in read_web_pages(data.lake.raw / rel):
            if isinstance(item, Reject):
                damaged.append(f"{rel}@{item.position}: {item.reason}")
            elif item is not None:
                responses += 1
    ok = not damaged and responses == expected
    return dg.AssetCheckResult(
        check_name="warc_readable", passed=ok,
        metadata={"files": len(report.files), "responses_read": responses, "responses_written": expected,
                  "damage": dg.MetadataValue.json(damaged[:20])},
        description=None if ok else (
            f"Read back {responses} response records and {len(damaged)} damaged ones from the {len(report.files)} "
            f"WARC files written this run, against {expected} written: delete those files from raw/webpages/ and "
            "the matching lines of state/webtext_scrape/progress.jsonl, then rematerialize."))


def _skip_share(report: ScrapeReport, limit: float) -> dg.AssetCheckResult:
    skipped = sum(report.skipped_now().values())
    share = skipped / report.attempted if report.attempted else 0.0
    ok = share <= limit
    return dg.AssetCheckResult(
        check_name="skip_share", passed=ok, severity=dg.AssetCheckSeverity.WARN,
        metadata={"attempted": report.attempted, "skipped": skipped, "share": round(share, 4), "max_share": limit},
        description=None if ok else (
            f"{share:.0%} of the {report.attempted} links attempted were skipped, over max_skip_share {limit:.0%}: "
            "see skipped_by_reason — robots and HTTP errors are the web's, but timeout, dns_error or "
            "connection_error on most links mean the network or the timeouts are wrong."))


@dg.asset(group_name=GROUP, kinds={"python", "parquet"}, deps=["webtext_links"], check_specs=CHECKS,
          description="The WebText scrape (GPT-2 §2.1): fetches the pages of webtext_links that have none yet into "
                      "raw/webpages/scrape-*.warc.gz, politely (robots.txt, per-host delay) and refusing private "
                      f"addresses; one outcome row per link. Off by default ({ENABLE}); never automatic.")
def webtext_scrape(context: dg.AssetExecutionContext, config: WebTextScrapeConfig, data: DataRoot):
    if not config.enabled:
        yield from _disabled()
        return
    if not data.lake.parts("webtext_links"):
        raise dg.Failure("webtext_links has no table yet: materialize it first (gpt-assets run --select "
                         f"'webtext_links,webtext_scrape' {ENABLE})")
    links = data.lake.scan("webtext_links").select("url_key", "url").collect()
    report = scrape(list(links.iter_rows()), data.lake.raw, state_dir(data.lake.root), config.settings(),
                    log=context.log.info)
    frame = report.frame()
    data.lake.write_frame("webtext_scrape", frame)
    data.publish("webtext_scrape")
    counts = report.counts()
    reasons = report.skipped_now()
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "webtext_scrape", enabled=True, links=links.height, attempted=report.attempted,
        fetched=report.fetched_now, skipped=sum(reasons.values()), outcomes_all_runs=dg.MetadataValue.json(counts),
        skipped_by_reason=dg.MetadataValue.md(md_table([{"reason": k, "links": v} for k, v in reasons.items()])),
        pages_per_s=round(report.pages_per_s, 2), seconds=round(report.seconds, 2), body_bytes=report.body_bytes,
        warc_bytes=report.warc_bytes, files_written=dg.MetadataValue.json(report.files)))
    yield _reconcile(report, set(links["url_key"].to_list()))
    yield _readable(report, data)
    yield _skip_share(report, config.max_skip_share)


SCRAPE_ASSETS = [webtext_scrape]
