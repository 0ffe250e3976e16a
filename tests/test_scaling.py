"""GPT-4's predictable scaling (training.scaling, the scaling_ladder asset): the parameter count, the power-law fit
and its forecast, and the asset over the tiny lineage."""

import math

import numpy as np
import pytest
from transformers import GPT2Config, GPT2LMHeadModel

from training.pretrain import PretrainConfig
from training.scaling import fit_power_law, forecast, ladder, non_embedding_params, rung_config


@pytest.mark.parametrize(("n_layer", "n_embd"), [(2, 16), (3, 96)])
def test_non_embedding_params_are_what_gpt2_holds_besides_its_embeddings(n_layer, n_embd):
    model = GPT2LMHeadModel(GPT2Config(vocab_size=300, n_positions=64, n_embd=n_embd, n_layer=n_layer, n_head=4))
    total = sum(p.numel() for p in model.parameters())  # lm_head is tied to wte
    embeddings = model.transformer.wte.weight.numel() + model.transformer.wpe.weight.numel()
    assert non_embedding_params(n_layer, n_embd) == total - embeddings


def test_the_fit_recovers_a_power_law_and_forecasts_the_largest():
    compute = np.geomspace(1e9, 1e12, 5)
    loss = 40.0 * compute ** -0.12 + 1.7
    fit = fit_power_law(compute, loss)
    assert fit.b == pytest.approx(0.12, rel=0.02) and fit.c == pytest.approx(1.7, rel=0.02)
    f = forecast(compute, [[v] for v in loss], 1e14, draws=50)
    assert f.point == pytest.approx(40.0 * 1e14 ** -0.12 + 1.7, rel=0.005) and f.low <= f.point <= f.high
    assert f.dof == 2 and f.run_sd < 1e-3


def test_the_prediction_interval_covers_a_noisy_ladder_and_narrows_with_seeds():
    """Runs scattered by seed noise about a true power law: the largest rung's mean of 3 runs lands in the 95%
    interval about 95% of the time; one run per rung leaves one degree of freedom and a far wider interval."""
    rng = np.random.default_rng(0)
    compute, target = np.geomspace(2e10, 2e11, 4), 3.7e11
    truth = lambda c: 700.0 * c ** -0.24 + 3.4  # noqa: E731 - the ladder's own fit on the demo's mixture
    inside, widths = 0, {1: [], 3: []}
    for _ in range(150):
        runs = [list(truth(c) + rng.normal(0, 0.07, 3)) for c in compute]
        f = forecast(compute, runs, target, runs=3, draws=100, seed=int(rng.integers(1 << 30)))
        inside += f.low <= truth(target) + rng.normal(0, 0.07, 3).mean() <= f.high
        widths[3].append(f.high - f.low)
        widths[1].append((lambda g: g.high - g.low)(forecast(compute, [r[:1] for r in runs], target, draws=50)))
    assert 0.9 <= inside / 150 <= 0.995
    assert np.median(widths[1]) > 2 * np.median(widths[3])


def test_a_flat_ladder_forecasts_its_floor():
    compute = np.geomspace(1e9, 1e12, 6)
    flat = fit_power_law(compute, np.full(6, 3.0))
    assert flat.b < 1e-9 and flat(1e9) == pytest.approx(3.0) and flat(1e20) == pytest.approx(3.0)


def test_budgets_are_compute_matched_or_fixed_and_the_rungs_keep_the_base_recipe():
    base = PretrainConfig.preset("tiny")
    rungs = ladder(base, [32, 16, 24], 2, 20.0)
    assert [r.n_embd for r in rungs] == [16, 24, 32]
    per_step = base.batch_size * base.n_ctx
    for r in rungs:
        assert abs(r.tokens - 20.0 * r.params) <= per_step / 2 and r.compute == 6.0 * r.params * r.tokens
    assert [r.steps for r in ladder(base, [16, 24], 2, 20.0, steps=50)] == [50, 50]
    cfg = rung_config(base, rungs[0])
    assert (cfg.n_layer, cfg.n_embd, cfg.max_steps, cfg.lr) == (2, 16, rungs[0].steps, base.lr)


def test_scaling_ladder_asset_forecasts_before_training_the_largest(lineage):
    frame = lineage.lake.scan("scaling_ladder").collect().sort("compute")
    assert frame.height == 5 and frame["role"].to_list() == ["fitted"] * 4 + ["forecast"]
    assert all(math.isfinite(v) for v in frame["val_loss"])
    assert frame["seeds"].to_list() == [2] * 5 and all(len(set(v)) == 2 for v in frame["versions"])
    assert frame["val_loss"].to_list() == pytest.approx([sum(r) / 2 for r in frame["val_loss_runs"]])
    meta = lineage.metadata["scaling_ladder"]
    assert meta["run_sd_dof"] == 8 - 3 and meta["run_sd"] > 0
    assert {"forecast_loss", "forecast_low", "forecast_high", "actual_loss", "forecast_error"} <= set(meta)
    assert meta["forecast_low"] <= meta["forecast_loss"] <= meta["forecast_high"]
    assert lineage.checks[("scaling_ladder", "losses_finite", "")] is True
    assert ("scaling_ladder", "forecast_holds", "") in lineage.checks
