"""The system report's "Facilities ranked" table: every facility by site EUI, with its
emissions, emissions per staffed bed and change against the comparison year.

A system report of hundreds of facilities is read from its first pages, so this table sits
right after the key figures (section ``ranking``). Its figures are
:func:`greencare.services.ranking.facility_ranking`'s, computed from the report's own inventory
(the engine runs once for the period) and, for the change, the comparison year's inventory,
shared with the progress table when that year is one progress computes anyway.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from greencare.reports.model import Report
from greencare.reports.tables import Context

#: Columns of the table, in order (labels and units in ``reports.model.COLUMNS``).
RANKED_COLUMNS = [
    "rank",
    "facility",
    "floor_area_ft2",
    "floor_area_m2",
    "staffed_beds",
    "site_eui_kbtu_ft2",
    "site_eui_kwh_m2",
    "scope12_location_t",
    "total_location_t",
    "t_per_bed",
    "comparison_t",
    "change_pct",
    "not_available",
]

#: What the ``not_available`` column calls each figure.
FIGURES = {"eui": "Site EUI", "per_bed": "Per bed", "change": "Change", "total": "Emissions"}


def _comparison_inventory(ctx: Context, comparison: dict[str, Any], baseline_year: int | None):
    """The comparison period's inventory from the report's per-period cache (one inventory a
    period for every table): strict like progress when it is one of the (fiscal) years
    progress computes, else with gaps listed, not raised."""
    from greencare.core import fiscal
    from greencare.reports.progress import fiscal_start, year_inventory

    start = fiscal_start(ctx)
    year = fiscal.fiscal_year_of(comparison["to"], start)
    first_year = fiscal.fiscal_year_of(ctx.first, start)
    progress_years = range(baseline_year or first_year, fiscal.fiscal_year_of(ctx.last, start) + 1)
    if fiscal.fiscal_period(year, start) == (comparison["from"], comparison["to"]) and (
        year in progress_years
    ):
        return year_inventory(ctx, year)[0]
    return ctx.emissions(comparison["from"], comparison["to"])[0]


def ranking_frame(result: dict[str, Any]) -> pd.DataFrame:
    """The service's rows as the report's table (None -> NaN, reasons as one sentence)."""
    records = []
    for r in result["facilities"]:
        reasons = "; ".join(f"{FIGURES[k]}: {why}" for k, why in r["na"].items())
        records.append(
            {
                **{c: r.get(c) for c in RANKED_COLUMNS},
                "comparison_t": r["comparison_scope12_t"],
                "not_available": reasons,
            }
        )
    frame = pd.DataFrame(records, columns=RANKED_COLUMNS)
    counts = ["rank", "staffed_beds"]
    numeric = [c for c in RANKED_COLUMNS if c not in ("facility", "not_available", *counts)]
    frame[numeric] = frame[numeric].astype(float)
    frame[counts] = frame[counts].astype("Int64")
    return frame


def ranking_tables(ctx: Context, report: Report, baseline_year: int | None) -> None:
    """Add "Facilities ranked" to a report of several facilities (one facility has no rank)."""
    from greencare.services import ranking

    if len(ctx.facilities) < 2:
        return
    compare = baseline_year
    latest = int(ctx.last[:4]) - -(-len(ctx.months) // 12)
    if compare is not None and not 1990 <= compare <= latest:
        compare = None  # the baseline is the report's own year: compare with the year before
    comparison = ranking.comparison_period(ctx.db, ctx.first, ctx.last, compare)
    earlier = _comparison_inventory(ctx, comparison, baseline_year)
    result = ranking.facility_ranking(
        ctx.db, start=ctx.first, end=ctx.last, by="eui", compare=comparison["year"],
        current=(ctx.inventory, ctx.activity), earlier=earlier,
    )  # fmt: skip
    words = "baseline year" if comparison["kind"] == "baseline" else "previous year"
    missing = (
        " Missing factors in the comparison period, left out of its figures: "
        + "; ".join(result["comparison_gaps"])
        + "."
        if result["comparison_gaps"]
        else ""
    )
    report.add(
        "facilities_ranked",
        "Facilities ranked by site EUI",
        "ranking",
        ranking_frame(result),
        "Rank 1 uses the most site energy per floor area (EUI annualised as in the energy "
        "tables); facilities without a figure are listed last with the reason, never as zero. "
        "Emissions are Scopes 1-3 location-based; per bed and change are Scope 1+2 "
        f"location-based, per staffed bed in the period; change is against {comparison['label']} "
        f"({words}, {comparison['from']} to {comparison['to']}), left out where that period has "
        "fewer months of energy data." + missing,
    )
