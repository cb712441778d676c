"""An import lands whole or not at all: killed mid-way, or stopped by an exception, the database
is exactly as it was before (readings, roll-ups, batches and audit log)."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from greencare import services
from greencare.importers.base import ImportOptions
from greencare.services.imports import import_readings

TABLES = ("readings", "reading_months", "import_batches", "audit_log", "meters")
ROWS = 400_000


def _snapshot(path: Path) -> dict[str, object]:
    """Counts and content hashes of every table an import writes, read with plain sqlite3."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, object] = {}
        for table in TABLES:
            rows = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return out
    finally:
        conn.close()


def _integrity(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def _make_db(path: Path) -> None:
    """A facility, a meter and three stored bills; closed so another process can write."""
    db = services.open_db(path)
    try:
        hospital = services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
        services.add_meter(
            db, facility=hospital.id, name="Main", commodity="electricity", unit="kWh"
        )
        for start, end, quantity in (
            ("2024-01-01", "2024-01-31", 31000),
            ("2024-02-01", "2024-02-29", 29000),
            ("2024-03-01", "2024-03-31", 31000),
        ):
            services.add_reading(db, meter="Main", start=start, end=end, quantity=quantity)
    finally:
        db.close()


def _interval_csv(path: Path, rows: int) -> Path:
    """``rows`` quarter-hours from 2025-01-01T00:00Z, UTC instants (no overlap with 2024)."""
    first = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=15)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("meter,timestamp,quantity\n")
        handle.writelines(
            f"Main,{(first + i * step):%Y-%m-%dT%H:%M:%SZ},{(i % 97) / 10 + 1}\n"
            for i in range(rows)
        )
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL semantics")
def test_killed_mid_import_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    db_path = tmp_path / "hospital.db"
    _make_db(db_path)
    before = _snapshot(db_path)
    assert before["readings"][0] == 3 and before["import_batches"][0] == 0
    csv_path = _interval_csv(tmp_path / "intervals.csv", ROWS)
    wal = Path(f"{db_path}-wal")
    wal_at_start = wal.stat().st_size if wal.exists() else 0

    proc = subprocess.Popen(
        [sys.executable, "-m", "greencare", "--db", str(db_path), "import", str(csv_path),
         "--interval", "15"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (
                "the import finished before it could be killed: "
                + proc.communicate()[0].decode(errors="replace")
            )
            size = wal.stat().st_size if wal.exists() else 0
            if size - wal_at_start > 4 * 1024 * 1024:  # well into the transaction
                break
            time.sleep(0.02)
        else:
            pytest.fail("the WAL never grew past 4 MB")
        proc.kill()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert _integrity(db_path) == [("ok",)]
    assert _snapshot(db_path) == before
    # And the database still works: the same file imports fully afterwards.
    db = services.open_db(db_path)
    try:
        result = import_readings(db, csv_path, ImportOptions(interval_minutes=15))
        assert (result.status, result.inserted) == ("imported", ROWS)
    finally:
        db.close()


class Interrupted(RuntimeError):
    """Raised by the test's progress callback to stop an import part-way."""


@pytest.mark.parametrize("error", [Interrupted, KeyboardInterrupt], ids=["error", "ctrl-c"])
def test_exception_from_progress_callback_rolls_back(tmp_path: Path, error) -> None:
    db_path = tmp_path / "hospital.db"
    _make_db(db_path)
    csv_path = _interval_csv(tmp_path / "intervals.csv", 5_000)
    before = _snapshot(db_path)
    calls: list[tuple[int, int, int]] = []

    def progress(done: int, total: int, rows: int) -> None:
        calls.append((done, total, rows))
        raise error("stop after the first chunk")

    db = services.open_db(db_path)
    try:
        with pytest.raises(error, match="stop after the first chunk"):
            import_readings(
                db,
                csv_path,
                ImportOptions(interval_minutes=15, chunk_rows=1_000),
                on_progress=progress,
            )
        assert len(calls) == 1
        assert calls[0][1:] == (csv_path.stat().st_size, 1_000)
        assert not db.conn.in_transaction
        # The same connection goes on working: the file is not marked as imported.
        result = import_readings(db, csv_path, ImportOptions(interval_minutes=15))
        assert (result.status, result.inserted, result.batch_id) == ("imported", 5_000, 1)
    finally:
        db.close()
    after = _snapshot(db_path)
    assert after["readings"][0] == before["readings"][0] + 5_000


def test_exception_after_first_chunk_leaves_database_unchanged(tmp_path: Path) -> None:
    db_path = tmp_path / "hospital.db"
    _make_db(db_path)
    csv_path = _interval_csv(tmp_path / "intervals.csv", 3_000)
    before = _snapshot(db_path)
    seen: list[int] = []

    def progress(done: int, total: int, rows: int) -> None:
        seen.append(rows)
        if rows >= 1_000:
            raise Interrupted("disk full, say")

    db = services.open_db(db_path)
    try:
        with pytest.raises(Interrupted):
            import_readings(
                db,
                csv_path,
                ImportOptions(interval_minutes=15, chunk_rows=1_000),
                on_progress=progress,
            )
    finally:
        db.close()
    assert seen == [1_000]
    assert _snapshot(db_path) == before
    assert _integrity(db_path) == [("ok",)]
