"""The committed factors/ library: schema, metadata, and known published values."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest

from greencare.factorbuild.common import FACTOR_COLUMNS, GWP_COLUMNS

FACTORS = Path(__file__).resolve().parents[2] / "factors"
EDITIONS = sorted(p.parent for p in FACTORS.glob("*/*/dataset.toml"))


def rows(rel: str) -> list[dict[str, str]]:
    with (FACTORS / rel).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by(rel: str, key: str = "factor_id") -> dict[str, dict[str, str]]:
    return {r[key]: r for r in rows(rel)}


def test_all_editions_present() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in EDITIONS}
    assert names == {
        "epa-ghg-hub/2025",
        "epa-ghg-hub/2024",
        "desnz/2018",
        "desnz/2019",
        "desnz/2020",
        "desnz/2021",
        "desnz/2022",
        "desnz/2023",
        "epa-ghg-hub/2023",
        "epa-ghg-hub/2021",
        "egrid/2021",
        "egrid-zip/2023",
        "desnz/2024",
        "desnz/2025",
        "desnz/2026",
        "useeio/1.3",
        "ipcc-gwp/ar4",
        "ipcc-gwp/ar5",
        "ipcc-gwp/ar6",
        "healthcare/2026",
        "energy-star-pm/2023",
        "healthcare-waste/2021",
        "economic-indices/2025",
        "noaa-nclimdiv/2025",
    }


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_dataset_toml_and_files(edition: Path) -> None:
    meta = tomllib.loads((edition / "dataset.toml").read_text(encoding="utf-8"))
    ds = meta["dataset"]
    for key in (
        "id",
        "title",
        "publisher",
        "edition",
        "year",
        "published",
        "url",
        "licence",
        "gwp_set",
        "source_file",
        "extracted_by",
        "notes",
    ):
        assert key in ds, key
    assert isinstance(ds["year"], int)
    assert ds["extracted_by"] == "greencare.factorbuild"
    assert "unverified" in meta
    for name, doc in meta["files"].items():
        path = edition / f"{name}.csv"
        assert path.exists(), path
        data = path.read_bytes()
        assert b"\r" not in data
        header = data.split(b"\n", 1)[0].decode().split(",")
        assert header == list(doc["columns"]), name


@pytest.mark.parametrize(
    "path",
    sorted(FACTORS.glob("*/*/emission_factors.csv")),
    ids=lambda p: f"{p.parts[-3]}/{p.parts[-2]}",
)
def test_emission_factor_schema(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == FACTOR_COLUMNS
        data = list(reader)
    ids = [r["factor_id"] for r in data]
    assert len(ids) == len(set(ids))
    for r in data:
        float(r["value"])
        assert r["verified"] in ("true", "false")
        assert r["per_unit"] and r["unit"] and r["activity"] and r["table"]
        assert r["basis"] in ("mass", "co2e:AR4", "co2e:AR5", "co2e:unspecified", "energy", "ratio")
        assert r["scope"] in ("", "1", "2", "3")


@pytest.mark.parametrize(
    "path", sorted(FACTORS.glob("ipcc-gwp/*/gwp.csv")), ids=lambda p: p.parts[-2]
)
def test_gwp_schema(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        assert tuple(csv.DictReader(fh).fieldnames or ()) == GWP_COLUMNS


def test_epa_hub_2025_known_values() -> None:
    f = by("epa-ghg-hub/2025/emission_factors.csv")
    assert f["t1.natural_gas.co2.per_mmbtu"]["value"] == "53.06"
    assert f["t1.natural_gas.ch4.per_mmbtu"]["value"] == "1"
    assert f["t1.natural_gas.n2o.per_mmbtu"]["value"] == "0.1"
    assert f["t1.natural_gas.co2.per_scf"]["value"] == "0.05444"
    assert f["t1.distillate_fuel_oil_no_2.co2.per_gallon"]["value"] == "10.21"
    assert f["t1.distillate_fuel_oil_no_2.co2.per_gallon"]["per_unit"] == "US_gallon"
    assert f["t1.propane.co2.per_gallon"]["value"] == "5.72"
    assert f["t1.kerosene.co2.per_mmbtu"]["value"] == "75.2"
    assert f["t1.municipal_solid_waste.co2.per_short_ton"]["value"] == "902"
    assert f["t2.motor_gasoline.co2"]["value"] == "8.78"
    assert f["t2.diesel_fuel.co2"]["value"] == "10.21"
    assert (f["t6.CAMX.co2"]["value"], f["t6.CAMX.ch4"]["value"], f["t6.CAMX.n2o"]["value"]) == (
        "436.655",
        "0.025",
        "0.003",
    )
    assert f["t6.RFCE.co2"]["value"] == "594.74"
    assert f["t6.US.co2"]["value"] == "771.523"
    assert f["t6.US.grid_gross_loss"]["value"] == "0.042"
    assert "t6.PRMS.grid_gross_loss" not in f
    assert f["t7.steam_and_heat.co2"]["value"] == "66.33"
    assert f["t9.mixed_msw.landfill"]["value"] == "0.58"
    assert f["t9.corrugated_containers.recycling"]["value"] == "0.11"
    assert f["t9.mixed_recyclables.landfill"]["basis"] == "co2e:AR4"
    blends = by("epa-ghg-hub/2025/refrigerant_blends.csv", "gas")
    assert blends["R-410A"]["gwp100"] == "1924" and blends["R-404A"]["gwp100"] == "3943"
    assert by("epa-ghg-hub/2025/gwp.csv", "gas")["HFC-227ea"]["gwp100"] == "3350"


def test_epa_hub_2024_egrid2022() -> None:
    f = by("epa-ghg-hub/2024/emission_factors.csv")
    assert f["t6.US.co2"]["value"] == "823.149"
    assert f["t6.CAMX.co2"]["value"] == "497.443"
    assert f["t6.RFCE.co2"]["value"] == "657.386"
    assert f["t1.natural_gas.co2.per_mmbtu"]["value"] == "53.06"


@pytest.mark.parametrize(
    ("edition", "elec", "td", "gas_gross", "water_supply", "wtt_elec"),
    [
        ("2024", "0.20705", "0.0183", "0.1829", "0.15311", "0.0459"),
        ("2025", "0.177", "0.01853", "0.18296", "0.1913", "0.0459"),
        ("2026", "0.13096", "0.01299", "0.18231", "0.1913", "0.03682"),
    ],
)
def test_desnz_known_values(edition, elec, td, gas_gross, water_supply, wtt_elec) -> None:
    f = by(f"desnz/{edition}/emission_factors.csv")
    assert f["uk_electricity.electricity.kwh.co2e"]["value"] == elec
    assert f["uk_electricity.electricity.kwh.co2e"]["region"] == "GB"
    assert f["transmission_and_distribution.electricity.kwh.co2e"]["value"] == td
    assert f["fuels.natural_gas.kwh_gross_cv.co2e"]["value"] == gas_gross
    assert f["water_supply.water_supply.cubic_metres.co2e"]["value"] == water_supply
    assert f["wtt_uk_electricity.electricity.kwh.co2e"]["value"] == wtt_elec
    assert f["fuels.gas_oil.litres.co2e"]["value"] == "2.75541"
    assert f["fuels.lpg.litres.co2e"]["value"] == "1.55713"


@pytest.mark.parametrize(
    ("edition", "gwp", "gas_row", "gas_gross", "elec_row", "elec", "gas_oil_litres"),
    [
        # (year, GWP set, flat-file row and value of natural gas kWh (Gross CV) kg CO2e, of UK
        # electricity generated kg CO2e, gas oil litres kg CO2e), read from each flat file's
        # 'Factors by Category' sheet (files in older-flat-files/SOURCES.md).
        ("2018", "AR4", "54", "0.18396", "1930", "0.28307", "2.97049"),
        ("2019", "AR4", "54", "0.18385", "1930", "0.2556", "2.75821"),
        ("2020", "AR4", "54", "0.18387", "1930", "0.23314", "2.75776"),
        ("2021", "AR4", "70", "0.18316", "1974", "0.21233", "2.75857"),
        ("2022", "AR4", "82", "0.18254", "2854", "0.19338", "2.75857"),
        ("2023", "AR5", "83", "0.182928926174497", "2850", "0.207074288590604", "2.75540897852349"),
    ],
)
def test_desnz_flat_file_editions(
    edition, gwp, gas_row, gas_gross, elec_row, elec, gas_oil_litres
) -> None:
    f = by(f"desnz/{edition}/emission_factors.csv")
    gas = f["fuels.natural_gas.kwh_gross_cv.co2e"]
    assert (gas["source_row"], gas["value"], gas["basis"]) == (gas_row, gas_gross, f"co2e:{gwp}")
    assert (gas["activity_type"], gas["activity"], gas["per_unit"]) == (
        "stationary_combustion",
        "natural_gas",
        "kWh",
    )
    power = f["uk_electricity.electricity.kwh.co2e"]
    assert (power["source_row"], power["value"], power["region"]) == (elec_row, elec, "GB")
    assert f["fuels.gas_oil.litres.co2e"]["value"] == gas_oil_litres
    # the engine's keys exist in every edition (core/rules.py)
    keys = {(r["activity_type"], r["activity"]) for r in f.values()}
    for key in [
        ("electricity_td_loss", "electricity"),
        ("well_to_tank", "electricity"),
        ("well_to_tank", "electricity_td_loss"),
        ("well_to_tank", "natural_gas"),
        ("well_to_tank", "gas_oil"),
        ("stationary_combustion", "burning_oil"),
        ("steam_heat", "district_heat_and_steam"),
        ("steam_heat", "district_heat_and_steam_distribution"),
        ("water_supply", "water_supply"),
        ("water_treatment", "water_treatment"),
        ("mobile_combustion", "diesel_100_pct_mineral_diesel"),
        ("waste", "commercial_and_industrial_waste_landfill"),
    ]:
        assert key in keys, key
    # overseas electricity (in the same Level 1 before 2023) is not read as UK
    assert not any("WTT- overseas electricity" in r["description"] for r in f.values())
    assert [k for k in f if k.startswith("wtt_uk_electricity.")] == [
        "wtt_uk_electricity.electricity.kwh.co2e",
        "wtt_uk_electricity.electricity_td_loss.kwh.co2e",
    ]
    meta = tomllib.loads((FACTORS / "desnz" / edition / "dataset.toml").read_text("utf-8"))
    assert meta["dataset"]["gwp_set"] == gwp
    assert meta["dataset"]["source_sha256_matches_sources_md"] is True
    assert meta["unverified"] == []


def test_desnz_2025_details() -> None:
    f = by("desnz/2025/emission_factors.csv")
    assert f["uk_electricity.electricity.kwh.ch4"]["value"] == "0.0009"
    assert f["uk_electricity.electricity.kwh.ch4"]["basis"] == "co2e:AR5"
    assert f["fuels.natural_gas.cubic_metres.co2e"]["value"] == "2.06672"
    assert f["fuels.diesel_average_biofuel_blend.litres.co2e"]["value"] == "2.57082"
    assert f["fuels.petrol_average_biofuel_blend.litres.co2e"]["value"] == "2.06916"
    assert f["fuels.burning_oil.litres.co2e"]["value"] == "2.54016"
    assert f["fuels.propane.litres.co2e"]["value"] == "1.54358"
    assert f["heat_and_steam.onsite_heat_and_steam.kwh.co2e"]["value"] == "0.17529"
    assert f["water_treatment.water_treatment.cubic_metres.co2e"]["value"] == "0.17088"
    assert f["wtt_fuels.natural_gas.kwh_gross_cv.co2e"]["value"] == "0.03021"
    w = "waste_disposal.organic_food_and_drink_waste"
    assert f[f"{w}.landfill.tonnes"]["value"] == "700.30886"
    assert f[f"{w}.anaerobic_digestion.tonnes"]["value"] == "8.98311"
    assert (
        f["waste_disposal.household_residual_waste.incineration_energy_recovery.tonnes"]["value"]
        == "4.68568"
    )


def test_useeio_known_values() -> None:
    f = by("useeio/1.3/emission_factors.csv")
    assert f["325412.with_margins"]["value"] == "0.099"
    assert f["325412.without_margins"]["value"] == "0.045"
    assert f["325412.margins"]["value"] == "0.053"
    assert f["339112.with_margins"]["value"] == "0.156"
    assert f["562212.with_margins"]["value"] == "0.988"
    assert f["423450.with_margins"]["notes"] == "USEEIO code 423400"
    assert len({r["activity"] for r in f.values()}) == 1016


@pytest.mark.parametrize(
    ("edition", "gas", "value"),
    [
        ("ar4", "CH4", "25"),
        ("ar4", "N2O", "298"),
        ("ar4", "HFC-134a", "1430"),
        ("ar4", "isoflurane", "350"),
        ("ar4", "R-410A", "2087.5"),
        ("ar4", "R-404A", "3921.6"),
        ("ar5", "CH4", "28"),
        ("ar5", "N2O", "265"),
        ("ar5", "HFC-227ea", "3350"),
        ("ar5", "SF6", "23500"),
        ("ar5", "desflurane", "1790"),
        ("ar5", "isoflurane", "491"),
        ("ar5", "R-410A", "1923.5"),
        ("ar5", "R-404A", "3942.8"),
        ("ar5", "R-134a", "1300"),
        ("ar6", "CH4", "27.9"),
        ("ar6", "N2O", "273"),
        ("ar6", "desflurane", "2590"),
        ("ar6", "sevoflurane", "195"),
        ("ar6", "isoflurane", "539"),
        ("ar6", "HFA-134a", "1530"),
        ("ar6", "R-410A", "2255.5"),
        ("ar6", "R-404A", "4728"),
        ("ar6", "HCFC-22", "1960"),
    ],
)
def test_gwp_known_values(edition: str, gas: str, value: str) -> None:
    assert by(f"ipcc-gwp/{edition}/gwp.csv", "gas")[gas]["gwp100"] == value


def test_gwp_caveats() -> None:
    ar4 = by("ipcc-gwp/ar4/gwp.csv", "gas")
    assert "desflurane" not in ar4 and "sevoflurane" not in ar4
    ar5 = by("ipcc-gwp/ar5/gwp.csv", "gas")
    assert ar5["sevoflurane"]["verified"] == "false"
    ar6 = by("ipcc-gwp/ar6/gwp.csv", "gas")
    assert ar6["SF6"]["verified"] == "false"
    assert ar6["CH4-fossil"]["verified"] == "false"


def test_healthcare_and_energy() -> None:
    h = by("healthcare/2026/physical.csv", "item_id")
    assert h["nitrous_oxide.kg_per_nominal_litre"]["value"] == "0.0018"
    assert h["desflurane.density"]["verified"] == "false"
    comps = [
        r for r in rows("healthcare/2026/refrigerant_compositions.csv") if r["blend"] == "R-404A"
    ]
    assert sorted((r["component"], r["mass_fraction"]) for r in comps) == [
        ("HFC-125", "0.44"),
        ("HFC-134a", "0.04"),
        ("HFC-143a", "0.52"),
    ]
    t = {(r["fuel"], r["unit"]): r for r in rows("energy-star-pm/2023/thermal_conversions.csv")}
    assert t[("natural_gas", "therm")]["kbtu_per_unit"] == "100"
    assert t[("electricity", "kWh")]["kbtu_per_unit"] == "3.412"
    s = by("energy-star-pm/2023/site_source_ratios.csv", "energy_type")
    assert s["electricity"]["ratio"] == "2.8" and s["district_steam"]["verified"] == "false"


def test_healthcare_waste_matches_the_published_abstract() -> None:
    # Rizan et al. 2021, J Clean Prod 286:125446: kg CO2e per tonne by treatment route.
    f = by("healthcare-waste/2021/emission_factors.csv")
    assert f["rizan2021.clinical_high_temperature_incineration"]["value"] == "1074"
    assert f["rizan2021.clinical_autoclave_then_low_temperature_incineration"]["value"] == "569"
    assert f["rizan2021.clinical_low_temperature_incineration_efw"]["value"] == "172"
    assert {r["per_unit"] for r in f.values()} == {"tonne"}


def test_hub_2023_table_6_is_egrid2021_summary_table_1() -> None:
    # The Hub 2023 Table 6 source note: "EPA eGRID2021, February 2023 (Table 1. Subregion
    # Output Emission Rates)". It rounds CO2 to 0.1 lb/MWh and keeps CH4/N2O to 0.001.
    hub = {
        (r["region"], r["activity"], r["gas"]): float(r["value"])
        for r in rows("epa-ghg-hub/2023/emission_factors.csv")
        if r["activity_type"] == "electricity"
    }
    egrid = {
        (r["region"], r["activity"], r["gas"]): float(r["value"])
        for r in rows("egrid/2021/emission_factors.csv")
        if r["activity_type"] == "electricity"
    }
    assert set(hub) == set(egrid) and len(hub) == 28 * 6  # 27 subregions + US, 2 x 3 gases
    for key, value in egrid.items():
        digits = 1 if key[2] == "CO2" else 3
        assert hub[key] == round(value, digits), key
    loss = by("egrid/2021/emission_factors.csv")
    assert loss["egrid.CAMX.grid_gross_loss"]["value"] == "0.044"  # Table 1 row 8
    assert loss["egrid.CAMX.co2"]["value"] == "531.678"
    assert not any(r["activity_type"] == "electricity_td_loss"
                   for r in rows("epa-ghg-hub/2023/emission_factors.csv"))  # fmt: skip
