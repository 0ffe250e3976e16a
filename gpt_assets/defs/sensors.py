"""New data in the landing zone: a new Reddit month or crawl becomes a partition and a run request.

The sensor keeps, as its cursor, the partition keys it has already requested; a tick lists
``raw/reddit`` and ``raw/commoncrawl`` (two directory listings, so it stays within the sensor
time limit however large the dumps are), registers the new keys in their dynamic partitions
definitions and requests one run per new key.  A second tick over the same files requests
nothing.  Downstream stages are left to declarative automation (a later step).
"""

import json

import dagster as dg

from gpt_assets.defs.ingest import cc_documents, reddit_submissions
from gpt_assets.ingest.landing import crawl_ids, reddit_months
from gpt_assets.partitions import cc_crawls
from gpt_assets.partitions import reddit_months as reddit_months_def
from gpt_assets.resources import DataRoot

WATCHED = (
    ("reddit", reddit_months, reddit_months_def, reddit_submissions),
    ("commoncrawl", crawl_ids, cc_crawls, cc_documents),
)


@dg.sensor(name="landing_zone_sensor", minimum_interval_seconds=60, target=[reddit_submissions, cc_documents],
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Turns a new raw/reddit/RS_YYYY-MM.zst or raw/commoncrawl/CC-MAIN-* folder into a new "
                       "partition and one run for it.")
def landing_zone_sensor(context: dg.SensorEvaluationContext, data: DataRoot) -> dg.SensorResult:
    seen: dict[str, list[str]] = json.loads(context.cursor) if context.cursor else {}
    raw = data.lake.raw
    runs, adds = [], []
    for source, finder, pdef, asset in WATCHED:
        done = set(seen.get(source, []))
        new = [key for key in finder(raw) if key not in done]
        if new:
            known = set(context.instance.get_dynamic_partitions(pdef.name))
            missing = [k for k in new if k not in known]
            if missing:
                adds.append(pdef.build_add_request(missing))
            runs += [dg.RunRequest(run_key=f"{source}:{key}", partition_key=key, asset_selection=[asset.key])
                     for key in new]
            seen[source] = sorted(done | set(new))
    cursor = json.dumps(seen, sort_keys=True)
    if not runs:
        return dg.SensorResult(skip_reason="no new Reddit month or crawl in raw/", cursor=cursor)
    return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=adds, cursor=cursor)


SENSORS = [landing_zone_sensor]
