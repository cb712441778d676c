"""Undoing an import batch costs what the batch holds, not what the database holds: the batch
records the range of reading ids it could have given (migration 0013) and undo reads by key."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlite_helpers import sqlite_steps

from greencare import services
from greencare.services import imports


def _file(path: Path, first: date, days: int) -> Path:
    lines = ["meter,start,end,quantity,unit"]
    for k in range(days):
        day = first + timedelta(days=k)
        lines.append(f"Gas,{day},{day},{30 + k % 7},therm")
    path.write_text("\n".join(lines) + "\n")
    return path


def _undo_cost(db, tmp_path: Path, history_days: int) -> int:
    old = imports.import_readings(db, _file(tmp_path / f"old{history_days}.csv",
                                            date(2010, 1, 1), history_days))  # fmt: skip
    assert old.status == "imported"
    new = imports.import_readings(db, _file(tmp_path / f"new{history_days}.csv",
                                            date(2025, 1, 1), 20))  # fmt: skip
    batch = services.list_batches(db)[0]
    assert batch["id"] == new.batch_id and batch["first_reading_id"] == history_days + 1
    assert batch["last_reading_id"] == history_days + 20
    cost = sqlite_steps(db, lambda: imports.undo(db, new.batch_id), every=1000)
    left = db.execute("SELECT count(*) FROM readings").fetchone()[0]
    assert left == history_days  # the batch's 20 readings went, the history stayed
    return cost


def test_undo_reads_the_batch_not_the_table(tmp_path: Path) -> None:
    costs = []
    for days in (30, 3000):
        db = services.open_db(tmp_path / f"g{days}.db")
        services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
        services.add_meter(db, facility="St Example", name="Gas", commodity="natural_gas",
                           unit="therm")  # fmt: skip
        costs.append(_undo_cost(db, tmp_path, days))
        db.close()
    small, large = costs
    assert large <= small * 1.5 + 5, costs  # 100 x the history, about the same work
