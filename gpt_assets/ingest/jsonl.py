"""JSONL sources to rows: ``reference_documents``, ``prompt_pool``, ``benchmark_examples``."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import msgspec
import pyarrow as pa

from gpt_assets.ingest.ndjson import decode_line, iter_lines, parse_json_object
from gpt_assets.ingest.rejects import Reject

REFERENCE_SCHEMA = pa.schema(
    [("corpus", pa.string()), ("id", pa.string()), ("title", pa.string()), ("text", pa.string()),
     ("n_chars", pa.int64()), ("source_file", pa.string()), ("line", pa.int64())]
)
PROMPT_SCHEMA = pa.schema(
    [("prompt_id", pa.string()), ("user_id", pa.string()), ("source", pa.string()),
     ("created_at", pa.timestamp("us", tz="UTC")), ("text", pa.string()),
     ("extra", pa.string()),  # optional fields beyond the contract, as a JSON object
     ("source_file", pa.string()), ("line", pa.int64())]
)
BENCHMARK_SCHEMA = pa.schema(
    [("benchmark", pa.string()), ("id", pa.string()), ("text", pa.string()),
     ("source_file", pa.string()), ("line", pa.int64())]
)
PROMPT_SOURCES = ("api", "labeler")
_PROMPT_FIELDS = {"prompt_id", "user_id", "source", "created_at", "text"}
ANON_USER = "anon:"  # user_id prefix of a prompt whose file gave no user id (each such prompt its own user)


def _objects(path: str | Path) -> Iterator[tuple[int, dict] | Reject]:
    file = str(path)
    for item in iter_lines(path):
        if isinstance(item, Reject):
            yield item
            continue
        obj = parse_json_object(file, *item)
        yield obj if isinstance(obj, Reject) else (item[0], obj)


def _key(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        return None
    return str(value)


def read_reference(path: str | Path, corpus: str) -> Iterator[dict | Reject]:
    """``{"id","title","text"}`` lines of one corpus file; id and non-empty text required."""
    file = str(path)
    for item in _objects(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        doc_id, text = _key(obj.get("id")), obj.get("text")
        if doc_id is None:
            yield Reject(file, line, "missing_id", str(obj)[:120])
        elif not isinstance(text, str) or not text.strip():
            yield Reject(file, line, "missing_text", f"id={doc_id}")
        else:
            title = obj.get("title")
            yield {"corpus": corpus, "id": doc_id, "title": title if isinstance(title, str) else "",
                   "text": text, "n_chars": len(text), "source_file": file, "line": line}


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else None


def _prompt_text(obj: dict) -> str | None:
    """The prompt's text: ``text``, else ``prompt``, else ``instruction`` (+ its ``input``, as Alpaca writes it)."""
    for key in ("text", "prompt"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value
    instruction, inp = obj.get("instruction"), obj.get("input")
    if isinstance(instruction, str) and instruction.strip():
        return instruction.strip() + (f"\n\n{inp.strip()}" if isinstance(inp, str) and inp.strip() else "")
    return None


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


_PROMPT_LINE = msgspec.json.Decoder(dict | str)  # an object, or a bare prompt string (the OASST prompt lottery)


def _prompt_items(path: str | Path) -> Iterator[tuple[int, dict] | Reject]:
    """(line, object) per line; a line that is a JSON string becomes ``{"text": ...}``."""
    file = str(path)
    for item in iter_lines(path):
        if isinstance(item, Reject):
            yield item
            continue
        value = decode_line(_PROMPT_LINE, file, *item)
        yield value if isinstance(value, Reject) else (item[0], {"text": value} if isinstance(value, str) else value)


def read_prompts(path: str | Path) -> Iterator[dict | Reject]:
    """Prompt lines: the contract ``{"prompt_id","user_id","source","created_at","text"}``, or real prompt files
    that carry less: a JSON string a line, or objects with ``text``/``prompt``/``instruction`` only.

    What is missing (absent or null) is filled, never invented: ``prompt_id`` = ``id`` or ``h-<hash of the text>``
    (``-2``, ``-3`` for repeats in the file); ``user_id`` = ``anon:<hash of the text>`` (each such prompt its own
    user for the by-user split); ``source`` = ``api``; ``created_at`` = null. A field present but wrong (an empty
    user id, an unknown source, a time that does not parse) and a line without text are quarantined.
    """
    file = str(path)
    seen: Counter[str] = Counter()
    for item in _prompt_items(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        text = _prompt_text(obj)
        pid = _key(obj.get("prompt_id")) or _key(obj.get("id"))
        if text is None:
            yield Reject(file, line, "missing_text", f"prompt_id={pid}" if pid else str(obj)[:120])
            continue
        if pid is None:
            digest = _text_hash(text)
            seen[digest] += 1
            pid = f"h-{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")
        uid = f"{ANON_USER}{_text_hash(text)}" if obj.get("user_id") is None else _key(obj["user_id"])
        source = "api" if obj.get("source") is None else obj["source"]
        raw_time = obj.get("created_at")
        created = _timestamp(raw_time)
        if uid is None:
            yield Reject(file, line, "missing_user_id", f"prompt_id={pid} user_id={obj.get('user_id')!r}")
        elif source not in PROMPT_SOURCES:
            yield Reject(file, line, "unknown_source", f"prompt_id={pid} source={source!r}")
        elif raw_time is not None and created is None:
            yield Reject(file, line, "bad_created_at", f"prompt_id={pid} created_at={raw_time!r}")
        else:
            extra = {k: v for k, v in obj.items() if k not in _PROMPT_FIELDS}
            yield {"prompt_id": pid, "user_id": uid, "source": source, "created_at": created, "text": text,
                   "extra": json.dumps(extra, sort_keys=True) if extra else None,
                   "source_file": file, "line": line}


# Published benchmark layouts without a "text" field: the fields whose words a training document could copy
# (GPT-3 App. C looks for any 13-gram of the benchmark's text). Strings, lists of strings, or {"text"} choices.
BENCHMARK_TEXT_FIELDS = (
    ("ctx", "endings"),  # HellaSwag: context + the four endings
    ("goal", "sol1", "sol2"),  # PIQA
    ("question", "choices"),  # ARC (question.stem, choices.text) and plain question/choices layouts
    ("sentence", "option1", "option2"),  # Winogrande
)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k in ("stem", "text") for s in _strings(value.get(k))]
    return []


def benchmark_text(obj: dict) -> str | None:
    """The text to keep out of training data: ``text``, else the fields of a known published layout."""
    text = obj.get("text")
    if isinstance(text, str) and text.strip():
        return text
    for fields in BENCHMARK_TEXT_FIELDS:
        if fields[0] in obj:
            parts = [s.strip() for f in fields for s in _strings(obj.get(f)) if s.strip()]
            if parts:
                return "\n".join(parts)
    return None


def read_benchmark(path: str | Path, benchmark: str, id_prefix: str = "") -> Iterator[dict | Reject]:
    """Evaluation examples: ``{"id","text"}``, or HellaSwag / PIQA / ARC / Winogrande records as published
    (their context and choices become the text); a missing id falls back to the line number; ``id_prefix`` keeps
    the ids of a task's splits apart."""
    file = str(path)
    for item in _objects(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        text = benchmark_text(obj)
        if text is None:
            yield Reject(file, line, "missing_text", "no text (nor ctx/endings, goal/sol1, question/choices, "
                         f"sentence/option1): {str(obj)[:100]}")
            continue
        ex_id = id_prefix + (_key(obj.get("id")) or _key(obj.get("ind")) or _key(obj.get("qID")) or f"line-{line}")
        yield {"benchmark": benchmark, "id": ex_id, "text": text, "source_file": file, "line": line}
