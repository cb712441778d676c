"""Dates, numbers and encodings decided once per file (greencare/importers/conventions.py).

Every expectation is worked out by hand; refusals are in test_import_bad_input.py (with the
database checked unchanged) and here where they need a file of their own.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.models import Facility, Meter
from greencare.importers.base import FormatError, ImportOptions, parse_times
from greencare.importers.conventions import DateOrder
from greencare.services.imports import ImportResult, import_readings

DATA = Path(__file__).parent.parent / "data"


def _utc(text: str) -> int:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return int(moment.timestamp())


def _stored(db: Database) -> list[tuple]:
    return db.execute(
        "SELECT start_utc, end_utc, quantity, cost FROM readings ORDER BY start_utc"
    ).fetchall()


def _state(db: Database) -> dict[str, object]:
    out: dict[str, object] = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("readings", "reading_months", "import_batches", "audit_log", "meters")
    }
    rows = db.execute("SELECT * FROM readings ORDER BY id").fetchall()
    out["readings_sha256"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def _ok(result: ImportResult, inserted: int) -> None:
    assert result.status == "imported", [p.text(result.file) for p in result.errors]
    assert result.inserted == inserted


@pytest.fixture
def main(db: Database, us_hospital: Facility) -> Meter:
    return services.add_meter(
        db, facility=us_hospital.id, name="Main", commodity="electricity", unit="kWh"
    )


# --- date order --------------------------------------------------------------------------------


def test_one_settling_date_decides_the_order_of_every_row(db, main, tmp_path) -> None:
    """The issue's case: 01/02/2025 is read day first because 15/02/2025 fits no other order
    (pandas' mixed parsing stored 2 Jan to 15 Feb, 45 days)."""
    path = tmp_path / "day-first.csv"
    path.write_text("meter,start,end,quantity\nMain,01/02/2025,15/02/2025,10\n")

    result = import_readings(db, path)

    _ok(result, 1)
    start, end, _q, _c = _stored(db)[0]
    assert (start, end) == (_utc("2025-02-01T00:00-08:00"), _utc("2025-02-16T00:00-08:00"))
    assert (end - start) / 86400 == 15
    assert result.date_order == "day/month/year (line 2 end '15/02/2025' fits no other)"


def test_the_order_settled_in_a_later_chunk_holds_for_the_first(db, main, tmp_path) -> None:
    rows = [
        ("01/03/2025", "05/03/2025"),
        ("06/03/2025", "10/03/2025"),
        ("11/03/2025", "13/03/2025"),
    ]
    path = tmp_path / "late.csv"
    path.write_text("meter,start,end,quantity\n" + "".join(f"Main,{a},{b},1\n" for a, b in rows))

    result = import_readings(db, path, ImportOptions(chunk_rows=1))

    _ok(result, 3)
    assert [r[0] for r in _stored(db)] == [
        _utc("2025-03-01T00:00-08:00"),
        _utc("2025-03-06T00:00-08:00"),
        _utc("2025-03-11T00:00-07:00"),
    ]
    assert result.date_order == "day/month/year (line 4 end '13/03/2025' fits no other)"


def test_monthfirst_settles_a_file_whose_dates_fit_both(db, main, tmp_path) -> None:
    path = tmp_path / "both.csv"
    path.write_text("meter,start,end,quantity\nMain,01/02/2025,01/03/2025,10\n")

    result = import_readings(db, path, ImportOptions(monthfirst=True))

    _ok(result, 1)
    assert _stored(db)[0][:2] == (_utc("2025-01-02T00:00-08:00"), _utc("2025-01-04T00:00-08:00"))
    assert result.date_order == "month/day/year (--monthfirst)"


def test_dates_that_read_the_same_both_ways_need_no_order(db, main, tmp_path) -> None:
    path = tmp_path / "same.csv"
    path.write_text("meter,start,end,quantity\nMain,01/01/2025,02/02/2025,10\n")

    result = import_readings(db, path)

    _ok(result, 1)
    assert _stored(db)[0][:2] == (_utc("2025-01-01T00:00-08:00"), _utc("2025-02-03T00:00-08:00"))
    assert result.date_order is None


def test_timestamps_with_times_are_read_in_the_decided_order(db, main, tmp_path) -> None:
    path = tmp_path / "times.csv"
    path.write_text(
        "meter,start,end,quantity\n"
        "Main,02/01/2025 13:00,02/01/2025 1:15 PM,1\n"
        "Main,31/01/2025 00:00,31/01/2025 00:15,2\n"
    )

    result = import_readings(db, path)

    _ok(result, 2)
    assert [r[:2] for r in _stored(db)] == [
        (_utc("2025-01-02T13:00-08:00"), _utc("2025-01-02T13:15-08:00")),
        (_utc("2025-01-31T00:00-08:00"), _utc("2025-01-31T00:15-08:00")),
    ]


# --- number format and the European export --------------------------------------------------


def test_a_european_export_imports_without_flags(db, main, tmp_path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(
        "meter;start;end;quantity;cost;currency\n"
        "Main;01.01.2025;31.01.2025;1.234,5;99,90;EUR\n"
        "Main;01.02.2025;28.02.2025;1.000;1.234.567,89;EUR\n"
    )

    result = import_readings(db, path)

    _ok(result, 2)
    assert _stored(db) == [
        (_utc("2025-01-01T00:00-08:00"), _utc("2025-02-01T00:00-08:00"), 1234.5, 99.9),
        (_utc("2025-02-01T00:00-08:00"), _utc("2025-03-01T00:00-08:00"), 1000.0, 1234567.89),
    ]
    assert result.date_order == "day/month/year (line 2 end '31.01.2025' fits no other)"
    assert result.numbers == (
        "decimal comma, '.' between thousands (1.234,5) (line 2 quantity '1.234,5' fits no other)"
    )


def test_comma_thousands_and_points_import_without_flags(db, main, tmp_path) -> None:
    path = tmp_path / "us.csv"
    path.write_text(
        "meter,start,end,quantity,cost\n"
        'Main,2025-01-01,2025-01-31,"1,234.5","$1,000"\n'
        "Main,2025-02-01,2025-02-28,0.25,7\n"
    )

    result = import_readings(db, path)

    _ok(result, 2)
    assert [r[2:] for r in _stored(db)] == [(1234.5, 1000.0), (0.25, 7.0)]


# --- lines and columns -----------------------------------------------------------------------


def test_line_numbers_count_quoted_line_breaks_and_blank_lines(db, main, tmp_path) -> None:
    before = _state(db)
    path = tmp_path / "notes.csv"
    path.write_text(
        "meter,start,end,quantity,notes\n"  # line 1
        'Main,2025-01-01,2025-01-31,1,"two\nlines"\n'  # lines 2-3
        "\n"  # line 4, blank
        "Main,2025-02-01,2025-02-28,abc,\n"  # line 5
    )

    result = import_readings(db, path)

    assert [p.text(path.name) for p in result.errors] == [
        "notes.csv, line 5, quantity 'abc': not a finite number"
    ]
    assert _state(db) == before


def test_line_numbers_count_lines_of_only_spaces(db, main, tmp_path) -> None:
    path = tmp_path / "spaces.csv"
    path.write_text(
        "meter,start,end,quantity\nMain,2025-01-01,2025-01-31,1\n   \nMain,2025-02-01,2025-02-28,abc\n"
    )

    result = import_readings(db, path)

    assert [p.text(path.name) for p in result.errors] == [
        "spaces.csv, line 4, quantity 'abc': not a finite number"
    ]


def test_problems_name_the_files_own_headers(db, main, tmp_path) -> None:
    path = tmp_path / "headers.csv"
    path.write_text("Meter Name,Period Start,Period End,Usage\nMain,2025-01-01,2025-01-31,x\n")

    result = import_readings(db, path)

    assert [p.text(path.name) for p in result.errors] == [
        "headers.csv, line 2, Usage 'x': not a finite number"
    ]


def test_overlaps_with_stored_readings_name_the_files_own_header(db, main, tmp_path) -> None:
    services.add_reading(db, meter="Main", start="2025-01-01", end="2025-01-31", quantity=5)
    before = _state(db)
    path = tmp_path / "overlap.csv"
    path.write_text("Meter Name,Period Start,Period End,Usage\nMain,2025-01-15,2025-02-14,7\n")

    result = import_readings(db, path)

    assert [p.text(path.name) for p in result.errors] == [
        "overlap.csv, line 2, Period Start: overlaps the stored reading 2025-01-01 to "
        "2025-01-31 (5 kWh); use --replace to replace it"
    ]
    assert _state(db) == before


# --- encodings -------------------------------------------------------------------------------


def test_a_windows_1252_file_is_decoded(db, us_hospital, tmp_path) -> None:
    services.add_meter(db, facility=us_hospital.id, name="Café €", commodity="electricity")
    path = tmp_path / "excel.csv"
    path.write_bytes("meter,start,end,quantity\nCafé €,2025-01-01,2025-01-31,5\n".encode("cp1252"))

    result = import_readings(db, path)

    _ok(result, 1)
    assert result.encoding == "Windows-1252 (not UTF-8)"
    assert db.execute(
        "SELECT m.name FROM readings r JOIN meters m ON m.id = r.meter_id"
    ).fetchall() == [("Café €",)]


def test_a_utf16_file_with_a_bom_is_decoded(db, main, tmp_path) -> None:
    """Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-delimited."""
    path = tmp_path / "unicode.txt"
    path.write_bytes(
        "meter\tstart\tend\tquantity\r\nMain\t2025-01-01\t2025-01-31\t5\r\n".encode("utf-16")
    )

    result = import_readings(db, path)

    _ok(result, 1)
    assert result.encoding == "UTF-16 (with a byte-order mark)"
    assert _stored(db) == [
        (_utc("2025-01-01T00:00-08:00"), _utc("2025-02-01T00:00-08:00"), 5.0, None)
    ]


# --- other formats: the same rule -----------------------------------------------------------


def test_green_button_dates_default_to_month_first(db, us_hospital) -> None:
    services.add_meter(db, facility=us_hospital.id, name="Boiler", commodity="natural_gas")

    result = import_readings(
        db, DATA / "greenbutton-opower-gas-daily.csv", ImportOptions(meter="Boiler")
    )

    _ok(result, 3)
    assert result.date_order == "month/day/year (Green Button CSV from US utilities)"


def test_green_button_dates_that_fit_only_day_first_are_read_so(db, us_hospital, tmp_path) -> None:
    services.add_meter(db, facility=us_hospital.id, name="Boiler", commodity="natural_gas")
    path = tmp_path / "opower-uk.csv"
    path.write_text(
        "TYPE,DATE,USAGE,UNITS,COST,NOTES\n"
        "Natural gas usage,12/1/2025,3.12,therms,,\n"
        "Natural gas usage,13/1/2025,2.98,therms,,\n"
    )

    result = import_readings(db, path, ImportOptions(meter="Boiler"))

    _ok(result, 2)
    assert _stored(db)[0][0] == _utc("2025-01-12T00:00-08:00")
    assert result.date_order == "day/month/year (line 3 DATE '13/1/2025' fits no other)"


def test_oed_dates_that_fit_both_orders_are_refused(db, main, tmp_path) -> None:
    before = _state(db)
    path = tmp_path / "oed.csv"
    path.write_text("24,01/06/2021 00:00:00,02/06/2021 00:00:00\n")

    with pytest.raises(FormatError) as caught:
        import_readings(db, path, ImportOptions(meter="Main", format="oed-csv"))

    assert str(caught.value) == (
        "oed.csv, line 1: column 2 '01/06/2021 00:00:00' could be 1 June 2021 (day/month/year) "
        "or 6 January 2021 (month/day/year), and no date in the file settles the order (none "
        "has a day above 12); give --dayfirst or --monthfirst"
    )
    assert _state(db) == before


def test_green_button_default_contradicted_later_rolls_back(db, us_hospital, tmp_path) -> None:
    services.add_meter(db, facility=us_hospital.id, name="Boiler", commodity="natural_gas")
    before = _state(db)
    path = tmp_path / "opower-late.csv"
    path.write_text(
        "TYPE,DATE,USAGE,UNITS,COST,NOTES\n"
        "Natural gas usage,1/2/2025,3.12,therms,,\n"
        "Natural gas usage,2/2/2025,2.98,therms,,\n"
        "Natural gas usage,13/1/2025,2.50,therms,,\n"
    )

    with pytest.raises(FormatError) as caught:
        import_readings(db, path, ImportOptions(meter="Boiler", chunk_rows=1))

    assert str(caught.value) == (
        "opower-late.csv, line 4: DATE '13/1/2025' fits only day/month/year, but the lines "
        "before were read month/day/year (Green Button CSV from US utilities); give --dayfirst "
        "or --monthfirst"
    )
    assert _state(db) == before


def test_a_column_of_several_layouts_is_read_in_the_one_order() -> None:
    values = pd.Series(["01/02/2025", "13/02/2025 10:00", "3.2.25", "4-2-2025 1:30 PM"])
    lines = np.array([2, 3, 4, 5])
    order = DateOrder("f.csv", ImportOptions())
    order.begin(lines)
    order.settle(lines, [("start", values)])

    parsed, date_only = parse_times(values, ImportOptions(), order, "start")

    assert order.describe() == "day/month/year (line 3 start '13/02/2025 10:00' fits no other)"
    assert parsed.tolist() == [
        pd.Timestamp("2025-02-01"),
        pd.Timestamp("2025-02-13 10:00"),
        pd.Timestamp("2025-02-03"),
        pd.Timestamp("2025-02-04 13:30"),
    ]
    assert date_only.tolist() == [True, False, True, False]


def test_a_number_format_settled_later_in_the_file_holds_for_the_first_rows(
    db, main, tmp_path
) -> None:
    path = tmp_path / "late-numbers.csv"
    path.write_text(
        "meter,start,end,quantity\n"
        "Main,2025-01-01,2025-01-31,1.250\n"  # 1.25 or 1250: the next chunk says
        "Main,2025-02-01,2025-02-28,0.5\n"
    )

    result = import_readings(db, path, ImportOptions(chunk_rows=1))

    _ok(result, 2)
    assert [r[2] for r in _stored(db)] == [1.25, 0.5]
    assert result.numbers == (
        "decimal point, ',' between thousands (1,234.5) (line 3 quantity '0.5' fits no other)"
    )


def test_whole_thousands_with_a_point_are_read_from_their_text(db, main, tmp_path) -> None:
    """5.000 reads as 5 by a float parser; in a decimal-comma file it is five thousand."""
    path = tmp_path / "thousands.csv"
    path.write_text(
        "meter;start;end;quantity\nMain;2025-01-01;2025-01-31;5.000\nMain;2025-02-01;2025-02-28;2,5\n"
    )

    result = import_readings(db, path)

    _ok(result, 2)
    assert [r[2] for r in _stored(db)] == [5000.0, 2.5]


def test_green_button_interval_dates_are_named_by_their_date_column(db, us_hospital, tmp_path):
    services.add_meter(db, facility=us_hospital.id, name="Main", commodity="electricity")
    path = tmp_path / "opower-both.csv"
    path.write_text(
        "TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES\n"
        "Electric usage,13/1/2025,00:00,00:14,1.20,kWh,,\n"
        "Electric usage,1/14/2025,00:00,00:14,1.20,kWh,,\n"
    )
    before = _state(db)

    with pytest.raises(FormatError) as caught:
        import_readings(db, path, ImportOptions(meter="Main"))

    assert str(caught.value) == (
        "opower-both.csv, line 3: DATE '1/14/2025' fits only month/day/year, but line 2 DATE "
        "'13/1/2025' fits only day/month/year: no one date order fits every row; correct the "
        "file or give --date-format"
    )
    assert _state(db) == before
