"""The system report leads with the system: "Facilities ranked" right after the key figures,
and an "Interval meters" section; their values are the services' values on the demo, in HTML,
Markdown and JSON, with no stored code in the rendered text."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from sqlite_utils import Database
from test_report_labels import codes, html_text

from greencare import services
from greencare.reports import build_report
from greencare.reports.interval_section import tou_column
from greencare.reports.writers import write


@pytest.fixture(scope="module")
def demo_report(demo_path: Path):
    db = services.open_db(demo_path)
    try:
        yield build_report(db, year=2025, baseline_year=2024)
    finally:
        db.close()


@pytest.fixture(scope="module")
def written(demo_report, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("ranking")
    return {f: write(demo_report, f, out / f"r.{f}").read_text(encoding="utf-8")
            for f in ("html", "md", "json")}  # fmt: skip


def same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None
    return b == pytest.approx(a, rel=1e-9, abs=1e-9)


def test_ranked_table_is_the_services_ranking(demo_report, demo_db: Database) -> None:
    frame = demo_report["facilities_ranked"]
    want = services.facility_ranking(demo_db, 2025, by="eui", compare=2024)
    assert list(frame["facility"]) == [r["facility"] for r in want["facilities"]]
    assert len(frame) == 2
    for row, expected in zip(frame.to_dict("records"), want["facilities"], strict=True):
        assert int(row["rank"]) == expected["rank"]
        assert int(row["staffed_beds"]) == expected["staffed_beds"]
        for column in ("site_eui_kbtu_ft2", "site_eui_kwh_m2", "scope12_location_t",
                       "total_location_t", "t_per_bed", "change_pct"):  # fmt: skip
            assert same(expected[column], row[column]), column
        assert same(expected["comparison_scope12_t"], row["comparison_t"])
        assert row["not_available"] == ""
    # the same figures as the report's own energy and GHG tables
    energy = demo_report["energy_by_facility"].set_index("facility")
    ghg = demo_report["ghg_by_facility"].set_index("facility")
    for row in frame.to_dict("records"):
        name = row["facility"]
        assert row["site_eui_kbtu_ft2"] == pytest.approx(energy.at[name, "site_eui_kbtu_ft2"])
        assert row["site_eui_kwh_m2"] == pytest.approx(energy.at[name, "site_eui_kwh_m2"])
        s12 = ghg.at[name, "scope1_t"] + ghg.at[name, "scope2_location_t"]
        assert row["scope12_location_t"] == pytest.approx(s12, abs=1e-5)
        assert row["total_location_t"] == pytest.approx(ghg.at[name, "total_location_t"], abs=1e-5)
    note = demo_report.tables["facilities_ranked"].note
    assert "change is against 2024 (baseline year, 2024-01 to 2024-12)" in note


def test_interval_table_is_the_services_metrics(demo_report, demo_db: Database) -> None:
    frame = demo_report["interval_meters"]
    meters = {m.name: m for m in services.list_meters(demo_db)}
    assert set(frame["meter"]) == {"Central plant electric"}
    for name, part in frame.groupby("meter"):
        profile = services.interval_profile(demo_db, meters[name].id, first_month="2025-01",
                                            last_month="2025-12")  # fmt: skip
        assert list(part["month"]) == [m["month"] for m in profile["months"]]
        assert set(part["timezone"]) == {profile["timezone"]}
        for row, m in zip(part.to_dict("records"), profile["months"], strict=True):
            assert row["peak_kw"] == pytest.approx(m["peak_power"])
            assert row["peak_time"] == m["peak_start"][:16].replace("T", " ")
            assert row["load_factor"] == pytest.approx(m["load_factor"])
            assert row["base_load_kw"] == pytest.approx(m["base_load"])
            assert row["after_hours_pct"] == pytest.approx(m["after_hours_share"] * 100)
            assert row["energy_kwh"] == pytest.approx(m["energy"])
            for period, share in m["tou_shares"].items():
                assert row[tou_column(period)] == pytest.approx(share * 100)
    note = demo_report.tables["interval_meters"].note
    assert "occupied Mon, Tue, Wed, Thu, Fri 07:00-19:00 local time" in note
    assert "PG&E business TOU (from March 2021)" in note and "Pacific Gas and Electric" in note
    figures = demo_report["interval_definitions"]
    assert list(figures["figure"]) == [
        "Peak demand", "Load factor", "Base load", "After hours", "Time-of-use shares",
    ]  # fmt: skip


def test_sections_lead_with_the_ranking_in_every_format(written: dict[str, str]) -> None:
    data = json.loads(written["json"])
    keys = [s["key"] for s in data["sections"]]
    assert keys[:4] == ["summary", "ranking", "facilities", "ghg"]  # facility pages after it
    assert keys[keys.index("energy") + 1] == "interval"
    assert data["tables"]["facilities_ranked"]["section"] == "ranking"
    columns = {c["name"]: c for c in data["tables"]["interval_meters"]["columns"]}
    assert columns["peak_kw"]["label"] == "Peak demand (kW)" and columns["peak_kw"]["unit"] == "kW"

    html = written["html"]
    at = [html.index(f'id="section-{k}"')
          for k in ("story", "summary", "ranking", "facilities", "ghg")]  # fmt: skip
    assert at == sorted(at)
    assert html.index('id="section-energy"') < html.index('id="section-interval"')
    md = written["md"]
    at = [md.index(h) for h in ("## At a glance", "## Summary\n", "## Facilities ranked",
                                "## Greenhouse gas inventory", "## Energy\n",
                                "## Interval meters")]  # fmt: skip
    assert at == sorted(at)
    # conventions: the demo's larger estate is metric, so kWh/m² is shown and kBtu/ft² is not
    for text in (html_text(html), md):
        assert "Site EUI (kWh/m²/yr)" in text and "Scope 1+2 per staffed bed (t CO₂e)" in text
        assert "Peak demand (kW)" in text and "TOU off-peak (%)" in text
        assert "Peak at (local time)" in text and "Load factor" in text
        assert codes(text) == set()


def test_a_one_facility_report_has_no_ranking_and_no_interval_section(small_db) -> None:
    report = build_report(small_db, year=2025)
    assert "facilities_ranked" not in report.tables
    assert "interval_meters" not in report.tables
    assert [k for k, _, _ in report.by_section()][:2] == ["summary", "ghg"]


def test_facilities_lacking_figures_say_why_in_the_report(small_db) -> None:
    other = services.add_facility(small_db, name="Annex", country="US", grid_region="CAMX")
    gas = services.add_meter(small_db, facility=other.id, name="Gas", commodity="natural_gas",
                             unit="therm")  # fmt: skip
    services.add_reading(small_db, meter=gas.id, start="2025-03-01", end="2025-03-31",
                         quantity=100)  # fmt: skip
    report = build_report(small_db, year=2025)
    frame = report["facilities_ranked"].set_index("facility")
    assert math.isnan(frame.at["Annex", "site_eui_kbtu_ft2"])
    assert frame.at["Annex", "rank"] is not None and str(frame.at["Annex", "rank"]) == "<NA>"
    assert frame.at["Annex", "not_available"] == (
        "Site EUI: no floor area recorded; Per bed: no staffed beds recorded; "
        "Change: no Scope 1+2 emissions in 2024"
    )
    assert int(frame.at["St Example", "rank"]) == 1
    assert "change is against 2024 (previous year" in report.tables["facilities_ranked"].note
