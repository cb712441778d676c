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
    entry_id: int | None = None,
) -> list[dict[str, Any]]:
    """Audit rows newest first, raw (before/after left as JSON text); ``entry_id``: that one."""
    where, params = [], []
    if entry_id is not None:
        where.append("id = ?")
        params.append(entry_id)
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


#: Columns stored as epoch seconds (UTC): shown as date-times people read.
_INSTANTS = {"start_utc", "end_utc", "created_utc", "updated_utc"}
#: Bookkeeping columns a person does not need to see change.
_QUIET = {"quantity_canonical", "canonical_unit", "id"}


def _show(column: str, value: Any) -> str:
    from datetime import UTC, datetime

    from greencare.core.numbers import grouped

    if value is None:
        return "(none)"
    if column in _INSTANTS and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, float):
        return grouped(value)
    return str(value)


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """What an audit entry changed, one ``field: old -> new`` per field (a new or deleted row
    lists its values)."""
    before, after = before or {}, after or {}
    out = []
    for column in sorted({*before, *after} - _QUIET):
        old, new = before.get(column), after.get(column)
        if old == new:
            continue
        if column not in before:
            out.append(f"{column}: {_show(column, new)}")
        elif column not in after:
            out.append(f"{column}: {_show(column, old)} (removed)")
        else:
            out.append(f"{column}: {_show(column, old)} -> {_show(column, new)}")
    return out


def readable_entries(
    db: Database, *, table: str | None = None, source: str | None = None, limit: int = 50,
    entry_id: int | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Audit entries newest first, each with its changes spelled out (``changes``) and the
    raw before/after kept for scripts."""
    import json

    out = []
    for row in audit_entries(db, table=table, source=source, limit=limit, entry_id=entry_id):
        before = json.loads(row["before"]) if row.get("before") else None
        after = json.loads(row["after"]) if row.get("after") else None
        if not isinstance(before, dict | None) or not isinstance(after, dict | None):
            found = [f"{row['action']}: {row.get('after') or row.get('before') or ''}"]
        else:
            found = changes(before, after)
        out.append(
            {
                "id": row["id"],
                "when": row["ts"],
                "table": row["table_name"],
                "row_id": row["row_id"],
                "action": row["action"],
                "source": row["source"],
                "changes": found,
                "before": before,
                "after": after,
            }
        )
    return out


def undo_change(db: Database, entry_id: int, *, source: str = "api") -> dict[str, Any]:
    """Reverse one audited change (an edit, a deletion, an addition) of a facility, meter,
    reading, waste record, purchase, instrument or normalizer: the row is put back as the audit
    entry recorded it. Only a row's newest change can be undone; the undo is audited too.
    Returns ``{"entry", "table", "row_id", "done"}`` (done: restored, changed back, removed)."""
    from greencare.storage import undo

    return undo.undo_change(db, entry_id, source=source)
