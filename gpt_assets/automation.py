"""Declarative automation: which assets re-run on their own when what they read changes.

The data lineage follows its inputs (``eager``: run once a dependency has updated and none is missing), so a new
Reddit month or crawl, registered by the landing sensors, flows through WebText, the classifier, dedup and the
mixture. Two edges are deliberately ignored, so that adding a partition does not redo the old ones:

- ``cc_quality_scores`` ignores ``quality_classifier``: a retrained classifier scores new crawls; re-scoring old
  crawls with it is a backfill the user asks for (UI: select the partitions, Materialize).
- ``quality_classifier`` ignores ``cc_documents``: its raw-CC negatives are a sample; a new crawl does not retrain it.

Training assets carry no condition: a GPU run starts only when a person (or the schedule, for the evaluation)
asks for it.
"""

import dagster as dg

FOLLOW = dg.AutomationCondition.eager()


def follow_ignoring(*keys: str) -> dg.AutomationCondition:
    """``eager`` that does not react to updates of the named dependencies."""
    return dg.AutomationCondition.eager().ignore(dg.AssetSelection.assets(*keys))
