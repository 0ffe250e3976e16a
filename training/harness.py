"""EleutherAI's lm-evaluation-harness on a local HellaSwag-layout folder, for comparing ``training.lm_eval`` with it.

The harness runs in a subprocess under any python that has ``lm_eval`` (this project's test environment, or a
virtualenv of its own): its own ``hellaswag`` task (``hellaswag.yaml`` and ``utils.py`` copied from the installed
package, so ``process_docs``/``preprocess`` are the harness's) with ``dataset_path: json`` on the folder's
``train.jsonl`` / ``validation.jsonl``, offline, one thread. It returns, per k, the harness's acc / acc_norm and, per
example, its requests and per-choice log-likelihoods (``log_samples``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

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
    """The harness's results for ``model`` (a save_pretrained folder with its tokenizer) on ``task_dir``'s first
    ``limit`` validation examples at each k: ``{"lm_eval_version", "torch", "yaml", "runs": {k: {"acc",
    "acc_norm", "n", "seconds", "samples"}}}``, or ``{"error": ...}`` with the end of its log."""
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
        return {"error": f"the harness failed ({proc.returncode}); its log: {work / 'harness.log'}\n"
                         f"{proc.stderr[-3000:]}"}
    return json.loads((work / "harness.json").read_text())
