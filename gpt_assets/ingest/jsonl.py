"""JSONL sources to rows: ``reference_documents``, ``prompt_pool``, ``benchmark_examples``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from gpt_assets.ingest.ndjson import iter_lines, parse_json_object
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


def read_prompts(path: str | Path) -> Iterator[dict | Reject]:
    """Prompt lines: ids, a known source, a timezone-aware ISO-8601 time and non-empty text."""
    file = str(path)
    for item in _objects(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        pid, uid = _key(obj.get("prompt_id")), _key(obj.get("user_id"))
        text, source = obj.get("text"), obj.get("source")
        created = _timestamp(obj.get("created_at"))
        if pid is None:
            yield Reject(file, line, "missing_prompt_id", str(obj)[:120])
        elif uid is None:
            yield Reject(file, line, "missing_user_id", f"prompt_id={pid}")
        elif source not in PROMPT_SOURCES:
            yield Reject(file, line, "unknown_source", f"prompt_id={pid} source={source!r}")
        elif created is None:
            yield Reject(file, line, "bad_created_at", f"prompt_id={pid} created_at={obj.get('created_at')!r}")
        elif not isinstance(text, str) or not text.strip():
            yield Reject(file, line, "missing_text", f"prompt_id={pid}")
        else:
            extra = {k: v for k, v in obj.items() if k not in _PROMPT_FIELDS}
            yield {"prompt_id": pid, "user_id": uid, "source": source, "created_at": created, "text": text,
                   "extra": json.dumps(extra, sort_keys=True) if extra else None,
                   "source_file": file, "line": line}


def read_benchmark(path: str | Path, benchmark: str) -> Iterator[dict | Reject]:
    """``{"id","text"}`` evaluation examples; a missing id falls back to the line number."""
    file = str(path)
    for item in _objects(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            yield Reject(file, line, "missing_text", str(obj)[:120])
            continue
        yield {"benchmark": benchmark, "id": _key(obj.get("id")) or f"line-{line}", "text": text,
               "source_file": file, "line": line}
