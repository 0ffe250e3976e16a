"""PII scrubbing (InstructGPT §3.2 filtered personally identifiable information from prompts).

Each kind found is replaced by a placeholder (``[EMAIL]``, ``[PHONE]``, ``[CARD]``,
``[ADDRESS]``) and counted.  Card-like numbers must pass the Luhn check, so long
order or tracking numbers are left alone.
"""

from __future__ import annotations

import re
from collections import Counter

EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}\b"
    r"|(?<![\w+])\+\d{10,14}\b"
)
ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Square)\b"
)
PLACEHOLDERS = {"email": "[EMAIL]", "card": "[CARD]", "phone": "[PHONE]", "address": "[ADDRESS]"}


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def scrub(text: str) -> tuple[str, Counter]:
    """The text with PII replaced, and the kinds found."""
    found: Counter = Counter()

    def sub(kind: str, pattern: re.Pattern, check=None) -> None:
        nonlocal text

        def repl(m: re.Match) -> str:
            if check is not None and not check(m.group()):
                return m.group()
            found[kind] += 1
            return PLACEHOLDERS[kind]

        text = pattern.sub(repl, text)

    sub("email", EMAIL)
    sub("card", CARD, luhn_ok)
    sub("phone", PHONE)
    sub("address", ADDRESS)
    return text, found
