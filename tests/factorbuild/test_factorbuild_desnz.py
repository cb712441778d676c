"""DESNZ extractor on tiny sheets laid out like the full-set workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from greencare.factorbuild import desnz
from greencare.factorbuild.common import load_sheet

HEAD = [
    "Activity",
    "Fuel",
    "Unit",
    "kg CO2e",
    "kg CO2e of CO2 per unit",
    "kg CO2e of CH4 per unit",
    "kg CO2e of N2O per unit",
]

FUELS = {
    1: ["UK Government GHG Conversion Factors for Company Reporting"],
    6: ["Scope:", "Scope 1", "Version:", 1, "Year:", 2025],
    22: HEAD,
    23: ["Gaseous fuels", "Natural gas", "cubic metres", 2.06672, 2.0627, 0.00307, 0.00095],
    24: [None, None, "kWh (Net CV)", 0.2027, 0.20229, 0.00031, 0.0001],
    25: [None, None, "kWh (Gross CV)", 0.18296, 0.18259, 0.00028, 9e-05],
    26: [None, None, None, None, None, None, None, " "],
    30: HEAD,
    31: [
        "Liquid fuels",
        "Diesel (average biofuel blend)",
        "litres",
        2.57082,
        2.53763,
        0.00029,
        0.0329,
    ],
    32: ["Liquid fuels", "Gas oil", "litres", 2.75541, 2.72417, 0.00315, 0.02809],
    34: ["FAQs"],
}

WASTE = {
    6: ["Scope:", "Scope 3", "Version:", 1, "Year:", 2026],
    22: [
        None,
        None,
        None,
        "Re-use",
        "Open-loop",
        "Closed-loop",
        "Combustion",
        "Composting",
        "Landfill",
        "Anaerobic digestion",
    ],
    23: ["Activity", "Waste type", "Unit", *["kg CO2e"] * 7],
    24: [
        "Refuse",
        "Commercial and industrial waste",
        "tonnes",
        None,
        None,
        4.65358,
        4.65358,
        None,
        520.58023,
        9.00687,
    ],
}

ELEC = {
    6: ["Scope:", "Scope 2", "Version:", 1, "Year:", 2025],
    25: [
        "Activity",
        "Country",
        "Unit",
        "Year",
        "kg CO2e",
        "kg CO2e of CO2 per unit",
        "kg CO2e of CH4 per unit",
        "kg CO2e of N2O per unit",
    ],
    26: ["Electricity generated", "Electricity: UK", "kWh", 2025, 0.177, 0.17489, 0.0009, 0.00122],
}


def sheet_rows(tmp_path: Path, name: str, rows: dict[int, list]):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    for r, values in rows.items():
        for c, v in enumerate(values, start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    path = tmp_path / f"{name}.xlsx"
    wb.save(path)
    return load_sheet(path, name)


def by_id(rows):
    return {r["factor_id"]: r for r in rows}


def test_fuels_fill_down_cv_basis_and_co2e_columns(tmp_path: Path) -> None:
    f = by_id(desnz.parse_sheet("Fuels", sheet_rows(tmp_path, "Fuels", FUELS), "2025"))
    gross = f["fuels.natural_gas.kwh_gross_cv.co2e"]
    assert gross["value"] == "0.18296" and gross["activity"] == "natural_gas"
    assert gross["per_unit"] == "kWh" and gross["notes"] == "cv=gross"
    assert gross["basis"] == "co2e:AR5" and gross["region"] == "GB" and gross["scope"] == "1"
    assert gross["source_row"] == "25"
    assert f["fuels.natural_gas.kwh_net_cv.co2e"]["activity"] == "natural_gas_net_cv"
    assert f["fuels.natural_gas.cubic_metres.ch4"]["per_unit"] == "m**3"
    assert f["fuels.gas_oil.litres.co2e"]["value"] == "2.75541"
    assert f["fuels.gas_oil.litres.co2e"]["activity_type"] == "stationary_combustion"
    diesel = f["fuels.diesel_average_biofuel_blend.litres.n2o"]
    assert diesel["activity_type"] == "mobile_combustion" and diesel["gas"] == "N2O"


def test_waste_routes_with_reuse_column(tmp_path: Path) -> None:
    rows = sheet_rows(tmp_path, "Waste disposal", WASTE)
    f = by_id(desnz.parse_sheet("Waste disposal", rows, "2026"))
    base = "waste_disposal.commercial_and_industrial_waste"
    assert f[f"{base}.landfill.tonnes"]["value"] == "520.58023"
    assert f[f"{base}.recycling_closed_loop.tonnes"]["value"] == "4.65358"
    assert f[f"{base}.anaerobic_digestion.tonnes"]["per_unit"] == "tonne"
    assert f"{base}.reuse.tonnes" not in f
    assert len(f) == 4


def test_electricity_sheet(tmp_path: Path) -> None:
    rows = sheet_rows(tmp_path, "UK electricity", ELEC)
    f = by_id(desnz.parse_sheet("UK electricity", rows, "2025"))
    row = f["uk_electricity.electricity.kwh.co2e"]
    assert row["value"] == "0.177" and row["scope"] == "2" and row["activity"] == "electricity"
    assert f["uk_electricity.electricity.kwh.ch4"]["value"] == "0.0009"
