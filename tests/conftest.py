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
    # the tiny world's classifier keeps ~7 of its 500 CC pages (3k tokens): the auto budget (CC read once) would be
    # 5k tokens, too few to hold out a validation document; a fixed budget repeats those pages instead (36k: 40k
    # repeated them 10.1 times, over max_epochs, once the world's genre answers carried tag lines)
    "training_mixture": {"token_budget": 36_000, "max_epochs": 10.0},
    "prompt_splits": {"sft": 100, "rm": 250, "ppo": 230, "max_share_error": 0.02},
    # 120 conversations by 40 writers: at 5% a user, val or test could be empty
    "dialogue_splits": {"val_user_share": 0.15, "test_user_share": 0.15},
    # ~100 demonstrations train no model worth ranking: the accuracy bar is the demo world's (bench/RESULTS.md)
    "base_lm": {"overrides": {"max_steps": 30}},
    "rm_data": {"rm_prompts": 120, "val_prompts": 60},
    "reward_model": {"block_below": 0.0, "min_val_accuracy": 0.0},
    "ppo_policy": {"overrides": {"episodes": 64}},
    "policy_evaluation": {"test_prompts": 64, "min_win_rate": 0.0},
    "rlhf_round": {"rm_prompts": 60, "val_prompts": 40, "test_prompts": 64, "block_below": 0.0,
                   "ppo_overrides": {"episodes": 64}},
    "task_models": {"overrides": {"epochs": 2}},
    "scaling_ladder": {"widths": [8, 12, 16, 24, 32], "steps": 20, "seeds": 2},
}


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run as fast on one thread, and do not stall when other processes share the two cores (a module
    asks for it with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@dataclass
class Lineage:
    root: Path
    lake: object
    outcomes: list
    checks: dict  # (asset, check, partition) -> passed
    metadata: dict  # asset -> latest materialization metadata (values)

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
        metadata = {key.to_user_string(): {k: v.value for k, v in event.asset_materialization.metadata.items()}
                    for key in instance.get_asset_keys()
                    if (event := instance.get_latest_materialization_event(key))}
    checks = {(a, c, o.partition or ""): ok for o in outcomes for (a, c), ok in o.checks.items()}
    return Lineage(tiny_world, lake, outcomes, checks, metadata)


# CPU budgets on top of configs/real-data.yaml for the real landing zone (tests/real_landing.py), as TINY_CONFIG keeps
# the tiny world small: fewer pretraining steps and PPO episodes, shorter reward-model inputs, fewer perplexity docs.
REAL_BUDGETS = {
    "base_lm": {"overrides": {"max_steps": 30}},
    "reward_model": {"overrides": {"max_len": 64}},
    "ppo_policy": {"overrides": {"episodes": 32}},
    "policy_evaluation": {"perplexity_docs": 20},
    "lm_evaluation": {"max_examples": 40, "ks": [0, 1]},
    "task_models": {"max_train_examples": 200, "overrides": {"epochs": 1}},
    "scaling_ladder": {"widths": [8, 12, 16, 24], "steps": 10, "seeds": 1},
}
HH_PAIRS = 1000  # of the real file's 2,312: the reward model's epoch over all of them takes minutes on two cores


@dataclass
class RealLineage:
    root: Path
    lake: object
    planted: dict
    code: int  # what `gpt-assets run --config ...` returned
    out: str
    err: str
    checks: dict  # (asset, check, partition) -> passed, from the instance
    metadata: dict  # asset -> latest materialization metadata (values)


@pytest.fixture(scope="session")
def real_lineage(tmp_path_factory) -> RealLineage:
    """The whole lineage through ``gpt-assets run --config configs/real-data.yaml`` (plus CPU budgets) over a
    landing zone of real files in their published layouts."""
    import contextlib
    import io

    import yaml

    from gpt_assets.cli import main
    from gpt_assets.lake import Lake
    from tests import real_landing

    if not real_landing.REAL.exists():
        pytest.skip("../shared/real-samples/ is absent")
    root = tmp_path_factory.mktemp("real")
    planted = real_landing.build(root / "raw", hh_pairs=HH_PAIRS)
    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "configs" / "real-data.yaml").read_text())
    for op, cfg in REAL_BUDGETS.items():
        config[op] = {**config.get(op, {}), **cfg}
    path = root / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    out, err = io.StringIO(), io.StringIO()
    env = {"GPT_ASSETS_DATA": str(root), "DAGSTER_HOME": str(root / "dagster_home")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", "--config", str(path)])
        with dg.DagsterInstance.get() as instance:
            checks, metadata = {}, {}
            for key in instance.get_asset_keys():
                event = instance.get_latest_materialization_event(key)
                if event:
                    metadata[key.to_user_string()] = {k: v.value for k, v in
                                                      event.asset_materialization.metadata.items()}
            records = instance.get_event_records(dg.EventRecordsFilter(
                event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION), limit=10_000, ascending=True)
            for r in records:
                e = r.event_log_entry.dagster_event.event_specific_data
                checks[(e.asset_key.to_user_string(), e.check_name, e.partition or "")] = e.passed
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return RealLineage(root, Lake(root), planted, code, out.getvalue(), err.getvalue(), checks, metadata)
