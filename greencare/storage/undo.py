"""Undoing one audited change: the audit log keeps every row as it was before and after each
insert, update and delete, so a change can be reversed from it.

Only the newest change of a row can be undone (an older one would silently throw away what came
after it), and only while the row still is as that change left it. The undo is itself an
audited insert, update or delete, so it can be undone in turn. Import batches are undone as a
whole (``storage.imports.undo_batch``), not row by row.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import ConflictError, NotFoundError
from greencare.storage import audit

#: Tables whose rows can be put back one change at a time, and how messages name a row.
UNDOABLE = {
    "facilities": "facility",
    "meters": "meter",
    "readings": "reading",
    "waste_records": "waste record",
    "purchases": "purchase",
    "instruments": "instrument",
    "normalizers": "normalizer",
}
_ROW_ACTIONS = ("insert", "update", "delete")


def _columns(db: Database, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info([{table}])").fetchall()]


def _same(stored: dict[str, Any], logged: dict[str, Any]) -> bool:
    """Whether a stored row still holds what an audit entry logged (compared as logged, JSON)."""
    shown = json.loads(json.dumps(stored, default=str))
    return all(shown.get(k) == v for k, v in logged.items() if k in shown)


def undo_change(db: Database, entry_id: int, *, source: str) -> dict[str, Any]:
    """Reverse audit entry ``entry_id``: a deleted row is put back, an update's old values are
    written again, an inserted row is removed. Returns what was done."""
    with db.atomic():
        found = list(db.query("SELECT * FROM audit_log WHERE id = ?", [entry_id]))
        if not found:
            raise NotFoundError(f"no audit entry {entry_id} (see `greencare audit list`)")
        entry = found[0]
        table, row_id, action = entry["table_name"], entry["row_id"], entry["action"]
        if action == "import" or table == "import_batches":
            raise ConflictError(
                f"audit entry {entry_id} is an import; undo its batch as a whole "
                "(`greencare imports undo`, or u in History)"
            )
        if action not in _ROW_ACTIONS or table not in UNDOABLE or row_id is None:
            raise ConflictError(f"audit entry {entry_id} ({action} of {table}) cannot be undone")
        noun = UNDOABLE[table]
        _newest(db, entry_id, table, int(row_id), noun)
        before = json.loads(entry["before"]) if entry["before"] else None
        after = json.loads(entry["after"]) if entry["after"] else None
        current = audit.row_dict(db, table, int(row_id))
        columns = _columns(db, table)
        label = f"{source} (undo of audit entry {entry_id})"
        try:
            if action == "delete":
                done = _restore(db, table, int(row_id), before, current, columns, noun, label)
            elif action == "update":
                done = _revert(db, table, int(row_id), before, after, current, columns, noun, label)
            else:
                done = _remove(db, table, int(row_id), after, current, noun, label)
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"cannot undo audit entry {entry_id}: {exc}") from exc
    return {"entry": entry_id, "table": table, "row_id": int(row_id), "done": done}


#: How an undo's audit entry names the entry it reversed (in its source).
_UNDO_OF = re.compile(r"\(undo of audit entry (\d+)\)$")


def _newest(db: Database, entry_id: int, table: str, row_id: int, noun: str) -> None:
    """Refuse unless ``entry_id`` is the row's newest change still in force: a later change
    together with the undo of it cancels out, so changes can be undone one after the other."""
    later = db.execute(
        "SELECT id, source FROM audit_log WHERE table_name = ? AND row_id = ? AND id > ? "
        "AND action IN ('insert', 'update', 'delete') ORDER BY id",
        [table, row_id, entry_id],
    ).fetchall()
    ids = {int(i) for i, _ in later}
    cancelled: set[int] = set()
    for undo_id, source in later:
        match = _UNDO_OF.search(source or "")
        if match and int(match.group(1)) == entry_id:
            raise ConflictError(
                f"audit entry {entry_id} was undone already (audit entry {undo_id})"
            )
        if match and int(match.group(1)) in ids:
            cancelled |= {int(undo_id), int(match.group(1))}
    standing = sorted(ids - cancelled)
    if standing:
        raise ConflictError(
            f"{noun} {row_id} was changed again since (audit entry {standing[-1]}); "
            "undo that change first"
        )


def _restore(
    db: Database, table: str, row_id: int, before: dict[str, Any] | None,
    current: dict[str, Any] | None, columns: list[str], noun: str, source: str,
) -> str:  # fmt: skip
    if current is not None or not isinstance(before, dict):
        raise ConflictError(f"{noun} {row_id} is stored again; nothing to put back")
    row = {k: before.get(k) for k in columns if k in before}
    row["id"] = row_id
    if table == "readings":
        _no_overlap(db, row, row_id)
    names = ", ".join(f"[{k}]" for k in row)
    db.execute(
        f"INSERT INTO [{table}] ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values())
    )
    restored = audit.row_dict(db, table, row_id)
    audit.record(db, table, row_id, "insert", after=restored, source=source)
    if table == "readings" and restored is not None:
        _roll_up(db, [restored], sign=1)
    return "restored"


def _revert(
    db: Database, table: str, row_id: int, before: dict[str, Any] | None,
    after: dict[str, Any] | None, current: dict[str, Any] | None, columns: list[str],
    noun: str, source: str,
) -> str:  # fmt: skip
    if current is None:
        raise ConflictError(f"{noun} {row_id} has been deleted since; nothing to change back")
    if not isinstance(before, dict):
        raise ConflictError(f"the audit log holds no earlier values of {noun} {row_id}")
    if isinstance(after, dict) and not _same(current, after):
        raise ConflictError(
            f"{noun} {row_id} was changed outside greencare since; nothing changed back"
        )
    row = {k: before[k] for k in columns if k in before and k != "id"}
    if table == "readings":
        _no_overlap(db, {**current, **row}, row_id)
    sets = ", ".join(f"[{k}] = ?" for k in row)
    db.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", [*row.values(), row_id])
    reverted = audit.row_dict(db, table, row_id)
    audit.record(db, table, row_id, "update", before=current, after=reverted, source=source)
    if table == "readings" and reverted is not None:
        _roll_up(db, [current, reverted], sign=-1)
    if table == "facilities" and reverted and current.get("timezone") != reverted.get("timezone"):
        from greencare.storage import rollups

        rollups.rezone(db, row_id)  # its sums are by local month and hour
    return "changed back"


def _remove(
    db: Database, table: str, row_id: int, after: dict[str, Any] | None,
    current: dict[str, Any] | None, noun: str, source: str,
) -> str:  # fmt: skip
    if current is None:
        raise ConflictError(f"{noun} {row_id} has been deleted already")
    if isinstance(after, dict) and not _same(current, after):
        raise ConflictError(f"{noun} {row_id} was changed outside greencare since; kept")
    children = {"facilities": ("meters", "facility_id"), "meters": ("readings", "meter_id")}
    if table in children:
        child, column = children[table]
        used = db.execute(f"SELECT count(*) FROM [{child}] WHERE [{column}] = ?", [row_id])
        if used.fetchone()[0]:
            raise ConflictError(f"{noun} {row_id} has {child} stored; it is kept")
    db.execute(f"DELETE FROM [{table}] WHERE id = ?", [row_id])
    audit.record(db, table, row_id, "delete", before=current, source=source)
    if table == "readings":
        _roll_up(db, [current], sign=-1)
    return "removed"


def _no_overlap(db: Database, row: dict[str, Any], row_id: int) -> None:
    from greencare.storage.readings import overlapping

    clash = [
        r
        for r in overlapping(db, int(row["meter_id"]), int(row["start_utc"]), int(row["end_utc"]))
        if r["id"] != row_id
    ]
    if clash:
        raise ConflictError(
            f"reading {row_id} would overlap reading {clash[0]['id']} stored since; "
            "delete or edit that one first"
        )


def _roll_up(db: Database, rows: list[dict[str, Any]], *, sign: int) -> None:
    """Keep the monthly and hourly roll-ups current for readings put back or changed back."""
    from greencare.storage import rollups

    columns = list(rows[0])
    rollups.apply(db, rollups.frame_from_rows([[r.get(c) for c in columns] for r in rows],
                                              columns), sign=sign)  # fmt: skip
