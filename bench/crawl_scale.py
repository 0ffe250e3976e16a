"""Peak memory and throughput of the streamed Common Crawl stages against crawl size (issue 14).

    .venv/bin/python bench/crawl_scale.py --data <data root of a materialized demo> [--scales 1 4 16 64]

For each scale N, one crawl of N times the demo's CC-MAIN-2017-43 (each copy with fresh doc_ids, so nothing is a
duplicate) is written under a scratch lake, then ``cc_quality_scores`` (``quality_stage.score_crawl``) and
``cc_filtered`` (``quality_stage.filter_crawl``) run on it, each in a fresh process whose peak RSS
(``ru_maxrss``) is reported with its documents per second. Memory is flat when the stages are bounded by a batch.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CRAWL = "CC-MAIN-2017-43"


def build(src: Path, lake_root: Path, scale: int) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from gpt_assets.lake import Lake

    lake = Lake(lake_root)
    out = lake.part_path("cc_documents", CRAWL)
    out.parent.mkdir(parents=True, exist_ok=True)
    table = pq.read_table(src)
    with pq.ParquetWriter(out, table.schema, compression="zstd") as writer:
        for copy in range(scale):
            ids = pc.binary_join_element_wise(table.column("doc_id"), pa.scalar(f"{copy:04d}"), "-")
            writer.write_table(table.set_column(0, "doc_id", ids), row_group_size=20_000)
    return table.num_rows * scale


def run_stage(stage: str, lake_root: str, model: str) -> dict:
    from gpt_assets.lake import Lake
    from gpt_assets.quality_stage import filter_crawl, score_crawl

    lake = Lake(lake_root)
    t0 = time.perf_counter()
    if stage == "cc_quality_scores":
        n = score_crawl(lake, CRAWL, Path(model), "bench").documents
    else:
        n = filter_crawl(lake, CRAWL, 9.0, 0, "document_drops", "cc_filtered").scored
    seconds = time.perf_counter() - t0
    return {"documents": n, "seconds": round(seconds, 2), "docs_per_s": round(n / seconds),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="data root of a materialized demo")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:  # the child process: one stage, one measurement
        print(json.dumps(run_stage(args.stage, args.lake, args.model)))
        return
    data = Path(args.data)
    src = data / "lake" / "cc_documents" / f"{CRAWL}.parquet"
    pointer = data / "checkpoints" / "quality_classifier" / "LATEST"
    model = pointer.parent / pointer.read_text().strip() / "model.bin"
    print("| scale | documents | stage | seconds | documents/s | peak RSS (MB) |")
    print("|---:|---:|---|---:|---:|---:|")
    for scale in args.scales:
        scratch = Path(tempfile.mkdtemp(prefix="crawl_scale_"))
        try:
            docs = build(src, scratch, scale)
            for stage in ("cc_quality_scores", "cc_filtered"):
                out = subprocess.run([sys.executable, __file__, "--data", args.data, "--stage", stage, "--lake",
                                      str(scratch), "--model", str(model)], capture_output=True, text=True,
                                     check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"| {scale}x | {docs:,} | {stage} | {r['seconds']} | {r['docs_per_s']:,} | "
                      f"{r['peak_rss_mb']:,} |", flush=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
