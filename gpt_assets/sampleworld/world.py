"""Scales, orchestration and ground truth of the sample world.

`write_sample_world(raw_dir, truth_dir, scale, seed)` writes the landing zone (the contract in DESIGN.md)
into `raw_dir` and the ground truth, which the pipeline never reads, into `truth_dir`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

from gpt_assets.sampleworld.benchmarks import write_benchmarks
from gpt_assets.sampleworld.catalog import build_catalog
from gpt_assets.sampleworld.commoncrawl import CC_KINDS, write_commoncrawl
from gpt_assets.sampleworld.commoncrawl import CRAWLS as CC_CRAWLS
from gpt_assets.sampleworld.dialogues import write_dialogues
from gpt_assets.sampleworld.formats import write_jsonl_gz
from gpt_assets.sampleworld.prompts import CATEGORY_SHARES, write_prompts, write_safety_labels
from gpt_assets.sampleworld.reddit import write_reddit
from gpt_assets.sampleworld.reference import write_reference
from gpt_assets.sampleworld.tasks import TASKS, write_tasks
from gpt_assets.sampleworld.web import write_webpages

LINK_SHARE = 0.5  # share of Reddit submissions that link to catalogue articles


@dataclass(frozen=True)
class Scale:
    """Sizes of one sample world."""

    reddit_months: tuple[str, ...]
    reddit_per_month: int
    reddit_malformed_each: int
    reddit_users: int
    n_sites: int
    web_records: int
    web_files: int
    cc_records_per_crawl: int
    cc_files_per_crawl: int
    books_per_corpus: int
    book_words: int
    wikipedia_articles: int
    wikipedia_words: int
    reference_files: int
    benchmark_examples: int
    task_examples: tuple[int, int]  # per world task: (few-shot split, scored split)
    prompts: int
    labeler_share: float
    heavy_api_users: int
    dialogues: int  # labeler-written conversations (ChatGPT)


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        reddit_months=("2017-10", "2017-11"),
        reddit_per_month=400,
        reddit_malformed_each=1,
        reddit_users=300,
        n_sites=30,
        web_records=150,
        web_files=2,
        cc_records_per_crawl=250,
        cc_files_per_crawl=2,
        books_per_corpus=15,
        book_words=800,
        wikipedia_articles=100,
        wikipedia_words=300,
        reference_files=1,
        benchmark_examples=30,
        task_examples=(16, 40),
        prompts=3000,
        labeler_share=0.24,
        heavy_api_users=3,
        dialogues=120,
    ),
    "demo": Scale(
        reddit_months=("2017-10", "2017-11", "2017-12"),
        reddit_per_month=20000,
        reddit_malformed_each=3,
        reddit_users=8000,
        n_sites=400,
        web_records=7000,
        web_files=4,
        cc_records_per_crawl=12000,
        cc_files_per_crawl=4,
        books_per_corpus=200,
        book_words=3000,
        wikipedia_articles=4000,
        wikipedia_words=350,
        reference_files=4,
        benchmark_examples=400,
        task_examples=(100, 300),
        prompts=125000,  # >= 110k so that after the 200/user cap, dedup, PII and a by-user split
        labeler_share=0.23,  # the InstructGPT SFT/RM/PPO sizes can still be cut (Table 6)
        heavy_api_users=30,
        dialogues=1200,
    ),
}
TRUTH_NAMES = ("reddit", "webpages", "commoncrawl", "reference", "benchmarks", "prompts", "dialogues")
_S, _I, _F, _B = pl.String, pl.Int64, pl.Float64, pl.Boolean
TRUTH_SCHEMAS: dict[str, dict[str, Any]] = {
    "reddit": {
        "file": _S,
        "month": _S,
        "line": _I,
        "id": _S,
        "kind": _S,
        "subreddit": _S,
        "created_utc": _I,
        "score": _I,
        "url": _S,
        "canonical_url": _S,
        "url_variant": _S,
        "article_id": _S,
        "target_id": _I,
    },
    "webpages": {
        "file": _S,
        "offset": _I,
        "record_id": _S,
        "url": _S,
        "canonical_url": _S,
        "target_id": _I,
        "article_id": _S,
        "kind": _S,
        "status": _I,
        "content_type": _S,
        "charset": _S,
        "site": _S,
        "topic": _S,
        "redirect_to": _S,
        "redirect_from": _S,
        "title": _S,
        "main_text": _S,
        "karma": _I,
        "first_linked_month": _S,
    },
    "commoncrawl": {
        "crawl": _S,
        "file": _S,
        "offset": _I,
        "record_id": _S,
        "url": _S,
        "kind": _S,
        "quality_label": _S,
        "topic": _S,
        "lang": _S,
        "dup_cluster_id": _S,
        "text_id": _S,
        "source_text_id": _S,
        "jaccard_to_source": _F,
        "webtext_article_id": _S,
        "webtext_target_id": _I,
        "benchmark": _S,
        "example_id": _S,
        "n_chars": _I,
    },
    "reference": {
        "corpus": _S,
        "file": _S,
        "line": _I,
        "id": _S,
        "title": _S,
        "genre": _S,
        "n_words": _I,
        "dup_pair_id": _S,
        "near_dup_of": _S,
    },
    "benchmarks": {
        "benchmark": _S,
        "example_id": _S,
        "answer": _S,
        "n_words": _I,
        "planted": _B,
        "crawl": _S,
        "file": _S,
        "record_id": _S,
        "url": _S,
    },
    "prompts": {
        "prompt_id": _S,
        "user_id": _S,
        "source": _S,
        "file": _S,
        "line": _I,
        "category": _S,
        "template_id": _S,
        "slots": _S,
        "pii_kinds": pl.List(_S),
        "pii_values": pl.List(_S),
        "near_dup_group": _S,
        "near_dup_of": _S,
        "reference_answer": _S,
        "sensitive": pl.Boolean,  # a planted request to refuse (GPT-4 §6)
    },
    "dialogues": {
        "conversation_id": _S,
        "user_id": _S,
        "n_turns": _I,
        "kinds": pl.List(_S),  # each user turn's kind: a template id or a follow-up (sampleworld.dialogues)
        "reference_answer": _S,  # the last assistant turn
    },
}


def derive_seed(seed: int, name: str) -> int:
    """Independent 64-bit sub-seed for one component."""
    return int.from_bytes(hashlib.sha256(f"sampleworld:{seed}:{name}".encode()).digest()[:8], "big")


def _shares(counter: Counter[str]) -> dict[str, float]:
    n = sum(counter.values()) or 1
    return {k: round(v / n, 4) for k, v in sorted(counter.items())}


def _benchmark_truth(bench_rows: list[dict], cc_rows: list[dict]) -> list[dict]:
    plants: dict[str, list[dict]] = {}
    for r in cc_rows:
        if r["example_id"]:
            plants.setdefault(r["example_id"], []).append(r)
    out = []
    for b in bench_rows:
        hits = plants.get(b["example_id"], [])
        for h in hits or [None]:
            out.append(
                {
                    **b,
                    "planted": h is not None,
                    "crawl": h and h["crawl"],
                    "file": h and h["file"],
                    "record_id": h and h["record_id"],
                    "url": h and h["url"],
                }
            )
    return out


def _previous_files(truth_dir: Path) -> list[str]:
    p = truth_dir / "world.json"
    if not p.exists():
        return []
    try:
        return list(json.loads(p.read_text())["files"])
    except (ValueError, KeyError, TypeError):
        return []


def write_sample_world(
    raw_dir: Path, truth_dir: Path, scale: str | Scale = "tiny", seed: int = 0
) -> dict[str, int]:
    """Write the landing zone into raw_dir and the ground truth into truth_dir; return counts per output.

    `scale` names an entry of SCALES (or is a custom `Scale`). Files written by a previous sample world
    (listed in truth_dir/world.json) that this one does not rewrite are removed, so switching scales leaves
    no stale partitions; nothing else under raw_dir is touched.
    """
    if isinstance(scale, Scale):
        sc = scale
        scale = next((k for k, v in SCALES.items() if v == sc), "custom")
    elif scale in SCALES:
        sc = SCALES[scale]
    else:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    raw_dir, truth_dir = Path(raw_dir), Path(truth_dir)
    previous = _previous_files(truth_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)

    months = sc.reddit_months
    catalog = build_catalog(
        derive_seed(seed, "catalog"),
        months,
        round(sc.reddit_per_month * len(months) * LINK_SHARE),
        sc.web_records,
        sc.n_sites,
    )
    reddit = write_reddit(
        raw_dir / "reddit",
        catalog,
        derive_seed(seed, "reddit"),
        sc.reddit_per_month,
        sc.reddit_malformed_each,
        sc.reddit_users,
    )
    web = write_webpages(raw_dir / "webpages", catalog, derive_seed(seed, "webpages"), sc.web_files)
    examples, bench = write_benchmarks(
        raw_dir / "benchmarks", derive_seed(seed, "benchmarks"), sc.benchmark_examples
    )
    task_counts = write_tasks(raw_dir / "tasks", derive_seed(seed, "tasks"), *sc.task_examples)
    cc = write_commoncrawl(
        raw_dir / "commoncrawl",
        derive_seed(seed, "commoncrawl"),
        sc.cc_records_per_crawl,
        sc.cc_files_per_crawl,
        catalog,
        examples,
    )
    ref = write_reference(
        raw_dir / "reference",
        derive_seed(seed, "reference"),
        sc.books_per_corpus,
        sc.book_words,
        sc.wikipedia_articles,
        sc.wikipedia_words,
        sc.reference_files,
    )
    prompts = write_prompts(
        raw_dir / "prompts", derive_seed(seed, "prompts"), sc.prompts, sc.labeler_share, sc.heavy_api_users
    )
    write_safety_labels(raw_dir / "safety" / "labelled", raw_dir / "prompts", prompts, derive_seed(seed, "safety"))
    dialogues = write_dialogues(raw_dir / "dialogues", derive_seed(seed, "dialogues"), sc.dialogues,
                                max(40, round(sc.prompts * sc.labeler_share / 125)))
    truths = {
        "reddit": reddit,
        "webpages": web,
        "commoncrawl": cc,
        "reference": ref,
        "benchmarks": _benchmark_truth(bench, cc),
        "prompts": prompts,
        "dialogues": dialogues,
    }
    for name, rows in truths.items():
        write_jsonl_gz(truth_dir / f"{name}.jsonl.gz", rows)

    written = _written_files(sc, reddit, web, cc, ref, prompts)
    for rel in previous:
        if rel not in written and (raw_dir / rel).is_file():
            (raw_dir / rel).unlink()
    files = sorted(written)
    counts = {
        "reddit_files": len(months),
        "reddit_lines": len(reddit),
        "web_records": len(web),
        "cc_records": len(cc),
        "reference_documents": len(ref),
        "benchmark_examples": len(bench),
        "task_examples": sum(task_counts.values()),
        "prompts": len(prompts),
        "dialogues": len(dialogues),
    }
    world = {
        "scale": scale,
        "seed": seed,
        "sizes": asdict(sc),
        "counts": counts,
        "kinds": {
            "reddit": dict(sorted(Counter(r["kind"] for r in reddit).items())),
            "webpages": dict(sorted(Counter(r["kind"] for r in web).items())),
            "webpages_status": {str(k): v for k, v in sorted(Counter(r["status"] for r in web).items())},
            "commoncrawl": dict(sorted(Counter(r["kind"] for r in cc).items())),
            "reference": dict(sorted(Counter(r["corpus"] for r in ref).items())),
            "prompts_category": dict(sorted(Counter(r["category"] for r in prompts).items())),
            "prompts_source": dict(sorted(Counter(r["source"] for r in prompts).items())),
        },
        "planted_proportions": {
            "commoncrawl_target": dict(CC_KINDS),
            "commoncrawl_actual": _shares(Counter(r["kind"] for r in cc)),
            "prompts_category_target": dict(CATEGORY_SHARES),
            "prompts_category_actual": _shares(Counter(r["category"] for r in prompts)),
            "reddit_actual": _shares(Counter(r["kind"] for r in reddit)),
        },
        "crawls": list(CC_CRAWLS),
        "files": files,
        "bytes": sum((raw_dir / f).stat().st_size for f in files),
    }
    (truth_dir / "world.json").write_text(json.dumps(world, indent=2, sort_keys=True) + "\n")
    return counts


def _written_files(
    sc: Scale, reddit: list[dict], web: list[dict], cc: list[dict], ref: list[dict], prompts: list[dict]
) -> set[str]:
    out = {f"reddit/RS_{m}.zst" for m in sc.reddit_months}
    out |= {f"webpages/{r['file']}" for r in web}
    out |= {f"commoncrawl/{r['crawl']}/{r['file']}" for r in cc}
    out |= {f"reference/{r['file']}" for r in ref}
    out |= {f"benchmarks/{n}.jsonl" for n in ("lambada_like", "triviaqa_like", "hellaswag_like")}
    out |= {f"tasks/{task}/{split}.jsonl" for task, splits in TASKS.items() for split in splits}
    out |= {f"prompts/{r['file']}" for r in prompts}
    out |= {"dialogues/conversations.jsonl"} if sc.dialogues else set()
    return out


def read_truth_rows(truth_dir: Path, name: str) -> list[dict]:
    """The raw truth rows of one truth file (nested values kept as Python objects)."""
    with gzip.open(Path(truth_dir) / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def load_truth(truth_dir: Path, name: str) -> pl.DataFrame:
    """One truth file as a DataFrame with a fixed schema (JSON objects such as slots become JSON strings)."""
    if name not in TRUTH_SCHEMAS:
        raise ValueError(f"unknown truth {name!r}; choose one of {TRUTH_NAMES}")
    schema = TRUTH_SCHEMAS[name]
    rows = read_truth_rows(truth_dir, name)
    for r in rows:
        for k, v in r.items():
            if isinstance(v, dict):
                r[k] = json.dumps(v, sort_keys=True)
    return pl.from_dicts(rows, schema=schema)


def load_world(truth_dir: Path) -> dict[str, Any]:
    """The world.json summary."""
    return json.loads((Path(truth_dir) / "world.json").read_text())
