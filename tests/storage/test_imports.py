"""Undo and re-import are exact: any imports, replaces and undos taken back in reverse order
return the database to where it started, and the roll-up always equals a rebuild, bit for bit."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import ConflictError
from greencare.core.models import Facility
from greencare.importers.base import ImportOptions
from greencare.services import imports
from greencare.storage import rollups

START = 1735718400  # 2025-01-01T00:00-08:00


def _digest(db: Database, *tables: str) -> str:
    digest = hashlib.sha256()
    for table in tables:
        for row in db.execute(f"SELECT * FROM [{table}] ORDER BY 1, 2, 3"):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def state(db: Database) -> str:
    """What a user sees: readings (with their ids), the roll-up, waste and purchases."""
    return _digest(db, "readings", "reading_months", "waste_records", "purchases")


def _csv(path: Path, rows: list[tuple[int, int, float]], unit: str = "kWh") -> Path:
    lines = ["meter,start,end,quantity,unit"]
    for start, end, quantity in rows:
        lines.append(f"Power,{_iso(start)},{_iso(end)},{quantity!r},{unit}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _intervals(rng: random.Random, first: int, count: int) -> list[tuple[int, int, float]]:
    """15-minute readings with values whose sums are not exact in binary."""
    return [
        (first + 900 * i, first + 900 * (i + 1), round(rng.uniform(0.1, 99.9), 3))
        for i in range(count)
    ]


@pytest.fixture
def power(db: Database, us_hospital: Facility) -> None:
    services.add_meter(db, facility=us_hospital.id, name="Power", commodity="electricity",
                       unit="kWh")  # fmt: skip


def _import(db: Database, path: Path, *, replace: bool = False) -> imports.ImportResult:
    # The values are random floats such as 55.416, which could be read with '.' between
    # thousands: the file declares its decimal point rather than leave it to detection.
    options = ImportOptions(format="csv", replace=replace, chunk_rows=400, decimal=".")
    result = imports.import_readings(db, path, options)
    assert result.status == "imported", result.as_dict()
    return result


def test_undo_a_batch_whose_replacer_was_undone(db: Database, power: None, tmp_path: Path) -> None:
    rng = random.Random(4)
    start = state(db)
    a = _import(db, _csv(tmp_path / "a.csv", _intervals(rng, START, 3000)))
    after_a = state(db)
    b = _import(db, _csv(tmp_path / "b.csv", _intervals(rng, START + 900 * 1000, 500)),
                replace=True)  # fmt: skip
    assert b.replaced == 500
    with pytest.raises(ConflictError) as refused:
        imports.undo(db, a.batch_id)
    assert str(refused.value) == (
        f"import batch {a.batch_id} was partly replaced by batch {b.batch_id}; undo that first"
    )
    assert imports.undo(db, b.batch_id) == {"removed": 500, "restored": 500}
    assert state(db) == after_a
    assert imports.undo(db, a.batch_id) == {"removed": 3000, "restored": 0}
    assert state(db) == start
    again = _import(db, tmp_path / "a.csv")  # and it can be imported again
    assert again.inserted == 3000
    assert rollups.differences(db) == []
    assert db.execute("SELECT DISTINCT batch_id FROM readings").fetchall() == [(again.batch_id,)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_sequence_undone_in_reverse_returns_to_the_start(
    db: Database, power: None, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    services.add_reading(db, meter="Power", start="2024-12-01", end="2024-12-31", quantity=3.3)
    states = [state(db)]
    done = []
    for step in range(6):
        first = START + 900 * rng.randrange(0, 4000)
        rows = _intervals(rng, first, rng.randrange(50, 1500))
        result = _import(db, _csv(tmp_path / f"f{step}.csv", rows), replace=True)
        done.append(result.batch_id)
        assert rollups.differences(db) == []
        states.append(state(db))
    while done:
        imports.undo(db, done.pop())
        states.pop()
        assert rollups.differences(db) == []
        assert state(db) == states[-1]
    assert len(states) == 1


def test_a_drifted_roll_up_is_reported_and_rebuilt(db: Database, power: None) -> None:
    services.add_reading(db, meter="Power", start="2025-01-01", end="2025-01-31", quantity=0.1)
    assert rollups.differences(db) == []
    db.execute("UPDATE reading_months SET quantity = quantity + 1e-13")
    assert rollups.differences(db) == [
        {"meter_id": 1, "month": "2025-01", "unit": "kWh", "currency": "", "column": "quantity",
         "stored": 0.1 + 1e-13, "expected": 0.1}
    ]  # fmt: skip
    rollups.rebuild(db)
    assert rollups.differences(db) == []


def test_migration_0005_makes_an_older_roll_up_exact(tmp_path: Path) -> None:
    from greencare.storage.db import open_db
    from greencare.storage.schema import migrations

    db = open_db(tmp_path / "old.db", migrate=False)
    migrations.apply(db, stop_before="0005_exact_rollups")
    services.add_facility(db, name="Old General", country="US", timezone="America/New_York")
    services.add_meter(db, facility="Old General", name="Power", commodity="electricity",
                       unit="kWh")  # fmt: skip
    for day in range(1, 29):
        services.add_reading(db, meter="Power", start=f"2025-02-{day:02d}",
                             end=f"2025-02-{day:02d}", quantity=0.1 * day)  # fmt: skip
    # as an earlier version could have left it: the same sum added up in another order
    db.execute("UPDATE reading_months SET quantity = quantity + 1e-13")
    db.conn.commit()
    assert [d["column"] for d in rollups.differences(db)] == ["quantity"]
    migrations.apply(db)
    assert rollups.differences(db) == []
    assert db.execute("SELECT quantity, readings FROM reading_months").fetchall() == [
        (rollups.expected(db)["quantity"].iloc[0], 28)
    ]
    db.close()


def test_undo_refuses_to_put_back_over_a_reading_stored_since(
    db: Database, power: None, tmp_path: Path
) -> None:
    rng = random.Random(9)
    _import(db, _csv(tmp_path / "a.csv", _intervals(rng, START, 8)))
    b = _import(db, _csv(tmp_path / "b.csv", _intervals(rng, START, 1)), replace=True)
    (only,) = db.execute("SELECT id FROM readings WHERE batch_id = ?", [b.batch_id]).fetchall()
    services.delete_reading(db, only[0])
    typed = services.add_reading(db, meter="Power", start=_iso(START), end=_iso(START + 900),
                                 quantity=5)  # fmt: skip
    before = _digest(db, "readings", "reading_months", "import_batches", "audit_log")
    with pytest.raises(ConflictError) as refused:
        imports.undo(db, b.batch_id)
    assert str(refused.value) == (
        f"cannot undo import batch {b.batch_id}: 1 readings it replaced would overlap readings "
        f"stored since (reading {typed['id']} first); delete those first"
    )
    assert _digest(db, "readings", "reading_months", "import_batches", "audit_log") == before
