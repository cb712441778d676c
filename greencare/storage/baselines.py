"""Monthly energy for baselines: one query on the ``reading_months`` roll-up, never raw readings."""

from __future__ import annotations

import pandas as pd
from sqlite_utils import Database


def monthly_energy(
    db: Database, facility_id: int, meter_id: int | None, first: str, last: str, canonical: str
) -> pd.DataFrame:
    """Per meter-month sums (canonical unit ``canonical``) of a facility's meters, or one meter."""
    sql = (
        "SELECT rm.meter_id, m.commodity, rm.month, rm.currency, rm.quantity_canonical, rm.cost "
        "FROM reading_months rm JOIN meters m ON m.id = rm.meter_id "
        "WHERE m.facility_id = ? AND m.canonical_unit = ? AND rm.month BETWEEN ? AND ?"
    )
    params: list[object] = [facility_id, canonical, first, last]
    if meter_id is not None:
        sql += " AND rm.meter_id = ?"
        params.append(meter_id)
    return pd.read_sql_query(sql + " ORDER BY rm.month, rm.meter_id", db.conn, params=params)
