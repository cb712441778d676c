"""Open Energy Dashboard headerless reading files, checked against OED's own expected output.

The inputs and the ``*Expected.csv`` files are OED's CSV pipeline test files (tests/data/oed,
MPL-2.0, see tests/data/SOURCES.md): what OED stores after processing each input.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from greencare import services
from greencare.importers import detect
from greencare.importers.base import ImportOptions
from greencare.services import imports

DATA = Path(__file__).resolve().parents[1] / "data" / "oed"


def expected(name: str) -> list[tuple[float, int, int]]:
    """(usage, start, end) per row of an OED expected file, times as UTC epoch seconds."""

    def epoch(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())

    with (DATA / name).open() as handle:
        return [(float(q), epoch(s), epoch(e)) for q, s, e in csv.reader(handle)]


@pytest.fixture
def meter_db():
    db = services.open_db(":memory:")
    fac = services.add_facility(db, name="OED", country="GB", timezone="UTC")
    services.add_meter(db, facility=fac.id, name="M", commodity="electricity", unit="kWh")
    return db


def stored(db) -> list[tuple[float, int, int]]:
    rows = db.execute("SELECT quantity, start_utc, end_utc FROM readings ORDER BY start_utc")
    return [(float(q), int(s), int(e)) for q, s, e in rows.fetchall()]


def test_detected_as_oed() -> None:
    path = DATA / "pipe1Input.csv"
    assert detect(path).name == "oed-csv"


@pytest.mark.parametrize(
    ("pipe", "options"),
    [
        ("pipe1", {}),  # plain readings
        ("pipe2", {}),  # reverse time order: stored sorted
        ("pipe3", {"cumulative": True}),  # register reads: differences, first read dropped
        ("pipe23", {}),  # end-only: each period starts at the previous end, first left out
    ],
)
def test_matches_oed_expected_output(meter_db, pipe: str, options: dict) -> None:
    result = imports.import_readings(
        meter_db, DATA / f"{pipe}Input.csv", ImportOptions(meter="M", **options)
    )
    assert result.status == "imported", result.errors
    assert stored(meter_db) == expected(f"{pipe}Expected.csv")
    if pipe == "pipe23":
        assert (
            result.warning_count == 1 and "first reading has no start" in result.warnings[0].reason
        )
