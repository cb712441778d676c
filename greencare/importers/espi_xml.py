"""Green Button XML: the NAESB ESPI Atom feed utilities publish ("Download My Data").

A feed holds ``entry`` elements whose ``content`` is a UsagePoint (one meter: ServiceCategory
kind 0 electricity, 1 gas, 2 water, 4 heat), a MeterReading (links a UsagePoint to its
ReadingType and IntervalBlocks), a ReadingType (``uom``, ``powerOfTenMultiplier``, ``currency``)
or an IntervalBlock of IntervalReadings (``timePeriod`` start in UTC epoch seconds and duration,
``value``, optional ``cost`` and ``ReadingQuality``). Elements are matched by local name, so any
namespace prefix (``espi:``, ``ns0:``, none) works.

The file is read twice with ``iterparse`` and elements are cleared as they are consumed, so
memory does not grow with the file: the first pass records the small entries (UsagePoints,
MeterReadings, ReadingTypes) and the links of each IntervalBlock; the second streams the readings.
Each IntervalBlock is tied to its ReadingType and UsagePoint through the entries' ``self``,
``up`` and ``related`` links (a ReadingType after the blocks is fine), falling back to the only
one in the file, then to the nearest one before it.

What each reading becomes:

- ``quantity`` = ``value`` x 10^powerOfTenMultiplier, in the ReadingType's unit: ``uom`` 72 Wh,
  169 therm, 119 cf (ft3), 42 m**3, 31 J, 132 Btu; any other code is a FormatError naming it.
  A powerOfTenMultiplier outside the standard's values (-12 ... 12) is a FormatError with its
  line; a value too large once scaled is that reading's error (the pipeline's "too large").
- ``start``/``end``: UTC instants, start + duration; one outside 1900-2200 (year 9999) is a
  FormatError naming the reading.
- ``cost`` = ``cost`` / 100,000 (ESPI costs are in hundred-thousandths of the currency), the
  currency from the ReadingType's ISO 4217 numeric code (840 USD, 124 CAD, 978 EUR, ...).
- ``estimated`` when a ReadingQuality is 8 or 9 (estimated using a reference day / by linear
  interpolation) or 12 (projected, a forecast); 11 ("derived") is a computed value, not an
  estimate, and stays False, as do 0, 14 (raw), 17 (validated), 19 (revenue quality).
- ``meter``: the UsagePoint entry's title, else its id, else its self link ("" if none);
  ``line``: the 1-based index of the IntervalReading in the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from greencare.core.text import quote
from greencare.importers.base import RAW_COLUMNS, FormatError, ImportOptions

UOM = {72: "Wh", 169: "therm", 119: "cf", 42: "m**3", 31: "J", 132: "Btu"}
UOM_NAMES = {73: "VArh (reactive energy)", 38: "W (power)", 63: "VAr", 61: "VA", 29: "V", 5: "A"}
VOLUME_UOM = {119, 42}
OTHER_KINDS = {3: "time", 5: "refuse", 7: "rates", 8: "tvLicence", 9: "internet"}
CURRENCIES = {840: "USD", 124: "CAD", 978: "EUR", 826: "GBP", 36: "AUD", 554: "NZD", 484: "MXN"}
ESTIMATED_QUALITY = {8, 9, 12}
#: powerOfTenMultiplier is an ESPI UnitMultiplierKind: NAESB REQ.21 (ESPI) espi.xsd enumerates
#: these values (pico to tera; also in the Green Button Alliance's reference server,
#: ``UnitMultiplierKind.java``). Any other value is refused: 400 overflows, -400 makes zeros.
POWERS_OF_TEN = (-12, -9, -6, -3, -2, -1, 0, 1, 2, 3, 6, 9, 12)
#: Instants greencare stores (UTC epoch seconds, 1900-01-01 to 2200-01-01); ESPI's TimeType is
#: any Int64, so a year-9999 start is well-formed XML but not a meter reading.
EARLIEST, LATEST = -2_208_988_800, 7_258_118_400
COLUMNS = {
    "meter": "UsagePoint",
    "start": "IntervalReading/timePeriod/start",
    "end": "IntervalReading/timePeriod/duration",
    "quantity": "IntervalReading/value",
    "unit": "ReadingType/uom",
    "cost": "IntervalReading/cost",
    "estimated": "ReadingQuality",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _child_text(elem: ET.Element, name: str) -> str | None:
    for child in elem:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


@dataclass
class _Entry:
    pos: int
    kind: str = ""  # UsagePoint | MeterReading | ReadingType | IntervalBlock | ""
    self_href: str = ""
    up: str = ""
    related: list[str] = field(default_factory=list)
    title: str = ""
    ident: str = ""
    service: int | None = None
    reading_type: tuple[int | None, int, int | None, int | None] | None = None
    blocks: list[int] = field(default_factory=list)


@dataclass
class _Context:
    meter: str
    unit: str
    scale: float
    currency: str | None  # None: the cost cannot be used
    interval: int | None


class EspiXml:
    name = "espi-xml"
    description = "Green Button XML (NAESB ESPI Atom feed): UsagePoint, ReadingType, IntervalBlock"

    def sniff(self, path: Path, head: bytes) -> bool:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"<"):
            return False
        return b"naesb.org/espi" in head or (b"IntervalBlock" in head and b"<feed" in head)

    def read(self, path: Path, options: ImportOptions) -> Iterator[pd.DataFrame]:
        entries, n_blocks = self._first_pass(path)
        contexts = _resolve(path, entries, n_blocks, options)
        yield from self._readings(path, contexts, options)

    def _first_pass(self, path: Path) -> tuple[list[_Entry], int]:
        entries: list[_Entry] = []
        current: _Entry | None = None
        loose = _Entry(pos=-1)  # content outside any entry
        stack: list[str] = []
        n_blocks = 0
        root = None
        types: list[_Entry] = []
        try:
            for event, elem in ET.iterparse(path, events=("start", "end")):
                name = _local(elem.tag)
                if event == "start":
                    if root is None:
                        root = elem
                    stack.append(name)
                    if name == "entry":
                        current = _Entry(pos=len(entries))
                    elif name == "IntervalBlock":
                        target = current or loose
                        target.kind = "IntervalBlock"
                        target.blocks.append(n_blocks)
                        n_blocks += 1
                    continue
                stack.pop()
                target = current or loose
                parent = stack[-1] if stack else ""
                if name == "link" and parent == "entry":
                    rel, href = elem.get("rel", ""), (elem.get("href") or "").strip()
                    if rel == "self":
                        target.self_href = href
                    elif rel == "up":
                        target.up = href
                    elif rel == "related":
                        target.related.append(href)
                elif name == "title" and parent == "entry":
                    target.title = (elem.text or "").strip()
                elif name == "id" and parent == "entry" and not target.ident:
                    target.ident = (elem.text or "").strip()
                elif name == "kind" and parent == "ServiceCategory":
                    target.service = _int(elem.text)
                elif name in ("UsagePoint", "MeterReading") and not target.blocks:
                    target.kind = name
                elif name == "ReadingType":
                    target.kind = name
                    types.append(target)
                    target.reading_type = (
                        _int(_child_text(elem, "uom")),
                        _power(path, _child_text(elem, "powerOfTenMultiplier"), len(types) - 1),
                        _int(_child_text(elem, "currency")),
                        _int(_child_text(elem, "intervalLength")),
                    )
                elif name == "IntervalReading":
                    elem.clear()
                elif name == "entry":
                    entries.append(target)
                    current = None
                    if root is not None and root is not elem:
                        root.clear()
        except ET.ParseError as exc:
            raise FormatError(path, f"not well-formed XML: {exc}") from exc
        if loose.kind:
            loose.pos = len(entries)
            entries.append(loose)
        if n_blocks == 0:
            raise FormatError(path, "no IntervalBlock in this Green Button file (no readings)")
        return entries, n_blocks

    def _readings(
        self, path: Path, contexts: dict[int, _Context], options: ImportOptions
    ) -> Iterator[pd.DataFrame]:
        rows: list[tuple] = []
        block = -1
        line = 0
        root = None
        for event, elem in ET.iterparse(path, events=("start", "end")):
            name = _local(elem.tag)
            if event == "start":
                if root is None:
                    root = elem
                if name == "IntervalBlock":
                    block += 1
                continue
            if name == "IntervalReading":
                line += 1
                try:
                    rows.append((line, *_reading(elem, contexts[block])))
                except _OutOfRange as exc:
                    raise FormatError(path, str(exc), line=line) from None
                elem.clear()
                if len(rows) >= options.chunk_rows:
                    yield _frame(rows)
                    rows = []
            elif name == "entry" and root is not None and root is not elem:
                root.clear()
        if rows:
            yield _frame(rows)


def _int(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _float(text: str) -> float:
    try:
        return float(text) if text else np.nan
    except ValueError:
        return np.nan


class _OutOfRange(ValueError):
    """A reading's number that no meter reading can have (the whole file is refused)."""


def _power(path: Path, text: str | None, index: int) -> int:
    """A ReadingType's powerOfTenMultiplier (absent: 0), refused outside the standard's values."""
    if text is None or text == "":
        return 0
    power = _int(text)
    if power not in POWERS_OF_TEN:
        line = _line_of(path, index)
        raise FormatError(
            path,
            f"ReadingType powerOfTenMultiplier {text[:40]!r} is not one of the ESPI values "
            f"({', '.join(map(str, POWERS_OF_TEN))})",
            line=line,
        )
    return power


def _line_of(path: Path, index: int) -> int | None:
    """The file line of the ``index``-th ReadingType's powerOfTenMultiplier (for a message)."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    seen = [-1]
    found: list[int] = []

    def start(tag: str, _attrs: object) -> None:
        name = _local(tag)
        if name == "ReadingType":
            seen[0] += 1
        elif name == "powerOfTenMultiplier" and seen[0] == index:
            found.append(parser.CurrentLineNumber)
            raise StopIteration

    parser.StartElementHandler = start
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except StopIteration:
        pass
    except xml.parsers.expat.ExpatError:
        return None
    return found[0] if found else None


def _instant(text: str, column: str) -> int | None:
    """Epoch seconds, or None when absent or not an integer; _OutOfRange past 1900-2200."""
    value = _int(text)
    if value is not None and not EARLIEST <= value <= LATEST:
        raise _OutOfRange(f"{column} {text[:40]!r} is {_year(value)}, outside the years "
                          "greencare stores (1900 to 2200); not imported")  # fmt: skip
    return value


def _year(seconds: int) -> str:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d")
    except (OverflowError, OSError, ValueError):
        return "far out of range"


def _reading(elem: ET.Element, ctx: _Context) -> tuple:
    start_raw = duration_raw = value_raw = cost_raw = ""
    estimated = False
    for child in elem:
        name = _local(child.tag)
        if name == "timePeriod":
            start_raw = _child_text(child, "start") or ""
            duration_raw = _child_text(child, "duration") or ""
        elif name == "value":
            value_raw = (child.text or "").strip()
        elif name == "cost":
            cost_raw = (child.text or "").strip()
        elif name == "ReadingQuality":
            estimated |= _int(_child_text(child, "quality")) in ESTIMATED_QUALITY
    start = _instant(start_raw, COLUMNS["start"])
    duration = _int(duration_raw)
    if duration is None:
        duration = ctx.interval
    end = start + duration if start is not None and duration is not None else None
    if end is not None:
        _instant(str(end), "IntervalReading start + duration")
    with np.errstate(over="ignore"):  # a value that overflows once scaled is inf: refused
        quantity = float(np.float64(_float(value_raw)) * ctx.scale)
    whole = _int(cost_raw)
    try:
        cost = float(whole) / 100_000 if whole is not None else np.nan
    except OverflowError:  # more digits than a float holds: refused as too large
        cost = np.inf
    if ctx.currency is None:
        cost, cost_raw = np.nan, ""
    return (ctx.meter, start, end, start_raw, "" if end is None else str(end), quantity,
            value_raw, ctx.unit, cost, cost_raw, ctx.currency or "", estimated)  # fmt: skip


_FIELDS = ["line", "meter", "start", "end", "start_raw", "end_raw", "quantity", "quantity_raw",
           "unit", "cost", "cost_raw", "currency", "estimated"]  # fmt: skip


def _frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=_FIELDS)
    for name in ("start", "end"):
        seconds = frame[name].astype("Int64")
        frame[name] = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    frame["line"] = frame["line"].astype(np.int64)
    frame["end_is_date"] = False
    frame["quantity"] = frame["quantity"].astype(np.float64)
    frame["cost"] = frame["cost"].astype(np.float64)
    frame["estimated"] = frame["estimated"].astype(bool)
    frame = frame[RAW_COLUMNS]
    frame.attrs["columns"] = dict(COLUMNS)
    return frame


def _resolve(
    path: Path, entries: list[_Entry], n_blocks: int, options: ImportOptions
) -> dict[int, _Context]:
    """For every IntervalBlock (by index in the file): its meter key, unit and scale."""
    points = [e for e in entries if e.kind == "UsagePoint"]
    readings = [e for e in entries if e.kind == "MeterReading"]
    types = [e for e in entries if e.kind == "ReadingType"]
    contexts: dict[int, _Context] = {}
    for entry in (e for e in entries if e.kind == "IntervalBlock"):
        reading = _linked(entry, readings, lambda r, b: _links_to(r, b) or _under(b, r))
        source = reading or entry
        rtype = None
        if reading is not None:
            rtype = next((t for t in types if t.self_href and t.self_href in reading.related), None)
        rtype = rtype or _fallback(entry, types)
        point = _linked(source, points, lambda p, m: _links_to(p, m) or _under(m, p))
        point = point or _fallback(entry, points)
        for block in entry.blocks:
            contexts[block] = _context(path, block, point, rtype, options)
    missing = set(range(n_blocks)) - contexts.keys()
    if missing:  # blocks whose entry could not be told apart; use file-level defaults
        for block in missing:
            contexts[block] = _context(path, block, _only(points), _only(types), options)
    return contexts


def _links_to(owner: _Entry, target: _Entry) -> bool:
    return bool(target.self_href) and (
        target.self_href in owner.related or (bool(target.up) and target.up in owner.related)
    )


def _under(child: _Entry, parent: _Entry) -> bool:
    return bool(parent.self_href) and child.self_href.startswith(parent.self_href + "/")


def _linked(entry: _Entry, candidates: list[_Entry], test) -> _Entry | None:
    return next((c for c in candidates if test(c, entry)), None)


def _only(candidates: list[_Entry]) -> _Entry | None:
    return candidates[0] if len(candidates) == 1 else None


def _fallback(entry: _Entry, candidates: list[_Entry]) -> _Entry | None:
    """The only candidate in the file, else the nearest one before the entry."""
    if len(candidates) == 1:
        return candidates[0]
    before = [c for c in candidates if c.pos < entry.pos]
    return before[-1] if before else None


def _context(
    path: Path, block: int, point: _Entry | None, rtype: _Entry | None, options: ImportOptions
) -> _Context:
    meter = ""
    service = None
    if point is not None:
        meter = point.title or point.ident or point.self_href
        service = point.service
    if service in OTHER_KINDS:
        raise FormatError(
            path,
            f"UsagePoint {quote(meter)}: ServiceCategory kind {service} ({OTHER_KINDS[service]}) is "
            "not energy or water metering",
        )
    if rtype is None or rtype.reading_type is None:
        if options.unit:
            return _Context(meter, "", 1.0, "", None)
        raise FormatError(
            path,
            f"IntervalBlock {block + 1} has no ReadingType in this file, so its unit is unknown "
            "(import the complete Green Button download, or give --unit)",
        )
    uom, power, currency, interval = rtype.reading_type
    if uom not in UOM:
        what = f" {UOM_NAMES[uom]}" if uom in UOM_NAMES else ""
        raise FormatError(
            path,
            f"ReadingType uom code {uom}{what} is not a unit greencare imports "
            "(72 Wh, 169 therm, 119 ft3, 42 m3, 31 J, 132 Btu)",
        )
    if service == 0 and uom in VOLUME_UOM:
        raise FormatError(
            path,
            f"UsagePoint {quote(meter)} is electricity but its ReadingType uom {uom} is a volume",
        )
    if service in (2, 6) and uom not in VOLUME_UOM:
        raise FormatError(
            path,
            f"UsagePoint {quote(meter)} is water but its ReadingType uom {uom} is not a volume",
        )
    code = None if currency is None else CURRENCIES.get(currency)
    return _Context(meter, UOM[uom], 10.0**power, "" if currency is None else code, interval)
