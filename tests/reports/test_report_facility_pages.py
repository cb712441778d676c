"""A system report's facility pages (reports/facility_pages.py): after the ranking, one page per
facility in ranking order, every figure equal to the system tables' figure for that facility,
hostile names inert, none in a one-facility report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hostile import MEGABYTE, RAW_CONTROL, insert_hostile
from openpyxl import load_workbook
from pypdf import PdfReader
from report_fixtures import FORMULA_NAME, SCRIPT_NAME
from sqlite_utils import Database
from test_report_labels import codes, html_text, pdf_text

from greencare import services
from greencare.reports import build_report, facility_pages
from greencare.reports.model import fmt
from greencare.reports.writers import write

SCOPES = ["scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t", "total_location_t",
          "total_market_t"]  # fmt: skip


@pytest.fixture(scope="module")
def system(demo_path: Path) -> Any:
    """The demo's two hospitals (one US, one UK), 2025 against the baseline 2024."""
    db = services.open_db(demo_path)
    try:
        return build_report(db, year=2025, baseline_year=2024)
    finally:
        db.close()


@pytest.fixture(scope="module")
def written(system: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("facility-pages")
    return {f: write(system, f, out / f"r.{f}") for f in ("html", "md", "pdf", "json", "xlsx")}


def _by_name(frame: pd.DataFrame) -> dict[str, Any]:
    return {r["facility"]: r for r in frame.to_dict("records")}


def test_every_figure_equals_the_system_tables(system: Any) -> None:
    profiles = system["facility_profiles"]
    assert len(profiles) == 2
    ghg = _by_name(system["ghg_by_facility"])
    energy = _by_name(system["energy_by_facility"])
    ranked = _by_name(system["facilities_ranked"])
    water = system["water"].groupby("facility")["water_m3"].sum()
    meters = system["quality_meters"].groupby("facility")["months_missing"].sum()
    for row in profiles.to_dict("records"):
        name = row["facility"]
        for column in SCOPES:
            assert row[column] == ghg[name][column], (name, column)
        assert row["site_kbtu"] == pytest.approx(energy[name]["site_kbtu"], rel=1e-12)
        assert row["site_eui_kbtu_ft2"] == pytest.approx(energy[name]["site_eui_kbtu_ft2"])
        assert row["site_eui_kwh_m2"] == pytest.approx(energy[name]["site_eui_kwh_m2"])
        for column in ("rank", "site_eui_kbtu_ft2", "site_eui_kwh_m2", "scope12_location_t",
                       "floor_area_ft2", "staffed_beds"):  # fmt: skip
            assert row[column] == ranked[name][column], (name, column)
        assert row["scope12_location_t"] == pytest.approx(
            row["scope1_t"] + row["scope2_location_t"]
        )
        assert row["water_m3"] == pytest.approx(water[name], rel=1e-12)
        assert row["meter_months_missing"] == meters[name]
        # the ranking compares with 2024, the baseline and the previous year alike
        assert row["previous_t"] == pytest.approx(ranked[name]["comparison_t"])
        assert row["change_vs_previous_pct"] == pytest.approx(ranked[name]["change_pct"])
        assert row["change_vs_baseline_pct"] == pytest.approx(ranked[name]["change_pct"])
    # what the system counts once, the pages count facility by facility
    quality = system["quality_summary"].set_index("check")["value"]
    assert profiles["unverified_lines"].sum() == quality["Lines using factors marked unverified"]
    assert profiles["unverified_t"].sum() == pytest.approx(
        quality["Emissions from unverified factors (location-based)"])  # fmt: skip
    waste = system["waste_kpis"]
    total = waste[(waste["unit"] == "kg") & waste["metric"].str.startswith("Total waste")]
    assert profiles["total_kg"].sum() == pytest.approx(total["value"].iloc[0])
    assert profiles["site_kwh"].sum() == pytest.approx(system.metric("Site energy") / 3.412141633)


def test_each_facility_source_table_adds_up_to_its_total(system: Any) -> None:
    sources = system["facility_sources"]
    for row in system["facility_profiles"].to_dict("records"):
        mine = sources[
            (sources["facility"] == row["facility"]) & sources["scope"].isin(["1", "2", "3"])
        ]
        assert mine["co2e_t_location"].sum() == pytest.approx(row["total_location_t"])
        assert mine["co2e_t_market"].sum() == pytest.approx(row["total_market_t"])
        assert set(mine["rank"]) == {row["rank"]}
    scopes = system["ghg_protocol"]
    assert sources["co2e_t_location"].sum() == pytest.approx(scopes["co2e_t_location"].sum())


def test_pages_print_the_tables_figures(system: Any) -> None:
    conventions = system.meta["units"]
    assert conventions == "metric"  # the UK hospital has the larger floor area
    for page, row in zip(system.facility_pages, system["facility_profiles"].to_dict("records"),
                         strict=True):  # fmt: skip
        shown = {name: value for name, value, _ in facility_pages.headline(page, conventions)}
        assert shown["Scope 1"] == fmt(row["scope1_t"])
        assert shown["Total (market-based)"] == fmt(row["total_market_t"])
        assert shown["Site energy"] == fmt(row["site_kwh"])  # kWh in a metric report
        assert shown["Site EUI"] == fmt(row["site_eui_kwh_m2"])
        assert shown["Water"] == fmt(row["water_m3"])
        assert shown["Total waste"] == fmt(row["total_kg"])
        change = shown["Scope 1+2 change vs 2024 (previous year)"]
        assert change.lstrip("+") == fmt(row["change_vs_previous_pct"])
        assert page.monthly and sum(page.monthly) == pytest.approx(row["scope12_location_t"])


def test_pages_follow_the_ranking_in_every_format(system: Any, written: dict[str, Path]) -> None:
    order = list(system["facilities_ranked"]["facility"])
    assert list(system["facility_profiles"]["facility"]) == order
    assert [p.figures["facility"] for p in system.facility_pages] == order
    html = written["html"].read_text(encoding="utf-8")
    ranking_at = html.index('id="section-ranking"')
    pages_at = html.index('id="section-facilities"')
    assert ranking_at < pages_at < html.index('id="section-ghg"')
    heads = re.findall(r'<article class="facility" id="facility-\d+"><h3>([^<]*)</h3>', html)
    assert heads == [f"{i}. {name}" for i, name in enumerate(order, 1)]
    md = written["md"].read_text(encoding="utf-8")
    section = md[md.index("## Facility pages") : md.index("## Greenhouse gas inventory")]
    assert re.findall(r"^### \d+\. (.*)$", section, flags=re.M) == order
    reader = PdfReader(written["pdf"])
    titles = [p.extract_text().split("\n", 1)[0] for p in reader.pages]
    at = [titles.index(f"{i}. {name}") for i, name in enumerate(order, 1)]
    assert at == sorted(at) and at[1] == at[0] + 1  # one page each, in order
    assert titles.index("Facilities ranked") < at[0]
    bookmarks = [b.title if not isinstance(b, list) else b for b in reader.outline]
    pages_entry = bookmarks.index("Facility pages")
    assert [c.title for c in bookmarks[pages_entry + 1]] == [f"{i}. {n}" for i, n in
                                                                enumerate(order, 1)]  # fmt: skip


def test_no_stored_code_on_the_pages(written: dict[str, Path]) -> None:
    html = html_text(written["html"].read_text(encoding="utf-8"))
    md = written["md"].read_text(encoding="utf-8")
    reader = PdfReader(written["pdf"])
    pdf = "\n".join(p.extract_text() for p in reader.pages)
    for name, text in (("html", html), ("md", md), ("pdf", pdf)):
        assert codes(text) == set(), name
    page = next(t for t in (p.extract_text() for p in reader.pages)
                if t.startswith("1. Riverside General Hospital\n"))  # fmt: skip
    assert "Emissions by scope and source (t CO₂e)" in page and "Data quality" in page
    assert "kWh/m²/yr" in page and "kBtu" not in page  # the report's (metric) conventions
    assert codes(pdf_text(written["pdf"])) == set()


def test_data_formats_have_the_tables_once(written: dict[str, Path]) -> None:
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    sections = [s["key"] for s in data["sections"]]
    assert sections.index("ranking") + 1 == sections.index("facilities")
    facilities = next(s for s in data["sections"] if s["key"] == "facilities")
    assert facilities["tables"] == ["facility_profiles", "facility_sources"]
    rows = data["tables"]["facility_profiles"]["rows"]
    assert [r["rank"] for r in rows] == [1, 2]
    workbook = load_workbook(written["xlsx"], read_only=True)
    sheets = workbook.sheetnames
    assert sheets.index("Figures by facility") == sheets.index("Facilities ranked by site EUI") + 1
    assert "Facility emissions by source" in sheets


def test_a_one_facility_report_has_no_facility_pages(demo_db: Database, tmp_path: Path) -> None:
    report = build_report(demo_db, year=2025, facility="Riverside General Hospital")
    assert "facility_profiles" not in report.tables and not report.facility_pages
    html = write(report, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Facility pages" not in html and 'class="facility"' not in html
    assert "Facility pages" not in write(report, "md", tmp_path / "r.md").read_text("utf-8")


def test_hostile_names_are_inert_on_the_pages(hostile_db: Database, tmp_path: Path) -> None:
    report = build_report(hostile_db, year=2025)
    assert {p.figures["facility"] for p in report.facility_pages} == {FORMULA_NAME, SCRIPT_NAME}
    html = write(report, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    articles = html[html.index('id="section-facilities"') : html.index('id="section-ghg"')]
    assert "<script>" not in articles
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Clinic" in articles
    md = write(report, "md", tmp_path / "r.md").read_text(encoding="utf-8")
    section = md[md.index("## Facility pages") : md.index("## Greenhouse gas inventory")]
    assert "<script>" not in section and "&lt;script&gt;" in section
    pdf = write(report, "pdf", tmp_path / "r.pdf")
    assert "Clinic" in pdf_text(pdf)


def test_every_hostile_string_on_a_page_writes(tmp_path: Path) -> None:
    """Markup, escapes, controls, formulas, bidi, a megabyte name, CJK and emoji: each gets a
    page, written in HTML, Markdown and PDF without a raw control character or a crash."""
    db = services.open_db(":memory:")
    insert_hostile(db)
    report = build_report(db, year=2025)
    db.close()
    assert len(report.facility_pages) == len(report["facilities_ranked"]) > 10
    for fmt_name in ("html", "md"):
        text = write(report, fmt_name, tmp_path / f"r.{fmt_name}").read_text(encoding="utf-8")
        assert RAW_CONTROL.search(text) is None, fmt_name
    assert MEGABYTE in text  # Markdown keeps every name whole, as the other tables
    reader = PdfReader(write(report, "pdf", tmp_path / "r.pdf"))
    titles = [p.extract_text().split("\n", 1)[0] for p in reader.pages]
    assert sum(1 for t in titles if re.match(r"\d+\. ", t)) == len(report.facility_pages)
    assert max(len(t) for t in titles) < 200  # the megabyte name is cut in the PDF
    # more pages than the contents lists one by one: each is a bookmark under "Facility pages"
    contents = next(
        p.extract_text() for p in reader.pages if p.extract_text().startswith("Contents")
    )
    assert "Facility pages" in contents and "1. " not in contents
    outline = list(reader.outline)
    children = outline[[getattr(o, "title", None) for o in outline].index("Facility pages") + 1]
    assert len(children) == len(report.facility_pages)


def test_the_schema_document_names_every_table_and_facility_column(
    written: dict[str, Path],
) -> None:
    schema = (Path(facility_pages.__file__).parent / "SCHEMA.md").read_text(encoding="utf-8")
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert [k for k in data["tables"] if f"`{k}`" not in schema] == []
    for key in ("facility_profiles", "facility_sources"):
        columns = [c["name"] for c in data["tables"][key]["columns"]]
        assert [c for c in columns if f"`{c}`" not in schema] == [], key


def test_the_cover_counts_many_facilities() -> None:
    assert facility_pages.named({"facilities": ["A", "B"]}) == "A, B"
    assert facility_pages.named({"facilities": [f"H{i}" for i in range(300)]}) == "300 facilities"
