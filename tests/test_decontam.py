"""The batch decontamination engine against a plain Python reading of GPT-3 App. C, on real text."""

import gzip
import json
import random
import re

import numpy as np
import polars as pl
import pytest

from gpt_assets import decontam_stage
from gpt_assets.decontam import (
    BenchmarkIndex,
    DecontamConfig,
    KeyDocumentCounts,
    batch_grams,
    batch_tokens,
    cut,
    decontaminate,
    token_spans,
)
from tests.real_landing import REAL

N = 13


@pytest.fixture(scope="module")
def real():
    """Real documents (WET pages, Gutenberg and WikiText cut into 3,000-character pieces) and real benchmarks
    (LAMBADA passages, HellaSwag contexts), one document in seven holding a planted passage."""
    if not REAL.exists():
        pytest.skip("../shared/real-samples/ is absent")
    from gpt_assets.ingest.web import read_wet

    pages = [r["text"] for r in read_wet(REAL / "cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz", "x")
             if isinstance(r, dict)]
    books = json.loads(gzip.open(REAL / "gutenberg_3_books.jsonl.gz", "rt").readline())["text"][:300_000]
    wiki = (REAL / "wikitext2_valid.txt").read_text()[:200_000]
    prose = books + wiki
    lambada = [json.loads(line)["text"] for line in open(REAL / "bench_lambada_openai_test.jsonl")][:800]
    hellaswag = [json.loads(line)["ctx"] for line in open(REAL / "bench_hellaswag_val_1000.jsonl")][:300]
    rng = random.Random(0)
    docs = pages + [prose[i:i + 3000] for i in range(0, len(prose), 3000)]
    for i in range(0, len(docs), 7):
        at = rng.randrange(len(docs[i]) + 1)
        docs[i] = docs[i][:at] + " " + rng.choice(lambada) + " " + docs[i][at:]
    docs += ["İstanbul İzmir " * 30 + lambada[1] + " KELVIN end " * 40]  # lower() lengthens "İ"
    bench = [("lambada", t) for t in lambada] + [("hellaswag", t) for t in hellaswag]
    return docs, bench


def _naive_grams(text: str) -> list[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return [tuple(words[i:i + N]) for i in range(len(words) - N + 1)]


def test_batch_hits_are_exactly_the_shared_13grams(real):
    docs, bench = real
    keys = {g for _, t in bench for g in _naive_grams(t)}
    index = BenchmarkIndex.build(bench, N)
    assert len(index.keys) == len(keys)  # no two distinct 13-grams share a hash
    expect = {(d, p) for d, text in enumerate(docs) for p, g in enumerate(_naive_grams(text)) if g in keys}
    assert len(expect) > 500
    for size in (1, 5, 64, len(docs)):  # batch boundaries change nothing
        got = set()
        for start in range(0, len(docs), size):
            grams = batch_grams(batch_tokens(docs[start:start + size]), N)
            at = index.hits(grams.hashes)
            got |= set(zip((grams.doc[at] + start).tolist(), grams.pos[at].tolist(), strict=True))
        assert got == expect


def test_spans_line_up_with_tokens_when_lowering_changes_lengths():
    text = "Die İnsel, KELVIN und ǅemal: straße 42!"
    spans = token_spans(text)
    assert len(spans) == len(batch_tokens([text]).hashes)
    assert [text[a:b] for a, b in spans] == ["Die", "İ", "nsel", "KELVIN", "und", "emal", "stra", "e", "42"]


def test_cut_keeps_every_character_outside_the_windows(real):
    docs, bench = real
    index = BenchmarkIndex.build(bench, N)
    cfg = DecontamConfig()
    text = docs[-1]
    grams = batch_grams(batch_tokens([text]), N)
    at = index.hits(grams.hashes)
    spans = token_spans(text)
    start = spans[int(grams.pos[at].min())][0] - cfg.window_chars
    end = spans[int(grams.pos[at].max()) + N - 1][1] + cfg.window_chars
    result = decontaminate(text, index, cfg)
    assert result.windows == 1 and result.text == text[:start].strip() + "\n\n" + text[end:].strip()


def test_hits_of_common_keys_are_let_go_as_they_come():
    index = BenchmarkIndex.build([("b", "one two three four five six seven eight nine ten eleven twelve thirteen")], N)
    counts = KeyDocumentCounts(index, N, max_doc_frequency=10)
    leak = "one two three four five six seven eight nine ten eleven twelve thirteen"
    for _ in range(40):
        counts.add([f"{leak} filler"] * 5000)  # one key, 200,000 documents
    assert counts.common().tolist() == index.keys.tolist()
    assert counts._held <= 2 * 5000 + 65_536  # what is held does not grow with the stream
    assert len(counts.hits().rows) == 0


def test_stream_matches_the_in_memory_run_and_refuses_a_changed_input(real):
    docs, bench = real
    frame = pl.DataFrame({"source": "web", "doc_id": [f"d{i}" for i in range(len(docs))], "text": docs,
                          "n_tokens": [None] * len(docs)}, schema_overrides={"n_tokens": pl.Int64})
    benchmarks = pl.DataFrame(bench, schema=["benchmark", "text"], orient="row").with_columns(id=pl.lit("x"))
    one, report, drops = decontam_stage.run(frame, benchmarks, DecontamConfig())
    many, report2, drops2 = decontam_stage.run(frame, benchmarks, DecontamConfig(), batch_bytes=20_000)
    assert one.equals(many) and report.equals(report2) and drops.equals(drops2)
    assert one.height + drops.height == frame.height and one["n_tokens"].null_count() == 0
    assert one["decontaminated"].sum() + drops.height == report["documents_touched"].sum()
    calls = iter([[frame.head(100)], [frame.head(99)]])
    index = decontam_stage.index_for(benchmarks, DecontamConfig())
    with pytest.raises(decontam_stage.StreamChanged, match="read 99 documents, its first 100"):
        decontam_stage.decontaminate_stream(lambda: iter(next(calls)), index, DecontamConfig(), lambda batch: None)


def test_cut_merges_overlapping_windows():
    cfg = DecontamConfig()
    text = " ".join(f"w{i}" for i in range(400))
    r = cut(text, [100, 105, 300], ["a", "a", "b"], cfg)
    assert r.windows == 2 and r.benchmarks == {"a": 2, "b": 1}
    assert np.all([len(p) >= cfg.min_piece_chars for p in r.text.split("\n\n")])
