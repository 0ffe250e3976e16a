"""What the training assets share: the run config, presets, checkpoint versions, ``LATEST`` and the view.

A checkpoint is a ``save_pretrained`` folder under ``checkpoints/<asset>/<version>/``, the version a hash of the
run config and the inputs; ``LATEST`` names the finished version downstream assets read, and every finished
checkpoint is a row of the ``checkpoints`` view.
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from gpt_assets.resources import Compute, DataRoot

GROUP = "training"
POOL = "gpu"


class TrainingConfig(dg.Config):
    """``preset``: ``auto`` = ``gpt2-124m`` where CUDA is present, else ``tiny``; ``overrides``: any config field."""

    preset: str = "auto"
    overrides: dict[str, Any] = {}
    heldout_share: float = 0.02  # ours: documents / pairs held out for perplexity and validation loss
    nproc_per_node: int = 1  # >1: base_lm, sft_model and reward_model train under torchrun (one process per GPU)


def resolve_preset(config: TrainingConfig, compute: Compute) -> tuple[str, str]:
    device = compute.torch_device()
    preset = config.preset if config.preset != "auto" else ("gpt2-124m" if device.startswith("cuda") else "tiny")
    return preset, device


def is_heldout(key: str, share: float) -> bool:
    return int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16) / 2**64 < share


def heldout(keys: pl.Series, share: float) -> pl.Series:
    """The held-out mask of a column of keys (documents, prompts): the same keys are held out by every asset."""
    return keys.map_elements(lambda k: is_heldout(k, share), return_dtype=pl.Boolean)


def saved_run(folder: Path) -> dict | None:
    """``{"metrics", "history"}`` of a finished checkpoint folder, or None when the run has not finished."""
    if not (folder / "config.json").exists():
        return None
    return json.loads((folder / "metrics.json").read_text())


def numeric(metrics: dict) -> dict:
    """The finite numbers of a metrics dict (what Dagster metadata shows as values)."""
    return {k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)
            and math.isfinite(v)}


def version_of(cfg: Any, *inputs: str) -> str:
    from training.config import run_key

    h = hashlib.sha256(run_key(cfg).encode())
    for part in inputs:
        h.update(part.encode())
    return h.hexdigest()[:12]


def fingerprint(frame: pl.DataFrame, *cols: str) -> str:
    return str(frame.select(pl.concat_str(cols, separator="\x1f").hash().sum()).item())


def latest(data: DataRoot, asset: str) -> str:
    pointer = data.lake.checkpoints / asset / "LATEST"
    if not pointer.exists():
        raise dg.Failure(f"no finished {asset} under {pointer.parent}: materialize {asset} first")
    return str(pointer.parent / pointer.read_text().strip())


def record(context: dg.AssetExecutionContext, data: DataRoot, asset: str, version: str, metrics: dict) -> None:
    """Point LATEST at the version and list it in the ``checkpoints`` view."""
    folder = data.lake.checkpoints / asset
    tmp = folder / f".LATEST.{version}"
    tmp.write_text(version)
    tmp.replace(folder / "LATEST")
    row = pl.DataFrame([{"asset": asset, "version": version, "path": str(folder / version),
                         "run_id": context.run_id, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                         "metrics": json.dumps(metrics, sort_keys=True, default=float)}])
    data.lake.write_frame("checkpoints", row, version, sub=asset)
    data.publish("checkpoints")


def step_logger(context: dg.AssetExecutionContext):
    def log(step: int, metrics: dict) -> None:
        context.log.info(f"step {step}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                                      for k, v in metrics.items()))
    return log
