"""Progress by calendar (or fiscal) year against a baseline, the target trajectory, progress
against each stored target, and intensities.

Years are calendar years unless the ``fiscal-year-start`` setting names another month; then
each year is a fiscal year named by the year it ends in (FY2025 = Jul 2024–Jun 2025).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from greencare import services
from greencare.core import fiscal
from greencare.core import targets as target_rules
from greencare.reports.model import Report
from greencare.reports.tables import Context, _floor_areas, normalizers, scope_totals


def target_reduction(baseline_year: int, year: int, target: tuple[tuple[int, float], ...]) -> float:
    """Fraction below the baseline the target asks for in ``year`` (linear between milestones)."""
    points = [(baseline_year, 0.0)] + [(y, r) for y, r in sorted(target) if y > baseline_year]
    if year <= baseline_year:
        return 0.0
    for (y0, r0), (y1, r1) in pairwise(points):
        if y0 <= year <= y1:
            return r0 + (r1 - r0) * (year - y0) / (y1 - y0)
    return points[-1][1]


def fiscal_start(ctx: Context) -> int:
    return int(ctx.options.get("fiscal_start", 1))


def year_months(ctx: Context, year: int) -> list[str]:
    """The months of a (fiscal) year."""
    return fiscal.fiscal_months(year, fiscal_start(ctx))


def year_inventory(ctx: Context, year: int) -> tuple[Any, dict[str, Any]]:
    """The engine's answer for a calendar (or fiscal) year (the report's own when the period is
    that year)."""
    first, last = fiscal.fiscal_period(year, fiscal_start(ctx))
    found = ctx.emissions(first, last, strict=not ctx.options["allow_gaps"])
    ctx.options.setdefault("years", {})[year] = found  # the methodology lists their datasets
    return found


def progress_tables(ctx: Context, report: Report, baseline_year: int | None) -> None:
    start = fiscal_start(ctx)
    first_year = fiscal.fiscal_year_of(ctx.first, start)
    last_year = fiscal.fiscal_year_of(ctx.last, start)
    years = list(range(baseline_year or first_year, last_year + 1))
    target = ctx.options["target"]
    fac = _floor_areas(ctx)
    beds = float(ctx.facilities["staffed_beds"].fillna(0).sum())
    area_ft2 = fac["floor_area_ft2"].sum(min_count=1)
    rows, intensity, monthly = [], [], []
    for year in years:
        inventory, summary = year_inventory(ctx, year)
        t = scope_totals(summary["totals_t"])
        s12 = t["scope1_t"] + t["scope2_location_t"]
        norm = normalizers(ctx.db, year_months(ctx, year), ctx.facility_ids)
        energy_months = inventory.energy["month"].nunique() if not inventory.energy.empty else 0
        row = {"year": year, **t, "scope12_location_t": s12,
               "scope12_market_t": t["scope1_t"] + t["scope2_market_t"],
               "months_with_energy": int(energy_months)}  # fmt: skip
        rows.append(row)
        pdays = float(norm["patient_days"].sum())
        intensity.append(
            {
                "year": year,
                "scope12_location_t": s12,
                "total_location_t": t["total_location_t"],
                "staffed_beds": beds,
                "patient_days": pdays,
                "floor_area_ft2": area_ft2,
                "t_per_bed": s12 / beds if beds else np.nan,
                "total_t_per_bed": t["total_location_t"] / beds if beds else np.nan,
                "t_per_1000_patient_days": s12 / pdays * 1000 if pdays else np.nan,
                "t_per_1000_ft2": s12 / area_ft2 * 1000 if area_ft2 else np.nan,
                "t_per_1000_m2": s12 / (area_ft2 / 10.763910417) * 1000 if area_ft2 else np.nan,
            }
        )
        lines = inventory.lines
        s12_lines = lines[(lines["scope"].isin(["1", "2"])) & (lines["method"] != "market")]
        per_month = s12_lines.groupby("month")["co2e_kg"].sum() / 1000.0
        days = norm.groupby("month")["patient_days"].sum()
        for month in year_months(ctx, year):
            pd_month = float(days.get(month, 0.0))
            value = float(per_month.get(month, 0.0))
            monthly.append(
                {
                    "month": month,
                    "scope12_location_t": value,
                    "patient_days": pd_month,
                    "t_per_1000_patient_days": value / pd_month * 1000 if pd_month else np.nan,
                }
            )
    frame = pd.DataFrame(rows)
    if start != 1:
        frame.insert(1, "fiscal_year", [fiscal.fiscal_label(y, start) for y in frame["year"]])
    base = frame["scope12_location_t"].iloc[0]
    frame["change_vs_previous_pct"] = frame["scope12_location_t"].pct_change() * 100
    if baseline_year is not None:
        frame["change_vs_baseline_pct"] = (
            (frame["scope12_location_t"] / base - 1) * 100 if base else np.nan
        )
        frame["target_scope12_t"] = [
            base * (1 - target_reduction(baseline_year, y, target)) for y in frame["year"]
        ]
        frame["gap_to_target_t"] = frame["scope12_location_t"] - frame["target_scope12_t"]
        frame["on_track"] = np.where(frame["gap_to_target_t"] <= 1e-9, "yes", "no")
    kind = "calendar year" if start == 1 else "fiscal year"
    fy_note = "" if start == 1 else (
        f" Fiscal years start in {fiscal.MONTH_NAMES[start - 1]} and are named by the year they "
        f"end in ({fiscal.fiscal_label(last_year, start)}).")  # fmt: skip
    stored_note = (" These are the stored Scope 1+2 location-based targets."
                   if report.meta.get("target_source") == "stored" else "")  # fmt: skip
    report.add(
        "progress",
        f"Progress by {kind} (Scope 1+2, location-based)",
        "progress",
        frame,
        f"Each row is a full {kind} computed by the same engine. Targets apply to Scope 1+2 "
        "location-based emissions, linear from the baseline year to each milestone "
        + ", ".join(f"-{r:.0%} by {y}" for y, r in target)
        + (f" (baseline {baseline_year})." if baseline_year else " (no baseline year set).")
        + stored_note
        + fy_note,
    )
    change_tables(ctx, report, last_year)
    if baseline_year is not None:
        last_target = max([y for y, _ in target] + [last_year])
        actual = frame.set_index("year")
        traj = pd.DataFrame({"year": range(baseline_year, last_target + 1)})
        traj["target_scope12_t"] = [
            base * (1 - target_reduction(baseline_year, y, target)) for y in traj["year"]
        ]
        traj["scope12_location_t"] = traj["year"].map(actual["scope12_location_t"])
        traj["scope12_market_t"] = traj["year"].map(actual["scope12_market_t"])
        if start != 1:
            traj.insert(1, "fiscal_year", [fiscal.fiscal_label(y, start) for y in traj["year"]])
        report.add("trajectory", "Target trajectory", "progress", traj)
    stored_target_tables(ctx, report, last_year)
    report.add("intensities", "Emission intensities", "progress", pd.DataFrame(intensity),
               "Staffed beds and floor area are the facilities' current values.")  # fmt: skip
    report.add("intensity_by_month", "Scope 1+2 per 1,000 patient days by month", "progress",
               pd.DataFrame(monthly))  # fmt: skip


#: The figures the "why emissions changed" table splits, in its order.
CHANGE_SCOPES = (
    "scope1",
    "scope2_location",
    "scope2_market",
    "scope3",
    "scope12_location",
    "scope12_market",
    "total_location",
    "total_market",
)


#: The drivers of a change, in the order they are attributed (``core.decompose.PARTS``).
CHANGE_PARTS = ("facilities_added", "facilities_removed", "factor_editions", "weather", "activity")


def change_tables(ctx: Context, report: Report, year: int) -> None:
    """Why emissions changed from the previous (fiscal) year to ``year``: each figure's change
    split into facilities added and removed, factor editions, weather and activity
    (``services.compare``), in whole tonnes that add up to the change of the rounded totals.
    Left out when the previous year has fewer months with energy data than this one (the
    change would be mostly missing data) or no emissions."""
    start = fiscal_start(ctx)
    o = ctx.options
    before = fiscal.fiscal_period(year - 1, start)
    after = fiscal.fiscal_period(year, start)
    earlier = ctx.activity_for(*before)
    later = ctx.activity_for(*after)
    if _energy_months(earlier) < _energy_months(later):
        return  # a partly recorded year: its change would be mostly missing data
    result = services.compare(
        ctx.db,
        a=before,
        b=after,
        facility=ctx.facility_ids[0] if ctx.facility_ids else None,
        gwp=o["gwp"],
        pins=o["pins"] or None,
        strict=False,  # the earlier year is context: its missing factors are named, not fatal
        library=o["library"],
        activity_a=earlier,
        activity_b=later,
        inventory_a=ctx.emissions(*before),
        inventory_b=ctx.emissions(*after),
        ndigits=0,
    )
    scopes = {s["key"]: s for s in result["scopes"]}
    if all(s["before_t"] == 0 for s in scopes.values()):
        return
    la = fiscal.fiscal_label(year - 1, start)
    lb = fiscal.fiscal_label(year, start)
    rows = []
    for key in CHANGE_SCOPES:
        s = scopes[key]
        rows += [
            {"scope": s["label"], "driver": f"{la} total", "co2e_t": int(s["shown_before_t"]),
             "detail": ""},
            {"scope": s["label"], "driver": f"{lb} total", "co2e_t": int(s["shown_after_t"]),
             "detail": ""},
            {"scope": s["label"], "driver": "Change", "co2e_t": int(s["shown_change_t"]),
             "detail": s["sentence"]},
        ]  # fmt: skip
        for p in s["parts"]:
            detail = "; ".join(
                w["text"] if p["part"] == "weather" else f"{w['text']}: {w['t']:+,.1f} t"
                for w in p["explanations"]
            )
            rows.append({"scope": s["label"], "driver": p["label"],
                         "co2e_t": int(p["shown_t"]), "detail": detail})  # fmt: skip
    notes = " ".join(f"{n[0].upper()}{n[1:]}." for n in result["notes"])
    if result["gaps"]:
        notes += (" " if notes else "") + (
            "Missing factors, left out of these totals: " + "; ".join(result["gaps"]) + "."
        )
    report.add(
        "change_drivers",
        f"Why emissions changed, {la} to {lb}",
        "progress",
        pd.DataFrame(rows, columns=["scope", "driver", "co2e_t", "detail"]),
        "Each figure's change split into drivers, in whole tonnes; the drivers add up to the "
        "change, which is the difference of the two years' totals as shown (the progress "
        f"table's). Order of attribution: {result['method']}. The weather part needs a "
        "change-point model fit for savings (ASHRAE Guideline 14) on the earlier year; "
        "without one it is 0 and the detail says why." + (f" {notes}" if notes else ""),
    )
    summary = []
    for key in CHANGE_SCOPES:
        s = scopes[key]
        shown = {p["part"]: int(p["shown_t"]) for p in s["parts"]}
        summary.append({"scope": s["label"], "before_t": int(s["shown_before_t"]),
                        "after_t": int(s["shown_after_t"]), "change_t": int(s["shown_change_t"]),
                        **{f"{part}_t": shown.get(part, 0) for part in CHANGE_PARTS}})  # fmt: skip
    report.add(
        "change_summary",
        f"Why emissions changed, {la} to {lb}: by driver",
        "progress",
        pd.DataFrame(
            summary,
            columns=[
                "scope",
                "before_t",
                "after_t",
                "change_t",
                *(f"{part}_t" for part in CHANGE_PARTS),
            ],
        ),
        f"t CO₂e; {la} and {lb} totals as shown, their change and its drivers (each row's "
        "drivers add up to its change). What each driver is made of: the appendix's "
        f'"Why emissions changed, {la} to {lb}".',
    )
    report.meta["_change_vs_previous"] = scopes["scope12_location"]["shown_change_t"]


def _energy_months(activity: Any) -> int:
    energy = activity.energy
    return int(energy["month"].nunique()) if not energy.empty else 0


#: The most years of progress shown per stored target (the latest ones).
TARGET_YEARS_SHOWN = 15


def stored_target_tables(ctx: Context, report: Report, last_year: int) -> None:
    """One row per stored target and (fiscal) year, from its baseline year to the report's
    last year: the values, the straight path's value, the reduction so far, on track or not."""
    stored = ctx.options.get("stored_targets") or []
    if not stored:
        return
    from greencare.services import targets as target_service

    start = fiscal_start(ctx)
    o = ctx.options
    facility = ctx.facility_ids[0] if ctx.facility_ids else None
    cache: dict[int, dict[str, float | None]] = o.setdefault("target_values", {})

    def values(year: int) -> dict[str, float | None]:
        if year not in cache:
            cache[year] = target_service.year_values(
                ctx.db, year, facility=facility, gwp=o["gwp"], pins=o["pins"] or None,
                start_month=start,
            )  # fmt: skip
        return cache[year]

    rows = []
    for t in stored:
        key = target_service.value_key(t)
        first = max(t["baseline_year"], last_year - TARGET_YEARS_SHOWN + 1)
        if t["baseline_year"] > last_year:
            continue
        baseline = values(t["baseline_year"]).get(key)
        for year in range(first, last_year + 1):
            p = target_rules.progress(t, year, baseline, values(year).get(key))
            rows.append(
                {
                    "target_id": t["id"],
                    "target": t["label"],
                    "year": year,
                    "period": fiscal.fiscal_label(year, start),
                    "unit": p["unit"],
                    "baseline_value": p["baseline_value"],
                    "value": p["current_value"],
                    "path_value": p["trajectory_value"],
                    "target_value": p["target_value"],
                    "reduction_so_far_pct": None if p["reduction_so_far"] is None
                    else p["reduction_so_far"] * 100,
                    "reduction_due_pct": p["reduction_required_now"] * 100,
                    "gap_to_path": p["gap"],
                    "status": p["status"],
                }
            )  # fmt: skip
    columns = ["target_id", "target", "year", "period", "unit", "baseline_value", "value",
               "path_value", "target_value", "reduction_so_far_pct", "reduction_due_pct",
               "gap_to_path", "status"]  # fmt: skip
    report.add(
        "target_progress",
        "Progress against each stored target",
        "progress",
        pd.DataFrame(rows, columns=columns),
        "Targets stored with `greencare target add` (or the app's Targets screen). Each row "
        "compares a year's value with the straight path from the baseline year (no reduction) "
        "to the target year (the full reduction); on track means at or below the path. "
        "Emissions from the same engine (missing factors are left out); site energy in MMBtu, "
        "water in m³, waste in t (reusable sharps containers and reprocessed devices excluded).",
    )
