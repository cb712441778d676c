"""Facilities and their meters."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

from sqlite_utils import Database

from greencare.core import units
from greencare.core.errors import AmbiguousNameError, ConflictError, NotFoundError
from greencare.core.models import Facility, Meter
from greencare.core.text import did_you_mean, quote
from greencare.core.vocab import Commodity, DeliveryClass
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
#: Columns added by later migrations, written only when set (a row inserted into a database
#: opened read-only before its upgrade still fails on the refusal, not on a missing column).
_FACILITY_OPTIONAL = ["pm_property_id"]
_METER_OPTIONAL = ["pm_meter_id"]
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
    if facility.pm_property_id is not None:
        row["pm_property_id"] = facility.pm_property_id
    return row


def _facility_from_row(row: dict[str, Any]) -> Facility:
    data = {k: row[k] for k in ("id", *_FACILITY_COLUMNS)}
    data |= {k: row.get(k) for k in _FACILITY_OPTIONAL}
    data["retired"] = bool(data["retired"])
    return Facility.model_validate(data, context={"stored": True})  # old text is shown, not refused


def facility_places(db: Database, ids: list[int]) -> dict[int, tuple[str | None, str]]:
    """(time zone, country) of each facility, as :func:`get_facility` gives them, in one query.

    An import of meters in a hundred facilities needs only these two fields of each; a row as
    greencare writes one (a two-letter country, a valid grid region and zone) is read as it is,
    and any other goes through :func:`get_facility`, which fills or refuses it as always.
    """
    from greencare.core import regions

    if not ids:
        return {}
    rows = db.execute(
        "SELECT id, country, grid_region, timezone FROM facilities WHERE id IN "
        "(SELECT value FROM json_each(?))",
        [json.dumps(sorted({int(i) for i in ids}))],
    ).fetchall()
    out: dict[int, tuple[str | None, str]] = {}
    for facility_id, country, grid, zone in rows:
        try:
            clean = (
                isinstance(country, str)
                and regions.normalize_country(country) == country
                and regions.check_grid_region(country, grid) == grid
                and isinstance(zone, str)
                and bool(zone)
                and regions.check_timezone(zone) == zone
            )
        except ValueError:
            clean = False
        if clean:
            out[int(facility_id)] = (zone, country)
    for facility_id in sorted({int(i) for i in ids} - set(out)):
        facility = get_facility(db, facility_id)  # fills in, or refuses, as always
        out[facility_id] = (facility.timezone, facility.country)
    return out


def _facility_conflict(facility: Facility, exc: sqlite3.IntegrityError) -> ConflictError:
    if "pm_property_id" in str(exc):
        return ConflictError(
            f"another facility is Portfolio Manager property {quote(facility.pm_property_id)}"
        )
    return ConflictError(f"a facility named {quote(facility.name)} already exists")


def add_facility(db: Database, facility: Facility, *, source: str = "manual") -> Facility:
    try:
        new_id = audit.insert_audited(db, "facilities", _facility_row(facility), source=source)
    except sqlite3.IntegrityError as exc:
        raise _facility_conflict(facility, exc) from exc
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
            raise _facility_conflict(facility, exc) from exc
        audit.record(
            db, "facilities", facility.id, "update", before=before, after=row, source=source
        )
        if before.get("timezone") != row.get("timezone"):
            from greencare.storage import rollups

            rollups.rezone(db, facility.id)  # its sums are by local month and hour
    return facility


def facility_id(db: Database, ref: int | str) -> int:
    """The id of ``get_facility(db, ref)``, found the same way without loading the facility."""
    found = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = db.execute("SELECT id FROM facilities WHERE id = ?", [int(ref)]).fetchone()
    if found is None:
        found = db.execute(
            "SELECT id FROM facilities WHERE name = ? COLLATE NOCASE", [str(ref)]
        ).fetchone()
    if found is None:
        return int(get_facility(db, ref).id or 0)  # raises, with get_facility's own message
    return int(found[0])


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
        names = [r[0] for r in db.execute("SELECT name FROM facilities ORDER BY id")]
        hint = did_you_mean(ref, names) or " (see `greencare facility list`)"
        raise NotFoundError(f"no facility {quote(ref)}{hint}")
    return _facility_from_row(dict(rows[0]))


def _meter_row(meter: Meter) -> dict[str, Any]:
    row = meter.model_dump(mode="json", include=set(_METER_COLUMNS))
    row["canonical_unit"] = units.canonical_unit(meter.commodity)
    row["net_metering"] = int(meter.net_metering)
    row["retired"] = int(meter.retired)
    if meter.pm_meter_id is not None:
        row["pm_meter_id"] = meter.pm_meter_id
    return row


def _meter_from_row(row: dict[str, Any]) -> Meter:
    data = {k: row[k] for k in ("id", *_METER_COLUMNS)}
    data |= {k: row.get(k) for k in _METER_OPTIONAL}
    data["net_metering"] = bool(data["net_metering"])
    data["retired"] = bool(data["retired"])
    clean = _clean_meter(data)
    if clean is not None:
        return clean
    # A stored meter loads even if its unit predates the bill-unit table (an electricity meter
    # in therm): readings entered in that unit are refused, with the reason, when entered.
    return Meter.model_validate(data, context={"stored": True})


_COMMODITIES = {c.value: c for c in Commodity}
_DELIVERY = {d.value: d for d in DeliveryClass}
_GENERATION = (Commodity.ONSITE_SOLAR, Commodity.ONSITE_WIND)


def _clean_meter(data: dict[str, Any]) -> Meter | None:
    """The Meter ``model_validate(data, context={"stored": True})`` returns, built without
    running the validators, for a row exactly as greencare writes one (ints, known commodity
    and delivery class, stripped text, no Portfolio Manager id); None for anything else, which
    then goes through the model. An import naming 5,000 meters loads them in a fifth of the
    time (tests/storage/test_meter_rows.py compares the two on every kind of row)."""
    name, unit, notes = data["name"], data["unit"], data["notes"]
    commodity = _COMMODITIES.get(data["commodity"])
    delivery = data["delivery_class"]
    if (
        type(data["id"]) is not int
        or type(data["facility_id"]) is not int
        or commodity is None
        or type(name) is not str
        or not name
        or name != name.strip()
        or type(unit) is not str
        or unit != unit.strip()
        or not (notes is None or (type(notes) is str and notes == notes.strip()))
        or not (delivery is None or delivery in _DELIVERY)
        or data["pm_meter_id"] is not None
    ):
        return None
    with contextlib.suppress(units.UnitError):  # shown as stored, as the model does
        unit = units.normalize_unit(unit)
    if delivery is None:
        klass = (
            DeliveryClass.ONSITE_GENERATION if commodity in _GENERATION else DeliveryClass.METERED
        )
    else:
        klass = _DELIVERY[delivery]
    return Meter.model_construct(
        id=data["id"], facility_id=data["facility_id"], name=name, commodity=commodity,
        unit=unit, delivery_class=klass, net_metering=data["net_metering"], notes=notes,
        retired=data["retired"], pm_meter_id=None,
    )  # fmt: skip


def add_meter(db: Database, meter: Meter, *, source: str = "manual") -> Meter:
    row = _meter_row(meter)
    with db.atomic():
        if not list(db.query("SELECT 1 FROM facilities WHERE id = ?", [meter.facility_id])):
            raise NotFoundError(f"no facility with id {meter.facility_id}")
        try:
            new_id = audit.insert_audited(db, "meters", row, source=source)
        except sqlite3.IntegrityError as exc:
            if "pm_meter_id" in str(exc):
                raise ConflictError(
                    f"another meter is Portfolio Manager meter {quote(meter.pm_meter_id)}"
                ) from exc
            raise ConflictError(
                f"this facility already has a meter named {quote(meter.name)}"
            ) from exc
    return meter.model_copy(update={"id": new_id})


def set_meter_pm_id(db: Database, meter_id: int, pm_meter_id: str, *, source: str) -> None:
    """Record a meter's Portfolio Manager meter id (audited, like any meter edit)."""
    with db.atomic():
        before = audit.row_dict(db, "meters", meter_id)
        if before is None:
            raise NotFoundError(f"no meter with id {meter_id}")
        try:
            db.execute("UPDATE meters SET pm_meter_id = ? WHERE id = ?", [pm_meter_id, meter_id])
        except sqlite3.IntegrityError as exc:
            raise ConflictError(
                f"another meter is Portfolio Manager meter {quote(pm_meter_id)}"
            ) from exc
        after = {**before, "pm_meter_id": pm_meter_id}
        audit.record(db, "meters", meter_id, "update", before=before, after=after, source=source)


def find_by_pm_id(db: Database, table: str, pm_id: str) -> dict[str, Any] | None:
    """The facility (``table="facilities"``) or meter holding this Portfolio Manager id."""
    column = {"facilities": "pm_property_id", "meters": "pm_meter_id"}[table]
    rows = list(db.query(f"SELECT * FROM [{table}] WHERE {column} = ?", [pm_id]))
    return dict(rows[0]) if rows else None


def get_facility_by_pm_id(db: Database, pm_property_id: str) -> Facility | None:
    row = find_by_pm_id(db, "facilities", pm_property_id)
    return _facility_from_row(row) if row else None


def get_meter_by_pm_id(db: Database, pm_meter_id: str) -> Meter | None:
    row = find_by_pm_id(db, "meters", pm_meter_id)
    return _meter_from_row(row) if row else None


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
        sql, params = "SELECT name FROM meters", []
        if facility_id is not None:
            sql, params = sql + " WHERE facility_id = ?", [facility_id]
        hint = did_you_mean(ref, [r[0] for r in db.execute(sql + " ORDER BY id", params)])
        raise NotFoundError(f"no meter {quote(ref)}{hint or ' (see `greencare meter list`)'}")
    if len(rows) > 1:
        owners = ", ".join(
            quote(r[0])
            for r in db.execute(
                "SELECT f.name FROM facilities f WHERE f.id IN "
                f"({', '.join('?' * len(rows))}) ORDER BY f.name",
                [r["facility_id"] for r in rows],
            )
        )
        raise AmbiguousNameError(
            f"meter name {quote(ref)} is used by {len(rows)} facilities ({owners}); "
            "name the facility or give the meter id"
        )
    return _meter_from_row(rows[0])


#: SQLite's NOCASE folds ASCII letters only; names are matched in Python the same way.
_NOCASE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def nocase(name: str) -> str:
    """A name as SQLite's NOCASE collation compares it (ASCII letters folded, nothing else)."""
    return name.translate(_NOCASE)


def meters_named(
    db: Database, names: list[str], *, facility_id: int | None = None
) -> dict[str, list[Meter]]:
    """The meters each of many names matches, as ``get_meter`` matches one name (NOCASE),
    in one query: an import naming thousands of meters looks them up together, not one
    unindexed scan of the meters table per name. Keyed by :func:`nocase` of the name; a name
    matching none is absent."""
    if not names:
        return {}
    sql = "SELECT * FROM meters WHERE name COLLATE NOCASE IN (SELECT value FROM json_each(?))"
    params: list[Any] = [json.dumps(sorted({str(n) for n in names}))]
    if facility_id is not None:
        sql += " AND facility_id = ?"
        params.append(facility_id)
    found: dict[str, list[Meter]] = {}
    for row in db.query(sql + " ORDER BY id", params):
        found.setdefault(nocase(str(row["name"])), []).append(_meter_from_row(dict(row)))
    return found


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
