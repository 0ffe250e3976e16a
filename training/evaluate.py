"""Evaluation: win rate of policy A over B under a judge (InstructGPT §3.6), best-of-n by a reward model, KL to a
reference, perplexity, and how a policy orders held-out human comparisons."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoModelForCausalLM

from training.config import RunConfig, config_from_cli
from training.data import iter_texts, sequential_blocks, to_device, tokenize_stream
from training.generation import encode_prompts, sample, token_logprobs
from training.runtime import autocast, setup
from training.sft import IGNORE, collate, encode_pair
from training.tokenizer import load_tokenizer

Judge = Callable[[str, str], float]  # (prompt, response) -> score; higher is better


@dataclass
class EvaluateConfig(RunConfig):
    """Compare a policy with a baseline on held-out prompts. Results go to ``<out_dir>/<name>.json``."""

    policy: str = ""  # folder of the policy under test (e.g. ppo_policy)
    baseline: str = ""  # folder of the baseline; InstructGPT §3.6 compares against the SFT model (175B)
    reference: str = ""  # folder for the KL measurement; "" = baseline
    judge: str = ""  # reward model folder used as the judge (InstructGPT uses labelers; we use an RM)
    prompts_path: str = ""  # .jsonl/.parquet with a prompt column, from held-out users (InstructGPT §3.6)
    prompt_column: str = "prompt"
    texts_path: str = ""  # held-out texts for perplexity; "" = skip
    max_prompts: int = 0  # 0 = all
    max_new_tokens: int = 64  # paper silent for evaluation; ours
    max_prompt_len: int = 0  # 0 = the model's context less max_new_tokens
    temperature: float = 1.0  # paper silent for evaluation; ours
    batch_size: int = 16

    PRESETS = {"tiny": {"max_new_tokens": 48, "batch_size": 128}, "gpt2-124m": {"device": "cuda"}}


def _generator(seed: int, device: torch.device) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


@torch.no_grad()
def generate(model: nn.Module, tokenizer, prompts: Sequence[str], *, max_new_tokens: int, temperature: float = 1.0,
             seed: int = 0, batch_size: int = 16, max_prompt_len: int = 0) -> list[str]:
    """One sampled response per prompt (text, without EOS)."""
    model.eval()
    device = next(model.parameters()).device
    limit = max_prompt_len or model.config.n_positions - max_new_tokens
    gen = _generator(seed, device)
    texts: list[str] = []
    for i in range(0, len(prompts), batch_size):
        ids = encode_prompts(tokenizer, prompts[i:i + batch_size], limit)
        with autocast(device):
            s = sample(model, ids, max_new_tokens=max_new_tokens, eos_id=tokenizer.eos_token_id,
                       pad_id=tokenizer.pad_token_id, temperature=temperature, generator=gen)
        texts += tokenizer.batch_decode(s.responses(drop_eos=tokenizer.eos_token_id))
    return texts


def compare(policy: nn.Module, baseline: nn.Module, tokenizer, prompts: Sequence[str], judges: dict[str, Judge], *,
            max_new_tokens: int = 64, temperature: float = 1.0, seed: int = 0, batch_size: int = 16) -> list[dict]:
    """One response per prompt from each model (same seed), scored by every judge.

    Rows ``{prompt, policy_response, baseline_response, <judge>_policy, <judge>_baseline, ...}``; summarize them with
    :func:`summarize`.
    """
    kw = {"max_new_tokens": max_new_tokens, "temperature": temperature, "seed": seed, "batch_size": batch_size}
    a, b = generate(policy, tokenizer, prompts, **kw), generate(baseline, tokenizer, prompts, **kw)
    return score_pairs(prompts, a, b, judges)


def score_pairs(prompts: Sequence[str], a: Sequence[str], b: Sequence[str], judges: dict[str, Judge]) -> list[dict]:
    """:func:`compare`'s rows for responses already generated: ``a`` the policy's, ``b`` the baseline's."""
    rows = []
    for prompt, ra, rb in zip(prompts, a, b, strict=True):
        row = {"prompt": prompt, "policy_response": ra, "baseline_response": rb}
        for name, judge in judges.items():
            row[f"{name}_policy"], row[f"{name}_baseline"] = float(judge(prompt, ra)), float(judge(prompt, rb))
        rows.append(row)
    return rows


def summarize(rows: Sequence[dict], judge: str) -> dict[str, float]:
    """Win rate of the policy over the baseline under one judge of :func:`compare`'s rows (ties count half)."""
    wins = sum(r[f"{judge}_policy"] > r[f"{judge}_baseline"] for r in rows)
    ties = sum(r[f"{judge}_policy"] == r[f"{judge}_baseline"] for r in rows)
    n = len(rows)
    return {"win_rate": (wins + 0.5 * ties) / n if n else math.nan, "wins": float(wins), "ties": float(ties),
            "losses": float(n - wins - ties), "n": float(n),
            "mean_policy": float(np.mean([r[f"{judge}_policy"] for r in rows])) if n else math.nan,
            "mean_baseline": float(np.mean([r[f"{judge}_baseline"] for r in rows])) if n else math.nan}


def win_rate(policy: nn.Module, baseline: nn.Module, tokenizer, prompts: Sequence[str], judge: Judge, *,
             max_new_tokens: int = 64, temperature: float = 1.0, seed: int = 0,
             batch_size: int = 16) -> dict[str, float]:
    """How often the judge prefers the policy's response to the baseline's on the same prompt (ties count half)."""
    kw = {"max_new_tokens": max_new_tokens, "temperature": temperature, "seed": seed, "batch_size": batch_size}
    a = generate(policy, tokenizer, prompts, **kw)
    b = generate(baseline, tokenizer, prompts, **kw)
    wins = ties = 0
    for prompt, ra, rb in zip(prompts, a, b, strict=True):
        sa, sb = judge(prompt, ra), judge(prompt, rb)
        wins += sa > sb
        ties += sa == sb
    n = len(prompts)
    return {"win_rate": (wins + 0.5 * ties) / n if n else math.nan, "wins": float(wins), "ties": float(ties),
            "losses": float(n - wins - ties), "n": float(n)}


def best_of_n(model: nn.Module, tokenizer, prompts: Sequence[str], n: int, score_fn: Judge, *,
              max_new_tokens: int = 64, temperature: float = 1.0, seed: int = 0, batch_size: int = 16) -> list[str]:
    """Per prompt, the one of ``n`` sampled responses that ``score_fn`` (a reward model) scores highest; the first of
    equal scores.

    Best-of-n against a reward model is the reference point RL from it should approach (Gao et al. 2022). The n
    samples come from one :func:`generate` over each prompt repeated n times; with n = 1 it is :func:`generate`.
    """
    return best_of_ns(model, tokenizer, prompts, [n], score_fn, max_new_tokens=max_new_tokens,
                      temperature=temperature, seed=seed, batch_size=batch_size)[n]


def best_of_ns(model: nn.Module, tokenizer, prompts: Sequence[str], ns: Sequence[int], score_fn: Judge, *,
               max_new_tokens: int = 64, temperature: float = 1.0, seed: int = 0,
               batch_size: int = 16) -> dict[int, list[str]]:
    """Best-of-n for every n in ``ns`` from one draw of max(ns) samples per prompt, each scored once: best-of-m takes
    the first m (i.i.d. samples, so a fair best-of-m), and the picks nest as in Gao et al. 2022's curves."""
    if not ns or min(ns) < 1:
        raise ValueError(f"best_of_n needs n >= 1, got {list(ns)}")
    top = max(ns)
    samples = generate(model, tokenizer, [p for p in prompts for _ in range(top)], max_new_tokens=max_new_tokens,
                       temperature=temperature, seed=seed, batch_size=batch_size)
    scores = [float(score_fn(prompts[i // top], r)) for i, r in enumerate(samples)]
    out = {}
    for n in ns:
        picks = []
        for i in range(len(prompts)):
            block = range(i * top, i * top + n)
            picks.append(samples[max(block, key=lambda j: (scores[j], -j))])
        out[n] = picks
    return out


@torch.no_grad()
def response_logprobs(model: nn.Module, tokenizer, pairs: Sequence[tuple[str, str]], batch_size: int = 16,
                      max_len: int = 0) -> list[float]:
    """Mean log-probability per response token (EOS included) of each (prompt, response), the prompt as context.

    Encoded as SFT encodes its pairs (``training.sft.encode_pair``): too long, the prompt's end and the response's
    start are kept.
    """
    model.eval()
    device = next(model.parameters()).device
    limit = min(max_len or model.config.n_positions, model.config.n_positions)
    examples = [encode_pair(tokenizer, p, r, limit) for p, r in pairs]
    out: list[float] = []
    for i in range(0, len(examples), batch_size):
        batch = to_device(collate(examples[i:i + batch_size], tokenizer.pad_token_id), device)
        labels = batch.pop("labels")[:, 1:]
        with autocast(device):
            logits = model(**batch).logits[:, :-1].float()
        mask = labels != IGNORE
        lp = torch.gather(F.log_softmax(logits, dim=-1), 2, labels.clamp(min=0)[..., None]).squeeze(-1)
        out += ((lp * mask).sum(1) / mask.sum(1).clamp(min=1)).tolist()
    return out


def human_preference(model: nn.Module, tokenizer, comparisons: Sequence[tuple[str, str, str]],
                     batch_size: int = 16) -> dict[str, float]:
    """How a policy orders held-out human comparisons ``(prompt, chosen, rejected)``.

    ``margin``: mean over pairs of log p(chosen | prompt) - log p(rejected | prompt), each per response token;
    ``agreement``: share of pairs with a positive margin (the policy finds the human-chosen reply likelier; ties
    half); ``n``: pairs.
    """
    if not comparisons:
        return {"margin": math.nan, "agreement": math.nan, "n": 0.0}
    chosen = response_logprobs(model, tokenizer, [(p, c) for p, c, _ in comparisons], batch_size)
    rejected = response_logprobs(model, tokenizer, [(p, r) for p, _, r in comparisons], batch_size)
    margins = np.array(chosen) - np.array(rejected)
    return {"margin": float(margins.mean()), "agreement": float((margins > 0).mean() + 0.5 * (margins == 0).mean()),
            "n": float(len(margins))}


@torch.no_grad()
def kl_to_reference(policy: nn.Module, reference: nn.Module, tokenizer, prompts: Sequence[str], *,
                    max_new_tokens: int = 64, temperature: float = 1.0, seed: int = 0, batch_size: int = 16) -> float:
    """Monte-Carlo KL(policy || reference) per response: mean over sampled responses of sum_t log pi - log ref."""
    policy.eval()
    reference.eval()
    device = next(policy.parameters()).device
    limit = policy.config.n_positions - max_new_tokens
    gen = _generator(seed, device)
    total, count = 0.0, 0
    for i in range(0, len(prompts), batch_size):
        ids = encode_prompts(tokenizer, prompts[i:i + batch_size], limit)
        with autocast(device):
            s = sample(policy, ids, max_new_tokens=max_new_tokens, eos_id=tokenizer.eos_token_id,
                       pad_id=tokenizer.pad_token_id, temperature=temperature, generator=gen)
            lp = token_logprobs(policy, s.input_ids, s.attention_mask, s.prompt_len)
            lr = token_logprobs(reference, s.input_ids, s.attention_mask, s.prompt_len)
        total += ((lp - lr) * s.response_mask).sum().item()
        count += len(ids)
    return total / max(count, 1)


@torch.no_grad()
def perplexity_on_tokens(model: nn.Module, tokens: np.ndarray, block_size: int, batch_size: int,
                         max_batches: int = 0) -> float:
    """exp(mean next-token loss) over consecutive blocks of a token stream."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    loss_sum, n = 0.0, 0
    for x in sequential_blocks(tokens, block_size, batch_size, max_batches):
        x = x.to(device)
        with autocast(device):
            loss = model(input_ids=x, labels=x, use_cache=False).loss
        loss_sum += loss.item() * len(x)
        n += len(x)
    model.train(was_training)
    return math.exp(loss_sum / n) if n else math.nan


def perplexity(model: nn.Module, tokenizer, texts: Iterable[str], batch_size: int = 8, block_size: int = 0) -> float:
    """Held-out perplexity of texts (EOS-joined, cut into blocks of the model's context)."""
    tokens = tokenize_stream(texts, tokenizer)
    block = min(block_size or model.config.n_positions, max(len(tokens) - 1, 1))
    return perplexity_on_tokens(model, tokens, block, batch_size)


def main(argv: list[str] | None = None) -> None:
    from training.reward import load_reward_model, reward_judge

    cfg = config_from_cli(EvaluateConfig, argv, __doc__ or "")
    device = setup(cfg)
    tokenizer = load_tokenizer(cfg.policy)
    policy = AutoModelForCausalLM.from_pretrained(cfg.policy).to(device)
    baseline = AutoModelForCausalLM.from_pretrained(cfg.baseline).to(device)
    reference = AutoModelForCausalLM.from_pretrained(cfg.reference).to(device) if cfg.reference else baseline
    prompts = [r for r in iter_texts(cfg.prompts_path, cfg.prompt_column)]
    prompts = prompts[: cfg.max_prompts or None]
    kw = {"max_new_tokens": cfg.max_new_tokens, "temperature": cfg.temperature, "seed": cfg.seed,
          "batch_size": cfg.batch_size}
    judge = reward_judge(load_reward_model(cfg.judge).to(device), load_tokenizer(cfg.judge))
    result = win_rate(policy, baseline, tokenizer, prompts, judge, **kw)
    result["kl_to_reference"] = kl_to_reference(policy, reference, tokenizer, prompts, **kw)
    if cfg.texts_path:
        result["perplexity"] = perplexity(policy, tokenizer, iter_texts(cfg.texts_path), cfg.batch_size)
    out = Path(cfg.out_dir) / f"{cfg.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result), file=sys.stderr)


if __name__ == "__main__":
    main()
