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
    of log(L - c) on log C (all grid points at once); the c (and its a, b) with the smallest squared error in L.
    b > 0 is kept; with no decrease in the data, c = min(L) and b = 0."""
    x, y = np.log(np.asarray(compute, float)), np.asarray(loss, float)
    low = float(y.min())
    cs = low * (1.0 - np.geomspace(1.0, 1e-4, grid))
    logs = np.log(y[None, :] - cs[:, None])  # grid x rungs
    xc = x - x.mean()
    slope = (logs * xc).sum(axis=1) / (xc * xc).sum()
    intercept = logs.mean(axis=1) - slope * x.mean()
    ok = slope < 0
    if not ok.any():
        return Fit(0.0, 0.0, low)
    pred = np.exp(intercept[:, None] + slope[:, None] * x[None, :]) + cs[:, None]
    err = np.where(ok, ((pred - y[None, :]) ** 2).sum(axis=1), np.inf)
    i = int(np.argmin(err))
    return Fit(float(math.exp(intercept[i])), float(-slope[i]), float(cs[i]))


@dataclass(frozen=True)
class Forecast:
    point: float  # the fit at the target compute
    low: float  # 95% prediction interval of the mean of ``runs`` runs at the target
    high: float
    fit: Fit
    run_sd: float  # one run's standard deviation about the fit
    dof: int  # its degrees of freedom: runs - 3


def forecast(compute: Sequence[float], losses: Sequence[Sequence[float]], target: float, runs: int = 1,
             draws: int = 400, seed: int = 0) -> Forecast:
    """The fit's forecast of the mean loss of ``runs`` training runs at ``target`` compute, with a 95% prediction
    interval.

    ``losses`` holds each rung's runs (one per seed); the fit is to their means. One run's standard deviation σ is
    that of every run about the fit, with (runs - 3) degrees of freedom: the seeds' spread within a rung and a
    ladder bending away from one power law both widen it. Each parametric-bootstrap draw takes σ from its scaled
    inverse-χ² (the uncertainty of a σ read off a few runs), refits on the fitted means plus noise of σ/√n, and
    adds the target's own noise σ/√runs: the interval is where the trained largest rung should land, seed noise
    included, not only where the curve is. One run per rung leaves one degree of freedom and a very wide interval;
    with three seeds per rung it is useful and held on the demo's ladder, two missed on one pair (bench/RESULTS.md).
    """
    c = np.asarray(compute, float)
    groups = [np.asarray(g, float) for g in losses]
    n = np.array([len(g) for g in groups], float)
    y = np.array([g.mean() for g in groups])
    f = fit_power_law(c, y)
    point = float(f(target))
    dof = int(n.sum()) - 3
    if dof < 1:
        return Forecast(point, point, point, f, 0.0, 0)
    var = float(sum(((g - f(ci)) ** 2).sum() for g, ci in zip(groups, c, strict=True)) / dof)
    rng = np.random.default_rng(seed)
    sims = []
    for _ in range(draws):
        sd = math.sqrt(var * dof / rng.chisquare(dof))
        refit = fit_power_law(c, np.maximum(f(c) + rng.normal(0.0, sd / np.sqrt(n)), 1e-3))
        sims.append(float(refit(target)) + float(rng.normal(0.0, sd / math.sqrt(runs))))
    lo, hi = np.percentile(sims, [2.5, 97.5])
    return Forecast(point, float(min(lo, point)), float(max(hi, point)), f, math.sqrt(var), dof)


def plot(rungs: Sequence[Rung], losses: Sequence[float], fit: Fit, predicted: tuple[float, float, float],
         path: Path, runs: Sequence[Sequence[float]] = ()) -> None:
    """Final loss against compute on log axes: the fitted rungs (their means; each seed's run faint), the fit
    extended to the largest, its forecast with the interval, and the largest's actual loss (GPT-4 report Figure 1's
    view)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = np.array([r.compute for r in rungs])
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for ci, rs in zip(c, runs, strict=False):
        ax.scatter([ci] * len(rs), rs, color="0.6", s=10, zorder=2)
    ax.scatter(c[:-1], losses[:-1], color="C0", label="fitted rungs (mean of seeds)", zorder=3)
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
