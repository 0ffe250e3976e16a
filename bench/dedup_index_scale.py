"""Peak memory and time of Common Crawl's incremental dedup (``duplicate_clusters``' index) against crawl size.

    .venv/bin/python bench/dedup_index_scale.py --data <data root of a materialized demo> [--scales 1 4 16]

For each scale N, one crawl of ``cc_filtered`` is written under a scratch lake: N copies of the demo's
CC-MAIN-2017-43 pages (``cc_documents``), each copy with fresh doc_ids and, past the first, its letters passed
through the copy's own substitution cipher (lengths and within-page repetition kept, no copy repeating another's
words, so the copies are distinct documents; the demo's own near-duplicates stay near-duplicates within each copy,
and only the first copy holds copies of WebText pages), beside the demo's WebText as the reference removed from
Common Crawl. ``incremental_cc`` (the asset's code path: WebText signed to disk, the crawl read in record batches,
each batch signed once, its WebText copies removed, the rest added to the index) then runs in a fresh process
whose peak RSS (``ru_maxrss``) is reported with its documents per second.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CRAWL = "CC-MAIN-2017-43"


def build(data: Path, lake_root: Path, scale: int) -> int:
    import polars as pl
    import pyarrow.parquet as pq

    from gpt_assets.lake import Lake

    lake = Lake(lake_root)
    pages = pl.read_parquet(data / "lake" / "cc_documents" / f"{CRAWL}.parquet", columns=["doc_id", "text"])
    out = lake.part_path("cc_filtered", CRAWL)
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    writer = None
    for copy in range(scale):
        lower = list(string.ascii_lowercase)
        rng.shuffle(lower)
        cipher = str.maketrans(string.ascii_letters, "".join(lower) + "".join(lower).upper()) if copy else {}
        frame = pages.select((pl.col("doc_id") + f"-{copy:04d}").alias("doc_id"), pl.lit(CRAWL).alias("crawl"),
                             pl.col("text").map_elements(lambda t, c=cipher: t.translate(c), return_dtype=pl.String))
        table = frame.to_arrow()
        writer = writer or pq.ParquetWriter(out, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=20_000)
    writer.close()
    webtext = data / "lake" / "webtext_documents"
    shutil.copytree(webtext, lake.table_dir("webtext_documents"))
    return pages.height * scale


def run(lake_root: str) -> dict:
    from gpt_assets.defs.dedup import DedupAssetConfig, incremental_cc
    from gpt_assets.resources import DataRoot

    cfg = DedupAssetConfig()
    data = DataRoot(path=lake_root)
    t0 = time.perf_counter()
    out = incremental_cc(data, cfg.dedup_config(), cfg, logging.getLogger("bench"))
    seconds = time.perf_counter() - t0
    return {"documents": out.height, "seconds": round(seconds, 2), "docs_per_s": round(out.height / seconds),
            "kept": int(out["kept"].sum()), "webtext_copies": int(out["reason"].str.starts_with("webtext").sum()),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="data root of a materialized demo")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lake:  # the child process: one run, one measurement
        print(json.dumps(run(args.lake)))
        return
    print("| scale | documents | seconds | documents/s | kept | WebText copies | peak RSS (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for scale in args.scales:
        scratch = Path(tempfile.mkdtemp(prefix="dedup_index_scale_"))
        try:
            docs = build(Path(args.data), scratch, scale)
            out = subprocess.run([sys.executable, __file__, "--data", args.data, "--lake", str(scratch)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {scale}x | {docs:,} | {r['seconds']} | {r['docs_per_s']:,} | {r['kept']:,} | "
                  f"{r['webtext_copies']:,} | {r['peak_rss_mb']:,} |", flush=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
