"""Readings: quantities over periods, one table for bills and intervals alike."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from greencare.core import periods, units
from greencare.core.errors import ConflictError, NotFoundError
from greencare.core.models import Meter, Reading
from greencare.core.text import quote
from greencare.storage import audit, batches

if TYPE_CHECKING:
    import numpy as np

#: Columns written per reading, in the order bulk inserts pass them.
BULK_COLUMNS = (
    "meter_id",
    "start_utc",
    "end_utc",
    "quantity",
    "unit",
    "quantity_canonical",
    "cost",
    "currency",
    "estimated",
    "source",
    "batch_id",
)


def _row(reading: Reading, meter: Meter) -> dict[str, Any]:
    return {
        "meter_id": meter.id,
        "start_utc": periods.to_epoch(reading.start),
        "end_utc": periods.to_epoch(reading.end),
        "quantity": reading.quantity,
        "unit": reading.unit,
        # Refuses a unit the meter is not billed in and a value that does not stay finite, also
        # for a Reading validated without its meter (the Python API).
        "quantity_canonical": units.canonical_quantity(
            reading.quantity, reading.unit, meter.commodity
        ),
        "cost": reading.cost,
        "currency": reading.currency,
        "estimated": int(reading.estimated),
        "source": reading.source,
        "batch_id": reading.batch_id,
        "demand_kw": reading.demand_kw,
        "demand_cost": reading.demand_cost,
    }


def overlapping(db: Database, meter_id: int, start_utc: int, end_utc: int) -> list[dict[str, Any]]:
    """Stored readings of a meter whose period shares any time with [start, end)."""
    return [
        dict(r)
        for r in db.query(
            "SELECT * FROM readings WHERE meter_id = ? AND start_utc < ? AND end_utc > ? "
            "ORDER BY start_utc LIMIT 5",
            [meter_id, end_utc, start_utc],
        )
    ]


def add_reading(db: Database, reading: Reading, meter: Meter, *, source: str = "manual") -> int:
    """Insert one reading; refuses a duplicate or a period overlapping a stored one."""
    from greencare.storage import rollups

    if meter.id is None:
        raise NotFoundError("meter has no id")
    row = _row(reading, meter)
    for name in ("demand_kw", "demand_cost"):  # optional bill fields: stored only when given
        if row[name] is None:
            del row[name]
    with db.atomic():
        clash = overlapping(db, meter.id, row["start_utc"], row["end_utc"])
        if clash:
            first = clash[0]
            raise ConflictError(
                f"period overlaps the reading of meter {quote(meter.name)} "
                f"{_describe(db, first)}; delete or edit that reading first"
            )
        try:
            new_id = audit.insert_audited(db, "readings", row, source=source)
        except sqlite3.IntegrityError as exc:  # the UNIQUE index, should the overlap check race
            raise ConflictError(
                f"meter {quote(meter.name)} already has a reading for that period"
            ) from exc
        rollups.apply(db, rollups.frame_from_rows([list(row.values())], list(row)), sign=1)
    return new_id


def meter_timezone(db: Database, meter_id: int) -> str:
    """The time zone of the facility a meter belongs to (UTC for a meter that has gone)."""
    row = db.execute(
        "SELECT f.timezone FROM meters m JOIN facilities f ON f.id = m.facility_id WHERE m.id = ?",
        [meter_id],
    ).fetchone()
    return str(row[0]) if row and row[0] else "UTC"


def describe_period(db: Database, meter_id: int, start_utc: int, end_utc: int) -> str:
    """A stored period as the facility's people know it: local dates, no ids, no UTC."""
    start, end = periods.format_period(start_utc, end_utc, meter_timezone(db, meter_id))
    return start if start == end else f"{start} to {end}"


def _describe(db: Database, row: dict[str, Any]) -> str:
    period = describe_period(db, int(row["meter_id"]), row["start_utc"], row["end_utc"])
    return f"({period}, {row['quantity']:g} {units.display(row['unit'])})"


def update_reading(
    db: Database, reading_id: int, reading: Reading, meter: Meter, *, source: str = "manual"
) -> None:
    """Replace a stored reading's values (audited; roll-ups moved with it)."""
    from greencare.storage import rollups

    row = _row(reading, meter)
    with db.atomic():
        before = audit.row_dict(db, "readings", reading_id)
        if before is None:
            raise NotFoundError(f"no reading with id {reading_id}")
        clash = [
            r
            for r in overlapping(db, int(meter.id or 0), row["start_utc"], row["end_utc"])
            if r["id"] != reading_id
        ]
        if clash:
            raise ConflictError(
                f"period overlaps the reading of meter {quote(meter.name)} "
                f"{_describe(db, clash[0])}"
            )
        row["batch_id"] = before["batch_id"]
        sets = ", ".join(f"{k} = ?" for k in row)
        db.execute(f"UPDATE readings SET {sets} WHERE id = ?", [*row.values(), reading_id])
        columns = ["id", *row]
        both = [[r.get(c, reading_id) for c in columns] for r in (before, row)]
        rollups.apply(db, rollups.frame_from_rows(both, columns), sign=-1)  # old and new months
        audit.record(db, "readings", reading_id, "update", before=before, after=row, source=source)


def delete_reading(db: Database, reading_id: int, *, source: str = "manual") -> None:
    from greencare.storage import rollups

    with db.atomic():
        before = audit.row_dict(db, "readings", reading_id)
        if before is None:
            raise NotFoundError(f"no reading with id {reading_id}")
        db.execute("DELETE FROM readings WHERE id = ?", [reading_id])
        rollups.apply(db, rollups.frame_from_rows([list(before.values())], list(before)), sign=-1)
        audit.record(db, "readings", reading_id, "delete", before=before, source=source)


def list_readings(
    db: Database,
    *,
    meter_id: int | None = None,
    facility_id: int | None = None,
    limit: int | None = 100,
    offset: int = 0,
    newest_first: bool = True,
    reading_id: int | None = None,
) -> list[dict[str, Any]]:
    """Readings joined with their meter and facility, one page at a time."""
    where, params = [], []
    if reading_id is not None:
        where.append("r.id = ?")
        params.append(reading_id)
    if meter_id is not None:
        where.append("r.meter_id = ?")
        params.append(meter_id)
    if facility_id is not None:
        where.append("m.facility_id = ?")
        params.append(facility_id)
    sql = (
        "SELECT r.*, m.name AS meter, m.commodity, m.canonical_unit, f.name AS facility, "
        "f.timezone FROM readings r JOIN meters m ON m.id = r.meter_id "
        "JOIN facilities f ON f.id = m.facility_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY r.start_utc " + ("DESC" if newest_first else "ASC") + ", r.id"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params.extend([limit, offset])
    return [dict(r) for r in db.query(sql, params)]


def count_readings(db: Database, *, meter_id: int | None = None) -> int:
    if meter_id is None:
        return int(db.execute("SELECT count(*) FROM readings").fetchone()[0])
    return int(
        db.execute("SELECT count(*) FROM readings WHERE meter_id = ?", [meter_id]).fetchone()[0]
    )


def last_ends(db: Database, meter_ids: list[int]) -> dict[int, int | None]:
    """The end of each meter's latest stored reading (None: it has none), in one statement.

    A meter's readings never overlap, so the last to start ends last: one step down the
    (meter, start, end) key per meter, not a scan of its history, and not one query each.
    """
    if not meter_ids:
        return {}
    rows = db.execute(
        "SELECT m.value, (SELECT r.end_utc FROM readings r WHERE r.meter_id = m.value "
        "ORDER BY r.start_utc DESC LIMIT 1) FROM json_each(?) m",
        [json.dumps([int(m) for m in meter_ids])],
    ).fetchall()
    return {int(m): (None if end is None else int(end)) for m, end in rows}


def pd_unique_ints(column: Any) -> list[int]:
    """The distinct non-null integers of a column (a frame's batch ids: usually one)."""
    import numpy as np

    values = column.dropna().to_numpy()
    return [int(v) for v in np.unique(values)] if len(values) else []


def insert_frame(db: Database, frame: Any) -> int:
    """Insert validated readings given as columns (a DataFrame with ``BULK_COLUMNS``).

    Binding parameters is most of the cost of a bulk insert from Python, so rows are grouped
    by what repeats (unit, currency, estimated flag, source, batch, whether there is a cost,
    and, for runs of interval data, the interval length and the unit's conversion factor when
    the frame carries a ``factor`` column) and each group's statement carries those as literals:
    a 15-minute interval row binds only its meter, start and quantity. The roll-up is updated
    in the caller's transaction.
    """
    import numpy as np

    from greencare.core.columns import codes_of, factorize
    from greencare.storage import rollups

    if frame.empty:
        return 0
    frame = frame.reset_index(drop=True)
    for batch_id in pd_unique_ints(frame["batch_id"]):
        batches.note_reading_ids(db, batch_id)  # before: the ids these rows are about to take
    n = len(frame)
    start = frame["start_utc"].to_numpy(dtype=np.int64)
    duration = frame["end_utc"].to_numpy(dtype=np.int64) - start
    lengths, counts = np.unique(duration, return_counts=True)
    common = lengths[counts >= 64]  # only runs of equal periods get a literal
    factor = frame["factor"].to_numpy(dtype=float) if "factor" in frame else np.full(n, np.nan)
    texts = {name: codes_of(frame[name]) for name in ("unit", "currency", "source")}
    numbers = {
        "estimated": frame["estimated"].to_numpy(dtype=np.int64),
        "batch_id": frame["batch_id"].fillna(-1).to_numpy(dtype=np.int64),
        "has_cost": frame["cost"].notna().to_numpy().astype(np.int64),
        "duration": np.where(np.isin(duration, common), duration, -1).astype(np.int64),
        "factor": np.where(np.isnan(factor), -1.0, factor),
    }
    packed = np.zeros(n, dtype=np.int64)  # mixed-radix key over the small code sets
    for part in [texts[n_][0] for n_ in texts] + [factorize(v)[0] for v in numbers.values()]:
        packed = packed * (int(part.max()) + 1) + part
    if (packed == packed[0]).all():  # one group: the usual interval chunk
        first, group = np.zeros(1, dtype=np.int64), None
    else:
        _, first, group = np.unique(packed, return_index=True, return_inverse=True)
        group = group.ravel()
    demand = [c for c in DEMAND_COLUMNS if c in frame and frame[c].notna().any()]
    inserted = 0
    for g, row in enumerate(first):
        idx = None if group is None else np.flatnonzero(group == g)
        unit, currency, source = (texts[n_][1][texts[n_][0][row]] for n_ in texts)
        estimated, batch_id, with_cost, length, fac = (v[row] for v in numbers.values())
        binds: list[str] = ["meter_id", "start_utc"]
        exprs = {"meter_id": "?1", "start_utc": "?2"}
        if length >= 0:
            exprs["end_utc"] = f"?2 + {int(length)}"
        else:
            binds.append("end_utc")
            exprs["end_utc"] = f"?{len(binds)}"
        binds.append("quantity")
        exprs["quantity"] = f"?{len(binds)}"
        if fac >= 0:
            exprs["quantity_canonical"] = f"?{len(binds)} * {float(fac)!r}"
        else:
            binds.append("quantity_canonical")
            exprs["quantity_canonical"] = f"?{len(binds)}"
        if with_cost:
            binds.append("cost")
            exprs["cost"] = f"?{len(binds)}"
        for name in demand:  # billed demand, only when the file gave some
            binds.append(name)
            exprs[name] = f"?{len(binds)}"
        exprs["unit"] = _literal(unit)
        exprs["currency"] = _literal(currency) if currency else "NULL"
        exprs["estimated"] = str(int(estimated))
        exprs["source"] = _literal(source)
        exprs["batch_id"] = str(int(batch_id)) if batch_id >= 0 else "NULL"
        columns = [
            _nulls(frame[c].to_numpy() if idx is None else frame[c].to_numpy()[idx])
            if c in demand
            else (frame[c].to_numpy() if idx is None else frame[c].to_numpy()[idx]).tolist()
            for c in binds
        ]
        inserted += _execute_rows(db, list(exprs), list(exprs.values()), len(binds), columns)
    rollups.apply(db, frame, sign=1)
    return inserted


#: Optional bill fields (migration 0010) a frame may carry; NaN stores as NULL.
DEMAND_COLUMNS = ("demand_kw", "demand_cost")


def _nulls(values: np.ndarray) -> list[Any]:
    import numpy as np

    floats = np.asarray(values, dtype=float)
    return [None if np.isnan(v) else v for v in floats.tolist()]


#: Rows per multi-row INSERT, at most: one statement step per block instead of per row (about
#: 45% less CPU than one row per step), well under SQLite's 32,766 parameters.
ROWS_PER_STATEMENT = 500
#: A block statement is prepared once per group of rows (per executemany), and preparing one
#: of 500 rows costs about as much as inserting a few thousand: a group gets blocks of about a
#: hundredth of its rows, so one interval chunk (one group of 100,000 rows) runs 500-row
#: blocks while a bill file's many small groups (units x bill lengths) run blocks of tens.
BLOCKS_PER_GROUP = 100


def _execute_rows(
    db: Database, names: list[str], exprs: list[str], width: int, columns: list[list[Any]]
) -> int:
    """INSERT the rows given as columns, in blocks of up to ``ROWS_PER_STATEMENT`` rows.

    ``exprs`` use ``?1``..``?width`` for the bound values of one row; for block statements
    they are renumbered per row.
    """
    n = len(columns[0]) if columns else 0
    flat: list[Any] = [None] * (n * width)  # row-major values, filled a column at a time
    for j, column in enumerate(columns):
        flat[j::width] = column
    block = max(1, min(ROWS_PER_STATEMENT, n // BLOCKS_PER_GROUP))
    full = n - n % block if block > 1 else 0
    if full:
        size = block * width
        blocks = (flat[i : i + size] for i in range(0, full * width, size))
        db.conn.executemany(_statement(tuple(names), tuple(exprs), width, block), blocks)
    if full < n:
        rest = (flat[i : i + width] for i in range(full * width, n * width, width))
        db.conn.executemany(_statement(tuple(names), tuple(exprs), width, 1), rest)
    return n


@lru_cache(maxsize=256)
def _statement(names: tuple[str, ...], exprs: tuple[str, ...], width: int, count: int) -> str:
    """An INSERT of ``count`` rows; each row's ``?k`` placeholders renumbered for its block."""
    import re

    one = "(" + ", ".join(exprs) + ")"
    pieces = re.split(r"\?(\d+)", one)  # text, number, text, ...: split once, renumber per row
    texts, numbers = pieces[0::2], [int(k) for k in pieces[1::2]]
    rows = []
    for i in range(count):
        parts = [texts[0]]
        for k, text in zip(numbers, texts[1:], strict=True):
            parts += [f"?{i * width + k}", text]
        rows.append("".join(parts))
    values = ", ".join(rows)
    return f"INSERT INTO readings ({', '.join(names)}) VALUES {values}"


def _literal(text: str) -> str:
    """A SQL string literal (quotes doubled): unit and source strings come from greencare."""
    return "'" + str(text).replace("'", "''") + "'"


def insert_rows(db: Database, rows: Iterable[Sequence[Any]]) -> int:
    """Insert pre-validated rows (in ``BULK_COLUMNS`` order) with one ``executemany``.

    The caller owns the transaction and the audit entry for the batch; rows must already be
    converted (``quantity_canonical`` filled). The monthly roll-up is updated in the same
    transaction. Returns the number of rows inserted.
    """
    from greencare.storage import rollups

    rows = list(rows)
    placeholders = ", ".join("?" * len(BULK_COLUMNS))
    cursor = db.conn.executemany(
        f"INSERT INTO readings ({', '.join(BULK_COLUMNS)}) VALUES ({placeholders})",
        rows,
    )
    rollups.apply(db, rollups.frame_from_rows(rows, BULK_COLUMNS), sign=1)
    return cursor.rowcount
