"""Where the bundled data lives: inside the package when installed from a wheel, else the repo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_data" / name
    if inside.is_dir():
        return inside
    beside = _PACKAGE.parent / name  # a source checkout or an editable install
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"greencare's {name}/ folder is missing from this installation")


def sample_data_dir() -> Path:
    """The demo hospitals' files (``sample_data/`` in the repository)."""
    return _bundled("sample_data")


def factors_dir() -> Path:
    """The emission-factor library (``factors/`` in the repository)."""
    return _bundled("factors")


# Where the user's databases live: here, not in storage, so that bare ``greencare`` finds its
# file without importing sqlite-utils (the terminal app paints stored figures before that).
ENV_VAR = "GREENCARE_DB"


def data_dir() -> Path:
    """Where greencare keeps its databases for this user (XDG on Linux)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "greencare"


def default_db_path() -> Path:
    """``$GREENCARE_DB`` if set, else ``greencare.db`` in the user's data directory."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else data_dir() / "greencare.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"
