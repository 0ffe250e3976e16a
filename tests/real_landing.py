"""A landing zone of real files in their published layouts, built from ``../shared/real-samples/``.

The real files are never copied into the repository: tests (and ``bench/quality.py``) build this at run
time and skip when the folder is absent. Layouts are the publishers' own: Pushshift's ``RS_v2_YYYY-MM.xz``,
Common Crawl's ``crawl-data/CC-MAIN-…/segments/…/wet/…`` (and a WARC under ``…/warc/``, which is not read),
a wget WARC of scraped pages, Gutenberg books and Wikipedia articles as JSONL reference corpora (WikiText-2
detokenized back to running text, as Wikipedia is published), LAMBADA and HellaSwag as published, OASST
prompts, HH-RLHF / OpenAssistant / self-instruct feedback, the same red-team and ordinary prompts labelled for
the sensitive-prompt classifier. Two things are planted with known answers: a
LAMBADA passage inside a Wikipedia article (decontamination must cut it) and a lightly edited copy of another
article (5-gram Jaccard about 0.85: dedup must cluster the two).
"""

from __future__ import annotations

import gzip
import json
import lzma
import random
import re
import shutil
from pathlib import Path

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-samples"
SEGMENT = "crawl-data/{crawl}/segments/1480698540409.8/{kind}/{name}"


def detokenize_wikitext(text: str) -> str:
    """WikiText's tokenized form back to running text (`` @-@ `` → ``-``, no space before punctuation)."""
    text = text.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".").replace("<unk>", "")
    text = re.sub(r" ([.,;:!?)\]'])", r"\1", text)
    text = re.sub(r"([(\[]) ", r"\1", text)
    return re.sub(r"[ \t]+", " ", text.replace(" n't", "n't").replace(" 's", "'s"))


def wikitext_articles(path: Path = REAL / "wikitext2_valid.txt") -> list[tuple[str, str]]:
    """(title, text) per article: a line `` = Title = `` (one ``=``) opens an article."""
    articles, title, lines = [], None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r" = ([^=].*[^=]) = ", line)
        if m:
            if title and lines:
                articles.append((title, detokenize_wikitext("\n".join(lines))))
            title, lines = m.group(1), []
        elif line.strip():
            lines.append(re.sub(r"^ (=+) (.*) \1 $", r"\2", line).strip())
    if title and lines:
        articles.append((title, detokenize_wikitext("\n".join(lines))))
    return articles


def books() -> list[dict]:
    with gzip.open(REAL / "gutenberg_3_books.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def word_shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: str, b: str) -> float:
    x, y = word_shingles(a), word_shingles(b)
    return len(x & y) / len(x | y)


def near_copy(text: str, share: float, seed: int = 0) -> str:
    """``text`` with ``share`` of its words replaced by another word of the text (spread evenly)."""
    rng = random.Random(seed)
    words = text.split(" ")
    step = max(1, round(1 / share))
    for i in range(step // 2, len(words), step):
        words[i] = rng.choice(words)
    return " ".join(words)


def _jsonl_gz(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


def build(raw: Path, hh_pairs: int | None = None) -> dict:
    """Write the real landing zone into ``raw``; return what was planted (ids and texts) for the assertions.

    ``hh_pairs``: only the first that many HH-RLHF pairs (a CPU budget for the reward model's epoch)."""
    raw.mkdir(parents=True, exist_ok=True)
    reddit = raw / "reddit" / "RS_v2_2005-06.xz"
    reddit.parent.mkdir(parents=True)
    reddit.write_bytes(lzma.compress((REAL / "reddit_RS_v2_2005-06.ndjson").read_bytes()))
    cc = raw / "commoncrawl"
    for crawl, kind, src, name in [
        ("CC-MAIN-2016-50", "wet", "cc_CC-MAIN-2016-50_filter_test_1.warc.wet.gz",
         "CC-MAIN-20161202170900-00000-ip-10-31-129-80.ec2.internal.warc.wet.gz"),
        ("CC-MAIN-2024-22", "wet", "cc_CC-MAIN-2024-22_whirlwind.warc.wet.gz",
         "CC-MAIN-20240518-00000.warc.wet.gz"),
        ("CC-MAIN-2020-34", "warc", "cc_CC-MAIN-2020-34_sample.warc.gz", "CC-MAIN-20200803-00000.warc.gz"),
    ]:
        dest = cc / SEGMENT.format(crawl=crawl, kind=kind, name=name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REAL / src, dest)
    (raw / "webpages").mkdir()
    shutil.copyfile(REAL / "dolma_wget_sample-0000.warc.gz", raw / "webpages" / "wget-sample-0000.warc.gz")
    shutil.copyfile(REAL / "cc_CC-MAIN-2024-22_whirlwind.warc.gz", raw / "webpages" / "whirlwind.warc.gz")

    _jsonl_gz(raw / "reference" / "books1" / "gutenberg.jsonl.gz", books())
    articles = wikitext_articles()
    lambada = [json.loads(line)["text"] for line in (REAL / "bench_lambada_openai_test.jsonl").open()]
    passage = lambada[17]
    wiki = [{"id": f"wikitext-{i}", "title": t, "text": x} for i, (t, x) in enumerate(articles)]
    host = wiki[3]
    paras = host["text"].split("\n")
    host["text"] = "\n".join(paras[:2] + [passage] + paras[2:])  # a benchmark passage inside an article
    original = wiki[5]
    copy = near_copy(original["text"], 0.016)
    wiki.append({"id": "wikitext-near-copy", "title": original["title"], "text": copy})
    _jsonl_gz(raw / "reference" / "wikipedia" / "wikitext2.jsonl.gz", wiki)

    (raw / "benchmarks").mkdir()
    shutil.copyfile(REAL / "bench_lambada_openai_test.jsonl", raw / "benchmarks" / "lambada_openai.jsonl")
    shutil.copyfile(REAL / "bench_hellaswag_val_1000.jsonl", raw / "benchmarks" / "hellaswag.jsonl")
    # the same files as evaluation tasks, in the names their publishers give them
    for task, src, name in [("lambada_openai", "bench_lambada_openai_test.jsonl", "lambada_test.jsonl"),
                            ("hellaswag", "bench_hellaswag_val_1000.jsonl", "hellaswag_val.jsonl")]:
        (raw / "tasks" / task).mkdir(parents=True)
        shutil.copyfile(REAL / src, raw / "tasks" / task / name)

    (raw / "prompts").mkdir()
    shutil.copyfile(REAL / "oasst_prompt_lottery_en_250.jsonl", raw / "prompts" / "oasst_prompt_lottery.jsonl")
    seeds = [json.loads(line) for line in (REAL / "alpaca_seed_tasks.jsonl").open()]
    with open(raw / "prompts" / "self_instruct_seeds.jsonl", "w", encoding="utf-8") as fh:
        for task in seeds:
            fh.write(json.dumps(task["instruction"]) + "\n")
    for fmt, src, name in [("hh-rlhf", "hh_harmless_test.jsonl.gz", "harmless-base-test.jsonl.gz"),
                           ("oasst", "oasst_en_100_trees.jsonl", "en_100_tree.jsonl"),
                           ("alpaca", "alpaca_seed_tasks.jsonl", "seed_tasks.jsonl")]:
        (raw / "feedback" / fmt).mkdir(parents=True)
        shutil.copyfile(REAL / src, raw / "feedback" / fmt / name)
    # the sensitive-prompt classifier's labelled prompts: HH-RLHF's red-team requests against ordinary instructions
    for label, src, name in [("sensitive", "hh_harmless_test.jsonl.gz", "harmless-base-test.jsonl.gz"),
                             ("ordinary", "alpaca_seed_tasks.jsonl", "seed_tasks.jsonl"),
                             ("ordinary", "oasst_prompt_lottery_en_250.jsonl", "prompt_lottery_en_250.jsonl")]:
        (raw / "safety" / label).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REAL / src, raw / "safety" / label / name)
    # dialogues (ChatGPT): HH-RLHF's chosen conversations as written (the first 300: a CPU budget)
    (raw / "dialogues").mkdir()
    with gzip.open(REAL / "hh_harmless_test.jsonl.gz", "rt", encoding="utf-8") as fh:
        talks = [line for _, line in zip(range(300), fh, strict=False)]
    (raw / "dialogues" / "hh_harmless_chosen.jsonl.gz").write_bytes(gzip.compress("".join(talks).encode(), mtime=0))
    if hh_pairs is not None:
        hh = raw / "feedback" / "hh-rlhf" / "harmless-base-test.jsonl.gz"
        with gzip.open(REAL / "hh_harmless_test.jsonl.gz", "rt", encoding="utf-8") as fh:
            head = [line for _, line in zip(range(hh_pairs), fh, strict=False)]
        hh.write_bytes(gzip.compress("".join(head).encode(), mtime=0))
    return {"contaminated": ("wikipedia", f"wikipedia:{host['id']}", passage),
            "near_duplicates": ("wikipedia", f"wikipedia:{original['id']}", "wikipedia:wikitext-near-copy",
                                jaccard(original["text"], copy))}
