"""``scaling_ladder``: GPT-4's predictable scaling (report §3.1) on the lineage's own mixture. Thin:
``training.scaling`` does the ladder, the fit and the plot; ``training.pretrain`` trains each rung."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import math
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
                              "about two minutes on 2 CPU cores with `steps` 300.")
    n_layer: int = Field(default=2, description="Depth of every rung (ours; Kaplan et al. 2020 find loss depends on "
                         "the parameter count, little on the shape).")
    tokens_per_param: float = Field(default=20.0, description="With steps 0: training tokens D = this x "
                                    "non-embedding parameters N (Hoffmann et al. 2022: ~20 at the compute optimum), "
                                    "so C = 6·N·D grows with the square of N along the ladder.")
    steps: int = Field(default=300, description="Above 0: every rung trains this many steps (the same tokens, "
                       "so C = 6·N·D grows with N); 0: tokens_per_param sets each rung's. Ours, by measurement "
                       "(bench/RESULTS.md): at 20 tokens a parameter the smallest rungs of a CPU-sized ladder get "
                       "tens of steps and fall off any power law; the same tokens for all keep the fit.")
    eval_batches: int = Field(default=16, description="Micro-batches of held-out mixture text for each rung's final "
                              "loss (ours: more than the preset's, the fit reads small differences).")
    bootstrap_draws: int = Field(default=400, description="Residual-bootstrap refits for the forecast's 95% "
                                 "interval (ours).")


@dg.asset(group_name=GROUP, kinds={"pytorch", "parquet"}, deps=["bpe_tokenizer", "training_mixture"], pool=POOL,
          check_specs=[
              dg.AssetCheckSpec("losses_finite", asset="scaling_ladder", blocking=True,
                                description="Every rung's held-out loss is finite and below a uniform guess "
                                            "(log of the vocabulary)."),
              dg.AssetCheckSpec("forecast_holds", asset="scaling_ladder",
                                description="The largest rung's trained loss lies inside the 95% interval of the "
                                            "forecast made, before it trained, from the smaller rungs."),
          ],
          description="GPT-4 §3.1, predictable scaling: GPT-2s of growing width trained on the mixture with "
                      "the same recipe; L(C) = a·C^(-b) + c fitted on all but the largest, its final loss forecast "
                      "before it trains, then trained; the forecast error and loss against compute (log axes) in "
                      "metadata.")
def scaling_ladder(context: dg.AssetExecutionContext, config: ScalingLadderConfig, data: DataRoot,
                   compute: Compute):
    from training.config import from_dict
    from training.pretrain import PretrainConfig, train_lm
    from training.scaling import forecast, ladder, plot, rung_config

    if len(set(config.widths)) < 4:
        raise dg.Failure(f"scaling_ladder needs at least 4 distinct widths (3 to fit a, b, c, and the one forecast); "
                         f"got {config.widths}: set widths in the run config")
    preset, device = resolve_preset(config, compute)
    mix = data.lake.scan("training_mixture").select("doc_id", "copy", "text").collect()
    held = heldout(mix["doc_id"], config.heldout_share)
    train, val = mix.filter(~held)["text"].to_list(), mix.filter(held)["text"].to_list()
    base = from_dict(PretrainConfig, {"preset": preset, "device": device, "eval_batches": config.eval_batches,
                                      **config.overrides})
    base = replace(base, tokenizer=latest(data, "bpe_tokenizer"))
    rungs = ladder(base, config.widths, config.n_layer, config.tokens_per_param, config.steps)
    data_key = fingerprint(mix, "doc_id", "copy")

    def train_rung(rung) -> tuple[float, str]:
        cfg = rung_config(base, rung)
        version = version_of(cfg, data_key)
        cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "scaling_ladder"), name=version)
        done = saved_run(cfg.final_dir)
        metrics = done["metrics"] if done else train_lm(cfg, train, val, step_logger(context)).metrics
        record(context, data, "scaling_ladder", version, metrics)
        loss = math.log(metrics["val_ppl"]) if metrics.get("val_ppl") else math.nan
        context.log.info(f"rung n_embd={rung.n_embd}: N={rung.params:,}, D={rung.tokens:,}, "
                         f"C={rung.compute:.3g}, held-out loss {loss:.4f}")
        return loss, version

    small = [train_rung(r) for r in rungs[:-1]]
    losses = [loss for loss, _ in small]
    fitted = [(r.compute, v) for r, v in zip(rungs[:-1], losses, strict=True) if math.isfinite(v)]
    largest = rungs[-1]
    point, low, high, fit = forecast([c for c, _ in fitted], [v for _, v in fitted], largest.compute,
                                     config.bootstrap_draws)
    context.log.info(f"forecast for n_embd={largest.n_embd} (C={largest.compute:.3g}, "
                     f"{largest.compute / rungs[-2].compute:.0f}x the next rung) before it trains: {point:.4f} "
                     f"(95% {low:.4f}-{high:.4f})")
    last_loss, last_version = train_rung(largest)
    versions = [v for _, v in small] + [last_version]
    rows = [{"n_layer": r.n_layer, "n_embd": r.n_embd, "n_head": r.n_head, "params": r.params, "steps": r.steps,
             "tokens": r.tokens, "compute": r.compute, "val_loss": v, "role": "fitted" if i < len(rungs) - 1
             else "forecast", "fit": float(fit(r.compute)), "version": ver}
            for i, (r, v, ver) in enumerate(zip(rungs, [*losses, last_loss], versions, strict=True))]
    frame = pl.DataFrame(rows)
    data.lake.write_frame("scaling_ladder", frame)
    data.publish("scaling_ladder")
    picture = data.lake.table_dir("scaling_ladder") / "loss_vs_compute.png"
    plot(rungs, [*losses, last_loss], fit, (point, low, high), picture)
    error = (last_loss - point) / last_loss if math.isfinite(last_loss) else math.nan
    yield dg.MaterializeResult(metadata=table_metadata(
        frame, data, "scaling_ladder", loss_vs_compute=image_md(picture, "loss against compute"),
        rungs=dg.MetadataValue.md(md_table(frame.drop("version").with_columns(
            pl.selectors.float().exclude("compute").round(4),
            pl.col("compute").map_elements(lambda c: f"{c:.3g}", return_dtype=pl.String)).to_dicts())),
        fit=f"L = {fit.a:.4g}·C^-{fit.b:.4g} + {fit.c:.4g}", forecast_loss=point, forecast_low=low,
        forecast_high=high, actual_loss=last_loss, forecast_error=error,
        compute_ratio_to_next=largest.compute / rungs[-2].compute,
        compute_ratio_to_smallest=largest.compute / rungs[0].compute, preset=preset,
        claim="GPT-4 §3.1: the final loss forecast from models trained with up to 10,000x less compute"))
    uniform = math.log(float(_vocab(base.tokenizer)))
    bad = [r["n_embd"] for r in rows if not (math.isfinite(r["val_loss"]) and r["val_loss"] < uniform)]
    yield dg.AssetCheckResult(
        check_name="losses_finite", passed=not bad, metadata={"uniform_loss": uniform},
        description=None if not bad else f"rungs of width {bad} have a held-out loss that is not finite or not below "
        f"a uniform guess ({uniform:.2f} nats): they learned nothing; give the ladder more tokens "
        "(tokens_per_param) or a held-out share that holds text (heldout_share)")
    inside = low <= last_loss <= high
    yield dg.AssetCheckResult(
        check_name="forecast_holds", passed=bool(inside), severity=dg.AssetCheckSeverity.WARN,
        metadata={"forecast": point, "low": low, "high": high, "actual": last_loss, "relative_error": error},
        description=None if inside else f"the largest rung's loss {last_loss:.4f} is outside the forecast's 95% "
        f"interval {low:.4f}-{high:.4f} (forecast {point:.4f}): the smaller rungs do not follow one power law; "
        "widen the ladder (more widths, more tokens_per_param) before trusting a forecast from it")


def _vocab(tokenizer_dir: str) -> int:
    from training.tokenizer import load_tokenizer

    return len(load_tokenizer(tokenizer_dir))
