"""Importers of public human-feedback formats into the project's tables, through ``datasets``.

* Anthropic HH-RLHF ``{"chosen","rejected"}`` dialogues: the prompt is the dialogue up to the
  last ``Assistant:`` turn, in the chat template (``training.chat``); one comparison (chosen over rejected).
* OpenAssistant message trees (``prompt`` with nested ``replies``, ``rank`` "0" best): for every
  prompter message with ranked assistant replies, a demonstration from the best reply and all
  C(K,2) comparisons of the K ranked replies; the prompt keeps the conversation so far, in the chat template.

Both are dialogues (ChatGPT's data): the prompt holds the earlier turns as ``<|user|>…<|assistant|>…<|endoftext|>``
and ends with ``<|assistant|>``, so dialogue SFT trains on every assistant turn and the reward model scores the last
reply in its context.
* Alpaca JSON ``[{"instruction","input","output"}]`` and self-instruct seed tasks
  ``{"instruction","instances":[{"input","output"}]}``: demonstrations (one per instance).

Files are loaded with ``datasets.load_dataset("json", data_files=...)``; when a file has a
malformed line (``datasets`` then refuses the whole file) it is read line by line and each bad
line is quarantined with its position and reason.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

from gpt_assets.ingest.ndjson import iter_lines, parse_json_object
from gpt_assets.ingest.rejects import Reject
from training.chat import parse_hh, render
from training.tokenizer import EOS

ASSISTANT = "\n\nAssistant:"


def _id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def load_records(path: Path) -> Iterator[tuple[int, dict] | Reject]:
    """(position, record) per JSON record of a .json/.jsonl(.gz) file, via ``datasets``; bad lines quarantined."""
    import datasets

    try:
        ds = datasets.load_dataset("json", data_files=str(path), split="train")
        for i, rec in enumerate(ds):
            yield i + 1, rec
        return
    except Exception:  # noqa: BLE001 - datasets refuses a file with any malformed line; go line by line
        pass
    if path.suffix == ".json" and not path.name.endswith(".jsonl.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            yield Reject(str(path), 0, "invalid_json", str(exc)[:200])
            return
        for i, rec in enumerate(data if isinstance(data, list) else [data]):
            yield (i + 1, rec) if isinstance(rec, dict) else Reject(str(path), i + 1, "not_an_object", "")
        return
    for item in iter_lines(path):
        if isinstance(item, Reject):
            yield item
            continue
        obj = parse_json_object(str(path), *item)
        yield obj if isinstance(obj, Reject) else (item[0], obj)


def split_hh(dialogue: str) -> tuple[str, str] | None:
    """(the dialogue up to its last 'Assistant:' turn in the chat template, ending <|assistant|>; that reply)."""
    cut = dialogue.rfind(ASSISTANT)
    if cut < 0:
        return None
    turns = parse_hh(dialogue[:cut])
    return render(turns, EOS, add_generation_prompt=True), dialogue[cut + len(ASSISTANT):].strip()


def read_hh(path: Path) -> Iterator[dict | Reject]:
    """Comparison rows: prompt_id, prompt, chosen, rejected, source."""
    for item in load_records(path):
        if isinstance(item, Reject):
            yield item
            continue
        pos, rec = item
        chosen, rejected = rec.get("chosen"), rec.get("rejected")
        a = split_hh(chosen) if isinstance(chosen, str) else None
        b = split_hh(rejected) if isinstance(rejected, str) else None
        if a is None or b is None:
            yield Reject(str(path), pos, "not_a_dialogue", "chosen/rejected lack an 'Assistant:' turn")
        elif a[0] != b[0]:
            yield Reject(str(path), pos, "prompts_differ", "chosen and rejected do not share the dialogue prefix")
        elif not a[1] or not b[1]:
            yield Reject(str(path), pos, "empty_response", "the chosen or the rejected reply is empty")
        elif a[1] == b[1]:
            yield Reject(str(path), pos, "identical_responses", "chosen and rejected replies are the same text")
        else:
            yield {"kind": "comparison", "prompt_id": "hh-" + _id(a[0]), "prompt": a[0], "chosen": a[1],
                   "rejected": b[1], "source": "hh-rlhf"}


def _walk(message: dict, history: list[tuple[str, str]], out: list[dict]) -> None:
    text = message.get("text") or ""
    role = message.get("role")
    convo = [*history, ("user" if role == "prompter" else "assistant", text.strip())]
    replies = [r for r in message.get("replies") or [] if isinstance(r, dict) and not r.get("deleted")]
    if role == "prompter":
        ranked = sorted((r for r in replies if r.get("rank") not in (None, "")), key=lambda r: int(r["rank"]))
        prompt = render(convo, EOS, add_generation_prompt=True)
        pid = "oasst-" + str(message.get("message_id") or _id(prompt))
        if ranked:
            out.append({"kind": "demonstration", "prompt_id": pid, "prompt": prompt,
                        "response": ranked[0]["text"], "source": "oasst"})
        for better, worse in itertools.combinations(ranked, 2):
            out.append({"kind": "comparison", "prompt_id": pid, "prompt": prompt, "chosen": better["text"],
                        "rejected": worse["text"], "source": "oasst"})
    for reply in replies:
        _walk(reply, convo, out)


def read_oasst(path: Path) -> Iterator[dict | Reject]:
    """Demonstrations and comparisons from OpenAssistant message trees."""
    for item in load_records(path):
        if isinstance(item, Reject):
            yield item
            continue
        pos, rec = item
        root = rec.get("prompt")
        if not isinstance(root, dict) or not isinstance(root.get("text"), str):
            yield Reject(str(path), pos, "not_a_message_tree", "no prompt message")
            continue
        out: list[dict] = []
        try:
            _walk(root, [], out)
        except (TypeError, ValueError) as exc:
            yield Reject(str(path), pos, "bad_message_tree", str(exc)[:200])
            continue
        yield from out


def _alpaca_demo(instruction: object, inp: object, output: object) -> dict | None:
    if not isinstance(instruction, str) or not instruction.strip() or not isinstance(output, str) \
            or not output.strip():
        return None
    prompt = instruction.strip() + (f"\n\n{inp.strip()}" if isinstance(inp, str) and inp.strip() else "")
    return {"kind": "demonstration", "prompt_id": "alpaca-" + _id(prompt), "prompt": prompt,
            "response": output.strip(), "source": "alpaca"}


def read_alpaca(path: Path) -> Iterator[dict | Reject]:
    """Demonstrations from Alpaca's flat ``{"instruction","input","output"}`` records, or self-instruct's seed tasks
    ``{"instruction","instances":[{"input","output"}, ...]}`` (one demonstration per instance)."""
    for item in load_records(path):
        if isinstance(item, Reject):
            yield item
            continue
        pos, rec = item
        instances = rec.get("instances")
        if isinstance(instances, list) and instances:
            for i, inst in enumerate(instances):
                demo = _alpaca_demo(rec.get("instruction"), inst.get("input"), inst.get("output")) \
                    if isinstance(inst, dict) else None
                yield demo or Reject(str(path), pos, "missing_instruction_or_output", f"instance {i}")
            continue
        demo = _alpaca_demo(rec.get("instruction"), rec.get("input"), rec.get("output"))
        yield demo or Reject(str(path), pos, "missing_instruction_or_output", "")


READERS = {"hh-rlhf": read_hh, "oasst": read_oasst, "alpaca": read_alpaca}
