"""Database files that are not greencare's, newer, damaged, read-only or full.

Each gets one ``error:`` line and is left exactly as it was: greencare creates its schema only
in a new (missing or empty) file, upgrades only a file it made, and writes to nothing else.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from greencare import services
from greencare.cli import main
from greencare.core.errors import DatabaseError
from greencare.services import database as services_db
from greencare.storage import db as storage_db
from greencare.storage.db import open_db
from greencare.storage.schema import migrations

ADD_FACILITY = ("facility", "add", "St Other", "--country", "US", "--grid-region", "CAMX")


def run(path: Path, *args: str, user: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GREENCARE_DB": str(path), "GREENCARE_BUSY_TIMEOUT": "5"}
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "greencare", "--db", str(path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def files(folder: Path) -> dict[str, str]:
    """Every file in the folder and the hash of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def one_error(done: subprocess.CompletedProcess, message: str) -> None:
    assert "Traceback" not in done.stderr
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"error: {message}\n")


@pytest.fixture
def ours(tmp_path: Path) -> Path:
    """A greencare database with one facility, closed."""
    path = tmp_path / "hospital.db"
    db = open_db(path)
    services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    db.close()
    return path


# --- another application's file -------------------------------------------------------------


def other_app(folder: Path, *tables: str) -> Path:
    path = folder / "other.db"
    conn = sqlite3.connect(path)
    for table in tables:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, value TEXT)")
        conn.execute(f"INSERT INTO {table} (value) VALUES ('theirs')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("tables", "args"),
    [
        (("orders", "customers"), ("facility", "list")),
        (("readings",), ("init",)),  # its own readings table: once a traceback and a stray table
        (("readings", "notes"), ADD_FACILITY),
    ],
)
def test_another_applications_database_is_refused_and_untouched(
    tmp_path: Path, tables: tuple[str, ...], args: tuple[str, ...]
) -> None:
    path = other_app(tmp_path, *tables)
    before = files(tmp_path)
    done = run(path, *args)
    shown = ", ".join(sorted(tables))
    one_error(
        done,
        f"{path} is not a greencare database (it has other tables: {shown}); greencare leaves "
        "it unchanged: give a new file name with --db or $GREENCARE_DB",
    )
    assert files(tmp_path) == before  # no -wal, no migrations table, not even the header
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master")) == sorted(tables)
    conn.close()


def test_a_new_or_empty_file_gets_the_schema(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.db"  # a SQLite file with no tables yet
    conn = sqlite3.connect(blank)
    conn.execute("PRAGMA user_version = 7")
    conn.execute("VACUUM")
    conn.close()
    for path in (empty, blank, tmp_path / "missing.db"):
        db = open_db(path)
        assert migrations.pending(db) == []
        assert {"facilities", "readings"} <= set(db.table_names())
        db.close()


# --- a newer greencare's database ---------------------------------------------------------------


def test_a_newer_greencares_database_is_read_but_never_written(ours: Path) -> None:
    conn = sqlite3.connect(ours)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('greencare', '0099_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    before = files(ours.parent)
    last = max(storage_db.known_migrations())
    message = (
        f"{ours} was upgraded by a newer greencare: it needs a greencare that knows migration "
        f"0099_from_the_future (this is greencare {storage_db._version()}, whose latest migration "
        f"is {last}); it can be read but not changed: upgrade greencare"
    )
    listed = run(ours, "facility", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"name": "St Example"' in listed.stdout
    one_error(run(ours, *ADD_FACILITY), message)
    one_error(run(ours, "init"), message)
    assert files(ours.parent) == before
    # The Python API refuses too, and so does SQLite itself under any write path.
    db = open_db(ours)
    with pytest.raises(DatabaseError) as caught:
        services.add_facility(db, name="St Other", country="US", grid_region="CAMX")
    assert str(caught.value) == message
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM facilities")
    db.close()
    assert files(ours.parent) == before


def test_the_version_a_newer_database_needs_is_named(ours: Path) -> None:
    """Each upgrade records the greencare version that applied it (0007_schema_versions), so
    an older greencare can say which version to install."""
    conn = sqlite3.connect(ours)
    recorded = dict(conn.execute("SELECT migration, greencare_version FROM schema_versions"))
    assert recorded == dict.fromkeys(storage_db.known_migrations(), storage_db._version())
    with conn:
        for name, version in (("0099_future", "10.2.0"), ("0100_later", "9.12.1")):
            conn.execute(
                "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('greencare', ?, '2030-01-01')",
                [name],
            )
            conn.execute("INSERT INTO schema_versions VALUES (?, ?, '2030-01-01')", [name, version])
    conn.close()
    before = files(ours.parent)
    one_error(
        run(ours, *ADD_FACILITY),
        f"{ours} was upgraded by a newer greencare: it needs greencare 10.2.0 or later (for "
        f"migration 0099_future, 0100_later; this is greencare {storage_db._version()}, whose "
        f"latest migration is {max(storage_db.known_migrations())}); it can be read but not "
        "changed: upgrade greencare",
    )
    assert files(ours.parent) == before


def test_an_upgrade_records_the_version_that_made_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = open_db(path, migrate=False)
    migrations.apply(db, stop_before="0007_schema_versions")  # as an older greencare left it
    db.close()
    db = open_db(path)
    rows = dict(db.execute("SELECT migration, greencare_version FROM schema_versions").fetchall())
    db.close()
    assert rows["0007_schema_versions"] == storage_db._version()
    assert "0001_initial" not in rows  # applied before versions were recorded: not invented


# --- damaged files and files that are not databases ------------------------------------------


@pytest.mark.parametrize("args", [("init",), ("facility", "list"), ADD_FACILITY])
def test_a_truncated_database_gives_one_line(ours: Path, args: tuple[str, ...]) -> None:
    data = ours.read_bytes()
    ours.write_bytes(data[: len(data) // 2])
    before = files(ours.parent)
    one_error(
        run(ours, *args),
        f"{ours} is damaged (SQLite: database disk image is malformed); restore it from a backup",
    )
    assert files(ours.parent) == before


def test_init_does_not_call_a_corrupt_database_ready(ours: Path) -> None:
    data = bytearray(ours.read_bytes())
    page = 4096
    data[3 * page : 4 * page] = bytes([0x5A]) * page  # scribble over one page of a table
    ours.write_bytes(bytes(data))
    done = run(ours, "init")
    assert "Traceback" not in done.stderr
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"error: {ours} is damaged (")
    assert done.stderr.endswith("); restore it from a backup\n")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [("init",), ("facility", "list"), ADD_FACILITY])
def test_a_file_that_is_not_a_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("meter,start,end,quantity\nMain,2025-01-01,2025-01-31,100\n")
    before = files(tmp_path)
    one_error(run(path, *args), f"{path} is not a SQLite database (or it is encrypted)")
    assert files(tmp_path) == before


def test_a_folder_is_not_a_database_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r" is a folder, not a database file$"):
        open_db(tmp_path)


# --- read-only files and folders --------------------------------------------------------------


def _as_another_user() -> list[str]:
    """Run as ``nobody`` when tests run as root, since file modes do not stop root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be simulated")
    return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture
def ours_reachable() -> Iterator[Path]:
    """``ours`` in a folder of its own under the system temp folder, which another user can
    reach (pytest's folders are private to their owner, and reset so by every pytest run)."""
    folder = Path(tempfile.mkdtemp(prefix="greencare-ro-"))
    folder.chmod(0o755)
    path = folder / "hospital.db"
    db = open_db(path)
    services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    db.close()
    try:
        yield path
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_a_read_only_file_is_read_but_writes_are_refused(ours_reachable: Path) -> None:
    ours = ours_reachable
    user = _as_another_user()
    ours.parent.chmod(0o777)  # the folder may be written (SQLite keeps its -shm file there)
    ours.chmod(0o444)
    before = hashlib.sha256(ours.read_bytes()).hexdigest()
    listed = run(ours, "facility", "list", "--json", user=user)
    assert listed.returncode == 0, listed.stderr
    assert '"name": "St Example"' in listed.stdout
    message = f"cannot write to {ours}: the file is read-only"
    one_error(run(ours, *ADD_FACILITY, user=user), message)
    one_error(run(ours, "init", user=user), message)  # not "database ready"
    assert hashlib.sha256(ours.read_bytes()).hexdigest() == before


def test_a_read_only_folder(ours_reachable: Path) -> None:
    ours = ours_reachable
    user = _as_another_user()
    ours.chmod(0o444)
    ours.parent.chmod(0o555)
    before = files(ours.parent)
    one_error(
        run(ours, "facility", "list", user=user),
        f"cannot open {ours}: the file and its folder are read-only, and SQLite must write "
        "its -shm file beside the database even to read it; copy the file to a folder you "
        "may write to",
    )
    new = ours.parent / "new.db"
    one_error(run(new, "init", user=user), f"cannot create database {new}: Permission denied")
    assert files(ours.parent) == before


# --- a full disk ------------------------------------------------------------------------------


def _fill(db) -> None:
    """Let the file grow no further: SQLite then answers SQLITE_FULL, as on a full disk."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_loses_nothing_and_says_so(ours: Path, tmp_path: Path) -> None:
    db = open_db(ours)
    services.add_meter(db, facility="St Example", name="Main", commodity="electricity", unit="kWh")
    before = [
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("readings", "audit_log")
    ]
    _fill(db)
    bills = tmp_path / "bills.csv"
    bills.write_text(
        "meter,start,end,quantity\n"
        + "".join(
            f"Main,{y}-{m:02d}-01,{y}-{m:02d}-28,{y + m}\n"
            for y in range(1990, 2025)
            for m in range(1, 13)
        )
    )
    from greencare.services import imports

    with pytest.raises(DatabaseError) as caught:
        imports.import_readings(db, bills)
    assert str(caught.value) == f"cannot write to {ours}: the disk is full; nothing was written"
    with pytest.raises(DatabaseError) as caught:
        services.run_in_transaction(
            db,
            lambda: [
                services.add_reading(
                    db, meter="Main", start=f"{y}-01-01", end=f"{y}-01-31", quantity=1
                )
                for y in range(1900, 2000)
            ],
        )
    assert str(caught.value) == f"cannot write to {ours}: the disk is full; nothing was written"
    after = [
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("readings", "audit_log")
    ]
    assert after == before
    assert not db.conn.in_transaction
    db.close()


def test_a_full_disk_from_the_command_line(ours: Path, tmp_path: Path, monkeypatch) -> None:
    opened = storage_db.open_db

    def full(*args, **kwargs):
        db = opened(*args, **kwargs)
        _fill(db)
        return db

    monkeypatch.setattr(storage_db, "open_db", full)
    monkeypatch.setattr(services_db, "open_db", full)  # what the front ends call
    result = CliRunner().invoke(
        main,
        ["--db", str(ours), "facility", "add", "St Other", "--country", "US",
         "--grid-region", "CAMX", "--notes", "n" * 9000],
    )  # fmt: skip
    assert (result.exit_code, result.output) == (
        1,
        f"error: cannot write to {ours}: the disk is full; nothing was written\n",
    )
    conn = sqlite3.connect(ours)
    assert conn.execute("SELECT name FROM facilities").fetchall() == [("St Example",)]
    conn.close()


# --- a mistyped path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("import", "BILLS"),
        ("reading", "add", "Main", "--start", "2025-01-01", "--end", "2025-01-31",
         "--quantity", "5"),
        ("meter", "add", "St Example", "Main", "--commodity", "electricity", "--unit", "kWh"),
    ],
)  # fmt: skip
def test_a_failed_write_never_creates_a_database_at_a_mistyped_path(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    bills = tmp_path / "bills.csv"
    bills.write_text("meter,start,end,quantity\nMain,2025-01-01,2025-01-31,100\n")
    typo = tmp_path / "hospitl" / "hospital.db"
    done = run(typo, *(str(bills) if a == "BILLS" else a for a in args))
    one_error(done, f"no database at {typo}; create one with `greencare init` or `greencare demo`")
    assert not typo.parent.exists()


def test_the_command_line_shows_any_database_condition_in_one_line(ours: Path, monkeypatch) -> None:
    """The last guard: a sqlite3 error no storage function translated (here a page found
    damaged while reading) still reaches the user as one line, never a traceback."""

    def damaged(*args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(services, "list_facilities", damaged)
    result = CliRunner().invoke(main, ["--db", str(ours), "facility", "list"])
    assert (result.exit_code, result.output) == (
        1,
        f"error: {ours} is damaged (SQLite: database disk image is malformed); restore it from "
        "a backup\n",
    )
