"""Materialize a selection in the Dagster instance, one run per partition where assets are partitioned.

Each run is a run of the lineage's job for its partitioning (``gpt_assets.jobs``), with the selection as its
asset subset, so the UI names it, draws it on the timeline and can re-execute it.

Assets are staged so that a stage never needs another stage's output of a
different partitioning: a chain of same-partitioned assets runs as one run per
partition key, unpartitioned chains as one run, in dependency order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import dagster as dg

from gpt_assets.ingest.landing import crawl_ids, reddit_months
from gpt_assets.jobs import JOB_NAMES, lineage_jobs, pdef_name, runs_with_origin
from gpt_assets.lake import Lake
from gpt_assets.partitions import cc_crawls, rlhf_rounds
from gpt_assets.partitions import reddit_months as reddit_months_def

# An asset tagged so reports on its inputs (ingest_rejects: why records were refused) and runs after they fail.
RUNS_AFTER_FAILURES = "gpt_assets/runs_after_failures"
ROUNDS_ENV = "GPT_ASSETS_RLHF_ROUNDS"  # how many iterated-RLHF rounds after ppo_policy a run materializes (ours: 1)


def rlhf_round_keys(_raw) -> list[str]:
    """Rounds 1..N, N from $GPT_ASSETS_RLHF_ROUNDS (default 1; 0 = none): they run in this order."""
    import os

    return [str(n) for n in range(1, int(os.environ.get(ROUNDS_ENV, "1")) + 1)]


FINDERS: dict[str, Callable] = {reddit_months_def.name: reddit_months, cc_crawls.name: crawl_ids,
                                rlhf_rounds.name: rlhf_round_keys}


@dataclass
class Failure:
    """Why an asset of a run did not give its dependents a usable output."""

    asset: str
    partition: str | None
    check: str | None  # the blocking check that failed; None when the asset itself failed
    reason: str

    def __str__(self) -> str:
        where = f" [{self.partition}]" if self.partition else ""
        what = f"check {self.asset}:{self.check}" if self.check else f"asset {self.asset}"
        return f"{what}{where} failed: {self.reason}"


@dataclass
class RunOutcome:
    assets: list[str]
    partition: str | None
    success: bool
    run_id: str
    checks: dict[tuple[str, str], bool]  # (asset, check name) -> passed
    failures: list[Failure] = field(default_factory=list)
    skipped: bool = False  # not launched: something it depends on failed earlier in this invocation


def register_partitions(instance: dg.DagsterInstance, lake: Lake) -> dict[str, list[str]]:
    """Add every partition key found in ``raw/`` to its dynamic partitions definition."""
    found: dict[str, list[str]] = {}
    for name, finder in FINDERS.items():
        keys = finder(lake.raw)
        existing = set(instance.get_dynamic_partitions(name))
        new = [k for k in keys if k not in existing]
        if new:
            instance.add_dynamic_partitions(name, new)
        found[name] = keys
    return found


def _pdef_name(graph, key: dg.AssetKey) -> str | None:
    return pdef_name(graph.get(key).partitions_def)


def plan(defs: dg.Definitions, selection: str | None) -> list[list[tuple[str | None, list[dg.AssetKey]]]]:
    """Stages of (partitions def name or None, asset keys), in the order they must run."""
    graph = defs.resolve_asset_graph()
    # Dagster's selection syntax ("group:ingest", "webtext_links+", "key:a or key:b"); commas mean "or".
    items = [s.strip() for s in (selection or "").split(",") if s.strip()]
    items = [f"key:{s}" if re.fullmatch(r"[A-Za-z0-9_]+", s) else s for s in items]
    sel = dg.AssetSelection.from_string(" or ".join(items)) if items else dg.AssetSelection.all()
    keys = set(sel.resolve(graph))
    # assets that must run together (a multi-asset's outputs) join the selection as a whole
    for key in list(keys):
        keys |= {k for k in graph.get_execution_set_asset_and_check_keys(key) if isinstance(k, dg.AssetKey)}
    stage: dict[dg.AssetKey, int] = {}
    for key in graph.toposorted_asset_keys:
        if key not in keys:
            continue
        parents = [p for p in graph.get(key).parent_keys if p in keys]
        stage[key] = max((stage[p] + (_pdef_name(graph, p) != _pdef_name(graph, key)) for p in parents), default=0)
    changed = True
    while changed:  # siblings share the latest stage among them, and children follow
        changed = False
        for key in graph.toposorted_asset_keys:
            if key not in stage:
                continue
            siblings = [k for k in graph.get_execution_set_asset_and_check_keys(key) if k in stage]
            parents = [p for p in graph.get(key).parent_keys if p in stage]
            want = max([stage[k] for k in siblings] + [stage[p] + (_pdef_name(graph, p) != _pdef_name(graph, key))
                                                       for p in parents] + [stage[key]])
            if want != stage[key]:
                stage[key], changed = want, True
    out: list[list[tuple[str | None, list[dg.AssetKey]]]] = []
    for s in range(max(stage.values(), default=-1) + 1):
        groups: dict[str | None, list[dg.AssetKey]] = {}
        for key, k_stage in stage.items():
            if k_stage == s:
                groups.setdefault(_pdef_name(graph, key), []).append(key)
        out.append(sorted(groups.items(), key=lambda g: g[0] or ""))
    return out


# The console shows one line per step; Dagster's event stream (DEBUG and up) is kept in the instance (the UI's run
# page, `dagster debug export`), not printed, unless a lower level is asked for (`gpt-assets run --verbose`: INFO,
# the stages' own progress lines).
QUIET = "CRITICAL"
# The figure a person looks at first, per asset (the metadata key): printed on the asset's line.
KEY_FIGURES = {
    "quality_classifier": "heldout_roc_auc", "cc_quality_scores": "mean_score", "cc_filtered": "keep_rate",
    "webtext_documents": "tokens", "training_mixture": "tokens", "bpe_tokenizer": "vocab_size",
    "base_lm": "val_ppl", "sft_model": "val_loss", "reward_model": "val_accuracy", "ppo_policy": "reward_last_third",
    "policy_evaluation": "gold_win_rate", "prompt_splits": "size_scale", "webtext_scrape": "fetched",
}


def _config_for(config: dict | None, defs: dg.Definitions, keys: list[dg.AssetKey], console: str = QUIET) -> dict:
    """The part of ``{op name: config}`` that concerns the assets of one run, and the console logger's level."""
    graph = defs.resolve_asset_graph()
    ops = {graph.get(k).assets_def.node_def.name for k in keys}
    picked = {op: {"config": cfg} for op, cfg in (config or {}).items() if op in ops}
    return {"loggers": {"console": {"config": {"log_level": console}}}, **({"ops": picked} if picked else {})}


def _figure(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def step_lines(result, instance: dg.DagsterInstance) -> list[str]:
    """One line per materialized asset: name, partition, rows, its key figure, the seconds its step took."""
    started: dict[str, float] = {}
    took: dict[str, float] = {}
    for entry in instance.all_logs(result.run_id, of_type={dg.DagsterEventType.STEP_START,
                                                           dg.DagsterEventType.STEP_SUCCESS,
                                                           dg.DagsterEventType.STEP_FAILURE}):
        step, kind = entry.step_key, entry.dagster_event.event_type
        if step and kind == dg.DagsterEventType.STEP_START:
            started[step] = entry.timestamp
        elif step in started:
            took[step] = entry.timestamp - started[step]
    lines = []
    for e in result.get_asset_materialization_events():
        mat = e.step_materialization_data.materialization
        name = mat.asset_key.to_user_string()
        meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        parts = [f"{name}{f' [{mat.partition}]' if mat.partition else ''}"]
        if "dagster/row_count" in meta:
            parts.append(f"{meta['dagster/row_count']:,} rows")
        key = KEY_FIGURES.get(name)
        if key and key in meta:
            parts.append(f"{key} {_figure(meta[key])}")
        if e.step_key in took:
            parts.append(f"{took[e.step_key]:.1f} s")
        lines.append("    " + "  ".join(parts))
    return lines


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failures(result, evaluations, graph, keys: list[dg.AssetKey], pkey: str | None) -> list[Failure]:
    """The selected assets a run left unusable: a failed (or skipped) step, or a failed blocking check."""
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    step_errors: dict[str, str] = {}
    for event in result.all_events:
        if event.is_step_failure and event.step_key:
            error = event.step_failure_data.error
            message = error.message if error else "the step failed"
            step_errors[event.step_key] = _one_line(message.removeprefix("dagster._core.definitions.events."))
    out: list[Failure] = []
    for key in keys:
        if key in done:
            continue
        op = graph.get(key).assets_def.node_def.name
        reason = step_errors.get(op, "not materialized: an asset it depends on in the same run failed")
        out.append(Failure(key.to_user_string(), pkey, None, reason))
    for c in evaluations:
        if not c.passed and c.blocking and c.asset_key in keys:
            reason = c.description or ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in c.metadata.items()) \
                or "no reason given"
            out.append(Failure(c.asset_key.to_user_string(), pkey, c.check_name, _one_line(reason)))
    return out


def _blocker(graph, key: dg.AssetKey, pkey: str | None, failed: dict[dg.AssetKey, list[Failure]]) -> Failure | None:
    """The earlier failure that ``key`` (in partition ``pkey``) depends on, if any.

    A dependency of the same partitioning blocks only its own partition; one of another
    partitioning (an unpartitioned asset reading every crawl) blocks whatever partition failed.
    """
    if not failed or graph.get(key).tags.get(RUNS_AFTER_FAILURES) == "true":
        return None
    mine = _pdef_name(graph, key)
    for parent in graph.get_ancestor_asset_keys(key):
        for f in failed.get(parent, []):
            if _pdef_name(graph, parent) != mine or f.partition == pkey:
                return f
    return None


def run(defs: dg.Definitions, assets: Sequence, resources: dict, instance: dg.DagsterInstance, lake: Lake,
        selection: str | None = None, log: Callable[[str], None] = print,
        config: dict[str, dict] | None = None, console: str = QUIET) -> list[RunOutcome]:
    """Register partitions, then materialize the selection stage by stage; return each run's outcome.

    ``config`` maps an asset's op name (the asset name; a multi-asset's function name) to its run config;
    ``console`` is the level of Dagster's console log (the instance keeps every level).
    As within one Dagster run, a failed asset or blocking check stops everything downstream of it in later
    stages too: those runs are not launched and their outcome says which failure they wait on.
    """
    partitions = register_partitions(instance, lake)
    graph = defs.resolve_asset_graph()
    # the jobs over the caller's resources (tests point `data` elsewhere; Dagster refuses them as run overrides)
    jobs = dg.Definitions(assets=assets, resources=resources, jobs=lineage_jobs(assets))
    failed: dict[dg.AssetKey, list[Failure]] = {}
    outcomes: list[RunOutcome] = []
    for stage in plan(defs, selection):
        for pdef, keys in stage:
            for pkey in partitions.get(pdef, []) if pdef else [None]:
                where = f" [{pkey}]" if pkey else ""
                blocked = {k: b for k in keys if (b := _blocker(graph, k, pkey, failed))}
                for key, why in blocked.items():
                    failed.setdefault(key, []).append(Failure(key.to_user_string(), pkey, None, f"skipped: {why}"))
                if blocked:
                    names = [k.to_user_string() for k in blocked]
                    first = next(iter(blocked.values()))
                    log(f"skipping {', '.join(names)}{where}: {first}")
                    outcomes.append(RunOutcome(names, pkey, False, "", {}, [first], skipped=True))
                todo = [k for k in keys if k not in blocked]
                if not todo:
                    continue
                names = [k.to_user_string() for k in todo]
                log(f"materializing {', '.join(names)}{where}")
                job = JOB_NAMES[pdef]
                with runs_with_origin(instance, job):
                    result = jobs.resolve_job_def(job).execute_in_process(
                        run_config=_config_for(config, defs, todo, console), instance=instance,
                        partition_key=pkey, asset_selection=todo, raise_on_error=False,
                        tags={"gpt_assets/launched_by": "cli"})
                evaluations = result.get_asset_check_evaluations()
                checks = {(c.asset_key.to_user_string(), c.check_name): c.passed for c in evaluations}
                failures = _failures(result, evaluations, graph, todo, pkey)
                for f in failures:
                    failed.setdefault(dg.AssetKey.from_user_string(f.asset), []).append(f)
                outcomes.append(RunOutcome(names, pkey, result.success and not failures, result.run_id, checks,
                                           failures))
                warned = [c for c in evaluations if not c.passed and not c.blocking]
                for line in step_lines(result, instance):
                    log(line)
                log(f"  {'ok' if result.success and not failures else 'FAILED'} run {result.run_id}"
                    + (f"; warnings: {', '.join(f'{c.asset_key.to_user_string()}:{c.check_name}' for c in warned)}"
                       if warned else ""))
                for c in warned:
                    log(f"  warning {c.asset_key.to_user_string()}:{c.check_name}: "
                        f"{_one_line(c.description or 'see its metadata in the UI')}")
                for f in failures:
                    log(f"  {f}")
            if pdef and not partitions.get(pdef):
                log(f"skipping {', '.join(k.to_user_string() for k in keys)}: no {pdef} partitions in {lake.raw}")
    return outcomes
