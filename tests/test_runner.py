"""One ``gpt-assets run``: a failed asset or blocking check stops what depends on it, in later runs too."""

import re
import shutil

import pytest

from gpt_assets.cli import main


@pytest.fixture
def landing(tmp_path, tiny_world, monkeypatch):
    """A copy of the tiny world's landing zone with its own Dagster instance."""
    root = tmp_path / "data"
    shutil.copytree(tiny_world / "raw", root / "raw")
    shutil.copytree(tiny_world / "truth", root / "truth")
    monkeypatch.setenv("GPT_ASSETS_DATA", str(root))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    return root


def test_a_failed_blocking_check_stops_the_assets_after_it_and_the_summary_says_why(landing, capsys):
    assert main(["run", "--select", "group:ingest,group:webtext"]) == 0
    out = capsys.readouterr().out
    # one line per step (asset, partition, rows, key figure, seconds); Dagster's event stream stays in the instance
    assert re.search(r"^    reddit_submissions \[2017-10\]  [\d,]+ rows  \d+\.\d s$", out, re.M), out
    assert re.search(r"^    webtext_documents  [\d,]+ rows  tokens [\d,]+  \d+\.\d s$", out, re.M), out
    assert "DEBUG" not in out and "STEP_START" not in out
    # a bar no classifier reaches: heldout_auc fails, and nothing that reads the classifier may run
    code = main(["run", "--select", "quality_classifier,cc_quality_scores,cc_filtered,duplicate_clusters",
                 "--set", "quality_classifier.min_auc=1.01", "--verbose"])
    out = capsys.readouterr()
    assert code == 1
    assert re.search(r"quality_classifier [0-9a-f]{12}: held-out ROC AUC", out.err)  # --verbose: the stage's log
    assert "check quality_classifier:heldout_auc failed: held-out ROC AUC" in out.err
    assert "below min_auc 1.01" in out.err
    for asset in ("cc_quality_scores, cc_filtered", "duplicate_clusters"):
        assert f"not run: {asset}" in out.err
    assert "materializing cc_quality_scores" not in out.out
    # the classifier that failed is not what cc_quality_scores would read
    assert not (landing / "lake" / "checkpoints" / "quality_classifier" / "LATEST").exists()
    assert not (landing / "lake" / "cc_quality_scores").exists()


def test_resources_come_from_the_config_file(landing, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(landing / "raw", other / "raw")
    config = tmp_path / "run.yaml"
    config.write_text(f"resources:\n  data:\n    path: {other}\n")
    with pytest.raises(SystemExit, match="resources.nowhere: no such resource"):
        main(["run", "--select", "prompt_pool", "--set", "resources.nowhere.kind=x"])
    assert main(["run", "--select", "prompt_pool", "--config", str(config)]) == 0
    assert (other / "lake" / "prompt_pool").exists() and not (landing / "lake" / "prompt_pool").exists()
