"""Shared fixtures: the tiny sample world, and the whole lineage materialized over it once per session."""

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Run config for the tiny world: split sizes it can fill and CPU budgets for training; the data half runs on its
# defaults (the ones chosen on real text).
TINY_CONFIG = {
    "prompt_splits": {"sft": 100, "rm": 250, "ppo": 230, "max_share_error": 0.02},
    # ~100 demonstrations train no model worth ranking: the accuracy bar is the demo world's (bench/RESULTS.md)
    "base_lm": {"overrides": {"max_steps": 30}},
    "rm_data": {"rm_prompts": 120, "val_prompts": 60},
    "reward_model": {"block_below": 0.0, "min_val_accuracy": 0.0},
    "ppo_policy": {"overrides": {"episodes": 64}},
    "policy_evaluation": {"test_prompts": 64, "min_win_rate": 0.0},
}


@dataclass
class Lineage:
    root: Path
    lake: object
    outcomes: list
    checks: dict  # (asset, check, partition) -> passed

    def sql(self, query: str) -> list[tuple]:
        from gpt_assets.catalog import query as run_query

        return run_query(self.lake.catalog, query)[1]


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory) -> Path:
    from gpt_assets.sampleworld import write_sample_world

    root = tmp_path_factory.mktemp("tiny")
    write_sample_world(root / "raw", root / "truth", scale="tiny", seed=0)
    return root


@pytest.fixture(scope="session")
def lineage(tiny_world) -> Lineage:
    from gpt_assets.definitions import ASSETS, RESOURCES, defs
    from gpt_assets.lake import Lake
    from gpt_assets.resources import DataRoot
    from gpt_assets.runner import run

    lake = Lake(tiny_world)
    resources = {**RESOURCES, "data": DataRoot(path=str(tiny_world))}
    with dg.instance_for_test() as instance:
        outcomes = run(defs, ASSETS, resources, instance, lake, log=lambda _: None, config=TINY_CONFIG)
    checks = {(a, c, o.partition or ""): ok for o in outcomes for (a, c), ok in o.checks.items()}
    return Lineage(tiny_world, lake, outcomes, checks)
