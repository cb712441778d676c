"""Monthly roll-ups of readings, kept current inside every write transaction.

Reports and the emissions engine read ``reading_months`` (meter x local month x unit), never the
raw readings: re-aggregating a million interval rows costs seconds, while keeping the roll-up
current costs almost nothing because the rows being written are already in memory. Every
function here runs inside the caller's transaction, so a reading and its roll-up land together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from greencare.core.calendar import calendarize, month_label
from greencare.core.columns import codes_of
from greencare.storage import hours
from greencare.storage.db import replace_columns

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_KEY = ["meter_id", "month", "unit", "currency"]
_SUMS = ["quantity", "quantity_canonical", "cost", "estimated_canonical", "readings"]


def _store_sums(db: Database, sums: pd.DataFrame) -> None:
    """Write (insert or replace) monthly sums from plain Python lists (``db.replace_columns``;
    iterating a frame's rows boxes every value: most of the cost at 100k rows)."""
    if sums.empty:
        return
    names = _KEY + _SUMS
    columns = [sums[c].to_numpy(dtype=object).tolist() for c in names]
    replace_columns(db, "reading_months", names, columns)


#: How far a month reaches beyond a reading that touches it: a month a reading touches starts
#: at most this long before the reading and ends at most this long after it.
_MONTH_REACH = 32 * 86400


def _zones(db: Database, meter_ids: Sequence[int]) -> dict[int, str]:
    ids = sorted({int(m) for m in meter_ids})
    marks = ", ".join("?" * len(ids))
    rows = db.execute(
        f"SELECT m.id, f.timezone FROM meters m JOIN facilities f ON f.id = m.facility_id "
        f"WHERE m.id IN ({marks})",
        ids,
    ).fetchall()
    return {int(mid): tz for mid, tz in rows}


def monthly(frame: pd.DataFrame, zones: dict[int, str]) -> pd.DataFrame:
    """Calendarize readings (columns as in the ``readings`` table) into meter x month sums.

    Each sum is a left-to-right fold over the readings in the order given; sorted by meter and
    start (``canonical``) the result is the one every write path and ``rebuild`` arrive at.
    """
    import pandas as pd

    pieces, unit_names, cur_names = _pieces(frame, zones)
    if pieces is None:
        return pd.DataFrame(columns=_KEY + _SUMS)
    return _labelled(_aggregate(pieces), unit_names, cur_names)


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Readings in the order every roll-up sum is folded in: by meter, then start.

    Float addition is not associative, so a sum is only reproducible when it is always taken
    in one order; a meter's readings never overlap, so (meter, start) orders them fully.
    """
    import numpy as np

    meter = frame["meter_id"].to_numpy(dtype=np.int64)
    start = frame["start_utc"].to_numpy(dtype=np.int64)
    if len(frame) < 2 or bool(
        ((meter[1:] > meter[:-1]) | ((meter[1:] == meter[:-1]) & (start[1:] >= start[:-1]))).all()
    ):
        return frame
    return frame.iloc[np.lexsort((start, meter))]


def _pieces(
    frame: pd.DataFrame, zones: dict[int, str]
) -> tuple[pd.DataFrame | None, np.ndarray, np.ndarray]:
    """Each reading's share of each month it touches, with integer keys (meter, month index,
    unit code, currency code), in the frame's row order."""
    import numpy as np
    import pandas as pd

    parts = []
    unit_codes, unit_names = codes_of(frame["unit"])
    cur_codes, cur_names = codes_of(frame["currency"])
    for tz in sorted(set(zones.values())):
        meters = [m for m, z in zones.items() if z == tz]
        rows = np.flatnonzero(frame["meter_id"].isin(meters).to_numpy())
        if rows.size == 0:
            continue
        sub = frame.iloc[rows]
        split = calendarize(sub["start_utc"].to_numpy(), sub["end_utc"].to_numpy(), tz)
        pick = rows[split["row"].to_numpy()]
        share = split["share"].to_numpy()
        canon = frame["quantity_canonical"].to_numpy(dtype=float)[pick] * share
        estimated = frame["estimated"].to_numpy(dtype=bool)[pick]
        cost = frame["cost"].to_numpy(dtype=float)[pick]
        parts.append(
            pd.DataFrame(
                {
                    "meter_id": frame["meter_id"].to_numpy(dtype=np.int64)[pick],
                    "month": split["month"].to_numpy(dtype=np.int64),
                    "unit": unit_codes[pick],
                    "currency": cur_codes[pick],
                    "quantity": frame["quantity"].to_numpy(dtype=float)[pick] * share,
                    "quantity_canonical": canon,
                    "cost": np.where(np.isnan(cost), 0.0, cost) * share,
                    "estimated_canonical": np.where(estimated, canon, 0.0),
                    "readings": np.ones(len(share), dtype=np.int64),
                }
            )
        )
    if not parts:
        return None, unit_names, cur_names
    pieces = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return pieces, unit_names, cur_names


def _labelled(sums: pd.DataFrame, unit_names: np.ndarray, cur_names: np.ndarray) -> pd.DataFrame:
    """Month indexes and unit and currency codes back to the stored text."""
    import numpy as np

    sums["month"] = month_label(sums["month"].to_numpy())
    sums["unit"] = np.asarray(unit_names, dtype=object)[sums["unit"].to_numpy()]
    sums["currency"] = np.asarray(cur_names, dtype=object)[sums["currency"].to_numpy()]
    return sums


def _aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum the value columns per key: the four integer keys packed into one int64, one
    np.unique over it, and np.bincount per value column (which adds each key's values one
    after another in row order: the fold ``canonical`` relies on)."""
    import numpy as np
    import pandas as pd

    meter = frame["meter_id"].to_numpy(dtype=np.int64)
    month = frame["month"].to_numpy(dtype=np.int64)
    unit = frame["unit"].to_numpy(dtype=np.int64)
    currency = frame["currency"].to_numpy(dtype=np.int64)
    base = int(month.min())
    packed = (((meter << 16) | (month - base)) << 12 | unit) << 12 | currency
    keys, inverse = np.unique(packed, return_inverse=True)
    inverse = inverse.ravel()
    out = pd.DataFrame(
        {
            "meter_id": keys >> 40,
            "month": ((keys >> 24) & 0xFFFF) + base,
            "unit": (keys >> 12) & 0xFFF,
            "currency": keys & 0xFFF,
        }
    )
    for column in _SUMS:
        out[column] = np.bincount(
            inverse, weights=frame[column].to_numpy(dtype=float), minlength=len(keys)
        )
    out["readings"] = out["readings"].round().astype(np.int64)
    return out


def apply(db: Database, frame: pd.DataFrame, *, sign: int) -> None:
    """Bring the roll-up up to date after ``frame``'s readings were inserted (sign=+1) or
    deleted (sign=-1); call it after the write, in the same transaction.

    Every stored sum is the fold of its readings in ``canonical`` order, so it equals a rebuild
    from scratch exactly, whatever sequence of imports, replaces and undos led to it. Readings
    appended after everything stored for their meter (an import, the usual case) are folded
    onto the stored sums; anything else (a delete, an undo, a reading put before later ones)
    recomputes the months it touches from the stored readings.
    """
    if frame.empty:
        return
    zones = _zones(db, frame["meter_id"].unique().tolist())
    frame = canonical(frame)
    pieces, unit_names, cur_names = _pieces(frame, zones)
    if pieces is None:
        return
    appended, earlier = _appended(db, frame) if sign > 0 else (False, [])
    if appended:
        _fold_onto_stored(db, pieces, unit_names, cur_names, earlier)
    else:
        refresh(db, pieces, zones)
    hours.apply(db, frame, zones, appended=appended)  # interval readings' local clock hours


def _appended(db: Database, frame: pd.DataFrame) -> tuple[bool, list[int]]:
    """Whether the stored readings of each meter in ``frame`` from its first start on are
    exactly ``frame``'s (just inserted, after every earlier reading of the meter), and the
    meters with readings before those (only they can have stored sums to fold onto).

    One statement for all meters; each count and each look behind is a range of the
    (meter, start) key, bounded by the rows just inserted, whatever the meter's history."""
    import json

    import numpy as np

    meter = frame["meter_id"].to_numpy(dtype=np.int64)
    start = frame["start_utc"].to_numpy(dtype=np.int64)
    ids, first_row, counts = np.unique(meter, return_index=True, return_counts=True)
    # canonical order: a meter's first row is its earliest
    pairs = json.dumps([[int(m), int(start[r])] for m, r in zip(ids, first_row, strict=True)])
    rows = db.execute(
        "SELECT p.m, (SELECT count(*) FROM readings WHERE meter_id = p.m AND start_utc >= p.s), "
        "EXISTS (SELECT 1 FROM readings WHERE meter_id = p.m AND start_utc < p.s) FROM "
        "(SELECT j.key AS k, json_extract(j.value, '$[0]') AS m, "
        "json_extract(j.value, '$[1]') AS s FROM json_each(?) j) p ORDER BY p.k",
        [pairs],
    ).fetchall()
    stored = np.array([r[1] for r in rows], dtype=np.int64)
    if len(stored) != len(counts) or (stored != counts).any():
        return False, []
    return True, [int(r[0]) for r in rows if r[2]]


def _fold_onto_stored(
    db: Database,
    pieces: pd.DataFrame,
    unit_names: np.ndarray,
    cur_names: np.ndarray,
    meters: list[int],
) -> None:
    """Continue each stored sum's fold with the new pieces (stored value first, then these in
    order), which is the fold a rebuild takes. ``meters``: those with readings before these
    (a meter whose every reading is new has no stored sum)."""
    import numpy as np
    import pandas as pd

    labels = [str(x) for x in month_label(np.unique(pieces["month"].to_numpy()))]
    rows = []
    if meters:
        rows = db.execute(
            f"SELECT {', '.join(_KEY + _SUMS)} FROM reading_months WHERE meter_id IN "
            f"({', '.join('?' * len(meters))}) AND month IN ({', '.join('?' * len(labels))})",
            [*meters, *labels],
        ).fetchall()
    if rows:
        unit_code = {str(u): i for i, u in enumerate(unit_names)}
        cur_code = {str(c): i for i, c in enumerate(cur_names)}
        first = pd.DataFrame(rows, columns=_KEY + _SUMS)
        first["unit"] = first["unit"].map(unit_code)
        first["currency"] = first["currency"].map(cur_code)
        # a unit or currency these readings do not have: a sum they do not touch
        first = first.dropna(subset=["unit", "currency"])
        month = first["month"].str
        first["month"] = month[:4].astype(np.int64) * 12 + month[5:7].astype(np.int64) - 1
        # stored sums of keys no piece touches come back unchanged (0.0 + v == v)
        if not first.empty:
            first = first.astype(pieces.dtypes.to_dict())
            pieces = pd.concat([first, pieces], ignore_index=True)
    sums = _labelled(_aggregate(pieces), unit_names, cur_names)
    _store_sums(db, sums)


def refresh(db: Database, pieces: pd.DataFrame, zones: dict[int, str]) -> None:
    """Recompute, from the stored readings, every (meter, month) that ``pieces`` touch."""
    import numpy as np

    for meter_id, part in pieces.groupby("meter_id"):
        meter_id = int(meter_id)
        months = np.unique(part["month"].to_numpy())
        labels = [str(x) for x in month_label(months)]
        marks = ", ".join("?" * len(labels))
        db.execute(
            f"DELETE FROM reading_months WHERE meter_id = ? AND month IN ({marks})",
            [meter_id, *labels],
        )
        near = _stored_near(db, meter_id, zones[meter_id], int(months.min()), int(months.max()))
        if near.empty:
            continue
        sums = monthly(near, {meter_id: zones[meter_id]})
        sums = sums[sums["month"].isin(labels)]
        _store_sums(db, sums)


def _stored_near(db: Database, meter_id: int, tz: str, first: int, last: int) -> pd.DataFrame:
    """A meter's stored readings that touch months ``first``..``last`` (month indexes), in
    canonical order, with perhaps a few that touch only their neighbours."""
    import pandas as pd

    from greencare.core.calendar import month_starts

    bounds = month_starts(first, last, tz)
    lo, hi = int(bounds[0]), int(bounds[-1])
    columns = "id, meter_id, start_utc, end_utc, quantity, unit, quantity_canonical, cost, " \
        "currency, estimated"  # fmt: skip
    inside = db.execute(
        f"SELECT {columns} FROM readings WHERE meter_id = ? AND start_utc >= ? "
        "AND start_utc < ? ORDER BY start_utc",
        [meter_id, lo, hi],
    ).fetchall()
    before = db.execute(  # a meter's readings never overlap: one at most runs into lo
        f"SELECT {columns} FROM readings WHERE meter_id = ? AND start_utc < ? "
        "ORDER BY start_utc DESC LIMIT 1",
        [meter_id, lo],
    ).fetchall()
    rows = [r for r in before if r[3] > lo] + inside
    return pd.DataFrame(rows, columns=[c.strip() for c in columns.split(",")])


def read_all(db: Database) -> pd.DataFrame:
    """Every reading, in canonical order (small databases and tests: the whole table in
    memory; migrations and rebuilds go one meter at a time, see :func:`by_meter`)."""
    import pandas as pd

    return pd.read_sql_query("SELECT * FROM readings ORDER BY meter_id, start_utc", db.conn)


def meters_with_readings(db: Database) -> list[int]:
    """Ids of the meters that have readings: one index probe per meter, where ``SELECT
    DISTINCT meter_id FROM readings`` walks the whole (meter, start, end) index."""
    return [
        int(r[0])
        for r in db.execute(
            "SELECT id FROM meters m WHERE EXISTS "
            "(SELECT 1 FROM readings r WHERE r.meter_id = m.id) ORDER BY id"
        )
    ]


def by_meter(db: Database) -> Iterator[tuple[int, str, pd.DataFrame]]:
    """(meter id, its facility's zone, its readings in canonical order), one meter at a time:
    what a pass over the whole table holds in memory is one meter's history, not the table."""
    import pandas as pd

    meters = meters_with_readings(db)
    zones = _zones(db, meters) if meters else {}
    for meter_id in meters:
        frame = pd.read_sql_query(
            "SELECT * FROM readings WHERE meter_id = ? ORDER BY start_utc",
            db.conn,
            params=[meter_id],
        )
        yield meter_id, zones[meter_id], frame


def expected(db: Database) -> pd.DataFrame:
    """The roll-up recomputed from the readings, one meter at a time (memory stays bounded)."""
    import pandas as pd

    out = [monthly(frame, {meter_id: tz}) for meter_id, tz, frame in by_meter(db)]
    if not out:
        return pd.DataFrame(columns=_KEY + _SUMS)
    return pd.concat(out, ignore_index=True)


def recompute(db: Database) -> int:
    """Replace the whole roll-up with one computed from the readings, meter by meter (each
    meter's sums written before the next meter is read); the caller's transaction."""
    db.execute("DELETE FROM reading_months")
    for meter_id, tz, frame in by_meter(db):
        _store_sums(db, monthly(frame, {meter_id: tz}))
    return int(db.execute("SELECT count(*) FROM reading_months").fetchone()[0])


def rezone(db: Database, facility_id: int) -> None:
    """Recompute the monthly and hourly sums of a facility's meters after its time zone
    changed (both are by local month and hour); the caller's transaction."""
    import pandas as pd

    from greencare.storage import hours

    meters = [
        int(r[0]) for r in db.execute("SELECT id FROM meters WHERE facility_id = ?", [facility_id])
    ]
    zones = _zones(db, meters) if meters else {}
    for meter_id in meters:
        db.execute("DELETE FROM reading_months WHERE meter_id = ?", [meter_id])
        frame = pd.read_sql_query(
            "SELECT * FROM readings WHERE meter_id = ? ORDER BY start_utc",
            db.conn,
            params=[meter_id],
        )
        if frame.empty:
            continue
        _store_sums(db, monthly(frame, {meter_id: zones[meter_id]}))
        hours.rezone(db, meter_id, zones[meter_id], frame)


def stored(db: Database) -> pd.DataFrame:
    import pandas as pd

    return pd.read_sql_query(
        f"SELECT {', '.join(_KEY + _SUMS)} FROM reading_months "
        "ORDER BY meter_id, month, unit, currency",
        db.conn,
    )


def differences(db: Database) -> list[dict[str, Any]]:
    """Where the stored roll-up differs from a rebuild: one entry per key and column, values
    compared exactly (a sum that drifted by one unit in the last place is a difference)."""
    import numpy as np

    want, have = expected(db), stored(db)
    for frame in (want, have):
        frame["meter_id"] = frame["meter_id"].astype(np.int64)
    both = have.merge(want, on=_KEY, how="outer", suffixes=("_stored", "_expected"))
    both = both.sort_values(_KEY, kind="stable")
    out: list[dict[str, Any]] = []
    for column in _SUMS:
        a = both[f"{column}_stored"].to_numpy(dtype=float)
        b = both[f"{column}_expected"].to_numpy(dtype=float)
        differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
        for j in np.flatnonzero(differ):
            row = both.iloc[j]
            out.append(
                {"meter_id": int(row["meter_id"]), "month": str(row["month"]),
                 "unit": str(row["unit"]), "currency": str(row["currency"]), "column": column,
                 "stored": _number(a[j], column), "expected": _number(b[j], column)}
            )  # fmt: skip
    out.sort(key=lambda d: (d["meter_id"], d["month"], d["unit"], d["currency"]))
    return out + hours.differences(db)  # the hourly roll-up of interval readings, checked alike


def _number(value: float, column: str) -> float | int | None:
    import numpy as np

    if np.isnan(value):
        return None  # no such row on that side
    return int(value) if column == "readings" else float(value)


def store(db: Database, sums: pd.DataFrame) -> None:
    """Write roll-up rows (``monthly``'s columns), replacing those with the same keys."""
    _store_sums(db, sums)


def rebuild(db: Database) -> int:
    """Recompute the whole roll-up from the readings (a repair tool, and a check in tests)."""
    with db.atomic():
        count = recompute(db)
        hours.rebuild(db)  # a nested transaction: a savepoint of this one
    return count


def frame_from_rows(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame.from_records(list(rows), columns=list(columns))
