"""The dashboard's stored figures (migration 0014), read and written without pandas.

A row holds the figures of one key (facility, GWP set, pinned editions, the factor library's
files, today's month) as JSON, with the data version they were computed at
(:func:`greencare.storage.db.data_version`). Writing one is not a change of data: it commits on
its own, without the counter's bump, and a failure to store (busy, read-only) is ignored, since
the figures are computed again next time.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sqlite_utils import Database

from greencare.storage.db import data_version

#: Milliseconds storing figures waits for another writer's lock before giving up.
STORE_WAIT_MS = 200
#: Stored figures kept (facilities x GWP sets x pinned editions in use, this month's).
KEEP = 64


def read(db: Database, key: str) -> tuple[int, dict[str, Any]] | None:
    """The stored (data version, figures) of ``key``, or None."""
    try:
        row = db.conn.execute(
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


__all__ = ["data_version", "read", "write"]
