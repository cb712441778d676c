"""The report's "Weather-normalised energy" section: its figures are services.baselines' for the
demo database, the chart plots the table's values, and every writer carries it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from greencare.reports import build_report, charts, weather
from greencare.reports.render import pdf_pages, to_html
from greencare.reports.writers import to_json, to_markdown, write
from greencare.services import baselines

RIVERSIDE = "Riverside General Hospital"
NORTHGATE = "Northgate Community Hospital"


@pytest.fixture(scope="module")
def demo_report(demo_path: Path):
    from greencare import services

    db = services.open_db(demo_path)
    report = build_report(db, year=2025)
    direct = {
        "savings": baselines.jsonable(
            baselines.savings(db, facility=RIVERSIDE, baseline="2024", report="2025")
        ),
        "normalised": baselines.jsonable(baselines.normalised(db, facility=RIVERSIDE, year=2024)),
    }
    yield report, direct
    db.close()


def _row(frame, **match):
    part = frame
    for k, v in match.items():
        part = part[part[k] == v]
    assert len(part) == 1, match
    return part.iloc[0]


def test_model_and_statistics_are_the_baseline_services(demo_report) -> None:
    report, direct = demo_report
    m = direct["savings"]["baseline"]["model"]
    row = _row(report["weather_models"], facility=RIVERSIDE)
    assert row["status"] == "fitted" and row["baseline_period"] == "2024-01..2024-12"
    assert row["model"] == m["model"] == "3PH"
    assert (row["n"], row["p"]) == (m["n"], m["p"])
    assert row["r2"] == pytest.approx(m["r2"])
    assert row["cv_rmse_pct"] == pytest.approx(m["cv_rmse"] * 100)
    assert row["nmbe_pct"] == pytest.approx(m["nmbe"] * 100)
    assert row["fit_for_savings"] == "yes" and row["reasons"] == ""
    assert row["base_load_kwh_day"] == pytest.approx(m["base_load_per_day"])
    assert row["heating_slope_kwh_dd"] == pytest.approx(m["heating_slope_per_degree_day"])
    assert row["heating_balance"] == pytest.approx(m["heating_balance_point"])
    assert "NOAA NCEI nClimDiv" in row["weather_source"] and "state PA" in row["weather_source"]


def test_normalised_use_and_eui_per_year(demo_report) -> None:
    report, direct = demo_report
    frame = report["weather_normalised"]
    base = _row(frame, facility=RIVERSIDE, year=2024)
    n = direct["normalised"]
    assert base["status"] == "normalised"
    assert base["normalised_kwh"] == pytest.approx(n["normalised_site_kwh"])
    assert base["site_kwh"] == pytest.approx(n["actual_site_kwh"])
    assert base["normalised_site_eui_kbtu_ft2"] == pytest.approx(
        n["normalised_site_eui_kbtu_per_ft2"]
    )
    # NOAA's file ends in August 2025: the report year cannot be fitted, and says why
    now = _row(frame, facility=RIVERSIDE, year=2025)
    assert now["status"] == "not available"
    assert "8 month(s) in 2025-01..2025-12 have both energy use and weather" in now["detail"]
    assert np.isnan(now["change_vs_baseline_pct"])


def test_avoided_energy_month_by_month(demo_report) -> None:
    report, direct = demo_report
    s = direct["savings"]
    total = _row(report["weather_savings"], facility=RIVERSIDE)
    assert total["avoided_kwh"] == pytest.approx(s["total"]["avoided"])
    assert total["avoided_pct"] == pytest.approx(s["total"]["avoided_pct"])
    assert total["avoided_cost"] == pytest.approx(s["total"]["avoided_cost"])
    assert total["months_reported"] == 8
    assert total["months_without_weather_list"] == "2025-09, 2025-10, 2025-11, 2025-12"
    months = report["weather_by_month"]
    rep = months[(months["facility"] == RIVERSIDE) & (months["period"] == "report")]
    assert rep["month"].tolist() == [r["month"] for r in s["months"]]
    assert rep["avoided_kwh"].tolist() == pytest.approx([r["avoided"] for r in s["months"]])
    assert rep["modelled_kwh"].tolist() == pytest.approx(
        [r["adjusted_baseline"] for r in s["months"]]
    )
    base = months[(months["facility"] == RIVERSIDE) & (months["period"] == "baseline")]
    assert base["modelled_kwh"].tolist() == pytest.approx(
        [r["predicted"] for r in s["baseline"]["months"]]
    )


def test_a_facility_without_weather_gets_one_line(demo_report) -> None:
    report, _ = demo_report
    for key in ("weather_models", "weather_savings"):
        row = _row(report[key], facility=NORTHGATE)
        assert row["status"] == "not available"
        assert "NOAA statewide data covers US facilities only (country is GB)" in row["detail"]
    assert NORTHGATE not in set(report["weather_by_month"]["facility"])


def test_the_chart_plots_the_table(demo_report) -> None:
    report, _ = demo_report
    fig = charts.weather_normalised(report)
    (ax,) = fig.axes
    table = weather.figures(report)[RIVERSIDE]
    (line,) = ax.get_lines()
    assert np.allclose(line.get_ydata() * 1000, table["modelled_kwh"].to_numpy(float))
    heights = [p.get_height() * 1000 for p in ax.patches if p.get_height()]
    assert np.allclose(heights, table["site_kwh"].to_numpy(float))
    assert RIVERSIDE in ax.get_title(loc="left")


def test_every_writer_has_the_section(demo_report, tmp_path: Path) -> None:
    report, _ = demo_report
    html = to_html(report)
    assert 'id="section-weather"' in html and 'id="chart-weather-normalised"' in html
    md = to_markdown(report)
    assert "## Weather-normalised energy" in md
    section = md.split("## Weather-normalised energy", 1)[1].split("\n## ", 1)[0]
    assert "](data:image/svg+xml;base64," in section and "### Baseline model by facility" in section
    data = json.loads(to_json(report))
    assert {"weather_models", "weather_normalised", "weather_savings", "weather_by_month"} <= set(
        data["tables"]
    )
    write(report, "csv", tmp_path / "csv")
    assert (tmp_path / "csv" / "weather_by_month.csv").read_text().count(RIVERSIDE) == 20
    write(report, "xlsx", tmp_path / "r.xlsx")
    from openpyxl import load_workbook

    assert (
        "Baseline model by facility"
        in load_workbook(tmp_path / "r.xlsx", read_only=True).sheetnames
    )
    # the chart is drawn on a page that names its section (as its title or a heading on it)
    pages = [
        (
            [t.get_text() for t in fig.texts],
            [ax.get_title(loc="left") for sub in fig.subfigs for ax in sub.axes],
        )
        for fig in pdf_pages(report)
    ]
    assert any(
        "Weather-normalised energy" in texts
        and any(t.startswith("Actual and modelled energy use") for t in axes)
        for texts, axes in pages
    )


def test_no_weather_anywhere_is_no_error(small_db: Database) -> None:
    report = build_report(small_db, year=2025)
    row = _row(report["weather_models"], facility="St Example")
    assert row["status"] == "not available"
    assert row["detail"] == "no energy readings in 2024-01..2024-12"
    assert report["weather_by_month"].empty
    assert charts.to_bytes(charts.weather_normalised(report), "png")


def test_the_report_is_the_same_with_its_baseline_fits_reused(demo_db, monkeypatch) -> None:
    """build_report fits each facility's baseline months once (``baselines.reusing``): the
    tables are those of a build that fits them for every table."""
    import contextlib

    reused = build_report(demo_db, year=2025, baseline_year=2024)
    monkeypatch.setattr(baselines, "reusing", contextlib.nullcontext)
    fresh = build_report(demo_db, year=2025, baseline_year=2024)
    assert list(reused.tables) == list(fresh.tables)
    for key, table in fresh.tables.items():
        pd.testing.assert_frame_equal(reused[key], table.frame, obj=key)
