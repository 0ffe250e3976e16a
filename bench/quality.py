"""The GPT-3 quality classifier on real text and on the sample world, for a grid of fastText settings.

    .venv/bin/python bench/quality.py [--demo <data root of a materialized demo world>] [--grid default|wide]

Real world (``../shared/real-samples/``): curated = the three Gutenberg books (as windows of the
classifier's reading length) and the WikiText-2 articles (detokenized, as Wikipedia is published);
raw CC = the WET pages plus the text of the CC WARC responses. Too few documents for one held-out
split, so every document is scored by a model that never saw it (5 folds, grouped by document).
Sample world: the lake's own classifier inputs (WebText + books + Wikipedia against raw CC), the
held-out split the asset uses, and the planted CC page kinds (truth) for the keep rate of good and
bad pages. ``expected keep`` is the Pareto rule's keep probability ``(2 - score) ** -alpha``
averaged over documents: the share the rule keeps in expectation, without draw noise.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpt_assets.quality import ClassifierConfig, expected_keep, roc_auc, train  # noqa: E402
from tests.real_landing import REAL, wikitext_articles  # noqa: E402


def book_windows(text: str, words: int) -> list[str]:
    toks = text.split()
    return [" ".join(toks[i : i + words]) for i in range(0, len(toks) - words // 2, words)]


def real_corpus(words: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    from resiliparse.extract.html2text import extract_plain_text

    from gpt_assets.ingest import web

    pos: list[tuple[str, str]] = []
    with gzip.open(REAL / "gutenberg_3_books.jsonl.gz", "rt") as fh:
        for line in fh:
            book = json.loads(line)
            pos += [(f"{book['id']}#{i}", w) for i, w in enumerate(book_windows(book["text"], words))]
    pos += [(f"wiki:{t}", text) for t, text in wikitext_articles()]
    neg: list[tuple[str, str]] = []
    for name in ("cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz", "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz"):
        neg += [(f"cc:{r['url']}", r["text"]) for r in web.read_wet(REAL / name, crawl="x") if isinstance(r, dict)]
    for r in web.read_web_pages(REAL / "cc_CC-MAIN-2020-34_sample.warc.gz"):
        if isinstance(r, dict) and r.get("html"):
            text = extract_plain_text(r["html"], main_content=False)  # all text, as a WET conversion keeps it
            if text.strip():
                neg.append((f"warc:{r['url']}", text))
    return pos, neg


# Our reading of the real CC pages (no labels ship with them): articles with running text are good; navigation,
# listings, shops, forecasts, 404 pages, forums, spam, adult and non-English pages are bad.
GOOD_PAGES = ("blog.epa.gov", "mobile.abc.net.au", "ahwatukee.com", "cdc.gov/pcd", "mayoclinic.org",
              "biomedsearch.com/nih/", "1005thewolf.iheart.com")


def is_good_page(doc_id: str) -> bool:
    return any(p in doc_id for p in GOOD_PAGES)


def group_of(doc_id: str) -> str:
    return doc_id.split("#")[0]


def cross_scores(pos, neg, cfg: ClassifierConfig, folds: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold scores of every document (folds by document group: a book's windows stay together)."""
    docs = [(d, t, True) for d, t in pos] + [(d, t, False) for d, t in neg]
    groups = sorted({group_of(d) for d, _, _ in docs})
    rng = np.random.default_rng(cfg.seed)
    fold_of = dict(zip(groups, rng.permutation(len(groups)) % folds, strict=True))
    scores = np.zeros(len(docs))
    labels = np.array([y for _, _, y in docs])
    for k in range(folds):
        tr = [i for i, (d, _, _) in enumerate(docs) if fold_of[group_of(d)] != k]
        te = [i for i, (d, _, _) in enumerate(docs) if fold_of[group_of(d)] == k]
        clf, _ = train([docs[i][:2] for i in tr if labels[i]], [docs[i][:2] for i in tr if not labels[i]],
                       replace(cfg, heldout_share=0.0))
        scores[te] = clf.score([docs[i][1] for i in te])
    return labels, scores, [d for d, _, _ in docs]


def demo_inputs(root: Path):
    import polars as pl

    from gpt_assets.lake import Lake
    from gpt_assets.sampleworld import load_truth

    lake = Lake(root)
    pos = pl.concat([lake.scan("webtext_documents").select("doc_id", "text").collect(),
                     lake.scan("reference_documents").select((pl.col("corpus") + ":" + pl.col("id")).alias("doc_id"),
                                                             "text").collect()])
    neg = lake.scan("cc_documents").select("doc_id", "text").collect()
    uuid = pl.col("record_id").str.strip_chars("<>").str.replace("urn:uuid:", "")
    truth = load_truth(root / "truth", "commoncrawl").select(uuid.alias("doc_id"), "quality_label", "kind")
    neg = neg.join(truth, on="doc_id", how="left")
    n = min(pos.height, neg.height)  # balanced classes, as the asset trains (balance_classes)
    pos = pos.sort("doc_id").sample(n, seed=0) if pos.height > n else pos
    return pos, neg.sort("doc_id").sample(n, seed=0), neg


GRIDS = {
    "default": [dict(epoch=e, lr=lr, word_ngrams=ng, dim=d) for e, lr, ng, d in
                [(2, 0.1, 1, 16), (25, 0.1, 1, 16), (5, 0.5, 2, 16), (10, 0.5, 2, 16), (25, 0.5, 2, 16),
                 (25, 0.5, 1, 16), (50, 0.5, 2, 16), (25, 1.0, 2, 16)]],
    "candidates": [dict(epoch=e, lr=lr, word_ngrams=ng, dim=16) for e, lr, ng in
                   [(2, 0.1, 1), (5, 0.5, 1), (5, 0.5, 2), (10, 0.5, 1), (25, 0.1, 1), (25, 0.5, 1)]],
    "wide": [dict(epoch=e, lr=lr, word_ngrams=ng, dim=d) for e, lr, ng, d in
             itertools.product([2, 5, 10, 25, 50], [0.1, 0.5, 1.0], [1, 2], [16])],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", type=Path, help="data root of a materialized demo world (ingest + webtext)")
    ap.add_argument("--grid", choices=sorted(GRIDS), default="default")
    ap.add_argument("--no-real", action="store_true", help="skip the real-samples cross-validation")
    args = ap.parse_args()
    base = ClassifierConfig()
    real = real_corpus(base.max_words) if REAL.exists() and not args.no_real else None
    demo = demo_inputs(args.demo) if args.demo else None
    if real:
        print(f"real: {len(real[0])} curated windows/articles, {len(real[1])} CC pages")
    print("| epoch | lr | ngrams | dim | real AUC (5-fold) | real keep curated | real keep CC | "
          "real CC good-vs-bad AUC | real keep good | real keep bad | real good/bad | "
          "world AUC | world keep good | world keep bad | world good/bad | s |")
    print("|" + "---:|" * 16)
    for g in GRIDS[args.grid]:
        cfg = replace(base, **g)
        t0 = time.perf_counter()
        row = [g["epoch"], g["lr"], g["word_ngrams"], g["dim"]]
        if real:
            y, s, ids = cross_scores(*real, cfg)
            good = np.array([is_good_page(d) for d in ids]) & ~y
            bad = ~y & ~good
            kg, kb = expected_keep(s[good], cfg.alpha), expected_keep(s[bad], cfg.alpha)
            row += [f"{roc_auc(y, s):.3f}", f"{expected_keep(s[y], cfg.alpha):.3f}",
                    f"{expected_keep(s[~y], cfg.alpha):.3f}",
                    f"{roc_auc(good[~y], s[~y]):.3f}", f"{kg:.3f}", f"{kb:.4f}", f"{kg / max(kb, 1e-9):.1f}"]
        else:
            row += ["-"] * 7
        if demo:
            pos, sample, neg = demo
            clf, m = train(list(pos.select("doc_id", "text").iter_rows()),
                           list(sample.select("doc_id", "text").iter_rows()), cfg)
            s = clf.score(neg["text"].to_list())
            good = (neg["quality_label"] == "good").to_numpy()
            kg, kb = expected_keep(s[good], cfg.alpha), expected_keep(s[~good], cfg.alpha)
            row += [f"{m['heldout_roc_auc']:.3f}", f"{kg:.3f}", f"{kb:.3f}", f"{kg / max(kb, 1e-9):.1f}"]
        else:
            row += ["-"] * 4
        row.append(f"{time.perf_counter() - t0:.0f}")
        print("| " + " | ".join(str(v) for v in row) + " |", flush=True)


if __name__ == "__main__":
    main()
