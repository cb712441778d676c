"""Where the bundled data lives: inside the package when installed from a wheel, else the repo."""

from __future__ import annotations

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
