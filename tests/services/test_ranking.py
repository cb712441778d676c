"""Facilities ranked (services.facility_ranking): hand-checked figures, n/a with a reason
(never 0), the order, which comparison year and why, and one inventory for all facilities."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core import calculate as engine
from greencare.core.errors import InputError


def gas(db: Database, facility: int, year: int, therm: float) -> None:
    meter = services.list_meters(db, facility=facility)
    if not meter:
        meter = [services.add_meter(db, facility=facility, name="Gas", commodity="natural_gas",
                                    unit="therm")]  # fmt: skip
    services.add_reading(db, meter=meter[0].id, start=f"{year}-03-01", end=f"{year}-03-31",
                         quantity=therm)  # fmt: skip


@pytest.fixture
def system(db: Database) -> dict[str, int]:
    """Three facilities: A has everything; B has no floor area, no beds and nothing in 2024;
    C (GB, m²) has no readings at all."""
    a = services.add_facility(db, name="Alpha", country="US", grid_region="CAMX",
                              floor_area="100000 ft**2", staffed_beds=100)  # fmt: skip
    b = services.add_facility(db, name="Beta", country="US", grid_region="CAMX")
    c = services.add_facility(db, name="Gamma", country="GB", grid_region="GB",
                              floor_area="10000 m**2", staffed_beds=50)  # fmt: skip
    gas(db, a.id, 2024, 1000)
    gas(db, a.id, 2025, 2000)
    gas(db, b.id, 2025, 4000)
    return {"a": a.id, "b": b.id, "c": c.id}


def by_name(result: dict) -> dict[str, dict]:
    return {r["facility"]: r for r in result["facilities"]}


def test_figures_by_hand_and_as_the_engine_gives_them(db: Database, system) -> None:
    result = services.facility_ranking(db, 2025)
    rows = by_name(result)
    a = rows["Alpha"]
    # 2,000 therm = 200 MMBtu = 200,000 kBtu over 100,000 ft², a whole year: 2.0 kBtu/ft²/yr
    assert a["site_eui_kbtu_ft2"] == pytest.approx(2.0, rel=1e-6)
    assert a["site_eui_kwh_m2"] == pytest.approx(a["site_kwh"] / a["floor_area_m2"], rel=1e-12)
    _, summary = services.emissions(db, year=2025)
    _, before = services.emissions(db, year=2024)
    engine_a = next(f for f in summary["by_facility"] if f["facility"] == "Alpha")
    engine_a_before = next(f for f in before["by_facility"] if f["facility"] == "Alpha")
    s12 = engine_a["scope1"] + engine_a["scope2_location"]
    assert a["scope12_location_t"] == pytest.approx(s12, abs=1e-6)
    assert a["total_location_t"] == pytest.approx(engine_a["total_location"], abs=1e-6)
    assert a["t_per_bed"] == pytest.approx(s12 / 100, abs=1e-8)
    assert a["kg_per_bed"] == pytest.approx(s12 / 100 * 1000, abs=1e-5)
    s12_before = engine_a_before["scope1"] + engine_a_before["scope2_location"]
    assert a["change_pct"] == pytest.approx((s12 / s12_before - 1) * 100, abs=1e-6)
    assert a["change_pct"] == pytest.approx(100.0, abs=1.0)  # twice the gas, same factors
    assert a["site_eui_kbtu_ft2"] == pytest.approx(engine_a["site_eui_kbtu_per_ft2_year"])
    assert a["na"] == {}
    assert result["comparison"]["year"] == 2024 and result["comparison"]["kind"] == "previous"


def test_missing_figures_are_none_with_a_reason_never_zero(db: Database, system) -> None:
    rows = by_name(services.facility_ranking(db, 2025))
    b, c = rows["Beta"], rows["Gamma"]
    assert b["site_eui_kbtu_ft2"] is None and b["na"]["eui"] == "no floor area recorded"
    assert b["t_per_bed"] is None and b["na"]["per_bed"] == "no staffed beds recorded"
    assert b["change_pct"] is None and b["na"]["change"] == "no Scope 1+2 emissions in 2024"
    assert b["scope12_location_t"] > 0 and "total" not in b["na"]
    assert c["site_eui_kwh_m2"] is None and c["na"]["eui"] == "no energy readings in the period"
    assert c["total_location_t"] is None and c["scope12_location_t"] is None
    assert c["na"]["total"] == "no activity with emissions in the period"
    assert c["site_kwh"] is None


def test_rank_highest_first_and_those_without_a_figure_last(db: Database, system) -> None:
    eui = services.facility_ranking(db, 2025, by="eui")["facilities"]
    assert [(r["facility"], r["rank"]) for r in eui] == [
        ("Alpha", 1), ("Beta", None), ("Gamma", None),
    ]  # fmt: skip
    total = services.facility_ranking(db, 2025, by="total")["facilities"]
    assert [(r["facility"], r["rank"]) for r in total] == [
        ("Beta", 1), ("Alpha", 2), ("Gamma", None),
    ]  # fmt: skip
    with pytest.raises(InputError, match="by: 'beds' is not one of eui, per_bed"):
        services.facility_ranking(db, 2025, by="beds")


def test_one_inventory_for_all_facilities(db: Database, system, monkeypatch) -> None:
    calls = []
    real = engine.calculate

    def counting(activity, *args, **kwargs):
        calls.append(sorted(activity.facilities["id"]))
        return real(activity, *args, **kwargs)

    monkeypatch.setattr(engine, "calculate", counting)
    services.facility_ranking(db, 2025)
    assert calls == [sorted(system.values())] * 2  # the period and the comparison year


def test_comparison_year_is_the_setting_the_targets_or_the_previous_year(
    db: Database, system
) -> None:
    assert services.comparison_period(db, "2025-01", "2025-12")["text"] == (
        "vs 2024 (the previous year)"
    )
    services.add_target(db, scope="scope12", basis="location", baseline_year=2022,
                        target_year=2030, reduction="50%")  # fmt: skip
    found = services.comparison_period(db, "2025-01", "2025-12")
    assert (found["year"], found["kind"], found["source"]) == (
        2022, "baseline", "stored Scope 1+2 targets",
    )  # fmt: skip
    services.set_default_baseline_year(db, 2023)
    found = services.comparison_period(db, "2025-01", "2025-12")
    assert found["text"] == "vs 2023 (baseline year, from the baseline-year setting)"
    assert (found["from"], found["to"]) == ("2023-01", "2023-12")
    services.set_default_baseline_year(db, 2025)  # the period's own year: the previous one
    assert services.comparison_period(db, "2025-01", "2025-12")["year"] == 2024
    given = services.comparison_period(db, "2024-07", "2025-06", compare=2020)
    assert (given["from"], given["to"], given["kind"]) == ("2019-07", "2020-06", "baseline")
    with pytest.raises(InputError, match="compare: 2025 must be a year from 1990 to 2024"):
        services.comparison_period(db, "2025-01", "2025-12", compare=2025)


def test_a_change_against_a_partly_recorded_year_is_left_out(db: Database, system) -> None:
    meter = services.list_meters(db, facility=system["a"])[0]
    services.add_reading(db, meter=meter.id, start="2025-04-01", end="2025-04-30", quantity=10)
    a = by_name(services.facility_ranking(db, 2025))["Alpha"]
    assert a["change_pct"] is None
    assert a["na"]["change"] == "2024 has energy data in 1 month, the period in 2"


def test_retired_facilities_without_activity_are_left_out(db: Database, system) -> None:
    services.retire_facility(db, system["c"])
    services.retire_facility(db, system["b"])
    names = [r["facility"] for r in services.facility_ranking(db, 2025)["facilities"]]
    assert names == ["Alpha", "Beta"]  # Beta is retired but burned gas in 2025
