"""Evaluation sets to keep out of training data: benchmarks/<name>.jsonl with {"id","text"} lines.

Their templates share no phrasing with the training-text templates, so any 13-gram hit in training data
comes from a planted copy (recorded in the truth).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.formats import write_jsonl
from gpt_assets.sampleworld.text import Table, TextGen, compile_templates, wiki_subject

BENCHMARKS = ("lambada_like", "triviaqa_like", "hellaswag_like")

_LAMBADA_SETUP = compile_templates(
    [
        "{c2} had arrived at {gplace} {num} minutes after midnight, soaked and carrying the {gadj} {gn}.",
        "Nobody in the {kin} had spoken to {c2} since the argument about the {gn} at {gplace}.",
        "{c1} kept glancing toward the {spot}, half expecting {c2} to appear with the {gn}.",
        "It was {c2} who had first noticed that the {gn} was missing from the {spot}.",
        "Years earlier, {c2} had promised {c1} that the {gadj} {gn} would never leave {gplace}.",
        "{c1} counted the {num} coins twice and pushed them across the {gadj} table toward {c3}.",
        "The {weather} pressed against the {spot} while {c1} waited for an answer from {c3}.",
        "Only {num} people knew about the {gn}, and one of them was already on a {vehicle} heading {dir}.",
        "{c1} unfolded the {gadj} map on the {spot} and traced the route to {gplace} with one finger.",
    ]
)
_LAMBADA_END = compile_templates(
    [
        "After everything that had happened at {gplace}, there was only one person {c1} could trust, and "
        "that was {c2}",
        "{c1} turned the {gn} over twice before finally handing it back to {c2}",
        "The note was signed with a single name, and {c1} recognised the handwriting at once: {c2}",
        "When the door opened at last, {c1} was not surprised to see {c2}",
        "There was only one name left on the list, and {c1} read it aloud slowly: {c2}",
    ]
)
_TRIVIA = compile_templates(
    [
        "Question: Which person founded {S}, the {kind} in {place}, in the year {year0} according to the "
        "official "
        "history published by {e}? Answer: {founder}",
        "Question: In what year did {S}, the {kind} located near {place}, first open its doors to members of "
        "the "
        "public? Answer: {year0}",
        "Question: What is the name of the {kind} in {place} that was founded by {founder} and later taken "
        "over by "
        "{e}? Answer: {S}",
    ]
)
_HELLA_CTX = compile_templates(
    [
        "[header] How to {vb} {aa} {n} [title] Gather the {ns} you will need. [step] Begin by {vg} the {a} "
        "{n} "
        "with {aa} {n} so that it does not {vb} the {ns}. [step] Next, set the {n} on a flat surface and "
        "check "
        "that every {n} is {a}.",
        "A {role} is standing in front of {aa} {n} while a small crowd watches. The {role} picks up the {a} "
        "{n}, "
        "holds it toward the camera and explains how to {vb} it. Then the {role} places a second {n} beside "
        "the "
        "first one and",
        "[header] How to choose {aa} {n} [title] Decide what kind of {n} fits your {ns}. [step] Compare at "
        "least "
        "three {a} {ns} before you {vb} one. [step] Ask {aa} {role} which {n} they would {vb} for a "
        "beginner.",
    ]
)
_HELLA_END = compile_templates(
    [
        "[step] Finally, {vb} the {n} once more and store it somewhere {a} until you need it again.",
        "carefully {vs} both of them while explaining why the {a} {n} matters for {ns}.",
        "[step] Once you have made your choice, {vb} the {n} for a week before deciding whether to keep it.",
    ]
)


_KIN = ("family", "village", "house", "crew", "school", "office", "band", "street")
_SPOT = ("window", "door", "kitchen table", "shelf", "staircase", "fireplace", "desk", "back porch")
_VEHICLE = ("boat", "train", "bus", "plane", "ferry", "truck", "horse", "night coach")
_DIR = ("south", "north", "east", "west", "inland", "home", "to the coast", "to the capital")


def _lambada(g: TextGen) -> tuple[str, str]:
    r = g.rng
    genre = r.choice(tuple(lx.GENRES))
    cast = r.sample(lx.FIRST_NAMES, 3)
    table: Table = g.narrative_table(genre, cast)
    table.update(
        c1=(cast[0],), c2=(cast[1],), c3=(cast[2],), kin=_KIN, spot=_SPOT, vehicle=_VEHICLE, dir=_DIR
    )
    end = g.render(_LAMBADA_END[r.randrange(len(_LAMBADA_END))], table)
    setup = [g.render(_LAMBADA_SETUP[i], table) for i in r.sample(range(len(_LAMBADA_SETUP)), 2)]
    setup.insert(r.randrange(3), g.render(_LAMBADA_SETUP[r.choice((0, 1, 2, 3, 4))], table))
    i = 0
    while len(" ".join(setup + [end]).split()) < 45 and i < 6:
        setup.append(g.render(_LAMBADA_SETUP[r.randrange(len(_LAMBADA_SETUP))], table))
        i += 1
    return " ".join(setup + [end]), cast[1]


def _trivia(g: TextGen) -> tuple[str, str]:
    r = g.rng
    topic = r.choice(lx.TOPIC_NAMES)
    subject, kind = wiki_subject(r, topic)
    table = g.doc_table(
        topic,
        S=(subject,),
        kind=(kind,),
        place=(r.choice(lx.CITIES),),
        founder=(f"{r.choice(lx.FIRST_NAMES)} {r.choice(lx.LAST_NAMES)}",),
        year0=(str(r.randint(1650, 1990)),),
    )
    text = g.render(_TRIVIA[r.randrange(len(_TRIVIA))], table)
    return text, text.rsplit("Answer: ", 1)[1]


def _hella(g: TextGen) -> tuple[str, str]:
    r = g.rng
    table = g.doc_table(r.choice(lx.TOPIC_NAMES))
    k = r.randrange(len(_HELLA_CTX))
    ctx = g.render(_HELLA_CTX[k], table)
    end = g.render(_HELLA_END[k], table)
    if k == 1:
        end = end[:1].lower() + end[1:]
    return f"{ctx} {end}", end


_TOKEN = re.compile(r"[a-z0-9]+")


def ngrams(text: str, n: int = 13) -> set[str]:
    """Lowercased, punctuation-free word n-grams (the GPT-3 decontamination normal form)."""
    w = _TOKEN.findall(text.lower())
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def write_benchmarks(out_dir: Path, seed: int, n_each: int) -> tuple[list[tuple[str, str, str]], list[dict]]:
    """Write the three sets; return ((benchmark, id, text) examples, truth rows with answers)."""
    examples: list[tuple[str, str, str]] = []
    truth: list[dict] = []
    seen: set[str] = set()
    for bi, name in enumerate(BENCHMARKS):
        g = TextGen(random.Random(seed * 3 + bi))
        make = {"lambada_like": _lambada, "triviaqa_like": _trivia, "hellaswag_like": _hella}[name]
        rows = []
        attempts = 0
        while len(rows) < n_each:
            text, answer = make(g)
            attempts += 1
            grams = ngrams(text)
            if grams & seen and attempts < 100 * n_each:
                continue  # keep every 13-gram unique to one example, so a hit names its example
            seen |= grams
            ex_id = f"{name}-{len(rows):05d}"
            rows.append({"id": ex_id, "text": text})
            examples.append((name, ex_id, text))
            truth.append(
                {"benchmark": name, "example_id": ex_id, "answer": answer, "n_words": len(text.split())}
            )
        write_jsonl(out_dir / f"{name}.jsonl", rows)
    return examples, truth
