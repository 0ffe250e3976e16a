"""Data parallelism under ``torchrun``: one process per device, gradients summed across processes, rank 0 writes.

``torchrun`` sets ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK``; without them every function here is a no-op (a world
of one process). The stages compute the same global batch on every rank (batch order is a function of seed and
step), each rank runs its share of the micro-batches with the loss already weighted as a share of the *global*
batch, and :func:`sum_gradients` adds the ranks' gradients in one flat all-reduce. A step is therefore the same
step whatever the number of processes, up to floating-point summation order; the tests check this.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import nn

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """This process's place among the data-parallel processes."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Rank 0: the one process that writes checkpoints and logs."""
        return self.rank == 0

    def mine(self, items: Sequence[T]) -> list[T]:
        """This rank's share of ``items`` (round-robin)."""
        return list(items[self.rank::self.size])


def world() -> World:
    """The world torchrun describes in the environment (one process when it does not)."""
    return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                 int(os.environ.get("LOCAL_RANK", 0)))


def init(device: torch.device) -> tuple[World, torch.device]:
    """Join the process group (NCCL on CUDA, gloo on CPU) when launched by torchrun; each rank gets its own GPU."""
    w = world()
    if w.size > 1:
        if device.type == "cuda":
            torch.cuda.set_device(w.local_rank)
            device = torch.device("cuda", w.local_rank)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return w, device


def single_process() -> None:
    """Refuse a launch under torchrun for stages that run in one process (sampling, PPO, evaluation)."""
    if world().size > 1:
        raise RuntimeError("this stage runs in a single process; launch it with python -m, not torchrun")


def broadcast_parameters(model: nn.Module, w: World) -> None:
    """Start every rank from rank 0's weights."""
    if w.size > 1:
        for tensor in [*model.parameters(), *model.buffers()]:
            dist.broadcast(tensor.data, src=0)


def sum_gradients(model: nn.Module, w: World) -> None:
    """Add the gradients of all ranks, in one flat all-reduce (a rank without a micro-batch contributes zeros)."""
    if w.size == 1:
        return
    params = [p for p in model.parameters() if p.requires_grad]
    flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params])
    dist.all_reduce(flat)
    offset = 0
    for p in params:
        n = p.numel()
        p.grad = flat[offset:offset + n].view_as(p).clone()
        offset += n


def all_sum(value: float, w: World, device: torch.device) -> float:
    """The sum of a per-rank number over all ranks (e.g. each rank's share of the batch loss)."""
    if w.size == 1:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t.item())


def barrier(w: World) -> None:
    if w.size > 1:
        dist.barrier()


@contextlib.contextmanager
def main_first(w: World) -> Iterator[bool]:
    """Rank 0 runs the block (e.g. writes a shared file), the others wait for it and then run theirs."""
    if not w.main:
        barrier(w)
    yield w.main
    if w.main:
        barrier(w)


def close() -> None:
    """Leave the process group (end of a torchrun launch)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
