"""The use-cases behind every front end: the CLI, the TUI and scripts call these, and only these.

Each function takes the database first and plain values as a person or a file gives them
(strings for dates and units), validates them through the domain models, and raises
:class:`~greencare.core.errors.InputError` (with per-field messages), ``NotFoundError`` or
``ConflictError`` without writing anything when the input is wrong.

Example::

    from greencare import services
    db = services.open_db("hospital.db")
    f = services.add_facility(db, name="St Example", country="US", grid_region="CAMX",
                              floor_area="350000 ft**2", staffed_beds=250)
    m = services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    services.add_reading(db, meter=m.id, start="2025-01-01", end="2025-01-31", quantity=10000)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlite_utils import Database

from greencare import plausibility
from greencare.core import periods, units
from greencare.core.errors import InputError, NotFoundError
from greencare.core.models import (
    Facility,
    Instrument,
    Meter,
    MonthlyNormalizer,
    Purchase,
    Reading,
    WasteRecord,
    model_errors,
)
from greencare.core.text import quote
from greencare.storage import activity, batches, facilities, readings
from greencare.storage import plausibility as plausibility_store
from greencare.storage.db import default_db_path, demo_db_path, open_db

__all__ = [
    "add_facility",
    "add_instrument",
    "add_meter",
    "add_purchase",
    "add_reading",
    "add_waste",
    "count_readings",
    "default_db_path",
    "delete_reading",
    "demo_db_path",
    "get_facility",
    "get_meter",
    "get_reading",
    "list_batches",
    "list_facilities",
    "list_meters",
    "list_readings",
    "open_db",
    "set_normalizer",
    "update_reading",
]

M = TypeVar("M", bound=BaseModel)

list_facilities = facilities.list_facilities
list_batches = batches.list_batches
PlausibilityError = plausibility.PlausibilityError
accepting_outliers = plausibility.accepting


def _validate(model: type[M], data: dict[str, Any], context: dict[str, Any] | None = None) -> M:
    """Build a model, turning pydantic's errors into one InputError naming every field."""
    try:
        return model.model_validate(data, context=context)
    except (ValidationError, ValueError) as exc:
        pairs = model_errors(exc)
        fields = {name: msg for name, msg in pairs}
        message = "; ".join(msg if name == "record" else f"{name}: {msg}" for name, msg in pairs)
        raise InputError(message, fields) from exc


_QUANTITY_TEXT = re.compile(r"^\s*([-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def split_quantity(text: str) -> tuple[float, str]:
    """Split "350000 ft**2" or "350,000 sq ft" into (350000.0, "ft**2")."""
    match = _QUANTITY_TEXT.match(text)
    if not match or not match.group(2):
        raise InputError(f"{quote(text)} should be a number and a unit, e.g. '350000 ft**2'")
    return float(match.group(1).replace(",", "")), match.group(2)


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


class _Keep:
    """The default of ``update_reading``'s fields: keep what is stored."""

    def __repr__(self) -> str:
        return "KEEP"


#: Pass for a field of ``update_reading`` to leave it as stored (the default).
KEEP: Any = _Keep()


def update_reading(
    db: Database,
    reading_id: int,
    *,
    start: str | Any = KEEP,
    end: str | Any = KEEP,
    quantity: float | str | Any = KEEP,
    unit: str | Any | None = KEEP,
    cost: float | str | Any | None = KEEP,
    currency: str | Any | None = KEEP,
    estimated: bool | Any = KEEP,
    source: str = "api",
    accept_outlier: bool = False,
) -> dict[str, Any]:
    """Correct a stored reading (same meter); validated like ``add_reading``, audited.

    Only the fields given change: the others keep their stored values exactly (a cost of
    118,233.40 stays 118,233.40 when only the quantity is corrected). ``cost=None`` clears it.
    """
    rows = list(db.query("SELECT * FROM readings WHERE id = ?", [reading_id]))
    if not rows:
        raise NotFoundError(f"no reading with id {reading_id}")
    stored = rows[0]
    target = facilities.get_meter(db, int(stored["meter_id"]))
    zone = facilities.get_facility(db, target.facility_id).timezone or "UTC"

    def kept(value: Any, column: str) -> Any:
        return stored[column] if value is KEEP else value

    reading = _reading(
        db,
        target,
        periods.from_epoch(stored["start_utc"], zone) if start is KEEP else start,
        periods.from_epoch(stored["end_utc"], zone) if end is KEEP else end,
        kept(quantity, "quantity"),
        kept(unit, "unit"),
        kept(cost, "cost"),
        kept(currency, "currency"),
        bool(kept(estimated, "estimated")),
        source,
    )
    with db.atomic():  # a refusal raised inside rolls the update back
        readings.update_reading(db, reading_id, reading, target, source=source)
        found = plausibility.enforce(
            "quantity",
            plausibility.check_reading(db, target, reading, exclude_id=reading_id),
            accept_outlier,
        )
        plausibility_store.clear_flags(db, "readings", reading_id, source=source)
        _remember_reading(db, target, reading, reading_id, found, source)
    return get_reading(db, reading_id)


def _remember_reading(
    db: Database, target: Meter, reading: Reading, row_id: int, found: list[Any], source: str
) -> None:
    owner = facilities.get_facility(db, target.facility_id)
    local = reading.start.astimezone(ZoneInfo(owner.timezone or "UTC"))
    plausibility.remember(
        db, "readings", row_id, found, facility_id=target.facility_id,
        month=f"{local.year:04d}-{local.month:02d}", source=source,
    )  # fmt: skip


def get_reading(db: Database, reading_id: int) -> dict[str, Any]:
    """One stored reading as ``list_readings`` shows it."""
    rows = readings.list_readings(db, reading_id=reading_id, limit=1)
    if not rows:
        raise NotFoundError(f"no reading with id {reading_id}")
    return present_reading(rows[0])


def add_reading(
    db: Database,
    *,
    meter: int | str,
    start: str,
    end: str,
    quantity: float | str,
    unit: str | None = None,
    cost: float | str | None = None,
    currency: str | None = None,
    estimated: bool = False,
    facility: int | str | None = None,
    source: str = "api",
    accept_outlier: bool = False,
) -> dict[str, Any]:
    """Record a bill or a reading for a meter; returns the stored row.

    ``start`` and ``end`` are dates (an end date is the last day billed, inclusive) or ISO
    date-times; both are read in the facility's time zone unless they carry an offset.
    ``unit`` defaults to the meter's unit, ``currency`` to the facility country's currency.

    The quantity is checked against the meter's history or, without one, the facility's floor
    area (:mod:`greencare.core.plausibility`): a value in the refusal band raises
    ``PlausibilityError`` and writes nothing unless ``accept_outlier``; a value accepted over
    a warning or a refusal is listed in ``accepted_outliers`` (see ``outlier_flags``).
    """
    target = get_meter(db, meter, facility=facility)
    reading = _reading(db, target, start, end, quantity, unit, cost, currency, estimated, source)
    with db.atomic():  # stored first so an overlap is reported before plausibility; a refusal
        new_id = readings.add_reading(db, reading, target, source=source)  # rolls it back
        found = plausibility.enforce(
            "quantity",
            plausibility.check_reading(db, target, reading, exclude_id=new_id),
            accept_outlier,
        )
        _remember_reading(db, target, reading, new_id, found, source)
    return get_reading(db, new_id)


def _reading(
    db: Database,
    target: Meter,
    start: str | datetime,
    end: str | datetime,
    quantity: float | str,
    unit: str | None,
    cost: float | str | None,
    currency: str | None,
    estimated: bool,
    source: str,
) -> Reading:
    """A validated Reading for a meter from what a person typed (dates in the facility's zone)."""
    owner = facilities.get_facility(db, target.facility_id)
    assert owner.timezone is not None
    fields: dict[str, str] = {}
    bounds: list[Any] = [None, None]
    for i, (label, text) in enumerate((("start", start), ("end", end))):
        if isinstance(text, datetime):  # a stored instant, kept as it is
            bounds[i] = text
            continue
        try:
            bounds[i] = periods.parse_instant(str(text), owner.timezone, is_end=label == "end")
        except periods.PeriodError as exc:
            fields[label] = str(exc)
    if fields:
        raise InputError("; ".join(f"{k}: {v}" for k, v in fields.items()), fields)
    if cost not in (None, "") and not currency:
        currency = default_currency(owner.country)
    data = {
        "meter_id": target.id,
        "start": bounds[0],
        "end": bounds[1],
        "quantity": _number(quantity, "quantity"),
        "unit": unit or target.unit,
        "cost": None if cost in (None, "") else _number(cost, "cost"),
        "currency": currency or None,
        "estimated": estimated,
        "source": source,
    }
    reading = _validate(Reading, data, context={"meter": target})
    return reading


def _number(value: float | str, field: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise InputError(
            f"{field}: {quote(value)} is not a number", {field: "not a number"}
        ) from None


_CURRENCIES = {"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "IE": "EUR"}


def default_currency(country: str) -> str | None:
    return _CURRENCIES.get(country)


def present_reading(row: dict[str, Any]) -> dict[str, Any]:
    """A stored reading as people and scripts read it: local period, units spelled out."""
    start, end = periods.format_period(row["start_utc"], row["end_utc"], row["timezone"])
    return {
        "id": row["id"],
        "facility": row["facility"],
        "meter": row["meter"],
        "meter_id": row["meter_id"],
        "commodity": row["commodity"],
        "start": start,
        "end": end,
        "quantity": row["quantity"],
        "unit": row["unit"],
        "quantity_canonical": row["quantity_canonical"],
        "canonical_unit": row["canonical_unit"],
        "cost": row["cost"],
        "currency": row["currency"],
        "estimated": bool(row["estimated"]),
        "source": row["source"],
        "batch_id": row["batch_id"],
    }


def outlier_flags(db: Database, table: str, row_id: int) -> list[dict[str, Any]]:
    """What a stored record was accepted over (plausibility warnings and overrides)."""
    return plausibility_store.list_flags(db, table=table, row_id=row_id)


def list_readings(
    db: Database,
    *,
    meter: int | str | None = None,
    facility: int | str | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Readings newest first, with periods shown in each facility's local time."""
    facility_id = facilities.get_facility(db, facility).id if facility is not None else None
    meter_id = get_meter(db, meter, facility=facility).id if meter is not None else None
    rows = readings.list_readings(
        db, meter_id=meter_id, facility_id=facility_id, limit=limit, offset=offset
    )
    return [present_reading(r) for r in rows]


def count_readings(db: Database, *, meter: int | str | None = None) -> int:
    meter_id = get_meter(db, meter).id if meter is not None else None
    return readings.count_readings(db, meter_id=meter_id)


def delete_reading(db: Database, reading_id: int, *, source: str = "api") -> None:
    readings.delete_reading(db, reading_id, source=source)


def _facility_id(db: Database, facility: int | str) -> int:
    found = facilities.get_facility(db, facility).id
    assert found is not None
    return found


def add_waste(
    db: Database,
    *,
    facility: int | str,
    source: str = "api",
    accept_outlier: bool = False,
    **fields: Any,
) -> int:
    """Record waste collected: start/end dates, stream, route, quantity and a mass unit.

    Checked against the stream's history or the facility's beds like ``add_reading``.
    """
    record = _validate(WasteRecord, {"facility_id": _facility_id(db, facility), **fields})
    found = plausibility.enforce("quantity", plausibility.check_waste(db, record), accept_outlier)
    with db.atomic():
        new_id = activity.add_waste(db, record, source=source)
        plausibility.remember(
            db, "waste_records", new_id, found, facility_id=record.facility_id,
            month=plausibility.month_of(record.start_date), source=source,
        )  # fmt: skip
    return new_id


def add_purchase(
    db: Database,
    *,
    facility: int | str,
    source: str = "api",
    accept_outlier: bool = False,
    **fields: Any,
) -> int:
    """Record a purchase: by spend (NAICS code) or a healthcare item by quantity.

    A healthcare item is checked against the facility's earlier purchases of it or its beds.
    """
    record = _validate(Purchase, {"facility_id": _facility_id(db, facility), **fields})
    found = plausibility.enforce(
        "quantity", plausibility.check_purchase(db, record), accept_outlier
    )
    with db.atomic():
        new_id = activity.add_purchase(db, record, source=source)
        plausibility.remember(
            db, "purchases", new_id, found, facility_id=record.facility_id,
            month=plausibility.month_of(record.date), source=source,
        )  # fmt: skip
    return new_id


def set_normalizer(
    db: Database, *, facility: int | str, month: str, source: str = "api", **fields: Any
) -> int:
    """Set a month's patient days, adjusted patient days and FTEs for a facility."""
    data = {"facility_id": _facility_id(db, facility), "month": month, **fields}
    return activity.set_normalizer(db, _validate(MonthlyNormalizer, data), source=source)


def add_instrument(
    db: Database,
    *,
    facility: int | str,
    kind: str,
    start_month: str,
    end_month: str,
    mwh: float | None = None,
    co2e_kg_per_mwh: float = 0.0,
    meter: int | str | None = None,
    description: str | None = None,
    certificate: str | None = None,
    source: str = "api",
) -> int:
    """Record a market-based instrument: a supplier's rate, or certificates (REC, PPA, tariff)
    covering ``mwh`` of a facility's electricity (or one meter's) over the months given."""
    fid = _facility_id(db, facility)
    meter_id = get_meter(db, meter, facility=fid).id if meter is not None else None
    data = {
        "facility_id": fid,
        "meter_id": meter_id,
        "kind": kind,
        "start_month": start_month,
        "end_month": end_month,
        "mwh": mwh,
        "co2e_kg_per_mwh": co2e_kg_per_mwh,
        "description": description,
        "certificate": certificate,
    }
    return activity.add_instrument(db, _validate(Instrument, data), source=source)


def unit_choices(commodity: str) -> tuple[str, ...]:
    return units.unit_choices(commodity)


def run_in_transaction(db: Database, work: Callable[[], Any]) -> Any:
    """Run several service calls so they land together or not at all."""
    with db.atomic():
        return work()


# --- emissions --------------------------------------------------------------------------------


def period_months(
    year: int | None = None, start: str | None = None, end: str | None = None
) -> tuple[str, str]:
    """Months (YYYY-MM) of a calendar year, or of an explicit range."""
    if year is not None and (start or end):
        raise InputError("give either a year or --from/--to, not both")
    if year is not None:
        return f"{year:04d}-01", f"{year:04d}-12"
    if not (start and end):
        raise InputError("give a year, or both --from and --to (YYYY-MM)")
    for label, value in (("from", start), ("to", end)):
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise InputError(f"{label}: {quote(value)} is not a month (YYYY-MM)", {label: value})
    if end < start:
        raise InputError(f"the period ends ({end}) before it starts ({start})")
    return start, end


def emissions(
    db: Database,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    strict: bool = True,
    library: Any = None,
    activity: Any = None,
    chiller: str = "electric_driven",
) -> tuple[Any, dict[str, Any]]:
    """The GHG inventory for a period: (Inventory, summary dict).

    ``chiller`` is the plant type behind US district chilled water (electric_driven,
    absorption_natural_gas, engine_driven_natural_gas): cooling / its COP x its fuel.

    ``gwp`` is AR4, AR5 or AR6 (default: each factor dataset's own set). ``pins`` maps a factor
    family to an edition, e.g. ``{"epa-ghg-hub": "2024"}``. With ``strict`` (the default) a
    missing factor raises MissingFactorError naming every gap; otherwise gaps are listed in
    the summary and left out of the totals. ``activity`` is the period's activity when the
    caller has already loaded it (reports use it for their own tables too).
    """
    from greencare.core.calculate import calculate
    from greencare.core.factors import FactorLibrary
    from greencare.core.summary import summarize
    from greencare.storage.inventory import load_activity

    first, last = period_months(year, start, end)
    library = library or FactorLibrary.bundled()
    families = {d.family for d in library.datasets.values()}
    for family in pins or {}:
        if family not in families:
            raise InputError(
                f"--pin {family}: no such factor family (have: {', '.join(sorted(families))})"
            )
    ids = [_facility_id(db, facility)] if facility is not None else None
    if activity is None:
        activity = load_activity(db, first_month=first, last_month=last, facility_ids=ids)
    inventory = calculate(activity, library, gwp=gwp, pins=pins, strict=strict, chiller=chiller)
    summary = summarize(
        inventory, first_month=first, last_month=last, facilities=activity.facilities
    )
    return inventory, summary


def explain(
    db: Database,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    strict: bool = True,
    **filters: Any,
) -> Any:
    """The lines behind one figure, as a DataFrame (one row per activity x factor x gas).

    Filters: scope, category, month, gas, method ("location"/"market"), source_type,
    source_id. Their ``co2e_kg`` sums to the figure; ``describe_line`` in
    ``greencare.core.summary`` renders one as arithmetic.
    """
    from greencare.core.summary import explain as explain_lines

    inventory, _ = emissions(
        db, year=year, start=start, end=end, facility=facility, gwp=gwp, pins=pins, strict=strict
    )
    return explain_lines(inventory, **filters)


def records_behind(db: Database, *, meter: int | str, month: str) -> list[dict[str, Any]]:
    """The readings of a meter that feed one local calendar month, with the share of each."""
    import numpy as np

    from greencare.core.calendar import calendarize, month_label, month_starts

    target = get_meter(db, meter)
    owner = facilities.get_facility(db, target.facility_id)
    tz = owner.timezone or "UTC"
    first, _ = period_months(start=month, end=month)
    index = int(first[:4]) * 12 + int(first[5:]) - 1
    lo, hi = month_starts(index, index, tz)
    rows = [
        dict(r)
        for r in db.query(
            "SELECT r.*, m.name AS meter, m.commodity, m.canonical_unit, f.name AS facility, "
            "f.timezone FROM readings r JOIN meters m ON m.id = r.meter_id "
            "JOIN facilities f ON f.id = m.facility_id "
            "WHERE r.meter_id = ? AND r.start_utc < ? AND r.end_utc > ? ORDER BY r.start_utc",
            [target.id, int(hi), int(lo)],
        )
    ]
    if not rows:
        return []
    split = calendarize([r["start_utc"] for r in rows], [r["end_utc"] for r in rows], tz)
    split = split[month_label(split["month"].to_numpy()) == month]
    shares = dict(zip(split["row"].to_numpy(), split["share"].to_numpy(), strict=True))
    out = []
    for i, row in enumerate(rows):
        share = float(shares.get(i, np.float64(0.0)))
        item = present_reading(row)
        item["share"] = share
        item["quantity_in_month"] = row["quantity"] * share
        out.append(item)
    return out


def check(db: Database, *, repair: bool = False) -> dict[str, Any]:
    """Recompute the monthly roll-up from the readings and compare it, value for value, with the
    stored one; with ``repair`` rebuild it when they differ.

    Every write keeps the roll-up exact (each sum folded in one order), so a difference means
    the file was changed by another tool or a bug: reports would not match the readings.
    """
    from greencare.storage import rollups

    found = rollups.differences(db)
    rows = int(db.execute("SELECT count(*) FROM reading_months").fetchone()[0])
    repaired = False
    if found and repair:
        rows = rollups.rebuild(db)
        repaired = True
    return {
        "ok": not found,
        "roll_up_rows": rows,
        "readings": readings.count_readings(db),
        "difference_count": len(found),
        "differences": found[:100],
        "repaired": repaired,
    }
