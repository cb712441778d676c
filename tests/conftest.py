"""Shared fixtures: an in-memory database, a US hospital and its gas meter, a db file path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.models import Facility, Meter


@pytest.fixture(autouse=True, scope="session")
def _unit_factor_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Unit factors are remembered in a folder of the session's, never the user's cache."""
    from greencare.core import unit_factors

    os.environ["GREENCARE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    unit_factors.forget()
    yield


@pytest.fixture
def db() -> Iterator[Database]:
    """A fresh, migrated in-memory database."""
    database = services.open_db(":memory:")
    yield database
    database.close()


@pytest.fixture
def us_hospital(db: Database) -> Facility:
    """St Example: US, eGRID CAMX (so America/Los_Angeles), 350,000 ft², 250 beds."""
    return services.add_facility(
        db,
        name="St Example",
        country="US",
        grid_region="CAMX",
        floor_area="350000 ft**2",
        staffed_beds=250,
    )


@pytest.fixture
def gas_meter(db: Database, us_hospital: Facility) -> Meter:
    """A natural gas meter billed in therms at St Example."""
    return services.add_meter(
        db, facility=us_hospital.id, name="Gas", commodity="natural_gas", unit="therm"
    )


@pytest.fixture
def tmp_db_path(tmp_path: Path) -> Path:
    """A database file path that does not exist yet."""
    return tmp_path / "greencare-test.db"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo database, built once per test session (about 7 s), and build_demo's summary.

    Tests never write to it: they take their own copy with :func:`copy_demo`, so a module that
    changes its demo cannot change another's.
    """
    from greencare.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    summary = build_demo(path)
    assert summary["built"], summary
    return path, summary
