"""gpt-assets: the GPT papers' data and training lineage as Dagster assets."""
