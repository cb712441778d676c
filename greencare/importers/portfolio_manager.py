"""ENERGY STAR Portfolio Manager spreadsheets (.xlsx), read with openpyxl in read-only mode.

Three layouts, found by their header row (preamble rows above it are skipped):

- **Meter Entries** export (and the *Add Bills to Meters* upload template's "Add Bills-..." tabs):
  one row per bill with Meter ID / Meter Name, Start Date, End Date, Usage/Quantity, Usage Units,
  Cost ($), Estimation, and optionally Demand (kW) and Demand Cost ($) (a bill's billed demand
  and its charge, into ``demand_kw``/``demand_cost``). The meter key is the Meter Name; when one name is used by several PM
  meters in the workbook (PM's default "Master Meter" is on every property) it is
  ``"<Meter Name> [<Meter ID>]"``; a ``--map`` entry keyed by the PM Meter ID also works. End
  Date is the bill's last day (inclusive), except for a meter whose bills share read dates (an
  End Date equal to the next bill's Start Date): its End Dates are then period ends, so no day
  is counted twice. A delivery row (only a Delivery Date) is that one day, also on the
  template's "Add Bills-Delivery" tab (no Start or End Date column). Each meter's Property Name,
  Portfolio Manager ID (of the property), Meter Type and unit are passed on with the chunks
  (``chunk.attrs["pm_meters"]``: :class:`PMMeter`), for the import to find or create its
  facility and meter (``greencare.services.portfolio_manager``). A row with an empty
  usage is skipped; "Not Available" usage is passed on (and reported as not a number);
  "Not Available" costs and demands are none.
- **Monthly Usage** sheet of a data-request report: one row per property and month ("Jan-16"),
  one column per fuel ("Electricity Use (Grid) - Monthly (kBtu)"). Each non-empty value becomes
  one reading for the whole month, keyed by the fuel name without unit or "- Monthly"
  ("Electricity Use (Grid)"), or ``"<fuel> [<property id>]"`` when the sheet holds several
  properties. "Not Available" there means no data for the month and is skipped.

Units are Portfolio Manager's words ("kBtu (thousand Btu)", "KLbs. (thousand pounds)") mapped to
greencare's. PM's "Mcf"/"MCF (million cubic feet)", "MLbs. (million pounds)" and "MGal
(million gallons)" are millions (PM writes thousands as kcf, kLbs, kGal): those quantities are
multiplied by 1,000 and stored in Mcf, klb or kgal. A unit PM does not define is passed on as
written (the pipeline reports it).
"""

from __future__ import annotations

import calendar
import re
import threading
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greencare.core.text import quote
from greencare.importers import guard
from greencare.importers.base import (
    DEMAND_RAW_COLUMNS,
    RAW_COLUMNS,
    FormatError,
    ImportOptions,
    parse_flags,
    parse_numbers,
    parse_times,
)
from greencare.importers.conventions import DateOrder

# PM unit (the words before any bracket, lower case) -> (greencare unit, multiplier).
PM_UNITS: dict[str, tuple[str, float]] = {
    "kwh": ("kWh", 1), "mwh": ("MWh", 1), "kbtu": ("kBtu", 1), "mbtu": ("MMBtu", 1),
    "mmbtu": ("MMBtu", 1), "mbtu/ mmbtu/ dth": ("MMBtu", 1), "dth": ("Dth", 1),
    "therms": ("therm", 1), "therm": ("therm", 1), "gj": ("GJ", 1),
    "cf": ("cf", 1), "ccf": ("ccf", 1), "kcf": ("Mcf", 1), "mcf": ("Mcf", 1000),
    "cubic meters": ("m**3", 1), "cm": ("m**3", 1), "m3": ("m**3", 1), "kcm": ("m**3", 1000),
    "gallons": ("US_gallon", 1), "gal": ("US_gallon", 1), "cgal": ("US_gallon", 100),
    "kgal": ("kgal", 1), "mgal": ("kgal", 1000), "liters": ("litre", 1), "litres": ("litre", 1),
    "pounds": ("lb", 1), "lbs": ("lb", 1), "lb": ("lb", 1), "klbs": ("klb", 1),
    "mlbs": ("klb", 1000), "ton hours": ("ton_hour", 1), "tons": ("short_ton", 1),
    "tonnes": ("tonne", 1),
}  # fmt: skip
UK_GALLONS = {"gallons": ("imperial_gallon", 1), "gal": ("imperial_gallon", 1),
              "cgal": ("imperial_gallon", 100), "kgal": ("imperial_gallon", 1000),
              "mgal": ("imperial_gallon", 1_000_000)}  # fmt: skip

ENTRY_FIELDS: dict[str, tuple[str, ...]] = {
    "meter_id": ("portfolio manager meter id", "meter id"),
    "meter_name": ("meter name",),
    "start": ("start date",),
    "end": ("end date",),
    "delivery": ("delivery date",),
    "usage": ("usage/quantity", "usage", "quantity", "energy used on-site"),
    "unit": ("usage units", "meter unit", "units"),
    "cost": ("cost ($)", "cost"),
    "estimated": ("estimation?", "estimation"),
    "demand_kw": ("demand (kw)",),  # the template's "(Optional)" is cut by _norm
    "demand_cost": ("demand cost ($)",),
}
PROPERTY_ID = ("portfolio manager property id", "property id", "portfolio manager id")
#: Meter Entries columns that say which property a meter is on and what it measures.
METER_FIELDS: dict[str, tuple[str, ...]] = {
    "property_id": PROPERTY_ID,
    "property_name": ("property name",),
    "meter_type": ("meter type",),
}

_WATER_USES = ("indoor", "outdoor", "all", "mixed indoor/outdoor", "indoor/outdoor")
#: Portfolio Manager's meter types (lower case), as its Meter Entries export and API write them
#: ("Electric - Grid") and as its upload templates' validation lists do ("Electricity - Grid
#: Purchase"), -> greencare's commodity. A type missing here (wood, coal, coke, "Other", IT
#: energy, waste) is refused when a meter would be created from it, never guessed.
PM_METER_TYPES: dict[str, str] = {
    "electric - grid": "electricity", "electricity - grid purchase": "electricity",
    "electric": "electricity", "electric - grid purchase": "electricity",
    "electric - solar": "onsite_solar", "electricity - on-site solar": "onsite_solar",
    "electric on site solar": "onsite_solar",
    "electric - wind": "onsite_wind", "electricity - on-site wind": "onsite_wind",
    "electric on site wind": "onsite_wind",
    "natural gas": "natural_gas",
    "fuel oil (no. 1)": "fuel_oil_1", "fuel oil no 1": "fuel_oil_1",
    "fuel oil (no. 2)": "fuel_oil_2", "fuel oil no 2": "fuel_oil_2",
    "fuel oil (no. 4)": "fuel_oil_4", "fuel oil no 4": "fuel_oil_4",
    "fuel oil (no. 5 and no. 6)": "fuel_oil_5_6", "fuel oil (no. 5 or no. 6)": "fuel_oil_5_6",
    "fuel oil no 5 or 6": "fuel_oil_5_6",
    "diesel": "diesel", "kerosene": "kerosene", "propane": "propane",
    "liquid propane": "propane",
    "district steam": "district_steam", "district hot water": "district_hot_water",
    "district chilled water - electric-driven chiller": "district_chilled_water",
    "district chilled water - absorption chiller using natural gas": "district_chilled_water",
    "district chilled water - engine-driven chiller using natural gas": "district_chilled_water",
    "district chilled water - other": "district_chilled_water",
    **{f"municipally supplied potable water - {use}": "water" for use in _WATER_USES},
    **{f"municipally supplied reclaimed water - {use}": "reclaimed_water" for use in _WATER_USES},
    **{f"alternative water generated on-site - {use}": "well_water" for use in _WATER_USES},
    **{f"well water - {use}": "well_water" for use in _WATER_USES},
}  # fmt: skip


def pm_commodity(meter_type: str) -> str | None:
    """greencare's commodity for a Portfolio Manager Meter Type, or None (not one we know)."""
    return PM_METER_TYPES.get(re.sub(r"\s+", " ", str(meter_type)).strip().lower())


def known_meter_types() -> str:
    """The Meter Types greencare reads, for a refusal: one spelling of each, grouped."""
    by: dict[str, list[str]] = defaultdict(list)
    for name, commodity in PM_METER_TYPES.items():
        by[commodity].append(name)
    return "; ".join(f"{c}: {', '.join(repr(n) for n in names[:2])}" + (" ..." if len(names) > 2 else "")
                     for c, names in by.items())  # fmt: skip


@dataclass(frozen=True)
class PMMeter:
    """One Portfolio Manager meter as a Meter Entries sheet describes it (first row seen)."""

    key: str  # the meter key its rows carry in the raw chunks
    sheet: str
    line: int
    meter_id: str  # Portfolio Manager meter id ("" when the sheet has none)
    name: str  # Meter Name as written
    local_name: str  # unique within its property: the name, or "<name> [<meter id>]"
    meter_type: str  # as written ("" when the sheet has no Meter Type)
    unit: str  # greencare's unit for its first row's Usage Units ("" when none)
    delivery: bool  # its first row is a delivery (a Delivery Date, no Start Date)
    property_id: str  # Portfolio Manager property id ("" when the sheet has none)
    property_name: str
    #: Every Meter Type its rows give, with the first line of each (one, in a sound file).
    meter_types: tuple[tuple[str, int], ...] = ()

    @property
    def property_key(self) -> str:
        return self.property_id or self.property_name


NOT_AVAILABLE = "not available"
_BRACKET = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)\s*$")


def pm_unit(text: str) -> tuple[str, float]:
    """Greencare unit and multiplier for a Portfolio Manager unit; unknown ones as written."""
    words = re.sub(r"\s+", " ", str(text)).strip()
    key = words.lower().split("(")[0].strip().rstrip(".").strip()
    table = UK_GALLONS if "(uk)" in words.lower() and key in UK_GALLONS else PM_UNITS
    return table.get(key, (words, 1.0))


#: The template's note after a header on its first line ("Estimation (Required)", "Demand (kW)
#: (Optional)"); on the line below in most columns ("Cost\n(Optional)"), cut either way.
_HEADER_NOTE = re.compile(r"\s*\((?:required|optional|pre-filled)\b[^)]*\)\s*$", re.I)


def _norm(cell: Any) -> str:
    text = _HEADER_NOTE.sub("", str(cell or "").split("\n")[0])
    return re.sub(r"\s+", " ", text).strip().lower()


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.strftime("%Y-%m-%d")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _cell(row: tuple, index: int | None) -> Any:
    return row[index] if index is not None and index < len(row) else None


_OPEN_LOCK = threading.Lock()


def _open(path: Path) -> Any:
    """The workbook in read-only mode, after refusing a zip bomb (``guard.check_zip``).

    openpyxl sizes every sheet when it opens a workbook, which parses a whole sheet that has no
    ``<dimension>`` (1M rows: as long as reading them); greencare ignores that size anyway
    (``reset_dimensions``), so the sizing is skipped while the workbook opens.
    """
    import openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    guard.check_zip(path)
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Workbook contains no default style"
        sizing = ReadOnlyWorksheet._get_size
        ReadOnlyWorksheet._get_size = lambda self: None  # type: ignore[method-assign]
        try:
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
        finally:
            ReadOnlyWorksheet._get_size = sizing  # type: ignore[method-assign]


def _formulas_without_values(book: Any, sheet: Any) -> list[tuple[int, int]]:
    """(row, column index) of cells holding a formula with no saved value.

    openpyxl (``data_only``) reads such a cell as empty, and an empty usage is a row skipped:
    the bill would vanish. The sheet's XML tells them apart (``<c><f>..</f></c>`` with no
    ``<v>``, or an empty one that is not a text result); it is only parsed when its bytes hold
    a formula at all.
    """
    import xml.etree.ElementTree as ET

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    part = getattr(sheet, "_worksheet_path", None)
    archive = getattr(book, "_archive", None)
    if part is None or archive is None:
        return []
    with archive.open(part) as handle:
        tail = b""
        for block in iter(lambda: handle.read(1 << 20), b""):
            if re.search(rb"<(?:\w+:)?f[ >/]", tail + block):
                break
            tail = block[-16:]
        else:
            return []
    found: list[tuple[int, int]] = []
    rows = None  # sheetData: each row is dropped once read, so memory stays flat
    with archive.open(part) as handle:
        for event, elem in ET.iterparse(handle, events=("start", "end")):
            tag = elem.tag.rsplit("}", 1)[-1]
            if event == "start":
                rows = elem if tag == "sheetData" else rows
                continue
            if tag == "row" and rows is not None:
                rows.remove(elem)
            if tag != "c":
                continue
            names = {child.tag.rsplit("}", 1)[-1]: child for child in elem}
            value = names.get("v")
            text = elem.get("t") == "str"  # a text result may be "" (=IF(A2="","",...))
            empty = value is None or not ((value.text or "").strip() or text)
            if "f" in names and empty:
                letters, row = coordinate_from_string(elem.get("r", "A1"))
                found.append((int(row), column_index_from_string(letters) - 1))
            elem.clear()
    return found


def _refuse_formulas(path: Path, book: Any, sheet: Any, number: int, header: list[str],
                     used: list[int]) -> None:  # fmt: skip
    from openpyxl.utils.cell import get_column_letter

    cells = [(r, c) for r, c in _formulas_without_values(book, sheet) if r > number and c in used]
    if not cells:
        return
    row, column = min(cells)
    name = header[column] if column < len(header) else ""
    more = f" ({len(cells) - 1} more such cells)" if len(cells) > 1 else ""
    raise FormatError(
        path,
        f"sheet {sheet.title!r}, row {row}, column {get_column_letter(column + 1)} ({name}): a "
        "formula with no saved value, so the bill cannot be read; open the workbook in Excel "
        f"or LibreOffice and save it (that stores the values), then import it again{more}",
    )


def _rows(sheet: Any, first: int = 1) -> Iterator[tuple[int, tuple]]:
    sheet.reset_dimensions()  # PM files often carry a wrong <dimension> (one row)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Data Validation extension is not supported"
        yield from enumerate(sheet.iter_rows(min_row=first, values_only=True), start=first)


def _find_header(sheet: Any) -> tuple[str, int, list[str], dict[str, int]] | None:
    """("entries" | "monthly", header row, header texts, field -> column) or None."""
    for number, row in _rows(sheet):
        if number > 40:
            return None
        names = [_norm(c) for c in row]
        found = {f: names.index(a) for f, al in ENTRY_FIELDS.items() for a in al if a in names}
        dated = {"start", "end"} <= found.keys() or "delivery" in found  # or a Delivery sheet
        if dated and "usage" in found and found.keys() & {"meter_id", "meter_name"}:
            for f, aliases in METER_FIELDS.items():
                present = [a for a in aliases if a in names]
                if present:
                    found[f] = names.index(present[0])
            return "entries", number, [_text(c).split("\n")[0].strip() for c in row], found
        if "month" in names and any(n in names for n in (*PROPERTY_ID, "property name")):
            found = {"month": names.index("month")}
            for alias in PROPERTY_ID:
                if alias in names:
                    found["property"] = names.index(alias)
                    break
            return "monthly", number, [_text(c).split("\n")[0].strip() for c in row], found
    return None


class PortfolioManager:
    name = "portfolio-manager"
    description = "ENERGY STAR Portfolio Manager .xlsx: Meter Entries, Monthly Usage, Add Bills"

    def sniff(self, path: Path, head: bytes) -> bool:
        if not head.startswith(b"PK"):
            return False
        try:
            book = _open(path)
        except FormatError:
            raise  # a zip bomb: refused, not passed on to another format
        except Exception:  # not a workbook openpyxl can read
            return False
        try:
            if {"Meter Entries", "Monthly Usage"} & set(book.sheetnames):
                return True
            return any(_find_header(sheet) for sheet in book.worksheets)
        finally:
            book.close()

    def read(self, path: Path, options: ImportOptions) -> Iterator[pd.DataFrame]:
        book = _open(path)
        try:
            sheets = [(s, h) for s in book.worksheets if (h := _find_header(s))]
            if not sheets:  # e.g. a "Meter Entries" sheet that lost a column
                titles = ", ".join(repr(s.title) for s in book.worksheets)
                raise FormatError(
                    path,
                    "no sheet has Portfolio Manager's bill columns in its first 40 rows: Start "
                    "Date and End Date (or Delivery Date), Usage/Quantity, and Portfolio Manager "
                    f"Meter ID or Meter Name (sheets: {titles})",
                )
            for sheet, (kind, number, header, cols) in sheets:
                used = list(cols.values())
                if kind == "monthly":  # and every fuel column: "Electricity Use ... (kBtu)"
                    used += [i for i, text in enumerate(header) if _BRACKET.match(text)]
                _refuse_formulas(path, book, sheet, number, header, used)
            # Each sheet is read once: the rows with a usage are kept (compactly) for the
            # survey, which needs every row before the first chunk can name its meters.
            budget = [MAX_ROWS]
            stored = {
                id(s): _entry_cells(path, s, n, c, budget)
                for s, (k, n, _h, c) in sheets
                if k == "entries"
            }
            _refuse_shared_names(path, stored.values())
            names, read_dates = _survey(stored.values())
            meters = _pm_meters(stored.values(), names, options)
            order = DateOrder(path, options, default=("mdy", "Portfolio Manager's US dates"))
            for sheet, (kind, number, header, cols) in sheets:
                if kind == "entries":
                    rows = _entry_rows(stored.pop(id(sheet))[0], names, read_dates, options)
                    fields = {f: header[cols[f]] for f in ENTRY_FIELDS if f in cols}
                    for f in ("start", "end"):  # a Delivery sheet: its one date is both
                        fields.setdefault(f, fields.get("delivery", f))
                    fields["meter"] = header[cols.get("meter_name", cols.get("meter_id", 0))]
                    fields["quantity"] = fields.pop("usage")
                else:
                    rows = _monthly_rows(sheet, number, header, cols)
                    fields = {"start": header[cols["month"]], "end": header[cols["month"]]}
                columns = {k: f"{sheet.title}!{v}" for k, v in fields.items()}
                for chunk in _chunks(rows, options, columns, order):
                    if kind == "entries" and meters:  # the meters of the whole workbook
                        chunk.attrs["pm_meters"] = meters
                    yield chunk
        finally:
            book.close()


#: One Meter Entries row with a usage, as text: (line, meter id, meter name, start, end,
#: usage, unit, cost, estimation, demand (kW), demand cost), the first two pairs' texts shared
#: between rows.
_Entry = tuple[int, str, str, str, str, str, str, str, str, str, str]


#: Bills kept for one workbook (as text, until the survey is done): an Excel sheet's row limit.
MAX_ROWS = 1_048_576


#: The first row of each (meter id, meter name) in a sheet: (sheet, line, meter type, unit,
#: delivery, property id, property name).
_First = tuple[str, int, str, str, bool, str, str]


def _entry_cells(
    path: Path, sheet: Any, number: int, cols: dict[str, int], budget: list[int]
) -> tuple[list[_Entry], dict[str, set[str]], dict[tuple[str, str], set[str]],
           dict[tuple[str, str], set[str]], tuple[dict[tuple[str, str], _First], dict[tuple[str, str], dict[str, int]], dict[str, dict[str, tuple[str, int]]]]]:  # fmt: skip
    """One pass over a Meter Entries sheet: its rows with a usage, and the survey's sets
    (meter name -> PM ids, start dates and end dates per (id, name), each meter's first row) over every
    row. ``budget`` is how many rows the workbook may still keep: past it the file is refused,
    not truncated."""
    firsts: dict[tuple[str, str], _First] = {}
    types: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    kind_at = cols.get("meter_type")
    names: dict[str, set[str]] = defaultdict(set)
    # keyed by (meter id, meter name): the id is blank in a template filled without PM ids
    starts: dict[tuple[str, str], set[str]] = defaultdict(set)
    ends: dict[tuple[str, str], set[str]] = defaultdict(set)
    pool: dict[str, str] = {}
    keep: list[_Entry] = []
    # a Meter Name without a Meter ID -> the properties it is on (the first sheet and row of each)
    owners: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
    owner_at = [cols[f] for f in ("property_id", "property_name") if f in cols]
    has = {f: f in cols for f in ("delivery", "unit", "cost", "estimated", "demand_kw",
                                  "demand_cost")}  # fmt: skip
    for line, row in _rows(sheet, number + 1):
        mid, name = _meter_id_name(row, cols)
        mid, name = pool.setdefault(mid, mid), pool.setdefault(name, name)
        start, end = _text(_cell(row, cols.get("start"))), _text(_cell(row, cols.get("end")))
        start, end = pool.setdefault(start, start), pool.setdefault(end, end)
        names[name].add(mid)
        starts[mid, name].add(start)
        ends[mid, name].add(end)
        if (mid, name) not in firsts and (mid or name):
            firsts[mid, name] = _first(sheet.title, line, row, cols, start)
        if kind_at is not None:
            types[mid, name].setdefault(_text(_cell(row, kind_at)), line)
        if not mid and name and owner_at:
            owner = next((t for t in (_text(_cell(row, i)) for i in owner_at) if t), "")
            owners[name].setdefault(owner, (sheet.title, line))
        usage = _cell(row, cols["usage"])
        if usage is None or _text(usage) == "":
            continue
        if has["delivery"] and start.lower() in ("", NOT_AVAILABLE):
            start = end = _text(_cell(row, cols["delivery"]))
        unit = _text(_cell(row, cols["unit"])) if has["unit"] else ""
        cost = _text(_cell(row, cols["cost"])) if has["cost"] else ""
        flag = _text(_cell(row, cols["estimated"])) if has["estimated"] else ""
        kw = _text(_cell(row, cols["demand_kw"])) if has["demand_kw"] else ""
        kw_cost = _text(_cell(row, cols["demand_cost"])) if has["demand_cost"] else ""
        if budget[0] <= 0:
            raise FormatError(
                path,
                f"sheet {sheet.title!r}, row {line}: more than {MAX_ROWS:,} bills in the "
                "workbook (an Excel sheet's limit); split it and import the parts",
            )
        budget[0] -= 1
        keep.append((line, mid, name, start, end, _text(usage), pool.setdefault(unit, unit),
                     cost, pool.setdefault(flag, flag), kw, kw_cost))  # fmt: skip
    return keep, names, starts, ends, (firsts, types, owners)


def _first(title: str, line: int, row: tuple, cols: dict[str, int], start: str) -> _First:
    def text(field: str) -> str:
        return _text(_cell(row, cols[field])) if field in cols else ""

    unit_text = text("unit")
    unit = pm_unit(unit_text)[0] if unit_text and unit_text.lower() != NOT_AVAILABLE else ""
    delivery = (
        "delivery" in cols
        and start.lower() in ("", NOT_AVAILABLE)
        and bool(text("delivery").strip())
    )
    property_id = text("property_id")
    return (title, line, text("meter_type"), unit, delivery,
            "" if property_id.lower() == NOT_AVAILABLE else property_id, text("property_name"))  # fmt: skip


def _pm_meters(
    stored: Iterable[tuple], names: dict[str, set[str]], options: ImportOptions
) -> dict[str, PMMeter]:
    """Every meter of the workbook's Meter Entries sheets, by the key its rows carry."""
    firsts: dict[tuple[str, str], _First] = {}
    types: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for part in stored:
        sheet_firsts, sheet_types = part[4][:2]
        for pair, first in sheet_firsts.items():
            firsts.setdefault(pair, first)
        for pair, found in sheet_types.items():
            for kind, line in found.items():
                types[pair].setdefault(kind, line)
    # a Meter Name used by several PM meters on one property: "<name> [<id>]" there too
    per_property: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (mid, name), first in firsts.items():
        per_property[first[5] or first[6], name].add(mid)
    out: dict[str, PMMeter] = {}
    for (mid, name), (title, line, kind, unit, delivery, pid, pname) in firsts.items():
        key = _key(mid, name, names, options)
        local = name or mid
        if mid and name and len(per_property[pid or pname, name]) > 1:
            local = f"{name} [{mid}]"
        out.setdefault(key, PMMeter(key, title, line, mid, name, local, kind, unit, delivery,
                                    pid, pname, tuple(types[mid, name].items())))  # fmt: skip
    return out


def _key(mid: str, name: str, names: dict[str, set[str]], options: ImportOptions) -> str:
    """The meter key of a row (see the module docstring)."""
    key = name or mid
    if mid and (mid in options.meter_map or len(names.get(name, ())) > 1):
        key = mid if mid in options.meter_map else f"{name} [{mid}]"
    return key


def _refuse_shared_names(path: Path, stored: Iterable[tuple]) -> None:
    """A Meter Name with no Meter ID on two properties (greencare's own workbook before the ids
    are filled in: "Main" at two hospitals) names one meter to the import, so the second
    property's bills went to the first's meter, or were refused as duplicates of them."""
    owners: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
    for part in stored:
        for name, places in part[4][2].items():
            for owner, where in places.items():
                owners[name].setdefault(owner, where)
    for name, places in owners.items():
        if len(places) > 1:
            shown = ", ".join(
                f"{quote(owner or '(blank)')} ({sheet} row {line})"
                for owner, (sheet, line) in list(places.items())[:3]
            )
            raise FormatError(
                path,
                f"meter {quote(name)} has no Meter ID and is on {len(places)} properties: "
                f"{shown}; its bills cannot be told apart: fill in the Meter IDs (Portfolio "
                "Manager's own download of the template has them) or import each property's "
                "rows on their own",
            )


def _survey(
    stored: Iterable[tuple],
) -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Meter names -> PM meter ids, and the (meter id, meter name) pairs whose bills share
    read dates (all sheets). A pair, not the id alone: without PM ids every Meter ID is blank,
    and one meter's End Date equal to another's Start Date made every meter's End Dates read
    as period ends."""
    names: dict[str, set[str]] = defaultdict(set)
    starts: dict[tuple[str, str], set[str]] = defaultdict(set)
    ends: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _rows_kept, sheet_names, sheet_starts, sheet_ends, _firsts in stored:
        for target, part in ((names, sheet_names), (starts, sheet_starts), (ends, sheet_ends)):
            for key, values in part.items():
                target[key] |= values
    shared = {m for m in ends if (ends[m] & starts[m]) - {"", "Not Available"}}
    return names, shared


def _meter_id_name(row: tuple, cols: dict[str, int]) -> tuple[str, str]:
    mid = _text(_cell(row, cols["meter_id"])) if "meter_id" in cols else ""
    name = _text(_cell(row, cols["meter_name"])) if "meter_name" in cols else ""
    return mid, name


def _entry_rows(
    kept: list[_Entry],
    names: dict[str, set[str]],
    read_dates: set[tuple[str, str]],
    options: ImportOptions,
) -> Iterator[tuple]:
    for line, mid, name, start, end, usage, unit_text, cost, flag, kw, kw_cost in kept:
        key = _key(mid, name, names, options)
        unit, scale = pm_unit(unit_text) if unit_text else ("", 1.0)
        cost, kw, kw_cost = ("" if v.lower() == NOT_AVAILABLE else v for v in (cost, kw, kw_cost))
        yield (line, key, start, end, (mid, name) not in read_dates, usage, scale, unit, cost, flag, kw,
               kw_cost)  # fmt: skip


def _monthly_rows(sheet: Any, number: int, header: list[str], cols: dict) -> Iterator[tuple]:
    fuels: list[tuple[int, str, str, float]] = []
    for i, text in enumerate(header):
        match = _BRACKET.match(text)
        if match and i not in cols.values():
            fuel = re.sub(r"\s*-\s*Monthly$", "", match.group("name"), flags=re.I)
            fuels.append((i, re.sub(r"\s+", " ", fuel).strip(), *pm_unit(match.group("unit"))))
    prop = cols.get("property")
    kept = list(_rows(sheet, number + 1))  # read once: the property count is needed first
    properties = {_text(_cell(r, prop)) for _n, r in kept if prop is not None}
    properties.discard("")
    for line, row in kept:
        month = _cell(row, cols["month"])
        first, last, month_raw = _month(month)
        for i, fuel, unit, scale in fuels:
            value = _text(_cell(row, i))
            if value == "" or value.lower() == NOT_AVAILABLE:
                continue
            key = fuel if len(properties) <= 1 else f"{fuel} [{_text(_cell(row, prop))}]"
            yield (line, key, first or month_raw, last or month_raw, True, value, scale, unit,
                   "", "", "", "")  # fmt: skip


def _month(cell: Any) -> tuple[str, str, str]:
    """("YYYY-MM-01", "YYYY-MM-<last>", text) for "Jan-16" or a date cell; ("", "", text)."""
    raw = _text(cell)
    when: date | None = cell if isinstance(cell, datetime | date) else None
    if when is None:
        for pattern in ("%b-%y", "%b-%Y", "%B %Y", "%Y-%m"):
            try:
                when = datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
    if when is None:
        return "", "", raw
    last = calendar.monthrange(when.year, when.month)[1]
    return f"{when:%Y-%m}-01", f"{when:%Y-%m}-{last:02d}", raw


def _chunks(
    rows: Iterable[tuple], options: ImportOptions, columns: dict, order: DateOrder | None = None
) -> Iterator[pd.DataFrame]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= options.chunk_rows:
            yield _frame(batch, options, columns, order)
            batch = []
    if batch:
        yield _frame(batch, options, columns, order)


def _frame(
    batch: list[tuple], options: ImportOptions, columns: dict, order: DateOrder | None = None
) -> pd.DataFrame:
    line, meter, start_raw, end_raw, inclusive, usage, scale, unit, cost, flag, kw, kw_cost = (
        pd.Series(list(v), dtype=object) for v in zip(*batch, strict=True)
    )
    if order is not None:  # one day/month order for the whole workbook
        lines = line.to_numpy(dtype=np.int64)
        order.begin(lines)
        order.settle(lines, [(columns.get("start", "start"), start_raw),
                             (columns.get("end", "end"), end_raw)])  # fmt: skip
    start, _ = parse_times(start_raw, options, order, columns.get("start", "start"))
    end, date_only = parse_times(end_raw, options, order, columns.get("end", "end"))
    thousands = options.thousands or ","
    quantity = parse_numbers(usage, decimal=options.decimal, thousands=thousands)
    frame = pd.DataFrame(
        {
            "line": line.to_numpy(dtype=np.int64),
            "meter": meter.to_numpy(),
            "start": start.reset_index(drop=True),
            "end": end.reset_index(drop=True),
            "end_is_date": date_only & inclusive.to_numpy(dtype=bool),
            "start_raw": start_raw.to_numpy(),
            "end_raw": end_raw.to_numpy(),
            "quantity": quantity * scale.to_numpy(dtype=np.float64),
            "quantity_raw": usage.to_numpy(),
            "unit": unit.to_numpy(),
            "cost": parse_numbers(cost, decimal=options.decimal, thousands=thousands),
            "cost_raw": cost.to_numpy(),
            "currency": "",
            "estimated": parse_flags(flag),
            "demand_kw": parse_numbers(kw, decimal=options.decimal, thousands=thousands),
            "demand_kw_raw": kw.to_numpy(),
            "demand_cost": parse_numbers(kw_cost, decimal=options.decimal, thousands=thousands),
            "demand_cost_raw": kw_cost.to_numpy(),
        }
    )[RAW_COLUMNS + DEMAND_RAW_COLUMNS]
    frame.attrs["columns"] = columns
    if order is not None:
        frame.attrs["date_order"] = order.describe()
    return frame
