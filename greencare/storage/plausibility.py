"""What the plausibility rules compare with, and the record of values accepted over them.

The rules themselves are pure (:mod:`greencare.core.plausibility`); this module reads the
history of a meter, a waste stream or a purchased item, and the facility's size, and stores
``accepted_outliers`` rows (audited) for values kept over a warning or a deliberate override.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median
from typing import Any

from sqlite_utils import Database

from greencare.storage import audit

#: Fewest stored records that make a history (fewer: the facility bounds apply instead).
MIN_HISTORY = 3


def usual_reading_rate(
    db: Database, meter_id: int, *, exclude_id: int | None = None
) -> float | None:
    """Median canonical quantity per day of a meter's latest 500 readings, or None."""
    rows = db.execute(
        "SELECT quantity_canonical * 86400.0 / (end_utc - start_utc) FROM readings "
        "WHERE meter_id = ? AND id IS NOT ? ORDER BY start_utc DESC LIMIT 500",
        [meter_id, exclude_id],
    ).fetchall()
    values = [r[0] for r in rows if r[0] is not None and r[0] > 0]
    return float(median(values)) if len(values) >= MIN_HISTORY else None


def usual_waste_rate(
    db: Database, facility_id: int, stream: str, *, exclude_batch: int | None = None,
    exclude_id: int | None = None,
) -> float | None:  # fmt: skip
    """Median kg per day of a facility's stored records of one waste stream, or None
    (``exclude_id``: a record being corrected, whose old value is no history of its own)."""
    rows = db.execute(
        "SELECT quantity_kg / (julianday(end_date) - julianday(start_date) + 1) "
        "FROM waste_records WHERE facility_id = ? AND stream = ? AND coalesce(batch_id, -1) != coalesce(?, -2) "
        "AND id IS NOT ?",
        [facility_id, stream, exclude_batch, exclude_id],
    ).fetchall()
    values = [r[0] for r in rows if r[0]]
    return float(median(values)) if len(values) >= MIN_HISTORY else None


def purchase_history(
    db: Database, facility_id: int, category: str, item: str | None, *,
    exclude_batch: int | None = None, exclude_id: int | None = None,
) -> list[tuple[float, str]]:  # fmt: skip
    """(quantity, unit) of a facility's stored purchases of one healthcare item."""
    rows = db.execute(
        "SELECT quantity, unit FROM purchases WHERE facility_id = ? AND category = ? "
        "AND item IS ? AND quantity IS NOT NULL AND coalesce(batch_id, -1) != coalesce(?, -2) "
        "AND id IS NOT ?",
        [facility_id, category, item, exclude_batch, exclude_id],
    ).fetchall()
    return [(float(q), str(u)) for q, u in rows]


def facility_size(db: Database, facility_id: int) -> dict[str, Any]:
    row = db.execute(
        "SELECT name, floor_area_m2, staffed_beds FROM facilities WHERE id = ?", [facility_id]
    ).fetchone()
    if row is None:
        return {"name": "", "floor_area_m2": None, "staffed_beds": None}
    return {"name": row[0], "floor_area_m2": row[1], "staffed_beds": row[2]}


def record_flags(
    db: Database,
    table: str,
    row_id: int,
    flags: Sequence[dict[str, Any]],
    *,
    facility_id: int | None,
    month: str | None,
    source: str,
    accepted_by: str | None = None,
    batch_id: int | None = None,
) -> None:
    """Store (and audit) the findings a stored value was accepted over."""
    for flag in flags:
        row = {
            "table_name": table,
            "row_id": row_id,
            "facility_id": facility_id,
            "month": month,
            "rule": flag["rule"],
            "level": flag["level"],
            "message": flag["message"],
            "accepted_by": accepted_by,
            "source": source,
            "batch_id": batch_id,
        }
        audit.insert_audited(db, "accepted_outliers", row, source=source)


def record_bulk(
    db: Database, rows: list[dict[str, Any]], *, source: str, batch_id: int | None
) -> None:
    """Flags of an import: one insert for all of them and one audit row for the batch."""
    if not rows:
        return
    columns = [
        "table_name", "row_id", "facility_id", "month", "rule", "level", "message",
        "accepted_by", "source", "batch_id",
    ]  # fmt: skip
    db.conn.executemany(
        f"INSERT INTO accepted_outliers ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})",
        [[r.get(c) for c in columns] for r in rows],
    )
    audit.record(
        db, "accepted_outliers", None, "import",
        after={"batch_id": batch_id, "flags": len(rows)}, source=source,
    )  # fmt: skip


def clear_flags(db: Database, table: str, row_id: int, *, source: str) -> None:
    """Forget the flags of a row whose value has been corrected (audited)."""
    for row in db.query(
        "SELECT * FROM accepted_outliers WHERE table_name = ? AND row_id = ?", [table, row_id]
    ):
        db.execute("DELETE FROM accepted_outliers WHERE id = ?", [row["id"]])
        audit.record(db, "accepted_outliers", row["id"], "delete", before=dict(row), source=source)


_LIVE = (
    "EXISTS (SELECT 1 FROM readings r WHERE a.table_name = 'readings' AND r.id = a.row_id) "
    "OR EXISTS (SELECT 1 FROM waste_records w WHERE a.table_name = 'waste_records' "
    "AND w.id = a.row_id) "
    "OR EXISTS (SELECT 1 FROM purchases p WHERE a.table_name = 'purchases' AND p.id = a.row_id)"
)


def list_flags(
    db: Database,
    *,
    first_month: str | None = None,
    last_month: str | None = None,
    facility_ids: Sequence[int] | None = None,
    table: str | None = None,
    row_id: int | None = None,
) -> list[dict[str, Any]]:
    """Accepted outliers whose record is still stored, oldest month first."""
    where, params = [f"({_LIVE})"], []
    if first_month:
        where.append("a.month >= ?")
        params.append(first_month)
    if last_month:
        where.append("a.month <= ?")
        params.append(last_month)
    if facility_ids:
        where.append(f"a.facility_id IN ({', '.join('?' * len(facility_ids))})")
        params += list(facility_ids)
    if table:
        where.append("a.table_name = ?")
        params.append(table)
    if row_id is not None:
        where.append("a.row_id = ?")
        params.append(row_id)
    sql = (
        "SELECT a.*, f.name AS facility FROM accepted_outliers a "
        "LEFT JOIN facilities f ON f.id = a.facility_id WHERE "
        + " AND ".join(where)
        + " ORDER BY a.month, a.table_name, a.row_id, a.id"
    )
    return [dict(r) for r in db.query(sql, params)]
