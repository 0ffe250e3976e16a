"""Process-level concerns shared by the stages: seeds, RNG state, device, autocast, logging, results."""

from __future__ import annotations

import contextlib
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.data import random_blocks
from training.distributed import World, init, single_process

LogFn = Callable[[int, dict[str, float]], None]


def print_log(step: int, metrics: dict[str, float]) -> None:
    """Default progress logger: one JSON line per call on stderr."""
    print(json.dumps({"step": step, **{k: round(v, 6) for k, v in metrics.items()}}), file=sys.stderr, flush=True)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """The global RNG states as tensors and primitives (safe for ``torch.load(weights_only=True)``)."""
    version, py_state, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": {"version": version, "state": list(py_state), "gauss": gauss},
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    py = state["python"]
    random.setstate((py["version"], tuple(py["state"]), py["gauss"]))
    n = state["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def step_generator(seed: int, step: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A generator that depends only on (seed, step): data order and sampling survive a resume unchanged."""
    return torch.Generator(device=device).manual_seed(seed * 1_000_003 + step)


def resolve_device(device: str) -> torch.device:
    """'cpu' or 'cuda[:n]'; a clear error when CUDA is asked for and absent."""
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"config asks for device {device!r} but CUDA is not available: set device to 'cpu'")
    return dev


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA, nothing on CPU."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _seed_threads_device(cfg) -> torch.device:
    seed_everything(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    return resolve_device(cfg.device)


def setup(cfg) -> torch.device:
    """Seed everything, set the CPU thread count, and resolve the device of a single-process run config.

    Stages set up this way (sampling, PPO, evaluation) refuse a launch under torchrun.
    """
    single_process()
    return _seed_threads_device(cfg)


def setup_parallel(cfg, log: LogFn) -> tuple[World, torch.device, LogFn]:
    """Like :func:`setup`, but join torchrun's process group when launched by it; only rank 0 logs."""
    w, device = init(_seed_threads_device(cfg))
    return w, device, log if w.main else _silent


def _silent(step: int, metrics: dict[str, float]) -> None:
    return None


@dataclass
class TrainResult:
    """What a training stage hands back: the model, where it was saved, per-step metrics, final metrics."""

    model: torch.nn.Module
    path: Path | None
    history: list[dict[str, float]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)


def pretraining_backward(model: Any, tokens: np.ndarray, block_size: int, n_blocks: int, micro_batch_size: int,
                         coef: float, generator: torch.Generator, device: torch.device,
                         mine: Callable[[range], Any] | None = None) -> float:
    """Back-propagate ``coef`` times the mean next-token loss of ``n_blocks`` random windows of ``tokens``
    (``block_size`` tokens, 0 = the model's context), in micro-batches; ``mine`` picks this rank's micro-batches.
    Returns the loss (this rank's share): the pretraining term of PPO-ptx and of SFT's optional mix."""
    n_ctx = model.config.n_positions
    x = random_blocks(tokens, min(block_size or n_ctx, n_ctx), n_blocks, generator)
    starts = range(0, len(x), micro_batch_size)
    total = 0.0
    for i in mine(starts) if mine else starts:
        xb = x[i:i + micro_batch_size].to(device)
        with autocast(device):
            loss = model(input_ids=xb, labels=xb, use_cache=False).loss * len(xb) / len(x)
        (coef * loss).backward()
        total += loss.item()
    return total
