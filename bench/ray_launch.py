"""Two ways to launch a crawl's shards on Ray from Dagster, side by side on one crawl (issue 14: "dagster-ray or
Dagster Pipes, choose by trying both").

    .venv/bin/pip install "ray[default]" dagster-ray     # not project dependencies: Ray's job server, Pipes client
    RAY_AUTH_MODE=disabled .venv/bin/ray start --head --num-cpus 2 --include-dashboard true --dashboard-host 127.0.0.1
    RAY_AUTH_MODE=disabled .venv/bin/python bench/ray_launch.py --data <demo data root> [--crawl CC-MAIN-2017-47]
    .venv/bin/ray stop

* **in the asset** (what ``resources.shards.backend=ray`` does): the asset's process is the Ray driver and submits
  one task per shard (``RayRunner``), joining the running cluster (``ray_address: auto``) or starting a Ray of its
  own (empty address);
* **Pipes**: dagster-ray's ``PipesRayJobClient`` submits ``bench/ray_launch_job.py`` as a Ray job (a new driver
  process on the cluster, started through the job server), which runs the same shard runner and reports its
  materialization back through Dagster Pipes.

Each way's wall time from the call to the scores written, and the scores' mean (the same file either way).
"""

# No `from __future__ import annotations`: Dagster reads the asset's annotations.

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import dagster as dg
    import ray
    from dagster_ray import PipesRayJobClient

    from gpt_assets.lake import Lake
    from gpt_assets.quality_stage import score_crawl
    from gpt_assets.shards import RayRunner

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--crawl", default="CC-MAIN-2017-47")
    parser.add_argument("--shard-rows", type=int, default=25_000)
    args = parser.parse_args()
    pointer = Path(args.data) / "checkpoints" / "quality_classifier" / "LATEST"
    model = pointer.parent / pointer.read_text().strip() / "model.bin"
    rows = []
    for name, address in (("in the asset, joining the cluster", "auto"), ("in the asset, a Ray of its own", "")):
        t0 = time.perf_counter()
        s = score_crawl(Lake(args.data), args.crawl, model, "bench", runner=RayRunner(address or None, workers=2),
                        shard_rows=args.shard_rows)
        rows.append((name, time.perf_counter() - t0, s.histogram.mean()))
        ray.shutdown()

    @dg.asset
    def pipes_scores(context: dg.AssetExecutionContext, ray_pipes: PipesRayJobClient):
        return ray_pipes.run(context=context, submit_job_params={
            "entrypoint": f"{sys.executable} {ROOT / 'bench' / 'ray_launch_job.py'}"},
            extras={"lake": args.data, "crawl": args.crawl, "model": str(model), "shard_rows": args.shard_rows},
        ).get_materialize_result()

    t0 = time.perf_counter()
    result = dg.materialize([pipes_scores], resources={"ray_pipes": PipesRayJobClient(address="http://127.0.0.1:8265")})
    meta = result.asset_materializations_for_node("pipes_scores")[0].metadata
    rows.append((f"Pipes (PipesRayJobClient), {meta['seconds_in_job'].value} s of it in the job",
                 time.perf_counter() - t0, meta["mean_score"].value))
    print(f"{args.crawl}, shards of {args.shard_rows:,}")
    print("| launch | seconds | mean score |")
    print("|---|---:|---:|")
    for name, seconds, mean in rows:
        print(f"| {name} | {seconds:.1f} | {mean:.4f} |")


if __name__ == "__main__":
    main()
