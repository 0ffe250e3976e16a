"""The WebText scrape against real HTTP servers on 127.0.0.1: politeness, SSRF refusals, resumability, Dagster."""

import gzip
import ipaddress
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from gpt_assets.defs.ingest import web_pages
from gpt_assets.defs.scrape import webtext_scrape
from gpt_assets.ingest.rejects import Reject
from gpt_assets.ingest.web import read_web_pages
from gpt_assets.lake import Lake
from gpt_assets.resources import DataRoot
from gpt_assets.webtext.documents import resolve_pages
from gpt_assets.webtext.safefetch import AddressPolicy, FetchError, refused_reason
from gpt_assets.webtext.scrape import USER_AGENT, ScrapeSettings, load_progress, scrape, state_dir
from gpt_assets.webtext.urls import normalize_url

REPO = Path(__file__).resolve().parents[1]
LOCAL = ("127.0.0.1",)
FAST = {"allow_hosts": LOCAL, "min_delay": 0.0, "backoff": 0.02, "max_backoff": 2.0, "max_retries": 2,
        "connect_timeout": 2.0, "read_timeout": 2.0, "max_seconds": 5.0}

# Every connection the scraper opens, while recording: the tests never leave loopback.
CONNECTS: list[tuple] = []
_RECORDING = threading.Event()


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _RECORDING.is_set():
        CONNECTS.append(args[1])


sys.addaudithook(_audit)


def page(title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><p>{title} text.</p></body></html>".encode()


class Site:
    """A real HTTP server; ``routes`` maps a path to a handler, ``/page/*`` serves pages; every request is logged."""

    def __init__(self, routes: dict[str, Callable] | None = None, robots: tuple[int, bytes] | None = None):
        self.hits: list[tuple[float, str, str]] = []  # (monotonic time, path, user agent)
        self.routes = routes or {}
        self.robots = robots or (200, b"User-agent: *\nDisallow: /private\n")
        self.stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                site.hits.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                try:
                    site.serve(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        return [p for _, p, _ in self.hits]

    def serve(self, h: BaseHTTPRequestHandler) -> None:
        if h.path == "/robots.txt":
            return send(h, self.robots[0], self.robots[1], ctype="text/plain")
        if h.path in self.routes:
            return self.routes[h.path](h)
        if h.path.startswith(("/page/", "/private/")):
            return send(h, 200, page(h.path))
        return send(h, 404, b"not here", ctype="text/plain")

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None, length: int | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    if length != -1:
        h.send_header("Content-Length", str(len(body) if length is None else length))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture
def sites():
    made: list[Site] = []

    def make(**kw) -> Site:
        made.append(Site(**kw))
        return made[-1]

    yield make
    for s in made:
        s.close()


def links_of(*urls: str) -> list[tuple[str, str]]:
    return [(normalize_url(u) or u, u) for u in urls]


def run(links, root: Path, **settings) -> object:
    CONNECTS.clear()
    _RECORDING.set()
    try:
        return scrape(links, root / "raw", state_dir(root), ScrapeSettings(**{**FAST, **settings}))
    finally:
        _RECORDING.clear()


def warc_rows(root: Path) -> list[dict]:
    rows = []
    for path in sorted((root / "raw/webpages").glob("*.warc.gz")):
        for item in read_web_pages(path):
            assert not isinstance(item, Reject), item
            if item is not None:
                rows.append(item)
    return rows


def by_url(report) -> dict[str, dict]:
    return {r["url"]: r for r in report.outcomes}


def _tricky_routes(site_ref: list) -> dict[str, Callable]:
    state = {"flaky": 0}

    def flaky(h):
        state["flaky"] += 1
        if state["flaky"] == 1:
            return send(h, 503, b"busy", headers={"Retry-After": "0"})
        send(h, 200, page("flaky"))

    def slow(h):
        site_ref[0].stop.wait(3)
        send(h, 200, page("slow"))

    def huge(h):  # no Content-Length: read until the cap
        send(h, 200, b"", length=-1)
        for _ in range(64):
            h.wfile.write(b"x" * 16384)

    return {
        "/flaky": flaky,
        "/slow": slow,
        "/huge": huge,
        "/huge-declared": lambda h: send(h, 200, b"tiny", length=10**9),
        "/busy": lambda h: send(h, 429, b"", headers={"Retry-After": "3600"}),
        "/landing": lambda h: send(h, 302, b"", headers={"Location": site_ref[0].url("/final")}),
        "/final": lambda h: send(h, 200, page("final")),
        **{f"/loop/{i}": (lambda h, i=i: send(h, 301, b"", headers={"Location": f"/loop/{i + 1}"})) for i in range(9)},
        "/to-private": lambda h: send(h, 302, b"", headers={"Location": "http://10.0.0.1/secret"}),
        "/to-metadata": lambda h: send(h, 302, b"", headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/to-ftp": lambda h: send(h, 302, b"", headers={"Location": "ftp://127.0.0.1/file"}),
        "/gone": lambda h: send(h, 404, b"gone"),
        "/gzip": lambda h: send(h, 200, gzip.compress(page("zipped")), headers={"Content-Encoding": "gzip"}),
    }


def test_every_link_gets_one_outcome_and_the_warc_reads_back(sites, tmp_path):
    ref: list = []
    site = sites(routes=_tricky_routes(ref))
    ref.append(site)
    paths = ["/page/1", "/page/2", "/private/doc", "/flaky", "/slow", "/huge", "/huge-declared", "/busy", "/landing",
             "/loop/0", "/to-private", "/to-metadata", "/to-ftp", "/gone", "/gzip"]
    links = links_of(*(site.url(p) for p in paths))
    report = run(links, tmp_path, max_bytes=64 * 1024, max_redirects=3, read_timeout=0.3, max_retries=1,
                 write_requests=True)
    out = {u.split(str(site.port), 1)[1]: (r["outcome"], r["reason"]) for u, r in by_url(report).items()}
    assert out == {
        "/page/1": ("fetched", ""), "/page/2": ("fetched", ""), "/private/doc": ("skipped", "robots_disallowed"),
        "/flaky": ("fetched", ""), "/slow": ("skipped", "timeout"), "/huge": ("skipped", "too_large"),
        "/huge-declared": ("skipped", "too_large"), "/busy": ("skipped", "http_error_429"),
        "/landing": ("fetched", ""), "/loop/0": ("skipped", "too_many_redirects"),
        "/to-private": ("skipped", "private_address"), "/to-metadata": ("skipped", "metadata_address"),
        "/to-ftp": ("skipped", "scheme_not_allowed"), "/gone": ("skipped", "http_error_404"), "/gzip": ("fetched", ""),
    }
    assert len(report.outcomes) == len(links) == report.attempted
    assert report.fetched_now + sum(report.skipped_now().values()) == report.attempted
    assert by_url(report)[site.url("/flaky")]["attempts"] == 2  # 503, then 200
    assert by_url(report)[site.url("/busy")]["attempts"] == 1  # Retry-After beyond max_backoff: given up at once
    hits = site.paths()
    assert hits.count("/robots.txt") == 1 and "/private/doc" not in hits
    assert hits.count("/slow") == 2 and hits.count("/flaky") == 2
    assert sum(p.startswith("/loop/") for p in hits) == 4  # the link and 3 redirects, no more
    assert {ua for _, _, ua in site.hits} == {USER_AGENT}
    assert {a[0] for a in CONNECTS} == {"127.0.0.1"}  # 10.0.0.1 and 169.254.169.254 never contacted

    rows = warc_rows(tmp_path)
    assert sorted(r["url"].split(str(site.port), 1)[1] for r in rows) == [
        "/final", "/flaky", "/gzip", "/landing", "/page/1", "/page/2"]
    pages = pl.DataFrame(rows).select("url", "record_id", "fetched_at", "http_status", "is_html", "html", "location")
    resolved = {r["url"]: r for r in resolve_pages(pl.DataFrame(links, schema=["url_key", "url"], orient="row"),
                                                   pages).iter_rows(named=True)}
    assert resolved[site.url("/landing")]["page_url"] == site.url("/final")  # webtext_documents follows the hop
    assert "zipped text." in resolved[site.url("/gzip")]["html"]
    assert all(r["http_status"] == 200 for u, r in resolved.items() if by_url(report)[u]["outcome"] == "fetched")
    requests = [rec for f in (tmp_path / "raw/webpages").glob("*.warc.gz") for rec in gzip.open(f).read().split(
        b"WARC/1.0\r\n") if b"WARC-Type: request" in rec]
    assert len(requests) == len(rows)


def test_links_pointing_inward_are_refused_before_any_connection(sites, tmp_path):
    site = sites()
    report = run(links_of(f"http://localhost:{site.port}/page/1", f"http://[::1]:{site.port}/page/2",
                          "http://0.0.0.0/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "file:///etc/passwd",
                          "http://169.254.169.254/latest/meta-data/"),
                 tmp_path, allow_hosts=())
    reasons = sorted(r["reason"] for r in report.outcomes)
    assert reasons == ["metadata_address"] + ["private_address"] * 5 + ["scheme_not_allowed"]
    assert site.hits == [] and CONNECTS == []
    assert not (tmp_path / "raw").exists()


def test_address_rules():
    for ip in ("10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "::1", "fe80::1", "224.0.0.1", "0.0.0.0", "::",
               "240.0.0.1", "100.64.0.1", "::ffff:10.0.0.1", "2002:0a00:0001::1", "64:ff9b::a00:1", "fc00::1"):
        assert refused_reason(ipaddress.ip_address(ip)) == "private_address", ip
    for ip in ("169.254.169.254", "fd00:ec2::254", "168.63.129.16", "100.100.100.200"):
        assert refused_reason(ipaddress.ip_address(ip)) == "metadata_address", ip
    assert refused_reason(ipaddress.ip_address("93.184.216.34")) == ""
    assert AddressPolicy(["10.0.0.0/8"]).resolve("10.9.9.9", 80) == ["10.9.9.9"]
    assert set(AddressPolicy(["LocalHost"]).resolve("localhost", 80)) <= {"127.0.0.1", "::1"}
    with pytest.raises(FetchError, match="private_address"):
        AddressPolicy(["10.0.0.0/8"]).resolve("192.168.0.1", 80)


def test_robots_rules_and_failures(sites, tmp_path):
    down = sites(robots=(503, b"down"))
    missing = sites(robots=(404, b""))
    slowed = sites(robots=(200, b"User-agent: gpt-assets-webtext\nCrawl-delay: 0.2\nDisallow: /page/9\n"))
    links = links_of(down.url("/page/1"), missing.url("/page/1"), missing.url("/private/x"),
                     *(slowed.url(f"/page/{i}") for i in range(4)), slowed.url("/page/9"))
    report = run(links, tmp_path, max_retries=1, concurrency=4)
    out = {u: r["reason"] for u, r in by_url(report).items()}
    assert out[down.url("/page/1")] == "robots_unavailable"  # 5xx: the host is skipped (RFC 9309)
    assert out[missing.url("/page/1")] == out[missing.url("/private/x")] == ""  # 4xx: no rules
    assert out[slowed.url("/page/9")] == "robots_disallowed"
    assert down.paths() == ["/robots.txt", "/robots.txt"]  # retried once, pages never asked for
    times = sorted(t for t, p, _ in slowed.hits)
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.2  # Crawl-delay honoured


def test_per_host_delay_is_honoured_at_the_server(sites, tmp_path):
    a, b = sites(), sites()
    links = links_of(*(s.url(f"/page/{i}") for s in (a, b) for i in range(6)))
    report = run(links, tmp_path, min_delay=0.08, concurrency=8)
    assert report.fetched_now == 12
    for s in (a, b):
        times = sorted(t for t, _, _ in s.hits)
        assert len(times) == 7  # robots.txt + 6 pages
        assert min(t2 - t1 for t1, t2 in zip(times, times[1:], strict=False)) >= 0.08
    starts = [min(t for t, _, _ in s.hits) for s in (a, b)]
    assert abs(starts[0] - starts[1]) < 0.08  # the hosts were fetched side by side


_CHILD = """
import json, sys
from pathlib import Path
from gpt_assets.webtext.scrape import ScrapeSettings, scrape, state_dir
links, root = json.loads(sys.argv[1]), Path(sys.argv[2])
scrape([tuple(x) for x in links], root / "raw", state_dir(root),
       ScrapeSettings(concurrency=1, min_delay=0, links_per_file=3, allow_hosts=("127.0.0.1",)))
"""


def test_a_killed_scrape_resumes_without_refetching_or_damage(sites, tmp_path):
    reached, release = threading.Event(), threading.Event()

    def stuck(h):
        reached.set()
        release.wait(20)
        send(h, 200, page("/page/7"))

    site = sites(routes={"/page/7": stuck})
    links = links_of(*(site.url(f"/page/{i}") for i in range(12)))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps(links), str(tmp_path)], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    progress, tmp = state_dir(tmp_path) / "progress.jsonl", state_dir(tmp_path) / "tmp"
    try:
        assert reached.wait(30), "the child never reached /page/7"
        deadline = time.monotonic() + 10  # /page/7 hangs: wait for /page/0-5 committed and /page/6 in the open part
        while time.monotonic() < deadline and not (len(load_progress(progress)) == 6 and list(tmp.glob("*.tmp"))):
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        release.set()
    first = warc_rows(tmp_path)  # raises on any damage: no half-written file in raw/
    assert sorted(r["url"] for r in first) == sorted(site.url(f"/page/{i}") for i in range(6))  # two whole parts
    assert list(tmp.glob("*.tmp"))  # the open part stayed out of raw/
    assert len(load_progress(progress)) == 6
    before = len(site.hits)
    with open(progress, "a") as fh:
        fh.write('{"url_key": "torn by a kill')  # a kill inside an append: the rerun must not lose its next line

    report = run(links, tmp_path)
    again = [p for p in site.paths()[before:] if p != "/robots.txt"]
    assert sorted(again) == sorted(f"/page/{i}" for i in range(6, 12))
    urls = [r["url"] for r in warc_rows(tmp_path)]
    assert sorted(urls) == sorted(u for _, u in links)  # every page once, no duplicates
    assert report.counts() == {"fetched": 12} and report.attempted == 6
    assert not list(tmp.glob("*.tmp"))
    assert run(links, tmp_path).attempted == 0  # a third run has nothing left to do
    assert len(load_progress(progress)) == 12


def test_pages_already_in_the_landing_zone_are_not_fetched(sites, tmp_path):
    from tests.builders import members, response

    site = sites()
    (tmp_path / "raw/webpages").mkdir(parents=True)
    (tmp_path / "raw/webpages/pages-0.warc.gz").write_bytes(members(response(site.url("/page/1"), "<p>old</p>")))
    links = links_of(site.url("/page/1"), site.url("/page/2"), site.url("/page/3"))
    report = run(links, tmp_path, max_links=1)
    assert sorted(r["outcome"] for r in report.outcomes) == ["fetched", "not_attempted", "present"]
    assert "/page/1" not in site.paths()


def _links_table(root: Path, links: list[tuple[str, str]]) -> None:
    Lake(root).write_frame("webtext_links", pl.DataFrame(links, schema=["url_key", "url"], orient="row"))


def test_asset_is_off_by_default_and_writes_nothing(tmp_path):
    _links_table(tmp_path, links_of("http://127.0.0.1:9/page/1"))
    result = dg.materialize([webtext_scrape], resources={"data": DataRoot(path=str(tmp_path))})
    assert result.success
    meta = result.asset_materializations_for_node("webtext_scrape")[0].metadata
    assert meta["enabled"].value is False and "webtext_scrape.enabled=true" in meta["how_to_enable"].value
    assert all(c.passed for c in result.get_asset_check_evaluations())
    assert not (tmp_path / "raw").exists() and not state_dir(tmp_path).exists()


def test_asset_scrapes_and_web_pages_ingests_the_result(sites, tmp_path):
    site = sites()
    links = links_of(*(site.url(f"/page/{i}") for i in range(5)), site.url("/private/x"))
    _links_table(tmp_path, links)
    config = {"ops": {"webtext_scrape": {"config": {"enabled": True, "allow_hosts": ["127.0.0.1"], "min_delay": 0.0,
                                                     "links_per_file": 2}}}}
    result = dg.materialize([webtext_scrape, web_pages], resources={"data": DataRoot(path=str(tmp_path))},
                            run_config=config)
    assert result.success
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["outcomes_reconcile"] and checks["warc_readable"] and checks["skip_share"]
    meta = result.asset_materializations_for_node("webtext_scrape")[0].metadata
    assert meta["fetched"].value == 5 and meta["skipped"].value == 1 and len(meta["files_written"].value) == 3
    assert "robots_disallowed | 1" in meta["skipped_by_reason"].value
    lake = Lake(tmp_path)
    assert lake.scan("webtext_scrape").collect().height == 6
    assert sorted(lake.scan("web_pages").collect()["url"].to_list()) == sorted(u for _, u in links[:5])
