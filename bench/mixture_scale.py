"""Peak memory of ``training_mixture`` against corpus size: the plan from ids and token counts, texts gathered by
DuckDB out of core, against the whole corpus loaded as one frame (issue 14).

    .venv/bin/python bench/mixture_scale.py --data <data root of a materialized demo> [--scales 1 16]

For each scale N, ``pretraining_documents`` is N copies of the demo's (fresh doc_ids per copy), and the mixture's
budget N times the demo's; each way runs in a fresh process (peak ``ru_maxrss``) and the outputs must agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(way: str, root: str, budget: int) -> None:
    import polars as pl

    from gpt_assets.lake import Lake, gather
    from gpt_assets.mixture import MixtureConfig, sample

    lake = Lake(root)
    cfg = MixtureConfig(token_budget=budget)
    out = Path(root) / f"{way}.parquet"
    t0 = time.perf_counter()
    if way == "whole":
        docs = lake.scan("pretraining_documents").select("source", "doc_id", "text", "n_tokens").collect()
        sample(docs, cfg)[0].write_parquet(out)
    else:
        docs = lake.scan("pretraining_documents").select("source", "doc_id", "n_tokens").collect()
        gather(sample(docs, cfg)[0], lake.parts("pretraining_documents"), ["source", "doc_id"], ["text"], out)
    seconds = time.perf_counter() - t0
    rows = pl.scan_parquet(out).select(pl.len()).collect().item()
    print(json.dumps({"seconds": round(seconds, 1), "rows": rows,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


def main() -> None:
    import polars as pl

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    src = Path(args.data) / "lake" / "pretraining_documents"
    budget = int(pl.read_parquet(Path(args.data) / "lake" / "mixture_summary").item(0, "token_budget"))
    print("| scale | documents | text (MB) | way | seconds | peak RSS (MB) |")
    print("|---:|---:|---:|---|---:|---:|")
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            part = Path(tmp) / "lake" / "pretraining_documents" / "all.parquet"
            part.parent.mkdir(parents=True)
            base = pl.read_parquet(src)
            with_copies = pl.concat([base.with_columns(pl.col("doc_id") + f"-{k}") for k in range(scale)])
            with_copies.write_parquet(part, row_group_size=20_000)
            mb = with_copies["text"].str.len_bytes().sum() / 1e6
            n = with_copies.height
            del base, with_copies
            results = {}
            for way in ("whole", "gather"):
                out = subprocess.run([sys.executable, __file__, "--child", way, tmp, str(budget * scale)],
                                     capture_output=True, text=True, check=True)
                r = results[way] = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"| {scale}x | {n:,} | {mb:,.0f} | {way} | {r['seconds']} | {r['peak_mb']:,} |", flush=True)
            same = pl.read_parquet(Path(tmp) / "whole.parquet").equals(pl.read_parquet(Path(tmp) / "gather.parquet"))
            print(f"| {scale}x | | | outputs identical: {same} | | |")


if __name__ == "__main__":
    main()
