"""The PDF's contents page links each line to its page, and the PDF has the same entries as
bookmarks (sections with their tables beneath)."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from sqlite_utils import Database

from greencare.reports import build_report, write


def _contents_page(reader: PdfReader) -> int:
    return next(i for i, p in enumerate(reader.pages) if "Contents" in p.extract_text()[:200])


def _flat(outline: list) -> list:
    out = []
    for item in outline:
        out += _flat(item) if isinstance(item, list) else [item]
    return out


def test_every_contents_line_links_to_the_page_it_names(small_db: Database, tmp_path: Path):
    path = write(build_report(small_db, year=2025), "pdf", tmp_path / "r.pdf")
    reader = PdfReader(path)
    page = reader.pages[_contents_page(reader)]
    links = [a.get_object() for a in page["/Annots"]]
    entries = _flat(reader.outline)  # the contents' lines, in order
    assert len(links) == len(entries) > 5
    printed = page.extract_text()
    for link, entry in zip(links, entries, strict=True):
        target = reader.get_page_number(link["/Dest"][0].get_object())
        text = reader.pages[target].extract_text()
        assert entry.title in text, (entry.title, target + 1)
        assert f"Page {target + 1}" in text  # the page the contents line prints
        assert entry.title in printed
        x0, y0, x1, y1 = (float(v) for v in link["/Rect"])
        assert x1 > x0 and y1 > y0


def test_bookmarks_are_the_sections_with_their_tables(small_db: Database, tmp_path: Path):
    path = write(build_report(small_db, year=2025), "pdf", tmp_path / "r.pdf")
    reader = PdfReader(path)
    outline = reader.outline
    top = [o for o in outline if not isinstance(o, list)]
    assert top[0].title == "At a glance"
    titles = [o.title for o in top]
    assert "Greenhouse gas inventory" in titles
    ghg = titles.index("Greenhouse gas inventory")
    children = outline[outline.index(top[ghg]) + 1]
    assert isinstance(children, list) and "Totals by scope" in [c.title for c in children]
    totals = next(c for c in children if c.title == "Totals by scope")
    assert (
        "Totals by scope" in reader.pages[reader.get_destination_page_number(totals)].extract_text()
    )
