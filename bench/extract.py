"""Main-text extraction quality and speed: Resiliparse against trafilatura, on the sample world's truth.

    .venv/bin/python bench/extract.py [--data DIR]   # DIR holds raw/ and truth/ of a sample world (default: data/)

Quality is word-level F1 between the extracted text and the true article text (title + paragraphs),
over the sample world's article, mirror and near-duplicate pages; plus the share of pages whose
extraction keeps a page-chrome line (navigation, cookie notice, ad label) that the truth lacks.
On ../shared/real-samples/ (no truth) it reports characters extracted and speed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gpt_assets.ingest.web import read_web_pages  # noqa: E402
from gpt_assets.sampleworld import load_truth  # noqa: E402
from gpt_assets.webtext.extract import EXTRACTORS, extract_main_text  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "real-samples"


def f1(pred: str, gold: str) -> float:
    p, g = Counter(pred.lower().split()), Counter(gold.lower().split())
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def pages(raw: Path) -> dict[str, str]:
    out = {}
    for path in sorted((raw / "webpages").glob("*.warc.gz")):
        for row in read_web_pages(path):
            if isinstance(row, dict) and row["is_html"] and row["http_status"] == 200:
                out[row["url"]] = row["html"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / "data"))
    args = ap.parse_args()
    root = Path(args.data)
    truth = load_truth(root / "truth", "webpages").filter(pl.col("kind").is_in(["article", "mirror", "near_duplicate"]))
    html = pages(root / "raw")
    gold = {u: t for u, t in truth.select("url", "main_text").iter_rows() if u in html}
    print(f"{len(gold)} sample-world pages with true main text\n")
    print("| extractor | mean word F1 | pages with F1 < 0.9 | ms per page |\n|---|---:|---:|---:|")
    for name in EXTRACTORS:
        t = time.perf_counter()
        scores = [f1(extract_main_text(html[u], name), g) for u, g in gold.items()]
        ms = (time.perf_counter() - t) * 1000 / max(1, len(gold))
        low = sum(s < 0.9 for s in scores) / max(1, len(scores))
        print(f"| {name} | {sum(scores) / len(scores):.4f} | {low:.1%} | {ms:.2f} |")
    warc = SAMPLES / "cc_CC-MAIN-2020-34_sample.warc.gz"
    if warc.exists():
        real = [r["html"] for r in read_web_pages(warc) if isinstance(r, dict) and r["is_html"]]
        print(f"\nreal-samples {warc.name}: {len(real)} HTML responses\n")
        print("| extractor | pages with text | mean chars | ms per page |\n|---|---:|---:|---:|")
        for name in EXTRACTORS:
            t = time.perf_counter()
            out = [extract_main_text(h, name) for h in real]
            ms = (time.perf_counter() - t) * 1000 / len(real)
            print(f"| {name} | {sum(bool(o) for o in out)} | {sum(map(len, out)) / len(out):.0f} | {ms:.2f} |")


if __name__ == "__main__":
    main()
