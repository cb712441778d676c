"""Bad input, table-driven: every case fails with a message naming file, line, column, value and
reason (where the case has them), and leaves the database exactly as it was.

The database holds St Example (Los Angeles) with an electricity meter "Main" that already has
two stored bills (2024), and a New York hospital with meter "NY Main".
"""

from __future__ import annotations

import csv
import hashlib
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import InputError
from greencare.core.models import Facility
from greencare.importers.base import FormatError, ImportOptions
from greencare.services.imports import ImportResult, import_readings

HEADER = b"meter,start,end,quantity\n"
GOOD_ROW = b"Main,2025-01-01,2025-01-31,10\n"


def _state(db: Database) -> dict[str, object]:
    out: dict[str, object] = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("readings", "reading_months", "import_batches", "audit_log", "meters")
    }
    rows = db.execute("SELECT * FROM readings ORDER BY id").fetchall()
    out["readings_sha256"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def _texts(result: ImportResult) -> list[str]:
    return [p.text(result.file) for p in result.errors]


@pytest.fixture
def stocked(db: Database, us_hospital: Facility) -> Database:
    services.add_meter(
        db, facility=us_hospital.id, name="Main", commodity="electricity", unit="kWh"
    )
    services.add_reading(db, meter="Main", start="2024-01-01", end="2024-01-31", quantity=500)
    services.add_reading(db, meter="Main", start="2024-02-01", end="2024-02-29", quantity=400)
    ny = services.add_facility(db, name="NY Test", country="US", timezone="America/New_York")
    services.add_meter(db, facility=ny.id, name="NY Main", commodity="electricity", unit="kWh")
    return db


@dataclass
class Case:
    """One bad file: its bytes, options, and either the exception or the row problems."""

    id: str
    data: bytes
    options: dict[str, Any] = field(default_factory=dict)
    raises: type[Exception] | None = None
    message: str = ""  # the whole exception text, with {name} for the file name
    problems: list[str] = field(default_factory=list)  # Problem.text(), {name} for the file
    rows_read: int = 0


OUTSIDE = "outside the years greencare stores (1900 to 2199); check the year"
AMBIGUOUS = "local time is ambiguous or skipped (daylight saving); give a UTC offset"
UNREADABLE_TIME = (
    "not a date or date-time I can read (use ISO 8601, e.g. 2025-01-31 or "
    "2025-01-31T00:15:00-05:00)"
)

CASES = [
    Case("empty", b"", raises=FormatError, message="{name}: the file is empty"),
    Case(
        "header-only",
        HEADER,
        raises=FormatError,
        message="{name}, line 2: no data rows (only a header?)",
    ),
    Case(
        "binary-garbage",
        random.Random(7).randbytes(3000) + b"\x00\x00" + random.Random(8).randbytes(3000),
        raises=FormatError,
        message="{name}: binary data, not a text or spreadsheet file",
    ),
    Case(
        "binary-garbage-as-csv",
        b"\xff\xfe\x00\x00" + random.Random(9).randbytes(5000),
        options={"format": "csv"},
        raises=FormatError,
        message="{name}, line 1: not valid UTF-16 (with a byte-order mark) text: bytes d6 dd "
        "(illegal encoding); is it a binary or spreadsheet file?",
    ),
    Case(
        "wrong-delimiter",
        b"meter;start;end;quantity\nMain;2025-01-01;2025-01-31;10\n",
        options={"delimiter": ","},
        raises=FormatError,
        message="{name}, line 1: no quantity column (looked for quantity, usage, consumption, "
        "reading, value, amount used, use, or a unit such as kWh, therms or m3); name it with "
        "--column quantity=HEADER",
    ),
    Case(  # a declared decimal point is respected: 1,5 is then no number
        "decimal-comma-declared-point",
        b"meter;start;end;quantity\nMain;2025-01-01;2025-01-31;10\nMain;2025-02-01;2025-02-28;1,5\n",
        options={"decimal": "."},
        problems=["{name}, line 3, quantity '1,5': not a finite number"],
        rows_read=2,
    ),
    Case(
        "mixed-number-formats",
        HEADER + b'Main,2025-01-01,2025-01-31,"1,234.5"\nMain,2025-02-01,2025-02-28,"1.234,5"\n',
        raises=FormatError,
        message="{name}, line 3: quantity '1.234,5' is written with a decimal comma, but line 2 "
        "quantity '1,234.5' with a decimal point: one file must use one number format; "
        "correct the file",
    ),
    Case(
        "ambiguous-number",
        HEADER + b"Main,2025-01-01,2025-01-31,1.234\nMain,2025-02-01,2025-02-28,7\n",
        raises=FormatError,
        message="{name}, line 2: quantity '1.234' could be 1.234 (a decimal point) or 1234 "
        "('.' between thousands), and no number in the file settles which; give --thousands , "
        "(numbers like 1,234.5) or --decimal-comma --thousands . (numbers like 1.234,5)",
    ),
    Case(  # the first chunk settles a decimal point; a later one writes a decimal comma
        "number-format-contradicted-in-a-later-chunk",
        b"meter;start;end;quantity\n"
        + b"".join(b"Main;2025-0%d-01;2025-0%d-10;1.5\n" % (m, m) for m in range(1, 5))
        + b"Main;2025-05-01;2025-05-10;2,5\n",
        options={"chunk_rows": 2},
        raises=FormatError,
        message="{name}, line 6: quantity '2,5' is written with a decimal comma, but line 2 "
        "quantity '1.5' with a decimal point: one file must use one number format; correct the "
        "file",
    ),
    Case(
        "ambiguous-dates",
        HEADER + b"Main,01/02/2025,02/02/2025,5\n",
        raises=FormatError,
        message="{name}, line 2: start '01/02/2025' could be 1 February 2025 (day/month/year) "
        "or 2 January 2025 (month/day/year), and no date in the file settles the order (none "
        "has a day above 12); give --dayfirst or --monthfirst",
    ),
    Case(
        "no-date-order-fits",
        HEADER + b"Main,13/01/2025,20/01/2025,5\nMain,01/21/2025,01/31/2025,5\n",
        raises=FormatError,
        message="{name}, line 3: start '01/21/2025' fits only month/day/year, but line 2 start "
        "'13/01/2025' fits only day/month/year: no one date order fits every row; correct the "
        "file or give --date-format",
    ),
    Case(  # decided day first in the first chunk; the third chunk is month first: rolled back
        "date-order-contradicted-in-a-later-chunk",
        HEADER
        + b"Main,13/01/2025,14/01/2025,1\nMain,14/01/2025,15/01/2025,1\n"
        + b"Main,15/01/2025,16/01/2025,1\nMain,16/01/2025,17/01/2025,1\n"
        + b"Main,02/17/2025,02/18/2025,1\n",
        options={"chunk_rows": 2},
        raises=FormatError,
        message="{name}, line 6: start '02/17/2025' fits only month/day/year, but line 2 start "
        "'13/01/2025' fits only day/month/year: no one date order fits every row; correct the "
        "file or give --date-format",
    ),
    Case(
        "dayfirst-and-monthfirst",
        HEADER + b"Main,01/02/2025,02/02/2025,5\n",
        options={"dayfirst": True, "monthfirst": True},
        raises=FormatError,
        message="{name}: --dayfirst and --monthfirst contradict each other; give one",
    ),
    Case(  # --dayfirst is strict: 01/13/2025 has no month 13 (pandas would swap it silently)
        "dayfirst-is-strict",
        HEADER + b"Main,01/12/2025,01/13/2025,5\n",
        options={"dayfirst": True},
        problems=["{name}, line 2, end '01/13/2025': " + UNREADABLE_TIME],
        rows_read=1,
    ),
    Case(
        "two-columns-for-one-field",
        b"meter,start,end,quantity,quantity\nMain,2025-01-01,2025-01-31,1,2\n",
        raises=FormatError,
        message="{name}, line 1: columns 4 'quantity' and 5 'quantity' both hold the quantity; "
        "rename one, or say which to read with --column quantity=HEADER",
    ),
    Case(
        "two-headers-for-one-field",
        b"meter,start,end,Usage,Consumption\nMain,2025-01-01,2025-01-31,1,2\n",
        raises=FormatError,
        message="{name}, line 1: columns 4 'Usage' and 5 'Consumption' both hold the quantity; "
        "rename one, or say which to read with --column quantity=HEADER",
    ),
    Case(  # 0x81 is undefined in Windows-1252 and invalid in UTF-8
        "neither-utf8-nor-cp1252",
        HEADER + GOOD_ROW + b"M\xe9ter,2025-02-01,2025-02-28,7\nM\x81,2025-03-01,2025-03-31,7\n",
        options={"format": "csv"},
        raises=FormatError,
        message="{name}, line 4: byte 0x81 is neither UTF-8 nor Windows-1252 text; save the "
        "file as UTF-8 (or give --encoding)",
    ),
    Case(  # a lone low surrogate on line 3 of a UTF-16 file
        "broken-utf16",
        (HEADER + GOOD_ROW).decode().encode("utf-16")
        + b"\x00\xdc"
        + b"ain,2025-02-01,2025-02-28,7\n".decode().encode("utf-16-le"),
        options={"format": "csv"},
        raises=FormatError,
        message="{name}, line 3: not valid UTF-16 (with a byte-order mark) text: bytes 00 dc "
        "(illegal encoding); is it a binary or spreadsheet file?",
    ),
    Case(  # unquoted, the decimal comma splits the row into one field too many
        "decimal-comma-unquoted",
        HEADER + GOOD_ROW + b"Main,2025-02-01,2025-02-28,1,5\n",
        raises=FormatError,
        message="{name}, line 3: 5 fields but the header has 4 (extra value '5'); "
        "check the delimiter or the header",
    ),
    Case(
        "missing-quantity-column-detected",
        b"meter,start,end,cost\nMain,2025-01-01,2025-01-31,10\n",
        raises=FormatError,
        message="{name}: format not recognised; name it with --format "
        "(espi-xml, portfolio-manager, greenbutton-csv, oed-csv, csv)",
    ),
    Case(
        "missing-quantity-column",
        b"meter,start,end,cost\nMain,2025-01-01,2025-01-31,10\n",
        options={"format": "csv"},
        raises=FormatError,
        message="{name}, line 1: no quantity column (looked for quantity, usage, consumption, "
        "reading, value, amount used, use, or a unit such as kWh, therms or m3); name it with "
        "--column quantity=HEADER",
    ),
    Case(
        "mapped-column-absent",
        HEADER + GOOD_ROW,
        options={"columns": {"quantity": "kWh delivered"}},
        raises=FormatError,
        message="{name}, line 1: --column quantity=kWh delivered: no such column",
    ),
    Case(
        "timestamp-without-interval",
        b"meter,timestamp,quantity\nMain,2025-01-01 00:00,1\n",
        raises=FormatError,
        message="{name}, line 1: column 'timestamp' gives one time per reading (the start of "
        "each interval) and no other column says how long each reading is: give --interval, "
        "e.g. --interval 15min",
    ),
    Case(
        "unknown-unit",
        b"meter,start,end,quantity,unit\nMain,2025-01-01,2025-01-31,10,kWhh\n",
        problems=["{name}, line 2, unit 'kWhh': unknown unit 'kWhh'"],
        rows_read=1,
    ),
    Case(
        "wrong-dimension",
        b"meter,start,end,quantity,unit\nMain,2025-01-01,2025-01-31,10,kgal\n",
        problems=[
            "{name}, line 2, unit 'kgal': unit 'kgal' (volume) cannot measure electricity; "
            "use one of kWh, MWh, kBtu, MMBtu, GJ"
        ],
        rows_read=1,
    ),
    Case(
        "non-numeric",
        HEADER + GOOD_ROW + b"Main,2025-02-01,2025-02-28,abc\n",
        problems=["{name}, line 3, quantity 'abc': not a finite number"],
        rows_read=2,
    ),
    Case(
        "nan-inf",
        HEADER
        + b"Main,2025-01-01,2025-01-10,NaN\nMain,2025-01-11,2025-01-20,inf\n"
        + b"Main,2025-01-21,2025-01-31,-inf\n",
        problems=[
            "{name}, line 2, quantity 'NaN': not a finite number",
            "{name}, line 3, quantity 'inf': not a finite number",
            "{name}, line 4, quantity '-inf': not a finite number",
        ],
        rows_read=3,
    ),
    Case(
        "negative",
        HEADER + b"Main,2025-01-01,2025-01-31,-5\n",
        problems=[
            "{name}, line 2, quantity '-5': negative usage (only a net-metering meter may export)"
        ],
        rows_read=1,
    ),
    Case(
        "inverted-period",
        HEADER + b"Main,2025-01-31,2025-01-01,5\n",
        problems=[
            "{name}, line 2, end '2025-01-01': the period ends before it starts (or has no length)"
        ],
        rows_read=1,
    ),
    Case(
        "unreadable-date",
        HEADER + b"Main,2025-13-45,2025-01-31,5\n",
        problems=["{name}, line 2, start '2025-13-45': " + UNREADABLE_TIME],
        rows_read=1,
    ),
    Case(
        "unknown-meter",
        HEADER + b"Nope,2025-01-01,2025-01-31,5\n",
        problems=[
            "{name}, line 2, meter 'Nope': no such meter (map it with --map FILE=METER, or "
            "--create-meters)"
        ],
        rows_read=1,
    ),
    Case(
        "duplicate-rows",
        HEADER + GOOD_ROW + b"Main,2025-02-01,2025-02-28,7\n" + GOOD_ROW,
        problems=["{name}, line 4, start: duplicate of line 2"],
        rows_read=3,
    ),
    Case(
        "overlapping-rows",
        HEADER + GOOD_ROW + b"Main,2025-01-15,2025-02-14,7\n",
        problems=["{name}, line 3, start: overlaps the period on line 2"],
        rows_read=2,
    ),
    Case(
        "nonexistent-local-time",
        b"meter,timestamp,quantity\nNY Main,2025-03-09 01:45,1\nNY Main,2025-03-09 02:30,1\n",
        options={"interval_minutes": 15},
        problems=["{name}, line 3, timestamp '2025-03-09 02:30': " + AMBIGUOUS],
        rows_read=2,
    ),
    Case(
        "ambiguous-local-time",
        b"meter,timestamp,quantity\nNY Main,2025-11-02 01:30,1\n",
        options={"interval_minutes": 15},
        problems=["{name}, line 2, timestamp '2025-11-02 01:30': " + AMBIGUOUS],
        rows_read=1,
    ),
    Case(  # the file was cut off after the start date, with no newline at the end
        "truncated-last-line",
        HEADER + GOOD_ROW + b"Main,2025-02-01",
        problems=["{name}, line 3, quantity: missing quantity"],
        rows_read=2,
    ),
    Case(  # pandas' "Error tokenizing data. C error: EOF inside string starting at row 2"
        "a-quote-never-closed",
        HEADER + GOOD_ROW + b'Main,2025-02-01,2025-02-28,"100\nMain,2025-03-01,2025-03-31,5\n',
        raises=FormatError,
        message="{name}, line 3: a quoted value starts here and is never closed (the file ends "
        'inside it: cut off, or a stray ")',
    ),
    Case(
        "too-many-fields-in-a-later-chunk",
        HEADER
        + b"".join(b"Main,2025-0%d-01,2025-0%d-10,1\n" % (m, m) for m in range(1, 7))
        + b"Main,2025-07-01,2025-07-10,1,2\n",
        options={"chunk_rows": 2},
        raises=FormatError,
        message="{name}, line 8: 5 fields but the header has 4 (extra value '2'); "
        "check the delimiter or the header",
    ),
    Case(  # the line is the file's own: the quoted note on line 2 spans two lines
        "too-many-fields-after-a-quoted-line-break",
        b'meter,start,end,quantity,notes\nMain,2025-01-01,2025-01-31,1,"a\nb"\n'
        + b"Main,2025-02-01,2025-02-28,1,x,y\n",
        raises=FormatError,
        message="{name}, line 4: 6 fields but the header has 5 (extra value 'y'); "
        "check the delimiter or the header",
    ),
    Case(  # past the first 50 rows pandas finds it, counting rows; the message counts lines
        "too-many-fields-after-many-quoted-line-breaks",
        b"meter,start,end,quantity,notes\n"
        + b"".join(b'Main,2025-01-%02d,2025-01-%02d,1,"a\nb"\n' % (d, d + 1) for d in range(1, 61))
        + b"Main,2025-04-01,2025-04-28,1,x,y\n",
        raises=FormatError,
        message="{name}, line 122: 6 fields but the header has 5 (extra value 'y'); "
        "check the delimiter or the header",
    ),
    Case(  # a file's own "nan" and "None" were hidden, as if the cell were blank
        "nan-is-shown-as-written",
        HEADER
        + b"Main,2025-03-01,2025-03-31,nan\nMain,2025-04-01,2025-04-30,None\n"
        + b"Main,2025-05-01,2025-05-31,\n",
        problems=[
            "{name}, line 2, quantity 'nan': not a finite number",
            "{name}, line 3, quantity 'None': not a finite number",
            "{name}, line 4, quantity: missing quantity",
        ],
        rows_read=3,
    ),
    Case(  # a typed year: 9999-12-31 ended in year 10000, a traceback from the time zone code
        "years-outside-those-stored",
        HEADER
        + b"Main,1066-03-01,1066-03-31,10\n"
        + b"Main,9999-12-01,9999-12-31,10\n"
        + b"Main,2025-03-01,2199-12-31,10\n"
        + b"Main,0001-01-01,0001-01-31,10\n",
        problems=[
            "{name}, line 2, start '1066-03-01': " + OUTSIDE,
            "{name}, line 3, start '9999-12-01': " + OUTSIDE,
            "{name}, line 5, start '0001-01-01': " + OUTSIDE,
        ],
        rows_read=4,
    ),
    Case(
        "an-end-past-the-years-stored",
        HEADER + b"Main,2199-12-01,2200-01-31,10\n",
        problems=["{name}, line 2, end '2200-01-31': " + OUTSIDE],
        rows_read=1,
    ),
    Case(
        "cost-without-any-currency",
        b"meter,start,end,quantity,cost\nParis,2025-01-01,2025-01-31,10,5\n",
        problems=["{name}, line 2, currency: a cost needs a currency column"],
        rows_read=1,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file(stocked: Database, tmp_path: Path, case: Case) -> None:
    if case.id == "cost-without-any-currency":  # a country greencare has no currency for
        paris = services.add_facility(stocked, name="Paris", country="FR", timezone="Europe/Paris")
        services.add_meter(stocked, facility=paris.id, name="Paris", commodity="electricity")
    before = _state(stocked)
    path = tmp_path / f"{case.id}.csv"
    path.write_bytes(case.data)

    if case.raises:
        with pytest.raises(case.raises) as caught:
            import_readings(stocked, path, ImportOptions(**case.options))
        assert str(caught.value) == case.message.format(name=path.name)
    else:
        result = import_readings(stocked, path, ImportOptions(**case.options))
        assert (result.status, result.ok, result.inserted) == ("failed", False, 0)
        assert result.rows_read == case.rows_read
        assert _texts(result) == [p.format(name=path.name) for p in case.problems]
        assert result.error_count == len(case.problems)
        assert result.batch_id is None and result.rejected_file is None
    assert _state(stocked) == before
    assert not stocked.conn.in_transaction
    assert not (tmp_path / f"{case.id}.rejected.csv").exists()


def test_bom_is_not_an_error(stocked: Database, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER + GOOD_ROW)

    result = import_readings(stocked, path)

    assert (result.status, result.rows_read, result.inserted, result.errors) == (
        "imported",
        1,
        1,
        [],
    )
    assert stocked.execute(
        "SELECT m.name, r.quantity FROM readings r JOIN meters m ON m.id = r.meter_id "
        "WHERE r.batch_id = ?",
        [result.batch_id],
    ).fetchall() == [("Main", 10.0)]


def test_missing_file(stocked: Database, tmp_path: Path) -> None:
    before = _state(stocked)
    path = tmp_path / "no-such-file.csv"

    with pytest.raises(InputError) as caught:
        import_readings(stocked, path)

    assert str(caught.value) == f"{path}: no such file"
    assert _state(stocked) == before


def test_overlap_with_a_stored_reading(stocked: Database, tmp_path: Path) -> None:
    before = _state(stocked)
    path = tmp_path / "overlap-stored.csv"
    path.write_bytes(HEADER + b"Main,2024-01-15,2024-02-14,5\n")

    result = import_readings(stocked, path)

    assert result.status == "failed"
    assert _texts(result) == [
        "overlap-stored.csv, line 2, start: overlaps the stored reading 2024-01-01 to 2024-01-31 "
        "(500 kWh); "
        "use --replace to replace it"
    ]
    assert _state(stocked) == before


# --- rows with more fields than the header ------------------------------------------------


def test_every_row_with_one_field_too_many_is_refused(stocked: Database, tmp_path: Path) -> None:
    """A stray extra field on every row must not shift the columns (meter read as start...)."""
    before = _state(stocked)
    path = tmp_path / "shifted.csv"
    path.write_bytes(HEADER + b"Main,Main,2025-01-01,2025-01-31,5\n")

    with pytest.raises(FormatError) as caught:
        import_readings(stocked, path)

    assert "shifted.csv" in str(caught.value) and "line 2" in str(caught.value)
    assert "line 2: 5 fields but the header has 4" in str(caught.value)
    assert _state(stocked) == before


def test_trailing_delimiter_on_every_row(stocked: Database, tmp_path: Path) -> None:
    """``Main,2025-01-01,2025-01-31,5,``: either read right, or refused naming the line.

    Never read shifted one column left (meter '2025-01-01', quantity '').
    """
    before = _state(stocked)
    path = tmp_path / "trailing.csv"
    path.write_bytes(HEADER + b"Main,2025-01-01,2025-01-31,5,\nMain,2025-02-01,2025-02-28,6,\n")

    try:
        result = import_readings(stocked, path)
    except FormatError as exc:
        assert str(exc).startswith("trailing.csv") and "line 2" in str(exc)
        assert _state(stocked) == before
        return
    assert _texts(result) == []
    assert (result.status, result.inserted) == ("imported", 2)
    assert stocked.execute(
        "SELECT quantity FROM readings WHERE batch_id = ? ORDER BY start_utc", [result.batch_id]
    ).fetchall() == [(5.0,), (6.0,)]


# --- a 10 MB field --------------------------------------------------------------------------


HUGE = 10_000_000


def _huge_file(tmp_path: Path, char: bytes) -> Path:
    path = tmp_path / "huge-field.csv"
    path.write_bytes(HEADER + GOOD_ROW + b"Main,2025-02-01,2025-02-28," + char * HUGE + b"\n")
    return path


@pytest.mark.parametrize("char", [b"9", b"x"], ids=["digits", "letters"])
def test_ten_megabyte_field_fails_quickly(stocked: Database, tmp_path: Path, char) -> None:
    before = _state(stocked)
    path = _huge_file(tmp_path, char)
    began = time.monotonic()

    result = import_readings(stocked, path)

    assert time.monotonic() - began < 5.0
    assert (result.status, result.rows_read, result.inserted, result.error_count) == (
        "failed",
        2,
        0,
        1,
    )
    problem = result.errors[0]
    assert (problem.line, problem.column, problem.reason) == (3, "quantity", "not a finite number")
    assert _state(stocked) == before


def test_ten_megabyte_field_message_stays_readable(stocked: Database, tmp_path: Path) -> None:
    """The message for a 10 MB cell must not repeat the 10 MB: it goes to a terminal."""
    result = import_readings(stocked, _huge_file(tmp_path, b"x"))

    text = _texts(result)[0]
    assert text.startswith("huge-field.csv, line 3, quantity 'xxxx")
    assert text.endswith(": not a finite number")
    length = len(text)  # not the text itself: a failure must not print 10 MB
    assert length < 1000


# --- on_error="skip" and max_errors ---------------------------------------------------------


def _read_rejected(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_on_error_skip_imports_good_rows_and_writes_rejected_file(
    stocked: Database, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        HEADER
        + b"Main,2025-01-01,2025-01-31,10\n"
        + b"Main,2025-02-01,2025-02-28,abc\n"
        + b"Main,2025-03-01,2025-03-31,30\n"
        + b"Main,2025-04-01,2025-04-30,-4\n"
        + b"Main,2025-05-01,2025-05-31,50\n"
    )
    before = _state(stocked)

    result = import_readings(stocked, path, ImportOptions(on_error="skip"))

    assert result.status == "imported" and result.ok
    assert (result.rows_read, result.inserted, result.rejected, result.error_count) == (5, 3, 2, 2)
    assert result.inserted + result.rejected + result.unchanged == result.rows_read
    assert _texts(result) == [
        "mixed.csv, line 3, quantity 'abc': not a finite number",
        "mixed.csv, line 5, quantity '-4': negative usage (only a net-metering meter may export)",
    ]
    rejected = tmp_path / "mixed.rejected.csv"
    assert result.rejected_file == str(rejected)
    assert _read_rejected(rejected) == [
        {"line": "3", "meter": "Main", "start": "2025-02-01", "end": "2025-02-28",
         "quantity": "abc", "unit": "", "cost": "", "reason": "quantity: not a finite number"},
        {"line": "5", "meter": "Main", "start": "2025-04-01", "end": "2025-04-30",
         "quantity": "-4", "unit": "", "cost": "",
         "reason": "quantity: negative usage (only a net-metering meter may export)"},
    ]  # fmt: skip
    assert stocked.execute(
        "SELECT quantity FROM readings WHERE batch_id = ? ORDER BY start_utc", [result.batch_id]
    ).fetchall() == [(10.0,), (30.0,), (50.0,)]
    assert stocked.execute(
        "SELECT rows_read, rows_inserted, rows_rejected FROM import_batches WHERE id = ?",
        [result.batch_id],
    ).fetchone() == (5, 3, 2)
    assert _state(stocked)["readings"] == before["readings"] + 3


def test_on_error_skip_counts_rows_that_collide_with_stored_readings(
    stocked: Database, tmp_path: Path
) -> None:
    """A row refused because it overlaps a stored reading is a rejected row like any other."""
    path = tmp_path / "collide.csv"
    path.write_bytes(
        HEADER
        + b"Main,2024-01-01,2024-01-31,999\n"  # stored reading 1 says 500
        + b"Main,2025-02-01,2025-02-28,abc\n"
        + b"Main,2025-03-01,2025-03-31,30\n"
    )

    result = import_readings(stocked, path, ImportOptions(on_error="skip"))

    assert result.status == "imported"
    assert (result.rows_read, result.inserted, result.error_count) == (3, 1, 2)
    assert result.inserted + result.rejected + result.unchanged == result.rows_read
    rejected = _read_rejected(tmp_path / "collide.rejected.csv")
    assert [(r["line"], r["quantity"]) for r in rejected] == [("2", "999"), ("3", "abc")]
    assert rejected[0]["reason"] == (
        "start: differs from the stored reading 2024-01-01 to 2024-01-31 (quantity 500 -> 999); "
        "use --replace to replace it"
    )


def test_on_error_skip_dry_run_writes_no_rejected_file(stocked: Database, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(HEADER + GOOD_ROW + b"Main,2025-02-01,2025-02-28,abc\n")
    before = _state(stocked)

    result = import_readings(stocked, path, ImportOptions(on_error="skip", dry_run=True))

    assert (result.status, result.inserted, result.rejected, result.rejected_file) == (
        "dry run",
        1,
        1,
        None,
    )
    assert not (tmp_path / "mixed.rejected.csv").exists()
    assert _state(stocked) == before


@pytest.mark.parametrize("cap", [50, 5])
def test_errors_beyond_max_errors_are_counted_not_listed(
    stocked: Database, tmp_path: Path, cap: int
) -> None:
    rows = b"".join(
        b"Main,2025-01-%02d,2025-01-%02d,bad%d\n" % (day, day, day) for day in range(1, 31)
    )
    rows += b"".join(
        b"Main,2025-03-%02d,2025-03-%02d,-%d\n" % (day, day, day) for day in range(1, 31)
    )
    path = tmp_path / "many-errors.csv"
    path.write_bytes(HEADER + rows)
    before = _state(stocked)

    result = import_readings(stocked, path, ImportOptions(max_errors=cap))

    assert (result.status, result.rows_read, result.error_count, len(result.errors)) == (
        "failed",
        60,
        60,
        cap,
    )
    assert result.errors[0].text(path.name) == (
        "many-errors.csv, line 2, quantity 'bad1': not a finite number"
    )
    assert [p.line for p in result.errors] == list(range(2, 2 + cap))
    assert _state(stocked) == before


def test_max_errors_in_skip_mode_still_rejects_every_bad_row(
    stocked: Database, tmp_path: Path
) -> None:
    rows = b"".join(
        b"Main,2025-01-%02d,2025-01-%02d,%s\n" % (day, day, b"x" if day % 2 else b"1")
        for day in range(1, 31)
    )
    path = tmp_path / "half-bad.csv"
    path.write_bytes(HEADER + rows)

    result = import_readings(stocked, path, ImportOptions(on_error="skip", max_errors=3))

    assert (result.rows_read, result.inserted, result.rejected) == (30, 15, 15)
    assert (result.error_count, len(result.errors)) == (15, 3)
    assert len(_read_rejected(tmp_path / "half-bad.rejected.csv")) == 15


def _monthly_rows(months: range, bad: dict[int, bytes]) -> bytes:
    """Bills for 2025 months, one per line; ``bad`` replaces the quantity of some months."""
    return b"".join(
        b"Main,2025-%02d-01,2025-%02d-10,%s\n" % (m, m, bad.get(m, b"%d.50" % m)) for m in months
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"NaN", "not a finite number"),
        (b"", "missing quantity"),
        (b"-3.00", "negative usage (only a net-metering meter may export)"),
        (b"12.5 kWh", "not a finite number"),
    ],
)
def test_bad_quantity_in_a_later_chunk_is_reported_as_written(
    stocked: Database, tmp_path: Path, value: bytes, reason: str
) -> None:
    """Quantities are read as numbers until a chunk has one that is not a plain number; the file
    is then read again as text, so the message quotes the value as the file wrote it."""
    before = _state(stocked)
    path = tmp_path / "late.csv"
    path.write_bytes(HEADER + _monthly_rows(range(1, 10), {8: value}))

    result = import_readings(stocked, path, ImportOptions(chunk_rows=3))

    shown = f" {value.decode()!r}" if value else ""
    assert _texts(result) == [f"late.csv, line 9, quantity{shown}: {reason}"]
    assert (result.status, result.rows_read, result.inserted) == ("failed", 9, 0)
    assert _state(stocked) == before


def test_skip_after_a_late_bad_quantity_imports_each_good_row_once(
    stocked: Database, tmp_path: Path
) -> None:
    path = tmp_path / "late-skip.csv"
    path.write_bytes(HEADER + _monthly_rows(range(1, 11), {2: b"2.5", 8: b"abc"}))

    result = import_readings(stocked, path, ImportOptions(chunk_rows=3, on_error="skip"))

    assert (result.status, result.rows_read, result.inserted, result.rejected) == (
        "imported",
        10,
        9,
        1,
    )
    stored = stocked.execute(
        "SELECT quantity FROM readings WHERE batch_id = ? ORDER BY start_utc", [result.batch_id]
    ).fetchall()
    assert [q for (q,) in stored] == [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 9.5, 10.5]
    rejected = (tmp_path / "late-skip.rejected.csv").read_text().splitlines()
    assert rejected[1].startswith("9,Main,2025-08-01,2025-08-10,abc,")


def test_rejected_file_is_neutralised_owner_only_and_never_overwrites(
    stocked: Database, tmp_path: Path
) -> None:
    import stat

    path = tmp_path / "hostile.csv"
    path.write_bytes(HEADER + b"Main,2025-01-01,2025-01-31,10\n"
                     + b"Main,2025-02-01,2025-02-28,=2+5\n")  # fmt: skip
    earlier = tmp_path / "hostile.rejected.csv"
    earlier.write_text("kept by hand\n", encoding="utf-8")

    result = import_readings(stocked, path, ImportOptions(on_error="skip"))

    assert result.status == "imported" and result.rejected == 1
    written = tmp_path / "hostile.rejected-2.csv"
    assert result.rejected_file == str(written)
    assert earlier.read_text(encoding="utf-8") == "kept by hand\n"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert [r["quantity"] for r in _read_rejected(written)] == ["'=2+5"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hostile.csv", "hostile.rejected-2.csv", "hostile.rejected.csv"
    ]  # fmt: skip
