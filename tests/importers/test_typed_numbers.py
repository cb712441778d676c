"""Quantities and costs read as numbers by pandas' C parser, and what sends a column back to
text (greencare/importers/generic_csv.py: GenericCsv._chunks). Whatever path a file takes,
its numbers are the ones the text means, and bad values are quoted as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare.core.models import Facility, Meter
from greencare.importers import generic_csv
from greencare.importers.base import ImportOptions
from greencare.services.imports import import_readings


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The columns each pass over the file read as numbers."""
    passes: list[set[str]] = []
    real = generic_csv.pd.read_csv

    def spy(*args: object, **kwargs: object) -> object:
        dtype = kwargs.get("dtype")
        if isinstance(dtype, dict) and kwargs.get("usecols") is None:
            passes.append({i for i, t in dtype.items() if t is not object})
        return real(*args, **kwargs)

    monkeypatch.setattr(generic_csv.pd, "read_csv", spy)
    return passes


def _import(db: Database, tmp_path: Path, rows: list[str], **options: object):  # type: ignore[no-untyped-def]
    path = tmp_path / "bills.csv"
    path.write_text("meter,start,end,quantity,unit,cost,currency\n" + "\n".join(rows) + "\n")
    return import_readings(db, path, ImportOptions(**options))  # type: ignore[arg-type]


def _stored(db: Database) -> list[tuple]:
    return db.execute("SELECT quantity, cost FROM readings ORDER BY start_utc").fetchall()


def test_quantities_and_costs_are_read_as_numbers(
    db: Database, gas_meter: Meter, tmp_path: Path, reads: list[set[str]]
) -> None:
    result = _import(db, tmp_path, ["Gas,2025-01-01,2025-01-31,1203.5,therm,1580.25,USD",
                                    "Gas,2025-02-01,2025-02-28,980.25,therm,-12.75,USD"])  # fmt: skip
    assert result.status == "imported", result.as_dict()
    assert reads == [{3, 5}]  # one pass, quantity and cost as numbers
    assert _stored(db) == [(1203.5, 1580.25), (980.25, -12.75)]  # a credit stays negative


def test_a_blank_cost_reads_costs_as_text_and_keeps_quantities_as_numbers(
    db: Database, gas_meter: Meter, tmp_path: Path, reads: list[set[str]]
) -> None:
    result = _import(db, tmp_path, ["Gas,2025-01-01,2025-01-31,1203.5,therm,1580.25,USD",
                                    "Gas,2025-02-01,2025-02-28,980.25,therm,,"])  # fmt: skip
    assert result.status == "imported", result.as_dict()
    assert reads == [{3, 5}, {3}]
    assert _stored(db) == [(1203.5, 1580.25), (980.25, None)]


def test_costs_settle_the_number_format_when_quantities_cannot(
    db: Database, gas_meter: Meter, tmp_path: Path, reads: list[set[str]]
) -> None:
    """Whole quantities say nothing of the format; 1580.25 can only have a decimal point."""
    result = _import(db, tmp_path, ["Gas,2025-01-01,2025-01-31,1200,therm,1580.25,USD",
                                    "Gas,2025-02-01,2025-02-28,1.250,therm,12.50,USD"])  # fmt: skip
    assert result.status == "imported", result.as_dict()
    assert reads == [{3, 5}]
    assert _stored(db) == [(1200.0, 1580.25), (1.25, 12.5)]
    assert result.numbers is not None and "cost '1580.25'" in result.numbers


def test_numbers_that_settle_nothing_are_read_as_text(
    db: Database, gas_meter: Meter, tmp_path: Path, reads: list[set[str]]
) -> None:
    """1.250 could be 1250 written with a '.' between thousands: with nothing else to go by
    the text decides (here 12.5, a decimal point, fits no other reading), as it always has."""
    result = _import(db, tmp_path, ["Gas,2025-01-01,2025-01-31,1.250,therm,12.5,USD",
                                    "Gas,2025-02-01,2025-02-28,2.500,therm,25.125,USD"])  # fmt: skip
    assert result.status == "imported", result.as_dict()
    assert reads == [{3, 5}, set()]
    assert _stored(db) == [(1.25, 12.5), (2.5, 25.125)]


def test_a_decimal_comma_cost_is_read_as_text_and_decides(
    db: Database, us_hospital: Facility, gas_meter: Meter, tmp_path: Path, reads: list[set[str]]
) -> None:
    result = _import(db, tmp_path, ['Gas,2025-01-01,2025-01-31,1.234,therm,"1580,25",USD'])
    assert result.status == "imported", result.as_dict()
    assert reads[0] == {3, 5} and reads[-1] == set()
    assert _stored(db) == [(1234.0, 1580.25)]  # one file, one format: '.' between thousands


def test_a_bad_cost_is_quoted_as_written(
    db: Database, gas_meter: Meter, tmp_path: Path, reads: list[set[str]]
) -> None:
    result = _import(db, tmp_path, ["Gas,2025-01-01,2025-01-31,1203.5,therm,1580.25,USD",
                                    "Gas,2025-02-01,2025-02-28,980.25,therm,inf,USD"])  # fmt: skip
    assert result.status == "failed"
    (error,) = result.errors
    assert (error.line, error.column, error.value) == (3, "cost", "inf")
    assert _stored(db) == []  # nothing lands
