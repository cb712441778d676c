"""The report's "Why emissions changed" table: its drivers add up to the change the progress
table shows, in whole tonnes, and it names what caused each part."""

from __future__ import annotations

from sqlite_utils import Database

from greencare.reports import build_report

FIGURES = {"Scope 1": "scope1_t", "Scope 2 (location-based)": "scope2_location_t",
           "Scope 2 (market-based)": "scope2_market_t", "Scope 3": "scope3_t",
           "Scope 1+2 (location-based)": "scope12_location_t",
           "Total (location-based)": "total_location_t"}  # fmt: skip
DRIVERS = ["Facilities added", "Facilities removed", "Factor editions", "Weather",
           "Activity (use)"]  # fmt: skip


def test_drivers_add_up_to_the_progress_change(demo_db: Database) -> None:
    report = build_report(demo_db, year=2025, baseline_year=2024)
    table = report["change_drivers"]
    progress = report["progress"].set_index("year")
    for scope, column in FIGURES.items():
        rows = table[table["scope"] == scope].set_index("driver")["co2e_t"]
        before, after = round(progress.loc[2024, column]), round(progress.loc[2025, column])
        assert rows["2024 total"] == before and rows["2025 total"] == after
        assert rows["Change"] == after - before
        assert sum(int(rows[d]) for d in DRIVERS) == rows["Change"]
    s2 = table[table["scope"] == "Scope 2 (location-based)"].set_index("driver")
    drivers = s2.loc[DRIVERS, "co2e_t"]
    assert drivers.abs().idxmax() == "Factor editions"
    assert "2024 v1.1 -> 2025 v1 for GB" in s2.loc["Factor editions", "detail"]
    assert "biggest driver is factor editions" in s2.loc["Change", "detail"]
    assert "no weather model" in s2.loc["Weather", "detail"]
    change = report.metric("Scope 1+2 change vs previous year")
    assert (
        change
        == table.set_index(["scope", "driver"]).loc[
            ("Scope 1+2 (location-based)", "Change"), "co2e_t"
        ]
    )


def test_no_table_without_a_previous_year(demo_db: Database) -> None:
    report = build_report(demo_db, year=2024)
    assert "change_drivers" not in report.tables
    assert "Scope 1+2 change vs previous year" not in set(report["summary"]["metric"])


def test_the_body_shows_the_change_by_driver_and_the_details_go_to_the_appendix(
    demo_db: Database,
) -> None:
    """``change_summary`` is ``change_drivers`` a row per figure: the same shown totals, change
    and driver tonnes, each row adding up; the long table moves to the appendix."""
    from greencare.reports.progress import CHANGE_PARTS

    report = build_report(demo_db, year=2025, baseline_year=2024)
    summary, drivers = report["change_summary"], report["change_drivers"]
    assert report.tables["change_summary"].section == "progress"
    assert report.tables["change_drivers"].section == "detail"
    parts = {"Facilities added": "facilities_added", "Facilities removed": "facilities_removed",
             "Factor editions": "factor_editions", "Weather": "weather",
             "Activity (use)": "activity"}  # fmt: skip
    assert set(parts.values()) == set(CHANGE_PARTS)
    for row in summary.to_dict("records"):
        long = drivers[drivers["scope"] == row["scope"]].set_index("driver")["co2e_t"]
        assert row["change_t"] == long["Change"] == row["after_t"] - row["before_t"]
        for label, part in parts.items():
            assert row[f"{part}_t"] == long[label], (row["scope"], label)
        assert sum(row[f"{p}_t"] for p in CHANGE_PARTS) == row["change_t"]
    assert len(summary) == drivers["scope"].nunique()
