"""HTML (one self-contained printable file) and PDF (paginated, via matplotlib's PdfPages)."""

from __future__ import annotations

import base64
import html
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from greencare.reports import charts, facility_pages, labels
from greencare.reports.model import PDF_CELL_MAX, Report, Table, fmt, label, rows, safe_text
from greencare.reports.pdftext import add_text
from greencare.reports.writers import meta_label, meta_rows, meta_value

#: Which section each chart belongs to.
CHART_SECTIONS = {
    "emissions-by-month": "ghg",
    "emissions-by-source": "ghg",
    "energy-by-commodity": "energy",
    "weather-normalised": "weather",
    "waste-by-stream": "waste",
    "trajectory": "story",  # on the story's pages, beside the progress against targets
    "intensity": "progress",
    "targets": "progress",
}

CSS = """
body { font-family: "Helvetica Neue", Arial, sans-serif; color: #222; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 2px solid #1f3b73; padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { font-size: 1.05rem; margin: 1.6rem 0 0.4rem; }
.meta { color: #555; }
.meta dt { font-weight: bold; float: left; clear: left; width: 11rem; }
.meta dd { margin-left: 11.5rem; min-height: 1.2em; }
nav ol { columns: 2; font-size: 0.9rem; }
.note { color: #555; font-size: 0.85rem; margin: 0.2rem 0 0.5rem; }
table { border-collapse: collapse; font-size: 0.8rem; margin-bottom: 0.8rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #eef1f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
        gap: 0.6rem; }
.kpi { border: 1px solid #ccd; border-radius: 4px; padding: 0.5rem 0.7rem; }
.kpi .v { font-size: 1.3rem; font-weight: bold; }
.kpi .m { font-size: 0.8rem; color: #555; }
figure { margin: 1rem 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: #555; }
.gaps { border: 2px solid #9e2a2b; padding: 0.5rem 1rem; }
.story p { max-width: 48rem; }
.story .box { border: 2px solid #b26b00; background: #fff8e6; padding: 0.2rem 1rem;
              margin: 1rem 0; max-width: 48rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  nav { break-after: page; }
  h2 { break-before: page; }
  h3, figure, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 15mm; }
"""


def _e(value: Any) -> str:
    return html.escape(safe_text(str(value)), quote=True)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                "Dec")  # fmt: skip


def header(column: str) -> str:
    """A column's header as people write it (t CO₂e, kBtu/ft², a month column as "Jan 2025")."""
    month = _MONTH.match(column)
    if month:
        return f"{_MONTH_NAMES[int(month.group(2)) - 1]} {month.group(1)}"
    return str(labels.unit_text(label(column)))


def html_table(table: Table, conventions: str | None = None) -> str:
    frame = labels.view(table.frame, conventions)
    if frame.empty:
        return '<p class="note">No data.</p>'
    numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]
    num = ' class="num"'
    head = "".join(
        f'<th{num if n else ""} scope="col">{_e(header(c))}</th>'
        for c, n in zip(frame.columns, numeric, strict=True)
    )
    body = []
    for row in rows(frame):
        cells = []
        for value, n, column in zip(row, numeric, frame.columns, strict=True):
            is_num = n or (isinstance(value, int | float) and not isinstance(value, bool))
            cells.append(f"<td{num if is_num else ''}>{_e(fmt(value, column))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure_html(key: str, caption: str, report: Report) -> str:
    fig = dict((k, f) for k, _, f in charts.CHARTS)[key](report)
    data = base64.b64encode(charts.to_bytes(fig, "svg")).decode("ascii")
    return (
        f'<figure id="chart-{_e(key)}"><img alt="{_e(caption)}" '
        f'src="data:image/svg+xml;base64,{data}"><figcaption>{_e(caption)}</figcaption></figure>'
    )


def _css_paper(meta: dict[str, Any]) -> str:
    return "letter" if meta.get("paper") == "letter" else "A4"


def to_html(report: Report) -> str:
    m = report.meta
    conventions = m.get("units")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(m['title'])} {_e(m['period']['from'])} to {_e(m['period']['to'])}</title>",
        f"<style>{CSS.replace('size: A4', 'size: ' + _css_paper(m))}"
        f"{facility_pages.CSS if report.facility_pages else ''}</style></head><body>",
        f'<header><h1>{_e(m["title"])}</h1><dl class="meta">',
    ]
    for key, value in meta_rows(report)[2:]:
        parts.append(f"<dt>{_e(meta_label(key))}</dt><dd>{_e(fmt(meta_value(key, value)))}</dd>")
    parts.append("</dl></header>")
    if m["gaps"]:
        items = "".join(f"<li>{_e(g)}</li>" for g in m["gaps"])
        parts.append(f'<div class="gaps"><strong>Missing factors: these sources are left out '
                     f"of the totals.</strong><ul>{items}</ul></div>")  # fmt: skip
    nav = ['<nav><h2>Contents</h2><ol><li><a href="#section-story">At a glance</a></li>']
    for key, title, tables in report.by_section():
        links = "".join(
            f'<li><a href="#{_e(t.key)}">{_e(t.title)}</a></li>'
            for t in tables
            if t.section != facility_pages.SECTION
        )  # its pages, not its tables
        nav.append(f'<li><a href="#section-{_e(key)}">{_e(title)}</a><ul>{links}</ul></li>')
    parts.append("".join(nav) + "</ol></nav>")
    parts.append(story_html(report))
    for key, title, tables in report.by_section():
        parts.append(f'<section id="section-{_e(key)}"><h2>{_e(title)}</h2>')
        if key == facility_pages.SECTION:  # its tables drawn as a page per facility
            parts.append(facility_pages.to_html(report) + "</section>")
            continue
        if key == "summary":
            cards = "".join(
                f'<div class="kpi"><div class="v">{_e(fmt(r[1]))} <small>{_e(r[2])}</small></div>'
                f'<div class="m">{_e(r[0])}</div></div>'
                for r in rows(labels.view(report["summary"], conventions))
            )
            parts.append(f'<div class="kpis">{cards}</div>')
        for chart_key, caption, _ in charts.CHARTS:
            if CHART_SECTIONS[chart_key] == key and charts.applies(chart_key, report):
                parts.append(_figure_html(chart_key, caption, report))
        for table in tables:
            if table.key == "summary":
                continue
            parts.append(f'<h3 id="{_e(table.key)}">{_e(table.title)}</h3>')
            if table.note:
                parts.append(f'<p class="note">{_e(labels.note(table.note))}</p>')
            parts.append(html_table(table, conventions))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def story_html(report: Report) -> str:
    """The executive story: plain sentences from the tables, the trajectory chart, the box of
    what the data cannot yet support."""
    if report.story is None:
        return ""
    parts = ['<section id="section-story" class="story"><h2>At a glance</h2>']
    for block in report.story.blocks:
        inner = (f"<h3>{_e(block['heading'])}</h3>"
                 + "".join(f"<p>{_e(s)}</p>" for s in block["sentences"]))  # fmt: skip
        parts.append(f'<div class="box">{inner}</div>' if block["box"] else inner)
        if block["key"] == "targets" and charts.applies("trajectory", report):
            caption = dict((k, c) for k, c, _ in charts.CHARTS)["trajectory"]
            parts.append(_figure_html("trajectory", caption, report).replace(
                'id="chart-trajectory"', 'id="story-trajectory"'))  # fmt: skip
    parts.append("</section>")
    return "".join(parts)


def write_html(report: Report, path: Path) -> Path:
    path.write_text(to_html(report), encoding="utf-8", newline="\n")
    return path


# --- PDF ---------------------------------------------------------------------------------------

#: Page sizes, landscape, inches: US Letter for US (and Canadian) facilities, A4 elsewhere.
PAPERS = {"letter": (11.0, 8.5), "a4": (11.69, 8.27)}
PAGE = PAPERS["a4"]  # the default page (charts drawn for the HTML keep their own size)


def paper_size(report: Report) -> tuple[float, float]:
    return PAPERS.get(report.meta.get("paper") or "a4", PAGE)


#: Fonts are embedded (TrueType subsets, Type 42) so every reader shows the same glyphs and
#: names beyond Latin-1 (Köln, Éloi, ₂) render; DejaVu ships with matplotlib. A CJK font
#: installed on the system (Noto Sans CJK and the like) is used as a fallback when present.
PDF_RC = {
    "pdf.use14corefonts": False,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,  # matplotlib sizes the PDF font subsets by it: one subset, not one per 256
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.monospace": ["DejaVu Sans Mono"],
    "axes.unicode_minus": False,
    "text.parse_math": False,  # a name with two $ signs is text, not mathtext
}


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width and text.isprintable() and text == text.strip() and "  " not in text:
        return [text] if text else [""]  # most cells: textwrap would return them unchanged
    return textwrap.wrap(text, width=width, break_long_words=True) or [""]


#: Average width of a character of DejaVu Sans, in ems (digits are 0.636, lower case less).
_EM = 0.6
_GAP = 2  # characters between columns


def _text_table(
    table: Table, conventions: str | None = None, page: tuple[float, float] = PAGE
) -> list[dict[str, Any]]:
    """A table laid out for a page: font size, column widths (characters), which columns are
    numbers (right-aligned), and the header and body as printed lines of cells (a long text
    cell wraps onto more lines). Each column is drawn as one text object, so no padding is
    laid out glyph by glyph and numbers align on their right edge.

    A table too wide for the page at a readable size is never cut at the page edge: one with a
    few rows is turned (each row a column, each field a row), a longer one is split into groups
    of columns that each repeat the first column; each piece is one dict of the list, with a
    ``part_of`` suffix for its title (none for a turned table: its header row names the rows)."""
    frame = labels.view(table.frame, conventions)
    columns = list(frame.columns)
    numeric = [frame[c].dtype.kind in "iuf" for c in columns]
    text = [
        [safe_text(fmt(v, c), PDF_CELL_MAX) for v, c in zip(row, columns, strict=True)]
        for row in rows(frame)
    ]
    for i in range(len(columns)):  # mixed columns (metric/value) align as numbers
        if not numeric[i] and text and all(_NUMBER.fullmatch(r[i] or "0") for r in text):
            numeric[i] = True
    heads = [header(c) for c in columns]
    whole = _lay_out(heads, text, numeric, page)
    if whole["size"] >= _MIN_PT or len(columns) <= 2:
        return [whole]
    if 0 < len(text) <= _TURN_ROWS:  # a few wide rows read best turned
        first = [safe_text(r[0], 40) or f"Row {n}" for n, r in enumerate(text, 1)]
        turned = [[h] + [r[i] for r in text] for i, h in enumerate(heads) if i > 0]
        turned_numeric = [False] * (len(text) + 1)
        laid = _lay_out([heads[0], *first], turned, turned_numeric, page)
        if laid["size"] >= _MIN_PT:
            return [{**laid, "part_of": "", "turned": True}]  # its header row says so
    groups: list[list[int]] = []
    key = _key_columns(heads, numeric)
    group = list(key)
    for i in range(len(columns)):
        if i in key:
            continue
        trial = [*group, i]
        laid = _lay_out([heads[k] for k in trial], [[r[k] for k in trial] for r in text],
                        [numeric[k] for k in trial], page)  # fmt: skip
        if laid["size"] < _MIN_PT and len(group) > len(key):
            groups.append(group)
            group = [*key, i]
        else:
            group = trial
    groups.append(group)
    groups = _balanced(groups, key, heads, text, numeric, page)
    out = []
    for n, g in enumerate(groups, 1):
        laid = _lay_out([heads[k] for k in g], [[r[k] for k in g] for r in text],
                        [numeric[k] for k in g], page)  # fmt: skip
        out.append({**laid, "part_of": f" (columns, part {n} of {len(groups)})"})
    return out


def _balanced(
    groups: list[list[int]],
    key: list[int],
    heads: list[str],
    text: list[list[str]],
    numeric: list[bool],
    page: tuple[float, float],
) -> list[list[int]]:
    """The same number of column groups as the greedy split, with the columns shared out by
    width (a last group of one column reads badly); the greedy split if a share does not fit."""
    rest = [i for g in groups for i in g[len(key) :]]
    width = [max([len(heads[i])] + [len(r[i]) for r in text]) for i in rest]
    share = sum(width) / len(groups)
    even: list[list[int]] = [list(key)]
    used = 0.0
    for i, w in zip(rest, width, strict=True):
        if used + w / 2 > share * len(even) and len(even) < len(groups):
            even.append(list(key))
        even[-1].append(i)
        used += w
    for g in even:
        laid = _lay_out([heads[k] for k in g], [[r[k] for k in g] for r in text],
                        [numeric[k] for k in g], page)  # fmt: skip
        if laid["size"] < _MIN_PT or len(g) <= len(key):
            return groups
    return even


#: Columns repeated in every column group of a split table (besides the first), so each
#: group's rows can be told apart.
_KEY_HEADS = {"Meter", "Month", "Year", "Period", "Scope", "Stream", "Source"}


def _key_columns(heads: list[str], numeric: list[bool]) -> list[int]:
    """The first column and the identifying text columns before the first number column."""
    first_number = next((i for i, n in enumerate(numeric) if n), len(heads))
    return [0] + [i for i in range(1, first_number) if heads[i] in _KEY_HEADS]


#: Characters across a page at the largest table size: text columns wider than 60 characters
#: widen up to it rather than wrap.
_FULL_CHARS = 140
#: Largest font size (pt) a table is printed at (report tables commonly run 7.5-8 pt).
_MAX_PT = 8.0
#: Smallest font size (pt) a table is printed at before it is turned or split by columns.
_MIN_PT = 5.5
#: Tables of at most this many rows are turned when too wide, rather than split by columns.
_TURN_ROWS = 6


def _lay_out(
    heads: list[str], text: list[list[str]], numeric: list[bool], page: tuple[float, float]
) -> dict[str, Any]:
    """Column widths (characters, long texts wrapped), printed lines and the font size that
    fits the page's width (at most :data:`_MAX_PT`; below :data:`_MIN_PT` the caller splits)."""
    widths = [max([min(len(h), 18)] + [len(r[i]) for r in text]) for i, h in enumerate(heads)]
    capped = [min(w, 60) for w in widths]
    # columns cut to 60 characters take back what the page has to spare at full size
    spare = _FULL_CHARS - sum(capped) - _GAP * (len(capped) - 1)
    for i in sorted(range(len(widths)), key=lambda i: widths[i]):
        if widths[i] > capped[i] and spare > 0:
            grow = min(widths[i] - capped[i], spare)
            capped[i] += grow
            spare -= grow
    widths = capped
    while sum(widths) + _GAP * len(widths) > 200 and max(widths) > 14:
        widths[widths.index(max(widths))] -= 1

    def lines_of(cells: list[str]) -> list[list[str]]:
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        return [[w[k] if k < len(w) else "" for w in wrapped]
                for k in range(max(len(w) for w in wrapped))]  # fmt: skip

    head = lines_of(heads)
    body: list[list[str]] = []
    for row in text:
        body += lines_of(row)
    chars = sum(widths) + _GAP * (len(widths) - 1)
    usable = 0.92 * page[0] * 72
    size = min(_MAX_PT, usable / (_EM * max(chars, 1)))
    return {"size": size, "widths": widths, "numeric": numeric, "header": head, "body": body}


_NUMBER = re.compile(r"-?[\d,]*\.?\d+(e[-+]?\d+)?%?")
_TOP, _BOTTOM = 0.90, 0.07  # content area on a page, figure fraction
_HEADING_PT, _NOTE_PT, _GAP_PT = 16.0, 9.5, 12.0
#: An inline section heading (a section that starts part-way down a page).
_SECTION_PT = 26.0
#: A section starts on a new page unless this share of the page is still free below it.
_SECTION_ROOM = 0.3
#: Charts are drawn at this share of their own height on a page (they are laid out for 8
#: inches across; a page is wider), never taller than the content area.
_CHART_SCALE = 0.75
#: ... and down to this share of that, though no lower than ``_CHART_MIN_IN`` inches, to fit
#: what is left of a page rather than start a new one.
_CHART_LEAST, _CHART_MIN_IN = 0.75, 2.8
#: A table of at most this many printed lines moves to the next page whole rather than split.
_KEEP_LINES = 15


def _page(title: str, number: int, footer: str, page: tuple[float, float] = PAGE) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=page)
    _decorate(fig, title, number, footer)
    return fig


def _decorate(fig: Any, title: str, number: int, footer: str) -> None:
    add_text(fig, 0.04, 0.95, title, fontsize=14, weight="bold", va="top", color="#1f3b73")
    add_text(fig, 0.04, 0.03, footer, fontsize=7, color="#666666")
    add_text(fig, 0.96, 0.03, f"Page {number}", fontsize=7, color="#666666", ha="right")


def _flow(
    sections: list[tuple[str, str, list[tuple[tuple[str, ...], float]], list[Table]]],
    conventions: str | None = None,
    page: tuple[float, float] = PAGE,
) -> list[dict[str, Any]]:
    """Sections laid out on pages, one after another: a section starts part-way down a page
    when enough of it is free (an inline heading), else on the next page; each section's
    charts (at most one band of them a page) then its tables, small tables
    sharing a page, long ones split across pages with "(continued)".

    ``sections`` holds (key, title, bands, tables); a band is (chart keys, height in inches
    the charts are drawn at on their own): one chart across the page, or two side by side. Returns the pages, each
    ``{"title", "chart", "elements", "starts"}`` (``starts``: a section begins at its top); an element is a dict with ``kind`` ("section",
    "chart", "table"), ``y`` (its top, figure fraction) and what drawing it needs."""
    per_pt = 1 / (page[1] * 72)
    height = (_TOP - _BOTTOM) * page[1] * 72
    pages: list[dict[str, Any]] = []
    remaining = 0.0

    def new_page(title: str, starts: bool = False) -> None:
        nonlocal remaining
        pages.append({"title": title, "chart": None, "elements": [], "starts": starts})
        remaining = height

    def place(element: dict[str, Any], points: float) -> None:
        nonlocal remaining
        element["y"] = _TOP - (height - remaining) * per_pt
        element["points"] = points
        pages[-1]["elements"].append(element)
        remaining -= points

    def laid_out(table: Table) -> list[tuple[dict[str, Any], list[str], float]]:
        """Each part of a table (:func:`_text_table`) with its note lines and its line height."""
        note = _wrap(labels.note(table.note), 190) if table.note else []
        parts = []
        for laid in _text_table(table, conventions, page):
            laid["size"] = max(laid["size"], 4.5)
            parts.append((laid, note, laid["size"] * 1.25))
        return parts

    def fixed(laid: dict[str, Any], notes: list[str], line: float) -> float:
        return _HEADING_PT + _NOTE_PT * len(notes) + (len(laid["header"]) + 0.6) * line + _GAP_PT

    def need(parts: list[tuple[dict[str, Any], list[str], float]]) -> float:
        """The least room a table's start takes: all of it when short (never split), else its
        heading and four lines."""
        if not parts:
            return 0.0
        laid, notes, line = parts[0]
        lines = len(laid["body"])
        return fixed(laid, notes, line) + line * (lines if lines <= _KEEP_LINES else 4)

    for key, title, figures, tables in sections:
        laid_tables = [(table, laid_out(table)) for table in tables]
        after = need(laid_tables[0][1]) if laid_tables else 0.0  # what follows the charts
        if figures:  # the heading and the first chart (at its smallest) on one page
            natural = figures[0][1] * _CHART_SCALE
            first = max(natural * _CHART_LEAST, _CHART_MIN_IN) * 72 + _GAP_PT
        else:
            first = after
        if not pages or remaining < max(_SECTION_ROOM * height, _SECTION_PT + first):
            new_page(title, starts=True)
        else:
            place({"kind": "section", "key": key, "title": title}, _SECTION_PT)
        for n, (keys, natural) in enumerate(figures):
            inches = min(natural * _CHART_SCALE, height / 72)
            least = max(inches * _CHART_LEAST, _CHART_MIN_IN)  # shrunk to share a page
            if pages[-1]["chart"] is not None or remaining < least * 72 + _GAP_PT:
                new_page(title)
            # shrunk (not below ``least``) so that it, and the table after it, fit this page
            below = after if n == len(figures) - 1 else 0.0
            free = (remaining - _GAP_PT - below) / 72
            if least <= free < inches:
                inches = free
            inches = min(inches, (remaining - _GAP_PT) / 72)
            pages[-1]["chart"] = keys[0]
            place({"kind": "chart", "key": keys[0], "keys": keys, "inches": inches},
                  inches * 72 + _GAP_PT)  # fmt: skip
        for item in _side_by_side(laid_tables, page):
            if len(item) == 2:  # two short narrow tables beside each other
                heights = [fixed(laid, note, line) + max(1, len(laid["body"])) * line
                           for _, ((laid, note, line),) in item]  # fmt: skip
                if remaining < max(heights) and pages[-1]["elements"]:
                    new_page(title)
                y = _TOP - (height - remaining) * per_pt
                for x, (table, ((laid, note, _),)), points in zip(
                    (0.04, 0.52), item, heights, strict=True
                ):
                    block = {"kind": "table", "key": table.key, "title": table.title,
                             "note": note, "heading": table.title, "part": 0, "x": x,
                             "right": x + 0.44, "y": y, "points": points}  # fmt: skip
                    pages[-1]["elements"].append({**laid, **block})
                remaining -= max(heights)
                continue
            ((table, parts),) = item
            part = 0
            for laid, note, line in parts:
                body = laid["body"]
                start = 0
                while True:
                    notes = note if part == 0 else []
                    top = fixed(laid, notes, line)
                    fits = int((remaining - top) // line)
                    left = max(1, len(body) - start)
                    whole = left <= _KEEP_LINES and start == 0  # a short table is not split
                    if (fits < (left if whole else min(left, 4))) and pages[-1]["elements"]:
                        new_page(title)
                        continue
                    take = max(1, min(left, fits))
                    chunk = body[start : start + take]
                    name = table.title + laid.get("part_of", "") + (" (continued)" if start else "")
                    place({**laid, "kind": "table", "key": table.key, "title": name,
                           "note": notes, "heading": table.title, "body": chunk, "part": part},
                          top + max(1, len(chunk)) * line)  # fmt: skip
                    start += take
                    part += 1
                    if start >= len(body):
                        break
                    new_page(title)
    return pages


#: A table goes beside the next one when both are this short (printed lines), fit this share
#: of the page's width, and have titles of at most ``_BESIDE_TITLE`` characters.
_BESIDE_LINES, _BESIDE_WIDTH, _BESIDE_TITLE = 15, 0.45, 55


def _side_by_side(
    laid_tables: list[tuple[Table, list[tuple[dict[str, Any], list[str], float]]]],
    page: tuple[float, float],
) -> list[list[tuple[Table, list[tuple[dict[str, Any], list[str], float]]]]]:
    """A section's tables in reading order, as items of one table, or of two short narrow ones
    printed beside each other (their notes wrapped to the half page)."""

    def narrow(entry: tuple[Table, list[tuple[dict[str, Any], list[str], float]]]) -> bool:
        table, parts = entry
        if len(parts) != 1 or len(table.title) > _BESIDE_TITLE:
            return False
        laid = parts[0][0]
        across = (sum(laid["widths"]) + _GAP * (len(laid["widths"]) - 1)) * _EM * laid["size"]
        return len(laid["body"]) <= _BESIDE_LINES and across <= _BESIDE_WIDTH * page[0] * 72

    out: list[list[Any]] = []
    i = 0
    while i < len(laid_tables):
        if i + 1 < len(laid_tables) and narrow(laid_tables[i]) and narrow(laid_tables[i + 1]):
            pair = []
            for table, ((laid, _, line),) in laid_tables[i : i + 2]:
                note = _wrap(labels.note(table.note), 95) if table.note else []
                pair.append((table, [(laid, note, line)]))
            out.append(pair)
            i += 2
        else:
            out.append([laid_tables[i]])
            i += 1
    return out


def _draw_blocks(fig: Any, blocks: list[dict[str, Any]]) -> None:
    width, height = fig.get_size_inches()
    per_pt = 1 / (height * 72)
    per_char_x = 1 / (width * 72)
    for block in blocks:
        y = block["y"]
        if block["kind"] == "section":
            add_text(fig, 0.04, y - 4 * per_pt, block["title"], fontsize=14, weight="bold",
                     va="top", color="#1f3b73")  # fmt: skip
            continue
        if block["kind"] != "table":
            continue
        size = block["size"]
        line = size * 1.25 * per_pt
        left = block.get("x", 0.04)
        add_text(fig, left, y, block["title"], fontsize=10, weight="bold", va="top")
        y -= _HEADING_PT * per_pt
        if block["note"]:
            add_text(fig, left, y, "\n".join(block["note"]), fontsize=7, color="#555555",
                     va="top", style="italic", linespacing=1.2)  # fmt: skip
            y -= _NOTE_PT * per_pt * len(block["note"])
        body = block["body"] or [["(no data)"] + [""] * (len(block["widths"]) - 1)]
        head_h = line * len(block["header"]) + line * 0.2
        x = left
        heads: list[tuple[float, list[str], str]] = []
        cells: list[tuple[float, list[str], str]] = []
        for i, (w, right) in enumerate(zip(block["widths"], block["numeric"], strict=True)):
            col_w = w * _EM * size * per_char_x
            at, ha = (x + col_w, "right") if right else (x, "left")
            heads.append((at, [r[i] for r in block["header"]], ha))
            cells.append((at, [r[i] for r in body], ha))
            x += col_w + _GAP * _EM * size * per_char_x
        # one artist for the header row and one for the body (each column a run of lines)
        for top, columns, weight in (
            (y, heads, "bold"),
            (y - head_h - line * 0.4, cells, "normal"),
        ):
            first = add_text(fig, columns[0][0], top, columns[0][1], fontsize=size, weight=weight,
                             va="top", ha=columns[0][2], linespacing=1.25)  # fmt: skip
            first.more = columns[1:]
        fig.add_artist(_rule(y - head_h, left, block.get("right", 0.96)))


def _rule(y: float, x0: float = 0.04, x1: float = 0.96) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], color="#888888", linewidth=0.6)


#: Fonts with CJK glyphs, tried after DejaVu Sans (which has none) when installed.
CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans JP", "Source Han Sans",
             "WenQuanYi Zen Hei", "IPAGothic", "IPAexGothic", "Droid Sans Fallback")  # fmt: skip


def pdf_fonts() -> list[str]:
    """DejaVu Sans, then whichever CJK fonts the system has (matplotlib falls back per glyph)."""
    from matplotlib import font_manager

    from greencare.reports.pdftext import trimmed_family

    trimmed = trimmed_family()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [name for name in CJK_FONTS if name in installed]
    return [*([trimmed] if trimmed else []), "DejaVu Sans", *cjk]


_MISSING_GLYPH = re.compile(r"Glyph (\d+) \(.*?\) missing from font\(s\)")
_NOTE_PREFIX = "PDF: "


def missing_glyph_note(chars: list[str]) -> str:
    """The one note for characters no installed font has (shown as boxes in the PDF)."""
    sample = "".join(chars[:8])
    what = "character" if len(chars) == 1 else "characters"
    return (
        f"{_NOTE_PREFIX}{len(chars)} {what} not in the installed fonts (e.g. {sample}), shown "
        "as boxes: install a CJK font such as Noto Sans CJK (used automatically), see README"
    )


def write_pdf(report: Report, path: Path, *, detail: bool = False) -> Path:
    """Cover, the story, contents, then the sections (:func:`pdf_pages`; the detail tables
    only listed unless ``detail``).

    matplotlib warns once per glyph that no font in the list has (a CJK name without a CJK
    font installed, an emoji); those warnings are caught here and become one note in
    ``report.notes`` naming the characters, which the CLI and the TUI show. Other warnings
    pass on unchanged."""
    import logging
    import warnings

    import matplotlib

    fonts = logging.getLogger("matplotlib.font_manager")
    level = fonts.level
    fonts.setLevel(logging.ERROR)  # "using medium" notes about the core fonts are expected
    missing: dict[str, None] = {}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            families = pdf_fonts()
            # The list as font.family, not behind "sans-serif": matplotlib falls back glyph by
            # glyph only along the families a text names (a generic family is one font).
            with matplotlib.rc_context(
                {**PDF_RC, "font.family": families, "font.sans-serif": families}
            ):
                written = _write_pdf(report, path, detail=detail)
    finally:
        fonts.setLevel(level)
    for w in caught:
        found = _MISSING_GLYPH.search(str(w.message))
        if found:
            missing[chr(int(found.group(1)))] = None
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    report.notes[:] = [n for n in report.notes if not n.startswith(_NOTE_PREFIX)]
    if missing:
        report.notes.append(missing_glyph_note(list(missing)))
    return written


def _write_pdf(report: Report, path: Path, *, detail: bool = False) -> Path:
    from matplotlib.backends.backend_pdf import PdfPages

    m = report.meta
    title = safe_text(f"{m['title']} {m['period']['from']} to {m['period']['to']}", 200)
    metadata = {"Title": title,
                "Creator": "greencare", "Producer": "greencare (matplotlib)",
                "CreationDate": None}  # fmt: skip
    links: list[tuple[int, Any]] = []
    outline: list[Any] = []
    with PdfPages(path, metadata=metadata) as pdf:
        for index, fig in enumerate(pdf_pages(report, detail=detail)):
            links += [(index, link) for link in getattr(fig, "greencare_links", [])]
            outline += getattr(fig, "greencare_outline", [])
            pdf.savefig(fig)
    if links or outline:
        _link_contents(path, links, outline)
    return path


def pdf_plan(report: Report, *, detail: bool = False) -> dict[str, Any]:
    """What the PDF's pages hold (:func:`pdf_pages` draws it): the section pages laid out by
    :func:`_flow` (a system report's facility pages, one a facility, between them), the number
    of the first of them, and the contents lines."""
    m = report.meta
    page = paper_size(report)
    contents: list[tuple[str, int, int]] = []  # (text, level, page)
    front = 2 if report.story is not None else 1  # the cover, the story's text
    story_chart = 0.0
    if report.story is not None and charts.applies("trajectory", report):
        story_chart = _story_chart_inches(report, page)
        front += 0 if story_chart else 1  # the trajectory below the text, or on its own page
    contents.append(("At a glance", 0, 2))
    start = front + 2  # after the contents page
    pages: list[dict[str, Any]] = []
    sections: list[Any] = []
    for key, title, every in report.by_section():
        if key == facility_pages.SECTION:  # a page per facility; many are bookmarks only
            pages += _flow(sections, m.get("units"), page)
            sections = []
            for n, fp in enumerate(report.facility_pages):
                pages.append({"title": facility_pages.page_title(fp), "chart": None,
                              "elements": [], "starts": False, "facility": fp,
                              "section": title if n == 0 else None})  # fmt: skip
            continue
        tables = [t for t in every if t.key not in PDF_SKIP]
        if key == "detail" and not detail:
            tables = [detail_list(report, every)]
        drawn = [
            (chart_key, charts.natural_size(func, report)[1])
            for chart_key, _, func in charts.CHARTS
            if CHART_SECTIONS[chart_key] == key and charts.applies(chart_key, report)
        ]
        bands = [  # two charts of a section side by side, at the taller one's height
            (tuple(k for k, _ in drawn[i : i + 2]), max(h for _, h in drawn[i : i + 2]))
            for i in range(0, len(drawn), 2)
        ]
        if tables or bands:
            sections.append((key, title, bands, tables))
    pages += _flow(sections, m.get("units"), page)
    level = 1 if len(report.facility_pages or []) <= facility_pages.LISTED else 2
    for number, laid in enumerate(pages, start=start):
        if laid.get("facility") is not None:
            if laid["section"]:
                contents.append((laid["section"], 0, number))
            contents.append((laid["title"], level, number))
            continue
        if laid["starts"]:
            contents.append((laid["title"], 0, number))
        for element in laid["elements"]:
            if element["kind"] == "section":
                contents.append((element["title"], 0, number))
            elif element["kind"] == "table" and element["part"] == 0:
                contents.append((element["heading"], 1, number))
    return {"page": page, "front": front, "start": start, "pages": pages, "contents": contents,
            "story_chart": story_chart}  # fmt: skip


def pdf_pages(report: Report, *, detail: bool = False) -> Iterator[Any]:
    """The PDF's pages as figures, in order: cover, the story, contents, then the sections one
    after another (:func:`_flow`): each section's charts and tables, a chart sharing its page
    with the tables after it; a system report's facility pages after the ranking. The appendix
    of detail tables lists them (they are in the XLSX and CSV) unless ``detail``, which prints
    them."""
    m = report.meta
    period = f"{m['period']['from']} to {m['period']['to']}"
    footer = safe_text(f"{m['title']} - {facility_pages.named(m)}", 150) + f" - {period}"
    plan = pdf_plan(report, detail=detail)
    page, front, start, pages = plan["page"], plan["front"], plan["start"], plan["pages"]
    yield _cover(report, footer, page)
    if report.story is not None:
        yield _story_page(report, footer, page, plan["story_chart"])
        if front == 3:
            fig = dict((k, f) for k, _, f in charts.CHARTS)["trajectory"](report)
            fig.set_size_inches(page)
            charts.place(fig, extra_top=0.6, extra_bottom=0.4)
            _decorate(fig, "At a glance: progress against the target", 3, footer)
            yield fig
    yield _contents(plan["contents"], footer, page, front + 1)
    draws = {key: func for key, _, func in charts.CHARTS}
    for number, laid in enumerate(pages, start=start):
        fig = _page(laid["title"], number, footer, page)
        if laid.get("facility") is not None:
            facility_pages.draw_pdf_page(fig, laid["facility"], m.get("units"))
            yield fig
            continue
        for element in laid["elements"]:
            if element["kind"] == "chart":
                _draw_band(fig, element, [draws[k] for k in element["keys"]], report, page)
        _draw_blocks(fig, laid["elements"])
        yield fig


#: How much of a band's width a chart takes beside another (1 each by default): horizontal
#: bars need room for their category labels on the left.
_BAND_SHARE = {"emissions-by-source": 1.3, "waste-by-stream": 1.3}
#: A band's charts keep this share of the page's width clear on each side (labels and titles
#: inside the page's margin).
_BAND_INSET = 0.03


def _draw_band(
    fig: Any, band: dict[str, Any], draws: list[Any], report: Report, page: tuple[float, float]
) -> None:
    """Draw a band's charts into regions of the page (one across it, or two side by side),
    each chart laid out for its region's size in inches."""
    from matplotlib.gridspec import GridSpec

    top = 1 - band["y"]
    tall = band["inches"] / page[1]
    shares = [_BAND_SHARE.get(k, 1.0) for k in band["keys"]]
    grid = GridSpec(3, len(draws), figure=fig, left=_BAND_INSET, right=1 - _BAND_INSET,
                    bottom=0, top=1, wspace=0,
                    hspace=0, height_ratios=[max(top, 1e-6), tall, max(1 - top - tall, 1e-6)],
                    width_ratios=shares)  # fmt: skip
    for column, draw in enumerate(draws):
        region = fig.add_subfigure(grid[1, column])
        across = page[0] * (1 - 2 * _BAND_INSET) * shares[column] / sum(shares)
        region.greencare_size = (across, band["inches"])
        charts.draw_into(draw, report, region)


def detail_list(report: Report, tables: list[Table]) -> Table:
    """The appendix's detail tables as one list, where a PDF without them points: each table's
    title, its rows, and its sheet in the XLSX and file in the CSV folder (``--detail`` prints
    them in the PDF; HTML, Markdown and JSON hold them too)."""
    import pandas as pd

    from greencare.reports.writers import sheet_names

    sheets = sheet_names(report)
    frame = pd.DataFrame(
        {
            "table": [t.title for t in tables],
            "rows": [len(t.frame) for t in tables],
            "xlsx_sheet": [sheets[t.key] for t in tables],
            "csv_file": [f"{t.key}.csv" for t in tables],
        }
    )
    note = (
        "Long tables behind the charts and pivots in the body. They are in the XLSX workbook "
        "and the CSV folder of this report (and its HTML); greencare report --detail prints "
        "them in the PDF."
    )
    return Table("detail_tables", "Detail tables in the workbook", "detail", frame, note)


#: Tables the PDF leaves to the spreadsheet: Portfolio Manager's upload rows (``--format
#: pm-xlsx`` writes them ready for upload), the long form of the source x month pivot the
#: PDF shows, and the key figures (the cover shows them); XLSX, CSV, JSON and HTML keep them.
PDF_SKIP = {"pm_meter_entries", "ghg_by_category_month", "summary"}


def _story_layout(report: Report, page: tuple[float, float]) -> dict[str, Any]:
    """Where the story's text goes on its page (two columns; what the data cannot support
    boxed): each block's heading, wrapped sentences and positions, and the lowest point the
    text reaches (figure fraction), which says whether the trajectory chart fits below it."""
    width, height = page
    per_pt = 1 / (height * 72)
    chars = int(0.43 * width * 72 / (0.52 * 9.0))
    left = [b for b in report.story.blocks if b["key"] in ("headline", "drivers", "targets")]
    right = [b for b in report.story.blocks if b not in left]
    placed = []
    lowest = 1.0
    for x, blocks in ((0.04, left), (0.52, right)):
        y = 0.88
        for block in blocks:
            top = y
            inset = 0.01 if block["box"] else 0
            y_text = y - (6 * per_pt if block["box"] else 0)
            heading = (x + inset, y_text)
            y_text -= 17 * per_pt
            texts = []
            for sentence in block["sentences"]:
                lines = _wrap(safe_text(sentence, PDF_CELL_MAX), chars - (3 if block["box"] else 0))
                texts.append((x + inset, y_text, "\n".join(lines)))
                y_text -= (len(lines) * 9 * 1.3 + 5) * per_pt
            if block["box"]:
                y_text -= 4 * per_pt
            placed.append({"block": block, "x": x, "top": top, "bottom": y_text,
                           "heading": heading, "texts": texts})  # fmt: skip
            lowest = min(lowest, y_text)
            y = y_text - 12 * per_pt
    return {"placed": placed, "lowest": lowest}


#: The trajectory chart goes on the story's page when this much height (inches) is free below
#: the text, else on a page of its own.
_STORY_CHART_IN = 3.0


def _story_chart_inches(report: Report, page: tuple[float, float]) -> float:
    """The height the trajectory chart gets below the story's text (0: it does not fit)."""
    free = (_story_layout(report, page)["lowest"] - _BOTTOM) * page[1] - 0.2
    natural = charts.natural_size(charts.trajectory, report)[1] * _CHART_SCALE
    return min(free, natural) if free >= _STORY_CHART_IN else 0.0


def _story_page(
    report: Report, footer: str, page: tuple[float, float], chart_inches: float = 0.0
) -> Any:
    """The story's text on one page, in two columns; what the data cannot support boxed; the
    trajectory chart below the text when ``chart_inches``."""
    from matplotlib.patches import Rectangle

    fig = _page("At a glance", 2, footer, page)
    layout = _story_layout(report, page)
    for item in layout["placed"]:
        block = item["block"]
        x, y = item["heading"]
        add_text(fig, x, y, block["heading"], fontsize=11, weight="bold", va="top",
                 color="#1f3b73")  # fmt: skip
        for tx, ty, text in item["texts"]:
            add_text(fig, tx, ty, text, fontsize=9, va="top", linespacing=1.3)
        if block["box"]:
            fig.add_artist(Rectangle((item["x"], item["bottom"]), 0.44,
                                     item["top"] - item["bottom"], fill=True,
                                     facecolor="#fff8e6", edgecolor="#b26b00", linewidth=1.2,
                                     zorder=-1, transform=fig.transFigure))  # fmt: skip
    if chart_inches:
        y = _BOTTOM + chart_inches / page[1] + 0.1 / page[1]
        band = {"keys": ("trajectory",), "y": y, "inches": chart_inches}
        _draw_band(fig, band, [charts.trajectory], report, page)
    return fig


def _cover(report: Report, footer: str, page: tuple[float, float] = PAGE) -> Any:
    m = report.meta
    fig = _page("", 1, footer, page)
    add_text(fig, 0.08, 0.8, safe_text(m["title"], 60), fontsize=28, weight="bold")
    add_text(fig, 0.08, 0.73, safe_text(facility_pages.named(m), 90), fontsize=16)
    add_text(fig, 0.08, 0.68, f"{m['period']['from']} to {m['period']['to']}", fontsize=14)
    y = 0.58
    for metric, value, unit in rows(labels.view(report["summary"], m.get("units"))):
        add_text(fig, 0.08, y, metric, fontsize=11)
        add_text(fig, 0.6, y, f"{fmt(value)} {unit}", fontsize=11, ha="right", weight="bold")
        y -= 0.032
    info = [
        safe_text(f"{meta_label(k)}: {fmt(meta_value(k, v))}", PDF_CELL_MAX)
        if k != "facilities" or len(m["facilities"]) <= facility_pages.NAMED
        else f"{meta_label(k)}: {facility_pages.named(m)} (each ranked and on its own page)"
        for k, v in meta_rows(report)[4:]
    ]
    wrapped = "\n".join(line for item in info for line in _wrap(item, 50))
    add_text(fig, 0.66, 0.58, wrapped, fontsize=9, va="top", linespacing=1.4)
    if m["gaps"]:
        gaps = "\n".join(line for g in m["gaps"] for line in _wrap(safe_text(g, PDF_CELL_MAX), 55))
        add_text(fig, 0.66, 0.3, "Missing factors (left out of the totals):\n" + gaps, fontsize=8,
                 color="#9e2a2b", va="top")  # fmt: skip
    return fig


def _contents(
    contents: list[tuple[str, int, int]],
    footer: str,
    page: tuple[float, float] = PAGE,
    number: int = 2,
) -> Any:
    fig = _page("Contents", number, footer, page)
    per_column = 42
    #: (x0, y0, x1, y1) in figure fractions -> the page number it leads to (made links once the
    #: PDF is written: :func:`_link_contents`)
    fig.greencare_links = []
    listed = [c for c in contents if c[1] < 2]  # level 2: a bookmark only (a facility page)
    for i, (text, level, target) in enumerate(listed):
        col, row = divmod(i, per_column)
        x = 0.06 + col * 0.46 + (0.02 if level else 0)
        y = 0.88 - row * 0.019
        weight = "bold" if level == 0 else "normal"
        add_text(fig, x, y, text, fontsize=8, weight=weight)
        add_text(fig, 0.06 + col * 0.46 + 0.42, y, str(target), fontsize=8, ha="right")
        fig.greencare_links.append(((x, y - 0.005, 0.06 + col * 0.46 + 0.42, y + 0.014), target))
    fig.greencare_outline = list(contents)
    return fig


def _link_contents(path: Path, links: list[tuple[int, Any]], outline: list[Any]) -> None:
    """Make the contents page's lines links to their pages and give the PDF bookmarks (the
    same entries, sections with their tables beneath): matplotlib writes no links inside a
    document, pypdf adds them to the written file."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    writer = PdfWriter(clone_from=PdfReader(path))
    count = len(writer.pages)
    for index, (box, target) in links:
        page = writer.pages[index]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        if not 1 <= target <= count:
            continue
        rect = (box[0] * width, box[1] * height, box[2] * width, box[3] * height)
        writer.add_annotation(index, Link(rect=rect, target_page_index=target - 1, fit=Fit.fit()))
    parent = None
    for text, level, target in outline:
        if not 1 <= target <= count:
            continue
        item = writer.add_outline_item(
            title=text, page_number=target - 1, parent=parent if level else None
        )
        if not level:
            parent = item
    writer.page_mode = "/UseOutlines"
    with open(path, "wb") as out:
        writer.write(out)
