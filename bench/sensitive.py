"""The sensitive-prompt classifier on real files: HH-RLHF red-team requests against ordinary instructions.

    .venv/bin/python bench/sensitive.py [--seeds 3]

Positives: the first human turn of each dialogue in ``hh_harmless_test.jsonl.gz`` (HH-RLHF harmless-base, red-team);
negatives: the self-instruct seed tasks' instructions and the OpenAssistant prompt lottery (ordinary requests); the same
text twice is one prompt. Each setting is trained and measured on the held-out share of each seed (the held-out prompts
differ by seed); the table gives precision, recall and the false-positive rate (ordinary prompts flagged) per seed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpt_assets.prompts.sensitive import SensitiveConfig, read_safety, train  # noqa: E402
from tests.real_landing import REAL  # noqa: E402

FILES = (("hh_harmless_test.jsonl.gz", "sensitive"), ("alpaca_seed_tasks.jsonl", "ordinary"),
         ("oasst_prompt_lottery_en_250.jsonl", "ordinary"))
SETTINGS = {"default (balanced, 25 epochs, bigrams)": {}, "not balanced": {"balance": False},
            "balanced by oversampling": {"balance_by": "oversample"},
            "5 epochs": {"epoch": 5}, "unigrams": {"word_ngrams": 1}, "threshold 0.7": {"threshold": 0.7}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    rows: dict[str, dict] = {}
    for name, folder in FILES:
        for r in read_safety(REAL / name, folder):
            if isinstance(r, dict):
                rows.setdefault(r["label_id"], r)
    labelled = list(rows.values())
    print(f"{len(labelled):,} distinct prompts, {sum(r['sensitive'] for r in labelled):,} red-team\n")
    print("| setting | precision / recall / false-positive rate, per seed |\n|---|---|")
    for label, change in SETTINGS.items():
        cells = []
        for seed in range(args.seeds):
            cfg = replace(SensitiveConfig(), seed=seed, **change)
            _, m = train([r["text"] for r in labelled], [r["sensitive"] for r in labelled],
                         [r["label_id"] for r in labelled], ["real"] * len(labelled), cfg)
            h = m["heldout"]
            cells.append(f"{h['precision']:.3f} / {h['recall']:.3f} / {h['false_positive_rate']:.3f}")
        print(f"| {label} | {'; '.join(cells)} |")


if __name__ == "__main__":
    main()
