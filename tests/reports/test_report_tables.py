"""Report figures against hand-computed values and against the engine (services.emissions)."""

from __future__ import annotations

import math

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import InputError
from greencare.core.factors import MissingFactorError
from greencare.reports import DEFAULT_TARGET, build_report
from greencare.reports.progress import target_reduction

MARCH = {"start": "2025-03", "end": "2025-03"}


def _value(frame, metric: str, unit: str) -> float:  # type: ignore[no-untyped-def]
    hit = frame[(frame["metric"] == metric) & (frame["unit"] == unit)]
    assert len(hit) == 1, (metric, unit)
    return float(hit["value"].iloc[0])


def test_gas_meter_is_53_114_5_kg_co2e(small_db: Database) -> None:
    report = build_report(small_db, **MARCH, gwp="AR5")
    scope1 = report["scope1_by_source"].set_index("category")["co2e_t"]
    assert scope1["stationary_combustion"] == pytest.approx(53.1145, rel=1e-9)
    assert report["ghg_totals"].set_index("scope").loc["scope1", "co2e_t"] == pytest.approx(53.1145)
    gases = report["ghg_by_gas"].set_index(["scope", "gas"])
    assert gases.loc[("1", "CO2"), "mass_kg"] == pytest.approx(53060.0)
    assert gases.loc[("1", "CH4"), "mass_kg"] == pytest.approx(1.0)
    assert gases.loc[("1", "N2O"), "mass_kg"] == pytest.approx(0.1)


def test_waste_indicators_by_hand(small_db: Database) -> None:
    report = build_report(small_db, **MARCH)
    k = report["waste_kpis"]
    total = 1000 + 200 + 3000 + 800  # the reusable sharps containers are not waste
    assert _value(k, "Total waste (reused items excluded)", "kg") == pytest.approx(total)
    assert _value(k, "Total waste (reused items excluded)", "lb") == pytest.approx(
        total / 0.45359237
    )
    assert _value(k, "RMW share of total waste", "%") == pytest.approx(1200 / 5000 * 100)
    assert _value(k, "Recycling / diversion rate", "%") == pytest.approx(800 / 5000 * 100)
    assert _value(k, "Reused or reprocessed (not counted)", "kg") == pytest.approx(100)
    assert _value(k, "Staffed bed-days in the period", "bed-days") == 250 * 31
    assert _value(k, "Waste per staffed bed per day", "kg/bed-day") == pytest.approx(
        5000 / (250 * 31)
    )
    assert _value(k, "Waste per adjusted patient day", "kg/APD") == pytest.approx(5000 / 9000)
    streams = report["waste_by_stream"].set_index("stream")
    assert streams.loc["reusable_sharps_containers", "waste_class"] == "reused"
    assert streams.loc["sharps", "waste_class"] == "rmw"
    assert streams.loc["cardboard", "waste_class"] == "diverted"
    assert streams.loc["solid_waste", "cost_per_tonne"] == pytest.approx(240 / 3.0)


def test_energy_and_intensity_by_hand(small_db: Database) -> None:
    report = build_report(small_db, year=2025)
    energy = report["energy_by_commodity"].set_index("commodity")
    # 10,000 therm = 1,000,000 kBtu; 100,000 kWh = 341,214 kBtu
    assert energy.loc["natural_gas", "site_kbtu"] == pytest.approx(1_000_000, rel=1e-3)
    assert energy.loc["electricity", "site_kbtu"] == pytest.approx(341_214.1633, rel=1e-9)
    assert energy.loc["electricity", "estimated_pct"] == pytest.approx(100.0)
    assert energy.loc["natural_gas", "cost"] == pytest.approx(9000)
    # PM site-to-source: grid electricity 2.80, natural gas 1.05
    assert energy.loc["electricity", "source_kbtu"] == pytest.approx(341_214.1633 * 2.8)
    fac = report["energy_by_facility"].iloc[0]
    assert fac["floor_area_ft2"] == pytest.approx(350_000)
    site = energy["site_kbtu"].sum()
    assert fac["site_eui_kbtu_ft2"] == pytest.approx(site / 350_000)
    intens = report["intensities"].iloc[-1]
    s12 = report["ghg_totals"].set_index("scope")["co2e_t"]
    s12 = s12["scope1"] + s12["scope2_location"]
    assert intens["t_per_bed"] == pytest.approx(s12 / 250)
    assert intens["t_per_1000_patient_days"] == pytest.approx(s12 / 6000 * 1000)
    assert intens["t_per_1000_ft2"] == pytest.approx(s12 / 350)


def test_data_quality_and_pm_entries(small_db: Database) -> None:
    report = build_report(small_db, year=2025)
    meters = report["quality_meters"].set_index("meter")
    assert meters.loc["Gas", "months_missing"] == 11
    assert meters.loc["Gas", "missing_months"] == "2025-01..2025-02, 2025-04..2025-12"
    assert meters.loc["Electric", "estimated_pct"] == pytest.approx(100.0)
    checks = report["quality_summary"].set_index("check")["value"]
    assert checks["Meter-months missing in the period"] == 22
    assert checks["Facilities without a grid region"] == 0
    pm = report["pm_meter_entries"]
    gas = pm[pm["Meter Name"] == "Gas"].iloc[0]
    assert (gas["Meter Type"], gas["Usage Units"]) == ("Natural Gas", "Therms")
    assert (gas["Start Date"], gas["End Date"]) == ("2025-03-01", "2025-03-31")
    assert gas["Usage/Quantity"] == pytest.approx(10000)
    assert gas["Cost ($)"] == pytest.approx(9000)
    power = pm[pm["Meter Name"] == "Electric"].iloc[0]
    assert power["Usage Units"] == "kWh (thousand Watt-hours)"
    assert power["Estimation"] == "Yes"


def test_demo_report_matches_the_engine(demo_db: Database) -> None:
    name = "Riverside General Hospital"
    report = build_report(demo_db, year=2025, facility=name, baseline_year=2024)
    inventory, summary = services.emissions(demo_db, year=2025, facility=name)
    totals = report["ghg_totals"].set_index("scope")["co2e_t"]
    for key, value in summary["totals_t"].items():
        assert totals[key] == pytest.approx(value, abs=1e-6)
    lines = inventory.lines
    by_cat = report["ghg_protocol"].set_index("category")
    for category, part in lines[lines["method"] != "market"].groupby("category"):
        assert by_cat.loc[category, "co2e_t_location"] == pytest.approx(part["co2e_kg"].sum() / 1e3)
    month = report["ghg_by_month"]
    assert month["total_location_t"].sum() == pytest.approx(summary["totals_t"]["total_location"])
    assert len(month) == 12
    facility = summary["by_facility"][0]
    energy = report["energy_by_facility"].iloc[0]
    assert energy["site_kbtu"] == pytest.approx(facility["site_energy_kbtu"])
    assert energy["site_eui_kbtu_ft2"] == pytest.approx(
        facility["site_eui_kbtu_per_ft2_year"], abs=1e-3
    )  # the summary rounds to 3 decimals
    assert report["energy_by_commodity"]["site_kbtu"].sum() == pytest.approx(
        facility["site_energy_kbtu"]
    )
    cms = report["cms_areas"].set_index("area")["co2e_t_location"]
    t = summary["totals_t"]
    assert cms["Organizational"] == pytest.approx(t["scope1"] + t["scope2_location"])
    gri = report["gri_305"].set_index("data_point")["value"]
    assert gri["Gross direct (Scope 1) GHG emissions"] == pytest.approx(t["scope1"])
    progress = report["progress"].set_index("year")
    _, s2024 = services.emissions(demo_db, year=2024, facility=name)
    base = s2024["totals_t"]["scope1"] + s2024["totals_t"]["scope2_location"]
    assert progress.loc[2024, "scope12_location_t"] == pytest.approx(base)
    assert progress.loc[2025, "target_scope12_t"] == pytest.approx(base * (1 - 0.5 / 6))
    traj = report["trajectory"].set_index("year")["target_scope12_t"]
    assert traj[2030] == pytest.approx(base * 0.5)
    assert traj[2050] == pytest.approx(0.0, abs=1e-9)
    jc = report["joint_commission"]
    assert (jc["has_data"] == "yes").sum() >= 3
    assert (
        report["quality_summary"].set_index("check")["value"][
            "Lines using factors marked unverified"
        ]
        == summary["lines_with_unverified_factors"]
    )
    datasets = set(report["methodology_datasets"]["id"])
    assert {d["id"] for d in summary["datasets"]} <= datasets
    waste = report["waste_kpis"]
    assert 0 < _value(waste, "RMW share of total waste", "%") < 100
    assert math.isclose(report.metric("Total (location-based)"), t["total_location"], rel_tol=1e-12)


def test_target_trajectory_is_linear_between_milestones() -> None:
    assert target_reduction(2024, 2024, DEFAULT_TARGET) == 0.0
    assert target_reduction(2024, 2027, DEFAULT_TARGET) == pytest.approx(0.25)
    assert target_reduction(2024, 2030, DEFAULT_TARGET) == pytest.approx(0.5)
    assert target_reduction(2024, 2040, DEFAULT_TARGET) == pytest.approx(0.75)
    assert target_reduction(2024, 2060, DEFAULT_TARGET) == pytest.approx(1.0)
    assert target_reduction(2035, 2040, DEFAULT_TARGET) == pytest.approx(5 / 15)


def test_user_errors(small_db: Database) -> None:
    with pytest.raises(InputError):
        build_report(small_db, start="2025-05", end="2025-02")
    with pytest.raises(InputError):
        build_report(small_db, year=2025, start="2025-01", end="2025-02")
    with pytest.raises(InputError):
        build_report(small_db, year=2025, baseline_year=2030)
    services.add_facility(small_db, name="UK", country="GB", grid_region="GB",
                          floor_area="1000 m**2", staffed_beds=10)  # fmt: skip
    services.add_purchase(small_db, facility="UK", date="2025-03-10", category="325412",
                          spend=1000, currency="JPY")  # fmt: skip
    with pytest.raises(MissingFactorError):
        build_report(small_db, year=2025)
    report = build_report(small_db, year=2025, allow_gaps=True)
    assert report.meta["gaps"]
    issues = report["quality_issues"]
    assert (issues["kind"] == "missing factor").any()


def test_floor_area_entered_in_ft2_is_reported_exactly() -> None:
    """600,000 ft² stays 600,000 in the report, not 600000.000016 after a trip through m²."""
    from greencare import services
    from greencare.storage.db import open_db
    from greencare.storage.inventory import load_activity

    db = open_db(":memory:")
    fac = services.add_facility(
        db, name="Exact", country="US", grid_region="CAMX", floor_area="600000 ft**2"
    )
    activity = load_activity(db, first_month="2025-01", last_month="2025-12", facility_ids=[fac.id])
    row = activity.facilities.iloc[0]
    assert row["floor_area_ft2"] == 600000.0
    assert row["floor_area_m2"] == fac.floor_area_m2


def test_joint_commission_rows_add_up_without_double_counting(demo_db: Database) -> None:
    """Energy is split into fuels burned on site and energy bought, so summing the rows gives
    the baseline (an 'all energy' row above its electricity part counted electricity twice)."""
    name = "Riverside General Hospital"
    report = build_report(demo_db, year=2025, facility=name)
    jc = report["joint_commission"].set_index("source")
    sources = jc.drop(index="Total of the sources above")
    assert jc.loc["Total of the sources above", "co2e_t"] == pytest.approx(sources["co2e_t"].sum())
    inventory, summary = services.emissions(demo_db, year=2025, facility=name)
    by_category = inventory.location().groupby("category")["co2e_kg"].sum() / 1000
    assert sources.loc["Fuels burned and energy generated on site", "co2e_t"] == pytest.approx(
        by_category["stationary_combustion"]
    )
    bought = "Purchased electricity, heat, steam and chilled water"
    assert sources.loc[bought, "co2e_t"] == pytest.approx(
        by_category[["purchased_electricity", "purchased_heat_steam"]].sum()
    )
    # Site energy: the two energy rows together are the facility's site energy, once.
    site_kbtu = sum(f["site_energy_kbtu"] for f in summary["by_facility"])
    energy_rows = sources.loc[["Fuels burned and energy generated on site", bought], "activity"]
    assert energy_rows.sum() == pytest.approx(site_kbtu, rel=1e-6)


def test_pm_entries_never_give_part_of_a_months_cost_as_its_cost(db, gas_meter) -> None:
    """Cost ($) summed only the USD costs of a month: a month billed 900 USD and 100 CAD
    showed 900 as its cost. A month with a cost in another currency has no Cost ($)."""
    services.add_reading(db, meter=gas_meter.id, start="2025-03-01", end="2025-03-15",
                         quantity=500, cost=900, currency="USD")  # fmt: skip
    services.add_reading(db, meter=gas_meter.id, start="2025-03-16", end="2025-03-31",
                         quantity=500, cost=100, currency="CAD")  # fmt: skip
    services.add_reading(db, meter=gas_meter.id, start="2025-04-01", end="2025-04-30",
                         quantity=500, cost=700, currency="USD")  # fmt: skip
    pm = build_report(db, year=2025)["pm_meter_entries"].set_index("Start Date")
    assert math.isnan(pm.loc["2025-03-01", "Cost ($)"])
    assert pm.loc["2025-04-01", "Cost ($)"] == pytest.approx(700)
