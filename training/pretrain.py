"""Base language model: GPT-2 architecture trained on packed documents (or a local pretrained folder)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

from training.checkpoint import Checkpointer
from training.config import RunConfig, config_from_cli
from training.data import blocks_at, cached_tokens, iter_texts, random_starts
from training.distributed import all_sum, broadcast_parameters, close, main_first, sum_gradients
from training.evaluate import perplexity_on_tokens
from training.optim import adamw, cosine_lr, param_groups, set_lr
from training.runtime import LogFn, TrainResult, autocast, print_log, setup_parallel, step_generator
from training.tokenizer import load_tokenizer


@dataclass
class PretrainConfig(RunConfig):
    """Pretraining. Architecture defaults: GPT-2 small (GPT-2 §2.3, Table 2); optimiser: GPT-3 §2.3 and App. B."""

    tokenizer: str = ""  # tokenizer folder (training.tokenizer output)
    init_from: str = ""  # a local pretrained folder to start from instead of random init; with max_steps=0 just load
    n_layer: int = 12  # GPT-2 Table 2 (smallest model)
    n_head: int = 12  # GPT-2 paper silent; GPT-3 Table 2.1 (125M)
    n_embd: int = 768  # GPT-2 Table 2
    n_ctx: int = 1024  # GPT-2 §2.3: context of 1024 tokens
    dropout: float = 0.1  # GPT-2 paper silent; GPT-1's value (embedding, attention, residual)
    batch_size: int = 512  # sequences per optimizer step; GPT-2 §2.3: 512
    micro_batch_size: int = 16  # sequences per forward pass (gradient accumulation); ours
    max_steps: int = 600_000  # GPT-3 trains on 300B tokens (§2.2): ~600k steps of 512x1024 tokens; GPT-2 silent
    lr: float = 6e-4  # GPT-3 Table 2.1 (125M)
    min_lr_ratio: float = 0.1  # GPT-3 App. B: cosine decay to 10% of the peak
    warmup_steps: int = 715  # GPT-3 App. B: linear warmup over the first 375M tokens
    weight_decay: float = 0.1  # GPT-3 App. B
    beta1: float = 0.9  # GPT-3 App. B
    beta2: float = 0.95  # GPT-3 App. B
    eps: float = 1e-8  # GPT-3 App. B
    grad_clip: float = 1.0  # GPT-3 App. B: clip the global gradient norm at 1.0
    eval_every: int = 1000  # steps between held-out perplexity evaluations; ours
    eval_batches: int = 20  # micro-batches per evaluation; ours
    train_path: str = ""  # CLI only: .jsonl/.parquet with a text column
    val_path: str = ""  # CLI only
    text_column: str = "text"

    # tiny: 1,200 steps x 16 x 128 tokens = 2.5M tokens, ~6 passes over the demo's 410k-token mixture; chosen by
    # measurement (bench/RESULTS.md, issue 15): 600 steps left base_lm near chance on the world's tasks
    PRESETS = {
        "tiny": {"n_layer": 3, "n_head": 4, "n_embd": 96, "n_ctx": 128, "dropout": 0.0, "batch_size": 16,
                 "micro_batch_size": 16, "max_steps": 1200, "lr": 3e-3, "warmup_steps": 10, "eval_every": 50,
                 "eval_batches": 4, "log_every": 10},
        "gpt2-124m": {"device": "cuda", "micro_batch_size": 32, "checkpoint_every": 1000},
    }


def build_model(cfg: PretrainConfig, tokenizer) -> GPT2LMHeadModel:
    """A randomly initialised GPT-2 (HF's GPT-2 init: N(0, 0.02), residual projections scaled by 1/sqrt(2L))."""
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=cfg.n_ctx, n_embd=cfg.n_embd, n_layer=cfg.n_layer, n_head=cfg.n_head,
        resid_pdrop=cfg.dropout, embd_pdrop=cfg.dropout, attn_pdrop=cfg.dropout,
        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    return GPT2LMHeadModel(config)


def train_lm(cfg: PretrainConfig, train_texts: Iterable[str], val_texts: Iterable[str] = (),
             log: LogFn = print_log, tokens: tuple[np.ndarray, np.ndarray] | None = None) -> TrainResult:
    """Train (or load, with ``init_from``) a GPT-2 and save it to ``cfg.final_dir``.

    ``tokens``: the train and val streams already tokenized with ``cfg.tokenizer`` (``training.data.write_tokens``),
    read instead of tokenizing the texts (runs that share a mixture tokenize it once).

    Under torchrun each rank runs every ``world``-th micro-batch of the same global batch (see training.distributed).
    """
    w, device, log = setup_parallel(cfg, log)
    source = cfg.init_from or cfg.tokenizer
    tokenizer = load_tokenizer(source if (Path(source) / "tokenizer_config.json").exists() else cfg.tokenizer)
    if cfg.init_from:
        model = AutoModelForCausalLM.from_pretrained(cfg.init_from)
    else:
        model = build_model(cfg, tokenizer)
    model.to(device)
    broadcast_parameters(model, w)
    n_ctx = min(cfg.n_ctx, model.config.n_positions)

    token_dir = Path(cfg.out_dir) / f".{cfg.name}.tokens"  # tokenized once per run, removed when it finishes
    if tokens is not None:
        train, val = tokens
    else:
        with main_first(w) as main:  # rank 0 tokenizes, the others map its files
            train = cached_tokens(train_texts if main else (), tokenizer, token_dir / "train.bin")
            val = cached_tokens(val_texts if main else (), tokenizer, token_dir / "val.bin")

    optimizer = adamw(param_groups(model, cfg.weight_decay), cfg.lr, (cfg.beta1, cfg.beta2), cfg.eps, device)
    ckpt = Checkpointer(cfg, {"model": model}, optimizer, log, w)
    start, history = ckpt.resume() if cfg.max_steps else (0, [])
    accum = max(1, cfg.batch_size // cfg.micro_batch_size)
    t0 = time.time()
    for step in range(start, cfg.max_steps):
        lr = cosine_lr(step, max_lr=cfg.lr, total_steps=cfg.max_steps, warmup_steps=cfg.warmup_steps,
                       min_ratio=cfg.min_lr_ratio)
        set_lr(optimizer, lr)
        model.train()
        gen = step_generator(cfg.seed, step)
        loss_sum = 0.0
        starts = [random_starts(train, n_ctx, cfg.micro_batch_size, gen) for _ in range(accum)]
        for micro in w.mine(starts):
            x = blocks_at(train, micro, n_ctx).to(device)
            with autocast(device):
                loss = model(input_ids=x, labels=x, use_cache=False).loss / accum
            loss.backward()
            loss_sum += loss.item()
        sum_gradients(model, w)
        loss_sum = all_sum(loss_sum, w, device)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

        done = step + 1
        metrics = {"step": float(done), "loss": loss_sum, "lr": lr, "grad_norm": float(norm)}
        if len(val) > n_ctx and (done % cfg.eval_every == 0 or done == cfg.max_steps):
            metrics["val_ppl"] = perplexity_on_tokens(model, val, n_ctx, cfg.micro_batch_size, cfg.eval_batches)
        history.append(metrics)
        ckpt.maybe_save(done, history, cfg.max_steps)
        if done % cfg.log_every == 0 or done == cfg.max_steps:
            tokens_per_s = (done - start) * accum * cfg.micro_batch_size * n_ctx / (time.time() - t0)
            log(done, {**metrics, "tokens_per_s": tokens_per_s})

    final: dict[str, float] = {}
    if history:
        final["train_loss"] = history[-1]["loss"]
    if len(val) > n_ctx:
        final["val_ppl"] = history[-1]["val_ppl"] if history else perplexity_on_tokens(
            model, val, n_ctx, cfg.micro_batch_size, cfg.eval_batches)
    path = ckpt.finish(model, tokenizer, final, history)
    if w.main:
        shutil.rmtree(token_dir, ignore_errors=True)
    return TrainResult(model=model, path=path, history=history, metrics=final)


def main(argv: list[str] | None = None) -> None:
    cfg = config_from_cli(PretrainConfig, argv, __doc__ or "")
    val = iter_texts(cfg.val_path, cfg.text_column) if cfg.val_path else ()
    result = train_lm(cfg, iter_texts(cfg.train_path, cfg.text_column), val)
    close()
    print(f"wrote {result.path}: {result.metrics}")


if __name__ == "__main__":
    main()
