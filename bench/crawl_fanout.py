"""The per-shard quality stages fanned out on Ray: 2 local workers against 1 (issue 14: at least 1.7x).

    .venv/bin/python bench/crawl_fanout.py --data <data root of a materialized demo> [--scale 16] [--shard-rows 25000]

One crawl of ``--scale`` times the demo's CC-MAIN-2017-43 (fresh doc_ids per copy, as ``bench/crawl_scale.py``
builds it) is scored (``cc_quality_scores``) and filtered (``cc_filtered``) three ways in this process, one after
the other: in-process (the demo's runner), on a local Ray of 1 CPU and on a local Ray of 2 CPUs, each with shards
of ``--shard-rows`` documents. The outputs must be identical; the ratios are what to compare across machines.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crawl_scale import CRAWL, build  # noqa: E402


def stages(lake_root: Path, model: Path, runner, shard_rows: int) -> tuple[float, float, bytes]:
    from gpt_assets.lake import Lake
    from gpt_assets.quality_stage import filter_crawl, score_crawl

    lake = Lake(lake_root)
    t0 = time.perf_counter()
    score_crawl(lake, CRAWL, model, "bench", runner=runner, shard_rows=shard_rows)
    t1 = time.perf_counter()
    filter_crawl(lake, CRAWL, 9.0, 0, "document_drops", "cc_filtered", runner=runner, shard_rows=shard_rows)
    t2 = time.perf_counter()
    import polars as pl

    digest = pl.read_parquet(lake.part_path("cc_filtered", CRAWL)).hash_rows().sum()
    return t1 - t0, t2 - t1, digest


def main() -> None:
    import ray

    from gpt_assets.shards import InProcess, RayRunner

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--scale", type=int, default=16)
    parser.add_argument("--shard-rows", type=int, default=25_000)
    args = parser.parse_args()
    data = Path(args.data)
    pointer = data / "checkpoints" / "quality_classifier" / "LATEST"
    model = pointer.parent / pointer.read_text().strip() / "model.bin"
    scratch = Path(tempfile.mkdtemp(prefix="crawl_fanout_"))
    try:
        docs = build(data / "lake" / "cc_documents" / f"{CRAWL}.parquet", scratch, args.scale)
        rows = {}
        for name, workers in (("in-process", 0), ("Ray, 1 worker", 1), ("Ray, 2 workers", 2)):
            runner = InProcess() if not workers else RayRunner(workers=workers)
            if workers:
                stages(scratch, model, runner, args.shard_rows)  # warm: workers started, the model loaded
            rows[name] = stages(scratch, model, runner, args.shard_rows)
            if workers:
                ray.shutdown()
        print(f"{docs:,} documents, shards of {args.shard_rows:,}")
        print("| runner | cc_quality_scores (s) | cc_filtered (s) | speed-up vs Ray 1 worker |")
        print("|---|---:|---:|---:|")
        base = sum(rows["Ray, 1 worker"][:2])
        for name, (score, filt, _) in rows.items():
            print(f"| {name} | {score:.1f} | {filt:.1f} | {base / (score + filt):.2f}x |")
        print("outputs identical:", len({r[2] for r in rows.values()}) == 1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
