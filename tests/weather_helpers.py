"""A Pennsylvania hospital whose energy follows NOAA's statewide degree days (shipped in
``factors/noaa-nclimdiv/``), so a change-point model fits: for the dashboard's weather tests."""

from __future__ import annotations

import calendar

from sqlite_utils import Database

from greencare import services
from greencare.services import weather

#: Deterministic wobble (± 2 %) so the fit is good but not exact.
WOBBLE = [0.01, -0.015, 0.02, -0.005, 0.0, 0.012, -0.02, 0.008, -0.01, 0.015, -0.012, 0.004]


def add_valley_hospital(
    db: Database, *, first: str = "2023-07", last: str = "2025-06", saving_2025: float = 0.05
) -> int:
    """Valley Medical Center (US, PA, 200,000 ft²): gas = 60 therm/day + 9 therm per HDD,
    electricity = 9,000 kWh/day + 400 kWh per CDD (65 °F, NOAA nClimDiv PA), months ``first``
    to ``last``; 2025 uses ``saving_2025`` less than that."""
    f = services.add_facility(db, name="Valley Medical Center", country="US", region="PA",
                              grid_region="RFCE", floor_area="200000 ft**2", staffed_beds=150)  # fmt: skip
    services.add_meter(db, facility=f.id, name="Valley gas", commodity="natural_gas", unit="therm")
    services.add_meter(db, facility=f.id, name="Valley electric", commodity="electricity",
                       unit="kWh")  # fmt: skip
    dd = weather.monthly_degree_days(db, facility=f.id, first_month=first, last_month=last)
    for i, row in enumerate(dd.itertuples()):
        y, m = int(row.month[:4]), int(row.month[5:])
        days = calendar.monthrange(y, m)[1]
        scale = (1 + WOBBLE[i % 12]) * (1 - saving_2025 if y == 2025 else 1.0)
        start, end = f"{row.month}-01", f"{row.month}-{days:02d}"
        services.add_reading(db, meter="Valley gas", start=start, end=end,
                             quantity=round((60 * days + 9 * row.hdd) * scale, 1),
                             cost=round((60 * days + 9 * row.hdd) * 1.1, 2))  # fmt: skip
        services.add_reading(db, meter="Valley electric", start=start, end=end,
                             quantity=round((9000 * days + 400 * row.cdd) * scale, 1),
                             cost=round((9000 * days + 400 * row.cdd) * 0.12, 2))  # fmt: skip
    assert f.id is not None
    return f.id
