"""Scoring throughput against fastText's own ``predict`` on the same documents (issue 14: at least 0.8x).

    .venv/bin/python bench/quality_scoring.py [--docs 20000] [--repeats 3]

Real Common Crawl pages (the two WET samples in ``../shared/real-samples/``, repeated to ``--docs``), a classifier
trained on half of them (the scores do not matter here, the work does). ``predict`` gets the lines ready-made (the
first 512 lower-cased words of each page, what the classifier reads); ``QualityClassifier.score`` gets the raw
pages and makes the lines itself. Best of ``--repeats``, both in this process one after the other; the ratio is
what to compare across machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpt_assets.ingest import web  # noqa: E402
from gpt_assets.quality import ClassifierConfig, fasttext_line, train  # noqa: E402
from tests.real_landing import REAL  # noqa: E402

WET = ("cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz", "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz")


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    pages = [r["text"] for name in WET for r in web.read_wet(REAL / name, crawl="x") if isinstance(r, dict)]
    clf, _ = train([(f"a{i}", t) for i, t in enumerate(pages[::2])], [(f"b{i}", t) for i, t in enumerate(pages[1::2])],
                   ClassifierConfig())
    docs = (pages * (args.docs // len(pages) + 1))[: args.docs]
    lines = [fasttext_line(t, clf.max_words) for t in docs]
    predict = best(lambda: clf.model.predict(lines, k=1), args.repeats)
    score = best(lambda: clf.score(docs), args.repeats)
    chars = sum(map(len, docs)) / len(docs)
    print(f"{len(docs):,} real CC pages (mean {chars:,.0f} characters): fastText predict on ready lines "
          f"{len(docs) / predict:,.0f} docs/s; QualityClassifier.score on the pages {len(docs) / score:,.0f} docs/s; "
          f"ratio {predict / score:.2f}")


if __name__ == "__main__":
    main()
