"""Plain-function stage logic: URLs, karma rule, decontamination, Pareto rule, mixture, prompts."""

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from gpt_assets.decontam import BenchmarkIndex, DecontamConfig, count_documents_per_key, decontaminate
from gpt_assets.mixture import MixtureConfig, count_tokens, sample
from gpt_assets.prompts.clean import CleanConfig, clean
from gpt_assets.prompts.pii import scrub
from gpt_assets.prompts.splits import SplitConfig, SplitTooLarge, quotas, split
from gpt_assets.quality import pareto_keep, roc_auc
from gpt_assets.webtext.links import LinkRule, webtext_links
from gpt_assets.webtext.urls import normalize_url


@pytest.mark.parametrize("url", [
    "HTTP://WWW.Example.com/news/story/?utm_source=twitter&b=2&a=1#comments",
    "https://example.com/news/story?a=1&b=2",
    "https://m.example.com/news/story/?fbclid=xyz&a=1&b=2",
    "http://example.com:80/news/story?b=2&a=1&ref=front",
])
def test_url_variants_normalize_to_one_key(url):
    assert normalize_url(url) == "example.com/news/story?a=1&b=2"


def test_path_case_is_kept_and_non_http_is_rejected():
    assert normalize_url("https://example.com/A") != normalize_url("https://example.com/a")
    assert normalize_url("ftp://example.com/a") is None
    assert normalize_url("not a url") is None


def _subs(rows):
    ts = int(datetime(2017, 10, 5, tzinfo=UTC).timestamp())
    return pl.DataFrame([{"id": str(i), "url": u, "score": s, "is_self": selfp, "created_utc": ts + i,
                          "subreddit": "x"} for i, (u, s, selfp) in enumerate(rows)]).lazy()


def test_karma_rules_per_submission_and_summed():
    subs = _subs([("https://a.com/x", 2, False), ("http://www.a.com/x/", 2, False),  # sums to 4
                  ("https://b.com/y", 5, False), ("https://en.wikipedia.org/wiki/Z", 50, False),
                  ("https://www.reddit.com/r/x/comments/1", 9, True), ("https://i.imgur.com/p.jpg", 9, False)])
    per, reasons = webtext_links(subs, LinkRule())
    assert per["url_key"].to_list() == ["b.com/y"]
    assert reasons["wikipedia"] == 1 and reasons["self_post"] == 1 and reasons["non_document_host"] == 1
    summed, _ = webtext_links(subs, LinkRule(karma_rule="summed"))
    assert summed["url_key"].to_list() == ["a.com/x", "b.com/y"]
    assert summed.filter(pl.col("url_key") == "a.com/x")["n_submissions"][0] == 2


def test_cutoff_drops_later_links():
    late = pl.DataFrame([{"id": "1", "url": "https://b.com/y", "score": 5, "is_self": False, "subreddit": "x",
                          "created_utc": int(datetime(2017, 12, 2, tzinfo=UTC).timestamp())}]).lazy()
    links, reasons = webtext_links(late, LinkRule())
    assert links.height == 0 and reasons["after_cutoff"] == 1


LEAK = "the old lighthouse keeper counted forty ships passing the northern cape before the storm finally arrived"


def test_decontamination_removes_the_window_and_keeps_clean_text():
    index = BenchmarkIndex.build([("lambada_like", LEAK)], 13)
    before, after = "A calm account of the harbour. " * 20, " Afterwards the town rebuilt its docks. " * 20
    doc = before + LEAK.upper().replace(" ", ",  ") + "!" + after  # case and punctuation do not hide it
    result = decontaminate(doc, index, DecontamConfig())
    assert result.benchmarks == {"lambada_like": len(LEAK.split()) - 12} and result.windows == 1 and result.pieces == 2
    assert "LIGHTHOUSE" not in result.text and "harbour" in result.text and "docks" in result.text
    assert len(result.text) < len(doc) - len(LEAK) - 300  # the 200-char windows went too


def test_decontamination_drops_short_pieces_and_shredded_documents():
    index = BenchmarkIndex.build([("b", LEAK)], 13)
    assert decontaminate("short intro. " + LEAK + " short end.", index, DecontamConfig()).text is None
    shredded = ("x" * 250 + " " + LEAK + " ") * 12
    assert decontaminate(shredded, index, DecontamConfig()).text is None  # 12+ pieces > 10


def test_common_thirteen_grams_are_ignored():
    index = BenchmarkIndex.build([("b", LEAK)], 13)
    docs = [f"doc {i} " * 50 + LEAK for i in range(12)]
    counts = count_documents_per_key(docs, index, 13)
    common = [h for h, n in counts.items() if n > DecontamConfig().max_doc_frequency]
    assert len(common) == len(LEAK.split()) - 12 and not len(index.drop(common).keys)


def test_pareto_rule_is_per_document_and_matches_numpy_pareto_distribution():
    ids = [f"d{i}" for i in range(20000)]
    scores = np.full(len(ids), 0.5)
    keep = pareto_keep(ids, scores, 9.0, 0)
    expected = (np.random.default_rng(0).pareto(9.0, 200_000) > 0.5).mean()
    assert abs(keep.mean() - expected) < 0.01
    assert (pareto_keep(ids[::-1], scores, 9.0, 0) == keep[::-1]).all()  # order does not matter
    assert pareto_keep(["a"], np.array([1.0]), 9.0, 0).all()  # score 1 always kept


def test_roc_auc():
    assert roc_auc(np.array([1, 1, 0, 0]), np.array([0.9, 0.8, 0.1, 0.2])) == 1.0
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5


def test_mixture_shares_follow_the_weights_and_report_epochs():
    rows = []
    for source, n, tok in [("commoncrawl", 3000, 100), ("webtext", 600, 100), ("books1", 40, 1000),
                           ("books2", 40, 1000), ("wikipedia", 500, 100)]:
        rows += [(source, f"{source}-{i}", "t", tok) for i in range(n)]
    docs = pl.DataFrame(rows, orient="row", schema=["source", "doc_id", "text", "n_tokens"])
    mix, summary = sample(docs, MixtureConfig())
    cfg = MixtureConfig()
    total = sum(cfg.weights.values())
    for row in summary.iter_rows(named=True):
        assert abs(row["share"] - cfg.weights[row["source"]] / total) < 0.01
    webtext = summary.filter(pl.col("source") == "webtext").row(0, named=True)
    assert webtext["epochs"] > 1 and mix.filter(pl.col("source") == "webtext")["copy"].max() >= 1
    again, _ = sample(docs, MixtureConfig())
    assert again.equals(mix)


def test_token_count_tracks_words():
    assert count_tokens("Hello, world! It's a test.") == 9  # Hello , world ! It 's a test .


def test_pii_kinds_are_replaced():
    text, found = scrub("Mail jane.roe@example.org, call (555) 123-4567, card 4111 1111 1111 1111, "
                        "visit 12 Oak Lane; order 1234567890123 stays.")
    assert "[EMAIL]" in text and "[PHONE]" in text and "[CARD]" in text and "[ADDRESS]" in text
    assert "1234567890123" in text and set(found) == {"email", "phone", "card", "address"}


def _pool(n_users=60, per_user=30, heavy=1):
    rows = []
    for u in range(n_users):
        count = 260 if u < heavy else per_user
        for j in range(count):
            source = "labeler" if u % 3 == 0 else "api"
            rows.append({"prompt_id": f"p{u}-{j}", "user_id": f"u{u}", "source": source,
                         "created_at": datetime(2021, 1, 1, tzinfo=UTC),
                         "text": f"Prompt {j} of user {u}: do a thing."})
    return pl.DataFrame(rows)


def test_clean_caps_users_and_dedups_long_prefixes():
    pool = _pool()
    dup = pool.head(1).with_columns(pl.lit("dup").alias("prompt_id"), pl.lit(datetime(2021, 2, 1, tzinfo=UTC))
                                    .alias("created_at"),
                                    pl.lit("Prompt 0 of user 0: do a thing. And more.").alias("text"))
    kept, drops, meta = clean(pl.concat([pool, dup]), CleanConfig(prefix_chars=20))
    assert kept.group_by("user_id").len()["len"].max() <= 200
    assert meta["dropped_user_cap"] == 60 and meta["users_capped"] == 1
    assert "dup" in drops.filter(pl.col("reason").str.starts_with("shared_prefix"))["prompt_id"].to_list()


def test_splits_are_disjoint_by_user_and_sized_by_table6():
    pool = _pool(n_users=400, per_user=30, heavy=0)
    sizes = {"sft": 600, "rm": 1500, "ppo": 1400}
    out, meta = split(pool, SplitConfig(sizes=sizes, val_user_share=0.1, test_user_share=0.1))
    counts = dict(out.group_by("split").len().iter_rows())
    assert {k: counts[k] for k in sizes} == sizes
    users = {s: set(out.filter(pl.col("split") == s)["user_id"]) for s in ("val", "test")}
    train_users = set(out.filter(pl.col("split").is_in(list(sizes)))["user_id"])
    assert not (users["val"] & users["test"]) and not (train_users & (users["val"] | users["test"]))
    assert out.filter(pl.col("split") == "ppo")["source"].unique().to_list() == ["api"]
    q = quotas(sizes)
    assert out.filter((pl.col("split") == "sft") & (pl.col("source") == "labeler")).height == q["sft"]["labeler"]
    with pytest.raises(SplitTooLarge, match="Sizes that fit"):
        split(pool, SplitConfig(sizes={"sft": 6000, "rm": 1500, "ppo": 1400}))


def test_a_relative_redirect_leads_to_its_page():
    from gpt_assets.webtext.documents import resolve_pages

    pages = pl.DataFrame({"url": ["http://a.example/old", "http://a.example/new"], "record_id": ["1", "2"],
                          "fetched_at": ["2017-01-01", "2017-01-01"], "http_status": [301, 200],
                          "is_html": [False, True], "html": [None, "<p>hi</p>"], "location": ["/new", None]})
    links = pl.DataFrame({"url_key": ["a.example/old"], "url": ["http://a.example/old"]})
    links = links.with_columns(pl.col("url").map_elements(normalize_url, return_dtype=pl.String).alias("url_key"))
    assert resolve_pages(links, pages)["page_url"].to_list() == ["http://a.example/new"]


def test_mixture_takes_whole_documents_closest_to_each_target_and_renormalizes_missing_sources():
    from gpt_assets.mixture import take

    assert take(np.array([10, 10, 10]), 14) == (0, 1)  # 10 is closer to 14 than 20
    assert take(np.array([10, 10, 10]), 16) == (0, 2)
    assert take(np.array([10, 10, 10]), 35) == (1, 0)
    assert take(np.array([6800]), 426) == (0, 0)  # one book far bigger than its share: none rather than 16x
    rows = [("commoncrawl", f"cc-{i}", "t", 100) for i in range(60)] + \
           [("webtext", f"wt-{i}", "t", 100) for i in range(30)] + [("books1", "b-0", "t", 6800)]
    docs = pl.DataFrame(rows, orient="row", schema=["source", "doc_id", "text", "n_tokens"])
    _, summary = sample(docs, MixtureConfig())
    by = {r["source"]: r for r in summary.iter_rows(named=True)}
    assert by["books2"]["tokens"] == 0 and by["wikipedia"]["weight"] == 0.0  # no documents: weight spread
    assert abs(sum(r["weight"] for r in by.values()) - 1.0) < 1e-9
    assert by["commoncrawl"]["epochs"] == 1.0 and by["books1"]["max_doc_tokens"] == 6800
    for r in by.values():
        assert abs(r["tokens"] - r["target"]) <= max(1, r["max_doc_tokens"] / 2)


def test_keep_rule_interval_and_deciles():
    from gpt_assets.defs.quality import rule_interval
    from gpt_assets.quality import expected_keep, keep_probability
    from gpt_assets.quality_stage import ScoreHistogram

    low = np.full(25, 0.05)  # 25 pages a classifier finds CC-like: ~0.5% kept each
    mean, lo, hi = rule_interval(low, 9.0, 4.0)
    assert lo == 0 and mean < 1 < hi  # keeping none of them is what the rule expects
    assert abs(expected_keep(np.array([1.0, 0.0]), 9.0) - (1 + 2**-9) / 2) < 1e-12
    scores = np.linspace(0, 1, 1000)
    keep = pareto_keep([str(i) for i in range(1000)], scores, 9.0, 0)
    hist = ScoreHistogram()
    for part in np.array_split(np.arange(1000), 7):  # batch by batch, as the filter streams a crawl
        hist.add(scores[part], keep[part], keep_probability(scores[part], 9.0))
    rows = hist.deciles()
    assert len(rows) == 10 and sum(r["documents"] for r in rows) == 1000
    assert all(90 <= r["documents"] <= 110 for r in rows)
    assert rows[0]["score_min"] == 0.0 and rows[-1]["score_max"] == 1.0
    assert all(a["score_max"] < b["score_min"] for a, b in zip(rows, rows[1:], strict=False))
    assert rows[-1]["expected"] > 10 * rows[0]["expected"] and rows[-1]["kept"] > rows[0]["kept"]
    assert abs(rows[0]["expected"] - expected_keep(scores[:rows[0]["documents"]], 9.0)) < 1e-4
    assert abs(hist.mean() - 0.5) < 1e-12
    assert np.allclose(hist.quantiles(np.array([0, 0.5, 1])), [0, 0.5, 1], atol=0.002)


def test_the_reward_model_blocks_only_when_its_pairs_show_it_at_chance():
    from gpt_assets.defs.rlhf import wilson_interval

    lo, hi = wilson_interval(0.48, 104)  # a coin flip's worth from 0.5 on 104 pairs: cannot block
    assert lo < 0.48 < 0.5 < hi
    assert wilson_interval(0.40, 104)[1] < 0.5  # clearly worse than chance (chosen/rejected swapped?): blocks
    assert wilson_interval(0.53, 10_000)[0] > 0.5


def test_markdown_tables_keep_one_row_per_line_and_short_floats():
    from gpt_assets.defs.common import md_table

    text = md_table([{"answer": "line one\nline | two", "score": 0.123456789}])
    rows = text.splitlines()
    assert len(rows) == 3 and rows[2] == "| line one ⏎ line \\| two | 0.1235 |"


def test_seen_ids_finds_every_repeat_across_batches_like_a_set():
    import random

    from gpt_assets.ingest.ids import SeenIds

    rng = random.Random(0)
    seen, reference = SeenIds(), set()
    for size in [1, 7, 1024, 3, 500, 2048, 0, 64] * 6:  # batches of every size: runs merge as they fill
        batch = [f"id-{rng.randrange(6000)}" for _ in range(size)]
        expect = []
        for i in batch:
            expect.append(i not in reference)
            reference.add(i)
        assert seen.fresh(batch).tolist() == expect
    assert len(seen) == len(reference) and len(seen._runs) <= 16


@pytest.mark.parametrize("max_words", [1, 3, 512])
def test_fasttext_line_reads_a_prefix_but_makes_the_whole_texts_line(max_words):
    import re

    from gpt_assets.ingest.web import read_wet
    from gpt_assets.quality import fasttext_line
    from tests.real_landing import REAL

    if not REAL.exists():
        pytest.skip("../shared/real-samples/ is absent")
    pages = [r["text"] for r in read_wet(REAL / "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz", "x") if isinstance(r, dict)]
    texts = pages[:20] + [
        "", "   ", "One", "Two  Words\n", "x" * 20_000 + " tail", "\u00a0lead\u2003Space\tTAB\n" * 400,
        " ".join(["word"] * max_words), " ".join(["w"] * (max_words + 1)), "ÄÖ İstanbul " * 300]
    for t in texts:
        assert fasttext_line(t, max_words) == " ".join(re.split(r"\s+", t.lower().strip())[:max_words]).strip()


def test_gather_writes_the_plans_rows_in_its_order_from_several_parts(tmp_path):
    from gpt_assets.lake import gather

    rng = np.random.default_rng(0)
    parts = []
    for k in range(3):
        ids = [f"d{k}-{i}" for i in range(2000)]
        frame = pl.DataFrame({"source": ["a", "b"] * 1000, "doc_id": ids,
                              "text": ["".join(rng.choice(list("xyz "), 600)) for _ in ids]})
        frame.write_parquet(tmp_path / f"p{k}.parquet")
        parts.append(frame)
    docs = pl.concat(parts)
    pick = rng.integers(0, docs.height, 9000)  # repeats, any order
    plan = docs[pick].select("source", "doc_id").with_columns(copy=pl.Series(np.arange(9000) % 3, dtype=pl.Int32))
    out = tmp_path / "out" / "mix.parquet"
    rows = gather(plan, sorted(tmp_path.glob("p*.parquet")), ["source", "doc_id"], ["text"], out,
                  memory_limit="20MB")
    got = pl.read_parquet(out)
    assert rows == 9000 and got.columns == ["source", "doc_id", "text", "copy"]
    assert got.select("source", "doc_id", "copy").equals(plan) and got["text"].equals(docs[pick]["text"])
