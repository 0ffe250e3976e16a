"""Fuzzy dedup (gpt_assets.dedup): datasketch compatibility, planted near-duplicates, cross-source removal,
incremental index, survivors, empty texts."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from gpt_assets import dedup as dd
from gpt_assets.dedup import signed as signed_module
from gpt_assets.dedup.synthetic import planted_corpus

TEXTS = [
    "The quick brown fox jumps over the lazy dog, again and again! And then? " * 3,
    "",
    "short one",
    "É l’été — “quoted” …x ok then what now",
    "a b c d e",
    "a b c d e f",
    "   ...   ",
    "Ünïcödé wörds, MIXED case & symbols $100 + 20% = more; tabs\tand\nnewlines",
]


def _frame(texts: list[str], source: str = "cc", partition: str = "p1", prefix: str = "d") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "doc_id": [f"{prefix}{k}" for k in range(len(texts))],
            "source": source,
            "partition": partition,
            "text": texts,
        }
    )


@pytest.fixture(scope="module")
def corpus() -> dd.synthetic.PlantedCorpus:  # type: ignore[name-defined]
    return planted_corpus(1500, seed=3)


def test_normalize() -> None:
    assert dd.normalize(["Hello,  World! Don't", "", None, "É l’été — “x”", "tab\tnew\nline", "ÀB_c"]) == [  # type: ignore[list-item]
        "hello world don t",
        "",
        "",
        "é l été x",
        "tab new line",
        "àb c",
    ]
    assert dd.shingle_strings("A b, c d e f", ngram=5) == ["a b c d e", "b c d e f"]
    assert dd.shingle_strings("A b!", ngram=5) == ["a b"]  # shorter than n: one shingle of all words
    assert dd.shingle_strings("...", ngram=5) == []


@pytest.mark.parametrize("scheme", ["affine32", "legacy"])
@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (16, 7)])
def test_signatures_equal_datasketch(scheme: str, num_perm: int, seed: int) -> None:
    sig = dd.signatures(TEXTS, num_perm, seed, hash="sha1", scheme=scheme, batch_size=3)
    assert sig.dtype == np.uint32 and sig.shape == (len(TEXTS), num_perm)
    for text, row in zip(TEXTS, sig, strict=True):
        m = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
        for shingle in dd.shingle_strings(text):
            m.update(shingle.encode("utf-8"))
        np.testing.assert_array_equal(m.hashvalues.astype(np.uint64), row.astype(np.uint64))
    a, b = dd.permutations(num_perm, seed, scheme)
    ds = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    np.testing.assert_array_equal(np.asarray(ds[0], dtype=np.uint64), a.astype(np.uint64))
    np.testing.assert_array_equal(np.asarray(ds[1], dtype=np.uint64), b.astype(np.uint64))


def test_signatures_fast_hash_deterministic_and_batch_invariant() -> None:
    one = dd.signatures(TEXTS, batch_size=4096)
    again = dd.signatures(pl.Series(TEXTS), batch_size=2)
    np.testing.assert_array_equal(one, again)
    np.testing.assert_array_equal(one, dd.signatures(TEXTS, batch_size=3, workers=2))
    empty = np.array([dd.normalize([t])[0] == "" for t in TEXTS])
    assert (one[empty] == 0xFFFFFFFF).all() and not (one[~empty] == 0xFFFFFFFF).all(axis=1).any()
    # Invisible to normalisation: case, punctuation, whitespace.
    a, b = dd.signatures(["One two, three four five six", "one TWO three...   four five six!"])
    np.testing.assert_array_equal(a, b)
    assert dd.signatures([], num_perm=8).shape == (0, 8)


@pytest.mark.parametrize("num_perm", [10, 64, 128])
def test_optimal_param_equals_datasketch(num_perm: int) -> None:
    for threshold in (0.3, 0.5, 0.7, 0.8, 0.9):
        for weights in ((0.5, 0.5), (0.2, 0.8)):
            assert dd.optimal_param(threshold, num_perm, *weights) == _optimal_param(threshold, num_perm, *weights)
    assert dd.DEFAULT.lsh_params == (9, 13)
    assert dd.GPT3.lsh_params == (10, 1) and dd.GPT3_OPTIMAL.lsh_params == (2, 5)


def test_candidate_pairs_fanout() -> None:
    keys = np.array([[5, 7, 5, 5, 9, 7]], dtype=np.uint64)
    i, j = dd.lsh.unpack(dd.candidate_pairs(keys))
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 2), (0, 3), (1, 5), (2, 3)]
    i, j = dd.lsh.unpack(dd.candidate_pairs(keys, fanout=1))
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 2), (0, 3), (1, 5)]
    r, t = dd.lsh.unpack(dd.cross_pairs(np.array([[7, 5]], np.uint64), np.array([[5, 1, 7]], np.uint64)))
    assert sorted(zip(r.tolist(), t.tolist(), strict=True)) == [(0, 2), (1, 0)]


def test_connected_components_match_brute_force() -> None:
    rng = np.random.default_rng(0)
    n = 300
    i, j = rng.integers(0, n, 200), rng.integers(0, n, 200)
    labels = dd.connected_components(n, i, j)
    reach = np.arange(n)
    for _ in range(n):  # brute-force min-label propagation
        new = reach.copy()
        np.minimum.at(new, i, reach[j])
        np.minimum.at(new, j, reach[i])
        if np.array_equal(new, reach):
            break
        reach = new
    np.testing.assert_array_equal(labels, reach)


def _exact_jaccard(a: str, b: str) -> float:
    sa, sb = set(dd.shingle_strings(a)), set(dd.shingle_strings(b))
    return len(sa & sb) / len(sa | sb)


def test_planted_near_duplicates_found(corpus) -> None:  # type: ignore[no-untyped-def]
    truth = corpus.truth_pairs()
    assert len(truth) > 200
    assert min(_exact_jaccard(corpus.texts[a], corpus.texts[b]) for a, b in truth) >= 0.8
    for config in (dd.DEFAULT, dd.DEFAULT.with_(hash="sha1")):
        labels = signed_module.cluster_labels(dd.sign(corpus.texts, config), config)
        precision, recall = dd.cluster_precision_recall(labels, truth)
        assert precision >= 0.95 and recall >= 0.9, (config.hash, precision, recall)
    gpt3 = signed_module.cluster_labels(dd.sign(corpus.texts, dd.GPT3), dd.GPT3)
    assert dd.cluster_precision_recall(gpt3, truth)[0] >= 0.95


def test_band_by_band_clusters_equal_all_pairs_at_once(corpus) -> None:  # type: ignore[no-untyped-def]
    texts = corpus.texts[:900] + [corpus.texts[5]] * 300 + ["", "   "] * 5  # a bucket of 301 exact copies, empties
    for config in (dd.DEFAULT, dd.DEFAULT.with_(verify=False)):
        s = dd.sign(texts, config)
        i, j = signed_module.verified_pairs(s, config)
        expect = dd.connected_components(len(texts), i, j)
        np.testing.assert_array_equal(signed_module.cluster_labels(s, config), expect)
        # incremental: documents from 700 on joined to the clusters of the first 700
        first = signed_module.cluster_labels(dd.sign(texts[:700], config), config)
        parent = np.concatenate([first, np.arange(700, len(texts))])
        i, j = signed_module.verified_pairs(s, config, min_j=700)
        np.testing.assert_array_equal(signed_module.cluster_labels(s, config, min_j=700, parent=parent),
                                      dd.connected_components(len(texts), i, j, parent))
    assert set(expect[900:1200].tolist()) == {5}  # the copies are one cluster, with the text they copy


def test_precision_recall() -> None:
    assert dd.precision_recall([(1, 2), (3, 4)], [(2, 1), (5, 6)]) == (0.5, 0.5)
    assert dd.cluster_pairs(np.array([0, 1, 0, 0, 4])) == {(0, 2), (0, 3), (2, 3)}
    assert dd.precision_recall([], []) == (1.0, 1.0)


def test_dedup_frame_survivor_rule_and_reasons() -> None:
    base = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau"
    frame = pl.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e", "f"],
            "source": ["cc", "cc", "books", "cc", "cc", "cc"],
            "partition": ["p1"] * 6,
            "text": [base, base + " upsilon", base + "!", "something else entirely here", "", base.upper()],
        }
    )
    out = dd.dedup(frame, dd.DEFAULT.with_(threshold=0.5))
    assert out.columns == list(dd.OUTPUT_COLUMNS) and out["doc_id"].to_list() == frame["doc_id"].to_list()
    rows = {r["doc_id"]: r for r in out.iter_rows(named=True)}
    # a, b, c, f are one cluster; longest text wins (b), source names break nothing here.
    assert {rows[k]["cluster_id"] for k in "abcf"} == {"b"}
    assert rows["b"]["kept"] and rows["b"]["reason"] == "cluster_survivor"
    assert [rows[k]["reason"] for k in "acf"] == ["near_duplicate_of:b"] * 3
    assert rows["d"]["reason"] == "unique" and rows["d"]["kept"]
    assert rows["e"]["reason"] == "empty" and rows["e"]["kept"]
    # Source priority comes first; then equal-length ties go to the smaller doc_id.
    out2 = dd.dedup(frame, dd.DEFAULT.with_(threshold=0.5, source_priority=("books",)))
    assert out2.filter(pl.col("kept"))["doc_id"].to_list() == ["c", "d", "e"]
    same = frame.with_columns(text=pl.lit(base))
    assert dd.dedup(same)["kept"].to_list() == [True] + [False] * 5
    assert dd.dedup(same.reverse())["kept"].to_list() == [False] * 5 + [True]


def test_empty_texts() -> None:
    frame = _frame(["", "   ", None, "!!!"])  # type: ignore[list-item]
    out = dd.dedup(frame)
    assert out["kept"].all() and set(out["reason"]) == {"empty"}
    assert out["cluster_id"].to_list() == frame["doc_id"].to_list()
    assert dd.dedup(_frame([])).height == 0


def test_cross_source_removal(corpus) -> None:  # type: ignore[no-untyped-def]
    texts = corpus.texts[:400]
    webtext = _frame(texts[:100], source="webtext", prefix="w")
    copies = [t.replace(" ", "  ", 3) + " extra" for t in texts[:30]]  # near-copies of webtext docs
    cc = _frame(copies + texts[200:400] + [texts[200]], prefix="c")
    # Planted relatives of WebText documents among texts[200:400] are near-copies as well.
    related = {f"c{30 + k}" for k in range(200) if corpus.cluster[200 + k] in set(corpus.cluster[:100])}
    out = dd.remove_reference_copies(cc, webtext)
    removed = out.filter(~pl.col("kept"))
    assert set(removed["doc_id"]) == {f"c{k}" for k in range(30)} | related
    assert removed["reason"].to_list()[:2] == ["webtext_copy:w0", "webtext_copy:w1"]
    assert {"c30", "c230"} - related == {"c30", "c230"} and out.filter(pl.col("doc_id").is_in(["c30", "c230"]))[
        "kept"
    ].all()  # a CC-internal duplicate pair is left alone
    # Combined: within-CC dedup plus WebText removal.
    both = dd.dedup(cc, reference=webtext)
    assert both.filter(pl.col("reason").str.starts_with("webtext_copy")).height >= 30
    pair = both.filter(pl.col("doc_id").is_in(["c30", "c230"]))
    assert pair["reason"].to_list() == ["near_duplicate_of:c230", "cluster_survivor"]  # "c230" < "c30"
    # Reference signatures can come precomputed (e.g. from an index).
    ref = dd.sign(webtext["text"], dd.DEFAULT)
    again = dd.remove_reference_copies(cc, ref, reference_ids=webtext["doc_id"])
    assert again.equals(out)


def test_incremental_equals_batch(corpus, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    texts = corpus.texts[:1200]
    p1 = _frame(texts[:700], partition="2019-01", prefix="a")
    p2 = _frame(texts[700:], partition="2019-02", prefix="b")
    batch = dd.dedup(pl.concat([p1, p2]))

    index = dd.DedupIndex(tmp_path / "idx")
    out1 = index.add(p1)
    assert out1.equals(dd.dedup(p1))

    signed_docs: list[int] = []
    real = signed_module.signatures

    def counting(texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        signed_docs.append(len(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(signed_module, "signatures", counting)
    reloaded = dd.DedupIndex(tmp_path / "idx")  # from disk
    out2 = reloaded.add(p2)
    assert signed_docs == [p2.height]  # partition 1 was loaded, not re-signed

    batch_labels = dd.cluster_pairs(batch["cluster_id"].rank("dense").to_numpy())
    index_labels = dd.cluster_pairs(reloaded.clusters())
    assert index_labels == batch_labels and len(batch_labels) > 50
    assert out2.equals(batch.slice(p1.height))
    # The index doubles as a precomputed reference set (e.g. WebText signed once).
    as_ref = dd.remove_reference_copies(p2.head(50), reloaded.signed(), reference_ids=reloaded.doc_ids())
    assert not as_ref["kept"].any() and as_ref["reason"].str.starts_with("webtext_copy:").all()
    with pytest.raises(ValueError, match="built with"):
        dd.DedupIndex(tmp_path / "idx", dd.GPT3)


def _slices(frame: pl.DataFrame, rows: int) -> list[pl.DataFrame]:
    return [frame.slice(lo, rows) for lo in range(0, frame.height, rows)]


def test_index_fed_in_batches_equals_one_frame_and_a_failed_stream_changes_nothing(corpus, tmp_path,
                                                                                   monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gpt_assets.dedup import index as index_module

    texts = corpus.texts[:1200]
    p1 = _frame(texts[:700], partition="2019-01", prefix="a")
    p2 = _frame(texts[700:], partition="2019-02", prefix="b")
    whole = dd.DedupIndex(tmp_path / "whole")
    expected = [whole.add(p1), whole.add(p2)]

    monkeypatch.setattr(index_module, "DECISION_ROWS", 37)  # decisions made 37 new documents at a time
    index = dd.DedupIndex(tmp_path / "batched")
    assert index.add(iter(_slices(p1, 97))).equals(expected[0])

    def failing():  # type: ignore[no-untyped-def]
        yield p2.head(50)
        raise OSError("a part could not be read")

    with pytest.raises(OSError, match="could not be read"):
        index.add(failing())
    assert index.n_docs == p1.height and not list((tmp_path / "batched").glob("part-00001*"))
    signed = ((f, dd.sign(f["text"], dd.DEFAULT)) for f in _slices(p2, 64))
    assert dd.DedupIndex(tmp_path / "batched").add_signed_to(signed, tmp_path / "p2.parquet") == p2.height
    assert pl.read_parquet(tmp_path / "p2.parquet").equals(expected[1])
    for name in ("part-00000.sig.npy", "part-00001.sig.npy", "part-00000.keys.npy", "part-00001.keys.npy",
                 "clusters.npy"):
        assert np.array_equal(np.load(tmp_path / "whole" / name), np.load(tmp_path / "batched" / name)), name


def test_index_crawls_streams_crawls_and_webtext_in_batches_with_the_same_decisions(corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import logging

    from gpt_assets.defs.dedup import DedupAssetConfig, index_crawls

    texts = corpus.texts[:900]
    webtext = _frame(texts[:150], source="webtext", prefix="w")
    copies = [t.replace(" ", "  ", 3) + " extra" for t in texts[:40]]  # near-copies of WebText documents
    cc = pl.concat([_frame(copies + texts[300:600], source="commoncrawl", partition="CC-1", prefix="c"),
                    _frame(texts[600:900] + copies[:5], source="commoncrawl", partition="CC-2", prefix="e"),
                    _frame(copies[5:12], source="commoncrawl", partition="CC-15", prefix="g")])  # only copies, 2nd
    cfg = DedupAssetConfig()
    ids = cc.select("partition", "doc_id")

    def run(folder, batched: bool) -> pl.DataFrame:  # type: ignore[no-untyped-def]
        def load(crawl):  # type: ignore[no-untyped-def]
            part = cc.filter(pl.col("partition") == crawl)
            return iter(_slices(part, 53)) if batched else part

        def reference():  # type: ignore[no-untyped-def]
            return iter(_slices(webtext, 31)) if batched else webtext

        return index_crawls(folder, ids, load, reference, cfg.dedup_config(), cfg, logging.getLogger("test"))

    whole, streamed = run(tmp_path / "whole", False), run(tmp_path / "streamed", True)
    assert streamed.equals(whole)
    removed = streamed.filter(pl.col("reason").str.starts_with("webtext_copy:"))
    assert removed.height >= 52 and set(removed["partition"]) == {"CC-1", "CC-15", "CC-2"}
    assert removed.filter(pl.col("partition") == "CC-15").height == 7  # an empty part, then one after it
    assert streamed.filter(pl.col("reason").str.starts_with("near_duplicate_of:")).height > 0
    assert streamed.height == cc.height and streamed["doc_id"].n_unique() == cc.height
    assert not list(tmp_path.rglob("webtext_signatures"))  # the reference's signatures are scratch


def test_band_store_clusters_equal_the_in_memory_ones(corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gpt_assets.dedup.bandstore import BandStore, cluster_store

    texts = corpus.texts[:900] + [corpus.texts[7]] * 200 + ["", "  "] * 4
    for config in (dd.DEFAULT, dd.DEFAULT.with_(threshold=0.75, weights=(0.2, 0.8))):  # (9, 13) + rest, (16, 8)
        s = dd.sign(texts, config)
        folder = tmp_path / f"store-{config.lsh_params}"
        store = BandStore.create(folder, config)
        for lo in range(0, len(texts), 256):  # appended in batches
            store.append(s.sig[lo:lo + 256])
        reopened = BandStore.open(folder)
        assert reopened.n == len(texts) and reopened.empty().tolist() == s.empty.tolist()
        for b in range(reopened.bands):
            np.testing.assert_array_equal(reopened.keys(b), s.keys[b])
        labels = cluster_store(reopened, config)
        np.testing.assert_array_equal(labels, signed_module.cluster_labels(s, config))
        assert dd.cluster_precision_recall(labels[:900], dd.cluster_pairs(np.asarray(corpus.cluster[:900])))[1] >= 0.9
    with pytest.raises(ValueError, match="built with"):
        cluster_store(reopened, dd.GPT3)


def test_streamed_dedup_equals_the_frame_dedup(corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gpt_assets.dedup.stream import dedup_stream

    texts = corpus.texts[:700] + [corpus.texts[3]] * 50 + ["", None, "  "]
    frame = _frame(texts).with_columns(pl.Series("partition", [f"p{k % 3}" for k in range(len(texts))]))
    for config in (dd.DEFAULT, dd.DEFAULT.with_(threshold=0.75, weights=(0.2, 0.8))):
        streamed = dedup_stream(lambda: (frame.slice(lo, 97) for lo in range(0, frame.height, 97)), config,
                                tmp_path / "scratch")
        assert streamed.equals(dd.dedup(frame, config))
        assert not (tmp_path / "scratch").exists()  # the signatures are removed after
    empty = dedup_stream(lambda: iter([]), dd.DEFAULT, tmp_path / "scratch")
    assert empty.height == 0 and empty.columns == list(dd.OUTPUT_COLUMNS)
