"""Materialize a selection in the Dagster instance, one run per partition where assets are partitioned.

Assets are staged so that a stage never needs another stage's output of a
different partitioning: a chain of same-partitioned assets runs as one run per
partition key, unpartitioned chains as one run, in dependency order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dagster as dg

from gpt_assets.ingest.landing import crawl_ids, reddit_months
from gpt_assets.lake import Lake
from gpt_assets.partitions import cc_crawls
from gpt_assets.partitions import reddit_months as reddit_months_def

FINDERS: dict[str, Callable] = {reddit_months_def.name: reddit_months, cc_crawls.name: crawl_ids}


@dataclass
class RunOutcome:
    assets: list[str]
    partition: str | None
    success: bool
    run_id: str
    checks: dict[tuple[str, str], bool]  # (asset, check name) -> passed


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
    pdef = graph.get(key).partitions_def
    if pdef is None:
        return None
    return getattr(pdef, "name", None) or str(pdef)


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


def _config_for(config: dict | None, defs: dg.Definitions, keys: list[dg.AssetKey]) -> dict | None:
    """The part of ``{op name: config}`` that concerns the assets of one run."""
    if not config:
        return None
    graph = defs.resolve_asset_graph()
    ops = {graph.get(k).assets_def.node_def.name for k in keys}
    picked = {op: {"config": cfg} for op, cfg in config.items() if op in ops}
    return {"ops": picked} if picked else None


def run(defs: dg.Definitions, assets: Sequence, resources: dict, instance: dg.DagsterInstance, lake: Lake,
        selection: str | None = None, log: Callable[[str], None] = print,
        config: dict[str, dict] | None = None) -> list[RunOutcome]:
    """Register partitions, then materialize the selection stage by stage; return each run's outcome.

    ``config`` maps an asset's op name (the asset name; a multi-asset's function name) to its run config.
    """
    partitions = register_partitions(instance, lake)
    outcomes: list[RunOutcome] = []
    for stage in plan(defs, selection):
        for pdef, keys in stage:
            names = [k.to_user_string() for k in keys]
            for pkey in partitions.get(pdef, []) if pdef else [None]:
                where = f" [{pkey}]" if pkey else ""
                log(f"materializing {', '.join(names)}{where}")
                result = dg.materialize(assets, selection=keys, partition_key=pkey, instance=instance,
                                        run_config=_config_for(config, defs, keys),
                                        resources=resources, raise_on_error=False,
                                        tags={"gpt_assets/launched_by": "cli"})
                checks = {(c.asset_key.to_user_string(), c.check_name): c.passed
                          for c in result.get_asset_check_evaluations()}
                outcomes.append(RunOutcome(names, pkey, result.success, result.run_id, checks))
                failed = [f"{a}:{c}" for (a, c), ok in checks.items() if not ok]
                log(f"  {'ok' if result.success else 'FAILED'} run {result.run_id}"
                    + (f"; failed checks: {', '.join(failed)}" if failed else ""))
            if pdef and not partitions.get(pdef):
                log(f"skipping {', '.join(names)}: no {pdef} partitions in {lake.raw}")
    return outcomes
