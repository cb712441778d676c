"""USEEIO and IPCC builders on tiny CSVs laid out like the published files."""

from __future__ import annotations

import csv
from pathlib import Path

from test_factorbuild_epa_hub import make_workbook

from greencare.factorbuild import epa_hub, healthcare, ipcc, useeio

USEEIO_CSV = (
    "2017 NAICS Code,2017 NAICS Title,GHG,Unit,Supply Chain Emission Factors without Margins,"
    "Margins of Supply Chain Emission Factors,Supply Chain Emission Factors with Margins,"
    "Reference USEEIO Code\n"
    '325412,Pharmaceutical Preparation Manufacturing,All GHGs,"kg CO2e/2022 USD, purchaser '
    'price",0.045,0.053,0.099,325412\n'
)

OCD_CSV = """# Global warming potentials of greenhouse gases.,,,,,,,,,,,
Species,SARGWP100,TARGWP100,AR4GWP100,AR5GWP100,AR5CCFGWP100,AR6GWP100,TARGWP20,AR6GWP20,TARGWP500,AR6GWP500,AR6GTP100
CH4,21,23,25,28,34,27.9,62,81.2,7,7.95,5.38
HFC32,650,550,675,677,817,771,1800,2690,170,220,142
HFC125,2800,3400,3500,3170,3691,3740,5900,6740,1100,1110,1300
HFE236ea2,,960,,1790,2143,2590,,,,,
"""

SM_CSV = """Name,CAS,Acronym,Formula,Lifetime (yr),Radiative efficiency (W m-2 ppb-1),AGWP20 (W m-2 yr kg-1),GWP20,AGWP100 (W m-2 yr kg-1),GWP100
Carbon dioxide,,,CO2,,1.33e-05,2.43e-14,1.0,8.95e-14,1.0
Methane,,,CH4,11.8,0.000388,1.98e-12,81.2,2.49e-12,27.9
Difluoromethane,,HFC-32,CH2F2,5.4,0.111,6.55e-11,2690.0,6.9e-11,771.0
Pentafluoroethane,,HFC-125,CHF2CF3,30,0.23,1e-10,6740,3e-10,3740.0
Sulfur hexafluoride,,,SF6,3200.0,0.567,4.45e-10,18300.0,2.25e-09,25200.0
"2-(difluoromethoxy)-1,1,1,2-tetrafluoroethane",,HFE-236ea2,CHF2OCHFCF3,14.1,0.464,1.71e-10,7020.0,2.32e-10,2590.0
"""


def read(path: Path, key: str) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {r[key]: r for r in csv.DictReader(fh)}


def make_sources(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / useeio.SOURCE_FOLDER).mkdir(parents=True)
    (src / useeio.SOURCE_FOLDER / useeio.FILE).write_text(USEEIO_CSV, encoding="utf-8")
    (src / ipcc.SOURCE_FOLDER).mkdir(parents=True)
    (src / ipcc.SOURCE_FOLDER / ipcc.OCD_FILE).write_text(OCD_CSV, encoding="utf-8")
    (src / ipcc.SOURCE_FOLDER / ipcc.SM_FILE).write_text(SM_CSV, encoding="utf-8")
    make_workbook(src / epa_hub.SOURCE_FOLDER / "ghg-emission-factors-hub-2025.xlsx")
    return src


def test_useeio_three_variants(tmp_path: Path) -> None:
    useeio.extract(make_sources(tmp_path), tmp_path / "out")
    f = read(tmp_path / "out/useeio/1.3/emission_factors.csv", "factor_id")
    assert set(f) == {"325412.with_margins", "325412.without_margins", "325412.margins"}
    row = f["325412.with_margins"]
    assert row["value"] == "0.099" and row["per_unit"] == "USD_2022"
    assert row["basis"] == "co2e:AR5" and row["activity"] == "325412" and row["source_row"] == "2"


def test_ipcc_aliases_blends_and_unverified(tmp_path: Path) -> None:
    src = make_sources(tmp_path)
    ipcc.extract(src, tmp_path / "out", "ar5")
    ipcc.extract(src, tmp_path / "out", "ar6")
    ar5 = read(tmp_path / "out/ipcc-gwp/ar5/gwp.csv", "gas")
    assert ar5["CH4"]["gwp100"] == "28" and ar5["CO2"]["gwp100"] == "1"
    assert ar5["desflurane"]["gwp100"] == "1790"
    assert ar5["R-410A"]["gwp100"] == "1923.5"
    assert ar5["sevoflurane"]["verified"] == "false"
    ar6 = read(tmp_path / "out/ipcc-gwp/ar6/gwp.csv", "gas")
    assert ar6["desflurane"]["gwp100"] == "2590"
    assert ar6["R-410A"]["gwp100"] == "2255.5"
    assert ar6["SF6"]["verified"] == "false"
    assert ar6["CH4-fossil"]["gwp100"] == "29.8"


def test_healthcare_compositions_from_table12(tmp_path: Path) -> None:
    healthcare.extract(make_sources(tmp_path), tmp_path / "out")
    with (tmp_path / "out/healthcare/2026/refrigerant_compositions.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    from_table12 = [r for r in rows if r["verified"] == "true"]
    assert [(r["blend"], r["component"], r["mass_fraction"]) for r in from_table12] == [
        ("R-410A", "HFC-125", "0.5"),
        ("R-410A", "HFC-32", "0.5"),
    ]
    # Blends Table 12 does not list come from the documented ASHRAE 34 table, unverified.
    extra = {(r["blend"], r["component"]): r for r in rows if r["verified"] == "false"}
    assert sorted({b for b, _ in extra}) == ["R-448A", "R-449A", "R-454B", "R-513A", "R-514A"]
    assert extra[("R-513A", "HFC-134a")]["mass_fraction"] == "0.44"
    assert extra[("R-454B", "HFC-32")]["source"].startswith("ANSI/ASHRAE Standard 34")
