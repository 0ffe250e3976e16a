"""Readers query the DuckDB catalog read-only while a run materializes (and publishes views) in another process."""

import os
import shutil
import subprocess
import sys
import time

from gpt_assets.catalog import query


def test_queries_succeed_while_a_run_writes_the_lake_and_the_catalog(lineage, tmp_path):
    root = tmp_path / "world"
    shutil.copytree(lineage.root, root, ignore=shutil.ignore_patterns("checkpoints"))
    catalog = root / "warehouse.duckdb"
    before = query(catalog, "select count(*) from reddit_submissions")[1][0][0]
    env = {**os.environ, "GPT_ASSETS_DATA": str(root), "DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    proc = subprocess.Popen([sys.executable, "-u", "-m", "gpt_assets.cli", "run", "--select", "group:ingest"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().startswith("materializing")  # the first run has begun
    during, errors = 0, []
    while proc.poll() is None:
        try:
            (n,), = query(catalog, "select count(*) from reddit_submissions")[1]
            (m,), = query(catalog, "select count(*) from ingest_rejects")[1]
            during += 1
            assert n == before and m >= 0
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(repr(exc))
        time.sleep(0.05)
    out = proc.stdout.read()
    assert proc.returncode == 0, out[-2000:]
    assert not errors, errors[:3]
    assert during >= 5, f"only {during} queries ran while the run was materializing"
    assert "runs succeeded" in out
