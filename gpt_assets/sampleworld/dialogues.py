"""Labeler-written conversations (ChatGPT: labelers wrote dialogues playing both the user and the assistant).

Each conversation opens with a task of the instruction world (any Table 1 category but chat, whose prompts hold a
dialogue already) answered with its reference, then one or two more user turns. A later turn is a new task, or a
follow-up that only the conversation so far can answer: the previous answer in one line, one of its items again,
how many items it had, or thanks. The last assistant turn is the reference the gold preference scores a sampled
reply against, so a reward model that ranks these replies has to read the context.

Written to ``dialogues/conversations.jsonl``: ``{conversation_id, user_id, created_at, turns: [{role, text}]}``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from gpt_assets.sampleworld.formats import write_jsonl
from gpt_assets.sampleworld.prompts import CATEGORY_SHARES, TEMPLATES, TIME_SPAN, TIME_START, Builders, FastRandom

_CATEGORIES = [c for c, _ in CATEGORY_SHARES if c != "chat"]
_WEIGHTS = [w for c, w in CATEGORY_SHARES if c != "chat"]
_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
_ONE_LINE = ("Can you say that in one line?", "Shorter, please: just one line.", "Now give me only the first line.",
             "Too long. One line is enough.")
_WHICH = ("What was the {o} one again?", "Repeat the {o} one, please.", "Say the {o} item again.",
          "Which was the {o} one?")
_COUNT = ("How many lines was that?", "How many did you give me?", "Count them for me: how many was that?")
_THANKS = ("Thanks, that is all I needed.", "Great, thank you!", "Perfect, thanks.")
_WELCOME = ("You are welcome.", "Glad to help.", "You are welcome. Goodbye.")
FOLLOW_UPS = ("new_task", "one_line", "which", "count", "thanks")
_FOLLOW_WEIGHTS = (0.4, 0.15, 0.15, 0.15, 0.15)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _task(b: Builders, r: random.Random) -> tuple[str, str, str]:
    cat = r.choices(_CATEGORIES, _WEIGHTS)[0]
    tid = r.choice(TEMPLATES[cat])
    text, _, ref = getattr(b, tid)()
    return text, ref, tid


def _follow_up(kind: str, previous: str, b: Builders, r: random.Random) -> tuple[str, str, str]:
    lines = _lines(previous)
    if kind in ("one_line", "which") and len(lines) < 2:
        kind = "count"
    if kind == "new_task":
        return _task(b, r)
    if kind == "one_line":
        return r.choice(_ONE_LINE), lines[0], kind
    if kind == "which":
        i = r.randrange(min(len(lines), len(_ORDINALS)))
        return r.choice(_WHICH).format(o=_ORDINALS[i]), lines[i], kind
    if kind == "count":
        n = len(lines)
        word = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
        return r.choice(_COUNT), f"That was {word} {'line' if n == 1 else 'lines'}.", kind
    return r.choice(_THANKS), r.choice(_WELCOME), "thanks"


def conversation(b: Builders, r: random.Random) -> tuple[list[dict], list[str]]:
    """Turns ``[{role, text}]`` of one conversation, and the kind of each user turn."""
    text, ref, kind = _task(b, r)
    turns, kinds = [{"role": "user", "text": text}, {"role": "assistant", "text": ref}], [kind]
    for _ in range(r.choice((1, 1, 2))):
        text, ref, kind = _follow_up(r.choices(FOLLOW_UPS, _FOLLOW_WEIGHTS)[0], ref, b, r)
        turns += [{"role": "user", "text": text}, {"role": "assistant", "text": ref}]
        kinds.append(kind)
    return turns, kinds


def write_dialogues(out_dir: Path, seed: int, n: int, n_labelers: int) -> list[dict]:
    """Write ``n`` conversations by ``n_labelers`` labelers (ChatGPT's were a few dozen; the by-user split needs
    enough of them to hold some out); return one truth row per conversation."""
    r = random.Random(seed)
    b = Builders(FastRandom(seed ^ 0xD1A106))
    rows, truth = [], []
    for i in range(n):
        turns, kinds = conversation(b, r)
        cid = f"c{i:06d}"
        user = f"labeler-{r.randrange(max(1, n_labelers)):03d}"
        ts = datetime.fromtimestamp(TIME_START + r.randrange(TIME_SPAN), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append({"conversation_id": cid, "user_id": user, "created_at": ts, "turns": turns})
        truth.append({"conversation_id": cid, "user_id": user, "n_turns": len(turns), "kinds": kinds,
                      "reference_answer": turns[-1]["text"]})
    write_jsonl(out_dir / "conversations.jsonl", rows)
    return truth
