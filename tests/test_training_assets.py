"""Training assets on the tiny world: checkpoints are save_pretrained folders, listed in the catalog."""

import json

import dagster as dg
from transformers import AutoModelForCausalLM, AutoTokenizer


def _latest_run_log(home) -> str:
    """The messages of the newest run in the Dagster instance at ``home``."""
    import os

    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            run = instance.get_runs(limit=1)[0]
            return "\n".join(e.user_message for e in instance.all_logs(run.run_id))
    finally:
        os.environ.pop("DAGSTER_HOME") if saved is None else os.environ.__setitem__("DAGSTER_HOME", saved)


def test_training_checkpoints_load_and_generate(lineage):
    rows = {a: (v, p, json.loads(m)) for a, v, p, m in
            lineage.sql("select asset, version, path, metrics from checkpoints")}
    assert set(rows) >= {"bpe_tokenizer", "base_lm", "sft_model"}
    assert rows["base_lm"][2]["val_ppl"] > 1 and rows["sft_model"][2]["val_loss"] > 0
    for asset in ("base_lm", "sft_model"):
        path = rows[asset][1]
        tok, model = AutoTokenizer.from_pretrained(path), AutoModelForCausalLM.from_pretrained(path)
        ids = tok("Write a short poem about the sea.", return_tensors="pt")["input_ids"]
        out = model.generate(ids, max_new_tokens=8, do_sample=False, pad_token_id=tok.pad_token_id)
        assert out.shape[1] > ids.shape[1]
    latest = (lineage.root / "checkpoints/sft_model/LATEST").read_text().strip()
    assert latest == rows["sft_model"][0] and not list((lineage.root / "checkpoints/sft_model").glob(".*partial*"))


def test_a_killed_sft_materialization_resumes_from_its_checkpoint(lineage, tmp_path):
    """SIGKILL the `gpt-assets run` process once an intermediate checkpoint exists; the re-run resumes from it."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "world"
    shutil.copytree(lineage.root, root, ignore=shutil.ignore_patterns("warehouse.duckdb*"))
    env = {**os.environ, "GPT_ASSETS_DATA": str(root), "DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    cmd = [sys.executable, "-m", "gpt_assets.cli", "run", "--select", "sft_model",
           "--set", 'sft_model.overrides={"epochs": 8, "checkpoint_every": 3, "keep_checkpoints": 1}']
    folder = root / "checkpoints/sft_model"
    before = set(folder.iterdir())
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while not list(folder.glob(".*.intermediate/step_*")) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    steps = sorted(p.name for p in folder.glob(".*.intermediate/step_*"))
    assert steps, "the run ended before its first intermediate checkpoint"
    new = set(folder.iterdir()) - before - set(folder.glob(".*.tokens"))  # the pretraining term's token cache
    assert new == {p.parent for p in folder.glob(".*.intermediate/step_*")}  # no final

    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    resumed = int(steps[-1].removeprefix("step_"))
    # the console shows one line per step; the training log (with the resume) is in the instance's event log
    log = _latest_run_log(tmp_path / "home")
    assert f"resumed_from_step={float(resumed):.4g}" in log or f"resumed_from_step={resumed}" in log
    assert "sft_model" in out.stdout and "DEBUG" not in out.stdout
    version = (folder / "LATEST").read_text().strip()
    assert (folder / version / "model.safetensors").exists() and not list(folder.glob(".*.intermediate"))
    history = json.loads((folder / version / "metrics.json").read_text())["history"]
    assert [h["step"] for h in history] == list(range(1, len(history) + 1))


def test_reward_model_under_torchrun_matches_the_in_process_run(lineage, tmp_path):
    """`nproc_per_node=2` launches training.reward under torchrun through Dagster Pipes; same version, same result."""
    import os
    import shutil
    import subprocess
    import sys

    root = tmp_path / "world"
    shutil.copytree(lineage.root, root, ignore=shutil.ignore_patterns("warehouse.duckdb*", "reward_model"))
    folder = root / "checkpoints/reward_model"
    env = {**os.environ, "GPT_ASSETS_DATA": str(root), "DAGSTER_HOME": str(tmp_path / "home"), "OMP_NUM_THREADS": "1"}
    (tmp_path / "home").mkdir()

    def run(*settings: str) -> tuple[str, dict, str]:
        out = subprocess.run([sys.executable, "-m", "gpt_assets.cli", "run", "--select", "reward_model",
                              "--set", "reward_model.block_below=0.0", *settings],
                             env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        version = (folder / "LATEST").read_text().strip()
        return version, json.loads((folder / version / "metrics.json").read_text()), out.stderr

    version, in_process, _ = run("--set", "reward_model.overrides={\"threads\": 1}")
    shutil.rmtree(folder / version)
    again, launched, _ = run("--set", "reward_model.nproc_per_node=2")
    log = _latest_run_log(tmp_path / "home")  # the launch is logged in the run's event log
    assert "torch.distributed.run --standalone --nproc_per_node=2 -m training.reward" in log
    assert again == version  # neither the launch nor the thread count is part of the version
    assert len(launched["history"]) == len(in_process["history"]) > 0
    for a, b in zip(in_process["history"], launched["history"], strict=True):
        assert abs(a["loss"] - b["loss"]) < 1e-3 * max(1.0, abs(a["loss"]))
    assert abs(launched["metrics"]["val_accuracy"] - in_process["metrics"]["val_accuracy"]) < 0.02
    assert not list(folder.glob(".*.launch")) and not list(folder.glob(".*.intermediate"))
