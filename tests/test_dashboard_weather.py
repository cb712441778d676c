"""The dashboard's weather-normalised year to date and year-end forecast
(``services.dashboard.weather``): the same figures as ``services.baselines``, only where a model
fits, cached per database state."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database
from weather_helpers import add_valley_hospital

from greencare import services
from greencare.core.targets import trajectory_fraction
from greencare.services import baselines, dashboard

TODAY = date(2025, 7, 20)  # June 2025 is the last complete month


@pytest.fixture(autouse=True)
def _fresh_cache():
    dashboard._WEATHER_CACHE.clear()
    yield
    dashboard._WEATHER_CACHE.clear()


@pytest.fixture
def valley(db: Database) -> int:
    return add_valley_hospital(db)


def test_normalised_year_to_date_is_the_savings_of_last_years_model(db, valley) -> None:
    d = dashboard.dashboard(db, facility=valley, today=TODAY)
    assert d["month"] == "2025-06"
    n = d["weather"]["normalised"]
    s = baselines.savings(db, facility=valley, baseline="2024", report="2025-01..2025-06")
    assert n["period"] == ["2025-01", "2025-06"] and n["baseline_year"] == 2024
    assert n["months"] == [f"2025-{m:02d}" for m in range(1, 7)]
    assert n["actual_kwh"] == pytest.approx(s["total"]["actual"])
    assert n["adjusted_baseline_kwh"] == pytest.approx(s["total"]["adjusted_baseline"])
    assert n["change"] == pytest.approx(-s["total"]["avoided_pct"] / 100)
    assert n["change"] == pytest.approx(-0.05, abs=0.02)  # the 5 % the helper took off 2025
    assert n["facilities"] == ["Valley Medical Center"] and n["of_facilities"] == 1
    assert n["fit_for_savings"] is True


def test_forecast_against_the_stored_energy_target(db, valley) -> None:
    services.add_target(db, scope="energy", reduction="30%", baseline_year=2024,
                        target_year=2030)  # fmt: skip
    d = dashboard.dashboard(db, facility=valley, today=TODAY)
    f = d["weather"]["forecast"]
    direct = baselines.forecast(db, facility=valley, year="2025", energy_unit="MMBtu")
    assert f["forecast_mmbtu"] == pytest.approx(direct["forecast"])
    assert f["months_metered"] == 6 and f["months"] == 12 and f["year_label"] == "2025"
    (energy,) = [t for t in d["targets"] if t["scope"] == "energy"]
    (against,) = f["targets"]
    path = energy["baseline_value"] * (1 - trajectory_fraction(2024, 2030, 0.3, 2025))
    assert against["target_id"] == energy["id"]
    assert against["path_mmbtu"] == pytest.approx(path)
    assert against["above_path"] == pytest.approx(f["forecast_mmbtu"] / path - 1)


def test_no_model_no_figures_and_the_reason(db, valley) -> None:
    services.add_facility(db, name="No State Clinic", country="US", grid_region="CAMX")
    services.add_meter(db, facility="No State Clinic", name="Clinic gas",
                       commodity="natural_gas", unit="therm")  # fmt: skip
    for m in range(1, 7):
        services.add_reading(db, meter="Clinic gas", start=f"2025-{m:02d}-01",
                             end=f"2025-{m:02d}-28", quantity=1000)  # fmt: skip
    alone = dashboard.dashboard(db, facility="No State Clinic", today=TODAY)["weather"]
    assert alone["normalised"] is None and alone["forecast"] is None
    assert alone["notes"] == [
        "No State Clinic: not weather-normalised: no energy readings in 2024-01..2024-12",
        "No State Clinic: no year-end forecast: degree days not available for No State Clinic: "
        "set the facility's state, e.g. region IL or Illinois",
    ]
    both = dashboard.dashboard(db, today=TODAY)["weather"]
    # the facility with a model still counts, and says it is one of two
    assert both["normalised"]["facilities"] == ["Valley Medical Center"]
    assert both["normalised"]["of_facilities"] == 2
    assert both["forecast"] is None  # a total forecast needs every facility


def test_too_few_months_is_no_figure_not_an_error(db: Database) -> None:
    fid = add_valley_hospital(db, first="2024-09", last="2025-06")
    w = dashboard.dashboard(db, facility=fid, today=TODAY)["weather"]
    assert w["normalised"] is None
    assert any("a baseline needs at least 12" in n for n in w["notes"])


def test_cached_per_database_state(db, valley, monkeypatch) -> None:
    calls = []
    real = baselines.savings
    monkeypatch.setattr(baselines, "savings", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = dashboard.dashboard(db, facility=valley, today=TODAY)["weather"]
    again = dashboard.dashboard(db, facility=valley, today=TODAY)["weather"]
    assert again is first and len(calls) == 1
    (rid,) = db.execute(
        "SELECT r.id FROM readings r JOIN meters m ON m.id = r.meter_id WHERE m.name = "
        "'Valley gas' ORDER BY r.start_utc DESC LIMIT 1"
    ).fetchone()
    services.update_reading(db, rid, quantity=2500, accept_outlier=True)  # an audited edit
    changed = dashboard.dashboard(db, facility=valley, today=TODAY)["weather"]
    assert len(calls) == 2
    assert changed["normalised"]["actual_kwh"] > first["normalised"]["actual_kwh"]
