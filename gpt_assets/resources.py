"""Dagster resources: the data root (lake + catalog) and the compute device."""


import dagster as dg

from gpt_assets.catalog import refresh_views
from gpt_assets.lake import Lake
from gpt_assets.paths import data_root


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


class Compute(dg.ConfigurableResource):
    """Where training runs: ``auto`` picks CUDA when torch sees a GPU, else the CPU."""

    device: str = "auto"  # auto | cpu | cuda | cuda:N

    def torch_device(self) -> str:
        if self.device != "auto":
            return self.device
        import torch  # imported lazily: ingestion runs never pay for it

        return "cuda" if torch.cuda.is_available() else "cpu"
