"""Partitions: a Reddit month and a Common Crawl crawl are the units of parallel work; an RLHF round is the unit of
iterated RLHF (round n's comparisons are samples of round n-1's policy)."""

import dagster as dg

reddit_months = dg.DynamicPartitionsDefinition(name="reddit_months")
cc_crawls = dg.DynamicPartitionsDefinition(name="cc_crawls")
rlhf_rounds = dg.DynamicPartitionsDefinition(name="rlhf_rounds")
