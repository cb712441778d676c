"""The executive story: every figure in its sentences is a cell of a table in the same report,
the drivers add up to the total change, and the PDF embeds fonts that render any name."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from report_fixtures import add_small_hospital
from sqlite_utils import Database

from greencare.reports import build_report, story
from greencare.reports.model import Report, fmt
from greencare.reports.render import to_html
from greencare.reports.writers import to_markdown, write

US = "Riverside General Hospital"


@pytest.fixture(scope="module")
def report(demo_path: Path) -> Report:
    from greencare import services

    db = services.open_db(demo_path)
    try:
        return build_report(db, year=2025, facility=US, baseline_year=2024)
    finally:
        db.close()


def cell(report: Report, figure: dict) -> object:
    frame = report[figure["table"]]
    selector = figure["selector"]
    if isinstance(selector, int):
        return frame[figure["column"]].iloc[selector]
    key, wanted = selector
    return frame.loc[frame[key] == wanted, figure["column"]].iloc[0]


def test_every_summary_figure_equals_its_table_cell(report: Report) -> None:
    figures = report.story.figures
    assert len(figures) >= 8
    text = " ".join(s for b in report.story.blocks for s in b["sentences"])
    for figure in figures:
        assert cell(report, figure) == figure["value"], figure
        assert figure["text"] in text  # the sentence quotes the cell as the tables show it
    # and the quoted tables are the report's own: the headline total is the inventory's
    headline = report["headline_change"].set_index("metric")
    assert headline.loc["total_location", "co2e_t"] == report.summary["totals_t"]["total_location"]
    totals = report["ghg_totals"].set_index("scope")["co2e_t"]
    assert headline.loc["scope1", "co2e_t"] == totals["scope1"]
    # the appendix lists each figure with the command that reproduces it
    appendix = report["story_figures"]
    assert len(appendix) == len(figures)
    assert appendix["command"].str.startswith("greencare explain --year 2025 --facility").all()


def test_drivers_add_up_to_the_total_change(report: Report) -> None:
    """The story's drivers are the decomposition's parts of the location-based total's change
    (``change_drivers``): they add up to its change row, which is the headline's change."""
    headline = report["headline_change"].set_index("metric").loc["total_location"]
    change = headline["co2e_t"] - headline["previous_t"]
    table = report[story.DRIVERS]
    total = table[table["scope"] == "Total (location-based)"]
    parts = total[(total["driver"] != "Change") & ~total["driver"].str.endswith(" total")]
    shown_change = int(total.loc[total["driver"] == "Change", "co2e_t"].iloc[0])
    assert int(parts["co2e_t"].sum()) == shown_change  # whole tonnes that add up
    assert shown_change == pytest.approx(change, abs=1.0)  # the difference of the shown totals
    # the story names the three biggest, largest first
    why = next(b for b in report.story.blocks if b["key"] == "drivers")["sentences"]
    biggest = parts.reindex(parts["co2e_t"].abs().sort_values(ascending=False).index)
    for sentence, part in zip(why[:3], biggest["driver"].iloc[:3], strict=False):
        assert sentence.startswith(part)


def test_activity_and_factor_split_is_exact() -> None:
    def lines(activity: float, co2e: float) -> pd.DataFrame:
        return pd.DataFrame([{"facility_id": 1, "month": "2025-01", "scope": "2",
                              "category": "purchased_electricity", "method": "", "source": "m",
                              "source_type": "reading", "source_id": 1, "activity_unit": "kWh",
                              "activity_quantity": activity, "co2e_kg": co2e}])  # fmt: skip

    # 100 kWh at 0.5 kg/kWh -> 120 kWh at 0.4 kg/kWh: activity +10 kg, factor -12 kg
    out = story.activity_factor_change(lines(100, 50), lines(120, 48)).set_index("part")
    assert out.loc["Purchased electricity: activity", "t_co2e"] == pytest.approx(0.010)
    assert out.loc["Purchased electricity: emission factors", "t_co2e"] == pytest.approx(-0.012)


def test_the_decomposition_table_is_read_when_present(report: Report) -> None:
    import copy

    other = copy.copy(report)
    other.tables = dict(report.tables)
    total = "Total (location-based)"
    frame = pd.DataFrame({"scope": [total] * 4 + ["Scope 1"],
                          "driver": ["2025 total", "Change", "Weather", "Facilities added",
                                     "Facilities added"],
                          "co2e_t": [100, 7, -5, 12, 99],
                          "detail": ["", "up 7 t", "milder winter", "new site", "scope 1 only"]})  # fmt: skip
    other.add(story.DRIVERS, "Why emissions changed", "progress", frame)
    # write_story only reads tables: rebuild the sentences against the new table
    ctx = type("Ctx", (), {"facility_ids": None, "first": "2025-01", "last": "2025-12"})()
    written = story.write_story(ctx, other, 2024)  # type: ignore[arg-type]
    why = next(b for b in written.blocks if b["key"] == "drivers")["sentences"]
    assert why[0].startswith("Facilities added: +12") and "new site" in why[0]
    assert why[1].startswith("Weather") and len(why) == 2  # total, change and Scope 1 rows left out


def test_story_is_first_in_every_human_format(report: Report, tmp_path: Path) -> None:
    html = to_html(report)
    assert html.index("At a glance") < html.index('id="section-summary"')
    assert 'class="box"' in html and "story-trajectory" in html
    md = to_markdown(report)
    assert md.index("## At a glance") < md.index("## Summary")
    pdf = write(report, "pdf", tmp_path / "r.pdf")
    page2 = PdfReader(pdf).pages[1].extract_text()
    assert "At a glance" in page2 and "What the data cannot yet support" in page2
    total = fmt(report["headline_change"].set_index("metric").loc["total_location", "co2e_t"])
    assert total in page2


NAME = "Hôpital Saint-Éloi / Krankenhaus Köln — 東京"


def test_pdf_embeds_fonts_and_renders_names_beyond_latin1(db: Database, tmp_path: Path) -> None:
    add_small_hospital(db, NAME)
    report = build_report(db, year=2025)
    pdf = write(report, "pdf", tmp_path / "r.pdf")
    reader = PdfReader(pdf)
    fonts = []
    for page in reader.pages[:3]:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()[
                "/FontDescriptor"]  # fmt: skip
            descriptor = descriptor.get_object()
            fonts.append(any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")))
    assert fonts and all(fonts)  # every font is embedded
    text = reader.pages[0].extract_text()
    assert "Hôpital Saint-Éloi / Krankenhaus Köln" in text
    from greencare.reports.render import pdf_fonts

    if len(pdf_fonts()) > 1:  # a CJK font is installed: the name renders whole
        assert NAME in text
    assert "CO₂e" in re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages[:2]))
