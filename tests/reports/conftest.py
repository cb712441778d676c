"""Report fixtures: a small hand-checkable hospital, and the demo database (built once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_helpers import copy_demo
from report_fixtures import FORMULA_NAME, SCRIPT_NAME, add_small_hospital
from sqlite_utils import Database

from greencare import services


@pytest.fixture
def small_db(db: Database) -> Database:
    add_small_hospital(db)
    return db


@pytest.fixture
def hostile_db(db: Database) -> Database:
    """Two facilities whose names are a spreadsheet formula and a script tag."""
    add_small_hospital(db, FORMULA_NAME)
    add_small_hospital(db, SCRIPT_NAME)
    return db


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    copy_demo(demo_template, path)
    return path


@pytest.fixture
def demo_db(demo_path: Path) -> Iterator[Database]:
    database = services.open_db(demo_path)
    yield database
    database.close()
