"""The code location: every asset, check, resource, sensor and schedule of gpt-assets."""

import dagster as dg

from gpt_assets.defs.dedup import DEDUP_ASSETS
from gpt_assets.defs.drops import document_drops
from gpt_assets.defs.evaluation import lm_evaluation, task_models
from gpt_assets.defs.ingest import INGEST_ASSETS, ingest_rejects
from gpt_assets.defs.mixture import MIXTURE_ASSETS
from gpt_assets.defs.prompts import PROMPT_ASSETS, LabelerResource
from gpt_assets.defs.quality import QUALITY_ASSETS
from gpt_assets.defs.rlhf import RLHF_ASSETS
from gpt_assets.defs.rounds import ROUND_ASSETS
from gpt_assets.defs.scaling import scaling_ladder
from gpt_assets.defs.scrape import SCRAPE_ASSETS
from gpt_assets.defs.sensors import SCHEDULES, SENSORS
from gpt_assets.defs.training import TRAINING_ASSETS
from gpt_assets.defs.webtext import WEBTEXT_ASSETS
from gpt_assets.jobs import lineage_jobs
from gpt_assets.resources import Compute, DataRoot, Shards

# Who answers for each lineage stage (Dagster shows owners on every asset page; teams are ours to rename).
OWNERS = {"ingest": "team:data-ingest", "webtext": "team:pretraining-data", "quality_filter": "team:pretraining-data",
          "dedup": "team:pretraining-data", "mixture": "team:pretraining-data", "instructgpt_data": "team:alignment",
          "training": "team:training"}

ASSETS = dg.map_asset_specs(
    lambda spec: spec.replace_attributes(owners=[OWNERS[spec.group_name]]),
    [*INGEST_ASSETS, ingest_rejects, *WEBTEXT_ASSETS, *SCRAPE_ASSETS, *QUALITY_ASSETS, *DEDUP_ASSETS, *MIXTURE_ASSETS,
     *PROMPT_ASSETS, *TRAINING_ASSETS, *RLHF_ASSETS, *ROUND_ASSETS, lm_evaluation, task_models, scaling_ladder,
     document_drops])
RESOURCES = {"data": DataRoot(), "compute": Compute(), "labeler": LabelerResource(), "shards": Shards()}

defs = dg.Definitions(assets=ASSETS, resources=RESOURCES, jobs=lineage_jobs(ASSETS), sensors=SENSORS,
                      schedules=SCHEDULES)
