"""The Ray job that bench/ray_launch.py submits through Dagster Pipes: one crawl scored with the shard runner on
the cluster the job runs in, reported back to Dagster as a materialization."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dagster_pipes import open_dagster_pipes  # noqa: E402

from gpt_assets.lake import Lake  # noqa: E402
from gpt_assets.quality_stage import score_crawl  # noqa: E402
from gpt_assets.shards import RayRunner  # noqa: E402

with open_dagster_pipes() as pipes:
    extras = pipes.extras
    t0 = time.perf_counter()
    summary = score_crawl(Lake(extras["lake"]), extras["crawl"], Path(extras["model"]), "pipes",
                          runner=RayRunner(address="auto"), shard_rows=int(extras["shard_rows"]))
    pipes.report_asset_materialization(metadata={"documents": summary.documents,
                                                 "mean_score": round(summary.histogram.mean(), 4),
                                                 "seconds_in_job": round(time.perf_counter() - t0, 2)})
