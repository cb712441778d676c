"""Readings (bills, deliveries, interval data): add, correct, list, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from greencare.core import periods
from greencare.core.errors import InputError, NotFoundError
from greencare.core.models import (
    Meter,
    Reading,
)
from greencare.services import plausibility
from greencare.services.common import RETIRED_METER, _number, _validate, default_currency
from greencare.services.facilities import get_meter
from greencare.storage import facilities, readings
from greencare.storage import plausibility as plausibility_store


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
    demand_kw: float | str | Any | None = KEEP,
    demand_cost: float | str | Any | None = KEEP,
    source: str = "api",
    accept_outlier: bool = False,
) -> dict[str, Any]:
    """Correct a stored reading (same meter); validated like ``add_reading``, audited.

    Only the fields given change: the others keep their stored values exactly (a cost of
    118,233.40 stays 118,233.40 when only the quantity is corrected, a billed demand stays when
    the dates are). ``cost=None`` clears it, as ``demand_kw=None`` / ``demand_cost=None`` do.
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
        kept(demand_kw, "demand_kw"),
        kept(demand_cost, "demand_cost"),
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
    row = get_reading(db, reading_id)
    row["warnings"] = demand_warnings(db, reading_id)
    return row


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
    demand_kw: float | str | None = None,
    demand_cost: float | str | None = None,
) -> dict[str, Any]:
    """Record a bill or a reading for a meter; returns the stored row.

    ``demand_kw`` / ``demand_cost``: a bill's billed demand (kW) and its charge (optional; the
    charge is in ``currency``). A billed demand below the metered peak of the meter's interval
    data in the same period comes back in ``warnings`` (a data-quality check, not a refusal).

    ``start`` and ``end`` are dates (an end date is the last day billed, inclusive) or ISO
    date-times; both are read in the facility's time zone unless they carry an offset.
    ``unit`` defaults to the meter's unit, ``currency`` to the facility country's currency.

    The quantity is checked against the meter's history or, without one, the facility's floor
    area (:mod:`greencare.core.plausibility`): a value in the refusal band raises
    ``PlausibilityError`` and writes nothing unless ``accept_outlier``; a value accepted over
    a warning or a refusal is listed in ``accepted_outliers`` (see ``outlier_flags``).
    """
    target = get_meter(db, meter, facility=facility)
    reading = _reading(db, target, start, end, quantity, unit, cost, currency, estimated, source,
                       demand_kw, demand_cost)  # fmt: skip
    with db.atomic():  # stored first so an overlap is reported before plausibility; a refusal
        new_id = readings.add_reading(db, reading, target, source=source)  # rolls it back
        found = plausibility.enforce(
            "quantity",
            plausibility.check_reading(db, target, reading, exclude_id=new_id),
            accept_outlier,
        )
        _remember_reading(db, target, reading, new_id, found, source)
    row = get_reading(db, new_id)
    row["warnings"] = [RETIRED_METER] if target.retired else []
    row["warnings"] += demand_warnings(db, new_id)
    return row


def demand_warnings(db: Database, reading_id: int) -> list[str]:
    """A bill's billed demand against the metered peak of the same meter's interval data in
    its period: a warning when the bill reads lower (its demand window, or the data, is off)."""
    row = get_reading(db, reading_id)
    if row["demand_kw"] is None:
        return []
    from greencare.services.interval import billed_vs_metered

    return [
        f"billed demand {b['demand_kw']:,.1f} kW ({b['start']} to {b['end']}) is below the "
        f"metered peak {b['metered_peak']:,.1f} kW of {b['interval_meter']} at "
        f"{b['peak_start'][:16].replace('T', ' ')} in the same period"
        for b in billed_vs_metered(db, int(row["meter_id"]))
        if b["id"] == reading_id
    ]


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
    demand_kw: float | str | None = None,
    demand_cost: float | str | None = None,
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
    priced = cost not in (None, "") or demand_cost not in (None, "")
    if priced and not currency:
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
        "demand_kw": None if demand_kw in (None, "") else _number(demand_kw, "demand_kw"),
        "demand_cost": None if demand_cost in (None, "") else _number(demand_cost, "demand_cost"),
    }
    reading = _validate(Reading, data, context={"meter": target})
    return reading


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
        "demand_kw": row.get("demand_kw"),
        "demand_cost": row.get("demand_cost"),
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
