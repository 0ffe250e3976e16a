"""K sampled responses per prompt, for labelers to rank (InstructGPT §3.5: K = 4 to 9)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import AutoModelForCausalLM

from training.config import RunConfig, config_from_cli
from training.data import iter_texts
from training.generation import encode_prompts, sample
from training.runtime import autocast, setup
from training.tokenizer import load_tokenizer


@dataclass
class SampleConfig(RunConfig):
    """Sample K responses per prompt. Rows go to ``<out_dir>/<name>.jsonl``."""

    model: str = ""  # policy folder (the SFT model for the first RM dataset)
    k: int = 4  # InstructGPT §3.5: labelers rank K = 4 to 9 responses
    temperature: float = 1.0  # paper silent for RM data; ours
    top_k: int = 0  # 0 = full distribution
    max_new_tokens: int = 256  # paper silent; ours
    max_prompt_len: int = 0  # 0 = the context less max_new_tokens
    batch_size: int = 16  # prompts per generation call (each repeated K times)
    prompts_path: str = ""  # CLI only: .jsonl/.parquet with a prompt column
    prompt_column: str = "prompt"

    PRESETS = {"tiny": {"max_new_tokens": 48, "batch_size": 128}, "gpt2-124m": {"device": "cuda", "batch_size": 32}}


@torch.no_grad()
def sample_k(model: nn.Module, tokenizer, prompts: Sequence[str], k: int, *, max_new_tokens: int,
             temperature: float = 1.0, top_k: int = 0, seed: int = 0, batch_size: int = 16,
             max_prompt_len: int = 0) -> list[dict]:
    """``[{prompt, responses: [k texts], ended: [k bools]}]``; the same seed gives the same responses."""
    model.eval()
    device = next(model.parameters()).device
    limit = max_prompt_len or model.config.n_positions - max_new_tokens
    gen = torch.Generator(device=device).manual_seed(seed)
    rows = []
    for i in range(0, len(prompts), batch_size):
        batch = list(prompts[i:i + batch_size])
        ids = [p for p in encode_prompts(tokenizer, batch, limit) for _ in range(k)]
        with autocast(device):
            s = sample(model, ids, max_new_tokens=max_new_tokens, eos_id=tokenizer.eos_token_id,
                       pad_id=tokenizer.pad_token_id, temperature=temperature, top_k=top_k, generator=gen)
        texts = tokenizer.batch_decode(s.responses(drop_eos=tokenizer.eos_token_id))
        ended = s.ended.tolist()
        for j, prompt in enumerate(batch):
            rows.append({"prompt": prompt, "responses": texts[j * k:(j + 1) * k], "ended": ended[j * k:(j + 1) * k]})
    return rows


def main(argv: list[str] | None = None) -> None:
    cfg = config_from_cli(SampleConfig, argv, __doc__ or "")
    device = setup(cfg)
    tokenizer = load_tokenizer(cfg.model)
    model = AutoModelForCausalLM.from_pretrained(cfg.model).to(device)
    prompts = list(iter_texts(cfg.prompts_path, cfg.prompt_column))
    rows = sample_k(model, tokenizer, prompts, cfg.k, max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature,
                    top_k=cfg.top_k, seed=cfg.seed, batch_size=cfg.batch_size, max_prompt_len=cfg.max_prompt_len)
    out = Path(cfg.out_dir) / f"{cfg.name}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tmp.replace(out)
    print(f"wrote {len(rows)} prompts x {cfg.k} responses to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
