"""Launch a ``training/`` stage from an asset: in-process, or through Dagster Pipes as ``torchrun`` processes.

With ``nproc_per_node`` above 1 the asset writes its inputs as parquet files beside the checkpoint, writes the run
config as JSON, and runs ``python -m torch.distributed.run --standalone --nproc_per_node N -m training.<stage>
--config file`` under ``dg.PipesSubprocessClient`` (a cancelled Dagster run terminates the processes; their output
goes to the step's compute logs). The stage's CLI writes the same finished checkpoint folder an in-process run
writes, and the asset reads its metrics back from it. The run config's fields decide the version, not the launch, so
a run started one way resumes the other way only when the data paths match (the launch folder is fixed per version).
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from gpt_assets.defs.checkpoints import saved_run

Inputs = dict[str, pl.DataFrame | dict[str, pl.DataFrame]]


def train_or_reuse(context: dg.AssetExecutionContext, cfg: Any, nproc: int, module: str,
                   inputs: Callable[[], Inputs], in_process: Callable[[], dict]) -> dict:
    """The metrics of the run ``cfg`` names: a finished folder's, else a torchrun launch's (``nproc`` > 1), else
    ``in_process()``'s. ``inputs`` builds the frames for the launch only when it happens."""
    saved = saved_run(cfg.final_dir)
    if saved:
        return saved["metrics"]
    if nproc > 1:
        return torchrun(context, module, cfg, nproc, inputs())
    return in_process()


def torchrun(context: dg.AssetExecutionContext, module: str, cfg: Any, nproc: int, inputs: Inputs) -> dict:
    """Run ``python -m <module> --config`` under torchrun with ``nproc`` processes; returns the finished run's metrics.

    ``inputs`` maps config fields (``train_path``, ``data_path``, ...) to the frames written for them; a field that
    holds named paths (``extra_val_paths``) maps to a dict of frames.
    """
    launch = Path(cfg.out_dir) / f".{cfg.name}.launch"
    launch.mkdir(parents=True, exist_ok=True)

    def write(name: str, frame: pl.DataFrame) -> str:
        frame.write_parquet(launch / f"{name}.parquet")
        return str(launch / f"{name}.parquet")

    paths: dict[str, Any] = {}
    for field, frame in inputs.items():
        paths[field] = {k: write(f"{field}.{k}", f) for k, f in frame.items()} if isinstance(frame, dict) \
            else write(field, frame)
    cfg = replace(cfg, **paths)
    config_file = launch / "config.json"
    config_file.write_text(json.dumps(asdict(cfg), indent=1))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", module, "--config", str(config_file)]
    context.log.info(f"launching {' '.join(command)}")
    root = str(Path(__file__).resolve().parents[2])  # the repository, so `-m training.<stage>` resolves
    env = {"PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p),
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))}
    dg.PipesSubprocessClient().run(context=context, command=command, env=env)
    saved = saved_run(cfg.final_dir)
    if saved is None:
        raise dg.Failure(f"{module} under torchrun exited cleanly but left no finished checkpoint at {cfg.final_dir}")
    shutil.rmtree(launch, ignore_errors=True)
    return saved["metrics"]
