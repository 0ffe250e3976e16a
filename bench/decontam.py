"""Decontamination throughput per core (issue 14: at least 20 MB/s), against an earlier commit's engine.

    .venv/bin/python bench/decontam.py [--mb 32] [--baseline 2a5d21c] [--repeats 3]

Training documents are real text from ``../shared/real-samples/`` (Common Crawl WET pages, three Gutenberg books
and WikiText-2 articles cut into 4,000-character documents, repeated to ``--mb`` megabytes of UTF-8); the
benchmarks are real too (LAMBADA's 5,153 test passages and HellaSwag's 1,000 validation contexts), and one
document in 200 has a different LAMBADA passage planted in it, so both passes and the cutting do real work.
``decontam_stage.run`` (both passes, the report, recounted tokens) is timed on one core, best of ``--repeats``;
the baseline commit's ``decontam_stage.run`` (read with ``git show``) runs the same input in the same process,
once, and both outputs must agree row for row.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
import types
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpt_assets import decontam_stage  # noqa: E402
from gpt_assets.decontam import DecontamConfig  # noqa: E402
from gpt_assets.ingest import web  # noqa: E402
from tests.real_landing import REAL, detokenize_wikitext  # noqa: E402

WET = ("cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz", "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz")


def real_documents(mb: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    pages = [r["text"] for name in WET for r in web.read_wet(REAL / name, crawl="x") if isinstance(r, dict)]
    books = "\n".join(json.loads(line)["text"] for line in gzip.open(REAL / "gutenberg_3_books.jsonl.gz", "rt"))
    wiki = detokenize_wikitext((REAL / "wikitext2_valid.txt").read_text())
    prose = books + "\n" + wiki
    base = pages + [prose[i:i + 4000] for i in range(0, len(prose), 4000)]
    lambada = [json.loads(line)["text"] for line in open(REAL / "bench_lambada_openai_test.jsonl")]
    hellaswag = [json.loads(line)["ctx"] for line in open(REAL / "bench_hellaswag_val_1000.jsonl")]
    docs, size = [], 0
    while size < mb * 1e6:
        for text in base:
            if len(docs) % 200 == 199:  # a distinct passage each time: a leak, not a common phrase
                p = len(docs) // 200 % len(lambada)
                text = text[:2000] + " " + lambada[p] + " " + text[2000:]
            docs.append(text)
            size += len(text.encode())
    frame = pl.DataFrame({"source": "real", "doc_id": [f"d{i}" for i in range(len(docs))], "text": docs,
                          "n_tokens": 0})
    bench = pl.DataFrame({"benchmark": ["lambada"] * len(lambada) + ["hellaswag"] * len(hellaswag),
                          "id": [str(i) for i in range(len(lambada) + len(hellaswag))], "text": lambada + hellaswag})
    return frame, bench


def baseline_stage(rev: str) -> types.ModuleType | None:
    """The baseline commit's decontamination stage, importing its own engine."""
    try:
        engine = subprocess.run(["git", "show", f"{rev}:gpt_assets/decontam.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
        stage = subprocess.run(["git", "show", f"{rev}:gpt_assets/decontam_stage.py"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    old = sys.modules["decontam_baseline"] = types.ModuleType("decontam_baseline")
    exec(compile(engine, f"{rev}:decontam.py", "exec"), old.__dict__)
    module = sys.modules["decontam_stage_baseline"] = types.ModuleType("decontam_stage_baseline")
    exec(compile(stage.replace("from gpt_assets.decontam import", "from decontam_baseline import"),
                 f"{rev}:decontam_stage.py", "exec"), module.__dict__)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=32)
    parser.add_argument("--baseline", default="2a5d21c")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frame, bench = real_documents(args.mb)
    mb = frame["text"].str.len_bytes().sum() / 1e6
    cfg = DecontamConfig()
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        clean, report, drops = decontam_stage.run(frame, bench, cfg)
        times.append(time.perf_counter() - t0)
    touched = int(report["documents_touched"].sum())
    print(f"{frame.height:,} documents, {mb:.1f} MB; {touched} touched, {drops.height} dropped; "
          f"decontam_stage.run {mb / min(times):.1f} MB/s (best of {args.repeats}: {min(times):.2f} s; first "
          f"{mb / times[0]:.1f} MB/s)")
    old = baseline_stage(args.baseline)
    if old is None:
        print(f"baseline {args.baseline} not readable with git: no comparison")
        return
    t0 = time.perf_counter()
    old_clean, old_report, old_drops = old.run(frame, bench, cfg)
    took = time.perf_counter() - t0
    same = old_clean.equals(clean) and old_report.equals(report) and old_drops["doc_id"].equals(drops["doc_id"])
    print(f"baseline {args.baseline}: {mb / took:.2f} MB/s ({took:.1f} s); ratio {took / min(times):.1f}x; "
          f"outputs identical: {same}")


if __name__ == "__main__":
    main()
