"""Facilities and meters: add, look up, list, edit, retire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from greencare.core import regions, units
from greencare.core.errors import InputError, NotFoundError
from greencare.core.models import (
    Facility,
    Meter,
)
from greencare.core.text import quote
from greencare.services.common import _number, _validate, split_quantity
from greencare.storage import audit, facilities

list_facilities = facilities.list_facilities
subregions_for_zip = regions.subregions_for_zip
zip_citation = regions.zip_citation


def get_facility(db: Database, ref: int | str) -> Facility:
    return facilities.get_facility(db, ref)


def get_meter(db: Database, ref: int | str, *, facility: int | str | None = None) -> Meter:
    facility_id = facilities.get_facility(db, facility).id if facility is not None else None
    return facilities.get_meter(db, ref, facility_id=facility_id)


def list_meters(db: Database, *, facility: int | str | None = None) -> list[Meter]:
    facility_id = facilities.get_facility(db, facility).id if facility is not None else None
    return facilities.list_meters(db, facility_id=facility_id)


# --- the grid region from a US ZIP code ---------------------------------------------------------


@dataclass(frozen=True)
class GridRegionCheck:
    """The grid region to store for a facility, and what to tell the person about it.

    ``message`` says where a region taken from the ZIP came from, or (``warning``) why a given
    region looks wrong; it is empty when there is nothing to say.
    """

    grid_region: str | None
    message: str = ""
    warning: bool = False
    #: The subregions of the facility's ZIP in the published order (empty: none known).
    choices: tuple[str, ...] = ()


def _refuse(message: str) -> InputError:
    return InputError(message, {"grid_region": message})


def grid_region_from_zip(
    country: str | None, postcode: str | None, grid_region: str | None
) -> GridRegionCheck:
    """Check or fill a US facility's eGRID subregion from its ZIP code (the shipped table).

    Only for country US with a postcode; otherwise ``grid_region`` comes back unchanged. With
    no grid region, the ZIP's one subregion is used; a ZIP in two or three subregions, an
    unknown ZIP or a postcode that is no ZIP is refused (InputError on ``grid_region``) naming
    the alternatives: the table gives no shares, so greencare never picks one. A given grid
    region the ZIP does not lie in is kept with a warning.
    """
    given = grid_region.strip().upper() if grid_region and grid_region.strip() else None
    try:
        code = regions.normalize_country(country or "")
    except ValueError:
        return GridRegionCheck(given)  # the model reports the country
    if code != "US" or postcode is None or not str(postcode).strip():
        return GridRegionCheck(given)
    zip_code = regions.normalize_zip(postcode)
    if zip_code is None:
        if given:
            return GridRegionCheck(
                given,
                f"postcode {quote(str(postcode))} is not a US ZIP code, so grid region "
                f"{given} was not checked against it",
                warning=True,
            )
        raise _refuse(
            f"postcode {quote(str(postcode))} is not a US ZIP code (12345 or 12345-6789), "
            "so the grid region cannot come from it; pass --grid-region"
        )
    choices = regions.subregions_for_zip(zip_code)
    source = regions.zip_source()
    if not choices:
        if given:
            return GridRegionCheck(
                given,
                f"ZIP {zip_code} is not in greencare's ZIP table ({source}); grid region {given} "
                "was not checked",
                warning=True,
            )
        raise _refuse(
            f"ZIP {zip_code} is not in greencare's ZIP table ({source}); pass --grid-region"
        )
    listed = ", ".join(choices)
    if given:
        if given in choices:
            return GridRegionCheck(given, choices=choices)
        return GridRegionCheck(
            given,
            f"grid region {given} given, but ZIP {zip_code} lies in {listed} ({source})",
            warning=True,
            choices=choices,
        )
    if len(choices) > 1:
        raise _refuse(f"ZIP {zip_code} lies in {listed}; pass --grid-region")
    return GridRegionCheck(
        choices[0], f"grid region {choices[0]} from ZIP {zip_code} ({source})", choices=choices
    )


def _note(check: GridRegionCheck, notices: list[GridRegionCheck] | None) -> None:
    if notices is not None and check.message:
        notices.append(check)


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
    pm_property_id: str | None = None,
    source: str = "api",
    notices: list[GridRegionCheck] | None = None,
) -> Facility:
    """Record a facility. ``floor_area`` may carry its unit: ``"350000 ft**2"``.

    A US facility with a ZIP code and no grid region gets the ZIP's eGRID subregion (see
    :func:`grid_region_from_zip`); what was done, or a warning, is appended to ``notices``.
    """
    check = grid_region_from_zip(country, postcode, grid_region)
    grid_region = check.grid_region
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
        "pm_property_id": pm_property_id,
    }
    facility = _validate(Facility, data)
    created = facilities.add_facility(db, facility, source=source)
    _note(check, notices)
    return created


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
    pm_meter_id: str | None = None,
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
        "pm_meter_id": pm_meter_id,
    }
    meter = _validate(Meter, data)
    return facilities.add_meter(db, meter, source=source)


def unit_choices(commodity: str) -> tuple[str, ...]:
    return units.unit_choices(commodity)


# --- editing and retiring -------------------------------------------------------------------


#: The fields whose change re-checks the grid region against the ZIP code.
LOCATION_FIELDS = ("country", "postcode", "grid_region")


def update_facility(
    db: Database,
    facility_id: int,
    *,
    source: str = "api",
    notices: list[GridRegionCheck] | None = None,
    **fields: Any,
) -> Any:
    """Change a facility's details (validated by the model like a new one; audited).

    When the country, postcode or grid region changes, the grid region is checked against the
    ZIP code as in :func:`add_facility`: the stored one counts as given, so a blank grid
    region is filled from the ZIP and one that disagrees with it is kept with a warning.
    """
    current = facilities.get_facility(db, facility_id)
    data = current.model_dump()
    floor_area = fields.get("floor_area")
    if isinstance(floor_area, str):
        fields["floor_area"] = _number(floor_area, "floor_area") if floor_area else None
    data.update(fields)
    check = None
    if any(name in fields for name in LOCATION_FIELDS):
        check = grid_region_from_zip(data["country"], data["postcode"], data["grid_region"])
        data["grid_region"] = check.grid_region
    facility = _validate(type(current), data)
    updated = facilities.update_facility(db, facility, source=source)
    if check is not None:
        _note(check, notices)
    return updated


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


def reinstate_meter(db: Database, meter_id: int, *, source: str = "api") -> None:
    """Bring a retired meter back into lists, forms and gap checks; audited."""
    _set_retired(db, "meters", meter_id, False, source)


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
