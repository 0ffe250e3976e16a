"""The GPT-3 training mixture (Table 2.2): sources sampled by weight to a token budget.

Documents are drawn per source in a seeded order until the source's share of the
budget is reached; a source smaller than its share is repeated (its epochs > 1),
as GPT-3 repeated Wikipedia and books.  The table's weights (60/22/8/8/3) sum to
101% after rounding; they are normalized to 1.  Token counts before the BPE
tokenizer exists (it is trained on this mixture) are GPT-2 pre-tokenizer pieces,
which track BPE tokens to within ~10-20% on English prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import regex

# GPT-2's pre-tokenization pattern (the pieces BPE then splits further).
GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def count_tokens(text: str) -> int:
    return len(GPT2_PATTERN.findall(text))


@dataclass(frozen=True)
class MixtureConfig:
    # GPT-3 Table 2.2: weight in the training mix
    weights: dict[str, float] = field(default_factory=lambda: {
        "commoncrawl": 0.60, "webtext": 0.22, "books1": 0.08, "books2": 0.08, "wikipedia": 0.03})
    # GPT-3 §2.2 trained on 300B tokens; 0 = auto: the budget at which Common Crawl (the largest weight) is read
    # once; without Common Crawl documents, the present source of the largest weight
    token_budget: int = 0
    seed: int = 0


def present_weights(available: dict[str, int], cfg: MixtureConfig) -> dict[str, float]:
    """The weights of the sources that have documents, normalized to 1 (a source with none cannot be sampled)."""
    have = {s: w for s, w in cfg.weights.items() if w > 0 and available.get(s, 0) > 0}
    total = sum(have.values())
    return {s: w / total for s, w in have.items()} if total else {}


def resolve_budget(available: dict[str, int], cfg: MixtureConfig) -> int:
    if cfg.token_budget > 0:
        return cfg.token_budget
    weights = present_weights(available, cfg)
    if not weights:
        raise ValueError(f"no documents of any weighted source ({', '.join(sorted(cfg.weights))})")
    anchor = max(weights, key=lambda s: (weights[s], s))
    return int(available[anchor] / weights[anchor])


def take(tokens: np.ndarray, target: int) -> tuple[int, int]:
    """(full passes, documents of the last pass) whose token sum is closest to ``target``.

    Documents are whole: the last one is taken only when that brings the sum closer to the target, so a
    source ends at most half a document away from its share.
    """
    per_pass = int(tokens.sum())
    if per_pass == 0 or target <= 0:
        return 0, 0
    full, rest = divmod(target, per_pass)
    cum = np.cumsum(tokens)
    n = int(np.searchsorted(cum, rest, side="left"))  # cum[n] >= rest: the document that crosses it
    if n < len(tokens):
        before = int(cum[n - 1]) if n else 0
        n += 1 if cum[n] - rest < rest - before else 0
    return full, n


def sample(docs: pl.DataFrame, cfg: MixtureConfig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """From (source, doc_id, text, n_tokens), the rows the mixture takes and the per-source summary.

    A document taken k times appears k times, with ``copy`` = 0..k-1. Weighted sources without documents
    are reported with 0 tokens and the others' weights renormalized. The summary's ``target`` is each
    source's share of the budget and ``max_doc_tokens`` its largest document (what limits how exactly
    whole documents can meet the target).
    """
    available = {s: int(n) for s, n in docs.group_by("source").agg(pl.col("n_tokens").sum()).iter_rows()}
    budget = resolve_budget(available, cfg)
    weights = present_weights(available, cfg)
    taken: list[pl.DataFrame] = []
    summary = []
    for i, source in enumerate(sorted(cfg.weights)):
        weight = weights.get(source, 0.0)
        target = int(round(budget * weight))
        src = docs.filter(pl.col("source") == source).sort("doc_id")
        biggest = int(src["n_tokens"].max() or 0) if src.height else 0
        if src.height == 0 or target == 0:
            summary.append((source, available.get(source, 0), weight, target, 0, 0.0, 0, biggest))
            continue
        order = np.random.default_rng([cfg.seed, i]).permutation(src.height)
        tokens = src["n_tokens"].to_numpy()[order]
        per_pass = int(tokens.sum())
        full, n_last = take(tokens, target)
        picks = [(p, np.arange(src.height)) for p in range(full)] + [(full, np.arange(n_last))]
        parts = [src[order[idx]].with_columns(pl.lit(p, dtype=pl.Int32).alias("copy")) for p, idx in picks if len(idx)]
        frame = pl.concat(parts) if parts else src.head(0).with_columns(pl.lit(0, dtype=pl.Int32).alias("copy"))
        got = int(frame["n_tokens"].sum()) if frame.height else 0
        taken.append(frame)
        summary.append((source, per_pass, weight, target, got, got / per_pass if per_pass else 0.0, frame.height,
                        biggest))
    mixture = pl.concat(taken) if taken else docs.head(0).with_columns(pl.lit(0, dtype=pl.Int32).alias("copy"))
    total = max(1, sum(s[4] for s in summary))
    table = pl.DataFrame(
        summary, orient="row",
        schema={"source": pl.String, "tokens_available": pl.Int64, "weight": pl.Float64, "target": pl.Int64,
                "tokens": pl.Int64, "epochs": pl.Float64, "documents": pl.Int64, "max_doc_tokens": pl.Int64},
    ).with_columns((pl.col("tokens") / total).alias("share"), pl.lit(budget).alias("token_budget"))
    return mixture, table
