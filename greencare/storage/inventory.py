"""Reading activity for the emissions engine: monthly roll-ups, never raw readings."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlite_utils import Database

from greencare.core import units
from greencare.core.calculate import Activity
from greencare.core.calendar import calendarize, month_label


def _where_facility(alias: str, facility_ids: list[int] | None) -> tuple[str, list[int]]:
    if not facility_ids:
        return "", []
    return f" AND {alias}.facility_id IN ({', '.join('?' * len(facility_ids))})", facility_ids


def load_activity(
    db: Database, *, first_month: str, last_month: str, facility_ids: list[int] | None = None
) -> Activity:
    """Everything the engine needs for months ``first_month``..``last_month`` (YYYY-MM)."""
    fac_sql = "SELECT id, name, country, grid_region, timezone, floor_area_m2, staffed_beds, "
    fac_sql += "floor_area, floor_area_unit "
    fac_sql += "FROM facilities"
    params: list[object] = []
    if facility_ids:
        fac_sql += f" WHERE id IN ({', '.join('?' * len(facility_ids))})"
        params = list(facility_ids)
    facilities = pd.read_sql_query(fac_sql, db.conn, params=params)
    # The area in each unit exactly as entered, where it was entered in that unit.
    for target, column in (("ft**2", "floor_area_ft2"), ("m**2", "floor_area_m2")):
        facilities[column] = pd.Series(
            [
                units.area_as_entered(
                    None if pd.isna(v) else v,
                    u if isinstance(u, str) else None,
                    None if pd.isna(m) else m,
                    target,
                )
                for v, u, m in zip(
                    facilities["floor_area"],
                    facilities["floor_area_unit"],
                    facilities["floor_area_m2"],
                    strict=True,
                )
            ],
            index=facilities.index,
            dtype=float,
        )

    clause, ids = _where_facility("m", facility_ids)
    energy = pd.read_sql_query(
        "SELECT m.facility_id, rm.meter_id, m.name AS meter, m.commodity, m.canonical_unit, "
        "rm.month, rm.unit, rm.currency, rm.quantity, rm.quantity_canonical, rm.cost, "
        "rm.estimated_canonical FROM reading_months rm JOIN meters m ON m.id = rm.meter_id "
        "WHERE rm.month BETWEEN ? AND ?" + clause,
        db.conn,
        params=[first_month, last_month, *ids],
    )

    first_day = date.fromisoformat(f"{first_month}-01")
    y, m = int(last_month[:4]), int(last_month[5:])
    after_last = date(y + (m == 12), m % 12 + 1, 1)
    clause, ids = _where_facility("w", facility_ids)
    waste_rows = pd.read_sql_query(
        "SELECT w.id, w.facility_id, w.start_date, w.end_date, w.stream, w.route, w.quantity_kg, "
        "w.cost, w.currency FROM waste_records w WHERE w.end_date >= ? AND w.start_date < ?"
        + clause,
        db.conn,
        params=[first_day.isoformat(), after_last.isoformat(), *ids],
    )
    waste = _calendarize_days(waste_rows, first_month, last_month)

    clause, ids = _where_facility("p", facility_ids)
    purchases = pd.read_sql_query(
        "SELECT p.id, p.facility_id, substr(p.date, 1, 7) AS month, p.category, p.item, "
        "p.description, p.spend, p.currency, p.quantity, p.unit, p.supplier FROM purchases p "
        "WHERE p.date >= ? AND p.date < ?" + clause,
        db.conn,
        params=[first_day.isoformat(), after_last.isoformat(), *ids],
    )
    clause, ids = _where_facility("i", facility_ids)
    instruments = pd.read_sql_query(
        "SELECT i.* FROM instruments i WHERE i.end_month >= ? AND i.start_month <= ?" + clause,
        db.conn,
        params=[first_month, last_month, *ids],
    )
    return Activity(
        facilities=facilities,
        energy=energy,
        waste=waste,
        purchases=purchases,
        instruments=instruments,
    )


def _calendarize_days(rows: pd.DataFrame, first_month: str, last_month: str) -> pd.DataFrame:
    """Spread date-range records (inclusive dates) over calendar months by days."""
    columns = [*rows.columns, "month"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    epoch = date(1970, 1, 1)
    start = np.array([(date.fromisoformat(d) - epoch).days * 86400 for d in rows["start_date"]])
    end = np.array(
        [(date.fromisoformat(d) + timedelta(days=1) - epoch).days * 86400 for d in rows["end_date"]]
    )
    split = calendarize(start, end, "UTC")
    out = rows.iloc[split["row"].to_numpy()].reset_index(drop=True)
    share = split["share"].to_numpy()
    out["quantity_kg"] = out["quantity_kg"].to_numpy(float) * share
    out["cost"] = out["cost"].astype(float) * share
    out["month"] = month_label(split["month"].to_numpy())
    return out[(out["month"] >= first_month) & (out["month"] <= last_month)].reset_index(drop=True)
