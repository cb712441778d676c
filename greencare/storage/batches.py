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
    return int(cursor.lastrowid or 0)


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
    after = get_batch(db, batch_id)
    audit.record(db, "import_batches", batch_id, "import", after=after, source=source)


def get_batch(db: Database, batch_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM import_batches WHERE id = ?", [batch_id]))
    return dict(rows[0]) if rows else None


def list_batches(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT * FROM import_batches ORDER BY id DESC")]
