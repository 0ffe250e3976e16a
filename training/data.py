"""Data plumbing: reading records, token streams on disk (nanoGPT's .bin), padding and batch order."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch


def iter_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Stream rows of a ``.jsonl`` or ``.parquet`` file (or a folder of them) as dicts."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.suffix in {".jsonl", ".parquet"}:
                yield from iter_records(child)
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
            yield from batch.to_pylist()
    else:
        with path.open() as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def iter_texts(path: str | Path, column: str = "text") -> Iterator[str]:
    """Stream one text column."""
    for row in iter_records(path):
        yield row[column]


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 while every id fits (GPT-2's 50,257 do), else uint32."""
    return np.dtype(np.uint16 if vocab_size <= 2**16 else np.uint32)


def encode_documents(texts: Iterable[str], tokenizer: Any, batch_size: int = 1024) -> Iterator[np.ndarray]:
    """Token ids of each batch of documents, every document followed by EOS (GPT-2's document separator)."""
    eos = tokenizer.eos_token_id
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == batch_size:
            yield _encode_batch(batch, tokenizer, eos)
            batch = []
    if batch:
        yield _encode_batch(batch, tokenizer, eos)


def _encode_batch(texts: list[str], tokenizer: Any, eos: int) -> np.ndarray:
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return np.fromiter((t for doc in ids for t in [*doc, eos]), dtype=np.int64)


def tokenize_stream(texts: Iterable[str], tokenizer: Any) -> np.ndarray:
    """All documents as one EOS-joined token array in memory (for small streams)."""
    parts = list(encode_documents(texts, tokenizer))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def write_tokens(texts: Iterable[str], tokenizer: Any, path: str | Path) -> int:
    """Stream documents into a flat token file (written to ``path.tmp``, then renamed); returns the token count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dtype = token_dtype(len(tokenizer))
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("wb") as f:
        for chunk in encode_documents(texts, tokenizer):
            f.write(chunk.astype(dtype).tobytes())
            n += len(chunk)
    os.replace(tmp, path)
    return n


def read_tokens(path: str | Path, vocab_size: int) -> np.ndarray:
    """Memory-map a token file written by :func:`write_tokens`."""
    if Path(path).stat().st_size == 0:
        return np.zeros(0, dtype=token_dtype(vocab_size))
    return np.memmap(path, dtype=token_dtype(vocab_size), mode="r")


def cached_tokens(texts: Iterable[str], tokenizer: Any, path: str | Path) -> np.ndarray:
    """Tokenize ``texts`` into ``path`` unless a complete file is already there, and memory-map it."""
    if not Path(path).exists():
        write_tokens(texts, tokenizer, path)
    return read_tokens(path, len(tokenizer))


def random_starts(tokens: np.ndarray, block_size: int, batch_size: int, generator: torch.Generator) -> list[int]:
    """``batch_size`` random offsets of ``block_size``-token windows in the packed stream (nanoGPT get_batch)."""
    if len(tokens) < block_size + 1:
        raise ValueError(f"token stream has {len(tokens)} tokens, fewer than one block of {block_size}: add text")
    return torch.randint(len(tokens) - block_size, (batch_size,), generator=generator).tolist()


def blocks_at(tokens: np.ndarray, starts: Sequence[int], block_size: int) -> torch.Tensor:
    """The windows of ``block_size`` tokens at ``starts``, stacked."""
    return torch.stack([torch.from_numpy(tokens[i:i + block_size].astype(np.int64)) for i in starts])


def random_blocks(tokens: np.ndarray, block_size: int, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """``batch_size`` windows of ``block_size`` tokens at random offsets of the packed stream."""
    return blocks_at(tokens, random_starts(tokens, block_size, batch_size, generator), block_size)


def sequential_blocks(tokens: np.ndarray, block_size: int, batch_size: int,
                      max_batches: int = 0) -> Iterator[torch.Tensor]:
    """Consecutive non-overlapping blocks, batched (for held-out evaluation)."""
    n_blocks = len(tokens) // block_size
    starts = list(range(0, n_blocks * block_size, block_size))
    for b, i in enumerate(range(0, len(starts), batch_size)):
        if max_batches and b >= max_batches:
            return
        chunk = starts[i:i + batch_size]
        yield torch.stack([torch.from_numpy(tokens[s:s + block_size].astype(np.int64)) for s in chunk])


def batch_indices(n_items: int, batch_size: int, step: int, seed: int) -> list[int]:
    """Items of batch ``step`` when each epoch visits every item once in a seeded shuffled order."""
    per_epoch = -(-n_items // batch_size)
    epoch, i = divmod(step, per_epoch)
    order = torch.randperm(n_items, generator=torch.Generator().manual_seed(seed + epoch))
    return order[i * batch_size:(i + 1) * batch_size].tolist()


def stream_indices(n_items: int, batch_size: int, step: int, seed: int) -> list[int]:
    """Batch ``step`` of an endless stream of seeded epoch permutations: every batch is full, crossing epochs."""
    out: list[int] = []
    while len(out) < batch_size:
        epoch, offset = divmod(step * batch_size + len(out), n_items)
        order = torch.randperm(n_items, generator=torch.Generator().manual_seed(seed + epoch))
        out += order[offset:offset + batch_size - len(out)].tolist()
    return out


def pad(seqs: Sequence[Sequence[int]], pad_id: int, side: str = "right") -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest sequence; returns (ids, attention_mask)."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        span = slice(width - len(seq), width) if side == "left" else slice(0, len(seq))
        ids[row, span] = torch.tensor(seq, dtype=torch.long)
        mask[row, span] = 1
    return ids, mask


def model_inputs(ids: torch.Tensor, mask: torch.Tensor) -> dict[str, Any]:
    """Forward kwargs with positions counted over real tokens only, so left and right padding give the same result.

    No KV cache is kept (training and scoring passes); sampling asks for one explicitly.
    """
    position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
    return {"input_ids": ids, "attention_mask": mask, "position_ids": position_ids, "use_cache": False}


def to_device(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    """Move the tensors of a batch dict."""
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
