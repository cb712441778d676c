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
    before: int | None = None,
) -> list[dict[str, Any]]:
    """Audit rows newest first, raw (before/after left as JSON text); ``entry_id``: that one;
    ``before``: only those older than that entry (the next page below one shown)."""
    where, params = [], []
    if before is not None:
        where.append("id < ?")
        params.append(before)
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
    if isinstance(value, float):  # a derived figure (5,942.060047000001 kg) at 12 digits
        return grouped(float(f"{value:.12g}"))
    return str(value)


def _period(row: dict[str, Any], tz: str) -> str | None:
    from greencare.core import periods

    if not isinstance(row.get("start_utc"), int) or not isinstance(row.get("end_utc"), int):
        return None
    start, end = periods.format_period(row["start_utc"], row["end_utc"], tz)
    return f"{start} to {end}"


def changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None, *, tz: str | None = None
) -> list[str]:
    """What an audit entry changed, one ``field: old -> new`` per field (a new or deleted row
    lists its values).

    With ``tz`` (the facility's zone) a stored period reads as one ``period`` in local dates,
    as it was entered (``2025-01-01 to 2025-01-31``), instead of two UTC instants."""
    before, after = before or {}, after or {}
    out = []
    skip = set(_QUIET)
    if tz and (_period(before, tz) or _period(after, tz)):
        old, new = _period(before, tz), _period(after, tz)
        if old != new:
            out.append(f"period: {new}" if not before else
                       f"period: {old} (removed)" if not after else f"period: {old} -> {new}")  # fmt: skip
        skip |= {"start_utc", "end_utc"}
    for column in sorted({*before, *after} - skip):
        old, new = before.get(column), after.get(column)
        if old == new:
            continue
        if column not in before:
            out.append(f"{column}: {_show(column, new)}")
        elif column not in after:
            out.append(f"{column}: {_show(column, old)} (removed)")
        else:
            shown_old, shown_new = _show(column, old), _show(column, new)
            if shown_old == shown_new:  # apart beyond 12 digits: never "x -> x"
                shown_old, shown_new = _exact(old), _exact(new)
            out.append(f"{column}: {shown_old} -> {shown_new}")
    return out


def _exact(value: Any) -> str:
    from greencare.core.numbers import grouped

    return grouped(value) if isinstance(value, int | float) else str(value)


def readable_entries(
    db: Database, *, table: str | None = None, source: str | None = None, limit: int = 50,
    entry_id: int | None = None, before: int | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Audit entries newest first, each with its changes spelled out (``changes``) and the
    raw before/after kept for scripts."""
    from greencare.storage.readings import meter_timezone

    zones: dict[tuple[str, int], str] = {}

    def zone(values: dict[str, Any]) -> str | None:
        for key, sql in (("meter_id", None), ("facility_id", "facility")):
            ref = values.get(key)
            if isinstance(ref, int):
                if (key, ref) not in zones:
                    zones[key, ref] = (
                        meter_timezone(db, ref) if sql is None else _facility_zone(db, ref)
                    )
                return zones[key, ref]
        return None

    out = []
    for row in audit_entries(db, table=table, source=source, limit=limit, entry_id=entry_id,
                             before=before):  # fmt: skip
        before, after = _loads(row.get("before")), _loads(row.get("after"))
        if not isinstance(before, dict | None) or not isinstance(after, dict | None):
            found = [f"{row['action']}: {row.get('after') or row.get('before') or ''}"]
        else:
            found = changes(before, after, tz=zone(after or before or {}))
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


def _loads(text: str | None) -> Any:
    """An audit column's JSON; text another tool wrote that is not JSON is kept as it is."""
    import json

    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _facility_zone(db: Database, facility_id: int) -> str:
    row = db.execute("SELECT timezone FROM facilities WHERE id = ?", [facility_id]).fetchone()
    return str(row[0]) if row and row[0] else "UTC"


def undo_change(db: Database, entry_id: int, *, source: str = "api") -> dict[str, Any]:
    """Reverse one audited change (an edit, a deletion, an addition) of a facility, meter,
    reading, waste record, purchase, instrument or normalizer: the row is put back as the audit
    entry recorded it. Only a row's newest change can be undone; the undo is audited too.
    Returns ``{"entry", "table", "row_id", "done"}`` (done: restored, changed back, removed)."""
    from greencare.storage import undo

    return undo.undo_change(db, entry_id, source=source)
