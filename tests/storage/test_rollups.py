"""The reading_months roll-up: kept current by every write, equal to a rebuild from scratch."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from demo_helpers import copy_demo
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import ConflictError, InputError
from greencare.core.models import Facility, Meter
from greencare.storage import rollups
from greencare.storage.db import open_db
from greencare.storage.schema import migrations

THERM_KWH = 105.5056 / 3.6  # 29.3071111... kWh per therm
COLUMNS = (
    "meter_id",
    "month",
    "unit",
    "currency",
    "quantity",
    "quantity_canonical",
    "cost",
    "estimated_canonical",
    "readings",
)


def table(db: Database) -> list[dict[str, Any]]:
    """reading_months, sorted by its key."""
    return [
        dict(r)
        for r in db.query(
            f"SELECT {', '.join(COLUMNS)} FROM reading_months "
            "ORDER BY meter_id, month, unit, currency"
        )
    ]


def rebuilt(db: Database) -> list[dict[str, Any]]:
    rollups.rebuild(db)
    return table(db)


def assert_same_rows(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    key = ("meter_id", "month", "unit", "currency", "readings")
    assert [tuple(r[k] for k in key) for r in got] == [tuple(r[k] for k in key) for r in expected]
    for mine, theirs in zip(got, expected, strict=True):
        for col in ("quantity", "quantity_canonical", "cost", "estimated_canonical"):
            assert mine[col] == theirs[col], (mine, col)  # exact: sums are folded in one order


def by_month(db: Database) -> dict[str, dict[str, Any]]:
    rows = table(db)
    assert len({r["month"] for r in rows}) == len(rows)
    return {r["month"]: r for r in rows}


def test_bill_is_split_into_its_months(db: Database, gas_meter: Meter) -> None:
    services.add_reading(
        db, meter="Gas", start="2025-01-14", end="2025-02-12", quantity=3000, cost=3000
    )
    rows = table(db)
    assert [(r["meter_id"], r["month"], r["unit"], r["currency"]) for r in rows] == [
        (gas_meter.id, "2025-01", "therm", "USD"),
        (gas_meter.id, "2025-02", "therm", "USD"),
    ]
    jan, feb = rows
    assert jan["quantity"] == pytest.approx(1800, rel=1e-12)
    assert feb["quantity"] == pytest.approx(1200, rel=1e-12)
    assert jan["quantity_canonical"] == pytest.approx(1800 * THERM_KWH, rel=1e-12)
    assert feb["quantity_canonical"] == pytest.approx(1200 * THERM_KWH, rel=1e-12)
    assert jan["cost"] == pytest.approx(1800, rel=1e-12)
    assert feb["cost"] == pytest.approx(1200, rel=1e-12)
    assert (jan["estimated_canonical"], feb["estimated_canonical"]) == (0, 0)
    assert (jan["readings"], feb["readings"]) == (1, 1)


def test_readings_in_the_same_month_add_up(db: Database, gas_meter: Meter) -> None:
    services.add_reading(db, meter="Gas", start="2025-03-01", end="2025-03-10", quantity=100)
    services.add_reading(
        db, meter="Gas", start="2025-03-11", end="2025-03-31", quantity=250, estimated=True
    )
    services.add_reading(db, meter="Gas", start="2025-04-01", end="2025-04-30", quantity=70)
    rows = by_month(db)
    assert set(rows) == {"2025-03", "2025-04"}
    march, april = rows["2025-03"], rows["2025-04"]
    assert march["quantity"] == pytest.approx(350, rel=1e-12)
    assert march["quantity_canonical"] == pytest.approx(350 * THERM_KWH, rel=1e-12)
    assert march["readings"] == 2
    assert march["estimated_canonical"] == pytest.approx(250 * THERM_KWH, rel=1e-12)
    assert march["currency"] == ""
    assert march["cost"] == 0
    assert april["quantity"] == pytest.approx(70, rel=1e-12)
    assert april["estimated_canonical"] == 0
    assert april["readings"] == 1


def test_units_and_currencies_are_kept_apart(db: Database, gas_meter: Meter) -> None:
    services.add_reading(
        db, meter="Gas", start="2025-05-01", end="2025-05-10", quantity=10, cost=20
    )
    services.add_reading(
        db, meter="Gas", start="2025-05-11", end="2025-05-20", quantity=500, unit="kWh"
    )
    services.add_reading(
        db,
        meter="Gas",
        start="2025-05-21",
        end="2025-05-31",
        quantity=5,
        cost=7,
        currency="CAD",
    )
    assert [(r["unit"], r["currency"], r["quantity"], r["cost"]) for r in table(db)] == [
        ("kWh", "", pytest.approx(500), 0),
        ("therm", "CAD", pytest.approx(5), pytest.approx(7)),
        ("therm", "USD", pytest.approx(10), pytest.approx(20)),
    ]


def test_delete_removes_contribution_and_empty_rows(db: Database, gas_meter: Meter) -> None:
    bill = services.add_reading(
        db, meter="Gas", start="2025-01-14", end="2025-02-12", quantity=3000, cost=3000
    )
    early = services.add_reading(
        db, meter="Gas", start="2025-01-01", end="2025-01-13", quantity=130.7, cost=99.1
    )
    assert by_month(db)["2025-01"]["quantity"] == pytest.approx(1930.7, rel=1e-12)
    services.delete_reading(db, bill["id"])
    rows = table(db)
    assert [(r["month"], r["readings"]) for r in rows] == [("2025-01", 1)]
    assert rows[0]["quantity"] == pytest.approx(130.7, rel=1e-12)
    assert rows[0]["quantity_canonical"] == pytest.approx(130.7 * THERM_KWH, rel=1e-12)
    assert rows[0]["cost"] == pytest.approx(99.1, rel=1e-12)
    services.delete_reading(db, early["id"])
    assert table(db) == []
    assert db.execute("SELECT count(*) FROM reading_months").fetchone()[0] == 0


def test_failed_adds_leave_the_roll_up_unchanged(db: Database, gas_meter: Meter) -> None:
    services.add_reading(
        db, meter="Gas", start="2025-01-14", end="2025-02-12", quantity=3000, cost=3000
    )
    before = table(db)
    with pytest.raises(ConflictError, match="overlaps the reading"):
        services.add_reading(db, meter="Gas", start="2025-02-01", end="2025-02-28", quantity=9)
    with pytest.raises(ConflictError, match="overlaps the reading"):
        services.add_reading(
            db, meter="Gas", start="2025-01-20T10:00", end="2025-01-20T10:15", quantity=1
        )
    with pytest.raises(InputError, match="cannot measure natural gas"):
        services.add_reading(
            db, meter="Gas", start="2025-03-01", end="2025-03-31", quantity=9, unit="kg"
        )
    assert table(db) == before
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 1


# ---------------------------------------------------------------------------------------------
# Random adds and deletes: the maintained table equals a rebuild
# ---------------------------------------------------------------------------------------------


def slots(rng: random.Random, tz: str, first: date, count: int) -> list[tuple[str, str]]:
    """Consecutive, non-overlapping periods: whole-day bills and sub-day or multi-hour spans."""
    zone = ZoneInfo(tz)
    cursor = first
    out = []
    for _ in range(count):
        if rng.random() < 0.5:
            days = rng.randint(1, 70)
            last = cursor + timedelta(days=days - 1)
            out.append((cursor.isoformat(), last.isoformat()))
            cursor = last + timedelta(days=1)
        else:
            midnight = datetime(cursor.year, cursor.month, cursor.day, tzinfo=zone)
            start = midnight + timedelta(minutes=rng.randrange(0, 1440))
            end = start + timedelta(minutes=rng.randint(1, 3000))
            out.append((start.isoformat(), end.isoformat()))
            cursor = end.astimezone(zone).date() + timedelta(days=1)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_adds_and_deletes_match_a_rebuild(
    db: Database, gas_meter: Meter, us_hospital: Facility, seed: int
) -> None:
    rng = random.Random(seed)
    london = services.add_facility(db, name="Northgate", country="GB", timezone="Europe/London")
    services.add_meter(db, facility=london.id, name="Power", commodity="electricity", unit="kWh")
    meters = {
        ("St Example", "Gas"): (us_hospital.timezone, ["therm", "kWh"]),
        ("Northgate", "Power"): ("Europe/London", ["kWh", "MWh"]),
    }
    free = {key: slots(rng, tz, date(2024, 11, 25), 40) for key, (tz, _units) in meters.items()}
    stored: list[int] = []
    for _ in range(50):
        if stored and rng.random() < 0.35:
            services.delete_reading(db, stored.pop(rng.randrange(len(stored))))
            continue
        key = rng.choice(sorted(free))
        if not free[key]:
            continue
        start, end = free[key].pop(rng.randrange(len(free[key])))
        cost = round(rng.uniform(1, 5000), 2) if rng.random() < 0.6 else None
        row = services.add_reading(
            db,
            facility=key[0],
            meter=key[1],
            start=start,
            end=end,
            quantity=round(rng.uniform(0.5, 20000), 3),
            unit=rng.choice(meters[key][1]),
            cost=cost,
            estimated=rng.random() < 0.3,
            accept_outlier=True,  # random magnitudes; plausibility has its own tests
        )
        stored.append(row["id"])
    maintained = table(db)
    assert len(stored) >= 10
    assert len(maintained) >= 10
    assert_same_rows(maintained, rebuilt(db))


# ---------------------------------------------------------------------------------------------
# The demo database
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, demo_template
) -> Iterator[tuple[Database, list[dict[str, Any]]]]:
    """The demo database and its roll-up as maintained while it was built."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    copy_demo(demo_template, path)
    database = open_db(path)
    yield database, table(database)
    database.close()


def test_demo_roll_up_equals_a_rebuild(demo: tuple[Database, list[dict[str, Any]]]) -> None:
    demo_db, maintained = demo
    assert len(maintained) > 100
    assert_same_rows(maintained, rebuilt(demo_db))


def test_demo_january_interval_total_for_central_plant(
    demo: tuple[Database, list[dict[str, Any]]],
) -> None:
    demo_db, maintained = demo
    meter_id, tz = demo_db.execute(
        "SELECT m.id, f.timezone FROM meters m JOIN facilities f ON f.id = m.facility_id "
        "WHERE m.name = 'Central plant electric'"
    ).fetchone()
    assert tz == "America/New_York"
    zone = ZoneInfo(tz)
    expected, count = 0.0, 0
    for start, end, quantity, unit in demo_db.execute(
        "SELECT start_utc, end_utc, quantity, unit FROM readings WHERE meter_id = ?", [meter_id]
    ):
        begins = datetime.fromtimestamp(start, zone)
        if (begins.year, begins.month) == (2025, 1):
            assert unit == "kWh"
            assert end - start == 900  # January 2025 is covered by interval data only
            expected += quantity
            count += 1
    assert count == 31 * 96
    rows = [
        (r["unit"], r["quantity"], r["readings"])
        for r in maintained
        if r["meter_id"] == meter_id and r["month"] == "2025-01"
    ]
    assert len(rows) == 1
    unit, total, readings = rows[0]
    assert unit == "kWh"
    assert readings == count
    assert total == pytest.approx(expected, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# Migration 0002 fills the roll-up for readings stored before it
# ---------------------------------------------------------------------------------------------


def test_migration_0002_backfills_existing_readings(tmp_path: Path) -> None:
    db = open_db(tmp_path / "old.db", migrate=False)
    try:
        migrations.apply(db, stop_before="0002_reading_months")
        assert "readings" in db.table_names()
        assert "reading_months" not in db.table_names()
        db.execute(
            "INSERT INTO facilities (id, name, kind, country, timezone) "
            "VALUES (1, 'Old General', 'hospital', 'US', 'America/New_York')"
        )
        db.execute(
            "INSERT INTO meters (id, facility_id, name, commodity, unit, canonical_unit, "
            "delivery_class) VALUES (7, 1, 'Gas', 'natural_gas', 'therm', 'kWh', 'metered')"
        )
        # 2025-01-14 to 2025-02-12 inclusive, New York: 05:00 UTC on 14 Jan to 13 Feb.
        start = int(datetime(2025, 1, 14, tzinfo=ZoneInfo("America/New_York")).timestamp())
        end = int(datetime(2025, 2, 13, tzinfo=ZoneInfo("America/New_York")).timestamp())
        db.execute(
            "INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, "
            "quantity_canonical, cost, currency, estimated) VALUES (7, ?, ?, 3000, 'therm', ?, "
            "600, 'USD', 1)",
            [start, end, 3000 * THERM_KWH],
        )
        db.conn.commit()
        migrations.apply(db)
        rows = table(db)
        assert [(r["meter_id"], r["month"], r["unit"], r["currency"]) for r in rows] == [
            (7, "2025-01", "therm", "USD"),
            (7, "2025-02", "therm", "USD"),
        ]
        assert [r["quantity"] for r in rows] == pytest.approx([1800, 1200], rel=1e-12)
        assert [r["cost"] for r in rows] == pytest.approx([360, 240], rel=1e-12)
        assert [r["estimated_canonical"] for r in rows] == pytest.approx(
            [1800 * THERM_KWH, 1200 * THERM_KWH], rel=1e-12
        )
        assert [r["readings"] for r in rows] == [1, 1]
    finally:
        db.close()


def test_a_facilitys_new_time_zone_recomputes_its_roll_ups(
    db: Database, us_hospital: Facility, gas_meter: Meter
) -> None:
    """The monthly and hourly sums are by local month and hour: changing the facility's zone
    (an edit, or undoing one) left them in the old zone, so reports used sums `greencare
    check` called wrong (1,000 therm in January where a rebuild has 977.15 and 22.85)."""
    from greencare.storage import hours

    services.add_reading(db, meter=gas_meter.id, start="2025-01-01", end="2025-01-31",
                         quantity=1000)  # fmt: skip
    power = services.add_meter(db, facility=us_hospital.id, name="Power", commodity="electricity")
    services.add_reading(db, meter=power.id, start="2025-01-31T23:30", end="2025-02-01T00:30",
                         quantity=10, accept_outlier=True)  # fmt: skip
    services.update_facility(db, us_hospital.id, timezone="Asia/Tokyo")
    assert rollups.differences(db) == [] and hours.differences(db) == []
    months = db.execute(
        "SELECT month, round(quantity, 2) FROM reading_months WHERE meter_id = ? ORDER BY month",
        [gas_meter.id],
    ).fetchall()
    assert months == [("2025-01", 977.15), ("2025-02", 22.85)]
    entry = db.execute("SELECT max(id) FROM audit_log WHERE table_name = 'facilities'").fetchone()
    services.undo_change(db, entry[0])
    assert rollups.differences(db) == [] and hours.differences(db) == []
    assert db.execute(
        "SELECT month, quantity FROM reading_months WHERE meter_id = ?", [gas_meter.id]
    ).fetchall() == [("2025-01", 1000.0)]
