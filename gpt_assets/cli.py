"""The ``gpt-assets`` command: ``sample-world``, ``run`` and ``sql``."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from gpt_assets.paths import dagster_home, data_root


def _sample_world(args: argparse.Namespace) -> int:
    from gpt_assets.sampleworld import write_sample_world

    root = data_root()
    counts = write_sample_world(root / "raw", root / "truth", scale=args.scale, seed=args.seed)
    print(f"sample world ({args.scale}, seed {args.seed}) written to {root / 'raw'}; ground truth in {root / 'truth'}")
    for name, n in counts.items():
        print(f"  {name:<28} {n:>10,}")
    return 0


def _quiet() -> None:
    """One line per step on the console: no library progress bars, load reports or beta notices (the full log of
    every run stays in the Dagster instance)."""
    import warnings

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import dagster as dg

    for category in (dg.BetaWarning, dg.PreviewWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DAGSTER_HOME", str(dagster_home()))
    _quiet()
    from dagster import DagsterInstance

    from gpt_assets.definitions import ASSETS, RESOURCES, defs
    from gpt_assets.lake import Lake
    from gpt_assets.runner import QUIET, run

    config = _run_config(args)
    resources = _resources(RESOURCES, config.pop("resources", None) or {})
    home = os.environ["DAGSTER_HOME"]
    os.makedirs(home, exist_ok=True)
    with DagsterInstance.get() as instance:
        outcomes = run(defs, ASSETS, resources, instance, Lake(data_root()), args.select, config=config or None,
                       console="INFO" if args.verbose else QUIET)
    failed = [o for o in outcomes if not o.success]
    print(f"{len(outcomes) - len(failed)}/{len(outcomes)} runs succeeded (DAGSTER_HOME={home})")
    for o in failed:
        if o.skipped:
            print(f"  not run: {', '.join(o.assets)}{f' [{o.partition}]' if o.partition else ''} "
                  f"(waits on {o.failures[0].asset})", file=sys.stderr)
        for f in [] if o.skipped else o.failures:
            print(f"  {f} (run {o.run_id})", file=sys.stderr)
    return 1 if failed else 0


def _resources(defaults: dict, overrides: dict) -> dict:
    """The code location's resources with ``resources: {name: {field: value}}`` from the config file on top."""
    out = dict(defaults)
    for name, fields in overrides.items():
        if name not in defaults:
            raise SystemExit(f"resources.{name}: no such resource (known: {', '.join(sorted(defaults))})")
        if not isinstance(fields, dict):
            raise SystemExit(f"resources.{name}: write a mapping of fields, e.g. resources: {{labeler: {{kind: ...}}}}")
        base = defaults[name]
        out[name] = type(base)(**{**base.model_dump(), **fields})
    return out


def _run_config(args: argparse.Namespace) -> dict:
    """``--config FILE`` (JSON or YAML ``{op name: {field: value}}``, plus an optional ``resources:`` mapping)
    with ``--set op.field=value`` on top (``--set resources.labeler.kind=imported`` sets a resource field)."""
    config: dict = {}
    if args.config:
        config = yaml.safe_load(Path(args.config).read_text()) or {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        op, _, field = key.partition(".")
        if not field:
            raise SystemExit(f"--set {item!r}: write op.field=value (e.g. reward_model.min_val_accuracy=0.6)")
        if op == "resources":
            name, _, field = field.partition(".")
            if not field:
                raise SystemExit(f"--set {item!r}: write resources.name.field=value (resources.labeler.kind=files)")
            config.setdefault("resources", {}).setdefault(name, {})[field] = _value(value)
        else:
            config.setdefault(op, {})[field] = _value(value)
    return config


def _value(text: str):
    """JSON first (so 1e-4 is a number, which YAML 1.1 reads as a string), else YAML (bare words, lists)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return yaml.safe_load(text)


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    from gpt_assets.catalog import error_line, missing_table, query, view_names
    from gpt_assets.lake import Lake

    catalog = Lake(data_root()).catalog
    try:
        columns, rows = query(catalog, args.query)
    except FileNotFoundError as exc:  # no catalog yet
        return _sql_error(str(exc))
    except duckdb.Error as exc:
        table = missing_table(exc)
        return _sql_error(_no_such_table(table, view_names(catalog)) if table else error_line(exc))
    if args.format == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(columns)
        w.writerows(rows)
    elif args.format == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), default=str))
    else:
        print(format_table(columns, rows, args.max_rows, args.max_width))
    return 0


# Views that several assets write, and the asset to name when they are missing.
SHARED_VIEWS = {"checkpoints": "base_lm", "document_drops": "cc_filtered"}


def _sql_error(message: str) -> int:
    print(f"gpt-assets sql: {message}", file=sys.stderr)
    return 1


def _no_such_table(name: str, views: list[str]) -> str:
    """Why a table is missing: an asset not yet materialized, a model asset, or no such name."""
    from gpt_assets.definitions import ASSETS  # only on this error path: it imports every stage

    kinds = {spec.key.to_user_string(): spec.kinds for a in ASSETS for spec in a.specs}
    key = name.lower()  # DuckDB names are case-insensitive
    asset = SHARED_VIEWS.get(key, key if "parquet" in kinds.get(key, ()) else None)
    if asset:
        return f"table {name} does not exist yet: materialize asset {asset} (gpt-assets run --select {asset})"
    if key in kinds:
        return (f"{name} is a model asset, not a table: its materialization's metadata gives its path "
                "(trained language models: the checkpoints view)")
    return f"no table or view named {name}; available views: {', '.join(views) or 'none yet (gpt-assets run)'}"


def format_table(columns: list[str], rows: list[tuple], max_rows: int = 50, max_width: int = 60) -> str:
    """A plain text table; long cells are cut with an ellipsis."""

    def cell(v: object) -> str:
        s = "NULL" if v is None else str(v).replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    shown = [[cell(v) for v in r] for r in rows[:max_rows]]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |" for r in shown]
    out.append(line)
    more = f" (showing {max_rows})" if len(rows) > max_rows else ""
    out.append(f"{len(rows)} row{'s' if len(rows) != 1 else ''}{more}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gpt-assets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample-world", help="write the embedded sample world into raw/")
    p.add_argument("--scale", choices=["tiny", "demo"], default="demo")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(fn=_sample_world)
    p = sub.add_parser("run", help="register the partitions found in raw/ and materialize a selection")
    p.add_argument("--select", default=None,
                   help="a Dagster asset selection, commas meaning 'or' (e.g. 'group:ingest', "
                        "'reddit_submissions+', 'cc_documents,web_pages'); default: everything")
    p.add_argument("--config", help="run config, JSON or YAML: {op name: {field: value}}")
    p.add_argument("--set", action="append", metavar="OP.FIELD=VALUE",
                   help="one config field, e.g. --set rm_data.k=6 (repeatable; the value is read as JSON, else YAML)")
    p.add_argument("--verbose", action="store_true",
                   help="also print the stages' own log (training progress) and Dagster's INFO messages; "
                        "the full log of every run is in the Dagster instance either way")
    p.set_defaults(fn=_run)
    p = sub.add_parser("sql", help="query the DuckDB catalog (read-only) and print the result")
    p.add_argument("query")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--max-rows", type=int, default=50)
    p.add_argument("--max-width", type=int, default=60)
    p.set_defaults(fn=_sql)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    raise SystemExit(main())
