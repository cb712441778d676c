"""The GHG inventory: emissions for a period, the lines behind a figure, the roll-up check."""

from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from greencare.core import periods
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
        if problem := periods.year_problem(year):
            raise InputError(f"year: {problem}", {"year": problem})
        return f"{year:04d}-01", f"{year:04d}-12"
    if not (start and end):
        raise InputError("give a year, or both --from and --to (YYYY-MM)")
    for label, value in (("from", start), ("to", end)):
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise InputError(f"{label}: {quote(value)} is not a month (YYYY-MM)", {label: value})
        if problem := periods.year_problem(int(value[:4])):
            raise InputError(f"{label}: {problem}", {label: problem})
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


#: The figures a drill-down offers for a period: (label, scope, method); each category of
#: the period's lines follows them.
FIGURES = [
    ("Total (location-based)", None, None),
    ("Scope 1", "1", None),
    ("Scope 2 (location-based)", "2", None),
    ("Scope 2 (market-based)", "2", "market"),
    ("Scope 3", "3", None),
]


def _figure_lines(lines: Any, scope: str | None, category: str | None, method: str | None) -> Any:
    """The lines of one figure, as the totals count them: location-based unless ``method`` is
    market (then Scope 2 is its market-based lines plus those that apply to both methods)."""
    mask = lines["method"] != ("location" if method == "market" else "market")
    if scope is not None:
        mask &= lines["scope"].astype(str) == str(scope)
    if category is not None:
        mask &= lines["category"].astype(str) == str(category)
    return lines[mask]


def explain_figures(
    db: Database,
    *,
    periods: list[tuple[str, str, str]],
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The figures of each period (label, first month, last month) a front end can drill into:
    the total, each scope and each category, with their t CO2e and how many lines make them.

    Computed as the dashboard computes them (missing factors are listed, not raised); each
    figure's ``filters`` give ``explain_lines`` the lines behind it.
    """
    from greencare.core import rules

    first = min(p[1] for p in periods)
    last = max(p[2] for p in periods)
    inventory, summary = emissions(
        db, start=first, end=last, facility=facility, gwp=gwp, pins=pins, strict=False
    )
    lines = inventory.lines
    figures = []
    for label, lo, hi in periods:
        part = lines[(lines["month"] >= lo) & (lines["month"] <= hi)]
        rows = [(name, scope, None, method) for name, scope, method in FIGURES]
        location = part[part["method"] != "market"]
        for scope, category in sorted({(str(a), str(b)) for a, b in zip(
            location["scope"], location["category"], strict=True
        )}):  # fmt: skip
            name = rules.CATEGORY_LABELS.get(category, category)
            rows.append((f"S{scope} {name}", scope, category, None))
            if scope == "2":
                rows.append((f"S2 {name} (market-based)", scope, category, "market"))
        for name, scope, category, method in rows:
            chosen = _figure_lines(part, scope, category, method)
            figures.append(
                {
                    "period": label,
                    "label": name,
                    "co2e_t": float(chosen["co2e_kg"].sum()) / 1000.0,
                    "lines": len(chosen),
                    "filters": {
                        "start": lo,
                        "end": hi,
                        "scope": scope,
                        "category": category,
                        "method": method,
                    },
                }
            )
    return {"figures": figures, "gaps": summary["gaps"], "facility": facility}


def explain_lines(
    db: Database,
    *,
    start: str,
    end: str,
    facility: int | str | None = None,
    scope: str | None = None,
    category: str | None = None,
    method: str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The lines behind one figure of ``explain_figures``, each with its activity, factor
    (publisher, dataset edition, table, row), GWP set and CO2e, and the arithmetic as
    ``greencare explain`` prints it. Their ``co2e_kg`` sums to the figure."""
    from greencare.core.summary import describe_line

    inventory, _ = emissions(
        db, start=start, end=end, facility=facility, gwp=gwp, pins=pins, strict=False
    )
    chosen = _figure_lines(inventory.lines, scope, category, method)
    out = []
    for line in chosen.itertuples():
        dataset = inventory.datasets.get(line.dataset)
        out.append(
            {
                "month": line.month,
                "scope": str(line.scope),
                "category": line.category,
                "method": line.method,
                "source": line.source,
                "source_type": line.source_type,
                "source_id": None if line.source_id != line.source_id else int(line.source_id),
                "activity_quantity": float(line.activity_quantity),
                "activity_unit": line.activity_unit,
                "dataset": line.dataset,
                "publisher": dataset.publisher if dataset else "",
                "edition": dataset.edition if dataset else "",
                "factor_id": line.factor_id,
                "factor_table": line.factor_table,
                "factor_row": line.factor_row,
                "factor_value": float(line.factor_value),
                "factor_unit": line.factor_unit,
                "gas": line.gas,
                "gwp_set": line.gwp_set,
                "gwp": None if line.gwp != line.gwp else float(line.gwp),  # NaN: none
                "co2e_kg": float(line.co2e_kg),
                "text": describe_line(line),
            }
        )
    return {"co2e_kg": float(chosen["co2e_kg"].sum()), "lines": out}


def records_behind(
    db: Database,
    *,
    meter: int | str,
    month: str,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The readings of a meter that feed one local calendar month, with the share of each;
    ``offset`` and ``limit`` give one page of them (in time order)."""
    import numpy as np

    from greencare.core.calendar import calendarize, month_label

    target, tz, lo, hi = _month_window(db, meter, month)
    page, bounds = (
        ("", []) if limit is None else (" LIMIT ? OFFSET ?", [int(limit), max(0, int(offset))])
    )
    rows = [
        dict(r)
        for r in db.query(
            "SELECT r.*, m.name AS meter, m.commodity, m.canonical_unit, f.name AS facility, "
            "f.timezone FROM readings r JOIN meters m ON m.id = r.meter_id "
            "JOIN facilities f ON f.id = m.facility_id "
            "WHERE r.meter_id = ? AND r.start_utc < ? AND r.end_utc > ? ORDER BY r.start_utc"
            + page,
            [target.id, int(hi), int(lo), *bounds],
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


def count_records_behind(db: Database, *, meter: int | str, month: str) -> int:
    """How many readings of a meter feed one local calendar month (for paging)."""
    target, _, lo, hi = _month_window(db, meter, month)
    row = db.execute(
        "SELECT count(*) FROM readings WHERE meter_id = ? AND start_utc < ? AND end_utc > ?",
        [target.id, int(hi), int(lo)],
    ).fetchone()
    return int(row[0])


def _month_window(db: Database, meter: int | str, month: str) -> tuple[Any, str, int, int]:
    """The meter, its facility's zone, and the UTC bounds of a local calendar month."""
    from greencare.core.calendar import month_starts

    target = get_meter(db, meter)
    owner = facilities.get_facility(db, target.facility_id)
    tz = owner.timezone or "UTC"
    first, _ = period_months(start=month, end=month)
    index = int(first[:4]) * 12 + int(first[5:]) - 1
    lo, hi = month_starts(index, index, tz)
    return target, tz, int(lo), int(hi)


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
