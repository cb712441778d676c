"""Facilities of a system ranked: site EUI, emissions per staffed bed, change against a
comparison year, total emissions.

A system with hundreds of facilities is read from the top of a ranked list, so every figure here
is one the rest of greencare already computes, by the same definitions: the engine's inventory
for the period is computed **once** for all facilities (and once for the comparison period) and
split by facility from its lines, the EUI is :func:`greencare.core.summary.annualise`'s (site
energy / gross floor area x 12 / months), Scope 1+2 is location-based. A facility that lacks
what a figure needs (no floor area, no staffed beds, no data in the comparison year) gets
``None`` for that figure and a reason in ``na``, never a made-up 0, and is ranked after the
facilities that have one.

The comparison period is the report period moved back to the comparison year: the year given,
else the ``baseline-year`` setting, else the baseline year of the stored Scope 1+2
(location-based) targets, else the previous year. The result says which, and why.
"""

from __future__ import annotations

import math
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import InputError

#: What a ranking can be ordered by: (machine key of the row, label, unit).
METRICS: dict[str, tuple[str, str, str]] = {
    "eui": ("site_eui_kbtu_ft2", "Site EUI", "kBtu/ft2/yr"),
    "per_bed": ("t_per_bed", "Scope 1+2 (location-based) per staffed bed", "t CO2e/bed"),
    "change": ("change_pct", "Change in Scope 1+2 (location-based)", "%"),
    "total": ("total_location_t", "Total emissions, Scopes 1-3 (location-based)", "t CO2e"),
}

KWH_TO_KBTU = 3.412141633  # as core.summary (1 kWh = 3,412.14 Btu)
M2_TO_FT2 = 1 / 0.3048**2


def _month_add(month: str, years: int) -> str:
    return f"{int(month[:4]) + years:04d}{month[4:]}"


def _months(first: str, last: str) -> int:
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1


def comparison_period(
    db: Database, first: str, last: str, compare: int | None = None
) -> dict[str, Any]:
    """The period a ranking's change is measured against, with which year it is and why.

    The same months as ``first``..``last`` in the comparison year (the year of ``last`` moved
    back). A baseline year that is not before the period (or would overlap it) gives way to
    the previous period, and the result says so.
    """
    from greencare.services import targets as stored

    span_years = math.ceil(_months(first, last) / 12)  # a period of 24 months: two years back
    end_year = int(last[:4])
    latest = end_year - span_years  # the last year a comparison may end in without overlap
    if compare is not None:
        if not 1990 <= int(compare) <= latest:
            raise InputError(
                f"compare: {compare} must be a year from 1990 to {latest} (before the period "
                f"{first} to {last})",
                {"compare": str(compare)},
            )
        chosen, kind, source = int(compare), "baseline", "given"
    else:
        chosen, kind, source = end_year - span_years, "previous", "previous period"
        setting = stored.default_baseline_year(db)
        years = {t["baseline_year"] for t in stored.list_targets(db)
                 if (t["scope"], t["basis"]) == ("scope12", "location")}  # fmt: skip
        if setting is not None and setting <= latest:
            chosen, kind, source = int(setting), "baseline", "baseline-year setting"
        elif setting is None and len(years) == 1 and min(years) <= latest:
            chosen, kind, source = int(min(years)), "baseline", "stored Scope 1+2 targets"
    back = end_year - chosen
    start, end = _month_add(first, -back), _month_add(last, -back)
    label = start[:4] if start[:4] == end[:4] else f"{start} to {end}"
    if _months(first, last) == 12 and first.endswith("-01"):
        label = str(chosen)
    words = f"baseline year, from the {source}" if kind == "baseline" else "the previous year"
    if source == "given":
        words = "the comparison year given"
    return {"year": chosen, "kind": kind, "source": source, "from": start, "to": end,
            "label": label, "text": f"vs {label} ({words})"}  # fmt: skip


def facility_ranking(
    db: Database,
    year: int | None = None,
    *,
    start: str | None = None,
    end: str | None = None,
    by: str = "eui",
    compare: int | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    strict: bool = True,
    current: tuple[Any, Any] | None = None,
    earlier: Any = None,
) -> dict[str, Any]:
    """The facilities ranked by ``by`` (``eui``, ``per_bed``, ``change``, ``total``), highest
    first: rank 1 is the facility to look at first (the most energy per floor area, the most
    emissions per bed, the largest rise, the largest total).

    ``current`` is the period's (Inventory, Activity) and ``earlier`` the comparison period's
    Inventory when the caller already has them (the report does); otherwise each is computed
    once here. ``strict`` raises on a missing emission factor as ``greencare emissions`` does;
    without it the gaps are listed in ``gaps`` and left out of the figures.
    """
    from greencare.services.inventory import emissions, period_months
    from greencare.storage.inventory import load_activity

    if by not in METRICS:
        raise InputError(f"by: {by!r} is not one of {', '.join(METRICS)}", {"by": by})
    first, last = period_months(year, start, end)
    comparison = comparison_period(db, first, last, compare)
    if current is None:
        activity = load_activity(db, first_month=first, last_month=last)
        inventory, _ = emissions(db, start=first, end=last, gwp=gwp, pins=pins, strict=strict,
                                 activity=activity)  # fmt: skip
    else:
        inventory, activity = current
    if earlier is None:
        earlier, _ = emissions(db, start=comparison["from"], end=comparison["to"], gwp=gwp,
                               pins=pins, strict=False)  # fmt: skip
    retired = {int(r[0]) for r in db.execute("SELECT id FROM facilities WHERE retired = 1")}
    rows = ranking_rows(inventory, activity.facilities, _months(first, last), earlier,
                        comparison, retired)  # fmt: skip
    rows = rank(rows, by)
    return {
        "period": {"from": first, "to": last, "months": _months(first, last)},
        "by": by,
        "by_label": METRICS[by][1],
        "by_unit": METRICS[by][2],
        "order": "highest first",
        "comparison": comparison,
        "units": _conventions(activity.facilities),
        "facilities": rows,
        "gaps": list(inventory.gaps),
        "comparison_gaps": list(earlier.gaps),
    }


def _conventions(facilities: Any) -> str:
    """The units ("us" or "metric") of the country with the most floor area, as reports do."""
    from greencare.reports.tables import conventions

    return conventions(facilities)["units"]


def _scope12_by_facility(lines: Any) -> tuple[dict[int, float], dict[int, float], set[int]]:
    """Location-based Scope 1+2 and Scopes 1-3 (t CO2e) per facility from one pass over the
    lines, and the facilities that have any line."""
    location = lines[lines["method"] != "market"]
    if location.empty:
        return {}, {}, set()
    scope = location["scope"].astype(str)
    tonnes = location["co2e_kg"].astype(float) / 1000.0
    fid = location["facility_id"]
    s12 = tonnes[scope.isin(["1", "2"])].groupby(fid[scope.isin(["1", "2"])]).sum()
    total = tonnes[scope.isin(["1", "2", "3"])].groupby(fid[scope.isin(["1", "2", "3"])]).sum()
    present = {int(f) for f in fid.dropna().unique()}
    return ({int(k): float(v) for k, v in s12.items()},
            {int(k): float(v) for k, v in total.items()}, present)  # fmt: skip


def _energy_by_facility(energy: Any) -> tuple[dict[int, float], dict[int, int]]:
    """Site energy (kWh) and months with energy data per facility."""
    if energy is None or energy.empty:
        return {}, {}
    site = energy.groupby("facility_id")["site_kwh"].sum()
    months = energy.groupby("facility_id")["month"].nunique()
    return ({int(k): float(v) for k, v in site.items()},
            {int(k): int(v) for k, v in months.items()})  # fmt: skip


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def ranking_rows(
    inventory: Any,
    facilities: Any,
    months: int,
    earlier: Any,
    comparison: dict[str, Any],
    retired: set[int] | None = None,
) -> list[dict[str, Any]]:
    """One row per facility (unranked): the figures and, in ``na``, why any is missing.

    Retired facilities appear only when they have activity in the period (past reports still
    include them)."""
    from greencare.core.summary import annualise

    s12, total, present = _scope12_by_facility(inventory.lines)
    site, energy_months = _energy_by_facility(inventory.energy)
    s12_before, _, present_before = _scope12_by_facility(earlier.lines)
    _, months_before = _energy_by_facility(earlier.energy)
    factor = annualise(months)
    label = comparison["label"]
    out = []
    for f in facilities.sort_values("id").itertuples(index=False):
        fid = int(f.id)
        has_activity = fid in present or fid in site
        if retired and fid in retired and not has_activity:
            continue
        ft2 = _number(getattr(f, "floor_area_ft2", None))
        m2 = _number(getattr(f, "floor_area_m2", None))
        beds = _number(f.staffed_beds)
        na: dict[str, str] = {}
        row: dict[str, Any] = {
            "rank": None,
            "facility_id": fid,
            "facility": f.name,
            "country": f.country,
            "floor_area_ft2": ft2,
            "floor_area_m2": m2,
            "staffed_beds": int(beds) if beds is not None else None,
            "months_with_energy": energy_months.get(fid, 0),
            "site_kwh": site.get(fid),
            "site_eui_kbtu_ft2": None,
            "site_eui_kwh_m2": None,
            "scope12_location_t": s12.get(fid, 0.0) if fid in present else None,
            "total_location_t": total.get(fid, 0.0) if fid in present else None,
            "t_per_bed": None,
            "kg_per_bed": None,
            "comparison_scope12_t": s12_before.get(fid, 0.0) if fid in present_before else None,
            "comparison_months_with_energy": months_before.get(fid, 0),
            "change_pct": None,
            "na": na,
        }
        if fid not in site:
            na["eui"] = "no energy readings in the period"
        elif not ft2 or not m2:
            na["eui"] = "no floor area recorded"
        else:
            row["site_eui_kbtu_ft2"] = site[fid] * KWH_TO_KBTU / ft2 * factor
            row["site_eui_kwh_m2"] = site[fid] / m2 * factor
        if fid not in present:
            na["total"] = "no activity with emissions in the period"
            na["per_bed"] = na["total"]
        elif not beds:
            na["per_bed"] = "no staffed beds recorded"
        else:
            row["t_per_bed"] = row["scope12_location_t"] / beds
            row["kg_per_bed"] = row["t_per_bed"] * 1000.0
        before = row["comparison_scope12_t"]
        if fid not in present:
            na["change"] = "no activity with emissions in the period"
        elif not before:
            na["change"] = f"no Scope 1+2 emissions in {label}"
        elif row["comparison_months_with_energy"] < row["months_with_energy"]:
            had, has = row["comparison_months_with_energy"], row["months_with_energy"]
            na["change"] = (f"{label} has energy data in {had} month{'s' * (had != 1)}, "
                            f"the period in {has}")  # fmt: skip
        else:
            row["change_pct"] = (row["scope12_location_t"] / before - 1.0) * 100.0
        row["na"] = {k: na[k] for k in METRICS if k in na}  # always in the figures' order
        out.append(row)
    return out


def rank(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Rows ordered by ``by``, highest first, with ``rank`` 1..n; rows without the figure come
    last (by name) with no rank. Ties keep name order and share no rank (1, 2, 3)."""
    key = METRICS[by][0]
    ranked = sorted(
        (r for r in rows if r[key] is not None),
        key=lambda r: (-r[key], str(r["facility"]).casefold(), r["facility_id"]),
    )
    rest = sorted(
        (r for r in rows if r[key] is None),
        key=lambda r: (str(r["facility"]).casefold(), r["facility_id"]),
    )
    out = []
    for i, row in enumerate(ranked, start=1):
        out.append({**row, "rank": i})
    out += [{**row, "rank": None} for row in rest]
    return out
