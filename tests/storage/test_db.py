"""Opening the database: schema by migrations, pragmas, permissions, constraints."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare.core.models import Facility, Meter
from greencare.storage import db as storage_db
from greencare.storage.db import open_db
from greencare.storage.schema import migrations, table_names

TABLES = {
    "facilities",
    "meters",
    "readings",
    "waste_records",
    "purchases",
    "normalizers",
    "import_batches",
    "audit_log",
}


def applied_names(database: Database) -> list[str]:
    return [
        r["name"]
        for r in database.query(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'greencare' ORDER BY id"
        )
    ]


def test_fresh_db_has_tables_and_view(db: Database) -> None:
    assert set(db.table_names()) >= TABLES
    assert set(table_names(db)) >= TABLES | {"_sqlite_migrations"}
    assert "readings_view" in db.view_names()
    assert [r["name"] for r in db.query("SELECT * FROM readings_view")] == []


def test_readings_view_columns(db: Database) -> None:
    columns = [c.name for c in db["readings_view"].columns]
    assert columns[:6] == ["id", "facility", "meter", "commodity", "start_utc", "end_utc"]
    assert "quantity_canonical" in columns
    assert "canonical_unit" in columns


def test_initial_migration_recorded(db: Database) -> None:
    names = applied_names(db)
    assert names[0] == "0001_initial"
    assert len(names) == len(set(names))
    assert migrations.pending(db) == []


def test_reopening_applies_nothing_new(tmp_db_path: Path) -> None:
    first = open_db(tmp_db_path)
    stamps = [dict(r) for r in first.query("SELECT * FROM _sqlite_migrations")]
    first.close()
    again = open_db(tmp_db_path)
    assert [dict(r) for r in again.query("SELECT * FROM _sqlite_migrations")] == stamps
    assert applied_names(again)[0] == "0001_initial"
    assert migrations.pending(again) == []
    again.close()


def test_unmigrated_db_lists_pending(tmp_db_path: Path) -> None:
    raw = open_db(tmp_db_path, migrate=False)
    pending = [m.name for m in migrations.pending(raw)]
    assert pending[0] == "0001_initial"
    assert raw.table_names() == []
    raw.close()
    migrated = open_db(tmp_db_path)
    assert migrations.pending(migrated) == []
    assert applied_names(migrated) == pending
    assert set(migrated.table_names()) >= TABLES
    migrated.close()


def test_foreign_keys_are_enforced(db: Database) -> None:
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute(
            "INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, "
            "quantity_canonical) VALUES (999, 0, 900, 1.0, 'kWh', 1.0)"
        )
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 0


def test_meter_needs_a_facility(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO meters (facility_id, name, commodity, unit, canonical_unit, "
            "delivery_class) VALUES (42, 'x', 'electricity', 'kWh', 'kWh', 'metered')"
        )


def test_file_db_uses_wal(tmp_db_path: Path) -> None:
    database = open_db(tmp_db_path)
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    database.close()


def test_new_db_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "new.db"
    database = open_db(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    database.close()


def test_existing_file_mode_is_left_alone(tmp_db_path: Path) -> None:
    tmp_db_path.touch(mode=0o640)
    tmp_db_path.chmod(0o640)
    open_db(tmp_db_path).close()
    assert stat.S_IMODE(tmp_db_path.stat().st_mode) == 0o640


def test_default_path_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GREENCARE_DB", str(tmp_path / "env.db"))
    assert storage_db.default_db_path() == tmp_path / "env.db"
    monkeypatch.delenv("GREENCARE_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("sys.platform", "linux")  # data_dir lives in greencare.paths
    assert storage_db.default_db_path() == tmp_path / "xdg" / "greencare" / "greencare.db"
    assert storage_db.demo_db_path() == tmp_path / "xdg" / "greencare" / "demo.db"


def test_readings_unique_per_meter_and_period(
    db: Database, us_hospital: Facility, gas_meter: Meter
) -> None:
    insert = (
        "INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, quantity_canonical) "
        "VALUES (?, ?, ?, ?, 'therm', ?)"
    )
    db.execute(insert, [gas_meter.id, 0, 3600, 1.0, 29.3])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(insert, [gas_meter.id, 0, 3600, 2.0, 58.6])
    rows = list(db.query("SELECT quantity FROM readings"))
    assert rows == [{"quantity": 1.0}]


def test_readings_period_check(db: Database, gas_meter: Meter) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(
            "INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, "
            "quantity_canonical) VALUES (?, 3600, 3600, 1, 'therm', 1)",
            [gas_meter.id],
        )


def test_facility_names_unique(db: Database, us_hospital: Facility) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(
            "INSERT INTO facilities (name, kind, country, timezone) "
            "VALUES ('St Example', 'hospital', 'US', 'UTC')"
        )


def test_a_number_beyond_sqlite_integers_is_an_input_error(db: Database) -> None:
    """A digit string past 2**63 - 1 (an id, a limit, staffed beds) reached SQLite and crashed
    with OverflowError; every statement on greencare's connection now refuses it as input."""
    from greencare import services
    from greencare.core.errors import InputError

    huge = "99999999999999999999"
    with pytest.raises(InputError, match=r"99999999999999999999 is too large .*9,223,372"):
        services.list_meters(db, facility=huge)
    with pytest.raises(InputError, match="too large"):
        db.conn.execute("SELECT ?", [10**19])
    with pytest.raises(InputError, match="too large"):
        db.conn.executemany("INSERT INTO settings (key, value) VALUES ('k', ?)", [[-(10**19)]])
    with pytest.raises(InputError, match="too large"):
        list(db.query("SELECT * FROM facilities WHERE id = ?", [10**30]))
    assert db.conn.execute("SELECT ?", [2**63 - 1]).fetchone() == (2**63 - 1,)
    assert db.execute("SELECT count(*) FROM facilities").fetchone() == (0,)
