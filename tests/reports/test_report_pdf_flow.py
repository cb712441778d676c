"""The PDF's sections flow one after another: a chart shares its page with the tables after
it, a section starts part-way down a page when there is room, nothing runs off a page, short
tables are never split, and the appendix's detail tables are listed (printed on request)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlite_utils import Database

from greencare.cli import main
from greencare.reports import build_report, render, write
from greencare.reports.model import Table
from greencare.reports.tables import DETAIL_TABLES

RIVERSIDE = "Riverside General Hospital"


@pytest.fixture(scope="module")
def demo_plan(demo_path: Path):
    from greencare import services

    db = services.open_db(demo_path)
    try:
        report = build_report(db, year=2025, facility=RIVERSIDE, baseline_year=2024)
    finally:
        db.close()
    return report, render.pdf_plan(report)


def test_every_element_lies_inside_the_content_area(demo_plan) -> None:
    _, plan = demo_plan
    height = plan["page"][1] * 72
    for laid in plan["pages"]:
        assert laid["elements"]
        for element in laid["elements"]:
            top, bottom = element["y"], element["y"] - element["points"] / height
            assert top <= render._TOP + 1e-9, element.get("title")
            # the gap after the last element may reach into the margin, nothing else
            assert bottom >= render._BOTTOM - render._GAP_PT / height - 1e-9, element.get("title")


def test_a_section_heading_is_followed_on_its_page(demo_plan) -> None:
    _, plan = demo_plan
    for laid in plan["pages"]:
        assert laid["elements"][-1]["kind"] != "section", laid["title"]


def test_a_chart_shares_its_page_and_each_page_has_at_most_one(demo_plan) -> None:
    _, plan = demo_plan
    charted = [p for p in plan["pages"] if any(e["kind"] == "chart" for e in p["elements"])]
    assert all(sum(e["kind"] == "chart" for e in p["elements"]) == 1 for p in charted)
    energy = next(p for p in charted if p["chart"] == "energy-by-commodity")
    assert "energy_by_commodity" in [e.get("key") for e in energy["elements"]]
    # the charts keep a readable height
    for page in charted:
        chart = next(e for e in page["elements"] if e["kind"] == "chart")
        assert chart["inches"] >= render._CHART_MIN_IN - 1e-9


def test_short_tables_are_never_split_and_long_ones_are_continued(demo_plan) -> None:
    _, plan = demo_plan
    chunks: dict[str, list[dict]] = {}
    for laid in plan["pages"]:
        for e in laid["elements"]:
            if e["kind"] == "table" and "part_of" not in e:
                chunks.setdefault(e["key"], []).append(e)
    for key, parts in chunks.items():
        lines = sum(len(p["body"]) for p in parts)
        if lines <= render._KEEP_LINES:
            assert len(parts) == 1, key
        for later in parts[1:]:
            assert later["title"].endswith("(continued)"), key


def test_the_facility_report_is_about_a_third_shorter(demo_plan) -> None:
    """35 pages before the flow (a chart a page, each section on new pages, the detail tables
    printed); the front (cover, story with the trajectory below it, contents) plus the flowed
    sections now."""
    _, plan = demo_plan
    total = plan["start"] - 1 + len(plan["pages"])
    assert plan["story_chart"] > 0 and plan["start"] == 4  # the trajectory on the story page
    assert total <= 19
    sections = [e for p in plan["pages"] for e in p["elements"] if e["kind"] == "section"]
    assert len(sections) >= 5  # most sections start part-way down a page


def test_the_detail_tables_are_listed_unless_asked_for(demo_plan) -> None:
    report, plan = demo_plan
    keys = {e.get("key") for p in plan["pages"] for e in p["elements"]}
    assert "detail_tables" in keys
    assert not keys & {"energy_by_month", "change_drivers", "weather_by_month"}
    listing = render.detail_list(report, [report.tables[k] for k in DETAIL_TABLES
                                          if k in report.tables])  # fmt: skip
    assert list(listing.frame["csv_file"]) == [f"{k}.csv" for k in DETAIL_TABLES
                                               if k in report.tables]  # fmt: skip
    assert (listing.frame["rows"] > 0).all()
    full = render.pdf_plan(report, detail=True)
    printed = {e.get("key") for p in full["pages"] for e in p["elements"]}
    assert {"energy_by_month", "change_drivers", "weather_by_month"} <= printed
    assert "detail_tables" not in printed
    assert len(full["pages"]) > len(plan["pages"])


def test_cli_detail_prints_the_appendix_and_applies_to_pdf_only(
    demo_path: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    base = ["--db", str(demo_path), "report", "--year", "2025", "--facility", RIVERSIDE]
    short, long = tmp_path / "short.pdf", tmp_path / "long.pdf"
    assert runner.invoke(main, [*base, "-o", str(short)]).exit_code == 0
    result = runner.invoke(main, [*base, "--detail", "-o", str(long)])
    assert result.exit_code == 0, result.output
    short_text = "".join(p.extract_text() for p in PdfReader(short).pages)
    long_text = "".join(p.extract_text() for p in PdfReader(long).pages)
    assert "Detail tables in the workbook" in short_text
    assert "Energy by month and commodity" in long_text
    assert "Detail tables in the workbook" not in long_text
    assert len(PdfReader(long).pages) > len(PdfReader(short).pages)
    refused = runner.invoke(main, [*base, "--detail", "-o", str(tmp_path / "r.html")])
    assert refused.exit_code != 0
    assert "--detail applies to --format pdf only" in refused.output
    assert "Traceback" not in refused.output
    assert not (tmp_path / "r.html").exists()


def test_a_system_report_flows_too(small_db: Database, tmp_path: Path) -> None:
    path = write(build_report(small_db, year=2025), "pdf", tmp_path / "r.pdf")
    text = [p.extract_text() for p in PdfReader(path).pages]
    assert any("Detail tables in the workbook" in t for t in text)


def _table(key: str, rows: int) -> Table:
    frame = pd.DataFrame({"metric": [f"Row {i}" for i in range(rows)],
                          "value": [float(i) for i in range(rows)]})  # fmt: skip
    return Table(key, f"Table {key}", "ghg", frame)


def _inside(pages: list[dict], page: tuple[float, float]) -> None:
    height = page[1] * 72
    for laid in pages:
        for e in laid["elements"]:
            assert e["y"] <= render._TOP + 1e-9
            assert e["y"] - e["points"] / height >= render._BOTTOM - render._GAP_PT / height - 1e-9


@pytest.mark.parametrize("before", range(1, 40, 2))
def test_a_section_never_leaves_its_heading_alone_at_a_page_foot(before: int) -> None:
    page = render.PAPERS["a4"]
    pages = render._flow(
        [("a", "Section A", [], [_table("a", before)]),
         ("b", "Section B", [], [_table("b", render._KEEP_LINES)])],
        page=page,
    )  # fmt: skip
    for laid in pages:
        assert laid["elements"][-1]["kind"] != "section"
    _inside(pages, page)


@pytest.mark.parametrize("before", range(1, 40, 2))
def test_a_chart_is_shrunk_to_fit_never_past_the_page(before: int) -> None:
    page = render.PAPERS["letter"]
    pages = render._flow(
        [("a", "Section A", [], [_table("a", before)]),
         ("b", "Section B", [(("c",), 6.0)], [_table("b", 12)])],
        page=page,
    )  # fmt: skip
    _inside(pages, page)
    placed = [e for p in pages for e in p["elements"] if e["kind"] == "chart"]
    assert len(placed) == 1
    assert placed[0]["inches"] >= 6.0 * render._CHART_SCALE * render._CHART_LEAST - 1e-9
    assert placed[0]["inches"] <= 6.0 * render._CHART_SCALE + 1e-9


def test_two_charts_of_a_section_share_a_band_side_by_side(demo_plan) -> None:
    report, plan = demo_plan
    bands = [e for p in plan["pages"] for e in p["elements"] if e["kind"] == "chart"]
    ghg = next(b for b in bands if "emissions-by-month" in b["keys"])
    assert ghg["keys"] == ("emissions-by-month", "emissions-by-source")
    # drawn: each chart in its own region of the page, the pair's widths sharing the page
    fig = next(f for f in render.pdf_pages(report) if any(
        ax.get_title(loc="left").startswith("Emissions by source")
        for sub in f.subfigs for ax in sub.axes))  # fmt: skip
    regions = [sf for sf in fig.subfigs]
    assert len(regions) == 2
    widths = [r.greencare_size[0] for r in regions]
    assert sum(widths) == pytest.approx(render.paper_size(report)[0] * (1 - 2 * render._BAND_INSET))
    assert widths[1] > widths[0]  # the horizontal bars get the room their labels need


def test_two_short_narrow_tables_sit_side_by_side(demo_plan) -> None:
    _, plan = demo_plan
    elements = [e for p in plan["pages"] for e in p["elements"] if e["kind"] == "table"]
    totals = next(e for e in elements if e["key"] == "ghg_totals")
    methods = next(e for e in elements if e["key"] == "scope2_methods")
    assert totals["y"] == methods["y"] and totals["x"] < methods["x"]
    page_pt = plan["page"][0] * 72
    for block in (totals, methods):  # each within its half of the page
        across = (sum(block["widths"]) + render._GAP * (len(block["widths"]) - 1)) * render._EM
        assert block["x"] + across * block["size"] / page_pt <= block["right"] + 1e-9
        assert all(len(line) <= 95 for line in block["note"])
    # a wide table never does
    wide = next(e for e in elements if e["key"] == "emissions_by_source_month")
    assert "x" not in wide
