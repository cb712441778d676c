"""The report as data: named tables (pandas DataFrames) plus metadata, and column vocabulary.

Every writer renders the same :class:`Report`; a column's machine name (used in JSON and CSV)
carries its unit through :data:`COLUMNS`, which gives the human header ("Site energy (kBtu)")
used in HTML, PDF, Markdown and the spreadsheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from greencare.core.text import shorten, visible

SCHEMA_ID = "greencare-report/1"

#: Section order; every table belongs to one.
SECTIONS = [
    ("summary", "Summary"),
    ("ranking", "Facilities ranked"),
    ("facilities", "Facility pages"),  # reports/facility_pages.py: one page per facility
    ("ghg", "Greenhouse gas inventory"),
    ("energy", "Energy"),
    ("interval", "Interval meters"),
    ("weather", "Weather-normalised energy"),
    ("water", "Water"),
    ("waste", "Waste"),
    ("progress", "Progress and intensity"),
    ("frameworks", "Framework views"),
    ("quality", "Data quality"),
    ("methodology", "Methodology"),
    ("detail", "Appendix: detail tables"),
    ("sources", "Appendix: figures and their sources"),
]

#: Machine column name -> (human label, unit). Units also appear in labels.
COLUMNS: dict[str, tuple[str, str]] = {
    "metric": ("Metric", ""),
    "value": ("Value", ""),
    "unit": ("Unit", ""),
    "scope": ("Scope", ""),
    "category": ("Category", ""),
    "label": ("Source", ""),
    "gas": ("Gas", ""),
    "facility": ("Facility", ""),
    "month": ("Month", "YYYY-MM"),
    "year": ("Year", ""),
    "commodity": ("Commodity", ""),
    "meter": ("Meter", ""),
    "stream": ("Waste stream", ""),
    "route": ("Route", ""),
    "waste_class": ("Class", ""),
    "currency": ("Currency", ""),
    "co2e_t": ("Emissions (t CO2e)", "t CO2e"),
    "co2e_t_location": ("Location-based (t CO2e)", "t CO2e"),
    "co2e_t_market": ("Market-based (t CO2e)", "t CO2e"),
    "share_pct": ("Share (%)", "%"),
    "mass_kg": ("Mass of gas (kg)", "kg"),
    "scope1_t": ("Scope 1 (t CO2e)", "t CO2e"),
    "scope2_location_t": ("Scope 2 location (t CO2e)", "t CO2e"),
    "scope2_market_t": ("Scope 2 market (t CO2e)", "t CO2e"),
    "scope3_t": ("Scope 3 (t CO2e)", "t CO2e"),
    "scope12_location_t": ("Scope 1+2 location (t CO2e)", "t CO2e"),
    "scope12_market_t": ("Scope 1+2 market (t CO2e)", "t CO2e"),
    "total_location_t": ("Total location (t CO2e)", "t CO2e"),
    "total_market_t": ("Total market (t CO2e)", "t CO2e"),
    "site_kwh": ("Site energy (kWh)", "kWh"),
    "site_kbtu": ("Site energy (kBtu)", "kBtu"),
    "site_gj": ("Site energy (GJ)", "GJ"),
    "source_kbtu": ("Source energy (kBtu)", "kBtu"),
    "source_gj": ("Source energy (GJ)", "GJ"),
    "estimated_pct": ("Estimated (%)", "%"),
    "cost": ("Cost", "currency"),
    "floor_area_ft2": ("Floor area (ft²)", "ft2"),
    "floor_area_m2": ("Floor area (m²)", "m2"),
    "site_eui_kbtu_ft2": ("Site EUI (kBtu/ft²/yr)", "kBtu/ft2/yr"),
    "source_eui_kbtu_ft2": ("Source EUI (kBtu/ft²/yr)", "kBtu/ft2/yr"),
    "site_eui_gj_m2": ("Site EUI (GJ/m²/yr)", "GJ/m2/yr"),
    # weather-normalised energy (reports/weather.py)
    "baseline_period": ("Baseline period", "YYYY-MM..YYYY-MM"),
    "model": ("Model", ""),
    "model_name": ("Model name", ""),
    "n": ("n (months)", "months"),
    "p": ("p (parameters)", ""),
    "r2": ("R²", ""),
    "adj_r2": ("Adjusted R²", ""),
    "cv_rmse_pct": ("CV(RMSE) (%)", "%"),
    "nmbe_pct": ("NMBE (%)", "%"),
    "fit_for_savings": ("Fit for savings", ""),
    "reasons": ("Reasons", ""),
    "temp_unit": ("Temperature unit", "F or C"),
    "mean_temp": ("Mean temperature", "°F or °C (temp_unit)"),
    "base_load_kwh_day": ("Base load (kWh/day)", "kWh/day"),
    "heating_slope_kwh_dd": ("Heating slope (kWh/degree-day)", "kWh/degree-day"),
    "heating_balance": ("Heating change point", "°F or °C (temp_unit)"),
    "cooling_slope_kwh_dd": ("Cooling slope (kWh/degree-day)", "kWh/degree-day"),
    "cooling_balance": ("Cooling change point", "°F or °C (temp_unit)"),
    "temperature_slope_kwh_dd": ("Temperature slope (kWh/degree-day)", "kWh/degree-day"),
    "weather_source": ("Weather source", ""),
    "normal_weather_source": ("Normal weather", ""),
    "normalised_kwh": ("Weather-normalised site energy (kWh)", "kWh"),
    "normalised_site_eui_kbtu_ft2": ("Normalised site EUI (kBtu/ft²/yr)", "kBtu/ft2/yr"),
    "normalised_source_eui_kbtu_ft2": ("Normalised source EUI (kBtu/ft²/yr)", "kBtu/ft2/yr"),
    "normalised_site_eui_kwh_m2": ("Normalised site EUI (kWh/m²/yr)", "kWh/m2/yr"),
    "normalised_source_eui_kwh_m2": ("Normalised source EUI (kWh/m²/yr)", "kWh/m2/yr"),
    "months_reported": ("Months compared", "months"),
    "months_without_weather_list": ("Months without weather", ""),
    "adjusted_baseline_kwh": ("Adjusted baseline (kWh)", "kWh"),
    "modelled_kwh": ("Modelled (kWh)", "kWh"),
    "avoided_kwh": ("Avoided energy (kWh)", "kWh"),
    "avoided_pct": ("Avoided (% of adjusted baseline)", "%"),
    "avoided_cost": ("Avoided cost", "currency"),
    "site_eui_kwh_m2": ("Site EUI (kWh/m²/yr)", "kWh/m2/yr"),
    "water_m3": ("Water (m³)", "m3"),
    "water_gal": ("Water (US gal)", "US gal"),
    "water_gal_ft2": ("Water intensity (US gal/ft²/yr)", "US gal/ft2/yr"),
    "quantity_kg": ("Quantity (kg)", "kg"),
    "quantity_lb": ("Quantity (lb)", "lb"),
    "total_kg": ("Total waste (kg)", "kg"),
    "rmw_kg": ("RMW (kg)", "kg"),
    "diverted_kg": ("Diverted (kg)", "kg"),
    "disposed_kg": ("Other disposal (kg)", "kg"),
    "reused_kg": ("Reused / reprocessed (kg)", "kg"),
    "diversion_pct": ("Recycling / diversion rate (%)", "%"),
    "cost_per_tonne": ("Cost per tonne", "currency/t"),
    "change_vs_previous_pct": ("Change vs previous year (%)", "%"),
    "change_vs_baseline_pct": ("Change vs baseline (%)", "%"),
    "target_scope12_t": ("Target Scope 1+2 (t CO2e)", "t CO2e"),
    "gap_to_target_t": ("Above target (t CO2e)", "t CO2e"),
    "on_track": ("On track", ""),
    "months_with_energy": ("Months with energy data", "months"),
    "staffed_beds": ("Staffed beds", "beds"),
    "patient_days": ("Patient days", "days"),
    "adjusted_patient_days": ("Adjusted patient days", "days"),
    "t_per_bed": ("Scope 1+2 per staffed bed (t CO2e)", "t CO2e/bed"),
    "total_t_per_bed": ("Total (S1-3) per staffed bed (t CO2e)", "t CO2e/bed"),
    "t_per_1000_patient_days": ("Scope 1+2 per 1,000 patient days (t CO2e)", "t CO2e/1000 pd"),
    "t_per_1000_ft2": ("Scope 1+2 per 1,000 ft² (t CO2e)", "t CO2e/1000 ft2"),
    "t_per_1000_m2": ("Scope 1+2 per 1,000 m² (t CO2e)", "t CO2e/1000 m2"),
    "months_with_data": ("Months with data", "months"),
    "months_missing": ("Months missing", "months"),
    "missing_months": ("Missing months", ""),
    "check": ("Check", ""),
    "detail": ("Detail", ""),
    "kind": ("Kind", ""),
    "lines": ("Lines", "lines"),
    "id": ("Dataset", ""),
    "title": ("Title", ""),
    "edition": ("Edition", ""),
    "publisher": ("Publisher", ""),
    "url": ("URL", ""),
    "licence": ("Licence", ""),
    "topic": ("Topic", ""),
    "text": ("Text", ""),
    "disclosure": ("Disclosure", ""),
    "data_point": ("Data point", ""),
    "area": ("Area", ""),
    "definition": ("Definition", ""),
    "source": ("Source", ""),
    "activity": ("Activity", ""),
    "activity_unit": ("Activity unit", ""),
    "has_data": ("Has data", ""),
    "fiscal_year": ("Fiscal year", ""),
    "target_id": ("Target", ""),
    "target": ("Target", ""),
    "period": ("Period", ""),
    "baseline_value": ("Baseline year value", ""),
    "path_value": ("Straight path value", ""),
    "target_value": ("Value at the target", ""),
    "reduction_so_far_pct": ("Reduction so far (%)", "%"),
    "reduction_due_pct": ("Reduction due on the path (%)", "%"),
    "gap_to_path": ("Above the path by", ""),
    "status": ("Status", ""),
    "driver": ("Driver", ""),
    "previous_t": ("Previous period (t CO2e)", "t CO2e"),
    "baseline_t": ("Baseline year (t CO2e)", "t CO2e"),
    "part": ("What changed", ""),
    "t_co2e": ("Change (t CO2e)", "t CO2e"),
    "explanation": ("Explanation", ""),
    "opportunity": ("Opportunity", ""),
    "benchmark": ("Benchmark", ""),
    "figure": ("Figure", ""),
    "table": ("Table", ""),
    "rows": ("Rows", ""),
    "xlsx_sheet": ("XLSX sheet", ""),
    "csv_file": ("CSV file", ""),
    "column": ("Column", ""),
    "row": ("Row", ""),
    "command": ("Reproduce with", ""),
    "total_t": ("Total (t CO2e)", "t CO2e"),
    # why emissions changed, by driver (reports/progress.py change_summary)
    "before_t": ("Earlier year (t CO2e)", "t CO2e"),
    "after_t": ("Report year (t CO2e)", "t CO2e"),
    "change_t": ("Change (t CO2e)", "t CO2e"),
    "facilities_added_t": ("Facilities added (t CO2e)", "t CO2e"),
    "facilities_removed_t": ("Facilities removed (t CO2e)", "t CO2e"),
    "factor_editions_t": ("Factor editions (t CO2e)", "t CO2e"),
    "weather_t": ("Weather (t CO2e)", "t CO2e"),
    "activity_t": ("Activity (use) (t CO2e)", "t CO2e"),
    # facilities ranked (reports/ranking.py)
    "rank": ("Rank", ""),
    "comparison_t": ("Scope 1+2 in the comparison year (t CO2e)", "t CO2e"),
    "change_pct": ("Scope 1+2 change vs the comparison year (%)", "%"),
    "not_available": ("Not available, and why", ""),
    # facility pages (reports/facility_pages.py)
    "country": ("Country", ""),
    "total_lb": ("Total waste (lb)", "lb"),
    "rmw_pct": ("RMW share (%)", "%"),
    "meter_months_missing": ("Meter-months missing", "months"),
    "unverified_lines": ("Lines using unverified factors", "lines"),
    "unverified_t": ("Emissions from unverified factors (t CO2e)", "t CO2e"),
    # interval meters (reports/interval_section.py)
    "timezone": ("Local time", ""),
    "energy_kwh": ("Energy (kWh)", "kWh"),
    "covered_pct": ("Hours covered (%)", "%"),
    "peak_kw": ("Peak demand (kW)", "kW"),
    "peak_time": ("Peak at (local time)", ""),
    "load_factor": ("Load factor", ""),
    "base_load_kw": ("Base load (kW)", "kW"),
    "after_hours_pct": ("After hours (%)", "%"),
    "tou_peak_pct": ("TOU peak (%)", "%"),
    "tou_partial_peak_pct": ("TOU partial peak (%)", "%"),
    "tou_super_off_peak_pct": ("TOU super off-peak (%)", "%"),
    "tou_off_peak_pct": ("TOU off-peak (%)", "%"),
}


def label(column: str) -> str:
    """The human header of a column (its unit in brackets where it has one)."""
    if column in COLUMNS:
        return COLUMNS[column][0]
    return column  # Portfolio Manager columns are already in PM's own words


def unit(column: str) -> str:
    return COLUMNS.get(column, ("", ""))[1]


@dataclass
class Table:
    key: str
    title: str
    section: str
    frame: pd.DataFrame
    note: str = ""


@dataclass
class Report:
    """Tables in reading order, plus what the report covers (``meta``)."""

    meta: dict[str, Any]
    tables: dict[str, Table]
    inventory: Any = field(default=None, repr=False)  # the engine's Inventory for the period
    summary: dict[str, Any] = field(default_factory=dict, repr=False)  # services.emissions'
    story: Any = field(default=None, repr=False)  # reports.story.Story: the executive story
    #: What writing it found that the reader should know (a PDF's characters without a font).
    notes: list[str] = field(default_factory=list, repr=False)
    #: A system report's facility pages (reports.facility_pages.Page), in ranking order.
    facility_pages: list[Any] = field(default_factory=list, repr=False)

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self.tables[key].frame

    def add(self, key: str, title: str, section: str, frame: pd.DataFrame, note: str = "") -> None:
        self.tables[key] = Table(key, title, section, frame.reset_index(drop=True), note)

    def by_section(self) -> list[tuple[str, str, list[Table]]]:
        out = []
        for key, title in SECTIONS:
            tables = [t for t in self.tables.values() if t.section == key]
            if tables:
                out.append((key, title, tables))
        return out

    def metric(self, name: str) -> Any:
        """A value of the summary table by its metric name."""
        frame = self["summary"]
        return frame.loc[frame["metric"] == name, "value"].iloc[0]


def clean(value: Any) -> Any:
    """A cell as a plain Python value: NaN -> None, numpy -> builtin, floats rounded."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        value = round(value, 6)
        return 0.0 if value == 0 else value
    if value is pd.NA:
        return None
    return value


def rows(frame: pd.DataFrame) -> list[list[Any]]:
    return [[clean(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def fmt(value: Any, column: str = "") -> str:
    """A number for people: thousands separators, fewer decimals as numbers grow."""
    value = clean(value)
    if value is None:
        return ""
    if column == "year":
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        size = abs(value)
        if size >= 1000:
            return f"{value:,.0f}"
        if size >= 100:
            return f"{value:,.1f}"
        if size >= 1 or value == 0:
            return f"{value:,.2f}"
        return f"{value:.3g}"
    return safe_text(str(value))  # type: ignore[no-any-return]


#: The most characters of one cell a spreadsheet holds (Excel's limit); longer text is cut.
XLSX_CELL_MAX = 32_767
#: The most characters of one cell drawn in a PDF or shown on screen; the data formats keep all.
PDF_CELL_MAX = 300


def safe_text(value: Any, limit: int | None = None) -> Any:
    """The one cleaning step for text a report writer puts in a cell, heading or title.

    Names and notes come from the database, which an older greencare or another tool may have
    filled with control characters: each becomes a visible escape (``\\x1b``, ``\\u202e``),
    which also removes every character openpyxl refuses. Line breaks and tabs stay. With
    ``limit``, longer text is cut, saying how long it was. Non-text values pass unchanged.
    Format-specific escaping (HTML, Markdown) and formula neutralisation come after this.
    """
    if not isinstance(value, str):
        return value
    text = visible(value, keep_newlines=True)
    return shorten(text, limit) if limit is not None else text


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
