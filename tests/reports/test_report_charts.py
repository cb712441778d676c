"""Every chart draws (a Figure, non-empty PNG), with data and on an empty report."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from sqlite_utils import Database

from greencare import services
from greencare.reports import build_report, charts


@pytest.mark.parametrize("key", [k for k, _, _ in charts.CHARTS])
def test_chart_renders(small_db: Database, key: str) -> None:
    report = build_report(small_db, year=2025, baseline_year=2025)
    func = {k: f for k, _, f in charts.CHARTS}[key]
    fig = func(report)
    assert isinstance(fig, Figure)
    png = charts.to_bytes(fig, "png")
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_charts_on_an_empty_report(db: Database) -> None:
    services.add_facility(db, name="Empty", country="US", grid_region="CAMX")
    report = build_report(db, year=2025)
    for _, _, func in charts.CHARTS:
        assert charts.to_bytes(func(report), "png")


def test_one_colour_per_scope_and_commodity() -> None:
    scope_colours = [c for c, _ in charts.SCOPE_STYLE.values()]
    assert len(set(scope_colours)) == len(scope_colours)
    hatches = [h for _, h in charts.SCOPE_STYLE.values()]
    assert len(set(hatches)) == len(hatches)  # greyscale: hatches tell scopes apart too


def test_a_trajectory_without_a_baseline_spans_its_years_not_a_century(small_db: Database) -> None:
    report = build_report(small_db, year=2025)
    report.tables.pop("trajectory", None)  # no baseline year: the chart plots the actual years
    years = list(report["progress"]["year"])
    ax = charts.trajectory(report).axes[0]
    low, high = ax.get_xlim()
    assert low >= min(years) - 1 and high <= max(years) + 1
