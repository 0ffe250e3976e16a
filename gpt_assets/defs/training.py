"""Training assets (InstructGPT §3.5): ``bpe_tokenizer``, ``base_lm``, ``sft_model``.

Thin: each asset gathers its inputs from the lake and calls ``training/`` in-process. A checkpoint
is a ``save_pretrained`` folder under ``checkpoints/<asset>/<version>/``, the version a hash of the
run config and the inputs; re-materializing with the same version reuses a finished folder, and
a killed run resumes from its intermediate checkpoint. Every checkpoint is listed in the
``checkpoints`` view. Training steps share the ``gpu`` pool (one at a time).
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

import hashlib
import json
import time
from dataclasses import replace
from typing import Any

import dagster as dg
import polars as pl

from gpt_assets.defs.common import md_table
from gpt_assets.resources import Compute, DataRoot

GROUP = "training"
POOL = "gpu"


class TrainingConfig(dg.Config):
    """``preset``: ``auto`` = ``gpt2-124m`` where CUDA is present, else ``tiny``; ``overrides``: any config field."""

    preset: str = "auto"
    overrides: dict[str, Any] = {}
    heldout_share: float = 0.02  # ours: documents / pairs held out for perplexity and validation loss


def _preset(config: TrainingConfig, compute: Compute) -> tuple[str, str]:
    device = compute.torch_device()
    preset = config.preset if config.preset != "auto" else ("gpt2-124m" if device.startswith("cuda") else "tiny")
    return preset, device


def _heldout(key: str, share: float) -> bool:
    return int(hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), 16) / 2**64 < share


def _version(cfg: Any, *inputs: str) -> str:
    from training.config import run_key

    h = hashlib.sha256(run_key(cfg).encode())
    for part in inputs:
        h.update(part.encode())
    return h.hexdigest()[:12]


def _fingerprint(frame: pl.DataFrame, *cols: str) -> str:
    return str(frame.select(pl.concat_str(cols, separator="\x1f").hash().sum()).item())


def _latest(data: DataRoot, asset: str) -> str:
    pointer = data.lake.checkpoints / asset / "LATEST"
    if not pointer.exists():
        raise dg.Failure(f"no finished {asset} under {pointer.parent}: materialize {asset} first")
    return str(pointer.parent / pointer.read_text().strip())


def _record(context: dg.AssetExecutionContext, data: DataRoot, asset: str, version: str, metrics: dict) -> None:
    """Point LATEST at the version and list it in the ``checkpoints`` view."""
    folder = data.lake.checkpoints / asset
    tmp = folder / f".LATEST.{version}"
    tmp.write_text(version)
    tmp.replace(folder / "LATEST")
    row = pl.DataFrame([{"asset": asset, "version": version, "path": str(folder / version),
                         "run_id": context.run_id, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                         "metrics": json.dumps(metrics, sort_keys=True, default=float)}])
    data.lake.write_frame("checkpoints", row, version, sub=asset)
    data.publish("checkpoints")


def _log(context: dg.AssetExecutionContext):
    def log(step: int, metrics: dict) -> None:
        context.log.info(f"step {step}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                                      for k, v in metrics.items()))
    return log


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=["training_mixture"], pool=POOL,
          description="Byte-level BPE (GPT-2 style) trained on the training mixture; a Hugging Face tokenizer.")
def bpe_tokenizer(context: dg.AssetExecutionContext, config: TrainingConfig, data: DataRoot, compute: Compute):
    from training.config import from_dict
    from training.tokenizer import TokenizerConfig, train_tokenizer

    preset, device = _preset(config, compute)
    texts = data.lake.scan("training_mixture").filter(pl.col("copy") == 0).select("doc_id", "text").collect()
    cfg = from_dict(TokenizerConfig, {"preset": preset, **config.overrides})
    version = _version(cfg, _fingerprint(texts, "doc_id"))
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "bpe_tokenizer"), name=version)
    if not (cfg.final_dir / "tokenizer_config.json").exists():
        train_tokenizer(cfg, texts["text"].to_list())
    from training.tokenizer import load_tokenizer

    tok = load_tokenizer(cfg.final_dir)
    sample = texts["text"].head(200).to_list()
    n_tok = sum(len(tok(t)["input_ids"]) for t in sample)
    metrics = {"vocab_size": len(tok), "tokens_per_word": round(n_tok / max(1, sum(len(t.split()) for t in sample)), 3)}
    _record(context, data, "bpe_tokenizer", version, metrics)
    return dg.MaterializeResult(metadata={**metrics, "version": version, "preset": preset,
                                          "path": dg.MetadataValue.path(str(cfg.final_dir))})


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=[bpe_tokenizer, "training_mixture"], pool=POOL,
          description="GPT-2 (GPT2LMHeadModel from a config) pretrained on the packed mixture; held-out perplexity.")
def base_lm(context: dg.AssetExecutionContext, config: TrainingConfig, data: DataRoot, compute: Compute):
    from training.config import from_dict
    from training.pretrain import PretrainConfig, train_lm

    preset, device = _preset(config, compute)
    mix = data.lake.scan("training_mixture").select("doc_id", "copy", "text").collect()
    held = mix["doc_id"].map_elements(lambda d: _heldout(d, config.heldout_share), return_dtype=pl.Boolean)
    tokenizer = _latest(data, "bpe_tokenizer")
    cfg = from_dict(PretrainConfig, {"preset": preset, "device": device, "threads": 1, **config.overrides})
    cfg = replace(cfg, tokenizer=tokenizer)
    version = _version(cfg, _fingerprint(mix, "doc_id", "copy"))
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "base_lm"), name=version)
    if (cfg.final_dir / "config.json").exists():
        metrics = json.loads((cfg.final_dir / "metrics.json").read_text())
    else:
        result = train_lm(cfg, mix.filter(~held)["text"].to_list(), mix.filter(held)["text"].to_list(), _log(context))
        metrics = result.metrics
    _record(context, data, "base_lm", version, metrics)
    return dg.MaterializeResult(metadata={**{k: v for k, v in metrics.items() if isinstance(v, int | float)},
                                          "version": version, "preset": preset, "device": device,
                                          "path": dg.MetadataValue.path(str(cfg.final_dir))})


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=[base_lm, "demonstrations", "imported_demonstrations"],
          pool=POOL, description="The base LM fine-tuned on labeler demonstrations (loss on response tokens only).")
def sft_model(context: dg.AssetExecutionContext, config: TrainingConfig, data: DataRoot, compute: Compute):
    from training.config import from_dict
    from training.sft import SFTConfig, train_sft

    preset, device = _preset(config, compute)
    demos = pl.concat([data.lake.scan(a).select("prompt_id", "prompt", "response").collect()
                       for a in ("demonstrations", "imported_demonstrations") if data.lake.parts(a)])
    held = demos["prompt_id"].map_elements(lambda p: _heldout(p, max(config.heldout_share, 0.05)),
                                           return_dtype=pl.Boolean)
    cfg = from_dict(SFTConfig, {"preset": preset, "device": device, "threads": 1, **config.overrides})
    cfg = replace(cfg, init_from=_latest(data, "base_lm"))
    version = _version(cfg, _fingerprint(demos, "prompt_id", "response"))
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "sft_model"), name=version)
    if (cfg.final_dir / "config.json").exists():
        metrics = json.loads((cfg.final_dir / "metrics.json").read_text())
    else:
        pairs = list(demos.filter(~held).select("prompt", "response").iter_rows())
        val = list(demos.filter(held).select("prompt", "response").iter_rows())
        metrics = train_sft(cfg, pairs, val, _log(context)).metrics
    _record(context, data, "sft_model", version, metrics)
    return dg.MaterializeResult(metadata={**{k: v for k, v in metrics.items() if isinstance(v, int | float)},
                                          "version": version, "preset": preset, "device": device,
                                          "demonstrations": demos.height,
                                          "metrics": dg.MetadataValue.md(md_table([metrics])),
                                          "path": dg.MetadataValue.path(str(cfg.final_dir))})


TRAINING_ASSETS = [bpe_tokenizer, base_lm, sft_model]
