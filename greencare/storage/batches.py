"""Import batches: every file brought in is one batch that can be listed and undone."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from greencare.storage import audit


def file_hash(path: Path, inspect: Callable[[bytes], None] | None = None) -> str:
    """SHA-256 of a file's bytes, read in chunks so large files stay out of memory.

    ``inspect`` sees each 1 MiB block before it is hashed and may raise to stop reading (the
    importers' guard refuses binary data and giant lines this way, without reading the rest).
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            if inspect is not None:
                inspect(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return None


def create_batch(
    db: Database, *, file_name: str, content_hash: str, fmt: str, target_table: str
) -> int:
    """Open a batch row; call inside the import's transaction so it vanishes with a rollback."""
    cursor = db.execute(
        "INSERT INTO import_batches (file_name, content_hash, format, target_table, created_by) "
        "VALUES (?, ?, ?, ?, ?)",
        [file_name, content_hash, fmt, target_table, _user()],
    )
    batch_id = int(cursor.lastrowid or 0)
    note_reading_ids(db, batch_id)
    return batch_id


def note_reading_ids(db: Database, batch_id: int) -> None:
    """Lower the batch's first possible reading id to the id the next insert takes (the largest
    stored plus one: the rowid rule). Called at its start and before each insert, because a
    ``--replace`` import deletes readings first, and the largest id can fall below the start."""
    if _has_reading_range(db):
        db.execute(
            "UPDATE import_batches SET first_reading_id = min(coalesce(first_reading_id, "
            "9223372036854775807), (SELECT coalesce(max(id), 0) + 1 FROM readings)) WHERE id = ?",
            [batch_id],
        )


def _has_reading_range(db: Database) -> bool:
    """Whether the database has migration 0013's columns (a read-only older file may not)."""
    return "first_reading_id" in {r[1] for r in db.execute("PRAGMA table_info(import_batches)")}


def finish_batch(
    db: Database,
    batch_id: int,
    *,
    rows_read: int,
    rows_inserted: int,
    source: str,
    rows_skipped: int = 0,
    rows_rejected: int = 0,
) -> None:
    """Record the counts and write the batch's single audit entry."""
    db.execute(
        "UPDATE import_batches SET rows_read = ?, rows_inserted = ?, rows_skipped = ?, "
        "rows_rejected = ? WHERE id = ?",
        [rows_read, rows_inserted, rows_skipped, rows_rejected, batch_id],
    )
    if _has_reading_range(db):
        db.execute(
            "UPDATE import_batches SET last_reading_id = (SELECT max(id) FROM readings) "
            "WHERE id = ?",
            [batch_id],
        )
    after = get_batch(db, batch_id)
    audit.record(db, "import_batches", batch_id, "import", after=after, source=source)


def get_batch(db: Database, batch_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM import_batches WHERE id = ?", [batch_id]))
    return dict(rows[0]) if rows else None


def list_batches(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT * FROM import_batches ORDER BY id DESC")]
