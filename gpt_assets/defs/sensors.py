"""New data in the landing zone: a new Reddit month or crawl becomes a partition and a run request.

One sensor per partitioned source keeps, as its cursor, the partition keys it has already
requested; a tick lists its folder of the landing zone (a directory listing, so it stays within
the sensor time limit however large the dumps are), registers the new keys in the dynamic
partitions definition and requests one run per new key.  A second tick over the same files requests
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


def landing_sensor(source: str, finder, pdef: dg.DynamicPartitionsDefinition, asset) -> dg.SensorDefinition:
    """A sensor for one partitioned source (a sensor's target shares one partitions definition)."""

    @dg.sensor(name=f"{source}_landing_sensor", minimum_interval_seconds=60, target=asset,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description=f"Turns a new {source} dump in raw/{source}/ into a new partition of "
                           f"{asset.key.to_user_string()} and one run for it.")
    def _sensor(context: dg.SensorEvaluationContext, data: DataRoot) -> dg.SensorResult:
        seen = set(json.loads(context.cursor)) if context.cursor else set()
        new = [key for key in finder(data.lake.raw) if key not in seen]
        cursor = json.dumps(sorted(seen | set(new)))
        if not new:
            return dg.SensorResult(skip_reason=f"no new {source} partition in raw/{source}/", cursor=cursor)
        known = set(context.instance.get_dynamic_partitions(pdef.name))
        missing = [k for k in new if k not in known]
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=f"{source}:{key}", partition_key=key, asset_selection=[asset.key])
                          for key in new],
            dynamic_partitions_requests=[pdef.build_add_request(missing)] if missing else [],
            cursor=cursor)

    return _sensor


SENSORS = [landing_sensor(*w) for w in WATCHED]
reddit_landing_sensor, commoncrawl_landing_sensor = SENSORS
