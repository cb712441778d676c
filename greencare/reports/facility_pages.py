"""A system report's facility pages: after "Facilities ranked", one page per facility in ranking
order with its headline figures, its emissions by scope and source, a monthly Scope 1+2 bar
strip and its data-quality flags.

A board reads the system view and the ranking; whoever runs a facility turns to its page.
Every figure on a page is computed from what the system tables are computed from, by the same
definitions, so a page and the tables never disagree (tested): scopes from
``services.emissions``' ``by_facility`` (the ``ghg_by_facility`` table), site energy from the
inventory's energy lines (``energy_by_facility``), EUI, Scope 1+2 and the ranking itself from
``facilities_ranked``, water from the monthly roll-up (``water``), meter-months missing from
``quality_meters``, estimates and unverified factors as ``quality_summary`` counts them, and
the change against the previous period and the baseline with the ranking's own rule
(:func:`greencare.services.ranking.ranking_rows`, left out when the earlier period has fewer
months of energy data).

The data formats get the same figures as two tables (section ``facilities``): one row per
facility (``facility_profiles``) and its emissions by scope and source (``facility_sources``),
both in ranking order. The human formats draw the pages from :attr:`Report.facility_pages`
instead of printing those tables. A one-facility report has no such section: its whole report
is that facility's page.

Speed: a system report has hundreds of these pages, so nothing here runs per facility what
can run once. Every figure comes from one grouped pass over the report's frames, the PDF page
is a few text artists (``pdftext.TextColumn``) and one bar collection, the HTML bar strip is
a hand-written SVG of a few hundred bytes; no matplotlib chart is drawn per facility.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from greencare.core.summary import KWH_TO_KBTU
from greencare.reports.model import PDF_CELL_MAX, Report, fmt, safe_text
from greencare.reports.ranking import FIGURES
from greencare.reports.tables import M3_TO_US_GAL, SCOPE_COLUMNS, Context, _label

SECTION = "facilities"
#: Facility pages the PDF's contents page lists one by one; more are bookmarks only (the
#: contents stays one page, the ranking lists them all).
LISTED = 12
KG_TO_LB = 1 / 0.45359237

#: ``facility_profiles``' columns, in order (labels and units in ``reports.model.COLUMNS``).
PROFILE_COLUMNS = [
    "rank",
    "facility",
    "country",
    "floor_area_ft2",
    "floor_area_m2",
    "staffed_beds",
    *SCOPE_COLUMNS.values(),
    "scope12_location_t",
    "site_kwh",
    "site_kbtu",
    "site_eui_kbtu_ft2",
    "site_eui_kwh_m2",
    "water_m3",
    "water_gal",
    "total_kg",
    "total_lb",
    "rmw_pct",
    "diversion_pct",
    "previous_t",
    "change_vs_previous_pct",
    "baseline_t",
    "change_vs_baseline_pct",
    "meter_months_missing",
    "estimated_pct",
    "unverified_lines",
    "unverified_t",
    "not_available",
]
SOURCE_COLUMNS = ["rank", "facility", "scope", "category", "label", "co2e_t_location",
                  "co2e_t_market"]  # fmt: skip

#: Scope codes as the pages name them.
SCOPE_NAMES = {"1": "Scope 1", "2": "Scope 2", "3": "Scope 3", "outside": "Outside"}


@dataclass
class Page:
    """One facility's page: its row of ``facility_profiles``, its rows of ``facility_sources``,
    Scope 1+2 (location-based, t CO2e) by month of the period, and the comparison periods'
    names ("2024 (previous year)")."""

    figures: dict[str, Any]
    sources: list[tuple]  # (scope, category, label, t location-based, t market-based)
    monthly: list[float]
    months: list[str]
    previous: str
    baseline: str
    of: int  # facilities ranked in the report
    missing_months: list[str] = field(default_factory=list)  # "Main electric: 2025-03..2025-05"


def named(meta: dict[str, Any]) -> str:
    """The facilities a PDF's cover and footer name: each name for a few, else how many (a
    list of 300 names, cut at the page edge, told nothing)."""
    names = meta["facilities"]
    return ", ".join(names) if len(names) <= NAMED else f"{len(names):,} facilities"


#: Facilities the PDF's cover and footer name one by one.
NAMED = 4


# --- building ----------------------------------------------------------------------------------


def _periods(ctx: Context, baseline_year: int | None) -> tuple[Any, Any, str]:
    """The previous period and the baseline period the change is measured against (the same
    months moved back, as the ranking's comparison), and why there is no baseline."""
    from greencare.core.errors import InputError
    from greencare.services import ranking

    latest = int(ctx.last[:4]) - -(-len(ctx.months) // 12)
    try:
        previous = ranking.comparison_period(ctx.db, ctx.first, ctx.last, latest)
    except InputError:
        previous = None
    baseline, why = None, "no baseline year set"
    if baseline_year is not None:
        if 1990 <= baseline_year <= latest:
            baseline = ranking.comparison_period(ctx.db, ctx.first, ctx.last, baseline_year)
        else:
            why = f"the baseline year {baseline_year} is not before the period"
    return previous, baseline, why


def _changes(ctx: Context, comparison: Any, baseline_year: int | None) -> dict[int, dict]:
    """Per facility id: Scope 1+2 in ``comparison``'s period and the change, by the ranking's
    rule, or why it is not available."""
    from greencare.reports.ranking import _comparison_inventory
    from greencare.services.ranking import ranking_rows

    earlier = _comparison_inventory(ctx, comparison, baseline_year)
    rows = ranking_rows(ctx.inventory, ctx.activity.facilities, len(ctx.months), earlier,
                        comparison)  # fmt: skip
    return {r["facility_id"]: r for r in rows}


def _by_facility(frame: pd.DataFrame, column: str) -> dict[int, float]:
    if frame.empty:
        return {}
    return {int(k): float(v) for k, v in frame.groupby("facility_id")[column].sum().items()}


def facility_tables(ctx: Context, report: Report, baseline_year: int | None) -> None:
    """Add ``facility_profiles`` and ``facility_sources`` (right after the ranking) and the
    pages the human formats draw, for a report of several facilities."""
    from greencare.reports.waste import waste_frame

    if len(ctx.facilities) < 2 or "facilities_ranked" not in report.tables:
        return
    ranked = report["facilities_ranked"]
    ids = {str(n): int(i) for i, n in zip(ctx.facilities["id"], ctx.facilities["name"],
                                           strict=True)}  # fmt: skip
    country = dict(zip(ctx.facilities["id"].astype(int), ctx.facilities["country"], strict=True))
    scopes = {f["facility"]: f for f in ctx.summary["by_facility"]}
    site = _by_facility(ctx.inventory.energy, "site_kwh")
    rolled = ctx.activity.energy
    water = _by_facility(rolled[rolled["canonical_unit"] == "m**3"], "quantity_canonical")
    kwh = rolled[rolled["canonical_unit"] == "kWh"]
    metered, estimated = _by_facility(kwh, "quantity_canonical"), _by_facility(
        kwh, "estimated_canonical")  # fmt: skip
    waste = waste_frame(ctx)
    classes: dict[int, dict[str, float]] = {}
    if not waste.empty:
        for (fid, cls), kg in (
            waste.groupby(["facility_id", "waste_class"])["quantity_kg"].sum().items()
        ):
            classes.setdefault(int(fid), {})[str(cls)] = float(kg)
    lines = ctx.lines
    unverified = lines[~lines["factor_verified"].astype(bool)]
    unverified_lines = unverified.groupby("facility_id").size().to_dict()
    unverified_t = _by_facility(unverified[unverified["method"] != "market"], "co2e_kg")
    meters = report.tables.get("quality_meters")
    gaps = meters.frame if meters is not None else pd.DataFrame(
        columns=["facility", "meter", "months_missing", "missing_months"])  # fmt: skip
    missing = gaps.groupby("facility")["months_missing"].sum().to_dict() if len(gaps) else {}
    gap_list: dict[str, list[str]] = {}
    for m in gaps[gaps["months_missing"] > 0].itertuples(index=False):
        gap_list.setdefault(str(m.facility), []).append(f"{m.meter}: {m.missing_months}")
    previous, baseline, no_baseline = _periods(ctx, baseline_year)
    before = _changes(ctx, previous, baseline_year) if previous else {}
    base = _changes(ctx, baseline, baseline_year) if baseline else {}
    monthly = _monthly(lines, ctx.months)
    sources, source_frame = _sources(lines)
    of = int(ranked["rank"].notna().sum())
    profiles, pages = [], []
    for row in ranked.itertuples(index=False):
        name = str(row.facility)
        fid = ids[name]
        rank = None if pd.isna(row.rank) else int(row.rank)
        # the ranking's reasons, but its change: the page says both of its changes below
        na = [r for r in str(row.not_available or "").split("; ") if r and
              not r.startswith(f"{FIGURES['change']}: ")]  # fmt: skip
        s = scopes.get(name, {})
        k = classes.get(fid, {})
        total_kg = sum(v for c, v in k.items() if c != "reused") if k else math.nan
        if not k:
            na.append("Waste: no waste records in the period")
        if fid not in water:
            na.append("Water: no water readings in the period")
        changes = {}
        for key, found, label in (("previous", before, "previous year"),
                                  ("baseline", base, "baseline")):  # fmt: skip
            r = found.get(fid)
            if r is None:
                why = no_baseline if key == "baseline" else "no earlier period"
                changes[key] = (math.nan, math.nan, f"Change vs {label}: {why}")
                continue
            reason = r["na"].get("change")
            before_t = r["comparison_scope12_t"]
            changes[key] = (
                math.nan if before_t is None else float(before_t),
                math.nan if r["change_pct"] is None else float(r["change_pct"]),
                f"Change vs {label}: {reason}" if reason else "",
            )
        na += [c[2] for c in changes.values() if c[2]]
        figures = {
            "rank": rank,
            "facility": name,
            "country": str(country.get(fid) or ""),
            "floor_area_ft2": row.floor_area_ft2,
            "floor_area_m2": row.floor_area_m2,
            "staffed_beds": None if pd.isna(row.staffed_beds) else int(row.staffed_beds),
            **{c: float(s.get(k, 0.0)) for k, c in SCOPE_COLUMNS.items()},
            "scope12_location_t": row.scope12_location_t,
            "site_kwh": site.get(fid, 0.0),
            "site_kbtu": site.get(fid, 0.0) * KWH_TO_KBTU,
            "site_eui_kbtu_ft2": row.site_eui_kbtu_ft2,
            "site_eui_kwh_m2": row.site_eui_kwh_m2,
            "water_m3": water.get(fid, math.nan),
            "water_gal": water.get(fid, math.nan) * M3_TO_US_GAL,
            "total_kg": total_kg,
            "total_lb": total_kg * KG_TO_LB,
            "rmw_pct": float(k.get("rmw", 0.0)) / total_kg * 100 if total_kg else math.nan,
            "diversion_pct": (
                float(k.get("diverted", 0.0)) / total_kg * 100 if total_kg else math.nan
            ),
            "previous_t": changes["previous"][0],
            "change_vs_previous_pct": changes["previous"][1],
            "baseline_t": changes["baseline"][0],
            "change_vs_baseline_pct": changes["baseline"][1],
            "meter_months_missing": int(missing.get(name, 0)),
            "estimated_pct": (
                estimated.get(fid, 0.0) / metered[fid] * 100 if metered.get(fid) else math.nan
            ),
            "unverified_lines": int(unverified_lines.get(fid, 0)),
            "unverified_t": unverified_t.get(fid, 0.0) / 1000.0,
            "not_available": "; ".join(na),
        }
        profiles.append(figures)
        pages.append(Page(
            figures=figures, sources=sources.get(fid, []),
            monthly=monthly.get(fid, [0.0] * len(ctx.months)), months=list(ctx.months),
            previous=_period_name(previous, "previous year"),
            baseline=_period_name(baseline, "baseline year"), of=of,
            missing_months=gap_list.get(name, []),
        ))  # fmt: skip
    frame = pd.DataFrame(profiles, columns=PROFILE_COLUMNS)
    counts = ["rank", "staffed_beds", "meter_months_missing", "unverified_lines"]
    text = ["facility", "country", "not_available"]
    numeric = [c for c in PROFILE_COLUMNS if c not in (*counts, *text)]
    frame[numeric] = frame[numeric].astype(float)
    frame[counts] = frame[counts].astype("Int64")
    position = {ids[str(n)]: i for i, n in enumerate(ranked["facility"])}  # ranking order
    names = {fid: name for name, fid in ids.items()}
    ranks = dict(zip(frame["facility"].map(ids), frame["rank"], strict=True))
    source_frame = source_frame[source_frame["facility_id"].isin(position)]
    order = source_frame["facility_id"].map(position)
    all_sources = source_frame.assign(_order=order).sort_values(
        ["_order", "scope", "category"], kind="stable")  # fmt: skip
    all_sources = all_sources.assign(
        rank=all_sources["facility_id"].map(ranks).astype("Int64"),
        facility=all_sources["facility_id"].map(names),
    )[SOURCE_COLUMNS].reset_index(drop=True)
    words = f"{_period_name(previous, 'previous year')}"
    if baseline is not None:
        words += f" and {_period_name(baseline, 'baseline year')}"
    report.add("facility_profiles", "Figures by facility", SECTION, frame,
               "One row per facility in ranking order: the figures of its page. Scopes as in "
               "Emissions by facility, site energy and EUI as in the energy tables and the "
               "ranking, water from the monthly roll-up, waste with reused items left out. "
               f"Scope 1+2 (location-based) against {words}, by the ranking's rule. Meter-months "
               "missing, estimated share of metered energy and lines using factors marked "
               "unverified as in the data quality tables.")  # fmt: skip
    report.add("facility_sources", "Facility emissions by source", SECTION, all_sources,
               "Each facility's emissions by scope and source (t CO2e), location-based and "
               "market-based, in ranking order.")  # fmt: skip
    report.facility_pages = pages
    _move_after(report, "facilities_ranked", ["facility_profiles", "facility_sources"])


def _period_name(comparison: Any, words: str) -> str:
    if comparison is None:
        return words
    return f"{comparison['label']} ({words})"


def _move_after(report: Report, anchor: str, keys: list[str]) -> None:
    """The tables ``keys`` right after ``anchor`` in the report's order (XLSX sheets, CSV)."""
    order = [k for k in report.tables if k not in keys]
    at = order.index(anchor) + 1
    order[at:at] = keys
    report.tables = {k: report.tables[k] for k in order}


def _sources(lines: pd.DataFrame) -> tuple[dict[int, list[tuple]], pd.DataFrame]:
    """t CO2e by (facility, scope, category), location- and market-based, in one groupby for
    all facilities (as ``tables.scope_frame`` does for the system): per facility id its rows
    (scope, category, label, location, market), and the whole frame."""
    keys = ["facility_id", "scope", "category"]
    loc = lines[lines["method"] != "market"].groupby(keys)["co2e_kg"].sum()
    mkt = lines[lines["method"] != "location"].groupby(keys)["co2e_kg"].sum()
    frame = pd.concat({"loc": loc, "mkt": mkt}, axis=1).fillna(0.0).reset_index()
    columns = [*keys, "label", "co2e_t_location", "co2e_t_market"]
    if frame.empty:
        return {}, pd.DataFrame(columns=columns)
    frame["label"] = frame["category"].map(_label)
    frame["co2e_t_location"] = frame["loc"] / 1000.0
    frame["co2e_t_market"] = frame["mkt"] / 1000.0
    frame = frame.sort_values(keys)[columns]
    out: dict[int, list[tuple]] = {}
    for row in frame.itertuples(index=False, name=None):
        out.setdefault(int(row[0]), []).append(row[1:])
    return out, frame


def _monthly(lines: pd.DataFrame, months: list[str]) -> dict[int, list[float]]:
    """Per facility id: Scope 1+2 location-based t CO2e for each month of the period."""
    part = lines[lines["scope"].isin(["1", "2"]) & (lines["method"] != "market")]
    if part.empty:
        return {}
    wide = part.pivot_table(index="facility_id", columns="month", values="co2e_kg",
                            aggfunc="sum", fill_value=0.0).reindex(columns=months, fill_value=0.0)  # fmt: skip
    return {int(fid): [float(v) / 1000.0 for v in values]
            for fid, values in zip(wide.index, wide.to_numpy(), strict=True)}  # fmt: skip


# --- what a page says --------------------------------------------------------------------------


def headline(page: Page, conventions: str | None) -> list[tuple[str, str, str]]:
    """The page's figures as (figure, value, unit) in the report's conventions."""
    f = page.figures
    us = conventions == "us"
    rows = [
        ("Scope 1", f["scope1_t"], "t CO₂e"),
        ("Scope 2 (location-based)", f["scope2_location_t"], "t CO₂e"),
        ("Scope 2 (market-based)", f["scope2_market_t"], "t CO₂e"),
        ("Scope 3", f["scope3_t"], "t CO₂e"),
        ("Total (location-based)", f["total_location_t"], "t CO₂e"),
        ("Total (market-based)", f["total_market_t"], "t CO₂e"),
        ("Site energy", f["site_kbtu"], "kBtu") if us else ("Site energy", f["site_kwh"], "kWh"),
        ("Site EUI", f["site_eui_kbtu_ft2"], "kBtu/ft²/yr") if us
        else ("Site EUI", f["site_eui_kwh_m2"], "kWh/m²/yr"),
        ("Water", f["water_gal"], "US gal") if us else ("Water", f["water_m3"], "m³"),
        ("Total waste", f["total_lb"], "lb") if us else ("Total waste", f["total_kg"], "kg"),
        ("RMW share of waste", f["rmw_pct"], "%"),
        ("Recycling / diversion rate", f["diversion_pct"], "%"),
        ("Scope 1+2 (location-based)", f["scope12_location_t"], "t CO₂e"),
        (f"Scope 1+2 change vs {page.previous}", f["change_vs_previous_pct"], "%"),
        (f"Scope 1+2 change vs {page.baseline}", f["change_vs_baseline_pct"], "%"),
    ]  # fmt: skip
    return [(name, _value(value, "change" in name), unit) for name, value, unit in rows]


def _value(value: Any, signed: bool = False) -> str:
    """A figure as printed: "n/a" when it cannot be computed (the reason is in the data
    quality list), a change with its sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = fmt(value)
    return f"+{text}" if signed and value > 0 else text


def subtitle(page: Page, conventions: str | None) -> str:
    f = page.figures
    rank = (f"Rank {f['rank']} of {page.of} by site EUI" if f["rank"] is not None
            else "Not ranked (no site EUI)")  # fmt: skip
    parts = [rank]
    if f["country"]:
        parts.append(safe_text(f["country"], 20))
    area, unit = ((f["floor_area_ft2"], "ft²") if conventions == "us"
                  else (f["floor_area_m2"], "m²"))  # fmt: skip
    if area is not None and not pd.isna(area):
        parts.append(f"{fmt(area)} {unit}")
    if f["staffed_beds"] is not None:
        parts.append(f"{fmt(f['staffed_beds'])} staffed beds")
    return " · ".join(parts)


def quality(page: Page) -> list[str]:
    """The page's data-quality flags, as sentences."""
    f = page.figures
    missing = f["meter_months_missing"]
    out = [
        "No meter-months missing in the period." if not missing
        else f"{fmt(missing)} meter-month{'s' * (missing != 1)} missing: "
        + "; ".join(safe_text(m, 80) for m in page.missing_months[:4])
        + ("; ..." if len(page.missing_months) > 4 else "") + ".",
        "Estimated share of metered energy: "
        + (f"{fmt(f['estimated_pct'])} %." if not pd.isna(f["estimated_pct"]) else "no metered energy."),
        f"Lines using factors marked unverified: {fmt(f['unverified_lines'])}"
        + (f" ({fmt(f['unverified_t'])} t CO₂e, location-based)." if f["unverified_lines"] else "."),
    ]  # fmt: skip
    if f["not_available"]:
        from greencare.reports import labels

        out.append("Not available: " + safe_text(labels.note(f["not_available"]), PDF_CELL_MAX)
                   + ".")  # fmt: skip
    return out


#: Rows of a page's source table before the rest are summed into one.
SOURCE_ROWS = 18


def source_rows(page: Page) -> list[tuple[str, str, float, float]]:
    """The page's "Emissions by scope and source" table as (scope, source, location-based,
    market-based) rows: a row per source (the smallest summed into one when there are many),
    then the total. Written straight into each format: a table per page through the generic
    table code (a DataFrame, its labelled view, its layout) cost milliseconds a page."""
    rows = [(SCOPE_NAMES.get(str(scope), str(scope)), label, loc, mkt)
            for scope, _, label, loc, mkt in page.sources]  # fmt: skip
    if len(rows) > SOURCE_ROWS:
        keep = sorted(range(len(rows)), key=lambda i: -rows[i][2])[: SOURCE_ROWS - 1]
        rest = [r for i, r in enumerate(rows) if i not in keep]
        rows = [rows[i] for i in sorted(keep)]
        rows.append(("", f"Other sources ({len(rest)}, all in the spreadsheet)",
                     sum(r[2] for r in rest), sum(r[3] for r in rest)))  # fmt: skip
    f = page.figures
    rows.append(("", "Total, Scopes 1-3", f["total_location_t"], f["total_market_t"]))
    return rows


SOURCES_HEADING = "Emissions by scope and source (t CO₂e)"
#: The source table's headers as printed (the heading gives the unit): short, so none wraps.
SOURCE_HEADS = ("Scope", "Source", "Location-based", "Market-based")


def _source_text(page: Page) -> list[list[str]]:
    """The source table's cells as printed (codes in a label written as words)."""
    from greencare.reports.labels import text

    return [[scope, safe_text(text(str(label)), 80), fmt(loc), fmt(mkt)]
            for scope, label, loc, mkt in source_rows(page)]  # fmt: skip


# --- HTML --------------------------------------------------------------------------------------

CSS = """
.facility { break-before: page; }
.facility h3 { font-size: 1.3rem; margin-bottom: 0.1rem; }
.facility .sub { color: #555; margin-top: 0; }
.facility .cols { display: grid; grid-template-columns: minmax(18rem, 1fr) minmax(20rem, 1.3fr);
                  gap: 1.5rem; }
.facility .fig td.num { font-weight: bold; }
.facility svg { display: block; margin: 0.4rem 0; }
.facility ul { margin: 0.2rem 0; padding-left: 1.2rem; font-size: 0.85rem; }
"""


def _e(value: Any) -> str:
    return html.escape(safe_text(str(value)), quote=True)


def anchor(page: Page, index: int) -> str:
    return f"facility-{index}"


def to_html(report: Report) -> str:
    """The facility pages as HTML articles (one printed page each)."""
    conventions = report.meta.get("units")
    parts = []
    for index, page in enumerate(report.facility_pages, 1):
        f = page.figures
        title = f"{f['rank']}. {f['facility']}" if f["rank"] is not None else f["facility"]
        figs = "".join(f'<tr><td>{_e(n)}</td><td class="num">{_e(v)}</td>'
                       f'<td>{_e(u if v != "n/a" else "")}</td></tr>'
                       for n, v, u in headline(page, conventions))  # fmt: skip
        flags = "".join(f"<li>{_e(s)}</li>" for s in quality(page))
        parts.append(
            f'<article class="facility" id="{anchor(page, index)}"><h3>{_e(title)}</h3>'
            f'<p class="sub">{_e(subtitle(page, conventions))}</p><div class="cols"><div>'
            f'<table class="fig"><thead><tr><th>Figure</th><th class="num">Value</th>'
            f"<th>Unit</th></tr></thead><tbody>{figs}</tbody></table>"
            f'<p class="note">Scope 1+2 (location-based) by month, {_e(_month_span(page))}'
            f"</p>{bars_svg(page.monthly)}"
            f"<h4>Data quality</h4><ul>{flags}</ul></div><div><h4>{_e(SOURCES_HEADING)}</h4>"
            f"{_source_html(page)}</div></div></article>"
        )
    return "".join(parts)


def _source_html(page: Page) -> str:
    num = ' class="num"'
    head = "".join(f'<th{num if i > 1 else ""} scope="col">{h}</th>'
                   for i, h in enumerate(SOURCE_HEADS))  # fmt: skip
    body = "".join("<tr>" + "".join(f"<td{num if i > 1 else ''}>{_e(c)}</td>"
                                    for i, c in enumerate(row)) + "</tr>"
                   for row in _source_text(page))  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _month_span(page: Page) -> str:
    if not page.months:
        return ""
    return f"{page.months[0]} to {page.months[-1]} (tallest bar = highest month)"


def bars_svg(values: list[float], width: int = 260, height: int = 48) -> str:
    """A bar per month as a small inline SVG (a few hundred bytes, no chart library)."""
    if not values:
        return ""
    top = max(max(values), 0.0) or 1.0
    step = width / len(values)
    bars = "".join(
        f'<rect x="{i * step + 1:.1f}" y="{height - max(v, 0.0) / top * height:.1f}" '
        f'width="{step - 2:.1f}" height="{max(v, 0.0) / top * height:.1f}"/>'
        for i, v in enumerate(values)
    )
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="bars by month"><g fill="#1f3b73">{bars}</g></svg>')  # fmt: skip


# --- Markdown ----------------------------------------------------------------------------------

_BLOCKS = "▁▂▃▄▅▆▇█"


def spark(values: list[float]) -> str:
    """A month's bar as one of eight block characters (a text chart that stays text)."""
    top = max([*values, 0.0]) or 1.0
    return "".join(_BLOCKS[min(7, int(max(v, 0.0) / top * 7.999))] for v in values)


def to_markdown(report: Report) -> list[str]:
    from greencare.reports.writers import _md_cell

    conventions = report.meta.get("units")
    out: list[str] = []
    for page in report.facility_pages:
        f = page.figures
        title = f"{f['rank']}. {f['facility']}" if f["rank"] is not None else f["facility"]
        out += ["", f"### {_md_cell(title)}", "", _md_cell(subtitle(page, conventions)), "",
                "| Figure | Value | Unit |", "| --- | ---: | --- |"]  # fmt: skip
        out += [f"| {_md_cell(n)} | {_md_cell(v)} | {_md_cell(u if v != 'n/a' else '')} |"
                for n, v, u in headline(page, conventions)]  # fmt: skip
        out += ["", f"Scope 1+2 (location-based) by month, {_md_cell(_month_span(page))}: "
                f"`{spark(page.monthly)}`", "", "#### Data quality", ""]  # fmt: skip
        out += [f"- {_md_cell(s)}" for s in quality(page)]
        out += ["", f"#### {SOURCES_HEADING}", ""]
        out += ["| " + " | ".join(SOURCE_HEADS) + " |", "| --- | --- | ---: | ---: |"]
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in _source_text(page)]
    return out


# --- PDF ---------------------------------------------------------------------------------------


def draw_pdf_page(fig: Any, page: Page, conventions: str | None) -> None:
    """One facility on one PDF page: figures and data quality on the left, the source table
    on the right, the monthly bars beneath the figures. Text is a few ``TextColumn`` artists
    and the bars one collection, so 300 pages cost seconds, not minutes."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    from greencare.reports.pdftext import add_text
    from greencare.reports.render import _wrap

    width, height = fig.get_size_inches()
    per_pt = 1 / (height * 72)
    per_char = 1 / (width * 72)
    add_text(fig, 0.04, 0.895, safe_text(subtitle(page, conventions), PDF_CELL_MAX), fontsize=9,
             color="#444444", va="top")  # fmt: skip
    # left: the figures
    y = 0.845
    add_text(fig, 0.04, y, "Headline figures", fontsize=10, weight="bold", va="top")
    y -= 16 * per_pt
    rows = headline(page, conventions)
    names = [safe_text(n, 60) for n, _, _ in rows]
    first = add_text(fig, 0.04, y, names, fontsize=8, va="top", linespacing=1.35)
    first.more = [
        (0.36, [v for _, v, _ in rows], "right"),
        (0.368, [u if v != "n/a" else "" for _, v, u in rows], "left"),
    ]
    y -= len(rows) * 8 * 1.35 * per_pt + 14 * per_pt
    # the monthly bars
    add_text(fig, 0.04, y, "Scope 1+2 (location-based) by month", fontsize=8, weight="bold",
             va="top")  # fmt: skip
    y -= 12 * per_pt
    bar_h, x0, span = 40 * per_pt, 0.04, 0.40
    values = page.monthly
    if values:
        top = max(max(values), 0.0) or 1.0
        step = span / len(values)
        vertices, codes = [], []
        for i, v in enumerate(values):  # the bars as one path: one drawing operation
            left, right, tip = x0 + i * step, x0 + (i + 0.8) * step, max(v, 0.0) / top * bar_h
            vertices += [(left, y - bar_h), (right, y - bar_h), (right, y - bar_h + tip),
                         (left, y - bar_h + tip), (left, y - bar_h)]  # fmt: skip
            codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
        fig.add_artist(PathPatch(Path(vertices, codes), facecolor="#1f3b73", edgecolor="none",
                                 transform=fig.transFigure))  # fmt: skip
        under = y - bar_h - 2 * per_pt
        axis = add_text(fig, x0, under, [page.months[0]], fontsize=6, va="top", color="#666666")
        if len(values) > 1:
            axis.more = [(x0 + (len(values) - 0.2) * step, [page.months[-1]], "right")]
    y -= bar_h + 22 * per_pt
    # data quality, boxed
    add_text(fig, 0.04, y, "Data quality", fontsize=10, weight="bold", va="top")
    top_box = y + 4 * per_pt
    y -= 15 * per_pt
    chars = int(0.40 * width * 72 / (0.55 * 8))
    text = [line for s in quality(page) for line in _wrap(s, chars)]
    add_text(fig, 0.045, y, text, fontsize=8, va="top", linespacing=1.3)
    y -= len(text) * 8 * 1.3 * per_pt + 6 * per_pt
    fig.add_artist(Rectangle((0.035, y), 0.41, top_box - y, fill=True, facecolor="#fff8e6",
                             edgecolor="#b26b00", linewidth=1.0, zorder=-1,
                             transform=fig.transFigure))  # fmt: skip
    # right: emissions by scope and source
    x = 0.50
    add_text(fig, x, 0.845, SOURCES_HEADING, fontsize=10, weight="bold", va="top")
    body = _source_text(page)
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(SOURCE_HEADS)]
    chars = sum(widths) + 2 * (len(widths) - 1)
    size = min(8.0, 0.45 * width * 72 / (0.6 * chars))  # the right half of the page
    line = size * 1.25 * per_pt
    yt = 0.845 - 16 * per_pt
    heads, cells = [], []
    for i, w in enumerate(widths):
        col_w = w * 0.6 * size * per_char
        at, ha = (x + col_w, "right") if i > 1 else (x, "left")
        heads.append((at, [SOURCE_HEADS[i]], ha))
        cells.append((at, [r[i] for r in body], ha))
        x += col_w + 2 * 0.6 * size * per_char
    for top_y, columns, weight in ((yt, heads, "bold"), (yt - line * 1.6, cells, "normal")):
        first = add_text(fig, columns[0][0], top_y, columns[0][1], fontsize=size, weight=weight,
                         va="top", ha=columns[0][2], linespacing=1.25)  # fmt: skip
        first.more = columns[1:]
    rule_y = yt - line * 1.2
    fig.add_artist(Line2D([0.50, min(x, 0.96)], [rule_y, rule_y], color="#888888",
                          linewidth=0.6))  # fmt: skip


def page_title(page: Page) -> str:
    """A facility page's title (and its PDF bookmark): rank and name, the name cut to fit."""
    f = page.figures
    name = safe_text(f["facility"], 80)
    return f"{f['rank']}. {name}" if f["rank"] is not None else name
