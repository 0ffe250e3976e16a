"""Fuzzy deduplication (GPT-3 App. A): MinHash LSH within each dataset, and WebText removed from Common Crawl.

Plain functions, no Dagster: normalise and shingle texts (word n-grams), MinHash them with numpy
(datasketch-compatible permutations), band the signatures into LSH buckets, verify candidate pairs, join them
into clusters, keep one survivor per cluster. See the module docstrings for every definition.
"""

from .clusters import connected_components, survivors
from .config import DEFAULT, GPT3, GPT3_OPTIMAL, DedupConfig
from .frame import OUTPUT_COLUMNS, dedup, remove_reference_copies
from .index import DedupIndex
from .lsh import band_keys, candidate_pairs, cross_pairs, estimate_jaccard, optimal_param
from .metrics import cluster_pairs, cluster_precision_recall, precision_recall
from .minhash import EMPTY, permutations, signatures
from .normalization import normalize
from .shingles import shingle_strings
from .signed import Signed, sign

__all__ = [
    "DEFAULT",
    "GPT3",
    "GPT3_OPTIMAL",
    "OUTPUT_COLUMNS",
    "DedupConfig",
    "DedupIndex",
    "Signed",
    "band_keys",
    "candidate_pairs",
    "cluster_pairs",
    "cluster_precision_recall",
    "connected_components",
    "cross_pairs",
    "dedup",
    "estimate_jaccard",
    "EMPTY",
    "normalize",
    "optimal_param",
    "permutations",
    "precision_recall",
    "remove_reference_copies",
    "shingle_strings",
    "sign",
    "signatures",
    "survivors",
]
