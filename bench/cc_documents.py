"""`cc_documents` end to end against bare FastWARC on the same WET file (issue 14: at least 0.6x).

    .venv/bin/python bench/cc_documents.py [--mb 100] [--repeat 3]

The input is built from the real WET pages in ``../shared/real-samples/`` (synthetic pages without it), each copy made
distinct the way a crawl's pages are distinct: a fresh record id and URL, and its letters passed through the copy's own
random substitution cipher, so that no copy repeats another's words (dictionary encoding and zstd would otherwise find
whole pages again and make the Parquet write unrealistically cheap) while every page keeps its own length, its own
lines and its own within-page repetition. One gzip member per record, as Common Crawl writes them.

Timed in this one process (one core), best of ``--repeat``: bare FastWARC (iterate, read every payload), the reader
(``read_wet``: rows as dicts) and ``ingest`` (the asset's own call: rows, unique ids, quarantine, the Parquet part).
"""

from __future__ import annotations

import argparse
import gzip
import random
import string
import sys
import tempfile
import uuid
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import _fastwarc as fastwarc  # noqa: E402  (the same peers, timed alike)
from bench.ingest import _time as best  # noqa: E402
from gpt_assets.defs.ingest import record_key  # noqa: E402
from gpt_assets.ingest import web  # noqa: E402
from gpt_assets.ingest.driver import ingest  # noqa: E402
from gpt_assets.lake import Lake  # noqa: E402
from tests.builders import wet  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "real-samples"
WET = ("cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz", "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz")


def real_pages() -> list[str]:
    pages = [r["text"] for name in WET if (SAMPLES / name).exists()
             for r in web.read_wet(SAMPLES / name, crawl="x") if isinstance(r, dict)]
    if pages:
        return pages
    rng = random.Random(0)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(5000)]
    return ["\n".join(" ".join(rng.choices(words, k=12)) for _ in range(80)) for _ in range(30)]


def build(path: Path, mb: int, seed: int = 0) -> tuple[int, int]:
    """Distinct copies of the pages until ``mb`` MB of page text; (records, bytes of text)."""
    pages, rng = real_pages(), random.Random(seed)
    records = size = 0
    with open(path, "wb") as fh:
        while size < mb * 1_000_000:
            lower = list(string.ascii_lowercase)
            rng.shuffle(lower)
            cipher = str.maketrans(string.ascii_letters, "".join(lower) + "".join(lower).upper())
            for page in pages:
                url = f"http://copy{records}.example/{uuid.UUID(int=rng.getrandbits(128))}"
                text = page.translate(cipher)
                fh.write(gzip.compress(wet(url, text), compresslevel=6, mtime=0))
                records += 1
                size += len(text.encode())
    return records, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=100, help="MB of page text in the WET file")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "bench.warc.wet.gz"
        records, size = build(src, args.mb)

        def end_to_end() -> int:
            lake = Lake(Path(d) / "root")
            # the asset's own reader and key (gpt_assets/defs/ingest.py)
            reader = partial(web.read_wet, crawl="CC-MAIN-2099-01", utf8_bytes=True)
            result = ingest(lake, "cc_documents", web.CC_DOCUMENTS_SCHEMA, [(src, reader)], "CC-MAIN-2099-01",
                            key=record_key("cc_documents"))
            part = lake.part_path("cc_documents", "CC-MAIN-2099-01")
            print(f"  part {part.stat().st_size / 1e6:.1f} MB, {result.rows:,} rows", file=sys.stderr)
            return result.rows

        rows = [("bare FastWARC ArchiveIterator (payloads read)", lambda: fastwarc(src)),
                ("read_wet (rows as dicts)", lambda: sum(1 for r in web.read_wet(src, "x") if isinstance(r, dict))),
                ("cc_documents: ingest() into a Parquet part", end_to_end)]
        print(f"{records:,} distinct WET records, {size / 1e6:.0f} MB of page text, "
              f"{src.stat().st_size / 1e6:.0f} MB gzipped; from {'real-samples' if SAMPLES.exists() else 'synthetic'}")
        print("\n| step | seconds | MB/s of text | ratio to bare FastWARC | records |\n|---|---:|---:|---:|---:|")
        base = None
        for name, fn in rows:
            secs, n = best(fn, args.repeat)
            base = base or secs
            print(f"| {name} | {secs:.3f} | {size / 1e6 / secs:.0f} | {base / secs:.2f} | {n:,} |")


if __name__ == "__main__":
    main()
