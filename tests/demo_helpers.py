"""The session's demo database, copied per module (see the ``demo_template`` fixture)."""

from __future__ import annotations

from pathlib import Path


def copy_demo(template: tuple[Path, dict], dest: Path) -> Path:
    """A private copy of the session's demo database at ``dest`` (build_demo leaves no WAL)."""
    import shutil

    shutil.copyfile(template[0], dest)
    return dest
