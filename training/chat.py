"""The chat template (ChatGPT: InstructGPT's methods on dialogue): role tokens in the tokenizer, conversations
rendered as text, and the loss mask of dialogue SFT (every assistant turn, nothing the user wrote).

A conversation is a list of turns ``(role, text)`` with role ``user`` or ``assistant``. Rendered, each turn is its
role token followed by its text; an assistant turn ends with EOS, which is where sampling stops::

    <|user|>Name a river.<|assistant|>The Nile.<|endoftext|><|user|>And a longer one?<|assistant|>

A context for the next reply ends with ``<|assistant|>`` (the generation prompt). The role tokens are special
tokens of the tokenizer, so a rendered string tokenizes to the same ids as its parts tokenized one by one, and the
template is saved with the tokenizer: ``tokenizer.apply_chat_template(messages, add_generation_prompt=True)`` in
stock transformers renders the same text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

USER, ASSISTANT = "<|user|>", "<|assistant|>"
ROLE_TOKENS = {"user": USER, "assistant": ASSISTANT}
ROLES = tuple(ROLE_TOKENS)
# Jinja for transformers' apply_chat_template (messages use "content", as Hugging Face's convention has it)
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ '<|' + m['role'] + '|>' + m['content'] }}"
    "{% if m['role'] == 'assistant' %}{{ eos_token }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)
_HH_TURN = re.compile(r"\n\n(Human|Assistant):")

Turn = tuple[str, str]


def validate(turns: Sequence[Turn]) -> str | None:
    """Why ``turns`` is not a conversation (None when it is): roles user/assistant, alternating from the user,
    ending with the assistant, no empty turn."""
    if not turns:
        return "no_turns"
    for i, (role, text) in enumerate(turns):
        if role not in ROLE_TOKENS:
            return "bad_role"
        if role != ROLES[i % 2]:
            return "roles_not_alternating"
        if not text.strip():
            return "empty_turn"
    return None if turns[-1][0] == "assistant" else "last_turn_not_assistant"


def render(turns: Sequence[Turn], eos: str, add_generation_prompt: bool = False) -> str:
    """The template's text of ``turns`` (an assistant turn ends with ``eos``), plus ``<|assistant|>`` when asked."""
    out = "".join(ROLE_TOKENS[role] + text + (eos if role == "assistant" else "") for role, text in turns)
    return out + (ASSISTANT if add_generation_prompt else "")


def context_and_reply(turns: Sequence[Turn], eos: str) -> tuple[str, str]:
    """(the rendered context up to the last assistant turn, ending with ``<|assistant|>``; that turn's text)."""
    return render(turns[:-1], eos, add_generation_prompt=True), turns[-1][1]


def is_chat(prompt: str) -> bool:
    """A prompt in the chat template (a rendered context)."""
    return prompt.startswith(USER) and prompt.endswith(ASSISTANT)


def parse_hh(dialogue: str) -> list[Turn]:
    """HH-RLHF's ``\\n\\nHuman: ... \\n\\nAssistant: ...`` text as turns (text before the first marker dropped)."""
    parts = _HH_TURN.split(dialogue)
    return [("user" if who == "Human" else "assistant", text.strip())
            for who, text in zip(parts[1::2], parts[2::2], strict=True)]


def in_template(reply: str) -> bool:
    """A sampled reply that stays in its turn: it writes no role token (it does not play the user)."""
    return not any(tok in reply for tok in ROLE_TOKENS.values())


def role_token_ids(tokenizer) -> dict[str, int]:
    """Role -> token id; empty when the tokenizer has no role tokens."""
    vocab = tokenizer.get_vocab()
    return {role: vocab[tok] for role, tok in ROLE_TOKENS.items() if tok in vocab}


def add_chat_tokens(tokenizer) -> int:
    """Give ``tokenizer`` the role tokens (as special tokens) and the chat template; returns how many tokens were
    added (the model's embeddings must then grow to ``len(tokenizer)``)."""
    missing = [t for t in ROLE_TOKENS.values() if t not in tokenizer.get_vocab()]
    added = tokenizer.add_special_tokens({"additional_special_tokens": missing}) if missing else 0
    tokenizer.chat_template = CHAT_TEMPLATE
    return added


def assistant_mask(ids: Sequence[int], tokenizer) -> list[bool]:
    """For token ids of a rendered conversation, True on the tokens of assistant turns (their text and their EOS,
    not the role token): what dialogue SFT trains on."""
    roles = role_token_ids(tokenizer)
    if "assistant" not in roles:
        return [False] * len(ids)
    starts, eos = {v: k for k, v in roles.items()}, tokenizer.eos_token_id
    out, inside = [], False
    for t in ids:
        if t in starts:
            out.append(False)
            inside = starts[t] == "assistant"
            continue
        out.append(inside)
        if t == eos:
            inside = False
    return out
