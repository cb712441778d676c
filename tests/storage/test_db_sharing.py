"""Two writers on one database: an import holds the write lock while another program writes.

Every write takes the write lock up front (``BEGIN IMMEDIATE``), so a second writer waits for
the first within the busy timeout instead of failing at once with "database is locked"; when
the wait runs out it is told so in one line and nothing of either write is lost.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from greencare import services
from greencare.core.errors import DatabaseBusyError
from greencare.services import imports
from greencare.storage.db import open_db

MONTHS = 24
BILLS = "meter,start,end,quantity,cost\n" + "".join(
    f"Main,{2023 + m // 12}-{m % 12 + 1:02d}-01,{2023 + m // 12}-{m % 12 + 1:02d}-"
    f"{[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m % 12]},{1000 + m},100\n"
    for m in range(MONTHS)
)


@pytest.fixture
def shared(tmp_path: Path) -> tuple[Path, Path]:
    """A database file with a hospital, meters Main (electricity) and Gas, and a bills file."""
    path = tmp_path / "shared.db"
    db = open_db(path)
    f = services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    services.add_meter(db, facility=f.id, name="Main", commodity="electricity", unit="kWh")
    services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    db.close()
    bills = tmp_path / "bills.csv"
    bills.write_text(BILLS)
    return path, bills


def table_hashes(path: Path) -> dict[str, tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in ("readings", "reading_months", "import_batches", "audit_log"):
            rows = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return out
    finally:
        conn.close()


def meter_readings(path: Path, meter: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT r.quantity, r.source FROM readings r JOIN meters m ON m.id = r.meter_id "
            "WHERE m.name = ? ORDER BY r.start_utc",
            [meter],
        ).fetchall()
    finally:
        conn.close()


@contextmanager
def import_held_open(path: Path, bills: Path) -> Iterator[threading.Event]:
    """An import running in this process that keeps its transaction (and the write lock) open
    until the yielded event is set: a long import, made as long as the test needs."""
    release, holding = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def progress(done: int, total: int, rows: int) -> None:
        holding.set()
        if not release.wait(120):
            raise RuntimeError("the test never released the import")

    def run() -> None:
        db = open_db(path)
        try:
            outcome["result"] = imports.import_readings(
                db, bills, on_progress=progress, source="test"
            )
        except BaseException as exc:  # reported by the test below
            outcome["error"] = exc
        finally:
            db.close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    assert holding.wait(60), outcome
    try:
        yield release
    finally:
        release.set()
        worker.join(60)
    assert "error" not in outcome, outcome["error"]
    result = outcome["result"]
    assert result.status == "imported" and result.inserted == MONTHS, result  # type: ignore[attr-defined]


def _cli(path: Path, *args: str, timeout: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GREENCARE_DB": str(path), "GREENCARE_BUSY_TIMEOUT": timeout}
    return subprocess.Popen(
        [sys.executable, "-m", "greencare", "--db", str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


ADD_GAS = ("reading", "add", "Gas", "--start", "2025-01-01", "--end", "2025-01-31",
           "--quantity", "3000")  # fmt: skip


def test_cli_write_during_a_long_import_fails_in_one_line_and_loses_nothing(shared) -> None:
    path, bills = shared
    before = table_hashes(path)
    with import_held_open(path, bills):
        proc = _cli(path, *ADD_GAS, timeout="1")
        out, err = proc.communicate(timeout=120)
        # The import still holds the lock: nothing it wrote is visible, nothing else was added.
        assert table_hashes(path) == before
    assert proc.returncode == 1, (out, err)
    assert "Traceback" not in err
    assert err == (
        f"error: database {path} is busy: another program (an import?) held its write lock "
        "for more than 1 s; nothing was written; try again when it has finished\n"
    )
    assert out == ""
    # The import landed whole; the refused reading is not there, and can simply be added now.
    assert [q for q, _ in meter_readings(path, "Main")] == [1000.0 + m for m in range(MONTHS)]
    assert meter_readings(path, "Gas") == []
    proc = _cli(path, *ADD_GAS, timeout="1")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert meter_readings(path, "Gas") == [(3000.0, "cli")]


def test_a_second_writer_waits_for_the_import_within_the_busy_timeout(shared) -> None:
    """Before writes took the lock up front this failed at once with "database is locked"
    (the reading's overlap check read first, and SQLite cannot wait to upgrade a reader)."""
    path, bills = shared
    done: dict[str, object] = {}

    def add() -> None:
        db = open_db(path)  # the default 30 s busy timeout
        try:
            done["row"] = services.add_reading(
                db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=3000
            )
        except BaseException as exc:
            done["error"] = exc
        finally:
            db.close()

    with import_held_open(path, bills) as release:
        writer = threading.Thread(target=add, daemon=True)
        writer.start()
        writer.join(1.5)
        assert writer.is_alive(), done  # waiting for the lock, not failed
        release.set()
        writer.join(60)
    assert "error" not in done, done["error"]
    assert done["row"]["quantity"] == 3000  # type: ignore[index]
    assert meter_readings(path, "Gas") == [(3000.0, "api")]
    assert len(meter_readings(path, "Main")) == MONTHS


def test_python_api_write_past_the_timeout_raises_one_line_busy_error(shared) -> None:
    path, bills = shared
    with import_held_open(path, bills):
        db = open_db(path, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(DatabaseBusyError) as caught:
            services.add_reading(
                db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=3000
            )
        assert time.monotonic() - started >= 0.2  # it waited the timeout, then gave up
        assert str(caught.value) == (
            f"database {path} is busy: another program (an import?) held its write lock for "
            "more than 0.2 s; nothing was written; try again when it has finished"
        )
        assert not db.conn.in_transaction
        db.close()
    assert meter_readings(path, "Gas") == []
    assert len(meter_readings(path, "Main")) == MONTHS


def test_two_programs_creating_one_new_database_at_once_both_succeed(tmp_path: Path) -> None:
    """The schema is made under the write lock, so the second opener finds it made."""
    path = tmp_path / "new.db"
    procs = [_cli(path, "init", timeout="60") for _ in range(3)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    conn.close()
    assert len(names) == len(set(names)) >= 4


def test_busy_timeout_from_the_environment(monkeypatch, tmp_path: Path) -> None:
    from greencare.core.errors import DatabaseError
    from greencare.storage import db as storage_db

    monkeypatch.setenv("GREENCARE_BUSY_TIMEOUT", "2.5")
    assert storage_db.busy_timeout() == 2.5
    assert open_db(tmp_path / "a.db").timeout == 2.5
    monkeypatch.setenv("GREENCARE_BUSY_TIMEOUT", "soon")
    with pytest.raises(DatabaseError, match=r"^\$GREENCARE_BUSY_TIMEOUT: 'soon' is not a number"):
        storage_db.busy_timeout()
    monkeypatch.delenv("GREENCARE_BUSY_TIMEOUT")
    assert storage_db.busy_timeout() == 30.0


def _open_new(path: str, barrier: Any, results: Any) -> None:
    from greencare.storage.db import check_usable

    barrier.wait()  # all three open the new file at the same moment
    try:
        db = open_db(path, timeout=30)
        check_usable(db)
        db.conn.close()
        results.put("")
    except Exception as exc:  # reported to the test, which names it
        results.put(f"{type(exc).__name__}: {exc}")


def test_programs_opening_one_new_file_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    """Three programs creating the same new database file at once: the file made between
    another's check and its creation, and SQLite's "database is locked" for the switch to WAL
    (which does not wait for the busy timeout), were each a failure for one of them: about one
    round in three (the test of three `greencare init` caught it one run in many)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    failures = []
    for round_ in range(20):
        path = str(tmp_path / f"new{round_}.db")
        barrier, results = context.Barrier(3), context.Queue()
        procs = [context.Process(target=_open_new, args=(path, barrier, results))
                 for _ in range(3)]  # fmt: skip
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)
        failures += [o for o in outcomes if o]
    assert failures == []
