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


def _run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DAGSTER_HOME", str(dagster_home()))
    from dagster import DagsterInstance

    from gpt_assets.definitions import ASSETS, RESOURCES, defs
    from gpt_assets.lake import Lake
    from gpt_assets.runner import run

    home = os.environ["DAGSTER_HOME"]
    os.makedirs(home, exist_ok=True)
    with DagsterInstance.get() as instance:
        outcomes = run(defs, ASSETS, RESOURCES, instance, Lake(data_root()), args.select, config=_run_config(args))
    failed = [o for o in outcomes if not o.success]
    print(f"{len(outcomes) - len(failed)}/{len(outcomes)} runs succeeded (DAGSTER_HOME={home})")
    for o in failed:
        print(f"  failed: {', '.join(o.assets)} {o.partition or ''} run {o.run_id}", file=sys.stderr)
    return 1 if failed else 0


def _run_config(args: argparse.Namespace) -> dict | None:
    """``--config FILE`` (JSON or YAML ``{op name: {field: value}}``) with ``--set op.field=value`` on top."""
    config: dict = {}
    if args.config:
        config = yaml.safe_load(Path(args.config).read_text()) or {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        op, _, field = key.partition(".")
        if not field:
            raise SystemExit(f"--set {item!r}: write op.field=value (e.g. reward_model.min_val_accuracy=0.6)")
        config.setdefault(op, {})[field] = _value(value)
    return config or None


def _value(text: str):
    """JSON first (so 1e-4 is a number, which YAML 1.1 reads as a string), else YAML (bare words, lists)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return yaml.safe_load(text)


def _sql(args: argparse.Namespace) -> int:
    from gpt_assets.catalog import query
    from gpt_assets.lake import Lake

    columns, rows = query(Lake(data_root()).catalog, args.query)
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
