"""Sampling with the KV cache, and per-token log-probabilities: the primitives PPO, sampling and evaluation share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from training.data import model_inputs, pad


@dataclass
class Samples:
    """Left-padded prompts followed by sampled responses.

    ``input_ids``/``attention_mask`` cover prompt and response (B, P + N); ``response_mask`` (B, N) marks the sampled
    tokens of each row up to and including its EOS; ``ended`` says whether the row emitted EOS.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    response_mask: torch.Tensor
    prompt_len: int
    ended: torch.Tensor

    @property
    def response_ids(self) -> torch.Tensor:
        return self.input_ids[:, self.prompt_len:]

    def responses(self, drop_eos: int | None = None) -> list[list[int]]:
        """Each row's sampled tokens (without padding; without EOS if its id is given)."""
        rows = []
        for ids, mask in zip(self.response_ids.tolist(), self.response_mask.tolist(), strict=True):
            rows.append([t for t, m in zip(ids, mask, strict=True) if m and t != drop_eos])
        return rows


def encode_prompts(tokenizer, prompts: Sequence[str], max_len: int) -> list[list[int]]:
    """Token ids of each prompt, keeping its last ``max_len`` tokens; an empty prompt is EOS (GPT-2's unconditional
    start)."""
    ids = tokenizer(list(prompts), add_special_tokens=False)["input_ids"]
    return [(p[-max_len:] if max_len else p) or [tokenizer.eos_token_id] for p in ids]


def _draw(probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """One token per row by inverting the cumulative distribution with one uniform draw per row.

    Same distribution as ``torch.multinomial(probs, 1)``, which on the CPU draws an exponential per vocabulary entry:
    that was half of the sampling time of the tiny model (4,096 entries); this draws one number per row.
    """
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(probs.shape[0], 1, device=probs.device, generator=generator, dtype=cdf.dtype) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=probs.shape[-1] - 1)


@torch.no_grad()
def sample(model: nn.Module, prompts: Sequence[Sequence[int]], *, max_new_tokens: int, eos_id: int, pad_id: int,
           temperature: float = 1.0, top_k: int = 0, generator: torch.Generator | None = None) -> Samples:
    """Sample up to ``max_new_tokens`` per prompt, one token at a time with ``past_key_values``."""
    device = next(model.parameters()).device
    ids, mask = (t.to(device) for t in pad(prompts, pad_id, side="left"))
    out = model(**{**model_inputs(ids, mask), "use_cache": True})
    done = torch.zeros(len(prompts), dtype=torch.bool, device=device)
    tokens, alive_cols = [], []
    for _ in range(max_new_tokens):
        logits = out.logits[:, -1, :].float() / max(temperature, 1e-6)
        if top_k:
            kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        token = _draw(F.softmax(logits, dim=-1), generator)
        alive = ~done
        token = torch.where(alive, token, torch.full_like(token, pad_id))
        tokens.append(token)
        alive_cols.append(alive)
        done = done | (token == eos_id)
        mask = torch.cat([mask, alive.long()[:, None]], dim=1)
        if done.all() or len(tokens) == max_new_tokens:
            break
        position = (mask.sum(dim=1, keepdim=True) - 1).clamp(min=0)
        out = model(input_ids=token[:, None], attention_mask=mask, position_ids=position,
                    past_key_values=out.past_key_values, use_cache=True)
    response = torch.stack(tokens, dim=1)
    return Samples(
        input_ids=torch.cat([ids, response], dim=1),
        attention_mask=mask,
        response_mask=torch.stack(alive_cols, dim=1).long(),
        prompt_len=ids.shape[1],
        ended=done,
    )


def token_logprobs(model: nn.Module, ids: torch.Tensor, mask: torch.Tensor, start: int = 0) -> torch.Tensor:
    """Log-probability of each token ``ids[:, s:]`` given the tokens before it, with s = max(start, 1)."""
    s = max(start, 1)
    logits = model(**model_inputs(ids, mask), logits_to_keep=ids.shape[1] - s + 1).logits[:, :-1].float()
    targets = ids[:, s:]
    return torch.gather(F.log_softmax(logits, dim=-1), 2, targets[..., None]).squeeze(-1)


def concat(parts: Sequence[Samples], pad_id: int) -> Samples:
    """Stack samples drawn in chunks into one batch (prompts re-padded on the left, responses on the right)."""
    p = max(s.prompt_len for s in parts)
    n = max(s.response_mask.shape[1] for s in parts)

    def fit(x: torch.Tensor, left: int, right: int, value: int) -> torch.Tensor:
        return F.pad(x, (left, right), value=value)

    ids, mask, resp = [], [], []
    for s in parts:
        left, right = p - s.prompt_len, n - s.response_mask.shape[1]
        ids.append(fit(s.input_ids, left, right, pad_id))
        mask.append(fit(s.attention_mask, left, right, 0))
        resp.append(fit(s.response_mask, 0, right, 0))
    return Samples(torch.cat(ids), torch.cat(mask), torch.cat(resp), p, torch.cat([s.ended for s in parts]))
