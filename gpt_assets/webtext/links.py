"""``webtext_links``: outbound Reddit links that pass the karma rule (GPT-2 §2.1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from gpt_assets.webtext.urls import host_of, is_wikipedia, normalize_url

# Hosts that are Reddit itself or serve media, not documents (OpenWebText's practice; GPT-2 is silent).
NON_DOCUMENT_HOSTS = ("reddit.com", "redd.it", "imgur.com", "gfycat.com", "youtube.com", "youtu.be",
                      "twitter.com", "instagram.com", "streamable.com", "giphy.com", "vimeo.com")
NON_DOCUMENT_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".gifv", ".webm", ".mp4", ".mp3", ".pdf", ".zip", ".svg")


@dataclass(frozen=True)
class LinkRule:
    """Which links make WebText.

    ``karma_rule``: ``"per_submission"`` (default, GPT-2 §2.1: "outbound links from
    Reddit which received at least 3 karma" — some submission of the link scored
    ≥ min_karma) or ``"summed"`` (OpenWebText2: the link's scores summed over its
    submissions reach min_karma).
    """

    min_karma: int = 3  # GPT-2 §2.1: at least 3 karma
    karma_rule: str = "per_submission"  # or "summed" (OpenWebText2)
    cutoff: str = "2017-12-01"  # GPT-2 §2.1: links created before December 2017
    drop_wikipedia: bool = True  # GPT-2 §2.1: Wikipedia removed
    drop_hosts: tuple[str, ...] = field(default=NON_DOCUMENT_HOSTS)
    drop_extensions: tuple[str, ...] = field(default=NON_DOCUMENT_EXTENSIONS)


def _drop_reason(url: str, rule: LinkRule) -> str:
    key = normalize_url(url)
    if key is None:
        return "not_http_url"
    host = host_of(url)
    if rule.drop_wikipedia and is_wikipedia(host):
        return "wikipedia"
    if any(host == h or host.endswith("." + h) for h in rule.drop_hosts):
        return "non_document_host"
    path = key.split("?", 1)[0].lower()
    if path.endswith(rule.drop_extensions):
        return "non_document_extension"
    return ""


def classify_submissions(subs: pl.LazyFrame, rule: LinkRule) -> pl.LazyFrame:
    """Every submission with its ``url_key`` and the reason it cannot contribute a link ('' if it can)."""
    cutoff = int(datetime.fromisoformat(rule.cutoff).replace(tzinfo=UTC).timestamp())
    urls = subs.select("url").unique()
    return (
        subs.join(
            urls.with_columns(
                pl.col("url").map_elements(normalize_url, return_dtype=pl.String).alias("url_key"),
                pl.col("url").map_elements(lambda u: _drop_reason(u, rule), return_dtype=pl.String).alias("_r"),
            ),
            on="url", how="left",
        )
        .with_columns(
            pl.when(pl.col("is_self")).then(pl.lit("self_post"))
            .when(pl.col("created_utc") >= cutoff).then(pl.lit("after_cutoff"))
            .when(pl.col("_r") != "").then(pl.col("_r"))
            .otherwise(pl.lit("")).alias("drop_reason")
        )
        .drop("_r")
    )


def webtext_links(subs: pl.LazyFrame, rule: LinkRule) -> tuple[pl.DataFrame, dict[str, int]]:
    """One row per normalized URL passing the rule, and the count of submissions dropped per reason."""
    classified = classify_submissions(subs, rule).collect()
    dropped = classified.filter(pl.col("drop_reason") != "").group_by("drop_reason").len()
    reasons = {r: n for r, n in dropped.iter_rows()}
    links = (
        classified.filter(pl.col("drop_reason") == "")
        .sort("created_utc", "id")
        .group_by("url_key", maintain_order=True)
        .agg(
            pl.col("url").first().alias("url"),
            pl.col("url").unique(maintain_order=True).alias("submitted_urls"),
            pl.len().alias("n_submissions"),
            pl.col("score").max().alias("max_score"),
            pl.col("score").sum().alias("total_score"),
            pl.col("created_utc").min().alias("first_created_utc"),
            pl.col("subreddit").unique(maintain_order=True).alias("subreddits"),
            pl.col("id").alias("submission_ids"),
        )
    )
    karma = pl.col("max_score") if rule.karma_rule == "per_submission" else pl.col("total_score")
    if rule.karma_rule not in ("per_submission", "summed"):
        raise ValueError(f"karma_rule must be 'per_submission' or 'summed', not {rule.karma_rule!r}")
    low = links.filter(karma < rule.min_karma)
    reasons["low_karma_links"] = low.height
    kept = links.filter(karma >= rule.min_karma).sort("url_key")
    return kept, reasons
