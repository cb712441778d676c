"""Generic CSV import, happy paths: every expectation below is computed by hand.

Instants are written with explicit UTC offsets (``_utc("2025-01-01T00:00-08:00")``) so the
expected epoch seconds never depend on the time-zone code under test. St Example (the shared
``us_hospital`` fixture) is in America/Los_Angeles: PST is UTC-8, PDT (from 2025-03-09 and
2026-03-08) UTC-7.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import GreencareError, InputError
from greencare.core.models import Facility, Meter
from greencare.importers.base import ImportOptions
from greencare.services.imports import ImportResult, import_readings, undo
from greencare.storage import rollups

NEW_YORK = ZoneInfo("America/New_York")
READING_COLUMNS = (
    "meter_id, start_utc, end_utc, quantity, unit, quantity_canonical, cost, currency, estimated"
)


# --- helpers ---------------------------------------------------------------------------------


def _utc(text: str) -> int:
    """Epoch seconds of an ISO date-time that carries its own offset."""
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return int(moment.timestamp())


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _state(db: Database) -> dict[str, object]:
    """Counts of every table an import touches, plus a hash of the readings themselves."""
    out: dict[str, object] = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("readings", "reading_months", "import_batches", "audit_log", "meters")
    }
    rows = db.execute("SELECT * FROM readings ORDER BY id").fetchall()
    out["readings_sha256"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def _stored(db: Database) -> list[tuple]:
    return db.execute(
        f"SELECT {READING_COLUMNS} FROM readings ORDER BY meter_id, start_utc"
    ).fetchall()


def _all_readings(db: Database) -> list[tuple]:
    return db.execute("SELECT * FROM readings ORDER BY id").fetchall()


def _assert_rollups_match_rebuild(db: Database) -> None:
    """``reading_months`` as kept incrementally equals a full recomputation from readings."""
    sql = (
        "SELECT meter_id, month, unit, currency, quantity, quantity_canonical, cost, "
        "estimated_canonical, readings FROM reading_months ORDER BY meter_id, month, unit, currency"
    )
    kept = db.execute(sql).fetchall()
    rollups.rebuild(db)
    rebuilt = db.execute(sql).fetchall()
    assert [r[:4] for r in kept] == [r[:4] for r in rebuilt]
    for have, want in zip(kept, rebuilt, strict=True):
        assert have[4:] == pytest.approx(want[4:], rel=1e-9, abs=1e-6), have[:4]


def _texts(result: ImportResult, kind: str = "errors") -> list[str]:
    return [p.text(result.file) for p in getattr(result, kind)]


def _imported(
    result: ImportResult, *, rows: int, inserted: int, unchanged: int = 0, replaced: int = 0
) -> None:
    assert result.status == "imported", _texts(result)
    assert result.errors == [] and result.error_count == 0
    assert (result.rows_read, result.inserted, result.unchanged, result.replaced) == (
        rows,
        inserted,
        unchanged,
        replaced,
    )
    assert result.rejected == 0 and result.rejected_file is None


@pytest.fixture
def main(db: Database, us_hospital: Facility) -> Meter:
    """An electricity meter billed in kWh at St Example (Los Angeles)."""
    return services.add_meter(
        db, facility=us_hospital.id, name="Main", commodity="electricity", unit="kWh"
    )


@pytest.fixture
def chiller(db: Database, us_hospital: Facility) -> Meter:
    return services.add_meter(
        db, facility=us_hospital.id, name="Chiller", commodity="electricity", unit="kWh"
    )


@pytest.fixture
def ny_meter(db: Database) -> Meter:
    hospital = services.add_facility(
        db, name="Bellevue Test", country="US", timezone="America/New_York"
    )
    return services.add_meter(
        db, facility=hospital.id, name="NY Main", commodity="electricity", unit="kWh"
    )


JAN = (_utc("2025-01-01T00:00-08:00"), _utc("2025-02-01T00:00-08:00"))
FEB = (_utc("2025-02-01T00:00-08:00"), _utc("2025-03-01T00:00-08:00"))
MAR = (_utc("2025-03-01T00:00-08:00"), _utc("2025-04-01T00:00-07:00"))

BILLS = (
    "meter,start,end,quantity,unit,cost\n"
    "Main,2025-01-01,2025-01-31,1000,kWh,150.50\n"
    "Main,2025-02-01,2025-02-28,900,kWh,\n"
)


# --- bills, units, numbers, dates --------------------------------------------------------------


def test_bills_with_inclusive_end_dates(db, main, tmp_path) -> None:
    before = _state(db)
    path = _write(tmp_path, "bills.csv", BILLS)

    result = import_readings(db, path, source="test")

    _imported(result, rows=2, inserted=2)
    assert (result.file, result.format, result.batch_id) == ("bills.csv", "csv", 1)
    assert result.warnings == [] and result.meters_created == []
    assert _stored(db) == [
        (main.id, *JAN, 1000.0, "kWh", 1000.0, 150.5, "USD", 0),
        (main.id, *FEB, 900.0, "kWh", 900.0, None, None, 0),
    ]
    assert db.execute("SELECT DISTINCT source, batch_id FROM readings").fetchall() == [
        ("import:1", 1)
    ]
    batch = dict(next(db.query("SELECT * FROM import_batches")))
    assert {k: batch[k] for k in ("file_name", "format", "rows_read", "rows_inserted")} == {
        "file_name": "bills.csv",
        "format": "csv",
        "rows_read": 2,
        "rows_inserted": 2,
    }
    assert batch["status"] == "active"
    assert batch["content_hash"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # One audit entry for the whole batch, none per reading.
    new_audit = db.execute(
        "SELECT table_name, row_id, action, source FROM audit_log WHERE id > ?",
        [before["audit_log"]],
    ).fetchall()
    assert new_audit == [("import_batches", 1, "import", "test")]
    assert db.execute(
        "SELECT month, quantity, cost, readings FROM reading_months ORDER BY month"
    ).fetchall() == [("2025-01", 1000.0, 150.5, 1), ("2025-02", 900.0, 0.0, 1)]
    _assert_rollups_match_rebuild(db)


def test_unit_in_the_quantity_header(db, us_hospital, tmp_path) -> None:
    # The meter bills in MWh, so only the header can make these kWh.
    meter = services.add_meter(
        db, facility=us_hospital.id, name="Main", commodity="electricity", unit="MWh"
    )
    path = _write(
        tmp_path,
        "header-unit.csv",
        "meter,start,end,Usage (kWh)\nMain,2025-01-01,2025-01-31,2500\n",
    )

    result = import_readings(db, path)

    _imported(result, rows=1, inserted=1)
    assert _stored(db) == [(meter.id, *JAN, 2500.0, "kWh", 2500.0, None, None, 0)]
    _assert_rollups_match_rebuild(db)


def test_unit_in_header_after_a_space(db, us_hospital, tmp_path) -> None:
    """``meter, start, end, Usage (kWh)``: spaces after the commas are common in exports."""
    meter = services.add_meter(
        db, facility=us_hospital.id, name="Main", commodity="electricity", unit="MWh"
    )
    text = "meter, start, end, Usage (kWh)\nMain,2025-01-01,2025-01-31,2500\n"
    path = _write(tmp_path, "spaced-header.csv", text)

    result = import_readings(db, path)

    _imported(result, rows=1, inserted=1)
    assert _stored(db) == [(meter.id, *JAN, 2500.0, "kWh", 2500.0, None, None, 0)]


def test_unit_column_with_mixed_units(db, main, tmp_path) -> None:
    text = (
        "meter,start,end,quantity,unit\n"
        "Main,2025-01-01,2025-01-31,1000,kWh\n"
        "Main,2025-02-01,2025-02-28,1,MWh\n"
        "Main,2025-03-01,2025-03-31,1000000,Wh\n"
    )
    result = import_readings(db, _write(tmp_path, "units.csv", text))

    _imported(result, rows=3, inserted=3)
    assert _stored(db) == [
        (main.id, *JAN, 1000.0, "kWh", 1000.0, None, None, 0),
        (main.id, *FEB, 1.0, "MWh", 1000.0, None, None, 0),
        (main.id, *MAR, 1000000.0, "Wh", 1000.0, None, None, 0),
    ]
    _assert_rollups_match_rebuild(db)


def test_decimal_comma_with_semicolons(db, main, tmp_path) -> None:
    text = (
        "meter;start;end;quantity;cost\n"
        "Main;2025-01-01;2025-01-31;1234,5;99,90\n"
        "Main;2025-02-01;2025-02-28;0,25;0,05\n"
    )
    path = _write(tmp_path, "decimal-comma.csv", text)

    result = import_readings(db, path, ImportOptions(decimal=","))

    _imported(result, rows=2, inserted=2)
    assert _stored(db) == [
        (main.id, *JAN, 1234.5, "kWh", 1234.5, 99.9, "USD", 0),
        (main.id, *FEB, 0.25, "kWh", 0.25, 0.05, "USD", 0),
    ]


def test_decimal_comma_with_dot_thousands(db, main, tmp_path) -> None:
    text = "meter;start;end;quantity;cost\nMain;2025-01-01;2025-01-31;1.234.567,5;12.345,67\n"
    path = _write(tmp_path, "eu-numbers.csv", text)

    result = import_readings(db, path, ImportOptions(decimal=",", thousands="."))

    _imported(result, rows=1, inserted=1)
    assert _stored(db) == [(main.id, *JAN, 1234567.5, "kWh", 1234567.5, 12345.67, "USD", 0)]


def test_thousands_separators(db, main, tmp_path) -> None:
    text = (
        "meter,start,end,quantity,cost\n"
        'Main,2025-01-01,2025-01-31,"1,234,567.5","$12,345.67"\n'
        "Main,2025-02-01,2025-02-28,999,1\n"
    )
    path = _write(tmp_path, "thousands.csv", text)

    result = import_readings(db, path, ImportOptions(thousands=","))

    _imported(result, rows=2, inserted=2)
    assert _stored(db) == [
        (main.id, *JAN, 1234567.5, "kWh", 1234567.5, 12345.67, "USD", 0),
        (main.id, *FEB, 999.0, "kWh", 999.0, 1.0, "USD", 0),
    ]


def test_us_dates_and_two_digit_years(db, main, tmp_path) -> None:
    text = (
        "meter,start,end,quantity\n"
        "Main,7/2/2026,7/31/2026,10\n"  # 2 July (month first), end inclusive
        "Main,8/1/26,8/31/26,20\n"  # two-digit years
    )
    result = import_readings(db, _write(tmp_path, "us-dates.csv", text))

    _imported(result, rows=2, inserted=2)
    assert [r[1:4] for r in _stored(db)] == [
        (_utc("2026-07-02T00:00-07:00"), _utc("2026-08-01T00:00-07:00"), 10.0),
        (_utc("2026-08-01T00:00-07:00"), _utc("2026-09-01T00:00-07:00"), 20.0),
    ]


def test_dayfirst_reads_7_2_2026_as_7_february(db, main, tmp_path) -> None:
    text = "meter,start,end,quantity\nMain,7/2/2026,28/2/2026,10\n"
    path = _write(tmp_path, "day-first.csv", text)

    result = import_readings(db, path, ImportOptions(dayfirst=True))

    _imported(result, rows=1, inserted=1)
    assert [r[1:3] for r in _stored(db)] == [
        (_utc("2026-02-07T00:00-08:00"), _utc("2026-03-01T00:00-08:00"))
    ]


# --- daylight saving -------------------------------------------------------------------------


def _quarter_hours(first_utc: str, last_utc: str, change_utc: str, before: int, after: int):
    """(UTC start, local ISO text with offset) every 15 minutes in [first, last).

    The offset is ``before`` hours until ``change_utc`` and ``after`` from then on: written out
    by hand, not by the time-zone library the importer uses.
    """
    start = datetime.fromisoformat(first_utc)
    stop = datetime.fromisoformat(last_utc)
    change = datetime.fromisoformat(change_utc)
    out = []
    while start < stop:
        hours = before if start < change else after
        local = (start + timedelta(hours=hours)).replace(tzinfo=None)
        out.append((int(start.timestamp()), f"{local:%Y-%m-%dT%H:%M:%S}{hours:+03d}:00"))
        start += timedelta(minutes=15)
    return out


# New York, 2025-03-09: 00:00 EST (05:00Z) to 00:00 EDT next day (04:00Z): 23 h, 92 quarters.
SPRING = _quarter_hours(
    "2025-03-09T05:00+00:00", "2025-03-10T04:00+00:00", "2025-03-09T07:00+00:00", -5, -4
)
# New York, 2025-11-02: 00:00 EDT (04:00Z) to 00:00 EST next day (05:00Z): 25 h, 100 quarters.
FALL = _quarter_hours(
    "2025-11-02T04:00+00:00", "2025-11-03T05:00+00:00", "2025-11-02T06:00+00:00", -4, -5
)


def _per_local_day(starts: list[int]) -> dict[str, int]:
    days: dict[str, int] = {}
    for start in starts:
        day = datetime.fromtimestamp(start, UTC).astimezone(NEW_YORK).date().isoformat()
        days[day] = days.get(day, 0) + 1
    return days


def _assert_contiguous(rows: list[tuple[int, int]]) -> None:
    for (start, end), (next_start, _) in itertools.pairwise(rows):
        assert end - start == 900
        assert next_start > start
    assert rows[-1][1] - rows[-1][0] == 900


def test_iso_offsets_across_dst_changes(db, ny_meter, tmp_path) -> None:
    assert (len(SPRING), len(FALL)) == (92, 100)
    assert SPRING[8][1] == "2025-03-09T03:00:00-04:00"  # 02:00-02:59 does not exist
    assert [t for _, t in FALL[4:12]] == [
        "2025-11-02T01:00:00-04:00", "2025-11-02T01:15:00-04:00",
        "2025-11-02T01:30:00-04:00", "2025-11-02T01:45:00-04:00",
        "2025-11-02T01:00:00-05:00", "2025-11-02T01:15:00-05:00",
        "2025-11-02T01:30:00-05:00", "2025-11-02T01:45:00-05:00",
    ]  # fmt: skip
    lines = [f"NY Main,{text},0.25" for _, text in SPRING + FALL]
    path = _write(tmp_path, "ny-dst.csv", "meter,timestamp,kWh\n" + "\n".join(lines) + "\n")

    result = import_readings(db, path, ImportOptions(interval_minutes=15))

    _imported(result, rows=192, inserted=192)
    rows = db.execute("SELECT start_utc, end_utc FROM readings ORDER BY start_utc").fetchall()
    assert [s for s, _ in rows] == [s for s, _ in SPRING + FALL]
    _assert_contiguous(rows[:92])
    _assert_contiguous(rows[92:])
    assert rows[91][1] == _utc("2025-03-10T00:00-04:00")  # the spring day ends at midnight EDT
    assert rows[-1][1] == _utc("2025-11-03T00:00-05:00")
    assert _per_local_day([s for s, _ in rows]) == {"2025-03-09": 92, "2025-11-02": 100}
    assert db.execute("SELECT sum(quantity) FROM readings").fetchone()[0] == pytest.approx(48.0)
    _assert_rollups_match_rebuild(db)


def test_local_wall_times_across_dst_changes(db, ny_meter, tmp_path) -> None:
    """Without offsets: the repeated 01:00-01:45 of 2 November is inferred from the order."""
    lines = [f"NY Main,{text[:16].replace('T', ' ')},0.25" for _, text in SPRING + FALL]
    assert lines[96] == lines[100] == "NY Main,2025-11-02 01:00,0.25"  # the hour repeats
    path = _write(tmp_path, "ny-wall.csv", "meter,timestamp,kWh\n" + "\n".join(lines) + "\n")

    result = import_readings(db, path, ImportOptions(interval_minutes=15))

    _imported(result, rows=192, inserted=192)
    rows = db.execute("SELECT start_utc, end_utc FROM readings ORDER BY start_utc").fetchall()
    assert [s for s, _ in rows] == [s for s, _ in SPRING + FALL]
    _assert_contiguous(rows[:92])
    _assert_contiguous(rows[92:])
    assert _per_local_day([s for s, _ in rows]) == {"2025-03-09": 92, "2025-11-02": 100}


# --- timestamps, mapping, meters -------------------------------------------------------------


def test_timestamp_plus_interval(db, main, tmp_path) -> None:
    text = "meter,timestamp,quantity\nMain,2025-01-01 00:00,1.5\nMain,2025-01-01 00:15,2.5\n"
    path = _write(tmp_path, "interval.csv", text)

    result = import_readings(db, path, ImportOptions(interval_minutes=15))

    _imported(result, rows=2, inserted=2)
    t0 = _utc("2025-01-01T00:00-08:00")
    assert [r[1:4] for r in _stored(db)] == [(t0, t0 + 900, 1.5), (t0 + 900, t0 + 1800, 2.5)]


def test_timestamp_is_end(db, main, tmp_path) -> None:
    text = "meter,timestamp,quantity\nMain,2025-01-01 00:15,1.5\nMain,2025-01-01 00:30,2.5\n"
    path = _write(tmp_path, "interval-end.csv", text)

    result = import_readings(db, path, ImportOptions(interval_minutes=15, timestamp_is_end=True))

    _imported(result, rows=2, inserted=2)
    t0 = _utc("2025-01-01T00:00-08:00")
    assert [r[1:4] for r in _stored(db)] == [(t0, t0 + 900, 1.5), (t0 + 900, t0 + 1800, 2.5)]


def test_columns_mapped_by_option(db, main, tmp_path) -> None:
    text = "Site,From Date,To Date,kWh delivered,Bill Total\nMain,2025-01-01,2025-01-31,321,45.5\n"
    options = ImportOptions(
        columns={
            "meter": "Site",
            "start": "From Date",
            "end": "To Date",
            "quantity": "kWh delivered",
            "cost": "bill total",  # case and spacing are ignored
        }
    )
    result = import_readings(db, _write(tmp_path, "mapped.csv", text), options)

    _imported(result, rows=1, inserted=1)
    assert _stored(db) == [(main.id, *JAN, 321.0, "kWh", 321.0, 45.5, "USD", 0)]


def test_meter_option_puts_every_row_on_one_meter(db, main, chiller, tmp_path) -> None:
    text = (
        "meter,start,end,quantity\n"
        "Chiller,2025-01-01,2025-01-31,1\n"
        "whatever,2025-02-01,2025-02-28,2\n"
    )
    path = _write(tmp_path, "one-meter.csv", text)

    result = import_readings(db, path, ImportOptions(meter="Main"))

    _imported(result, rows=2, inserted=2)
    assert [(r[0], r[3]) for r in _stored(db)] == [(main.id, 1.0), (main.id, 2.0)]


def test_meter_option_without_a_meter_column(db, main, tmp_path) -> None:
    path = _write(tmp_path, "no-meter.csv", "start,end,quantity\n2025-01-01,2025-01-31,7\n")

    result = import_readings(db, path, ImportOptions(meter=str(main.id)))

    _imported(result, rows=1, inserted=1)
    assert _stored(db) == [(main.id, *JAN, 7.0, "kWh", 7.0, None, None, 0)]


def test_meter_map(db, main, chiller, tmp_path) -> None:
    text = (
        "meter,start,end,quantity\n"
        "ACCT-100,2025-01-01,2025-01-31,1\n"
        "ACCT-200,2025-01-01,2025-01-31,2\n"
    )
    options = ImportOptions(meter_map={"ACCT-100": "Main", "ACCT-200": "Chiller"})

    result = import_readings(db, _write(tmp_path, "mapped-meters.csv", text), options)

    _imported(result, rows=2, inserted=2)
    assert [(r[0], r[3]) for r in _stored(db)] == [(main.id, 1.0), (chiller.id, 2.0)]


def test_create_meters(db, us_hospital, tmp_path) -> None:
    text = (
        "meter,start,end,quantity\n"
        "Boiler House,2025-01-01,2025-01-31,5\n"
        "Annex,2025-01-01,2025-01-31,6\n"
    )
    options = ImportOptions(create_meters=True, facility="St Example", commodity="electricity")

    result = import_readings(db, _write(tmp_path, "new-meters.csv", text), options)

    _imported(result, rows=2, inserted=2)
    assert result.meters_created == ["Annex", "Boiler House"]
    meters = db.execute(
        "SELECT name, facility_id, commodity, unit FROM meters ORDER BY name"
    ).fetchall()
    assert meters == [
        ("Annex", us_hospital.id, "electricity", "kWh"),
        ("Boiler House", us_hospital.id, "electricity", "kWh"),
    ]
    by_name = dict(db.execute("SELECT name, id FROM meters").fetchall())
    assert sorted((r[3], r[0]) for r in _stored(db)) == [
        (5.0, by_name["Boiler House"]),
        (6.0, by_name["Annex"]),
    ]
    _assert_rollups_match_rebuild(db)


@pytest.mark.parametrize(
    "options",
    [
        {"create_meters": True},
        {"create_meters": True, "facility": "St Example"},
        {"create_meters": True, "commodity": "electricity"},
    ],
    ids=["neither", "no-commodity", "no-facility"],
)
def test_create_meters_needs_facility_and_commodity(db, us_hospital, tmp_path, options) -> None:
    before = _state(db)
    path = _write(tmp_path, "new.csv", "meter,start,end,quantity\nAnnex,2025-01-01,2025-01-31,6\n")

    with pytest.raises(InputError) as caught:
        import_readings(db, path, ImportOptions(**options))

    assert str(caught.value) == (
        "--create-meters needs --facility and --commodity to know where the new meter 'Annex' "
        "belongs and what it measures"
    )
    assert _state(db) == before
    assert not db.conn.in_transaction


def test_net_metering_meter_takes_negative_readings(db, us_hospital, tmp_path) -> None:
    solar = services.add_meter(
        db, facility=us_hospital.id, name="Solar", commodity="electricity", net_metering=True
    )
    path = _write(
        tmp_path, "export.csv", "meter,start,end,quantity\nSolar,2025-01-01,2025-01-31,-50\n"
    )

    result = import_readings(db, path)

    _imported(result, rows=1, inserted=1)
    assert _stored(db) == [(solar.id, *JAN, -50.0, "kWh", -50.0, None, None, 0)]


# --- register reads ----------------------------------------------------------------------------


def test_cumulative_register_reads(db, main, tmp_path) -> None:
    text = (
        "meter,end,reading\n"
        "Main,2025-01-31 00:00,1000\n"  # the first read: no usage before it
        "Main,2025-02-28 00:00,1500\n"
        "Main,2025-03-31 00:00,1800\n"
        "Main,2025-04-30 00:00,100\n"  # lower: the register was reset
    )
    path = _write(tmp_path, "register.csv", text)

    result = import_readings(db, path, ImportOptions(cumulative=True))

    assert result.status == "imported" and result.error_count == 0
    assert (result.rows_read, result.inserted) == (4, 3)
    assert _stored(db) == [
        (main.id, _utc("2025-01-31T00:00-08:00"), _utc("2025-02-28T00:00-08:00"), 500.0,
         "kWh", 500.0, None, None, 0),
        (main.id, _utc("2025-02-28T00:00-08:00"), _utc("2025-03-31T00:00-07:00"), 300.0,
         "kWh", 300.0, None, None, 0),
        (main.id, _utc("2025-03-31T00:00-07:00"), _utc("2025-04-30T00:00-07:00"), 100.0,
         "kWh", 100.0, None, None, 0),
    ]  # fmt: skip
    assert result.warning_count == 1
    assert _texts(result, "warnings") == [
        "register.csv, line 5, reading '100': warning: register went down: taken as a meter reset"
    ]
    _assert_rollups_match_rebuild(db)


def test_cumulative_register_reads_on_dates(db, main, tmp_path) -> None:
    """Read dates without a time: each usage period must start where the previous one ended."""
    text = (
        "meter,read date,reading\n"
        "Main,2025-01-31,1000\n"
        "Main,2025-02-28,1500\n"
        "Main,2025-03-31,1800\n"
    )
    path = _write(tmp_path, "register-dates.csv", text)

    result = import_readings(db, path, ImportOptions(cumulative=True))

    assert _texts(result) == []
    assert (result.status, result.rows_read, result.inserted) == ("imported", 3, 2)
    rows = db.execute("SELECT start_utc, end_utc, quantity FROM readings ORDER BY start_utc")
    rows = rows.fetchall()
    assert [q for _, _, q in rows] == [500.0, 300.0]
    assert rows[0][1] == rows[1][0]  # contiguous: no overlap, no gap


# --- cost, currency, estimates -----------------------------------------------------------------


def test_cost_currency_defaults_to_the_facility_country(db, main, tmp_path) -> None:
    gb = services.add_facility(db, name="St Thomas Test", country="GB", timezone="Europe/London")
    london = services.add_meter(
        db, facility=gb.id, name="London", commodity="electricity", unit="kWh"
    )
    text = (
        "meter,start,end,quantity,cost,currency\n"
        "Main,2025-01-01,2025-01-31,1,10,\n"
        "London,2025-01-01,2025-01-31,2,20,\n"
        "Main,2025-02-01,2025-02-28,3,30,cad\n"
        "London,2025-02-01,2025-02-28,4,,\n"
    )
    result = import_readings(db, _write(tmp_path, "costs.csv", text))

    _imported(result, rows=4, inserted=4)
    assert db.execute(
        "SELECT meter_id, quantity, cost, currency FROM readings ORDER BY meter_id, start_utc"
    ).fetchall() == [
        (main.id, 1.0, 10.0, "USD"),
        (main.id, 3.0, 30.0, "CAD"),
        (london.id, 2.0, 20.0, "GBP"),
        (london.id, 4.0, None, None),
    ]
    _assert_rollups_match_rebuild(db)


def test_estimated_flags(db, main, tmp_path) -> None:
    text = (
        "meter,start,end,quantity,estimated\n"
        "Main,2025-01-01,2025-01-31,1,E\n"
        "Main,2025-02-01,2025-02-28,2,A\n"
        "Main,2025-03-01,2025-03-31,3,yes\n"
        "Main,2025-04-01,2025-04-30,4,\n"
        "Main,2025-05-01,2025-05-31,5,true\n"
        "Main,2025-06-01,2025-06-30,6,0\n"
    )
    result = import_readings(db, _write(tmp_path, "estimates.csv", text))

    _imported(result, rows=6, inserted=6)
    assert db.execute("SELECT quantity, estimated FROM readings ORDER BY start_utc").fetchall() == [
        (1.0, 1), (2.0, 0), (3.0, 1), (4.0, 0), (5.0, 1), (6.0, 0),
    ]  # fmt: skip
    assert db.execute("SELECT sum(estimated_canonical) FROM reading_months").fetchone()[0] == 9.0


# --- importing again, overlaps, replace, undo, dry run ----------------------------------------


def test_same_file_twice_is_already_imported(db, main, tmp_path) -> None:
    path = _write(tmp_path, "bills.csv", BILLS)
    first = import_readings(db, path)
    _imported(first, rows=2, inserted=2)
    before = _state(db)

    second = import_readings(db, path)

    assert (second.status, second.batch_id, second.inserted, second.rows_read) == (
        "already imported",
        first.batch_id,
        0,
        0,
    )
    assert second.ok
    assert _state(db) == before


def test_same_rows_in_another_file_are_unchanged(db, main, tmp_path) -> None:
    import_readings(db, _write(tmp_path, "bills.csv", BILLS))
    before = _state(db)
    # Same readings, different bytes: CRLF line ends and the unit spelled differently.
    again = BILLS.replace(",kWh,", ",kwh,").replace("\n", "\r\n")
    path = _write(tmp_path, "bills-again.csv", again)

    result = import_readings(db, path)

    assert (result.status, result.rows_read, result.inserted, result.unchanged) == (
        "nothing to import",
        2,
        0,
        2,
    )
    assert result.batch_id is None and result.errors == []
    assert _state(db) == before


def test_overlap_with_different_stored_values_fails(db, main, tmp_path) -> None:
    import_readings(db, _write(tmp_path, "bills.csv", BILLS))
    before = _state(db)
    text = (
        "meter,start,end,quantity\n"
        "Main,2025-01-01,2025-01-31,1000\n"  # identical: unchanged
        "Main,2025-02-01,2025-02-28,950\n"  # different from stored reading 2
        "Main,2025-03-01,2025-03-31,800\n"  # new
    )
    path = _write(tmp_path, "corrected.csv", text)

    result = import_readings(db, path)

    assert (result.status, result.inserted, result.error_count) == ("failed", 0, 1)
    assert _texts(result) == [
        "corrected.csv, line 3, start: differs from the stored reading 2025-02-01 to 2025-02-28 "
        "(quantity 900 -> 950); "
        "use --replace to replace it"
    ]
    assert not result.ok
    assert _state(db) == before


@pytest.mark.parametrize(
    ("row", "differs"),
    [
        ("Main,2025-01-01,2025-01-31,1000.001,kWh,150.50,USD,no", "quantity 1000 -> 1000.001"),
        ("Main,2025-01-01,2025-01-31,1000,kWh,105.50,USD,no", "cost 150.5 -> 105.5"),
        ("Main,2025-01-01,2025-01-31,1000,kWh,150.50,EUR,no", "currency USD -> EUR"),
        ("Main,2025-01-01,2025-01-31,1000,kWh,150.50,USD,yes", "estimated no -> yes"),
    ],
)
def test_a_corrected_bill_is_not_counted_unchanged(db, main, tmp_path, row, differs) -> None:
    """Only quantity (to 1 part in 100,000) and unit were compared: a file correcting a bill's
    usage by a little, its cost or its estimated flag was "nothing to import" and the correction
    was lost without a word. Every field the file gives is compared exactly."""
    import_readings(db, _write(tmp_path, "bills.csv", BILLS))
    before = _state(db)
    path = _write(
        tmp_path, "fixed.csv", f"meter,start,end,quantity,unit,cost,currency,estimated\n{row}\n"
    )

    result = import_readings(db, path)

    assert (result.status, result.inserted, result.unchanged) == ("failed", 0, 0)
    assert _texts(result) == [
        f"fixed.csv, line 2, start: differs from the stored reading 2025-01-01 to 2025-01-31 "
        f"({differs}); use --replace to replace it"
    ]
    assert _state(db) == before
    replaced = import_readings(db, path, ImportOptions(replace=True))
    assert (replaced.status, replaced.replaced, replaced.inserted) == ("imported", 1, 1)


def test_a_file_without_cost_or_flag_columns_matches_on_what_it_gives(db, main, tmp_path) -> None:
    import_readings(db, _write(tmp_path, "bills.csv", BILLS))
    text = "meter,start,end,quantity,cost\nMain,2025-01-01,2025-01-31,1000,\n"  # a blank cost
    path = _write(tmp_path, "usage.csv", text)
    result = import_readings(db, path)
    assert (result.status, result.unchanged) == ("nothing to import", 1)
    assert db.execute("SELECT cost FROM readings WHERE id = 1").fetchone()[0] == 150.5


def test_replace_then_undo_restores_the_originals(db, main, tmp_path) -> None:
    first = import_readings(db, _write(tmp_path, "bills.csv", BILLS))
    originals = _all_readings(db)
    original_months = db.execute("SELECT * FROM reading_months ORDER BY month").fetchall()
    text = (
        "meter,start,end,quantity,cost\n"
        "Main,2025-01-01,2025-01-31,1000,150.50\n"  # identical: unchanged
        "Main,2025-02-01,2025-02-28,950,140\n"  # replaces stored reading 2
        "Main,2025-03-01,2025-03-31,800,\n"  # new
    )
    path = _write(tmp_path, "corrected.csv", text)

    result = import_readings(db, path, ImportOptions(replace=True))

    _imported(result, rows=3, inserted=2, unchanged=1, replaced=1)
    assert result.batch_id == first.batch_id + 1
    assert _stored(db) == [
        (main.id, *JAN, 1000.0, "kWh", 1000.0, 150.5, "USD", 0),
        (main.id, *FEB, 950.0, "kWh", 950.0, 140.0, "USD", 0),
        (main.id, *MAR, 800.0, "kWh", 800.0, None, None, 0),
    ]
    deleted = db.execute(
        "SELECT row_id, before, source FROM audit_log "
        "WHERE table_name = 'readings' AND action = 'delete'"
    ).fetchall()
    assert len(deleted) == 1
    row_id, before_json, source = deleted[0]
    assert (row_id, source) == (2, f"import:{result.batch_id}")
    columns = [d[0] for d in db.execute("SELECT * FROM readings LIMIT 0").description]
    assert json.loads(before_json) == dict(zip(columns, originals[1], strict=True))
    _assert_rollups_match_rebuild(db)

    done = undo(db, result.batch_id)

    assert done == {"removed": 2, "restored": 1}
    assert _all_readings(db) == originals
    _assert_months(db, original_months)
    _assert_rollups_match_rebuild(db)
    status = db.execute("SELECT id, status FROM import_batches ORDER BY id").fetchall()
    assert status == [(first.batch_id, "active"), (result.batch_id, "undone")]


def _assert_months(db: Database, expected: list[tuple]) -> None:
    have = db.execute("SELECT * FROM reading_months ORDER BY month").fetchall()
    assert [r[:4] for r in have] == [r[:4] for r in expected]
    for got, want in zip(have, expected, strict=True):
        assert got[4:] == pytest.approx(want[4:], abs=1e-6)


def test_undo_then_import_again(db, main, tmp_path) -> None:
    path = _write(tmp_path, "bills.csv", BILLS)
    empty = _all_readings(db)
    first = import_readings(db, path)

    assert undo(db, first.batch_id) == {"removed": 2, "restored": 0}

    assert _all_readings(db) == empty
    assert db.execute("SELECT count(*) FROM reading_months").fetchone()[0] == 0
    _assert_rollups_match_rebuild(db)
    again = import_readings(db, path)  # an undone batch no longer counts as imported
    _imported(again, rows=2, inserted=2)
    assert again.batch_id == first.batch_id + 1
    _assert_rollups_match_rebuild(db)


def test_undo_of_a_batch_whose_rows_were_replaced_again(db, main, tmp_path) -> None:
    """A imports February, B replaces it, C replaces B's row; then B is undone.

    Putting A's row back beside C's would store two readings for one period. Undo must either
    refuse with a clear greencare error (database untouched) or leave no overlapping readings.
    """

    def bill(name: str, quantity: int, **options) -> ImportResult:
        text = f"meter,start,end,quantity\nMain,2025-02-01,2025-02-28,{quantity}\n"
        return import_readings(db, _write(tmp_path, name, text), ImportOptions(**options))

    bill("a.csv", 900)
    b = bill("b.csv", 950, replace=True)
    c = bill("c.csv", 975, replace=True)
    assert (b.replaced, c.replaced) == (1, 1)
    before = _state(db)

    try:
        undo(db, b.batch_id)
    except GreencareError:
        assert _state(db) == before
        return
    stored = _stored(db)
    for first, second in itertools.pairwise(stored):
        assert first[2] <= second[1], stored  # no two readings share any time
    assert [r[3] for r in stored] == [975.0]
    _assert_rollups_match_rebuild(db)


def test_dry_run_counts_but_writes_nothing(db, main, tmp_path) -> None:
    import_readings(db, _write(tmp_path, "bills.csv", BILLS))
    before = _state(db)
    text = (
        "meter,start,end,quantity\n"
        "Main,2025-01-01,2025-01-31,1000\n"
        "Main,2025-02-01,2025-02-28,950\n"
        "Main,2025-03-01,2025-03-31,800\n"
        "Main,2025-04-01,2025-04-30,700\n"
    )
    path = _write(tmp_path, "next.csv", text)

    plain = import_readings(db, path, ImportOptions(dry_run=True, replace=True))

    assert plain.status == "dry run" and plain.ok
    assert (plain.rows_read, plain.inserted, plain.unchanged, plain.replaced) == (4, 3, 1, 1)
    assert plain.batch_id is None and plain.errors == []
    assert _state(db) == before
    _assert_rollups_match_rebuild(db)


# --- warnings ----------------------------------------------------------------------------------


def test_value_far_above_the_meters_history_is_refused(db, main, tmp_path) -> None:
    for start, end in (("2025-05-01", "2025-05-31"), ("2025-06-01", "2025-06-30"),
                       ("2025-07-01", "2025-07-31")):  # fmt: skip
        services.add_reading(db, meter="Main", start=start, end=end, quantity=1000)
    # Usual daily use: median of 1000/31, 1000/30, 1000/31 = 1000/31 kWh a day. August (31
    # days) at 1,000,000 kWh is 1000 times that: kWh typed where the bill said MWh.
    # The value is quoted as the file wrote it, 1000000 (it was shown as '1e+06').
    text = "meter,start,end,quantity\nMain,2025-08-01,2025-08-31,1000000\n"
    before = _state(db)
    result = import_readings(db, _write(tmp_path, "slip.csv", text))

    assert result.status == "failed" and result.inserted == 0
    assert _texts(result) == [
        "slip.csv, line 2, quantity '1000000': 1,000,000 kWh is 1,000.0 x this meter's usual "
        "daily use (refused at 500 x); a unit slip (kg vs tonnes, kWh vs MWh)?; refused as "
        "implausible (--accept-outlier records it)"
    ]
    assert _state(db) == before

    accepted = import_readings(
        db, _write(tmp_path, "slip.csv", text), ImportOptions(accept_outlier=True)
    )
    _imported(accepted, rows=1, inserted=1)
    assert _texts(accepted, "warnings") == [
        "slip.csv, line 2, quantity '1000000': warning: 1,000,000 kWh is 1,000.0 x this meter's "
        "usual daily use (refused at 500 x); a unit slip (kg vs tonnes, kWh vs MWh)?; "
        "accepted with --accept-outlier"
    ]
    flags = services.outlier_flags(db, "readings", _all_readings(db)[-1][0])
    assert [(f["rule"], f["level"], f["month"], f["batch_id"]) for f in flags] == [
        ("history", "refusal", "2025-08", accepted.batch_id)
    ]


def test_value_in_the_warning_band_is_stored_and_flagged(db, main, tmp_path) -> None:
    for start, end in (("2025-05-01", "2025-05-31"), ("2025-06-01", "2025-06-30"),
                       ("2025-07-01", "2025-07-31")):  # fmt: skip
        services.add_reading(db, meter="Main", start=start, end=end, quantity=1000)
    text = "meter,start,end,quantity\nMain,2025-08-01,2025-08-31,50000\n"  # 50 x usual
    result = import_readings(db, _write(tmp_path, "odd.csv", text))

    _imported(result, rows=1, inserted=1)
    assert _texts(result, "warnings") == [
        "odd.csv, line 2, quantity '50000': warning: 50.0 x this meter's usual daily use; "
        "a unit slip (kg vs tonnes, kWh vs MWh)?"
    ]
    flags = db.execute("SELECT rule, level, month, source FROM accepted_outliers").fetchall()
    assert flags == [("history", "warning", "2025-08", f"import:{result.batch_id}")]
    undo(db, result.batch_id)  # the flag goes with the reading it describes
    assert services.outlier_flags(db, "readings", 4) == []


def test_first_bill_implying_an_impossible_site_eui_is_refused(db, main, tmp_path) -> None:
    # St Example is 350,000 ft2 and the meter has no history: 500,000,000 kWh in January is
    # 500e6 x 365.25 / 31 x 3.412 / 350,000 = 57,430 kBtu/ft2/yr, far above any hospital.
    text = "meter,start,end,quantity\nMain,2025-01-01,2025-01-31,500000000\n"
    before = _state(db)
    result = import_readings(db, _write(tmp_path, "eui.csv", text))

    assert result.status == "failed"
    assert _texts(result) == [
        "eui.csv, line 2, quantity '500000000': 500,000,000 kWh over 31 days implies a site EUI of "
        "57,430 kBtu/ft2/yr at St Example (350,000 ft2); US hospitals' median is 234.3 "
        "(ENERGY STAR Portfolio Manager), refused above 2,343; refused as implausible "
        "(--accept-outlier records it)"
    ]
    assert _state(db) == before


def test_slip_inside_an_interval_file_is_refused_and_skip_keeps_the_rest(
    db, main, tmp_path
) -> None:
    lines = ["meter,start,end,quantity"]
    for i in range(96):  # one day of 15-minute reads around 100 kWh
        t = datetime(2025, 3, 3, tzinfo=UTC) + timedelta(minutes=15 * i)
        q = (100 + i % 7) * (1000 if i == 40 else 1)  # line 42: Wh read as kWh
        lines.append(
            f"Main,{t:%Y-%m-%dT%H:%M:%SZ},{t + timedelta(minutes=15):%Y-%m-%dT%H:%M:%SZ},{q}"
        )
    path = _write(tmp_path, "intervals.csv", "\n".join(lines) + "\n")
    before = _state(db)
    stopped = import_readings(db, path)
    assert stopped.status == "failed" and stopped.error_count == 1
    assert stopped.errors[0].line == 42
    assert stopped.errors[0].reason.startswith(
        "105,000 kWh is 1,019.4 x this meter's usual daily use (refused at 500 x)"
    )
    assert _state(db) == before

    skipped = import_readings(db, path, ImportOptions(on_error="skip"))
    _imported_skip = (skipped.status, skipped.inserted, skipped.rejected)
    assert _imported_skip == ("imported", 95, 1)
    assert db.execute("SELECT max(quantity) FROM readings").fetchone()[0] == 106


def test_gap_between_bills_is_warned(db, main, tmp_path) -> None:
    text = (
        "meter,start,end,quantity\n"
        "Main,2025-01-01,2025-01-31,100\n"
        "Main,2025-02-05,2025-02-28,90\n"  # 1-4 February missing: 96 hours
        "Main,2025-03-01,2025-03-31,100\n"
    )
    result = import_readings(db, _write(tmp_path, "gap.csv", text))

    _imported(result, rows=3, inserted=3)
    assert result.warning_count == 1
    assert _texts(result, "warnings") == [
        "gap.csv, line 3, start: warning: gap of 96.00 h before this reading"
    ]


@pytest.mark.parametrize("chunk_rows", [97, 98, 99, 100, 101, 102])
def test_a_chunk_boundary_inside_the_repeated_hour(db, ny_meter, tmp_path, chunk_rows) -> None:
    """The repeated 01:00-01:45 (lines 97-104 of the rows) is read whole even when a chunk ends
    inside it: the tail of a chunk of local times waits for the next chunk."""
    lines = [f"NY Main,{text[:16].replace('T', ' ')},0.25" for _, text in SPRING + FALL]
    path = _write(tmp_path, "ny-wall.csv", "meter,timestamp,kWh\n" + "\n".join(lines) + "\n")

    result = import_readings(db, path, ImportOptions(interval_minutes=15, chunk_rows=chunk_rows))

    _imported(result, rows=192, inserted=192)
    rows = db.execute("SELECT start_utc FROM readings ORDER BY start_utc").fetchall()
    assert [s for (s,) in rows] == [s for s, _ in SPRING + FALL]


@pytest.mark.parametrize("chunk_rows", [197, 199, 201])  # ends inside the chiller's repeat
def test_repeated_hour_of_the_second_meter_in_a_file_of_one_meter_after_another(
    db, ny_meter, tmp_path, chunk_rows
) -> None:
    """Meter after meter: the chunk ending in the second meter's repeated hour holds its tail
    even though the first meter's rows in the same chunk are later in the year."""
    services.add_meter(
        db, facility=ny_meter.facility_id, name="NY Chiller", commodity="electricity", unit="kWh"
    )
    first = [f"NY Main,{t[:16].replace('T', ' ')},0.25" for _, t in FALL]
    second = [f"NY Chiller,{t[:16].replace('T', ' ')},0.5" for _, t in SPRING + FALL]
    path = _write(
        tmp_path, "blocked.csv", "meter,timestamp,kWh\n" + "\n".join(first + second) + "\n"
    )

    assert second[96] == second[100]  # the chiller's repeated 01:00: data rows 197 and 201

    result = import_readings(db, path, ImportOptions(interval_minutes=15, chunk_rows=chunk_rows))

    _imported(result, rows=len(first) + len(second), inserted=len(first) + len(second))
    chiller = db.execute(
        "SELECT r.start_utc FROM readings r JOIN meters m ON m.id = r.meter_id "
        "WHERE m.name = 'NY Chiller' ORDER BY r.start_utc"
    ).fetchall()
    assert [s for (s,) in chiller] == [s for s, _ in SPRING + FALL]
