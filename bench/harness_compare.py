"""Our few-shot evaluator (``training/lm_eval.py``) beside EleutherAI's lm-evaluation-harness, same model, same data.

HellaSwag-layout multiple choice (``ind, activity_label, ctx_a, ctx_b, ctx, endings, label``), acc and acc_norm,
for each k asked. The harness runs in its own virtualenv (``--harness-python``; never this project's), through
``lm_eval.simple_evaluate`` on a task YAML written to a temp dir: the harness's own ``hellaswag`` task (its
``utils.py`` copied from the installed package, so ``process_docs``/``preprocess`` are the harness's), with
``dataset_path: json`` on the local ``train.jsonl``/``validation.jsonl``. With ``log_samples`` the harness gives,
per example, its prompts and per-choice log-likelihoods, so beside the aggregate figures this reports:

* ``prompts ==``: examples whose harness prompt (context + continuations) is the one ours builds (k=0 only: at k>0
  the harness draws its shots with its own sampler, so the prompts differ by design);
* ``max |dll| (harness prompts)``: our ``loglikelihoods`` run on the harness's exact (context, continuation)
  requests, against the harness's per-choice log-likelihoods: the scoring, isolated from shot sampling;
* ``ours on harness prompts``: acc / acc_norm (our normalization) from those log-likelihoods;
* ``ours shots``: mean shots in our prompts (ours leaves out a shot that does not fit the model's context beside the
  longest request; the harness keeps it and cuts the whole request from the left);
* ``acc agree`` / ``acc_norm agree``: per-example agreement of the two runs (at k=0 ours is recomputed from our own
  log-likelihoods, checked against ``evaluate_task``'s figures);
* ``norm flips``: examples where acc_norm's pick changes between the harness's normalization (log-likelihood per
  character of the choice) and ours (per character of ``target_delimiter + choice``), on the same log-likelihoods.

Run (offline, one thread)::

    HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/harness_compare.py \\
        --model /tmp/s14/base/s2000 --task-dir /tmp/wt/world_hellaswag --limit 200 --ks 0,1

The harness's virtualenv: ``python3 -m venv /tmp/harness_venv && /tmp/harness_venv/bin/pip install torch==2.13.0``
(the CPU wheel on disk) then ``/tmp/harness_venv/bin/pip install -c <(echo torch==2.13.0+cpu) "lm_eval[hf]"
transformers==<this project's>``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TASK = "hellaswag_local"

# Runs under the harness's python: writes the task YAML beside a copy of the harness's own hellaswag utils.py, runs
# simple_evaluate for each k and dumps the metrics and the logged samples as JSON.
RUNNER = r'''
import json, os, shutil, sys, time
import torch
torch.set_num_threads(1)
import lm_eval
from lm_eval.tasks import TaskManager

cfg = json.loads(sys.argv[1])
inc = cfg["include_dir"]
src = os.path.join(os.path.dirname(lm_eval.__file__), "tasks", "hellaswag")
shutil.copy(os.path.join(src, "utils.py"), os.path.join(inc, "utils.py"))
yaml = open(os.path.join(src, "hellaswag.yaml")).read()
drop = ("task:", "dataset_path:", "dataset_name:", "tag:", "  - multiple_choice")
lines = [ln for ln in yaml.splitlines() if not ln.startswith(drop)]
head = ["task: " + cfg["task"], "dataset_path: json",
        "dataset_kwargs:", "  data_files:",
        "    train: " + json.dumps(cfg["train"]), "    validation: " + json.dumps(cfg["validation"])]
text = "\n".join(head + lines) + "\n"
with open(os.path.join(inc, cfg["task"] + ".yaml"), "w") as f:
    f.write(text)
out = {"lm_eval_version": lm_eval.__version__, "torch": torch.__version__, "yaml": text, "runs": {}}
tm = TaskManager(include_path=inc)
for k in cfg["ks"]:
    t0 = time.time()
    res = lm_eval.simple_evaluate(
        model="hf", model_args="pretrained=%s,dtype=float32" % cfg["model"], tasks=[cfg["task"]], num_fewshot=k,
        batch_size=cfg["batch_size"], device="cpu", limit=cfg["limit"], log_samples=True, task_manager=tm,
        bootstrap_iters=0)
    m = res["results"][cfg["task"]]
    samples = [{"doc_id": s["doc_id"], "ind": s["doc"].get("ind"), "arguments": [list(a) for a in s["arguments"]],
                "lls": [r[0][0] for r in s["resps"]], "acc": s["acc"], "acc_norm": s["acc_norm"]}
               for s in res["samples"][cfg["task"]]]
    out["runs"][str(k)] = {"acc": m["acc,none"], "acc_norm": m["acc_norm,none"], "n": len(samples),
                           "seconds": time.time() - t0, "samples": sorted(samples, key=lambda s: s["doc_id"])}
with open(cfg["out"], "w") as f:
    json.dump(out, f)
'''


def run_harness(python: str, model: str, task_dir: Path, limit: int, ks: list[int], batch_size: int,
                work: Path) -> dict:
    inc = work / "tasks"
    inc.mkdir()
    cfg = {"include_dir": str(inc), "task": TASK, "train": str(task_dir / "train.jsonl"),
           "validation": str(task_dir / "validation.jsonl"), "model": model, "limit": limit, "ks": ks,
           "batch_size": batch_size, "out": str(work / "harness.json")}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
           "HF_DATASETS_CACHE": str(work / "hf_datasets")}
    proc = subprocess.run([python, "-c", RUNNER, json.dumps(cfg)], env=env, capture_output=True, text=True)
    (work / "harness.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode:
        sys.exit(f"harness failed ({proc.returncode}); its log: {work / 'harness.log'}\n{proc.stderr[-3000:]}")
    return json.loads((work / "harness.json").read_text())


def argmax(xs: list[float]) -> int:
    return max(range(len(xs)), key=xs.__getitem__)  # first of ties, as np.argmax


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="a save_pretrained folder (model and tokenizer)")
    p.add_argument("--task-dir", required=True, help="folder with train.jsonl and validation.jsonl (HellaSwag layout)")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--ks", default="0,1")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--harness-python", default="/tmp/harness_venv/bin/python")
    p.add_argument("--keep", default="", help="folder to keep the harness's YAML, log and samples in")
    a = p.parse_args(argv)
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import torch
    from transformers import AutoModelForCausalLM

    from gpt_assets.ingest.rejects import Reject
    from gpt_assets.ingest.tasks import read_tasks
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
        harness_s = time.time() - t0

    scored = [e for e in test if e.label is not None and e.label >= 0][:a.limit]
    by_ind = {str(e.id): e for e in scored}
    print(f"lm_eval {h['lm_eval_version']} (torch {h['torch']}); model {a.model}; data {task_dir}; "
          f"limit {a.limit}; ours {ours_s:.1f}s, harness {harness_s:.1f}s (incl. start-up)\n")
    print("| k | n | ours acc | harness acc | ours acc_norm | harness acc_norm | ours shots | acc agree | "
          "acc_norm agree | prompts == | max \\|dll\\| (harness prompts) | ours on harness prompts acc / acc_norm | "
          "norm flips |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
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
        flips, on_acc, on_norm = 0, 0, 0
        for x, v in zip(samples, mine_by, strict=True):
            ex = by_ind.get(str(x["ind"]))
            if ex is None:
                continue
            harness_norm = argmax([ll / len(c) for ll, c in zip(x["lls"], ex.choices, strict=True)])
            ours_norm = argmax([ll / len(delim + c) for ll, c in zip(x["lls"], ex.choices, strict=True)])
            flips += harness_norm != ours_norm
            on_acc += argmax(v) == ex.label  # our log-likelihoods of the harness's prompts, scored as ours
            on_norm += argmax([ll / len(delim + c) for ll, c in zip(v, ex.choices, strict=True)]) == ex.label
        on = f"{on_acc / len(samples):.4f} / {on_norm / len(samples):.4f}"
        same_prompt, acc_agree, norm_agree = "-", "-", "-"
        if k == 0:  # our own requests, as evaluate_task builds them at k=0, and their log-likelihoods
            ours_reqs = {str(e.id): [(e.context, delim + c) for c in e.choices] for e in scored}
            same_prompt = sum(ours_reqs.get(str(x["ind"])) == [tuple(r) for r in x["arguments"]] for x in samples)
            flat = [r for e in scored for r in ours_reqs[str(e.id)]]
            lls = iter(ll for ll, _, _ in loglikelihoods(model, tokenizer, flat, a.batch_size))
            own = {str(e.id): [next(lls) for _ in e.choices] for e in scored}
            acc = {i: int(argmax(v) == by_ind[i].label) for i, v in own.items()}
            norm = {i: int(argmax([ll / len(delim + c) for ll, c in zip(v, by_ind[i].choices, strict=True)])
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
              f"{sc.shots:.2f} | {acc_agree} | {norm_agree} | {same_prompt} | {dll:.2e} | {on} | {flips} |")
    for n in notes:
        print(f"\n- {n}")


if __name__ == "__main__":
    main()
