"""A system report of many facilities keeps its per-facility tables in the appendix (the
ranking and the facility pages show each facility) and its weather chart to the largest few."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlite_utils import Database

from greencare.reports import build_report, charts, facility_pages, render, weather
from greencare.reports.tables import FACILITY_DETAIL_TABLES


def test_per_facility_tables_move_to_the_appendix_beyond_the_listed_count(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    few = build_report(demo_db, year=2025)  # the demo's two facilities: tables in the body
    assert few.tables["ghg_by_facility"].section == "ghg"
    assert few.tables["weather_models"].section == "weather"
    monkeypatch.setattr(facility_pages, "LISTED", 1)
    many = build_report(demo_db, year=2025)
    for key in FACILITY_DETAIL_TABLES:
        if key in many.tables:
            assert many.tables[key].section == "detail", key
    # the same figures, only placed elsewhere; the PDF lists them with the other detail tables
    pd.testing.assert_frame_equal(few["ghg_by_facility"], many["ghg_by_facility"])
    plan = render.pdf_plan(many)
    listed = next(
        e for p in plan["pages"] for e in p["elements"] if e.get("key") == "detail_tables"
    )
    assert "Emissions by facility" in [row[0] for row in listed["body"]]
    keys = {e.get("key") for p in plan["pages"] for e in p["elements"]}
    assert not keys & set(FACILITY_DETAIL_TABLES)


def test_the_weather_chart_shows_the_largest_facilities(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = build_report(demo_db, year=2025)
    one = report["weather_by_month"]
    name = one["facility"].iloc[0]
    base = one[one["facility"] == name]
    copies = []
    for n in range(6):  # six facilities, the n-th using (n + 1) times the energy
        part = base.copy()
        part["facility"] = f"Hospital {n}"
        part["site_kwh"] = part["site_kwh"] * (n + 1)
        copies.append(part)
    report.tables["weather_by_month"].frame = pd.concat(copies, ignore_index=True)
    shown = weather.figures(report)
    assert list(shown) == ["Hospital 2", "Hospital 3", "Hospital 4", "Hospital 5"]
    assert weather.modelled_count(report) == 6
    fig = charts.weather_normalised(report)
    assert len(fig.axes) == weather.CHART_FACILITIES
    assert fig.axes[0].get_title(loc="left").endswith("(4 largest of 6 facilities)")
    assert charts.natural_size(charts.weather_normalised, report)[1] == pytest.approx(
        1.35 + 3.15 * weather.CHART_FACILITIES
    )
