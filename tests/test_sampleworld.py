"""The embedded sample world: determinism, formats, planted kinds and ground truth (tiny scale)."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import html
import io
import json
import os
import random
import re
import zlib
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
import warcio.archiveiterator as wa
import zstandard as zstd
from fastwarc.warc import ArchiveIterator, WarcRecordType

from gpt_assets.prompts.clean import CleanConfig, clean, prefix_key
from gpt_assets.prompts.pii import scrub
from gpt_assets.prompts.splits import SplitConfig, quotas, split
from gpt_assets.sampleworld import SCALES, TRUTH_NAMES, load_truth, load_world, write_sample_world
from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.benchmarks import ngrams
from gpt_assets.sampleworld.catalog import canonical_url, month_bounds
from gpt_assets.sampleworld.commoncrawl import CC_KINDS, QUALITY
from gpt_assets.sampleworld.formats import conversion_record, gzip_bytes, read_zstd, sha1_b32, warc_record
from gpt_assets.sampleworld.prompts import CATEGORY_SHARES, write_prompts
from gpt_assets.sampleworld.text import jaccard
from gpt_assets.sampleworld.world import derive_seed, read_truth_rows


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("world")
    write_sample_world(root / "raw", root / "truth", "tiny", seed=0)
    return root


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _members(path: Path) -> list[bytes]:
    """Decompress every gzip member of a file separately."""
    data, out, pos = path.read_bytes(), [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        out.append(d.decompress(data[pos:]) + d.flush())
        pos = len(data) - len(d.unused_data)
    return out


def _wet_texts(raw: Path) -> dict[str, str]:
    texts = {}
    for f in sorted((raw / "commoncrawl").rglob("*.warc.wet.gz")):
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh, record_types=WarcRecordType.conversion):
                texts[rec.record_id] = rec.reader.read().decode("utf-8")
    return texts


# ------------------------------------------------------------------------------------------ determinism
def test_same_seed_gives_identical_bytes(world: Path, tmp_path: Path) -> None:
    counts = write_sample_world(tmp_path / "raw", tmp_path / "truth", "tiny", seed=0)
    assert counts["prompts"] == 3000
    assert _digests(world / "raw") == _digests(tmp_path / "raw")
    assert _digests(world / "truth") == _digests(tmp_path / "truth")


def test_different_seed_gives_different_world(world: Path, tmp_path: Path) -> None:
    write_sample_world(tmp_path / "raw", tmp_path / "truth", "tiny", seed=1)
    a, b = _digests(world / "raw"), _digests(tmp_path / "raw")
    common = set(a) & set(b)
    assert common and all(a[k] != b[k] for k in common)


def test_components_have_independent_seeds(world: Path, tmp_path: Path) -> None:
    smaller = dataclasses.replace(SCALES["tiny"], prompts=1000, benchmark_examples=10)
    write_sample_world(tmp_path / "raw", tmp_path / "truth", smaller, seed=0)
    a, b = _digests(world / "raw"), _digests(tmp_path / "raw")
    for k in a:
        if k.startswith(("reddit/", "webpages/", "reference/")):
            assert a[k] == b[k], k
    assert a["prompts/2021-Q1.jsonl"] != b["prompts/2021-Q1.jsonl"]


def test_rewrite_removes_only_stale_sample_files(tmp_path: Path) -> None:
    three = dataclasses.replace(
        SCALES["tiny"],
        reddit_months=("2017-10", "2017-11", "2017-12"),
        reddit_per_month=50,
        prompts=300,
        cc_records_per_crawl=40,
        web_records=20,
    )
    raw = tmp_path / "raw"
    write_sample_world(raw, tmp_path / "truth", three)
    (raw / "reddit" / "RS_2005-06.zst").write_bytes(b"user data")
    assert (raw / "reddit" / "RS_2017-12.zst").exists()
    write_sample_world(
        raw, tmp_path / "truth", dataclasses.replace(three, reddit_months=("2017-10", "2017-11"))
    )
    assert not (raw / "reddit" / "RS_2017-12.zst").exists()
    assert (raw / "reddit" / "RS_2005-06.zst").read_bytes() == b"user data"


# ------------------------------------------------------------------------------------------ truth files
def test_truth_files_load_with_schemas(world: Path) -> None:
    for name in TRUTH_NAMES:
        df = load_truth(world / "truth", name)
        assert df.height > 0, name
    w = load_world(world / "truth")
    assert w["scale"] == "tiny" and w["seed"] == 0
    assert w["planted_proportions"]["commoncrawl_target"] == dict(CC_KINDS)
    for f in w["files"]:
        assert (world / "raw" / f).is_file()
    for f in (world / "truth").glob("*.gz"):
        assert f.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime 0


# ------------------------------------------------------------------------------------------ reddit
def test_reddit_dump_needs_long_window(world: Path) -> None:
    path = world / "raw" / "reddit" / "RS_2017-10.zst"
    with open(path, "rb") as fh, pytest.raises(zstd.ZstdError):
        zstd.ZstdDecompressor().stream_reader(fh).read()
    with open(path, "rb") as fh:
        data = zstd.ZstdDecompressor(max_window_size=2**31).stream_reader(fh).read()
    assert data.count(b"\n") > 300


def test_reddit_lines_match_truth(world: Path) -> None:
    truth = load_truth(world / "truth", "reddit")
    kinds = Counter(truth["kind"])
    for k in (
        "link",
        "self",
        "wikipedia",
        "media",
        "malformed_truncated",
        "malformed_not_json",
        "malformed_missing_url",
        "malformed_score_string",
        "malformed_bad_utf8",
    ):
        assert kinds[k] > 0, k
    for month in SCALES["tiny"].reddit_months:
        lines = read_zstd(world / "raw" / "reddit" / f"RS_{month}.zst").split(b"\n")[:-1]
        t = truth.filter(pl.col("month") == month).sort("line")
        assert len(lines) == t.height
        for line, row in zip(lines, t.iter_rows(named=True), strict=True):
            kind = row["kind"]
            if kind in ("malformed_truncated", "malformed_not_json", "malformed_bad_utf8"):
                with pytest.raises(ValueError):
                    json.loads(line)
                continue
            obj = json.loads(line)
            assert obj["id"] == row["id"] and obj["created_utc"] == row["created_utc"]
            lo, hi = month_bounds(month)
            assert lo <= obj["created_utc"] < hi
            if kind == "malformed_missing_url":
                assert "url" not in obj
            elif kind == "malformed_score_string":
                assert obj["score"] == str(row["score"])
            else:
                assert obj["score"] == row["score"] and obj["url"] == row["url"]
                assert re.fullmatch(r"[0-9a-z]+", obj["id"])
            if kind == "self":
                assert (
                    obj["is_self"]
                    and obj["selftext"]
                    and obj["url"] == "https://www.reddit.com" + obj["permalink"]
                )


def test_reddit_planted_link_structure(world: Path) -> None:
    t = load_truth(world / "truth", "reddit")
    scores = t["score"]
    assert scores.median() <= 2 and scores.max() >= 500
    links = t.filter(pl.col("kind") == "link")
    # every variant of a target's URL normalizes to one URL, and variants of every kind occur
    per_target = links.group_by("target_id").agg(pl.col("canonical_url").n_unique().alias("n"))
    assert per_target["n"].max() == 1
    for url, canon in zip(links["url"], links["canonical_url"], strict=True):
        assert canonical_url(url) == canon
    variants = set(links["url_variant"])
    assert {"utm", "fbclid", "ref", "host_case", "scheme", "trailing_slash", "fragment"} <= variants
    # resubmissions: several submissions each < 3 whose sum passes 3
    g = links.group_by("target_id").agg(
        pl.len().alias("n"), pl.col("score").max().alias("mx"), pl.col("score").sum().alias("sum")
    )
    assert g.filter((pl.col("n") >= 3) & (pl.col("mx") < 3) & (pl.col("sum") >= 3)).height >= 3
    wiki = t.filter(pl.col("kind") == "wikipedia")["url"].to_list()
    assert any("//en.wikipedia.org/" in u for u in wiki) and any("//en.m.wikipedia.org/" in u for u in wiki)
    media = " ".join(t.filter(pl.col("kind") == "media")["url"].to_list())
    assert "i.imgur.com" in media and "youtu" in media


# ------------------------------------------------------------------------------------------ WARC / WET
def _check_content_lengths(path: Path) -> int:
    n = 0
    for member in _members(path):
        head, _, rest = member.partition(b"\r\n\r\n")
        m = re.search(rb"\r\nContent-Length: (\d+)\r\n", head + b"\r\n")
        assert m, head
        length = int(m.group(1))
        assert len(rest) == length + 4 and rest.endswith(b"\r\n\r\n")
        n += 1
    return n


def test_webpage_warcs_parse_and_lengths_are_exact(world: Path) -> None:
    files = sorted((world / "raw" / "webpages").glob("*.warc.gz"))
    assert len(files) >= 2
    truth = load_truth(world / "truth", "webpages")
    responses = {}
    for f in files:
        assert _check_content_lengths(f) > 0
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh, record_types=WarcRecordType.response):
                responses[rec.record_id] = (
                    rec.headers["WARC-Target-URI"],
                    rec.http_headers.status_code,
                    rec.http_headers.get("Content-Type"),
                    rec.reader.read(),
                    rec.http_headers.get("Location"),
                )
        with open(f, "rb") as fh:
            types = [r.rec_type for r in wa.ArchiveIterator(fh, check_digests="raise")]
        assert types[0] == "warcinfo" and "request" in types and "response" in types
    assert len(responses) == truth.height
    kinds = Counter(truth["kind"])
    for k in ("article", "mirror", "near_duplicate", "error_status", "non_html"):
        assert kinds[k] > 0, k
    assert {200, 301, 404, 500} <= set(truth["status"])
    assert "iso-8859-1" in set(truth["charset"].drop_nulls())
    for row in truth.iter_rows(named=True):
        url, status, ctype, body, location = responses[row["record_id"]]
        assert url == row["url"] and status == row["status"] and ctype == row["content_type"]
        if status == 301:
            assert location == row["redirect_to"]
        if row["main_text"]:
            page = body.decode(row["charset"])
            for para in row["main_text"].split("\n\n"):
                assert html.escape(para, quote=False) in page
        if row["kind"] == "non_html":
            assert body[:4] in (b"%PDF", b"\xff\xd8\xff\xe0")
    # mirrors: same main text as another page under a different URL
    texts = (
        truth.filter(pl.col("main_text").is_not_null())
        .group_by("article_id")
        .agg(pl.col("kind"), pl.col("main_text").n_unique().alias("n"), pl.col("url").n_unique().alias("u"))
    )
    mirrored = texts.filter(pl.col("kind").list.contains("mirror"))
    assert mirrored.height > 0 and (mirrored["u"] >= 2).all()


def test_web_pages_cover_linked_urls(world: Path) -> None:
    web = load_truth(world / "truth", "webpages")
    links = load_truth(world / "truth", "reddit").filter(pl.col("kind") == "link")
    linked = set(links["url"])
    fetched = web.filter(pl.col("redirect_from").is_null())
    assert set(fetched["url"]) <= linked  # pages are fetched at the URL as linked
    assert len(set(links["target_id"])) > len(set(web["target_id"]))  # not every link has a page


def test_wet_files_parse_like_common_crawl(world: Path) -> None:
    for crawl in ("CC-MAIN-2017-43", "CC-MAIN-2017-47"):
        files = sorted((world / "raw" / "commoncrawl" / crawl).glob("*.warc.wet.gz"))
        assert len(files) >= 2
        for f in files:
            assert _check_content_lengths(f) > 1
            with open(f, "rb") as fh:
                recs = list(ArchiveIterator(fh, parse_http=False))
            assert recs[0].record_type == WarcRecordType.warcinfo
            with open(f, "rb") as fh:
                first = next(iter(ArchiveIterator(fh, parse_http=False)))
                assert f"isPartOf: {crawl}" in first.reader.read().decode()
            with open(f, "rb") as fh:
                for rec in ArchiveIterator(fh, record_types=WarcRecordType.conversion, parse_http=False):
                    h = rec.headers
                    block = rec.reader.read()
                    assert h["Content-Type"] == "text/plain" and h["WARC-Refers-To"].startswith("<urn:uuid:")
                    assert h["WARC-Block-Digest"] == sha1_b32(block)
                    assert h["WARC-Date"].startswith("2017-1")
            with open(f, "rb") as fh:
                assert sum(1 for _ in wa.ArchiveIterator(fh, check_digests="raise")) == len(recs)


def test_cc_kinds_at_planted_proportions(world: Path) -> None:
    cc = load_truth(world / "truth", "commoncrawl")
    n_per_crawl = SCALES["tiny"].cc_records_per_crawl
    for crawl in ("CC-MAIN-2017-43", "CC-MAIN-2017-47"):
        got = Counter(cc.filter(pl.col("crawl") == crawl)["kind"])
        for kind, share in CC_KINDS:
            assert abs(got[kind] - share * n_per_crawl) <= 1.01, (crawl, kind, got[kind])
    for kind, label in zip(cc["kind"], cc["quality_label"], strict=True):
        assert QUALITY[kind] == label
    assert set(cc["lang"]) >= {"en", "es", "de", "fr"}


def test_cc_near_duplicates_and_copies(world: Path) -> None:
    cc = load_truth(world / "truth", "commoncrawl")
    texts = _wet_texts(world / "raw")
    nd = cc.filter(pl.col("kind") == "near_duplicate")
    clusters = nd.group_by("dup_cluster_id").agg(pl.len().alias("n"), pl.col("crawl").n_unique().alias("c"))
    assert clusters["n"].min() >= 2
    assert (clusters["c"] == 2).any() and (clusters["c"] == 1).any()
    for row in nd.iter_rows(named=True):
        assert 0.5 <= row["jaccard_to_source"] <= 1.0
    base = {
        r["source_text_id"]: texts[r["record_id"]]
        for r in nd.iter_rows(named=True)
        if r["text_id"] == r["source_text_id"]
    }
    for r in nd.filter(pl.col("text_id") != pl.col("source_text_id")).head(10).iter_rows(named=True):
        assert jaccard(base[r["source_text_id"]], texts[r["record_id"]]) > 0.4
    web = load_truth(world / "truth", "webpages")
    main = dict(zip(web["article_id"], web["main_text"], strict=True))
    copies = cc.filter(pl.col("kind") == "webtext_copy")
    assert copies.height > 0
    for r in copies.iter_rows(named=True):
        assert jaccard(main[r["webtext_article_id"]], texts[r["record_id"]]) > 0.5


# ------------------------------------------------------------------------------------------ benchmarks
def test_benchmarks_and_contamination_truth(world: Path) -> None:
    raw = world / "raw"
    examples = {}
    for name in ("lambada_like", "triviaqa_like", "hellaswag_like"):
        rows = [json.loads(x) for x in (raw / "benchmarks" / f"{name}.jsonl").read_text().splitlines()]
        assert len(rows) == SCALES["tiny"].benchmark_examples
        for r in rows:
            assert set(r) == {"id", "text"}
            assert len(r["text"].split()) >= (15 if name == "triviaqa_like" else 40)
            examples[r["id"]] = r["text"]
    gram_owner = {g: i for i, t in examples.items() for g in ngrams(t)}
    bt = load_truth(world / "truth", "benchmarks")
    planted = bt.filter(pl.col("planted"))
    assert planted.height > 0
    expected = dict(zip(planted["record_id"], planted["example_id"], strict=True))
    for rid, text in _wet_texts(raw).items():
        hits = {gram_owner[g] for g in ngrams(text) if g in gram_owner}
        assert hits == ({expected[rid]} if rid in expected else set()), rid
    for f in (raw / "reference").rglob("*.jsonl.gz"):
        with gzip.open(f, "rt") as fh:
            for line in fh:
                assert not any(g in gram_owner for g in ngrams(json.loads(line)["text"]))


# ------------------------------------------------------------------------------------------ reference
def test_reference_corpora(world: Path) -> None:
    ref = load_truth(world / "truth", "reference")
    for corpus in ("books1", "books2", "wikipedia"):
        files = sorted((world / "raw" / "reference" / corpus).glob("*.jsonl.gz"))
        assert files
        rows = [json.loads(x) for f in files for x in gzip.open(f, "rt")]
        assert all(set(r) == {"id", "title", "text"} for r in rows)
        assert len(rows) == ref.filter(pl.col("corpus") == corpus).height
        assert ref.filter((pl.col("corpus") == corpus) & pl.col("near_dup_of").is_not_null()).height >= 1
    books = ref.filter(pl.col("corpus") == "books1")
    assert books["n_words"].median() >= 500
    assert set(ref.filter(pl.col("corpus") == "books1")["genre"]).isdisjoint(
        set(ref.filter(pl.col("corpus") == "books2")["genre"])
    )


# ------------------------------------------------------------------------------------------ prompts
def test_prompts_truth_and_category_mix(world: Path) -> None:
    rows = [
        json.loads(x)
        for f in sorted((world / "raw" / "prompts").glob("*.jsonl"))
        for x in f.read_text().splitlines()
    ]
    assert all(set(r) == {"prompt_id", "user_id", "source", "created_at", "text"} for r in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["created_at"]) for r in rows)
    truth = load_truth(world / "truth", "prompts")
    assert sorted(r["prompt_id"] for r in rows) == sorted(truth["prompt_id"])
    assert len({r["prompt_id"] for r in rows}) == len(rows) == SCALES["tiny"].prompts
    shares = Counter(truth["category"])
    for cat, share in CATEGORY_SHARES:
        assert abs(shares[cat] / truth.height - share) < 0.02, cat
    assert truth["template_id"].n_unique() >= 30
    by_id = {r["prompt_id"]: r for r in rows}
    for r in truth.iter_rows(named=True):
        p = by_id[r["prompt_id"]]
        assert p["user_id"] == r["user_id"] and p["source"] == r["source"]
        assert (p["source"] == "labeler") == p["user_id"].startswith("labeler-")
        assert r["reference_answer"]
        for v in r["pii_values"]:
            assert v in p["text"]


def test_prompt_users_duplicates_and_pii(world: Path) -> None:
    truth = load_truth(world / "truth", "prompts")
    counts = truth.group_by("user_id", "source").len()
    assert counts.filter(pl.col("source") == "labeler")["len"].max() <= 150
    assert counts.filter((pl.col("source") == "api") & (pl.col("len") > 200)).height >= 2
    kinds = Counter(k for ks in truth["pii_kinds"] for k in ks)
    assert {"email", "phone", "card", "address"} <= set(kinds)
    text = {
        json.loads(x)["prompt_id"]: json.loads(x)["text"]
        for f in (world / "raw" / "prompts").glob("*.jsonl")
        for x in f.read_text().splitlines()
    }
    dups = truth.filter(pl.col("near_dup_of").is_not_null())
    assert dups.height >= 20
    for a, b in zip(dups["prompt_id"], dups["near_dup_of"], strict=True):
        ta, tb = text[a], text[b]
        common = next(
            (i for i, (x, y) in enumerate(zip(ta, tb, strict=False)) if x != y), min(len(ta), len(tb))
        )
        assert common >= 200 and ta != tb



def _prompt_pool(raw: Path) -> pl.DataFrame:
    """The generated prompts/*.jsonl as a prompt_pool-like frame (created_at timezone-aware)."""
    rows = [json.loads(x) for f in sorted((raw / "prompts").glob("*.jsonl")) for x in f.read_text().splitlines()]
    return pl.DataFrame(rows).with_columns(pl.col("created_at").str.to_datetime(time_zone="UTC"))


def _unplanted_prefix_drops(pool: pl.DataFrame, planted: set[str]) -> tuple[pl.DataFrame, int]:
    """Clean the pool as §3.2 does; return the kept prompts and how many prefix drops were not planted."""
    kept, drops, _ = clean(pool, CleanConfig())
    prefix = set(drops.filter(pl.col("reason").str.starts_with("shared_prefix_with:"))["prompt_id"])
    assert planted <= prefix  # every planted resubmission shares a long prefix with an earlier prompt
    return kept, len(prefix - planted)


def test_prefix_dedup_drops_essentially_only_planted_near_duplicates(world: Path) -> None:
    pool = _prompt_pool(world / "raw")
    truth = load_truth(world / "truth", "prompts")
    planted = set(truth.filter(pl.col("near_dup_of").is_not_null())["prompt_id"])
    _, unplanted = _unplanted_prefix_drops(pool, planted)
    assert unplanted < 0.02 * pool.height
    n = CleanConfig().prefix_chars
    keys = [prefix_key(t, n) for p, t in pool.select("prompt_id", "text").iter_rows() if p not in planted]
    assert len(set(keys)) >= 0.95 * len(keys)


def test_prompt_framing_keeps_tasks_and_references_consistent(world: Path) -> None:
    pool = _prompt_pool(world / "raw")
    text = dict(pool.select("prompt_id", "text").iter_rows())
    rows = {r["prompt_id"]: r for r in read_truth_rows(world / "truth", "prompts")}
    for pid, t in text.items():  # openers, names and numbers must not look like PII
        assert rows[pid]["pii_kinds"] or not scrub(t)[1], t
    capitals = dict(lx.COUNTRIES_CAPITALS + lx.EXTRA_CAPITALS)
    in_both = {
        "gen_email": ("recipient", "request"),
        "gen_tweet": ("event", "city", "date"),
        "gen_product": ("adjective", "product"),
        "gen_speech": ("name", "trait"),
        "chat_trip": ("city", "month", "interest"),
    }
    seen = Counter()
    for r in rows.values():
        s, ref, tid = r["slots"], r["reference_answer"], r["template_id"]
        seen[tid] += 1
        if tid == "oth_arith":
            value = {"+": s["a"] + s["b"], "-": s["a"] - s["b"], "*": s["a"] * s["b"]}[s["op"]]
            assert ref == f"{s['a']} {s['op']} {s['b']} = {value}"
        elif tid == "oth_next_day":
            assert ref == lx.WEEKDAYS[(lx.WEEKDAYS.index(s["day"]) + s["days"]) % 7]
        elif tid == "oq_capital":
            assert s["country"] in text[r["prompt_id"]] and capitals[s["country"]] in ref
        elif tid == "oq_units":
            k = next(k for a, b, k in lx.UNIT_FACTS if (a, b) == (s["small"], s["big"]))
            assert ref.startswith(f"There are {k * s['count']} {s['small']} in {s['count']} ")
        for key in in_both.get(tid, ()):  # the task's slots are stated in the prompt and used in the reference
            assert s[key] in text[r["prompt_id"]] and s[key] in ref, (tid, key)
    assert all(seen[t] for t in ("oth_arith", "oth_next_day", "oq_capital", "oq_units", *in_both))


@pytest.mark.skipif(not os.environ.get("SAMPLEWORLD_DEMO"), reason="demo-scale prompts; set SAMPLEWORLD_DEMO=1")
def test_demo_prompt_pool_fills_the_instructgpt_splits(tmp_path: Path) -> None:
    sc = SCALES["demo"]
    seed = derive_seed(0, "prompts")  # the demo world's prompts
    truth = write_prompts(tmp_path / "prompts", seed, sc.prompts, sc.labeler_share, sc.heavy_api_users)
    pool = _prompt_pool(tmp_path)
    planted = {r["prompt_id"] for r in truth if r["near_dup_of"]}
    kept, unplanted = _unplanted_prefix_drops(pool, planted)
    assert unplanted < 0.02 * pool.height
    _, meta = split(kept, SplitConfig())
    need = quotas(SplitConfig().sizes)
    for src in ("labeler", "api"):
        want = sum(q[src] for q in need.values())
        assert meta["train_prompts_available"][src] >= 1.15 * want, (src, meta["train_prompts_available"])


# ------------------------------------------------------------------------------------------ formats
def test_format_writers_can_build_broken_files() -> None:
    good = conversion_record("<urn:uuid:1>", "http://x.test/", 1508112000, "<urn:uuid:2>", "hello")
    bad = conversion_record(
        "<urn:uuid:1>", "http://x.test/", 1508112000, "<urn:uuid:2>", "hello", content_length=99
    )
    assert b"Content-Length: 5\r\n" in good and b"Content-Length: 99\r\n" in bad
    assert gzip.decompress(gzip_bytes(good)) == good and gzip_bytes(good) == gzip_bytes(good)
    rec = warc_record([("WARC-Type", "resource")], b"abc")
    assert rec.startswith(b"WARC/1.0\r\n") and rec.endswith(b"abc\r\n\r\n")
    with pytest.raises(zstd.ZstdError):
        zstd.ZstdDecompressor().stream_reader(io.BytesIO(b"not zstd")).read()


# ------------------------------------------------------------------------------------------ evaluation tasks
def test_world_tasks_are_written_in_published_layouts_with_gold_labels(world: Path) -> None:
    from gpt_assets.ingest.tasks import read_tasks, split_of
    from gpt_assets.sampleworld.tasks import TASKS

    for task, splits in TASKS.items():
        for split_name, n in zip(splits, SCALES["tiny"].task_examples, strict=True):
            path = world / "raw" / "tasks" / task / f"{split_name}.jsonl"
            rows = list(read_tasks(path, task, split_of(path)))
            assert len(rows) == n and all(isinstance(r, dict) for r in rows), (task, rows[:1])
            assert all(r["label"] is not None for r in rows)
            if task == "world_lambada":  # the last word is a name said earlier, not a sentence's first word
                for r in rows:
                    assert r["choices"][0] in r["context"] and r["context"][-1] not in '.?!"'
            elif task == "world_winogrande":
                assert all(r["context"].count("_") == 1 and len(set(r["choices"])) == 2 for r in rows)
            else:
                assert all(len(r["choices"]) == 4 and len(set(r["choices"])) == 4 for r in rows)
            if task != "world_lambada":
                assert len({r["label"] for r in rows}) > 1  # the right answer is not always in one place


def test_genre_answers_sit_under_tag_lines_they_repeat():
    """Each answer of a genre page has a tag line of its slots, and its text repeats some of them (what teaches a
    small model to copy from its context)."""
    from gpt_assets.sampleworld.genres import genre_pieces

    lines = genre_pieces(random.Random(3), 200)
    starts = [i for i, line in enumerate(lines) if line.startswith("Tags: ")]
    assert len(starts) == 200 and starts[0] == 0
    for a, b in zip(starts, [*starts[1:], len(lines)], strict=True):
        values, body = lines[a].removeprefix("Tags: ").split(", "), " ".join(lines[a + 1:b])
        assert body and any(v in body for v in values), (lines[a], body)
