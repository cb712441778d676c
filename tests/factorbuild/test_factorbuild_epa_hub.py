"""EPA Hub extractor on a tiny workbook laid out like the 2025 'Emission Factors Hub' sheet."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from greencare.factorbuild import epa_hub

ROWS: dict[int, list] = {
    2: [None, "Emission Factors for Greenhouse Gas Inventories"],
    8: [None, None, "CH4", 28],
    12: [None, "Table 1", "   Stationary Combustion"],
    14: [
        None,
        None,
        "Fuel Type",
        "Heat Content (HHV)",
        "CO2 Factor",
        "CH4 Factor",
        "N2O Factor",
        "CO2 Factor",
        "CH4 Factor",
        "N2O Factor",
    ],
    15: [
        None,
        None,
        None,
        "mmBtu per short ton",
        "kg CO2 per mmBtu",
        "g CH4 per mmBtu",
        "g N2O per mmBtu",
        "kg CO2 per short ton",
        "g CH4 per short ton",
        "g N2O per short ton",
    ],
    16: [None, None, "Other Fuels - Solid"],
    17: [None, None, "Municipal Solid Waste", 9.95, 90.7, 32, 4.2, 902, 318, 42],
    18: [
        None,
        None,
        None,
        "mmBtu per scf",
        "kg CO2 per mmBtu",
        "g CH4 per mmBtu",
        "g N2O per mmBtu",
        "kg CO2 per scf",
        "g CH4 per scf",
        "g N2O per scf",
    ],
    19: [None, None, "Natural Gas"],
    20: [None, None, "Natural Gas", 0.001026, 53.06, 1, 0.1, 0.05444, 0.00103, 0.0001],
    21: [None, None, "Blast Furnace Gas", 9.2e-05, 274.32, 0.022000000000000002, 0.1],
    22: [None, None, "Source:"],
    23: [None, None, "Federal Register EPA; 40 CFR Part 98"],
    30: [None, "Table 6", "   Electricity"],
    32: [
        None,
        None,
        None,
        None,
        "Total Output Emission Factors",
        None,
        None,
        "Non-Baseload Emission Factors",
    ],
    33: [
        None,
        None,
        "eGRID Subregion Acronym",
        "eGRID Subregion Name",
        "CO2 Factor",
        "CH4 Factor",
        "N2O Factor",
        "CO2 Factor",
        "CH4 Factor",
        "N2O Factor",
        "Grid Gross Loss (%)",
    ],
    34: [
        None,
        None,
        None,
        None,
        "(lb CO2 / MWh)",
        "(lb CH4 / MWh)",
        "(lb N2O / MWh)",
        "(lb CO2 / MWh)",
        "(lb CH4 / MWh)",
        "(lb N2O / MWh)",
    ],
    35: [
        None,
        None,
        "CAMX",
        "WECC California",
        436.655,
        0.025,
        0.003,
        1033.985,
        0.051,
        0.007,
        0.041,
    ],
    36: [
        None,
        None,
        "PRMS",
        "Puerto Rico Miscellaneous",
        1542.952,
        0.077,
        0.012,
        1636.738,
        0.072,
        0.012,
    ],
    37: [
        None,
        None,
        "US Average",
        "US Average",
        771.523,
        0.057,
        0.008,
        1393.7,
        0.104,
        0.015,
        0.042,
    ],
    38: [None, None, "Source: EPA eGRID2023, January 2025"],
    40: [None, "Scope 3 Emission Factors"],
    42: [None, "Table 9", "Scope 3 Category 5: Waste Generated in Operations"],
    43: [None, None, None, "Metric Tons CO2e / Short Ton Material"],
    44: [
        None,
        None,
        "Material",
        "RecycledA",
        "LandfilledB",
        "CombustedC",
        "CompostedD",
        "Anaerobically Digested (Dry Digestate with Curing)",
        "Anaerobically Digested (Wet  Digestate with Curing)",
    ],
    45: [None, None, "Mixed MSW", "NA", 0.58, 0.43, "NA", "NA", "NA"],
    46: [None, None, "Source: "],
    50: [None, "Table 11", "   Global Warming Potential (GWP)"],
    51: [
        None,
        None,
        "Industrial Designation or \nCommon Name\xa0",
        "Chemical Formula\xa0",
        "100-Year GWP",
    ],
    52: [None, None, "Methane", "CH4", 28],
    53: [None, None, "HFC-134a", "CH2FCF3 \xa0", 1300],
    54: [None, None, "Source: \n100-year GWP values from IPCC AR5"],
    56: [None, "Table 12", "Global Warming Potential (GWP) for Blended Refrigerants"],
    57: [None, None, "ASHRAE #", "100-year GWP", "Blend Composition"],
    58: [None, None, "R-410A", 1924, "50% HFC-32 , 50% HFC-125"],
    59: [None, None, "Source: \n100-year GWP values"],
}


def make_workbook(path: Path, rows: dict[int, list] = ROWS) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Emission Factors Hub"
    for r, values in rows.items():
        for c, v in enumerate(values, start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    make_workbook(src / epa_hub.SOURCE_FOLDER / "ghg-emission-factors-hub-2025.xlsx")
    epa_hub.extract(src, tmp_path / "out", "2025")
    return tmp_path / "out" / "epa-ghg-hub" / "2025"


def read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    key = "factor_id" if "factor_id" in rows[0] else "gas"
    return {r[key]: r for r in rows}


def test_table1_values_units_and_rows(built: Path) -> None:
    f = read(built / "emission_factors.csv")
    co2 = f["t1.natural_gas.co2.per_mmbtu"]
    assert (co2["value"], co2["unit"], co2["per_unit"], co2["gas"]) == (
        "53.06",
        "kg",
        "MMBtu",
        "CO2",
    )
    assert co2["table"] == "Table 1 Stationary Combustion"
    assert co2["source_row"] == "20"
    assert co2["basis"] == "mass" and co2["scope"] == "1"
    assert f["t1.natural_gas.ch4.per_scf"]["value"] == "0.00103"
    assert f["t1.natural_gas.heat_content"]["per_unit"] == "scf"
    assert f["t1.municipal_solid_waste.co2.per_short_ton"]["per_unit"] == "short_ton"
    assert f["t1.blast_furnace_gas.ch4.per_mmbtu"]["value"] == "0.022"
    assert "t1.blast_furnace_gas.co2.per_scf" not in f


def test_table6_regions_loss_and_non_baseload(built: Path) -> None:
    f = read(built / "emission_factors.csv")
    assert f["t6.CAMX.co2"]["value"] == "436.655"
    assert f["t6.CAMX.co2"]["per_unit"] == "MWh" and f["t6.CAMX.co2"]["unit"] == "lb"
    assert f["t6.US.co2"]["region"] == "US"
    assert f["t6.CAMX.nonbaseload.co2"]["activity"] == "electricity_non_baseload"
    assert f["t6.CAMX.grid_gross_loss"]["value"] == "0.041"
    assert "t6.PRMS.grid_gross_loss" not in f


def test_table9_waste_routes(built: Path) -> None:
    f = read(built / "emission_factors.csv")
    row = f["t9.mixed_msw.landfill"]
    assert row["value"] == "0.58" and row["basis"] == "co2e:AR4"
    assert row["unit"] == "metric_ton" and row["per_unit"] == "short_ton"
    assert row["activity"] == "mixed_msw_landfill"
    assert "t9.mixed_msw.recycling" not in f


def test_gwp_and_blends(built: Path) -> None:
    g = read(built / "gwp.csv")
    assert g["CH4"]["gwp100"] == "28"
    assert g["HFC-134a"]["formula"] == "CH2FCF3"
    b = read(built / "refrigerant_blends.csv")
    assert b["R-410A"]["gwp100"] == "1924"
    assert epa_hub.parse_composition(b["R-410A"]["formula"]) == [("HFC-32", 0.5), ("HFC-125", 0.5)]


def test_rerun_is_byte_identical(tmp_path: Path, built: Path) -> None:
    first = {p.name: p.read_bytes() for p in built.iterdir()}
    epa_hub.extract(tmp_path / "src", tmp_path / "out", "2025")
    assert {p.name: p.read_bytes() for p in built.iterdir()} == first
    assert b"\r\n" not in first["emission_factors.csv"]


#: The same tables as the 2021 and 2023 Hub sheets lay them out (cell text copied from
#: ghg-emission-factors-hub-2021.xlsx rows 115-116, 310-315, 376-377, 485-487, 517-518).
OLD_ROWS: dict[int, list] = {
    12: [None, "Table 3", "Mobile Combustion CH4 and N2O for On-Road Gasoline Vehicles"],
    13: [None, None, "Vehicle Type", "Year", "CH4 Factor (g / mile)", "N2O Factor (g / mile)"],
    14: [None, None, "Gasoline Passenger Cars", "1973-74", 0.1696, 0.0197],
    15: [None, None, "Source: EPA (2020) Inventory of U.S. Greenhouse Gas Emissions"],
    30: [None, "Table 6", "Electricity"],
    31: [None, None, None, "Total Output Emission Factors", None, None, "Non-Baseload"],
    32: [None, None, "eGRID Subregion", "CO2 Factor", "CH4 Factor", "N2O Factor", "CO2 Factor"],
    33: [None, None, None, "(lb / MWh)", "(lb / MWh)", "(lb / MWh)", "(lb / MWh)"],
    34: [None, None, "CAMX (WECC California)", 453.2, 0.033, 0.004, 964],
    35: [None, "New Region", "PRMS (Puerto Rico Miscellaneous)", 1537.3, 0.084, 0.013, 1587.9],
    36: [None, None, "US Average", 884.2, 0.075, 0.011, 1420.2],
    37: [None, None, "Source: EPA eGRID2019, February 2021"],
    40: [None, "Table 7", "Steam and Heat"],
    41: [None, None, None, "CO2 Factor (kg / mmBtu)", "CH4 Factor (g / mmBtu)"],
    42: [None, None, "Steam and Heat", 66.33, 1.25],
    43: [None, None, "Note: Emission factors are per mmBtu of steam or heat purchased."],
    50: [None, "Table 11", "Global Warming Potentials (GWPs)"],
    51: [None, None, "Gas", "100-Year GWP"],
    52: [None, None, "CH4", 25],
    53: [None, None, "C10F18", ">7,500"],
    54: [None, None, "Source: 100-year GWPs from IPCC Fourth Assessment Report (AR4), 2007."],
}


def test_older_layouts_parse(tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_workbook(src / epa_hub.SOURCE_FOLDER / "ghg-emission-factors-hub-2021.xlsx", OLD_ROWS)
    epa_hub.extract(src, tmp_path / "out", "2021")
    out = tmp_path / "out" / "epa-ghg-hub" / "2021"
    f = read(out / "emission_factors.csv")
    car = f["t3.gasoline_passenger_cars.my_1973_74.ch4"]
    assert (car["value"], car["unit"], car["per_unit"]) == ("0.1696", "g", "vehicle_mile")
    assert car["source_row"] == "14"
    assert (f["t6.CAMX.co2"]["value"], f["t6.CAMX.co2"]["region"]) == ("453.2", "CAMX")
    assert f["t6.CAMX.co2"]["description"].startswith("CAMX | WECC California |")
    assert f["t6.PRMS.ch4"]["value"] == "0.084"
    assert f["t6.US.nonbaseload.co2"]["value"] == "1420.2"
    steam = f["t7.steam_and_heat.co2"]
    assert (steam["value"], steam["unit"], steam["per_unit"]) == ("66.33", "kg", "MMBtu")
    g = read(out / "gwp.csv")
    assert g["CH4"]["gwp100"] == "25" and "AR4" in g["CH4"]["notes"]
    assert "C10F18" not in g  # '>7,500' is a bound, not a value
    meta = (out / "dataset.toml").read_text(encoding="utf-8")
    assert 'gwp_set = "AR4"' in meta and "electricity_data_year = 2019" in meta


def test_table_with_unrecognised_layout_stops_the_build(tmp_path: Path) -> None:
    rows = dict(OLD_ROWS)
    rows[41] = [None, None, None, "CO2 (kilograms per mmBtu)", "CH4 (grams per mmBtu)"]
    src = tmp_path / "src"
    make_workbook(src / epa_hub.SOURCE_FOLDER / "ghg-emission-factors-hub-2021.xlsx", rows)
    with pytest.raises(ValueError) as err:
        epa_hub.extract(src, tmp_path / "out", "2021")
    assert str(err.value) == (
        "ghg-emission-factors-hub-2021.xlsx: Table 7 Steam and Heat yielded no rows; its "
        "layout is not recognised (compare its header rows with the 2024 edition's)"
    )
    assert not (tmp_path / "out").exists()


def test_gwp_set_must_match_table_11_source_note(tmp_path: Path) -> None:
    # OLD_ROWS' Table 11 note names AR4; the 2024 edition is configured as AR5.
    src = tmp_path / "src"
    make_workbook(src / epa_hub.SOURCE_FOLDER / "ghg-emission-factors-hub-2024.xlsx", OLD_ROWS)
    with pytest.raises(ValueError) as err:
        epa_hub.extract(src, tmp_path / "out", "2024")
    assert str(err.value) == (
        "ghg-emission-factors-hub-2024.xlsx: Table 11 Global Warming Potentials (GWPs) row 54 "
        "names AR4 but the edition is configured as AR5"
    )
