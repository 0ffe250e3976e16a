"""The landing zone takes files as published: Common Crawl's crawl-data tree, Pushshift's .zst/.xz/.bz2, symlinks."""

import bz2
import lzma
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from gpt_assets.catalog import query
from gpt_assets.defs.ingest import cc_documents, ingest_rejects, reddit_submissions
from gpt_assets.ingest.landing import UNKNOWN_DETAIL, crawl_ids, files_of, reddit_months, scan
from gpt_assets.ingest.reddit import read_submissions
from gpt_assets.ingest.rejects import Reject
from gpt_assets.lake import Lake
from gpt_assets.partitions import cc_crawls
from gpt_assets.partitions import reddit_months as reddit_months_def
from gpt_assets.resources import DataRoot
from tests.builders import zst_long

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-samples"
pytestmark = pytest.mark.skipif(not REAL.exists(), reason="../shared/real-samples/ is absent")
SEGMENT = "crawl-data/CC-MAIN-2016-50/segments/1480698540409.8"
WET = f"{SEGMENT}/wet/CC-MAIN-20161202170900-00000-ip-10-31-129-80.ec2.internal.warc.wet.gz"
COMPRESS = {".zst": zst_long, ".xz": lzma.compress, ".bz2": lambda b: bz2.compress(b, compresslevel=1)}


def _ndjson() -> bytes:
    return (REAL / "reddit_RS_v2_2005-06.ndjson").read_bytes()


def _native(tmp: Path) -> Path:
    """raw/ with native layouts: a CC mirror root linked as raw/commoncrawl, a crawl-data link, Pushshift dumps."""
    raw, mirror, other = tmp / "raw", tmp / "mirror", tmp / "other-mirror"
    wet = mirror / WET
    wet.parent.mkdir(parents=True)
    shutil.copy(REAL / "cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz", wet)
    (mirror / SEGMENT / "wat").mkdir()
    (mirror / SEGMENT / "wat/x.warc.wat.gz").write_bytes(b"not read")
    (mirror / SEGMENT / "warc").mkdir()
    shutil.copy(REAL / "cc_CC-MAIN-2024-22_whirlwind.warc.gz", mirror / SEGMENT / "warc/x.warc.gz")
    (mirror / "crawl-data/CC-MAIN-2016-50/wet.paths.gz").write_bytes(b"not read")
    (mirror / SEGMENT / "loop").symlink_to(mirror / "crawl-data")  # a cycle
    crawl = other / "CC-MAIN-2024-22/segments/s1/wet"
    crawl.mkdir(parents=True)
    shutil.copy(REAL / "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz", crawl / "w.warc.wet.gz")
    (raw / "reddit").mkdir(parents=True)
    (raw / "commoncrawl").symlink_to(mirror, target_is_directory=True)
    (raw / "crawl-data").symlink_to(other, target_is_directory=True)
    (raw / "reddit/RS_v2_2005-06.xz").write_bytes(lzma.compress(_ndjson()))
    (raw / "reddit/RS_2005-06.bz2").write_bytes(bz2.compress(_ndjson()))  # the same month again
    (tmp / "RS_2005-07.zst").write_bytes(zst_long(_ndjson()))
    (raw / "reddit/RS_2005-07.zst").symlink_to(tmp / "RS_2005-07.zst")  # a file link
    (raw / "reddit/RC_2005-12.zst").write_bytes(zst_long(b'{"id": "c1"}\n'))
    (raw / "reddit/RS_2005-09.zst").symlink_to(tmp / "nowhere.zst")
    (raw / "notes.txt").write_text("a file the layout does not know")
    return raw


def test_native_layouts_are_classified(tmp_path):
    raw = _native(tmp_path)
    known, refused = scan(raw)
    found = {(f.source, f.path.relative_to(raw).as_posix(), f.key) for f in known}
    assert found == {
        ("commoncrawl", f"commoncrawl/{WET}", "CC-MAIN-2016-50"),
        ("commoncrawl", "crawl-data/CC-MAIN-2024-22/segments/s1/wet/w.warc.wet.gz", "CC-MAIN-2024-22"),
        ("reddit", "reddit/RS_v2_2005-06.xz", "2005-06"),
        ("reddit", "reddit/RS_2005-07.zst", "2005-07"),
    }
    why = {r.path.relative_to(raw).as_posix(): r.reason for r in refused}
    assert why == {
        f"commoncrawl/{SEGMENT}/wat/x.warc.wat.gz": "not_wet_file",
        f"commoncrawl/{SEGMENT}/warc/x.warc.gz": "not_wet_file",
        "commoncrawl/crawl-data/CC-MAIN-2016-50/wet.paths.gz": "not_wet_file",
        f"commoncrawl/{SEGMENT}/loop": "duplicate_folder",
        "reddit/RS_2005-06.bz2": "duplicate_month_dump",
        "reddit/RC_2005-12.zst": "comments_dump_not_used",
        "reddit/RS_2005-09.zst": "broken_symlink",
        "notes.txt": "unknown_file",
    }
    assert reddit_months(raw) == ["2005-06", "2005-07"]
    assert crawl_ids(raw) == ["CC-MAIN-2016-50", "CC-MAIN-2024-22"]
    assert [f.path.name for f in files_of(raw, "reddit", "2005-06")] == ["RS_v2_2005-06.xz"]


def test_refusals_say_why():
    assert "DESIGN" not in UNKNOWN_DETAIL and '"Landing zone"' in UNKNOWN_DETAIL and len(UNKNOWN_DETAIL) <= 500
    assert "crawl-data/" in UNKNOWN_DETAIL and "RS_[v2_]YYYY-MM" in UNKNOWN_DETAIL


@pytest.mark.parametrize("short", [
    "commoncrawl/CC-MAIN-2017-43/part-0.warc.wet.gz",
    "commoncrawl/CC-MAIN-2017-43/segments/s/wet/part-0.warc.wet.gz",  # raw/commoncrawl linked to crawl-data/
    "crawl-data/CC-MAIN-2017-43/segments/s/wet/part-0.warc.wet.gz",
])
def test_every_commoncrawl_form_gives_the_crawl_id(tmp_path, short):
    path = tmp_path / "raw" / short
    path.parent.mkdir(parents=True)
    shutil.copy(REAL / "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz", path)
    assert crawl_ids(tmp_path / "raw") == ["CC-MAIN-2017-43"]


@pytest.mark.parametrize("name", ["RS_2005-06.zst", "RS_2005-06.xz", "RS_v2_2005-06.bz2", "RS_2005-06",
                                  "submissions/RS_2005-06.ndjson"])
def test_every_pushshift_form_reads_all_103_lines_identically(tmp_path, name):
    path = tmp_path / "raw/reddit" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(COMPRESS.get(path.suffix, bytes)(_ndjson()))
    [found] = files_of(tmp_path / "raw", "reddit")
    assert found.key == "2005-06"
    rows = list(read_submissions(found.path, found.key))
    assert len(rows) == 103 and not any(isinstance(r, Reject) for r in rows)
    plain = tmp_path / "plain.ndjson"
    plain.write_bytes(_ndjson())
    expected = list(read_submissions(plain, "2005-06"))
    assert [{**r, "source_file": ""} for r in rows] == [{**r, "source_file": ""} for r in expected]


@pytest.mark.parametrize("suffix", [".xz", ".bz2"])
def test_a_cut_or_corrupt_dump_gives_one_damage_reject(tmp_path, suffix):
    data = COMPRESS[suffix](_ndjson())
    for reason, damaged in (("truncated_file", data[: len(data) * 3 // 4]),
                            ("corrupt_stream", data[:200] + bytes(64) + data[264:])):
        path = tmp_path / f"RS_2005-06{suffix}"
        path.write_bytes(damaged)
        items = list(read_submissions(path, "2005-06"))
        rejects = [i for i in items if isinstance(i, Reject)]
        assert [r.reason for r in rejects] == [reason], rejects
        assert rejects[0].position == len(items)  # the line after the last one given
        if reason == "truncated_file" and suffix == ".xz":
            assert len(items) > 50  # what was read before the cut is kept


def test_scan_does_not_loop_on_symlink_cycles(tmp_path):
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    (raw / "a/b").symlink_to(raw, target_is_directory=True)
    (raw / "c").symlink_to(raw / "a", target_is_directory=True)
    os.symlink("../c", raw / "a/d")  # a relative link to a folder already read
    known, refused = scan(raw)
    assert known == [] and {r.reason for r in refused} == {"duplicate_folder"}


def test_materialize_reddit_and_cc_on_the_native_layout(tmp_path):
    raw = _native(tmp_path)
    from gpt_assets.definitions import RESOURCES

    resources = {**RESOURCES, "data": DataRoot(path=str(tmp_path))}
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(reddit_months_def.name, reddit_months(raw))
        instance.add_dynamic_partitions(cc_crawls.name, crawl_ids(raw))
        for asset, key in ((reddit_submissions, "2005-06"), (cc_documents, "CC-MAIN-2016-50")):
            assert dg.materialize([asset], partition_key=key, instance=instance, resources=resources).success
        assert dg.materialize([ingest_rejects], instance=instance, resources=resources).success
    catalog = Lake(tmp_path).catalog

    def sql(q: str) -> list[tuple]:
        return query(catalog, q)[1]

    assert sql("select source_file, count(*) from reddit_submissions group by all") == [
        ("reddit/RS_v2_2005-06.xz", 103)]
    assert sql("select crawl, source_file, count(*) from cc_documents group by all") == [
        ("CC-MAIN-2016-50", f"commoncrawl/{WET}", 25)]
    reasons = dict(sql("select file, reason from ingest_rejects where asset = 'landing_zone'"))
    assert reasons["reddit/RS_2005-06.bz2"] == "duplicate_month_dump"
    assert reasons["reddit/RC_2005-12.zst"] == "comments_dump_not_used"
    assert reasons[f"commoncrawl/{SEGMENT}/wat/x.warc.wat.gz"] == "not_wet_file"
