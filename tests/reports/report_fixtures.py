"""Helpers shared by the report tests: a small hand-checkable hospital, hostile names."""

from __future__ import annotations

from sqlite_utils import Database

from greencare import services

#: Names a spreadsheet would run, and markup a browser would: both must come out inert.
FORMULA_NAME = '=HYPERLINK("http://example.invalid","x")'
SCRIPT_NAME = "<script>alert('x')</script> Clinic"


def add_small_hospital(db: Database, name: str = "St Example") -> int:
    """A US hospital (CAMX, 350,000 ft², 250 beds) with activity in March 2025 only.

    Gas: 10,000 therm = 1,000 MMBtu -> 53,060 kg CO2 + 1 kg CH4 x 28 + 0.1 kg N2O x 265
    = 53,114.5 kg CO2e (EPA Hub 2025, AR5). Waste (kg): RMW 1,000, sharps 200, solid waste
    3,000, cardboard recycled 800, reusable sharps containers 100 (reused, not waste).
    """
    f = services.add_facility(db, name=name, country="US", grid_region="CAMX",
                              floor_area="350000 ft**2", staffed_beds=250)  # fmt: skip
    gas = services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    power = services.add_meter(db, facility=f.id, name="Electric", commodity="electricity",
                               unit="kWh")  # fmt: skip
    services.add_reading(db, meter=gas.id, start="2025-03-01", end="2025-03-31",
                         quantity=10000, cost=9000)  # fmt: skip
    services.add_reading(db, meter=power.id, start="2025-03-01", end="2025-03-31",
                         quantity=100000, cost=15000, estimated=True)  # fmt: skip
    waste = [
        ("regulated_medical_waste", "autoclave_landfill", 1000, 900.0),
        ("sharps", "incineration", 200, 300.0),
        ("solid_waste", "landfill", 3000, 240.0),
        ("cardboard", "recycling", 800, -40.0),
        ("reusable_sharps_containers", "reuse", 100, None),
    ]
    for stream, route, kg, cost in waste:
        services.add_waste(db, facility=f.id, start_date="2025-03-01", end_date="2025-03-31",
                           stream=stream, route=route, quantity=kg, unit="kg", cost=cost,
                           currency="USD" if cost is not None else None)  # fmt: skip
    services.set_normalizer(db, facility=f.id, month="2025-03", patient_days=6000,
                            adjusted_patient_days=9000, ftes=1500)  # fmt: skip
    assert f.id is not None
    return f.id
