"""Reports over periods that are not calendar years."""

from __future__ import annotations

from sqlite_utils import Database

from greencare.reports.tables import build_report


def test_fiscal_year_across_two_calendar_years_without_baseline(demo_db: Database) -> None:
    # A regression: the headline asked for a baseline change the progress table did not have.
    report = build_report(
        demo_db, start="2025-04", end="2026-03", facility="Riverside General Hospital"
    )
    summary = report.tables["summary"].frame
    metrics = set(summary["metric"])
    assert "Scope 1" in metrics and "Scope 1+2 change vs baseline" not in metrics
    scope1 = float(summary.loc[summary["metric"] == "Scope 1", "value"].iloc[0])
    assert scope1 > 0
