"""Baselines: weather-normalised use, avoided energy (IPMVP Option C) and a year-end forecast.

One module for every front end::

    from greencare.services import baselines
    fit = baselines.fit_baseline(db, facility="St Example", first_month="2024-01",
                                 last_month="2024-12")
    result = baselines.savings(db, facility="St Example", baseline="2024", report="2025")

Use is the monthly calendarised roll-up (``reading_months``) of the facility's energy meters,
or of one meter, in kWh (every reading was converted with pint on entry); ``energy_unit``
converts the figures with pint (``MMBtu``, ``therm``...). The weather is the facility's
imported station when it has one (daily mean temperatures, or degree days imported with both
HDD and CDD at one base), else NOAA's nClimDiv statewide monthly degree days at 65 °F, from
which each month's mean temperature is exact (65 + (CDD - HDD) / days). The models and their
statistics are ``greencare.core.baseline`` (ASHRAE Guideline 14 change-point models, fitted
with scipy). Every result names its weather source and model.

Normal weather is the same source's long-run mean for each calendar month: NOAA nClimDiv
1991–2020 (the current NOAA climate normals period) for the statewide data; for a station,
the mean of the complete years it holds (labelled with those years, since a station rarely
holds thirty).

Nothing here writes to the database: models are fitted on demand (a fit takes milliseconds).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from greencare import services
from greencare.core import baseline as core
from greencare.core.errors import GreencareError, InputError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from greencare.core.models import Facility

NORMAL_YEARS = (1991, 2020)
KWH_TO_KBTU = 3.412141633


class BaselineError(GreencareError):
    """A baseline greencare cannot fit: too few months, no weather, no energy."""


# --- inputs ---------------------------------------------------------------------------------


def _month(text: Any, name: str) -> str:
    from greencare.services.weather import _month as parse

    month = parse(text, name)
    if month is None:
        raise InputError(f"{name} is missing: write YYYY-MM, e.g. 2024-01")
    return month


def period(text: str | int, name: str = "period") -> tuple[str, str]:
    """``2024`` -> (2024-01, 2024-12); ``2024-03..2025-02``, ``2023..2024`` -> the range."""
    raw = str(text).strip()
    for sep in ("..",):
        if sep in raw:
            first, last = (p.strip() for p in raw.split(sep, 1))
            a = f"{first}-01" if _is_year(first) else _month(first, f"{name} start")
            b = f"{last}-12" if _is_year(last) else _month(last, f"{name} end")
            if a > b:
                raise InputError(f"{name} {raw!r}: {a} is after {b}")
            return a, b
    if _is_year(raw):
        return f"{raw}-01", f"{raw}-12"
    month = _month(raw, name)
    return month, month


def _is_year(text: str) -> bool:
    return text.isdigit() and len(text) == 4


def _months(first: str, last: str) -> list[str]:
    return pd.period_range(first, last, freq="M").strftime("%Y-%m").tolist()


def _days(months: list[str]) -> np.ndarray:
    return np.asarray(pd.PeriodIndex(months, freq="M").days_in_month, dtype=float)


def _unit_factor(unit: str) -> float:
    from greencare.core import units

    try:
        return units.convert(1.0, "kWh", unit)
    except units.UnitError as exc:
        raise InputError(f"energy unit {unit!r}: {exc}") from None


#: Results kept while ``reusing()`` is open: (function, database, arguments) -> result or error.
_REUSED: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "greencare_baselines_reused", default=None
)


@contextlib.contextmanager
def reusing() -> Iterator[None]:
    """Within the block, ``monthly_use`` and ``fit_baseline`` called again with the same
    arguments on the same database give the result (or the refusal) of the first call instead of
    reading and fitting again. For work that reads and never writes, such as a report (which
    fits each facility's baseline year for its savings, its normalised use and its change
    decomposition: three fits of the same months). Results are shared: callers must not change
    them."""
    token = _REUSED.set({})
    try:
        yield
    finally:
        _REUSED.reset(token)


def _reused(function: Callable[..., Any]) -> Callable[..., Any]:
    import inspect

    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(db: Database, **kwargs: Any) -> Any:
        kept = _REUSED.get()
        if kept is None:
            return function(db, **kwargs)
        given = signature.bind(db, **kwargs)
        given.apply_defaults()  # a default given or left out is the same call
        arguments = sorted((k, v) for k, v in given.arguments.items() if k != "db")
        key = (function.__name__, id(db), tuple(arguments))
        if key not in kept:
            try:
                kept[key] = (True, function(db, **kwargs))
            except GreencareError as exc:
                kept[key] = (False, exc)
        ok, value = kept[key]
        if not ok:
            raise value
        return value

    return wrapper


@dataclass(frozen=True)
class Use:
    """Monthly energy use of a facility or one meter (kWh), with cost where readings carry it."""

    facility: str
    meter: str | None
    commodities: tuple[str, ...]
    frame: pd.DataFrame  # month, kwh, cost, currency, source_kwh


@_reused
def monthly_use(
    db: Database, *, facility: int | str, meter: int | str | None = None,
    first_month: str, last_month: str, with_source: bool = False,
) -> Use:  # fmt: skip
    """Monthly energy (kWh) of the facility's energy meters, or of one meter, months with data.

    ``with_source`` adds US source energy (ENERGY STAR Portfolio Manager site-to-source ratios);
    a month with a commodity that has no ratio has none.
    """
    from greencare.core import units
    from greencare.storage import baselines as store

    fac = services.get_facility(db, facility)
    m = services.get_meter(db, meter, facility=fac.id) if meter is not None else None
    if m is not None and units.canonical_unit(m.commodity) != units.CANONICAL_ENERGY:
        raise BaselineError(f"meter {m.name} measures {m.commodity}, not energy: no baseline")
    energy = store.monthly_energy(
        db, int(fac.id or 0), None if m is None else int(m.id or 0), first_month, last_month,
        units.CANONICAL_ENERGY,
    )  # fmt: skip
    currencies = sorted({c for c in energy["currency"].dropna().unique() if c})
    if len(currencies) > 1:
        raise BaselineError(
            f"{fac.name}: readings carry costs in {', '.join(currencies)}; avoided cost needs one "
            "currency (choose a meter with --meter)"
        )
    grouped = energy.groupby("month")
    frame = pd.DataFrame(
        {"kwh": grouped["quantity_canonical"].sum(), "cost": grouped["cost"].sum(min_count=1)}
    )
    # a month where some use carries no cost has no price: never a partial cost
    frame.loc[energy["cost"].isna().groupby(energy["month"]).any(), "cost"] = math.nan
    frame = frame.reset_index()
    if with_source:
        ratios = _source_ratios() if fac.country == "US" else {}
        source = energy["quantity_canonical"] * energy["commodity"].map(ratios).astype(float)
        frame["source_kwh"] = source.groupby(energy["month"]).sum(min_count=1).to_numpy()
        frame.loc[energy["commodity"].map(ratios).isna().groupby(energy["month"]).any()
                  .to_numpy(), "source_kwh"] = math.nan  # fmt: skip
    frame["currency"] = currencies[0] if currencies else None
    commodities = tuple(sorted(energy["commodity"].unique()))
    return Use(fac.name, m.name if m else None, commodities, frame)


@lru_cache(maxsize=1)
def _source_ratios() -> dict[str, float]:
    from greencare.core.factors import FactorLibrary

    table = FactorLibrary.bundled().table("energy-star-pm/2023", "site_source_ratios.csv")
    return dict(zip(table["energy_type"], table["ratio"].astype(float), strict=True))


# --- weather --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyWeather:
    """Temperatures per month for one facility, from one source."""

    months: list[str]
    weather: core.Weather
    source: str
    method: str

    def subset(self, months: list[str]) -> MonthlyWeather:
        """The given months (all must be present), in that order."""
        index = {m: i for i, m in enumerate(self.months)}
        picks = [index[m] for m in months]
        w = self.weather
        keep = np.isin(w.period, picks)
        renumber = {p: i for i, p in enumerate(picks)}
        order = np.argsort([renumber[p] for p in w.period[keep]], kind="stable")
        new = core.Weather(
            w.temps[keep][order], w.weights[keep][order],
            np.array([renumber[p] for p in w.period[keep]], dtype=int)[order],
            w.days[picks], w.unit,
        )  # fmt: skip
        return MonthlyWeather(months, new, self.source, self.method)


def _station(db: Database, fac: Facility, station: str | None) -> dict[str, Any] | None:
    from greencare.services.weather import NotAvailableError
    from greencare.storage import weather as store

    found = store.stations(db, int(fac.id or 0))
    if station is not None:
        found = [s for s in found if s["name"] == station]
        if not found:
            raise NotAvailableError(f"{fac.name} has no weather station {station!r}")
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(s["name"] for s in found)
        raise InputError(f"{fac.name} has {len(found)} weather stations ({names}): choose one")
    return found[0]


def _station_days(db: Database, st: dict[str, Any], first: str, last: str) -> pd.DataFrame:
    from greencare.storage import weather as store

    last_day = pd.Period(last, freq="M").end_time.date().isoformat()
    days = store.days(db, st["id"], f"{first}-01", last_day)
    if days.empty:
        return days
    if days["unit"].nunique() > 1:
        raise BaselineError(f"station {st['name']} mixes °F and °C days")
    days = days.assign(month=days["date"].str[:7])
    counts = days.groupby("month")["date"].transform("size")
    length = pd.PeriodIndex(days["month"], freq="M").days_in_month
    return days[counts.to_numpy() == np.asarray(length)].reset_index(drop=True)


def _from_days(days: pd.DataFrame, months: list[str]) -> core.Weather:
    index = {m: i for i, m in enumerate(months)}
    part = days[days["month"].isin(index)]
    return core.Weather.from_daily(
        part["month"].map(index), part["tmean"], str(days["unit"].iloc[0])
    )


def facility_weather(
    db: Database, fac: Facility, first: str, last: str, *, station: str | None = None
) -> MonthlyWeather:
    """Per-month temperatures for ``first``..``last`` (months without weather left out)."""
    from greencare.services import weather
    from greencare.storage import weather as store

    st = _station(db, fac, station)
    if st is not None and st["days"]:
        days = _station_days(db, st, first, last)
        months = sorted(days["month"].unique()) if not days.empty else []
        if not months:
            raise BaselineError(
                f"station {st['name']} of {fac.name} has no complete month of temperatures in "
                f"{first}..{last}"
            )
        return MonthlyWeather(
            months, _from_days(days, months),
            f"station {st['name']} (imported daily mean temperatures)",
            "degree days at each candidate base from the station's daily means",
        )  # fmt: skip
    if st is not None:
        for key in store.degree_day_bases(db, st["id"]):
            frame = weather.monthly_degree_days(
                db, facility=int(fac.id or 0), base=key, first_month=first, last_month=last,
                station=st["name"],
            )  # fmt: skip
            frame = frame.dropna(subset=["hdd", "cdd"])
            if not frame.empty:
                return _from_frame(frame, key)
        raise BaselineError(
            f"station {st['name']} of {fac.name} holds no temperatures and no month with both "
            "HDD and CDD at one base: a change-point model needs one or the other; import its "
            "daily temperatures (`greencare weather import`)"
        )
    frame = weather.monthly_degree_days(
        db, facility=int(fac.id or 0), base="65F", first_month=first, last_month=last
    )
    if frame.empty:
        raise BaselineError(f"no degree days for {fac.name} in {first}..{last}")
    return _from_frame(frame, "65F")


def _from_frame(frame: pd.DataFrame, key: str) -> MonthlyWeather:
    from greencare.core import weather as wcore

    base = wcore.parse_base(key)
    months = frame["month"].tolist()
    w = core.Weather.from_degree_days(
        frame["hdd"], frame["cdd"], _days(months), base.value, base.unit
    )
    sources = sorted(set(frame["source"]))
    return MonthlyWeather(
        months, w, "; ".join(sources),
        f"monthly mean temperature = {base.label} + (CDD - HDD) / days, from degree days at "
        f"base {base.label}",
    )  # fmt: skip


def normal_weather(db: Database, fac: Facility, *, station: str | None = None) -> MonthlyWeather:
    """Twelve 'months' (01..12) of normal weather from the facility's weather source."""
    from greencare.services import weather

    st = _station(db, fac, station)
    if st is not None and st["days"]:
        from greencare.storage import weather as store

        days = store.days(db, st["id"])
        days = days.assign(month=days["date"].str[:7])
        days = _station_days(db, st, days["month"].min(), days["month"].max())
        return _pool(days, "tmean", "days", f"station {st['name']}", daily=True)
    if st is not None:
        raise BaselineError(
            f"normal weather for {fac.name}: station {st['name']} holds no daily temperatures"
        )
    a, b = NORMAL_YEARS
    frame = weather.monthly_degree_days(
        db, facility=int(fac.id or 0), base="65F", first_month=f"{a}-01", last_month=f"{b}-12"
    )
    frame = frame.assign(
        tmean=65.0 + (frame["cdd"] - frame["hdd"]) / _days(frame["month"].tolist()), unit="F"
    )
    label = f"{frame['source'].iloc[0]}, {a}–{b} monthly means"
    return _pool(frame, "tmean", "months", label, daily=False)


def _pool(
    frame: pd.DataFrame, column: str, what: str, label: str, *, daily: bool
) -> MonthlyWeather:
    """Each calendar month's temperatures over all years, each year weighing 1/years."""
    if frame.empty:
        raise BaselineError(f"{label}: no complete months for normal weather")
    frame = frame.assign(cal=frame["month"].str[5:7], year=frame["month"].str[:4])
    years = frame.groupby("cal")["year"].nunique()
    if len(years) < 12:
        missing = sorted(set(f"{m:02d}" for m in range(1, 13)) - set(years.index))
        raise BaselineError(f"{label}: no data for calendar month(s) {', '.join(missing)}")
    frame = frame.sort_values(["cal", "month"])
    period = frame["cal"].astype(int).to_numpy() - 1
    n_years = frame["cal"].map(years).to_numpy(dtype=float)
    length = np.asarray(pd.PeriodIndex(frame["month"], freq="M").days_in_month, dtype=float)
    weights = 1.0 / n_years if daily else length / n_years
    mean_days = pd.Series(length / n_years).groupby(period).sum().to_numpy()
    if daily:  # each day weighs 1/years, so the month's days are the mean month length
        mean_days = pd.Series(weights).groupby(period).sum().to_numpy()
    w = core.Weather(
        frame[column].to_numpy(dtype=float), weights, period, mean_days, str(frame["unit"].iloc[0])
    )
    span = f"{frame['year'].min()}–{frame['year'].max()}"
    src = label if not daily else f"{label}, mean of its complete months {span}"
    return MonthlyWeather([f"{m:02d}" for m in range(1, 13)], w, src,
                          f"each calendar month's {what} pooled over the years")  # fmt: skip


# --- fitting --------------------------------------------------------------------------------


@dataclass
class BaselineFit:
    """A model fitted on a facility's or meter's monthly use."""

    facility: str
    meter: str | None
    first_month: str
    last_month: str
    energy_unit: str
    model: core.Model
    weather_source: str
    weather_method: str
    months: pd.DataFrame  # month, actual, predicted, mean_temp
    months_without_use: list[str] = field(default_factory=list)
    months_without_weather: list[str] = field(default_factory=list)
    commodities: tuple[str, ...] = ()
    _weather: MonthlyWeather | None = None
    _factor: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        model = self.model.as_dict()
        for key in (
            "base_load_per_day",
            "heating_slope_per_degree_day",
            "cooling_slope_per_degree_day",
            "temperature_slope_per_degree_day",
        ):
            if model[key] is not None:
                model[key] = float(model[key])
        return {
            "facility": self.facility,
            "meter": self.meter,
            "commodities": list(self.commodities),
            "baseline_period": [self.first_month, self.last_month],
            "energy_unit": self.energy_unit,
            "weather_source": self.weather_source,
            "weather_method": self.weather_method,
            "model": model,
            "months": _records(self.months),
            "months_without_use": self.months_without_use,
            "months_without_weather": self.months_without_weather,
        }


def jsonable(value: Any) -> Any:
    """Results with NaN and infinities as None and numpy scalars as Python numbers (for JSON)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in row.items()})  # fmt: skip
    return out


@_reused
def fit_baseline(
    db: Database,
    *,
    facility: int | str,
    meter: int | str | None = None,
    first_month: str,
    last_month: str,
    model: str | None = None,
    energy_unit: str = "kWh",
    station: str | None = None,
    min_months: int = 12,
) -> BaselineFit:
    """Fit the Guideline 14 change-point family on months ``first_month``..``last_month``.

    ``model`` fixes one model (``3PH``...) instead of choosing. Months with no use or no weather
    are left out and listed; fewer than ``min_months`` usable months is refused.
    """
    first, last = _month(first_month, "first month"), _month(last_month, "last month")
    if first > last:
        raise InputError(f"first month {first} is after last month {last}")
    if model is not None and model not in core.MODELS:
        raise InputError(f"model {model!r} is not one of {', '.join(core.MODELS)}")
    factor = _unit_factor(energy_unit)
    fac = services.get_facility(db, facility)
    use = monthly_use(db, facility=fac.id or 0, meter=meter, first_month=first, last_month=last)
    wanted = _months(first, last)
    who = use.facility + (f", meter {use.meter}" if use.meter else "")
    if use.frame.empty:
        raise BaselineError(f"{who}: no energy readings in {first}..{last}")
    wx = facility_weather(db, fac, first, last, station=station)
    have_use = set(use.frame["month"])
    have_wx = set(wx.months)
    months = [m for m in wanted if m in have_use and m in have_wx]
    if len(months) < min_months:
        raise BaselineError(
            f"{who}: {len(months)} month(s) in {first}..{last} have both energy use and weather; "
            f"a baseline needs at least {min_months} (a full year covers the seasons)"
        )
    sub = wx.subset(months)
    kwh = use.frame.set_index("month").loc[months, "kwh"].to_numpy(dtype=float)
    y = kwh * factor
    try:
        fitted = core.fit(model, y, sub.weather) if model else core.fit_best(y, sub.weather)
    except InputError as exc:
        raise BaselineError(f"{who}: {exc}") from None
    table = pd.DataFrame({
        "month": months,
        "actual": y,
        "predicted": fitted.predict(sub.weather),
        "mean_temp": sub.weather.mean_temps(),
    })  # fmt: skip
    return BaselineFit(
        facility=use.facility, meter=use.meter, first_month=first, last_month=last,
        energy_unit=energy_unit, model=fitted, weather_source=wx.source,
        weather_method=wx.method, months=table,
        months_without_use=[m for m in wanted if m not in have_use],
        months_without_weather=[m for m in wanted if m in have_use and m not in have_wx],
        commodities=use.commodities, _weather=wx, _factor=factor,
    )  # fmt: skip


# --- savings (IPMVP Option C) ----------------------------------------------------------------


def savings(
    db: Database,
    *,
    facility: int | str,
    meter: int | str | None = None,
    baseline: str | int,
    report: str | int,
    model: str | None = None,
    energy_unit: str = "kWh",
    station: str | None = None,
) -> dict[str, Any]:
    """Avoided energy and cost, month by month: the baseline model with the reporting months'
    weather (the adjusted baseline) minus the use metered in those months (IPMVP Option C,
    whole facility or one meter). Cost avoided is the avoided energy at each month's own
    average price (cost / use), where readings carry cost."""
    b_first, b_last = period(baseline, "baseline")
    r_first, r_last = period(report, "reporting period")
    if r_first <= b_last and r_last >= b_first:
        raise InputError(
            f"the reporting period {r_first}..{r_last} overlaps the baseline {b_first}..{b_last}"
        )
    fit = fit_baseline(
        db, facility=facility, meter=meter, first_month=b_first, last_month=b_last, model=model,
        energy_unit=energy_unit, station=station,
    )  # fmt: skip
    fac = services.get_facility(db, facility)
    use = monthly_use(db, facility=fac.id or 0, meter=meter, first_month=r_first,
                      last_month=r_last)  # fmt: skip
    who = fit.facility + (f", meter {fit.meter}" if fit.meter else "")
    if use.frame.empty:
        raise BaselineError(
            f"{who}: no energy readings in the reporting period {r_first}..{r_last}"
        )
    wx = facility_weather(db, fac, r_first, r_last, station=station)
    wanted = _months(r_first, r_last)
    have_use = set(use.frame["month"])
    months = [m for m in wanted if m in have_use and m in set(wx.months)]
    if not months:
        raise BaselineError(f"{who}: no month of {r_first}..{r_last} has both use and weather")
    sub = wx.subset(months)
    rows = use.frame.set_index("month").loc[months]
    actual = rows["kwh"].to_numpy(dtype=float) * fit._factor
    adjusted = fit.model.predict(sub.weather)
    avoided = adjusted - actual
    price = rows["cost"].to_numpy(dtype=float) / actual
    table = pd.DataFrame({
        "month": months, "mean_temp": sub.weather.mean_temps(), "adjusted_baseline": adjusted,
        "actual": actual, "avoided": avoided, "cost": rows["cost"].to_numpy(dtype=float),
        "avoided_cost": avoided * price,
    })  # fmt: skip
    total_adj = float(adjusted.sum())
    costed = np.isfinite(table["avoided_cost"].to_numpy())
    return {
        "facility": fit.facility,
        "meter": fit.meter,
        "method": "IPMVP Option C (whole facility or meter): avoided energy = adjusted baseline "
        "(baseline model with the reporting months' weather) - metered use",
        "energy_unit": energy_unit,
        "currency": rows["currency"].iloc[0] if costed.any() else None,
        "baseline": fit.as_dict(),
        "reporting_period": [r_first, r_last],
        "reporting_weather_source": wx.source,
        "months": _records(table),
        "months_without_use": [m for m in wanted if m not in have_use],
        "months_without_weather": [m for m in wanted if m in have_use and m not in set(wx.months)],
        "total": {
            "adjusted_baseline": total_adj,
            "actual": float(actual.sum()),
            "avoided": float(avoided.sum()),
            "avoided_pct": float(avoided.sum() / total_adj * 100) if total_adj else None,
            "avoided_cost": float(table["avoided_cost"][costed].sum()) if costed.any() else None,
            "months_with_cost": int(costed.sum()),
        },
        "fit_for_savings": fit.model.fit_for_savings,
        "reasons": list(fit.model.reasons),
    }


# --- normalised use and EUI; forecast --------------------------------------------------------


def normalised(
    db: Database,
    *,
    facility: int | str,
    meter: int | str | None = None,
    year: int | str,
    model: str | None = None,
    station: str | None = None,
) -> dict[str, Any]:
    """Weather-normalised use and site/source EUI for a calendar year.

    The year's own twelve months are fitted (as Portfolio Manager normalises a year), then the
    model is evaluated with normal weather (``normal_weather``). Source energy uses ENERGY STAR
    Portfolio Manager's site-to-source ratios (US facilities), applied to the normalised site
    energy in the year's metered mix of commodities.
    """
    first, last = period(year, "year")
    fit = fit_baseline(db, facility=facility, meter=meter, first_month=first, last_month=last,
                       model=model, station=station)  # fmt: skip
    fac = services.get_facility(db, facility)
    normal = normal_weather(db, fac, station=station)
    if normal.weather.unit != fit.model.unit:
        raise BaselineError(
            f"normal weather is in °{normal.weather.unit}, the model in °{fit.model.unit}"
        )
    per_month = fit.model.predict(normal.weather)
    site = float(per_month.sum())
    use = monthly_use(
        db, facility=fac.id or 0, meter=meter, first_month=first, last_month=last, with_source=True
    )
    actual_site = float(use.frame["kwh"].sum())
    actual_source = float(use.frame["source_kwh"].sum(min_count=len(use.frame)))
    ratio = actual_source / actual_site if actual_site and math.isfinite(actual_source) else None
    area = _area_ft2(fac)
    source = site * ratio if ratio is not None else None
    return {
        "facility": fit.facility,
        "meter": fit.meter,
        "year": [first, last],
        "energy_unit": "kWh",
        "model": fit.model.as_dict(),
        "weather_source": fit.weather_source,
        "normal_weather_source": normal.source,
        "actual_site_kwh": actual_site,
        "normalised_site_kwh": site,
        "normalised_by_month": dict(zip(normal.months, (float(v) for v in per_month), strict=True)),
        "normalised_source_kwh": source,
        "source_ratio": ratio,
        "source_ratio_citation": "ENERGY STAR Portfolio Manager site-to-source ratios "
        "(energy-star-pm/2023)"
        if ratio is not None
        else None,
        "floor_area_ft2": area,
        "normalised_site_eui_kbtu_per_ft2": site * KWH_TO_KBTU / area if area else None,
        "normalised_source_eui_kbtu_per_ft2": source * KWH_TO_KBTU / area
        if area and source is not None
        else None,
        "fit_for_savings": fit.model.fit_for_savings,
        "reasons": list(fit.model.reasons),
    }


def _area_ft2(fac: Facility) -> float | None:
    from greencare.core import units

    if fac.floor_area is None or not fac.floor_area_unit:
        return None
    return units.convert(float(fac.floor_area), fac.floor_area_unit, "ft**2")


def forecast(
    db: Database,
    *,
    facility: int | str,
    meter: int | str | None = None,
    year: int | str,
    target: float | None = None,
    model: str | None = None,
    energy_unit: str = "kWh",
    station: str | None = None,
) -> dict[str, Any]:
    """Year-end use: the year's metered months so far plus the rest at normal weather.

    The model for the remaining months is fitted on the twelve months ending with the last
    month of the year that has use (current performance, not the baseline's). ``target`` is the
    year's use target in ``energy_unit``; the answer says how far the forecast is above it.
    """
    first, last = period(year, "year")
    fac = services.get_facility(db, facility)
    factor = _unit_factor(energy_unit)
    use = monthly_use(db, facility=fac.id or 0, meter=meter, first_month=first, last_month=last)
    if use.frame.empty:
        raise BaselineError(f"{fac.name}: no energy use in {first}..{last} to forecast from")
    so_far = use.frame.sort_values("month")
    latest = str(so_far["month"].iloc[-1])
    fit_first = (pd.Period(latest, freq="M") - 11).strftime("%Y-%m")
    fit = fit_baseline(db, facility=fac.id or 0, meter=meter, first_month=fit_first,
                       last_month=latest, model=model, energy_unit=energy_unit,
                       station=station)  # fmt: skip
    normal = normal_weather(db, fac, station=station)
    per_cal = dict(zip(normal.months, fit.model.predict(normal.weather), strict=True))
    months = _months(first, last)
    metered = dict(zip(so_far["month"], so_far["kwh"] * factor, strict=True))
    rows = []
    for m in months:
        if m in metered:
            rows.append({"month": m, "use": float(metered[m]), "basis": "metered"})
        elif m > latest:
            rows.append({"month": m, "use": float(per_cal[m[5:7]]), "basis": "normal weather"})
        else:
            rows.append({"month": m, "use": float(per_cal[m[5:7]]),
                         "basis": "normal weather (no reading for this month)"})  # fmt: skip
    total = sum(r["use"] for r in rows)
    return {
        "facility": fac.name,
        "meter": use.meter,
        "year": [first, last],
        "energy_unit": energy_unit,
        "months_metered": sorted(metered),
        "model": fit.model.as_dict(),
        "model_period": [fit_first, latest],
        "weather_source": fit.weather_source,
        "normal_weather_source": normal.source,
        "months": rows,
        "forecast": total,
        "target": target,
        "above_target": None if target is None else total - float(target),
        "fit_for_savings": fit.model.fit_for_savings,
        "reasons": list(fit.model.reasons),
    }
