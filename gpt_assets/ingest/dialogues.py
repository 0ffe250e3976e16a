"""Conversations written by labelers playing both sides (ChatGPT's demonstrations), from ``raw/dialogues/``.

One JSON object a line (``.jsonl`` or ``.jsonl.gz``), in any of the layouts public chat data ships in:

- ours and Hugging Face chat data: ``turns`` or ``messages``, a list of ``{role, text}`` or ``{role, content}``;
- ShareGPT: ``conversations``, a list of ``{from, value}`` (``human``/``gpt``);
- HH-RLHF: ``chosen``, the ``\\n\\nHuman: … \\n\\nAssistant: …`` text (the chosen conversation).

Roles ``user``/``human``/``prompter`` are the user, ``assistant``/``gpt``/``bot`` the assistant. The id is
``conversation_id`` or ``id``, else a hash of the turns; the user is ``user_id``, else ``anon:<hash>`` (each such
conversation its own user for the by-user split). A line that is not a conversation the template can hold (a system
or unknown role, roles not alternating from the user, an empty turn, no assistant turn last) is quarantined with
that reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from gpt_assets.ingest.jsonl import _prompt_items, _timestamp
from gpt_assets.ingest.rejects import Reject
from training.chat import parse_hh, validate

TURN = pa.struct([("role", pa.string()), ("text", pa.string())])
SCHEMA = pa.schema([("conversation_id", pa.string()), ("user_id", pa.string()),
                    ("created_at", pa.timestamp("us", "UTC")), ("n_turns", pa.int64()), ("turns", pa.list_(TURN)),
                    ("source_file", pa.string()), ("line", pa.int64())])
_ROLES = {"user": "user", "human": "user", "prompter": "user", "assistant": "assistant", "gpt": "assistant",
          "bot": "assistant", "chatgpt": "assistant"}


def _turns(obj: dict) -> list[tuple[str, str]] | str:
    """The turns of one record, or the reason it has none."""
    if isinstance(obj.get("chosen"), str):
        return parse_hh(obj["chosen"]) or "no_turns"
    raw = next((obj[k] for k in ("turns", "messages", "conversations") if isinstance(obj.get(k), list)), None)
    if raw is None:
        return "not_a_dialogue"
    out = []
    for t in raw:
        if not isinstance(t, dict):
            return "not_a_dialogue"
        role = t.get("role", t.get("from"))
        text = next((t[k] for k in ("text", "content", "value") if isinstance(t.get(k), str)), None)
        if not isinstance(role, str) or role.lower() not in _ROLES:
            return "bad_role"
        if text is None:
            return "empty_turn"
        out.append((_ROLES[role.lower()], text.strip()))
    return out


def _hash(turns: list[tuple[str, str]]) -> str:
    return hashlib.blake2b("\x1e".join(f"{r}\x1f{t}" for r, t in turns).encode(), digest_size=8).hexdigest()


def read_dialogues(path: str | Path) -> Iterator[dict | Reject]:
    """Conversation rows (see ``SCHEMA``) of one file; bad lines as rejects with their reason."""
    file = str(path)
    for item in _prompt_items(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        turns = _turns(obj)
        why = turns if isinstance(turns, str) else validate(turns)
        if why:
            yield Reject(file, line, why, str(obj.get("conversation_id", obj.get("id", "")))[:120])
            continue
        cid = obj.get("conversation_id", obj.get("id"))
        cid = str(cid) if isinstance(cid, str | int) and str(cid).strip() else "h-" + _hash(turns)
        user = obj.get("user_id")
        user = user if isinstance(user, str) and user.strip() else "anon:" + _hash(turns)
        yield {"conversation_id": cid, "user_id": user, "created_at": _timestamp(obj.get("created_at")),
               "n_turns": len(turns), "turns": [{"role": r, "text": t} for r, t in turns], "source_file": file,
               "line": line}
