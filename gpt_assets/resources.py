"""Dagster resources: the data root (lake + catalog), the compute device, and where a partition's shards run."""


import dagster as dg
from pydantic import Field

from gpt_assets.catalog import refresh_views
from gpt_assets.lake import Lake
from gpt_assets.paths import data_root
from gpt_assets.shards import SHARD_ROWS, InProcess, RayRunner, Runner


class DataRoot(dg.ConfigurableResource):
    """The data root: ``raw/`` landing zone, ``lake/`` Parquet, ``warehouse.duckdb`` catalog.

    Empty ``path`` means ``$GPT_ASSETS_DATA``, else ``<repo>/data``.
    """

    path: str = ""

    @property
    def lake(self) -> Lake:
        return Lake(self.path or data_root())

    def publish(self, *assets: str) -> list[str]:
        """Make sure the catalog has a view per asset over its parts; return views (re)created."""
        lake = self.lake
        return refresh_views(lake.catalog, {a: lake.glob(a) for a in assets if lake.parts(a)})

    def publish_subsets(self, asset: str, column: str, prefix: str) -> list[str]:
        """One view per value of ``column`` of ``asset`` (``<prefix><value>``), e.g. one per benchmark task."""
        lake = self.lake
        if not lake.parts(asset):
            return []
        values = lake.scan(asset).select(column).unique().collect()[column].sort().to_list()
        views = {f"{prefix}{v}": lake.glob(asset) for v in values}
        return refresh_views(lake.catalog, views, where={f"{prefix}{v}": (column, v) for v in values})


class Compute(dg.ConfigurableResource):
    """Where training runs: ``auto`` picks CUDA when torch sees a GPU, else the CPU."""

    device: str = "auto"  # auto | cpu | cuda | cuda:N

    def torch_device(self) -> str:
        if self.device != "auto":
            return self.device
        import torch  # imported lazily: ingestion runs never pay for it

        return "cuda" if torch.cuda.is_available() else "cpu"


class Shards(dg.ConfigurableResource):
    """How the work inside one partition is spread: the per-shard stages (``cc_quality_scores``, ``cc_filtered``)
    cut a crawl into shards of ``shard_rows`` documents and run one task per shard, here or on Ray. The output is
    the same file either way."""

    backend: str = Field(default="local", description=(
        "local: the shards one after the other in the run's own process (make demo); ray: one Ray task of one CPU "
        "per shard."))
    ray_address: str = Field(default="", description=(
        "ray only. Empty: start a local Ray of `workers` CPUs in the run's process; 'auto' or 'ray://<head>:10001' "
        "(a KubeRay cluster's head service): join that cluster, whose workers must see the data root and have "
        "gpt-assets installed."))
    workers: int = Field(default=0, description="ray only, local Ray: its CPUs (0 = all of this machine's).")
    shard_rows: int = Field(default=SHARD_ROWS, description=(
        "Documents a shard (ours: 100k is ~400 MB of Common Crawl text, a few minutes of one core per stage)."))

    def runner(self) -> Runner:
        if self.backend == "local":
            return InProcess()
        if self.backend == "ray":
            return RayRunner(self.ray_address or None, self.workers)
        raise dg.Failure(f"resources.shards.backend={self.backend!r}: write local or ray")
