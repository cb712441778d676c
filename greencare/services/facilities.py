"""Facilities and meters: add, look up, list, edit, retire."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from greencare.core import units
from greencare.core.errors import InputError, NotFoundError
from greencare.core.models import (
    Facility,
    Meter,
)
from greencare.services.common import _number, _validate, split_quantity
from greencare.storage import audit, facilities

list_facilities = facilities.list_facilities


def get_facility(db: Database, ref: int | str) -> Facility:
    return facilities.get_facility(db, ref)


def get_meter(db: Database, ref: int | str, *, facility: int | str | None = None) -> Meter:
    facility_id = facilities.get_facility(db, facility).id if facility is not None else None
    return facilities.get_meter(db, ref, facility_id=facility_id)


def list_meters(db: Database, *, facility: int | str | None = None) -> list[Meter]:
    facility_id = facilities.get_facility(db, facility).id if facility is not None else None
    return facilities.list_meters(db, facility_id=facility_id)


def add_facility(
    db: Database,
    *,
    name: str,
    country: str,
    kind: str = "hospital",
    region: str | None = None,
    postcode: str | None = None,
    grid_region: str | None = None,
    timezone: str | None = None,
    floor_area: float | str | None = None,
    floor_area_unit: str | None = None,
    staffed_beds: int | None = None,
    notes: str | None = None,
    source: str = "api",
) -> Facility:
    """Record a facility. ``floor_area`` may carry its unit: ``"350000 ft**2"``."""
    if isinstance(floor_area, str) and floor_area_unit:
        floor_area = _number(floor_area, "floor_area")
    elif isinstance(floor_area, str):
        try:
            floor_area, floor_area_unit = split_quantity(floor_area)
        except InputError as exc:
            raise InputError(str(exc), {"floor_area": str(exc)}) from exc
    data = {
        "name": name,
        "country": country,
        "kind": kind,
        "region": region,
        "postcode": postcode,
        "grid_region": grid_region,
        "timezone": timezone,
        "floor_area": floor_area,
        "floor_area_unit": floor_area_unit,
        "staffed_beds": staffed_beds,
        "notes": notes,
    }
    facility = _validate(Facility, data)
    return facilities.add_facility(db, facility, source=source)


#: The unit a new meter defaults to when none is given.
DEFAULT_UNITS = {
    "electricity": "kWh",
    "natural_gas": "therm",
    "district_steam": "klb",
    "district_chilled_water": "ton_hour",
    "district_hot_water": "therm",
    "onsite_solar": "kWh",
    "onsite_wind": "kWh",
    "water": "kgal",
    "reclaimed_water": "kgal",
    "well_water": "kgal",
}


def add_meter(
    db: Database,
    *,
    facility: int | str,
    name: str,
    commodity: str,
    unit: str | None = None,
    delivery_class: str | None = None,
    net_metering: bool = False,
    notes: str | None = None,
    source: str = "api",
) -> Meter:
    """Add a meter to a facility; the unit must be able to measure the commodity."""
    owner = facilities.get_facility(db, facility)
    data = {
        "facility_id": owner.id,
        "name": name,
        "commodity": commodity,
        "unit": unit or DEFAULT_UNITS.get(commodity, "US_gallon"),
        "delivery_class": delivery_class,
        "net_metering": net_metering,
        "notes": notes,
    }
    meter = _validate(Meter, data)
    return facilities.add_meter(db, meter, source=source)


def unit_choices(commodity: str) -> tuple[str, ...]:
    return units.unit_choices(commodity)


# --- editing and retiring -------------------------------------------------------------------


def update_facility(db: Database, facility_id: int, *, source: str = "api", **fields: Any) -> Any:
    """Change a facility's details (validated by the model like a new one; audited)."""
    current = facilities.get_facility(db, facility_id)
    data = current.model_dump()
    floor_area = fields.get("floor_area")
    if isinstance(floor_area, str):
        fields["floor_area"] = _number(floor_area, "floor_area") if floor_area else None
    data.update(fields)
    facility = _validate(type(current), data)
    return facilities.update_facility(db, facility, source=source)


def _set_retired(db: Database, table: str, row_id: int, retired: bool, source: str) -> None:
    with db.atomic():
        before = audit.row_dict(db, table, row_id)
        if before is None:
            raise NotFoundError(f"no {table[:-1]} with id {row_id}")
        db.execute(f"UPDATE [{table}] SET retired = ? WHERE id = ?", [int(retired), row_id])
        after = {**before, "retired": int(retired)}
        audit.record(db, table, row_id, "update", before=before, after=after, source=source)


def retire_facility(db: Database, facility_id: int, *, source: str = "api") -> None:
    """Mark a facility retired (kept with its history, hidden from lists); audited."""
    _set_retired(db, "facilities", facility_id, True, source)


def retire_meter(db: Database, meter_id: int, *, source: str = "api") -> None:
    """Mark a meter retired (its readings stay in past periods); audited."""
    _set_retired(db, "meters", meter_id, True, source)


def reinstate_facility(db: Database, facility_id: int, *, source: str = "api") -> None:
    _set_retired(db, "facilities", facility_id, False, source)


#: What a person may change on a meter (its facility stays; retire/reinstate keep their own
#: functions).
METER_FIELDS = frozenset({"name", "commodity", "unit", "delivery_class", "net_metering", "notes"})


def update_meter(db: Database, meter_id: int, *, source: str = "api", **fields: Any) -> Meter:
    """Change a meter's details: only the fields given change, validated like ``add_meter``
    (the unit must measure the commodity); audited. Its commodity cannot change once readings
    are stored (they were converted as that commodity): that is refused with the reason."""
    unknown = sorted(set(fields) - METER_FIELDS)
    if unknown:
        raise InputError(
            f"a meter's {', '.join(unknown)} cannot be changed; "
            f"the fields that can: {', '.join(sorted(METER_FIELDS))}"
        )
    if not fields:
        raise InputError("nothing to change: give at least one field of the meter")
    current = facilities.get_meter(db, meter_id)
    if current.id != meter_id:
        raise NotFoundError(f"no meter with id {meter_id}")
    data = {**current.model_dump(), **fields}
    meter = _validate(Meter, data)
    return facilities.update_meter(db, meter, source=source)
