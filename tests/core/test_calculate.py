"""The emissions engine against figures computed by hand from the published tables.

Every expected value below is written out from the source table so a reader can check it:
EPA GHG Emission Factors Hub 2025 (Tables 1, 2, 6, 7, 9), UK DESNZ 2025 conversion factors,
USEEIO v1.3, IPCC AR5/AR6 GWPs, Rizan et al. 2021, and the healthcare physical data.
"""

from __future__ import annotations

import re

import pytest
from pytest import approx

from greencare import services
from greencare.core.factors import FactorLibrary, MissingFactorError
from greencare.core.summary import explain

LB = 0.45359237  # kg per lb (exact)
AR5 = {"CO2": 1, "CH4": 28, "N2O": 265}
AR6 = {"CO2": 1, "CH4": 27.9, "N2O": 273}


@pytest.fixture(scope="module")
def library() -> FactorLibrary:
    return FactorLibrary.bundled()


def facility(db, name="St Example", country="US", grid="CAMX", **kw):
    return services.add_facility(
        db, name=name, country=country, grid_region=grid, floor_area="350000 ft**2", **kw
    )


def meter(db, fac, name, commodity, unit):
    return services.add_meter(db, facility=fac.id, name=name, commodity=commodity, unit=unit)


def run(db, library, **kw):
    kw.setdefault("year", 2025)
    return services.emissions(db, library=library, **kw)


def by_gas(inventory, **filters) -> dict[str, float]:
    lines = explain(inventory, **filters)
    return lines.groupby("gas")["gas_kg"].sum().to_dict()


def co2e(inventory, **filters) -> float:
    return float(explain(inventory, **filters)["co2e_kg"].sum())


def test_natural_gas_10000_therms_epa_2025_ar5(db, library) -> None:
    # Table 1: 53.06 kg CO2, 1 g CH4, 0.1 g N2O per mmBtu; 10,000 therm = 1,000 mmBtu.
    fac = facility(db)
    meter(db, fac, "Gas", "natural_gas", "therm")
    services.add_reading(db, meter="Gas", start="2025-03-01", end="2025-03-31", quantity=10000)
    inv, summary = run(db, library)
    gases = by_gas(inv, category="stationary_combustion")
    assert gases == approx({"CO2": 53060.0, "CH4": 1.0, "N2O": 0.1})
    assert co2e(inv, category="stationary_combustion") == approx(53114.5)
    assert summary["totals_t"]["scope1"] == approx(53.1145)
    line = explain(inv, gas="CO2").iloc[0]
    assert line["dataset"] == "epa-ghg-hub/2025"
    assert line["factor_id"] == "t1.natural_gas.co2.per_mmbtu"
    assert line["factor_quantity"] == approx(1000.0)
    assert line["gwp_set"] == "AR5"


def test_same_gas_in_ccf_uses_the_per_scf_factor(db, library) -> None:
    # A volume uses the Hub's per-scf row (0.05444 kg CO2/scf), no heat content assumed.
    fac = facility(db)
    meter(db, fac, "Gas", "natural_gas", "ccf")
    services.add_reading(db, meter="Gas", start="2025-03-01", end="2025-03-31", quantity=1000)
    inv, _ = run(db, library)
    gases = by_gas(inv)
    assert gases["CO2"] == approx(100_000 * 0.05444)
    assert gases["CH4"] == approx(100_000 * 0.00103 / 1000)


def test_ar6_reweights_the_same_gas_masses(db, library) -> None:
    fac = facility(db)
    meter(db, fac, "Gas", "natural_gas", "MMBtu")
    services.add_reading(db, meter="Gas", start="2025-03-01", end="2025-03-31", quantity=1000)
    inv, summary = run(db, library, gwp="AR6")
    assert co2e(inv) == approx(53060 * 1 + 1.0 * AR6["CH4"] + 0.1 * AR6["N2O"])
    assert summary["gwp_sets_used"] == ["AR6"]


def test_electricity_in_two_egrid_subregions(db, library) -> None:
    # Table 6 (eGRID2023): CAMX 436.655 / 0.025 / 0.003; RFCE 594.74 / 0.036 / 0.005 lb/MWh.
    camx = facility(db, "West", grid="CAMX")
    rfce = facility(db, "East", grid="RFCE")
    meter(db, camx, "Power W", "electricity", "kWh")
    meter(db, rfce, "Power E", "electricity", "MWh")
    services.add_reading(db, meter="Power W", start="2025-06-01", end="2025-06-30", quantity=100000)
    services.add_reading(db, meter="Power E", start="2025-06-01", end="2025-06-30", quantity=100)
    inv, summary = run(db, library)
    for fac, rates in ((camx, (436.655, 0.025, 0.003)), (rfce, (594.74, 0.036, 0.005))):
        gases = by_gas(inv, facility_id=fac.id, category="purchased_electricity", method="location")
        assert gases == approx({"CO2": 100 * rates[0] * LB, "CH4": 100 * rates[1] * LB,
                                "N2O": 100 * rates[2] * LB})  # fmt: skip
        expected = 100 * LB * (rates[0] + rates[1] * 28 + rates[2] * 265)
        assert co2e(inv, facility_id=fac.id, scope="2", method="location") == approx(expected)
    # Market-based falls back to the location factor and says so.
    market = explain(inv, method="market")
    assert len(market) == 6 and market["note"].str.contains("location-based factor used").all()
    totals = summary["totals_t"]
    assert totals["scope2_market"] == approx(totals["scope2_location"])


def test_us_td_losses_use_grid_gross_loss(db, library) -> None:
    fac = facility(db, grid="CAMX")
    meter(db, fac, "Power", "electricity", "MWh")
    services.add_reading(db, meter="Power", start="2025-06-01", end="2025-06-30", quantity=1000)
    inv, _ = run(db, library)
    loss = library.factors(
        "epa-ghg-hub/2025", "electricity_td_loss", "electricity_grid_gross_loss", "CAMX"
    )
    ggl = float(loss["value"].iloc[0])
    assert 0.02 < ggl < 0.08
    co2 = by_gas(inv, category="cat3_fuel_energy")["CO2"]
    assert co2 == approx(1000 * ggl * 436.655 * LB)


def test_fuel_oil_gallons_use_per_gallon_factors(db, library) -> None:
    # Table 1 distillate fuel oil No. 2: 10.21 kg CO2, 0.41 g CH4, 0.08 g N2O per gallon.
    fac = facility(db)
    meter(db, fac, "Oil", "fuel_oil_2", "US_gallon")
    services.add_reading(db, meter="Oil", start="2025-02-10", end="2025-02-10", quantity=500)
    inv, _ = run(db, library)
    assert by_gas(inv) == approx({"CO2": 5105.0, "CH4": 0.205, "N2O": 0.04})


def test_district_steam_epa_table_7(db, library) -> None:
    # 66.33 kg CO2, 1.25 g CH4, 0.125 g N2O per mmBtu; 1 klb = 1.194 mmBtu (Portfolio Manager).
    fac = facility(db)
    meter(db, fac, "Steam", "district_steam", "klb")
    services.add_reading(db, meter="Steam", start="2025-01-01", end="2025-01-31", quantity=1000)
    inv, _ = run(db, library)
    mmbtu = 1000 * 1.194
    gases = by_gas(inv, category="purchased_heat_steam", method="location")
    assert gases == approx({"CO2": mmbtu * 66.33, "CH4": mmbtu * 1.25e-3, "N2O": mmbtu * 0.125e-3})


def test_uk_electricity_with_td_and_well_to_tank(db, library) -> None:
    # DESNZ 2025: generation 0.177 kg CO2e/kWh; T&D 0.01853; WTT generation 0.0459, WTT T&D 0.00397.
    fac = services.add_facility(db, name="Leeds", country="GB", grid_region="GB")
    meter(db, fac, "Power", "electricity", "kWh")
    services.add_reading(db, meter="Power", start="2025-04-01", end="2025-04-30", quantity=100000)
    inv, summary = run(db, library)
    assert co2e(inv, category="purchased_electricity", method="location") == approx(
        100000 * (0.17489 + 0.0009 + 0.00122)
    )
    cat3 = explain(inv, category="cat3_fuel_energy")
    assert cat3["co2e_kg"].sum() == approx(
        100000 * (0.01834 + 0.00008 + 0.00011 + 0.0459 + 0.00397)
    )
    ch4 = explain(inv, category="purchased_electricity", method="location", gas="CH4").iloc[0]
    assert ch4["gas_kg"] == approx(100000 * 0.0009 / 28)  # published as CO2e (AR5), back to mass
    assert summary["datasets"][0]["id"] == "desnz/2025"


def test_uk_gas_oil_litres_use_the_per_litre_factor(db, library) -> None:
    fac = services.add_facility(db, name="Leeds", country="GB", grid_region="GB")
    meter(db, fac, "Oil", "fuel_oil_2", "litre")
    services.add_reading(db, meter="Oil", start="2025-05-01", end="2025-05-01", quantity=1000)
    inv, _ = run(db, library)
    assert co2e(inv, category="stationary_combustion") == approx(
        1000 * (2.72417 + 0.00315 + 0.02809)
    )
    assert co2e(inv, category="cat3_fuel_energy") == approx(1000 * 0.62665)


def test_waste_by_material_route_and_clinical_waste(db, library) -> None:
    fac = facility(db)
    services.add_waste(db, facility=fac.id, start_date="2025-03-01", end_date="2025-03-31",
                       stream="solid_waste", route="landfill", quantity=2000, unit="short_ton")  # fmt: skip
    services.add_waste(db, facility=fac.id, start_date="2025-03-01", end_date="2025-03-31",
                       stream="regulated_medical_waste", route="incineration", quantity=10,
                       unit="tonne")  # fmt: skip
    inv, _ = run(db, library)
    msw = library.factors("epa-ghg-hub/2025", "waste", "mixed_msw_landfill")
    per_short_ton = float(msw["value"].iloc[0]) * 1000  # metric tons CO2e -> kg
    assert co2e(inv, source_type="waste", source_id=1) == approx(2000 * per_short_ton)
    assert co2e(inv, source_type="waste", source_id=2) == approx(10 * 1074)  # Rizan et al. 2021


def test_spend_uses_useeio_with_margins(db, library) -> None:
    # USEEIO v1.3, NAICS 325412 pharmaceutical preparations: 0.099 kg CO2e per 2022 USD.
    # 2025 dollars are deflated to 2022 dollars first: BLS CPI-U annual averages
    # 292.655 (2022) / 321.943 (2025) = 0.909027...
    fac = facility(db)
    services.add_purchase(db, facility=fac.id, date="2025-04-30", category="325412",
                          spend=1_000_000, currency="USD")  # fmt: skip
    inv, summary = run(db, library)
    dollars_2022 = 1_000_000 * 292.655 / 321.943
    assert co2e(inv, category="cat1_purchased_goods") == approx(dollars_2022 * 0.099)
    assert summary["totals_t"]["scope3"] == approx(dollars_2022 * 0.099 / 1000)
    line = explain(inv, category="cat1_purchased_goods").iloc[0]
    assert line["activity_quantity"] == 1_000_000 and line["activity_unit"] == "USD (2025)"
    assert line["factor_quantity"] == approx(dollars_2022)
    assert line["note"] == "2025 USD to 2022 USD by CPI-U 292.655/321.943 = 0.909027"
    assert "economic-indices/2025" in inv.datasets  # cited in the methodology


def test_spend_in_2022_dollars_is_not_deflated(db, library) -> None:
    fac = facility(db)
    services.add_purchase(db, facility=fac.id, date="2022-04-30", category="325412",
                          spend=1000, currency="USD")  # fmt: skip
    inv, _ = run(db, library, year=2022, pins={"epa-ghg-hub": "2024"})
    assert co2e(inv, category="cat1_purchased_goods") == approx(99.0)


def test_desflurane_bottle_ar6_worked_check(db, library) -> None:
    # domain.md: one 240 mL bottle x 1.465 g/mL = 0.3516 kg x 2,590 (AR6) = 0.91 t CO2e.
    fac = facility(db)
    services.add_purchase(db, facility=fac.id, date="2025-04-30", category="anesthetic_gas",
                          item="desflurane", quantity=1, unit="bottle")  # fmt: skip
    inv, _ = run(db, library, gwp="AR6")
    line = explain(inv, category="anesthetic_gases").iloc[0]
    assert line["gas_kg"] == approx(0.3516)
    assert line["co2e_kg"] == approx(0.3516 * 2590)
    assert round(line["co2e_kg"] / 1000, 2) == 0.91
    assert line["scope"] == "1" and not line["factor_verified"]


def test_nitrous_oxide_by_nominal_litre(db, library) -> None:
    fac = facility(db)
    services.add_purchase(db, facility=fac.id, date="2025-04-30", category="anesthetic_gas",
                          item="nitrous_oxide", quantity=10000, unit="litre")  # fmt: skip
    inv, _ = run(db, library)
    assert by_gas(inv) == approx({"N2O": 18.0})
    assert co2e(inv) == approx(18.0 * 265)


def test_refrigerant_blend_split_into_components(db, library) -> None:
    # R-410A = 50% HFC-32 + 50% HFC-125; AR5 677 and 3,170 -> 1,923.5 per kg.
    fac = facility(db)
    services.add_purchase(db, facility=fac.id, date="2025-07-15", category="refrigerant",
                          item="R-410A", quantity=10, unit="kg")  # fmt: skip
    inv, _ = run(db, library)
    assert by_gas(inv) == approx({"HFC-32": 5.0, "HFC-125": 5.0})
    assert co2e(inv) == approx(10 * 1923.5)


def test_hcfc_refrigerant_is_reported_outside_the_scopes(db, library) -> None:
    fac = facility(db)
    services.add_purchase(db, facility=fac.id, date="2025-07-15", category="refrigerant",
                          item="R-22", quantity=10, unit="kg")  # fmt: skip
    inv, summary = run(db, library)
    assert explain(inv, category="refrigerants").empty
    assert any("HCFC-22" in e and "Montreal" in e for e in summary["exclusions"])


def test_missing_factor_is_an_error_naming_it(db, library) -> None:
    fac = services.add_facility(db, name="Paris", country="FR")
    meter(db, fac, "Power", "electricity", "kWh")
    services.add_reading(db, meter="Power", start="2025-04-01", end="2025-04-30", quantity=1000)
    with pytest.raises(MissingFactorError, match="no emission factor family for country FR"):
        run(db, library)
    inv, summary = run(db, library, strict=False)
    assert summary["gaps"] and inv.lines.empty
    assert summary["totals_t"]["total_location"] == 0


def test_gbp_spend_is_converted_and_labelled_a_proxy(db, library) -> None:
    # £1,000 in 2025: / 0.759185 GBP per USD (ECB 2025 mean) x 292.655/321.943 (CPI-U) x 0.099.
    fac = services.add_facility(db, name="Leeds", country="GB", grid_region="GB")
    services.add_purchase(db, facility=fac.id, date="2025-04-30", category="325412",
                          spend=1000, currency="GBP")  # fmt: skip
    inv, _ = run(db, library)
    expected = 1000 / 0.759185 * 292.655 / 321.943 * 0.099
    assert co2e(inv, category="cat1_purchased_goods") == approx(expected)
    note = explain(inv, category="cat1_purchased_goods").iloc[0]["note"]
    assert note.startswith("GBP to USD at the 2025 ECB mean 0.759185 GBP/USD, then 2025 USD")
    assert note.endswith("proxy: US input-output factors applied to spend in GBP")


def test_spend_without_rates_or_index_is_a_gap_not_a_zero(db, library) -> None:
    fac = services.add_facility(db, name="Osaka", country="GB", grid_region="GB")
    services.add_purchase(db, facility=fac.id, date="2025-04-30", category="325412",
                          spend=1000, currency="JPY")  # fmt: skip
    with pytest.raises(
        MissingFactorError, match=re.escape("spend in JPY in 2025 (1 purchases): no exchange")
    ):
        run(db, library)


def test_spend_after_the_last_index_year_uses_it_and_says_so(db, library) -> None:
    fac = facility(db)
    services.add_purchase(db, facility=fac.id, date="2026-02-28", category="325412",
                          spend=1000, currency="USD")  # fmt: skip
    inv, _ = run(db, library, year=2026)
    line = explain(inv, category="cat1_purchased_goods").iloc[0]
    assert line["note"].startswith(
        "CPI-U annual average for 2026 not published in the shipped table: 2025 used"
    )
    assert line["co2e_kg"] == approx(1000 * 292.655 / 321.943 * 0.099)


def test_edition_choice_by_activity_year_and_pin(db, library) -> None:
    # 2024 electricity: eGRID2023 (Hub 2025) is the nearest data year, eGRID2022 (Hub 2024)
    # is two years off; the line says eGRID2023 stands in for 2024.
    fac = facility(db, grid="CAMX")
    meter(db, fac, "Power", "electricity", "MWh")
    services.add_reading(db, meter="Power", start="2024-06-01", end="2024-06-30", quantity=100)
    inv, summary = run(db, library, year=2024)
    co2 = explain(inv, gas="CO2", method="location", category="purchased_electricity").iloc[0]
    assert co2["dataset"] == "epa-ghg-hub/2025"
    assert co2["factor_value"] == approx(436.655)  # eGRID2023 CAMX
    assert co2["note"] == "eGRID2023 used for 2024 activity (nearest data year)"
    assert summary["stand_ins"] == ["eGRID2023 used for 2024 activity (nearest data year)"]
    inv, summary = run(db, library, year=2024, pins={"epa-ghg-hub": "2024"})
    co2 = explain(inv, gas="CO2", method="location", category="purchased_electricity").iloc[0]
    assert co2["dataset"] == "epa-ghg-hub/2024" and co2["factor_value"] == approx(497.443)
    assert co2["note"] == "eGRID2022 used for 2024 activity (pinned edition)"
    inv, summary = run(db, library, year=2024, pins={"epa-ghg-hub": "2025"})
    assert summary["stand_ins"] == ["eGRID2023 used for 2024 activity (pinned edition)"]


def test_bill_across_years_uses_each_years_edition(db, library) -> None:
    # Electricity follows the eGRID year: 2024 and 2025 both nearest eGRID2023 (Hub 2025).
    # Natural gas follows the edition year: 2024 on Hub 2024, 2025 on Hub 2025.
    fac = facility(db, grid="CAMX")
    meter(db, fac, "Power", "electricity", "MWh")
    meter(db, fac, "Gas", "natural_gas", "MMBtu")
    services.add_reading(db, meter="Power", start="2024-12-17", end="2025-01-15", quantity=300)
    services.add_reading(db, meter="Gas", start="2024-12-17", end="2025-01-15", quantity=300)
    inv, _ = services.emissions(db, start="2024-12", end="2025-01", library=library)
    co2 = explain(inv, gas="CO2", method="location", category="purchased_electricity")
    by_month = dict(zip(co2["month"], co2["factor_quantity"], strict=True))
    assert by_month == approx({"2024-12": 150.0, "2025-01": 150.0})  # 15 days each
    assert set(co2["dataset"]) == {"epa-ghg-hub/2025"}
    gas = explain(inv, gas="CO2", category="stationary_combustion")
    assert dict(zip(gas["month"], gas["dataset"], strict=True)) == {
        "2024-12": "epa-ghg-hub/2024",
        "2025-01": "epa-ghg-hub/2025",
    }
    assert set(gas["note"]) == {""}


#: Hand values for a CAMX hospital using 100 MWh of electricity and 1,000 MMBtu of natural gas
#: in June of each baseline year, no pin. (year, electricity dataset, Table 6 row,
#: lb CO2/CH4/N2O per MWh, electricity GWPs, gas dataset, gas GWPs, line notes (elec, gas)).
#: Natural gas is Table 1 row 38 in the 2021 and 2023 Hubs: 53.06 kg CO2, 1 g CH4, 0.1 g N2O
#: per mmBtu (the same in 2024 and 2025).
AR4 = {"CO2": 1, "CH4": 25, "N2O": 298}
HUB2021_STAND_IN = "US EPA GHG Emission Factors Hub 2021 used for {y} activity (no edition for {y} or earlier; earliest used)"
BASELINES = [
    # Hub 2021 Table 6 row 315 (eGRID2019): CAMX 453.2 / 0.033 / 0.004
    (2019, "epa-ghg-hub/2021", "315", (453.2, 0.033, 0.004), AR4, "epa-ghg-hub/2021", AR4,
     ("", HUB2021_STAND_IN.format(y=2019))),
    # 2020 is one year from eGRID2019 and eGRID2021: the tie goes to the earlier data year.
    (2020, "epa-ghg-hub/2021", "315", (453.2, 0.033, 0.004), AR4, "epa-ghg-hub/2021", AR4,
     ("eGRID2019 used for 2020 activity (nearest data year)", HUB2021_STAND_IN.format(y=2020))),
    # Hub 2023 Table 6 row 328 (eGRID2021): CAMX 531.7 / 0.031 / 0.004
    (2021, "epa-ghg-hub/2023", "328", (531.7, 0.031, 0.004), AR4, "epa-ghg-hub/2021", AR4,
     ("", "")),
    # Hub 2024 Table 6 row 335 (eGRID2022): CAMX 497.443 / 0.03 / 0.004; gas on Hub 2021
    (2022, "epa-ghg-hub/2024", "335", (497.443, 0.03, 0.004), AR5, "epa-ghg-hub/2021", AR4,
     ("", "")),
    # Hub 2025 Table 6 (eGRID2023): CAMX 436.655 / 0.025 / 0.003; gas on Hub 2023
    (2023, "epa-ghg-hub/2025", None, (436.655, 0.025, 0.003), AR5, "epa-ghg-hub/2023", AR4,
     ("", "")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("year", "elec_ds", "row", "rates", "elec_gwp", "gas_ds", "gas_gwp", "notes"),
    BASELINES,
    ids=[str(b[0]) for b in BASELINES],
)
def test_baseline_years_without_pins(
    db, library, year, elec_ds, row, rates, elec_gwp, gas_ds, gas_gwp, notes
) -> None:
    fac = facility(db, grid="CAMX")
    meter(db, fac, "Power", "electricity", "MWh")
    meter(db, fac, "Gas", "natural_gas", "MMBtu")
    services.add_reading(
        db, meter="Power", start=f"{year}-06-01", end=f"{year}-06-30", quantity=100
    )
    services.add_reading(db, meter="Gas", start=f"{year}-06-01", end=f"{year}-06-30", quantity=1000)
    inv, summary = run(db, library, year=year)
    elec = explain(inv, category="purchased_electricity", method="location")
    assert set(elec["dataset"]) == {elec_ds}
    if row is not None:
        assert set(elec["factor_row"]) == {row}
    assert by_gas(inv, category="purchased_electricity", method="location") == approx(
        {"CO2": 100 * rates[0] * LB, "CH4": 100 * rates[1] * LB, "N2O": 100 * rates[2] * LB}
    )
    expected = 100 * LB * (rates[0] + rates[1] * elec_gwp["CH4"] + rates[2] * elec_gwp["N2O"])
    assert co2e(inv, category="purchased_electricity", method="location") == approx(expected)
    assert set(elec["note"]) == {notes[0]}
    gas = explain(inv, category="stationary_combustion")
    assert set(gas["dataset"]) == {gas_ds}
    assert by_gas(inv, category="stationary_combustion") == approx(
        {"CO2": 53060.0, "CH4": 1.0, "N2O": 0.1}
    )
    gas_co2e = 53060.0 + 1.0 * gas_gwp["CH4"] + 0.1 * gas_gwp["N2O"]
    assert co2e(inv, category="stationary_combustion") == approx(gas_co2e)
    assert set(gas["note"]) == {notes[1]}
    assert summary["stand_ins"] == sorted(n for n in notes if n)  # by year, then text
    assert summary["totals_t"]["scope1"] == approx(gas_co2e / 1000)
    assert inv.gaps == []


def test_td_losses_2021_use_egrid2021_grid_gross_loss(db, library) -> None:
    # Hub 2023 (eGRID2021) publishes no grid gross loss; eGRID2021 summary Table 1 row 8
    # gives CAMX 0.044. Rates: Hub 2023 Table 6 row 328, 531.7 / 0.031 / 0.004 lb/MWh, AR4.
    fac = facility(db, grid="CAMX")
    meter(db, fac, "Power", "electricity", "MWh")
    services.add_reading(db, meter="Power", start="2021-06-01", end="2021-06-30", quantity=1000)
    inv, summary = run(db, library, year=2021)
    assert by_gas(inv, category="cat3_fuel_energy") == approx(
        {"CO2": 44 * 531.7 * LB, "CH4": 44 * 0.031 * LB, "N2O": 44 * 0.004 * LB}
    )
    assert co2e(inv, category="cat3_fuel_energy") == approx(
        44 * LB * (531.7 + 0.031 * 25 + 0.004 * 298)
    )
    line = explain(inv, category="cat3_fuel_energy", gas="CO2").iloc[0]
    assert line["dataset"] == "epa-ghg-hub/2023"
    assert line["note"] == (
        "T&D losses: consumption x grid gross loss x grid factor; grid gross loss from US EPA "
        "eGRID Summary Tables eGRID2021, Table 1 Subregion Output Emission Rates (eGRID2021), "
        "row 8 (US EPA GHG Emission Factors Hub 2023 publishes none); x 0.044 (grid gross loss)"
    )
    assert "egrid/2021" in {d["id"] for d in summary["datasets"]}
    assert not [e for e in inv.exclusions if e.startswith("T&D losses")]  # the loss is found


def test_hub_2021_and_2023_use_ar4(library) -> None:
    for edition in ("2021", "2023"):
        ds = library.dataset(f"epa-ghg-hub/{edition}")
        assert ds.gwp_set == "AR4"
        gwp = library.table(ds.id, "gwp.csv").set_index("gas")["gwp100"]
        assert (gwp["CH4"], gwp["N2O"]) == (25, 298)  # Table 11 rows 506-507 (2023)


def test_every_line_traces_to_a_record_and_a_factor_row(db, library) -> None:
    from greencare.paths import sample_data_dir
    from greencare.services.demo import load_sample_data

    with db.atomic():
        load_sample_data(db, sample_data_dir())
    inv, summary = run(db, library, facility="Riverside General Hospital")
    lines = inv.lines
    assert len(lines) > 500 and not summary["gaps"]
    assert lines["dataset"].notna().all() and (lines["factor_id"] != "").all()
    assert lines["co2e_kg"].notna().all() and (lines["co2e_kg"] >= 0).all()
    assert set(lines["scope"]) == {"1", "2", "3"}
    # the summary's scope totals are sums of lines, nothing else
    s1 = lines[(lines["scope"] == "1")]["co2e_kg"].sum() / 1000
    assert summary["totals_t"]["scope1"] == approx(s1)
    eui = summary["by_facility"][0]["site_eui_kbtu_per_ft2_year"]
    assert 200 < eui < 300


def test_market_based_certificates_then_supplier_then_fallback(db, library) -> None:
    # Two meters, 100 MWh each in Jan and Feb (400 MWh). A 100 MWh REC over Jan-Feb covers
    # 25 MWh of each meter-month; a 300 kg/MWh supplier rate covers the rest of E2 in February.
    fac = facility(db, grid="CAMX")
    meter(db, fac, "E1", "electricity", "MWh")
    meter(db, fac, "E2", "electricity", "MWh")
    for name in ("E1", "E2"):
        for month in ("01", "02"):
            services.add_reading(db, meter=name, start=f"2025-{month}-01",
                                 end=f"2025-{month}-28", quantity=100)  # fmt: skip
    rec = services.add_instrument(db, facility=fac.id, kind="rec", start_month="2025-01",
                                  end_month="2025-02", mwh=100)  # fmt: skip
    sup = services.add_instrument(db, facility=fac.id, kind="supplier_factor", meter="E2",
                                  start_month="2025-02", end_month="2025-02",
                                  co2e_kg_per_mwh=300)  # fmt: skip
    inv, summary = run(db, library)
    location_per_mwh = LB * (436.655 + 0.025 * 28 + 0.003 * 265)
    assert summary["totals_t"]["scope2_location"] == approx(400 * location_per_mwh / 1000)
    market = explain(inv, method="market")
    rec_lines = market[
        market["source_id"].astype(str).eq(str(rec)) & (market["source_type"] == "instrument")
    ]
    assert rec_lines["activity_quantity"].sum() == approx(100.0)
    assert rec_lines["co2e_kg"].sum() == 0
    supplier = market[(market["source_type"] == "instrument") & (market["source_id"] == sup)]
    assert supplier["activity_quantity"].sum() == approx(75.0)
    assert supplier["co2e_kg"].sum() == approx(75 * 300)
    fallback_mwh = 400 - 100 - 75
    expected = fallback_mwh * location_per_mwh + 75 * 300
    assert summary["totals_t"]["scope2_market"] == approx(expected / 1000)


def test_certificates_never_cover_more_than_was_used(db, library) -> None:
    fac = facility(db, grid="CAMX")
    meter(db, fac, "E1", "electricity", "MWh")
    services.add_reading(db, meter="E1", start="2025-01-01", end="2025-01-31", quantity=50)
    services.add_instrument(db, facility=fac.id, kind="ppa", start_month="2025-01",
                            end_month="2025-01", mwh=80)  # fmt: skip
    inv, summary = run(db, library)
    market = explain(inv, method="market")
    assert market["activity_quantity"].sum() == approx(50.0)
    assert summary["totals_t"]["scope2_market"] == 0.0
    assert summary["totals_t"]["scope2_location"] > 0
