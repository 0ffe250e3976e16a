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
    point, low, high, _ = forecast(compute, loss, 1e14, draws=50)
    assert point == pytest.approx(40.0 * 1e14 ** -0.12 + 1.7, rel=0.005) and low <= point <= high


def test_noise_widens_the_interval_and_a_flat_ladder_forecasts_its_floor():
    rng = np.random.default_rng(0)
    compute = np.geomspace(1e9, 1e12, 6)
    clean = 40.0 * compute ** -0.12 + 1.7
    noisy = clean * (1 + rng.normal(0, 0.01, len(clean)))
    _, lo0, hi0, _ = forecast(compute, clean, 1e13, draws=50)
    _, lo1, hi1, _ = forecast(compute, noisy, 1e13, draws=50)
    assert hi1 - lo1 > hi0 - lo0
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
    meta = lineage.metadata["scaling_ladder"]
    assert {"forecast_loss", "forecast_low", "forecast_high", "actual_loss", "forecast_error"} <= set(meta)
    assert meta["forecast_low"] <= meta["forecast_loss"] <= meta["forecast_high"]
    assert lineage.checks[("scaling_ladder", "losses_finite", "")] is True
    assert ("scaling_ladder", "forecast_holds", "") in lineage.checks
