"""The hourly roll-up of interval readings (``reading_hours``), kept current inside every write.

A chart of a year of 15-minute data needs 8,760 hours, not 35,040 readings, and a decade's
load-duration curve 87,600: this table (meter x local clock hour, see
:mod:`greencare.core.interval`) is what the charts and the interval metrics read. Only readings
at most an hour long (interval data) are rolled up; bills are not.

:func:`apply` is called by :func:`greencare.storage.rollups.apply`, so every path that keeps the
monthly roll-up (a reading typed in, edited or deleted, an import, a replace, an undo) keeps
this one in the same transaction. Sums are folded in (meter, start) order, so the stored table
equals :func:`expected` exactly and ``greencare check`` compares them value for value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from greencare.core.interval import HOUR_COLUMNS, MAX_INTERVAL_SECONDS, hourly_by_meter
from greencare.storage.db import replace_columns

_COLUMNS = ["meter_id", *HOUR_COLUMNS]
_READ = "id, meter_id, start_utc, end_utc, quantity_canonical, estimated"


def _intervals(frame: pd.DataFrame) -> pd.DataFrame:
    duration = frame["end_utc"].to_numpy(dtype=np.int64) - frame["start_utc"].to_numpy(np.int64)
    keep = duration <= MAX_INTERVAL_SECONDS
    return frame if keep.all() else frame[keep]


def _exists(db: Database) -> bool:
    """Whether the table is there: migrations before 0010 keep the monthly roll-up through
    this same code path on databases that have no hourly roll-up yet."""
    return (
        db.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reading_hours'"
        ).fetchone()
        is not None
    )


def _per_meter(frame: pd.DataFrame) -> Iterator[tuple[int, pd.DataFrame]]:
    """Each meter's rows of ``frame`` (in their order), meters in order of first appearance.

    Found from one sort (none when the rows come by meter, as canonical order has them), not
    a comparison of the whole frame per meter, which is meters x rows work (0.3 s a chunk at 50
    meters, minutes at 5,000)."""
    meter = frame["meter_id"].to_numpy(dtype=np.int64)
    if not len(meter):
        return
    by_meter = bool((meter[1:] >= meter[:-1]).all())
    order = None if by_meter else np.argsort(meter, kind="stable")
    ranked = meter if order is None else meter[order]
    bounds = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1], True])
    groups = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
    if order is not None:  # in order of first appearance, as pd.unique lists them
        groups.sort(key=lambda g: int(order[g[0]]))
    for a, b in groups:
        rows = frame.iloc[a:b] if order is None else frame.iloc[order[a:b]]
        yield int(ranked[a]), rows


def compute(frame: pd.DataFrame, zones: dict[int, str], prior: pd.DataFrame | None = None):
    """Hours of ``frame``'s interval readings (each meter's in start order), sorted by meter
    and hour, all meters in one pass (:func:`~greencare.core.interval.hourly_by_meter`);
    ``prior`` holds stored hours to continue (rows of ``reading_hours``)."""
    frame = _intervals(frame)
    if frame.empty:
        return pd.DataFrame(columns=_COLUMNS)
    return hourly_by_meter(
        frame["meter_id"].to_numpy(dtype=np.int64),
        frame["start_utc"].to_numpy(),
        frame["end_utc"].to_numpy(),
        frame["quantity_canonical"].to_numpy(dtype=float),
        zones,
        frame["estimated"].to_numpy(dtype=bool),
        prior=prior,
    )


def store(db: Database, hours: pd.DataFrame) -> None:
    """Write (insert or replace) hours from plain Python lists (``db.replace_columns``), a
    missing peak as NULL (a row iterated out of a frame boxes every value: about three
    quarters of a 1,000,000-reading import's roll-up time)."""
    if hours.empty:
        return
    columns = []
    for name in _COLUMNS:
        column = hours[name]
        if column.isna().any():
            columns.append(column.to_numpy(dtype=object, na_value=None).tolist())
        else:
            columns.append(column.to_numpy().tolist())
    replace_columns(db, "reading_hours", _COLUMNS, columns)


def apply(db: Database, frame: pd.DataFrame, zones: dict[int, str], *, appended: bool) -> None:
    """Bring the hours up to date after ``frame``'s readings (canonical order) were written.

    ``appended``: they were inserted after every stored reading of their meters (an import),
    so each touched hour's stored sums are continued with them; otherwise (a delete, an edit,
    an undo) the hours they touch are recomputed from the stored readings.
    """
    frame = _intervals(frame)
    if frame.empty or not _exists(db):
        return
    if appended:
        prior = _stored_hours(db, frame)
        store(db, compute(frame, zones, prior))
        return
    for meter_id, sub in _per_meter(frame):
        refresh(db, meter_id, zones[meter_id], sub)


def _stored_hours(db: Database, frame: pd.DataFrame) -> pd.DataFrame:
    """Stored hours that ``frame``'s readings may add to: for an append, only the hour (or two)
    where the stored data ends, so one small range look-up per meter, all in one statement (a
    statement per meter was 5,000 a chunk for a system's import)."""
    import json

    meter = frame["meter_id"].to_numpy(dtype=np.int64)
    meters, at = np.unique(meter, return_inverse=True)
    lo = np.full(len(meters), np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(len(meters), np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, at, frame["start_utc"].to_numpy(dtype=np.int64))
    np.maximum.at(hi, at, frame["end_utc"].to_numpy(dtype=np.int64))
    lo -= MAX_INTERVAL_SECONDS
    ranges = json.dumps([[int(m), int(a), int(b)]
                         for m, a, b in zip(meters, lo, hi, strict=True)])  # fmt: skip
    columns = ", ".join(f"h.{c}" for c in _COLUMNS)
    rows = db.conn.execute(
        f"SELECT {columns} FROM json_each(?) j CROSS JOIN reading_hours h "
        "ON h.meter_id = json_extract(j.value, '$[0]') "
        "AND h.hour_utc > json_extract(j.value, '$[1]') "
        "AND h.hour_utc < json_extract(j.value, '$[2]') ORDER BY h.meter_id, h.hour_utc",
        [ranges],
    ).fetchall()
    out = pd.DataFrame(rows, columns=_COLUMNS)
    out["peak_start_utc"] = pd.array(out["peak_start_utc"], dtype="Int64")
    return out


def refresh(db: Database, meter_id: int, tz: str, frame: pd.DataFrame) -> None:
    """Recompute a meter's hours from ``frame``'s first start to its last end from the stored
    readings (bounded by what the write touched, however long the meter's history)."""
    lo = int(frame["start_utc"].min()) - MAX_INTERVAL_SECONDS  # the hour a reading starts in
    hi = int(frame["end_utc"].max())
    db.execute(
        "DELETE FROM reading_hours WHERE meter_id = ? AND hour_utc > ? AND hour_utc < ?",
        [meter_id, lo, hi],
    )
    near = pd.DataFrame(
        db.conn.execute(
            f"SELECT {_READ} FROM readings WHERE meter_id = ? AND start_utc > ? "
            "AND start_utc < ? AND end_utc - start_utc <= ? ORDER BY start_utc",
            [meter_id, lo - MAX_INTERVAL_SECONDS, hi + MAX_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS],
        ).fetchall(),
        columns=[c.strip() for c in _READ.split(",")],
    )
    if near.empty:
        return
    hours = compute(near, {meter_id: tz})
    inside = (hours["hour_utc"].to_numpy() > lo) & (hours["hour_utc"].to_numpy() < hi)
    store(db, hours[inside])


def by_meter(db: Database) -> Iterator[pd.DataFrame]:
    """The hours of each meter with interval readings, recomputed from them, one meter at a
    time (what is held is one meter's readings and hours, not the table's)."""
    for _meter_id, hours in _by_meter_id(db):
        yield hours


def _by_meter_id(db: Database) -> Iterator[tuple[int, pd.DataFrame]]:
    """(meter id, its hours recomputed from its interval readings), one meter at a time."""
    from greencare.storage.rollups import _zones, meters_with_readings

    meters = [
        m
        for m in meters_with_readings(db)
        if db.conn.execute(
            "SELECT 1 FROM readings WHERE meter_id = ? AND end_utc - start_utc <= ? LIMIT 1",
            [m, MAX_INTERVAL_SECONDS],
        ).fetchone()
    ]
    zones = _zones(db, meters) if meters else {}
    for meter_id in meters:
        frame = pd.DataFrame(
            db.conn.execute(
                f"SELECT {_READ} FROM readings WHERE meter_id = ? AND end_utc - start_utc <= ? "
                "ORDER BY start_utc",
                [meter_id, MAX_INTERVAL_SECONDS],
            ).fetchall(),
            columns=[c.strip() for c in _READ.split(",")],
        )
        yield meter_id, compute(frame, {meter_id: zones[meter_id]})


def rezone(db: Database, meter_id: int, tz: str, frame: pd.DataFrame) -> None:
    """A meter's hours again from its readings ``frame`` (all of them, in start order), in the
    zone ``tz`` its facility now has; the caller's transaction."""
    if not _exists(db):
        return
    db.execute("DELETE FROM reading_hours WHERE meter_id = ?", [meter_id])
    short = frame[(frame["end_utc"] - frame["start_utc"]) <= MAX_INTERVAL_SECONDS]
    if not short.empty:
        store(db, compute(short[[c.strip() for c in _READ.split(",")]], {meter_id: tz}))


def expected(db: Database) -> pd.DataFrame:
    """The hours recomputed from the interval readings, one meter at a time."""
    out = list(by_meter(db))
    if not out:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(out, ignore_index=True)


def recompute(db: Database) -> None:
    """Store the hours of every meter's interval readings, meter by meter (each meter's
    written before the next is read), over an empty table; the caller's transaction."""
    for hours in by_meter(db):
        store(db, hours)


def stored(db: Database) -> pd.DataFrame:
    return pd.read_sql_query(
        f"SELECT {', '.join(_COLUMNS)} FROM reading_hours ORDER BY meter_id, hour_utc", db.conn
    )


def read(db: Database, meter_id: int, start_utc: int | None = None, end_utc: int | None = None):
    """A meter's stored hours (``HOUR_COLUMNS``) whose start lies in [start, end), for charts.

    Read as one float array (every column is numeric; an hour without a reading starting in it
    has no peak, stored NULL, read as NaN) and split into columns: no Python object per value.
    Epoch seconds are exact in a float64 (below 2**53).
    """
    columns = [
        c if c not in ("peak_rate", "peak_start_utc") else f"coalesce({c}, 'nan')"
        for c in HOUR_COLUMNS
    ]
    sql = f"SELECT {', '.join(columns)} FROM reading_hours WHERE meter_id = ?"
    params: list[Any] = [meter_id]
    if start_utc is not None:
        sql += " AND hour_utc >= ?"
        params.append(int(start_utc))
    if end_utc is not None:
        sql += " AND hour_utc < ?"
        params.append(int(end_utc))
    rows = db.conn.execute(sql + " ORDER BY hour_utc", params).fetchall()
    array = np.array(rows, dtype=np.float64).reshape(len(rows), len(HOUR_COLUMNS))
    peak_start = array[:, 5]
    return pd.DataFrame(
        {
            "hour_utc": array[:, 0].astype(np.int64),
            "quantity_canonical": array[:, 1],
            "seconds": array[:, 2],
            "estimated_canonical": array[:, 3],
            "peak_rate": array[:, 4],
            "peak_start_utc": pd.arrays.IntegerArray(
                np.where(np.isnan(peak_start), 0, peak_start).astype(np.int64),
                np.isnan(peak_start),
            ),
            "peak_seconds": array[:, 6].astype(np.int64),
            "readings": array[:, 7].astype(np.int64),
        }
    )


def differences(db: Database) -> list[dict[str, Any]]:
    """Where ``reading_hours`` differs from a rebuild, value for value (as
    :func:`greencare.storage.rollups.differences` does for months): one entry per hour and
    column, with ``table`` = "reading_hours" and the hour as a UTC ISO instant."""
    if not _exists(db):
        return []
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for meter_id, want in _by_meter_id(db):  # one meter's hours held at a time
        out += _compare(want, _stored_of(db, meter_id))
        seen.add(meter_id)
    kept = db.conn.execute(  # hours kept for a meter whose interval readings are gone
        "SELECT id FROM meters m WHERE EXISTS (SELECT 1 FROM reading_hours h "
        "WHERE h.meter_id = m.id) ORDER BY id"
    ).fetchall()
    for (meter_id,) in kept:
        if int(meter_id) not in seen:
            out += _compare(pd.DataFrame(columns=_COLUMNS), _stored_of(db, int(meter_id)))
    out.sort(key=lambda d: (d["meter_id"], d["hour_utc"], d["column"]))
    return out


def _stored_of(db: Database, meter_id: int) -> pd.DataFrame:
    return pd.read_sql_query(
        f"SELECT {', '.join(_COLUMNS)} FROM reading_hours WHERE meter_id = ? ORDER BY hour_utc",
        db.conn,
        params=[meter_id],
    )


def _compare(want: pd.DataFrame, have: pd.DataFrame) -> list[dict[str, Any]]:
    """The differing values of one meter's recomputed (``want``) and stored (``have``) hours."""
    key = ["meter_id", "hour_utc"]
    for frame in (want, have):
        frame["meter_id"] = frame["meter_id"].astype(np.int64)
        frame["hour_utc"] = frame["hour_utc"].astype(np.int64)
    both = have.merge(want, on=key, how="outer", suffixes=("_stored", "_expected"), indicator=True)
    both = both.sort_values(key, kind="stable").reset_index(drop=True)
    one_side = (both["_merge"] != "both").to_numpy()
    out: list[dict[str, Any]] = []

    def entry(j: int, column: str, a: float, b: float) -> dict[str, Any]:
        hour = int(both["hour_utc"].iloc[j])
        return {
            "table": "reading_hours",
            "meter_id": int(both["meter_id"].iloc[j]),
            "hour_utc": hour,
            "month": pd.Timestamp(hour, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%MZ"),
            "unit": "",
            "currency": "",
            "column": column,
            "stored": None if np.isnan(a) else float(a),
            "expected": None if np.isnan(b) else float(b),
        }

    for column in HOUR_COLUMNS[1:]:
        a = pd.to_numeric(both[f"{column}_stored"], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(both[f"{column}_expected"], errors="coerce").to_numpy(dtype=float)
        if column == "quantity_canonical":  # a missing or extra hour: one entry, on energy
            out += [entry(int(j), column, a[j], b[j]) for j in np.flatnonzero(one_side)]
        differ = ~((a == b) | (np.isnan(a) & np.isnan(b))) & ~one_side
        out += [entry(int(j), column, a[j], b[j]) for j in np.flatnonzero(differ)]
    return out


def rebuild(db: Database) -> int:
    """Recompute the whole hourly roll-up from the readings (a repair tool)."""
    with db.atomic():
        db.execute("DELETE FROM reading_hours")
        recompute(db)
    return int(db.execute("SELECT count(*) FROM reading_hours").fetchone()[0])


def has_hours(db: Database, meter_id: int) -> bool:
    """Whether the meter has any rolled-up interval hours (one indexed look-up)."""
    if not _exists(db):
        return False
    row = db.conn.execute(
        "SELECT 1 FROM reading_hours WHERE meter_id = ? LIMIT 1", [meter_id]
    ).fetchone()
    return row is not None


def meter_months(db: Database, meter_id: int, canonical_unit: str) -> pd.DataFrame:
    """A meter's monthly use (canonical unit) and cost from ``reading_months``: columns month,
    quantity, cost (NaN where some of the month's use carries no cost: never a partial cost)."""
    rows = db.conn.execute(
        "SELECT month, sum(quantity_canonical), sum(cost), "
        "sum(CASE WHEN currency = '' AND quantity_canonical != 0 THEN 1 ELSE 0 END) "
        "FROM reading_months WHERE meter_id = ? GROUP BY month ORDER BY month",
        [meter_id],
    ).fetchall()
    out = pd.DataFrame(rows, columns=["month", "quantity", "cost", "unpriced"])
    out["quantity"] = out["quantity"].astype(float)
    out["cost"] = out["cost"].astype(float).where(out["unpriced"] == 0, np.nan)
    return out[["month", "quantity", "cost"]]


def billed_demand(db: Database, meter_id: int) -> list[dict[str, Any]]:
    """A meter's readings longer than an hour (bills) that carry a billed demand."""
    rows = db.conn.execute(
        "SELECT id, start_utc, end_utc, demand_kw FROM readings WHERE meter_id = ? "
        "AND demand_kw IS NOT NULL AND end_utc - start_utc > ? ORDER BY start_utc",
        [meter_id, MAX_INTERVAL_SECONDS],
    ).fetchall()
    return [{"id": r[0], "start_utc": r[1], "end_utc": r[2], "demand_kw": r[3]} for r in rows]


def peak_between(
    db: Database, meter_ids: list[int], start_utc: int, end_utc: int
) -> tuple[float, int, int] | None:
    """The highest interval power of any of the meters whose reading starts in [start, end):
    (power, meter id, reading start), or None without interval data there."""
    if not meter_ids or not _exists(db):
        return None
    row = db.conn.execute(
        f"SELECT peak_rate, meter_id, peak_start_utc FROM reading_hours WHERE meter_id IN "
        f"({', '.join('?' * len(meter_ids))}) AND hour_utc > ? AND hour_utc < ? "
        "AND peak_start_utc >= ? AND peak_start_utc < ? ORDER BY peak_rate DESC, peak_start_utc "
        "LIMIT 1",
        [*meter_ids, start_utc - MAX_INTERVAL_SECONDS, end_utc, start_utc, end_utc],
    ).fetchone()
    return None if row is None else (float(row[0]), int(row[1]), int(row[2]))
