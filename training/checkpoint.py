"""Checkpoints: atomic final ``save_pretrained`` folders, intermediate checkpoints, resume, curves.

Layout for a run with ``out_dir`` and ``name``::

    <out_dir>/<name>/                         final: safetensors + config + tokenizer + metrics.json (+ curve.png)
    <out_dir>/.<name>.partial/                being written; renamed to <name> when complete
    <out_dir>/.<name>.intermediate/step_NNNNNNNN/   model(s) + optimizer + RNG + step + history
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model, save_model
from torch import nn

from training.config import RunConfig, run_key
from training.distributed import World, barrier
from training.runtime import LogFn, print_log, rng_state, set_rng_state

STEP_PREFIX = "step_"
CURVE_KEYS = ("loss", "val_loss", "val_ppl", "accuracy", "reward", "gold", "kl", "pg_loss", "vf_loss", "ptx_loss")


def atomic_dir(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on ``<parent>/.<name>.partial``, then rename it to ``target``.

    A folder named ``target`` is therefore always complete; an old one is replaced only after the new one is written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    write(partial)
    if target.exists():
        old = target.parent / f".{target.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        partial.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        partial.rename(target)
    return target


def save_pretrained(model: nn.Module, tokenizer: Any, target: Path, metrics: dict[str, float] | None = None,
                    history: list[dict[str, float]] | None = None) -> Path:
    """Write a Hugging Face folder (safetensors + tokenizer + metrics.json + curve.png) atomically."""

    def write(tmp: Path) -> None:
        model.save_pretrained(tmp)
        if tokenizer is not None:
            tokenizer.save_pretrained(tmp)
        (tmp / "metrics.json").write_text(json.dumps({"metrics": metrics or {}, "history": history or []}, indent=1))
        if history:
            plot_history(history, tmp / "curve.png")

    return atomic_dir(target, write)


def plot_history(history: list[dict[str, float]], path: Path) -> bool:
    """Plot the loss/reward metrics against the step into a PNG; without matplotlib write a note (curve.txt)."""
    try:
        from matplotlib.figure import Figure  # no pyplot: no global backend or figure state
    except ImportError:
        path.with_suffix(".txt").write_text("curve not drawn: matplotlib is not installed\n")
        return False
    present = {k for row in history for k in row}
    keys = [k for k in CURVE_KEYS if k in present]
    if not keys:
        return False
    fig = Figure(figsize=(6, 1.8 * len(keys)))
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    for ax, key in zip(axes, keys, strict=True):
        points = [(row["step"], row[key]) for row in history if key in row and math.isfinite(row[key])]
        if points:
            ax.plot(*zip(*points, strict=True))
        ax.set_ylabel(key, fontsize=7)
    axes[-1].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return True


class Checkpointer:
    """Intermediate checkpoints and resume for one run, plus its atomic final save.

    The learning-rate schedule is a pure function of the step and the data order is drawn from
    :func:`training.runtime.step_generator`, so (modules, optimizer, RNG, step) is the whole training state.

    Under torchrun every rank resumes from the same files and only rank 0 writes; the others wait for it.
    """

    def __init__(self, cfg: RunConfig, modules: dict[str, nn.Module], optimizer: torch.optim.Optimizer,
                 log: LogFn = print_log, world: World | None = None):
        self.world = world or World()
        self.cfg = cfg
        self.modules = modules
        self.optimizer = optimizer
        self.log = log
        self.key = run_key(cfg)
        self.dir = Path(cfg.out_dir) / f".{cfg.name}.intermediate"

    def completed(self) -> list[Path]:
        """Finished intermediate checkpoints of this run, oldest first."""
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.iterdir() if p.is_dir() and p.name.startswith(STEP_PREFIX))

    def resume(self) -> tuple[int, list[dict[str, float]]]:
        """Load the latest intermediate checkpoint of the same run; returns (step, history), (0, []) if none."""
        checkpoints = self.completed()
        if not checkpoints:
            return 0, []
        key_file = self.dir / "run_key"
        if not key_file.exists() or key_file.read_text() != self.key:
            self.log(0, {"resume_skipped_config_changed": 1.0})
            barrier(self.world)  # every rank has looked before rank 0 removes
            if self.world.main:
                shutil.rmtree(self.dir)
            return 0, []
        latest = checkpoints[-1]
        for name, module in self.modules.items():
            load_model(module, str(latest / f"{name}.safetensors"), device=str(next(module.parameters()).device))
        self.optimizer.load_state_dict(torch.load(latest / "optimizer.pt", weights_only=True))
        state = torch.load(latest / "state.pt", weights_only=True)
        set_rng_state(state["rng"])
        history = json.loads((latest / "history.json").read_text())
        self.log(state["step"], {"resumed_from_step": float(state["step"])})
        return state["step"], history

    def maybe_save(self, step: int, history: list[dict[str, float]], total_steps: int) -> Path | None:
        """Save after ``step`` completed steps when it is due (never for the final step: that is the finished run)."""
        every = self.cfg.checkpoint_every
        if every <= 0 or step % every != 0 or step >= total_steps:
            return None
        path = self._save(step, history) if self.world.main else None
        barrier(self.world)
        return path

    def _save(self, step: int, history: list[dict[str, float]]) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "run_key").write_text(self.key)

        def write(tmp: Path) -> None:
            for name, module in self.modules.items():
                save_model(module, str(tmp / f"{name}.safetensors"))
            torch.save(self.optimizer.state_dict(), tmp / "optimizer.pt")
            torch.save({"step": step, "rng": rng_state()}, tmp / "state.pt")
            (tmp / "history.json").write_text(json.dumps(history))

        path = atomic_dir(self.dir / f"{STEP_PREFIX}{step:08d}", write)
        for old in self.completed()[: -max(1, self.cfg.keep_checkpoints)]:
            shutil.rmtree(old)
        return path

    def finish(self, model: nn.Module, tokenizer: Any, metrics: dict[str, float],
               history: list[dict[str, float]]) -> Path:
        """Write the final checkpoint atomically, then drop the intermediate ones."""
        if self.world.main:
            save_pretrained(model, tokenizer, self.cfg.final_dir, metrics, history)
            shutil.rmtree(self.dir, ignore_errors=True)
        barrier(self.world)
        return self.cfg.final_dir
