"""The chat template (ChatGPT's dialogue data): role tokens, rendering, the dialogue SFT mask, the readers."""

import gzip
import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

from gpt_assets.ingest.dialogues import read_dialogues
from gpt_assets.ingest.rejects import Reject
from gpt_assets.prompts.importers import read_hh, read_oasst
from gpt_assets.sampleworld.dialogues import conversation
from gpt_assets.sampleworld.prompts import Builders, FastRandom
from training.chat import (
    ASSISTANT,
    USER,
    add_chat_tokens,
    assistant_mask,
    context_and_reply,
    in_template,
    parse_hh,
    render,
    validate,
)
from training.sft import IGNORE, SFTConfig, encode_pair, train_sft
from training.tokenizer import EOS, TokenizerConfig, load_tokenizer, train_tokenizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")
REAL = Path(__file__).resolve().parents[2] / "shared" / "real-samples"
TEXTS = ["Name a river. The Nile is a long river.", "Hello there, how are you today? I am well, thanks."] * 40
TURNS = [("user", "Name a river."), ("assistant", "The Nile."), ("user", "And another?"), ("assistant", "The Rhine.")]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    cfg = TokenizerConfig(vocab_size=300, min_frequency=1, out_dir=str(tmp_path_factory.mktemp("tok")), name="t")
    train_tokenizer(cfg, TEXTS)
    return load_tokenizer(cfg.final_dir)


def test_rendered_text_is_the_saved_template_and_tokenizes_as_its_parts(tokenizer):
    text = render(TURNS[:3], tokenizer.eos_token, add_generation_prompt=True)
    assert text == f"{USER}Name a river.{ASSISTANT}The Nile.{EOS}{USER}And another?{ASSISTANT}"
    messages = [{"role": r, "content": t} for r, t in TURNS[:3]]
    assert tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == text
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    parts = []
    for role, turn in TURNS[:3]:
        parts += [tokenizer.convert_tokens_to_ids(f"<|{role}|>"), *tokenizer(turn, add_special_tokens=False)
                  ["input_ids"], *([tokenizer.eos_token_id] if role == "assistant" else [])]
    assert ids == [*parts, tokenizer.convert_tokens_to_ids(ASSISTANT)]
    assert tokenizer.decode(ids) == text


def test_dialogue_sft_trains_every_assistant_turn_and_no_user_token(tokenizer):
    prompt, reply = context_and_reply(TURNS, tokenizer.eos_token)
    assert reply == "The Rhine." and prompt.endswith(ASSISTANT)
    ids, labels = encode_pair(tokenizer, prompt, reply, 128)
    mask = [label != IGNORE for label in labels]
    trained = tokenizer.decode([t for t, m in zip(ids, mask, strict=True) if m])
    assert trained == f"The Nile.{EOS}The Rhine.{EOS}"
    _, last_only = encode_pair(tokenizer, prompt, reply, 128, all_assistant_turns=False)
    assert tokenizer.decode([t for t, m in zip(ids, last_only, strict=True) if m != IGNORE]) == f"The Rhine.{EOS}"
    # single-turn prompts are unchanged: the prompt never trains
    ids, labels = encode_pair(tokenizer, "Name a river.", " The Nile.", 128)
    assert labels[:len(tokenizer("Name a river.")["input_ids"])] == [IGNORE] * len(tokenizer("Name a river.")
                                                                               ["input_ids"])
    # the mask follows truncation: a context cut from the left keeps its later assistant turn's labels
    ids, labels = encode_pair(tokenizer, prompt, reply, 12)
    assert len(ids) == 12 and labels[-1] == tokenizer.eos_token_id
    assert assistant_mask(tokenizer(prompt)["input_ids"], tokenizer).count(True) == len(
        tokenizer("The Nile.")["input_ids"]) + 1


def test_sft_gives_a_base_without_role_tokens_the_template(tmp_path):
    cfg = TokenizerConfig(vocab_size=300, min_frequency=1, chat_tokens=False, out_dir=str(tmp_path), name="plain")
    plain = train_tokenizer(cfg, TEXTS)
    assert USER not in plain.get_vocab()
    base = tmp_path / "base"
    GPT2LMHeadModel(GPT2Config(vocab_size=len(plain), n_positions=64, n_embd=16, n_layer=1, n_head=2)) \
        .save_pretrained(base)
    plain.save_pretrained(base)
    prompt, reply = context_and_reply(TURNS, EOS)
    sft = SFTConfig(init_from=str(base), out_dir=str(tmp_path), name="sft", epochs=1, lr=1e-3, batch_size=2,
                    micro_batch_size=2, log_every=100)
    result = train_sft(sft, [(prompt, reply), ("Name a river.", " The Nile.")], log=lambda s, m: None)
    tok = load_tokenizer(result.path)
    model = AutoModelForCausalLM.from_pretrained(result.path)
    assert tok.convert_tokens_to_ids(USER) >= len(plain) and model.get_input_embeddings().num_embeddings == len(tok)
    assert tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                   add_generation_prompt=True) == f"{USER}hi{ASSISTANT}"
    with torch.no_grad():
        assert torch.isfinite(model(**tok(prompt, return_tensors="pt")).logits).all()


def test_add_chat_tokens_is_idempotent(tokenizer):
    assert add_chat_tokens(tokenizer) == 0 and tokenizer.chat_template


def test_validate_and_parse():
    assert validate(TURNS) is None
    assert validate(TURNS[:3]) == "last_turn_not_assistant"
    assert validate([("assistant", "hi")]) == "roles_not_alternating"
    assert validate([("user", "hi"), ("assistant", " ")]) == "empty_turn"
    assert validate([("system", "be nice"), ("user", "hi")]) == "bad_role"
    assert parse_hh("\n\nHuman: hi there\n\nAssistant: hello\n\nHuman: bye") == [
        ("user", "hi there"), ("assistant", "hello"), ("user", "bye")]
    assert in_template("The Nile.") and not in_template(f"The Nile.{USER}And?")


def test_dialogue_reader_takes_the_public_layouts_and_quarantines_the_rest(tmp_path):
    lines = [
        {"conversation_id": "a", "user_id": "u1", "turns": [{"role": "user", "text": "hi"},
                                                              {"role": "assistant", "text": "hello"}]},
        {"id": "b", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]},
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hey"}]},
        {"chosen": "\n\nHuman: hi\n\nAssistant: howdy"},
        {"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "hi"}]},
        {"turns": [{"role": "user", "text": "hi"}]},
        {"turns": [{"role": "user", "text": "hi"}, {"role": "user", "text": "again"}]},
        {"text": "not a dialogue"},
    ]
    path = tmp_path / "talks.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + "{broken\n")
    out = list(read_dialogues(path))
    rows = [r for r in out if isinstance(r, dict)]
    reasons = [r.reason for r in out if isinstance(r, Reject)]
    assert [r["n_turns"] for r in rows] == [2, 2, 2, 2]
    assert rows[0]["conversation_id"] == "a" and rows[1]["conversation_id"] == "b"
    assert rows[2]["user_id"].startswith("anon:") and rows[3]["turns"][1] == {"role": "assistant", "text": "howdy"}
    assert reasons[:4] == ["bad_role", "last_turn_not_assistant", "roles_not_alternating", "not_a_dialogue"]
    assert len(reasons) == 5 and len(rows) + len(reasons) == len(lines) + 1


@pytest.mark.skipif(not (REAL / "hh_harmless_test.jsonl.gz").exists(), reason="needs ../shared/real-samples")
def test_real_hh_and_oasst_read_as_dialogues_in_the_template():
    out = list(read_dialogues(REAL / "hh_harmless_test.jsonl.gz"))
    rows = [r for r in out if isinstance(r, dict)]
    with gzip.open(REAL / "hh_harmless_test.jsonl.gz", "rt") as fh:
        lines = sum(1 for _ in fh)
    assert len(out) == lines and len(rows) >= 0.99 * lines  # a few real rows repeat a role or leave a turn empty
    assert max(r["n_turns"] for r in rows) >= 6 and all(validate([(t["role"], t["text"]) for t in r["turns"]]) is None
                                                         for r in rows)
    comps = [c for c in read_hh(REAL / "hh_harmless_test.jsonl.gz") if isinstance(c, dict)]
    assert all(c["prompt"].startswith(USER) and c["prompt"].endswith(ASSISTANT) for c in comps)
    multi = [c for c in comps if c["prompt"].count(USER) > 1]
    assert multi and all(EOS in c["prompt"] for c in multi)
    oasst = [c for c in read_oasst(REAL / "oasst_en_100_trees.jsonl") if isinstance(c, dict)]
    assert oasst and all(c["prompt"].startswith(USER) and c["prompt"].endswith(ASSISTANT) for c in oasst)


def test_world_follow_ups_need_the_context():
    b, seen = Builders(FastRandom(1)), {}
    import random

    r = random.Random(0)
    for _ in range(300):
        turns, kinds = conversation(b, r)
        assert validate([(t["role"], t["text"]) for t in turns]) is None and len(kinds) == len(turns) // 2
        seen[kinds[-1]] = turns
    for kind in ("one_line", "which"):  # the reply is a line of the previous answer
        turns = seen[kind]
        assert turns[-1]["text"] in turns[-3]["text"].splitlines()
    assert seen["count"][-1]["text"].startswith("That was ")
