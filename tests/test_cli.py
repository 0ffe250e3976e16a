"""The ``gpt-assets`` command and the resources, as a user meets them."""

import hashlib

from gpt_assets.cli import format_table, main
from gpt_assets.resources import Compute


def test_sql_prints_a_table_of_the_catalog(lineage, monkeypatch, capsys):
    monkeypatch.setenv("GPT_ASSETS_DATA", str(lineage.root))
    assert main(["sql", "select month, count(*) as n from reddit_submissions group by month order by month"]) == 0
    out = capsys.readouterr().out
    assert "| month   | n   |" in out and "2017-10" in out and "2 rows" in out
    assert main(["sql", "select count(*) as n from prompt_pool", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "n"


def test_sample_world_command_is_deterministic(tmp_path, monkeypatch, capsys):
    sums = []
    for name in ("a", "b"):
        monkeypatch.setenv("GPT_ASSETS_DATA", str(tmp_path / name))
        assert main(["sample-world", "--scale", "tiny", "--seed", "3"]) == 0
        raw = tmp_path / name / "raw"
        sums.append({p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                     for p in sorted(raw.rglob("*")) if p.is_file()})
    assert sums[0] == sums[1] and len(sums[0]) > 10
    assert "reddit_lines" in capsys.readouterr().out


def test_format_table_cuts_long_cells():
    text = format_table(["a"], [("x" * 100,), (None,)], max_width=10)
    assert "xxxxxxxxx…" in text and "NULL" in text and "2 rows" in text


def test_compute_resource_picks_a_device():
    assert Compute(device="cpu").torch_device() == "cpu"
    assert Compute().torch_device() in ("cpu", "cuda")


def _catalog_with(root, *views: str) -> None:
    """A catalog holding one small view per name."""
    import polars as pl

    from gpt_assets.catalog import refresh_views

    for name in views:
        part = root / "lake" / name / "all.parquet"
        part.parent.mkdir(parents=True)
        pl.DataFrame({"id": ["a", "b"]}).write_parquet(part)
    refresh_views(root / "warehouse.duckdb", {v: str(root / "lake" / v / "*.parquet") for v in views})


def _sql_fails(query: str, capsys) -> str:
    assert main(["sql", query]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1, captured.err
    assert "Traceback" not in captured.err
    return captured.err.strip()


def test_sql_errors_are_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GPT_ASSETS_DATA", str(tmp_path))
    assert "no catalog at" in _sql_fails("select 1", capsys)
    _catalog_with(tmp_path, "reddit_submissions", "web_pages")
    assert main(["sql", "select count(*) as n from reddit_submissions"]) == 0 and "| 2 |" in capsys.readouterr().out
    assert _sql_fails("select * from cc_documents", capsys).endswith(
        "table cc_documents does not exist yet: materialize asset cc_documents (gpt-assets run --select cc_documents)")
    assert "materialize asset base_lm" in _sql_fails("select * from checkpoints", capsys)
    assert "base_lm is a model asset, not a table" in _sql_fails("select * from base_lm", capsys)
    assert _sql_fails("select * from nosuch", capsys).endswith(
        "no table or view named nosuch; available views: reddit_submissions, web_pages")
    assert "Parser Error: syntax error" in _sql_fails("selec 1", capsys)
    assert 'Binder Error: Referenced column "x" not found' in _sql_fails("select x from web_pages", capsys)
