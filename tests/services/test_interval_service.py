"""services.interval: one read of the hours for every chart, and the billed-vs-metered demand
check against hand-computed peaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greencare import services
from greencare.services import interval as use_case
from greencare.storage import readings

LA = "America/Los_Angeles"


def _quarter_hours(db, meter_id: int, first: str, kwh: list[float]) -> None:
    start = int(pd.Timestamp(first, tz=LA).timestamp()) + 900 * np.arange(len(kwh))
    frame = pd.DataFrame({"meter_id": meter_id, "start_utc": start, "end_utc": start + 900,
                          "quantity": kwh, "unit": "kWh", "quantity_canonical": kwh,
                          "cost": np.nan, "currency": None, "estimated": 0, "source": "test",
                          "batch_id": None})  # fmt: skip
    with db.atomic():
        readings.insert_frame(db, frame)


@pytest.fixture
def meters(db, us_hospital):
    bills = services.add_meter(db, facility=us_hospital.id, name="Main", commodity="electricity")
    smart = services.add_meter(db, facility=us_hospital.id, name="Smart", commodity="electricity")
    # 2025-01-10: two hours of 15-minute data, 10 kWh each (40 kW) but one of 30 kWh (120 kW)
    kwh = [10.0] * 8
    kwh[5] = 30.0
    _quarter_hours(db, int(smart.id), "2025-01-10 08:00", kwh)
    return bills, smart


def test_load_reads_the_hours_once_for_every_chart(db, meters) -> None:
    _, smart = meters
    assert services.has_interval_data(db, smart.id) and not services.has_interval_data(db, "Main")
    data = services.load_interval(db, "Smart")
    assert data.months == ["2025-01"] and data.power_unit == "kW" and len(data.hours) == 2
    (january,) = use_case.metrics(data)
    assert january["peak_power"] == 120.0
    assert january["peak_start"] == "2025-01-10T09:15:00-08:00"
    assert january["energy"] == 100.0 and january["load_factor"] == pytest.approx(50 / 120)
    curve = use_case.load_duration(data)
    assert curve["power"].tolist() == [60.0, 40.0]  # (10+30+10+10) kWh in hour 9, 40 in hour 8
    with pytest.raises(
        services.NoIntervalData, match=r"Main \(St Example\) has no interval readings"
    ):
        services.load_interval(db, "Main")
    with pytest.raises(services.NoIntervalData, match="from 2025-02 to the end"):
        services.load_interval(db, "Smart", first_month="2025-02")


def test_billed_demand_below_the_metered_peak_is_flagged(db, meters) -> None:
    services.add_reading(db, meter="Main", start="2025-01-01", end="2025-01-31", quantity=50000,
                         demand_kw=100)  # fmt: skip
    (found,) = use_case.billed_vs_metered(db, "Main")
    assert (found["demand_kw"], found["metered_peak"], found["interval_meter"]) == (
        100.0, 120.0, "Smart"
    )  # fmt: skip
    assert found["peak_start"] == "2025-01-10T09:15:00-08:00"
    row = services.add_reading(db, meter="Main", start="2025-02-01", end="2025-02-28",
                               quantity=50000, demand_kw=90)  # fmt: skip
    assert row["warnings"] == []  # no interval data in February
    january = services.list_readings(db, meter="Main", limit=None)[-1]
    edited = services.update_reading(db, january["id"], demand_kw=120)
    assert edited["warnings"] == [] and use_case.billed_vs_metered(db, "Main") == []
    edited = services.update_reading(db, january["id"], demand_kw=119.5)
    assert edited["warnings"] == [
        "billed demand 119.5 kW (2025-01-01 to 2025-01-31) is below the metered peak 120.0 kW "
        "of Smart at 2025-01-10 09:15 in the same period"
    ]
    assert services.get_reading(db, january["id"])["demand_kw"] == 119.5  # stored all the same
