"""Storage of weather: stations per facility, daily mean temperatures, imported degree days."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlite_utils import Database

DAY_COLUMNS = ["station_id", "date", "tmean", "tmin", "tmax", "unit", "readings", "method"]
DD_COLUMNS = ["station_id", "start_date", "end_date", "kind", "base", "unit", "value"]
DD_COLUMNS += ["estimated_pct"]


def stations(db: Database, facility_id: int) -> list[dict[str, Any]]:
    """The facility's stations, with how many days and degree-day rows each holds."""
    return [
        dict(r)
        for r in db.query(
            "SELECT s.*, (SELECT COUNT(*) FROM weather_days d WHERE d.station_id = s.id) AS days, "
            "(SELECT COUNT(*) FROM weather_degree_days g WHERE g.station_id = s.id) "
            "AS degree_day_rows FROM weather_stations s WHERE s.facility_id = ? ORDER BY s.name",
            [facility_id],
        )
    ]


def station_id(db: Database, facility_id: int, name: str) -> int | None:
    row = db.execute(
        "SELECT id FROM weather_stations WHERE facility_id = ? AND name = ?", [facility_id, name]
    ).fetchone()
    return int(row[0]) if row else None


def add_station(db: Database, facility_id: int, name: str, *, batch_id: int, source: str) -> int:
    """A new station (inside the import's transaction; the batch's audit entry covers it)."""
    cursor = db.execute(
        "INSERT INTO weather_stations (facility_id, name, source, batch_id) VALUES (?, ?, ?, ?)",
        [facility_id, name, source, batch_id],
    )
    return int(cursor.lastrowid or 0)


def days(
    db: Database, station: int, first: str | None = None, last: str | None = None
) -> pd.DataFrame:
    """Stored daily means of a station, oldest first, with the file each came from."""
    sql = (
        "SELECT d.id, d.date, d.tmean, d.tmin, d.tmax, d.unit, d.readings, d.method, "
        "d.batch_id, b.file_name FROM weather_days d "
        "LEFT JOIN import_batches b ON b.id = d.batch_id WHERE d.station_id = ?"
    )
    params: list[Any] = [station]
    if first:
        sql += " AND d.date >= ?"
        params.append(first)
    if last:
        sql += " AND d.date <= ?"
        params.append(last)
    return pd.read_sql_query(sql + " ORDER BY d.date", db.conn, params=params)


def degree_days(
    db: Database, station: int, base: float, unit: str, first: str | None, last: str | None
) -> pd.DataFrame:
    """Stored degree days of a station at exactly this base, oldest first."""
    sql = (
        "SELECT g.id, g.start_date, g.end_date, g.kind, g.value, g.estimated_pct, g.batch_id, "
        "b.file_name FROM weather_degree_days g LEFT JOIN import_batches b ON b.id = g.batch_id "
        "WHERE g.station_id = ? AND g.base = ? AND g.unit = ?"
    )
    params: list[Any] = [station, base, unit]
    if first:
        sql += " AND g.start_date >= ?"
        params.append(first)
    if last:
        sql += " AND g.end_date <= ?"
        params.append(last)
    return pd.read_sql_query(sql + " ORDER BY g.start_date", db.conn, params=params)


def degree_day_bases(db: Database, station: int) -> list[str]:
    return [
        f"{b:g}{u}"
        for b, u in db.execute(
            "SELECT DISTINCT base, unit FROM weather_degree_days WHERE station_id = ? "
            "ORDER BY unit, base",
            [station],
        ).fetchall()
    ]


def insert_days(db: Database, frame: pd.DataFrame, *, batch_id: int, source: str) -> int:
    """Insert daily rows (columns DAY_COLUMNS) in the caller's transaction."""
    columns = [*DAY_COLUMNS, "source", "batch_id"]
    data = frame[DAY_COLUMNS].astype(object).where(frame[DAY_COLUMNS].notna(), None)
    db.conn.executemany(
        f"INSERT INTO weather_days ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [(*row, source, batch_id) for row in data.itertuples(index=False, name=None)],
    )
    return len(frame)


def insert_degree_days(db: Database, frame: pd.DataFrame, *, batch_id: int, source: str) -> int:
    """Insert degree-day rows (columns DD_COLUMNS) in the caller's transaction."""
    columns = [*DD_COLUMNS, "source", "batch_id"]
    data = frame[DD_COLUMNS].astype(object).where(frame[DD_COLUMNS].notna(), None)
    db.conn.executemany(
        f"INSERT INTO weather_degree_days ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})",
        [(*row, source, batch_id) for row in data.itertuples(index=False, name=None)],
    )
    return len(frame)
