"""Monthly roll-ups of readings, kept current inside every write transaction.

Reports and the emissions engine read ``reading_months`` (meter x local month x unit), never the
raw readings: re-aggregating a million interval rows costs seconds, while keeping the roll-up
current costs almost nothing because the rows being written are already in memory. Every
function here runs inside the caller's transaction, so a reading and its roll-up land together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from greencare.core.calendar import calendarize, month_label
from greencare.core.columns import codes_of

_KEY = ["meter_id", "month", "unit", "currency"]
_SUMS = ["quantity", "quantity_canonical", "cost", "estimated_canonical", "readings"]

_UPSERT = """
INSERT INTO reading_months (meter_id, month, unit, currency, quantity, quantity_canonical, cost,
                            estimated_canonical, readings)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (meter_id, month, unit, currency) DO UPDATE SET
    quantity = quantity + excluded.quantity,
    quantity_canonical = quantity_canonical + excluded.quantity_canonical,
    cost = cost + excluded.cost,
    estimated_canonical = estimated_canonical + excluded.estimated_canonical,
    readings = readings + excluded.readings
"""


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

    Grouping runs on integer codes (meter, month index, unit code, currency code); the few
    distinct unit and currency strings are put back on the small result.
    """
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
        canonical = frame["quantity_canonical"].to_numpy(dtype=float)[pick] * share
        estimated = frame["estimated"].to_numpy(dtype=bool)[pick]
        cost = frame["cost"].to_numpy(dtype=float)[pick]
        parts.append(
            pd.DataFrame(
                {
                    "meter_id": frame["meter_id"].to_numpy()[pick],
                    "month": split["month"].to_numpy(),
                    "unit": unit_codes[pick],
                    "currency": cur_codes[pick],
                    "quantity": frame["quantity"].to_numpy(dtype=float)[pick] * share,
                    "quantity_canonical": canonical,
                    "cost": np.where(np.isnan(cost), 0.0, cost) * share,
                    "estimated_canonical": np.where(estimated, canonical, 0.0),
                    "readings": np.ones(len(share), dtype=np.int64),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=_KEY + _SUMS)
    sums = _aggregate(pd.concat(parts, ignore_index=True))
    sums["month"] = month_label(sums["month"].to_numpy())
    sums["unit"] = np.asarray(unit_names, dtype=object)[sums["unit"].to_numpy()]
    sums["currency"] = np.asarray(cur_names, dtype=object)[sums["currency"].to_numpy()]
    return sums


def _aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum the value columns per key: the four integer keys packed into one int64, one
    np.unique over it, and np.bincount per value column."""
    meter = frame["meter_id"].to_numpy(dtype=np.int64)
    month = frame["month"].to_numpy(dtype=np.int64)
    unit = frame["unit"].to_numpy(dtype=np.int64)
    currency = frame["currency"].to_numpy(dtype=np.int64)
    base = int(month.min())
    packed = (((meter << 16) | (month - base)) << 12 | unit) << 12 | currency
    keys, inverse = np.unique(packed, return_inverse=True)
    out = pd.DataFrame(
        {
            "meter_id": keys >> 40,
            "month": ((keys >> 24) & 0xFFFF) + base,
            "unit": (keys >> 12) & 0xFFF,
            "currency": keys & 0xFFF,
        }
    )
    for column in _SUMS:
        out[column] = np.bincount(inverse, weights=frame[column].to_numpy(dtype=float))
    out["readings"] = out["readings"].round().astype(np.int64)
    return out


def apply(db: Database, frame: pd.DataFrame, *, sign: int) -> None:
    """Add (sign=+1) or remove (sign=-1) readings' contribution to the roll-up."""
    if frame.empty:
        return
    sums = monthly(frame, _zones(db, frame["meter_id"].unique().tolist()))
    for col in _SUMS:
        sums[col] = sums[col] * sign
    db.conn.executemany(_UPSERT, sums[_KEY + _SUMS].itertuples(index=False, name=None))
    if sign < 0:
        db.execute("DELETE FROM reading_months WHERE readings <= 0")


def read_all(db: Database) -> pd.DataFrame:
    return pd.read_sql_query("SELECT * FROM readings", db.conn)


def rebuild(db: Database) -> int:
    """Recompute the whole roll-up from the readings (a repair tool, and a check in tests)."""
    with db.atomic():
        db.execute("DELETE FROM reading_months")
        apply(db, read_all(db), sign=1)
    return int(db.execute("SELECT count(*) FROM reading_months").fetchone()[0])


def frame_from_rows(rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=list(columns))
