"""Prompt cleaning (InstructGPT §3.2): PII scrub, long-common-prefix dedup, at most 200 prompts per user.

Each step is a function over a Polars frame of ``prompt_pool`` rows that returns
the kept rows and the dropped ones with a reason.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from gpt_assets.prompts.pii import scrub

_NONWORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class CleanConfig:
    prefix_chars: int = 100  # §3.2 dedups prompts "that share a long common prefix"; the length is ours
    max_per_user: int = 200  # §3.2: at most 200 prompts per user ID
    seed: int = 0


def rank_key(seed: int, *parts: str) -> int:
    """A seeded, stable pseudo-random rank (the same on every machine and run)."""
    return int.from_bytes(hashlib.blake2b(":".join((str(seed), *parts)).encode(), digest_size=8).digest(), "big")


def scrub_pii(prompts: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Replace PII with placeholders; add ``pii_kinds`` (list) and count the kinds found."""
    texts, kinds, total = [], [], Counter()
    for text in prompts["text"].to_list():
        clean, found = scrub(text)
        texts.append(clean)
        kinds.append(sorted(found))
        total.update(found)
    out = prompts.with_columns(pl.Series("text", texts), pl.Series("pii_kinds", kinds, dtype=pl.List(pl.String)))
    return out, dict(sorted(total.items()))


def prefix_key(text: str, n: int) -> str:
    """The first ``n`` characters of the lower-cased text with punctuation and spacing folded."""
    return _NONWORD.sub(" ", text.lower()).strip()[:n]


def dedup_prefix(prompts: pl.DataFrame, cfg: CleanConfig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep one prompt per normalized prefix: the earliest, then the smallest prompt_id."""
    keyed = prompts.with_columns(
        pl.col("text").map_elements(lambda t: prefix_key(t, cfg.prefix_chars), return_dtype=pl.String)
        .alias("_prefix")
    ).sort("created_at", "prompt_id")
    kept = keyed.unique("_prefix", keep="first", maintain_order=True)
    first = kept.select("_prefix", pl.col("prompt_id").alias("_dup_of"))
    dropped = keyed.join(kept.select("prompt_id"), on="prompt_id", how="anti").join(first, on="_prefix")
    drops = dropped.select("prompt_id", (pl.lit("shared_prefix_with:") + pl.col("_dup_of")).alias("reason"))
    return kept.drop("_prefix"), drops


def cap_per_user(prompts: pl.DataFrame, cfg: CleanConfig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """At most ``max_per_user`` prompts per user, a seeded choice among a heavy user's prompts."""
    ranked = prompts.with_columns(
        pl.col("prompt_id").map_elements(lambda p: rank_key(cfg.seed, "cap", p), return_dtype=pl.UInt64)
        .alias("_rank")
    ).with_columns(pl.col("_rank").rank("ordinal").over("user_id").alias("_n"))
    kept = ranked.filter(pl.col("_n") <= cfg.max_per_user).drop("_rank", "_n")
    drops = ranked.filter(pl.col("_n") > cfg.max_per_user).select(
        "prompt_id", pl.lit("user_over_cap").alias("reason"))
    return kept, drops


def clean(prompts: pl.DataFrame, cfg: CleanConfig) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """All three steps; returns (kept, drops, metadata)."""
    scrubbed, pii = scrub_pii(prompts)
    deduped, prefix_drops = dedup_prefix(scrubbed, cfg)
    capped, cap_drops = cap_per_user(deduped, cfg)
    drops = pl.concat([prefix_drops, cap_drops])
    meta = {
        "prompts_in": prompts.height, "pii_found": pii,
        "prompts_with_pii": int(scrubbed["pii_kinds"].list.len().gt(0).sum()),
        "dropped_shared_prefix": prefix_drops.height, "dropped_user_cap": cap_drops.height,
        "users_capped": int(cap_drops.height and deduped.group_by("user_id").len()
                            .filter(pl.col("len") > cfg.max_per_user).height),
        "prompts_out": capped.height,
    }
    return capped.sort("prompt_id"), drops.sort("prompt_id"), meta
