"""Every format written and read back; text from the database made inert; determinism."""

from __future__ import annotations

import base64
import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from report_fixtures import FORMULA_NAME, SCRIPT_NAME
from sqlite_utils import Database

from greencare.reports import build_report
from greencare.reports.model import neutralise
from greencare.reports.writers import FORMATS, sheet_names, to_json, to_markdown, write


@pytest.fixture
def report(hostile_db: Database):  # type: ignore[no-untyped-def]
    return build_report(hostile_db, year=2025, baseline_year=2025)


def test_neutralise() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("plain") == "plain"
    assert neutralise(-1.5) == -1.5


def test_json_reads_back_and_follows_the_schema(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(report, "json", tmp_path / "r.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == "greencare-report/1"
    assert data["meta"]["period"] == {"from": "2025-01", "to": "2025-12", "months": 12,
                                      "days": 365}  # fmt: skip
    assert sorted(data["meta"]["facilities"]) == sorted([FORMULA_NAME, SCRIPT_NAME])
    listed = [k for s in data["sections"] for k in s["tables"]]
    assert sorted(listed) == sorted(data["tables"])
    for table in data["tables"].values():
        names = [c["name"] for c in table["columns"]]
        for row in table["rows"]:
            assert list(row) == sorted(names)  # keys sorted, every column present
    totals = {r["scope"]: r["co2e_t"] for r in data["tables"]["ghg_totals"]["rows"]}
    assert totals["scope1"] == pytest.approx(2 * 53.1145)
    units = {c["name"]: c["unit"] for c in data["tables"]["ghg_totals"]["columns"]}
    assert units["co2e_t"] == "t CO2e"


def test_json_csv_markdown_are_deterministic(hostile_db: Database, tmp_path: Path) -> None:
    one = build_report(hostile_db, year=2025, baseline_year=2025)
    two = build_report(hostile_db, year=2025, baseline_year=2025)
    assert to_json(one).encode() == to_json(two).encode()
    assert to_markdown(one) == to_markdown(two)
    write(one, "csv", tmp_path / "a")
    write(two, "csv", tmp_path / "b")
    for file in sorted((tmp_path / "a").iterdir()):
        assert file.read_bytes() == (tmp_path / "b" / file.name).read_bytes()
    assert "**Generated**" not in to_markdown(one)
    stamped = build_report(hostile_db, year=2025, generated="2026-01-31T09:00:00Z")
    assert "2026-01-31T09:00:00Z" in to_json(stamped)


def test_xlsx_sheets_frozen_numeric_and_neutralised(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(report, "xlsx", tmp_path / "r.xlsx")
    wb = load_workbook(path)
    names = sheet_names(report)
    assert wb.sheetnames == ["README", *(names[k] for k in report.tables)]
    for name in wb.sheetnames:
        assert wb[name].freeze_panes == "A2"
    totals = wb["Totals by scope"]
    header = [c.value for c in totals[1]]
    assert header == ["Scope", "Source", "Emissions (t CO2e)"]
    values = [row[2] for row in totals.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, int | float) for v in values)
    assert values[0] == pytest.approx(2 * 53.1145)
    facilities = [r[0] for r in wb[names["ghg_by_facility"]].iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA_NAME in facilities
    assert FORMULA_NAME not in facilities
    for ws in wb.worksheets:  # no cell anywhere is a live formula
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("=") for v in row)
    pm = wb[names["pm_meter_entries"]]
    assert [c.value for c in pm[1]][:4] == ["Property Name", "Meter Name", "Meter Type",
                                            "Start Date"]  # fmt: skip
    first = next([c.value for c in r] for r in pm.iter_rows(min_row=2) if r[0].value[0] == "'")
    assert first[0] == "'" + FORMULA_NAME
    assert first[3].year == 2025 and first[3].month == 3  # a real date cell
    assert isinstance(first[5], int | float)


def test_pm_workbook_alone(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb = load_workbook(write(report, "pm-xlsx", tmp_path / "pm.xlsx"))
    assert wb.sheetnames == ["Meter Entries"]
    ws = wb["Meter Entries"]
    header = [c.value for c in ws[1]]
    assert header == ["Property Name", "Meter Name", "Meter Type", "Start Date", "End Date",
                      "Usage/Quantity", "Usage Units", "Cost ($)", "Estimation"]  # fmt: skip
    assert ws.max_row == 1 + 4  # two facilities x (gas, electric) x March


def test_csv_folder_and_long(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = write(report, "csv", tmp_path / "csv")
    names = sorted(p.stem for p in folder.glob("*.csv"))
    assert names == sorted([*report.tables, "_meta"])
    with (folder / "ghg_by_facility.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["facility"] for r in rows} == {"'" + FORMULA_NAME, SCRIPT_NAME}
    assert float(rows[0]["scope1_t"]) == pytest.approx(53.1145)
    long = write(report, "csv", tmp_path / "long.csv", csv_long=True)
    with long.open(encoding="utf-8", newline="") as handle:
        cells = list(csv.DictReader(handle))
    assert set(cells[0]) == {"table", "row", "column", "unit", "value"}
    hit = [c for c in cells if c["table"] == "ghg_totals" and c["column"] == "co2e_t"]
    assert float(hit[0]["value"]) == pytest.approx(2 * 53.1145)
    assert hit[0]["unit"] == "t CO2e"


def test_markdown(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = write(report, "md", tmp_path / "r.md").read_text(encoding="utf-8")
    assert text.startswith("# Sustainability report\n")
    assert "## Greenhouse gas inventory" in text
    assert "| Source | Emissions (t CO₂e) |" in text  # the code column is left to JSON and CSV
    assert "| Scope 1 | 106.2 |" in text  # 2 x 53.1145 t
    assert "&lt;script&gt;" in text and "<script>" not in text


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_escaped_and_self_contained(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    raw = write(report, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(raw)
    assert "script" not in parser.tags
    assert "&lt;script&gt;" in raw
    assert any(SCRIPT_NAME in t for t in parser.text)  # shown as text, not run
    assert len(parser.images) == 7  # with the weather-normalised chart
    assert all(src.startswith("data:image/svg+xml;base64,") for src in parser.images)
    for src in parser.images:  # each chart is an SVG that fetches nothing and runs nothing
        svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert "<script" not in svg and not re.search(r"""href=["']https?://""", svg)
    assert not re.search(r"""(src|href)=["']https?://""", raw)  # nothing fetched
    assert "@media print" in raw


def test_pdf_has_pages_and_text(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = write(report, "pdf", tmp_path / "r.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert pages >= 10
    try:
        from pypdf import PdfReader  # used when available; not a dependency
    except ImportError:
        assert b"Sustainability report" in data  # core-font text is stored as plain strings
        return
    text = PdfReader(str(tmp_path / "r.pdf")).pages[0].extract_text()
    assert "Sustainability report" in text


def test_unknown_format(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown report format"):
        write(report, "docx", tmp_path / "r.docx")
    assert "json" in FORMATS


def test_html_header_has_no_blank_value(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A blank <dd> has no height, so the next label floated up beside the wrong value
    ("Pins: no / Allow gaps: (blank)"); every header row now says something."""
    out = write(report, "html", tmp_path / "r.html")
    header = out.read_text(encoding="utf-8").split("<header>", 1)[1].split("</header>", 1)[0]
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", header)
    assert [k for k, _ in pairs][:3] == ["From", "To", "Facilities"]
    assert all(v.strip() for _, v in pairs), pairs
    values = dict(pairs)
    assert values["Pins"] == "none (each month uses its own year&#x27;s edition)"
    assert values["Allow gaps"] == "no"
    markdown = write(report, "md", tmp_path / "r.md").read_text(encoding="utf-8")
    assert "- **Pins**: none (each month uses its own year's edition)" in markdown


def test_xlsx_sheet_names_are_readable_short_and_unique(report) -> None:  # type: ignore[no-untyped-def]
    names = sheet_names(report)
    assert names["ghg_totals"] == "Totals by scope"
    assert names["ghg_protocol"] == "GHG Protocol by scope"
    folded = [n.casefold() for n in names.values()]
    assert len(set(folded)) == len(folded) and "readme" not in folded
    for name in names.values():
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
        assert "_" not in name  # titles, not snake_case ids
    # two tables with the same long title still get two sheets, each within 31 characters
    report.add("extra_a", "A very long table title that is far beyond the limit", "detail",
               report["ghg_totals"])  # fmt: skip
    report.add("extra_b", "A very long table title that is far beyond the limit", "detail",
               report["ghg_totals"])  # fmt: skip
    names = sheet_names(report)
    assert names["extra_a"] != names["extra_b"]
    assert names["extra_a"] == "A very long table title that is"
    assert names["extra_b"].endswith(" (2)") and len(names["extra_b"]) <= 31


def test_xlsx_numbers_keep_full_precision_with_display_formats(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    exact = 1234.567891234567
    frame = report["ghg_totals"].copy()
    frame["co2e_t"] = exact  # a column in the thousands
    frame["share_pct"] = 0.0123456789  # a column of small numbers
    report.add("exact", "Exact figures", "detail", frame)
    wb = load_workbook(write(report, "xlsx", tmp_path / "r.xlsx"))
    ws = wb[sheet_names(report)["exact"]]
    cell = ws.cell(2, 3)
    assert cell.value == exact  # not rounded to 6 decimals as the text formats are
    assert cell.number_format == "#,##0"  # shown rounded: these totals are in the thousands
    small = ws.cell(2, 4)
    assert small.value == 0.0123456789 and small.number_format == "0.000"
    progress = wb[sheet_names(report)["progress"]]
    header = [c.value for c in progress[1]]
    year = progress.cell(2, header.index("Year") + 1)
    assert year.value == 2025 and year.number_format == "0"  # no "2,025"


def test_xlsx_readme_says_what_the_workbook_holds(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb = load_workbook(write(report, "xlsx", tmp_path / "r.xlsx"))
    assert wb.sheetnames[0] == "README"
    rows = [r for r in wb["README"].iter_rows(values_only=True)]
    assert rows[0][0] == "Sustainability report"
    info = {r[0]: r[1] for r in rows[1:] if r[0]}
    assert info["Period"] == "2025-01 to 2025-12 (12 months)"
    assert FORMULA_NAME in info["Facilities"]  # as stored: neutralised only as a cell start
    assert info["GWP set"].startswith(report.meta["gwp"])
    assert "t CO2e" in info["Units"] and "full precision" in info["Units"]
    used = report["methodology_datasets"]
    for ds_id, edition in zip(used["id"], used["edition"], strict=True):
        assert f"{ds_id} (edition {edition})" in info["Factor editions"]
    start = next(i for i, r in enumerate(rows) if r[0] == "Sheet")
    listed = rows[start + 1 :]
    names = sheet_names(report)
    assert [r[0] for r in listed] == [names[k] for k in report.tables]
    assert [r[4] for r in listed] == list(report.tables)  # the JSON/CSV table id beside it
    assert listed[0][1] == report.tables["summary"].title
    link = wb["README"].cell(start + 2, 1).hyperlink
    assert link is not None and link.location == f"'{names['summary']}'!A1"
