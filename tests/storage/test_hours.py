"""reading_hours: kept current by imports, edits, deletes and undos; checked by greencare check."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.models import Facility
from greencare.importers.base import ImportOptions
from greencare.services import imports
from greencare.storage import hours, rollups

START = 1735718400  # 2025-01-01T00:00-08:00 (St Example is in Los Angeles)


@pytest.fixture
def power(db: Database, us_hospital: Facility) -> None:
    services.add_meter(db, facility=us_hospital.id, name="Power", commodity="electricity",
                       unit="kWh")  # fmt: skip


def _csv(path: Path, first: int, values: list[float]) -> Path:
    lines = ["meter,start,end,quantity,unit"]
    for i, value in enumerate(values):
        start = first + 900 * i
        lines.append(f"Power,{_iso(start)},{_iso(start + 900)},{value!r},kWh")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _import(db: Database, path: Path, *, replace: bool = False) -> imports.ImportResult:
    options = ImportOptions(format="csv", replace=replace, chunk_rows=300, decimal=".")
    result = imports.import_readings(db, path, options)
    assert result.status == "imported", result.as_dict()
    return result


def _table(db: Database) -> list[tuple]:
    return db.execute("SELECT * FROM reading_hours ORDER BY meter_id, hour_utc").fetchall()


def test_import_fills_the_hours(db: Database, power: None, tmp_path: Path) -> None:
    # 8 quarter hours from 00:00 local: 1, 2, 3, 4 then 5, 6, 7, 20 kWh. Hour 0: 10 kWh,
    # peak 4 kWh / 0.25 h = 16 kW at 00:45; hour 1: 38 kWh, peak 80 kW at 01:45.
    _import(db, _csv(tmp_path / "a.csv", START, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 20.0]))
    rows = hours.read(db, 1)
    assert rows["hour_utc"].tolist() == [START, START + 3600]
    assert rows["quantity_canonical"].tolist() == [10.0, 38.0]
    assert rows["seconds"].tolist() == [3600.0, 3600.0]
    assert rows["peak_rate"].tolist() == [16.0, 80.0]
    assert rows["peak_start_utc"].tolist() == [START + 2700, START + 3600 + 2700]
    assert rows["readings"].tolist() == [4, 4]
    assert rollups.differences(db) == []


def test_imports_appended_in_pieces_equal_a_rebuild(
    db: Database, power: None, tmp_path: Path
) -> None:
    rng = random.Random(7)
    values = [round(rng.uniform(0.1, 99.9), 3) for _ in range(3000)]
    # the second file starts mid-hour (reading 1,001 is at 10:15): its first hour is folded
    # onto the stored one
    _import(db, _csv(tmp_path / "a.csv", START, values[:1001]))
    _import(db, _csv(tmp_path / "b.csv", START + 900 * 1001, values[1001:]))
    maintained = _table(db)
    assert len(maintained) == 750
    assert hours.differences(db) == []
    hours.rebuild(db)
    assert _table(db) == maintained  # bit for bit


def test_chunked_appends_of_many_meters_in_three_zones_equal_a_rebuild(
    db: Database, us_hospital: Facility, tmp_path: Path
) -> None:
    """Six meters in Los Angeles, Kathmandu (UTC+05:45), London and Lord Howe Island (whose
    clocks go back half an hour), listed by time as a meter data export has them (every chunk
    holds all six), 20-minute readings from :07 past (one in three crosses an hour), over 30
    days with the four zones' clock changes (9 March, 30 March, 6 April 2025), imported as three
    appended files in chunks of 500 rows: every stored float equals a rebuild's."""
    names = []
    zones = ["Asia/Kathmandu", "Europe/London", "Australia/Lord_Howe"]
    for zone in zones:
        services.add_facility(db, name=zone, country="GB", timezone=zone)
    for k, facility in enumerate(["St Example", *zones, "St Example", zones[2]]):
        names.append(f"M{k}")
        services.add_meter(db, facility=facility, name=names[-1], commodity="electricity",
                           unit="kWh")  # fmt: skip
    rng = random.Random(11)
    first = 1741392000 + 420  # 2025-03-08 00:07 UTC
    count = 24 * 3 * 30  # 30 days of 20-minute readings a meter
    rows = [(i, name, round(rng.uniform(0.1, 99.9), 3)) for i in range(count) for name in names]
    cuts = [0, 6 * 401 + 3, 6 * 1002, len(rows)]  # file ends mid-hour, meters split at one
    for n, (a, b) in enumerate(itertools.pairwise(cuts)):
        lines = ["meter,start,end,quantity,unit"]
        for i, name, value in rows[a:b]:
            start = first + 1200 * i
            lines.append(f"{name},{_iso(start)},{_iso(start + 1200)},{value!r},kWh")
        path = tmp_path / f"{n}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        options = ImportOptions(format="csv", chunk_rows=500, decimal=".")
        assert imports.import_readings(db, path, options).status == "imported"
    maintained = _table(db)
    assert len({row[0] for row in maintained}) == 6 and len(maintained) > 6 * 30 * 24
    assert {row[1] % 3600 for row in maintained if row[0] == 2} == {900}  # hh:15 UTC
    lord_howe = [row[1] for row in maintained if row[0] in (4, 6)]  # UTC+11, then +10:30
    assert {h % 3600 for h in lord_howe if h < 1743861600} == {0}  # before 6 April 01:00
    assert {h % 3600 for h in lord_howe if h >= 1743865200} == {1800}  # after 02:00 +11
    assert hours.differences(db) == []
    hours.rebuild(db)
    assert _table(db) == maintained  # bit for bit


def test_edit_delete_and_undo_keep_the_hours(db: Database, power: None, tmp_path: Path) -> None:
    first = _import(db, _csv(tmp_path / "a.csv", START, [1.0] * 96))  # a day at 4 kW
    services.add_reading(db, meter="Power", start=_iso(START + 86400),
                         end=_iso(START + 86400 + 900), quantity=9.0)  # fmt: skip
    added = hours.read(db, 1, START + 86400)
    assert added["quantity_canonical"].tolist() == [9.0]
    reading_id = int(db.execute("SELECT max(id) FROM readings").fetchone()[0])
    services.update_reading(db, reading_id, quantity=3.0)
    assert hours.read(db, 1, START + 86400)["peak_rate"].tolist() == [12.0]
    services.delete_reading(db, reading_id)
    assert hours.read(db, 1, START + 86400).empty
    # replacing the first hour (4 readings) with one file of bigger values, then undoing it
    second = _import(db, _csv(tmp_path / "b.csv", START, [5.0] * 4), replace=True)
    assert hours.read(db, 1, START, START + 3600)["quantity_canonical"].tolist() == [20.0]
    assert rollups.differences(db) == []
    imports.undo(db, second.batch_id)
    assert hours.read(db, 1, START, START + 3600)["quantity_canonical"].tolist() == [4.0]
    imports.undo(db, first.batch_id)
    assert _table(db) == []
    assert rollups.differences(db) == []


def test_bills_do_not_enter_the_hours(db: Database, power: None) -> None:
    services.add_reading(db, meter="Power", start="2025-01-01", end="2025-01-31", quantity=900)
    assert _table(db) == []


def test_check_finds_a_damaged_hour_and_repairs_it(
    db: Database, power: None, tmp_path: Path
) -> None:
    _import(db, _csv(tmp_path / "a.csv", START, [1.0] * 8))
    assert services.check(db)["ok"]
    db.execute("UPDATE reading_hours SET quantity_canonical = 4.5 WHERE hour_utc = ?", [START])
    db.execute("DELETE FROM reading_hours WHERE hour_utc = ?", [START + 3600])
    result = services.check(db)
    assert not result["ok"]
    assert [(d["table"], d["month"], d["column"], d["stored"], d["expected"])
            for d in result["differences"]] == [
        ("reading_hours", "2025-01-01T08:00Z", "quantity_canonical", 4.5, 4.0),
        ("reading_hours", "2025-01-01T09:00Z", "quantity_canonical", None, 4.0),
    ]  # fmt: skip
    assert services.check(db, repair=True)["repaired"]
    assert services.check(db)["ok"]
    assert len(_table(db)) == 2


def test_migration_0010_rolls_up_stored_interval_readings(tmp_path: Path) -> None:
    from greencare.storage.db import open_db
    from greencare.storage.schema import migrations

    db = open_db(tmp_path / "old.db", migrate=False)
    try:
        migrations.apply(db, stop_before="0010_demand_and_reading_hours")
        db.execute("INSERT INTO facilities (name, kind, country, timezone) "
                   "VALUES ('H', 'hospital', 'US', 'America/New_York')")  # fmt: skip
        db.execute("INSERT INTO meters (facility_id, name, commodity, unit, canonical_unit, "
                   "delivery_class) VALUES (1, 'P', 'electricity', 'kWh', 'kWh', 'grid')")  # fmt: skip
        for i in range(6):
            db.execute("INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, "
                       "quantity_canonical) VALUES (1, ?, ?, 2, 'kWh', 2)",
                       [1736139600 + 900 * i, 1736139600 + 900 * (i + 1)])  # fmt: skip
        migrations.apply(db)
        got = db.execute("SELECT hour_utc, quantity_canonical FROM reading_hours").fetchall()
        assert got == [(1736139600, 8.0), (1736143200, 4.0)]  # 2025-01-06 00:00 EST
        assert "demand_kw" in db["readings"].columns_dict
    finally:
        db.close()


def test_read_gives_no_peak_where_no_reading_starts(db: Database, power: None) -> None:
    # one hourly reading 00:30-01:30 (10 kWh): hour 1 has half its energy and no peak of its own
    services.add_reading(db, meter="Power", start=_iso(START + 1800), end=_iso(START + 5400),
                         quantity=10)  # fmt: skip
    rows = hours.read(db, 1)
    assert rows["quantity_canonical"].tolist() == [5.0, 5.0]
    assert rows["peak_rate"].iloc[0] == 10.0 and rows["peak_rate"].isna().iloc[1]
    assert rows["peak_start_utc"].iloc[0] == START + 1800 and rows["peak_start_utc"].isna().iloc[1]
    assert rows["readings"].tolist() == [1, 0]
    assert str(rows["peak_start_utc"].dtype) == "Int64" and rows["hour_utc"].dtype == "int64"
    assert hours.read(db, 1, START + 7200).empty


def test_check_compares_hours_one_meter_at_a_time(
    db: Database, us_hospital: Facility, power: None, tmp_path: Path
) -> None:
    """``hours.differences`` holds one meter's readings and hours at a time (every read of
    ``readings`` and ``reading_hours`` is one meter's), and still finds a damaged hour of the
    second meter and hours kept for a meter whose readings are gone."""
    services.add_meter(db, facility=us_hospital.id, name="Chiller", commodity="electricity",
                       unit="kWh")  # fmt: skip
    _import(db, _csv(tmp_path / "a.csv", START, [1.0] * 8))
    text = _csv(tmp_path / "b.csv", START, [2.0] * 8).read_text(encoding="utf-8")
    (tmp_path / "b.csv").write_text(text.replace("Power,", "Chiller,"), encoding="utf-8")
    _import(db, tmp_path / "b.csv")
    assert hours.differences(db) == []
    db.execute("UPDATE reading_hours SET quantity_canonical = 9.5 WHERE meter_id = 2 "
               "AND hour_utc = ?", [START])  # fmt: skip
    stale = (1, START + 7200, 2.0, 900.0, 8.0, START + 7200)  # an hour without a reading
    db.execute("INSERT INTO reading_hours (meter_id, hour_utc, quantity_canonical, seconds, "
               "peak_rate, peak_start_utc) VALUES (?, ?, ?, ?, ?, ?)", stale)  # fmt: skip
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        found = hours.differences(db)
    finally:
        db.conn.set_trace_callback(None)
    assert [(d["meter_id"], d["month"], d["column"], d["stored"], d["expected"])
            for d in found] == [
        (1, "2025-01-01T10:00Z", "quantity_canonical", 2.0, None),
        (2, "2025-01-01T08:00Z", "quantity_canonical", 9.5, 8.0),
    ]  # fmt: skip
    reads = [s for s in statements if " FROM readings" in s or " FROM reading_hours" in s]
    assert reads and all("meter_id = " in s for s in reads), reads


def test_stored_in_blocks_as_computed(db: Database, power: None, us_hospital: Facility) -> None:
    """``store`` writes blocks of rows and a remainder; a missing peak is NULL; every value
    reads back as computed (253 hours: two blocks of 100 and 53 more, 2 meters interleaved)."""
    other = services.add_meter(db, facility=us_hospital.id, name="Other",
                               commodity="electricity", unit="kWh")  # fmt: skip
    n = 253
    frame = hours.compute(
        pd.DataFrame(
            {
                # meters interleaved, each in start order: split from one sort, first seen first
                "meter_id": [other.id if i % 2 else 1 for i in range(2 * n)],
                "start_utc": [START + 3600 * (i // 2) for i in range(2 * n)],
                "end_utc": [START + 3600 * (i // 2) + 900 for i in range(2 * n)],
                "quantity_canonical": [float(i % 7) for i in range(2 * n)],
                "estimated": [i % 3 == 0 for i in range(2 * n)],
            }
        ),
        {1: "America/Los_Angeles", int(other.id or 0): "America/Los_Angeles"},
    )
    assert frame["meter_id"].tolist()[:1] == [1] and len(frame) == 2 * n
    frame.loc[5, "peak_rate"] = float("nan")
    frame["peak_start_utc"] = frame["peak_start_utc"].astype("Int64")
    frame.loc[5, "peak_start_utc"] = None
    hours.store(db, frame)
    stored = db.execute(
        "SELECT meter_id, hour_utc, quantity_canonical, seconds, estimated_canonical, peak_rate, "
        "peak_start_utc, peak_seconds, readings FROM reading_hours ORDER BY meter_id, hour_utc"
    ).fetchall()
    want = sorted(
        tuple(None if pd.isna(v) else v for v in row)
        for row in frame[hours._COLUMNS].astype(object).itertuples(index=False, name=None)
    )
    assert stored == want
    assert stored[5][5] is None and stored[5][6] is None  # NULL, not NaN or 0
    assert all(type(r[1]) is int and type(r[2]) is float for r in stored)


def test_an_append_reads_the_stored_hours_of_all_its_meters_in_one_statement(
    db: Database, us_hospital: Facility, tmp_path: Path
) -> None:
    """Continuing the hours where each meter's data ends is one look-up for the whole chunk,
    however many meters it has (a statement per meter was 5,000 a chunk for a system's file),
    and the hours equal a rebuild from the readings."""
    names = [f"M{i}" for i in range(30)]
    for name in names:
        services.add_meter(db, facility=us_hospital.id, name=name, commodity="electricity",
                           unit="kWh")  # fmt: skip
    rng = random.Random(3)

    def write(path: Path, first: int) -> Path:
        lines = ["meter,start,end,quantity,unit"]
        for i in range(8):  # two hours of each meter, the first part-way into an hour
            start = first + 900 * i
            lines += [f"{n},{_iso(start)},{_iso(start + 900)},{rng.uniform(1, 9)!r},kWh"
                      for n in names]  # fmt: skip
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    imports.import_readings(db, write(tmp_path / "a.csv", START + 1800))
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        imports.import_readings(db, write(tmp_path / "b.csv", START + 1800 + 8 * 900))
    finally:
        db.conn.set_trace_callback(None)
    looked_up = [s for s in statements if s.lstrip().upper().startswith("SELECT")
                 and "FROM reading_hours" in s.replace("CROSS JOIN", "FROM")]  # fmt: skip
    assert len(looked_up) == 1, looked_up
    stored = pd.DataFrame(
        db.conn.execute("SELECT * FROM reading_hours ORDER BY meter_id, hour_utc").fetchall()
    )
    hours.rebuild(db)
    rebuilt = pd.DataFrame(
        db.conn.execute("SELECT * FROM reading_hours ORDER BY meter_id, hour_utc").fetchall()
    )
    pd.testing.assert_frame_equal(stored, rebuilt)
