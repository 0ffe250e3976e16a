"""The by-user train/val/test split and the SFT / RM / PPO prompt sets (InstructGPT §3.2, Table 6).

Users are assigned to train, val or test by a seeded hash of the user ID, so no
user is in two of them.  The train prompts are then dealt, in a seeded order,
into SFT and RM (labeler-written and API prompts in Table 6's proportions) and
PPO (API prompts only), disjoint and of exactly the configured sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from gpt_assets.prompts.clean import rank_key

# InstructGPT Table 6: (labeler, customer) prompts per dataset
TABLE6 = {"sft": (11_295, 1_430), "rm": (6_623, 26_584), "ppo": (0, 31_144)}


@dataclass(frozen=True)
class SplitConfig:
    # InstructGPT §3.2: SFT ~13k, RM ~33k, PPO ~31k training prompts
    sizes: dict[str, int] = field(default_factory=lambda: {"sft": 13_000, "rm": 33_000, "ppo": 31_000})
    val_user_share: float = 0.05  # ours: the paper splits by user ID without giving the shares
    test_user_share: float = 0.05
    seed: int = 0


class SplitTooLarge(ValueError):
    """The pool cannot fill the configured sizes; the message says which sizes it can."""


def quotas(sizes: dict[str, int]) -> dict[str, dict[str, int]]:
    """Per split, how many labeler and API prompts, in Table 6's proportions (rounded)."""
    out = {}
    for split, size in sizes.items():
        lab, api = TABLE6[split]
        n_lab = round(size * lab / (lab + api))
        out[split] = {"labeler": n_lab, "api": size - n_lab}
    return out


def user_part(user_id: str, cfg: SplitConfig) -> str:
    u = rank_key(cfg.seed, "user", user_id) / 2**64
    if u < cfg.test_user_share:
        return "test"
    if u < cfg.test_user_share + cfg.val_user_share:
        return "val"
    return "train"


def split(prompts: pl.DataFrame, cfg: SplitConfig) -> tuple[pl.DataFrame, dict]:
    """``prompts`` with a ``split`` column (sft/rm/ppo/val/test); train prompts not needed are left out."""
    parts = prompts.with_columns(
        pl.col("user_id").map_elements(lambda u: user_part(u, cfg), return_dtype=pl.String).alias("_part"),
        pl.col("prompt_id").map_elements(lambda p: rank_key(cfg.seed, "deal", p), return_dtype=pl.UInt64)
        .alias("_rank"),
    )
    train = parts.filter(pl.col("_part") == "train").sort("_rank")
    need = quotas(cfg.sizes)
    have = {src: train.filter(pl.col("source") == src).height for src in ("labeler", "api")}
    want = {src: sum(q[src] for q in need.values()) for src in ("labeler", "api")}
    if any(want[s] > have[s] for s in want):
        f = min(have[s] / want[s] for s in want if want[s])
        possible = {k: int(v * f) for k, v in cfg.sizes.items()}
        raise SplitTooLarge(
            f"the cleaned pool's train users have {have['labeler']:,} labeler and {have['api']:,} API prompts; "
            f"sizes {cfg.sizes} need {want['labeler']:,} and {want['api']:,}. Possible at these proportions: "
            f"{possible} (or lower val_user_share/test_user_share, or add prompts)")
    dealt = []
    for src in ("labeler", "api"):
        pool = train.filter(pl.col("source") == src)
        start = 0
        for name in cfg.sizes:
            n = need[name][src]
            dealt.append(pool.slice(start, n).with_columns(pl.lit(name).alias("split")))
            start += n
    held = parts.filter(pl.col("_part") != "train").with_columns(pl.col("_part").alias("split"))
    out = pl.concat([*dealt, held]).drop("_part", "_rank").sort("split", "prompt_id")
    meta = {
        "users": {p: int(parts.filter(pl.col("_part") == p)["user_id"].n_unique()) for p in ("train", "val", "test")},
        "train_prompts_available": have, "train_prompts_unused": train.height - sum(cfg.sizes.values()),
        "quotas": need,
    }
    return out, meta
