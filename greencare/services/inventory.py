"""The GHG inventory: emissions for a period, the lines behind a figure, the roll-up check."""

from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import InputError
from greencare.core.text import quote
from greencare.services.common import _facility_id
from greencare.services.facilities import get_meter
from greencare.services.readings import present_reading
from greencare.storage import facilities, readings


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
