"""Header detection: ``Interval Start``/``Interval End``, a bare unit as the value header, and
the refusals of a header that leaves a field or a time to more than one reading.

St Example (the shared ``us_hospital`` fixture) is in America/Los_Angeles: PST is UTC-8, so
2025-01-01 00:00 local is 1735718400.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.models import Facility, Meter
from greencare.importers import detect
from greencare.importers.base import FormatError, ImportOptions, parse_interval
from greencare.importers.generic_csv import GenericCsv
from greencare.services.imports import import_readings

T0 = 1735718400  # 2025-01-01T00:00-08:00


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _stored(db: Database) -> list[tuple]:
    return db.execute(
        "SELECT start_utc, end_utc, quantity, unit FROM readings ORDER BY start_utc"
    ).fetchall()


@pytest.fixture
def main(db: Database, us_hospital: Facility) -> Meter:
    return services.add_meter(
        db, facility=us_hospital.id, name="Main", commodity="electricity", unit="kWh"
    )


@pytest.fixture
def gas(db: Database, us_hospital: Facility) -> Meter:
    return services.add_meter(
        db, facility=us_hospital.id, name="Gas", commodity="natural_gas", unit="therm"
    )


# --- the layout the header gives ------------------------------------------------------------


def test_interval_start_and_end_are_the_start_and_end(tmp_path) -> None:
    path = _write(tmp_path, "a.csv", "Meter,Interval Start,Interval End,kWh\n")

    layout = GenericCsv().layout(path, ImportOptions())

    assert layout.columns == {
        "meter": "Meter", "start": "Interval Start", "end": "Interval End", "quantity": "kWh",
    }  # fmt: skip
    assert (layout.unit, layout.needs_interval, layout.timestamp_is_end) == ("kWh", False, False)


@pytest.mark.parametrize(
    ("header", "unit"),
    [("kWh", "kWh"), ("KWH", "kWh"), ("therms", "therm"), ("Therms", "therm"), ("m3", "m3"),
     ("m³", "m3"), ("CCF", "ccf"), ("Usage (kWh)", "kWh"), ("Usage", "")],
)  # fmt: skip
def test_a_bare_unit_header_is_the_quantity_in_that_unit(tmp_path, header, unit) -> None:
    path = _write(tmp_path, "u.csv", f"meter,start,end,{header}\n")

    layout = GenericCsv().layout(path, ImportOptions())

    assert layout.columns["quantity"] == header
    assert layout.unit == unit


def test_a_bare_unit_header_is_detected_as_csv(tmp_path) -> None:
    path = _write(tmp_path, "g.csv", "meter,start,end,therms\nGas,2025-01-01,2025-01-31,5\n")
    assert detect(path).name == "csv"


def test_interval_end_alone_ends_each_interval(tmp_path) -> None:
    path = _write(tmp_path, "e.csv", "Meter,Interval End,kWh\n")

    layout = GenericCsv().layout(path, ImportOptions(), require_interval=False)

    assert layout.columns == {"meter": "Meter", "timestamp": "Interval End", "quantity": "kWh"}
    assert (layout.needs_interval, layout.timestamp_is_end) == (True, True)


def test_a_bare_timestamp_needs_an_interval_naming_the_option(tmp_path) -> None:
    path = _write(tmp_path, "t.csv", "Timestamp,Usage (kWh)\n2025-01-01 00:00,1\n")

    layout = GenericCsv().layout(path, ImportOptions(), require_interval=False)
    assert (layout.needs_interval, layout.timestamp_is_end, layout.unit) == (True, False, "kWh")
    with pytest.raises(FormatError) as err:
        GenericCsv().layout(path, ImportOptions())
    assert str(err.value) == (
        "t.csv, line 1: column 'Timestamp' gives one time per reading (the start of each "
        "interval) and no other column says how long each reading is: give --interval, "
        "e.g. --interval 15min"
    )


# --- refusals: never guess ------------------------------------------------------------------


def test_two_value_columns_are_refused_listing_every_one(tmp_path) -> None:
    path = _write(tmp_path, "two.csv", "meter,start,end,kWh,Usage,therms\n")

    with pytest.raises(FormatError) as err:
        GenericCsv().layout(path, ImportOptions())

    assert str(err.value) == (
        "two.csv, line 1: columns 4 'kWh', 5 'Usage' and 6 'therms' all hold the quantity; "
        "rename all but one, or say which to read with --column quantity=HEADER"
    )


def test_two_value_columns_are_read_as_the_column_option_says(tmp_path) -> None:
    path = _write(tmp_path, "two.csv", "meter,start,end,kWh,therms\n")

    layout = GenericCsv().layout(path, ImportOptions(columns={"quantity": "therms"}))

    assert (layout.columns["quantity"], layout.unit) == ("therms", "therm")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("meter,Interval Start,Timestamp,kWh", "column 'Interval Start' is the start of each "
         "reading, and column 'Timestamp' could be its end or the same time again; say which "
         "with --column end=Timestamp (the end) or --column start=Timestamp (one time per "
         "reading)"),
        ("meter,Timestamp,Interval End,kWh", "column 'Interval End' is the end of each "
         "reading, and column 'Timestamp' could be its start or the same time again; say which "
         "with --column start=Timestamp (the start) or --column end=Timestamp (one time per "
         "reading)"),
    ],
)  # fmt: skip
def test_a_timestamp_that_could_be_start_or_end_is_refused(tmp_path, header, message) -> None:
    path = _write(tmp_path, "amb.csv", header + "\n")

    with pytest.raises(FormatError) as err:
        GenericCsv().layout(path, ImportOptions(interval_minutes=15))

    assert str(err.value) == "amb.csv, line 1: " + message


def test_the_column_option_settles_the_timestamp(tmp_path) -> None:
    path = _write(tmp_path, "amb.csv", "meter,Interval Start,Timestamp,kWh\n")

    layout = GenericCsv().layout(path, ImportOptions(columns={"end": "Timestamp"}))

    assert layout.columns["end"] == "Timestamp"
    assert not layout.needs_interval


def test_a_start_column_said_to_end_the_interval_is_refused(tmp_path) -> None:
    path = _write(tmp_path, "s.csv", "Meter,Interval Start,kWh\n")

    with pytest.raises(FormatError, match="'Interval Start' starts each reading, but "
                       "--timestamp-is-end says it ends it"):  # fmt: skip
        GenericCsv().layout(path, ImportOptions(interval_minutes=15, timestamp_is_end=True))


# --- imports --------------------------------------------------------------------------------


def test_interval_start_end_kwh_imports_without_an_interval(db, main, tmp_path) -> None:
    text = (
        "Meter,Interval Start,Interval End,kWh\n"
        "Main,2025-01-01 00:00,2025-01-01 00:15,1.5\n"
        "Main,2025-01-01 00:15,2025-01-01 00:30,2.5\n"
    )
    result = import_readings(db, _write(tmp_path, "se.csv", text))

    assert (result.status, result.inserted, result.errors) == ("imported", 2, [])
    assert _stored(db) == [(T0, T0 + 900, 1.5, "kWh"), (T0 + 900, T0 + 1800, 2.5, "kWh")]


def test_interval_end_alone_imports_as_the_end(db, main, tmp_path) -> None:
    text = "Meter,Interval End,kWh\nMain,2025-01-01 00:15,1.5\nMain,2025-01-01 00:30,2.5\n"
    result = import_readings(
        db, _write(tmp_path, "e.csv", text), ImportOptions(interval_minutes=15)
    )

    assert (result.status, result.inserted) == ("imported", 2)
    assert _stored(db) == [(T0, T0 + 900, 1.5, "kWh"), (T0 + 900, T0 + 1800, 2.5, "kWh")]


def test_timestamp_usage_kwh_imports_with_an_interval(db, main, tmp_path) -> None:
    text = "Timestamp,Usage (kWh)\n2025-01-01 00:00,1.5\n2025-01-01 00:15,2.5\n"
    result = import_readings(
        db, _write(tmp_path, "t.csv", text), ImportOptions(interval_minutes=15, meter="Main")
    )

    assert (result.status, result.inserted) == ("imported", 2)
    assert _stored(db) == [(T0, T0 + 900, 1.5, "kWh"), (T0 + 900, T0 + 1800, 2.5, "kWh")]


def test_bare_therms_header_gives_the_unit(db, gas, tmp_path) -> None:
    text = "meter,start,end,Therms\nGas,2025-01-01,2025-01-31,120\n"
    result = import_readings(db, _write(tmp_path, "g.csv", text))

    assert (result.status, result.inserted) == ("imported", 1)
    assert _stored(db)[0][2:] == (120.0, "therm")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("15", 15), ("15min", 15), ("15 minutes", 15), ("1h", 60), ("2 hours", 120), (30, 30)],
)
def test_interval_lengths(text, minutes) -> None:
    assert parse_interval(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "0", "15s", "1.5h", "-5"])
def test_interval_lengths_refused(text) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)
