"""gpt-assets: the GPT papers' data and training lineage as Dagster assets."""

import os

# Arrow's jemalloc pool unless the user named one (read when Arrow first allocates, so set before any import of
# pyarrow does). Measured with bench/crawl_scale.py from 1x to 64x the demo crawl: peak RSS of the streamed quality
# stages +15-16% with jemalloc, +15-28% with pa.set_memory_pool after import, +23-31% with this pyarrow's default
# (mimalloc), which keeps the pages of earlier batches.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
