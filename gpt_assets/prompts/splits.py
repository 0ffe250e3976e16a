"""The by-user train/val/test split and the SFT / RM / PPO prompt sets (InstructGPT §3.2, Table 6).

Users are assigned to train, val or test by a seeded hash of the user ID, so no
user is in two of them.  The train prompts are then dealt, in a seeded order,
into SFT and RM (labeler-written and API prompts in Table 6's proportions) and
PPO (API prompts only), disjoint and of exactly the configured sizes.
"""

from __future__ import annotations

import math
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
    fit_to_pool: bool = False  # ours: scale all three sizes down by one factor until the pool fills them
    api_fills_labeler_quota: bool = False  # ours: API prompts fill the labeler quotas the pool cannot


class SplitTooLarge(ValueError):
    """The pool cannot fill the configured sizes; the message says which sizes it can, and how to use them."""


def quotas(sizes: dict[str, int], labeler_have: int | None = None) -> dict[str, dict[str, int]]:
    """Per split, how many labeler and API prompts, in Table 6's proportions (rounded).

    With ``labeler_have`` (API prompts may fill the labeler quotas) and fewer labeler prompts than the quotas ask,
    the labeler quotas shrink in proportion (largest remainders, so all ``labeler_have`` are dealt) and API
    prompts take the rest of each split.
    """
    lab = {s: round(n * TABLE6[s][0] / sum(TABLE6[s])) for s, n in sizes.items()}
    want = sum(lab.values())
    if labeler_have is not None and want > labeler_have:
        exact = {s: q * labeler_have / want for s, q in lab.items()}
        lab = {s: math.floor(x) for s, x in exact.items()}
        for s in sorted(exact, key=lambda s: lab[s] - exact[s])[: labeler_have - sum(lab.values())]:
            lab[s] += 1
    return {s: {"labeler": lab[s], "api": n - lab[s]} for s, n in sizes.items()}


def _need(sizes: dict[str, int], labeler_have: int | None) -> dict[str, int]:
    q = quotas(sizes, labeler_have)
    return {src: sum(v[src] for v in q.values()) for src in ("labeler", "api")}


def _fits(sizes: dict[str, int], have: dict[str, int], labeler_have: int | None) -> bool:
    return all(n <= have[src] for src, n in _need(sizes, labeler_have).items())


def fitted_sizes(sizes: dict[str, int], have: dict[str, int], labeler_have: int | None = None
                 ) -> tuple[dict[str, int], float]:
    """The largest sizes ``floor(size * scale)``, one scale for all three, that ``have`` fills; and the scale."""
    if _fits(sizes, have, labeler_have):
        return dict(sizes), 1.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _fits({k: int(v * mid) for k, v in sizes.items()}, have, labeler_have) else (lo, mid)
    return {k: int(v * lo) for k, v in sizes.items()}, lo


def _sets(sizes: dict[str, int], *extra: str) -> str:
    return " ".join([*extra, *(f"--set prompt_splits.{k}={v}" for k, v in sizes.items())])


def _too_large(sizes: dict[str, int], have: dict[str, int], cfg: SplitConfig) -> SplitTooLarge:
    fill = have["labeler"] if cfg.api_fills_labeler_quota else None
    need = _need(sizes, fill)
    possible, _ = fitted_sizes(sizes, have, fill)
    msg = (f"the cleaned pool's train users have {have['labeler']:,} labeler-written and {have['api']:,} API "
           f"prompts; sizes {sizes} need {need['labeler']:,} and {need['api']:,} (InstructGPT Table 6 "
           "proportions).")
    if all(possible[k] > 0 or n == 0 for k, n in sizes.items()):
        msg += (f" Sizes that fit: {possible}: pass them with `{_sets(possible)}`, or set `fit_to_pool: true` "
                "under prompt_splits in the run config (configs/real-data.yaml) to scale the three sizes to the pool.")
    alt, _ = fitted_sizes(sizes, have, have["labeler"])
    if fill is None and alt != possible:
        msg += (" Too few labeler-written prompts for Table 6's labeler quotas (real API prompts are all `api`): "
                f"with API prompts filling them the sizes that fit are {alt}: pass "
                f"`{_sets(alt, '--set prompt_splits.api_fills_labeler_quota=true')}`, or set both "
                "`api_fills_labeler_quota: true` and `fit_to_pool: true` under prompt_splits "
                "(configs/real-data.yaml does).")
    return SplitTooLarge(msg + " Or lower val_user_share/test_user_share, or add prompts to raw/prompts/.")


def user_part(user_id: str, cfg: SplitConfig) -> str:
    u = rank_key(cfg.seed, "user", user_id) / 2**64
    if u < cfg.test_user_share:
        return "test"
    if u < cfg.test_user_share + cfg.val_user_share:
        return "val"
    return "train"


def split(prompts: pl.DataFrame, cfg: SplitConfig) -> tuple[pl.DataFrame, dict]:
    """``prompts`` with a ``split`` column (sft/rm/ppo/val/test); train prompts not needed are left out.

    Raises :class:`SplitTooLarge` when the train users' prompts cannot fill the sizes, unless ``fit_to_pool``
    scales them down (the scale is in the metadata).
    """
    parts = prompts.with_columns(
        pl.col("user_id").map_elements(lambda u: user_part(u, cfg), return_dtype=pl.String).alias("_part"),
        pl.col("prompt_id").map_elements(lambda p: rank_key(cfg.seed, "deal", p), return_dtype=pl.UInt64)
        .alias("_rank"),
    )
    train = parts.filter(pl.col("_part") == "train").sort("_rank")
    have = {src: train.filter(pl.col("source") == src).height for src in ("labeler", "api")}
    fill = have["labeler"] if cfg.api_fills_labeler_quota else None
    sizes, scale = dict(cfg.sizes), 1.0
    if not _fits(sizes, have, fill):
        if not cfg.fit_to_pool:
            raise _too_large(sizes, have, cfg)
        sizes, scale = fitted_sizes(sizes, have, fill)
        if any(sizes[k] == 0 < n for k, n in cfg.sizes.items()):  # a split scaled to nothing is no fit
            raise _too_large(dict(cfg.sizes), have, cfg)
    need = quotas(sizes, fill)
    dealt = []
    for src in ("labeler", "api"):
        pool = train.filter(pl.col("source") == src)
        start = 0
        for name in sizes:
            n = need[name][src]
            dealt.append(pool.slice(start, n).with_columns(pl.lit(name).alias("split")))
            start += n
    held = parts.filter(pl.col("_part") != "train").with_columns(pl.col("_part").alias("split"))
    out = pl.concat([*dealt, held]).drop("_part", "_rank").sort("split", "prompt_id")
    table6 = quotas(sizes)
    meta = {
        "users": {p: int(parts.filter(pl.col("_part") == p)["user_id"].n_unique()) for p in ("train", "val", "test")},
        "train_prompts_available": have, "train_prompts_unused": train.height - sum(sizes.values()),
        "quotas": need, "sizes": sizes, "size_scale": scale,
        "labeler_quota_filled_by_api": sum(table6[s]["labeler"] - need[s]["labeler"] for s in sizes),
        "train_labeler_unused": have["labeler"] - sum(q["labeler"] for q in need.values()),
    }
    return out, meta
