"""The audit log: every insert, update and delete, newest first."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database


def audit_entries(
    db: Database,
    *,
    table: str | None = None,
    source: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Audit rows newest first, raw (before/after left as JSON text)."""
    where, params = [], []
    if table:
        where.append("table_name = ?")
        params.append(table)
    if source:
        where.append("source LIKE ?")
        params.append(f"%{source}%")
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
    return [dict(r) for r in db.query(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])]


def audit_tables(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT table_name FROM audit_log ORDER BY 1")]
