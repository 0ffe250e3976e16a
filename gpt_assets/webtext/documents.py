"""``webtext_documents``: the linked pages' main text, cleaned and exactly deduplicated (GPT-2 §2.1)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin

import polars as pl

from gpt_assets.mixture import count_tokens
from gpt_assets.webtext.extract import CleanRule, clean_reason, extract_main_text
from gpt_assets.webtext.urls import normalize_url

_NORM = re.compile(r"[^a-z0-9]+")
MAX_REDIRECTS = 5  # as the scraper follows (gpt_assets.webtext.scrape)


def doc_id_of(url_key: str) -> str:
    return "wt-" + hashlib.sha1(url_key.encode()).hexdigest()[:16]


def text_fingerprint(text: str) -> str:
    return hashlib.sha1(_NORM.sub(" ", text.lower()).strip().encode()).hexdigest()


def resolve_pages(links: pl.DataFrame, pages: pl.DataFrame) -> pl.DataFrame:
    """Each link with the page that answers it: its own response, or where its redirects lead."""
    by_key: dict[str, dict] = {}
    for row in pages.sort("fetched_at", "record_id").iter_rows(named=True):
        key = normalize_url(row["url"])
        if key is not None:
            by_key[key] = row  # the latest fetch of a URL wins
    out = []
    for link in links.select("url_key", "url").iter_rows(named=True):
        page, key, hops = by_key.get(link["url_key"]), link["url_key"], 0
        while page is not None and page["http_status"] in (301, 302, 303, 307, 308) and page["location"] \
                and hops < MAX_REDIRECTS:
            key = normalize_url(urljoin(page["url"], page["location"])) or ""  # Location may be relative
            page, hops = by_key.get(key), hops + 1
        out.append({
            "url_key": link["url_key"], "url": link["url"],
            "page_url": page["url"] if page else None,
            "http_status": page["http_status"] if page else None,
            "is_html": page["is_html"] if page else None,
            "html": page["html"] if page else None,
        })
    return pl.DataFrame(out, schema={"url_key": pl.String, "url": pl.String, "page_url": pl.String,
                                     "http_status": pl.Int32, "is_html": pl.Boolean, "html": pl.String})


def build_documents(links: pl.DataFrame, pages: pl.DataFrame, rule: CleanRule,
                    engine: str = "trafilatura") -> tuple[pl.DataFrame, pl.DataFrame]:
    """(documents, drops): one document per link whose page yields clean text, first of each exact duplicate.

    Exact duplicates (mirrors of one article) are found by a fingerprint of the
    normalized text; the survivor is the smallest ``doc_id``.  Near-duplicates are
    left to the MinHash stage.
    """
    resolved = resolve_pages(links, pages)
    docs, drops = [], []
    for row in resolved.iter_rows(named=True):
        doc_id = doc_id_of(row["url_key"])
        reason = ""
        if row["http_status"] is None:
            reason = "no_page"
        elif row["http_status"] != 200:
            reason = f"http_{row['http_status']}"
        elif not row["is_html"]:
            reason = "not_html"
        text = ""
        if not reason:
            text = extract_main_text(row["html"] or "", engine)
            reason = "empty_extraction" if not text else clean_reason(text, rule)
        if reason:
            drops.append({"doc_id": doc_id, "url": row["url"], "reason": reason})
            continue
        docs.append({"doc_id": doc_id, "url": row["url"], "url_key": row["url_key"], "page_url": row["page_url"],
                     "text": text, "n_words": len(text.split()), "n_tokens": count_tokens(text),
                     "fingerprint": text_fingerprint(text)})
    schema = {"doc_id": pl.String, "url": pl.String, "url_key": pl.String, "page_url": pl.String, "text": pl.String,
              "n_words": pl.Int64, "n_tokens": pl.Int64, "fingerprint": pl.String}
    frame = pl.DataFrame(docs, schema=schema).sort("doc_id")
    first = frame.unique("fingerprint", keep="first", maintain_order=True)
    dup = frame.join(first.select("doc_id"), on="doc_id", how="anti")
    drops += [{"doc_id": d, "url": u, "reason": "exact_duplicate"} for d, u in dup.select("doc_id", "url").iter_rows()]
    drop_frame = pl.DataFrame(drops, schema={"doc_id": pl.String, "url": pl.String, "reason": pl.String})
    return first.drop("fingerprint"), drop_frame.sort("doc_id")
