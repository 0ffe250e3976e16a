"""Evaluation tasks in the world's own language, written in the published layouts with gold labels.

One task per kind the papers evaluate (GPT-2 §3, GPT-3 §3), each under ``raw/tasks/<task>/<split>.jsonl`` in the
layout of the real benchmark it imitates, so the same readers take the world's files and the real ones:

* ``world_lambada`` (LAMBADA ``{"text"}``): a narrative passage of the world's fiction that ends on a character's
  name, kept only when the name was said earlier in the passage (LAMBADA's own filter: the last word needs the
  wider context);
* ``world_hellaswag`` (HellaSwag ``ctx_a``/``ctx_b``/``endings``/``label``): the opening of a news paragraph and
  four endings in one sentence template, filled from the paragraph's own slots or from three other topics';
* ``world_arc`` (ARC, AI2's layout): "What is the capital of …?" and "Who wrote …?" with four choices, the facts
  the world's pages state;
* ``world_winogrande`` (Winogrande ``sentence``/``option1``/``option2``/``answer``): a news sentence with one of its
  topic's nouns blanked, the options that noun and another topic's.

Every example is drawn afresh from the generators (no pretraining page is copied); the train or dev split is
where few-shot examples come from (GPT-3 §2), the other split is scored. Passages are short enough that a 128-token
model's context holds a few of them.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.text import NARRATIVE, NEWS, TextGen, plural

TASKS = {  # task -> (few-shot split, scored split)
    "world_lambada": ("train", "test"),
    "world_hellaswag": ("train", "validation"),
    "world_arc": ("train", "test"),
    "world_winogrande": ("train", "dev"),
}
_CAPITALS = lx.COUNTRIES_CAPITALS + lx.EXTRA_CAPITALS
_LETTERS = "ABCD"
_WORD = re.compile(r"[A-Za-z]+")


def _lambada(g: TextGen) -> dict | None:
    """A passage that ends on a name said before, inside a sentence (not its first word), 25 to 70 words; None
    when this draw has no such cut."""
    r = g.rng
    cast = r.sample(lx.FIRST_NAMES, 2)
    table = g.narrative_table(r.choice(sorted(lx.GENRES)), cast)
    words = " ".join(g.sentences(NARRATIVE, table, 8)).split()
    cuts = [i for i in range(25, min(len(words), 70))
            if (w := _WORD.fullmatch(words[i])) and w.group() in cast and words[i - 1][-1] not in '.?!"'
            and w.group() in {x.strip('",.?!') for x in words[:i]}]
    return {"text": " ".join(words[: r.choice(cuts) + 1])} if cuts else None


def _hellaswag(g: TextGen, i: int, split: str) -> dict:
    """Context: a paragraph's first two sentences; endings: one sentence template filled from that paragraph's slot
    table (its topic, focus noun, entity and person) and from three other topics' tables, so the endings differ only
    in what agrees with the context (HellaSwag's endings, too, are filtered to read alike)."""
    r = g.rng
    topics = r.sample(lx.TOPIC_NAMES, 4)
    tables = [g.doc_table(t) for t in topics]
    ctx_a = " ".join(g.sentences(NEWS, tables[0], 2))
    template = NEWS[r.randrange(len(NEWS))]
    label = r.randrange(4)
    endings = [g.render(template, t) for t in tables[1:]]
    endings.insert(label, g.render(template, tables[0]))
    return {"ind": i, "activity_label": topics[0].capitalize(), "ctx_a": ctx_a, "ctx_b": "", "ctx": ctx_a,
            "split": split, "split_type": "indomain", "label": label, "endings": endings,
            "source_id": f"world~{topics[0]}"}


def _arc(r: random.Random, i: int) -> dict:
    """A fact the world's pages state (a country's capital, a book's author) with four choices."""
    if r.random() < 0.5:
        pairs, stem = _CAPITALS, "What is the capital of {}?"
    else:
        pairs, stem = lx.BOOK_AUTHORS, "Who wrote {}?"
    subject, answer = r.choice(pairs)
    wrong = r.sample(sorted({a for _, a in pairs} - {answer}), 3)
    label = r.randrange(4)
    wrong.insert(label, answer)
    return {"id": f"world-arc-{i:05d}", "question": {"stem": stem.format(subject), "choices": [
        {"text": t, "label": _LETTERS[j]} for j, t in enumerate(wrong)]}, "answerKey": _LETTERS[label]}


def _topic_words(topic: str) -> set[str]:
    t = lx.TOPICS[topic]
    return set(t.nouns) | {plural(n) for n in t.nouns}


def _winogrande(g: TextGen, i: int) -> dict | None:
    """A news sentence with one of its topic's nouns blanked; the options: that noun and another topic's. The rest
    of the sentence holds another word of the topic, so it tells the two apart."""
    r = g.rng
    topic, other = r.sample(lx.TOPIC_NAMES, 2)
    words = g.sentences(NEWS, g.doc_table(topic), 1)[0].split()
    mine = _topic_words(topic)
    at = [j for j, w in enumerate(words) if w in mine and any(x.strip('",.?!') in mine for x in words[j + 1:])]
    if not at:
        return None
    j = at[0]
    answer = words[j]
    pool = sorted(lx.TOPICS[other].nouns)
    wrong = r.choice(pool)
    wrong = plural(wrong) if answer != answer.rstrip("s") and answer not in lx.TOPICS[topic].nouns else wrong
    first = r.random() < 0.5
    return {"qID": f"world-wg-{i:05d}", "sentence": " ".join(words[:j] + ["_"] + words[j + 1:]),
            "option1": answer if first else wrong, "option2": wrong if first else answer,
            "answer": "1" if first else "2"}


def _examples(task: str, g: TextGen, n: int, split: str) -> list[dict]:
    out: list[dict] = []
    while len(out) < n:
        i = len(out)
        if task == "world_lambada":
            ex = _lambada(g)
        elif task == "world_hellaswag":
            ex = _hellaswag(g, i, split)
        elif task == "world_arc":
            ex = _arc(g.rng, i)
        else:
            ex = _winogrande(g, i)
        if ex is not None:
            out.append(ex)
    return out


def write_tasks(out_dir: Path, seed: int, n_shots: int, n_scored: int) -> dict[str, int]:
    """Write every world task's two splits under ``out_dir/<task>/``; return examples written per task."""
    written: dict[str, int] = {}
    for ti, (task, splits) in enumerate(TASKS.items()):
        folder = out_dir / task
        folder.mkdir(parents=True, exist_ok=True)
        for si, (split, n) in enumerate(zip(splits, (n_shots, n_scored), strict=True)):
            g = TextGen(random.Random(seed * 101 + ti * 7 + si))
            rows = _examples(task, g, n, split)
            (folder / f"{split}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in rows))
            written[task] = written.get(task, 0) + len(rows)
    return written
