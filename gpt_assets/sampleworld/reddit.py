"""Pushshift-style monthly submission dumps: reddit/RS_YYYY-MM.zst (NDJSON, zstd with a long window)."""

from __future__ import annotations

import functools
import hashlib
import itertools
import random
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.catalog import Catalog, canonical_url, heavy_tail_score, month_bounds
from gpt_assets.sampleworld.formats import ZstdWriter, json_line
from gpt_assets.sampleworld.text import TextGen, compile_templates, place_name, slugify, title_case

# Shares of non-link posts among the rest of a month (link posts come from the catalogue).
OTHER_KINDS = (("self", 0.40), ("media", 0.45), ("wikipedia", 0.15))
MALFORMED_KINDS = ("truncated", "not_json", "missing_url", "score_string", "bad_utf8")
_MEDIA_SUBS = ("pics", "funny", "gifs", "videos", "aww", "mildlyinteresting", "itookapicture")
_WIKI_SUBS = ("todayilearned", "wikipedia", "history", "science")
_ID_START = int("73a000", 36)
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(n: int) -> str:
    """Reddit-style base36 id."""
    s = ""
    while n:
        n, d = divmod(n, 36)
        s = _B36[d] + s
    return s or "0"


@functools.lru_cache(maxsize=4096)
def subreddit_id(name: str) -> str:
    """Stable t5_ id for a subreddit name."""
    return "t5_" + base36(int.from_bytes(hashlib.sha256(name.lower().encode()).digest()[:4], "big") % 36**5)


@dataclass
class Post:
    """One submission before serialization, with its truth."""

    ts: int
    kind: str
    subreddit: str
    title: str
    url: str | None
    score: int
    selftext: str = ""
    article_id: str | None = None
    target_id: int | None = None
    variant: str | None = None
    domain: str | None = None
    post_hint: str | None = None
    malformed: str | None = None


def _users(rng: random.Random, n: int) -> list[str]:
    out = []
    seen: set[str] = set()
    while len(out) < n:
        style = rng.random()
        a, b = rng.choice(lx.FIRST_NAMES).lower(), rng.choice(lx.TOPICS[rng.choice(lx.TOPIC_NAMES)].nouns)
        if style < 0.4:
            u = f"{a}_{b}{rng.randint(1, 9999)}"
        elif style < 0.7:
            u = f"{b.title()}{a.title()}{rng.randint(10, 99)}"
        else:
            u = f"{a}{rng.choice(lx.LAST_NAMES).lower()}"
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out


def _media(rng: random.Random) -> tuple[str, str, str]:
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    k = rng.random()
    if k < 0.35:
        return f"https://i.imgur.com/{''.join(rng.choices(alnum, k=7))}.jpg", "i.imgur.com", "image"
    if k < 0.45:
        return f"https://imgur.com/a/{''.join(rng.choices(alnum, k=5))}", "imgur.com", "link"
    if k < 0.65:
        return (
            f"https://www.youtube.com/watch?v={''.join(rng.choices(alnum + '_-', k=11))}",
            "youtube.com",
            "rich:video",
        )
    if k < 0.75:
        return f"https://youtu.be/{''.join(rng.choices(alnum + '_-', k=11))}", "youtu.be", "rich:video"
    if k < 0.9:
        return f"https://i.redd.it/{''.join(rng.choices(alnum[:36], k=13))}.jpg", "i.redd.it", "image"
    return f"https://v.redd.it/{''.join(rng.choices(alnum[:36], k=13))}", "v.redd.it", "hosted:video"


def _wiki(rng: random.Random) -> tuple[str, str]:
    subj = (
        place_name(rng)
        + " "
        + rng.choice(("Castle", "River", "Abbey", "Treaty", "Island", "Affair", "Bridge"))
    )
    host = "en.m.wikipedia.org" if rng.random() < 0.3 else "en.wikipedia.org"
    scheme = "http" if rng.random() < 0.15 else "https"
    frag = rng.choice(("", "", "", "#History", "#Legacy"))
    return f"{scheme}://{host}/wiki/{subj.replace(' ', '_')}{frag}", subj


def _domain(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def write_reddit(
    out_dir: Path, catalog: Catalog, seed: int, per_month: int, malformed_each: int, n_users: int
) -> list[dict]:
    """Write one RS_YYYY-MM.zst per catalogue month; return one truth row per line."""
    rng = random.Random(seed)
    g = TextGen(random.Random(seed ^ 0xABCDEF))
    users = _users(rng, n_users)
    user_cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(n_users)))
    months = catalog.months
    by_month: list[list[Post]] = [[] for _ in months]
    for t in catalog.targets:
        sub = rng.choice(lx.TOPICS[t.article.topic].subreddits + ("news",))
        for s in t.submissions:
            title = t.article.title if rng.random() < 0.8 else title_case(t.article.title.lower())
            by_month[s.month].append(
                Post(
                    s.ts,
                    "link",
                    sub,
                    title,
                    s.url,
                    s.score,
                    article_id=t.article.article_id,
                    target_id=t.target_id,
                    variant=s.variant,
                )
            )
    truth: list[dict] = []
    id_next = _ID_START
    for mi, month in enumerate(months):
        lo, hi = month_bounds(month)
        posts = by_month[mi]
        n_other = max(0, per_month - len(posts))
        kinds = [k for k, share in OTHER_KINDS for _ in range(round(n_other * share))]
        for kind in kinds:
            ts = rng.randrange(lo, hi)
            topic = rng.choice(lx.TOPIC_NAMES)
            if kind == "self":
                title, text = g.reddit_self(topic)
                sub = rng.choice(lx.TOPICS[topic].subreddits + ("AskReddit",))
                posts.append(Post(ts, "self", sub, title, None, heavy_tail_score(rng), selftext=text))
            elif kind == "media":
                url, dom, hint = _media(rng)
                table = g.doc_table(topic)
                title = g.render(g.rng.choice(_MEDIA_TITLES), table)
                posts.append(
                    Post(
                        ts,
                        "media",
                        rng.choice(_MEDIA_SUBS),
                        title,
                        url,
                        heavy_tail_score(rng),
                        domain=dom,
                        post_hint=hint,
                    )
                )
            else:
                url, subj = _wiki(rng)
                title = f"TIL {subj} {rng.choice(_TIL_TAILS)}"
                posts.append(Post(ts, "wikipedia", rng.choice(_WIKI_SUBS), title, url, heavy_tail_score(rng)))
        for mk in MALFORMED_KINDS:
            for _ in range(malformed_each):
                topic = rng.choice(lx.TOPIC_NAMES)
                table = g.doc_table(topic)
                site = rng.choice(catalog.sites)
                section = rng.choice(lx.TOPICS[topic].sections)
                url = f"https://{site.host}/{section}/{rng.randint(100000, 999999)}"
                title = g.news_title(table)
                if mk == "bad_utf8":
                    title = "Caf\u00e9 " + title
                posts.append(
                    Post(
                        rng.randrange(lo, hi),
                        f"malformed_{mk}",
                        rng.choice(lx.TOPICS[topic].subreddits),
                        title,
                        url,
                        heavy_tail_score(rng),
                        malformed=mk,
                    )
                )
        posts.sort(key=lambda p: (p.ts, p.kind, p.title))
        name = f"RS_{month}.zst"
        with ZstdWriter(out_dir / name) as w:
            for line_no, p in enumerate(posts, start=1):
                id_next += rng.randint(20, 80)
                pid = base36(id_next)
                data = _serialize(rng, p, pid, users, user_cum)
                w.write(data)
                canon = canonical_url(p.url) if p.url and p.malformed != "missing_url" else None
                if p.kind == "self":
                    canon = None
                truth.append(
                    {
                        "file": name,
                        "month": month,
                        "line": line_no,
                        "id": None if p.malformed == "not_json" else pid,
                        "kind": p.kind,
                        "subreddit": p.subreddit,
                        "created_utc": p.ts,
                        "score": p.score,
                        "url": None if p.malformed == "missing_url" else (p.url or _self_url(p, pid)),
                        "canonical_url": canon,
                        "url_variant": p.variant,
                        "article_id": p.article_id,
                        "target_id": p.target_id,
                    }
                )
    return truth


_MEDIA_TITLES = compile_templates(
    [
        "My {a} {fn} after {num} years",
        "Found this {a} {fn} today",
        "The {fn} at {city} this morning",
        "{a} {fn}, {city}",
        "When the {fn} finally {vs} the {n}",
    ]
)
_TIL_TAILS = (
    "was once the subject of a famous dispute between two families",
    "is older than most of the buildings around it",
    "was rebuilt three times after floods",
    "has its own small museum that almost nobody visits",
    "was named after a mistranslated word",
)


def _permalink(p: Post, pid: str) -> str:
    slug = slugify(p.title, 9).replace("-", "_")[:50]
    return f"/r/{p.subreddit}/comments/{pid}/{slug}/"


def _self_url(p: Post, pid: str) -> str:
    return "https://www.reddit.com" + _permalink(p, pid)


def _serialize(rng: random.Random, p: Post, pid: str, users: list[str], user_cum: list[float]) -> bytes:
    """One NDJSON line (Pushshift field set, keys sorted, '/' escaped), or a planted malformed line."""
    author = "[deleted]" if rng.random() < 0.05 else rng.choices(users, cum_weights=user_cum)[0]
    permalink = _permalink(p, pid)
    is_self = p.kind == "self"
    url = "https://www.reddit.com" + permalink if is_self else p.url
    domain = f"self.{p.subreddit}" if is_self else (p.domain or _domain(url or ""))
    over_18 = rng.random() < 0.02
    score = p.score
    num_comments = int(score * rng.uniform(0.05, 0.6)) + rng.randint(0, 3)
    obj = {
        "archived": False,
        "author": author,
        "author_flair_css_class": None,
        "author_flair_text": None,
        "brand_safe": not over_18,
        "can_gild": True,
        "contest_mode": False,
        "created_utc": p.ts,
        "distinguished": None,
        "domain": domain,
        "edited": False,
        "gilded": 1 if score > 2000 and rng.random() < 0.3 else 0,
        "hidden": False,
        "hide_score": False,
        "id": pid,
        "is_crosspostable": True,
        "is_reddit_media_domain": domain in ("i.redd.it", "v.redd.it"),
        "is_self": is_self,
        "is_video": domain == "v.redd.it",
        "link_flair_css_class": None,
        "link_flair_text": None,
        "locked": False,
        "media": None,
        "media_embed": {},
        "no_follow": score < 3,
        "num_comments": num_comments,
        "num_crossposts": 0,
        "over_18": over_18,
        "parent_whitelist_status": "all_ads",
        "permalink": permalink,
        "pinned": False,
        "retrieved_on": p.ts + rng.randint(2, 40) * 86400,
        "score": score,
        "secure_media": None,
        "secure_media_embed": {},
        "selftext": p.selftext,
        "send_replies": True,
        "spoiler": False,
        "stickied": rng.random() < 0.002,
        "subreddit": p.subreddit,
        "subreddit_id": subreddit_id(p.subreddit),
        "subreddit_name_prefixed": f"r/{p.subreddit}",
        "subreddit_type": "public",
        "suggested_sort": None,
        "thumbnail": "self" if is_self else ("nsfw" if over_18 else "default"),
        "title": p.title,
        "url": url,
        "whitelist_status": "all_ads",
    }
    if p.post_hint:
        obj["post_hint"] = p.post_hint
    if p.malformed == "missing_url":
        del obj["url"]
    elif p.malformed == "score_string":
        obj["score"] = str(score)
    if p.malformed == "not_json":
        return rng.choice(
            (
                b"<html><body><h1>502 Bad Gateway</h1></body></html>\n",
                b"{{{{ ERROR rate limited\n",
                b"undefined\n",
                b"id,author,score\n",
            )
        )
    line = json_line(dict(sorted(obj.items())), escape_slashes=True)
    if p.malformed == "truncated":
        return line[: rng.randint(len(line) // 4, len(line) * 3 // 4)] + b"\n"
    if p.malformed == "bad_utf8":
        return line.replace(b"Caf\\u00e9", b"Caf\xe9", 1)
    return line
