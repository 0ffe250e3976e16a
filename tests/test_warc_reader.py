"""The resilient WARC reader: every kind of damage gives one Damage and the rest of the file is read."""

from pathlib import Path

import pytest

from gpt_assets.ingest.warc import Damage, Record, iter_records, iter_records_resilient
from gpt_assets.ingest.web import read_web_pages
from gpt_assets.webtext.urls import normalize_url
from tests.builders import gz, members, response, wet

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-samples"

RECORDS = [wet(f"http://site{i}.example/page", f"page {i} " + "lorem ipsum " * (20 + i)) for i in range(8)]
WARCINFO = b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 4\r\n\r\nabcd\r\n\r\n"


def _read(tmp_path, data: bytes, fast: bool = True) -> list:
    path = tmp_path / "x.warc.wet.gz"
    path.write_bytes(data)
    return list(iter_records(path) if fast else iter_records_resilient(path))


def _summary(items: list) -> list:
    return [(type(i).__name__, i.index, i.reason if isinstance(i, Damage) else i.header("WARC-Target-URI"))
            for i in items]


def _cases() -> dict[str, tuple[bytes, int]]:
    """name -> (file bytes, index of the damaged record or -1)."""
    lie_small = wet("http://site3.example/page", "page 3 " + "lorem ipsum " * 23, length=40)
    lie_big = wet("http://site3.example/page", "page 3 " + "lorem ipsum " * 23, length=4000)
    parts = [gz(r) for r in RECORDS]
    return {
        "clean": (members(WARCINFO, *RECORDS), -1),
        "one_gzip_stream": (gz(WARCINFO + b"".join(RECORDS)), -1),
        "content_length_too_small": (members(WARCINFO, *RECORDS[:3], lie_small, *RECORDS[4:]), 4),
        "content_length_too_large": (members(WARCINFO, *RECORDS[:3], lie_big, *RECORDS[4:]), 4),
        "lie_inside_one_stream": (gz(WARCINFO + b"".join(RECORDS[:3]) + lie_small + b"".join(RECORDS[4:])), 4),
        "truncated_member_mid_file": (gz(WARCINFO) + b"".join(parts[:4]) + parts[4][:30] + b"".join(parts[5:]), 5),
        "truncated_at_end": (gz(WARCINFO) + b"".join(parts[:7]) + parts[7][: len(parts[7]) // 2], 8),
        "garbage_between_members": (gz(WARCINFO) + b"".join(parts[:2]) + b"junk" * 20 + b"".join(parts[2:]), 3),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_damage_is_reported_once_and_reading_goes_on(tmp_path, name):
    data, damaged = _cases()[name]
    items = _read(tmp_path, data)
    damages = [i for i in items if isinstance(i, Damage)]
    records = [i for i in items if isinstance(i, Record)]
    if damaged < 0:
        assert damages == [] and len(records) == 9
    else:
        assert [d.index for d in damages] == [damaged]
        # every record other than the damaged one is still read, in order
        urls = [r.header("WARC-Target-URI") for r in records if r.type == "conversion"]
        expected = [f"http://site{i}.example/page" for i in range(8)]
        lost = {4: 3, 5: 4, 8: 7}.get(damaged)
        if lost is not None:
            expected.remove(f"http://site{lost}.example/page")
        assert urls == expected
    assert [i.index for i in items] == list(range(len(items)))


@pytest.mark.parametrize("name", list(_cases()))
def test_fast_path_gives_what_the_resilient_reader_gives(tmp_path, name):
    data, _ = _cases()[name]
    assert _summary(_read(tmp_path, data, fast=True)) == _summary(_read(tmp_path, data, fast=False))


def test_blocks_are_exact(tmp_path):
    items = _read(tmp_path, members(*RECORDS))
    assert items[2].block.decode() == "page 2 " + "lorem ipsum " * 22


def test_not_gzip_and_empty(tmp_path):
    assert _summary(_read(tmp_path, b"")) == []
    assert [type(i).__name__ for i in _read(tmp_path, b"WARC/1.0\r\nplain text, not gzip")] == ["Damage"]


@pytest.mark.parametrize("fast", [True, False])
def test_wget_angle_brackets_leave_the_target_uri(tmp_path, fast):
    lie = wet("<http://lie.example/>", "a record whose Content-Length lies", length=5)
    data = members(response("<https://a.example/x>", "<p>a</p>"), lie, response(" <http://b.example/> ", "<p>b</p>"))
    items = _read(tmp_path, data, fast=fast)
    assert [i.target_uri for i in items if isinstance(i, Record)] == ["https://a.example/x", "http://b.example/"]
    assert [i.detail for i in items if isinstance(i, Damage)] == ["http://lie.example/ declared 5"]


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-samples/ is absent")
def test_wget_warc_pages_have_bare_urls_that_normalize():
    path = REAL / "dolma_wget_sample-0000.warc.gz"
    for reader in (iter_records, iter_records_resilient):
        uris = [r.target_uri for r in reader(path) if isinstance(r, Record) and r.type == "response"]
        assert len(uris) == 22 and all(u.startswith("http") and normalize_url(u) for u in uris)
    rows = [r for r in read_web_pages(path) if isinstance(r, dict)]
    assert len(rows) == 22
    assert all(r["url"].startswith("http") and normalize_url(r["url"]) is not None for r in rows)


def test_wet_text_as_utf8_bytes_lands_as_the_same_string_column(tmp_path):
    """cc_documents reads payloads as checked UTF-8 bytes: the lake's text column is the decoded page, byte for byte,
    n_chars counts characters, and a payload that is not UTF-8 is still quarantined."""
    import polars as pl

    from gpt_assets.ingest.driver import ingest
    from gpt_assets.ingest.web import CC_DOCUMENTS_SCHEMA, read_wet
    from gpt_assets.lake import Lake

    pages = ["plain page " * 30, "caf\u00e9 \u2014 na\u00efve \u4e2d\u6587 " * 20]
    bad = wet("http://bad.example/", "x").replace(b"Content-Length: 1", b"Content-Length: 2").replace(b"x\r\n\r\n",
                                                                                                        b"\xff\xfe\r\n\r\n")
    path = tmp_path / "raw" / "x.warc.wet.gz"
    path.parent.mkdir()
    path.write_bytes(members(WARCINFO, *(wet(f"http://p{i}.example/", t) for i, t in enumerate(pages)), bad))
    as_bytes = [r for r in read_wet(path, "C", utf8_bytes=True) if isinstance(r, dict)]
    assert [r["text"] for r in as_bytes] == [t.encode() for t in pages]
    lake = Lake(tmp_path)
    result = ingest(lake, "cc_documents", CC_DOCUMENTS_SCHEMA, [(path, lambda p: read_wet(p, "C", utf8_bytes=True))],
                    "C", key=lambda r: r["doc_id"])
    frame = pl.read_parquet(lake.part_path("cc_documents", "C"))
    assert frame["text"].to_list() == pages and frame["n_chars"].to_list() == [len(t) for t in pages]
    rejects = pl.read_parquet(lake.part_path("ingest_rejects", "C", sub="cc_documents"))
    assert result.rows == 2 and rejects["reason"].to_list() == ["not_utf8"]
