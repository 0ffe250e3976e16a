"""Training assets (InstructGPT §3.5): ``bpe_tokenizer``, ``base_lm``, ``sft_model``.

Thin: each asset gathers its inputs from the lake and calls ``training/`` in-process, or under torchrun through
Dagster Pipes when ``nproc_per_node`` is above 1 (``gpt_assets.defs.launch``). A checkpoint
is a ``save_pretrained`` folder under ``checkpoints/<asset>/<version>/``, the version a hash of the
run config and the inputs; re-materializing with the same version reuses a finished folder, and
a killed run resumes from its intermediate checkpoint. Every checkpoint is listed in the
``checkpoints`` view. Training steps share the ``gpu`` pool (one at a time).
"""

# No `from __future__ import annotations`: Dagster reads the annotations.

import json
import math
from dataclasses import replace

import dagster as dg
import polars as pl

from gpt_assets.defs.checkpoints import (
    GROUP,
    POOL,
    TrainingConfig,
    fingerprint,
    heldout,
    latest,
    numeric,
    pretraining_texts,
    record,
    resolve_preset,
    resolved_table,
    step_logger,
    version_of,
)
from gpt_assets.defs.common import check_result, curve_metadata, md_table
from gpt_assets.defs.launch import train_or_reuse
from gpt_assets.defs.params import PretrainParams, SFTParams
from gpt_assets.resources import Compute, DataRoot


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=["training_mixture"], pool=POOL,
          check_specs=[dg.AssetCheckSpec("round_trips", asset="bpe_tokenizer", blocking=True,
                                         description="decode(encode(text)) == text on mixture documents.")],
          description="Byte-level BPE (GPT-2 style) trained on the training mixture; a Hugging Face tokenizer.")
def bpe_tokenizer(context: dg.AssetExecutionContext, config: TrainingConfig, data: DataRoot, compute: Compute):
    from training.config import from_dict
    from training.tokenizer import TokenizerConfig, train_tokenizer

    preset, device = resolve_preset(config, compute)
    texts = data.lake.scan("training_mixture").filter(pl.col("copy") == 0).select("doc_id", "text").collect()
    cfg = from_dict(TokenizerConfig, {"preset": preset, **config.overrides})
    version = version_of(cfg, fingerprint(texts, "doc_id"))
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "bpe_tokenizer"), name=version)
    if not (cfg.final_dir / "tokenizer_config.json").exists():
        train_tokenizer(cfg, texts["text"].to_list())
    from training.tokenizer import load_tokenizer

    tok = load_tokenizer(cfg.final_dir)
    sample = texts["text"].head(200).to_list()
    n_tok = sum(len(tok(t)["input_ids"]) for t in sample)
    metrics = {"vocab_size": len(tok), "tokens_per_word": round(n_tok / max(1, sum(len(t.split()) for t in sample)), 3)}
    record(context, data, "bpe_tokenizer", version, metrics)
    yield dg.MaterializeResult(metadata={**metrics, "version": version, "preset": preset,
                                         "path": dg.MetadataValue.path(str(cfg.final_dir)),
                                         **curve_metadata(cfg.final_dir)})
    broken = sum(tok.decode(tok(t, add_special_tokens=False)["input_ids"]) != t for t in sample)
    yield dg.AssetCheckResult(check_name="round_trips", passed=broken == 0,
                              metadata={"documents": len(sample), "not_round_tripping": broken},
                              description=None if broken == 0 else
                              f"{broken} of {len(sample)} mixture documents do not decode to their own text (should "
                              "be 0): the tokenizer loses characters; check its normalizer and pre-tokenizer")


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=[bpe_tokenizer, "training_mixture"], pool=POOL,
          check_specs=[dg.AssetCheckSpec("beats_uniform", asset="base_lm", blocking=True,
                                         description="Held-out perplexity finite and below the vocabulary size.")],
          description="GPT-2 (GPT2LMHeadModel from a config) pretrained on the packed mixture; held-out perplexity.")
def base_lm(context: dg.AssetExecutionContext, config: PretrainParams, data: DataRoot, compute: Compute):
    from training.config import from_dict
    from training.pretrain import PretrainConfig, train_lm

    preset, device = resolve_preset(config, compute)
    mix = data.lake.scan("training_mixture").select("doc_id", "copy", "text").collect()
    held = heldout(mix["doc_id"], config.heldout_share)
    tokenizer = latest(data, "bpe_tokenizer")
    cfg = from_dict(PretrainConfig, config.training_config(preset, device=device))
    cfg = replace(cfg, tokenizer=tokenizer)
    version = version_of(cfg, fingerprint(mix, "doc_id", "copy"))
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "base_lm"), name=version)
    train, val = mix.filter(~held).select("text"), mix.filter(held).select("text")
    metrics = train_or_reuse(
        context, cfg, config.nproc_per_node, "training.pretrain", lambda: {"train_path": train, "val_path": val},
        lambda: train_lm(cfg, train["text"].to_list(), val["text"].to_list(), step_logger(context)).metrics)
    record(context, data, "base_lm", version, metrics)
    yield dg.MaterializeResult(metadata={**numeric(metrics),
                                         "version": version, "preset": preset, "device": device,
                                         "path": dg.MetadataValue.path(str(cfg.final_dir)),
                                         "config": resolved_table(cfg), **curve_metadata(cfg.final_dir)})
    yield _beats_uniform(metrics.get("val_ppl", math.nan), cfg.final_dir)


@dg.asset(group_name=GROUP, kinds={"pytorch"}, deps=[base_lm, "demonstrations", "imported_demonstrations"],
          pool=POOL, check_specs=[dg.AssetCheckSpec("beats_uniform", asset="sft_model", blocking=True,
                                                    description="Held-out response perplexity finite and below "
                                                                "the vocabulary size.")],
          description="The base LM fine-tuned on labeler demonstrations and imported human ones (loss on response "
                      "tokens only).")
def sft_model(context: dg.AssetExecutionContext, config: SFTParams, data: DataRoot, compute: Compute):
    from training.config import from_dict
    from training.sft import SFTConfig, train_sft

    preset, device = resolve_preset(config, compute)
    demos = pl.concat([data.lake.scan(a).select("prompt_id", "prompt", "response", "source").collect()
                       for a in ("demonstrations", "imported_demonstrations") if data.lake.parts(a)]
                      or [pl.DataFrame(schema={c: pl.String for c in ("prompt_id", "prompt", "response", "source")})])
    if demos.height == 0:
        raise dg.Failure("no demonstrations to fine-tune on: demonstrations and imported_demonstrations are empty. "
                         "With labeler kind imported, put OpenAssistant trees or Alpaca / self-instruct files under "
                         "raw/feedback/{oasst,alpaca}/ and materialize imported_demonstrations")
    by_source = dict(demos.group_by("source").len().sort("source").iter_rows())
    demos = demos.drop("source")
    held = heldout(demos["prompt_id"], max(config.heldout_share, 0.05))
    cfg = from_dict(SFTConfig, config.training_config(preset, device=device))
    cfg = replace(cfg, init_from=latest(data, "base_lm"))
    ptx = pretraining_texts(data, config.heldout_share) if cfg.ptx_coef else pl.DataFrame({"doc_id": [], "text": []})
    version = version_of(cfg, fingerprint(demos, "prompt_id", "response"),
                         fingerprint(ptx, "doc_id") if cfg.ptx_coef else "")
    cfg = replace(cfg, out_dir=str(data.lake.checkpoints / "sft_model"), name=version)
    train, val = demos.filter(~held).select("prompt", "response"), demos.filter(held).select("prompt", "response")
    inputs = {"data_path": train, "val_path": val, **({"ptx_path": ptx.select("text")} if cfg.ptx_coef else {})}
    metrics = train_or_reuse(
        context, cfg, config.nproc_per_node, "training.sft", lambda: inputs,
        lambda: train_sft(cfg, list(train.iter_rows()), list(val.iter_rows()), step_logger(context),
                          ptx_texts=ptx["text"].to_list()).metrics)
    record(context, data, "sft_model", version, metrics)
    yield dg.MaterializeResult(metadata={**numeric(metrics),
                                         "version": version, "preset": preset, "device": device,
                                         "demonstrations": demos.height,
                                         "demonstrations_by_source": dg.MetadataValue.json(by_source),
                                         "metrics": dg.MetadataValue.md(md_table([metrics])),
                                         "path": dg.MetadataValue.path(str(cfg.final_dir)),
                                         "config": resolved_table(cfg), **curve_metadata(cfg.final_dir)})
    yield _beats_uniform(math.exp(metrics.get("val_loss", math.inf)), cfg.final_dir)


def _beats_uniform(ppl: float, folder) -> dg.AssetCheckResult:
    """A model that learned anything predicts held-out tokens better than a uniform guess over its vocabulary."""
    vocab = json.loads((folder / "config.json").read_text())["vocab_size"]
    if not math.isfinite(ppl):
        failure = ("no held-out perplexity: the held-out part of the training data is empty or shorter than one "
                   "context; give it more data (training_mixture.token_budget for base_lm) or raise heldout_share")
    else:
        failure = (f"held-out perplexity {ppl:.4g} is not below the vocabulary size {vocab} (a uniform guess): the "
                   "model learned nothing; train longer (overrides max_steps / epochs) or on more data")
    return check_result("beats_uniform", math.isfinite(ppl) and ppl < vocab, failure, perplexity=ppl,
                        vocab_size=vocab)


TRAINING_ASSETS = [bpe_tokenizer, base_lm, sft_model]
