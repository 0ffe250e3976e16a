"""The embedded sample world: deterministic synthetic raw inputs in real formats, with ground truth.

from gpt_assets.sampleworld import write_sample_world, load_truth
counts = write_sample_world(raw_dir, truth_dir, scale="tiny", seed=0)
df = load_truth(truth_dir, "commoncrawl")
"""

from gpt_assets.sampleworld.world import (
    SCALES,
    TRUTH_NAMES,
    Scale,
    load_truth,
    load_world,
    write_sample_world,
)

__all__ = ["SCALES", "TRUTH_NAMES", "Scale", "load_truth", "load_world", "write_sample_world"]
