"""Config dataclasses: the fields every run shares, presets, JSON and command-line loading."""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, ClassVar, TypeVar

C = TypeVar("C", bound="RunConfig")

# Fields that change how a run is operated, not what it computes: a run resumes across changes to them.
OPERATIONAL = frozenset({"out_dir", "name", "device", "threads", "log_every", "checkpoint_every", "keep_checkpoints"})


@dataclass
class RunConfig:
    """Fields every stage shares. The final checkpoint is written to ``<out_dir>/<name>``."""

    out_dir: str = "checkpoints/run"
    name: str = "final"
    device: str = "cpu"  # 'cpu' or 'cuda'; bf16 autocast on CUDA
    threads: int = 0  # CPU threads for torch; 0 = torch's default (use 1 when other processes share few cores)
    seed: int = 0
    log_every: int = 10  # steps between log(step, metrics) calls
    checkpoint_every: int = 0  # steps between intermediate checkpoints; 0 = none
    keep_checkpoints: int = 2  # intermediate checkpoints kept on disk

    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {}

    @classmethod
    def preset(cls: type[C], preset: str, /, **overrides: Any) -> C:
        """A named preset ('tiny', 'gpt2-124m', ...) with overrides applied."""
        if preset not in cls.PRESETS:
            raise ValueError(f"unknown preset {preset!r} for {cls.__name__}; known: {sorted(cls.PRESETS)}")
        return replace(cls(), **{**cls.PRESETS[preset], **overrides})

    @property
    def final_dir(self) -> Path:
        return Path(self.out_dir) / self.name


def from_dict(cls: type[C], data: dict[str, Any]) -> C:
    """Build a config from ``{"preset": name?, field: value, ...}``; unknown fields are an error."""
    data = dict(data)
    preset = data.pop("preset", None)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields: {unknown}")
    return cls.preset(preset, **data) if preset else replace(cls(), **data)


def load_config(cls: type[C], path: str | Path) -> C:
    """Read a JSON config file."""
    return from_dict(cls, json.loads(Path(path).read_text()))


def config_from_cli(cls: type[C], argv: list[str] | None = None, description: str = "") -> C:
    """Parse ``--config file.json`` and/or ``--preset name``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", help="JSON file of config fields (may name a 'preset')")
    parser.add_argument("--preset", help="start from this preset; fields in --config override it")
    args = parser.parse_args(argv)
    data = json.loads(Path(args.config).read_text()) if args.config else {}
    if args.preset:
        data.setdefault("preset", args.preset)
    return from_dict(cls, data)


def run_key(config: Any) -> str:
    """A hash of the fields that define what a run computes (a resume only continues a run with the same key)."""
    data = {k: v for k, v in asdict(config).items() if k not in OPERATIONAL}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
