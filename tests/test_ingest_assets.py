"""Ingestion assets, materialized for real in a test Dagster instance, over a landing zone of bad input."""

import gzip
import hashlib
import json

import dagster as dg
import pytest

from gpt_assets.catalog import query
from gpt_assets.definitions import ASSETS, RESOURCES, defs
from gpt_assets.lake import Lake
from gpt_assets.resources import DataRoot
from gpt_assets.runner import plan, run
from tests.builders import members, ndjson, response, submission, wet, zst_long


def _landing_zone(raw):
    (raw / "reddit").mkdir(parents=True)
    good = [submission(i) for i in range(200)]
    bad = [b"not json", submission(900, score="7"), b"\xff\xfe{}"]
    (raw / "reddit/RS_2017-10.zst").write_bytes(zst_long(ndjson(good + bad)))
    cut = zst_long(ndjson([submission(i, title=hashlib.sha256(str(i).encode()).hexdigest() * 4) for i in range(3000)]))
    (raw / "reddit/RS_2017-11.zst").write_bytes(cut[: len(cut) // 3])  # a truncated download
    (raw / "webpages").mkdir()
    pages = [response(f"http://news.example/{i}", f"<html><p>article {i}</p></html>") for i in range(30)]
    pages.insert(5, wet("http://lie.example/", "a record whose Content-Length lies", length=5))
    pages.append(response("http://gone.example/", "not found", status=404))
    (raw / "webpages/pages-0.warc.gz").write_bytes(members(*pages))
    crawl = raw / "commoncrawl/CC-MAIN-2017-43"
    crawl.mkdir(parents=True)
    docs = [members(wet(f"http://cc.example/{i}", f"common crawl page {i} " * 30)) for i in range(40)]
    docs[7] = docs[7][:25]  # a truncated gzip member inside the file
    (crawl / "part-0.warc.wet.gz").write_bytes(b"".join(docs))
    (crawl / "part-1.warc.wet.gz").write_bytes(b"")  # an empty file
    mirror = raw / "commoncrawl/CC-MAIN-2017-47"  # one WET file landed twice under two names
    mirror.mkdir(parents=True)
    once = b"".join(members(wet(f"http://twice.example/{i}", f"a page landed twice {i} " * 20)) for i in range(6))
    (mirror / "part-0.warc.wet.gz").write_bytes(once)
    (mirror / "part-0-copy.warc.wet.gz").write_bytes(once)
    ref = raw / "reference/wikipedia"
    ref.mkdir(parents=True)
    lines = [json.dumps({"id": str(i), "title": f"T{i}", "text": f"article {i}"}) for i in range(50)]
    lines.append(json.dumps({"id": "no-text"}))
    (ref / "wiki-0.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode(), mtime=0))
    (raw / "prompts").mkdir()
    prompts = [{"prompt_id": f"p{i}", "user_id": f"u{i % 5}", "source": "api" if i % 3 else "labeler",
                "created_at": "2021-01-01T00:00:00Z", "text": f"Write a poem about {i}."} for i in range(60)]
    prompts.append({"prompt_id": "bad", "user_id": "u1", "source": "email", "created_at": "2021-01-01T00:00:00Z",
                    "text": "x"})
    (raw / "prompts/prompts-0.jsonl").write_bytes(ndjson(prompts))
    again = {**prompts[3], "text": "Another prompt under an id already used."}
    (raw / "prompts/prompts-1.jsonl").write_bytes(ndjson([again, {**prompts[0], "prompt_id": "p-new"}]))
    (raw / "benchmarks").mkdir()
    (raw / "benchmarks/lambada_like.jsonl").write_bytes(ndjson([{"id": str(i), "text": f"t {i}"} for i in range(9)]))
    (raw / "notes.txt").write_text("a file the layout does not know")


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    _landing_zone(root / "raw")
    lake = Lake(root)
    resources = {**RESOURCES, "data": DataRoot(path=str(root))}
    with dg.instance_for_test() as instance:
        outcomes = run(defs, ASSETS, resources, instance, lake, "group:ingest", log=lambda _: None)
        checks = {(asset, name, o.partition or ""): ok for o in outcomes for (asset, name), ok in o.checks.items()}
        yield lake, outcomes, checks


def _sql(lake, sql):
    return query(lake.catalog, sql)[1]


def test_runs_go_on_past_bad_input(materialized):
    lake, outcomes, _ = materialized
    by = {(tuple(o.assets), o.partition): o.success for o in outcomes}
    # a truncated month and a crawl holding an empty file fail their blocking check; the rest succeed
    failed = {k for k, ok in by.items() if not ok}
    assert failed == {(("reddit_submissions",), "2017-11"), (("cc_documents",), "CC-MAIN-2017-43")}
    assert by[(("ingest_rejects",), None)]


def test_reject_share_check_fails_only_where_a_file_is_mostly_rejected(materialized):
    lake, outcomes, checks = materialized
    assert checks[("reddit_submissions", "files_complete", "2017-11")] is False  # truncated
    assert checks[("reddit_submissions", "reject_share", "2017-11")] is True
    assert checks[("reddit_submissions", "reject_share", "2017-10")] is True  # 3 of 203 lines bad
    assert checks[("reddit_submissions", "files_complete", "2017-10")] is True
    assert checks[("cc_documents", "files_complete", "CC-MAIN-2017-43")] is False  # the empty file
    assert checks[("cc_documents", "reject_share", "CC-MAIN-2017-43")] is False  # the empty file is all reject
    assert checks[("web_pages", "reject_share", "")] is True
    assert all(v for (asset, name, _), v in checks.items() if name == "counts_reconcile")
    # what was read before the cut is kept, and the cut is quarantined
    rows = _sql(lake, "select count(*) from reddit_submissions where month = '2017-11'")[0][0]
    assert 0 < rows < 3000


def test_every_bad_record_is_quarantined_with_file_position_and_reason(materialized):
    lake, _, _ = materialized
    rejects = _sql(lake, "select asset, file, position, reason from ingest_rejects order by asset, file, position")
    reasons = {(a, f, r) for a, f, _, r in rejects}
    assert ("reddit_submissions", "reddit/RS_2017-10.zst", "invalid_json") in reasons
    assert ("reddit_submissions", "reddit/RS_2017-10.zst", "score_not_int") in reasons
    assert ("reddit_submissions", "reddit/RS_2017-10.zst", "not_utf8") in reasons
    assert ("reddit_submissions", "reddit/RS_2017-11.zst", "truncated_file") in reasons
    assert ("web_pages", "webpages/pages-0.warc.gz", "damaged_warc_record") in reasons
    assert ("cc_documents", "commoncrawl/CC-MAIN-2017-43/part-0.warc.wet.gz", "damaged_warc_record") in reasons
    assert ("cc_documents", "commoncrawl/CC-MAIN-2017-43/part-1.warc.wet.gz", "empty_file") in reasons
    assert ("reference_documents", "reference/wikipedia/wiki-0.jsonl.gz", "missing_text") in reasons
    assert ("prompt_pool", "prompts/prompts-0.jsonl", "unknown_source") in reasons
    assert ("landing_zone", "notes.txt", "unknown_file") in reasons


def test_counts_reconcile_in_the_catalog(materialized):
    lake, _, _ = materialized
    assert _sql(lake, "select count(*) from reddit_submissions where month='2017-10'")[0][0] == 200
    assert _sql(lake, "select count(*) from web_pages")[0][0] == 31
    assert _sql(lake, "select count(*) from web_pages where http_status = 404")[0][0] == 1
    assert _sql(lake, "select count(*) from cc_documents where crawl = 'CC-MAIN-2017-43'")[0][0] == 39
    assert _sql(lake, "select count(*) from reference_documents")[0][0] == 50
    assert _sql(lake, "select count(*) from prompt_pool")[0][0] == 61
    assert _sql(lake, "select count(*) from benchmark_examples")[0][0] == 9


def test_a_second_copy_of_a_record_is_quarantined_and_every_table_stays_unique_on_its_id(materialized):
    lake, outcomes, checks = materialized
    # the copy of a WET file: its six records are quarantined as duplicate_id, the crawl keeps each document once
    assert _sql(lake, "select count(*), count(distinct doc_id) from cc_documents where crawl = 'CC-MAIN-2017-47'") \
        == [(6, 6)]
    rows = _sql(lake, "select file, reason, count(*) from ingest_rejects where asset = 'cc_documents' and "
                      "partition = 'CC-MAIN-2017-47' group by all")
    assert rows == [("commoncrawl/CC-MAIN-2017-47/part-0.warc.wet.gz", "duplicate_id", 6)] or rows == [
        ("commoncrawl/CC-MAIN-2017-47/part-0-copy.warc.wet.gz", "duplicate_id", 6)]
    # a copy is not bad input: the partition succeeds, and its records reconcile
    assert checks[("cc_documents", "reject_share", "CC-MAIN-2017-47")] is True
    assert checks[("cc_documents", "counts_reconcile", "CC-MAIN-2017-47")] is True
    # a prompt id used again in another file: the first kept, the second quarantined with its line
    assert _sql(lake, "select text from prompt_pool where prompt_id = 'p3'") == [("Write a poem about 3.",)]
    assert _sql(lake, "select file, position, reason from ingest_rejects where asset = 'prompt_pool' and "
                      "reason = 'duplicate_id'") == [("prompts/prompts-1.jsonl", 1, "duplicate_id")]
    unique = {(a, p): ok for (a, name, p), ok in checks.items() if name == "unique_ids"}
    assert len(unique) == 11 and all(unique.values())  # every ingestion asset and partition


def test_plan_runs_partitioned_ingestion_before_the_rejects_summary():
    stages = plan(defs, "group:ingest")
    first = {k.to_user_string() for _, keys in stages[0] for k in keys}
    assert "reddit_submissions" in first and "cc_documents" in first
    assert [k.to_user_string() for _, keys in stages[-1] for k in keys] == ["ingest_rejects"]
