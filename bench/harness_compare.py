"""Our few-shot evaluator (``training/lm_eval.py``) beside EleutherAI's lm-evaluation-harness, same model, same data.

HellaSwag-layout multiple choice (``ind, activity_label, ctx_a, ctx_b, ctx, endings, label``), acc and acc_norm,
for each k asked. The harness (in the dev extras; ``--harness-python`` picks another environment's) runs in a
subprocess through ``lm_eval.simple_evaluate`` (``training.harness``): its own ``hellaswag`` task, with
``dataset_path: json`` on the local ``train.jsonl``/``validation.jsonl``. With ``log_samples`` the harness gives,
per example, its prompts and per-choice log-likelihoods, so beside the aggregate figures this reports:

* ``prompts ==``: examples whose harness prompt (context + continuations) is the one ours builds (k=0 only: at k>0
  the harness draws its shots with its own sampler, so the prompts differ by design);
* ``max |dll| (harness prompts)``: our ``loglikelihoods`` run on the harness's exact (context, continuation)
  requests, against the harness's per-choice log-likelihoods: the scoring, isolated from shot sampling;
* ``ours on harness prompts``: acc / acc_norm (per character of the choice, as both compute it) from those
  log-likelihoods;
* ``ours shots``: mean shots in our prompts (ours leaves out a shot that does not fit the model's context beside the
  longest request; the harness keeps it and cuts the whole request from the left);
* ``acc agree`` / ``acc_norm agree``: per-example agreement of the two runs (at k=0 ours is recomputed from our own
  log-likelihoods, checked against ``evaluate_task``'s figures).

Run (offline, one thread)::

    HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/harness_compare.py \\
        --model <a base_lm checkpoint> --task-dir <raw/tasks/world_hellaswag> --limit 200 --ks 0,1

The harness installs with ``make install`` (``lm_eval[hf]`` in the dev extras, offline at run time).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

def argmax(xs: list[float]) -> int:
    return max(range(len(xs)), key=xs.__getitem__)  # first of ties, as np.argmax


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="a save_pretrained folder (model and tokenizer)")
    p.add_argument("--task-dir", required=True, help="folder with train.jsonl and validation.jsonl (HellaSwag layout)")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--ks", default="0,1")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--harness-python", default=sys.executable)
    p.add_argument("--keep", default="", help="folder to keep the harness's YAML, log and samples in")
    a = p.parse_args(argv)
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import torch
    from transformers import AutoModelForCausalLM

    from gpt_assets.ingest.rejects import Reject
    from gpt_assets.ingest.tasks import read_tasks
    from training.harness import run_harness
    from training.lm_eval import EvalSettings, Example, evaluate_task, loglikelihoods
    from training.tokenizer import load_tokenizer

    torch.set_num_threads(1)
    ks = [int(k) for k in a.ks.split(",")]
    task_dir = Path(a.task_dir)

    def examples(split: str) -> list[Example]:
        rows = read_tasks(task_dir / f"{split}.jsonl", "hellaswag", split)
        return [Example(r["id"], r["kind"], r["context"], r["choices"], r["label"])
                for r in rows if not isinstance(r, Reject)]

    test, shots = examples("validation"), examples("train")
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    tokenizer = load_tokenizer(a.model)
    s = EvalSettings(max_examples=a.limit, batch_size=a.batch_size)
    delim = s.target_delimiter

    t0 = time.time()
    ours = {k: evaluate_task(model, tokenizer, test, shots, k, s) for k in ks}
    ours_s = time.time() - t0

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(a.keep) if a.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        h = run_harness(a.harness_python, a.model, task_dir, a.limit, ks, a.batch_size, work)
        if "error" in h:
            sys.exit(h["error"])
        harness_s = time.time() - t0

    scored = [e for e in test if e.label is not None and e.label >= 0][:a.limit]
    by_ind = {str(e.id): e for e in scored}
    print(f"lm_eval {h['lm_eval_version']} (torch {h['torch']}); model {a.model}; data {task_dir}; "
          f"limit {a.limit}; ours {ours_s:.1f}s, harness {harness_s:.1f}s (incl. start-up)\n")
    print("| k | n | ours acc | harness acc | ours acc_norm | harness acc_norm | ours shots | acc agree | "
          "acc_norm agree | prompts == | max \\|dll\\| (harness prompts) | ours on harness prompts acc / acc_norm |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for k in ks:
        run, sc = h["runs"][str(k)], ours[k]
        samples = run["samples"]
        missing = [x["ind"] for x in samples if str(x["ind"]) not in by_ind]
        if missing or len(samples) != sc.n:
            notes.append(f"k={k}: harness scored {len(samples)}, ours {sc.n}; not ours: {missing[:5]}")
        # Our scoring on the harness's exact requests: isolates log-likelihoods from shot sampling.
        reqs = [tuple(r) for x in samples for r in x["arguments"]]
        mine = iter(ll for ll, _, _ in loglikelihoods(model, tokenizer, reqs, a.batch_size))
        mine_by = [[next(mine) for _ in x["arguments"]] for x in samples]
        dll = max(abs(m - t) for x, v in zip(samples, mine_by, strict=True) for m, t in zip(v, x["lls"], strict=True))
        theirs = [ll for x in samples for ll in x["lls"]]
        on_acc, on_norm = 0, 0
        for x, v in zip(samples, mine_by, strict=True):
            ex = by_ind.get(str(x["ind"]))
            if ex is None:
                continue
            on_acc += argmax(v) == ex.label  # our log-likelihoods of the harness's prompts, scored as ours
            on_norm += argmax([ll / len(c) for ll, c in zip(v, ex.choices, strict=True)]) == ex.label
        on = f"{on_acc / len(samples):.4f} / {on_norm / len(samples):.4f}"
        same_prompt, acc_agree, norm_agree = "-", "-", "-"
        if k == 0:  # our own requests, as evaluate_task builds them at k=0, and their log-likelihoods
            ours_reqs = {str(e.id): [(e.context, delim + c) for c in e.choices] for e in scored}
            same_prompt = sum(ours_reqs.get(str(x["ind"])) == [tuple(r) for r in x["arguments"]] for x in samples)
            flat = [r for e in scored for r in ours_reqs[str(e.id)]]
            lls = iter(ll for ll, _, _ in loglikelihoods(model, tokenizer, flat, a.batch_size))
            own = {str(e.id): [next(lls) for _ in e.choices] for e in scored}
            acc = {i: int(argmax(v) == by_ind[i].label) for i, v in own.items()}
            norm = {i: int(argmax([ll / len(c) for ll, c in zip(v, by_ind[i].choices, strict=True)])
                           == by_ind[i].label) for i, v in own.items()}
            norm_mean = sum(norm.values()) / sc.n
            if [acc[str(e.id)] for e in scored] != sc.per_example or abs(norm_mean - sc.acc_norm) > 1e-12:
                notes.append("k=0: recomputed per-example figures differ from evaluate_task's")
            acc_agree = sum(acc.get(str(x["ind"])) == x["acc"] for x in samples)
            norm_agree = sum(norm.get(str(x["ind"])) == x["acc_norm"] for x in samples)
            own_flat = [ll for x in samples for ll in own.get(str(x["ind"]), [])]
            if len(own_flat) == len(theirs):
                notes.append(f"k=0: max |dll| between our own requests and the harness's: "
                             f"{max(abs(m - t) for m, t in zip(own_flat, theirs, strict=True)):.2e}")
        else:
            pos = {str(e.id): i for i, e in enumerate(scored)}
            acc_agree = sum(sc.per_example[pos[str(x["ind"])]] == x["acc"] for x in samples if str(x["ind"]) in pos)
        print(f"| {k} | {sc.n} | {sc.acc:.4f} | {run['acc']:.4f} | {sc.acc_norm:.4f} | {run['acc_norm']:.4f} | "
              f"{sc.shots:.2f} | {acc_agree} | {norm_agree} | {same_prompt} | {dll:.2e} | {on} |")
    for n in notes:
        print(f"\n- {n}")


if __name__ == "__main__":
    main()
