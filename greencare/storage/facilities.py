"""Facilities and their meters."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlite_utils import Database

from greencare.core import units
from greencare.core.errors import ConflictError, NotFoundError
from greencare.core.models import Facility, Meter
from greencare.core.text import quote
from greencare.storage import audit

_FACILITY_COLUMNS = [
    "name",
    "kind",
    "country",
    "region",
    "postcode",
    "grid_region",
    "timezone",
    "floor_area",
    "floor_area_unit",
    "staffed_beds",
    "notes",
    "retired",
]
_METER_COLUMNS = [
    "facility_id",
    "name",
    "commodity",
    "unit",
    "delivery_class",
    "net_metering",
    "notes",
    "retired",
]


def _facility_row(facility: Facility) -> dict[str, Any]:
    row = facility.model_dump(mode="json", include=set(_FACILITY_COLUMNS))
    row["floor_area_m2"] = facility.floor_area_m2
    row["retired"] = int(facility.retired)
    return row


def _facility_from_row(row: dict[str, Any]) -> Facility:
    data = {k: row[k] for k in ("id", *_FACILITY_COLUMNS)}
    data["retired"] = bool(data["retired"])
    return Facility.model_validate(data, context={"stored": True})  # old text is shown, not refused


def add_facility(db: Database, facility: Facility, *, source: str = "manual") -> Facility:
    try:
        new_id = audit.insert_audited(db, "facilities", _facility_row(facility), source=source)
    except sqlite3.IntegrityError as exc:
        raise ConflictError(f"a facility named {quote(facility.name)} already exists") from exc
    return facility.model_copy(update={"id": new_id})


def update_facility(db: Database, facility: Facility, *, source: str = "manual") -> Facility:
    if facility.id is None:
        raise NotFoundError("cannot update a facility that has no id")
    row = _facility_row(facility)
    with db.atomic():
        before = audit.row_dict(db, "facilities", facility.id)
        if before is None:
            raise NotFoundError(f"no facility with id {facility.id}")
        sets = ", ".join(f"{k} = ?" for k in row)
        try:
            db.execute(f"UPDATE facilities SET {sets} WHERE id = ?", [*row.values(), facility.id])
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"a facility named {quote(facility.name)} already exists") from exc
        audit.record(
            db, "facilities", facility.id, "update", before=before, after=row, source=source
        )
    return facility


def list_facilities(db: Database, *, include_retired: bool = False) -> list[Facility]:
    sql = "SELECT * FROM facilities"
    if not include_retired:
        sql += " WHERE retired = 0"
    return [_facility_from_row(dict(r)) for r in db.query(sql + " ORDER BY name")]


def get_facility(db: Database, ref: int | str) -> Facility:
    """A facility by id or exact name (case-insensitive)."""
    rows: list[dict[str, Any]] = []
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        rows = list(db.query("SELECT * FROM facilities WHERE id = ?", [int(ref)]))
    if not rows:
        rows = list(db.query("SELECT * FROM facilities WHERE name = ? COLLATE NOCASE", [str(ref)]))
    if not rows:
        raise NotFoundError(f"no facility {quote(ref)} (see `greencare facility list`)")
    return _facility_from_row(dict(rows[0]))


def _meter_row(meter: Meter) -> dict[str, Any]:
    row = meter.model_dump(mode="json", include=set(_METER_COLUMNS))
    row["canonical_unit"] = units.canonical_unit(meter.commodity)
    row["net_metering"] = int(meter.net_metering)
    row["retired"] = int(meter.retired)
    return row


def _meter_from_row(row: dict[str, Any]) -> Meter:
    data = {k: row[k] for k in ("id", *_METER_COLUMNS)}
    data["net_metering"] = bool(data["net_metering"])
    data["retired"] = bool(data["retired"])
    # A stored meter loads even if its unit predates the bill-unit table (an electricity meter
    # in therm): readings entered in that unit are refused, with the reason, when entered.
    return Meter.model_validate(data, context={"stored": True})


def add_meter(db: Database, meter: Meter, *, source: str = "manual") -> Meter:
    row = _meter_row(meter)
    with db.atomic():
        if not list(db.query("SELECT 1 FROM facilities WHERE id = ?", [meter.facility_id])):
            raise NotFoundError(f"no facility with id {meter.facility_id}")
        try:
            new_id = audit.insert_audited(db, "meters", row, source=source)
        except sqlite3.IntegrityError as exc:
            raise ConflictError(
                f"this facility already has a meter named {quote(meter.name)}"
            ) from exc
    return meter.model_copy(update={"id": new_id})


def list_meters(
    db: Database, *, facility_id: int | None = None, include_retired: bool = False
) -> list[Meter]:
    where, params = [], []
    if facility_id is not None:
        where.append("facility_id = ?")
        params.append(facility_id)
    if not include_retired:
        where.append("retired = 0")
    sql = "SELECT * FROM meters" + (" WHERE " + " AND ".join(where) if where else "")
    return [_meter_from_row(dict(r)) for r in db.query(sql + " ORDER BY facility_id, name", params)]


def get_meter(db: Database, ref: int | str, *, facility_id: int | None = None) -> Meter:
    """A meter by id, or by name (within a facility when the name is used more than once)."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        rows = list(db.query("SELECT * FROM meters WHERE id = ?", [int(ref)]))
        if rows:
            return _meter_from_row(dict(rows[0]))
    sql, params = "SELECT * FROM meters WHERE name = ? COLLATE NOCASE", [str(ref)]
    if facility_id is not None:
        sql += " AND facility_id = ?"
        params.append(facility_id)
    rows = [dict(r) for r in db.query(sql, params)]
    if not rows:
        raise NotFoundError(f"no meter {quote(ref)} (see `greencare meter list`)")
    if len(rows) > 1:
        ids = ", ".join(str(r["id"]) for r in rows)
        raise NotFoundError(
            f"meter name {quote(ref)} is used by several facilities (meter ids {ids}); "
            "give the id or the facility"
        )
    return _meter_from_row(rows[0])


def update_meter(db: Database, meter: Meter, *, source: str = "manual") -> Meter:
    """Change a meter's details (audited). Its commodity stays once readings are stored (they
    were converted as that commodity), and an electricity meter that instruments name stays
    electricity."""
    if meter.id is None:
        raise NotFoundError("cannot update a meter that has no id")
    row = _meter_row(meter)
    with db.atomic():
        before = audit.row_dict(db, "meters", meter.id)
        if before is None:
            raise NotFoundError(f"no meter with id {meter.id}")
        if row["facility_id"] != before["facility_id"]:
            raise ConflictError("a meter cannot move to another facility; add a new meter there")
        if row["commodity"] != before["commodity"]:
            stored = db.execute(
                "SELECT count(*) FROM readings WHERE meter_id = ?", [meter.id]
            ).fetchone()[0]
            if stored:
                plural = "s" if stored != 1 else ""
                raise ConflictError(
                    f"meter {quote(before['name'])} has {stored:,} reading{plural} stored as "
                    f"{before['commodity']}; its commodity cannot change (add a new meter, "
                    "or delete those readings first)"
                )
            named = db.execute(
                "SELECT count(*) FROM instruments WHERE meter_id = ?", [meter.id]
            ).fetchone()[0]
            if named:
                raise ConflictError(
                    f"meter {quote(before['name'])} is named by {named} market-based "
                    "instrument(s), which apply to electricity only; change or delete them first"
                )
        sets = ", ".join(f"{k} = ?" for k in row)
        try:
            db.execute(f"UPDATE meters SET {sets} WHERE id = ?", [*row.values(), meter.id])
        except sqlite3.IntegrityError as exc:
            raise ConflictError(
                f"this facility already has a meter named {quote(meter.name)}"
            ) from exc
        after = audit.row_dict(db, "meters", meter.id)
        audit.record(db, "meters", meter.id, "update", before=before, after=after, source=source)
    return meter
