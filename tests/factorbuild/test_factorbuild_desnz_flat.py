"""DESNZ/BEIS flat-file reader on tiny workbooks laid out like the 2018-2023 flat files.

Values below are copied from the real files (row numbers in the comments) so the expected keys
are those the full-set builder writes for the same factors.
"""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from greencare.factorbuild import DATASETS, desnz_flat
from greencare.factorbuild.common import FACTOR_COLUMNS

# 2018-2021 layout: 'UOM (simple)', 'UOM', 'GHG' = 'kg CH4' (values already CO2e), 'Lookup'.
OLD_HEAD = [
    "Scope",
    "Level 1",
    "Level 2",
    "Level 3",
    "Level 4",
    "Column Text",
    "UOM (simple)",
    "UOM",
    "GHG",
    "Lookup",
    "GHG Conversion Factor 2019",
]


def old(scope, l1, l2, l3, text, uom, ghg, value, l4=""):
    return [scope, l1, l2, l3, l4, text, uom.split(" (")[0], uom, ghg, f"{l3} {uom}", value]


OLD_ROWS = [
    # beis_conversion-factors-2019-flat-file-v01-02.xls rows 54-57 (natural gas, gross CV)
    old("Scope 1", "Fuels", "Gaseous fuels", "Natural gas", "Energy - Gross CV",
        "kWh (Gross CV)", "kg CO2e", 0.18385),
    old("Scope 1", "Fuels", "Gaseous fuels", "Natural gas", "Energy - Gross CV",
        "kWh (Gross CV)", "kg CH4", 0.00024),
    old("Scope 1", "Fuels", "Gaseous fuels", "Natural gas", "Energy - Gross CV",
        "kWh (Gross CV)", "kg CO2", 0.18351),
    old("Scope 1", "Fuels", "Gaseous fuels", "Natural gas", "Energy - Gross CV",
        "kWh (Gross CV)", "kg N2O", 0.0001),
    old("Scope 1", "Fuels", "Gaseous fuels", "Natural gas", "Energy - Net CV",
        "kWh (Net CV)", "kg CO2e", 0.20428),
    old("Scope 1", "Fuels", "Liquid fuels", "Diesel (100% mineral diesel)", "Volume",
        "litres", "kg CO2e", 2.68779),
    # a category the engine does not use, and a row with no value: both skipped
    old("Scope 1", "Passenger vehicles", "Cars (by size)", "Small car", "Diesel", "km",
        "kg CO2e", 0.14),
    old("Scope 3", "Water supply", "Water supply", "Water supply", "", "cubic metres",
        "kg CO2e", ""),
    old("Scope 3", "Water supply", "Water supply", "Water supply", "", "million litres",
        "kg CO2e", 344.0),
    # rows 2797, 2798 and an overseas row of the same Level 1
    old("Scope 3", "WTT- UK & overseas elec", "WTT- UK electricity (generation)",
        "Electricity: UK", "", "kWh", "kg CO2e", 0.03565),
    old("Scope 3", "WTT- UK & overseas elec", "WTT- UK electricity (T&D)", "Electricity: UK",
        "", "kWh", "kg CO2e", 0.00303),
    old("Scope 3", "WTT- UK & overseas elec", "WTT- overseas electricity (generation)",
        "Electricity: France", "", "kWh", "kg CO2e", 0.0123),
    old("Scope 3", "Transmission and distribution", "Distribution - district heat & steam",
        "5% loss", "", "kWh", "kg CO2e", 0.00927),
    old("Scope 3", "Waste disposal", "Refuse", "Commercial and industrial waste", "Landfill",
        "tonnes", "kg CO2e", 99.7592),
]  # fmt: skip

# 2023 layout: an ID column first, 'GHG/Unit' = 'kg CO2e of CH4 per unit', no UOM (simple).
NEW_HEAD = [
    "ID",
    "Scope",
    "Level 1",
    "Level 2",
    "Level 3",
    "Level 4",
    "Column Text",
    "UOM",
    "GHG/Unit",
    "GHG Conversion Factor 2023",
]
NEW_ROWS = [
    # desnz_ghg-conversion-factors-2023-flat-file-update.xlsx rows 2850-2853
    ["x1", "Scope 2", "UK electricity", "Electricity generated", "Electricity: UK", "kWh", "",
     "kWh", "kg CO2e", 0.20707428859060403],
    ["x2", "Scope 2", "UK electricity", "Electricity generated", "Electricity: UK", "kWh", "",
     "kWh", "kg CO2e of CO2 per unit", 0.20496],
    ["x3", "Scope 2", "UK electricity", "Electricity generated", "Electricity: UK", "kWh", "",
     "kWh", "kg CO2e of CH4 per unit", 0.0008960000000000001],
    ["x4", "Scope 2", "UK electricity", "Electricity generated", "Electricity: UK", "kWh", "",
     "kWh", "kg CO2e of N2O per unit", 0.0012182885906040267],
    ["x5", "Scope 3", "WTT- UK electricity", "WTT- UK electricity (generation)",
     "Electricity: UK", "kWh", "", "kWh", "kg CO2e", 0.0459],
]  # fmt: skip


def workbook(path: Path, head: list[Any], rows: list[list[Any]], *, gap: int = 4) -> Path:
    wb = openpyxl.Workbook()
    front = wb.active
    front.title = "Front page"
    front.append(["UK Government GHG Conversion Factors for Company Reporting"])
    front.append(["Version: ", 1.03, "Updated version of HGVs factors"])
    front.append(["Updated:", dt.datetime(2020, 7, 1)])
    ws = wb.create_sheet("Factors by Category")
    ws.append(["UK Government GHG Conversion Factors for Company Reporting"])
    ws.append(["Factors by Category"])
    for _ in range(gap - 2):
        ws.append([None])
    ws.append(head)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def parse(tmp_path: Path, head, rows, edition: str) -> dict[str, dict[str, str]]:
    path = workbook(tmp_path / "flat.xlsx", head, rows)
    out = desnz_flat.parse_flat(desnz_flat.load_flat(path), edition, "flat.xlsx")
    return {r["factor_id"]: r for r in out}


def test_old_layout_same_keys_as_the_full_set_and_ar4(tmp_path: Path) -> None:
    f = parse(tmp_path, OLD_HEAD, OLD_ROWS, "2019")
    assert sorted(f) == [
        "fuels.diesel_100_pct_mineral_diesel.litres.co2e",
        "fuels.natural_gas.kwh_gross_cv.ch4",
        "fuels.natural_gas.kwh_gross_cv.co2",
        "fuels.natural_gas.kwh_gross_cv.co2e",
        "fuels.natural_gas.kwh_gross_cv.n2o",
        "fuels.natural_gas.kwh_net_cv.co2e",
        "transmission_and_distribution.district_heat_and_steam_distribution.kwh.co2e",
        "waste_disposal.commercial_and_industrial_waste.landfill.tonnes",
        "water_supply.water_supply.million_litres.co2e",
        "wtt_uk_electricity.electricity.kwh.co2e",
        "wtt_uk_electricity.electricity_td_loss.kwh.co2e",
    ]
    ch4 = f["fuels.natural_gas.kwh_gross_cv.ch4"]
    # header on row 5, data from row 6: the CH4 row is the sheet's row 7
    assert (ch4["source_row"], ch4["table"], ch4["gas"], ch4["value"]) == (
        "7",
        "Factors by Category",
        "CH4",
        "0.00024",
    )
    assert (ch4["activity_type"], ch4["activity"], ch4["per_unit"]) == (
        "stationary_combustion",
        "natural_gas",
        "kWh",
    )
    assert (ch4["basis"], ch4["scope"], ch4["region"], ch4["notes"]) == (
        "co2e:AR4",
        "1",
        "GB",
        "cv=gross",
    )
    assert ch4["description"] == (
        "Fuels | Gaseous fuels | Natural gas | kWh (Gross CV) | kg CO2e of CH4 per unit"
    )
    assert f["fuels.natural_gas.kwh_net_cv.co2e"]["activity"] == "natural_gas_net_cv"
    diesel = f["fuels.diesel_100_pct_mineral_diesel.litres.co2e"]
    assert (diesel["activity_type"], diesel["per_unit"]) == ("mobile_combustion", "litre")
    heat = f["transmission_and_distribution.district_heat_and_steam_distribution.kwh.co2e"]
    assert (heat["activity_type"], heat["activity"]) == (
        "steam_heat",
        "district_heat_and_steam_distribution",
    )
    wtt_td = f["wtt_uk_electricity.electricity_td_loss.kwh.co2e"]
    assert (wtt_td["activity_type"], wtt_td["value"]) == ("well_to_tank", "0.00303")
    waste = f["waste_disposal.commercial_and_industrial_waste.landfill.tonnes"]
    assert (waste["activity"], waste["value"], waste["per_unit"]) == (
        "commercial_and_industrial_waste_landfill",
        "99.7592",
        "tonne",
    )
    water = f["water_supply.water_supply.million_litres.co2e"]
    assert (water["per_unit"], water["notes"]) == ("megalitre", "million litres")
    assert all(r["verified"] == "true" for r in f.values())


def test_new_layout_reads_per_unit_labels_and_ar5(tmp_path: Path) -> None:
    f = parse(tmp_path, NEW_HEAD, NEW_ROWS, "2023")
    assert sorted(f) == [
        "uk_electricity.electricity.kwh.ch4",
        "uk_electricity.electricity.kwh.co2",
        "uk_electricity.electricity.kwh.co2e",
        "uk_electricity.electricity.kwh.n2o",
        "wtt_uk_electricity.electricity.kwh.co2e",
    ]
    n2o = f["uk_electricity.electricity.kwh.n2o"]
    assert (n2o["value"], n2o["basis"], n2o["scope"], n2o["activity_type"]) == (
        "0.00121828859060403",
        "co2e:AR5",
        "2",
        "electricity",
    )
    # full-precision cells add up exactly: not flagged
    assert all(r["verified"] == "true" for r in f.values())


def test_gases_that_miss_their_total_are_marked_unverified(tmp_path: Path) -> None:
    rows = [list(r) for r in OLD_ROWS[:4]]
    rows[2][-1] = 0.18361  # CO2 one unit of 1e-4 off: the sum no longer rounds to 0.18385
    f = parse(tmp_path, OLD_HEAD, rows, "2019")
    assert {k: r["verified"] for k, r in f.items()} == dict.fromkeys(f, "false")
    assert f["fuels.natural_gas.kwh_gross_cv.co2e"]["notes"] == (
        "cv=gross; CO2 + CH4 + N2O differs from the CO2e total"
    )
    rows[2][-1] = 0.18352  # within 1.5 units of the last digit: rounding, accepted
    f = parse(tmp_path, OLD_HEAD, rows, "2019")
    assert {r["verified"] for r in f.values()} == {"true"}


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        (7, "gallons", "flat.xlsx row 6: unknown DESNZ unit 'gallons'"),
        (8, "kg CO3", "flat.xlsx row 6: unknown GHG column 'kg CO3'"),
    ],
)
def test_unknown_unit_or_gas_is_refused_with_its_row(tmp_path, column, bad, message) -> None:
    rows = [list(r) for r in OLD_ROWS]
    rows[0][column] = bad
    with pytest.raises(ValueError) as err:
        parse(tmp_path, OLD_HEAD, rows, "2019")
    assert str(err.value) == message


def test_unknown_waste_route_is_refused(tmp_path: Path) -> None:
    rows = [list(OLD_ROWS[-1])]
    rows[0][5] = "Pyrolysis"
    with pytest.raises(ValueError) as err:
        parse(tmp_path, OLD_HEAD, rows, "2019")
    assert str(err.value) == "flat.xlsx row 6: unknown waste route 'Pyrolysis'"


def test_missing_header_or_value_column(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no header row with 'Scope' and 'Level 1'"):
        parse(tmp_path, ["Activity", "Fuel", "Unit"], [], "2019")
    with pytest.raises(ValueError, match=r"flat.xlsx row 5: flat-file header lacks value"):
        parse(tmp_path, OLD_HEAD[:-1], [], "2019")


def test_an_edition_without_a_known_gwp_set_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as err:
        parse(tmp_path, OLD_HEAD, OLD_ROWS, "2017")
    assert str(err.value) == (
        "no DESNZ flat-file edition '2017'; known: 2018, 2019, 2020, 2021, 2022, 2023"
    )


def test_extract_writes_csv_and_dataset_toml(tmp_path: Path) -> None:
    meta = desnz_flat.EDITIONS["2020"]
    src = tmp_path / "src" / "uk-desnz-ghg-conversion-factors" / "older-flat-files"
    src.mkdir(parents=True)
    workbook(src / meta["file"], OLD_HEAD, OLD_ROWS)
    out = tmp_path / "out"
    counts = DATASETS["desnz/2020"](tmp_path / "src", out)
    assert counts == {"emission_factors.csv": 11}
    with (out / "desnz" / "2020" / "emission_factors.csv").open(newline="") as fh:
        data = list(csv.DictReader(fh))
    assert {r["basis"] for r in data} == {"co2e:AR4"}
    toml = tomllib.loads((out / "desnz" / "2020" / "dataset.toml").read_text("utf-8"))
    ds = toml["dataset"]
    assert (ds["id"], ds["year"], ds["gwp_set"], ds["edition"]) == (
        "desnz/2020",
        2020,
        "AR4",
        "2020 v1.0",
    )
    assert ds["published"] == "2020-07-01 (front page 'Updated:', version 1.03)"
    assert ds["source_file"] == meta["file"]
    assert ds["source_sha256_matches_sources_md"] is False  # not the published file
    assert toml["unverified"] == []
    assert tuple(toml["files"]["emission_factors"]["columns"]) == FACTOR_COLUMNS
