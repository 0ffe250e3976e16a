"""Text generators: a slot-filling template grammar over the embedded lexicon.

Registers: news/blog articles (WebText-like), encyclopedic entries (Wikipedia-like), narrative fiction
(books), casual Reddit posts; and low-quality kinds: boilerplate-heavy pages, keyword spam, machine junk and
non-English text. Every generator takes its randomness from the `random.Random` it was built with.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Sequence

from gpt_assets.sampleworld import lexicon as lx

# --------------------------------------------------------------------------------------------- inflection
_IRREG_PLURAL = {
    "child": "children",
    "person": "people",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "hypothesis": "hypotheses",
    "analysis": "analyses",
    "species": "species",
    "series": "series",
    "crisis": "crises",
    "knife": "knives",
    "leaf": "leaves",
    "wolf": "wolves",
    "shelf": "shelves",
    "fish": "fish",
    "deer": "deer",
    "salmon": "salmon",
    "thesis": "theses",
    "life": "lives",
    "half": "halves",
    "foot": "feet",
    "sheep": "sheep",
    "curriculum": "curricula",
    "potato": "potatoes",
    "tomato": "tomatoes",
    "hero": "heroes",
    "echo": "echoes",
    "volcano": "volcanoes",
    "veto": "vetoes",
    "quiz": "quizzes",
    "bus": "buses",
    "data": "data",
    "CEO": "CEOs",
    "ruling": "rulings",
}
_IRREG_VERB = {
    "begin": ("began", "begun"),
    "build": ("built", "built"),
    "buy": ("bought", "bought"),
    "catch": ("caught", "caught"),
    "choose": ("chose", "chosen"),
    "come": ("came", "come"),
    "do": ("did", "done"),
    "draw": ("drew", "drawn"),
    "drive": ("drove", "driven"),
    "eat": ("ate", "eaten"),
    "fall": ("fell", "fallen"),
    "feel": ("felt", "felt"),
    "find": ("found", "found"),
    "fly": ("flew", "flown"),
    "freeze": ("froze", "frozen"),
    "get": ("got", "gotten"),
    "give": ("gave", "given"),
    "go": ("went", "gone"),
    "grow": ("grew", "grown"),
    "have": ("had", "had"),
    "hear": ("heard", "heard"),
    "hide": ("hid", "hidden"),
    "hold": ("held", "held"),
    "keep": ("kept", "kept"),
    "know": ("knew", "known"),
    "lead": ("led", "led"),
    "leave": ("left", "left"),
    "lend": ("lent", "lent"),
    "lose": ("lost", "lost"),
    "make": ("made", "made"),
    "meet": ("met", "met"),
    "pay": ("paid", "paid"),
    "put": ("put", "put"),
    "read": ("read", "read"),
    "ride": ("rode", "ridden"),
    "run": ("ran", "run"),
    "say": ("said", "said"),
    "see": ("saw", "seen"),
    "sell": ("sold", "sold"),
    "send": ("sent", "sent"),
    "set": ("set", "set"),
    "show": ("showed", "shown"),
    "sing": ("sang", "sung"),
    "sit": ("sat", "sat"),
    "sleep": ("slept", "slept"),
    "speak": ("spoke", "spoken"),
    "spend": ("spent", "spent"),
    "stand": ("stood", "stood"),
    "steal": ("stole", "stolen"),
    "swim": ("swam", "swum"),
    "take": ("took", "taken"),
    "teach": ("taught", "taught"),
    "tell": ("told", "told"),
    "think": ("thought", "thought"),
    "throw": ("threw", "thrown"),
    "win": ("won", "won"),
    "write": ("wrote", "written"),
    "cut": ("cut", "cut"),
    "bring": ("brought", "brought"),
    "beat": ("beat", "beaten"),
    "cast": ("cast", "cast"),
    "spread": ("spread", "spread"),
    "overthrow": ("overthrew", "overthrown"),
    "withdraw": ("withdrew", "withdrawn"),
    "underwrite": ("underwrote", "underwritten"),
    "shake": ("shook", "shaken"),
    "rebuild": ("rebuilt", "rebuilt"),
    "forecast": ("forecast", "forecast"),
    "upset": ("upset", "upset"),
    "ship": ("shipped", "shipped"),
    "top": ("topped", "topped"),
    "sequence": ("sequenced", "sequenced"),
}
_DOUBLE = frozenset(
    "stop plan map ship stir chop drop tag grab admit commit control patrol prefer refer occur debug swap "
    "chat "
    "jog plug hug rob scrub skip slip step trim wrap blog fit knit spot star top strip flip mop sip".split()
)


def plural(noun: str) -> str:
    """English plural of a noun (last word of a compound)."""
    if " " in noun:
        head, last = noun.rsplit(" ", 1)
        return f"{head} {plural(last)}"
    if noun in _IRREG_PLURAL:
        return _IRREG_PLURAL[noun]
    if noun.endswith("y") and len(noun) > 1 and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def third_person(verb: str) -> str:
    """Third person singular present: 'watch' -> 'watches'."""
    if verb == "have":
        return "has"
    if verb in ("do", "go", "veto", "echo"):
        return verb + "es"
    return plural(verb) if verb not in _IRREG_PLURAL else verb + "s"


def past(verb: str) -> str:
    """Simple past tense."""
    if verb in _IRREG_VERB:
        return _IRREG_VERB[verb][0]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    if verb in _DOUBLE:
        return verb + verb[-1] + "ed"
    return verb + "ed"


def past_participle(verb: str) -> str:
    """Past participle."""
    return _IRREG_VERB[verb][1] if verb in _IRREG_VERB else past(verb)


def gerund(verb: str) -> str:
    """-ing form."""
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        return verb[:-1] + "ing"
    if verb in _DOUBLE:
        return verb + verb[-1] + "ing"
    return verb + "ing"


def with_article(word: str) -> str:
    """Prefix 'a' or 'an'."""
    return (
        "an " if word[:1].lower() in "aeiou" and not word.startswith(("uni", "use", "eu")) else "a "
    ) + word


_SMALL = frozenset("a an the of in on for and to at by with from as or but is are".split())


def title_case(s: str) -> str:
    """Headline capitalization; small words stay lowercase except first."""
    words = s.split(" ")
    out = []
    for i, w in enumerate(words):
        if i > 0 and w in _SMALL:
            out.append(w)
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def slugify(s: str, max_words: int = 8) -> str:
    """URL slug: lowercase ascii words joined by '-'."""
    ascii_s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_s.lower())
    return "-".join(words[:max_words]) or "page"


def place_name(rng: random.Random) -> str:
    """A made-up place name such as 'Kelbrook' or 'Ashwick'."""
    return capitalize(rng.choice(lx.SYLLABLES_A) + rng.choice(lx.SYLLABLES_B))


def capitalize(s: str) -> str:
    """Upper-case the first character only."""
    return s[:1].upper() + s[1:]


# --------------------------------------------------------------------------------------------- templates
WIKI_KINDS: dict[str, tuple[str, ...]] = {
    "science": ("research institute", "observatory", "scientific society"),
    "sports": ("football club", "stadium", "sports league"),
    "cooking": ("restaurant", "bakery", "food market"),
    "history": ("castle", "abbey", "fortress"),
    "technology": ("software company", "research laboratory", "technology park"),
    "travel": ("town", "island", "national park"),
    "finance": ("bank", "stock exchange", "investment firm"),
    "health": ("hospital", "medical school", "clinic"),
    "music": ("concert hall", "record label", "music festival"),
    "politics": ("political party", "city council", "parliament building"),
    "nature": ("river", "mountain", "nature reserve"),
    "education": ("university", "school", "public library"),
}


def exact_counts(n: int, shares: Sequence[tuple[str, float]]) -> dict[str, int]:
    """Largest-remainder apportionment of n items to shares (normalized to sum 1)."""
    total = sum(s for _, s in shares)
    raw = [(k, n * s / total) for k, s in shares]
    counts = {k: int(v) for k, v in raw}
    rest = n - sum(counts.values())
    for k, _ in sorted(raw, key=lambda kv: (-(kv[1] - int(kv[1])), kv[0]))[:rest]:
        counts[k] += 1
    return counts


def wiki_subject(rng: random.Random, topic: str) -> tuple[str, str]:
    """(subject name, kind) for an encyclopedic entry, e.g. ('Kelbrook Castle', 'castle')."""
    kind = rng.choice(WIKI_KINDS[topic])
    place = place_name(rng)
    if kind == "town":
        return place, kind
    if kind == "river" and rng.random() < 0.5:
        return f"River {place}", kind
    return f"{place} {title_case(kind).replace(' Of ', ' of ')}", kind


_SLOT = re.compile(r"\{(\w+)\}")
Table = dict[str, "tuple[str, ...] | Callable[[], str]"]


def compile_templates(templates: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Split templates into (literal, slot, literal, slot, ..., literal) tuples."""
    return tuple(tuple(_SLOT.split(t)) for t in templates)


def _pre(fn: Callable[[str], str], words: Sequence[str]) -> tuple[str, ...]:
    return tuple(fn(w) for w in words)


NEWS = compile_templates(
    [
        "The {a} {n} {vp} the {fn} in {city} {time}.",
        "{fp}, {aa} {role} at {fe}, said the {fn} would {vb} the {ns} by {year}.",
        '"We {vb} the {fn} because it {vs} the {ns}," said {fpl}.',
        "According to {e}, {ns} have {vpp} the {a} {n} for {num} years.",
        "Many {ns} {vb} {aa} {n}, but few {vb} the {fn} {adv}.",
        "In {year}, {fe} {vp} {aa} {fn} that {vp} {ns} across {country}.",
        "{conn} the {fns} {vp} more {ns} than {e} did.",
        "{fpl} {vp} that the {a} {fn} could {vb} {big} {ns} {time}.",
        "The {fn} is {aa} {n} that {vs} {ns} and {vs} the {n}.",
        "Experts at {e} {vp} the {a} {ns} and {vp} about {pct} of them.",
        "It is not clear whether the {fn} will {vb} the {a} {n}.",
        "{conn} {num} {ns} were {vpp} in {city} {time}.",
        "The {role} {vp} the {fn}, which {vs} {aa} {n} for {ns}.",
        "Critics say the {fn} {vs} too many {ns}, while supporters {vb} its {a} {n}.",
        "The {fns} {vp} {adv} after {fe} {vp} the {n}.",
        '"The {fn} is {a}, and the {ns} are {a}," {fpl} told reporters.',
        "Officials in {city} {vp} {big} {ns} {time}, up from {num} a year earlier.",
        "{fe} plans to {vb} the {fn} in {month}.",
        "Some {ns} {vb} the {fn} every {day}, and others {vb} it only in {month}.",
        "{p}, who {vp} the {n} at {e}, {vp} the {a} {fn}.",
        "Still, the {fn} {vs} {aa} {n} for many {ns}.",
        "The report {vp} that {ns} {vb} the {fn} when they {vb} {aa} {n}.",
        "The {fn} {vp} {adv}, and {fe} {vp} the {ns}.",
        "{conn} {fpl} said the {a} {ns} had {vpp} the {fn} {adv}.",
        "Nobody expected the {fn} to {vb} so many {a} {ns}.",
        "A spokesperson for {fe} declined to comment on the {a} {n}.",
        "{fpl} first {vp} the {fn} while working as {aa} {role} in {city}.",
        "The {a} {ns} {vb} the {fn}, according to {p} of {e}.",
    ]
)
ENCYCLOPEDIC = compile_templates(
    [
        "{S} is {aa} {kind} located in {place}, {country}.",
        "It was founded in {year0} by {founder}.",
        "The {kind} is known for its {a} {ns} and its {a} {n}.",
        "In {year}, the {kind} {vp} {aa} {n} that {vp} {ns} in the region.",
        "According to {e}, {S} is one of the most {a} {kinds} in {country}.",
        "The name {S} comes from the {a} {n} that once {vp} the area.",
        "Since {year}, {S} has {vpp} {aa} {n} for local {ns}.",
        "The first {n} of {S} was {vpp} by {p} in {year}.",
        "During the {decade}s, the {kind} {vp} the {a} {ns} of {place}.",
        "Today, {S} {vs} {ns} and {vs} {aa} {n}.",
        "{S} covers an area of {num} square kilometres and has about {big} residents.",
        "The {kind} was {vpp} by {e} in {year}.",
        "Its {a} {n} was {vpp} in {year} and {vpp} again in {year}.",
        "{founder} {vp} the {n} of {S} until {year}.",
        "Several {a} {ns} are associated with {S}, including the {n} and the {n}.",
        "The {kind} is administered by {e}.",
        "Visitors to {S} can see {aa} {n} and {num} {a} {ns}.",
        "Historians {vb} the {a} {n} of {S} as {a}.",
    ]
)
REDDIT_CASUAL = compile_templates(
    [
        "So I {vp} {aa} {n} {time} and I'm not sure if the {ns} are {a}.",
        "Has anyone here {vpp} {aa} {n}? I'm thinking about it.",
        "I've been {vg} {ns} for {num} years and the {n} still {vs} me.",
        "Any advice on {vg} {aa} {n} would be appreciated.",
        "My {n} {vp} the {fn} last {day}, which was kind of {a}.",
        "Honestly the {fn} is way more {a} than people think.",
        "I don't understand why {e} {vs} the {fn} like that.",
        "Is it normal for the {fn} to {vb} the {ns}?",
        "Edit: thanks everyone, the {fn} {vp} after all!",
        "TL;DR: the {fn} is {a} and I {vp} it.",
        "We {vp} the {n} in {city} and it was {a}.",
        "Does anyone know where to find {aa} {n} that {vs} {ns}?",
    ]
)
NEWS_TITLES = compile_templates(
    [
        "{fe} {vs} {a} {fn} in {city}",
        "How {a} {fns} are changing the {n}",
        "Why the {fn} matters for {ns}",
        "The {a} {fn} that {vp} {ns}",
        "{fpl} says {ns} will {vb} the {fn}",
        "{num} {a} {fns} you should know about",
        "What {ns} can learn from the {fn}",
        "{fe} to {vb} {a} {fns} by {year}",
        "Inside the {a} {fn} of {fe}",
        "The {fn} is {vg} {ns}, and that is {a}",
    ]
)
SELF_TITLES = compile_templates(
    [
        "What is the best {n} for {vg} {ns}?",
        "Anyone else {vg} their {fn}?",
        "Need advice about my {a} {fn}",
        "Is the {fn} worth it?",
        "Just {vp} my first {fn}!",
        "Question about {vg} the {fn}",
        "Why does my {fn} {vb} the {n}?",
    ]
)
NARRATIVE = compile_templates(
    [
        "{c1} {gvp} the {gn} and walked toward {gplace}.",
        "The {gadj} {gn} lay near {gplace}, exactly where {c2} had left it.",
        '"{us}," said {c1}.',
        '"{uq}?" {c2} asked.',
        "{c1} looked at {c2} for a long moment and said nothing.",
        "It had been {num} years since {c1} had seen the {gn}.",
        "{c2} did not answer. Instead, {c2} {gvp} the {gadj} {gn}.",
        "Outside, the {weather} moved slowly across {gplace}.",
        '"{us}," {c2} whispered, and {c1} nodded.',
        "{c1} remembered the {gadj} {gn} from the summer when everything changed.",
        "By the time they reached {gplace}, the {weather} had grown worse.",
        "There was something {gadj} about the way {c2} {gvp} the {gn}.",
        "{c1} {gvp} the {gn} again, just to be sure.",
        '"You never told me about the {gn}," {c1} said quietly.',
        '"Because you never asked," {c2} replied.',
        "The {gn} was {gadj}, and {c1} knew it.",
        "For a while neither of them spoke, and the {weather} filled the silence.",
        "{c2} smiled, but the smile did not reach {c2_pos} eyes.",
    ]
)
STATEMENTS = compile_templates(
    [
        "We have to find the {gn} before dark",
        "I don't know where the {gn} is",
        "You should have told me about the {gn}",
        "Nobody has seen the {gn} in years",
        "Come with me to {gplace}",
        "I never wanted any of this",
        "Tell me what happened at {gplace}",
        "We can't stay here much longer",
        "The {gn} changes everything",
        "{c3} was right about the {gn}",
    ]
)
QUESTIONS = compile_templates(
    [
        "Where did you find the {gn}",
        "Is the {gn} still {gadj}",
        "Do you trust {c3}",
        "Why did you go back to {gplace}",
        "What if the {gn} is gone",
        "How long have you known about the {gn}",
    ]
)


def _base_table() -> Table:
    full = tuple(f"{f} {la}" for f in lx.FIRST_NAMES for la in lx.LAST_NAMES)
    return {
        "p": full,
        "pl": lx.LAST_NAMES,
        "first": lx.FIRST_NAMES,
        "city": lx.CITIES,
        "country": lx.COUNTRIES,
        "month": lx.MONTHS,
        "day": lx.WEEKDAYS,
        "adv": lx.ADVERBS,
        "conn": lx.CONNECTORS,
        "time": lx.TIME_PHRASES,
    }


_BASE = _base_table()


def _topic_table(t: lx.Topic) -> Table:
    return {
        "n": t.nouns,
        "ns": _pre(plural, t.nouns),
        "an": _pre(with_article, t.nouns),
        "a": t.adjs,
        "aa": _pre(with_article, t.adjs),
        "vb": t.verbs,
        "vs": _pre(third_person, t.verbs),
        "vp": _pre(past, t.verbs),
        "vpp": _pre(past_participle, t.verbs),
        "vg": _pre(gerund, t.verbs),
        "e": t.entities,
        "role": t.roles,
    }


TOPIC_TABLES: dict[str, Table] = {name: {**_BASE, **_topic_table(t)} for name, t in lx.TOPICS.items()}


class TextGen:
    """Generates text of every register from one seeded `random.Random`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        rnd = rng.random
        self._numbers: Table = {
            "num": lambda: str(2 + int(rnd() * 59)),
            "big": lambda: f"{120 + int(rnd() * 97880):,}",
            "pct": lambda: f"{3 + int(rnd() * 93)} percent",
            "year": lambda: str(1950 + int(rnd() * 68)),
            "decade": lambda: str(1800 + 10 * int(rnd() * 21)),
        }

    # ------------------------------------------------------------------ core
    def pick(self, seq: Sequence[str]) -> str:
        """Uniform choice using one `random()` call (faster than `Random.choice`)."""
        return seq[int(self.rng.random() * len(seq))]

    def render(self, parts: tuple[str, ...], table: Table) -> str:
        """Fill one compiled template from a slot table; capitalizes the first character."""
        rnd = self.rng.random
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            v = table[parts[i]]
            out.append(v[int(rnd() * len(v))] if v.__class__ is tuple else v())
            out.append(parts[i + 1])
        s = "".join(out)
        return s[:1].upper() + s[1:]

    def doc_table(self, topic: str, **extra: tuple[str, ...] | Callable[[], str]) -> Table:
        """Slot table for one document: topic vocabulary plus one focus noun, entity and person."""
        r = self.rng
        t = lx.TOPICS[topic]
        fn = r.choice(t.nouns)
        first, last = r.choice(lx.FIRST_NAMES), r.choice(lx.LAST_NAMES)
        table: Table = {**TOPIC_TABLES[topic], **self._numbers}
        table.update(
            fn=(fn,),
            fns=(plural(fn),),
            fe=(r.choice(t.entities),),
            fp=(f"{first} {last}",),
            fpl=(last,),
        )
        table.update(extra)
        return table

    def sentences(self, templates: tuple[tuple[str, ...], ...], table: Table, k: int) -> list[str]:
        """k sentences from a template set."""
        rnd, n = self.rng.random, len(templates)
        return [self.render(templates[int(rnd() * n)], table) for _ in range(k)]

    def paragraphs(
        self, templates: tuple[tuple[str, ...], ...], table: Table, n: int, lo: int = 3, hi: int = 6
    ) -> list[str]:
        """n paragraphs of lo..hi sentences."""
        r = self.rng
        return [" ".join(self.sentences(templates, table, r.randint(lo, hi))) for _ in range(n)]

    # ------------------------------------------------------------------ registers
    def news_title(self, table: Table) -> str:
        """A headline for an article whose focus is in `table`."""
        return title_case(self.render(NEWS_TITLES[self.rng.randrange(len(NEWS_TITLES))], table))

    def article(self, topic: str, n_par: tuple[int, int] = (4, 9)) -> tuple[str, list[str]]:
        """News/blog article: (title, paragraphs)."""
        table = self.doc_table(topic)
        return self.news_title(table), self.paragraphs(NEWS, table, self.rng.randint(*n_par))

    def encyclopedic(
        self, topic: str, subject: str, kind: str, words: int, facts: dict[str, str] | None = None
    ) -> list[str]:
        """Encyclopedic article about `subject` (a `kind`); about `words` words in paragraphs.

        The lead states place, country, founding year and founder; they are stored into `facts` if given.
        """
        r = self.rng
        founder = f"{r.choice(lx.FIRST_NAMES)} {r.choice(lx.LAST_NAMES)}"
        country, capital = r.choice(lx.COUNTRIES_CAPITALS)
        place = r.choice((capital, place_name(r), place_name(r)))
        year0 = str(r.randint(1600, 1990))
        if facts is not None:
            facts.update(
                subject=subject, kind=kind, place=place, country=country, founder=founder, year=year0
            )
        table = self.doc_table(
            topic,
            S=(subject,),
            kind=(kind,),
            kinds=(plural(kind),),
            place=(place,),
            founder=(founder,),
            year0=(year0,),
            country=(country,),
        )
        lead = " ".join(
            [self.render(ENCYCLOPEDIC[0], table), self.render(ENCYCLOPEDIC[1], table)]
            + self.sentences(ENCYCLOPEDIC[2:], table, r.randint(1, 3))
        )
        paras = [lead]
        n_words = len(lead.split())
        headings = (
            "History",
            "Description",
            "Geography",
            "Legacy",
            "Overview",
            "Reception",
            "Notable features",
        )
        while n_words < words:
            if r.random() < 0.35:
                paras.append(r.choice(headings))
            p = " ".join(self.sentences(ENCYCLOPEDIC[2:], table, r.randint(3, 6)))
            paras.append(p)
            n_words += len(p.split())
        return paras

    def reddit_self(self, topic: str) -> tuple[str, str]:
        """Casual self post: (title, selftext)."""
        r = self.rng
        table = self.doc_table(topic)
        title = self.render(SELF_TITLES[r.randrange(len(SELF_TITLES))], table)
        text = "\n\n".join(self.paragraphs(REDDIT_CASUAL, table, r.randint(1, 3), 2, 4))
        return title, text

    def narrative_table(self, genre: str, characters: Sequence[str]) -> Table:
        """Slot table for narrative fiction with a cast of characters."""
        g = lx.GENRES[genre]
        r = self.rng
        cast = tuple(characters)
        table: Table = {
            "gn": g.nouns,
            "gvp": g.verbs_past,
            "gadj": g.adjs,
            "gplace": g.places,
            "weather": g.weather,
            **self._numbers,
        }

        table.update(c1=cast[:1], c2=cast[1:2] or cast, c3=cast, c2_pos=("their",))
        table["us"] = lambda: self.render(STATEMENTS[r.randrange(len(STATEMENTS))], table)
        table["uq"] = lambda: self.render(QUESTIONS[r.randrange(len(QUESTIONS))], table)
        return table

    def recast(self, table: Table, characters: Sequence[str]) -> None:
        """Pick two distinct characters as c1/c2 for the next paragraph."""
        if len(characters) > 1:
            a, b = self.rng.sample(list(characters), 2)
            table["c1"], table["c2"] = (a,), (b,)

    def narrative(self, genre: str, characters: Sequence[str], n_par: int) -> list[str]:
        """Paragraphs of narrative fiction with dialogue."""
        table = self.narrative_table(genre, characters)
        out = []
        for _ in range(n_par):
            self.recast(table, characters)
            out.append(" ".join(self.sentences(NARRATIVE, table, self.rng.randint(2, 6))))
        return out

    # ------------------------------------------------------------------ low quality
    def chrome_lines(self, site: str, k: int) -> list[str]:
        """k short navigation / footer lines as a text extractor would leave them."""
        r = self.rng
        out = []
        for _ in range(k):
            x = r.random()
            if x < 0.6:
                out.append(self.pick(lx.BOILERPLATE_NAV))
            elif x < 0.8:
                out.append(self.pick(lx.BOILERPLATE_LINES))
            elif x < 0.9:
                out.append(f"Copyright © {r.randint(2009, 2017)} {site}. All rights reserved.")
            else:
                out.append(" | ".join(r.sample(lx.BOILERPLATE_NAV, 4)))
        return out

    def boilerplate_page(self, topic: str, site: str) -> list[str]:
        """Boilerplate-heavy page: menus, notices, share buttons, a little prose."""
        r = self.rng
        t = lx.TOPICS[topic]
        table = self.doc_table(topic)
        lines = [f"{title_case(r.choice(t.nouns))} | {site}"]
        lines += self.chrome_lines(site, r.randint(8, 20))
        lines.append("Categories")
        lines += [title_case(w) for w in r.sample(t.nouns, r.randint(4, 10))]
        lines.append(
            f"Posted by {r.choice(('admin', 'editor', 'webmaster', r.choice(lx.FIRST_NAMES)))} on "
            f"{r.choice(lx.MONTHS)} {r.randint(1, 28)}, {r.randint(2012, 2017)}"
        )
        lines += self.sentences(NEWS, table, r.randint(1, 2))
        lines.append("Read more »")
        lines.append("Tags: " + ", ".join(r.sample(t.nouns, 4)))
        lines += self.chrome_lines(site, r.randint(8, 20))
        lines.append(f"Copyright © {r.randint(2009, 2017)} {site}. All rights reserved.")
        return lines

    def spam_page(self) -> list[str]:
        """Keyword spam: repeated commercial keywords with little grammar."""
        r = self.rng
        products = r.sample(lx.SPAM_PRODUCTS, r.randint(2, 4))
        lines = [title_case(f"{r.choice(lx.SPAM_MODIFIERS)} {products[0]} {r.choice(lx.SPAM_MODIFIERS)}")]
        for _ in range(r.randint(10, 30)):
            words = []
            for _ in range(r.randint(4, 14)):
                words.append(self.pick(products) if r.random() < 0.4 else self.pick(lx.SPAM_MODIFIERS))
            if r.random() < 0.3:
                words.append(r.choice(lx.CITIES).lower())
            line = " ".join(words)
            if r.random() < 0.3:
                line = line.upper() + "!!!"
            lines.append(line)
        lines.append(" ".join(f"{p} {p} {p}" for p in products))
        lines.append("click here click here buy now")
        return lines

    def junk_page(self) -> list[str]:
        """Machine-generated junk: tokens, hex, broken markup, character soup, repeated n-grams."""
        r = self.rng
        lines = []
        for _ in range(r.randint(8, 30)):
            x = r.random()
            if x < 0.2:
                lines.append(" ".join(f"{r.getrandbits(64):016x}" for _ in range(r.randint(2, 6))))
            elif x < 0.4:
                lines.append(
                    "".join(r.choices("abcdefghijklmnopqrstuvwxyz0123456789_$#@&%*", k=r.randint(20, 90)))
                )
            elif x < 0.55:
                tag = r.choice(("div", "span", "td", "li", "a", "p"))
                lines.append(
                    f'<{tag} class="{r.getrandbits(24):x}"><{tag}>{r.choice(lx.BOILERPLATE_NAV)}'
                    f"</{r.choice(('dvi', 'spna', tag))} &nbsp;&amp;nbsp; {{{{var_{r.randint(1, 99)}}}}}"
                )
            elif x < 0.7:
                gram = " ".join(r.choice(lx.TOPICS[r.choice(lx.TOPIC_NAMES)].nouns) for _ in range(3))
                lines.append(" ".join([gram] * r.randint(3, 8)))
            elif x < 0.85:
                lines.append(
                    "function(){var "
                    + ",".join(f"{chr(97 + i)}={r.randint(0, 999)}" for i in range(r.randint(2, 6)))
                    + ";return a+b}"
                )
            else:
                lines.append(
                    " ".join(
                        "".join(r.choices("bcdfghjklmnpqrstvwxz", k=r.randint(2, 9)))
                        for _ in range(r.randint(5, 15))
                    )
                )
        return lines

    def foreign_page(self, lang: str) -> list[str]:
        """Non-English page (es/de/fr) from that language's function words and vocabulary."""
        r = self.rng
        L = lx.LANGUAGES[lang]
        table: Table = {
            "N": L.nouns,
            "N2": L.nouns,
            "N3": L.nouns,
            "V": L.verbs,
            "A": L.adjs,
            "C": lx.CITIES,
            "P": _BASE["p"],
            **self._numbers,
        }
        tpls = compile_templates(L.templates)
        lines = [" | ".join(r.sample(L.nav, 4))]
        lines.append(capitalize(f"{r.choice(L.nouns)} {r.choice(L.verbs)} {r.choice(L.nouns)}"))
        for _ in range(r.randint(3, 7)):
            lines.append(" ".join(self.sentences(tpls, table, r.randint(3, 6))))
        lines.append(" | ".join(r.sample(L.nav, 3)))
        return lines


# --------------------------------------------------------------------------------------------- edits
_WORD = re.compile(r"\w+")


def perturb(
    rng: random.Random, paragraphs: Sequence[str], topic: str, word_rate: float, drop_sentence: bool = False
) -> list[str]:
    """Near-duplicate edit: replace ~word_rate of words with topic words; optionally drop one sentence."""
    t = lx.TOPICS[topic]
    pool = t.nouns + t.adjs
    out = []
    for para in paragraphs:
        words = para.split(" ")
        for i in range(len(words)):
            if rng.random() < word_rate:
                w = words[i]
                tail = w[len(w.rstrip('.,;:!?"')) :]
                words[i] = rng.choice(pool) + tail
        out.append(" ".join(words))
    if drop_sentence and out:
        i = rng.randrange(len(out))
        sents = out[i].split(". ")
        if len(sents) > 2:
            del sents[rng.randrange(len(sents))]
            out[i] = ". ".join(sents)
    return out


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    """Set of lowercase word k-shingles."""
    w = _WORD.findall(text.lower())
    return {tuple(w[i : i + k]) for i in range(max(1, len(w) - k + 1))}


def jaccard(a: str, b: str, k: int = 5) -> float:
    """Jaccard similarity of word k-shingle sets."""
    sa, sb = shingles(a, k), shingles(b, k)
    return len(sa & sb) / max(1, len(sa | sb))
