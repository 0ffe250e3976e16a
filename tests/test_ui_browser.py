"""The web UI in a real browser: headless Chromium (Debian's package, via selenium and its chromedriver) against a
`dagster dev` started on a free port. It opens the asset graph, launches a materialization from an asset's page,
and sees the run succeed; opens a run `gpt-assets run` launched, sees its job and re-executes it; reads a failed
check's sentence; and finds the paper's parameters (kl_coef 0.02) in `ppo_policy`'s launchpad. Screenshots go to
the test's temporary folder, or to $GPT_ASSETS_SCREENSHOTS when set (`make screenshots` refreshes
docs/screenshots/ this way).

Skipped, with the reason, where chromium or chromedriver is missing (`make browser` installs them with apt).
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e .[dev])")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="no chromium/chromedriver on PATH: `make browser` installs Debian's chromium and chromium-driver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(base: str, query: str) -> dict:
    req = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["data"]


def _wait(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - the server is starting, the page is rendering
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture
def dagster_dev(tiny_world, tmp_path):
    """`dagster dev` (webserver + daemon) over a copy of the tiny world's landing zone."""
    root = tmp_path / "world"
    shutil.copytree(tiny_world / "raw", root / "raw")
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home/dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    env = {**os.environ, "GPT_ASSETS_DATA": str(root), "DAGSTER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    log = open(tmp_path / "dagster-dev.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml",
                             "-h", "127.0.0.1", "-p", str(port)], cwd=REPO, env=env, stdout=log, stderr=log,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _graphql(base, "{ version }"), 120, "the webserver")
        _wait(lambda: "benchmark_examples" in json.dumps(_graphql(base, "{ assetNodes { assetKey { path } } }")),
              120, "the code location to load")
        yield base, tmp_path / "dagster-dev.log"
    finally:
        # SIGTERM, then whatever of the session is left is killed: `dagster dev` waited out its children for 30 s
        # after a run, and a code server could outlive it
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1600,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def shot(tmp_path):
    out = Path(os.environ.get("GPT_ASSETS_SCREENSHOTS") or tmp_path / "screenshots")
    out.mkdir(parents=True, exist_ok=True)

    def save(driver, name: str) -> None:
        assert driver.save_screenshot(str(out / f"{name}.png"))

    return save


def _open(driver, url: str) -> None:
    """Load a page and dismiss the first-visit community dialog if it shows."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    deadline = time.time() + 6  # the dialog opens a moment after the page
    while time.time() < deadline:
        buttons = driver.find_elements(By.XPATH, "//button[normalize-space(.)='Skip']")
        if buttons:
            buttons[0].click()
            break
        time.sleep(0.3)


def _click_text(driver, text: str, timeout: float = 60) -> None:
    from selenium.webdriver.common.by import By

    xpath = f"//button[normalize-space(.)='{text}' and not(@disabled)]"
    button = _wait(lambda: driver.find_element(By.XPATH, xpath), timeout, f"a '{text}' button")
    button.click()


def test_materialize_an_asset_from_the_ui_and_see_the_run_succeed(dagster_dev, browser, shot):
    from selenium.webdriver.common.by import By

    base, log = dagster_dev
    _open(browser, f"{base}/asset-groups")
    groups = ("ingest", "webtext", "quality_filter", "dedup", "mixture", "instructgpt_data", "training")
    _wait(lambda: all(browser.find_elements(By.XPATH, f"//*[normalize-space(text())='{g}']") for g in groups), 90,
          "the asset graph's groups")
    shot(browser, "asset-graph")

    _open(browser, f"{base}/assets/benchmark_examples")
    _click_text(browser, "Materialize")

    def finished() -> str | None:
        runs = _graphql(base, "{ runsOrError { ... on Runs { results { runId status } } } }")["runsOrError"]["results"]
        done = [r["status"] for r in runs if r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        return done[0] if done else None

    status = _wait(finished, 240, "the launched run to finish")
    assert status == "SUCCESS", log.read_text()[-3000:]
    _open(browser, f"{base}/assets/benchmark_examples")
    _wait(lambda: "per_file" in browser.find_element(By.TAG_NAME, "body").text, 60,
          "the materialization's metadata (per_file) on the asset page")
    shot(browser, "asset-materialized")
    (run_id,) = [r["runId"] for r in _graphql(base, "{ runsOrError { ... on Runs { results { runId } } } }")
                 ["runsOrError"]["results"]]
    _open(browser, f"{base}/runs/{run_id}")
    _wait(lambda: "RUN_SUCCESS" in browser.find_element(By.TAG_NAME, "body").text
          or "Success" in browser.find_element(By.TAG_NAME, "body").text, 60, "the run page")
    shot(browser, "run-succeeded")


def _runs(base: str) -> list[dict]:
    query = "{ runsOrError { ... on Runs { results { runId status jobName parentRunId } } } }"
    return _graphql(base, query)["runsOrError"]["results"]


def test_a_cli_run_shows_its_job_and_re_executes_from_the_ui(dagster_dev, browser, shot, tiny_world, tmp_path):
    from selenium.webdriver.common.by import By

    base, log = dagster_dev
    env = {**os.environ, "GPT_ASSETS_DATA": str(tmp_path / "world"), "DAGSTER_HOME": str(tmp_path / "home"),
           "HF_HUB_OFFLINE": "1"}
    cli = Path(sys.executable).parent / "gpt-assets"
    subprocess.run([str(cli), "run", "--select", "benchmark_examples"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=300)
    (parent,) = _wait(lambda: [r for r in _runs(base) if r["status"] == "SUCCESS"], 60, "the CLI's run in the UI")
    assert parent["jobName"] == "lineage"
    _open(browser, f"{base}/runs/{parent['runId']}")
    _wait(lambda: "lineage" in browser.find_element(By.TAG_NAME, "body").text, 60, "the run page naming its job")
    shot(browser, "cli-run")
    button = _wait(lambda: browser.find_element(
        By.XPATH, "//button[starts-with(normalize-space(.), 'Re-execute') and not(@disabled)]"), 60,
        "an enabled Re-execute button")
    button.click()

    def child() -> dict | None:
        done = [r for r in _runs(base) if r["parentRunId"] == parent["runId"]
                and r["status"] in ("SUCCESS", "FAILURE", "CANCELED")]
        return done[0] if done else None

    rerun = _wait(child, 240, "the re-execution launched from the UI to finish")
    assert rerun["status"] == "SUCCESS" and rerun["jobName"] == "lineage", log.read_text()[-3000:]
    _open(browser, f"{base}/overview/activity/timeline")
    job_row = "//a[normalize-space(.)='lineage' or .//*[normalize-space(text())='lineage']]"
    _wait(lambda: browser.find_elements(By.XPATH, job_row), 60, "the lineage job's row on the Overview timeline")

    # a landing file with a tenth of its lines broken: the reject_share check fails and says why, in the UI
    bench = tmp_path / "world/raw/benchmarks/lambada_like.jsonl"
    lines = bench.read_text().splitlines()
    bench.write_text("\n".join(lines + ["{broken"] * (len(lines) // 9 + 1)) + "\n")
    subprocess.run([str(cli), "run", "--select", "benchmark_examples"], cwd=REPO, env=env, capture_output=True,
                   timeout=300)
    _open(browser, f"{base}/assets/benchmark_examples?view=checks")
    _wait(lambda: browser.find_elements(By.XPATH, "//*[normalize-space(text())='reject_share']"), 60,
          "the reject_share check")[0].click()
    _wait(lambda: "over 5% rejected: benchmarks/lambada_like.jsonl" in browser.find_element(By.TAG_NAME, "body").text
          and "see ingest_rejects" in browser.find_element(By.TAG_NAME, "body").text, 60,
          "the failed check's sentence under its latest execution")
    shot(browser, "failed-check")


def test_the_ppo_launchpad_shows_the_papers_parameters(dagster_dev, browser, shot):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, _ = dagster_dev
    _open(browser, f"{base}/assets/ppo_policy")
    button = _wait(lambda: browser.find_element(By.XPATH, "//button[normalize-space(.)='Materialize']"), 60,
                   "the Materialize button")
    time.sleep(1)  # the asset page re-renders once its definition loads
    button = browser.find_element(By.XPATH, "//button[normalize-space(.)='Materialize']")
    ActionChains(browser).key_down(Keys.SHIFT).click(button).key_up(Keys.SHIFT).perform()  # shift-click: launchpad
    # nothing upstream is materialized in this fresh instance: the UI asks first, and opens the launchpad on Confirm
    _wait(lambda: browser.find_element(By.XPATH, "//button[normalize-space(.)='Confirm']"), 30,
          "the unmaterialized-upstream dialog").click()
    editor = _wait(lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, ".CodeMirror")
                            if "kl_coef" in e.text], 60, "the launchpad's config editor")[0]
    assert "kl_coef: 0.02" in editor.text and "clip_ratio: 0.2" in editor.text, editor.text
    shot(browser, "ppo-launchpad")
