"""The scaling ladder's run-to-run spread and its forecast with 1, 2 or 3 seeds per rung, on a demo's data root.

    .venv/bin/python bench/ladder_seeds.py --data /path/to/data [--steps 300] [--seeds 3] [--widths 16,24,32,48,64]

Trains every rung of ``scaling_ladder``'s default shape (2 layers, the tiny preset's recipe) once per seed on the
data root's training mixture (held out as the asset holds it out), prints each run's held-out loss as a JSON line,
then the forecast of the largest rung from the smaller ones for every subset of the seeds: one run per rung, two,
and all, each with its 95% prediction interval and whether the largest's mean lands in it. Writes nothing into the
data root (runs go to a temporary folder).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpt_assets.defs.checkpoints import heldout  # noqa: E402
from training.config import from_dict  # noqa: E402
from training.pretrain import PretrainConfig, train_lm  # noqa: E402
from training.scaling import forecast, ladder, rung_config  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="a data root after make demo")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--widths", default="16,24,32,48,64")
    args = ap.parse_args()
    mix = pl.read_parquet(args.data / "lake" / "training_mixture" / "*.parquet").select("doc_id", "text")
    held = heldout(mix["doc_id"], 0.02)
    train, val = mix.filter(~held)["text"].to_list(), mix.filter(held)["text"].to_list()
    tok = args.data / "checkpoints" / "bpe_tokenizer"
    base = replace(from_dict(PretrainConfig, {"preset": "tiny", "device": "cpu", "eval_batches": 16}),
                   tokenizer=str(tok / (tok / "LATEST").read_text().strip()))
    rungs = ladder(base, [int(w) for w in args.widths.split(",")], 2, 20.0, args.steps)
    losses: dict[tuple[int, int], float] = {}
    with tempfile.TemporaryDirectory() as out:
        for r in rungs:
            for s in range(args.seeds):
                cfg = replace(rung_config(base, r), seed=s, out_dir=out, name=f"w{r.n_embd}_s{s}")
                t = time.time()
                m = train_lm(cfg, train, val, lambda *a, **k: None).metrics
                losses[(r.n_embd, s)] = math.log(m["val_ppl"])
                print(json.dumps({"n_embd": r.n_embd, "seed": s, "steps": args.steps,
                                  "loss": round(losses[(r.n_embd, s)], 4), "seconds": round(time.time() - t, 1)}),
                      flush=True)
    print("\n| rung | runs | mean | sd |\n|---|---|---|---|")
    for r in rungs:
        v = [losses[(r.n_embd, s)] for s in range(args.seeds)]
        print(f"| {r.n_embd} | {', '.join(f'{x:.3f}' for x in v)} | {np.mean(v):.3f} | "
              f"{np.std(v, ddof=1) if len(v) > 1 else 0:.3f} |")
    print("\n| seeds | forecast (95%) | trained mean | error | inside |\n|---|---|---|---|---|")
    small, largest = rungs[:-1], rungs[-1]
    for k in range(1, args.seeds + 1):
        for combo in itertools.combinations(range(args.seeds), k):
            f = forecast([r.compute for r in small], [[losses[(r.n_embd, s)] for s in combo] for r in small],
                         largest.compute, runs=k)
            actual = float(np.mean([losses[(largest.n_embd, s)] for s in combo]))
            print(f"| {combo} | {f.point:.3f} ({f.low:.3f}-{f.high:.3f}) | {actual:.3f} | "
                  f"{(actual - f.point) / actual:+.1%} | {'yes' if f.low <= actual <= f.high else 'no'} |")


if __name__ == "__main__":
    main()
