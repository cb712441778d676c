"""Build a :class:`~greencare.reports.model.Report` from the database.

Emissions come from :func:`greencare.services.emissions` (the same engine and the same lines as
``greencare emissions``); energy and water from the monthly roll-up (``reading_months``, never raw
readings); waste from ``waste_records`` spread over months by days; patient days from
``normalizers``. Framework views, progress, data quality and methodology are in
:mod:`greencare.reports.frameworks`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from greencare import services
from greencare.core import rules
from greencare.core.calculate import Inventory
from greencare.core.errors import InputError
from greencare.core.factors import FactorLibrary
from greencare.core.summary import KWH_TO_GJ, KWH_TO_KBTU, annualise
from greencare.reports.model import SCHEMA_ID, Report
from greencare.storage.inventory import load_activity

M3_TO_US_GAL = 264.172052358
FT2_PER_M2 = 10.763910417


#: Reduction from the baseline's Scope 1+2, by year (HHS Health Sector Climate Pledge).
DEFAULT_TARGET: tuple[tuple[int, float], ...] = ((2030, 0.50), (2050, 1.00))

SCOPE_COLUMNS = {
    "scope1": "scope1_t",
    "scope2_location": "scope2_location_t",
    "scope2_market": "scope2_market_t",
    "scope3": "scope3_t",
    "total_location": "total_location_t",
    "total_market": "total_market_t",
}


@dataclass
class Context:
    """What every table builder reads: the period, the facilities, the engine's answer."""

    db: Database
    first: str
    last: str
    months: list[str]
    days: int
    facility_ids: list[int] | None
    facilities: pd.DataFrame
    activity: Any
    inventory: Inventory
    summary: dict[str, Any]
    options: dict[str, Any]

    @property
    def lines(self) -> pd.DataFrame:
        return self.inventory.lines

    @property
    def names(self) -> dict[int, str]:
        return dict(zip(self.facilities["id"], self.facilities["name"], strict=True))

    def activity_for(self, first: str, last: str) -> Any:
        """The activity of ``first``..``last`` (YYYY-MM) for the report's facilities, loaded
        once per period: the change tables, the story and the framework views read the same
        earlier years."""
        if (first, last) == (self.first, self.last):
            return self.activity
        cache = self.options.setdefault("activities", {})
        if (first, last) not in cache:
            cache[(first, last)] = load_activity(
                self.db, first_month=first, last_month=last, facility_ids=self.facility_ids
            )
        return cache[(first, last)]

    def emissions(self, first: str, last: str, *, strict: bool = False) -> tuple[Any, Any]:
        """The engine's (Inventory, summary) for ``first``..``last``, computed once per period
        however many tables read it (progress, the change split, the ranking's comparison year,
        the story, the framework views; profiled: each was a whole inventory before). Computed
        with gaps listed; ``strict`` raises on a gap as the engine would, so the cache serves
        strict and lenient readers alike."""
        from greencare.core.factors import MissingFactorError

        if (first, last) == (self.first, self.last):
            return self.inventory, self.summary
        cache = self.options.setdefault("periods", {})
        if (first, last) not in cache:
            o = self.options
            cache[(first, last)] = services.emissions(
                self.db, start=first, end=last,
                facility=self.facility_ids[0] if self.facility_ids else None,
                gwp=o["gwp"], pins=o["pins"], strict=False, library=o.get("library"),
                activity=self.activity_for(first, last),
            )  # fmt: skip
        inventory, summary = cache[(first, last)]
        if strict and inventory.gaps:
            raise MissingFactorError(
                "missing emission factors (nothing was counted as zero; --allow-gaps reports "
                f"the totals without them), {first} to {last}:\n  - "
                + "\n  - ".join(inventory.gaps)
            )
        return inventory, summary


def month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def days_in(months: list[str]) -> int:
    return sum(calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in months)


def month_end(month: str) -> str:
    y, m = int(month[:4]), int(month[5:])
    return date(y, m, calendar.monthrange(y, m)[1]).isoformat()


def build_report(
    db: Database,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    baseline_year: int | None = None,
    target: tuple[tuple[int, float], ...] | None = None,
    allow_gaps: bool = False,
    generated: str | None = None,
    title: str | None = None,
    units: str | None = None,
    paper: str | None = None,
) -> Report:
    """The sustainability report for a period (a year, or ``start``..``end`` as YYYY-MM).

    ``baseline_year`` sets the year progress and the target trajectory are measured from
    (default: the ``baseline-year`` setting, else the baseline of the stored Scope 1+2
    location-based targets); ``target`` lists (year, reduction from the baseline's Scope 1+2)
    milestones, reached linearly (default: those stored targets, else :data:`DEFAULT_TARGET`).
    Progress is by fiscal year when the ``fiscal-year-start`` setting is not January; every
    stored target gets its own progress rows (``target_progress``). ``generated`` is an optional
    timestamp written into the report (none by default, so the same data gives the same bytes).
    ``units`` ("us": kBtu, ft², lb; "metric": kWh, GJ, m², kg) and ``paper`` ("letter", "a4")
    follow the facilities' country unless given (:func:`conventions`).
    """
    from greencare.services.baselines import reusing

    # each facility's baseline months are fitted once, not again for each table that uses them
    with reusing():
        from greencare.reports import facility_pages, frameworks, progress, story, waste, weather
        from greencare.reports.interval_section import interval_tables
        from greencare.reports.ranking import ranking_tables

        first, last = services.period_months(year, start, end)
        plan = target_plan(db, last, baseline_year, target)
        if baseline_year is not None and not 1990 <= baseline_year <= plan["last_year"]:
            raise InputError(
                f"baseline year {baseline_year} must be between 1990 and the report's last year"
            )
        baseline_year, target = plan["baseline_year"], plan["target"]
        ids = [services.get_facility(db, facility).id] if facility is not None else None
        activity = load_activity(db, first_month=first, last_month=last, facility_ids=ids)
        library = FactorLibrary.bundled()  # one for every inventory: its tables parse once
        inventory, summary = services.emissions(
            db, start=first, end=last, facility=facility, gwp=gwp, pins=pins,
            strict=not allow_gaps, activity=activity, library=library,
        )  # fmt: skip
        months = month_range(first, last)
        ctx = Context(
            db=db,
            first=first,
            last=last,
            months=months,
            days=days_in(months),
            facility_ids=ids,  # type: ignore[arg-type]
            facilities=activity.facilities.sort_values("id").reset_index(drop=True),
            activity=activity,
            inventory=inventory,
            summary=summary,
            options={"gwp": gwp, "pins": pins or {}, "allow_gaps": allow_gaps, "target": target,
                     "library": library,
                     "fiscal_start": plan["fiscal_start"], "stored_targets": plan["stored"]},
        )  # fmt: skip
        names = sorted(ctx.facilities["name"])
        chosen = conventions(ctx.facilities, units=units, paper=paper)
        meta = {
            "schema": SCHEMA_ID,
            "title": title or "Sustainability report",
            "period": {"from": first, "to": last, "months": len(months), "days": ctx.days},
            "facilities": names,
            "facility_filter": None if facility is None else names[0] if names else str(facility),
            "gwp": summary["gwp"],
            "gwp_sets_used": summary["gwp_sets_used"],
            "pins": dict(sorted((pins or {}).items())),
            "baseline_year": baseline_year,
            "target": [{"year": y, "reduction_pct": round(r * 100, 6)} for y, r in target],
            "allow_gaps": allow_gaps,
            "gaps": list(inventory.gaps),
            "generated": generated,
            **chosen,
        }
        # Shown only when used, so a report without targets or fiscal years reads as it always did.
        if plan["fiscal_start"] != 1:
            meta["fiscal_year_start_month"] = plan["fiscal_start"]
        if plan["stored"]:
            meta["target_source"] = plan["source"]
            meta["stored_targets"] = [t["label"] for t in plan["stored"]]
        report = Report(meta=meta, tables={}, inventory=inventory, summary=summary)
        report.add("summary", "Key figures", "summary", pd.DataFrame())  # filled last, shown first
        ranking_tables(ctx, report, baseline_year)  # several facilities: ranked, after the summary
        ghg_tables(ctx, report)
        energy_tables(ctx, report)
        interval_tables(ctx, report)
        weather.weather_tables(ctx, report, baseline_year)
        water_tables(ctx, report)
        waste.waste_tables(ctx, report)
        progress.progress_tables(ctx, report, baseline_year)
        frameworks.framework_tables(ctx, report, baseline_year)
        frameworks.quality_tables(ctx, report)
        frameworks.methodology_tables(ctx, report)
        story.story_tables(ctx, report, baseline_year)
        facility_pages.facility_tables(ctx, report, baseline_year)  # after the tables they repeat
        report.tables["summary"].frame = headline(ctx, report)
        detail = list(DETAIL_TABLES)
        if len(ctx.facilities) > facility_pages.LISTED:  # a large system: per facility, its pages
            detail += FACILITY_DETAIL_TABLES
        for key in detail:  # long tables read in the appendix (all of them in XLSX and CSV)
            if key in report.tables:
                report.tables[key].section = "detail"
        report.story = story.write_story(ctx, report, baseline_year)
        report.add("story_figures", "Figures and their sources", "sources",
                   story.figure_table(report.story, report),
                   "Every figure of the first pages, the table and cell it is read from, and the "
                   "command that shows the emission lines behind it.")  # fmt: skip
        return report


#: Tables moved to the appendix: the body shows their pivot or chart.
DETAIL_TABLES = (
    "scope1_by_source",
    "scope3_by_category",
    "ghg_by_month",
    "ghg_by_category_month",
    "energy_by_month",
    "weather_by_month",
    "intensity_by_month",
    "waste_by_month",
    "ghg_by_gas",
    "trajectory",
    "pm_meter_entries",
    "change_drivers",
    "factor_notes",
)


#: Tables of a row (or more) per facility, moved to the appendix in a system report of more
#: facilities than its contents page lists (``facility_pages.LISTED``): the ranking and the
#: facility pages show each facility; the body keeps the system's figures.
FACILITY_DETAIL_TABLES = (
    "ghg_by_facility",
    "energy_by_facility",
    "interval_meters",
    "weather_models",
    "weather_normalised",
    "weather_savings",
    "water",
    "quality_meters",
)


#: Countries whose reports use US units (kBtu, ft², lb) and US Letter paper.
US_UNITS = {"US"}
LETTER_PAPER = {"US", "CA", "MX"}
UNITS, PAPERS = ("us", "metric"), ("letter", "a4")


def conventions(
    facilities: pd.DataFrame, *, units: str | None = None, paper: str | None = None
) -> dict[str, str]:
    """The report's units and paper: as given, else the facilities' country (a system report:
    the country with the most floor area, so the larger estate reads its own units)."""
    for value, allowed, name in ((units, UNITS, "units"), (paper, PAPERS, "paper")):
        if value is not None and value not in allowed:
            raise InputError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    country = ""
    if not facilities.empty:
        area = facilities["floor_area_m2"].astype(float).fillna(0.0)
        weights = area.groupby(facilities["country"].fillna("").str.upper()).sum()
        counts = facilities["country"].fillna("").str.upper().value_counts()
        order = sorted(counts.index, key=lambda c: (-weights.get(c, 0.0), -counts[c], c))
        country = order[0]
    auto_units = "us" if country in US_UNITS else "metric"
    auto_paper = "letter" if country in LETTER_PAPER else "a4"
    source = f"facilities' country ({country})" if country else "default"
    return {"units": units or auto_units, "paper": paper or auto_paper,
            "conventions_from": "report option" if units and paper else source}  # fmt: skip


def target_plan(
    db: Database,
    last: str,
    baseline_year: int | None,
    target: tuple[tuple[int, float], ...] | None,
) -> dict[str, Any]:
    """The baseline year, Scope 1+2 milestones and fiscal year a report uses: what the options
    give, else the settings and stored targets, else the defaults."""
    from greencare.core.fiscal import fiscal_year_of
    from greencare.services import targets as stored_targets

    settings = stored_targets.get_settings(db)
    fiscal_start = int(settings[stored_targets.FISCAL_START])
    last_year = fiscal_year_of(last, fiscal_start)
    stored = stored_targets.list_targets(db)
    if baseline_year is None:
        default = settings[stored_targets.BASELINE]
        if default is not None and 1990 <= default <= last_year:
            baseline_year = default
    source = "report option"
    if target is None:
        s12 = [t for t in stored if (t["scope"], t["basis"]) == ("scope12", "location")]
        years = {t["baseline_year"] for t in s12}
        if baseline_year is None and len(years) == 1 and min(years) <= last_year:
            baseline_year = min(years)
        milestones = tuple(
            (t["target_year"], t["reduction"]) for t in s12 if t["baseline_year"] == baseline_year
        )
        target, source = (milestones, "stored") if milestones else (DEFAULT_TARGET, "default")
    return {"baseline_year": baseline_year, "target": tuple(target),
            "fiscal_start": fiscal_start, "last_year": last_year, "stored": stored,
            "source": source}  # fmt: skip


# --- GHG ---------------------------------------------------------------------------------------


def _t(kg: Any) -> float:
    return float(kg) / 1000.0


def _label(category: str) -> str:
    return rules.CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())


def scope_frame(lines: pd.DataFrame) -> pd.DataFrame:
    """Location- and market-based t CO2e per (scope, category)."""
    keys = ["scope", "category"]
    loc = lines[lines["method"] != "market"].groupby(keys)["co2e_kg"].sum()
    mkt = lines[lines["method"] != "location"].groupby(keys)["co2e_kg"].sum()
    frame = pd.concat({"loc": loc, "mkt": mkt}, axis=1).fillna(0.0).reset_index()
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "label", "co2e_t_location", "co2e_t_market"])
    frame["label"] = frame["category"].map(_label)
    frame["co2e_t_location"] = frame["loc"] / 1000.0
    frame["co2e_t_market"] = frame["mkt"] / 1000.0
    return frame.sort_values(keys)[[*keys, "label", "co2e_t_location", "co2e_t_market"]]


def scope_totals(summary_totals: dict[str, float]) -> dict[str, float]:
    return {SCOPE_COLUMNS[k]: float(v) for k, v in summary_totals.items()}


def ghg_tables(ctx: Context, report: Report) -> None:
    lines = ctx.lines
    scopes = scope_frame(lines)
    totals = ctx.summary["totals_t"]
    report.add(
        "ghg_protocol",
        "GHG Protocol inventory by scope and category",
        "ghg",
        scopes,
        "Scope 2 is reported location-based and market-based side by side; Scopes 1 and 3 are "
        "the same under both methods.",
    )
    total_rows = [
        ("Scope 1", "scope1"),
        ("Scope 2 (location-based)", "scope2_location"),
        ("Scope 2 (market-based)", "scope2_market"),
        ("Scope 3", "scope3"),
        ("Total, Scopes 1-3 (location-based Scope 2)", "total_location"),
        ("Total, Scopes 1-3 (market-based Scope 2)", "total_market"),
    ]
    values = [totals[k] for _, k in total_rows]
    biogenic = ctx.summary.get("biogenic_co2_t", 0.0)
    if biogenic:  # biofuels burned: their biogenic CO2 is shown beside the scopes, not in them
        total_rows.append(("Biogenic CO2 (outside the scopes, not in any total)", "biogenic"))
        values.append(biogenic)
    report.add(
        "ghg_totals",
        "Totals by scope",
        "ghg",
        pd.DataFrame(
            {"scope": [k for _, k in total_rows], "label": [n for n, _ in total_rows]}
        ).assign(co2e_t=values),
    )
    for scope, key, title in (
        ("1", "scope1_by_source", "Scope 1 by source"),
        ("3", "scope3_by_category", "Scope 3 by category"),
    ):
        part = scopes[scopes["scope"] == scope][["category", "label", "co2e_t_location"]]
        part = part.rename(columns={"co2e_t_location": "co2e_t"})
        whole = part["co2e_t"].sum()
        part["share_pct"] = part["co2e_t"] / whole * 100 if whole else np.nan
        report.add(
            key, title, "ghg", part.sort_values(["co2e_t", "category"], ascending=[False, True])
        )
    s2 = scopes[scopes["scope"] == "2"][["category", "label", "co2e_t_location", "co2e_t_market"]]
    report.add(
        "scope2_methods",
        "Scope 2: location-based and market-based",
        "ghg",
        s2,
        "Market-based figures fall back to the location-based factor where no supplier factor or "
        "contractual instrument is recorded (GHG Protocol Scope 2 Guidance).",
    )
    loc = lines[lines["method"] != "market"]
    gas = (
        loc.groupby(["scope", "gas"])
        .agg(mass_kg=("gas_kg", lambda s: s.sum(min_count=1)), co2e_kg=("co2e_kg", "sum"))
        .reset_index()
    )
    gas["co2e_t"] = gas.pop("co2e_kg") / 1000.0
    report.add(
        "ghg_by_gas",
        "Emissions by gas (location-based)",
        "ghg",
        gas.sort_values(["scope", "gas"]),
        "Gas 'CO2e' marks factors published only as CO2e (spend-based, waste, some inhalers): "
        "no mass of gas is known for them.",
    )
    by_facility = pd.DataFrame(
        [
            {"facility": f["facility"], **{SCOPE_COLUMNS[k]: f[k] for k in SCOPE_COLUMNS}}
            for f in ctx.summary["by_facility"]
        ],
        columns=["facility", *SCOPE_COLUMNS.values()],
    )
    report.add(
        "ghg_by_facility", "Emissions by facility", "ghg", by_facility.sort_values("facility")
    )
    months = {m["month"]: m for m in ctx.summary["by_month"]}
    by_month = pd.DataFrame(
        [
            {"month": m, **{SCOPE_COLUMNS[k]: months.get(m, {}).get(k, 0.0) for k in SCOPE_COLUMNS}}
            for m in ctx.months
        ],
        columns=["month", *SCOPE_COLUMNS.values()],
    )
    report.add("ghg_by_month", "Emissions by month", "ghg", by_month)
    by_cat_month = (
        loc.groupby(["month", "scope", "category"])["co2e_kg"].sum().reset_index()
        if not loc.empty
        else pd.DataFrame(columns=["month", "scope", "category", "co2e_kg"])
    )
    by_cat_month["co2e_t"] = by_cat_month.pop("co2e_kg").astype(float) / 1000.0
    report.add(
        "ghg_by_category_month",
        "Emissions by source and month (location-based), long form",
        "ghg",
        by_cat_month.sort_values(["month", "scope", "category"]),
    )
    report.add("emissions_by_source_month", "Emissions by source and month (location-based)",
               "ghg", source_month_pivot(by_cat_month, ctx.months),
               "t CO₂e; one row per source, one column per month.")  # fmt: skip


def source_month_pivot(long: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Source x month (t CO2e) with a total column and a total row: one page for a year."""
    columns = ["scope", "label", *months, "total_t"]
    if long.empty:
        return pd.DataFrame(columns=columns)
    frame = long.assign(label=long["category"].map(_label))
    wide = frame.pivot_table(index=["scope", "label"], columns="month", values="co2e_t",
                             aggfunc="sum", fill_value=0.0)  # fmt: skip
    wide = wide.reindex(columns=months, fill_value=0.0)
    wide["total_t"] = wide.sum(axis=1)
    wide = wide.reset_index()
    total = {"scope": "", "label": "Total", **{m: wide[m].sum() for m in [*months, "total_t"]}}
    wide = pd.concat([wide, pd.DataFrame([total])], ignore_index=True)
    wide.columns.name = None
    return wide[columns]


# --- energy and water --------------------------------------------------------------------------


def _currency_cost(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Cost per key with its currency; several currencies in one group give no total."""
    billed = frame[frame["currency"].fillna("") != ""]
    if billed.empty:
        return pd.DataFrame(columns=[*keys, "cost", "currency"])
    out = billed.groupby(keys).agg(
        cost=("cost", "sum"), currency=("currency", lambda s: ", ".join(sorted(set(s))))
    )
    out.loc[out["currency"].str.contains(","), "cost"] = np.nan
    return out.reset_index()


def _floor_areas(ctx: Context) -> pd.DataFrame:
    """Each facility's floor area in ft² and m², exactly as entered in whichever it was entered
    in (``storage.inventory.load_activity`` computes both)."""
    fac = ctx.facilities[["id", "name", "floor_area_m2", "floor_area_ft2"]].rename(
        columns={"id": "facility_id", "name": "facility"}
    )
    fac["floor_area_m2"] = fac["floor_area_m2"].astype(float)
    fac["floor_area_ft2"] = fac["floor_area_ft2"].astype(float)
    return fac


def energy_tables(ctx: Context, report: Report) -> None:
    energy = ctx.inventory.energy
    rolled = ctx.activity.energy
    kwh = rolled[rolled["canonical_unit"] == "kWh"]
    if energy.empty:
        energy = pd.DataFrame(columns=["facility_id", "month", "commodity", "site_kwh",
                                       "estimated_kwh", "cost", "source_kwh"])  # fmt: skip

    def convert(frame: pd.DataFrame) -> pd.DataFrame:
        for column in ("site_kwh", "estimated_kwh", "source_kwh"):
            frame[column] = frame[column].astype(float)
        frame["site_kbtu"] = frame["site_kwh"] * KWH_TO_KBTU
        frame["site_gj"] = frame["site_kwh"] * KWH_TO_GJ
        frame["source_kbtu"] = frame["source_kwh"] * KWH_TO_KBTU
        frame["source_gj"] = frame["source_kwh"] * KWH_TO_GJ
        frame["estimated_pct"] = (
            frame["estimated_kwh"] / frame["site_kwh"].where(frame["site_kwh"] != 0) * 100
        )
        return frame

    sums = {
        "site_kwh": ("site_kwh", "sum"),
        "estimated_kwh": ("estimated_kwh", "sum"),
        "source_kwh": ("source_kwh", lambda s: s.sum(min_count=1)),
    }
    by_commodity = convert(energy.groupby("commodity").agg(**sums).reset_index())
    by_commodity = by_commodity.merge(
        _currency_cost(kwh, ["commodity"]), on="commodity", how="left"
    )
    cols = ["site_kwh", "site_kbtu", "site_gj", "source_kbtu", "source_gj", "estimated_pct"]
    report.add(
        "energy_by_commodity",
        "Energy by commodity",
        "energy",
        by_commodity[["commodity", *cols, "cost", "currency"]].sort_values("commodity"),
        "Site energy as metered; source energy with ENERGY STAR Portfolio Manager site-to-source "
        "ratios (US facilities only). 1 kWh = 3.412 kBtu = 0.0036 GJ.",
    )
    fac = _floor_areas(ctx)
    by_fac = energy.groupby("facility_id").agg(**sums).reset_index()
    by_fac = fac.merge(by_fac, on="facility_id", how="left")
    by_fac = convert(by_fac.fillna({"site_kwh": 0.0, "estimated_kwh": 0.0}))
    annual = annualise(len(ctx.months))  # the one EUI definition (core/summary.py)
    by_fac["site_eui_kbtu_ft2"] = by_fac["site_kbtu"] / by_fac["floor_area_ft2"] * annual
    by_fac["source_eui_kbtu_ft2"] = by_fac["source_kbtu"] / by_fac["floor_area_ft2"] * annual
    by_fac["site_eui_gj_m2"] = by_fac["site_gj"] / by_fac["floor_area_m2"] * annual
    by_fac["site_eui_kwh_m2"] = by_fac["site_kwh"] / by_fac["floor_area_m2"] * annual
    by_fac = by_fac.merge(_currency_cost(kwh, ["facility_id"]), on="facility_id", how="left")
    report.add(
        "energy_by_facility",
        "Energy use intensity by facility",
        "energy",
        by_fac[
            [
                "facility",
                "floor_area_ft2",
                "floor_area_m2",
                "site_kbtu",
                "site_gj",
                "source_kbtu",
                "site_eui_kbtu_ft2",
                "source_eui_kbtu_ft2",
                "site_eui_gj_m2",
                "site_eui_kwh_m2",
                "cost",
                "currency",
            ]
        ].sort_values("facility"),
        "EUI per gross floor area, annualised x 12 / calendar months in the period; months "
        "without data count as zero (no extrapolation), as in greencare emissions.",
    )
    by_month = energy.groupby(["month", "commodity"]).agg(**sums).reset_index()
    by_month = convert(by_month)[["month", "commodity", "site_kwh", "site_kbtu", "site_gj"]]
    report.add("energy_by_month", "Energy by month and commodity", "energy", by_month)


def water_tables(ctx: Context, report: Report) -> None:
    rolled = ctx.activity.energy
    water = rolled[rolled["canonical_unit"] == "m**3"]
    frame = water.groupby(["facility_id", "commodity"])["quantity_canonical"].sum().reset_index()
    frame = frame.merge(_currency_cost(water, ["facility_id", "commodity"]),
                        on=["facility_id", "commodity"], how="left")  # fmt: skip
    frame = _floor_areas(ctx).merge(frame, on="facility_id", how="inner")
    frame["water_m3"] = frame["quantity_canonical"].astype(float)
    frame["water_gal"] = frame["water_m3"] * M3_TO_US_GAL
    frame["water_gal_ft2"] = frame["water_gal"] / frame["floor_area_ft2"] * 12 / len(ctx.months)
    report.add(
        "water",
        "Water by facility and source",
        "water",
        frame[
            ["facility", "commodity", "water_m3", "water_gal", "water_gal_ft2", "cost", "currency"]
        ].sort_values(["facility", "commodity"]),
        "1 m³ = 264.172 US gallons; intensity annualised per gross floor area.",
    )


def normalizers(db: Database, months: list[str], ids: list[int] | None) -> pd.DataFrame:
    sql = (
        "SELECT facility_id, month, patient_days, adjusted_patient_days, ftes FROM normalizers "
        "WHERE month BETWEEN ? AND ?"
    )
    params: list[Any] = [months[0], months[-1]]
    if ids:
        sql += f" AND facility_id IN ({', '.join('?' * len(ids))})"
        params += ids
    return pd.read_sql_query(sql + " ORDER BY facility_id, month", db.conn, params=params)


# --- headline ----------------------------------------------------------------------------------


def headline(ctx: Context, report: Report) -> pd.DataFrame:
    from greencare.reports.waste import KG_TO_LB

    t = ctx.summary["totals_t"]
    k = report.meta.pop("_waste_kpis")
    energy = report["energy_by_facility"]
    area = energy["floor_area_ft2"].sum(min_count=1)
    site = float(energy["site_kbtu"].sum())
    eui = site / area * annualise(len(ctx.months)) if pd.notna(area) and area else float("nan")
    rows = [
        ("Scope 1", t["scope1"], "t CO2e"),
        ("Scope 2 (location-based)", t["scope2_location"], "t CO2e"),
        ("Scope 2 (market-based)", t["scope2_market"], "t CO2e"),
        ("Scope 3", t["scope3"], "t CO2e"),
        ("Total (location-based)", t["total_location"], "t CO2e"),
        ("Total (market-based)", t["total_market"], "t CO2e"),
        ("Site energy", site, "kBtu"),
        ("Site energy", site / KWH_TO_KBTU * KWH_TO_GJ, "GJ"),
        ("Site energy", site / KWH_TO_KBTU, "kWh"),
        ("Site EUI", eui, "kBtu/ft2/yr"),
        ("Site EUI", eui / KWH_TO_KBTU * FT2_PER_M2, "kWh/m2/yr"),
        ("Total waste", k["total_kg"] * KG_TO_LB, "lb"),
        ("Total waste", k["total_kg"], "kg"),
        ("Waste per staffed bed per day", k["kg_per_bed_day"] * KG_TO_LB, "lb/bed-day"),
        ("Waste per staffed bed per day", k["kg_per_bed_day"], "kg/bed-day"),
        ("RMW share", k["rmw_pct"], "%"),
        ("Recycling / diversion rate", k["diversion_pct"], "%"),
    ]
    progress = report.tables.get("progress")
    if (
        progress is not None
        and len(progress.frame) > 1
        and "change_vs_baseline_pct" in progress.frame
    ):
        last = progress.frame.iloc[-1]
        rows.append(("Scope 1+2 change vs baseline", last["change_vs_baseline_pct"], "%"))
    change = report.meta.pop("_change_vs_previous", None)
    if change is not None:  # its drivers: the change_drivers table
        rows.append(("Scope 1+2 change vs previous year", float(change), "t CO2e"))
    return pd.DataFrame(rows, columns=["metric", "value", "unit"])
