"""Decontaminate a set of training documents against benchmark examples (GPT-3 App. C), as frames."""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from gpt_assets.decontam import BenchmarkIndex, DecontamConfig, count_documents_per_key, decontaminate
from gpt_assets.mixture import count_tokens

REPORT_SCHEMA = {"benchmark": pl.String, "examples": pl.Int64, "documents_touched": pl.Int64,
                 "windows_removed": pl.Int64, "documents_dropped": pl.Int64, "common_13grams_ignored": pl.Int64}


def run(docs: pl.DataFrame, benchmarks: pl.DataFrame, cfg: DecontamConfig
        ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(clean documents, report per benchmark, drops) from ``docs`` (source, doc_id, text, n_tokens) and
    ``benchmarks`` (benchmark, id, text)."""
    index = BenchmarkIndex.build(benchmarks.select("benchmark", "text").iter_rows(), cfg.n)
    texts = docs["text"].to_list()
    counts = count_documents_per_key(texts, index, cfg.n)
    common = [h for h, n in counts.items() if n > cfg.max_doc_frequency]
    ignored = defaultdict(int)
    for h in common:
        ignored[index.owners[h]] += 1
    index = index.drop(common)
    touched, windows, dropped = defaultdict(int), defaultdict(int), defaultdict(int)
    out_text, out_flag, drops = [], [], []
    for doc_id, text in zip(docs["doc_id"].to_list(), texts, strict=True):
        r = decontaminate(text, index, cfg)
        for bench in r.benchmarks:
            touched[bench] += 1
            windows[bench] += r.windows
            if r.text is None:
                dropped[bench] += 1
        out_text.append(r.text)
        out_flag.append(bool(r.benchmarks))
        if r.text is None:
            drops.append((doc_id, "contaminated:" + ",".join(sorted(r.benchmarks))))
    cleaned = docs.with_columns(pl.Series("text", out_text, dtype=pl.String),
                                pl.Series("decontaminated", out_flag)).filter(pl.col("text").is_not_null())
    cleaned = cleaned.with_columns(
        pl.when(pl.col("decontaminated"))
        .then(pl.col("text").map_elements(count_tokens, return_dtype=pl.Int64))
        .otherwise(pl.col("n_tokens")).alias("n_tokens"))
    examples = dict(benchmarks.group_by("benchmark").len().iter_rows())
    report = pl.DataFrame(
        [(b, examples[b], touched[b], windows[b], dropped[b], ignored[b]) for b in sorted(examples)],
        schema=REPORT_SCHEMA, orient="row")
    drop_frame = pl.DataFrame(drops, schema={"doc_id": pl.String, "reason": pl.String}, orient="row")
    return cleaned, report, drop_frame
