"""``scaling_ladder``: GPT-4's predictable scaling (report §3.1) on the lineage's own mixture. Thin:
``training.scaling`` does the ladder, the fit and the plot; ``training.pretrain`` trains each rung."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import math
import statistics
from dataclasses import replace

import dagster as dg
import polars as pl
from pydantic import Field

from gpt_assets.defs.checkpoints import (
    GROUP,
    POOL,
    TrainingConfig,
    fingerprint,
    heldout,
    latest,
    record,
    resolve_preset,
    saved_run,
    step_logger,
    version_of,
)
from gpt_assets.defs.common import image_md, md_table, table_metadata
from gpt_assets.resources import Compute, DataRoot


class ScalingLadderConfig(TrainingConfig):
    """The ladder's shapes and budgets; every other pretraining field is the preset's (``overrides`` win)."""

    widths: list[int] = Field(default=[16, 24, 32, 48, 64], description="GPT-4 report §3.1: a ladder of models "
                              "trained like the big one; the last (widest) is the one forecast. Ours: five widths, "
                              "about two minutes on 2 CPU cores with `steps` 100, `seeds` 3 and `workers` 2.")
    n_layer: int = Field(default=2, description="Depth of every rung (ours; Kaplan et al. 2020 find loss depends on "
                         "the parameter count, little on the shape).")
    tokens_per_param: float = Field(default=20.0, description="With steps 0: training tokens D = this x "
                                    "non-embedding parameters N (Hoffmann et al. 2022: ~20 at the compute optimum), "
                                    "so C = 6·N·D grows with the square of N along the ladder.")
    steps: int = Field(default=100, description="Above 0: every rung trains this many steps (the same tokens, "
                       "so C = 6·N·D grows with N); 0: tokens_per_param sets each rung's. Ours, by measurement "
                       "(bench/RESULTS.md): at 20 tokens a parameter the smallest rungs of a CPU-sized ladder get "
                       "tens of steps and fall off any power law; the same tokens for all keep the fit. 300 and 150 "
                       "steps forecast alike (within 2%); on the 2026-12-06 demo's mixture 150 steps miss by +1.7% "
                       "and 100 by +1.0%, both inside the interval, 100 at two thirds of the time.")
    seeds: int = Field(default=3, description="Training runs per rung (seeds seed..seed+n-1: initialization and data "
                       "order); the fit is to each rung's mean and the interval includes the runs' spread. GPT-4 "
                       "§3.1 is silent. Ours, by measurement (bench/RESULTS.md): one run of a rung varies by "
                       "0.06-0.10 nats between seeds, as much as a rung's step up the ladder; one run per rung "
                       "missed its interval on 2 of 3 seeds, 3 runs per rung held.")
    eval_batches: int = Field(default=16, description="Micro-batches of held-out mixture text for each rung's final "
                              "loss (ours: more than the preset's, the fit reads small differences).")
    workers: int = Field(default=2, description="Runs trained side by side on CPU, one torch thread each (ours, "
                         "by measurement: the demo's 15 runs in 161 s as 2 against 192 s in order on 2 cores, the "
                         "same losses to the fourth decimal; bench/RESULTS.md); 1 = in order in the run's process. "
                         "CUDA runs go in order.")
    bootstrap_draws: int = Field(default=400, description="Parametric-bootstrap refits for the forecast's 95% "
                                 "prediction interval (ours; training.scaling.forecast).")


@dg.asset(group_name=GROUP, kinds={"pytorch", "parquet"}, deps=["bpe_tokenizer", "training_mixture"], pool=POOL,
          check_specs=[
              dg.AssetCheckSpec("losses_finite", asset="scaling_ladder", blocking=True,
                                description="Every rung's held-out loss is finite and below a uniform guess "
                                            "(log of the vocabulary)."),
              dg.AssetCheckSpec("forecast_holds", asset="scaling_ladder",
                                description="The largest rung's trained loss (mean over its seeds) lies inside the "
                                            "95% prediction interval of the forecast made, before it trained, from "
                                            "the smaller rungs."),
          ],
          description="GPT-4 §3.1, predictable scaling: GPT-2s of growing width trained on the mixture with "
                      "the same recipe, a few seeds each; L(C) = a·C^(-b) + c fitted on all but the largest, its "
                      "final loss forecast before it trains, then trained; the forecast error and loss against "
                      "compute (log axes) in metadata.")
def scaling_ladder(context: dg.AssetExecutionContext, config: ScalingLadderConfig, data: DataRoot,
                   compute: Compute):
    from training.config import from_dict
    from training.pretrain import PretrainConfig
    from training.scaling import forecast, ladder, plot, rung_config
    from training.side_by_side import SideBySide

    if len(set(config.widths)) < 4:
        raise dg.Failure(f"scaling_ladder needs at least 4 distinct widths (3 to fit a, b, c, and the one forecast); "
                         f"got {config.widths}: set widths in the run config")
    if config.seeds < 1:
        raise dg.Failure(f"scaling_ladder needs at least 1 run per rung; got seeds={config.seeds}")
    preset, device = resolve_preset(config, compute)
    mix = data.lake.scan("training_mixture").select("doc_id", "copy", "text").collect()
    held = heldout(mix["doc_id"], config.heldout_share)
    train, val = mix.filter(~held)["text"].to_list(), mix.filter(held)["text"].to_list()
    base = from_dict(PretrainConfig, {"preset": preset, "device": device, "eval_batches": config.eval_batches,
                                      **config.overrides})
    base = replace(base, tokenizer=latest(data, "bpe_tokenizer"))
    rungs = ladder(base, config.widths, config.n_layer, config.tokens_per_param, config.steps)
    data_key = fingerprint(mix, "doc_id", "copy")

    def train_rungs(todo, runner) -> list[tuple[list[float], list[str]]]:
        """Each rung's held-out losses and checkpoint versions over its seeds; a finished run is read back."""
        cfgs = {}
        for rung in todo:
            for j in range(config.seeds):
                cfg = replace(rung_config(base, rung), seed=base.seed + j)
                version = version_of(cfg, data_key)
                cfgs[rung, j] = replace(cfg, out_dir=str(data.lake.checkpoints / "scaling_ladder"), name=version)
        done = {key: saved_run(cfg.final_dir) for key, cfg in cfgs.items()}
        fresh = [key for key, d in done.items() if d is None]
        metrics = {key: d["metrics"] for key, d in done.items() if d is not None}
        metrics.update(zip(fresh, runner.run_all([cfgs[key] for key in fresh]), strict=True))
        out = []
        for rung in todo:
            losses, versions = [], []
            for j in range(config.seeds):
                m, version = metrics[rung, j], cfgs[rung, j].name
                record(context, data, "scaling_ladder", version, m)
                loss = math.log(m["val_ppl"]) if m.get("val_ppl") else math.nan
                context.log.info(f"rung n_embd={rung.n_embd} seed {base.seed + j}: N={rung.params:,}, "
                                 f"D={rung.tokens:,}, C={rung.compute:.3g}, held-out loss {loss:.4f}")
                losses.append(loss)
                versions.append(version)
            out.append((losses, versions))
        return out

    scratch = data.lake.checkpoints / "scaling_ladder" / f".tokens-{data_key}"
    with SideBySide(base.tokenizer, train, val, scratch, config.workers, device, step_logger(context)) as runner:
        small = train_rungs(rungs[:-1], runner)
        fitted = [(r.compute, [v for v in runs if math.isfinite(v)]) for r, (runs, _) in zip(rungs[:-1], small,
                                                                                              strict=True)]
        fitted = [(c, runs) for c, runs in fitted if runs]
        largest = rungs[-1]
        fc = forecast([c for c, _ in fitted], [runs for _, runs in fitted], largest.compute, runs=config.seeds,
                      draws=config.bootstrap_draws, seed=base.seed)
        point, low, high, fit = fc.point, fc.low, fc.high, fc.fit
        context.log.info(f"forecast for n_embd={largest.n_embd} (C={largest.compute:.3g}, "
                         f"{largest.compute / rungs[-2].compute:.0f}x the next rung), the mean of {config.seeds} "
                         f"runs, before it trains: {point:.4f} (95% {low:.4f}-{high:.4f}; one run's sd "
                         f"{fc.run_sd:.4f})")
        trained = [*small, *train_rungs([largest], runner)]
    means = [_mean(runs) for runs, _ in trained]
    last_loss = means[-1]
    rows = [{"n_layer": r.n_layer, "n_embd": r.n_embd, "n_head": r.n_head, "params": r.params, "steps": r.steps,
             "tokens": r.tokens, "compute": r.compute, "val_loss": m, "val_loss_sd": _sd(runs), "seeds": len(runs),
             "role": "fitted" if i < len(rungs) - 1 else "forecast", "fit": float(fit(r.compute)),
             "val_loss_runs": runs, "versions": versions}
            for i, (r, m, (runs, versions)) in enumerate(zip(rungs, means, trained, strict=True))]
    frame = pl.DataFrame(rows)
    data.lake.write_frame("scaling_ladder", frame)
    data.publish("scaling_ladder")
    picture = data.lake.table_dir("scaling_ladder") / "loss_vs_compute.png"
    plot(rungs, means, fit, (point, low, high), picture, runs=[runs for runs, _ in trained])
    error = (last_loss - point) / last_loss if math.isfinite(last_loss) else math.nan
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "scaling_ladder", loss_vs_compute=image_md(picture, "loss against compute"),
        rungs=dg.MetadataValue.md(md_table(frame.drop("versions", "val_loss_runs").with_columns(
            pl.selectors.float().exclude("compute").round(4),
            pl.col("compute").map_elements(lambda c: f"{c:.3g}", return_dtype=pl.String)).to_dicts())),
        fit=f"L = {fit.a:.4g}·C^-{fit.b:.4g} + {fit.c:.4g}", forecast_loss=point, forecast_low=low,
        forecast_high=high, actual_loss=last_loss, forecast_error=error, run_sd=fc.run_sd, run_sd_dof=fc.dof,
        seeds_per_rung=config.seeds,
        compute_ratio_to_next=largest.compute / rungs[-2].compute,
        compute_ratio_to_smallest=largest.compute / rungs[0].compute, preset=preset,
        claim="GPT-4 §3.1: the final loss forecast from models trained with up to 10,000x less compute"))
    uniform = math.log(float(_vocab(base.tokenizer)))
    bad = [r["n_embd"] for r in rows if not all(math.isfinite(v) and v < uniform for v in r["val_loss_runs"])]
    yield dg.AssetCheckResult(
        check_name="losses_finite", passed=not bad, metadata={"uniform_loss": uniform},
        description=None if not bad else f"rungs of width {bad} have a run whose held-out loss is not finite or "
        f"not below a uniform guess ({uniform:.2f} nats): they learned nothing; give the ladder more tokens "
        "(tokens_per_param) or a held-out share that holds text (heldout_share)")
    inside = low <= last_loss <= high
    yield dg.AssetCheckResult(
        check_name="forecast_holds", passed=bool(inside), severity=dg.AssetCheckSeverity.WARN,
        metadata={"forecast": point, "low": low, "high": high, "actual": last_loss, "relative_error": error,
                  "run_sd": fc.run_sd},
        description=None if inside else f"the largest rung's mean loss over {config.seeds} runs, {last_loss:.4f}, "
        f"is outside the forecast's 95% interval {low:.4f}-{high:.4f} (forecast {point:.4f}, one run's sd "
        f"{fc.run_sd:.4f}): the smaller rungs do not follow one power law; widen the ladder (more widths, more "
        "steps, more seeds) before trusting a forecast from it")


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.fmean(finite) if finite else math.nan


def _sd(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return statistics.stdev(finite) if len(finite) > 1 else 0.0 if finite else math.nan


def _vocab(tokenizer_dir: str) -> int:
    from training.tokenizer import load_tokenizer

    return len(load_tokenizer(tokenizer_dir))
