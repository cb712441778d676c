"""Progress by calendar year against a baseline, the target trajectory, and intensities."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from greencare import services
from greencare.reports.model import Report
from greencare.reports.tables import Context, _floor_areas, month_range, normalizers, scope_totals


def target_reduction(baseline_year: int, year: int, target: tuple[tuple[int, float], ...]) -> float:
    """Fraction below the baseline the target asks for in ``year`` (linear between milestones)."""
    points = [(baseline_year, 0.0)] + [(y, r) for y, r in sorted(target) if y > baseline_year]
    if year <= baseline_year:
        return 0.0
    for (y0, r0), (y1, r1) in pairwise(points):
        if y0 <= year <= y1:
            return r0 + (r1 - r0) * (year - y0) / (y1 - y0)
    return points[-1][1]


def year_inventory(ctx: Context, year: int) -> tuple[Any, dict[str, Any]]:
    """The engine's answer for a calendar year (the report's own when the period is that year)."""
    cache = ctx.options.setdefault("years", {})
    if year not in cache:
        if ctx.first == f"{year:04d}-01" and ctx.last == f"{year:04d}-12":
            cache[year] = (ctx.inventory, ctx.summary)
        else:
            o = ctx.options
            cache[year] = services.emissions(
                ctx.db,
                year=year,
                facility=ctx.facility_ids[0] if ctx.facility_ids else None,
                gwp=o["gwp"],
                pins=o["pins"],
                strict=not o["allow_gaps"],
            )
    return cache[year]


def progress_tables(ctx: Context, report: Report, baseline_year: int | None) -> None:
    first_year, last_year = int(ctx.first[:4]), int(ctx.last[:4])
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
        norm = normalizers(ctx.db, month_range(f"{year}-01", f"{year}-12"), ctx.facility_ids)
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
        for month in month_range(f"{year}-01", f"{year}-12"):
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
    report.add(
        "progress",
        "Progress by calendar year (Scope 1+2, location-based)",
        "progress",
        frame,
        "Each row is a full calendar year computed by the same engine. Targets apply to Scope 1+2 "
        "location-based emissions, linear from the baseline year to each milestone "
        + ", ".join(f"-{r:.0%} by {y}" for y, r in target)
        + (f" (baseline {baseline_year})." if baseline_year else " (no baseline year set)."),
    )
    if baseline_year is not None:
        last_target = max([y for y, _ in target] + [last_year])
        actual = frame.set_index("year")
        traj = pd.DataFrame({"year": range(baseline_year, last_target + 1)})
        traj["target_scope12_t"] = [
            base * (1 - target_reduction(baseline_year, y, target)) for y in traj["year"]
        ]
        traj["scope12_location_t"] = traj["year"].map(actual["scope12_location_t"])
        traj["scope12_market_t"] = traj["year"].map(actual["scope12_market_t"])
        report.add("trajectory", "Target trajectory", "progress", traj)
    report.add("intensities", "Emission intensities", "progress", pd.DataFrame(intensity),
               "Staffed beds and floor area are the facilities' current values.")  # fmt: skip
    report.add("intensity_by_month", "Scope 1+2 per 1,000 patient days by month", "progress",
               pd.DataFrame(monthly))  # fmt: skip
