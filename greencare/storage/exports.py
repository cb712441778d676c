"""What exports read: each reading with its meter and facility, interval meters' months."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

#: A reading shorter than this is an interval, not a bill (a day is 23 h when clocks go forward).
BILL_SECONDS = 23 * 3600

_READING_ROWS = """
SELECT r.id, r.meter_id, r.start_utc, r.end_utc, r.quantity, r.unit, r.quantity_canonical,
       r.cost, r.currency, r.estimated, {demand}
       m.name AS meter_name, m.commodity, m.unit AS meter_unit, m.delivery_class,
       {pm_meter} AS pm_meter_id, f.id AS facility_id, f.name AS facility_name,
       {pm_property} AS pm_property_id, f.timezone, f.country
FROM readings r JOIN meters m ON m.id = r.meter_id JOIN facilities f ON f.id = m.facility_id
WHERE m.id NOT IN (SELECT meter_id FROM readings WHERE end_utc - start_utc < ?)
"""


def _has(db: Database, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info([{table}])"))


def _scope(facility_ids: list[int] | None) -> tuple[str, list[Any]]:
    if not facility_ids:
        return "", []
    return f" AND f.id IN ({', '.join('?' * len(facility_ids))})", list(facility_ids)


def bill_rows(db: Database, facility_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Every reading of meters that hold bills only (no interval shorter than a day), with its
    meter and facility, by facility, meter and start."""
    demand = (
        "r.demand_kw, r.demand_cost,"
        if _has(db, "readings", "demand_kw")
        else ("NULL AS demand_kw, NULL AS demand_cost,")
    )
    sql = _READING_ROWS.format(
        demand=demand,
        pm_meter="m.pm_meter_id" if _has(db, "meters", "pm_meter_id") else "NULL",
        pm_property="f.pm_property_id" if _has(db, "facilities", "pm_property_id") else "NULL",
    )
    where, params = _scope(facility_ids)
    sql += where + " ORDER BY f.name, m.name, m.id, r.start_utc"
    return [dict(row) for row in db.query(sql, [BILL_SECONDS, *params])]


def interval_months(db: Database, facility_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Meters with interval readings: their local calendar months (the roll-up), one row per
    meter, month and currency, with the meter and facility."""
    pm_meter = "m.pm_meter_id" if _has(db, "meters", "pm_meter_id") else "NULL"
    pm_property = "f.pm_property_id" if _has(db, "facilities", "pm_property_id") else "NULL"
    sql = (
        "SELECT rm.meter_id, rm.month, rm.currency, sum(rm.quantity_canonical) AS "
        "quantity_canonical, sum(rm.cost) AS cost, sum(rm.estimated_canonical) AS estimated, "
        "m.name AS meter_name, m.commodity, m.unit AS meter_unit, m.delivery_class, "
        f"{pm_meter} AS pm_meter_id, f.id AS facility_id, f.name AS facility_name, "
        f"{pm_property} AS pm_property_id, f.timezone, f.country "
        "FROM reading_months rm JOIN meters m ON m.id = rm.meter_id "
        "JOIN facilities f ON f.id = m.facility_id "
        "WHERE m.id IN (SELECT meter_id FROM readings WHERE end_utc - start_utc < ?)"
    )
    where, params = _scope(facility_ids)
    sql += (
        where
        + " GROUP BY rm.meter_id, rm.month, rm.currency ORDER BY f.name, m.name, m.id, rm.month"
    )
    return [dict(row) for row in db.query(sql, [BILL_SECONDS, *params])]


def green_power_months(db: Database) -> dict[int, list[tuple[str, str]]]:
    """Facility id -> (first, last month) of each REC, PPA or green tariff recorded for it."""
    out: dict[int, list[tuple[str, str]]] = {}
    for row in db.query(
        "SELECT facility_id, start_month, end_month FROM instruments "
        "WHERE kind IN ('rec', 'ppa', 'green_tariff')"
    ):
        out.setdefault(int(row["facility_id"]), []).append((row["start_month"], row["end_month"]))
    return out
