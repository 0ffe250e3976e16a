"""Common Crawl WET files: commoncrawl/CC-MAIN-YYYY-WW/*.warc.wet.gz with planted page kinds."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gpt_assets.sampleworld import genres
from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.catalog import Catalog, Target
from gpt_assets.sampleworld.formats import WarcGzWriter, conversion_record, new_record_id, warcinfo_record
from gpt_assets.sampleworld.text import (
    TextGen,
    exact_counts,
    jaccard,
    perturb,
    place_name,
    slugify,
    wiki_subject,
)

# Planted proportions of page kinds (per crawl, exact up to rounding).
CC_KINDS: tuple[tuple[str, float], ...] = (
    ("good", 0.35),
    ("boilerplate", 0.20),
    ("spam", 0.12),
    ("junk", 0.08),
    ("foreign", 0.08),
    ("near_duplicate", 0.08),
    ("webtext_copy", 0.04),
    ("benchmark_contaminated", 0.05),
)
QUALITY = {
    "good": "good",
    "near_duplicate": "good",
    "webtext_copy": "good",
    "benchmark_contaminated": "good",
    "boilerplate": "bad",
    "spam": "bad",
    "junk": "bad",
    "foreign": "bad",
}
# crawl id -> (first second, last second, description month)
CRAWLS: dict[str, tuple[int, int, str]] = {
    "CC-MAIN-2017-43": (1508112000, 1508889600, "October 2017"),  # 2017-10-16 .. 2017-10-25
    "CC-MAIN-2017-47": (1510876800, 1511654400, "November 2017"),  # 2017-11-17 .. 2017-11-26
}
def good_prose(g: TextGen, topic: str) -> tuple[str, list[str]]:
    """A good page body: (title, paragraphs) in news or encyclopedic register."""
    if g.rng.random() < 0.6:
        return genres.article(g, topic, (3, 8))
    subject, kind = wiki_subject(g.rng, topic)
    return subject, g.encyclopedic(topic, subject, kind, g.rng.randint(200, 450))


def cc_url(rng: random.Random, kind: str, title: str, lang: str | None = None) -> str:
    """A URL typical of the page kind."""
    if kind == "spam":
        host = (
            f"{rng.choice(('best', 'cheap', 'top', 'buy'))}-{slugify(rng.choice(lx.SPAM_PRODUCTS), 3)}-"
            f"{rng.choice(('online', 'store', 'deals', 'now'))}.{rng.choice(('biz', 'info', 'xyz', 'top'))}"
        )
    elif kind == "junk":
        host = f"{rng.getrandbits(40):010x}.{rng.choice(('xyz', 'ru', 'cn', 'tk', 'info'))}"
    elif lang:
        host = f"www.{place_name(rng).lower()}{rng.choice(('noticias', 'zeitung', 'actu', 'info'))}.{lang}"
    else:
        host = (
            f"{rng.choice(('www.', '', 'blog.'))}{place_name(rng).lower()}"
            f"{rng.choice(lx.SITE_WORDS_B)}.{rng.choice(('com', 'org', 'net', 'co.uk', 'com.au'))}"
        )
    style = rng.randrange(4)
    slug = slugify(title, 7)
    if style == 0:
        return f"http://{host}/{slug}"
    if style == 1:
        return f"https://{host}/{slug}.html"
    if style == 2:
        return f"http://{host}/?p={rng.randint(10, 99999)}"
    return f"https://{host}/{rng.randint(2009, 2017)}/{rng.randint(1, 12):02d}/{slug}/"


@dataclass
class Page:
    """One planned WET conversion record."""

    kind: str
    text: str
    url: str
    topic: str | None = None
    lang: str | None = None
    dup_cluster_id: str | None = None
    text_id: str | None = None
    source_text_id: str | None = None
    jaccard_to_source: float | None = None
    webtext_article_id: str | None = None
    webtext_target_id: int | None = None
    benchmark: str | None = None
    example_id: str | None = None


# Share of good pages that carry no navigation or footer lines at all (article-only sites, reader views, text
# pages): as in real crawls, page chrome is not a perfect sign of Common Crawl, so a classifier that learns
# curated-vs-CC from chrome alone cannot separate the two sources and must grade pages by their text.
CLEAN_PAGE_SHARE = 0.3


def _with_chrome(g: TextGen, title: str, paras: list[str], site: str, lo: int, hi: int) -> str:
    r = g.rng
    if r.random() < CLEAN_PAGE_SHARE:
        return "\n".join([title, *paras])
    lines = (
        [title] + g.chrome_lines(site, r.randint(lo, hi)) + paras + g.chrome_lines(site, r.randint(lo, hi))
    )
    return "\n".join(lines)


def write_commoncrawl(
    out_dir: Path,
    seed: int,
    records_per_crawl: int,
    files_per_crawl: int,
    catalog: Catalog,
    benchmark_examples: Sequence[tuple[str, str, str]],
) -> list[dict]:
    """Write both crawls; return one truth row per conversion record.

    `benchmark_examples` is a sequence of (benchmark, example_id, text) to plant into contaminated pages.
    """
    rng = random.Random(seed)
    g = TextGen(random.Random(seed ^ 0xC0FFEE))
    crawls = list(CRAWLS)
    slots: list[list[str]] = []
    for _ in crawls:
        counts = exact_counts(records_per_crawl, CC_KINDS)
        kinds = [k for k, _ in CC_KINDS for _ in range(counts[k])]
        rng.shuffle(kinds)
        slots.append(kinds)
    pages: list[list[Page | None]] = [[None] * len(s) for s in slots]

    _plan_near_dups(rng, g, slots, pages)
    webtext = catalog.webtext_targets()
    rng.shuffle(webtext)
    bench = list(benchmark_examples)
    rng.shuffle(bench)
    wi = bi = 0
    for ci, kinds in enumerate(slots):
        for pi, kind in enumerate(kinds):
            if pages[ci][pi] is not None:
                continue
            topic = rng.choice(lx.TOPIC_NAMES)
            site = f"{place_name(rng)} {rng.choice(lx.SITE_WORDS_B).title()}"
            if kind == "good":
                title, paras = good_prose(g, topic)
                p = Page(kind, _with_chrome(g, title, paras, site, 1, 5), cc_url(rng, kind, title), topic)
            elif kind == "boilerplate":
                lines = g.boilerplate_page(topic, site)
                p = Page(kind, "\n".join(lines), cc_url(rng, kind, lines[0]), topic)
            elif kind == "spam":
                lines = g.spam_page()
                p = Page(kind, "\n".join(lines), cc_url(rng, kind, lines[0]))
            elif kind == "junk":
                lines = g.junk_page()
                p = Page(kind, "\n".join(lines), cc_url(rng, kind, "x"))
            elif kind == "foreign":
                lang = rng.choice(tuple(lx.LANGUAGES))
                lines = g.foreign_page(lang)
                p = Page(kind, "\n".join(lines), cc_url(rng, kind, lines[1], lang), lang=lang)
            elif kind == "webtext_copy" and webtext:
                t = webtext[wi % len(webtext)]
                wi += 1
                p = _webtext_copy(rng, g, t, site)
            elif kind == "benchmark_contaminated" and bench:
                name, ex_id, ex_text = bench[bi % len(bench)]
                bi += 1
                title, paras = good_prose(g, topic)
                at = rng.randint(1, max(1, len(paras) - 1))
                paras = paras[:at] + [ex_text] + paras[at:]
                p = Page(
                    kind,
                    _with_chrome(g, title, paras, site, 1, 4),
                    cc_url(rng, "good", title),
                    topic,
                    benchmark=name,
                    example_id=ex_id,
                )
            else:  # a kind with nothing to copy from: plain good prose
                title, paras = good_prose(g, topic)
                p = Page("good", _with_chrome(g, title, paras, site, 1, 5), cc_url(rng, "good", title), topic)
            pages[ci][pi] = p

    truth: list[dict] = []
    for ci, crawl in enumerate(crawls):
        start, end, month = CRAWLS[crawl]
        plist = pages[ci]
        per_file = -(-len(plist) // files_per_crawl)
        for fi in range(files_per_crawl):
            t0 = start + fi * 7200 + rng.randint(0, 3000)
            stamp = datetime.fromtimestamp(t0, UTC).strftime("%Y%m%d%H%M%S")
            stamp2 = datetime.fromtimestamp(t0 + 7200, UTC).strftime("%Y%m%d%H%M%S")
            name = f"CC-MAIN-{stamp}-{stamp2}-{fi:05d}.warc.wet.gz"
            with WarcGzWriter(out_dir / crawl / name) as w:
                w.write(
                    warcinfo_record(
                        rng,
                        name,
                        t0 + 86400,
                        [
                            ("Software-Info", "ia-web-commons.1.1.9-SNAPSHOT-20171010"),
                            (
                                "Extracted-Date",
                                datetime.fromtimestamp(t0 + 86400, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT"),
                            ),
                            ("robots", "classic"),
                            ("isPartOf", crawl),
                            ("operator", "Common Crawl Admin"),
                            ("description", f"Wide crawl of the web for {month}"),
                            ("publisher", "Common Crawl"),
                        ],
                    )
                )
                for p in plist[fi * per_file : (fi + 1) * per_file]:
                    assert p is not None
                    rid, ref = new_record_id(rng), new_record_id(rng)
                    ts = rng.randrange(start, end)
                    offset = w.write(conversion_record(rid, p.url, ts, ref, p.text))
                    truth.append(
                        {
                            "crawl": crawl,
                            "file": name,
                            "offset": offset,
                            "record_id": rid,
                            "url": p.url,
                            "kind": p.kind,
                            "quality_label": QUALITY[p.kind],
                            "topic": p.topic,
                            "lang": p.lang or "en",
                            "dup_cluster_id": p.dup_cluster_id,
                            "text_id": p.text_id or f"cc-{rid[10:-1]}",
                            "source_text_id": p.source_text_id,
                            "jaccard_to_source": p.jaccard_to_source,
                            "webtext_article_id": p.webtext_article_id,
                            "webtext_target_id": p.webtext_target_id,
                            "benchmark": p.benchmark,
                            "example_id": p.example_id,
                            "n_chars": len(p.text),
                        }
                    )
    return truth


def _webtext_copy(rng: random.Random, g: TextGen, t: Target, site: str) -> Page:
    """A verbatim or lightly edited copy of a WebText article with some page chrome."""
    paras = t.paragraphs()
    source = t.article.title + "\n\n" + "\n\n".join(paras)
    if rng.random() < 0.5:
        paras = perturb(rng, paras, t.article.topic, 0.01)
    text = _with_chrome(g, t.article.title, paras, site, 1, 4)
    url = t.url if rng.random() < 0.6 else cc_url(rng, "good", t.article.title)
    return Page(
        "webtext_copy",
        text,
        url,
        t.article.topic,
        text_id=None,
        source_text_id=t.article.article_id,
        jaccard_to_source=round(jaccard(source, t.article.title + "\n\n" + "\n\n".join(paras)), 4),
        webtext_article_id=t.article.article_id,
        webtext_target_id=t.target_id,
    )


def _plan_near_dups(
    rng: random.Random, g: TextGen, slots: list[list[str]], pages: list[list[Page | None]]
) -> None:
    """Group near_duplicate slots into clusters of 2-5 (some spanning both crawls) and fill them."""
    pools = [
        [(ci, pi) for pi, k in enumerate(kinds) if k == "near_duplicate"] for ci, kinds in enumerate(slots)
    ]
    for p in pools:
        rng.shuffle(p)
    clusters: list[list[tuple[int, int]]] = []
    while any(pools):
        size = rng.randint(2, 5)
        members: list[tuple[int, int]] = []
        span = len(pools) > 1 and all(pools) and rng.random() < 0.35
        while len(members) < size and any(pools):
            if span:
                src = pools[len(members) % len(pools)] or next(p for p in pools if p)
            else:
                src = max(pools, key=len)
            members.append(src.pop())
        if len(members) < 2 and clusters:
            clusters[-1].extend(members)
        else:
            clusters.append(members)
    for cid, members in enumerate(clusters):
        cluster_id = f"ccdup-{cid:05d}"
        topic = rng.choice(lx.TOPIC_NAMES)
        title, base = good_prose(g, topic)
        site = f"{place_name(rng)} {rng.choice(lx.SITE_WORDS_B).title()}"
        base_url = cc_url(rng, "good", title)
        base_text = title + "\n" + "\n".join(base)
        for j, (ci, pi) in enumerate(members):
            if j == 0:
                paras, jac = base, 1.0
            else:
                paras = perturb(rng, base, topic, rng.uniform(0.005, 0.03), drop_sentence=rng.random() < 0.3)
                jac = round(jaccard(base_text, title + "\n" + "\n".join(paras)), 4)
            url = base_url if (j == 0 or rng.random() < 0.4) else cc_url(rng, "good", title)
            text = _with_chrome(g, title, paras, site, 1, 4)
            pages[ci][pi] = Page(
                "near_duplicate",
                text,
                url,
                topic,
                dup_cluster_id=cluster_id,
                text_id=f"{cluster_id}-{j}",
                source_text_id=f"{cluster_id}-0",
                jaccard_to_source=jac,
            )
