"""Evaluation tasks as published, one row per example: what zero-, one- and few-shot evaluation scores.

Each published layout becomes the same row: ``task``, ``split``, ``id``, ``kind``, ``context``, ``choices`` (the
candidate continuations), ``label`` (the index of the right one; null where a split ships without answers) and
the file and line it came from. Kinds (GPT-3 §2, lm-evaluation-harness's tasks):

* ``last_word``: LAMBADA (``{"text"}``): the context is the passage up to its last word, the one choice is that
  word (scored by greedy decoding; label 0);
* ``multiple_choice``: HellaSwag (``ctx_a``, ``ctx_b``, ``activity_label``, ``endings``, ``label``; context and
  endings cleaned as lm-evaluation-harness's ``preprocess`` does), PIQA (``goal``, ``sol1``, ``sol2``, with
  ``label`` inline or in the published ``*-labels.lst`` beside the file), ARC (``question.stem``,
  ``question.choices[{text,label}]``, ``answerKey``; or the Hugging Face layout with ``choices.text``/``.label``);
* ``fill_blank``: Winogrande (``sentence`` with one ``_``, ``option1``, ``option2``, ``answer`` "1"/"2", empty in
  the test split): the context is the sentence, the choices the options that fill its blank.

A record that is not one of these, or lacks what its layout needs (no choices, a label out of range, a blank
missing), is quarantined with its reason, never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from gpt_assets.ingest.jsonl import _key, _objects
from gpt_assets.ingest.rejects import Reject

KINDS = ("last_word", "multiple_choice", "fill_blank")


def _hellaswag_clean(text: str) -> str:
    """lm-evaluation-harness's HellaSwag ``preprocess``: WikiHow's ``[title]`` markers become sentence breaks,
    other bracketed tags go, double spaces close up."""
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ")


def _row(task: str, split: str, ex_id: str, kind: str, context: str, choices: list[str], label: int | None) -> dict:
    return {"task": task, "split": split, "id": ex_id, "kind": kind, "context": context, "choices": choices,
            "label": label}


def _lambada(obj: dict) -> tuple[str, list[str], int] | str:
    text = obj.get("text")
    if not isinstance(text, str) or len(text.split()) < 2:
        return "no passage of two words or more in text"
    context, _, word = text.strip().rpartition(" ")
    return context, [word], 0


def _hellaswag(obj: dict) -> tuple[str, list[str], int | None] | str:
    endings = obj.get("endings")
    if not isinstance(endings, list) or len(endings) < 2 or not all(isinstance(e, str) for e in endings):
        return "endings is not a list of two or more strings"
    ctx_b = str(obj.get("ctx_b") or "")
    context = _hellaswag_clean(f"{obj.get('activity_label', '')}: {obj.get('ctx_a', '')} {ctx_b.capitalize()}")
    return context, [_hellaswag_clean(e) for e in endings], _label(obj.get("label"))


def _piqa(obj: dict) -> tuple[str, list[str], int | None] | str:
    if not all(isinstance(obj.get(k), str) for k in ("goal", "sol1", "sol2")):
        return "goal, sol1 and sol2 must all be strings"
    return f"Question: {obj['goal']}\nAnswer:", [obj["sol1"], obj["sol2"]], _label(obj.get("label"))


def _arc(obj: dict) -> tuple[str, list[str], int | None] | str:
    question, choices = obj.get("question"), obj.get("choices")
    if isinstance(question, dict):  # AI2's own layout: the choices inside the question
        stem, choices = question.get("stem"), question.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            return "question.choices is not a list of {text, label}"
        texts, labels = [c.get("text") for c in choices], [c.get("label") for c in choices]
    elif isinstance(choices, dict):  # the Hugging Face layout
        stem, texts, labels = question, choices.get("text"), choices.get("label")
    else:
        return "no question.choices (AI2) nor choices.text/label (Hugging Face)"
    if not isinstance(stem, str) or not isinstance(texts, list) or not isinstance(labels, list) or \
            len(texts) != len(labels) or len(texts) < 2 or not all(isinstance(t, str) for t in texts):
        return "the question or its choices are malformed"
    key = obj.get("answerKey")
    label = [str(x) for x in labels].index(str(key)) if str(key) in [str(x) for x in labels] else None
    if key not in (None, "") and label is None:
        return f"answerKey {key!r} is none of the choices' labels {labels}"
    return f"Question: {stem}\nAnswer:", texts, label


def _winogrande(obj: dict) -> tuple[str, list[str], int | None] | str:
    sentence = obj.get("sentence")
    if not isinstance(sentence, str) or sentence.count("_") != 1:
        return "sentence must hold exactly one blank (_)"
    if not all(isinstance(obj.get(k), str) for k in ("option1", "option2")):
        return "option1 and option2 must be strings"
    answer = str(obj.get("answer") or "")
    if answer not in ("", "1", "2"):
        return f"answer {answer!r} is neither 1 nor 2"
    return sentence, [obj["option1"], obj["option2"]], int(answer) - 1 if answer else None


def _label(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -1  # out of range: quarantined by the caller


LAYOUTS = {  # the field that names a layout -> (kind, parser)
    "endings": ("multiple_choice", _hellaswag),
    "goal": ("multiple_choice", _piqa),
    "answerKey": ("multiple_choice", _arc),
    "option1": ("fill_blank", _winogrande),
    "text": ("last_word", _lambada),
}


def _sidecar_labels(path: Path) -> list[str] | None:
    """PIQA publishes its labels apart: ``train-labels.lst`` beside ``train.jsonl``, one 0/1 a line."""
    name = path.name.split(".")[0]
    side = path.with_name(f"{name}-labels.lst")
    return side.read_text().split() if side.exists() else None


def read_tasks(path: str | Path, task: str, split: str) -> Iterator[dict | Reject]:
    """The examples of one task file (any of the layouts above, told apart by their fields)."""
    path, file = Path(path), str(path)
    sidecar = _sidecar_labels(path)
    for item in _objects(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        name = next((f for f in LAYOUTS if f in obj), None)
        if name is None:
            yield Reject(file, line, "unknown_task_layout", f"none of {sorted(LAYOUTS)}: {str(obj)[:100]}")
            continue
        kind, parse = LAYOUTS[name]
        if sidecar is not None and "label" not in obj:
            obj = {**obj, "label": sidecar[line - 1] if line - 1 < len(sidecar) else None}
        parsed = parse(obj)
        if isinstance(parsed, str):
            yield Reject(file, line, "malformed_example", parsed)
            continue
        context, choices, label = parsed
        if label is not None and not 0 <= label < len(choices):
            yield Reject(file, line, "label_out_of_range", f"label {label} for {len(choices)} choices")
            continue
        ex_id = _key(obj.get("id")) or _key(obj.get("ind")) or _key(obj.get("qID")) or f"line-{line}"
        yield {**_row(task, normal_split(str(obj.get("split") or "")) or split, ex_id, kind, context, choices, label),
               "source_file": file, "line": line}


TASK_SCHEMA = pa.schema(
    [("task", pa.string()), ("split", pa.string()), ("id", pa.string()), ("kind", pa.string()),
     ("context", pa.string()), ("choices", pa.list_(pa.string())), ("label", pa.int64()),
     ("source_file", pa.string()), ("line", pa.int64())]
)
_SPLITS = (("train", "train"), ("valid", "validation"), ("val", "validation"), ("dev", "validation"),
           ("test", "test"))


def split_of(path: str | Path) -> str:
    """The split a published file name says (``train.jsonl``, ``hellaswag_val.jsonl``, ``ARC-Easy-Dev.jsonl``,
    ``lambada_test.jsonl``, PIQA's ``tests.jsonl``): train, validation or test; else the name itself."""
    stem = Path(path).name.split(".")[0]
    return normal_split(stem) or stem


def normal_split(name: str) -> str:
    """``val``, ``dev``, ``ARC-Easy-Dev`` -> validation; ``tests`` -> test; the last word that names a split wins;
    '' when none does."""
    for word in reversed(re.split(r"[^a-z]+", name.lower())):
        for prefix, split in _SPLITS:
            if word.startswith(prefix):
                return split
    return ""
