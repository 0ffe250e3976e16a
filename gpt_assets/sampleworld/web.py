"""The web scrape: WARC response records (HTML with site chrome) for the URLs that Reddit links to."""

from __future__ import annotations

import html
import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.catalog import Catalog, Site, Target, canonical_url
from gpt_assets.sampleworld.formats import (
    WarcGzWriter,
    http_date,
    http_request,
    http_response,
    new_record_id,
    request_record,
    response_record,
    warcinfo_record,
)
from gpt_assets.sampleworld.text import REDDIT_CASUAL, TextGen

SCRAPE_START = 1515110400  # 2018-01-05T00:00:00Z: the scrape ran after the last linked month
SCRAPE_SPAN = 14 * 86400
_SERVERS = ("nginx", "Apache/2.4.29 (Ubuntu)", "cloudflare", "Microsoft-IIS/8.5", "nginx/1.12.2")
_ADS = (
    "Doctors hate this one simple trick",
    "You won't believe what happened next",
    "Top 10 gadgets of the year",
    "Refinance now at record low rates",
    "This cheap trick cuts your energy bill",
    "Celebrities who aged badly",
)


def _e(s: str) -> str:
    return html.escape(s, quote=False)


def _nav(rng: random.Random, k: int) -> str:
    items = rng.sample(lx.BOILERPLATE_NAV, k)
    return (
        "<ul>"
        + "".join(f'<li><a href="/{i.lower().replace(" ", "-")}">{_e(i)}</a></li>' for i in items)
        + "</ul>"
    )


def _related(rng: random.Random, titles: list[str]) -> str:
    lis = "".join(f'<li><a href="/story/{rng.randint(1000, 99999)}">{_e(t)}</a></li>' for t in titles)
    return f'<section class="related"><h3>Related articles</h3><ul>{lis}</ul></section>'


def _comments(g: TextGen, topic: str) -> str:
    r = g.rng
    table = g.doc_table(topic)
    n = r.randint(0, 4)
    items = "".join(
        f'<div class="comment"><span class="user">{_e(r.choice(lx.FIRST_NAMES).lower())}{r.randint(1, 999)}'
        f"</span><p>{_e(' '.join(g.sentences(REDDIT_CASUAL, table, r.randint(1, 2))))}</p></div>"
        for _ in range(n)
    )
    return (
        f'<section id="comments"><h3>{n} Comments</h3>{items}<form><textarea name="comment"></textarea>'
        f"<button>Post comment</button></form></section>"
    )


def render_article_html(
    g: TextGen,
    site: Site,
    chrome: int,
    title: str,
    paragraphs: list[str],
    topic: str,
    related: list[str],
    published: int,
    charset: str,
) -> str:
    """An article page: main text inside one of four site layouts with nav, ads, cookie banner, footer."""
    r = g.rng
    author = f"{r.choice(lx.FIRST_NAMES)} {r.choice(lx.LAST_NAMES)}"
    date = http_date(published)[5:16]
    ps = "".join(f"<p>{_e(p)}</p>" for p in paragraphs)
    head = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="{charset}">\n'
        f"<title>{_e(title)} | {_e(site.name)}</title>\n"
        f'<meta name="description" content="{html.escape(paragraphs[0][:150])}">\n'
        f'<link rel="stylesheet" href="/static/css/main.{r.getrandbits(32):08x}.css">\n'
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
        f"gtag('config','UA-{r.randint(1000000, 9999999)}-1');</script>\n</head>\n"
    )
    cookie = (
        '<div id="cookie-banner" class="cookie-notice">We use cookies to improve your experience. '
        'By continuing to browse you agree to our <a href="/privacy">cookie policy</a>. '
        "<button>Accept</button></div>\n"
    )
    share = '<div class="share">' + " | ".join(f'<a href="#">{s}</a>' for s in lx.CHROME_SHARE[:4]) + "</div>"
    ad = (
        f'<div class="ad"><span>Advertisement</span><div class="sponsored"><h4>Sponsored</h4>'
        f'<a href="https://ads.example.net/c?{r.getrandbits(32):x}">{r.choice(_ADS)}</a></div></div>'
    )
    footer = (
        f"<footer><p>Copyright © {r.randint(2012, 2017)} {_e(site.name)}. All rights reserved.</p>"
        f"{_nav(r, 5)}</footer>\n"
    )
    rel = _related(r, related)
    comments = _comments(g, topic)
    byline = f'<div class="byline">By {_e(author)} | {date}</div>'
    if chrome == 0:
        body = (
            f'<body>\n{cookie}<header><div class="logo"><a href="/">{_e(site.name)}</a></div>'
            f"<nav>{_nav(r, 7)}</nav></header>\n<main><article><h1>{_e(title)}</h1>{byline}{ps}</article>"
            f'{share}{rel}{comments}</main>\n<aside class="sidebar">{ad}<h3>Most popular</h3>'
            f"{_nav(r, 4)}</aside>\n{footer}</body>\n</html>\n"
        )
    elif chrome == 1:
        body = (
            f'<body>\n<div id="menu">{_nav(r, 6)}</div>\n<div class="wrapper"><div class="content">'
            f'<h1 class="entry-title">{_e(title)}</h1>{byline}<div class="entry">{ps}</div>{share}</div>'
            f'<div class="widget">{ad}{rel}</div>{comments}</div>\n{cookie}{footer}</body>\n</html>\n'
        )
    elif chrome == 2:
        body = (
            f'<body>\n<table width="100%"><tr><td class="nav">{_nav(r, 8)}</td></tr></table>\n'
            f'<div id="main">{ad}<div class="post"><h2 class="post-title">{_e(title)}</h2>{byline}'
            "<div "
            f'class="post-body">{ps}</div></div>{rel}</div>\n{comments}{footer}{cookie}</body>\n</html>\n'
        )
    else:
        body = (
            f'<body>\n{cookie}<nav class="top">{_nav(r, 6)}</nav>\n<div class="story">'
            f'<h1 class="headline">{_e(title)}</h1>{byline}<div itemprop="articleBody" class="story-body">'
            f"{ps}</div>{share}</div>\n<div "
            f'class="rail">{ad}{rel}</div>\n{comments}{footer}</body>\n</html>\n'
        )
    return head + body


def _error_html(site: Site, status: int) -> str:
    msg = {404: "404 Not Found", 500: "500 Internal Server Error"}[status]
    return (
        f"<!DOCTYPE html>\n<html><head><title>{msg}</title></head><body><h1>{msg}</h1>"
        f"<p>The page you requested could not be served by {_e(site.name)}.</p>"
        '<p><a href="/">Return to the home page</a></p></body></html>\n'
    )


def _pdf_bytes(rng: random.Random) -> bytes:
    stream = rng.randbytes(rng.randint(800, 4000))
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n4 0 obj\n<< /Length "
        + str(len(stream)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _jpeg_bytes(rng: random.Random) -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + rng.randbytes(rng.randint(1500, 6000))
        + b"\xff\xd9"
    )


def _pages(catalog: Catalog, rng: random.Random) -> Iterator[tuple[Target, str, dict]]:
    """(target, url, spec) for every response the scrape holds; spec drives rendering and truth."""
    for t in catalog.targets:
        if t.kind == "none":
            continue
        if t.kind == "error_status" and t.status == 301:
            linked = t.submissions[0].url
            yield t, linked, {"kind": "error_status", "status": 301, "redirect_to": t.redirect_to}
            yield t, t.redirect_to or linked, {"kind": "article", "status": 200, "redirect_from": linked}
        elif t.kind == "non_html":
            yield (
                t,
                t.submissions[0].url,
                {"kind": "non_html", "status": 200, "ctype": rng.choice(("application/pdf", "image/jpeg"))},
            )
        else:
            yield t, t.submissions[0].url, {"kind": t.kind, "status": t.status}


def write_webpages(out_dir: Path, catalog: Catalog, seed: int, n_files: int) -> list[dict]:
    """Write webpages/*.warc.gz; return one truth row per response record."""
    rng = random.Random(seed)
    g = TextGen(random.Random(seed ^ 0x5EED))
    jobs = list(_pages(catalog, rng))
    rng.shuffle(jobs)
    all_titles = [t.article.title for t in catalog.targets]
    per_file = -(-len(jobs) // n_files)
    truth: list[dict] = []
    for fi in range(n_files):
        name = f"webtext-scrape-{fi:05d}.warc.gz"
        chunk = jobs[fi * per_file : (fi + 1) * per_file]
        with WarcGzWriter(out_dir / name) as w:
            info_id_rng = random.Random(rng.getrandbits(64))
            info = warcinfo_record(
                info_id_rng,
                name,
                SCRAPE_START + fi * 3600,
                [
                    ("software", "sampleworld-scraper/1.0"),
                    ("format", "WARC File Format 1.0"),
                    ("description", "Scrape of outbound Reddit links (synthetic sample world)"),
                    ("robots", "ignore"),
                    ("operator", "gpt-assets sample world"),
                ],
            )
            w.write(info)
            for t, url, spec in chunk:
                row = _write_page(w, name, rng, g, t, url, spec, all_titles)
                row["karma"] = t.karma
                row["first_linked_month"] = catalog.months[min(s.month for s in t.submissions)]
                truth.append(row)
    return truth


def _write_page(
    w: WarcGzWriter,
    fname: str,
    rng: random.Random,
    g: TextGen,
    t: Target,
    url: str,
    spec: dict,
    all_titles: list[str],
) -> dict:
    ts = SCRAPE_START + rng.randrange(SCRAPE_SPAN)
    parts = urlsplit(url)
    req_id, resp_id = new_record_id(rng), new_record_id(rng)
    ip = f"{rng.randint(23, 212)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    status = spec["status"]
    kind = spec["kind"]
    site = t.site
    charset = site.charset
    hdrs = [("Date", http_date(ts)), ("Server", rng.choice(_SERVERS))]
    main_text = None
    title = None
    ctype = f"text/html; charset={charset}"
    if status in (404, 500):
        reason = "Not Found" if status == 404 else "Internal Server Error"
        body = _error_html(site, status).encode(charset, "xmlcharrefreplace")
    elif status == 301:
        reason = "Moved Permanently"
        hdrs.append(("Location", spec["redirect_to"]))
        loc = spec["redirect_to"]
        body = f'<html><body>Moved Permanently. <a href="{loc}">here</a></body></html>\n'.encode()
        ctype = "text/html; charset=utf-8"
    elif kind == "non_html":
        reason = "OK"
        ctype = spec["ctype"]
        body = _pdf_bytes(rng) if ctype == "application/pdf" else _jpeg_bytes(rng)
        charset = None
    else:
        reason = "OK"
        title = t.article.title
        paras = t.paragraphs()
        chrome = site.chrome
        if kind == "mirror" and chrome == t.article.site.chrome:
            chrome = (chrome + 1) % 4
        related = rng.sample(all_titles, min(5, len(all_titles)))
        page = render_article_html(
            g, site, chrome, title, paras, t.article.topic, related, t.article.published, charset
        )
        body = page.encode(charset, "xmlcharrefreplace")
        main_text = title + "\n\n" + "\n\n".join(paras)
        hdrs.append(("Last-Modified", http_date(t.article.published)))
    hdrs += [("Content-Type", ctype), ("Connection", "close")]
    block = http_response(status, reason, hdrs, body)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    w.write(request_record(req_id, url, ts, http_request(parts.netloc, path or "/")))
    offset = w.write(response_record(resp_id, url, ts, block, concurrent_to=req_id, ip=ip))
    return {
        "file": fname,
        "offset": offset,
        "record_id": resp_id,
        "url": url,
        "canonical_url": canonical_url(url),
        "target_id": t.target_id,
        "article_id": t.article.article_id,
        "kind": kind,
        "status": status,
        "content_type": ctype,
        "charset": charset,
        "site": site.host,
        "topic": t.article.topic,
        "redirect_to": spec.get("redirect_to"),
        "redirect_from": spec.get("redirect_from"),
        "title": title,
        "main_text": main_text,
    }
