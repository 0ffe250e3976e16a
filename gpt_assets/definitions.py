"""The code location: every asset, check, resource, sensor and schedule of gpt-assets."""

import dagster as dg

from gpt_assets.defs.ingest import INGEST_ASSETS, ingest_rejects
from gpt_assets.resources import Compute, DataRoot

ASSETS = [*INGEST_ASSETS, ingest_rejects]
RESOURCES = {"data": DataRoot(), "compute": Compute()}

defs = dg.Definitions(assets=ASSETS, resources=RESOURCES)
