"""Framework views (GRI 305, CMS, Joint Commission, Portfolio Manager), data quality and
methodology: the parts of a report that read the engine's answer in someone else's terms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from greencare.core import units
from greencare.core.summary import KWH_TO_KBTU
from greencare.reports.model import Report
from greencare.reports.progress import year_inventory
from greencare.reports.tables import Context, month_end
from greencare.reports.waste import REUSE_ROUTES, REUSE_STREAMS

BUILDING_ENERGY = ("stationary_combustion", "purchased_electricity", "purchased_heat_steam")
PURCHASED_ENERGY = ("electricity", "district_steam", "district_hot_water", "district_chilled_water")
LANDFILL_INCINERATION = (
    "landfill",
    "incineration",
    "autoclave_landfill",
    "alternative_treatment",
    "waste_to_energy",
)


# --- framework views ---------------------------------------------------------------------------


def framework_tables(ctx: Context, report: Report, baseline_year: int | None) -> None:
    scopes = report["ghg_protocol"]
    t = ctx.summary["totals_t"]
    lines = ctx.lines

    def cat(categories: tuple[str, ...] | None, scope_list: tuple[str, ...] = ("1", "2")) -> Any:
        part = scopes[scopes["scope"].isin(scope_list)]
        if categories is not None:
            part = part[part["category"].isin(categories)]
        return part["co2e_t_location"].sum(), part["co2e_t_market"].sum()

    areas = [
        ("Organizational", "All Scope 1 and Scope 2 emissions", cat(None)),
        ("Building energy", "Stationary combustion, purchased electricity, heat and steam",
         cat(BUILDING_ENERGY)),
        ("Anesthetic gas", "Inhaled anesthetics (Scope 1)", cat(("anesthetic_gases",))),
        ("Transportation", "Fleet fuel (mobile combustion, Scope 1)",
         cat(("mobile_combustion",))),
    ]  # fmt: skip
    report.add(
        "cms_areas",
        "CMS decarbonization reporting areas",
        "frameworks",
        pd.DataFrame(
            [(a, d, loc, mkt) for a, d, (loc, mkt) in areas],
            columns=["area", "definition", "co2e_t_location", "co2e_t_market"],
        ),
        "CMS TEAM Decarbonization and Resilience Initiative: GHG Protocol Scopes 1 and 2.",
    )
    s1_gases = sorted(set(lines.loc[lines["scope"] == "1", "gas"]))
    s3_labels = scopes.loc[scopes["scope"] == "3", "label"].tolist()
    intens = report["intensities"].iloc[-1]
    progress = report["progress"]
    base_row = progress.iloc[0] if baseline_year is not None else None
    now_row = progress.iloc[-1]
    datasets = ", ".join(sorted(ctx.inventory.datasets))
    base_text = None if baseline_year is None else str(baseline_year)
    gri = [
        ("305-1 a", "Gross direct (Scope 1) GHG emissions", t["scope1"], "t CO2e"),
        ("305-1 b", "Gases included in the calculation", ", ".join(s1_gases), ""),
        ("305-1 c", "Biogenic CO2 emissions", None, "not tracked separately"),
        ("305-1 d", "Base year", base_text, "" if baseline_year else "not set"),
        ("305-1 e", "Source of emission factors and GWP rates",
         f"{datasets}; GWP: {ctx.summary['gwp']}", ""),
        ("305-1 f", "Consolidation approach", "operational control (facilities in greencare)", ""),
        ("305-2 a", "Gross location-based energy indirect (Scope 2) GHG emissions",
         t["scope2_location"], "t CO2e"),
        ("305-2 b", "Gross market-based energy indirect (Scope 2) GHG emissions",
         t["scope2_market"], "t CO2e"),
        ("305-3 a", "Gross other indirect (Scope 3) GHG emissions", t["scope3"], "t CO2e"),
        ("305-3 d", "Scope 3 categories included", "; ".join(s3_labels), ""),
        ("305-4 a", "GHG emissions intensity (Scope 1+2, location) per staffed bed",
         intens["t_per_bed"], "t CO2e/bed"),
        ("305-4 a", "GHG emissions intensity (Scope 1+2, location) per 1,000 patient days",
         intens["t_per_1000_patient_days"], "t CO2e/1000 patient days"),
        ("305-4 a", "GHG emissions intensity (Scope 1+2, location) per 1,000 ft²",
         intens["t_per_1000_ft2"], "t CO2e/1000 ft2"),
        ("305-4 c", "Emissions included in the intensity ratio", "Scope 1 and Scope 2", ""),
        ("305-5 a", "Change in Scope 1+2 emissions vs base year (all causes)",
         None if base_row is None else now_row["scope12_location_t"] - base_row["scope12_location_t"],
         "t CO2e"),
        ("305-5 b", "Gases included in the change", "all gases of Scopes 1 and 2", ""),
        ("305-5 c", "Base year", base_text, "" if baseline_year else "not set"),
    ]  # fmt: skip
    report.add("gri_305", "GRI 305 data points", "frameworks",
               pd.DataFrame(gri, columns=["disclosure", "data_point", "value", "unit"]))  # fmt: skip
    report.add(*joint_commission(ctx, baseline_year))
    report.add(*pm_meter_entries(ctx))


def _activity(lines: pd.DataFrame) -> tuple[float | None, str]:
    """Activity of purchase lines, counted once per record (a record has a line per gas)."""
    once = lines.drop_duplicates(["source_type", "source_id", "month"])
    found = sorted(set(once["activity_unit"]))
    if len(found) != 1:
        return (None, ", ".join(found)) if found else (0.0, "")
    return float(once["activity_quantity"].sum()), found[0]


def joint_commission(ctx: Context, baseline_year: int | None) -> tuple[str, str, str, Any, str]:
    year = baseline_year
    if year is None:
        inventory, first, last = ctx.inventory, ctx.first, ctx.last
        waste = ctx.activity.waste
    else:
        inventory, _ = year_inventory(ctx, year)
        first, last = f"{year}-01", f"{year}-12"
        waste = ctx.activity_for(first, last).waste
    lines = inventory.lines
    loc = lines[lines["method"] != "market"]
    energy = inventory.energy

    def t(mask: pd.Series) -> float:
        return float(loc.loc[mask, "co2e_kg"].sum()) / 1000.0

    # The rows are disjoint (fuels burned on site, then energy bought), so they add up to the
    # baseline: an "all energy" row above its electricity part double-counted when summed.
    bought = energy[energy["commodity"].isin(PURCHASED_ENERGY)] if not energy.empty else energy
    bought_kbtu = float(bought["site_kwh"].sum()) * KWH_TO_KBTU if not bought.empty else 0.0
    burned = energy[~energy["commodity"].isin(PURCHASED_ENERGY)] if not energy.empty else energy
    burned_kbtu = float(burned["site_kwh"].sum()) * KWH_TO_KBTU if not burned.empty else 0.0
    anesthetic = loc[loc["category"] == "anesthetic_gases"]
    pmdi = loc[(loc["category"] == "inhalers") & loc["source"].str.contains("pmdi")]
    fleet = loc[loc["category"] == "mobile_combustion"]
    route = loc["source"].str.rsplit("-> ", n=1).str[-1]
    to_disposal = (loc["category"] == "cat5_waste") & route.isin(LANDFILL_INCINERATION)
    kept = waste[waste["route"].isin(LANDFILL_INCINERATION) & ~waste["route"].isin(REUSE_ROUTES)
                 & ~waste["stream"].isin(REUSE_STREAMS)] if not waste.empty else waste  # fmt: skip
    waste_kg = float(kept["quantity_kg"].sum()) if not kept.empty else 0.0
    fleet_qty, fleet_unit = _activity(fleet)
    pmdi_qty, _ = _activity(pmdi)
    rows = [
        ("Fuels burned and energy generated on site", burned_kbtu, "kBtu site energy",
         t(loc["category"] == "stationary_combustion")),
        ("Purchased electricity, heat, steam and chilled water", bought_kbtu, "kBtu site energy",
         t(loc["category"].isin(("purchased_electricity", "purchased_heat_steam")))),
        ("Anesthetic gases", float(anesthetic["gas_kg"].sum()), "kg of agent",
         t(loc["category"] == "anesthetic_gases")),
        ("Pressurized metered-dose inhalers", pmdi_qty, "inhalers", t(loc.index.isin(pmdi.index))),
        ("Fleet fuel (gasoline, diesel)", fleet_qty, fleet_unit or "", t(loc.index.isin(fleet.index))),
        ("Solid waste to landfill or incineration", waste_kg, "kg", t(to_disposal)),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["source", "activity", "activity_unit", "co2e_t"])
    frame["has_data"] = np.where(frame["activity"].fillna(0) > 0, "yes", "no")
    count = int((frame["has_data"] == "yes").sum())
    total = pd.DataFrame(
        [("Total of the sources above", np.nan, "", float(frame["co2e_t"].sum()), "")],
        columns=[*frame.columns],
    )
    frame = pd.concat([frame, total], ignore_index=True)
    period = f"{first} to {last}"
    note = (
        f"Baseline period {period}: {count} of 6 sources have data; the certification asks for a "
        f"baseline of at least 3 ({'met' if count >= 3 else 'NOT met'})."
    )
    return (
        "joint_commission",
        "Joint Commission-style emissions baseline",
        "frameworks",
        frame,
        note,
    )


# --- Portfolio Manager meter entries ------------------------------------------------------------

PM_METER_TYPES = {
    "electricity": "Electricity - Grid Purchase",
    "natural_gas": "Natural Gas",
    "fuel_oil_1": "Fuel Oil (No. 1)",
    "fuel_oil_2": "Fuel Oil (No. 2)",
    "fuel_oil_4": "Fuel Oil (No. 4)",
    "fuel_oil_5_6": "Fuel Oil (No. 5 and No. 6)",
    "diesel": "Diesel",
    "kerosene": "Kerosene",
    "propane": "Propane",
    "district_steam": "District Steam",
    "district_hot_water": "District Hot Water",
    "district_chilled_water": "District Chilled Water - Other",
    "onsite_solar": "Electricity - On-Site Solar",
    "onsite_wind": "Electricity - On-Site Wind",
    "water": "Municipally Supplied Potable Water - All",
    "reclaimed_water": "Municipally Supplied Reclaimed Water - All",
    "well_water": "Alternative Water Generated On-Site - All",
}
_ELECTRIC = {"kWh": "kWh (thousand Watt-hours)", "MWh": "MWh (million Watt-hours)",
             "kBtu": "kBtu (thousand Btu)", "MMBtu": "MBtu (million Btu)"}  # fmt: skip
_GAS = {"therm": "Therms", "ccf": "ccf (hundred cubic feet)", "cf": "cf (cubic feet)",
        "Mcf": "kcf (thousand cubic feet)", "m**3": "Cubic meters", "kBtu": "kBtu (thousand Btu)",
        "MMBtu": "MBtu (million Btu)"}  # fmt: skip
_LIQUID = {"US_gallon": "Gallons (US)", "litre": "Liters", "kBtu": "kBtu (thousand Btu)"}
_WATER = {"kgal": "kGal (thousand gallons) (US)", "US_gallon": "Gallons (US)",
          "m**3": "Cubic meters", "ccf": "ccf (hundred cubic feet)", "cf": "cf (cubic feet)"}  # fmt: skip
#: Units Portfolio Manager accepts for each meter type, in its own words.
PM_UNITS: dict[str, dict[str, str]] = {
    "electricity": _ELECTRIC, "onsite_solar": _ELECTRIC, "onsite_wind": _ELECTRIC,
    "natural_gas": _GAS, "propane": {**_LIQUID, "cf": "cf (cubic feet)"},
    "fuel_oil_1": _LIQUID, "fuel_oil_2": _LIQUID, "fuel_oil_4": _LIQUID, "fuel_oil_5_6": _LIQUID,
    "diesel": _LIQUID, "kerosene": _LIQUID,
    "district_steam": {"klb": "KLbs. (thousand pounds)", "lb": "Pounds",
                       "kBtu": "kBtu (thousand Btu)", "therm": "Therms"},
    "district_hot_water": {"therm": "Therms", "kBtu": "kBtu (thousand Btu)"},
    "district_chilled_water": {"ton_hour": "Ton Hours", "kBtu": "kBtu (thousand Btu)"},
    "water": _WATER, "reclaimed_water": _WATER, "well_water": _WATER,
}  # fmt: skip
PM_COLUMNS = ["Property Name", "Meter Name", "Meter Type", "Start Date", "End Date",
              "Usage/Quantity", "Usage Units", "Cost ($)", "Estimation"]  # fmt: skip


def pm_meter_entries(ctx: Context) -> tuple[str, str, str, pd.DataFrame, str]:
    """One row per meter per calendar month, in Portfolio Manager's meter-entry vocabulary."""
    sql = (
        "SELECT f.name AS facility, m.id AS meter_id, m.name AS meter, m.commodity, m.unit, "
        "rm.month, sum(rm.quantity_canonical) AS qty, sum(rm.estimated_canonical) AS est, "
        # a month with a cost in another currency has no one cost in dollars (not its USD part)
        "CASE WHEN sum(rm.cost IS NOT NULL AND rm.cost != 0 AND coalesce(rm.currency, '') "
        "!= 'USD') THEN NULL ELSE sum(CASE WHEN rm.currency = 'USD' THEN rm.cost END) END "
        "AS cost "
        "FROM reading_months rm JOIN meters m ON m.id = rm.meter_id "
        "JOIN facilities f ON f.id = m.facility_id "
        "WHERE rm.month BETWEEN ? AND ? AND f.country IN ('US', 'CA')"
    )
    params: list[Any] = [ctx.first, ctx.last]
    if ctx.facility_ids:
        sql += f" AND f.id IN ({', '.join('?' * len(ctx.facility_ids))})"
        params += ctx.facility_ids
    sql += " GROUP BY m.id, rm.month ORDER BY f.name, m.name, rm.month"
    frame = pd.read_sql_query(sql, ctx.db.conn, params=params)
    out = []
    for (_meter_id, commodity, unit), part in frame.groupby(
        ["meter_id", "commodity", "unit"], sort=False
    ):
        allowed = PM_UNITS.get(commodity, {})
        if unit in allowed:
            pm_unit, factor = allowed[unit], units.conversion_factor(unit, commodity)
        elif units.canonical_unit(commodity) == "kWh":
            pm_unit, factor = "kBtu (thousand Btu)", 1 / KWH_TO_KBTU
        else:
            pm_unit, factor = "Cubic meters", 1.0
        for row in part.itertuples(index=False):
            out.append(
                {
                    "Property Name": row.facility,
                    "Meter Name": row.meter,
                    "Meter Type": PM_METER_TYPES.get(commodity, "Other"),
                    "Start Date": f"{row.month}-01",
                    "End Date": month_end(row.month),
                    "Usage/Quantity": float(row.qty) / factor,
                    "Usage Units": pm_unit,
                    "Cost ($)": None if pd.isna(row.cost) else float(row.cost),
                    "Estimation": "Yes" if row.est > 0 else "No",
                }
            )
    table = pd.DataFrame(out, columns=PM_COLUMNS)
    note = (
        "Calendar-month meter entries for US and Canadian facilities, ready for Portfolio "
        "Manager's meter-entries upload (match meters by name). Usage is in the meter's own unit "
        "where Portfolio Manager accepts it, else kBtu (energy) or cubic meters (water). Cost ($) "
        "is blank for a month with a cost in another currency."
    )
    return "pm_meter_entries", "Portfolio Manager meter entries", "frameworks", table, note


# --- data quality ------------------------------------------------------------------------------


def _compact(months: list[str]) -> str:
    """'2025-01..2025-03, 2025-07' for a sorted list of months."""
    if not months:
        return ""
    index = [int(m[:4]) * 12 + int(m[5:]) - 1 for m in months]
    runs, start = [], 0
    for i in range(1, len(index) + 1):
        if i == len(index) or index[i] != index[i - 1] + 1:
            a, b = months[start], months[i - 1]
            runs.append(a if a == b else f"{a}..{b}")
            start = i
    return ", ".join(runs)


def quality_tables(ctx: Context, report: Report) -> None:
    sql = (
        "SELECT m.id AS meter_id, f.name AS facility, m.name AS meter, m.commodity, "
        "m.delivery_class FROM meters m JOIN facilities f ON f.id = m.facility_id "
        "WHERE m.retired = 0"
    )
    params: list[Any] = []
    if ctx.facility_ids:
        sql += f" AND f.id IN ({', '.join('?' * len(ctx.facility_ids))})"
        params = list(ctx.facility_ids)
    meters = pd.read_sql_query(sql + " ORDER BY f.name, m.name", ctx.db.conn, params=params)
    rolled = ctx.activity.energy
    per = rolled.groupby(["meter_id", "month"])[["quantity_canonical", "estimated_canonical"]].sum()
    rows = []
    for m in meters.itertuples(index=False):
        have = per.loc[m.meter_id] if m.meter_id in per.index.get_level_values(0) else None
        present = sorted(have.index) if have is not None else []
        # A tank or generator is filled when it runs low: months without a delivery are normal.
        bulk = m.delivery_class == "bulk_delivery"
        missing = [] if bulk else [x for x in ctx.months if x not in set(present)]
        qty = float(have["quantity_canonical"].sum()) if have is not None else 0.0
        est = float(have["estimated_canonical"].sum()) if have is not None else 0.0
        rows.append({"facility": m.facility, "meter": m.meter, "commodity": m.commodity,
                     "months_with_data": len(present), "months_missing": len(missing),
                     "missing_months": "deliveries, not billed monthly" if bulk else _compact(missing),
                     "estimated_pct": est / qty * 100 if qty else np.nan})  # fmt: skip
    dq_meters = pd.DataFrame(rows, columns=["facility", "meter", "commodity", "months_with_data",
                                            "months_missing", "missing_months", "estimated_pct"])  # fmt: skip
    energy = rolled[rolled["canonical_unit"] == "kWh"]
    total = float(energy["quantity_canonical"].sum())
    est_share = float(energy["estimated_canonical"].sum()) / total * 100 if total else np.nan
    lines = ctx.lines
    unverified = lines[~lines["factor_verified"].astype(bool)]
    no_grid = ctx.facilities[ctx.facilities["grid_region"].fillna("") == ""]["name"].tolist()
    summary = [
        ("Estimated share of site energy", est_share, "%"),
        ("Meter-months missing in the period", int(dq_meters["months_missing"].sum()), "months"),
        ("Meters with missing months", int((dq_meters["months_missing"] > 0).sum()), "meters"),
        ("Facilities without a grid region", len(no_grid), "facilities"),
        ("Lines using factors marked unverified", len(unverified), "lines"),
        ("Emissions from unverified factors (location-based)",
         float(unverified.loc[unverified["method"] != "market", "co2e_kg"].sum()) / 1000, "t CO2e"),
        ("Missing factors (gaps)", len(ctx.inventory.gaps), "gaps"),
    ]  # fmt: skip
    report.add("quality_summary", "Data quality summary", "quality",
               pd.DataFrame(summary, columns=["check", "value", "unit"]))  # fmt: skip
    report.add("quality_meters", "Meter coverage and estimates", "quality", dq_meters,
               "Months come from the monthly roll-up of readings; a month with any reading counts.")  # fmt: skip
    issues = [("facility without a grid region", name) for name in sorted(no_grid)]
    grouped = (
        unverified[unverified["method"] != "market"]
        .groupby(["dataset", "factor_id"])
        .agg(lines=("co2e_kg", "size"), co2e_kg=("co2e_kg", "sum"))
        .reset_index()
    )
    issues += [
        ("unverified factor", f"{r.dataset} {r.factor_id}: {r.lines} lines, {r.co2e_kg / 1000:,.3f} t CO2e")
        for r in grouped.itertuples(index=False)
    ]  # fmt: skip
    issues += [("missing factor", gap) for gap in ctx.inventory.gaps]
    issues += _accepted_outliers(ctx)
    report.add("quality_issues", "Data quality issues", "quality",
               pd.DataFrame(issues, columns=["kind", "detail"]))  # fmt: skip


def _accepted_outliers(ctx: Context) -> list[tuple[str, str]]:
    """Values stored over a plausibility warning or a deliberate override, in the period."""
    from greencare.storage.plausibility import list_flags

    flags = list_flags(
        ctx.db, first_month=ctx.first, last_month=ctx.last, facility_ids=ctx.facility_ids
    )
    kind = {"warning": "accepted over a warning", "refusal": "accepted over a refusal"}
    out = [
        (kind[f["level"]], f"{f['facility']} {f['month']}, {f['table_name']} {f['row_id']} "
         f"({f['source']}): {f['message']}")
        for f in flags[:ACCEPTED_LISTED]
    ]  # fmt: skip
    if len(flags) > ACCEPTED_LISTED:
        rest = len(flags) - ACCEPTED_LISTED
        out.append(("accepted outliers", f"... and {rest:,} more (table accepted_outliers)"))
    return out


#: Accepted outliers the report lists one by one (an interval file can flag thousands).
ACCEPTED_LISTED = 50


# --- methodology -------------------------------------------------------------------------------


def methodology_tables(ctx: Context, report: Report) -> None:
    used = dict(ctx.inventory.datasets)
    for inventory, _ in ctx.options.get("years", {}).values():
        used.update(inventory.datasets)
    datasets = pd.DataFrame(
        [
            {"id": d.id, "title": d.title, "edition": d.edition, "publisher": d.publisher,
             "url": d.url, "licence": d.licence}
            for _, d in sorted(used.items())
        ],
        columns=["id", "title", "edition", "publisher", "url", "licence"],
    )  # fmt: skip
    report.add("methodology_datasets", "Factor datasets used", "methodology", datasets)
    lines = ctx.lines
    s = ctx.summary
    pins = ctx.options["pins"]
    notes = [
        ("Boundary", "Operational control: the facilities recorded in greencare and reported "
         f"here ({', '.join(sorted(ctx.facilities['name']))})."),
        ("Period", f"{ctx.first} to {ctx.last} ({len(ctx.months)} months, {ctx.days} days)."),
        ("Calendarization", "Meter readings are spread over local calendar months in proportion "
         "to the time each reading covers (days, or hours for interval data); waste records are "
         "spread over months by days, both dates inclusive."),
        ("GWP", f"GWP100 set: {s['gwp']}. Sets used on lines: {', '.join(s['gwp_sets_used'])}."),
        ("Factor editions", "Each month uses the factor edition for its year: for US "
         "electricity the EPA Hub edition whose eGRID data year is nearest (a tie goes to the "
         "earlier year); otherwise the latest edition not after the year, else the earliest. "
         "Physical reference data uses its latest edition. "
         + (f"Pinned: {', '.join(f'{k}={v}' for k, v in sorted(pins.items()))}." if pins
            else "No editions pinned.")),
        ("Scope 2", "Location-based with grid-average factors (eGRID subregion in the US, "
         "national in the UK); market-based with contractual instruments where recorded."),
        ("Energy", "Site energy as metered, converted 1 kWh = 3.412 kBtu; source energy with "
         "ENERGY STAR Portfolio Manager site-to-source ratios (US)."),
        ("EUI", "Site EUI = site energy in the period / gross floor area x 12 / calendar months "
         "in the period; months without data count as zero (never extrapolated)."),
        ("Waste", "Total waste excludes reusable sharps containers and reprocessed devices; "
         "RMW = regulated medical waste, sharps, pathological and trace chemotherapy; diversion "
         "= recycling, composting, anaerobic digestion and donation; per staffed bed per day "
         "divides by staffed beds x days in the period."),
        ("Targets", "Scope 1+2 location-based against the baseline year, linear to each "
         "milestone (default -50% by 2030, net zero by 2050)."),
    ]  # fmt: skip
    if s.get("biogenic_co2_t"):
        notes.append(("Biogenic CO2", f"{s['biogenic_co2_t']:,.3f} t CO2 from the biofuel share "
                      "of blended fuels (B20, E85, ...), reported outside the scopes and in no "
                      "Scope 1-3 total (GHG Protocol)."))  # fmt: skip
    market_notes = sorted(set(lines.loc[lines["method"] == "market", "note"]) - {""})
    notes += [("Scope 2 market-based", n) for n in market_notes]
    stand_ins = dict.fromkeys(ctx.inventory.stand_ins)
    for inventory, _ in ctx.options.get("years", {}).values():
        stand_ins.update(dict.fromkeys(inventory.stand_ins))
    notes += [("Factor edition stand-in", n) for n in stand_ins]
    notes += [("Exclusion", e) for e in sorted(ctx.inventory.exclusions)]
    notes += [("Missing factor", g) for g in ctx.inventory.gaps]
    report.add("methodology_notes", "Methodology notes", "methodology",
               pd.DataFrame(notes, columns=["topic", "text"]))  # fmt: skip
    other = sorted(set(lines.loc[lines["method"] != "market", "note"].dropna()) - {""})
    report.add("factor_notes", "Notes on the factors used", "methodology",
               pd.DataFrame({"topic": ["Factor note"] * len(other), "text": other}),
               "How each factor the inventory used was derived, as its dataset states it (a "
               "note per distinct factor note).")  # fmt: skip
