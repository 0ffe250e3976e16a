"""Reader throughput: MB/s of decompressed input per core, peers side by side in one run.

    .venv/bin/python bench/ingest.py [--mb 200] [--repeat 3]

Inputs are built from ../shared/real-samples/ when present (real WET pages and real
Pushshift lines, replicated to the requested size), else from synthetic records.
Every reader runs in this one process (one core), best of --repeat runs, and the
table gives absolute MB/s and the ratio to the chosen reader.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpt_assets.ingest.ndjson import iter_lines  # noqa: E402
from gpt_assets.ingest.reddit import read_submissions  # noqa: E402
from gpt_assets.ingest.warc import iter_records, iter_records_resilient  # noqa: E402
from gpt_assets.ingest.web import read_wet  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "real-samples"


def _wet_records() -> list[bytes]:
    src = SAMPLES / "cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz"
    if src.exists():
        raw = gzip.decompress(src.read_bytes())
        return [b"WARC/1.0\r\n" + p for p in raw.split(b"WARC/1.0\r\n") if p]
    from tests.builders import wet

    return [wet(f"http://x{i}.example/", f"synthetic page text {i} " * 400) for i in range(50)]


def _reddit_lines() -> list[bytes]:
    src = SAMPLES / "reddit_RS_v2_2005-06.ndjson"
    if src.exists():
        return [ln for ln in src.read_bytes().splitlines() if ln.strip()]
    from tests.builders import submission

    return [json.dumps(submission(i)).encode() for i in range(100)]


def build_inputs(tmp: Path, mb: int) -> tuple[Path, int, Path, int]:
    recs = _wet_records()
    wet_path, wet_bytes = tmp / "bench.warc.wet.gz", 0
    with open(wet_path, "wb") as fh:
        while wet_bytes < mb * 1_000_000:
            for r in recs:
                fh.write(gzip.compress(r, compresslevel=6, mtime=0))
                wet_bytes += len(r)
    lines = _reddit_lines()
    buf = io.BytesIO()
    n = 0
    while buf.tell() < mb * 1_000_000:
        for ln in lines:
            obj = json.loads(ln)
            obj["id"] = f"{obj.get('id')}-{n}"
            n += 1
            buf.write(json.dumps(obj).encode() + b"\n")
    data = buf.getvalue()
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31, enable_ldm=True)
    rs_path = tmp / "RS_2005-06.zst"
    with open(rs_path, "wb") as fh, zstandard.ZstdCompressor(compression_params=params).stream_writer(fh) as w:
        w.write(data)
    return wet_path, wet_bytes, rs_path, len(data)


def _fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator

    return sum(1 for r in ArchiveIterator(str(path), parse_http=False) if r.reader.read() is not None)


def _warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        return sum(1 for r in ArchiveIterator(fh) if r.content_stream().read() is not None)


def _time(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, n = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn()
        best = min(best, time.perf_counter() - t)
    return best, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200, help="decompressed MB per input")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        wet_path, wet_bytes, rs_path, rs_bytes = build_inputs(Path(d), args.mb)
        suites = {
            "WET (Common Crawl)": (wet_bytes, [
                ("gpt-assets read_wet (FastWARC + resilient fallback, rows)",
                 lambda: sum(1 for _ in read_wet(wet_path, "CC-MAIN-2016-50"))),
                ("gpt-assets iter_records (records only)", lambda: sum(1 for _ in iter_records(wet_path))),
                ("FastWARC ArchiveIterator", lambda: _fastwarc(wet_path)),
                ("warcio ArchiveIterator", lambda: _warcio(wet_path)),
                ("gpt-assets resilient reader alone", lambda: sum(1 for _ in iter_records_resilient(wet_path))),
            ]),
            "Reddit (Pushshift .zst, long window)": (rs_bytes, [
                ("gpt-assets read_submissions (zstd + json + validation, rows)",
                 lambda: sum(1 for _ in read_submissions(rs_path, "2005-06"))),
                ("zstd line split only (no parsing)", lambda: sum(1 for _ in iter_lines(rs_path))),
                ("zstd + json.loads per line (no validation)",
                 lambda: sum(1 for item in iter_lines(rs_path) if json.loads(item[1]) is not None)),
            ]),
        }
        print(f"inputs: {wet_bytes / 1e6:.0f} MB WET, {rs_bytes / 1e6:.0f} MB NDJSON (decompressed); "
              f"samples from {'real-samples' if SAMPLES.exists() else 'synthetic records'}")
        for suite, (nbytes, readers) in suites.items():
            print(f"\n### {suite}\n\n| reader | MB/s per core | ratio to first | items |\n|---|---:|---:|---:|")
            base = None
            for name, fn in readers:
                secs, n = _time(fn, args.repeat)
                rate = nbytes / 1e6 / secs
                base = base or rate
                print(f"| {name} | {rate:.0f} | {rate / base:.2f} | {n:,} |")


if __name__ == "__main__":
    main()
