"""Writers for the data formats: JSON, CSV (a folder, or one long file), Markdown and XLSX.

JSON, CSV and Markdown are deterministic: the same database and factor editions give the same
bytes (no timestamp unless the caller put one in ``meta["generated"]``). Spreadsheet text that
would run as a formula is neutralised with a leading apostrophe. HTML and PDF are in
:mod:`greencare.reports.render`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from greencare.reports.model import (
    XLSX_CELL_MAX,
    Report,
    Table,
    clean,
    fmt,
    label,
    neutralise,
    rows,
    safe_text,
    unit,
)
from greencare.services import outputs

FORMATS = ("html", "pdf", "xlsx", "csv", "md", "json", "pm-xlsx")
SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".xlsx": "xlsx", ".csv": "csv",
            ".md": "md", ".json": "json"}  # fmt: skip


def write(
    report: Report,
    fmt_name: str,
    path: str | Path,
    *,
    csv_long: bool = False,
    force: bool = False,
    protect: Iterable[str | Path] = (),
    detail: bool = False,
) -> Path:
    """Write ``report`` as ``fmt_name`` (see FORMATS) to ``path``; returns what was written.
    ``detail`` prints the appendix's detail tables in a PDF (by default it lists them: they are
    in the XLSX, the CSV and the HTML).

    The file (or CSV folder) is written beside ``path`` under a temporary name and moved into
    place when complete (:mod:`greencare.services.outputs`): a crash never leaves a partial report
    under the final name. An existing ``path`` is refused unless ``force``; the database
    files in ``protect``, and any SQLite database, are refused always.
    """
    path = Path(path)
    if fmt_name not in FORMATS:
        raise ValueError(f"unknown report format {fmt_name!r} (use {', '.join(FORMATS)})")
    if fmt_name == "csv" and not csv_long:
        with outputs.write_folder(path, force=force, protect=protect) as folder:
            _write_to(report, fmt_name, folder, csv_long=False, detail=detail)
        return path
    with outputs.write_file(path, force=force, protect=protect) as temp:
        _write_to(report, fmt_name, temp, csv_long=csv_long, detail=detail)
    return path


def _write_to(
    report: Report, fmt_name: str, path: Path, *, csv_long: bool, detail: bool = False
) -> Path:
    if fmt_name in ("html", "pdf"):
        from greencare.reports import render

        if fmt_name == "pdf":
            return render.write_pdf(report, path, detail=detail)
        return render.write_html(report, path)
    if fmt_name == "csv":
        return write_csv(report, path, long=csv_long)
    writer = {"xlsx": write_xlsx, "md": write_markdown, "json": write_json,
              "pm-xlsx": write_pm_xlsx}[fmt_name]  # fmt: skip
    return writer(report, path)


# --- JSON --------------------------------------------------------------------------------------


def to_json_data(report: Report) -> dict[str, Any]:
    tables = {}
    for table in report.tables.values():
        columns = list(table.frame.columns)
        tables[table.key] = {
            "title": table.title,
            "section": table.section,
            "note": table.note,
            "columns": [{"name": c, "label": label(c), "unit": unit(c)} for c in columns],
            "rows": [dict(zip(columns, r, strict=True)) for r in rows(table.frame)],
        }
    sections = [
        {"key": key, "title": title, "tables": [t.key for t in items]}
        for key, title, items in report.by_section()
    ]
    out = {"schema": report.meta["schema"], "meta": _plain(report.meta),
           "sections": sections, "tables": tables}  # fmt: skip
    if report.story is not None:  # the sentences; their figures are the story_figures table
        out["story"] = [{k: b[k] for k in ("key", "heading", "box", "sentences")}
                        for b in report.story.blocks]  # fmt: skip
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return clean(value)


#: Characters JSON would write raw with ensure_ascii=False that must not reach a terminal or
#: editor raw (DEL, C1, line separators, bidi controls); written as \\u escapes, losing nothing.
_JSON_CONTROL = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def to_json(report: Report) -> str:
    text = json.dumps(to_json_data(report), indent=2, sort_keys=True, ensure_ascii=False)
    text = _JSON_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # exact, and inert
    return text + "\n"


def write_json(report: Report, path: Path) -> Path:
    path.write_text(to_json(report), encoding="utf-8", newline="\n")
    return path


# --- CSV ---------------------------------------------------------------------------------------


def _csv_text(header: list[str], body: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(safe_text(h)) for h in header])
    for row in body:
        writer.writerow(["" if v is None else neutralise(safe_text(v)) for v in row])
    return out.getvalue()


def meta_rows(report: Report) -> list[list[Any]]:
    m = report.meta
    out = [
        ["title", m["title"]],
        ["schema", m["schema"]],
        ["period_from", m["period"]["from"]],
        ["period_to", m["period"]["to"]],
        ["facilities", "; ".join(m["facilities"])],
        ["gwp", m["gwp"]],
        ["baseline_year", "" if m["baseline_year"] is None else str(m["baseline_year"])],
        ["pins", "; ".join(f"{k}={v}" for k, v in m["pins"].items())],
        ["allow_gaps", m["allow_gaps"]],
    ]
    if m.get("units"):
        out.append(["units", _CONVENTIONS.get(m["units"], m["units"])])
        out.append(["paper", {"letter": "US Letter", "a4": "A4"}.get(m["paper"], m["paper"])])
    if m.get("fiscal_year_start_month"):  # only when fiscal years do not start in January
        from greencare.core.fiscal import MONTH_NAMES

        out.append(["fiscal_year_starts", MONTH_NAMES[m["fiscal_year_start_month"] - 1]])
    if m.get("stored_targets"):
        out.append(["stored_targets", "; ".join(m["stored_targets"])])
        out.append(["scope_1_2_target_from", m["target_source"]])
    if m.get("generated"):
        out.append(["generated", m["generated"]])
    return out


_CONVENTIONS = {"us": "US (kBtu, kBtu/ft², lb)", "metric": "metric (kWh, kWh/m², kg)"}

#: What an empty header value means, so no human-readable header row is ever blank.
_EMPTY_META = {
    "baseline_year": "none",
    "pins": "none (each month uses its own year's edition)",
    "facilities": "none",
}


def meta_value(key: str, value: Any) -> Any:
    """A header value as people read it: never blank (a blank shifted the HTML rows)."""
    if value in (None, ""):
        return _EMPTY_META.get(key, "none")
    return value


def meta_label(key: str) -> str:
    return {
        "gwp": "GWP",
        "period_from": "From",
        "period_to": "To",
        "scope_1_2_target_from": "Scope 1+2 target from",
    }.get(key, key.replace("_", " ").capitalize())


def write_csv(report: Report, path: Path, *, long: bool = False) -> Path:
    """A folder of CSVs (one per table, plus _meta.csv), or with ``long`` one long CSV."""
    if long:
        body = [["_meta", 0, k, "", v] for k, v in meta_rows(report)]
        for table in report.tables.values():
            columns = list(table.frame.columns)
            for i, row in enumerate(rows(table.frame)):
                body += [[table.key, i, c, unit(c), v] for c, v in zip(columns, row, strict=True)]
        path.write_text(_csv_text(["table", "row", "column", "unit", "value"], body),
                        encoding="utf-8", newline="")  # fmt: skip
        return path
    path.mkdir(parents=True, exist_ok=True)
    (path / "_meta.csv").write_text(_csv_text(["key", "value"], meta_rows(report)),
                                    encoding="utf-8", newline="")  # fmt: skip
    for table in report.tables.values():
        text = _csv_text(list(table.frame.columns), rows(table.frame))
        (path / f"{table.key}.csv").write_text(text, encoding="utf-8", newline="")
    return path


# --- Markdown ----------------------------------------------------------------------------------


def _md_cell(value: Any, column: str = "") -> str:
    text = fmt(value, column).replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # no raw HTML
    return re.sub(r"\s*\n\s*", " ", text)


def markdown_table(table: Table, conventions: str | None = None) -> str:
    from greencare.reports import labels

    frame = labels.view(table.frame, conventions)
    if frame.empty:
        return "_No data._\n"
    from greencare.reports.render import header as column_header

    header = [_md_cell(column_header(c)) for c in frame.columns]
    numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---:" if n else "---" for n in numeric) + " |"]  # fmt: skip
    cols = list(frame.columns)
    lines += [
        "| " + " | ".join(_md_cell(v, c) for v, c in zip(row, cols, strict=True)) + " |"
        for row in rows(frame)
    ]
    return "\n".join(lines) + "\n"


def to_markdown(report: Report) -> str:
    from greencare.reports import labels

    m = report.meta
    out = [f"# {_md_cell(m['title'])}", ""]
    out += [
        f"- **{_md_cell(meta_label(k))}**: {_md_cell(meta_value(k, v))}"
        for k, v in meta_rows(report)[2:]
    ]
    if report.story is not None:
        out += ["", "## At a glance"]
        for block in report.story.blocks:
            out += ["", f"### {_md_cell(block['heading'])}", ""]
            text = " ".join(_md_cell(s) for s in block["sentences"])
            out.append(f"> {text}" if block["box"] else text)
    for key, title, tables in report.by_section():
        out += ["", f"## {_md_cell(title)}"]
        out += markdown_charts(report, key)
        if key == "facilities":  # its tables written as a page per facility
            from greencare.reports import facility_pages

            out += facility_pages.to_markdown(report)
            continue
        for table in tables:
            out += ["", f"### {_md_cell(table.title)}", ""]
            if table.note:
                out += [f"_{_md_cell(labels.note(table.note))}_", ""]
            out.append(markdown_table(table, m.get("units")).rstrip("\n"))
    return "\n".join(out) + "\n"


#: Charts the Markdown report embeds (as SVG data URIs, so the file stays self-contained),
#: by section.
MARKDOWN_CHARTS = {"weather": ["weather-normalised"]}


def markdown_charts(report: Report, section: str) -> list[str]:
    """``![caption](data:image/svg+xml;base64,...)`` lines for the section's embedded charts."""
    keys = MARKDOWN_CHARTS.get(section, [])
    if not keys:
        return []
    import base64

    from greencare.reports import charts

    out = []
    for key, caption, func in charts.CHARTS:
        if key in keys and charts.applies(key, report):
            data = base64.b64encode(charts.to_bytes(func(report), "svg")).decode("ascii")
            out += ["", f"![{_md_cell(caption)}](data:image/svg+xml;base64,{data})"]
    return out


def write_markdown(report: Report, path: Path) -> Path:
    path.write_text(to_markdown(report), encoding="utf-8", newline="\n")
    return path


# --- XLSX --------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: Sheet names for tables whose title is longer than a sheet name may be (31 characters).
SHEET_NAMES = {
    "ghg_protocol": "GHG Protocol by scope",
    "scope2_methods": "Scope 2 location vs market",
    "ghg_by_gas": "Emissions by gas",
    "ghg_by_category_month": "Source by month (long form)",
    "emissions_by_source_month": "Emissions by source and month",
    "energy_by_facility": "Energy intensity by facility",
    "interval_definitions": "Interval definitions",
    "weather_normalised": "Weather-normalised use",
    "weather_savings": "Avoided energy (IPMVP C)",
    "weather_by_month": "Actual vs modelled by month",
    "progress": "Progress by year",
    "change_drivers": "Why emissions changed",
    "change_summary": "Change by driver",
    "intensity_by_month": "Intensity by month",
    "cms_areas": "CMS reporting areas",
    "joint_commission": "Joint Commission baseline",
    "headline_change": "Against previous and baseline",
    "opportunities": "Reduction opportunities",
}
README_SHEET = "README"
_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_names(report: Report) -> dict[str, str]:
    """Each table's sheet: a name people read (its title, or a shorter one), at most 31
    characters, unique ignoring case (as Excel compares them), never the README's."""
    taken = {README_SHEET.casefold()}
    out = {}
    for table in report.tables.values():
        base = SHEET_NAMES.get(table.key) or safe_text(table.title) or table.key
        base = _SHEET_BAD.sub(" ", base).strip(" '") or table.key
        if len(base) > 31:
            cut = base[:31]
            if base[31] != " " and " " in cut:  # end on a whole word
                cut = cut.rsplit(" ", 1)[0]
            base = cut.rstrip(" ,;-(")
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base[: 31 - len(f' ({n})')]} ({n})"
        taken.add(name.casefold())
        out[table.key] = name
    return out


def _xlsx_value(value: Any, *, dates: bool = False) -> Any:
    """A cell for openpyxl: numbers at full precision (NaN and infinity empty), control
    characters (which it refuses) made visible, text cut to what a cell holds, formulas
    neutralised, ISO dates as dates where asked."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float):
        return None if value != value or value in (float("inf"), float("-inf")) else value
    value = clean(value)
    if isinstance(value, str):
        if dates and _ISO_DATE.match(value):
            return date.fromisoformat(value)
        return neutralise(safe_text(value, XLSX_CELL_MAX))
    return value


#: Integer columns shown without a thousands separator.
_PLAIN_INTEGERS = {"year", "fiscal_year", "rank", "target_id", "n", "p", "row"}


def number_format(column: str, values: Any) -> str | None:
    """How a number column is shown (the cell keeps the full value): whole numbers with
    thousands separators, decimals by the column's typical size, years as they are."""
    kind = values.dtype.kind
    if column in _PLAIN_INTEGERS:
        return "0"
    if kind in "iu":
        return "#,##0"
    if kind != "f":
        return None
    finite = values.abs()[values.notna() & (values.abs() != float("inf"))]
    typical = float(finite.median()) if len(finite) else 0.0
    if typical >= 1000:
        return "#,##0"
    if typical >= 10:
        return "#,##0.0"
    if typical >= 0.1 or typical == 0:
        return "#,##0.00"
    return "0.000"


def _sheet(wb: Any, name: str, table: Table, *, dates: bool = False, labels: bool = True) -> Any:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name[:31])
    columns = list(table.frame.columns)
    ws.append([_xlsx_value(label(c) if labels else c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [len(str(label(c))) for c in columns]
    for row in table.frame.itertuples(index=False, name=None):
        values = [_xlsx_value(v, dates=dates) for v in row]
        ws.append(values)
        for i, v in enumerate(values):
            shown = 10 if isinstance(v, date) else len(fmt(v))
            widths[i] = max(widths[i], min(60, shown))
    for i, (column, width) in enumerate(zip(columns, widths, strict=True), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width + 2
        shown = number_format(column, table.frame[column])
        if dates and any(isinstance(c.value, date) for (c,) in ws.iter_rows(
                min_row=2, max_row=2, min_col=i, max_col=i)):  # fmt: skip
            shown = "yyyy-mm-dd"
        if shown:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if not isinstance(cell.value, str):
                    cell.number_format = shown
    ws.freeze_panes = "A2"
    return ws


def readme_rows(report: Report) -> list[tuple[str, str]]:
    """The README sheet's header: what the workbook covers and how to read its numbers."""
    m = report.meta
    p = m["period"]
    rows = [
        ("Period", f"{p['from']} to {p['to']} ({p['months']} months)"),
        ("Facilities", "; ".join(m["facilities"]) or "none"),
    ]
    for key, value in meta_rows(report)[6:]:  # after title, schema, period and facilities
        if key in ("gwp", "units", "paper"):
            continue
        rows.append((meta_label(key), str(fmt(meta_value(key, value)))))
    sets = ", ".join(m.get("gwp_sets_used") or [])
    rows.append(("GWP set", f"{m['gwp']}" + (f" (sets on the lines: {sets})" if sets else "")))
    if m.get("units"):
        rows.append(("Unit conventions", _CONVENTIONS.get(m["units"], m["units"])))
    rows.append(("Units", "Each column header names its unit (t CO2e, kWh, kBtu/ft²/yr, kg, %). "
                 "Numbers are stored at full precision and shown rounded: widen the "
                 "number format to see every digit."))  # fmt: skip
    if "methodology_datasets" in report.tables:
        used = report["methodology_datasets"]
        editions = [f"{r.id} (edition {r.edition})" for r in used.itertuples()]
        rows.append(("Factor editions", "; ".join(editions) or "none"))
    if m["gaps"]:
        rows.append(("Missing factors", "; ".join(m["gaps"])))
    rows.append(("Schema", m["schema"]))
    return rows


def write_xlsx(report: Report, path: Path) -> Path:
    """A README sheet (what the workbook covers, units, GWP set, factor editions, and what each
    sheet holds, linked), then one sheet per table under a name people read: headers with
    units, frozen; numbers at full precision with display formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    readme.append([_xlsx_value(report.meta["title"])])
    readme["A1"].font = Font(bold=True, size=14)
    for key, value in readme_rows(report):
        readme.append([key, _xlsx_value(value)])
        readme.cell(readme.max_row, 1).font = Font(bold=True)
    readme.append([])
    readme.append(["Sheet", "What it holds", "Section", "Note", "Table id (JSON, CSV)"])
    for cell in readme[readme.max_row]:
        cell.font = Font(bold=True)
    sections = dict((k, t) for k, t, _ in report.by_section())
    names = sheet_names(report)
    for table in report.tables.values():
        readme.append([names[table.key], _xlsx_value(table.title), sections[table.section],
                       _xlsx_value(table.note), table.key])  # fmt: skip
        link = readme.cell(readme.max_row, 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{names[table.key]}'!A1")
        link.font = Font(color="0563C1", underline="single")
    for column, width in zip("ABCDE", (30, 50, 26, 80, 26), strict=True):
        readme.column_dimensions[column].width = width
    readme.freeze_panes = "A2"
    for table in report.tables.values():
        _sheet(wb, names[table.key], table, dates=table.key == "pm_meter_entries",
               labels=table.key != "pm_meter_entries")  # fmt: skip
    wb.save(path)
    return path


def write_pm_xlsx(report: Report, path: Path) -> Path:
    """Only the Portfolio Manager meter entries, one sheet, ready for upload."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Meter Entries", report.tables["pm_meter_entries"], dates=True, labels=False)
    wb.save(path)
    return path
