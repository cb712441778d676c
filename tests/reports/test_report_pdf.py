"""The PDF's text: table columns written as PDF text, the trimmed font embedded once per face,
and names in scripts no installed font has turned into one note instead of warnings."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from report_fixtures import add_small_hospital
from sqlite_utils import Database

from greencare import services
from greencare.reports import build_report, pdftext, render, write

CJK_NAME = "市立医院"
EMOJI = "🏥"


def _fonts(path: Path) -> list[str]:
    names: dict[str, None] = {}
    for page in PdfReader(path).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            names[str(ref.get_object()["/BaseFont"]).split("+", 1)[-1]] = None
    return list(names)


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_tables_are_text_and_each_face_is_embedded_once(small_db: Database, tmp_path: Path) -> None:
    report = build_report(small_db, year=2025)
    path = write(report, "pdf", tmp_path / "r.pdf")
    text = _text(path)
    assert "Totals by scope" in text and "Stationary combustion" in text
    assert "t CO₂e" in text  # the subscript survives: the text layer maps every glyph back
    assert f"{report['ghg_totals']['co2e_t'].iloc[0]:,.2f}" in text  # a number cell, as shown
    fonts = _fonts(path)
    assert len(fonts) == len(set(fonts))  # one subset per face (no second one for ligatures)
    if pdftext.trimmed_family():
        assert set(fonts) <= {"GreencareDejaVuSans-Book", "GreencareDejaVuSans-Bold",
                              "GreencareDejaVuSans-Oblique"}  # fmt: skip
    assert report.notes == []


def test_a_cjk_name_without_a_cjk_font_is_one_note_and_no_warning(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "CJK_FONTS", ())  # as on a machine without a CJK font
    add_small_hospital(db, name=f"{CJK_NAME} {EMOJI}")
    report = build_report(db, year=2025)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write(report, "pdf", tmp_path / "r.pdf")
        write(report, "pdf", tmp_path / "again.pdf")  # a second write: still one note
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert len(report.notes) == 1
    note = report.notes[0]
    assert note.startswith("PDF: 5 characters not in the installed fonts (e.g. ")
    for ch in CJK_NAME + EMOJI:
        assert ch in note
    assert "Noto Sans CJK" in note and "README" in note
    assert CJK_NAME in _text(tmp_path / "r.pdf")  # still text (boxes on the page, not lost)


def test_the_cli_prints_the_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_report_cli import root

    monkeypatch.setattr(render, "CJK_FONTS", ())
    path = tmp_path / "gc.db"
    db = services.open_db(path)
    add_small_hospital(db, name=CJK_NAME)
    db.close()
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(
        root, ["--db", str(path), "report", "--year", "2025", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote pdf report to {out}" in result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: PDF: ")]
    assert len(notes) == 1 and CJK_NAME in notes[0]
    assert "Traceback" not in result.output and "Glyph" not in result.output


def test_an_installed_cjk_font_is_in_the_fallback_list(monkeypatch: pytest.MonkeyPatch) -> None:
    # DejaVu Serif ships with matplotlib: it stands in for a CJK font the system has.
    monkeypatch.setattr(render, "CJK_FONTS", ("No Such Font", "DejaVu Serif"))
    fonts = render.pdf_fonts()
    assert fonts[-2:] == ["DejaVu Sans", "DejaVu Serif"]
    assert "No Such Font" not in fonts


def test_pages_draw_on_other_renderers_too(small_db: Database) -> None:
    """Off the PDF renderer the text artists are plain matplotlib Text (a PNG preview)."""
    report = build_report(small_db, year=2025)
    pages = render.pdf_pages(report)
    for _ in range(4):
        fig = next(pages)
        fig.savefig(io.BytesIO(), format="png", dpi=40)
        assert any(t.get_text() for t in fig.texts)


def test_a_glyph_beyond_the_trimmed_font_comes_from_the_full_dejavu(
    db: Database, tmp_path: Path
) -> None:
    name = "Klinik ✓ Köln"  # ✓ (U+2713) is in DejaVu Sans but not in the trimmed copy
    add_small_hospital(db, name=name)
    report = build_report(db, year=2025)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = write(report, "pdf", tmp_path / "r.pdf")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert report.notes == []  # no box anywhere: DejaVu Sans has the glyph
    assert name in _text(path)
    if pdftext.trimmed_family():
        assert "DejaVuSans" in _fonts(path)  # the full font, for that glyph
