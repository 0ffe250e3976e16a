"""WebText assets (GPT-2 §2.1): ``webtext_links`` and ``webtext_documents``."""

# No `from __future__ import annotations`: Dagster reads the annotations.

import dagster as dg

from gpt_assets.automation import FOLLOW
from gpt_assets.defs.common import md_dict, md_table, reason_counts, table_metadata, write_drops
from gpt_assets.defs.ingest import reddit_submissions, web_pages
from gpt_assets.resources import DataRoot
from gpt_assets.webtext.documents import build_documents
from gpt_assets.webtext.extract import CleanRule
from gpt_assets.webtext.links import LinkRule
from gpt_assets.webtext.links import webtext_links as select_links
from gpt_assets.webtext.urls import host_of, is_wikipedia

GROUP = "webtext"


class WebTextLinksConfig(dg.Config):
    min_karma: int = 3  # GPT-2 §2.1: outbound links that received at least 3 karma
    karma_rule: str = "per_submission"  # GPT-2 reading; "summed" = OpenWebText2's rule
    cutoff: str = "2017-12-01"  # GPT-2 §2.1: links before December 2017
    drop_wikipedia: bool = True  # GPT-2 §2.1: all Wikipedia documents removed

    def rule(self) -> LinkRule:
        return LinkRule(self.min_karma, self.karma_rule, self.cutoff, self.drop_wikipedia)


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[reddit_submissions], automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec("karma_rule_holds", asset="webtext_links", blocking=True,
                                         description="Every link has at least min_karma (GPT-2 §2.1: 3)."),
                       dg.AssetCheckSpec("no_wikipedia", asset="webtext_links", blocking=True,
                                         description="No link points to Wikipedia (GPT-2 §2.1 removed it)."),
                       dg.AssetCheckSpec("urls_unique", asset="webtext_links", blocking=True,
                                         description="One row per normalized URL.")],
          description="Outbound links of Reddit link posts that pass the karma rule, one row per normalized URL.")
def webtext_links(config: WebTextLinksConfig, data: DataRoot):
    rule = config.rule()
    links, reasons = select_links(data.lake.scan("reddit_submissions"), rule)
    data.lake.write_frame("webtext_links", links)
    data.publish("webtext_links")
    yield dg.MaterializeResult(metadata=table_metadata(
        links, data, "webtext_links", karma_rule=rule.karma_rule, min_karma=rule.min_karma, cutoff=rule.cutoff,
        submissions_dropped=md_dict(reasons, "reason", "submissions")))
    karma = links["max_score"] if rule.karma_rule == "per_submission" else links["total_score"]
    low = int((karma < rule.min_karma).sum())
    yield dg.AssetCheckResult(check_name="karma_rule_holds", passed=low == 0,
                              metadata={"min_karma_seen": int(karma.min()) if links.height else 0},
                              description=None if low == 0 else f"{low} link(s) below min_karma {rule.min_karma}: "
                              "the karma rule was not applied; report it")
    wiki = sum(is_wikipedia(host_of(u)) for u in links["url"].to_list()) if rule.drop_wikipedia else 0
    yield dg.AssetCheckResult(check_name="no_wikipedia", passed=wiki == 0, metadata={"wikipedia_links": wiki},
                              description=None if wiki == 0 else f"{wiki} Wikipedia link(s) kept (GPT-2 removed "
                              "them): the host rule missed a Wikipedia domain; report it")
    dups = links.height - links["url_key"].n_unique()
    yield dg.AssetCheckResult(check_name="urls_unique", passed=dups == 0, metadata={"duplicate_keys": dups},
                              description=None if dups == 0 else f"{dups} normalized URL(s) appear twice (one row "
                              "each): report it with the url_key")


class WebTextDocumentsConfig(dg.Config):
    extractor: str = "trafilatura"  # or "resiliparse" (6x faster, less exact); measured in bench/RESULTS.md
    min_words: int = 64  # heuristic cleaning (GPT-2 §2.1 names none; ours)
    min_english_share: float = 0.2
    max_mean_word_length: float = 12.0


@dg.asset(group_name=GROUP, kinds={"polars", "parquet"}, deps=[webtext_links, web_pages], automation_condition=FOLLOW,
          check_specs=[dg.AssetCheckSpec("documents_unique", asset="webtext_documents", blocking=True,
                                         description="One row per doc_id (exact duplicates were removed)."),
                       dg.AssetCheckSpec("counts_reconcile", asset="webtext_documents", blocking=True,
                                         description="Documents + dropped links = links.")],
          description="Main text of the pages WebText links point to, cleaned and exactly deduplicated.")
def webtext_documents(config: WebTextDocumentsConfig, data: DataRoot):
    links = data.lake.scan("webtext_links").select("url_key", "url").collect()
    pages = data.lake.scan("web_pages").select(
        "url", "record_id", "fetched_at", "http_status", "is_html", "html", "location").collect()
    rule = CleanRule(config.min_words, config.min_english_share, config.max_mean_word_length)
    docs, drops = build_documents(links, pages, rule, config.extractor)
    data.lake.write_frame("webtext_documents", docs)
    write_drops(data, "webtext_documents", drops, "webtext")
    data.publish("webtext_documents", "document_drops")
    reasons = reason_counts(drops)
    yield dg.MaterializeResult(metadata=table_metadata(
        docs, data, "webtext_documents", links=links.height, dropped=drops.height,
        extractor=config.extractor,
        tokens=int(docs["n_tokens"].sum()) if docs.height else 0,
        drops_by_reason=dg.MetadataValue.md(md_table([{"reason": k, "links": v} for k, v in reasons.items()]))))
    dup = docs.height - docs["doc_id"].n_unique()
    yield dg.AssetCheckResult(check_name="documents_unique", passed=dup == 0, metadata={"duplicate_doc_ids": dup},
                              description=None if dup == 0 else f"{dup} doc_id(s) repeat (one each): report it")
    ok = docs.height + drops.height == links.height
    yield dg.AssetCheckResult(
        check_name="counts_reconcile", passed=ok,
        metadata={"links": links.height, "documents": docs.height, "dropped": drops.height},
        description=None if ok else f"{docs.height} documents + {drops.height} dropped links differ from "
        f"{links.height} links (each link is one or the other): report it")


WEBTEXT_ASSETS = [webtext_links, webtext_documents]
