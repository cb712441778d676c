"""The dashboard's figures and warnings (greencare.dashboard), headless."""

from __future__ import annotations

import calendar
from datetime import date

from greencare import dashboard, services


def _monthly(db, meter: str, months: list[str], quantity: float) -> None:
    for month in months:
        last = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
        services.add_reading(db, meter=meter, start=f"{month}-01", end=f"{month}-{last:02d}",
                             quantity=quantity)  # fmt: skip


def test_a_month_far_from_the_meters_usual_is_flagged(db, us_hospital, gas_meter) -> None:
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    _monthly(db, "Gas", months, 1000)
    _monthly(db, "Gas", ["2025-01"], 1000 * 1000)  # therms typed as ... a thousand times too much
    data = dashboard.dashboard(db, today=date(2025, 3, 1))
    assert data["month"] == "2025-01"
    flagged = [w for w in data["warnings"] if "usual month" in w]
    assert flagged == [
        "St Example / Gas: 2025-01 is 1e+03 x its usual month (check the bill's units and quantity)"
    ]
    assert any("no patient days for 2025-01" in w for w in data["warnings"])


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
