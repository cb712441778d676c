"""The dashboard's figures and warnings (greencare.services.dashboard), headless."""

from __future__ import annotations

import calendar
from datetime import date

from sqlite_helpers import sqlite_steps

from greencare import services
from greencare.services import dashboard


def _monthly(db, meter: str, months: list[str], quantity: float, **kwargs) -> None:
    for month in months:
        last = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
        services.add_reading(db, meter=meter, start=f"{month}-01", end=f"{month}-{last:02d}",
                             quantity=quantity, **kwargs)  # fmt: skip


def test_a_month_far_from_the_meters_usual_is_flagged(db, us_hospital, gas_meter) -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    _monthly(db, "Gas", months, 1000)
    # therms typed as ... a thousand times too much, recorded on purpose over the refusal
    _monthly(db, "Gas", ["2025-01"], 1000 * 1000, accept_outlier=True)
    data = dashboard.dashboard(db, today=date(2025, 3, 1))
    assert data["month"] == "2025-01"
    flagged = [w for w in data["warnings"] if "usual month" in w]
    assert flagged == [
        "St Example / Gas: 2025-01 is 1,000.0 x its usual month (check the bill's units and quantity)"
    ]
    assert any("no patient days for 2025-01" in w for w in data["warnings"])
    accepted = [w for w in data["warnings"] if "accepted over" in w]
    # Usual daily use: the median of 2024's twelve rates falls between a 31-day month's
    # (1000/31) and March's (31 days less the hour clocks go forward): 32.279 therm a day.
    assert accepted == [
        "St Example: reading 13 (2025-01) accepted over a plausibility refusal: 1,000,000 therm "
        "is 999.3 x this meter's usual daily use (refused at 500 x); a unit slip "
        "(kg vs tonnes, kWh vs MWh)?"
    ]


def test_a_month_far_below_the_meters_usual_names_the_fraction(db, us_hospital, gas_meter):
    _monthly(db, "Gas", [f"2024-{m:02d}" for m in range(1, 13)], 30_000)
    _monthly(db, "Gas", ["2025-01"], 1000)  # a thirtieth: "0.033 x" was "3.3e-02 x" before
    data = dashboard.dashboard(db, today=date(2025, 3, 1))
    assert [w for w in data["warnings"] if "usual month" in w] == [
        "St Example / Gas: 2025-01 is 1/30 of its usual month (check the bill's units and quantity)"
    ]


def test_accepted_warnings_are_listed_until_the_value_is_corrected(db, us_hospital, gas_meter):
    _monthly(db, "Gas", [f"2024-{m:02d}" for m in range(1, 13)], 1000)
    _monthly(db, "Gas", ["2025-01"], 50_000)  # 50 x usual: stored, with a warning
    data = dashboard.dashboard(db, today=date(2025, 3, 1))
    assert [w for w in data["warnings"] if "accepted over" in w] == [
        "St Example: reading 13 (2025-01) accepted over a plausibility warning: 50.0 x this "
        "meter's usual daily use; a unit slip (kg vs tonnes, kWh vs MWh)?"
    ]
    services.update_reading(db, 13, start="2025-01-01", end="2025-01-31", quantity=1050)
    data = dashboard.dashboard(db, today=date(2025, 3, 1))
    assert [w for w in data["warnings"] if "accepted over" in w] == []


def test_year_to_date_against_last_year(db, us_hospital, gas_meter) -> None:
    _monthly(db, "Gas", ["2024-01", "2024-02", "2025-01", "2025-02"], 1000)
    data = dashboard.dashboard(db, today=date(2025, 3, 15))
    assert data["month"] == "2025-02"
    ytd, last = data["ytd"], data["ytd_last_year"]
    assert (ytd["from"], ytd["to"], last["from"], last["to"]) == (
        "2025-01", "2025-02", "2024-01", "2024-02",
    )  # fmt: skip
    assert ytd["scope1_t"] > 0 and abs(ytd["scope1_t"] - last["scope1_t"]) < 1e-6
    assert len(data["trend"]) == 24 and data["trend"][-1][0] == "2025-02"


def test_empty_database_says_what_to_do(db) -> None:
    data = dashboard.dashboard(db)
    assert data["month"] is None and "no energy data yet" in data["warnings"][0]


def test_labels_say_what_they_compute(db, us_hospital, gas_meter) -> None:
    """Diversion and recycling apart (Practice Greenhealth), no data rather than 0 without a
    water meter, the share of energy whose bills are priced, and the site EUI."""
    months = ["2024-01", "2024-02", "2025-01", "2025-02"]
    _monthly(db, "Gas", months, 10_000, cost=12_000)
    services.add_meter(db, facility=us_hospital.id, name="Tariff-less", commodity="electricity")
    _monthly(db, "Tariff-less", months[2:], 293_071)  # 1,000 MMBtu, billed without a cost
    for route, stream, kg in (("recycling", "mixed_recycling", 300), ("composting", "food_waste",
                              200), ("landfill", "solid_waste", 500)):  # fmt: skip
        services.add_waste(db, facility=us_hospital.id, start_date="2025-01-01", end_date="2025-01-31",
                           stream=stream, route=route, quantity=kg, unit="kg")  # fmt: skip
    ytd = dashboard.dashboard(db, today=date(2025, 3, 15))["ytd"]
    assert ytd["recycling_rate"] == 0.3 and ytd["diversion_rate"] == 0.5
    assert ytd["water_m3"] is None  # no water meter: "no data", never 0
    assert abs(ytd["energy_cost_coverage"] - 0.5) < 1e-3  # gas 2,000 of 4,000 MMBtu priced
    # 4,000 MMBtu in two months over 350,000 ft², annualised: x 12 / 2
    assert abs(ytd["site_eui_kbtu_ft2"] - 4_000_000 / 350_000 * 6) < 0.05
    services.add_meter(db, facility=us_hospital.id, name="Water", commodity="water", unit="m3")
    assert dashboard.dashboard(db, today=date(2025, 3, 15))["ytd"]["water_m3"] == 0.0


def test_the_reference_month_costs_the_same_for_a_long_history(db, us_hospital, gas_meter):
    """Bounded by meters, not readings: a health system's 700M rows are never all read."""
    _monthly(db, "Gas", ["2025-01"], 1000)
    short = sqlite_steps(db, lambda: dashboard.reference_month(db, today=date(2025, 3, 1)))
    db["readings"].insert_all(  # 3,000 daily readings before it (fast, no roll-ups needed here)
        {"meter_id": gas_meter.id, "start_utc": 1_200_000_000 + 86_400 * k,
         "end_utc": 1_200_000_000 + 86_400 * (k + 1), "quantity": 1.0, "unit": "therm",
         "quantity_canonical": 29.3, "source": "test"}
        for k in range(3000)
    )  # fmt: skip
    assert dashboard.reference_month(db, today=date(2025, 3, 1)) == "2025-01"
    long = sqlite_steps(db, lambda: dashboard.reference_month(db, today=date(2025, 3, 1)))
    assert long <= short + 2, (short, long)
