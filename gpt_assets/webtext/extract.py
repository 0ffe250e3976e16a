"""Main-text extraction from HTML, and the heuristic cleaning GPT-2 §2.1 mentions.

Two extractors: trafilatura (default) and Resiliparse.  Chosen by measured
quality (bench/extract.py, figures in bench/RESULTS.md): on the sample world's
true article texts trafilatura scores word F1 0.994 against Resiliparse's 0.928
(Resiliparse keeps ad labels and bylines around the article), at 6x the time
per page (6.6 ms against 1.1 ms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z']+")
# Frequent English function words; other languages share few of them.
ENGLISH_STOPWORDS = frozenset(
    "the of and to in is was for that it with as on be at by this had not are but from have they you were his "
    "her she he which their been has would there more will when who one all an can if its so about what our we "
    "into than them these could other some".split()
)


def extract_resiliparse(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=True, alt_texts=False, links=False, list_bullets=False)


def extract_trafilatura(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=False, deduplicate=False) or ""


EXTRACTORS = {"resiliparse": extract_resiliparse, "trafilatura": extract_trafilatura}


def extract_main_text(html: str, engine: str = "trafilatura") -> str:
    """The article text of a page, paragraphs separated by blank lines; '' if none."""
    text = EXTRACTORS[engine](html)
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paras if p)


@dataclass(frozen=True)
class CleanRule:
    """Heuristic cleaning (GPT-2 §2.1 names none; these thresholds are ours)."""

    min_words: int = 64  # shorter extractions are navigation or stubs
    min_english_share: float = 0.2  # share of words that are English function words (prose: ~0.4)
    max_mean_word_length: float = 12.0  # character soup and URLs


def english_share(text: str) -> float:
    words = [w.lower() for w in _WORD.findall(text)]
    return sum(w in ENGLISH_STOPWORDS for w in words) / len(words) if words else 0.0


def clean_reason(text: str, rule: CleanRule) -> str:
    """Why a document fails cleaning ('' if it passes)."""
    words = text.split()
    if len(words) < rule.min_words:
        return "too_short"
    if sum(map(len, words)) / len(words) > rule.max_mean_word_length:
        return "long_words"
    if english_share(text) < rule.min_english_share:
        return "not_english"
    return ""
