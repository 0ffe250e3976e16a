"""Synthetic corpora with planted near-duplicate clusters (tests, benchmarks, recall reports).

Documents are random word sequences (Zipf-distributed over a pseudo-word vocabulary, some words carrying a
comma or period). A planted cluster is an original plus variants, each with ``edits`` random word substitutions
(which change at most ``ngram`` shingles each) and a few words re-capitalised (invisible after normalisation).
Clusters are shuffled among unrelated documents. Everything is a function of ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

import numpy as np


@dataclass(frozen=True)
class PlantedCorpus:
    """``texts[k]`` belongs to planted cluster ``cluster[k]`` (unrelated documents have their own)."""

    texts: list[str]
    cluster: np.ndarray  # int64

    def truth_pairs(self) -> set[tuple[int, int]]:
        """All pairs of documents of the same planted cluster."""
        from .metrics import cluster_pairs

        return cluster_pairs(self.cluster)


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    lengths = rng.integers(2, 11, size)
    chars = letters[rng.integers(0, 26, int(lengths.sum()))].tobytes().decode()
    bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
    words = [chars[a:b] + f"{k:x}" for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]
    marks = rng.random(size)
    return [w + ("," if m < 0.04 else "." if m < 0.07 else "") for w, m in zip(words, marks, strict=True)]


def planted_corpus(
    n_docs: int,
    *,
    words_per_doc: tuple[int, int] = (200, 260),
    dup_fraction: float = 0.2,
    cluster_size: tuple[int, int] = (2, 4),
    edits: tuple[int, int] = (1, 2),
    vocab_size: int = 50_000,
    seed: int = 0,
) -> PlantedCorpus:
    """``n_docs`` texts of which about ``dup_fraction`` sit in planted near-duplicate clusters."""
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng, vocab_size)
    vocab = vocab + [w.capitalize() for w in vocab]  # id + vocab_size: same word, capitalised
    sizes = []
    in_clusters = 0
    while in_clusters < dup_fraction * n_docs:
        k = int(rng.integers(cluster_size[0], cluster_size[1] + 1))
        k = min(k, n_docs - in_clusters)
        if k < 2:
            break
        sizes.append(k)
        in_clusters += k
    n_orig = n_docs - in_clusters + len(sizes)
    lengths = rng.integers(words_per_doc[0], words_per_doc[1] + 1, n_orig)
    ids = (rng.zipf(1.3, int(lengths.sum())) - 1) % vocab_size
    bounds = np.concatenate(([0], np.cumsum(lengths)))
    docs: list[np.ndarray] = [ids[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    cluster = list(range(n_orig))
    for c, k in enumerate(sizes):  # originals 0..len(sizes)-1 get variants
        for _ in range(k - 1):
            v = docs[c].copy()
            n_edit = int(rng.integers(edits[0], edits[1] + 1))
            v[rng.integers(0, len(v), n_edit)] = rng.integers(0, vocab_size, n_edit)
            caps = rng.integers(0, len(v), 3)
            v[caps] = v[caps] % vocab_size + vocab_size
            docs.append(v)
            cluster.append(c)
    order = rng.permutation(len(docs))
    texts = [" ".join(itemgetter(*docs[k].tolist())(vocab)) for k in order.tolist()]
    return PlantedCorpus(texts=texts, cluster=np.asarray(cluster, dtype=np.int64)[order])
