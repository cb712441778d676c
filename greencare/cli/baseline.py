"""The ``greencare baseline`` and ``greencare savings`` commands (wired into ``greencare.cli``).

Only click is imported at start-up; numpy, scipy and pandas load when a command runs.
"""

from __future__ import annotations

from typing import Any

import click

from greencare.cli import common as base
from greencare.cli.weather import _one_facility

_MODELS = ["mean", "2P", "3PH", "3PC", "4P", "5P"]


def _shared(func: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--facility", help="Facility (id or name); needed when there are several."
            ),
            click.option("--meter", help="One energy meter (id or name); default: all of them."),
            click.option(
                "--model",
                type=click.Choice(_MODELS, case_sensitive=False),
                help="Fit this model instead of choosing one by fit.",
            ),
            click.option(
                "--unit",
                "energy_unit",
                default="kWh",
                show_default=True,
                help="Energy unit of the figures, e.g. kWh, MMBtu, therm.",
            ),
            click.option("--station", help="Imported weather station, when there are several."),
        ]
    ):
        func = option(func)
    return func


def _model_kind(model: str | None) -> str | None:
    if model is None:
        return None
    return {m.casefold(): m for m in _MODELS}[model.casefold()]


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def _num(value: float | None) -> str:
    return "" if value is None else base._cell(float(value))


def model_text(fit: dict[str, Any], unit: str) -> list[str]:
    """Lines describing a fitted model (the ``model`` part of a baseline's JSON)."""
    m = fit["model"]
    t = m["temperature_unit"]
    limits = m["limits"]
    verdict = "fit for savings" if m["fit_for_savings"] else "NOT fit for savings"
    lines = [
        f"model: {m['model']}, {m['name']}: {verdict} ({limits['source']}: CV(RMSE) ≤ "
        f"{limits['cv_rmse'] * 100:g}%, |NMBE| ≤ {limits['nmbe'] * 100:g}%)"
    ]
    lines += [f"  - {reason}" for reason in m["reasons"]]
    parts = [f"base load {_num(m['base_load_per_day'])} {unit}/day"]
    if m["heating_slope_per_degree_day"] is not None:
        parts.append(
            f"heating {_num(m['heating_slope_per_degree_day'])} {unit} per °{t}·day below "
            f"{m['heating_balance_point']:.1f} °{t}"
        )
    if m["cooling_slope_per_degree_day"] is not None:
        parts.append(
            f"cooling {_num(m['cooling_slope_per_degree_day'])} {unit} per °{t}·day above "
            f"{m['cooling_balance_point']:.1f} °{t}"
        )
    if m["temperature_slope_per_degree_day"] is not None:
        parts.append(f"{_num(m['temperature_slope_per_degree_day'])} {unit} per °{t}·day")
    lines.append("  " + "; ".join(parts))
    lines.append(
        f"  n {m['n']}, p {m['p']}, R² {m['r2']:.3f}, adjusted R² {m['adj_r2']:.3f}, "
        f"CV(RMSE) {_pct(m['cv_rmse'])}, NMBE {_pct(m['nmbe'], 2)}"
    )
    rows = [
        {"coefficient": c["name"], "value": c["value"], "std error": c["std_error"],
         "t": None if c["t_stat"] is None else round(c["t_stat"], 2)}
        for c in m["coefficients"]
    ]  # fmt: skip
    lines.append(base._table(rows, ["coefficient", "value", "std error", "t"]))
    return lines


@click.command("baseline")
@_shared
@click.option("--from", "first", required=True, help="First month of the baseline, YYYY-MM.")
@click.option("--to", "last", required=True, help="Last month of the baseline, YYYY-MM.")
@base.JSON_OPTION
@click.pass_context
@base.handle_errors
def baseline(
    ctx: click.Context, facility: str | None, meter: str | None, model: str | None,
    energy_unit: str, station: str | None, first: str, last: str, as_json: bool,
) -> None:  # fmt: skip
    """Fit a weather-normalised baseline (ASHRAE Guideline 14 change-point models) and show it."""
    from greencare.services import baselines

    db = base._open(ctx, create=False)
    fit = baselines.fit_baseline(
        db, facility=_one_facility(db, facility), meter=meter, first_month=first,
        last_month=last, model=_model_kind(model), energy_unit=energy_unit, station=station,
    )  # fmt: skip
    data = baselines.jsonable(fit.as_dict())

    def text() -> str:
        who = data["facility"] + (
            f", meter {data['meter']}"
            if data["meter"]
            else f", all energy meters ({', '.join(data['commodities'])})"
        )
        lines = [
            f"baseline for {who}, {fit.first_month}..{fit.last_month}, {energy_unit}",
            f"weather: {data['weather_source']} ({data['weather_method']})",
            *model_text(data, energy_unit),
            "",
            "models tried:",
            base._table(
                [{"model": c["model"], "valid": "yes" if c["valid"] else "no",
                  "R²": round(c["r2"], 3) if c["r2"] is not None else None,
                  "CV(RMSE)": _pct(c["cv_rmse"]), "NMBE": _pct(c["nmbe"], 2),
                  "chosen": "*" if c["chosen"] else ""}
                 for c in data["model"]["candidates"]],
                ["model", "valid", "R²", "CV(RMSE)", "NMBE", "chosen"],
            ) if data["model"]["candidates"] else "(one model, as asked)",
            "",
            base._table(
                [{"month": r["month"], f"actual {energy_unit}": r["actual"],
                  f"model {energy_unit}": r["predicted"],
                  "mean temp": round(r["mean_temp"], 1)} for r in data["months"]],
                ["month", f"actual {energy_unit}", f"model {energy_unit}", "mean temp"],
            ),
        ]  # fmt: skip
        if data["months_without_use"]:
            lines.append("months without energy use: " + ", ".join(data["months_without_use"]))
        if data["months_without_weather"]:
            lines.append("months without weather: " + ", ".join(data["months_without_weather"]))
        return "\n".join(lines)

    base._emit(data, as_json, text)


@click.command("savings")
@_shared
@click.option("--baseline", "baseline_period", required=True,
              help="Baseline period: a year (2024), or YYYY-MM..YYYY-MM.")  # fmt: skip
@click.option("--report", "report_period", required=True,
              help="Reporting period: a year (2025), or YYYY-MM..YYYY-MM.")  # fmt: skip
@base.JSON_OPTION
@click.pass_context
@base.handle_errors
def savings(
    ctx: click.Context, facility: str | None, meter: str | None, model: str | None,
    energy_unit: str, station: str | None, baseline_period: str, report_period: str,
    as_json: bool,
) -> None:  # fmt: skip
    """Weather-normalised comparison of two periods: avoided energy and cost (IPMVP Option C)."""
    from greencare.services import baselines

    db = base._open(ctx, create=False)
    result = baselines.jsonable(baselines.savings(
        db, facility=_one_facility(db, facility), meter=meter, baseline=baseline_period,
        report=report_period, model=_model_kind(model), energy_unit=energy_unit, station=station,
    ))  # fmt: skip

    def text() -> str:
        fit = result["baseline"]
        who = result["facility"] + (f", meter {result['meter']}" if result["meter"] else "")
        b0, b1 = fit["baseline_period"]
        r0, r1 = result["reporting_period"]
        cur = result["currency"] or ""
        lines = [
            f"savings for {who}: baseline {b0}..{b1}, reporting {r0}..{r1}, {energy_unit}",
            f"method: {result['method']}",
            f"weather: {fit['weather_source']}",
            *model_text(fit, energy_unit),
            "",
            base._table(
                [{"month": r["month"], "adjusted baseline": r["adjusted_baseline"],
                  "actual": r["actual"], "avoided": r["avoided"],
                  f"avoided cost {cur}".rstrip(): r["avoided_cost"]} for r in result["months"]],
                ["month", "adjusted baseline", "actual", "avoided", f"avoided cost {cur}".rstrip()],
            ),
        ]  # fmt: skip
        t = result["total"]
        pct = "" if t["avoided_pct"] is None else f" ({t['avoided_pct']:.1f}% of the baseline)"
        lines.append(
            f"total: adjusted baseline {_num(t['adjusted_baseline'])}, actual {_num(t['actual'])}, "
            f"avoided {_num(t['avoided'])} {energy_unit}{pct}"
        )
        if t["avoided_cost"] is not None:
            lines.append(
                f"avoided cost {_num(t['avoided_cost'])} {cur} ({t['months_with_cost']} month(s) "
                "with cost, each at its own average price)"
            )
        if result["months_without_use"]:
            lines.append("months without energy use: " + ", ".join(result["months_without_use"]))
        if result["months_without_weather"]:
            lines.append("months without weather: " + ", ".join(result["months_without_weather"]))
        if not result["fit_for_savings"]:
            lines.append("warning: the baseline model is not fit for savings (reasons above)")
        return "\n".join(lines)

    base._emit(result, as_json, text)
