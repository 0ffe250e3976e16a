"""The InstructGPT half of the demo over several seeds: SFT, reward model, PPO(-ptx) and the evaluation against SFT.

    .venv/bin/python bench/rlhf.py [--seeds 0 1 2] [--set OP.FIELD=VALUE ...] [--runs ppo_ptx,ppo,oracle]

Run after ``make demo`` (it re-materializes ``sft_model`` and everything downstream in the demo's instance, one
run per seed and PPO variant, with ``overrides.seed`` on every training stage). Variants: ``ppo_ptx`` (the
lineage's default: gamma_ptx from the preset, tiny 1, gpt2-124m 27.8), ``ppo`` (plain PPO, gamma_ptx 0) and
``oracle`` (plain PPO against the gold preference itself: the upper bound). Prints one Markdown table row per
run, read from the instance's latest materializations: the figures bench/RESULTS.md records.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STAGES = ("sft_model", "rm_data", "reward_model", "ppo_policy", "policy_evaluation")
VARIANTS = {
    "ppo_ptx": [],
    "ppo": ["--set", "ppo_policy.ptx_coef=0"],
    "oracle": ["--set", "ppo_policy.ptx_coef=0", "--set", "ppo_policy.reward=gold"],
}
COLUMNS = (
    ("reward_model", "val_accuracy"), ("reward_model", "val_gold_ceiling"),
    ("ppo_policy", "reward_first_third"), ("ppo_policy", "reward_last_third"),
    ("ppo_policy", "gold_first_third"), ("ppo_policy", "gold_last_third"),
    ("policy_evaluation", "gold_win_rate"), ("policy_evaluation", "gold_win_rate_ci95"),
    ("policy_evaluation", "rm_win_rate"), ("policy_evaluation", "kl_to_sft"),
    ("policy_evaluation", "gold_mean_base_lm"), ("policy_evaluation", "gold_mean_sft_model"),
    ("policy_evaluation", "gold_mean_ppo_policy"), ("policy_evaluation", "best_of_4_gold_mean"),
    ("policy_evaluation", "best_of_16_gold_mean"), ("policy_evaluation", "perplexity_base_lm"),
    ("policy_evaluation", "perplexity_sft_model"), ("policy_evaluation", "perplexity_ppo_policy"),
)


def latest_metadata(asset: str) -> dict:
    import dagster as dg

    from gpt_assets.paths import dagster_home

    with dg.DagsterInstance.from_config(str(dagster_home())) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    if event is None or event.asset_materialization is None:
        return {}
    return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}


def cell(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", default="ppo_ptx,ppo,oracle")
    parser.add_argument("--set", action="append", default=[], help="extra config, as gpt-assets run --set")
    args = parser.parse_args()
    cli = str(ROOT / ".venv" / "bin" / "gpt-assets")
    print("| seed | run | " + " | ".join(f"{a}.{k}" for a, k in COLUMNS) + " | seconds |")
    print("|" + " --- |" * (len(COLUMNS) + 3))
    for seed in args.seeds:
        for i, run in enumerate(args.runs.split(",")):
            # the first variant of a seed retrains SFT and the reward model; the others reuse them (same versions)
            select = "sft_model*" if i == 0 else "ppo_policy*"
            sets = [x for stage in STAGES for x in ("--set", f'{stage}.overrides={{"seed": {seed}}}')]
            t0 = time.time()
            subprocess.run([cli, "run", "--select", select, *sets, *VARIANTS[run],
                            *(x for s in args.set for x in ("--set", s))], check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL)
            meta = {a: latest_metadata(a) for a in {a for a, _ in COLUMNS}}
            row = [cell(meta[a].get(k, "")) for a, k in COLUMNS]
            print(f"| {seed} | {run} | " + " | ".join(row) + f" | {time.time() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
