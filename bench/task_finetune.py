"""GPT-1 fine-tuning with and without the auxiliary LM objective (λ = 0.5 vs 0), over seeds, on the tasks of a
folder laid out as ``raw/tasks/`` (``<task>/<split>.jsonl`` as published).

    .venv/bin/python bench/task_finetune.py --base <base_lm folder> --tasks <raw/tasks folder> [--seeds 0,1,2]
        [--only world_hellaswag] [--max-train 0] [--epochs 3] [--lr 1e-3]

Prints one row per (task, λ): mean test accuracy over the seeds, its spread, chance, and the steps and seconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import polars as pl
import torch

from gpt_assets.finetune_stage import finetune_sets
from gpt_assets.ingest.tasks import TASK_SCHEMA, read_tasks, split_of
from training.task_finetune import TaskFinetuneConfig, finetune


def load(folder: Path) -> pl.DataFrame:
    rows = [r for f in sorted(folder.glob("*/*.jsonl")) for r in read_tasks(f, f.parent.name, split_of(f))
            if isinstance(r, dict)]
    return pl.DataFrame(rows, schema=pl.Schema(TASK_SCHEMA))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--tasks", required=True, type=Path)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--only", default="")
    ap.add_argument("--max-train", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sets = finetune_sets(load(args.tasks), [t for t in args.only.split(",") if t], 0.2)
    print("| task | λ | test accuracy (mean ± sd) | seeds | chance | train / test | steps | s per run |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for task, (train, test, _how) in sets.items():
        train = train[:args.max_train] if args.max_train else train
        for coef in (0.5, 0.0):
            accs, secs, steps = [], [], 0
            for seed in (int(s) for s in args.seeds.split(",")):
                cfg = TaskFinetuneConfig.preset("tiny", init_from=args.base, lm_coef=coef, lr=args.lr,
                                                epochs=args.epochs, seed=seed, log_every=10**9)
                t0 = time.time()
                m = finetune(cfg, train, test, log=lambda *_: None, save=False).metrics
                accs.append(m["test_accuracy"])
                secs.append(time.time() - t0)
                steps, chance = int(m["steps"]), m["chance"]
            sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
            print(f"| {task} | {coef} | {statistics.mean(accs):.3f} ± {sd:.3f} | {len(accs)} | {chance:.2f} | "
                  f"{len(train)} / {len(test)} | {steps} | {statistics.mean(secs):.0f} |", flush=True)


if __name__ == "__main__":
    main()
