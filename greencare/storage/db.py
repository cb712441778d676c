"""Opening the database: file permissions, pragmas and migrations.

One SQLite file holds everything. WAL lets the TUI read while a script imports; foreign keys are
on so a reading can never point at a missing meter. A new file is created readable and writable
by its owner only, since it holds a hospital's operating data.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from greencare.core.errors import DatabaseBusyError, DatabaseError, InputError
from greencare.paths import ENV_VAR, data_dir, default_db_path, demo_db_path  # noqa: F401
from greencare.storage.schema import migrations

BUSY_ENV_VAR = "GREENCARE_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 30.0


#: Rows per statement in :func:`replace_columns`: one statement step per block, not per row.
REPLACE_BLOCK = 100


def replace_columns(db: Database, table: str, names: list[str], columns: list[list]) -> None:
    """``INSERT OR REPLACE`` rows given as plain Python lists, one per column (a row iterated
    out of a frame boxes every value: most of a roll-up's storing time at 100k rows),
    :data:`REPLACE_BLOCK` rows per statement and the rest one by one."""
    width, n = len(names), len(columns[0]) if columns else 0
    if not n:
        return
    flat: list = [None] * (n * width)
    for j, values in enumerate(columns):
        flat[j::width] = values
    into = f"INSERT OR REPLACE INTO {table} ({', '.join(names)}) VALUES "
    row = "(" + ", ".join("?" * width) + ")"
    full = n - n % REPLACE_BLOCK
    if full:
        size = REPLACE_BLOCK * width
        db.conn.executemany(
            into + ", ".join([row] * REPLACE_BLOCK),
            (flat[i : i + size] for i in range(0, full * width, size)),
        )
    if full < n:
        db.conn.executemany(
            into + row, (flat[i : i + width] for i in range(full * width, n * width, width))
        )


def busy_timeout() -> float:
    """Seconds a write waits for another connection's write to finish: ``$GREENCARE_BUSY_TIMEOUT``
    if set, else 30. Waiting longer than the longest import people run is the point; scripts
    that prefer to fail fast set it lower."""
    value = os.environ.get(BUSY_ENV_VAR, "").strip()
    if not value:
        return DEFAULT_BUSY_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        raise DatabaseError(f"${BUSY_ENV_VAR}: {value!r} is not a number of seconds") from None
    if not seconds >= 0:
        raise DatabaseError(f"${BUSY_ENV_VAR}: {value!r} must be zero or more seconds")
    return seconds


#: SQLite's largest integer; Python's have no end, and a bigger one bound to a statement raised
#: OverflowError (a traceback) wherever a typed id, limit or count reached the database.
MAX_INTEGER = 2**63 - 1


def _too_large(parameters: Any) -> InputError:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    big = None
    if isinstance(values, list | tuple | type({}.values())):
        big = next((v for v in values if isinstance(v, int) and abs(v) > MAX_INTEGER), None)
    what = "a number" if big is None else str(big)
    return InputError(
        f"{what} is too large to store (SQLite's whole numbers end at {MAX_INTEGER:,})"
    )


class _Connection(sqlite3.Connection):
    """greencare's connection: an integer SQLite cannot hold is the user's input error, for
    every statement (sqlite-utils' own, storage's, pandas')."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().execute(sql, parameters)
        except OverflowError:
            raise _too_large(parameters) from None

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:  # type: ignore[override]
        try:
            return super().executemany(sql, parameters)
        except OverflowError:
            raise _too_large(()) from None


class GreencareDatabase(Database):
    """A sqlite-utils ``Database`` whose every transaction takes the write lock up front.

    sqlite-utils' ``atomic()`` (used by its own inserts as well as by greencare's storage
    functions) issues a deferred ``BEGIN``: the transaction reads first and asks for the write
    lock later, and SQLite cannot wait for a lock a reader wants to upgrade (it would
    deadlock), so it fails at once with "database is locked" whatever the busy timeout. Here
    ``atomic()`` is :func:`write_transaction`, which asks for the lock with ``BEGIN
    IMMEDIATE``, so a second writer waits for the first within the busy timeout.
    """

    #: The file as the user named it, for messages.
    label: str = ":memory:"
    #: Seconds a write waits for the write lock.
    timeout: float = DEFAULT_BUSY_TIMEOUT
    #: Why this database may be read but not written (a newer schema, a read-only file).
    refusal: str | None = None

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        with write_transaction(self):
            yield self


def _label(db: Database) -> str:
    return getattr(db, "label", None) or "the database"


def _primary(exc: sqlite3.Error) -> int:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else -1


def is_condition(exc: BaseException) -> bool:
    """Whether a sqlite3 error is a state of the file or of other programs (busy, full,
    read-only, damaged) rather than a constraint or a programming error."""
    return isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError


def database_error(
    exc: sqlite3.Error, db: Database | str, *, writing: bool = False
) -> DatabaseError:
    """The one-line error a person is shown for a sqlite3 error on ``db``."""
    label = db if isinstance(db, str) else _label(db)
    code, text = _primary(exc), str(exc)
    lost = "; nothing was written" if writing else ""
    if code in (5, 6) or "locked" in text:  # SQLITE_BUSY, SQLITE_LOCKED
        timeout = getattr(db, "timeout", DEFAULT_BUSY_TIMEOUT)
        return DatabaseBusyError(
            f"database {label} is busy: another program (an import?) held its write lock for "
            f"more than {timeout:g} s{lost}; try again when it has finished"
        )
    if code == 8 or "readonly" in text:  # SQLITE_READONLY
        return DatabaseError(f"cannot write to {label}: the file or its folder is read-only{lost}")
    if code == 13 or "is full" in text:  # SQLITE_FULL
        return DatabaseError(f"cannot write to {label}: the disk is full{lost}")
    if code == 26 or "not a database" in text:  # SQLITE_NOTADB
        return DatabaseError(f"{label} is not a SQLite database (or it is encrypted)")
    if code == 11 or "malformed" in text:  # SQLITE_CORRUPT
        return DatabaseError(f"{label} is damaged (SQLite: {text}); restore it from a backup{lost}")
    if code == 14:  # SQLITE_CANTOPEN
        return DatabaseError(
            f"cannot open {label}: {text} (does the folder exist, and may you write to it?)"
        )
    if code == 10:  # SQLITE_IOERR
        return DatabaseError(f"cannot read or write {label}: {text}{lost}")
    return DatabaseError(f"database {label}: {text}{lost}")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        # the error that brought us here may have ended the transaction already
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def begin_write(db: Database) -> None:
    """Start a transaction holding the write lock (``BEGIN IMMEDIATE``), waiting for another
    writer within the busy timeout; for code that commits or rolls back itself (imports)."""
    refusal = getattr(db, "refusal", None)
    if refusal:
        raise DatabaseError(refusal)
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise database_error(exc, db, writing=True) from None
    bump_data_version(db)


def bump_data_version(db: Database) -> None:
    """Add one to the data version (migration 0014) inside the transaction just begun: stored
    dashboard figures computed at an older version are stale. Rolled back with the
    transaction; a database from before the migration has no counter yet."""
    try:
        db.conn.execute("UPDATE data_version SET version = version + 1 WHERE id = 1")
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            _rollback(db.conn)
            raise database_error(exc, db, writing=True) from None


def data_version(db: Database) -> int:
    """The current data version (0 before migration 0014)."""
    try:
        row = db.conn.execute("SELECT version FROM data_version WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0]) if row else 0


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """Run a block of writes as one transaction that holds the write lock from its start.

    Nested blocks become savepoints of the outer transaction. A database condition (busy
    beyond the timeout, disk full, read-only, damaged) rolls everything back and is raised as
    a :class:`DatabaseError` with one line for the user; other errors roll back and propagate.
    """
    conn = db.conn
    if conn.in_transaction:
        savepoint = f"greencare_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
        return
    begin_write(db)
    try:
        yield db
    except sqlite3.Error as exc:
        _rollback(conn)
        if is_condition(exc):
            raise database_error(exc, db, writing=True) from exc
        raise
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        _rollback(conn)
        raise database_error(exc, db, writing=True) from exc


def known_migrations() -> list[str]:
    return [m.name for m in migrations._migrations]  # sqlite-utils keeps them in order here


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("greencare")
    except Exception:  # not installed (running from a checkout)
        return "this version"


def _applied(db: Database, label: str) -> list[str] | None:
    """greencare's applied migrations; None for a file with no schema at all (a new file).

    Refuses any other file before anything is written to it: greencare never adds its tables
    to another application's database.
    """
    names = sorted(
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%'"
        )
    )
    if not names:
        return None
    applied: list[str] = []
    if Migrations.migrations_table in names:
        try:
            applied = [
                r[0]
                for r in db.execute(
                    f"SELECT name FROM [{Migrations.migrations_table}] "
                    "WHERE migration_set = ? ORDER BY rowid",
                    [migrations.name],
                )
            ]
        except sqlite3.OperationalError:  # another tool's table of the same name
            applied = []
    if not applied:
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        raise DatabaseError(
            f"{label} is not a greencare database (it has other tables: {shown}); greencare "
            "leaves it unchanged: give a new file name with --db or $GREENCARE_DB"
        )
    return applied


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _needed_version(db: Database, unknown: list[str]) -> str | None:
    """The newest greencare version that applied one of ``unknown`` (0007_schema_versions)."""
    try:
        marks = ", ".join("?" * len(unknown))
        versions = [
            str(r[0])
            for r in db.execute(
                f"SELECT greencare_version FROM schema_versions WHERE migration IN ({marks})",
                unknown,
            )
        ]
    except sqlite3.OperationalError:  # a database from before versions were recorded
        return None
    return max(versions, key=_version_key) if versions else None


def _newer(db: Database, applied: list[str], label: str) -> str | None:
    unknown = [name for name in applied if name not in set(known_migrations())]
    if not unknown:
        return None
    needed, names = _needed_version(db, unknown), ", ".join(unknown)
    this = f"this is greencare {_version()}, whose latest migration is {max(known_migrations())}"
    needs = (
        f"greencare {needed} or later (for migration {names}; {this})"
        if needed
        else f"a greencare that knows migration {names} ({this})"
    )
    return (
        f"{label} was upgraded by a newer greencare: it needs {needs}; it can be read but not "
        "changed: upgrade greencare"
    )


def _record_versions(db: Database, names: list[str]) -> None:
    version = _version()
    if version == "this version" or "schema_versions" not in db.table_names():
        return
    db.conn.executemany(
        "INSERT OR REPLACE INTO schema_versions (migration, greencare_version) VALUES (?, ?)",
        [(name, version) for name in names],
    )


def _migrate(db: Database) -> None:
    """Apply pending migrations under the write lock, so two programs opening a new file at
    once cannot both create the schema."""
    if not migrations.pending(db):
        return
    with write_transaction(db):
        pending = [m.name for m in migrations.pending(db)]  # again, now that it holds the lock
        migrations.apply(db)
        _record_versions(db, pending)


def open_db(
    path: str | Path | None = None, *, migrate: bool = True, timeout: float | None = None
) -> Database:
    """Open (creating if needed) a greencare database and bring its schema up to date.

    A missing or empty file gets greencare's schema; a file greencare made is upgraded; any
    other SQLite file is refused (:class:`DatabaseError`) before anything is written to it. A
    file upgraded by a newer greencare, or one this user cannot write, opens for reading only:
    every write is refused with the reason.

    Args:
        path: a file path, ``":memory:"`` for a throw-away database, or None for the default.
        migrate: apply pending migrations (always wanted, except by tests of migrations).
        timeout: seconds a write waits for another writer (default :func:`busy_timeout`).
    """
    if path is None:
        path = default_db_path()
    seconds = busy_timeout() if timeout is None else timeout
    memory = str(path) == ":memory:"
    if memory:
        label = ":memory:"
        conn = sqlite3.connect(":memory:", check_same_thread=False, factory=_Connection)
        read_only = ""
    else:
        file = Path(path).expanduser()
        label = str(file)
        if file.is_dir():
            raise DatabaseError(f"{label} is a folder, not a database file")
        if not file.exists():
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(file, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
                os.close(fd)
            except FileExistsError:
                pass  # another program made it since the check: open the one it made
            except OSError as exc:
                raise DatabaseError(f"cannot create database {label}: {exc.strerror}") from None
        read_only = {
            (False, False): "the file and its folder are read-only",
            (False, True): "the file is read-only",
            (True, False): "its folder is read-only",
        }.get((os.access(file, os.W_OK), os.access(file.parent, os.W_OK)), "")
        try:
            conn = sqlite3.connect(
                str(file), timeout=seconds, check_same_thread=False, factory=_Connection
            )
        except sqlite3.Error as exc:
            raise database_error(exc, label) from None
    db = GreencareDatabase(conn, execute_plugins=False)
    db.label, db.timeout = label, seconds
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        applied = _applied(db, label)
        db.refusal = _newer(db, applied or [], label)
        if read_only and not db.refusal:
            db.refusal = f"cannot write to {label}: {read_only}"
            if applied is None or (migrate and migrations.pending(db)):
                raise DatabaseError(db.refusal + " (and greencare must first set it up)")
        if db.refusal:
            db.execute("PRAGMA query_only = ON")  # the last guard, under every write path
            return db
        if not memory:
            _wal(db, seconds)
            db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            _migrate(db)
    except sqlite3.Error as exc:
        conn.close()
        if read_only and _primary(exc) == 8:  # SQLITE_READONLY while only reading
            raise DatabaseError(
                f"cannot open {label}: {read_only}, and SQLite must write its -shm file beside "
                "the database even to read it; copy the file to a folder you may write to"
            ) from None
        raise database_error(exc, label) from None
    except BaseException:
        conn.close()
        raise
    return db


def _wal(db: Database, seconds: float) -> None:
    """Put the file in WAL mode (once per file: later opens find it so). SQLite answers a
    switch it cannot make at once (another program opening the same new file) with "database
    is locked" without waiting for the busy timeout, so it is tried again until that timeout:
    three ``greencare init`` of one new file at once failed one in about 40 runs."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        try:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if _primary(exc) != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def raise_condition(exc: BaseException, db: Database) -> None:
    """Re-raise a database condition met inside a write as its one-line :class:`DatabaseError`
    (call in an ``except`` block after rolling back); anything else is left to the caller."""
    if isinstance(exc, sqlite3.Error) and is_condition(exc):
        raise database_error(exc, db, writing=True) from exc


def check_usable(db: Database) -> None:
    """Refuse a database that is damaged or cannot be written, in one line (for ``init``).

    Reads the whole file (``PRAGMA quick_check``), so it is for a command that promises the
    database is ready, not for every open.
    """
    try:
        problems = [r[0] for r in db.execute("PRAGMA quick_check(3)")]
    except sqlite3.Error as exc:
        raise database_error(exc, db) from None
    if problems != ["ok"]:
        raise DatabaseError(f"{_label(db)} is damaged ({problems[0]}); restore it from a backup")
    with write_transaction(db):  # takes the write lock: refused if read-only, newer or busy
        pass
