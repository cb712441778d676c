"""Every report format over a database holding hostile text (tests/hostile.py): written, read
back, nothing interpreted, no control character out, formulas neutralised, names recognisable.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hostile import HOSTILE, MEGABYTE, PLAIN, RAW_CONTROL, insert_hostile, stored_name
from openpyxl import load_workbook

from greencare import services
from greencare.reports import build_report
from greencare.reports.model import XLSX_CELL_MAX, safe_text
from greencare.reports.writers import FORMATS, write

#: How each hostile name must read in a human format: control characters as escapes.
SHOWN = {
    0: "[link=http://x]y[/link] H00",
    1: "z[/] H01",
    2: "[bold red]x[/] H02",
    3: "\\x1b]0;pwned\\x07 H03",
    4: "\\x1b[31mred H04",
    9: "nul\\x00byte H09",
    10: "\\u202eevil H10",
}
FORMULAS = {5: '=HYPERLINK("http://x") H05', 6: "+1 H06", 7: "-1 H07", 8: "@SUM(A1) H08"}


@pytest.fixture(scope="module")
def report() -> Any:
    db = services.open_db(":memory:")
    insert_hostile(db)
    built = build_report(db, year=2025)
    db.close()
    return built


@pytest.fixture(scope="module")
def written(report: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("hostile")
    names = {"csv": "csv", "pm-xlsx": "pm.xlsx"}
    return {fmt: write(report, fmt, out / f"report.{names.get(fmt, fmt)}") for fmt in FORMATS}


def test_the_database_really_holds_the_raw_text(report: Any) -> None:
    names = report.meta["facilities"]
    assert "\x1b]0;pwned\x07 H03" in names
    assert "nul\x00byte H09" in names
    assert MEGABYTE in names


def test_safe_text() -> None:
    assert safe_text("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert safe_text("a\tb\nc\r") == "a\tb\nc\\x0d"
    assert safe_text("\u202eevil") == "\\u202eevil"
    assert safe_text("病院 🏥") == "病院 🏥"
    assert safe_text(MEGABYTE, 100) == "M" * 76 + "… (1,048,576 characters)"
    assert safe_text(3.5) == 3.5


def _no_raw_control(text: str, where: str) -> None:
    found = RAW_CONTROL.search(text)
    assert found is None, f"{where}: raw {found.group()!r} at {found.start()}"


def test_html_escapes_markup_and_shows_controls(written: dict[str, Path]) -> None:
    text = written["html"].read_text(encoding="utf-8")
    _no_raw_control(text, "html")
    assert "<script>" not in text and "<b>bold" not in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt; H12" in text
    for i, shown in {**SHOWN, **FORMULAS}.items():
        assert shown.replace('"', "&quot;") in text, i
    for name in PLAIN:
        assert name in text
    assert MEGABYTE in text  # HTML keeps the whole value: nothing lost


def test_markdown_escapes_pipes_and_html(written: dict[str, Path]) -> None:
    text = written["md"].read_text(encoding="utf-8")
    _no_raw_control(text, "md")
    assert "<script>" not in text and "<b>" not in text
    assert "\\| pipe \\| cell \\| H13" in text
    for shown in SHOWN.values():
        assert shown.replace("\\", "\\\\") in text
    # Every row of a table has as many cell separators as its header: no pipe leaked.
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("|"):
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    assert any("H13" in line for block in blocks for line in block)
    for block in blocks:
        counts = {len(re.findall(r"(?<!\\)\|", line)) for line in block}
        assert len(counts) <= 1, block[0]


def _csv_cells(path: Path) -> list[list[str]]:
    csv.field_size_limit(1 << 24)  # the megabyte name is one field
    out = []
    for file in sorted(path.iterdir()):
        with file.open(encoding="utf-8", newline="") as handle:
            out += list(csv.reader(handle))
    return out


def test_csv_neutralises_formulas_and_loses_nothing(written: dict[str, Path]) -> None:
    cells = [c for row in _csv_cells(written["csv"]) for c in row]
    for cell in cells:
        _no_raw_control(cell, "csv")
        assert not cell.startswith(("=", "+", "-", "@")), cell
    for shown in FORMULAS.values():
        assert "'" + shown in cells
    for shown in SHOWN.values():
        assert shown in cells
    assert MEGABYTE in cells  # the data formats keep the whole value
    for name in PLAIN:
        assert name in cells


def test_json_keeps_the_exact_text_as_escapes(written: dict[str, Path]) -> None:
    raw = written["json"].read_text(encoding="utf-8")
    _no_raw_control(raw, "json")
    data = json.loads(raw)
    facilities = {r["facility"] for r in data["tables"]["ghg_by_facility"]["rows"]}
    expected = {stored_name(i) for i in range(len(HOSTILE))}
    assert facilities == expected  # exactly as stored: JSON escapes lose nothing


def _xlsx_cells(path: Path) -> list[Any]:
    workbook = load_workbook(path)
    return [c for ws in workbook for row in ws.iter_rows(values_only=True) for c in row]


@pytest.mark.parametrize("fmt", ["xlsx", "pm-xlsx"])
def test_spreadsheets_open_with_controls_shown_and_formulas_neutralised(
    written: dict[str, Path], fmt: str
) -> None:
    cells = [c for c in _xlsx_cells(written[fmt]) if isinstance(c, str)]
    for cell in cells:
        _no_raw_control(cell, fmt)
        assert not cell.startswith(("=", "+", "-", "@")), cell
        assert len(cell) <= XLSX_CELL_MAX
    for shown in FORMULAS.values():
        assert "'" + shown in cells
    for shown in SHOWN.values():
        assert shown in cells
    for name in PLAIN:
        assert name in cells
    long = [c for c in cells if c.startswith("MMMM")]
    assert long and all(c.endswith(f"… ({len(MEGABYTE):,} characters)") for c in long)


def _pdf_text(path: Path) -> bytes:
    """The PDF's text as a reader extracts it (fonts are embedded subsets, so the content
    streams hold glyph ids, not the characters)."""
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(path).pages).encode("utf-8")


def test_pdf_draws_text_as_text_and_cuts_long_values(written: dict[str, Path]) -> None:
    path = written["pdf"]
    assert path.read_bytes().startswith(b"%PDF")
    assert path.stat().st_size < 2_000_000  # the megabyte name is cut, not drawn on every page
    text = _pdf_text(path)
    assert b"pwned" in text and b"H03" in text
    assert b"\x1b" not in text and b"\x07" not in text
    assert b"$x$ and $ H11" in text  # drawn as written, not as mathtext
