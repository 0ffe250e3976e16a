"""Where things live: the repository, the data root, the Dagster home."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def repo_root() -> Path:
    """The checkout holding the package (editable install), else the working directory."""
    candidate = PACKAGE_DIR.parent
    return candidate if (candidate / "pyproject.toml").exists() else Path.cwd()


def data_root() -> Path:
    """``$GPT_ASSETS_DATA``, default ``<repo>/data``."""
    env = os.environ.get("GPT_ASSETS_DATA")
    return Path(env).expanduser().resolve() if env else repo_root() / "data"


def dagster_home() -> Path:
    """``$DAGSTER_HOME``, default ``<repo>/dagster_home``."""
    env = os.environ.get("DAGSTER_HOME")
    return Path(env).expanduser().resolve() if env else repo_root() / "dagster_home"
