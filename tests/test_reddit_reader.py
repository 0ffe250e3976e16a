"""Pushshift dumps: long-window zstd, streaming, and a quarantine row for every kind of bad line."""

import pytest
import zstandard

from gpt_assets.ingest.reddit import read_submissions
from gpt_assets.ingest.rejects import Reject
from tests.builders import ndjson, submission, zst_long


def _read(tmp_path, data: bytes) -> tuple[list[dict], list[Reject]]:
    path = tmp_path / "RS_2017-10.zst"
    path.write_bytes(data)
    items = list(read_submissions(path, "2017-10"))
    return [i for i in items if not isinstance(i, Reject)], [i for i in items if isinstance(i, Reject)]


def test_long_window_dump_needs_the_large_decoder_window(tmp_path):
    data = zst_long(ndjson([submission(i) for i in range(50)]))
    with pytest.raises(zstandard.ZstdError):
        zstandard.ZstdDecompressor().decompressobj().decompress(data)
    rows, rejects = _read(tmp_path, data)
    assert len(rows) == 50 and rejects == []
    assert rows[3]["id"] == "s3" and rows[3]["month"] == "2017-10" and rows[3]["line"] == 4


def test_every_bad_line_is_quarantined_with_its_reason(tmp_path):
    objs = [
        submission(0),
        b'{"id": "cut", "url": "http://x',  # not JSON
        submission(2, url=None),
        submission(3, score="12"),
        b'{"id": "s4", "title": "caf\xe9", "url": "http://x", "score": 1, "created_utc": 1}',  # latin-1 byte
        b"[1, 2, 3]",
        submission(6, created_utc="1506816006"),  # digit string: accepted, as in real dumps
        submission(7, created_utc="yesterday"),
        submission(8),
    ]
    del objs[2]["url"]
    rows, rejects = _read(tmp_path, zst_long(ndjson(objs)))
    assert [r["id"] for r in rows] == ["s0", "s6", "s8"]
    assert rows[1]["created_utc"] == 1506816006
    assert [(r.position, r.reason) for r in rejects] == [
        (2, "invalid_json"), (3, "missing_url"), (4, "score_not_int"), (5, "not_utf8"),
        (6, "not_an_object"), (8, "bad_created_utc")]
    assert len(rows) + len(rejects) == len(objs)


def test_truncated_dump_keeps_what_was_read_and_says_where_it_broke(tmp_path):
    data = zst_long(ndjson([submission(i, title="t" * 200) for i in range(2000)]))
    rows, rejects = _read(tmp_path, data[: len(data) // 2])
    assert 0 < len(rows) < 2000
    assert len(rejects) == 1 and rejects[0].reason == "truncated_file"
    assert rejects[0].position == len(rows) + 1


def test_empty_file_and_empty_frame(tmp_path):
    assert _read(tmp_path, b"")[1][0].reason == "empty_file"
    assert _read(tmp_path, zst_long(b""))[1][0].reason == "empty_file"


def test_two_frames_are_read_across(tmp_path):
    data = zst_long(ndjson([submission(0)])) + zst_long(ndjson([submission(1)]))
    rows, rejects = _read(tmp_path, data)
    assert [r["id"] for r in rows] == ["s0", "s1"] and rejects == []
