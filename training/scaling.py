"""GPT-4's predictable scaling (GPT-4 report §3.1): train a ladder of small models, fit L(C) = a·C^(-b) + c on all
but the largest, forecast the largest's final loss before it trains, then train it and compare.

Compute is Kaplan et al.'s C = 6·N·D (N non-embedding parameters, D training tokens). A rung's tokens are either
Chinchilla's D = ``tokens_per_param``·N (Hoffmann et al. 2022: ~20 tokens a parameter at the compute optimum) or the
same fixed number of steps for every rung (what a CPU-sized ladder needs: bench/RESULTS.md). Plain functions: the
ladder, the fit with its interval, the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from training.pretrain import PretrainConfig


@dataclass(frozen=True)
class Rung:
    n_layer: int
    n_embd: int
    n_head: int
    params: int  # non-embedding parameters (Kaplan et al.: 12·n_layer·n_embd² plus biases and norms)
    steps: int
    tokens: int  # steps x batch x context

    @property
    def compute(self) -> float:
        """Training FLOPs, C = 6·N·D (Kaplan et al. 2020, §2.1)."""
        return 6.0 * self.params * self.tokens


def non_embedding_params(n_layer: int, n_embd: int) -> int:
    """A GPT-2 block's weights and biases (attention 4d² + 4d, MLP 8d² + 5d, two layer norms 4d) times the layers,
    plus the final norm: what ``GPT2LMHeadModel`` holds besides its token and position embeddings."""
    d = n_embd
    return n_layer * (12 * d * d + 13 * d) + 2 * d


def ladder(base: PretrainConfig, widths: Sequence[int], n_layer: int, tokens_per_param: float, steps: int = 0,
           head_dim: int = 16) -> list[Rung]:
    """One rung per width, ``n_layer`` deep, trained on ``tokens_per_param`` tokens a parameter (at least one
    step), or on ``steps`` steps each when set, in increasing compute."""
    per_step = base.batch_size * base.n_ctx
    rungs = []
    for d in sorted(widths):
        n = non_embedding_params(n_layer, d)
        n_steps = steps or max(1, round(tokens_per_param * n / per_step))
        rungs.append(Rung(n_layer, d, max(1, d // head_dim), n, n_steps, n_steps * per_step))
    return rungs


def rung_config(base: PretrainConfig, rung: Rung) -> PretrainConfig:
    """The pretraining config of a rung: the base's optimizer and schedule, the rung's shape and steps."""
    return replace(base, n_layer=rung.n_layer, n_embd=rung.n_embd, n_head=rung.n_head, max_steps=rung.steps,
                   warmup_steps=min(base.warmup_steps, max(1, rung.steps // 10)),
                   eval_every=max(rung.steps, 1), log_every=max(1, rung.steps // 5))


@dataclass(frozen=True)
class Fit:
    a: float
    b: float
    c: float  # the irreducible loss

    def __call__(self, compute: np.ndarray | float) -> np.ndarray | float:
        return self.a * np.power(compute, -self.b) + self.c


def fit_power_law(compute: Sequence[float], loss: Sequence[float], grid: int = 400) -> Fit:
    """Least squares L = a·C^(-b) + c: for each c on a grid below the smallest loss, a and b by linear least squares
    of log(L - c) on log C; the c (and its a, b) with the smallest squared error in L. b > 0 is kept; with no
    decrease in the data, c = min(L) and b = 0."""
    x, y = np.log(np.asarray(compute, float)), np.asarray(loss, float)
    best: tuple[float, Fit] | None = None
    low = float(y.min())
    for c in low * (1.0 - np.geomspace(1.0, 1e-4, grid)):
        slope, intercept = np.polyfit(x, np.log(y - c), 1)
        if slope >= 0:
            continue
        f = Fit(float(math.exp(intercept)), float(-slope), float(c))
        err = float(((f(np.exp(x)) - y) ** 2).sum())
        if best is None or err < best[0]:
            best = (err, f)
    return best[1] if best else Fit(0.0, 0.0, low)


def forecast(compute: Sequence[float], loss: Sequence[float], target: float, draws: int = 400,
             seed: int = 0) -> tuple[float, float, float, Fit]:
    """The fit's forecast of the loss at ``target`` compute, with a 95% interval from a residual bootstrap (each
    draw refits on the fitted values plus resampled residuals, inflated for the three parameters fitted):
    (forecast, low, high, fit)."""
    c, y = np.asarray(compute, float), np.asarray(loss, float)
    f = fit_power_law(c, y)
    point = float(f(target))
    resid = y - f(c)
    dof = max(1, len(y) - 3)
    scale = math.sqrt(len(y) / dof)
    rng = np.random.default_rng(seed)
    sims = [float(fit_power_law(c, f(c) + scale * rng.choice(resid, len(y)))(target)) for _ in range(draws)]
    lo, hi = np.percentile(sims, [2.5, 97.5]) if len(y) > 3 else (point, point)
    return point, float(min(lo, point)), float(max(hi, point)), f


def plot(rungs: Sequence[Rung], losses: Sequence[float], fit: Fit, predicted: tuple[float, float, float],
         path: Path) -> None:
    """Final loss against compute on log axes: the fitted rungs, the fit extended to the largest, its forecast with
    the interval, and the largest's actual loss (GPT-4 report Figure 1's view)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = np.array([r.compute for r in rungs])
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.scatter(c[:-1], losses[:-1], color="C0", label="fitted rungs", zorder=3)
    grid = np.geomspace(c.min() / 1.5, c.max() * 1.5, 100)
    ax.plot(grid, fit(grid), color="C0", linestyle="--",
            label=f"L = {fit.a:.3g}·C^-{fit.b:.3g} + {fit.c:.3g}")
    point, lo, hi = predicted
    ax.errorbar([c[-1]], [point], yerr=[[point - lo], [hi - point]], color="C1", marker="s", capsize=3,
                label="forecast (95%)")
    ax.scatter([c[-1]], [losses[-1]], color="C3", marker="*", s=120, label="largest, trained", zorder=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training compute C = 6·N·D (FLOPs)")
    ax.set_ylabel("final held-out loss (nats/token)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
