"""Supervised fine-tuning on labeler demonstrations (InstructGPT §3.5, App. C.1): loss on response tokens only,
optionally plus a pretraining-mix term (off by default: C.1 has none)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM

from training.chat import add_chat_tokens, assistant_mask, is_chat
from training.checkpoint import Checkpointer
from training.config import RunConfig, config_from_cli
from training.data import (
    batch_indices,
    cached_tokens,
    iter_records,
    iter_texts,
    model_inputs,
    pad,
    to_device,
)
from training.distributed import all_sum, broadcast_parameters, close, main_first, sum_gradients
from training.optim import adamw, cosine_lr, param_groups, set_lr
from training.runtime import (
    LogFn,
    TrainResult,
    autocast,
    pretraining_backward,
    print_log,
    setup_parallel,
    step_generator,
)
from training.tokenizer import load_tokenizer

IGNORE = -100  # label of tokens that carry no loss (prompt, padding)


@dataclass
class SFTConfig(RunConfig):
    """Fine-tune a base LM on (prompt, response) pairs."""

    init_from: str = ""  # base LM folder (pretrain output or a local GPT-2)
    epochs: int = 16  # InstructGPT C.1: 16 epochs (overfits val loss after 1, but RM score and preference improve)
    lr: float = 9.65e-6  # InstructGPT C.1 (1.3B and 6B); 5.03e-6 for 175B
    min_lr_ratio: float = 0.1  # InstructGPT C.1: cosine decay to 10% of the peak
    warmup_steps: int = 0  # InstructGPT C.1: no warmup
    batch_size: int = 32  # InstructGPT C.1 (1.3B and 6B); 8 for 175B
    micro_batch_size: int = 8  # ours (gradient accumulation)
    resid_pdrop: float = 0.2  # InstructGPT C.1: residual dropout 0.2
    weight_decay: float = 0.0  # paper silent; ours
    beta1: float = 0.9  # paper silent; GPT-3 App. B
    beta2: float = 0.95  # paper silent; GPT-3 App. B
    eps: float = 1e-8  # paper silent; GPT-3 App. B
    grad_clip: float = 1.0  # paper silent; ours
    max_len: int = 0  # longest prompt + response in tokens; 0 = the model's context
    # ours, 0 = off as in C.1: weight of the mean next-token loss of pretraining blocks added to each step's response
    # loss (PPO-ptx's term, §3.5 eq. 2, moved into SFT). A small model fine-tuned at a high learning rate forgets the
    # language (tiny: held-out pretraining perplexity 21 -> 630 in one epoch), and PPO-ptx's gamma 27.8 then pulls
    # the policy off SFT instead of holding it at a language model; GPT-3's SFT at 5e-6 barely moves from pretraining
    ptx_coef: float = 0.0
    ptx_batch_size: int = 0  # pretraining blocks per step; 0 = batch_size
    ptx_block_size: int = 0  # tokens per pretraining block; 0 = the model's context
    data_path: str = ""  # CLI only: .jsonl/.parquet with prompt and response columns
    val_path: str = ""  # CLI only
    ptx_path: str = ""  # CLI only: pretraining texts (.jsonl/.parquet with a text column) when ptx_coef > 0
    # ChatGPT: a prompt in the chat template (a dialogue's context) also trains on the assistant turns it holds, so a
    # conversation teaches every reply the labeler wrote, never the user's turns; False = the last reply only
    all_assistant_turns: bool = True
    prompt_column: str = "prompt"
    response_column: str = "response"

    # tiny: 2 epochs; the model copies the prompt's names and slots into its answers 3.8x as often as after 1 (greedy,
    # 300 prompts: 0.18 / 0.05 of them, bench/copying.py); 3 copy more (0.34) but answer refusals and labels the same
    # way K times in 9.7% of the reward model's prompts (bench/RESULTS.md, issue 12)
    PRESETS = {
        "tiny": {"epochs": 2, "lr": 3e-3, "batch_size": 32, "micro_batch_size": 16, "log_every": 20,
                 "ptx_coef": 0.3, "ptx_batch_size": 16, "ptx_block_size": 64},
        "gpt2-124m": {"device": "cuda", "lr": 2e-5, "micro_batch_size": 16, "checkpoint_every": 500},
    }


def encode_pair(tokenizer, prompt: str, response: str, max_len: int,
                all_assistant_turns: bool = True) -> tuple[list[int], list[int]]:
    """Token ids of prompt + response + EOS, and labels with the prompt masked (IGNORE).

    Prompt and response are tokenized separately, exactly as the prompt is tokenized before sampling. A prompt in
    the chat template keeps the labels of its own assistant turns when ``all_assistant_turns`` (dialogue SFT).
    A pair longer than ``max_len`` keeps the end of its prompt and the start of its response.
    """
    p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    r = tokenizer(response, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    keep = assistant_mask(p, tokenizer) if all_assistant_turns and is_chat(prompt) else [False] * len(p)
    r = r[:max_len - 1] if len(r) >= max_len else r
    cut = len(p) - (max_len - len(r)) if len(p) + len(r) > max_len else 0
    p, keep = p[cut:], keep[cut:]
    return p + r, [t if k else IGNORE for t, k in zip(p, keep, strict=True)] + r


def collate(examples: Sequence[tuple[list[int], list[int]]], pad_id: int) -> dict[str, Any]:
    """Right-pad a batch; padding is masked out of attention and loss."""
    ids, mask = pad([e[0] for e in examples], pad_id)
    labels, _ = pad([e[1] for e in examples], IGNORE)
    return {**model_inputs(ids, mask), "labels": labels}


@torch.no_grad()
def response_loss(model, examples: Sequence[tuple[list[int], list[int]]], pad_id: int, batch_size: int) -> float:
    """Mean loss per response token (held-out SFT loss)."""
    model.eval()
    device = next(model.parameters()).device
    loss_sum, n = 0.0, 0
    for i in range(0, len(examples), batch_size):
        batch = to_device(collate(examples[i:i + batch_size], pad_id), device)
        with autocast(device):
            loss = model(**batch).loss
        tokens = int((batch["labels"][:, 1:] != IGNORE).sum())
        loss_sum += loss.item() * tokens
        n += tokens
    return loss_sum / n if n else math.nan


def train_sft(cfg: SFTConfig, pairs: Sequence[tuple[str, str]], val_pairs: Sequence[tuple[str, str]] = (),
              log: LogFn = print_log, ptx_texts: Iterable[str] = ()) -> TrainResult:
    """Fine-tune ``cfg.init_from`` on (prompt, response) pairs and save to ``cfg.final_dir``; with ``cfg.ptx_coef``,
    each step also adds ``ptx_coef`` times the next-token loss of random blocks of ``ptx_texts``.

    Under torchrun each rank runs every ``world``-th micro-batch of the same global batch (see training.distributed).
    """
    if not pairs:
        raise ValueError("SFT needs at least one (prompt, response) pair")
    w, device, log = setup_parallel(cfg, log)
    tokenizer = load_tokenizer(cfg.init_from)
    model = AutoModelForCausalLM.from_pretrained(cfg.init_from, resid_pdrop=cfg.resid_pdrop).to(device)
    if any(is_chat(p) for p, _ in pairs) and add_chat_tokens(tokenizer):  # a base without role tokens: grow it
        model.resize_token_embeddings(len(tokenizer))
    broadcast_parameters(model, w)
    max_len = min(cfg.max_len or model.config.n_positions, model.config.n_positions)
    train = [encode_pair(tokenizer, p, r, max_len, cfg.all_assistant_turns) for p, r in pairs]
    val = [encode_pair(tokenizer, p, r, max_len, cfg.all_assistant_turns) for p, r in val_pairs]
    ptx = None
    if cfg.ptx_coef:
        with main_first(w):  # rank 0 tokenizes, the others map its file
            ptx = cached_tokens(ptx_texts, tokenizer, Path(cfg.out_dir) / f".{cfg.name}.tokens" / "ptx.bin")
        if len(ptx) == 0:
            raise ValueError("SFT with ptx_coef > 0 needs pretraining texts (ptx_texts); set ptx_coef to 0 without")

    optimizer = adamw(param_groups(model, cfg.weight_decay), cfg.lr, (cfg.beta1, cfg.beta2), cfg.eps, device)
    ckpt = Checkpointer(cfg, {"model": model}, optimizer, log, w)
    start, history = ckpt.resume()
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total = cfg.epochs * steps_per_epoch
    t0 = time.time()
    for step in range(start, total):
        lr = cosine_lr(step, max_lr=cfg.lr, total_steps=total, warmup_steps=cfg.warmup_steps,
                       min_ratio=cfg.min_lr_ratio)
        set_lr(optimizer, lr)
        model.train()
        # sorted by length, each micro-batch pads to its own longest: the same batch and gradient with less padding
        # (the demo's demonstrations: 1.28x the real tokens instead of 1.56x; bench/RESULTS.md)
        batch = sorted((train[i] for i in batch_indices(len(train), cfg.batch_size, step, cfg.seed)),
                       key=lambda e: len(e[0]))
        n_tokens = sum(sum(label != IGNORE for label in e[1][1:]) for e in batch)
        loss_sum = 0.0
        for i in w.mine(range(0, len(batch), cfg.micro_batch_size)):
            micro = to_device(collate(batch[i:i + cfg.micro_batch_size], tokenizer.pad_token_id), device)
            micro_tokens = int((micro["labels"][:, 1:] != IGNORE).sum())
            with autocast(device):
                loss = model(**micro).loss * micro_tokens / max(n_tokens, 1)  # mean over the batch's response tokens
            loss.backward()
            loss_sum += loss.item()
        ptx_sum = 0.0 if ptx is None else pretraining_backward(
            model, ptx, cfg.ptx_block_size, cfg.ptx_batch_size or cfg.batch_size, cfg.micro_batch_size, cfg.ptx_coef,
            step_generator(cfg.seed + 1, step), device, w.mine)
        sum_gradients(model, w)
        loss_sum = all_sum(loss_sum, w, device)
        ptx_sum = all_sum(ptx_sum, w, device) if ptx is not None else ptx_sum
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

        done = step + 1
        metrics = {"step": float(done), "loss": loss_sum, "lr": lr, "grad_norm": float(norm),
                   "epoch": done / steps_per_epoch, **({"ptx_loss": ptx_sum} if ptx is not None else {})}
        if val and done % steps_per_epoch == 0:
            metrics["val_loss"] = response_loss(model, val, tokenizer.pad_token_id, cfg.micro_batch_size)
        history.append(metrics)
        ckpt.maybe_save(done, history, total)
        if done % cfg.log_every == 0 or done == total:
            log(done, {**metrics, "steps_per_s": (done - start) / (time.time() - t0)})

    final = {"train_loss": history[-1]["loss"]} if history else {}
    if val:
        final["val_loss"] = response_loss(model, val, tokenizer.pad_token_id, cfg.micro_batch_size)
    path = ckpt.finish(model, tokenizer, final, history)
    return TrainResult(model=model, path=path, history=history, metrics=final)


def main(argv: list[str] | None = None) -> None:
    cfg = config_from_cli(SFTConfig, argv, __doc__ or "")

    def pairs(path: str) -> list[tuple[str, str]]:
        return [(r[cfg.prompt_column], r[cfg.response_column]) for r in iter_records(path)] if path else []

    result = train_sft(cfg, pairs(cfg.data_path), pairs(cfg.val_path),
                       ptx_texts=iter_texts(cfg.ptx_path) if cfg.ptx_path else ())
    close()
    print(f"wrote {result.path}: {result.metrics}")


if __name__ == "__main__":
    main()
