"""The report's "Weather-normalised energy" section: each facility's baseline model, its
Guideline 14 statistics, weather-normalised use and site EUI for the baseline and report years,
and avoided energy month by month (IPMVP Option C).

Every figure comes from :mod:`greencare.services.baselines` (the same functions as
``greencare baseline`` and ``greencare savings``): the baseline period is the report's baseline
year when one is set (and before the report year), else the year before the report year; the
report year is the calendar year of the report's last month. A facility whose model cannot be
fitted (no weather, too few months, no energy) gets one row saying why, never an error.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from greencare.core.errors import GreencareError
from greencare.core.text import shorten
from greencare.reports.model import Report
from greencare.reports.tables import Context

MODEL_COLUMNS = [
    "facility", "status", "detail", "baseline_period", "model", "model_name", "n", "p", "r2",
    "adj_r2", "cv_rmse_pct", "nmbe_pct", "fit_for_savings", "reasons", "temp_unit",
    "base_load_kwh_day", "heating_slope_kwh_dd", "heating_balance", "cooling_slope_kwh_dd",
    "cooling_balance", "temperature_slope_kwh_dd", "weather_source",
]  # fmt: skip
NORMALISED_COLUMNS = [
    "facility", "year", "status", "detail", "model", "fit_for_savings", "site_kwh",
    "normalised_kwh", "normalised_site_eui_kbtu_ft2", "normalised_source_eui_kbtu_ft2",
    "normalised_site_eui_kwh_m2", "normalised_source_eui_kwh_m2",
    "change_vs_baseline_pct", "normal_weather_source",
]  # fmt: skip
SAVINGS_COLUMNS = [
    "facility", "status", "detail", "baseline_period", "period", "months_reported",
    "months_without_weather_list", "adjusted_baseline_kwh", "site_kwh", "avoided_kwh",
    "avoided_pct", "avoided_cost", "currency", "fit_for_savings",
]  # fmt: skip
MONTH_COLUMNS = [
    "facility", "month", "period", "mean_temp", "temp_unit", "site_kwh", "modelled_kwh",
    "avoided_kwh", "cost", "avoided_cost", "currency",
]  # fmt: skip


def years(ctx: Context, baseline_year: int | None) -> tuple[int, int]:
    """(baseline year, report year) of the section."""
    report_year = int(ctx.last[:4])
    if baseline_year is not None and baseline_year < report_year:
        return baseline_year, report_year
    return report_year - 1, report_year


def _reasons(items: list[str]) -> str:
    return "; ".join(items)


def reason(exc: Exception, name: str) -> str:
    """An error's first line without the facility's name it may start with (the row names the
    facility), the name elsewhere in it cut (a message quotes it whole)."""
    text = str(exc).splitlines()[0].removeprefix(f"{name}: ")
    return text.replace(name, shorten(name, NAME_MAX))


#: The most characters of a facility's name a reason quotes.
NAME_MAX = 80


def facility_results(db: Any, facility_id: int, baseline_year: int, report_year: int,
                     name: str = "") -> dict[str, Any]:  # fmt: skip
    """``services.baselines`` results for one facility (each an error message when it fails)."""
    from greencare.services import baselines

    out: dict[str, Any] = {}
    calls = {
        "savings": lambda: baselines.savings(
            db, facility=facility_id, baseline=str(baseline_year), report=str(report_year)
        ),
        "normalised_baseline": lambda: baselines.normalised(
            db, facility=facility_id, year=baseline_year
        ),
        "normalised_report": lambda: baselines.normalised(
            db, facility=facility_id, year=report_year
        ),
    }
    for key, call in calls.items():
        try:
            out[key] = baselines.jsonable(call())
        except GreencareError as exc:  # no weather, too few months, no energy: said, not raised
            out[key] = reason(exc, name) if name else str(exc).splitlines()[0]
    return out


def weather_tables(ctx: Context, report: Report, baseline_year: int | None) -> None:
    """Add the section's four tables (``weather_models``, ``weather_normalised``,
    ``weather_savings``, ``weather_by_month``)."""
    base_year, report_year = years(ctx, baseline_year)
    energy_ids = {
        int(r[0])
        for r in ctx.db.execute(
            "SELECT DISTINCT facility_id FROM meters WHERE canonical_unit = 'kWh'"
        ).fetchall()
    }
    models, normal, totals, months = [], [], [], []
    for fid, name in sorted(ctx.names.items(), key=lambda item: item[1]):
        if int(fid) not in energy_ids:
            continue
        res = facility_results(ctx.db, int(fid), base_year, report_year, name)
        sav = res["savings"]
        models.append(_model_row(ctx, name, base_year, res))
        if isinstance(sav, dict):
            totals.append(_savings_row(name, sav))
            months += _month_rows(name, sav)
        else:
            totals.append({"facility": name, "status": "not available", "detail": sav,
                           "baseline_period": str(base_year), "period": str(report_year)})  # fmt: skip
        normal += _normalised_rows(name, base_year, report_year, res)
    note_period = (f"Baseline {base_year}, report year {report_year} (calendar years); "
                   "models are ASHRAE Guideline 14 change-point models chosen by fit "
                   "(greencare baseline).")  # fmt: skip
    report.add("weather_models", "Baseline model by facility", "weather",
               _ints(pd.DataFrame(models, columns=MODEL_COLUMNS), "n", "p"),
               note_period + " Fit for savings: CV(RMSE) and NMBE within Guideline 14's limits "
               "for monthly data and every slope significant (|t| >= 2) with the expected sign. "
               "Slopes are per degree-day of the temperature unit; use is site energy in kWh "
               "(all energy meters of the facility).")  # fmt: skip
    report.add("weather_normalised", "Weather-normalised use and site EUI", "weather",
               pd.DataFrame(normal, columns=NORMALISED_COLUMNS),
               "Each year's own twelve months are fitted and evaluated with normal weather (NOAA "
               "nClimDiv 1991-2020 monthly means, or a station's complete years), as Portfolio "
               "Manager normalises a year; EUI per gross floor area. The change compares the "
               "report year's normalised use with the baseline year's.")  # fmt: skip
    report.add("weather_savings", "Avoided energy by facility (IPMVP Option C)", "weather",
               _ints(pd.DataFrame(totals, columns=SAVINGS_COLUMNS), "months_reported"),
               "Avoided energy = adjusted baseline (the baseline model with the report year's "
               "weather) - metered use, over the report-year months that have both use and "
               "weather; avoided cost at each month's own average price where bills carry "
               "cost.")  # fmt: skip
    report.add("weather_by_month", "Actual and modelled use by month", "weather",
               pd.DataFrame(months, columns=MONTH_COLUMNS),
               "Baseline months: the model's fitted value; report-year months: the adjusted "
               "baseline, and avoided energy = modelled - actual.")  # fmt: skip


def _ints(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Counts stay whole numbers where a row has none (a facility without a model)."""
    for column in columns:
        frame[column] = frame[column].astype("Int64")
    return frame


def _model_row(ctx: Context, name: str, base_year: int, res: dict[str, Any]) -> dict[str, Any]:
    sav = res["savings"]
    if not isinstance(sav, dict):
        # the baseline fit itself may still work when only the report year fails: say which
        return {"facility": name, "status": "not available", "detail": sav,
                "baseline_period": str(base_year)}  # fmt: skip
    fit = sav["baseline"]
    m = fit["model"]
    b0, b1 = fit["baseline_period"]
    return {
        "facility": name,
        "status": "fitted",
        "detail": "",
        "baseline_period": f"{b0}..{b1}",
        "model": m["model"],
        "model_name": m["name"],
        "n": m["n"],
        "p": m["p"],
        "r2": m["r2"],
        "adj_r2": m["adj_r2"],
        "cv_rmse_pct": None if m["cv_rmse"] is None else m["cv_rmse"] * 100,
        "nmbe_pct": None if m["nmbe"] is None else m["nmbe"] * 100,
        "fit_for_savings": "yes" if m["fit_for_savings"] else "no",
        "reasons": _reasons(m["reasons"]),
        "temp_unit": m["temperature_unit"],
        "base_load_kwh_day": m["base_load_per_day"],
        "heating_slope_kwh_dd": m["heating_slope_per_degree_day"],
        "heating_balance": m["heating_balance_point"],
        "cooling_slope_kwh_dd": m["cooling_slope_per_degree_day"],
        "cooling_balance": m["cooling_balance_point"],
        "temperature_slope_kwh_dd": m["temperature_slope_per_degree_day"],
        "weather_source": fit["weather_source"],
    }


def _savings_row(name: str, sav: dict[str, Any]) -> dict[str, Any]:
    t = sav["total"]
    b0, b1 = sav["baseline"]["baseline_period"]
    r0, r1 = sav["reporting_period"]
    return {
        "facility": name,
        "status": "computed",
        "detail": "",
        "baseline_period": f"{b0}..{b1}",
        "period": f"{r0}..{r1}",
        "months_reported": len(sav["months"]),
        "months_without_weather_list": ", ".join(sav["months_without_weather"]),
        "adjusted_baseline_kwh": t["adjusted_baseline"],
        "site_kwh": t["actual"],
        "avoided_kwh": t["avoided"],
        "avoided_pct": t["avoided_pct"],
        "avoided_cost": t["avoided_cost"],
        "currency": sav["currency"],
        "fit_for_savings": "yes" if sav["fit_for_savings"] else "no",
    }


def _month_rows(name: str, sav: dict[str, Any]) -> list[dict[str, Any]]:
    unit = sav["baseline"]["model"]["temperature_unit"]
    rows = [
        {"facility": name, "month": r["month"], "period": "baseline",
         "mean_temp": r["mean_temp"], "temp_unit": unit, "site_kwh": r["actual"],
         "modelled_kwh": r["predicted"]}
        for r in sav["baseline"]["months"]
    ]  # fmt: skip
    rows += [
        {"facility": name, "month": r["month"], "period": "report",
         "mean_temp": r["mean_temp"], "temp_unit": unit, "site_kwh": r["actual"],
         "modelled_kwh": r["adjusted_baseline"], "avoided_kwh": r["avoided"], "cost": r["cost"],
         "avoided_cost": r["avoided_cost"],
         "currency": sav["currency"] if r["avoided_cost"] is not None else None}
        for r in sav["months"]
    ]  # fmt: skip
    return rows


def _normalised_rows(name: str, base_year: int, report_year: int, res: dict[str, Any]
                     ) -> list[dict[str, Any]]:  # fmt: skip
    rows = []
    values = {}
    for year, key in ((base_year, "normalised_baseline"), (report_year, "normalised_report")):
        n = res[key]
        if not isinstance(n, dict):
            rows.append({"facility": name, "year": year, "status": "not available",
                         "detail": n})  # fmt: skip
            continue
        values[year] = n["normalised_site_kwh"]
        rows.append({
            "facility": name, "year": year, "status": "normalised", "detail": "",
            "model": n["model"]["model"], "fit_for_savings": "yes" if n["fit_for_savings"] else "no",
            "site_kwh": n["actual_site_kwh"], "normalised_kwh": n["normalised_site_kwh"],
            "normalised_site_eui_kbtu_ft2": n["normalised_site_eui_kbtu_per_ft2"],
            "normalised_source_eui_kbtu_ft2": n["normalised_source_eui_kbtu_per_ft2"],
            "normalised_site_eui_kwh_m2": _kwh_m2(n["normalised_site_eui_kbtu_per_ft2"]),
            "normalised_source_eui_kwh_m2": _kwh_m2(n["normalised_source_eui_kbtu_per_ft2"]),
            "normal_weather_source": n["normal_weather_source"],
        })  # fmt: skip
    if base_year in values and report_year in values and values[base_year]:
        rows[-1]["change_vs_baseline_pct"] = (values[report_year] / values[base_year] - 1) * 100
    elif len(rows) == 2 and rows[-1]["status"] == "normalised":
        rows[-1]["detail"] = f"no change: the baseline year {base_year} is not normalised"
    return rows


#: The chart plots at most this many facilities (a panel each): the largest by energy use.
CHART_FACILITIES = 4


def figures(report: Report) -> dict[str, pd.DataFrame]:
    """The monthly series the chart plots, per facility (from ``weather_by_month``): every
    facility with a model up to :data:`CHART_FACILITIES`, else the largest by site energy (the
    table holds them all), in name order."""
    if "weather_by_month" not in report.tables:
        return {}
    frame = report["weather_by_month"]
    parts = {
        str(k): part.reset_index(drop=True) for k, part in frame.groupby("facility", sort=True)
    }
    if len(parts) > CHART_FACILITIES:
        largest = sorted(parts, key=lambda k: (-float(parts[k]["site_kwh"].sum()), k))
        keep = set(largest[:CHART_FACILITIES])
        parts = {k: v for k, v in parts.items() if k in keep}
    return parts


def modelled_count(report: Report) -> int:
    """How many facilities have a series in ``weather_by_month`` (the chart may show fewer)."""
    if "weather_by_month" not in report.tables:
        return 0
    return int(report["weather_by_month"]["facility"].nunique())


def reasons(report: Report) -> list[str]:
    """One line per facility without a model (for the chart's empty message)."""
    if "weather_models" not in report.tables:
        return []
    frame = report["weather_models"]
    return [f"{r.facility}: {r.detail}" for r in frame.itertuples() if r.status != "fitted"]


def _kwh_m2(kbtu_ft2: float | None) -> float | None:
    """kBtu/ft²/yr as kWh/m²/yr (the metric report's EUI): x 0.293071 kWh/kBtu / 0.092903 m²/ft²."""
    from greencare.core.summary import KWH_TO_KBTU, M2_TO_FT2

    return None if kbtu_ft2 is None else kbtu_ft2 / KWH_TO_KBTU * M2_TO_FT2
