"""Data parallelism under torchrun (gloo on CPU): two processes take the same steps as one.

Each rank runs its share of the same global batch and the gradients are summed, so the loss history and the final
weights of a two-process run match a one-process run up to floating-point summation order. Pretraining goes through
the real CLI (``python -m torch.distributed.run ... -m training.pretrain --config``); SFT and the reward model through
tests/distributed_worker.py with micro-batches that do not split evenly over the ranks.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.test_training_basics import corpus, make_lm, make_tokenizer

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without distributed")


def launch(args: list[str], procs: int, tmp_path: Path) -> None:
    runner = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={procs}"] if procs > 1 else []
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, *runner, *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def history(folder: Path) -> list[dict]:
    return json.loads((folder / "metrics.json").read_text())["history"]


def assert_same_run(one: Path, two: Path) -> None:
    a, b = history(one), history(two)
    assert len(a) == len(b) > 0
    for x, y in zip(a, b, strict=True):
        assert y["loss"] == pytest.approx(x["loss"], rel=1e-4, abs=1e-6)
    wa, wb = load_file(one / "model.safetensors"), load_file(two / "model.safetensors")
    assert wa.keys() == wb.keys()
    for name in wa:
        # Adam turns summation-order noise in near-zero gradients into steps of up to lr: absolute tolerance
        torch.testing.assert_close(wb[name], wa[name], rtol=1e-4, atol=1e-4, msg=name)


def test_pretraining_under_torchrun_takes_the_same_steps_as_one_process(tmp_path):
    make_tokenizer(tmp_path)
    (tmp_path / "train.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in corpus(120)))
    (tmp_path / "val.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in corpus(20, seed=1)))
    for procs in (1, 2):
        config = {"preset": "tiny", "tokenizer": str(tmp_path / "tokenizer"), "out_dir": str(tmp_path / f"p{procs}"),
                  "name": "base", "n_ctx": 32, "batch_size": 8, "micro_batch_size": 2, "max_steps": 6,
                  "warmup_steps": 2, "eval_every": 3, "checkpoint_every": 3, "threads": 1,
                  "train_path": str(tmp_path / "train.jsonl"), "val_path": str(tmp_path / "val.jsonl")}
        (tmp_path / f"p{procs}.json").write_text(json.dumps(config))
        launch(["-m", "training.pretrain", "--config", str(tmp_path / f"p{procs}.json")], procs, tmp_path)
    assert_same_run(tmp_path / "p1" / "base", tmp_path / "p2" / "base")
    for procs in (1, 2):  # the token cache and the intermediate checkpoints are gone, the final folder complete
        assert sorted(p.name for p in (tmp_path / f"p{procs}").iterdir()) == ["base"]
    assert history(tmp_path / "p2" / "base")[-1]["val_ppl"] == pytest.approx(
        history(tmp_path / "p1" / "base")[-1]["val_ppl"], rel=1e-4)


def test_sft_and_reward_model_under_torchrun_take_the_same_steps_as_one_process(tmp_path):
    model = make_lm(tmp_path, "base")
    for procs in (1, 2):
        launch([str(ROOT / "tests" / "distributed_worker.py"), str(model), str(tmp_path / f"p{procs}")], procs,
               tmp_path)
    for stage in ("sft", "rm"):
        assert_same_run(tmp_path / "p1" / stage, tmp_path / "p2" / stage)
    one = json.loads((tmp_path / "p1" / "rm" / "metrics.json").read_text())["metrics"]
    two = json.loads((tmp_path / "p2" / "rm" / "metrics.json").read_text())["metrics"]
    assert two["val_accuracy"] == pytest.approx(one["val_accuracy"])
