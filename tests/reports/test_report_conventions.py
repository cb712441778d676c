"""Paper and units follow the facility's country (US Letter and kBtu/ft² for a US hospital, A4
and kWh/m² for a UK one), and both can be chosen."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlite_utils import Database

from greencare.cli import main
from greencare.reports import build_report
from greencare.reports.writers import to_markdown, write

US, UK = "Riverside General Hospital", "Northgate Community Hospital"


def page_size(path: Path) -> tuple[int, int]:
    box = PdfReader(path).pages[0].mediabox
    return tuple(sorted((round(float(box.width)), round(float(box.height)))))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("facility", "size", "shown", "hidden"),
    [
        (US, (612, 792), "Site EUI (kBtu/ft²/yr)", "Site EUI (kWh/m²/yr)"),
        (UK, (595, 842), "Site EUI (kWh/m²/yr)", "Site EUI (kBtu/ft²/yr)"),
    ],
)
def test_country_chooses_paper_and_units(
    demo_db: Database, tmp_path: Path, facility: str, size: tuple[int, int], shown: str, hidden: str
) -> None:
    report = build_report(demo_db, year=2025, facility=facility)
    assert report.meta["paper"] == ("letter" if facility == US else "a4")
    pdf = write(report, "pdf", tmp_path / "r.pdf")
    assert page_size(pdf) == size
    md = to_markdown(report)
    assert shown in md and hidden not in md
    unit = "kBtu/ft²/yr" if facility == US else "kWh/m²/yr"
    assert "| Site EUI | " in md and unit in md
    # the data formats keep both
    assert {"site_eui_kbtu_ft2", "site_eui_kwh_m2"} <= set(report["energy_by_facility"].columns)


def test_options_override_the_country(demo_db: Database, demo_path: Path, tmp_path: Path) -> None:
    report = build_report(demo_db, year=2025, facility=US, units="metric", paper="a4")
    md = to_markdown(report)
    assert "Site EUI (kWh/m²/yr)" in md and "kBtu/ft²" not in md
    out = tmp_path / "uk.pdf"
    result = CliRunner().invoke(main, ["--db", str(demo_path), "report", "--year", "2025",
                                       "--facility", UK, "--paper", "letter", "--units", "us",
                                       "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert page_size(out) == (612, 792)
    result = CliRunner().invoke(main, ["--db", str(demo_path), "report", "--year", "2025",
                                       "--paper", "legal", "-o", str(tmp_path / "x.pdf")])  # fmt: skip
    assert result.exit_code != 0 and "legal" in result.output


@pytest.mark.parametrize(("facility", "shown", "hidden"), [(US, "lb", "kg"), (UK, "kg", "lb")])
def test_key_figures_give_total_waste_in_the_countrys_unit(
    demo_db: Database, facility: str, shown: str, hidden: str
) -> None:
    from greencare.reports import labels

    report = build_report(demo_db, year=2025, facility=facility)
    summary = report["summary"]
    both = summary[summary["metric"] == "Total waste"].set_index("unit")["value"]
    assert both["lb"] == pytest.approx(both["kg"] * 2.20462262185)  # the data keep both
    view = labels.view(summary, report.meta["units"])
    waste = view[view["metric"] == "Total waste"]
    assert list(waste["unit"]) == [shown]
    md = to_markdown(report)
    line = next(row for row in md.splitlines() if row.startswith("| Total waste |"))
    assert line.rstrip().endswith(f"| {shown} |") and f"| {hidden} |" not in line
