"""AdamW with nanoGPT's weight-decay split, and learning-rate schedules as pure functions of the step."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Decay matrices (weights, embeddings); do not decay biases and LayerNorm gains."""
    params = [p for p in model.parameters() if p.requires_grad]  # tied weights appear once
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


def adamw(groups: Iterable[dict], lr: float, betas: tuple[float, float], eps: float,
          device: torch.device) -> torch.optim.AdamW:
    """AdamW, fused on CUDA."""
    return torch.optim.AdamW(list(groups), lr=lr, betas=betas, eps=eps, fused=device.type == "cuda")


def cosine_lr(step: int, *, max_lr: float, total_steps: int, warmup_steps: int = 0, min_ratio: float = 0.1) -> float:
    """Linear warmup to ``max_lr``, then cosine decay to ``min_ratio * max_lr`` at ``total_steps``."""
    if step < warmup_steps:
        return max_lr * (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return max_lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set every group's learning rate."""
    for group in optimizer.param_groups:
        group["lr"] = lr
