"""The weather part of ``services.compare`` when the later period lacks weather for some
months: NOAA's shipped statewide file ends 2025-08, so 2024 -> 2025 has weather for January to
August only. The weather part then uses the same calendar months of both years, says so, and
the rest of the change stays in activity (the parts still add up to the change)."""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterator

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.services import weather
from greencare.services.changes import _span, _weather_kwh, compare

A, B = ("2024-01", "2024-12"), ("2025-01", "2025-12")
#: A 3-parameter heating building: kWh/day = BASE + SLOPE x (BALANCE - mean temperature) below
#: the balance point, the mean temperature of each month from NOAA's PA degree days.
BASE, SLOPE, BALANCE = 3000.0, 600.0, 57.5
WOBBLE = [0.01, -0.015, 0.02, -0.005, 0.0, 0.012, -0.02, 0.008, -0.01, 0.015, -0.012, 0.004]


def _pa_months() -> dict[str, float]:
    """Mean temperature (°F) of each month 2024-01..2025-08 from the shipped PA degree days."""
    frame = weather.nclimdiv_state_months("PA")
    frame = frame[(frame["month"] >= "2024-01") & (frame["month"] <= "2025-12")]
    out = {}
    for month, hdd, cdd in zip(frame["month"], frame["hdd_65f"], frame["cdd_65f"], strict=True):
        days = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
        out[month] = 65.0 + (cdd - hdd) / days
    return out


def _true_kwh(month: str, temp: float) -> float:
    days = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
    return days * (BASE + SLOPE * max(0.0, BALANCE - temp))


@pytest.fixture(scope="module")
def valley() -> Iterator[tuple[Database, int]]:
    """Valley Medical Center (PA), one meter, 2024-01..2025-12: the model's use (with the same
    small wobble both years) where NOAA has the month, and September-December 2025 repeat
    2024's use: months with use but no weather in the shipped file."""
    db = services.open_db(":memory:")
    fac = services.add_facility(db, name="Valley Medical Center", country="US", region="PA",
                                grid_region="RFCE", floor_area="200000 ft**2")  # fmt: skip
    services.add_meter(db, facility=fac.id, name="Valley electric", commodity="electricity",
                       unit="kWh")  # fmt: skip
    temps = _pa_months()
    for year in (2024, 2025):
        for m in range(1, 13):
            month = f"{year}-{m:02d}"
            days = calendar.monthrange(year, m)[1]
            source = month if month in temps else f"2024-{m:02d}"
            kwh = _true_kwh(source, temps[source]) * (1 + WOBBLE[m - 1])
            services.add_reading(db, meter="Valley electric", start=f"{month}-01",
                                 end=f"{month}-{days:02d}", quantity=round(kwh, 1))  # fmt: skip
    assert fac.id is not None
    yield db, fac.id
    db.close()


def _true_weather_kwh() -> float:
    """What the weather moved use by over January-August, by the building's own physics."""
    temps = _pa_months()
    return sum(
        _true_kwh(f"2025-{m:02d}", temps[f"2025-{m:02d}"])
        - _true_kwh(f"2024-{m:02d}", temps[f"2024-{m:02d}"])
        for m in range(1, 9)
    )


def test_the_later_period_really_lacks_weather_after_august(valley) -> None:
    db, fid = valley
    dd = weather.monthly_degree_days(db, facility=fid, first_month="2025-01", last_month="2025-12")
    assert dd["month"].max() == "2025-08"


def test_weather_part_from_the_months_both_periods_have(valley) -> None:
    db, fid = valley
    kwh, text = _weather_kwh(db, fid, A, B)
    assert kwh is not None, text
    truth = _true_weather_kwh()
    assert truth > 1e5  # the 2025 winter was colder than 2024's in Pennsylvania
    assert kwh == pytest.approx(truth, rel=0.02)  # the fitted model, not the truth
    assert "weather for Jan–Aug 2025 only" in text
    assert "the weather data ends 2025-08" in text and "NOAA" in text


def test_decomposition_adds_up_and_the_rest_stays_in_activity(valley) -> None:
    db, fid = valley
    data = compare(db, a=A, b=B)
    (text,) = data["weather"]
    assert text.startswith("Valley Medical Center: ")
    assert "weather for Jan–Aug 2025 only" in text
    kwh, _ = _weather_kwh(db, fid, A, B)
    earlier = services.emissions(db, start=A[0], end=A[1])[1]
    per_kwh = earlier["totals_t"]["scope2_location"] / earlier["by_facility"][0]["site_energy_kwh"]
    for scope in data["scopes"]:
        parts = {p["part"]: p["t"] for p in scope["parts"]}
        assert math.fsum(parts.values()) == pytest.approx(scope["change_t"], abs=1e-9)
        assert round(sum(p["shown_t"] for p in scope["parts"]), 6) == round(
            scope["shown_change_t"], 6
        )
    s2 = {p["part"]: p["t"] for p in next(s for s in data["scopes"] if s["key"] == "scope2_location")
              ["parts"]}  # fmt: skip
    assert s2["weather"] == pytest.approx(kwh * per_kwh, rel=1e-6)
    # September-December repeat 2024 and January-August follow the weather: almost all of the
    # change is weather, what is left (the model's error) is activity
    assert abs(s2["weather"]) > 10 * abs(s2["activity"])


def test_no_weather_at_all_in_the_later_period(valley) -> None:
    db, fid = valley
    kwh, text = _weather_kwh(db, fid, ("2024-09", "2025-08"), ("2025-09", "2026-08"))
    assert kwh is None
    assert text.startswith("no weather model (")


@pytest.mark.parametrize(
    ("months", "said"),
    [
        (["2025-01", "2025-02", "2025-03"], "Jan–Mar 2025"),
        (["2025-09"], "Sep 2025"),
        (["2024-11", "2024-12", "2025-01"], "Nov 2024–Jan 2025"),
        (["2025-01", "2025-02", "2025-05"], "Jan–Feb 2025, May 2025"),
    ],
)
def test_month_spans(months: list[str], said: str) -> None:
    assert _span(months) == said
