"""`greencare emissions --year 2019..2023` on a UK hospital, against the BEIS/DESNZ flat files.

Every expected value is written out from the flat file's 'Factors by Category' sheet (file and
row named beside it; the files are listed in factors/desnz/<year>/dataset.toml). The facility
has no pinned edition: each year must pick its own edition. For the per-gas factors the engine
adds the CO2, CH4 and N2O columns (each already kg CO2e under the edition's GWP set: AR4 up to
2022, AR5 in 2023), so the expected figure is kWh x (CO2 + CH4 + N2O).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest import approx

from greencare import services
from greencare.cli import main

POWER_KWH = 100_000.0
GAS_KWH = 200_000.0
WATER_M3 = 1_000.0

#: year -> factors read from that year's flat file, kg CO2e per unit.
#: gas = natural gas kWh (Gross CV), per gas CO2, CH4, N2O; elec = UK electricity generated;
#: td = T&D- UK electricity; wtt_gas = WTT- fuels natural gas kWh (Gross CV);
#: wtt_elec / wtt_td = WTT- UK electricity (generation) / (T&D); water_supply / water_treatment
#: per cubic metre.
FLAT: dict[int, dict[str, Any]] = {
    # beis_conversion-factors-2019-flat-file-v01-02.xls: gas rows 55-57, electricity 1931-1933,
    # T&D 2380-2382, WTT gas 2703, WTT electricity 2797/2798, water 2246/2248.
    2019: {
        "gas": (0.18351, 0.00024, 0.0001),
        "elec": (0.25358, 0.00065, 0.00137),
        "td": (0.02153, 0.00005, 0.00012),
        "wtt_gas": 0.02391,
        "wtt_elec": 0.03565,
        "wtt_td": 0.00303,
        "water_supply": 0.344,
        "water_treatment": 0.708,
        "gwp": "AR4",
    },
    # beis_conversion-factors-2020-flat-file.xlsx: the same rows as 2019.
    2020: {
        "gas": (0.18352, 0.00025, 0.0001),
        "elec": (0.23104, 0.00072, 0.00138),
        "td": (0.01987, 0.00006, 0.00012),
        "wtt_gas": 0.02391,
        "wtt_elec": 0.03217,
        "wtt_td": 0.00277,
        "water_supply": 0.344,
        "water_treatment": 0.708,
        "gwp": "AR4",
    },
    # beis_conversion-factors-2021-flat-file_cfkg.xls: gas rows 71-73, electricity 1975-1977,
    # T&D 2437-2439, WTT gas 2764, WTT electricity 2862/2863, water 2290/2292.
    2021: {
        "gas": (0.18282, 0.00025, 0.0001),
        "elec": (0.21016, 0.0008, 0.00137),
        "td": (0.0186, 0.00007, 0.00012),
        "wtt_gas": 0.03135,
        "wtt_elec": 0.05529,
        "wtt_td": 0.00489,
        "water_supply": 0.149,
        "water_treatment": 0.272,
        "gwp": "AR4",
    },
    # beis_ghg-conversion-factors-2022-flat-format.xls: gas rows 83-85, electricity 2855-2857,
    # T&D 3413-3415, WTT gas 3265, WTT electricity 3724/3725, water 3729/3731.
    2022: {
        "gas": (0.18219, 0.00025, 0.0001),
        "elec": (0.19121, 0.0008, 0.00137),
        "td": (0.0175, 0.00007, 0.00012),
        "wtt_gas": 0.0311,
        "wtt_elec": 0.04625,
        "wtt_td": 0.00423,
        "water_supply": 0.149,
        "water_treatment": 0.272,
        "gwp": "AR4",
    },
    # desnz_ghg-conversion-factors-2023-flat-file-update.xlsx (cells at full precision): gas rows
    # 84-86, electricity 2851-2853, T&D 3412-3414, WTT gas 3261, WTT electricity 3723/3724,
    # water 3728/3730.
    2023: {
        "gas": (0.18256, 0.00028, 8.89261744966443e-05),
        "elec": (0.20496, 0.000896, 0.00121828859060403),
        "td": (0.01773, 7.84e-05, 0.000106711409395973),
        "wtt_gas": 0.03021,
        "wtt_elec": 0.0459,
        "wtt_td": 0.00397,
        "water_supply": 0.176684546579014,
        "water_treatment": 0.201318291710656,
        "gwp": "AR5",
    },
}


@pytest.fixture(scope="module")
def uk_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One UK hospital, no pin: June readings of power, gas (kWh) and water in 2019-2023."""
    path = tmp_path_factory.mktemp("uk-editions") / "uk.db"
    db = services.open_db(str(path))
    try:
        fac = services.add_facility(db, name="Leeds General", country="GB", grid_region="GB")
        for name, commodity, unit in (
            ("Power", "electricity", "kWh"),
            ("Gas", "natural_gas", "kWh"),
            ("Water", "water", "m**3"),
        ):
            services.add_meter(db, facility=fac.id, name=name, commodity=commodity, unit=unit)
        for year in FLAT:
            for name, qty in (("Power", POWER_KWH), ("Gas", GAS_KWH), ("Water", WATER_M3)):
                services.add_reading(
                    db, meter=name, start=f"{year}-06-01", end=f"{year}-06-30", quantity=qty
                )
    finally:
        db.close()
    return path


def emissions(db: Path, year: int) -> dict[str, Any]:
    home = db.parent
    runner = CliRunner(
        env={"GREENCARE_DB": str(home / "unused.db"), "XDG_DATA_HOME": str(home / "xdg")}
    )
    result = runner.invoke(main, ["--db", str(db), "emissions", "--year", str(year), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("year", sorted(FLAT))
def test_uk_year_uses_its_own_flat_file_edition(uk_db: Path, year: int) -> None:
    f = FLAT[year]
    data = emissions(uk_db, year)
    assert data["gaps"] == []
    assert {d["id"] for d in data["datasets"]} == {f"desnz/{year}", f"ipcc-gwp/{f['gwp'].lower()}"}
    assert data["gwp_sets_used"] == [f["gwp"], f"{f['gwp']} (as published)"]
    assert data["gwp"] == f"each dataset's own ({f['gwp']} for desnz/{year})"
    by_cat = {c["category"]: c["co2e_t"] for c in data["by_category"]}
    # hand values in kg CO2e; the JSON reports tonnes rounded to 6 decimals (1 g)
    scope1 = GAS_KWH * sum(f["gas"])
    elec = POWER_KWH * sum(f["elec"])
    cat3 = POWER_KWH * (sum(f["td"]) + f["wtt_elec"] + f["wtt_td"]) + GAS_KWH * f["wtt_gas"]
    assert by_cat == approx(
        {
            "stationary_combustion": scope1 / 1000,
            "purchased_electricity": elec / 1000,
            "cat3_fuel_energy": cat3 / 1000,
            "cat1_purchased_goods": WATER_M3 * f["water_supply"] / 1000,
            "cat5_waste": WATER_M3 * f["water_treatment"] / 1000,
        },
        abs=1e-6,
    )
    totals = data["totals_t"]
    assert totals["scope1"] == approx(scope1 / 1000, abs=1e-6)
    assert totals["scope2_location"] == approx(elec / 1000, abs=1e-6)


def test_uk_2019_by_hand_in_full(uk_db: Path) -> None:
    """2019 written out: 200,000 kWh gas x 0.18385 (row 54 'kg CO2e' = 0.18351 + 0.00024 +
    0.0001), 100,000 kWh x 0.2556 (row 1930), and Scope 3 = 100,000 x (0.0217 + 0.03565 +
    0.00303) + 200,000 x 0.02391 + 1,000 m3 x (0.344 + 0.708)."""
    totals = emissions(uk_db, 2019)["totals_t"]
    assert totals["scope1"] == approx(36.77, abs=1e-6)
    assert totals["scope2_location"] == approx(25.56, abs=1e-6)
    assert totals["scope3"] == approx(2.170 + 3.565 + 0.303 + 4.782 + 0.344 + 0.708, abs=1e-6)


def test_uk_propane_before_2021_is_refused_not_priced_as_lpg(tmp_path: Path) -> None:
    """The 2018-2020 flat files have LPG rows but none for propane: the year is refused with
    the missing factor named, never filled from LPG or from a later edition."""
    path = tmp_path / "propane.db"
    db = services.open_db(str(path))
    try:
        fac = services.add_facility(db, name="Leeds General", country="GB", grid_region="GB")
        services.add_meter(db, facility=fac.id, name="Tank", commodity="propane", unit="litre")
        services.add_reading(db, meter="Tank", start="2019-06-01", end="2019-06-30", quantity=1000)
    finally:
        db.close()
    before = path.read_bytes()
    runner = CliRunner(env={"GREENCARE_DB": str(tmp_path / "unused.db")})
    result = runner.invoke(main, ["--db", str(path), "emissions", "--year", "2019", "--json"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    edition = "UK Government GHG Conversion Factors for Company Reporting (flat file) 2019 v1.03"
    assert result.stderr.startswith("error: missing emission factors")
    assert f"{edition} has no stationary_combustion factor for 'propane'" in result.stderr
    assert f"{edition} has no well_to_tank factor for 'propane'" in result.stderr
    assert path.read_bytes() == before


def test_uk_2019_gases_are_ar4_co2e_turned_back_into_masses(uk_db: Path) -> None:
    """The 2019 CH4 and N2O columns are CO2e under AR4 (CH4 25, N2O 298): the masses are those
    columns / the AR4 GWP, and --gwp AR5 re-weights the same masses (CH4 28, N2O 265)."""
    # CH4 kg CO2e: gas 200,000 x 0.00024 (row 55) + electricity 100,000 x 0.00065 (row 1931)
    # + T&D 100,000 x 0.00005 (row 2380) = 48 + 65 + 5 = 118; N2O: 20 + 137 + 12 = 169.
    ch4_mass, n2o_mass = 118 / 25, 169 / 298
    own = {g["gas"]: g for g in emissions(uk_db, 2019)["by_gas"]}
    assert own["CH4"]["mass_kg"] == approx(ch4_mass, abs=1e-6)
    assert own["N2O"]["mass_kg"] == approx(n2o_mass, abs=1e-6)
    assert own["CH4"]["co2e_t"] == approx(0.118, abs=1e-6)
    home = uk_db.parent
    runner = CliRunner(env={"GREENCARE_DB": str(home / "unused.db")})
    result = runner.invoke(
        main, ["--db", str(uk_db), "emissions", "--year", "2019", "--gwp", "AR5", "--json"]
    )
    assert result.exit_code == 0, result.output
    ar5 = {g["gas"]: g for g in json.loads(result.stdout)["by_gas"]}
    assert ar5["CH4"]["mass_kg"] == approx(ch4_mass, abs=1e-6)
    assert ar5["CH4"]["co2e_t"] == approx(ch4_mass * 28 / 1000, abs=1e-6)
    assert ar5["N2O"]["co2e_t"] == approx(n2o_mass * 265 / 1000, abs=1e-6)
