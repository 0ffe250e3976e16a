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
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import polars as pl
from pydantic import Field

from gpt_assets.defs.common import md_table
from gpt_assets.heldout import is_heldout
from gpt_assets.resources import Compute, DataRoot

GROUP = "training"
POOL = "gpu"


class TrainingConfig(dg.Config):
    """``preset``: ``auto`` = ``gpt2-124m`` where CUDA is present, else ``tiny``; ``overrides``: any config field.

    Subclasses declare the paper's parameters of their stage as typed fields (the launchpad shows them with their
    defaults and sources). A field whose default is None takes the preset's value; ``overrides`` win over both.
    """

    preset: str = Field(default="auto", description="auto = gpt2-124m where CUDA is present, else tiny (a CPU "
                        "budget); the preset sets the sizes and budgets the paper gives per model size.")
    overrides: dict[str, Any] = Field(default={}, description="Any field of the stage's training config (training/), "
                                      "over the preset and the fields here, e.g. {\"max_steps\": 30}.")
    heldout_share: float = Field(default=0.02, description="Ours: documents / pairs held out for perplexity and "
                                 "validation loss (the same keys for every asset).")
    nproc_per_node: int = Field(default=1, description="Above 1: base_lm, sft_model and reward_model train under "
                                "torchrun, one process per GPU.")

    TRAINING_FIELDS: ClassVar[tuple[str, ...]] = ()  # the typed fields that are fields of the training config

    def params(self) -> dict[str, Any]:
        """The stage's typed paper parameters that are set (not None), for ``training.config.from_dict``."""
        return {k: getattr(self, k) for k in self.TRAINING_FIELDS if getattr(self, k) is not None}

    def training_config(self, preset: str, **fixed: Any) -> dict[str, Any]:
        """What ``from_dict`` gets: the preset, the fixed fields, the typed parameters, then ``overrides``."""
        return {"preset": preset, **fixed, **self.params(), **self.overrides}


def resolved_table(cfg) -> dg.MetadataValue:
    """The resolved training config of a run (preset, typed fields and overrides applied) as a table."""
    rows = [{"field": k, "value": v} for k, v in asdict(cfg).items()
            if not k.endswith("_path") and k not in ("extra_val_paths",) and v not in ("", {}, None)]
    return dg.MetadataValue.md(md_table(rows, limit=100))


def resolve_preset(config: TrainingConfig, compute: Compute) -> tuple[str, str]:
    device = compute.torch_device()
    preset = config.preset if config.preset != "auto" else ("gpt2-124m" if device.startswith("cuda") else "tiny")
    return preset, device


def heldout(keys: pl.Series, share: float) -> pl.Series:
    """The held-out mask of a column of keys (documents, prompts): the same keys are held out by every asset."""
    return keys.map_elements(lambda k: is_heldout(k, share), return_dtype=pl.Boolean)


def pretraining_texts(data: DataRoot, heldout_share: float) -> pl.DataFrame:
    """``doc_id``, ``text`` of the training mixture's documents (one copy each) that perplexity does not hold out:
    the pretraining distribution for PPO-ptx's term (and SFT's, when on)."""
    mix = data.lake.scan("training_mixture").filter(pl.col("copy") == 0).select("doc_id", "text").collect()
    return mix.filter(~heldout(mix["doc_id"], heldout_share))


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
