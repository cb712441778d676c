"""Reports with stored targets and a fiscal year: used when the options give none, overridden
when they do; a report without either reads as it always did (the snapshot tests check that)."""

from __future__ import annotations

import calendar

import pytest

from greencare import services
from greencare.reports import build_report, charts
from greencare.reports.render import to_html


def _gas(db, months: list[str], therms: float) -> None:
    for month in months:
        last = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
        services.add_reading(db, meter="Gas", start=f"{month}-01", end=f"{month}-{last:02d}",
                             quantity=therms)  # fmt: skip


def _months(first: str, count: int) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@pytest.fixture
def two_years(db, us_hospital, gas_meter):
    _gas(db, _months("2024-01", 12), 1000)
    _gas(db, _months("2025-01", 12), 800)
    return db


def test_stored_targets_are_used_when_the_options_give_none(two_years) -> None:
    db = two_years
    services.add_target(db, scope="scope12", reduction="-50%", baseline_year=2024,
                        target_year=2030)  # fmt: skip
    services.add_target(db, scope="energy", reduction="10%", baseline_year=2024, target_year=2026)
    report = build_report(db, year=2025)
    m = report.meta
    assert (m["baseline_year"], m["target"], m["target_source"]) == (
        2024, [{"year": 2030, "reduction_pct": 50.0}], "stored"
    )  # fmt: skip
    assert m["stored_targets"] == ["Site energy -10% by 2026 vs 2024",
                                   "Scope 1+2 (location) -50% by 2030 vs 2024"]  # fmt: skip
    progress = report["progress"]
    assert list(progress["year"]) == [2024, 2025]
    s12 = progress.set_index("year")["scope12_location_t"]
    assert progress.set_index("year").loc[2025, "target_scope12_t"] == pytest.approx(
        s12[2024] * (1 - 0.5 / 6)
    )
    rows = report["target_progress"].set_index(["target", "year"])
    energy = rows.loc[("Site energy -10% by 2026 vs 2024", 2025)]
    assert (energy["baseline_value"], energy["value"]) == (pytest.approx(1200), pytest.approx(960))
    assert energy["path_value"] == pytest.approx(1140)
    assert (energy["status"], energy["unit"], energy["period"]) == ("on track", "MMBtu", "2025")
    assert energy["reduction_so_far_pct"] == pytest.approx(20)
    assert "chart-targets" in to_html(report)
    charts.stored_targets(report)  # draws


def test_the_report_options_override_stored_targets(two_years) -> None:
    db = two_years
    services.add_target(db, scope="scope12", reduction="-50%", baseline_year=2024,
                        target_year=2030)  # fmt: skip
    services.set_default_baseline_year(db, 2024)
    report = build_report(db, year=2025, target=((2035, 0.3),))
    assert report.meta["target"] == [{"year": 2035, "reduction_pct": 30.0}]
    assert (report.meta["target_source"], report.meta["baseline_year"]) == ("report option", 2024)
    report = build_report(db, year=2025, baseline_year=2025)
    assert report.meta["baseline_year"] == 2025
    assert report.meta["target_source"] == "default"  # the stored ones are against 2024
    assert report.meta["target"] == [{"year": 2030, "reduction_pct": 50.0},
                                     {"year": 2050, "reduction_pct": 100.0}]  # fmt: skip


def test_without_targets_or_settings_nothing_new_appears(two_years) -> None:
    report = build_report(two_years, year=2025)
    assert "target_progress" not in report.tables
    assert {"target_source", "stored_targets", "fiscal_year_start_month"}.isdisjoint(report.meta)
    assert report.meta["target"][0] == {"year": 2030, "reduction_pct": 50.0}
    assert (
        report.tables["progress"].title == "Progress by calendar year (Scope 1+2, location-based)"
    )
    assert "chart-targets" not in to_html(report)


def test_progress_by_fiscal_year(db, us_hospital, gas_meter) -> None:
    _gas(db, _months("2023-07", 12), 1000)  # FY2024
    _gas(db, _months("2024-07", 12), 700)  # FY2025
    services.set_fiscal_year_start(db, 7)
    services.add_target(db, scope="energy", reduction="net zero", baseline_year=2024,
                        target_year=2034)  # fmt: skip
    report = build_report(db, start="2024-07", end="2025-06", baseline_year=2024)
    assert report.meta["fiscal_year_start_month"] == 7
    progress = report["progress"]
    assert report.tables["progress"].title == "Progress by fiscal year (Scope 1+2, location-based)"
    assert list(progress["year"]) == [2024, 2025]
    assert list(progress["fiscal_year"]) == ["FY2024 (Jul 2023–Jun 2024)",
                                             "FY2025 (Jul 2024–Jun 2025)"]  # fmt: skip
    s12 = progress.set_index("year")["scope12_location_t"]
    assert s12[2025] / s12[2024] == pytest.approx(0.7, rel=1e-3)
    assert progress.set_index("year").loc[2025, "change_vs_baseline_pct"] == pytest.approx(
        -30, rel=1e-2
    )
    assert len(report["intensity_by_month"]) == 24
    assert report["intensity_by_month"]["month"].iloc[0] == "2023-07"
    assert "FY2025 (Jul 2024–Jun 2025)" in report.tables["progress"].note
    row = report["target_progress"].set_index("year").loc[2025]
    assert (row["value"], row["path_value"]) == (pytest.approx(840), pytest.approx(1080))
    assert row["period"] == "FY2025 (Jul 2024–Jun 2025)"
    # a baseline year after the report's last fiscal year is refused
    with pytest.raises(Exception, match="baseline year 2026 must be between"):
        build_report(db, start="2024-07", end="2025-06", baseline_year=2026)
