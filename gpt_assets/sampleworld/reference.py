"""Reference corpora: reference/{books1,books2,wikipedia}/*.jsonl.gz with {"id","title","text"} lines."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.formats import write_jsonl_gz
from gpt_assets.sampleworld.text import NARRATIVE, TextGen, perturb, title_case, wiki_subject

DUP_SHARE = 0.03  # share of documents that get a near-duplicate twin in the same corpus
_CHAPTER_WORDS = (
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
)


def _book(g: TextGen, genre: str, words: int, style: int) -> tuple[str, str]:
    """(title, text) of a novel: chapters of narrative paragraphs with dialogue."""
    r = g.rng
    gen = lx.GENRES[genre]
    cast = r.sample(lx.FIRST_NAMES, r.randint(2, 4))
    title = r.choice(
        (
            f"The {title_case(r.choice(gen.adjs))} {title_case(r.choice(gen.nouns))}",
            f"{cast[0]} and the {title_case(r.choice(gen.nouns))}",
            f"A {title_case(r.choice(gen.nouns))} for {cast[1]}",
            f"Beyond {title_case(r.choice(gen.places).removeprefix('the '))}",
        )
    )
    table = g.narrative_table(genre, cast)
    chapters: list[str] = []
    n = 0
    per_chapter = max(250, words // r.randint(3, 8))
    while n < words:
        k = len(chapters)
        head = f"Chapter {k + 1}" if style == 0 else f"CHAPTER {_CHAPTER_WORDS[k % 12].upper()}"
        paras = [head]
        m = 0
        while m < per_chapter and n + m < words + 50:
            g.recast(table, cast)
            p = " ".join(g.sentences(NARRATIVE, table, r.randint(2, 6)))
            paras.append(p)
            m += len(p.split())
        n += m
        chapters.append("\n\n".join(paras))
    return title, "\n\n".join(chapters)


def _docs_books(g: TextGen, corpus: str, n: int, words: int) -> Iterator[dict]:
    genres = lx.BOOKS1_GENRES if corpus == "books1" else lx.BOOKS2_GENRES
    style = 0 if corpus == "books1" else 1
    for i in range(n):
        genre = genres[i % len(genres)]
        w = max(200, int(words * g.rng.uniform(0.7, 1.4)))
        title, text = _book(g, genre, w, style)
        yield {"id": f"{corpus}-{i:05d}", "title": title, "text": text, "genre": genre}


def _docs_wiki(g: TextGen, n: int, words: int) -> Iterator[dict]:
    seen: set[str] = set()
    topics = lx.TOPIC_NAMES
    for i in range(n):
        topic = topics[i % len(topics)]
        while True:
            subject, kind = wiki_subject(g.rng, topic)
            if subject not in seen:
                break
            subject = f"{subject} ({g.rng.choice(lx.COUNTRIES)})"
            if subject not in seen:
                break
        seen.add(subject)
        paras = g.encyclopedic(topic, subject, kind, max(80, int(words * g.rng.uniform(0.6, 1.4))))
        yield {"id": f"wikipedia-{i:06d}", "title": subject, "text": "\n\n".join(paras), "genre": topic}


def write_reference(
    out_dir: Path, seed: int, n_books: int, book_words: int, n_wiki: int, wiki_words: int, n_files: int
) -> list[dict]:
    """Write the three corpora; return one truth row per document."""
    truth: list[dict] = []
    for ci, corpus in enumerate(("books1", "books2", "wikipedia")):
        rng = random.Random(seed * 7 + ci)
        g = TextGen(random.Random(rng.getrandbits(64)))
        if corpus == "wikipedia":
            docs = list(_docs_wiki(g, n_wiki, wiki_words))
        else:
            docs = list(_docs_books(g, corpus, n_books, book_words))
        n_dup = max(1, round(len(docs) * DUP_SHARE))
        extra = []
        for j, src in enumerate(rng.sample(docs, n_dup)):
            pair = f"{corpus}-dup-{j:04d}"
            paras = perturb(rng, src["text"].split("\n\n"), rng.choice(lx.TOPIC_NAMES), 0.01)
            title = src["title"] + (" (revised edition)" if corpus != "wikipedia" else "")
            if corpus == "wikipedia":
                title = (
                    src["title"] + f" ({rng.choice(('former article', 'alternate spelling', 'old title'))})"
                )
            width = 6 if corpus == "wikipedia" else 5
            twin = {
                "id": f"{corpus}-{len(docs) + j:0{width}d}",
                "title": title,
                "text": "\n\n".join(paras),
                "genre": src["genre"],
                "dup_pair_id": pair,
                "near_dup_of": src["id"],
            }
            src["dup_pair_id"] = pair
            extra.append(twin)
        docs += extra
        rng.shuffle(docs)
        per_file = -(-len(docs) // n_files)
        for fi in range(n_files):
            name = f"part-{fi:05d}.jsonl.gz"
            chunk = docs[fi * per_file : (fi + 1) * per_file]
            write_jsonl_gz(
                out_dir / corpus / name,
                ({"id": d["id"], "title": d["title"], "text": d["text"]} for d in chunk),
            )
            for line, d in enumerate(chunk, start=1):
                truth.append(
                    {
                        "corpus": corpus,
                        "file": f"{corpus}/{name}",
                        "line": line,
                        "id": d["id"],
                        "title": d["title"],
                        "genre": d["genre"],
                        "n_words": len(d["text"].split()),
                        "dup_pair_id": d.get("dup_pair_id"),
                        "near_dup_of": d.get("near_dup_of"),
                    }
                )
    return truth
