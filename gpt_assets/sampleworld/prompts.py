"""The prompt pool: prompts/*.jsonl with {"prompt_id","user_id","source","created_at","text"} lines.

Each prompt comes from a category template with slots (InstructGPT Table 1 category mix), so that the
hidden task and a reference answer are known. Planted: near-duplicate prompts sharing a long prefix, PII,
API users with heavy-tailed prompt counts, labeler users with at most 150 prompts each.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gpt_assets.sampleworld import lexicon as lx
from gpt_assets.sampleworld.commoncrawl import exact_counts, wiki_subject
from gpt_assets.sampleworld.formats import write_jsonl
from gpt_assets.sampleworld.text import NEWS, TextGen, capitalize, past, plural, third_person, with_article

# InstructGPT Table 1 (API prompt dataset use-case categories).
CATEGORY_SHARES: tuple[tuple[str, float], ...] = (
    ("generation", 0.456),
    ("open_qa", 0.124),
    ("brainstorming", 0.112),
    ("chat", 0.084),
    ("rewrite", 0.066),
    ("summarization", 0.042),
    ("classification", 0.035),
    ("other", 0.035),
    ("closed_qa", 0.026),
    ("extract", 0.019),
)
NEAR_DUP_RATE = 0.06  # chance that a slot resubmits an earlier long prompt of its category
PII_RATE = 0.05
LABELER_MAX = 150
TIME_START = 1609459200  # 2021-01-01T00:00:00Z
TIME_SPAN = 365 * 86400
_ENDINGS = (
    "Make it short.",
    "Please answer in one sentence.",
    "Use simple words.",
    "Keep it under 100 words.",
    "Answer in a friendly tone.",
    "Thanks!",
    "Please be detailed.",
    "Format it as a list.",
)
Built = tuple[str, dict, str]


def _luhn_complete(digits: list[int]) -> list[int]:
    total = 0
    for i, d in enumerate(reversed(digits)):
        d2 = d * 2 if i % 2 == 0 else d
        total += d2 - 9 if d2 > 9 else d2
    return digits + [(10 - total % 10) % 10]


def make_pii(r: random.Random, kind: str) -> str:
    """A fake PII value: email, phone (several formats), card-like number (Luhn-valid), street address."""
    first, last = r.choice(lx.FIRST_NAMES).lower(), r.choice(lx.LAST_NAMES).lower()
    first = first.encode("ascii", "ignore").decode() or "sam"
    last = last.encode("ascii", "ignore").decode() or "lee"
    if kind == "email":
        local = r.choice((f"{first}.{last}", f"{first}{r.randint(1, 99)}", f"{first[0]}{last}"))
        return f"{local}@{r.choice(lx.EMAIL_DOMAINS)}"
    if kind == "phone":
        a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
        return r.choice(
            (
                f"({a}) {b}-{c:04d}",
                f"{a}-{b}-{c:04d}",
                f"+1 {a} {b} {c:04d}",
                f"{a}.{b}.{c:04d}",
                f"+44 20 {r.randint(7000, 7999)} {c:04d}",
            )
        )
    if kind == "card":
        d = _luhn_complete([r.choice((4, 5))] + [r.randint(0, 9) for _ in range(14)])
        s = "".join(map(str, d))
        sep = r.choice((" ", "-", ""))
        return sep.join(s[i : i + 4] for i in range(0, 16, 4))
    return (
        f"{r.randint(1, 9999)} {r.choice(lx.STREET_NAMES)} {r.choice(lx.STREET_KINDS)}, "
        f"{r.choice(lx.CITIES)}" + (f" {r.randint(10000, 99999)}" if r.random() < 0.5 else "")
    )


_PII_SENTENCES = {
    "email": ("My email is {v}.", "You can reach me at {v} if anything is unclear.", "Reply to {v} please."),
    "phone": ("Call me at {v}.", "My phone number is {v}.", "Text me on {v} when it's done."),
    "card": ("Please charge it to my card {v}.", "Card number: {v}", "My credit card is {v}, exp 04/24."),
    "address": ("Ship it to {v}.", "I live at {v}.", "The office is at {v}."),
}


class Builders:
    """Category templates; each method returns (prompt text, slots, reference answer)."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.g = TextGen(rng)

    # ------------------------------------------------------------------ generation
    def gen_story(self) -> Built:
        r = self.r
        animal, skill = r.choice(lx.ANIMALS), r.choice(lx.SKILLS)
        text = r.choice(
            (
                "Write a short story about a {a} who learns to {s}.",
                "Tell me a bedtime story about a {a} that wants to learn to {s}.",
                "write a story for kids: a {a} learns how to {s}",
            )
        ).format(a=animal, s=skill)
        ref = (
            f"Once upon a time, a young {animal} dreamed of learning to {skill}. At first it failed again "
            "and "
            f"again, and the other animals laughed. But the {animal} practiced every day. One morning it "
            f"finally managed to {skill}, and everyone who had laughed came to watch."
        )
        return text, {"animal": animal, "skill": skill}, ref

    def gen_poem(self) -> Built:
        r = self.r
        topic, n = r.choice(lx.POEM_TOPICS), r.choice((4, 6, 8))
        text = r.choice(
            (
                f"Write a poem about {topic}.",
                f"Write a {n}-line poem about {topic}.",
                f"Compose a short rhyming poem about {topic}.",
            )
        )
        lines = [
            f"I think of {topic} when the day is new,",
            "of quiet hours and a sky of blue;",
            f"{capitalize(topic)} stays with me through the night,",
            "a gentle song, a steady light.",
        ]
        return text, {"topic": topic, "lines": n}, "\n".join(lines)

    def gen_email(self) -> Built:
        r = self.r
        rec, req = r.choice(lx.RECIPIENTS), r.choice(lx.REQUESTS)
        text = r.choice(
            (
                f"Write an email to my {rec} asking for {req}.",
                f"Draft a polite email to my {rec} requesting {req}.",
            )
        )
        ref = (
            f"Dear {rec},\n\nI hope you are well. I am writing to ask for {req}. I would be very grateful "
            f"if you could let me know whether this is possible.\n\nThank you for your time.\n\nBest regards"
        )
        return text, {"recipient": rec, "request": req}, ref

    def gen_product(self) -> Built:
        r = self.r
        product = r.choice(lx.PRODUCTS)
        adj = r.choice(("lightweight", "durable", "compact", "affordable", "premium", "eco-friendly"))
        text = f"Write a product description for a {adj} {product}."
        ref = (
            f"Meet the {adj} {product} you have been waiting for. It is built to last, easy to use every "
            "day, "
            f"and designed to fit your life. Order yours today."
        )
        return text, {"adjective": adj, "product": product}, ref

    def gen_blog(self) -> Built:
        r = self.r
        topic = r.choice(lx.TOPIC_NAMES)
        table = self.g.doc_table(topic)
        focus = table["fns"][0]  # type: ignore[index]
        text = r.choice(
            (
                f"Write a blog post introduction about {focus} and {topic}.",
                f"Write the first paragraph of an article about {focus}.",
            )
        )
        ref = " ".join(self.g.sentences(NEWS, table, 3))
        return text, {"topic": topic, "focus": focus}, ref

    def gen_tweet(self) -> Built:
        event = self.r.choice(lx.EVENTS)
        return (
            f"Write a tweet announcing {event}.",
            {"event": event},
            f"Big news: {event}! Come join us and bring your friends. #excited",
        )

    def gen_long_story(self) -> Built:
        r = self.r
        genre = r.choice(tuple(lx.GENRES))
        gen = lx.GENRES[genre]
        name, role, city = (
            r.choice(lx.FIRST_NAMES),
            r.choice(lx.TOPICS[r.choice(lx.TOPIC_NAMES)].roles),
            r.choice(lx.CITIES),
        )
        items = r.sample(gen.nouns, 3)
        words = r.choice((300, 500, 800))
        text = (
            f"Write a {words}-word story in the style of a {genre} novel. The main character is {name}, a "
            f"{role} "
            f"who lives in {city}. The story should include a {items[0]}, a {items[1]} and a {items[2]}, and "
            "it "
            "should end with a surprise that the reader does not expect. Use vivid descriptions and at "
            "least "
            f"one line of dialogue."
        )
        ref = " ".join(self.g.narrative(genre, [name, r.choice(lx.FIRST_NAMES)], 2))
        return (
            text,
            {"genre": genre, "name": name, "role": role, "city": city, "items": items, "words": words},
            ref,
        )

    # ------------------------------------------------------------------ open QA
    def oq_best_way(self) -> Built:
        task, tips = self.r.choice(lx.TASKS)
        text = self.r.choice((f"What is the best way to {task}?", f"How can I {task}?", f"how do i {task}"))
        return text, {"task": task}, capitalize("; ".join(tips[:3])) + "."

    def oq_capital(self) -> Built:
        country, capital = self.r.choice(lx.COUNTRIES_CAPITALS)
        return (
            f"What is the capital of {country}?",
            {"country": country},
            f"The capital of {country} is {capital}.",
        )

    def oq_units(self) -> Built:
        small, big, k = self.r.choice(lx.UNIT_FACTS)
        return (
            f"How many {small} are in a {big}?",
            {"small": small, "big": big},
            f"There are {k} {small} in a {big}.",
        )

    def oq_author(self) -> Built:
        book, author = self.r.choice(lx.BOOK_AUTHORS)
        return f"Who wrote {book}?", {"book": book}, f"{book} was written by {author}."

    def oq_fact(self) -> Built:
        q, a = self.r.choice(lx.FACT_QA)
        return q, {"question": q}, a

    # ------------------------------------------------------------------ brainstorming
    def bs_ideas(self) -> Built:
        r = self.r
        thing, topic = r.choice(
            (
                ("a science fair project", "science"),
                ("a weekend trip", "travel"),
                ("a dinner party menu", "cooking"),
                ("a school fundraiser", "education"),
                ("a new mobile app", "technology"),
                ("a history lesson", "history"),
                ("a nature walk with kids", "nature"),
                ("a team sports day", "sports"),
                ("a personal budget", "finance"),
                ("a healthy morning routine", "health"),
                ("a small music festival", "music"),
                ("a town hall meeting", "politics"),
            )
        )
        n = r.randint(3, 7)
        t = lx.TOPICS[topic]
        ideas = [
            f"{capitalize(r.choice(t.verbs))} {with_article(r.choice(t.adjs))} {r.choice(t.nouns)}"
            for _ in range(n)
        ]
        text = r.choice(
            (
                f"List {n} ideas for {thing}.",
                f"Brainstorm {n} ideas for {thing}.",
                f"Give me {n} creative ideas for {thing}",
            )
        )
        return (
            text,
            {"n": n, "thing": thing, "topic": topic},
            "\n".join(f"{i + 1}. {x}" for i, x in enumerate(ideas)),
        )

    def bs_ways(self) -> Built:
        task, tips = self.r.choice(lx.TASKS)
        n = self.r.randint(2, len(tips))
        ref = "\n".join(f"{i + 1}. {capitalize(t)}" for i, t in enumerate(tips[:n]))
        return f"What are {n} ways to {task}?", {"n": n, "task": task}, ref

    def bs_names(self) -> Built:
        r = self.r
        business, n = r.choice(lx.BUSINESSES), r.randint(3, 6)
        names = [
            f"The {r.choice(lx.SITE_WORDS_A).title()} {r.choice(lx.SITE_WORDS_B).title()}" for _ in range(n)
        ]
        return f"Give me {n} name ideas for a {business}.", {"n": n, "business": business}, "\n".join(names)

    # ------------------------------------------------------------------ chat
    def chat_trip(self) -> Built:
        r = self.r
        city, n = r.choice(lx.CITIES), r.randint(2, 7)
        text = (
            f"User: Hi! Can you help me plan a trip to {city}?\nAssistant: Of course! How many days will you "
            f"be there?\nUser: {n} days. What should I see first?"
        )
        ref = (
            f"With {n} days in {city}, start with a walking tour of the historic center on the first day, "
            f"then visit the main museum and a local market, and keep one day free to explore on your own."
        )
        return text, {"city": city, "days": n}, ref

    def chat_recipe(self) -> Built:
        dish, ings = self.r.choice(lx.DISHES)
        text = (
            f"User: I want to cook {dish} tonight.\nAssistant: Great choice! Do you have {ings[0]} and "
            f"{ings[1]}?\nUser: Yes, I have both, and some {ings[2]}. What do I do next?"
        )
        ref = (
            f"Prepare the {ings[0]}, {ings[1]} and {ings[2]}, combine them step by step, "
            f"cook and serve the {dish}."
        )
        return text, {"dish": dish, "ingredients": list(ings)}, ref

    def chat_fact(self) -> Built:
        q, a = self.r.choice(lx.FACT_QA)
        text = f"User: Hello, are you there?\nAssistant: Yes, I'm here. How can I help you today?\nUser: {q}"
        return text, {"question": q}, a

    # ------------------------------------------------------------------ rewrite
    def _simple_sentence(self) -> tuple[str, str, str, str]:
        r = self.r
        t = lx.TOPICS[r.choice(lx.TOPIC_NAMES)]
        return r.choice(lx.FIRST_NAMES), r.choice(t.verbs), r.choice(t.adjs), r.choice(t.nouns)

    def rw_past(self) -> Built:
        name, verb, adj, noun = self._simple_sentence()
        day = self.r.choice(lx.WEEKDAYS)
        s = f"{name} {third_person(verb)} the {adj} {noun} every {day}."
        return (
            f"Rewrite the following sentence in the past tense: {s}",
            {"sentence": s},
            f"{name} {past(verb)} the {adj} {noun} every {day}.",
        )

    def rw_spelling(self) -> Built:
        r = self.r
        _, _, adj, noun = self._simple_sentence()
        correct = (
            f"I think their {noun} will receive the {adj} package tomorrow because it is definitely "
            f"separate from the rest."
        )
        swaps = [
            ("their", "thier"),
            ("receive", "recieve"),
            ("tomorrow", "tommorow"),
            ("because", "becuase"),
            ("definitely", "definately"),
            ("separate", "seperate"),
            (" the ", " teh "),
        ]
        typo = correct
        for a, b in r.sample(swaps, r.randint(2, 4)):
            typo = typo.replace(a, b, 1)
        return f"Correct the spelling mistakes in this sentence: {typo}", {"sentence": typo}, correct

    def rw_formal(self) -> Built:
        name, _, _, noun = self._simple_sentence()
        msg = f"hey {name.lower()}, can u send me the {noun} asap? thx"
        return (
            f"Rewrite this message to sound more formal: {msg}",
            {"message": msg},
            f"Dear {name}, could you please send me the {noun} as soon as possible? Thank you.",
        )

    def rw_plural(self) -> Built:
        _, verb, _, noun = self._simple_sentence()
        noun2 = self._simple_sentence()[3]
        s = f"The {noun} {third_person(verb)} the {noun2}."
        return (
            f"Change the nouns in this sentence to plural: {s}",
            {"sentence": s},
            f"The {plural(noun)} {verb} the {plural(noun2)}.",
        )

    # ------------------------------------------------------------------ summarization
    def _key_paragraph(self) -> tuple[str, str, dict]:
        r, g = self.r, self.g
        topic = r.choice(lx.TOPIC_NAMES)
        table = g.doc_table(topic)
        city = r.choice(lx.CITIES)
        fe, fn = table["fe"][0], table["fn"][0]  # type: ignore[index]
        verb = r.choice(lx.TOPICS[topic].verbs)
        key = capitalize(f"{fe} {past(verb)} {with_article(r.choice(lx.TOPICS[topic].adjs))} {fn} in {city}.")
        para = " ".join([key] + g.sentences(NEWS, table, r.randint(3, 5)))
        return para, key, {"topic": topic, "entity": fe, "focus": fn, "city": city}

    def sum_para(self) -> Built:
        para, key, slots = self._key_paragraph()
        return f"Summarize this paragraph: {para}", slots, key

    def sum_tldr(self) -> Built:
        para, key, slots = self._key_paragraph()
        return f"{para}\n\nTl;dr:", slots, key

    def sum_kid(self) -> Built:
        para, key, slots = self._key_paragraph()
        return (
            f"Explain this to a second grader: {para}",
            slots,
            f"This story is about {with_article(slots['focus'])}. {key}",
        )

    # ------------------------------------------------------------------ classification
    def cls_sentiment(self) -> Built:
        r = self.r
        product = r.choice(lx.PRODUCTS)
        label = r.choice(("positive", "negative"))
        phrases = lx.POSITIVE_PHRASES if label == "positive" else lx.NEGATIVE_PHRASES
        a, b = r.sample(phrases, 2)
        review = (
            f"This {product} {a}. Honestly, it {b}."
            if not b.startswith("I ")
            else f"This {product} {a}. {b}."
        )
        text = r.choice(
            (
                f"Is the sentiment of this review positive or negative? Review: {review}",
                f"Classify the sentiment (positive/negative): {review}",
            )
        )
        return text, {"product": product, "review": review}, label

    def cls_topic(self) -> Built:
        r, g = self.r, self.g
        topic = r.choice(lx.TOPIC_NAMES)
        options = sorted(set(r.sample(lx.TOPIC_NAMES, 3)) | {topic})
        title = g.news_title(g.doc_table(topic))
        text = f"Which category does this headline belong to: {', '.join(options)}? Headline: {title}"
        return text, {"headline": title, "options": options}, topic

    def cls_spam(self) -> Built:
        r, g = self.r, self.g
        spam = r.random() < 0.5
        if spam:
            body = " ".join(g.spam_page()[1:3])
        else:
            name, _, _, noun = self._simple_sentence()
            day = r.choice(lx.WEEKDAYS)
            body = f"Hi {name}, just a reminder that the {noun} meeting moved to {day}. See you there."
        label = "spam" if spam else "not spam"
        return f"Is the following email spam or not spam?\n\n{body}", {"email": body}, label

    # ------------------------------------------------------------------ other
    def oth_joke(self) -> Built:
        animal = self.r.choice(lx.ANIMALS)
        return (
            f"Tell me a joke about {with_article(animal)}.",
            {"animal": animal},
            f"Why did the {animal} sit on the computer? To keep an eye on the mouse!",
        )

    def oth_convert(self) -> Built:
        small, big, k = self.r.choice(lx.UNIT_FACTS)
        m = self.r.randint(2, 9)
        return (
            f"Convert {m * k} {small} to {plural(big)}.",
            {"value": m * k, "from": small, "to": plural(big)},
            f"{m * k} {small} is {m} {plural(big)}.",
        )

    def oth_sort(self) -> Built:
        words = self.r.sample(lx.ANIMALS, self.r.randint(4, 7))
        return (
            f"Sort these words alphabetically: {', '.join(words)}",
            {"words": words},
            ", ".join(sorted(words)),
        )

    def oth_next_day(self) -> Built:
        i = self.r.randrange(7)
        return (
            f"What day of the week comes after {lx.WEEKDAYS[i]}?",
            {"day": lx.WEEKDAYS[i]},
            lx.WEEKDAYS[(i + 1) % 7],
        )

    # ------------------------------------------------------------------ closed QA
    def _passage(self) -> tuple[str, dict[str, str]]:
        r = self.r
        topic = r.choice(lx.TOPIC_NAMES)
        subject, kind = wiki_subject(r, topic)
        facts: dict[str, str] = {}
        paras = self.g.encyclopedic(topic, subject, kind, r.randint(60, 110), facts)
        return " ".join(p for p in paras if len(p.split()) > 3), facts

    def cqa_founder(self) -> Built:
        passage, f = self._passage()
        return f"According to the text, who founded {f['subject']}? Text: {passage}", dict(f), f["founder"]

    def cqa_year(self) -> Built:
        passage, f = self._passage()
        return (
            (
                f"Answer the question using the passage below.\n\nPassage: {passage}\n\nQuestion: In which "
                "year was "
                f"{f['subject']} founded?"
            ),
            dict(f),
            f["year"],
        )

    def cqa_where(self) -> Built:
        passage, f = self._passage()
        return (
            f"{passage}\n\nBased on the passage above, where is {f['subject']} located?",
            dict(f),
            f"{f['place']}, {f['country']}",
        )

    # ------------------------------------------------------------------ extract
    def _text_with(self, items: list[str], frame: Callable[[str], str]) -> str:
        r, g = self.r, self.g
        table = g.doc_table(r.choice(lx.TOPIC_NAMES))
        out = []
        for it in items:
            out.append(frame(it))
            if r.random() < 0.6:
                out.append(g.render(NEWS[r.choice((0, 4, 10, 20))], table))
        return " ".join(out)

    def ex_names(self) -> Built:
        r = self.r
        names = [
            f"{a} {b}" for a, b in zip(r.sample(lx.FIRST_NAMES, 3), r.sample(lx.LAST_NAMES, 3), strict=True)
        ]
        names = names[: r.randint(2, 3)]
        t = lx.TOPICS[r.choice(lx.TOPIC_NAMES)]
        text = self._text_with(
            names,
            lambda n: (
                f"{n} {past(r.choice(t.verbs))} the {r.choice(t.adjs)} "
                f"{r.choice(t.nouns)} in {r.choice(lx.CITIES)}."
            ),
        )
        return f"List the names of people mentioned in: {text}", {"names": names}, ", ".join(names)

    def ex_years(self) -> Built:
        r = self.r
        years = sorted(r.sample(range(1800, 2021), r.randint(2, 4)))
        t = lx.TOPICS[r.choice(lx.TOPIC_NAMES)]
        text = self._text_with(
            [str(y) for y in years],
            lambda y: f"In {y}, the {r.choice(t.nouns)} was {past(r.choice(t.verbs))} for the first time.",
        )
        return (
            f"Extract all the years mentioned in the following text: {text}",
            {"years": years},
            ", ".join(map(str, years)),
        )

    def ex_cities(self) -> Built:
        r = self.r
        cities = r.sample(lx.CITIES, r.randint(2, 4))
        t = lx.TOPICS[r.choice(lx.TOPIC_NAMES)]
        text = self._text_with(
            cities,
            lambda c: (
                f"The {r.choice(t.adjs)} {r.choice(t.nouns)} arrived in {c} {r.choice(lx.TIME_PHRASES)}."
            ),
        )
        return f"Which cities are mentioned in this text? {text}", {"cities": cities}, ", ".join(cities)


TEMPLATES: dict[str, tuple[str, ...]] = {
    "generation": (
        "gen_story",
        "gen_poem",
        "gen_email",
        "gen_product",
        "gen_blog",
        "gen_tweet",
        "gen_long_story",
    ),
    "open_qa": ("oq_best_way", "oq_capital", "oq_units", "oq_author", "oq_fact"),
    "brainstorming": ("bs_ideas", "bs_ways", "bs_names"),
    "chat": ("chat_trip", "chat_recipe", "chat_fact"),
    "rewrite": ("rw_past", "rw_spelling", "rw_formal", "rw_plural"),
    "summarization": ("sum_para", "sum_tldr", "sum_kid"),
    "classification": ("cls_sentiment", "cls_topic", "cls_spam"),
    "other": ("oth_joke", "oth_convert", "oth_sort", "oth_next_day"),
    "closed_qa": ("cqa_founder", "cqa_year", "cqa_where"),
    "extract": ("ex_names", "ex_years", "ex_cities"),
}


@dataclass
class Prompt:
    """One planned prompt and its truth."""

    text: str
    category: str
    template_id: str
    slots: dict
    reference: str
    ts: int = 0
    user: str = ""
    pii_kinds: list[str] = field(default_factory=list)
    pii_values: list[str] = field(default_factory=list)
    group: str | None = None
    dup_of: int | None = None


def _labeler_counts(rng: random.Random, total: int) -> list[int]:
    n = max(1, -(-total // 125))
    counts = [total // n + (1 if i < total % n else 0) for i in range(n)]
    for _ in range(3 * n):
        i, j = rng.randrange(n), rng.randrange(n)
        d = rng.randint(0, 20)
        if i != j and counts[i] - d >= 60 and counts[j] + d <= LABELER_MAX:
            counts[i] -= d
            counts[j] += d
    return counts


def _api_counts(rng: random.Random, total: int, n_heavy: int) -> list[int]:
    heavy: list[int] = []
    for _ in range(n_heavy):  # a few users above the 200-prompt cap, at most half of all API prompts
        h = rng.randint(210, 800) if total >= 20000 else rng.randint(210, 260)
        if sum(heavy) + h > total // 2:
            break
        heavy.append(h)
    rest = total - sum(heavy)
    counts = []
    while rest > 0:
        c = min(rest, 180, int(2.0 * (1.0 - rng.random()) ** (-1 / 1.15)))
        counts.append(c)
        rest -= c
    return heavy + counts


def write_prompts(out_dir: Path, seed: int, n: int, labeler_share: float, n_heavy: int) -> list[dict]:
    """Write prompts/2021-Qk.jsonl; return one truth row per prompt."""
    rng = random.Random(seed)
    b = Builders(random.Random(seed ^ 0x9E3779B9))
    counts = exact_counts(n, CATEGORY_SHARES)
    cats = [c for c, _ in CATEGORY_SHARES for _ in range(counts[c])]
    rng.shuffle(cats)
    prompts: list[Prompt] = []
    long_bases: dict[str, list[int]] = {c: [] for c, _ in CATEGORY_SHARES}
    n_groups = 0
    n_variants: dict[int, int] = {}
    for cat in cats:
        bases = long_bases[cat]
        if bases and rng.random() < NEAR_DUP_RATE:
            bi = rng.choice(bases)
            base = prompts[bi]
            if base.group is None:
                base.group = f"dup-{n_groups:05d}"
                n_groups += 1
            text = base.text + (
                rng.choice(("", " ", "  ")) + rng.choice(_ENDINGS)
                if rng.random() < 0.6
                else rng.choice((" thx", ".", " pls", "?", "!!"))
            )
            prompts.append(
                Prompt(
                    text,
                    cat,
                    base.template_id,
                    base.slots,
                    base.reference,
                    group=base.group,
                    dup_of=bi,
                    pii_kinds=list(base.pii_kinds),
                    pii_values=list(base.pii_values),
                )
            )
            n_variants[bi] = n_variants.get(bi, 0) + 1
            if n_variants[bi] >= 3:
                bases.remove(bi)
            continue
        tid = rng.choice(TEMPLATES[cat])
        text, slots, ref = getattr(b, tid)()
        p = Prompt(text, cat, tid, slots, ref)
        if rng.random() < PII_RATE:
            for kind in rng.sample(("email", "phone", "card", "address"), rng.choice((1, 1, 1, 2))):
                v = make_pii(rng, kind)
                p.pii_kinds.append(kind)
                p.pii_values.append(v)
                p.text = p.text + " " + rng.choice(_PII_SENTENCES[kind]).format(v=v)
        prompts.append(p)
        if len(p.text) >= 200:
            bases.append(len(prompts) - 1)
            if len(bases) > 50:
                bases.pop(0)

    # Users: labelers (<= 150 prompts each) and API users with heavy-tailed counts.
    n_lab = round(n * labeler_share)
    lab_counts = _labeler_counts(rng, n_lab)
    api_counts = _api_counts(rng, n - n_lab, n_heavy)
    users: list[str] = []
    for i, c in enumerate(lab_counts):
        users += [f"labeler-{i:03d}"] * c
    seen: set[str] = set()
    for c in api_counts:
        while (uid := f"user-{rng.getrandbits(32):08x}") in seen:
            pass
        seen.add(uid)
        users += [uid] * c
    rng.shuffle(users)
    per_user: dict[str, int] = {}
    for p, u in zip(prompts, users, strict=True):
        p.user = u
        per_user[u] = per_user.get(u, 0) + 1
    for p in prompts:
        p.ts = TIME_START + rng.randrange(TIME_SPAN - 3 * 86400)
    for p in prompts:  # resubmissions: usually the same user, shortly after the original
        if p.dup_of is not None:
            base = prompts[p.dup_of]
            p.ts = base.ts + rng.randint(30, 3 * 86400)
            if rng.random() < 0.7 and (
                not base.user.startswith("labeler-") or per_user[base.user] < LABELER_MAX
            ):
                per_user[p.user] -= 1
                p.user = base.user
                per_user[p.user] += 1

    order = sorted(range(len(prompts)), key=lambda i: (prompts[i].ts, i))
    pid = {i: f"p{k:07d}" for k, i in enumerate(order)}
    truth: list[dict] = []
    files: dict[str, list[dict]] = {}
    for i in order:
        p = prompts[i]
        d = datetime.fromtimestamp(p.ts, UTC)
        fname = f"{d.year}-Q{(d.month - 1) // 3 + 1}.jsonl"
        rows = files.setdefault(fname, [])
        rows.append(
            {
                "prompt_id": pid[i],
                "user_id": p.user,
                "source": "labeler" if p.user.startswith("labeler-") else "api",
                "created_at": d.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "text": p.text,
            }
        )
        truth.append(
            {
                "prompt_id": pid[i],
                "user_id": p.user,
                "source": rows[-1]["source"],
                "file": fname,
                "line": len(rows),
                "category": p.category,
                "template_id": p.template_id,
                "slots": p.slots,
                "pii_kinds": p.pii_kinds,
                "pii_values": p.pii_values,
                "near_dup_group": p.group,
                "near_dup_of": pid[p.dup_of] if p.dup_of is not None else None,
                "reference_answer": p.reference,
            }
        )
    for fname, rows in sorted(files.items()):
        write_jsonl(out_dir / fname, rows)
    return truth
