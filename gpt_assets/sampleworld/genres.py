"""Web pages in the genres of the instruction world's answers: the pretraining text a base model learns them from.

A real web crawl holds poems, letters, product blurbs, tweets, lists of ideas and short how-to answers, so GPT-3
had read every kind of text its InstructGPT labelers later asked for before supervised fine-tuning began. Here a
share of the catalogue's articles and of Common Crawl's good pages are such pages: a short lead paragraph on the
page's topic, then answers in one genre (or a mix) that the prompt builders write for random slots. Only answers
appear, never the instructions that ask for them, so a base model learns the genres' language and not the
instruction-to-answer mapping that SFT teaches; the slots are drawn afresh, so no page holds a prompt's answer.

Each answer is a card under a tag line of its names and subjects ("Tags: Helsinki, weekend trip, 5"), as recipe,
product and listing pages carry: text that repeats words met a line earlier. That is what teaches a small model to
copy from its context, which answering a prompt needs (its names and slots); the tiny base LM trained without the
tag lines copied nothing from its context, and SFT on top of it copied the prompt's slots 2.6 times less often
after 2 and 3 epochs (bench/copying.py; bench/RESULTS.md, issue 12).
"""

from __future__ import annotations

import random

from gpt_assets.sampleworld.prompts import Builders
from gpt_assets.sampleworld.text import NEWS, Table, TextGen

GENRE_PAGE_SHARE = 0.3  # share of articles and good CC pages that are genre pages (ours: see bench/RESULTS.md)
# Answer templates whose references read as text on their own (labels like "positive" or "1890" do not).
GENRES: dict[str, tuple[str, ...]] = {
    "stories": ("gen_story", "gen_long_story"),
    "poems": ("gen_poem",),
    "letters": ("gen_email", "gen_speech", "gen_bio"),
    "shop": ("gen_product", "gen_tweet", "gen_blog"),
    "lists": ("bs_ideas", "bs_ways", "bs_names", "bs_gifts", "bs_questions"),
    "advice": ("chat_trip", "chat_recipe", "chat_fact", "chat_advice", "oq_best_way"),
    "facts": ("oq_capital", "oq_capital_of", "oq_units", "oq_author", "oq_fact", "oth_joke", "oth_convert"),
}
_ALL = tuple(t for names in GENRES.values() for t in names)


def tag_line(rng: random.Random, slots: dict) -> str:
    """The answer's slot values (names, places, subjects, numbers) in random order; "" when it has none."""
    values = [str(v) for v in slots.values() if v not in (None, "") and not isinstance(v, list | tuple | dict)]
    rng.shuffle(values)
    return f"Tags: {', '.join(values)}" if values else ""


def genre_pieces(rng: random.Random, k: int) -> list[str]:
    """k answers in one genre (two pages in three) or a mix, each under its tag line; each line of an answer (a
    poem's, a list's) is a paragraph, as a page's extracted text has it."""
    build = Builders(rng)
    pool = GENRES[rng.choice(sorted(GENRES))] if rng.random() < 2 / 3 else _ALL
    lines: list[str] = []
    for _ in range(k):
        _, slots, answer = getattr(build, rng.choice(pool))()
        tags = tag_line(rng, slots)
        lines.extend(([tags] if tags else []) + answer.split("\n"))
    return lines


def genre_page(g: TextGen, table: Table, n_par: tuple[int, int]) -> list[str]:
    """A lead paragraph from the page's slot table, then answers: about an article's length."""
    lead = " ".join(g.sentences(NEWS, table, g.rng.randint(2, 3)))
    return [lead, *genre_pieces(g.rng, g.rng.randint(n_par[0] + 1, n_par[1] + 3))]


def article(g: TextGen, topic: str, n_par: tuple[int, int]) -> tuple[str, list[str]]:
    """``TextGen.article`` with a share of genre pages: (title, paragraphs); the title comes first in the stream."""
    table = g.doc_table(topic)
    title = g.news_title(table)
    if g.rng.random() < GENRE_PAGE_SHARE:
        return title, genre_page(g, table, n_par)
    return title, g.paragraphs(NEWS, table, g.rng.randint(*n_par))
