"""The audit log: who changed which row of user data, from what to what, and when.

Every storage function that writes user data calls :func:`record` inside the same transaction
as the write, so a change and its audit row land together or not at all. A bulk import writes one
``import`` row for the batch (its rows carry the batch id) instead of one per reading.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database


def record(
    db: Database,
    table: str,
    row_id: int | None,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    source: str,
) -> None:
    db.execute(
        "INSERT INTO audit_log (table_name, row_id, action, before, after, source) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            table,
            row_id,
            action,
            json.dumps(before, default=str, sort_keys=True) if before is not None else None,
            json.dumps(after, default=str, sort_keys=True) if after is not None else None,
            source,
        ],
    )


def entries(
    db: Database, *, table: str | None = None, row_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Newest first; ``before``/``after`` decoded from JSON."""
    where, params = [], []
    if table is not None:
        where.append("table_name = ?")
        params.append(table)
    if row_id is not None:
        where.append("row_id = ?")
        params.append(row_id)
    sql = "SELECT * FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = [dict(r) for r in db.query(sql, params)]
    for row in rows:
        for key in ("before", "after"):
            row[key] = json.loads(row[key]) if row[key] else None
    return rows


def row_dict(db: Database, table: str, row_id: int) -> dict[str, Any] | None:
    """The current row as a dict, for the ``before`` of an update or delete."""
    rows = list(db.query(f"SELECT * FROM [{table}] WHERE id = ?", [row_id]))
    return dict(rows[0]) if rows else None


def insert_audited(db: Database, table: str, row: dict[str, Any], *, source: str) -> int:
    """Insert one row and its audit entry in one transaction; returns the new id.

    ``sqlite3.IntegrityError`` propagates so the caller can say which rule was broken.
    """
    columns = ", ".join(row)
    placeholders = ", ".join("?" * len(row))
    with db.atomic():
        cursor = db.execute(
            f"INSERT INTO [{table}] ({columns}) VALUES ({placeholders})",
            list(row.values()),
        )
        new_id = int(cursor.lastrowid or 0)
        record(db, table, new_id, "insert", after=row, source=source)
    return new_id
