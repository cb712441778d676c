"""greencare.services.baselines: fits on monthly roll-ups joined to NOAA statewide weather."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import InputError
from greencare.core.models import Facility
from greencare.services import baselines, weather

BASE_PER_DAY = 3000.0  # kWh/day
SLOPE = 120.0  # kWh per °F·day below the balance point
BALANCE = 57.5  # °F


def illinois_mean_temps(first: str, last: str) -> pd.DataFrame:
    """Monthly mean °F for Illinois from the shipped nClimDiv degree days (65 + (CDD-HDD)/n)."""
    frame = weather.nclimdiv_state_months("IL")
    frame = frame[(frame["month"] >= first) & (frame["month"] <= last)].reset_index(drop=True)
    days = pd.PeriodIndex(frame["month"], freq="M").days_in_month.to_numpy()
    frame["days"] = days
    frame["tmean"] = 65.0 + (frame["cdd_65f"] - frame["hdd_65f"]) / days
    return frame


def synthetic_use(frame: pd.DataFrame, scale: float = 1.0) -> np.ndarray:
    """A 3-parameter heating building; a small fixed wobble so the statistics are not zero."""
    wobble = 1.0 + 0.01 * np.sin(np.arange(len(frame)) * 1.7)
    heat = SLOPE * frame["days"] * np.maximum(0.0, BALANCE - frame["tmean"])
    return scale * (BASE_PER_DAY * frame["days"] + heat).to_numpy() * wobble


@pytest.fixture(scope="module")
def built() -> Iterator[tuple[Database, Facility]]:
    """Built once per module (the tests only read it): 2023-01..2025-08, monthly bills."""
    db = services.open_db(":memory:")
    fac = services.add_facility(
        db, name="Springfield General", country="US", region="IL", grid_region="SRMW",
        floor_area="400000 ft**2",
    )  # fmt: skip
    meter = services.add_meter(db, facility=fac.id, name="Main", commodity="electricity",
                               unit="kWh")  # fmt: skip
    temps = illinois_mean_temps("2023-01", "2025-08")
    use = synthetic_use(temps)
    use[temps["month"] >= "2025-01"] *= 0.9  # a 10 % efficiency measure from January 2025
    for month, quantity in zip(temps["month"], use, strict=True):
        start = pd.Period(month, freq="M")
        services.add_reading(
            db, meter=meter.id, start=start.start_time.date().isoformat(),
            end=start.end_time.date().isoformat(), quantity=round(float(quantity), 3),
            cost=round(float(quantity) * 0.12, 2), currency="USD",
        )  # fmt: skip
    yield db, fac
    db.close()


@pytest.fixture
def springfield(built):
    return built[1]


@pytest.fixture
def sdb(built) -> Database:
    return built[0]


def test_fit_recovers_the_heating_balance_point_from_nclimdiv_weather(sdb, springfield) -> None:
    fit = baselines.fit_baseline(
        sdb, facility="Springfield General", first_month="2023-01", last_month="2024-12"
    )
    assert fit.model.kind == "3PH"
    assert fit.model.heating_balance == pytest.approx(BALANCE, abs=0.5)
    assert fit.model.base_load == pytest.approx(BASE_PER_DAY, rel=0.02)
    assert fit.model.heating_slope == pytest.approx(SLOPE, rel=0.03)
    assert fit.model.fit_for_savings
    assert fit.weather_source == "NOAA NCEI nClimDiv v1.0.0-20250905 (noaa-nclimdiv/2025), state IL"
    assert len(fit.months) == 24
    data = fit.as_dict()
    assert data["model"]["limits"]["cv_rmse"] == 0.15


def test_savings_month_by_month_find_the_ten_percent(sdb, springfield) -> None:
    result = baselines.savings(sdb, facility=springfield.id, baseline="2023..2024", report="2025")
    assert result["reporting_period"] == ["2025-01", "2025-12"]
    assert [m["month"] for m in result["months"]] == [f"2025-{m:02d}" for m in range(1, 9)]
    # months not yet published by NOAA are listed, not guessed
    assert result["months_without_use"] == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert result["total"]["avoided_pct"] == pytest.approx(10.0, abs=1.0)
    first = result["months"][0]
    assert first["avoided"] == pytest.approx(first["adjusted_baseline"] - first["actual"])
    assert first["avoided_cost"] == pytest.approx(first["avoided"] * 0.12, rel=1e-3)
    assert result["currency"] == "USD"
    assert result["fit_for_savings"] is True
    assert "IPMVP Option C" in result["method"]


def test_normalised_use_and_eui(sdb, springfield) -> None:
    result = baselines.normalised(sdb, facility=springfield.id, year=2024)
    assert result["normal_weather_source"].endswith("1991–2020 monthly means")
    # normal-weather use of the synthetic building, worked from the same pooled normals
    temps = illinois_mean_temps("1991-01", "2020-12")
    days = temps["days"].to_numpy()
    heat = SLOPE * days * np.maximum(0.0, BALANCE - temps["tmean"].to_numpy())
    expected = (BASE_PER_DAY * days + heat).sum() / 30
    assert result["normalised_site_kwh"] == pytest.approx(expected, rel=0.02)
    eui = result["normalised_site_eui_kbtu_per_ft2"]
    assert eui == pytest.approx(result["normalised_site_kwh"] * 3.412141633 / 400000)
    # electricity's PM site-to-source ratio (2.80 in the 2023 table)
    assert result["source_ratio"] == pytest.approx(2.8)
    assert result["normalised_source_eui_kbtu_per_ft2"] == pytest.approx(eui * 2.8)


def test_forecast_fills_the_rest_of_the_year_with_normal_weather(sdb, springfield) -> None:
    result = baselines.forecast(sdb, facility=springfield.id, year=2025, target=20_000_000)
    assert result["months_metered"] == [f"2025-{m:02d}" for m in range(1, 9)]
    assert [r["basis"] for r in result["months"][8:]] == ["normal weather"] * 4
    assert result["model_period"] == ["2024-09", "2025-08"]
    assert result["forecast"] == pytest.approx(sum(r["use"] for r in result["months"]))
    assert result["above_target"] == pytest.approx(result["forecast"] - 20_000_000)


def test_too_few_months_is_refused_in_one_line(sdb, springfield) -> None:
    with pytest.raises(baselines.BaselineError, match=r"6 month\(s\) in 2024-01..2024-06 have"):
        baselines.fit_baseline(sdb, facility=springfield.id, first_month="2024-01",
                               last_month="2024-06")  # fmt: skip


def test_no_weather_for_the_facility_is_refused(db, us_hospital, gas_meter) -> None:
    services.add_reading(db, meter=gas_meter.id, start="2024-01-01", end="2024-01-31",
                         quantity=10000)  # fmt: skip
    with pytest.raises(weather.NotAvailableError, match="set the facility's state"):
        baselines.fit_baseline(db, facility=us_hospital.id, first_month="2024-01",
                               last_month="2024-12")  # fmt: skip


def test_overlapping_periods_and_bad_models_are_refused(sdb, springfield) -> None:
    with pytest.raises(InputError, match="overlaps the baseline"):
        baselines.savings(sdb, facility=springfield.id, baseline="2024", report="2024-06..2025-05")
    with pytest.raises(InputError, match="model '6P' is not one of"):
        baselines.fit_baseline(sdb, facility=springfield.id, first_month="2024-01",
                               last_month="2024-12", model="6P")  # fmt: skip


def test_energy_unit_converts_with_pint(sdb, springfield) -> None:
    kwh = baselines.fit_baseline(sdb, facility=springfield.id, first_month="2024-01",
                                 last_month="2024-12")  # fmt: skip
    mmbtu = baselines.fit_baseline(sdb, facility=springfield.id, first_month="2024-01",
                                   last_month="2024-12", energy_unit="MMBtu")  # fmt: skip
    assert mmbtu.months["actual"].sum() == pytest.approx(
        kwh.months["actual"].sum() * 0.003412141633, rel=1e-6
    )
    assert mmbtu.model.heating_balance == pytest.approx(kwh.model.heating_balance, abs=1e-6)


def test_an_imported_station_is_used_with_its_daily_temperatures(db, tmp_path) -> None:
    """Daily means give degree days at every candidate base: the balance point comes back."""
    fac = services.add_facility(db, name="Oak Park", country="US", region="IL",
                                grid_region="SRMW")  # fmt: skip
    meter = services.add_meter(db, facility=fac.id, name="Gas", commodity="natural_gas",
                               unit="therm")  # fmt: skip
    days = pd.date_range("2023-01-01", "2024-12-31", freq="D")
    doy = days.day_of_year.to_numpy()
    tavg = np.round(52 + 25 * np.sin(2 * np.pi * (doy - 110) / 365) + 8 * np.sin(doy * 2.3), 1)
    lines = ['"STATION","NAME","DATE","TAVG","TMAX","TMIN"']
    lines += [f'"USW0000TEST","TEST STATION, IL US","{d.date()}","{t}","",""'
              for d, t in zip(days, tavg, strict=True)]  # fmt: skip
    path = tmp_path / "station.csv"
    path.write_text("\n".join(lines) + "\n")
    weather.import_weather(db, path, facility=fac.id, unit="F")
    frame = pd.DataFrame({"month": days.strftime("%Y-%m"),
                          "therm": 20 + 1.5 * np.maximum(0.0, 60.0 - tavg)})  # fmt: skip
    for month, therm in frame.groupby("month")["therm"].sum().items():
        p = pd.Period(month, freq="M")
        services.add_reading(db, meter=meter.id, start=p.start_time.date().isoformat(),
                             end=p.end_time.date().isoformat(), quantity=round(therm, 4))  # fmt: skip
    fit = baselines.fit_baseline(db, facility=fac.id, first_month="2023-01", last_month="2024-12",
                                 energy_unit="therm")  # fmt: skip
    assert fit.weather_source == "station USW0000TEST (imported daily mean temperatures)"
    assert fit.model.kind == "3PH"
    assert fit.model.heating_balance == pytest.approx(60.0, abs=0.01)
    assert fit.model.heating_slope == pytest.approx(1.5, rel=1e-4)
    assert fit.model.base_load == pytest.approx(20.0, rel=1e-4)
    result = baselines.normalised(db, facility=fac.id, year=2024)
    assert result["normal_weather_source"] == (
        "station USW0000TEST, mean of its complete months 2023–2024"
    )


def test_a_water_meter_has_no_energy_baseline(db, springfield_water) -> None:
    with pytest.raises(baselines.BaselineError, match="meter Water measures water, not energy"):
        baselines.fit_baseline(db, facility=springfield_water.facility_id, meter="Water",
                               first_month="2024-01", last_month="2024-12")  # fmt: skip


@pytest.fixture
def springfield_water(db):
    fac = services.add_facility(db, name="Waterside", country="US", region="IL",
                                grid_region="SRMW")  # fmt: skip
    return services.add_meter(db, facility=fac.id, name="Water", commodity="water", unit="kgal")


def test_a_fixed_model_and_json_safe_results(sdb, springfield) -> None:
    fit = baselines.fit_baseline(sdb, facility=springfield.id, first_month="2023-01",
                                 last_month="2024-12", model="mean")  # fmt: skip
    assert fit.model.kind == "mean"
    assert fit.model.candidates == ()
    assert fit.model.cv_rmse > 0.15 and not fit.model.fit_for_savings
    data = baselines.jsonable({"a": float("nan"), "b": [np.float64(1.5), float("inf")]})
    assert data == {"a": None, "b": [1.5, None]}


def test_reusing_fits_once_for_the_same_months_however_the_call_is_spelled(
    sdb, springfield, monkeypatch
) -> None:
    """Inside ``reusing()`` a second call with the same arguments (defaults given or left out)
    is the first call's result; a refusal is raised again; outside it every call fits anew."""
    from greencare.core import baseline as core

    fits = []
    fit_best = core.fit_best
    monkeypatch.setattr(core, "fit_best", lambda *a, **k: fits.append(1) or fit_best(*a, **k))
    args = {"facility": springfield.id, "first_month": "2024-01", "last_month": "2024-12"}
    with baselines.reusing():
        one = baselines.fit_baseline(sdb, **args)
        two = baselines.fit_baseline(sdb, **args, model=None, energy_unit="kWh", station=None)
        assert two is one and len(fits) == 1
        other = baselines.fit_baseline(sdb, **{**args, "last_month": "2025-06"})
        assert other is not one and len(fits) == 2
        for _ in range(2):
            with pytest.raises(baselines.BaselineError, match=r"6 month\(s\)"):
                baselines.fit_baseline(sdb, **{**args, "last_month": "2024-06"})
    again = baselines.fit_baseline(sdb, **args)
    assert again is not one and len(fits) == 3
    assert again.model.as_dict() == one.model.as_dict()
