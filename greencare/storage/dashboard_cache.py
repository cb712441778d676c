"""The dashboard's stored figures (migration 0014), read and written without pandas.

A row holds the figures of one key (facility, GWP set, pinned editions, the factor library's
files, today's month) as JSON, with the data version they were computed at
(:func:`greencare.storage.db.data_version`). Writing one is not a change of data: it commits on
its own, without the counter's bump, and a failure to store (busy, read-only) is ignored, since
the figures are computed again next time.

Reading needs only ``sqlite3``: :func:`peek` reads them from the file before greencare opens it
(sqlite-utils' import alone is a third of a minimal Textual app's start), so the terminal app
paints them first.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

#: Milliseconds storing figures waits for another writer's lock before giving up.
STORE_WAIT_MS = 200
#: Stored figures kept (facilities x GWP sets x pinned editions in use, this month's).
KEEP = 64


def _conn(db: Database | sqlite3.Connection) -> sqlite3.Connection:
    return db if isinstance(db, sqlite3.Connection) else db.conn


def data_version(db: Database | sqlite3.Connection) -> int:
    """The current data version (0 before migration 0014); as
    :func:`greencare.storage.db.data_version`, on a plain connection too."""
    try:
        row = _conn(db).execute("SELECT version FROM data_version WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0]) if row else 0


def read(db: Database | sqlite3.Connection, key: str) -> tuple[int, dict[str, Any]] | None:
    """The stored (data version, figures) of ``key``, or None."""
    try:
        conn = _conn(db)
        row = conn.execute(
            "SELECT data_version, figures FROM dashboard_cache WHERE key = ?", [key]
        ).fetchone()
    except sqlite3.OperationalError:  # before migration 0014
        return None
    if row is None:
        return None
    try:
        figures = json.loads(row[1])
    except ValueError:
        return None
    return (int(row[0]), figures) if isinstance(figures, dict) else None


def write(db: Database, key: str, version: int, figures: dict[str, Any]) -> bool:
    """Store ``figures`` for ``key`` as computed at ``version``; False when it could not."""
    if getattr(db, "refusal", None):
        return False
    conn = db.conn
    if conn.in_transaction:  # inside someone's write: never commit it for them
        return False
    text = json.dumps(figures, sort_keys=True)
    timeout_ms = int(getattr(db, "timeout", 30.0) * 1000)
    try:
        # An import holding the write lock must not keep the figures off the screen for the
        # whole busy timeout: wait a moment, else skip storing them this time.
        conn.execute(f"PRAGMA busy_timeout = {STORE_WAIT_MS}")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "INSERT INTO dashboard_cache (key, data_version, figures) VALUES (?, ?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET data_version = excluded.data_version, "
                    "figures = excluded.figures, computed_at = excluded.computed_at",
                    [key, version, text],
                )
                conn.execute(  # the newest keys only: months and factor stamps move on
                    "DELETE FROM dashboard_cache WHERE key NOT IN (SELECT key FROM "
                    "dashboard_cache ORDER BY computed_at DESC, rowid DESC LIMIT ?)",
                    [KEEP],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    except sqlite3.Error:
        return False
    return True


def peek(path: str | Path, read_with: Callable[[sqlite3.Connection], Any]) -> Any | None:
    """``read_with(conn)`` on a plain read-only connection to an existing greencare database,
    before anything opens it properly; None when the file is not simply that (missing, a
    folder, not writable by this user, not greencare's, or any SQLite error), so the caller
    opens it the usual way, whose checks and one-line errors apply."""
    file = Path(path).expanduser()
    try:
        if str(path) == ":memory:" or not file.is_file() or file.stat().st_size == 0:
            return None
        if not (os.access(file, os.R_OK | os.W_OK) and os.access(file.parent, os.W_OK)):
            return None
    except OSError:
        return None
    conn = None
    try:
        # mode=ro: never creates nor writes the file (query_only guards the connection too)
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
        conn.execute("PRAGMA query_only = ON")
        ours = conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'greencare' LIMIT 1"
        ).fetchone()
        return read_with(conn) if ours else None
    except sqlite3.Error:
        return None
    finally:
        if conn is not None:
            conn.close()


__all__ = ["data_version", "peek", "read", "write"]
