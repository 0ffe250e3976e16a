"""Reward-model data (InstructGPT §3.5): K sampled responses per prompt, ranked by a labeler, and every pair.

``rank_samples`` turns sampler rows (``{prompt, responses, ended}``) into ranking rows; a labeler ranks the
*distinct* responses of a prompt (a small model often samples the same text twice, and a pair of identical
responses teaches nothing), so K of a row may be below the K sampled. Prompts the labeler cannot rank (a
``files`` labeler without a ranking for them) and prompts with fewer than two distinct responses are set
aside with their reason, never dropped silently. ``comparisons`` expands rankings into the C(K,2) pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import polars as pl

from gpt_assets.prompts.labeler import Labeler, Prompt

RANKING_SCHEMA = {"prompt_id": pl.String, "prompt": pl.String, "split": pl.String, "responses": pl.List(pl.String),
                  "ranking": pl.List(pl.Int64), "ended": pl.List(pl.Boolean), "k_sampled": pl.Int64,
                  "k": pl.Int64, "policy": pl.String, "kind": pl.String}
COMPARISON_SCHEMA = {"prompt_id": pl.String, "prompt": pl.String, "chosen": pl.String, "rejected": pl.String,
                     "chosen_rank": pl.Int64, "rejected_rank": pl.Int64, "source": pl.String, "split": pl.String}
UNRANKED_SCHEMA = {"prompt_id": pl.String, "split": pl.String, "reason": pl.String, "responses": pl.List(pl.String)}


def _distinct(responses: Sequence[str], ended: Sequence[bool]) -> tuple[list[str], list[bool]]:
    seen: dict[str, bool] = {}
    for text, end in zip(responses, ended, strict=True):
        seen.setdefault(text, end)
    return list(seen), list(seen.values())


SAMPLED_SOURCES = {"prompt": "sft_samples", "dialogue": "dialogue_samples"}  # rm_comparisons' source, by kind
IDENTICAL = "fewer_than_2_distinct"  # the unranked reason of a prompt whose K samples are all one text


def rank_samples(prompts: Sequence[Prompt], samples: Sequence[dict], labeler: Labeler, split: str,
                 policy: str, kind: str = "prompt") -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rankings, unranked): one ranking row per prompt the labeler ranked; the rest with a reason. ``kind`` is
    ``prompt`` (a single-turn prompt) or ``dialogue`` (a conversation's context in the chat template)."""
    ranked, unranked = [], []
    for prompt, row in zip(prompts, samples, strict=True):
        responses, ended = _distinct(row["responses"], row["ended"])
        if len(responses) < 2:
            unranked.append({"prompt_id": prompt.prompt_id, "split": split, "reason": IDENTICAL,
                             "responses": responses})
            continue
        try:
            order = labeler.rank(prompt, responses)
        except KeyError:
            unranked.append({"prompt_id": prompt.prompt_id, "split": split, "reason": "no_ranking",
                             "responses": responses})
            continue
        if sorted(order) != list(range(len(responses))):
            unranked.append({"prompt_id": prompt.prompt_id, "split": split, "reason": "ranking_not_a_permutation",
                             "responses": responses})
            continue
        ranked.append({"prompt_id": prompt.prompt_id, "prompt": prompt.text, "split": split, "responses": responses,
                       "ranking": order, "ended": ended, "k_sampled": len(row["responses"]), "k": len(responses),
                       "policy": policy, "kind": kind})
    return pl.DataFrame(ranked, schema=RANKING_SCHEMA), pl.DataFrame(unranked, schema=UNRANKED_SCHEMA)


def best_first(responses: Sequence[str], ranking: Sequence[int]) -> list[str]:
    return [responses[i] for i in ranking]


def comparisons(rankings: pl.DataFrame, source: str) -> pl.DataFrame:
    """All C(K,2) (chosen, rejected) pairs of each ranking, with the ranks (0 = best) of both sides."""
    rows = []
    for pid, prompt, split, responses, ranking in rankings.select(
            "prompt_id", "prompt", "split", "responses", "ranking").iter_rows():
        ordered = best_first(responses, ranking)
        for a, b in combinations(range(len(ordered)), 2):
            rows.append({"prompt_id": pid, "prompt": prompt, "chosen": ordered[a], "rejected": ordered[b],
                         "chosen_rank": a, "rejected_rank": b, "source": source, "split": split})
    return pl.DataFrame(rows, schema=COMPARISON_SCHEMA)
