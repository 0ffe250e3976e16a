"""Helpers shared by the asset modules: metadata formatting and the drops table."""

import dagster as dg
import polars as pl
import pyarrow as pa

from gpt_assets.resources import DataRoot

DROPS = "document_drops"  # one part per stage (and partition): doc_id, source, reason


def check_result(name: str, passed: bool, failure: str, asset: str | None = None,
                 **metadata) -> dg.AssetCheckResult:
    """A check result whose description, when it fails, says what was measured against what and what to do."""
    return dg.AssetCheckResult(check_name=name, asset_key=asset, passed=bool(passed), metadata=metadata,
                               description=None if passed else failure)


def md_cell(value: object, width: int = 160) -> str:
    """One table cell: floats to 4 significant digits, line breaks and pipes escaped, long text cut."""
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value).replace("|", "\\|").replace("\r", "").replace("\n", " ⏎ ")
    return text if len(text) <= width else text[: width - 1] + "…"


def md_dict(values: dict, key: str = "key", value: str = "value") -> dg.MetadataValue:
    """A flat ``{name: figure}`` as a two-column table (nested values as text)."""
    return dg.MetadataValue.md(md_table([{key: k, value: v} for k, v in values.items()]))


def md_table(rows: list[dict], limit: int = 50) -> str:
    """A markdown table for metadata a person reads at a glance."""
    if not rows:
        return "_none_"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md_cell(r[h]) for h in head) + " |" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"| … {len(rows) - limit} more |" + " |" * (len(head) - 1))
    return "\n".join(lines)


def image_md(path, alt: str = "plot") -> dg.MetadataValue:
    """A PNG embedded in Markdown metadata (a data URI), so the UI shows the picture itself, not a path."""
    import base64
    from pathlib import Path

    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{data})")


def curve_metadata(folder) -> dict:
    """``{"curve": <the run's curve.png, inline>}`` when the checkpoint folder has one."""
    from pathlib import Path

    png = Path(folder) / "curve.png"
    return {"curve": image_md(png, "training curve")} if png.exists() else {}


def column_schema(schema: pa.Schema | pl.Schema) -> dg.TableSchema:
    items = [(f.name, str(f.type)) for f in schema] if isinstance(schema, pa.Schema) else list(schema.items())
    return dg.TableSchema(columns=[dg.TableColumn(name, str(dtype)) for name, dtype in items])


def reason_counts(drops: pl.DataFrame) -> dict[str, int]:
    if drops.height == 0:
        return {}
    return {r: int(n) for r, n in drops.group_by("reason").len().sort("reason").iter_rows()}


def write_drops(data: DataRoot, stage: str, drops: pl.DataFrame, source: str | None,
                partition: str | None = None) -> None:
    """Record why each dropped document was dropped, queryable as the ``document_drops`` view (``source`` None:
    each drop's own ``source`` column)."""
    frame = drops.select(
        pl.lit(stage).alias("stage"), pl.col("source") if source is None else pl.lit(source).alias("source"),
        pl.lit(partition or "").alias("partition"),
        pl.col("doc_id"), pl.col("reason"))
    data.lake.write_frame(DROPS, frame, partition, sub=stage)


def part_metadata(schema: pa.Schema | pl.Schema, rows: int, data: DataRoot, asset: str, **extra) -> dict:
    """A table's row count, column schema and path (for a part written as a stream: no frame in memory)."""
    return {"dagster/row_count": rows, "dagster/column_schema": column_schema(schema),
            "path": dg.MetadataValue.path(str(data.lake.table_dir(asset))), **extra}


def table_metadata(frame: pl.DataFrame, data: DataRoot, asset: str, **extra) -> dict:
    return part_metadata(frame.schema, frame.height, data, asset, **extra)
