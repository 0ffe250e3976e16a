"""The streamed quality stages: a crawl scored and filtered batch by batch gives what the whole crawl at once gives."""

import numpy as np
import polars as pl
import pytest

from gpt_assets.ingest.web import CC_DOCUMENTS_SCHEMA
from gpt_assets.lake import Lake, PartWriter
from gpt_assets.mixture import count_tokens
from gpt_assets.quality import ClassifierConfig, keep_probability, pareto_keep, train
from gpt_assets.quality_stage import StaleScores, filter_crawl, score_crawl

WORDS = ["model", "river", "theory", "history", "buy", "cheap", "click", "login", "casino", "deal"]


def _doc(i: int) -> dict:
    rng = np.random.default_rng(i)
    good = i % 3 != 0
    words = rng.choice(WORDS[:4] if good else WORDS[4:], size=20 + i)
    return {"doc_id": f"d{i:03d}", "crawl": "C", "url": f"http://x.example/{i}", "fetched_at": "",
            "text": " ".join(words), "n_chars": 0, "source_file": "f", "offset": i}


def _write_docs(lake: Lake, docs: list[dict]) -> None:
    path = lake.part_path("cc_documents", "C")
    with PartWriter(path, CC_DOCUMENTS_SCHEMA, batch_rows=8) as out:  # row groups of 8: batches cross them
        out.write_many(docs)


@pytest.fixture()
def crawl(tmp_path):
    lake = Lake(tmp_path)
    docs = [_doc(i) for i in range(53)]
    _write_docs(lake, docs)
    pos = [(f"p{i}", " ".join(WORDS[:4] * 5)) for i in range(30)]
    neg = [(f"n{i}", " ".join(WORDS[4:] * 5)) for i in range(30)]
    clf, _ = train(pos, neg, ClassifierConfig(epoch=5, min_count=1))
    clf.save(tmp_path / "model.bin")
    return lake, docs, clf, tmp_path / "model.bin"


def test_scores_and_the_filter_streamed_in_small_batches_match_the_whole_crawl_at_once(crawl):
    lake, docs, clf, model = crawl
    texts, ids = [d["text"] for d in docs], [d["doc_id"] for d in docs]
    whole = clf.score(texts)
    summary = score_crawl(lake, "C", model, "v1", rows=7)
    scores = pl.read_parquet(lake.part_path("cc_quality_scores", "C"))
    assert summary.documents == 53 and scores["doc_id"].to_list() == ids
    assert np.allclose(scores["score"].to_numpy(), whole) and set(scores["model_version"]) == {"v1"}
    assert summary.histogram.total == 53 and abs(summary.histogram.mean() - whole.mean()) < 1e-12

    r = filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5)
    keep = pareto_keep(ids, whole, 9.0, 0)
    kept = pl.read_parquet(lake.part_path("cc_filtered", "C"))
    drops = pl.read_parquet(lake.part_path("document_drops", "C", sub="cc_filtered"))
    assert kept["doc_id"].to_list() == [i for i, k in zip(ids, keep, strict=True) if k]
    assert sorted(drops["doc_id"]) == [i for i, k in zip(ids, keep, strict=True) if not k]
    assert set(drops["reason"]) <= {"pareto_rejected"} and set(drops["partition"]) <= {"C"}
    assert kept["n_tokens"].to_list() == [count_tokens(t) for t in kept["text"]]
    assert (r.scored, r.kept, r.dropped) == (53, int(keep.sum()), int((~keep).sum()))
    assert abs(r.expected - keep_probability(whole, 9.0).sum()) < 1e-9 and r.model_version == "v1"
    assert r.tokens == kept["n_tokens"].sum() and 0 < r.kept < 53


def test_scores_that_do_not_line_up_with_the_documents_stop_the_filter_and_write_nothing(crawl):
    lake, docs, clf, model = crawl
    score_crawl(lake, "C", model, "v1", rows=7)
    filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5)
    before = lake.part_path("cc_filtered", "C").read_bytes()
    _write_docs(lake, docs[:20] + [_doc(99)] + docs[21:])  # the crawl changed after it was scored
    with pytest.raises(StaleScores, match="does not line up"):
        filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5)
    _write_docs(lake, docs + [_doc(60)])  # a document more than scores
    with pytest.raises(StaleScores, match="fewer documents"):
        filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5)
    _write_docs(lake, docs[:30] + [_doc(99)] + docs[31:])  # in the last of several shards
    with pytest.raises(StaleScores, match="at document 30 .doc_id 'd099'"):
        filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5, shard_rows=12)
    assert lake.part_path("cc_filtered", "C").read_bytes() == before
    assert not list((lake.root / "scratch").rglob("*.parquet"))  # no shard file left behind


def _outputs(lake: Lake) -> list[pl.DataFrame]:
    return [pl.read_parquet(p) for p in (lake.part_path("cc_quality_scores", "C"), lake.part_path("cc_filtered", "C"),
                                         lake.part_path("document_drops", "C", sub="cc_filtered"))]


@pytest.mark.parametrize("shard_rows", [1, 8, 13])
def test_shards_in_any_number_give_the_same_parts_as_one(crawl, shard_rows):
    lake, docs, clf, model = crawl
    one = score_crawl(lake, "C", model, "v1", rows=7), filter_crawl(lake, "C", 9.0, 0, "document_drops",
                                                                   "cc_filtered", rows=5)
    expect = _outputs(lake)
    many = score_crawl(lake, "C", model, "v1", rows=7, shard_rows=shard_rows), filter_crawl(
        lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5, shard_rows=shard_rows)
    assert all(a.equals(b) for a, b in zip(expect, _outputs(lake), strict=True))
    assert one[0].documents == many[0].documents == 53
    assert np.array_equal(one[0].histogram.counts, many[0].histogram.counts)
    assert abs(one[0].histogram.mean() - many[0].histogram.mean()) < 1e-12
    for field in ("scored", "kept", "tokens", "model_version"):
        assert getattr(one[1], field) == getattr(many[1], field)
    assert abs(one[1].expected - many[1].expected) < 1e-9


def test_shards_on_a_local_ray_give_the_same_parts(crawl):
    from gpt_assets.shards import RayRunner

    ray = pytest.importorskip("ray")
    lake, docs, clf, model = crawl
    score_crawl(lake, "C", model, "v1", rows=7)
    filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5)
    expect = _outputs(lake)
    runner = RayRunner(workers=2)
    try:
        summary = score_crawl(lake, "C", model, "v1", rows=7, runner=runner, shard_rows=10)
        kept = filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5, runner=runner,
                            shard_rows=10)
        assert runner.workers == 2
        _write_docs(lake, docs[:40] + [_doc(99)] + docs[41:])
        with pytest.raises(StaleScores, match="at document 40 "):  # a task's error reaches the caller as itself
            filter_crawl(lake, "C", 9.0, 0, "document_drops", "cc_filtered", rows=5, runner=runner, shard_rows=10)
    finally:
        ray.shutdown()
    assert all(a.equals(b) for a, b in zip(expect, _outputs(lake), strict=True))
    assert summary.documents == 53 and kept.scored == 53


def test_the_classifiers_hash_sample_is_the_same_whatever_the_order_and_partitioning():
    import pyarrow as pa

    from gpt_assets.quality_stage import hash_sample

    docs = [(f"doc-{i}", f"text {i}") for i in range(1000)]

    def stream_of(rows, size):
        return lambda: (pa.table({"doc_id": [d for d, _ in rows[i:i + size]], "text": [t for _, t in rows[i:i + size]]})
                        for i in range(0, len(rows), size))

    a = hash_sample(stream_of(docs, 64), 100, seed=0)
    b = hash_sample(stream_of(docs[::-1], 300), 100, seed=0)  # another order, other batches
    assert len(a) == 100 and sorted(a) == sorted(b) and all(t == f"text {d[4:]}" for d, t in a)
    assert sorted(hash_sample(stream_of(docs, 64), 100, seed=1)) != sorted(a)  # the seed draws another sample
    assert sorted(hash_sample(stream_of(docs, 64), 5000, seed=0)) == sorted(docs)  # fewer than n: all of them
    assert hash_sample(stream_of(docs, 64), 0, seed=0) == []


def test_part_writer_bounds_a_batch_by_bytes_and_writes_nothing_on_failure(tmp_path):
    """Row groups close at batch_bytes of text (long pages do not fill memory up to batch_rows); the row groups are
    written on a thread in order; a write that fails raises at the writer's exit and leaves no part behind."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("doc_id", pa.string()), ("text", pa.string())])
    path = tmp_path / "t" / "p.parquet"
    with PartWriter(path, schema, batch_rows=1000, batch_bytes=10_000) as out:
        for i in range(50):
            out.write({"doc_id": f"d{i:02d}", "text": "w" * 1_000})
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 50 and meta.num_row_groups == 5  # 10 rows of ~1 KB each: 10 KB a row group
    assert pq.read_table(path)["doc_id"].to_pylist() == [f"d{i:02d}" for i in range(50)]

    bad = tmp_path / "t" / "bad.parquet"
    with pytest.raises(ValueError, match="schema does not match"), PartWriter(bad, schema) as out:
        out.write_table(pa.table({"doc_id": ["a"], "text": ["x"]}, schema=schema))
        out.write_table(pa.table({"doc_id": [1]}))  # wrong schema: fails on the writer thread
    assert not bad.exists() and not list(bad.parent.glob(".bad.parquet.*"))
