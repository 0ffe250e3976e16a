"""Dialogue data (ChatGPT: InstructGPT's methods, data collected as conversations): the by-user split of the
conversations, and each one's context and last reply in the chat template.

A conversation's user falls in train, val or test by the same seeded hash as the prompt pool's users
(``splits.user_part``), so a held-out user is held out in both; a train conversation goes to SFT (a demonstration:
every assistant turn trained) or to RM (its context sampled K times and ranked) by a hash of its id.
"""

from __future__ import annotations

import polars as pl

from gpt_assets.prompts.clean import rank_key
from gpt_assets.prompts.splits import SplitConfig, user_part
from training.chat import context_and_reply
from training.tokenizer import EOS

DIALOGUE_SPLIT_SCHEMA = {"conversation_id": pl.String, "user_id": pl.String, "split": pl.String, "n_turns": pl.Int64,
                         "prompt": pl.String, "reply": pl.String,
                         "turns": pl.List(pl.Struct({"role": pl.String, "text": pl.String}))}


def dialogue_part(conversation_id: str, user_id: str, cfg: SplitConfig, rm_share: float) -> str:
    part = user_part(user_id, cfg)
    if part != "train":
        return part
    return "rm" if rank_key(cfg.seed, "dialogue", conversation_id) / 2**64 < rm_share else "sft"


def split_dialogues(conversations: pl.DataFrame, cfg: SplitConfig, rm_share: float) -> pl.DataFrame:
    """Each conversation's split (sft / rm / val / test), its rendered context and its last reply."""
    rows = []
    for cid, user, turns in conversations.select("conversation_id", "user_id", "turns").iter_rows():
        prompt, reply = context_and_reply([(t["role"], t["text"]) for t in turns], EOS)
        rows.append({"conversation_id": cid, "user_id": user, "split": dialogue_part(cid, user, cfg, rm_share),
                     "n_turns": len(turns), "prompt": prompt, "reply": reply, "turns": turns})
    return pl.DataFrame(rows, schema=DIALOGUE_SPLIT_SCHEMA)
