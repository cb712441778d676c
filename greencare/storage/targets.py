"""Targets and settings rows (audited like every other write of user data)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import ConflictError, NotFoundError
from greencare.storage import audit

COLUMNS = ["scope", "basis", "baseline_year", "target_year", "reduction", "metric", "note"]

DUPLICATE = "a target for {scope}{basis} from {baseline_year} to {target_year} already exists"


def _duplicate(row: dict[str, Any]) -> ConflictError:
    basis = f" ({row['basis']})" if row.get("basis") else ""
    return ConflictError(DUPLICATE.format(**{**row, "basis": basis}) + " (edit it instead)")


def list_targets(db: Database) -> list[dict[str, Any]]:
    if "targets" not in db.table_names():  # a read-only database from before migration 0012
        return []
    return [
        dict(r)
        for r in db.query(
            "SELECT * FROM targets ORDER BY scope, basis, baseline_year, target_year, id"
        )
    ]


def get_target(db: Database, target_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM targets WHERE id = ?", [target_id]))
    if not rows:
        raise NotFoundError(f"no target with id {target_id} (see `greencare target list`)")
    return dict(rows[0])


def add_target(db: Database, row: dict[str, Any], *, source: str) -> int:
    try:
        return audit.insert_audited(db, "targets", row, source=source)
    except sqlite3.IntegrityError as exc:
        raise _duplicate(row) from exc


def update_target(db: Database, target_id: int, row: dict[str, Any], *, source: str) -> None:
    with db.atomic():
        before = audit.row_dict(db, "targets", target_id)
        if before is None:
            raise NotFoundError(f"no target with id {target_id} (see `greencare target list`)")
        sets = ", ".join(f"{k} = ?" for k in row)
        try:
            db.execute(f"UPDATE targets SET {sets} WHERE id = ?", [*row.values(), target_id])
        except sqlite3.IntegrityError as exc:
            raise _duplicate(row) from exc
        audit.record(db, "targets", target_id, "update", before=before, after=row, source=source)


def delete_target(db: Database, target_id: int, *, source: str) -> dict[str, Any]:
    with db.atomic():
        before = audit.row_dict(db, "targets", target_id)
        if before is None:
            raise NotFoundError(f"no target with id {target_id} (see `greencare target list`)")
        db.execute("DELETE FROM targets WHERE id = ?", [target_id])
        audit.record(db, "targets", target_id, "delete", before=before, source=source)
    return before


def settings(db: Database) -> dict[str, str]:
    if "settings" not in db.table_names():  # a read-only database from before migration 0012
        return {}
    return {r["key"]: r["value"] for r in db.query("SELECT key, value FROM settings")}


def set_setting(db: Database, key: str, value: str | None, *, source: str) -> None:
    """Store (or, with ``None``, remove) one setting; the audit row names the key."""
    with db.atomic():
        rows = list(db.query("SELECT key, value FROM settings WHERE key = ?", [key]))
        before = dict(rows[0]) if rows else None
        if value is None:
            if before is None:
                return
            db.execute("DELETE FROM settings WHERE key = ?", [key])
            audit.record(db, "settings", None, "delete", before=before, source=source)
            return
        after = {"key": key, "value": value}
        if before == after:
            return
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])
        action = "insert" if before is None else "update"
        audit.record(db, "settings", None, action, before=before, after=after, source=source)
