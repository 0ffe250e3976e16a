"""Labelers: one interface (``demonstrate``, ``rank``), a simulated labeler for the sample world, and
human labels read from files.

The simulated labeler knows the hidden task behind each generated prompt (the
sample world's truth: template, slots, reference answer).  It demonstrates with
the reference answer, padded most of the time (70%) with a chatty line of its own (an
opening pleasantry or a closing offer of more help, which the gold preference
counts against: a line the task did not ask for), and ranks responses by the *gold preference* plus
Thurstonian noise: each labeler perceives ``gold + N(0, tau^2)``.  For every set
of responses, ``tau`` is solved from the set's own gold gaps so that two
independent labelers are expected to order 72.6% of its pairs alike (InstructGPT
App. B: 72.6 ± 1.5% inter-annotator agreement), whatever the scale or spread of
the scores.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import polars as pl

from gpt_assets.prompts.clean import rank_key

INTER_ANNOTATOR_AGREEMENT = 0.726  # InstructGPT App. B: labelers agree with each other 72.6 ± 1.5%
# The sample world's demonstrators write worse than they judge (InstructGPT §3.4-3.5: comparisons are cheaper and
# carry what demonstrations miss): this share of demonstrations is padded with one chatty line. SFT imitates the
# padding; the gold preference, the rankings and so the reward model count it against the answer.
PADDING_RATE = 0.7
OPENERS = ("Sure, here you go.", "Of course! Happy to help.", "Great question, here is my answer.",
           "Okay, let me help with that.", "Here is what you asked for.")
CLOSERS = ("I hope this helps!", "Let me know if you need anything else.", "Thanks for asking.",
           "Feel free to ask for more.", "Have a great day!")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Prompt:
    prompt_id: str
    text: str


class Labeler(Protocol):
    def demonstrate(self, prompt: Prompt) -> str: ...

    def rank(self, prompt: Prompt, responses: Sequence[str]) -> list[int]:
        """Indices of ``responses`` from best to worst."""
        ...


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _f1(ref: list, res: list) -> float:
    overlap = sum((Counter(ref) & Counter(res)).values())
    return 2 * overlap / (len(ref) + len(res)) if overlap else 0.0


def _lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def gold_score(reference: str, response: str) -> float:
    """The sample world's gold preference for one response, in [0, 1]: a rubric against the reference answer.

    - content: word F1 (the names, numbers and slots the prompt gave, the facts asked for) averaged with word-bigram
      F1 (the same words in the world's grammar: fluency);
    - format and count: the number of non-empty lines against the reference's (the items or lines asked for, a list
      where a list is asked for, one line where one is);
    - no repetition: the share of distinct word bigrams;
    - length and ending: responses over twice the reference's length (rambling on instead of ending) lose in
      proportion.
    """
    ref, res = _words(reference), _words(response)
    if not ref or not res:
        return 0.0
    content = 0.5 * _f1(ref, res) + 0.5 * _f1(list(zip(ref, ref[1:], strict=False)) or ref,
                                              list(zip(res, res[1:], strict=False)) or res)
    want, got = _lines(reference), _lines(response)
    form = max(0.0, 1.0 - abs(got - want) / max(want, 1))
    bigrams = list(zip(res, res[1:], strict=False))
    distinct = len(set(bigrams)) / len(bigrams) if bigrams else 1.0
    length = min(1.0, 2 * len(ref) / len(res))
    return content * (0.5 + 0.5 * form) * (0.5 + 0.5 * distinct) * length


def _phi(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def expected_agreement(gaps: np.ndarray, tau: float) -> float:
    """Expected share of pairs two labelers order alike, given the pairs' gold gaps and noise ``tau``."""
    p = _phi(np.abs(gaps) / (tau * math.sqrt(2)))
    return float((p**2 + (1 - p) ** 2).mean())


def noise_for(gaps: np.ndarray, target: float = INTER_ANNOTATOR_AGREEMENT) -> float:
    """The noise at which two labelers are expected to agree on ``target`` of these pairs (bisection)."""
    top = float(np.abs(gaps).max()) if len(gaps) else 0.0
    if top == 0.0:
        return 1.0
    lo, hi = top * 1e-6, top * 1e3
    if expected_agreement(gaps, lo) <= target:  # too many ties to agree more: least noise
        return lo
    for _ in range(50):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if expected_agreement(gaps, mid) > target else (lo, mid)
    return math.sqrt(lo * hi)


class SimulatedLabeler:
    """The sample world's labeler: good demonstrations, gold rankings with calibrated noise."""

    def __init__(self, truth: pl.DataFrame, seed: int = 0, agreement: float = INTER_ANNOTATOR_AGREEMENT,
                 padding_rate: float = PADDING_RATE):
        self.reference = dict(truth.select("prompt_id", "reference_answer").iter_rows())
        # the planted requests to refuse (GPT-4 §6), where the world's truth marks them
        self.sensitive = set(truth.filter(pl.col("sensitive"))["prompt_id"]) if "sensitive" in truth.columns \
            else set()
        self.seed = seed
        self.agreement = agreement
        self.padding_rate = padding_rate

    @classmethod
    def from_truth_dir(cls, truth_dir: Path, seed: int = 0) -> SimulatedLabeler:
        from gpt_assets.sampleworld import load_truth

        labeler = cls(load_truth(truth_dir, "prompts"), seed)
        if (Path(truth_dir) / "dialogues.jsonl.gz").exists():  # the world's conversations: their last turns
            dialogues = load_truth(truth_dir, "dialogues")
            labeler.reference.update(zip(dialogues["conversation_id"], dialogues["reference_answer"], strict=True))
        return labeler

    def knows(self, prompt: Prompt) -> bool:
        return prompt.prompt_id in self.reference

    def demonstrate(self, prompt: Prompt) -> str:
        """The reference answer; with probability ``padding_rate`` (seeded per prompt) one chatty line before or
        after it."""
        ref = self.reference[prompt.prompt_id]
        r = rank_key(self.seed, "demonstrate", prompt.prompt_id)
        if (r % 10_000) / 10_000 >= self.padding_rate:
            return ref
        lines = OPENERS if (r >> 16) % 2 else CLOSERS
        line = lines[(r >> 24) % len(lines)]
        return f"{line}\n{ref}" if lines is OPENERS else f"{ref}\n{line}"

    def gold(self, prompt: Prompt, responses: Sequence[str]) -> np.ndarray:
        ref = self.reference[prompt.prompt_id]
        return np.array([gold_score(ref, r) for r in responses])

    def rank(self, prompt: Prompt, responses: Sequence[str]) -> list[int]:
        gold = self.gold(prompt, responses)
        i, j = np.triu_indices(len(gold), 1)
        tau = noise_for(gold[i] - gold[j], self.agreement)
        rng = np.random.default_rng(rank_key(self.seed, "rank", prompt.prompt_id) % 2**63)
        perceived = gold + rng.normal(0.0, tau, len(gold))
        return [int(k) for k in np.argsort(-perceived, kind="stable")]


class FileLabeler:
    """Human labels from files: demonstrations ``{"prompt_id","response"}`` and rankings
    ``{"prompt_id","responses":[...],"ranking":[best index, ...]}``, one JSON object per line."""

    def __init__(self, demonstrations: Path | None = None, rankings: Path | None = None):
        self.demos: dict[str, str] = {}
        self.ranks: dict[tuple[str, tuple[str, ...]], list[int]] = {}
        if demonstrations and demonstrations.exists():
            for line in demonstrations.read_text().splitlines():
                if line.strip():
                    obj = json.loads(line)
                    self.demos[str(obj["prompt_id"])] = obj["response"]
        if rankings and rankings.exists():
            for line in rankings.read_text().splitlines():
                if line.strip():
                    obj = json.loads(line)
                    self.ranks[(str(obj["prompt_id"]), tuple(obj["responses"]))] = list(obj["ranking"])

    def demonstrate(self, prompt: Prompt) -> str:
        if prompt.prompt_id not in self.demos:
            raise KeyError(f"no human demonstration for prompt {prompt.prompt_id!r}")
        return self.demos[prompt.prompt_id]

    def rank(self, prompt: Prompt, responses: Sequence[str]) -> list[int]:
        key = (prompt.prompt_id, tuple(responses))
        if key not in self.ranks:
            raise KeyError(f"no human ranking for prompt {prompt.prompt_id!r} with these {len(responses)} responses")
        return self.ranks[key]


def pair_agreement(a: Sequence[int], b: Sequence[int]) -> tuple[int, int]:
    """(pairs ordered alike, pairs) of two rankings of the same responses."""
    pos_a = {r: i for i, r in enumerate(a)}
    pos_b = {r: i for i, r in enumerate(b)}
    items = sorted(pos_a)
    same = total = 0
    for i, x in enumerate(items):
        for y in items[i + 1 :]:
            total += 1
            same += (pos_a[x] < pos_a[y]) == (pos_b[x] < pos_b[y])
    return same, total
