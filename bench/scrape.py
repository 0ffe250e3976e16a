"""WebText scrape throughput against local HTTP servers, with the per-host rate limit checked at the servers.

    .venv/bin/python bench/scrape.py [--hosts 20] [--pages 200] [--delays 0,0.05] [--concurrency 16] [--kib 20]

A host is ``127.0.0.1:<port>``: ``--hosts`` servers (threaded ``http.server``, in a separate process so that
they do not share the scraper's GIL) serve ``--pages`` HTML pages of ``--kib`` KiB spread evenly over them.
Each run scrapes all pages into a fresh data root (robots.txt fetched per host, WARC parts written and renamed)
and reports pages/s and the smallest interval between two requests to one host that the servers saw, which
must be at least the configured ``min_delay``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpt_assets.webtext.scrape import ScrapeSettings, scrape, state_dir  # noqa: E402
from gpt_assets.webtext.urls import normalize_url  # noqa: E402


def _serve(conn, hosts: int, kib: int) -> None:
    hits: list[tuple[int, float]] = []
    lock = threading.Lock()
    body = (b"<html><body>" + b"<p>lorem ipsum dolor sit amet</p>" * (kib * 1024 // 33) + b"</body></html>")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            with lock:
                hits.append((self.server.server_address[1], time.monotonic()))
            data = b"User-agent: *\nDisallow: /private\n" if self.path == "/robots.txt" else body
            self.send_response(200)
            self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(hosts)]
    for s in servers:
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, args=(0.05,), daemon=True).start()
    conn.send([s.server_address[1] for s in servers])
    while conn.recv() == "dump":
        with lock:
            conn.send(list(hits))
            hits.clear()


def _min_interval(hits: list[tuple[int, float]]) -> float:
    by_port: dict[int, list[float]] = {}
    for port, t in hits:
        by_port.setdefault(port, []).append(t)
    gaps = [b - a for ts in by_port.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False)]
    return min(gaps) if gaps else float("inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--delays", default="0,0.05")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--kib", type=int, default=20)
    args = ap.parse_args()
    parent, child = mp.Pipe()
    proc = mp.Process(target=_serve, args=(child, args.hosts, args.kib), daemon=True)
    proc.start()
    ports = parent.recv()
    urls = [f"http://127.0.0.1:{ports[i % len(ports)]}/page/{i}" for i in range(args.pages)]
    links = [(normalize_url(u), u) for u in urls]
    print(f"{args.pages} pages of {args.kib} KiB over {args.hosts} hosts, concurrency {args.concurrency}, "
          "per-host concurrency 1")
    print("| min_delay (s) | pages/s | seconds | requests | min per-host interval (s) | ≥ delay |")
    print("|---:|---:|---:|---:|---:|:---:|")
    for delay in (float(d) for d in args.delays.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            settings = ScrapeSettings(concurrency=args.concurrency, min_delay=delay, allow_hosts=("127.0.0.1",))
            report = scrape(links, Path(tmp) / "raw", state_dir(Path(tmp)), settings)
            parent.send("dump")
            hits = parent.recv()
        assert report.fetched_now == args.pages, report.counts()
        gap = _min_interval(hits)
        print(f"| {delay:g} | {report.pages_per_s:.0f} | {report.seconds:.2f} | {len(hits)} | {gap:.4f} | "
              f"{'yes' if gap >= delay else 'NO'} |")
    parent.send("stop")
    proc.join(timeout=5)


if __name__ == "__main__":
    main()
