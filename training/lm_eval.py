"""Zero-, one- and few-shot evaluation of a causal LM on tasks as data (GPT-2 §3, GPT-3 §2; lm-evaluation-harness).

A task is a list of examples ``{id, kind, context, choices, label}`` (``gpt_assets.ingest.tasks`` reads them from
the published files). Each example becomes log-likelihood requests, scored the way lm-evaluation-harness scores
them, so the figures compare with the harness's on the same model and data:

* ``multiple_choice``: the log-likelihood of ``target_delimiter + choice`` after the context, for every choice;
  ``acc`` takes the highest sum, ``acc_norm`` the highest sum per character of the choice (the harness's
  normalization; GPT-3 §2 normalizes per token for most tasks and by the unconditional probability for a few);
* ``last_word`` (LAMBADA): ``acc`` is whether greedy decoding gives the whole last word (every token of it the
  argmax), and the word's perplexity;
* ``fill_blank`` (Winogrande, "partial evaluation"): each option fills the blank, and the options are compared by
  the log-likelihood of the rest of the sentence after it.

Few-shot (GPT-3 §2): ``k`` solved examples drawn at random from the task's few-shot split (never the example
itself), each its context, the delimiter and its right answer, separated by ``fewshot_delimiter``. Where ``k`` of
them do not fit the model's context beside the longest request, the farthest shots are left out (the effective
number is reported as ``shots``); a lone request longer than the context is cut from the left, as the harness does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

KINDS = ("last_word", "multiple_choice", "fill_blank")


@dataclass
class EvalSettings:
    """How requests are built (GPT-3 §2; lm-evaluation-harness defaults where the paper is silent)."""

    ks: tuple[int, ...] = (0, 1, 4)  # GPT-3 §2: zero-, one- and few-shot; few = as many as the context holds
    fewshot_delimiter: str = "\n\n"  # GPT-3 §2: "separated by newlines"; the harness's default
    target_delimiter: str = " "  # between a context and its answer (the harness's default)
    max_examples: int = 0  # scored examples per task, 0 = all (the first n, in file order)
    batch_size: int = 64
    seed: int = 1234  # the harness's few-shot seed


@dataclass
class Example:
    id: str
    kind: str
    context: str
    choices: list[str]
    label: int


@dataclass
class Score:
    """One (task, k) result."""

    n: int
    acc: float
    acc_stderr: float
    acc_norm: float | None
    chance: float
    shots: float  # mean shots actually in the context
    ppl: float | None = None  # last_word only: perplexity of the target word
    per_example: list[int] = field(default_factory=list, repr=False)


def _encode_pair(tokenizer, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """(context ids, continuation ids) as the harness makes them: trailing spaces of the context move to the
    continuation, and the continuation's ids are the tail of the whole string's encoding."""
    n = len(context) - len(context.rstrip())
    if n:
        context, continuation = context[:-n], context[-n:] + continuation
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    ctx = tokenizer(context, add_special_tokens=False)["input_ids"]
    if not ctx:  # an empty context: the harness conditions on the end-of-text token
        return [tokenizer.eos_token_id], whole
    return whole[:len(ctx)], whole[len(ctx):]


@torch.no_grad()
def loglikelihoods(model: nn.Module, tokenizer, requests: Sequence[tuple[str, str]],
                   batch_size: int = 64) -> list[tuple[float, int, bool]]:
    """(sum of log-probabilities, number of tokens, greedy?) of each continuation after its context."""
    model.eval()
    device = next(model.parameters()).device
    limit = model.config.n_positions
    encoded = [_encode_pair(tokenizer, c, t) for c, t in requests]
    order = sorted(range(len(encoded)), key=lambda i: -(len(encoded[i][0]) + len(encoded[i][1])))
    out: list[tuple[float, int, bool]] = [(0.0, 0, False)] * len(encoded)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    for b in range(0, len(order), batch_size):
        idx = order[b:b + batch_size]
        rows, conts = [], []
        for i in idx:
            ctx, cont = encoded[i]
            cont = cont[-limit:]
            rows.append((ctx + cont)[-(limit + 1):][:-1])  # the last token is only a target
            conts.append(cont)
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for j, r in enumerate(rows):
            ids[j, :len(r)] = torch.tensor(r)
            mask[j, :len(r)] = 1
        hidden = model.base_model(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
        # Only the continuations' positions go through the LM head (the vocabulary-wide part of the cost).
        spans = [(len(r) - len(c), len(r)) for r, c in zip(rows, conts, strict=True)]
        picked = torch.cat([hidden[j, a:b] for j, (a, b) in enumerate(spans)])
        logp = F.log_softmax(model.get_output_embeddings()(picked).float(), dim=-1).cpu()
        at = 0
        for i, cont in zip(idx, conts, strict=True):
            n = len(cont)
            lp, target = logp[at:at + n], torch.tensor(cont)
            at += n
            out[i] = (lp.gather(1, target[:, None]).sum().item(), n, bool((lp.argmax(-1) == target).all()))
    return out


def _fill(sentence: str, option: str) -> tuple[str, str]:
    """Winogrande's partial evaluation: (the sentence up to the blank with ``option`` in it, the rest)."""
    at = sentence.index("_")
    return sentence[:at] + option, sentence[at + 1:].strip()


def solved(ex: Example, target_delimiter: str) -> str:
    """An example with its right answer: a few-shot demonstration."""
    if ex.kind == "fill_blank":
        head, rest = _fill(ex.context, ex.choices[ex.label])
        return f"{head}{target_delimiter}{rest}" if rest else head
    return f"{ex.context}{target_delimiter}{ex.choices[ex.label]}"


def _requests(ex: Example, prefix: str, delim: str) -> list[tuple[str, str]]:
    if ex.kind == "fill_blank":
        return [(prefix + head, delim + rest) for head, rest in (_fill(ex.context, c) for c in ex.choices)]
    return [(prefix + ex.context, delim + c) for c in ex.choices]


def _prefix(tokenizer, shots: list[Example], ex: Example, s: EvalSettings, room: int) -> tuple[str, int]:
    """The few-shot prefix: as many of ``shots`` as fit in ``room`` tokens beside the example's longest request."""
    longest = max(len(tokenizer(c + t, add_special_tokens=False)["input_ids"])
                  for c, t in _requests(ex, "", s.target_delimiter))
    while shots:
        text = "".join(solved(x, s.target_delimiter) + s.fewshot_delimiter for x in shots)
        if len(tokenizer(text, add_special_tokens=False)["input_ids"]) + longest <= room:
            return text, len(shots)
        shots = shots[1:]  # leave out the farthest shot
    return "", 0


def evaluate_task(model: nn.Module, tokenizer, examples: Sequence[Example], fewshot_pool: Sequence[Example], k: int,
                  s: EvalSettings, same_split: bool = True) -> Score:
    """Accuracy of ``model`` on ``examples`` with ``k`` shots from ``fewshot_pool``; ``same_split``: the pool is the
    scored split, so an example is never its own shot (ids of different splits may repeat: HellaSwag's ``ind``)."""
    examples = [e for e in examples if e.label is not None and e.label >= 0]
    if s.max_examples:
        examples = examples[:s.max_examples]
    if not examples:
        return Score(0, math.nan, math.nan, None, math.nan, 0.0)
    rng = random.Random(s.seed)
    room = model.config.n_positions
    labelled = [x for x in fewshot_pool if x.label is not None and x.label >= 0]
    requests, spans, shots_used = [], [], []
    for ex in examples:
        prefix, used = "", 0
        if k:
            pool = [x for x in labelled if x.id != ex.id] if same_split else labelled
            prefix, used = _prefix(tokenizer, rng.sample(pool, min(k, len(pool))), ex, s, room)
        shots_used.append(used)
        reqs = _requests(ex, prefix, s.target_delimiter)
        spans.append((len(requests), len(reqs)))
        requests += reqs
    lls = loglikelihoods(model, tokenizer, requests, s.batch_size)
    right, right_norm, word_ll, word_tokens = [], [], 0.0, 0
    for ex, (start, n) in zip(examples, spans, strict=True):
        got = lls[start:start + n]
        if ex.kind == "last_word":
            right.append(int(got[0][2]))
            word_ll, word_tokens = word_ll + got[0][0], word_tokens + got[0][1]
            continue
        sums = [g[0] for g in got]
        right.append(int(max(range(n), key=sums.__getitem__) == ex.label))
        norm = [g[0] / max(1, len(c)) for g, c in zip(got, ex.choices, strict=True)]  # the harness's: len(choice)
        right_norm.append(int(max(range(n), key=norm.__getitem__) == ex.label))
    m = len(right)
    acc = sum(right) / m
    stderr = math.sqrt(acc * (1 - acc) / (m - 1)) if m > 1 else math.nan
    lambada = examples[0].kind == "last_word"
    chance = 0.0 if lambada else sum(1 / len(e.choices) for e in examples) / m
    return Score(m, acc, stderr, None if lambada else sum(right_norm) / m, chance, sum(shots_used) / m,
                 math.exp(-word_ll / word_tokens) if lambada and word_tokens else None, right)
