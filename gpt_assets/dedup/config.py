"""Dedup settings and the two presets.

``DEFAULT``: 128 permutations, Jaccard threshold 0.8, word 5-grams; ``(bands, rows) = (9, 13)`` from
datasketch's parameter optimisation; candidates verified by estimated Jaccard >= 0.8.

``GPT3``: GPT-3 App. A fuzzily deduplicated "using Spark's MinHashLSH implementation with 10 hashes". Spark's
``MinHashLSH`` has no AND-amplification: each of its ``numHashTables`` is one MinHash, and two documents are
candidates when any table agrees. We model "10 hashes" as ``num_perm=10`` split into 10 bands of 1 row
(OR of 10 single hashes). Spark's ``approxSimilarityJoin`` then keeps candidates by their exact Jaccard
distance; we keep the signatures only, so candidates are verified by estimated Jaccard over the 10 values
(>= 8 of 10 equal at threshold 0.8), which costs recall near the threshold. The paper names neither the
threshold nor the features beyond "the same features as were used for classification"; we keep 0.8 and word
5-grams so the preset differs from ``DEFAULT`` in the hash budget only. ``GPT3_OPTIMAL`` is the same budget
with datasketch's optimal banding for 10 permutations, ``(2, 5)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .hashing import HASHES
from .lsh import optimal_param
from .minhash import SCHEMES


@dataclass(frozen=True)
class DedupConfig:
    """Everything that decides which documents are near-duplicates.

    ``bands``/``rows``: LSH banding; ``None`` derives them from ``threshold``, ``num_perm`` and ``weights``
    (false-positive, false-negative) exactly as datasketch's ``MinHashLSH`` does. ``verify``: keep a candidate
    pair only if its estimated Jaccard (fraction of equal signature values) is ``>= threshold``. ``fanout``:
    pairs per document per bucket (see :mod:`.lsh`). ``source_priority``: sources in survivor preference order.
    ``hash``/``scheme``: see :mod:`.hashing` and :mod:`.minhash`.
    """

    num_perm: int = 128
    threshold: float = 0.8
    ngram: int = 5
    seed: int = 1
    bands: int | None = None
    rows: int | None = None
    weights: tuple[float, float] = (0.5, 0.5)
    verify: bool = True
    fanout: int = 32
    hash: str = "fmix64"
    scheme: str = "affine32"
    source_priority: tuple[str, ...] = ()
    batch_size: int = 2048

    def __post_init__(self) -> None:
        if self.hash not in HASHES:
            raise ValueError(f"hash must be one of {HASHES}")
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}")
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        b, r = self.lsh_params
        if b * r > self.num_perm:
            raise ValueError(f"bands*rows = {b * r} exceeds num_perm = {self.num_perm}")

    @property
    def lsh_params(self) -> tuple[int, int]:
        """``(bands, rows)``."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return optimal_param(self.threshold, self.num_perm, *self.weights)

    def with_(self, **changes: object) -> DedupConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    def signature_fingerprint(self) -> dict[str, object]:
        """The settings that signatures and band keys depend on (stored with an index, checked on reload)."""
        d = asdict(self)
        b, r = self.lsh_params
        return {k: d[k] for k in ("num_perm", "ngram", "seed", "hash", "scheme")} | {"bands": b, "rows": r}


DEFAULT = DedupConfig()
GPT3 = DedupConfig(num_perm=10, bands=10, rows=1)
GPT3_OPTIMAL = DedupConfig(num_perm=10)
