"""Totals from an inventory's lines, and the explanation of any one figure.

A total is a sum of lines and nothing else, so ``explain`` with the same filters lists exactly
the lines that make it up, each with its activity, conversion, factor (dataset, edition, table,
row) and GWP.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from greencare.core import rules
from greencare.core.calculate import Inventory

KWH_TO_KBTU = 3.412141633  # 1 kWh = 3,412.14 Btu (pint: Btu = 1055.056 J)
KWH_TO_GJ = 0.0036
M2_TO_FT2 = 10.763910417


def months_in_period(first_month: str, last_month: str) -> int:
    """Calendar months from ``first_month`` to ``last_month`` inclusive ("YYYY-MM")."""
    y0, m0 = int(first_month[:4]), int(first_month[5:7])
    y1, m1 = int(last_month[:4]), int(last_month[5:7])
    return (y1 - y0) * 12 + (m1 - m0) + 1


def annualise(months: int) -> float:
    """greencare's one EUI definition, used by the CLI, the report, the dashboard and the API.

    Site EUI (kBtu/ft²/yr) = site energy in the period / gross floor area x 12 / calendar
    months in the period. Months of the period without data count as zero, never as the
    average of the others: a period with data for 3 of 12 months gives a quarter of a year's
    energy, not four times a quarter (no extrapolation). Coverage is reported beside it
    (``energy_months_with_data``). For a calendar year this is Portfolio Manager's annual EUI.
    """
    return 12.0 / months if months else math.nan


def _t(kg: float) -> float:
    return round(float(kg) / 1000.0, 6)


def _totals(sums: dict[tuple[str, str], float]) -> dict[str, float]:
    """Scope totals from sums keyed by (scope, method); method "" applies to both methods."""
    s1 = sums.get(("1", ""), 0.0)
    s2l = sums.get(("2", ""), 0.0) + sums.get(("2", "location"), 0.0)
    s2m = sums.get(("2", ""), 0.0) + sums.get(("2", "market"), 0.0)
    s3 = sums.get(("3", ""), 0.0)
    return {
        "scope1": _t(s1),
        "scope2_location": _t(s2l),
        "scope2_market": _t(s2m),
        "scope3": _t(s3),
        "total_location": _t(s1 + s2l + s3),
        "total_market": _t(s1 + s2m + s3),
    }


def _scope_totals(frame: pd.DataFrame) -> dict[str, float]:
    sums = frame.groupby(["scope", "method"])["co2e_kg"].sum().to_dict()
    return _totals(sums)


def _scope_totals_by(frame: pd.DataFrame, key: str) -> dict[Any, dict[str, float]]:
    """Scope totals for every value of ``key``, in one pass over the lines."""
    sums = frame.groupby([key, "scope", "method"])["co2e_kg"].sum()
    grouped: dict[Any, dict[tuple[str, str], float]] = {}
    for (value, scope, method), total in sums.items():
        grouped.setdefault(value, {})[(scope, method)] = float(total)
    return {value: _totals(part) for value, part in grouped.items()}


def _own_gwp_sets(inventory: Inventory) -> str:
    """Which set each factor dataset used states, e.g. DESNZ 2019 is AR4 and 2025 AR5.

    Written from the datasets actually used, so a report on an older UK year cannot claim AR5.
    """
    by_set: dict[str, list[str]] = {}
    for ds_id, ds in sorted(inventory.datasets.items()):
        if ds.family != "ipcc-gwp" and ds.gwp_set in ("AR4", "AR5", "AR6"):
            by_set.setdefault(ds.gwp_set, []).append(ds_id)
    parts = "; ".join(f"{gwp} for {', '.join(ids)}" for gwp, ids in sorted(by_set.items()))
    return f"each dataset's own ({parts})" if parts else "each dataset's own"


def summarize(
    inventory: Inventory, *, first_month: str, last_month: str, facilities: pd.DataFrame
) -> dict[str, Any]:
    """Totals by scope, category, gas, month and facility, with the sources used."""
    lines = inventory.lines
    names = dict(zip(facilities["id"], facilities["name"], strict=True))
    location = lines[lines["method"] != "market"]
    by_category = (
        location.groupby(["scope", "category"], as_index=False)["co2e_kg"].sum()
        if not location.empty
        else pd.DataFrame(columns=["scope", "category", "co2e_kg"])
    )
    market_s2 = lines[(lines["method"] == "market")].groupby("category")["co2e_kg"].sum()
    categories = [
        {
            "scope": r.scope,
            "category": r.category,
            "label": rules.CATEGORY_LABELS.get(r.category, r.category),
            "co2e_t": _t(r.co2e_kg),
            **({"co2e_t_market": _t(market_s2.get(r.category, 0.0))} if r.scope == "2" else {}),
        }
        for r in by_category.itertuples()
    ]
    outside = location["scope"] == rules.OUTSIDE_SCOPES
    gases = []
    for gas, part in location[~outside].groupby("gas"):  # biogenic CO2 is not fossil CO2
        mass = part["gas_kg"].sum(min_count=1)
        gases.append(
            {
                "gas": gas,
                "mass_kg": None if pd.isna(mass) else round(float(mass), 6),
                "co2e_t": _t(part["co2e_kg"].sum()),
            }
        )
    months = [{"month": m, **totals} for m, totals in _scope_totals_by(lines, "month").items()]
    by_facility = _scope_totals_by(lines, "facility_id")
    per_facility = [
        {
            "facility": name,
            **by_facility.get(fid, _totals({})),
            **_energy(inventory, fid, facilities, months_in_period(first_month, last_month)),
        }
        for fid, name in names.items()
    ]
    return {
        "period": {"from": first_month, "to": last_month},
        "gwp": inventory.gwp or _own_gwp_sets(inventory),
        "gwp_sets_used": sorted({str(s) for s in lines["gwp_set"].dropna().unique()}),
        "totals_t": _scope_totals(lines),
        # Biogenic CO2 of biofuels (the biodiesel in B20, the ethanol in E85): reported beside
        # the scopes, never in them (GHG Protocol Corporate Standard, ch. 9).
        "biogenic_co2_t": _t(location.loc[outside, "co2e_kg"].sum()),
        "by_category": categories,
        "by_gas": gases,
        "by_month": months,
        "by_facility": per_facility,
        "datasets": [
            {
                "id": ds.id,
                "title": ds.title,
                "edition": ds.edition,
                "publisher": ds.publisher,
                "url": ds.url,
                "licence": ds.licence,
            }
            for ds in inventory.datasets.values()
        ],
        "lines": len(lines),
        "lines_with_unverified_factors": int((~lines["factor_verified"].astype(bool)).sum()),
        "gaps": inventory.gaps,
        "exclusions": inventory.exclusions,
        "stand_ins": inventory.stand_ins,
    }


def _energy(
    inventory: Inventory, facility_id: int, facilities: pd.DataFrame, period_months: int
) -> dict[str, Any]:
    frame = inventory.energy
    part = frame[frame["facility_id"] == facility_id] if not frame.empty else frame
    site = float(part["site_kwh"].sum()) if not part.empty else 0.0
    source = part["source_kwh"].sum(min_count=1) if not part.empty else float("nan")
    row = facilities[facilities["id"] == facility_id].iloc[0]
    if "floor_area_ft2" in row and pd.notna(row["floor_area_ft2"]):
        area_ft2: float | None = float(row["floor_area_ft2"])  # as entered, when in ft²
    elif pd.notna(row["floor_area_m2"]):
        area_ft2 = float(row["floor_area_m2"]) * M2_TO_FT2
    else:
        area_ft2 = None
    months = part["month"].nunique() if not part.empty else 0
    eui = site * KWH_TO_KBTU / area_ft2 * annualise(period_months) if area_ft2 else None
    by_commodity = (
        part.groupby("commodity")["site_kwh"].sum().round(3).to_dict() if not part.empty else {}
    )
    return {
        "site_energy_kwh": round(site, 3),
        "site_energy_kbtu": round(site * KWH_TO_KBTU, 3),
        "site_energy_gj": round(site * KWH_TO_GJ, 3),
        "source_energy_kbtu": None if pd.isna(source) else round(float(source) * KWH_TO_KBTU, 3),
        "site_eui_kbtu_per_ft2_year": None if eui is None else round(eui, 3),
        "energy_months_with_data": int(months),
        "period_months": int(period_months),
        "site_energy_kwh_by_commodity": by_commodity,
    }


def explain(inventory: Inventory, **filters: Any) -> pd.DataFrame:
    """The lines behind a figure: filter by facility_id, month, scope, category, gas, method,
    source_type, source_id (None means any). Without a method, Scope 2 is location-based,
    as in the totals; ``method="market"`` gives the market-based lines."""
    lines = inventory.lines
    mask = pd.Series(True, index=lines.index)
    if filters.get("method") is None:  # market-based lines are the alternative Scope 2 view
        mask &= lines["method"] != "market"
    for column, value in filters.items():
        if value is None:
            continue
        mask &= lines[column].astype(str) == str(value)
    return lines[mask]


def describe_line(line: Any) -> str:
    """One line of arithmetic a reader can check by hand."""
    activity = f"{line.activity_quantity:,.7g} {line.activity_unit}"
    if line.factor_per_unit and line.factor_per_unit != line.activity_unit:
        activity += f" = {line.factor_quantity:,.6g} {line.factor_per_unit}"
    # Physical data (healthcare items) is keyed by its factor id alone: no row number to print.
    row = (
        "" if pd.isna(line.factor_row) or str(line.factor_row) == "" else f" row {line.factor_row}"
    )
    factor = (
        f"{line.factor_value:g} {line.factor_unit} [{line.dataset} {line.factor_id}, "
        f"{line.factor_table}{row}{'' if line.factor_verified else ', unverified'}]"
    )
    if pd.notna(line.gwp):
        result = (
            f"{line.gas_kg:,.6g} kg {line.gas} x GWP {line.gwp:g} ({line.gwp_set}) = "
            f"{line.co2e_kg:,.6g} kg CO2e"
        )
    else:
        result = f"{line.co2e_kg:,.6g} kg CO2e ({line.gwp_set})"
    note = f"  ({line.note})" if line.note else ""
    return f"{line.month} {line.source}: {activity} x {factor} -> {result}{note}"
