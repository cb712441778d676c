"""Fixtures for the terminal-app tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import build_small

from greencare.storage.db import open_db


@pytest.fixture
def small_db():
    db = open_db(":memory:")
    build_small(db)
    return db


@pytest.fixture
def small_db_path(tmp_path: Path) -> Path:
    path = tmp_path / "small.db"
    db = open_db(path)
    build_small(db)
    db.conn.close()
    return path
