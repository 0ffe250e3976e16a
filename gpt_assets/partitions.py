"""Partitions: a Reddit month and a Common Crawl crawl are the units of parallel work."""

import dagster as dg

reddit_months = dg.DynamicPartitionsDefinition(name="reddit_months")
cc_crawls = dg.DynamicPartitionsDefinition(name="cc_crawls")
