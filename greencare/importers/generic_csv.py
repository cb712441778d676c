"""Generic CSV of readings: the format scripts and spreadsheets produce.

Columns are found by header name (case and spacing ignored) or mapped with
``--column field=Header``. Recognised fields and the headers that mean them:

- meter: meter, meter_id, meter name, account, point
- start: start, start_date, start time, from, period start, interval start, begin
- end: end, end_date, end time, to, period end, interval end, read date
- timestamp: timestamp, time, datetime, date (with ``interval_minutes``: one reading per interval)
- quantity: quantity, usage, consumption, reading, value, amount used; a unit in the header
  (``Usage (kWh)``) is used when there is no unit column, and a header that is a unit alone
  (``kWh``, ``therms``, ``m3``: ``BARE_UNITS``) is the quantity in that unit
- unit: unit, units, uom
- cost: cost, charge, amount, total cost, bill amount; currency: currency
- demand_kw: demand (kW), billed demand (kW), peak demand (kW); demand_cost: demand cost ($),
  demand charge (both optional: a bill's billed demand and its charge)
- estimated: estimated, estimate, est, read type

A file with a start column and no end (``Interval Start``), or an end and no start
(``Interval End``), has one time per reading: its length comes from ``interval_minutes``, and
which end of the interval the time is comes from the header. A bare ``Timestamp`` is the start
unless ``timestamp_is_end``. A header that leaves a field to more than one column, or a time
column that could be the start or the end, is refused naming the columns and the option
(``--column FIELD=HEADER``) that picks one: never "first wins".

Read in chunks with pandas' C parser as text (so nothing is silently coerced), then parsed per
column: numbers with the declared decimal and thousands separators, times as ISO 8601 with or
without offsets or as US dates (7/2/2026, two-digit years).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greencare.core.columns import factorize
from greencare.core.text import quote
from greencare.importers.base import (
    DEMAND_RAW_COLUMNS,
    RAW_COLUMNS,
    FormatError,
    ImportOptions,
    parse_flags,
    parse_numbers,
    parse_times,
)
from greencare.importers.conventions import DateOrder, NumberFormat
from greencare.importers.encodings import decode_head, describe_encoding, text_encoding

FIELDS: dict[str, tuple[str, ...]] = {
    "meter": ("meter", "meter_id", "meter name", "meter_name", "account", "point", "meter id"),
    "start": ("start", "start_date", "start date", "start time", "start_time", "from",
              "period start", "begin", "start_timestamp", "service start", "interval start",
              "interval_start", "interval start time", "interval begin"),
    "end": ("end", "end_date", "end date", "end time", "end_time", "to", "period end",
            "read date", "end_timestamp", "service end", "interval end", "interval_end",
            "interval end time"),
    "timestamp": ("timestamp", "time", "datetime", "date", "date/time"),
    "quantity": ("quantity", "usage", "consumption", "reading", "value", "amount used", "use"),
    "unit": ("unit", "units", "uom", "usage units", "unit of measure"),
    "cost": ("cost", "charge", "charges", "amount", "total cost", "bill amount", "cost ($)"),
    "currency": ("currency",),
    "demand_kw": ("demand (kw)", "billed demand (kw)", "peak demand (kw)", "demand kw",
                  "kw demand", "billed demand kw"),
    "demand_cost": ("demand cost ($)", "demand cost", "demand charge", "demand charges",
                    "demand charge ($)"),
    "estimated": ("estimated", "estimate", "est", "read type", "estimation"),
}  # fmt: skip

#: The optional bill fields of demand (read when the header has them).
_DEMAND = ("demand_kw", "demand_cost")

#: Headers that are a unit alone and so name the quantity column and its unit (lower case ->
#: the unit as greencare spells it).
BARE_UNITS: dict[str, str] = {
    "kwh": "kWh", "mwh": "MWh", "wh": "Wh", "therm": "therm", "therms": "therm", "dth": "Dth",
    "mmbtu": "MMBtu", "kbtu": "kBtu", "gj": "GJ", "m3": "m3", "m³": "m3", "ccf": "ccf",
    "mcf": "Mcf", "gal": "gal", "gallons": "gal", "kgal": "kgal",
}  # fmt: skip

#: The words of a refusal that name a command-line option; front ends without the option
#: (the TUI) put their own words for the same choice in its place.
INTERVAL_HINT = "give --interval, e.g. --interval 15min"
TIMESTAMP_END_HINT = "--timestamp-is-end"


def column_hint(field_name: str, header: str = "HEADER") -> str:
    """The option that says which column holds a field."""
    return f"--column {field_name}={header}"


@dataclass
class HeaderLayout:
    """What the header says: the file's columns and the one each field is read from."""

    header: list[str]
    mapping: dict[str, int]  # field -> column index
    unit: str = ""  # the quantity's unit from its header ("" when the header gives none)
    timestamp_is_end: bool = False  # a single time per reading that ends its interval
    needs_interval: bool = False  # one time per reading: its length must be given

    @property
    def columns(self) -> dict[str, str]:
        """field -> the file's own header."""
        return {k: self.header[v].strip().replace("\ufeff", "") for k, v in self.mapping.items()}


_UNIT_IN_HEADER = re.compile(r"^(?P<name>.*?)\s*[\(\[](?P<unit>[^)\]]+)[\)\]]\s*$")


def _norm(header: str) -> str:
    return re.sub(r"\s+", " ", header.strip().lower().replace("\ufeff", ""))


class GenericCsv:
    name = "csv"
    description = "CSV of readings: meter, start/end or timestamp, quantity, unit, cost"

    def sniff(self, path: Path, head: bytes) -> bool:
        text = decode_head(head).decode("utf-8-sig", errors="replace").lower()
        first = text.splitlines()[0] if text else ""
        words = re.split(r"[^a-z0-9³]+", first)
        return any(word in first for word in ("quantity", "usage", "reading", "value", "kwh",
                                              "consumption")) or any(
            w in BARE_UNITS for w in words
        )  # fmt: skip

    def read(self, path: Path, options: ImportOptions) -> Iterator[pd.DataFrame]:
        encoding = text_encoding(path, options)
        delimiter = options.delimiter or _sniff_delimiter(path, encoding)
        layout = self.layout(path, options, delimiter=delimiter, encoding=encoding)
        header, mapping, header_unit = layout.header, layout.mapping, layout.unit
        if layout.timestamp_is_end != options.timestamp_is_end:
            options = replace(options, timestamp_is_end=layout.timestamp_is_end)
        _check_width(path, delimiter, len(header), encoding)
        line_map = _physical_lines(path, delimiter, encoding)
        names = {k: header[v] for k, v in mapping.items()}
        if "timestamp" in mapping:  # messages name the file's own header
            names.setdefault(
                "end" if options.timestamp_is_end else "start", header[mapping["timestamp"]]
            )

        def rescan(fields: tuple[str, ...]) -> Any:
            wanted = [f for f in fields if f in mapping]
            return lambda: _rescan(path, delimiter, encoding, len(header), mapping, wanted,
                                   names, line_map, options)  # fmt: skip

        dates = DateOrder(path, options, lookahead=rescan(("start", "end", "timestamp")))
        numbers = NumberFormat(path, options, lookahead=rescan(("quantity", "cost")))
        reading = _Reading(dates, numbers, names, line_map)
        try:
            for chunk in self._chunks(path, delimiter, len(header), mapping, options, reading,
                                      encoding):  # fmt: skip
                raw = self._chunk(chunk, mapping, header_unit, reading, options)
                raw.attrs["columns"] = dict(names)
                if "bytes" in chunk.attrs:
                    raw.attrs["bytes"] = chunk.attrs["bytes"]
                raw.attrs["date_order"] = dates.describe()
                raw.attrs["numbers"] = numbers.describe()
                raw.attrs["encoding"] = describe_encoding(encoding)
                reading.offset += len(chunk)
                yield raw
        except pd.errors.ParserError as exc:
            message, line = _parser_message(str(exc))
            if line is not None:  # pandas counts rows, not file lines: find the row's own line
                _check_width(path, delimiter, len(header), encoding, limit=None)
            if "EOF inside string" in message:
                raise unclosed_quote(path, encoding) from exc
            raise FormatError(path, message, line=line) from exc
        except UnicodeDecodeError as exc:
            raise FormatError(path, "not UTF-8 text (is it a binary or spreadsheet file?)") from exc

    def _chunks(
        self,
        path: Path,
        delimiter: str,
        width: int,
        mapping: dict[str, int],
        options: ImportOptions,
        reading: _Reading,
        encoding: str,
    ) -> Iterator[pd.DataFrame]:
        """The file's rows in chunks, every field as the text written, except the quantity and
        the cost.

        Quantities and costs are read as numbers by pandas' C parser first (several times
        cheaper than text converted afterwards, and no number-format scan of their text). A
        chunk keeps them only if every quantity is a plain finite number of at least zero and
        every cost a plain finite number, so no value in it can be an error whose text a message
        would need, and only if the numbers settle the file as decimal-point. Otherwise (a
        blank, "NaN", a negative quantity, "1,5" without --decimal) the file is read again from
        the start with that column as text (the cost first, then the quantity), skipping the
        chunks already handed over: the same chunk size gives the same chunks, and the pipeline
        then reports each bad value as written.
        """
        plain = (
            options.decimal in (None, ".")
            and not options.thousands
            and not options.cumulative  # register reads may be negative after a reset
        )
        # Typed columns, the one dropped first on a failure last.
        typed = [f for f in ("quantity", "cost") if plain and f in mapping]
        handed = 0  # chunks already yielded
        while True:
            as_float = {mapping[f] for f in typed}
            reader = pd.read_csv(
                path,
                sep=delimiter,
                # Text as written (object, not pandas' str dtype, which checks every value).
                dtype={i: (np.float64 if i in as_float else object) for i in range(width)},
                keep_default_na=False,
                na_filter=False,
                chunksize=options.chunk_rows,
                encoding=encoding,
                skipinitialspace=True,
                on_bad_lines="error",
                index_col=False,  # never turn a first column into an index on extra fields
                engine="c",
            )
            handle = getattr(reader, "handles", None)
            try:
                for number, chunk in enumerate(_quiet(reader)):
                    if number < handed:
                        continue
                    numbers = {f: chunk.iloc[:, mapping[f]].to_numpy() for f in typed}
                    for f, values in numbers.items():
                        if not np.isfinite(values).all():
                            raise _NotPlain(f)
                        if f == "quantity" and not (values >= 0).all():
                            raise _NotPlain(f)
                    lines = reading.lines(reading.offset, len(chunk))
                    if typed and not any(
                        reading.numbers.settle_floats(lines, reading.names[f], values)
                        for f, values in numbers.items()
                    ):  # only the text can tell 1.250 from 1250 written 1.250
                        raise _NotPlain(None)
                    if handle is not None:
                        chunk.attrs["bytes"] = _position(handle)
                    handed += 1
                    yield chunk
                return
            except (_NotPlain, ValueError) as exc:
                if not typed or isinstance(exc, pd.errors.ParserError | UnicodeDecodeError):
                    raise
                # read again, that column as text (pandas does not say which failed: the
                # last); every one when none of them settled the number format
                if isinstance(exc, _NotPlain) and exc.field is None:
                    typed.clear()
                else:
                    typed.remove(exc.field if isinstance(exc, _NotPlain) else typed[-1])
            finally:
                reader.close()

    def layout(
        self,
        path: Path,
        options: ImportOptions,
        *,
        delimiter: str | None = None,
        encoding: str | None = None,
        require_interval: bool = True,
    ) -> HeaderLayout:
        """Which column holds each field, from the header and ``options.columns``; refuses a
        header that leaves a field to two columns or a time to two readings. Without
        ``require_interval`` a file that needs an interval length and was given none is
        described (``needs_interval``) instead of refused (a front end then asks for it)."""
        encoding = encoding or text_encoding(path, options)
        delimiter = delimiter or options.delimiter or _sniff_delimiter(path, encoding)
        try:
            with path.open(encoding=encoding, newline="") as handle:
                header = next(csv.reader(handle, delimiter=delimiter), None)
        except UnicodeDecodeError as exc:
            raise FormatError(path, "not UTF-8 text (is it a binary or spreadsheet file?)") from exc
        if not header or not any(h.strip() for h in header):
            raise FormatError(path, "the file is empty: no header row", line=1)
        normalized = [_norm(h) for h in header]
        mapping: dict[str, int] = {}
        units: dict[int, str] = {}  # column -> the unit its header names
        for field_name, wanted in options.columns.items():
            if field_name not in FIELDS:
                raise FormatError(
                    path,
                    f"--column {field_name}={wanted}: no such field (fields: {', '.join(FIELDS)})",
                    line=1,
                )
            if _norm(wanted) not in normalized:
                raise FormatError(path, f"--column {field_name}={wanted}: no such column", line=1)
            mapping[field_name] = normalized.index(_norm(wanted))
            if field_name == "quantity":  # its header may still name the unit
                i = mapping[field_name]
                base, unit = _split_unit(normalized[i], header[i])
                units[i] = unit or BARE_UNITS.get(base, "")
        candidates: dict[str, list[int]] = {}
        taken = set(mapping.values())
        for i, name in enumerate(normalized):
            if i in taken:
                continue  # named with --column for another field
            base, unit = _split_unit(name, header[i])
            for field_name, names in FIELDS.items():
                if field_name in options.columns:
                    continue  # named with --column: other headers for it are not read
                bare = field_name == "quantity" and not unit and base in BARE_UNITS
                if name in names or base in names or bare:
                    candidates.setdefault(field_name, []).append(i)
                    if field_name == "quantity":
                        units[i] = unit or BARE_UNITS.get(base, "")
                    break
        for field_name, found in candidates.items():
            if len(found) > 1:  # two columns for one field: never "first wins"
                raise FormatError(
                    path,
                    f"{_listed(header, found)} {'both' if len(found) == 2 else 'all'} hold the "
                    f"{field_name}; rename {'one' if len(found) == 2 else 'all but one'}, or "
                    f"say which to read with {column_hint(field_name)}",
                    line=1,
                )
            mapping[field_name] = found[0]
        header_unit = units.get(mapping["quantity"], "") if "quantity" in mapping else ""
        if "quantity" not in mapping:
            raise FormatError(
                path,
                f"no quantity column (looked for {', '.join(FIELDS['quantity'])}, or a unit "
                f"such as kWh, therms or m3); name it with {column_hint('quantity')}",
                line=1,
            )
        return self._times(path, header, mapping, header_unit, options, require_interval)

    def _times(
        self,
        path: Path,
        header: list[str],
        mapping: dict[str, int],
        unit: str,
        options: ImportOptions,
        require_interval: bool = True,
    ) -> HeaderLayout:
        """Which times the header gives: a start and an end, or one time per reading (then
        the interval length is needed, and the header or the options say which end it is)."""

        def named(field_name: str) -> str:
            return repr(header[mapping[field_name]].strip())

        has = {f for f in ("start", "end", "timestamp") if f in mapping}
        if {"start", "end"} <= has:
            return HeaderLayout(header, mapping, unit)
        if has == {"start", "timestamp"} or has == {"end", "timestamp"}:
            known = "start" if "start" in has else "end"
            other = "end" if known == "start" else "start"
            stamp = header[mapping["timestamp"]].strip()
            raise FormatError(
                path,
                f"column {named(known)} is the {known} of each reading, and column "
                f"{named('timestamp')} could be its {other} or the same time again; say which "
                f"with {column_hint(other, stamp)} (the {other}) or "
                f"{column_hint(known, stamp)} (one time per reading)",
                line=1,
            )
        if not has:
            raise FormatError(
                path,
                f"no time column (looked for start, end, timestamp, interval start, interval "
                f"end); name one with {column_hint('end')} or {column_hint('timestamp')}",
                line=1,
            )
        (only,) = has
        if options.cumulative:  # register reads: each read's time; usage runs between reads
            return HeaderLayout(header, mapping, unit)
        mapping = dict(mapping)
        mapping["timestamp"] = mapping.pop(only)
        ends = options.timestamp_is_end
        if only != "timestamp":
            ends = only == "end"
            if options.timestamp_is_end and not ends:
                raise FormatError(
                    path,
                    f"column {named('timestamp')} starts each reading, but "
                    f"{TIMESTAMP_END_HINT} says it ends it; leave {TIMESTAMP_END_HINT} out, "
                    f"or name the column with {column_hint('end', header[mapping['timestamp']].strip())}",
                    line=1,
                )
        if not options.interval_minutes and require_interval:
            raise FormatError(
                path,
                f"column {named('timestamp')} gives one time per reading (the "
                f"{'end' if ends else 'start'} of each interval) and no other column says how "
                f"long each reading is: {INTERVAL_HINT}",
                line=1,
            )
        return HeaderLayout(header, mapping, unit, timestamp_is_end=ends, needs_interval=True)

    def _chunk(
        self,
        chunk: pd.DataFrame,
        mapping: dict[str, int],
        header_unit: str,
        reading: _Reading,
        options: ImportOptions,
    ) -> pd.DataFrame:
        n = len(chunk)
        lines = reading.lines(reading.offset, n)
        names = reading.names

        def col(field_name: str) -> pd.Series:
            if field_name not in mapping:
                return pd.Series([""] * n, index=chunk.index, dtype=object)
            return chunk.iloc[:, mapping[field_name]]

        start_raw = col("start") if "start" in mapping else col("timestamp")
        end_raw = col("end") if "end" in mapping else pd.Series([""] * n, index=chunk.index)
        dates = reading.dates
        dates.begin(lines)
        dates.settle(lines, [(names[f], col(f)) for f in ("start", "end", "timestamp")
                             if f in mapping])  # fmt: skip
        start_name = names.get("start", names.get("timestamp", "start"))
        start, _ = parse_times(start_raw, options, dates, start_name)
        if "end" in mapping:
            end, end_is_date = parse_times(end_raw, options, dates, names["end"])
        else:
            end, end_is_date = pd.Series(pd.NaT, index=chunk.index), np.zeros(n, dtype=bool)
        if "end" not in mapping and "start" not in mapping and options.timestamp_is_end:
            start, end = pd.Series(pd.NaT, index=chunk.index), start
            end_raw, start_raw = start_raw, pd.Series([""] * n, index=chunk.index)
        unit = col("unit") if "unit" in mapping else pd.Series([header_unit] * n, index=chunk.index)
        cost_raw = col("cost")
        text_numbers = [(names[f], col(f)) for f in ("quantity", "cost", *_DEMAND)
                        if f in mapping and col(f).dtype.kind != "f"]  # fmt: skip
        reading.numbers.settle(lines, text_numbers)
        decimal, thousands = reading.numbers.separators
        frame = pd.DataFrame(
            {
                "line": lines,
                "meter": _stripped(col("meter")),
                "end_is_date": end_is_date,
                "start_raw": start_raw.to_numpy(),
                "end_raw": end_raw.to_numpy(),
                "quantity": parse_numbers(col("quantity"), decimal=decimal, thousands=thousands),
                "quantity_raw": col("quantity").to_numpy(),
                "unit": _stripped(unit),
                "cost": parse_numbers(cost_raw, decimal=decimal, thousands=thousands),
                "cost_raw": cost_raw.to_numpy(),
                "currency": _stripped(col("currency")),
                "estimated": parse_flags(col("estimated"))
                if "estimated" in mapping
                else np.zeros(n, dtype=bool),
            }
        )  # fmt: skip
        frame["start"] = start.reset_index(drop=True)
        frame["end"] = end.reset_index(drop=True)
        if any(f in mapping for f in _DEMAND):  # billed demand, only when the file has it
            for f in _DEMAND:
                frame[f] = parse_numbers(col(f), decimal=decimal, thousands=thousands)
                frame[f"{f}_raw"] = col(f).to_numpy()
            return frame[RAW_COLUMNS + DEMAND_RAW_COLUMNS]
        return frame[RAW_COLUMNS]


def read_header(path: Path, options: ImportOptions) -> list[str]:
    """The file's header row as written (for a front end's column choices)."""
    encoding = text_encoding(path, options)
    delimiter = options.delimiter or _sniff_delimiter(path, encoding)
    try:
        with path.open(encoding=encoding, newline="") as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None) or []
    except UnicodeDecodeError as exc:
        raise FormatError(path, "not UTF-8 text (is it a binary or spreadsheet file?)") from exc
    return [h.strip().replace("\ufeff", "") for h in header]


def _split_unit(name: str, written: str) -> tuple[str, str]:
    """A normalized header without its unit, and the unit (``Usage (kWh)`` -> usage, kWh)."""
    match = _UNIT_IN_HEADER.match(name)
    if not match:
        return name, ""
    original = _UNIT_IN_HEADER.match(written.strip().replace("\ufeff", ""))
    unit = original.group("unit").strip() if original else match.group("unit")  # case kept
    return match.group("name").strip(), unit


def _listed(header: list[str], columns: list[int]) -> str:
    """'columns 2 'kWh', 3 'Usage' and 4 'Value'' for a message."""
    parts = [f"{i + 1} {header[i].strip()!r}" for i in columns]
    return "columns " + ", ".join(parts[:-1]) + " and " + parts[-1]


class _Reading:
    """What carries from chunk to chunk of one file: the date order and number format decided
    so far, the file's header names, and the physical line of each row."""

    def __init__(
        self,
        dates: DateOrder,
        numbers: NumberFormat,
        names: dict[str, str],
        line_map: np.ndarray | None,
    ) -> None:
        self.dates, self.numbers, self.names, self.line_map = dates, numbers, names, line_map
        self.offset = 0  # rows handed over so far

    def lines(self, offset: int, n: int) -> np.ndarray:
        if self.line_map is not None and offset + n <= len(self.line_map):
            return self.line_map[offset : offset + n]
        return np.arange(offset + 2, offset + 2 + n, dtype=np.int64)


_BLANK_LINE = re.compile(rb"\n[ \t]*\r?\n")


def _physical_lines(path: Path, delimiter: str, encoding: str) -> np.ndarray | None:
    """The file line each data row starts on, when that is not simply its row number plus one:
    a quoted field may hold line breaks, and blank lines are skipped. None for the usual file
    with neither (found by a scan of the bytes, without parsing)."""
    if encoding in ("utf-8", "utf-8-sig", "cp1252"):
        tail = b""
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                window = tail + block
                if b'"' in window or _BLANK_LINE.search(window):
                    break
                tail = window[-64:]
            else:
                return None
    starts: list[int] = []
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            next(reader, None)
            previous = reader.line_num
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):  # pandas skips blanks
                    starts.append(previous + 1)
                previous = reader.line_num
        except csv.Error:
            return None  # pandas reports what it cannot read
    return np.array(starts, dtype=np.int64)


def _rescan(
    path: Path,
    delimiter: str,
    encoding: str,
    width: int,
    mapping: dict[str, int],
    fields: list[str],
    names: dict[str, str],
    line_map: np.ndarray | None,
    options: ImportOptions,
) -> Iterator[tuple[np.ndarray, list[tuple[str, pd.Series]]]]:
    """The given columns of the whole file, as text, for a decision the first chunk left open."""
    if not fields:
        return
    reader = pd.read_csv(
        path,
        sep=delimiter,
        dtype=object,
        usecols=[mapping[f] for f in fields],
        keep_default_na=False,
        na_filter=False,
        chunksize=options.chunk_rows,
        encoding=encoding,
        skipinitialspace=True,
        index_col=False,
        engine="c",
    )
    offset = 0
    with reader:
        for chunk in _quiet(reader):
            n = len(chunk)
            if line_map is None:
                lines = np.arange(offset + 2, offset + 2 + n, dtype=np.int64)
            else:
                lines = line_map[offset : offset + n]
            by_index = {mapping[f]: f for f in fields}
            columns = [
                (names[by_index[i]], chunk.iloc[:, k].reset_index(drop=True))
                for k, i in enumerate(sorted(by_index))
            ]
            offset += n
            yield lines, columns


class _NotPlain(Exception):
    """A chunk whose quantities or costs must be read as text (see ``GenericCsv._chunks``)."""

    def __init__(self, field: str | None) -> None:
        super().__init__(field)
        self.field = field  # None: every typed column


def _stripped(column: pd.Series) -> np.ndarray:
    """Strip a low-cardinality text column (meters, units) once per distinct value."""
    codes, uniques = factorize(column.to_numpy(dtype=object))
    cleaned = np.array([str(u).strip() for u in uniques], dtype=object)
    return cleaned[codes] if len(uniques) else np.array([""] * len(column), dtype=object)


def _quiet(reader: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """pandas warns about a trailing delimiter on every row; _check_width has already decided
    that only empty extra fields reach here, so nothing is lost."""
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            chunk = next(reader, None)
        if chunk is None:
            return
        yield chunk


def _check_width(
    path: Path,
    delimiter: str,
    width: int,
    encoding: str = "utf-8-sig",
    limit: int | None = 50,
) -> None:
    """Refuse rows wider than the header (pandas would shift or drop the extra values);
    a trailing delimiter, i.e. an empty extra field, is allowed. The line named is the one the
    row starts on in the file (a quoted field may span lines). ``limit``: rows to check."""
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            next(reader, None)
            previous = reader.line_num
            for count, row in enumerate(reader, start=1):
                line, previous = previous + 1, reader.line_num
                if limit is not None and count > limit - 1:
                    break
                extra = [v for v in row[width:] if v.strip()]
                if extra:
                    raise FormatError(
                        path,
                        f"{len(row)} fields but the header has {width} "
                        f"(extra value {quote(extra[0], 40)}); check the delimiter or the header",
                        line=line,
                    )
        except csv.Error:
            return  # a huge field: pandas reads it, and the pipeline reports the value


def _sniff_delimiter(path: Path, encoding: str = "utf-8-sig") -> str:
    try:
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(64 * 1024)
    except UnicodeDecodeError as exc:
        raise FormatError(path, "not UTF-8 text (is it a binary or spreadsheet file?)") from exc
    if "\x00" in sample:
        raise FormatError(path, "binary data, not a CSV file")
    first = sample.splitlines()[0] if sample else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|", "$")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _position(handle: object) -> int | None:
    stream = getattr(handle, "handle", None)
    try:
        return int(stream.buffer.tell()) if hasattr(stream, "buffer") else int(stream.tell())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def unclosed_quote(path: Path, encoding: str) -> FormatError:
    """The file line where a quoted value opens and the file ends before it closes (pandas says
    "EOF inside string starting at row N", counting rows, not lines)."""
    opened, line = None, 0
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for line, text in enumerate(handle, start=1):
            if text.count('"') % 2:
                opened = line if opened is None else None
    return FormatError(
        path,
        "a quoted value starts here and is never closed (the file ends inside it: cut off, "
        'or a stray ")',
        line=opened,
    )


def _parser_message(text: str) -> tuple[str, int | None]:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        want, line, got = match.groups()
        message = f"{got} fields but the header has {want}; check the delimiter or the header"
        return message, int(line)
    return text, None
