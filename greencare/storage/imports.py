"""Storage side of imports: stored readings a file collides with, replacing them, undoing a batch."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from greencare.storage import audit, rollups
from greencare.storage.readings import BULK_COLUMNS, DEMAND_COLUMNS


def stored_overlaps(db: Database, meter_id: int, start: int, end: int) -> pd.DataFrame:
    """Stored readings of a meter with any time in [start, end).

    A meter's stored readings never overlap each other, so the candidates are those starting
    inside the window plus the last one starting at or before it: two index range look-ups,
    however long the meter's history (a plain ``start_utc < end`` scan grows with it).
    """
    columns = ["id", "meter_id", "start_utc", "end_utc", "quantity", "unit", "batch_id"]
    sql = f"SELECT {', '.join(columns)} FROM readings WHERE meter_id = ? "
    inside = db.conn.execute(
        sql + "AND start_utc > ? AND start_utc < ?", [meter_id, start, end]
    ).fetchall()
    before = db.conn.execute(
        sql + "AND start_utc <= ? ORDER BY start_utc DESC LIMIT 1", [meter_id, start]
    ).fetchall()
    rows = [r for r in before if r[3] > start] + inside
    return pd.DataFrame(rows, columns=columns)


def stored_in_window(db: Database, meter_ids: list[int], start: int, end: int) -> pd.DataFrame:
    """Stored readings of these meters that may overlap [start, end): those starting inside it,
    and for each meter the last one starting before it (one query, plus one look-up a meter)."""
    columns = ["id", "meter_id", "start_utc", "end_utc", "quantity", "unit", "cost", "currency",
               "estimated", "demand_kw", "demand_cost"]  # fmt: skip
    marks = ", ".join("?" * len(meter_ids))
    rows = db.conn.execute(
        f"SELECT {', '.join(columns)} FROM readings WHERE meter_id IN ({marks}) "
        "AND start_utc > ? AND start_utc < ?",
        [*meter_ids, start, end],
    ).fetchall()
    for meter_id in meter_ids:
        rows += [
            r
            for r in db.conn.execute(
                f"SELECT {', '.join(columns)} FROM readings WHERE meter_id = ? "
                "AND start_utc <= ? ORDER BY start_utc DESC LIMIT 1",
                [meter_id, start],
            ).fetchall()
            if r[3] > start
        ]
    return pd.DataFrame(rows, columns=columns)


def delete_readings(db: Database, ids: list[int], *, source: str) -> int:
    """Delete readings (audited one by one, so an undo can put them back); caller's transaction."""
    if not ids:
        return 0
    removed = 0
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        frame = pd.read_sql_query(
            f"SELECT * FROM readings WHERE id IN ({marks})", db.conn, params=part
        )
        for row in frame.to_dict(orient="records"):
            audit.record(
                db, "readings", int(row["id"]), "delete", before=_plain(row), source=source
            )
        db.execute(f"DELETE FROM readings WHERE id IN ({marks})", part)
        rollups.apply(db, frame, sign=-1)
        removed += len(frame)
    return removed


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}


def find_batch_by_hash(db: Database, content_hash: str) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT * FROM import_batches WHERE content_hash = ? AND status = 'active' "
            "ORDER BY id DESC LIMIT 1",
            [content_hash],
        )
    )
    return dict(rows[0]) if rows else None


def undo_batch(db: Database, batch_id: int, *, source: str) -> dict[str, int]:
    """Remove everything a batch added and put back what it replaced, in one transaction."""
    from greencare.core.errors import ConflictError, NotFoundError

    with db.atomic():
        batch = list(db.query("SELECT * FROM import_batches WHERE id = ?", [batch_id]))
        if not batch:
            raise NotFoundError(f"no import batch {batch_id} (see `greencare imports list`)")
        if batch[0]["status"] == "undone":
            raise ConflictError(f"import batch {batch_id} was already undone")
        blocking = _replaced_by_active(db, batch_id)
        if blocking:
            ids = ", ".join(str(b) for b in blocking)
            raise ConflictError(
                f"import batch {batch_id} was partly replaced by batch {ids}; undo that first"
            )
        removed = 0
        first, last = batch[0].get("first_reading_id"), batch[0].get("last_reading_id")
        # By primary key within the ids the batch could have given (migration 0013): what the
        # batch holds, not the whole table; a batch from before it has no range and is scanned.
        where, params = "batch_id = ?", [batch_id]
        if first is not None and last is not None:
            where, params = "id BETWEEN ? AND ? AND batch_id = ?", [first, last, batch_id]
        while True:
            frame = pd.read_sql_query(
                f"SELECT * FROM readings WHERE {where} LIMIT 100000", db.conn, params=params
            )
            if frame.empty:
                break
            ids = frame["id"].tolist()
            for start in range(0, len(ids), 900):
                part = ids[start : start + 900]
                db.execute(f"DELETE FROM readings WHERE id IN ({', '.join('?' * len(part))})", part)
            rollups.apply(db, frame, sign=-1)  # after the delete: months recomputed from the rest
            removed += len(frame)
        for table in ("waste_records", "purchases", "weather_days", "weather_degree_days"):
            removed += db.execute(f"DELETE FROM [{table}] WHERE batch_id = ?", [batch_id]).rowcount
        removed += _remove_empty_stations(db, batch_id)
        restored = _restore_replaced(db, batch_id)
        gone, back = _undo_setup(db, batch_id, source=source)
        removed, restored = removed + gone, restored + back
        db.execute(
            "UPDATE import_batches SET status = 'undone', "
            "undone_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
            [batch_id],
        )
        audit.record(
            db,
            "import_batches",
            batch_id,
            "undo",
            before=dict(batch[0]),
            after={"removed": removed, "restored": restored},
            source=source,
        )
    return {"removed": removed, "restored": restored}


#: Rows that keep a created facility or meter in use: an undo refuses to delete it under them.
_DEPENDENTS = {
    "facilities": ("meters", "waste_records", "purchases", "normalizers", "instruments",
                   "weather_stations", "accepted_outliers"),
    "meters": ("readings", "instruments"),
}  # fmt: skip
_KEY = {"facilities": "facility_id", "meters": "meter_id"}


def _undo_setup(db: Database, batch_id: int, *, source: str) -> tuple[int, int]:
    """Reverse a setup import (facilities, meters, normalizers), newest change first: delete the
    rows it created, put back the rows it changed (its audit entries have the source
    ``import:BATCH``). Refused, naming the row, when one was changed since or is in use."""
    from greencare.core.errors import ConflictError

    entries = db.execute(
        "SELECT table_name, row_id, action, before, after FROM audit_log WHERE source = ? "
        "AND table_name IN ('facilities', 'meters', 'normalizers') ORDER BY id DESC",
        [f"import:{batch_id}"],
    ).fetchall()
    removed = restored = 0
    for table, row_id, action, before_text, after_text in entries:
        current = audit.row_dict(db, table, int(row_id))
        after = json.loads(after_text) if after_text else {}
        what = _setup_label(table, current or after)
        if current is None:
            raise ConflictError(f"cannot undo import batch {batch_id}: {what} is no longer there")
        changed = sorted(k for k, v in after.items() if k in current and current[k] != v)
        if changed:
            raise ConflictError(
                f"cannot undo import batch {batch_id}: {what} was changed since "
                f"({', '.join(changed)}); change it back or leave the batch"
            )
        if action == "insert":
            for other in _DEPENDENTS.get(table, ()):
                (count,) = db.execute(
                    f"SELECT count(*) FROM [{other}] WHERE [{_KEY[table]}] = ?", [row_id]
                ).fetchone()
                if count:
                    raise ConflictError(
                        f"cannot undo import batch {batch_id}: {what} it created has "
                        f"{count:,} {other.replace('_', ' ')} since; undo or delete those first"
                    )
            db.execute(f"DELETE FROM [{table}] WHERE id = ?", [row_id])
            audit.record(db, table, int(row_id), "delete", before=current, source=source)
            removed += 1
        elif action == "update" and before_text:
            previous = {k: v for k, v in json.loads(before_text).items() if k != "id"}
            sets = ", ".join(f"[{k}] = ?" for k in previous)
            db.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", [*previous.values(), row_id])
            audit.record(
                db, table, int(row_id), "update", before=current, after=previous, source=source
            )
            if table == "facilities" and current.get("timezone") != previous.get("timezone"):
                from greencare.storage import rollups

                rollups.rezone(db, int(row_id))  # its sums are by local month and hour
            restored += 1
    return removed, restored


def _setup_label(table: str, row: dict[str, Any]) -> str:
    from greencare.core.text import quote

    if table == "normalizers":
        return f"the normalizers of facility {row.get('facility_id')} for {row.get('month')}"
    noun = {"facilities": "facility", "meters": "meter"}[table]
    return f"{noun} {quote(str(row.get('name', '')))}"


def _remove_empty_stations(db: Database, batch_id: int) -> int:
    """Weather stations this batch created that hold no data any more."""
    return db.execute(
        "DELETE FROM weather_stations WHERE batch_id = ? "
        "AND id NOT IN (SELECT station_id FROM weather_days) "
        "AND id NOT IN (SELECT station_id FROM weather_degree_days)",
        [batch_id],
    ).rowcount


def _replaced_by_active(db: Database, batch_id: int) -> list[int]:
    """Batches, still active, whose --replace deleted readings of this batch.

    A replacing batch that was undone has put those readings back (with this batch's id), so it
    no longer stands in the way: undoing in reverse order always works.
    """
    later = db.execute(
        "SELECT DISTINCT source FROM audit_log WHERE table_name = 'readings' "
        "AND action = 'delete' AND source != ? AND source LIKE 'import:%' "
        "AND json_extract(before, '$.batch_id') = ?",
        [f"import:{batch_id}", batch_id],
    ).fetchall()
    ids = sorted(int(s.split(":", 1)[1]) for (s,) in later if s.split(":", 1)[1].isdigit())
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    active = db.execute(
        f"SELECT id FROM import_batches WHERE id IN ({marks}) AND status = 'active' ORDER BY id",
        ids,
    ).fetchall()
    return [int(r[0]) for r in active]


def _refuse_collisions(db: Database, frame: pd.DataFrame, batch_id: int) -> None:
    """Refuse to put back readings whose periods were taken since (say, typed in by hand):
    two readings of a meter may never overlap."""
    from greencare.core.errors import ConflictError

    for meter_id, part in frame.groupby("meter_id"):
        stored = stored_in_window(
            db, [int(meter_id)], int(part["start_utc"].min()), int(part["end_utc"].max())
        ).sort_values("start_utc")
        if stored.empty:
            continue
        part = part.sort_values("start_utc")
        starts, ends = stored["start_utc"].to_numpy(), stored["end_utc"].to_numpy()
        hi = np.searchsorted(starts, part["end_utc"].to_numpy(), side="left")
        lo = np.searchsorted(ends, part["start_utc"].to_numpy(), side="right")
        hits = np.flatnonzero(hi > lo)
        if hits.size:
            clash = int(stored["id"].to_numpy()[lo[hits[0]]])
            raise ConflictError(
                f"cannot undo import batch {batch_id}: {hits.size:,} readings it replaced would "
                f"overlap readings stored since (reading {clash} first); delete those first"
            )


def _restore_replaced(db: Database, batch_id: int) -> int:
    """Re-insert the readings this batch's --replace deleted (kept in the audit log)."""
    entries = db.execute(
        "SELECT before FROM audit_log WHERE table_name = 'readings' AND action = 'delete' "
        "AND source = ?",
        [f"import:{batch_id}"],
    ).fetchall()
    if not entries:
        return 0
    rows = [json.loads(e[0]) for e in entries]
    frame = pd.DataFrame(rows)
    ids = [int(i) for i in frame["id"]]
    taken: set[int] = set()
    for first in range(0, len(ids), 900):
        part = ids[first : first + 900]
        taken |= {
            int(r[0])
            for r in db.execute(
                f"SELECT id FROM readings WHERE id IN ({', '.join('?' * len(part))})", part
            ).fetchall()
        }
    _refuse_collisions(db, frame, batch_id)
    keep = ~frame["id"].isin(list(taken))  # ids reused since get new ones; the rest come back
    put = [*BULK_COLUMNS, *(c for c in DEMAND_COLUMNS if c in frame)]  # as they were stored
    for columns, rows in ((["id", *put], frame[keep]), (put, frame[~keep])):
        if rows.empty:
            continue
        db.conn.executemany(
            f"INSERT INTO readings ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            rows[columns].itertuples(index=False, name=None),
        )
    rollups.apply(db, frame, sign=1)
    return len(frame)
