"""Byte-level BPE tokenizer (GPT-2 §2.2), saved as a Hugging Face fast tokenizer."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from training.chat import CHAT_TEMPLATE, ROLE_TOKENS
from training.checkpoint import atomic_dir
from training.config import RunConfig, config_from_cli
from training.data import iter_texts

EOS = "<|endoftext|>"


@dataclass
class TokenizerConfig(RunConfig):
    """Byte-level BPE training. Written to ``<out_dir>/<name>``."""

    vocab_size: int = 50257  # GPT-2 §2.2: 50,257 (256 bytes + 50,000 merges + <|endoftext|>)
    min_frequency: int = 2  # GPT-2 paper silent; a merge must occur at least this often (ours)
    eos_token: str = EOS  # GPT-2's document separator
    pad_token: str = "<|pad|>"  # GPT-2 has none (paper silent); ours, so padding never hides an EOS; "" = use EOS
    # ChatGPT (dialogue): the role tokens <|user|> and <|assistant|> of the chat template (training.chat), as special
    # tokens, and the template saved with the tokenizer; the paper gives no format, ours
    chat_tokens: bool = True
    max_texts: int = 0  # train on at most this many texts; 0 = all (ours)
    texts_path: str = ""  # CLI only: .jsonl/.parquet (or folder) with a text column
    text_column: str = "text"

    PRESETS = {
        # tiny: 4,096 (2,048 cut the instruction world's answers into 2.2 tokens a word, 4,096 into 1.95: more fit the
        # 48-token generation cap)
        "tiny": {"vocab_size": 4096, "min_frequency": 1},
        "gpt2-124m": {},
    }


def train_tokenizer(cfg: TokenizerConfig, texts: Iterable[str], save: bool = True) -> PreTrainedTokenizerFast:
    """Learn byte-level BPE merges on ``texts``; save to ``cfg.final_dir`` when ``save``."""
    roles = list(ROLE_TOKENS.values()) if cfg.chat_tokens else []
    specials = [cfg.eos_token] + ([cfg.pad_token] if cfg.pad_token else []) + roles
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=cfg.vocab_size,
        min_frequency=cfg.min_frequency,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte is encodable: no unknown tokens
        show_progress=False,
    )
    if cfg.max_texts:
        texts = (t for i, t in zip(range(cfg.max_texts), texts, strict=False))
    bpe.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token=cfg.eos_token,
        eos_token=cfg.eos_token,
        unk_token=cfg.eos_token,
        pad_token=cfg.pad_token or cfg.eos_token,
        model_max_length=int(1e9),
        additional_special_tokens=roles,
    )
    if roles:
        tokenizer.chat_template = CHAT_TEMPLATE
    if save:
        atomic_dir(cfg.final_dir, tokenizer.save_pretrained)
    return tokenizer


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    """Load a tokenizer folder; one without a pad token pads with EOS."""
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    return ensure_pad(tokenizer)


def ensure_pad(tokenizer: Any) -> Any:
    """Give a tokenizer without a pad token (GPT-2's own) EOS as its pad token."""
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def main(argv: list[str] | None = None) -> None:
    cfg = config_from_cli(TokenizerConfig, argv, __doc__ or "")
    tokenizer = train_tokenizer(cfg, iter_texts(cfg.texts_path, cfg.text_column))
    print(f"wrote {cfg.final_dir} ({len(tokenizer)} tokens)", file=sys.stderr)


if __name__ == "__main__":
    main()
