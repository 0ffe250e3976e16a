"""Many small pretraining runs on one mixture, side by side: spawned processes of one torch thread each.

A tiny model does not use two CPU threads well (a width-16 GPT-2 trains faster on one thread than on two), so on a
few cores two runs at a time, one thread each, finish sooner than the same runs in order (the demo's scaling
ladder: bench/RESULTS.md). The mixture is tokenized once and memory-mapped by every run.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from training.data import read_tokens, write_tokens
from training.pretrain import PretrainConfig, train_lm
from training.runtime import LogFn
from training.tokenizer import load_tokenizer

_TOKENS: tuple[np.ndarray, np.ndarray] | None = None  # a worker's memory-mapped streams


def _quiet(step: int, metrics: dict) -> None:
    """Workers log nothing per step: the caller reports each run as it finishes."""


def _load(train_path: str, val_path: str, vocab_size: int) -> None:
    global _TOKENS
    _TOKENS = (read_tokens(train_path, vocab_size), read_tokens(val_path, vocab_size))


def _train(cfg: PretrainConfig) -> dict:
    assert _TOKENS is not None
    return train_lm(cfg, (), (), _quiet, tokens=_TOKENS).metrics


class SideBySide:
    """Train ``PretrainConfig`` runs that share one tokenizer and one mixture: ``run_all`` trains a list of them,
    ``workers`` at a time on CPU (1 or a CUDA device: in order in this process, with the caller's log).

    Use as a context manager: the token files (under ``scratch``) and the worker processes live until it closes.
    """

    def __init__(self, tokenizer: str, train_texts: Sequence[str], val_texts: Sequence[str], scratch: Path,
                 workers: int = 1, device: str = "cpu", log: LogFn = _quiet):
        tok = load_tokenizer(tokenizer)
        self.scratch = Path(scratch)
        train_path, val_path = self.scratch / "train.bin", self.scratch / "val.bin"
        write_tokens(train_texts, tok, train_path)  # always written afresh: never a file an interrupted run left
        write_tokens(val_texts, tok, val_path)
        self.tokens = (read_tokens(train_path, len(tok)), read_tokens(val_path, len(tok)))
        self.log = log
        self.pool = None
        if workers > 1 and device == "cpu":
            self.pool = cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_load,
                                               initargs=(str(train_path), str(val_path), len(tok)))

    def run_all(self, configs: Sequence[PretrainConfig]) -> list[dict]:
        """Each run's final metrics (``train_loss``, ``val_ppl``), in the order given."""
        if self.pool is None:
            return [train_lm(cfg, (), (), self.log, tokens=self.tokens).metrics for cfg in configs]
        return list(self.pool.map(_train, [replace(cfg, threads=1) for cfg in configs]))

    def __enter__(self) -> SideBySide:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        shutil.rmtree(self.scratch, ignore_errors=True)
