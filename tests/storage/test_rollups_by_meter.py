"""Roll-up passes over the whole readings table (migrations 0002, 0005 and 0010, rebuild) go one
meter at a time, and give what the whole table computed at once gives, value for value."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from greencare import services
from greencare.importers.base import ImportOptions
from greencare.services import imports
from greencare.storage import hours, rollups
from greencare.storage.db import open_db
from greencare.storage.schema import migrations

ZONES = {1: "America/New_York", 2: "America/Los_Angeles"}
METERS = {  # id -> (facility, commodity, unit, canonical factor)
    10: (1, "electricity", "kWh", 1.0),
    11: (1, "electricity", "MWh", 1000.0),
    12: (1, "natural_gas", "therm", 105.5056 / 3.6),
    20: (2, "electricity", "kWh", 1.0),
    21: (2, "electricity", "kWh", 1.0),
}


def _old_database(path: Path) -> Database:
    """A database from before migration 0002 holding bills and 15-minute readings of five
    meters in two time zones (across a month end and the autumn clock change)."""
    db = open_db(path, migrate=False)
    migrations.apply(db, stop_before="0002_reading_months")
    for fid, tz in ZONES.items():
        db.execute(
            "INSERT INTO facilities (id, name, kind, country, timezone) "
            "VALUES (?, ?, 'hospital', 'US', ?)",
            [fid, f"Site {fid}", tz],
        )
    for mid, (fid, commodity, unit, _) in METERS.items():
        db.execute(
            "INSERT INTO meters (id, facility_id, name, commodity, unit, canonical_unit, "
            "delivery_class) VALUES (?, ?, ?, ?, ?, 'kWh', 'metered')",
            [mid, fid, f"M{mid}", commodity, unit],
        )
    rng = random.Random(5)
    rows = []
    for mid, (fid, _, unit, factor) in METERS.items():
        zone = ZoneInfo(ZONES[fid])
        if mid in (10, 20):  # 15-minute data from 30 Oct to 3 Nov 2025 (clocks go back 2 Nov)
            t = int(datetime(2025, 10, 30, tzinfo=zone).timestamp())
            for _ in range(5 * 96):
                q = round(rng.uniform(0.5, 9.0), 3)
                rows.append((mid, t, t + 900, q, unit, q * factor, None, None, rng.random() < 0.1))
                t += 900
            continue
        day = datetime(2024, 11, 17, tzinfo=zone)  # bills from mid-month to mid-month
        for _ in range(14):
            end = day + timedelta(days=rng.randint(28, 33))
            q = round(rng.uniform(100, 9000), 2)
            cost = round(q * 0.13, 2)
            rows.append((mid, int(day.timestamp()), int(end.timestamp()), q, unit, q * factor,
                         cost, "USD", rng.random() < 0.2))  # fmt: skip
            day = end
    rng.shuffle(rows)  # stored in no particular order
    db.conn.executemany(
        "INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, quantity_canonical,"
        " cost, currency, estimated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.conn.commit()
    return db


def _zones_by_meter() -> dict[int, str]:
    return {mid: ZONES[fid] for mid, (fid, *_rest) in METERS.items()}


def _months(db: Database) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT * FROM reading_months ORDER BY meter_id, month, unit, currency", db.conn
    )


def _whole_table_months(db: Database) -> pd.DataFrame:
    """The roll-up of every reading at once: what the migrations computed before."""
    sums = rollups.monthly(rollups.read_all(db), _zones_by_meter())
    sums["meter_id"] = sums["meter_id"].astype(np.int64)
    return sums.sort_values(["meter_id", "month", "unit", "currency"]).reset_index(drop=True)


def test_migrations_roll_up_meter_by_meter_as_the_whole_table(tmp_path: Path) -> None:
    db = _old_database(tmp_path / "old.db")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        migrations.apply(db)
    finally:
        db.conn.set_trace_callback(None)
    reads = [s for s in statements if "FROM readings" in s and s.lstrip().startswith("SELECT")]
    assert reads
    whole = [s for s in reads if "meter_id = " not in s and "WHERE r.meter_id = m.id" not in s]
    assert whole == []  # every read of readings is one meter's (or one index probe)

    months = _months(db)
    want = _whole_table_months(db)
    assert len(months) == len(want) > 40
    for column in want.columns:  # exact: sums folded in the same order
        assert months[column].tolist() == want[column].tolist(), column

    all_rows = rollups.read_all(db)
    want_hours = hours.compute(all_rows, _zones_by_meter())
    have_hours = hours.stored(db)
    assert len(have_hours) == len(want_hours) > 100  # only the interval meters have hours
    assert sorted(have_hours["meter_id"].unique().tolist()) == [10, 20]
    want_hours = want_hours.sort_values(["meter_id", "hour_utc"]).reset_index(drop=True)
    for column in have_hours.columns:
        a = have_hours[column].to_numpy(dtype=float)
        b = want_hours[column].to_numpy(dtype=float)
        assert ((a == b) | (np.isnan(a) & np.isnan(b))).all(), column
    assert rollups.differences(db) == []
    db.close()


def test_migration_0005_recomputes_every_meter(tmp_path: Path) -> None:
    db = _old_database(tmp_path / "old.db")
    migrations.apply(db, stop_before="0005_exact_rollups")
    db.execute("UPDATE reading_months SET quantity = quantity + 1")  # sums 0005 must replace
    db.execute("INSERT INTO reading_months (meter_id, month, unit, currency, quantity, "
               "quantity_canonical) VALUES (12, '1999-01', 'therm', '', 5, 5)")  # fmt: skip
    db.conn.commit()
    migrations.apply(db)
    months = _months(db)
    want = _whole_table_months(db)
    for column in want.columns:
        assert months[column].tolist() == want[column].tolist(), column
    db.close()


def test_by_meter_holds_one_meter_at_a_time(tmp_path: Path) -> None:
    db = _old_database(tmp_path / "old.db")
    migrations.apply(db)
    seen = [
        (mid, tz, len(frame), set(frame["meter_id"])) for mid, tz, frame in rollups.by_meter(db)
    ]
    assert [s[0] for s in seen] == sorted(METERS)
    for mid, tz, count, ids in seen:
        assert ids == {mid}
        assert tz == _zones_by_meter()[mid]
        stored = db.execute("SELECT count(*) FROM readings WHERE meter_id = ?", [mid]).fetchone()
        assert count == stored[0]
    db.close()


@pytest.fixture
def sites(db: Database) -> Database:
    for fid, tz in ZONES.items():
        services.add_facility(db, name=f"Site {fid}", country="US", grid_region="RFCE",
                              timezone=tz)  # fmt: skip
    for k in range(12):
        services.add_meter(db, facility=f"Site {k % 2 + 1}", name=f"Bill {k}",
                           commodity="electricity", unit="kWh")  # fmt: skip
    services.add_meter(db, facility="Site 1", name="Interval", commodity="electricity",
                       unit="kWh")  # fmt: skip
    return db


def test_rebuild_equals_the_roll_ups_kept_by_imports_replaces_and_undos(
    sites: Database, tmp_path: Path
) -> None:
    db = sites
    rng = random.Random(9)
    bills = ["meter,start,end,quantity,unit,cost"]
    for month in range(1, 13):  # month by month, meters interleaved, as a utility exports
        for k in range(12):
            last = (datetime(2025, month % 12 + 1, 1) - timedelta(days=1)).day if month < 12 else 31
            bills.append(f"Bill {k},2025-{month:02d}-01,2025-{month:02d}-{last:02d},"
                         f"{rng.uniform(1e4, 9e4):.2f},{'kWh' if k % 3 else 'MWh'},"
                         f"{rng.uniform(1e3, 9e3):.2f}")  # fmt: skip
    first = tmp_path / "bills.csv"
    first.write_text("\n".join(bills).replace(",MWh,", ",kWh,") + "\n", encoding="utf-8")
    intervals = ["meter,start,end,quantity,unit"]
    t = datetime(2025, 11, 1, 22, tzinfo=ZoneInfo("UTC"))
    for _ in range(400):  # across the autumn clock change in New York
        intervals.append(f"Interval,{t.isoformat()},{(t + timedelta(minutes=15)).isoformat()},"
                         f"{rng.uniform(1, 9):.3f},kWh")  # fmt: skip
        t += timedelta(minutes=15)
    second = tmp_path / "intervals.csv"
    second.write_text("\n".join(intervals) + "\n", encoding="utf-8")
    options = ImportOptions(chunk_rows=50, decimal=".")  # several chunks: sums continued
    assert services.import_readings(db, first, options).status == "imported"
    assert services.import_readings(db, second, options).status == "imported"
    redo = tmp_path / "bills-again.csv"
    redo.write_text("\n".join(bills[:40]) + "\n", encoding="utf-8")  # some in MWh now
    replaced = services.import_readings(
        db, redo, ImportOptions(replace=True, decimal=".", accept_outlier=True)
    )
    assert replaced.status == "imported", replaced.as_dict()["errors"][:3]
    assert replaced.replaced > 0
    maintained = _months(db)
    maintained_hours = hours.stored(db)
    assert rollups.differences(db) == []
    rollups.rebuild(db)
    again = _months(db)
    for column in maintained.columns:
        assert again[column].tolist() == maintained[column].tolist(), column
    assert hours.stored(db).equals(maintained_hours)
    imports.undo(db, replaced.batch_id)
    assert rollups.differences(db) == []
