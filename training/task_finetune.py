"""GPT-1's supervised fine-tuning (§3.2-3.3): the pretrained model, a linear head on the extract token, the inputs
transformed per task (Figure 1), trained with L3 = L2 + λ·L1 (the task loss plus λ times the LM loss on the same
inputs).

Transformations (Figure 1): start and extract tokens around the text; a delimiter between its parts:

* classification: ``<s> text <e>``;
* entailment: ``<s> premise $ hypothesis <e>``;
* similarity: both orders, ``<s> a $ b <e>`` and ``<s> b $ a <e>``, their final hidden states added before the head;
* multiple choice: ``<s> context $ answer_k <e>`` for every answer, one score each, a softmax over them.

The model is a stock ``GPT2DoubleHeadsModel`` (an LM head and a multiple-choice head that reads the hidden state at
the extract token, dropout 0.1 before it: GPT-1 §4.1), so a saved folder loads with ``from_pretrained``; the three
new tokens are added to the tokenizer and their embeddings initialised at random, as GPT-1's were.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from transformers import GPT2DoubleHeadsModel

from training.checkpoint import save_pretrained
from training.config import RunConfig
from training.optim import adamw, param_groups, set_lr
from training.runtime import LogFn, TrainResult, print_log, seed_everything
from training.tokenizer import load_tokenizer

START, DELIM, EXTRACT = "<|start|>", "<|delim|>", "<|extract|>"
IGNORE = -100


@dataclass
class TaskFinetuneConfig(RunConfig):
    """Fine-tuning on one task. Defaults: GPT-1 §4.1 ("Fine-tuning details")."""

    init_from: str = ""  # the pretrained model's folder (base_lm)
    lm_coef: float = 0.5  # GPT-1 §3.2 / §4.1: λ, the weight of the auxiliary LM objective L1; 0 = without it
    lr: float = 6.25e-5  # GPT-1 §4.1
    batch_size: int = 32  # GPT-1 §4.1
    epochs: int = 3  # GPT-1 §4.1: "3 epochs of training was sufficient for most cases"
    warmup_share: float = 0.002  # GPT-1 §4.1: linear warmup over 0.2% of training, then linear decay to 0
    clf_dropout: float = 0.1  # GPT-1 §4.1: dropout on the classifier
    weight_decay: float = 0.01  # GPT-1 §4.1 reuses pretraining's: a modified L2 with w = 0.01 on non-bias weights
    grad_clip: float = 1.0  # GPT-1 silent; ours (the pretraining stage's)
    beta1: float = 0.9  # GPT-1 silent (Adam); PyTorch's default
    beta2: float = 0.999  # GPT-1 silent; PyTorch's default
    eps: float = 1e-8

    PRESETS = {"tiny": {"lr": 1e-3, "epochs": 3, "batch_size": 32, "log_every": 10},
               "gpt2-124m": {"device": "cuda"}}


@dataclass
class TaskExample:
    """One example in GPT-1's terms: ``kind`` classification | entailment | similarity | multiple_choice."""

    kind: str
    parts: list[str]  # classification [text]; entailment [premise, hypothesis]; similarity [a, b]; MC [context]
    label: int
    choices: list[str] | None = None  # multiple choice: the answers


def add_task_tokens(tokenizer, model: nn.Module) -> dict[str, int]:
    """Add the start, delimiter and extract tokens (randomly initialised embeddings, GPT-1 §3.3)."""
    tokenizer.add_special_tokens({"additional_special_tokens": [START, DELIM, EXTRACT]})
    if model.get_input_embeddings().num_embeddings < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    return {t: tokenizer.convert_tokens_to_ids(t) for t in (START, DELIM, EXTRACT)}


def transform(ex: TaskExample, encode, special: dict[str, int], max_len: int) -> list[list[int]]:
    """The token sequences of one example (Figure 1): one for classification and entailment, two for similarity,
    one per answer for multiple choice. Each text part is cut from the left so a sequence fits ``max_len``."""
    s, d, e = special[START], special[DELIM], special[EXTRACT]

    def seq(*parts: str) -> list[int]:
        ids = [encode(p) for p in parts]
        room = max_len - 2 - (len(parts) - 1)
        while (excess := sum(map(len, ids)) - room) > 0:  # cut the longest part from the left
            i = max(range(len(ids)), key=lambda j: len(ids[j]))
            if len(ids[i]) <= 1:
                break
            ids[i] = ids[i][min(excess, len(ids[i]) - 1):]
        out = [s]
        for i, p in enumerate(ids):
            out += p + ([d] if i < len(ids) - 1 else [])
        return out + [e]

    if ex.kind == "classification":
        return [seq(ex.parts[0])]
    if ex.kind == "entailment":
        return [seq(ex.parts[0], ex.parts[1])]
    if ex.kind == "similarity":
        return [seq(ex.parts[0], ex.parts[1]), seq(ex.parts[1], ex.parts[0])]
    if ex.kind == "multiple_choice":
        return [seq(ex.parts[0], c) for c in ex.choices or []]
    raise ValueError(f"unknown task kind {ex.kind!r}")


def _batch(seqs: list[list[list[int]]], pad: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(input_ids [B, C, T], extract positions [B, C], LM labels [B, C, T] with padding ignored)."""
    width = max(len(x) for ex in seqs for x in ex)
    n = max(len(ex) for ex in seqs)
    ids = torch.full((len(seqs), n, width), pad, dtype=torch.long)
    labels = torch.full_like(ids, IGNORE)
    at = torch.zeros((len(seqs), n), dtype=torch.long)
    for b, ex in enumerate(seqs):
        for c, x in enumerate(ex):
            ids[b, c, :len(x)] = torch.tensor(x)
            labels[b, c, 1:len(x)] = torch.tensor(x[1:])  # the LM objective on the task's own text, not <s>
            at[b, c] = len(x) - 1
    return ids, at, labels


class TaskModel:
    """A ``GPT2DoubleHeadsModel`` with GPT-1's input transformations."""

    def __init__(self, model: GPT2DoubleHeadsModel, tokenizer) -> None:
        self.model, self.tokenizer = model, tokenizer
        self.special = {t: tokenizer.convert_tokens_to_ids(t) for t in (START, DELIM, EXTRACT)}
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def forward(self, batch: Sequence[TaskExample], lm: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(one score per answer [B, C], the LM loss on the same sequences or None)."""
        device = next(self.model.parameters()).device
        seqs = [transform(ex, self.encode, self.special, self.model.config.n_positions) for ex in batch]
        ids, at, labels = (t.to(device) for t in _batch(seqs, self.pad))
        mask = (labels != IGNORE) | (torch.arange(ids.shape[-1], device=device) == 0)
        out = self.model(input_ids=ids, attention_mask=mask.long(), mc_token_ids=at, labels=labels if lm else None)
        real = torch.tensor([[c < len(ex) for c in range(ids.shape[1])] for ex in seqs], device=device)
        return out.mc_logits.masked_fill(~real, float("-inf")), (out.loss if lm else None)  # absent answers


def load_task_model(folder: str, clf_dropout: float = 0.1) -> TaskModel:
    """A fine-tuned folder, or a pretrained LM with the task tokens and a fresh head (GPT2DoubleHeadsModel)."""
    tokenizer = load_tokenizer(folder)
    model = GPT2DoubleHeadsModel.from_pretrained(folder, summary_first_dropout=clf_dropout, num_labels=1)
    if START not in tokenizer.get_vocab():
        add_task_tokens(tokenizer, model)
    return TaskModel(model, tokenizer)


@torch.no_grad()
def accuracy(task: TaskModel, examples: Sequence[TaskExample], batch_size: int = 64) -> float:
    """Share of ``examples`` whose highest-scoring answer is the labelled one."""
    task.model.eval()
    right = 0
    for i in range(0, len(examples), batch_size):
        batch = examples[i:i + batch_size]
        logits, _ = task.forward(batch, lm=False)
        right += sum(int(p) == ex.label for p, ex in zip(logits.argmax(-1).tolist(), batch, strict=True))
    return right / max(1, len(examples))


def _lr(step: int, total: int, cfg: TaskFinetuneConfig) -> float:
    """GPT-1 §4.1: linear warmup over ``warmup_share`` of the steps, then linear decay to zero."""
    warm = max(1, math.ceil(cfg.warmup_share * total))
    return cfg.lr * (step + 1) / warm if step < warm else cfg.lr * max(0.0, (total - step) / max(1, total - warm))


def finetune(cfg: TaskFinetuneConfig, train: Sequence[TaskExample], test: Sequence[TaskExample],
             log: LogFn = print_log, save: bool = True) -> TrainResult:
    """Fine-tune ``cfg.init_from`` on ``train`` (all of one kind), report accuracy on ``test``; save the model."""
    if not train:
        raise ValueError("no training examples to fine-tune on")
    kinds = {ex.kind for ex in train}
    if len(kinds) != 1 or kinds & {"classification", "entailment", "similarity"}:
        # GPT2DoubleHeadsModel's head gives one score per sequence: the shape of multiple choice; the other kinds
        # would need num_labels outputs (GPT2ForSequenceClassification), which is not built yet.
        raise ValueError(f"fine-tuning runs on multiple-choice tasks; got kinds {sorted(kinds)}")
    seed_everything(cfg.seed)
    device = torch.device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    model = GPT2DoubleHeadsModel.from_pretrained(cfg.init_from, summary_first_dropout=cfg.clf_dropout, num_labels=1)
    tokenizer = load_tokenizer(cfg.init_from)
    add_task_tokens(tokenizer, model)
    model.to(device)
    task = TaskModel(model, tokenizer)
    opt = adamw(param_groups(model, cfg.weight_decay), cfg.lr, (cfg.beta1, cfg.beta2), cfg.eps, device)
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    rng = random.Random(cfg.seed)
    history: list[dict[str, float]] = []
    zero_shot = accuracy(task, test)
    t0, step = time.time(), 0
    for epoch in range(cfg.epochs):
        order = list(range(len(train)))
        rng.shuffle(order)
        for b in range(0, len(order), cfg.batch_size):
            model.train()
            batch = [train[i] for i in order[b:b + cfg.batch_size]]
            logits, lm_loss = task.forward(batch, lm=cfg.lm_coef > 0)
            target = torch.tensor([ex.label for ex in batch], device=device)
            clf_loss = nn.functional.cross_entropy(logits, target)
            loss = clf_loss + cfg.lm_coef * lm_loss if lm_loss is not None else clf_loss  # L3 = L2 + λ·L1
            set_lr(opt, _lr(step, total, cfg))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            row = {"step": step, "epoch": epoch, "loss": loss.item(), "clf_loss": clf_loss.item(),
                   "lm_loss": lm_loss.item() if lm_loss is not None else math.nan}
            history.append(row)
            if step % cfg.log_every == 0:
                log(step, {k: v for k, v in row.items() if k != "step"})
            step += 1
    metrics = {"test_accuracy": accuracy(task, test), "untrained_head_accuracy": zero_shot,
               "train_examples": float(len(train)), "test_examples": float(len(test)), "steps": float(step),
               "lm_coef": cfg.lm_coef, "train_seconds": time.time() - t0,
               "chance": sum(1 / len(ex.choices or [1]) for ex in test) / max(1, len(test))}
    if save:
        save_pretrained(model, tokenizer, cfg.final_dir, metrics, history)
    return TrainResult(model, cfg.final_dir if save else None, history, metrics)
