"""The link catalogue shared by Reddit, the web scrape and Common Crawl.

An *article* is a piece of news/blog prose published on a site. A *target* is a URL that Reddit links to:
the article's own URL, a mirror on another site, or a near-duplicate copy. Each target gets planned
Reddit submissions (month, score, the URL string as linked) and a page kind in the scrape.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from gpt_assets.sampleworld import genres
from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.text import TextGen, perturb, slugify

TRACKING_PARAMS = frozenset(
    "utm_source utm_medium utm_campaign utm_term utm_content fbclid gclid ref ref_src mc_cid mc_eid".split()
)
URL_VARIANTS = ("utm", "fbclid", "ref", "host_case", "scheme", "trailing_slash", "fragment")


def canonical_url(url: str) -> str:
    """The generator's URL normal form: https, lowercase host, no fragment, no tracking parameters,
    no trailing slash (except the root), other query parameters kept in order."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in TRACKING_PARAMS
    ]
    return urlunsplit(("https", host, path, urlencode(query), ""))


@dataclass(frozen=True)
class Site:
    """A publisher: canonical host, display name, URL style (0-3), HTML chrome template (0-3), charset."""

    host: str
    name: str
    style: int
    chrome: int
    charset: str


@dataclass
class Article:
    """A news/blog article. Its text is regenerated on demand from `text_seed`."""

    article_id: str
    topic: str
    site: Site
    url: str
    title: str
    text_seed: int
    published: int

    def body(self) -> list[str]:
        """The article paragraphs (deterministic)."""
        return article_text(self.topic, self.text_seed)[1]


@dataclass
class Submission:
    """One planned Reddit link submission."""

    month: int
    ts: int
    score: int
    url: str
    variant: str


@dataclass
class Target:
    """A linked URL and what the scrape holds for it."""

    target_id: int
    article: Article
    site: Site
    url: str
    kind: str = "none"  # article | mirror | near_duplicate | error_status | non_html | none
    status: int | None = None
    redirect_to: str | None = None
    edit_seed: int | None = None
    submissions: list[Submission] = field(default_factory=list)

    @property
    def canonical(self) -> str:
        return canonical_url(self.url)

    @property
    def karma(self) -> int:
        return sum(s.score for s in self.submissions)

    def paragraphs(self) -> list[str]:
        """Main text paragraphs as served on this target's page."""
        paras = self.article.body()
        if self.kind == "near_duplicate" and self.edit_seed is not None:
            r = random.Random(self.edit_seed)
            paras = perturb(r, paras, self.article.topic, 0.02, drop_sentence=r.random() < 0.5)
        return paras


def article_text(topic: str, seed: int) -> tuple[str, list[str]]:
    """(title, paragraphs) of an article from its seed."""
    return genres.article(TextGen(random.Random(seed)), topic, (4, 8))


def article_title(topic: str, seed: int) -> str:
    """The title alone (same rng stream as `article_text`, stopping after the title)."""
    g = TextGen(random.Random(seed))
    return g.news_title(g.doc_table(topic))


_TLDS = ("com", "com", "com", "org", "net", "co.uk", "io", "news")


def make_sites(rng: random.Random, n: int) -> list[Site]:
    """n distinct publisher sites."""
    sites: list[Site] = []
    seen: set[str] = set()
    while len(sites) < n:
        a, b = rng.choice(lx.SITE_WORDS_A), rng.choice(lx.SITE_WORDS_B)
        tld = rng.choice(_TLDS)
        base = f"{a}{b}.{tld}" if rng.random() < 0.85 else f"{a}-{b}{rng.randint(1, 99)}.{tld}"
        if base in seen:
            continue
        seen.add(base)
        host = f"www.{base}" if rng.random() < 0.7 else base
        charset = "iso-8859-1" if len(sites) % 20 == 5 else "utf-8"  # a few legacy-charset sites
        sites.append(Site(host, f"The {a.title()} {b.title()}", rng.randrange(4), rng.randrange(4), charset))
    return sites


def article_url(rng: random.Random, site: Site, topic: str, title: str, ts: int, num: int) -> str:
    """The URL a site publishes an article under, in the site's URL style."""
    from datetime import UTC, datetime

    d = datetime.fromtimestamp(ts, UTC)
    slug = slugify(title)
    section = rng.choice(lx.TOPICS[topic].sections)
    if site.style == 0:
        return f"https://{site.host}/{section}/{d:%Y/%m/%d}/{slug}"
    if site.style == 1:
        return f"https://{site.host}/article.php?id={num}&cat={section}"
    if site.style == 2:
        return f"https://{site.host}/{d:%Y/%m}/{slug}/"
    return f"https://{site.host}/{section}/{num}-{slug}.html"


def variant_url(rng: random.Random, url: str, variant: str) -> str:
    """The same URL as a user might have linked it: tracking params, host case, scheme, slash, fragment."""
    parts = urlsplit(url)
    scheme, host, path, query, frag = parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment
    add: list[tuple[str, str]] = []
    if variant == "utm":
        add = [
            ("utm_source", rng.choice(("reddit", "twitter", "facebook", "newsletter"))),
            ("utm_medium", rng.choice(("social", "email", "referral"))),
            ("utm_campaign", rng.choice(("share", "daily", "weekend", f"promo{rng.randint(1, 99)}"))),
        ]
    elif variant == "fbclid":
        add = [
            (
                "fbclid",
                "IwAR"
                + "".join(
                    rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
                    for _ in range(40)
                ),
            )
        ]
    elif variant == "ref":
        add = [("ref", rng.choice(("reddit", "hn", "twitter", "rss", "homepage")))]
    elif variant == "host_case":
        host = "".join(c.upper() if rng.random() < 0.35 else c for c in host)
        if host == parts.netloc:
            host = host[:1].upper() + host[1:]
    elif variant == "scheme":
        scheme = "http" if scheme == "https" else "https"
    elif variant == "trailing_slash":
        path = path[:-1] if path.endswith("/") else path + "/"
    elif variant == "fragment":
        frag = rng.choice(("comments", "section-2", "main", "top", "more"))
    if add:
        query = (query + "&" if query else "") + urlencode(add)
    return urlunsplit((scheme, host, path, query, frag))


def heavy_tail_score(rng: random.Random) -> int:
    """Reddit score: most 0-2, Pareto tail to tens of thousands."""
    return min(60000, int((1.0 - rng.random()) ** (-1 / 0.9)) - 1)


@dataclass
class Catalog:
    """Sites, articles and link targets with their planned submissions."""

    sites: list[Site]
    targets: list[Target]
    months: tuple[str, ...]

    def webtext_targets(self) -> list[Target]:
        """Scraped 200 pages with enough karma and a link before December 2017: the WebText set."""
        out = []
        for t in self.targets:
            if t.kind in ("article", "mirror", "near_duplicate") and t.karma >= 3:
                if min(self.months[s.month] for s in t.submissions) < "2017-12":
                    out.append(t)
        return out


def month_bounds(month: str) -> tuple[int, int]:
    """[start, end) unix seconds of a YYYY-MM month (UTC)."""
    from datetime import UTC, datetime

    y, m = int(month[:4]), int(month[5:7])
    start = datetime(y, m, 1, tzinfo=UTC)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
    return int(start.timestamp()), int(end.timestamp())


def build_catalog(
    seed: int, months: tuple[str, ...], link_quota: int, web_records: int, n_sites: int
) -> Catalog:
    """Plan targets until `link_quota` link submissions exist; give about `web_records` of them pages."""
    rng = random.Random(seed)
    sites = make_sites(rng, n_sites)
    bounds = [month_bounds(m) for m in months]
    targets: list[Target] = []
    n_subs = 0
    topics = lx.TOPIC_NAMES

    def new_article(i: int, first_ts: int) -> Article:
        topic = rng.choice(topics)
        site = rng.choice(sites)
        text_seed = rng.getrandbits(48)
        published = first_ts - rng.randint(3600, 20 * 86400)
        title = article_title(topic, text_seed)
        url = article_url(rng, site, topic, title, published, 10000 + i * 7 + rng.randint(0, 6))
        return Article(f"wt-{i:06d}", topic, site, url, title, text_seed, published)

    def plan_subs(url: str, k: int, scores: list[int], same_url_p: float) -> list[Submission]:
        subs = []
        for j in range(k):
            mi = rng.randrange(len(months))
            ts = rng.randrange(*bounds[mi])
            if j == 0:
                variant = "as_published" if rng.random() < 0.55 else rng.choice(URL_VARIANTS)
            else:
                variant = subs[0].variant if rng.random() < same_url_p else rng.choice(URL_VARIANTS)
            linked = url if variant == "as_published" else variant_url(rng, url, variant)
            if j > 0 and variant == subs[0].variant:
                linked = subs[0].url
            subs.append(Submission(mi, ts, scores[j], linked, variant))
        return sorted(subs, key=lambda s: s.ts)

    while n_subs < link_quota:
        i = len(targets)
        resubmit = rng.random() < 0.07
        if resubmit:
            k = rng.randint(3, 5)
            while True:
                scores = [rng.randint(0, 2) for _ in range(k)]
                if sum(scores) >= 3:
                    break
        else:
            k = rng.choices((1, 2, 3), (0.72, 0.2, 0.08))[0]
            scores = [heavy_tail_score(rng) for _ in range(k)]
        first_ts = bounds[0][0]
        art = new_article(i, first_ts)
        t = Target(i, art, art.site, art.url)
        t.submissions = plan_subs(art.url, k, scores, 0.5 if resubmit else 0.3)
        targets.append(t)
        n_subs += k

    # Which targets were scraped: favour well-scored links (real scrapes only fetched those).
    n_pages = min(len(targets), round(web_records / 1.12))
    # Weighted sampling without replacement (Efraimidis-Spirakis keys u**(1/w)).
    keys = [(rng.random() ** (1.0 / (5.0 if t.karma >= 3 else 1.0)), i) for i, t in enumerate(targets)]
    picked = sorted(i for _, i in sorted(keys, reverse=True)[:n_pages])
    rng.shuffle(picked)
    cuts = [("error_404", 0.04), ("error_500", 0.015), ("redirect", 0.015), ("non_html", 0.04)]
    pos = 0
    for name, frac in cuts:
        k = max(1, round(n_pages * frac))
        for idx in picked[pos : pos + k]:
            t = targets[idx]
            if name == "error_404":
                t.kind, t.status = "error_status", 404
            elif name == "error_500":
                t.kind, t.status = "error_status", 500
            elif name == "redirect":
                t.kind, t.status, t.redirect_to = "error_status", 301, t.url
                old = f"http://{t.site.host.removeprefix('www.')}/?p={rng.randint(1000, 99999)}"
                t.url = old
                t.submissions = plan_subs(old, len(t.submissions), [s.score for s in t.submissions], 1.0)
            else:
                t.kind, t.status = "non_html", 200
        pos += k
    for idx in picked[pos:]:
        targets[idx].kind, targets[idx].status = "article", 200

    # Mirrors (same text, other site) and near-duplicates (edited text, other site), each linked too.
    article_targets = [targets[i] for i in sorted(picked[pos:])]
    n_extra = max(1, round(n_pages * 0.05))
    for kind, chosen in (
        ("mirror", rng.sample(article_targets, n_extra)),
        ("near_duplicate", rng.sample(article_targets, n_extra)),
    ):
        for src in chosen:
            site = rng.choice([s for s in rng.sample(sites, 3) if s != src.site] or sites)
            art = src.article
            url = article_url(
                rng, site, art.topic, art.title, art.published + rng.randint(600, 86400), 50000 + len(targets)
            )
            t = Target(len(targets), art, site, url, kind, 200)
            if kind == "near_duplicate":
                t.edit_seed = rng.getrandbits(48)
            k = rng.choices((1, 2), (0.8, 0.2))[0]
            t.submissions = plan_subs(url, k, [heavy_tail_score(rng) for _ in range(k)], 0.3)
            targets.append(t)
    return Catalog(sites, targets, months)
