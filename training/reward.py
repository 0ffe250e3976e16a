"""Reward model (InstructGPT §3.5, App. C.2): the SFT model with a scalar head, trained on K-wise rankings.

For a prompt with K responses ranked best to worst, the loss is
``-1/C(K,2) * sum_{i better than j} log sigmoid(r_i - r_j)``; all C(K,2) pairs of a prompt sit in one batch element
and each response goes through the model once (§3.5). The head reads the last non-pad token
(``GPT2ForSequenceClassification`` with ``pad_token_id`` set), so the folder loads with
``AutoModelForSequenceClassification.from_pretrained(folder)``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification, GPT2ForSequenceClassification

from training.checkpoint import Checkpointer
from training.config import RunConfig, config_from_cli
from training.data import batch_indices, iter_records, model_inputs, pad
from training.distributed import all_sum, broadcast_parameters, close, sum_gradients
from training.optim import adamw, cosine_lr, param_groups, set_lr
from training.runtime import LogFn, TrainResult, autocast, print_log, setup_parallel
from training.tokenizer import load_tokenizer


@dataclass
class Ranking:
    """One prompt's K >= 2 responses, best first."""

    prompt: str
    responses: list[str]

    @classmethod
    def from_ranks(cls, prompt: str, responses: Sequence[str], ranking: Sequence[int]) -> Ranking:
        """``ranking`` lists response indices best to worst."""
        return cls(prompt, [responses[i] for i in ranking])

    @classmethod
    def from_comparison(cls, prompt: str, chosen: str, rejected: str) -> Ranking:
        """A pairwise comparison is a ranking with K = 2."""
        return cls(prompt, [chosen, rejected])


@dataclass
class RewardConfig(RunConfig):
    """Train a reward model from the SFT model."""

    init_from: str = ""  # SFT folder (§3.5: the SFT model with the unembedding layer removed)
    epochs: int = 1  # InstructGPT §3.5 / C.2: a single epoch (more overfits)
    lr: float = 9e-6  # InstructGPT C.2 (6B RM)
    min_lr_ratio: float = 0.1  # InstructGPT C.2: cosine schedule down to 10% of the initial value
    warmup_steps: int = 0  # paper silent; ours
    batch_size: int = 64  # prompts per step (each with all its C(K,2) pairs); InstructGPT C.2: 64
    micro_batch_size: int = 8  # prompts per forward pass; ours
    dropout: float = 0.0  # paper silent; ours (the SFT's residual dropout 0.2 is turned off)
    weight_decay: float = 0.0  # paper silent; ours
    beta1: float = 0.9  # paper silent; GPT-3 App. B
    beta2: float = 0.95  # paper silent; GPT-3 App. B
    eps: float = 1e-8  # paper silent
    grad_clip: float = 1.0  # paper silent; ours
    max_len: int = 0  # prompt + response tokens; 0 = the model's context
    normalize: bool = True  # §3.5: after training, set the bias so labeler demonstrations score mean 0
    data_path: str = ""  # CLI only: rows {prompt, responses (best first)} or {prompt, chosen, rejected}
    val_path: str = ""  # CLI only
    demonstrations_path: str = ""  # CLI only: rows {prompt, response} (the SFT demonstrations)
    extra_val_paths: dict[str, str] = field(default_factory=dict)  # CLI only: named held-out sets, like val_path

    PRESETS = {
        "tiny": {"epochs": 1, "lr": 1e-3, "batch_size": 8, "micro_batch_size": 8, "log_every": 5},
        "gpt2-124m": {"device": "cuda", "lr": 1e-5, "micro_batch_size": 8, "checkpoint_every": 200},
    }


def kwise_loss(scores: torch.Tensor) -> torch.Tensor:
    """-1/C(K,2) * sum over pairs i < j of log sigmoid(s_i - s_j), for scores of K responses ranked best first."""
    i, j = torch.triu_indices(len(scores), len(scores), offset=1, device=scores.device)
    return -F.logsigmoid(scores[i] - scores[j]).mean()


def encode(tokenizer, prompt: str, response: str, max_len: int) -> list[int]:
    """prompt + response + EOS, each part tokenized on its own as for sampling; keeps the end when too long."""
    p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    r = tokenizer(response, add_special_tokens=False)["input_ids"]
    return (p + r + [tokenizer.eos_token_id])[-max_len:]


def scores(model, tokenizer, prompts: Sequence[str], responses: Sequence[str], max_len: int = 0) -> torch.Tensor:
    """Rewards of (prompt, response) pairs in one padded forward pass (one pass per response)."""
    limit = max_len or model.config.n_positions
    seqs = [encode(tokenizer, p, r, limit) for p, r in zip(prompts, responses, strict=True)]
    device = next(model.parameters()).device
    ids, mask = (t.to(device) for t in pad(seqs, tokenizer.pad_token_id))
    with autocast(device):
        return model(**model_inputs(ids, mask)).logits[:, 0].float()


def batch_loss(model, tokenizer, rankings: Sequence[Ranking], max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean K-wise loss over prompts and the pairwise accuracy of the batch."""
    flat = [(r.prompt, resp) for r in rankings for resp in r.responses]
    s = scores(model, tokenizer, [p for p, _ in flat], [r for _, r in flat], max_len)
    losses, correct, pairs = [], 0.0, 0
    for chunk in torch.split(s, [len(r.responses) for r in rankings]):
        losses.append(kwise_loss(chunk))
        i, j = torch.triu_indices(len(chunk), len(chunk), offset=1)
        correct += (chunk[i] > chunk[j]).sum().item()
        pairs += len(i)
    return torch.stack(losses).mean(), torch.tensor(correct / pairs)


@torch.no_grad()
def pairwise_accuracy(model, tokenizer, rankings: Sequence[Ranking], batch_size: int = 8, max_len: int = 0) -> float:
    """Fraction of the C(K,2) pairs (over all prompts) that the model orders like the labelers."""
    model.eval()
    correct = pairs = 0
    for i in range(0, len(rankings), batch_size):
        chunk = rankings[i:i + batch_size]
        _, acc = batch_loss(model, tokenizer, chunk, max_len)
        n = sum(math.comb(len(r.responses), 2) for r in chunk)
        correct += acc.item() * n
        pairs += n
    return correct / pairs if pairs else math.nan


@torch.no_grad()
def normalize_bias(model: GPT2ForSequenceClassification, tokenizer, demonstrations: Sequence[tuple[str, str]],
                   batch_size: int = 16, max_len: int = 0) -> float:
    """Shift every score by the same constant so the demonstrations score mean 0 (§3.5); returns the old mean.

    GPT-2's score head has no bias, and the head reads only the final LayerNorm, so the shift goes into that LayerNorm's
    bias: moving it by -c * w / |w|^2 moves every reward by exactly -c and keeps the standard HF layout.
    """
    model.eval()
    mean = torch.cat([scores(model, tokenizer, [p for p, _ in demonstrations[i:i + batch_size]],
                             [r for _, r in demonstrations[i:i + batch_size]], max_len)
                      for i in range(0, len(demonstrations), batch_size)]).mean().item()
    w = model.score.weight[0].float()
    model.transformer.ln_f.bias.sub_((mean * w / w.dot(w)).to(model.transformer.ln_f.bias.dtype))
    return mean


def load_reward_model(path: str, dropout: float = 0.0) -> GPT2ForSequenceClassification:
    """A reward model folder, or an SFT/LM folder with a fresh scalar head (num_labels=1, pad_token_id set)."""
    tokenizer = load_tokenizer(path)
    return AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=1, pad_token_id=tokenizer.pad_token_id,
        resid_pdrop=dropout, embd_pdrop=dropout, attn_pdrop=dropout,
    )


def reward_judge(model, tokenizer, max_len: int = 0) -> Callable[[str, str], float]:
    """The reward model as a judge: (prompt, response) -> score."""
    model.eval()

    @torch.no_grad()
    def judge(prompt: str, response: str) -> float:
        return scores(model, tokenizer, [prompt], [response], max_len).item()

    return judge


def train_reward(cfg: RewardConfig, rankings: Sequence[Ranking], val_rankings: Sequence[Ranking] = (),
                 demonstrations: Sequence[tuple[str, str]] = (), log: LogFn = print_log,
                 extra_val: dict[str, Sequence[Ranking]] | None = None) -> TrainResult:
    """Train the reward model and save it to ``cfg.final_dir``.

    ``extra_val`` names further held-out sets; each gives a ``val_accuracy_<name>`` metric. Under torchrun each rank
    runs every ``world``-th micro-batch of the same global batch (see training.distributed).
    """
    rankings = [r for r in rankings if len(r.responses) >= 2]
    if not rankings:
        raise ValueError("reward model training needs prompts with at least two ranked responses")
    w, device, log = setup_parallel(cfg, log)
    tokenizer = load_tokenizer(cfg.init_from)
    model = load_reward_model(cfg.init_from, cfg.dropout).to(device)
    broadcast_parameters(model, w)
    max_len = min(cfg.max_len or model.config.n_positions, model.config.n_positions)

    optimizer = adamw(param_groups(model, cfg.weight_decay), cfg.lr, (cfg.beta1, cfg.beta2), cfg.eps, device)
    ckpt = Checkpointer(cfg, {"model": model}, optimizer, log, w)
    start, history = ckpt.resume()
    steps_per_epoch = math.ceil(len(rankings) / cfg.batch_size)
    total = cfg.epochs * steps_per_epoch
    t0 = time.time()
    for step in range(start, total):
        lr = cosine_lr(step, max_lr=cfg.lr, total_steps=total, warmup_steps=cfg.warmup_steps,
                       min_ratio=cfg.min_lr_ratio)
        set_lr(optimizer, lr)
        model.train()
        batch = [rankings[i] for i in batch_indices(len(rankings), cfg.batch_size, step, cfg.seed)]
        loss_sum = acc_sum = 0.0
        for i in w.mine(range(0, len(batch), cfg.micro_batch_size)):
            micro = batch[i:i + cfg.micro_batch_size]
            loss, acc = batch_loss(model, tokenizer, micro, max_len)
            (loss * len(micro) / len(batch)).backward()
            loss_sum += loss.item() * len(micro) / len(batch)
            acc_sum += acc.item() * len(micro) / len(batch)
        sum_gradients(model, w)
        loss_sum, acc_sum = all_sum(loss_sum, w, device), all_sum(acc_sum, w, device)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

        done = step + 1
        metrics = {"step": float(done), "loss": loss_sum, "accuracy": acc_sum, "lr": lr, "grad_norm": float(norm)}
        history.append(metrics)
        ckpt.maybe_save(done, history, total)
        if done % cfg.log_every == 0 or done == total:
            log(done, {**metrics, "steps_per_s": (done - start) / (time.time() - t0)})

    final = {"train_loss": history[-1]["loss"]} if history else {}
    if val_rankings:
        final["val_accuracy"] = pairwise_accuracy(model, tokenizer, val_rankings, cfg.micro_batch_size, max_len)
    for name, extra in (extra_val or {}).items():
        if extra:
            final[f"val_accuracy_{name}"] = pairwise_accuracy(model, tokenizer, extra, cfg.micro_batch_size, max_len)
    if cfg.normalize and demonstrations:
        final["demonstration_mean_before_bias"] = normalize_bias(model, tokenizer, demonstrations,
                                                                 cfg.micro_batch_size, max_len)
    path = ckpt.finish(model, tokenizer, final, history)
    return TrainResult(model=model, path=path, history=history, metrics=final)


def read_rankings(path: str) -> list[Ranking]:
    """Rows ``{prompt, responses}`` (best first, optional ``ranking`` of indices) or ``{prompt, chosen, rejected}``."""
    out = []
    for row in iter_records(path):
        if row.get("chosen") is not None:
            out.append(Ranking.from_comparison(row["prompt"], row["chosen"], row["rejected"]))
        elif row.get("ranking") is not None:
            out.append(Ranking.from_ranks(row["prompt"], row["responses"], row["ranking"]))
        else:
            out.append(Ranking(row["prompt"], list(row["responses"])))
    return out


def main(argv: list[str] | None = None) -> None:
    cfg = config_from_cli(RewardConfig, argv, __doc__ or "")
    demos = [(r["prompt"], r["response"]) for r in iter_records(cfg.demonstrations_path)] \
        if cfg.demonstrations_path else []
    val = read_rankings(cfg.val_path) if cfg.val_path else []
    extra = {name: read_rankings(path) for name, path in cfg.extra_val_paths.items()}
    result = train_reward(cfg, read_rankings(cfg.data_path), val, demos, extra_val=extra)
    close()
    print(f"wrote {result.path}: {result.metrics}")


if __name__ == "__main__":
    main()
