"""New data in the landing zone: a new Reddit month or crawl becomes a partition and a run request.

One sensor per partitioned source keeps, as its cursor, the partition keys it has already
requested; a tick lists its folders of the landing zone (a directory listing, so it stays within
the sensor time limit however large the dumps are), registers the new keys in the dynamic
partitions definition and requests one run per new key.  A second tick over the same files requests
nothing.  Downstream stages follow by declarative automation (``gpt_assets.automation``), evaluated by
``data_lineage_automation``; two schedules (off by default, cron from ``GPT_ASSETS_REFRESH_CRON``) re-read the
unpartitioned landing folders and refresh the evaluation.
"""

import json
import os

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
               description=f"Turns a new {source} dump in raw/ (any layout of README's Landing zone) into a new "
                           f"partition of {asset.key.to_user_string()} and one run for it.")
    def _sensor(context: dg.SensorEvaluationContext, data: DataRoot) -> dg.SensorResult:
        seen = set(json.loads(context.cursor)) if context.cursor else set()
        new = [key for key in finder(data.lake.raw) if key not in seen]
        cursor = json.dumps(sorted(seen | set(new)))
        if not new:
            return dg.SensorResult(skip_reason=f"no new {source} partition in raw/", cursor=cursor)
        known = set(context.instance.get_dynamic_partitions(pdef.name))
        missing = [k for k in new if k not in known]
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=f"{source}:{key}", partition_key=key, asset_selection=[asset.key])
                          for key in new],
            dynamic_partitions_requests=[pdef.build_add_request(missing)] if missing else [],
            cursor=cursor)

    return _sensor


reddit_landing_sensor, commoncrawl_landing_sensor = (landing_sensor(*w) for w in WATCHED)
UNPARTITIONED_LANDING = ("web_pages", "reference_documents", "prompt_pool", "benchmark_examples", "benchmark_tasks",
                         "safety_prompts", "dialogues",
                         "imported_demonstrations", "imported_comparisons")


# Declarative automation (gpt_assets.automation) is evaluated by this sensor; off until switched on in the UI,
# like the landing sensors, so that starting `make ui` never launches work by itself.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "data_lineage_automation", target=dg.AssetSelection.all(), default_status=dg.DefaultSensorStatus.STOPPED,
    minimum_interval_seconds=30,
    description="Runs the data lineage downstream of new partitions (eager conditions; training is never automatic).")

REFRESH_CRON = os.environ.get("GPT_ASSETS_REFRESH_CRON", "0 4 * * *")  # ours; override in the environment

landing_refresh_schedule = dg.ScheduleDefinition(
    name="landing_refresh_schedule", cron_schedule=REFRESH_CRON, default_status=dg.DefaultScheduleStatus.STOPPED,
    target=dg.AssetSelection.assets(*UNPARTITIONED_LANDING),
    description="Re-reads the unpartitioned landing folders (web pages, references, prompts, benchmarks, feedback); "
                "the automation sensor carries changes downstream. Reddit months and crawls come via the sensors.")

evaluation_refresh_schedule = dg.ScheduleDefinition(
    name="evaluation_refresh_schedule", cron_schedule=REFRESH_CRON, default_status=dg.DefaultScheduleStatus.STOPPED,
    target=dg.AssetSelection.assets("policy_evaluation", "lm_evaluation"),
    description="Re-evaluates the latest PPO policy against the SFT model on the test prompts, and every model on "
                "the benchmark tasks.")

SENSORS = [reddit_landing_sensor, commoncrawl_landing_sensor, automation_sensor]
SCHEDULES = [landing_refresh_schedule, evaluation_refresh_schedule]
