"""One site EUI: the summary (CLI emissions, API), the report and its headline agree.

Issue 10: for a facility with data in some months only, ``greencare emissions`` annualised by
months with data and ``greencare report`` by months in the period (Lakeside 2025: 101 vs 25.16).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pytest import approx

from greencare import services
from greencare.reports import build_report

KWH_TO_KBTU = 3.412141633


@pytest.fixture
def partial_year(tmp_path):
    path = tmp_path / "eui.db"
    db = services.open_db(str(path))
    fac = services.add_facility(db, name="Lakeside", country="US", grid_region="CAMX",
                                floor_area="100000 ft**2")  # fmt: skip
    services.add_meter(db, facility=fac.id, name="Power", commodity="electricity", unit="kWh")
    for month in ("03", "04", "05"):  # data for 3 of the 12 months of 2025
        services.add_reading(db, meter="Power", start=f"2025-{month}-01",
                             end=f"2025-{month}-28", quantity=100_000)  # fmt: skip
    return db, path


def test_site_eui_is_one_definition_everywhere(partial_year) -> None:
    # 300,000 kWh x 3.412141633 = 1,023,642.49 kBtu / 100,000 ft2 x 12 / 12 months = 10.2364.
    # (Annualising by the 3 months with data would give 4 x that, 40.95: an extrapolation.)
    db, path = partial_year
    expected = 300_000 * KWH_TO_KBTU / 100_000
    _, summary = services.emissions(db, year=2025)
    fac = summary["by_facility"][0]
    assert fac["site_eui_kbtu_per_ft2_year"] == approx(expected, abs=1e-3)
    assert fac["energy_months_with_data"] == 3 and fac["period_months"] == 12
    report = build_report(db, year=2025)
    row = report["energy_by_facility"].iloc[0]
    assert row["site_eui_kbtu_ft2"] == approx(expected)
    headline = report["summary"].set_index(["metric", "unit"])["value"]
    assert headline[("Site EUI", "kBtu/ft2/yr")] == approx(expected)
    db.close()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "greencare",
            "--db",
            str(path),
            "emissions",
            "--year",
            "2025",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cli = json.loads(out.stdout)["by_facility"][0]["site_eui_kbtu_per_ft2_year"]
    assert cli == approx(expected, abs=1e-3)


def test_report_shows_biogenic_co2_beside_the_scopes(db) -> None:
    # 1,000 gal B20: 800 x 10.21 = 8,168 kg fossil CO2 (Scope 1); 200 x 9.45 = 1,890 kg biogenic.
    fac = services.add_facility(db, name="Lakeside", country="US", grid_region="CAMX",
                                floor_area="100000 ft**2")  # fmt: skip
    services.add_purchase(db, facility=fac.id, date="2025-05-31", category="fleet_fuel",
                          item="biodiesel_b20", quantity=1000, unit="US_gallon")  # fmt: skip
    report = build_report(db, year=2025)
    totals = report["ghg_totals"].set_index("scope")["co2e_t"]
    assert totals["scope1"] == approx(8.168)
    assert totals["total_location"] == approx(8.168)
    assert totals["biogenic"] == approx(1.89)
    inventory = report["ghg_protocol"].set_index("category")
    assert inventory.loc["biogenic_co2", "scope"] == "outside"
    assert inventory.loc["biogenic_co2", "co2e_t_location"] == approx(1.89)
    assert inventory.loc["biogenic_co2", "label"] == "Biogenic CO2 (outside the scopes)"
    notes = report["methodology_notes"].set_index("topic")["text"]
    assert notes["Biogenic CO2"] == (
        "1.890 t CO2 from the biofuel share of blended fuels (B20, E85, ...), reported outside "
        "the scopes and in no Scope 1-3 total (GHG Protocol)."
    )
    assert notes["EUI"].startswith("Site EUI = site energy in the period / gross floor area")
