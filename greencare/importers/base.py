"""What every importer produces, and the options a user can give one.

An importer reads one file format and yields *raw chunks*: pandas DataFrames with the columns in
``RAW_COLUMNS``, one row per reading in the file, values parsed but not yet validated against the
database. Importers never write; :mod:`greencare.importers.pipeline` validates whole chunks with
vectorised checks and :mod:`greencare.storage.imports` writes them in one transaction.

Raw chunk columns:

``line``        1-based line (or sheet row, or XML entry) in the file, for error messages.
``meter``       the meter as the file names it ("" when the file names none).
``start``       datetime64: UTC-aware when the file gave an offset or UTC instant, naive when
                it gave a local wall time (the pipeline localizes it in the meter's zone); NaT
                when missing or unreadable (``start_raw`` keeps the text for the message).
``end``         as ``start``.
``end_is_date`` True when ``end`` came from a date without a time: the last day of a bill,
                inclusive (the pipeline adds a day).
``start_raw``, ``end_raw``, ``quantity_raw``, ``cost_raw``  the text as written.
``quantity``    float64; NaN when not a number.
``unit``        the unit as written ("" when the file gives none: the meter's unit is used).
``cost``        float64 or NaN; ``currency`` text or "".
``estimated``   bool.
``demand_kw``, ``demand_cost`` optional (``DEMAND_RAW_COLUMNS``): billed demand (kW) and its
                charge, float64 or NaN, with ``demand_kw_raw``, ``demand_cost_raw`` as written.
``column``      optional: which file column each raw field came from (for messages), a dict
                attached to the chunk as ``chunk.attrs["columns"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from greencare.importers.conventions import DateOrder

RAW_COLUMNS = [
    "line",
    "meter",
    "start",
    "end",
    "end_is_date",
    "start_raw",
    "end_raw",
    "quantity",
    "quantity_raw",
    "unit",
    "cost",
    "cost_raw",
    "currency",
    "estimated",
]

#: Optional raw columns: a bill's billed demand (kW) and demand charge ("" / NaN: none).
DEMAND_RAW_COLUMNS = ["demand_kw", "demand_kw_raw", "demand_cost", "demand_cost_raw"]


class FormatError(ValueError):
    """The file cannot be read as this format at all (not a row-level problem)."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        where = f"{Path(path).name}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
        self.path, self.line = Path(path), line


@dataclass
class ImportOptions:
    """How to read a file; every field has a sensible default for the common case."""

    format: str | None = None  # None: detect
    delimiter: str | None = None  # None: sniff
    decimal: str | None = None  # "," for decimal commas, "." for points; None: decided per file
    thousands: str | None = None  # e.g. "," or "." or " "; None: decided per file (with decimal)
    date_format: str | None = None  # strptime pattern; None: ISO 8601, then d/m/y or m/d/y
    dayfirst: bool = False  # read 7/2/2026 as 7 February
    monthfirst: bool = False  # read 7/2/2026 as July 2 (default: decided once per file)
    encoding: str | None = None  # text encoding; None: BOM, else UTF-8, else Windows-1252
    timezone: str | None = None  # zone for naive times (default: the meter's facility)
    interval_minutes: int | None = None  # a timestamp plus this length, when there is no end
    timestamp_is_end: bool = False  # with interval_minutes: the timestamp ends the interval
    cumulative: bool = False  # register reads: differences become usage (resets handled)
    columns: dict[str, str] = field(default_factory=dict)  # our field -> file header
    meter: str | None = None  # every row goes to this meter (id or name)
    meter_map: dict[str, str] = field(default_factory=dict)  # file meter -> our meter
    facility: str | None = None  # where meters are looked up / created
    #: Portfolio Manager properties without a linked facility: "stop" (refuse, the default),
    #: "create" (a facility each) or "map" (the facility of the same name).
    properties: str | None = None
    country: str | None = None  # of facilities created for Portfolio Manager properties
    create_meters: bool = False
    commodity: str | None = None  # for created meters when the file does not say
    unit: str | None = None  # when the file has no unit at all
    on_error: str = "stop"  # "stop": nothing is written; "skip": write good rows, report bad
    replace: bool = False  # replace overlapping stored readings (audited)
    dry_run: bool = False
    chunk_rows: int = 100_000
    max_errors: int = 50  # errors listed in full; the rest are counted
    accept_outlier: bool = False  # store values in the plausibility refusal band (flagged)


_INTERVAL = re.compile(
    r"^\s*(?P<n>\d+)\s*(?P<unit>|m|min|mins|minute|minutes|h|hr|hrs|hour|hours)\s*$", re.I
)


def parse_interval(text: str | int) -> int:
    """Minutes in an interval length: ``15``, ``15min``, ``1h``, ``30 minutes``.

    Raises ValueError with the reason (the caller names its own option or field)."""
    if isinstance(text, int):
        minutes = text
    else:
        found = _INTERVAL.match(str(text))
        if not found:
            raise ValueError(
                f"{str(text)[:40]!r} is not an interval length; write minutes or hours, "
                "e.g. 15min, 30 or 1h"
            )
        minutes = int(found["n"]) * (60 if found["unit"].lower().startswith("h") else 1)
    if minutes < 1 or minutes > 31 * 24 * 60:
        raise ValueError(f"{text!r}: an interval is between 1 minute and 31 days")
    return minutes


class Importer(Protocol):
    """One file format."""

    name: str
    description: str

    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether the file looks like this format (from its first bytes)."""

    def read(self, path: Path, options: ImportOptions) -> Iterator[pd.DataFrame]:
        """Yield raw chunks (``RAW_COLUMNS``) of at most ``options.chunk_rows`` rows."""


def empty_chunk() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RAW_COLUMNS})


def parse_numbers(
    raw: pd.Series, *, decimal: str | None = ".", thousands: str | None = None
) -> np.ndarray:
    """Text to float64, vectorised; anything that is not a finite number becomes NaN.

    Thousands separators and a decimal comma are handled as the user declared; "NaN", "inf"
    and empty cells are not numbers (the pipeline reports them). Clean columns take a fast
    path (one C-level conversion); only a column with an odd value is cleaned text by text.
    """
    if raw.dtype.kind == "f":  # read as numbers already (see generic_csv: typed quantities)
        numbers = np.array(raw.to_numpy(dtype=np.float64), copy=True)
        numbers[~np.isfinite(numbers)] = np.nan
        return numbers
    decimal = decimal or "."
    values = raw.to_numpy(dtype=object)
    if len(values) and (values == "").all():  # an absent or empty column
        return np.full(len(values), np.nan)
    if not thousands and decimal == ".":
        try:
            numbers = values.astype(np.float64)
        except (ValueError, TypeError):
            numbers = None
        if numbers is not None:
            numbers[~np.isfinite(numbers)] = np.nan
            return numbers
    text = pd.Series(values, dtype=object).astype(str)
    # Each clean-up pass over the column runs only where it has something to do: one scan of
    # the column's text joined up says which characters occur at all.
    joined = "\x00".join(text.tolist())
    if _SPACE.search(joined):
        text = text.str.strip()
    if thousands and thousands in joined:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != "." and decimal in joined:
        text = text.str.replace(decimal, ".", regex=False)
    if _CURRENCY.search(joined):
        text = text.str.replace(r"^[$£€]", "", regex=True)
    numbers = np.array(
        pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan), copy=True
    )
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


_SPACE = re.compile(r"\s")  # what str.strip removes (Unicode white space)
_CURRENCY = re.compile(r"[$£€]")


_TRUE = {"1", "true", "yes", "y", "t", "e", "est", "estimated", "x"}


def parse_flags(raw: pd.Series) -> np.ndarray:
    """Yes/no text (true, yes, 1, E, Estimated) to bool; blanks are False."""
    codes, uniques = pd.factorize(raw.fillna("").astype(str))
    truth = np.array([str(u).strip().lower() in _TRUE for u in uniques], dtype=bool)
    return truth[codes] if len(uniques) else np.zeros(len(raw), dtype=bool)


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_DATE_ONLY = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})$")


def parse_times(
    raw: pd.Series,
    options: ImportOptions,
    order: DateOrder | None = None,
    column: str = "",
) -> tuple[pd.Series, np.ndarray]:
    """Date/time text to datetime64, and a mask of values that were dates without a time.

    Values with an offset or "Z" become UTC-aware; the rest stay naive (local). The kind of
    value is read from a sample; a column of one kind (the usual case) is parsed in one C-level
    call, and only a column mixing kinds is examined value by value. d/m/y or m/d/y dates are
    read in the one order ``order`` decided for the file (see ``conventions.DateOrder``).
    """
    values = raw.to_numpy(dtype=object)
    sample = [str(v).strip() for v in values[:200] if str(v).strip()]
    offsets = [bool(_OFFSET.search(v)) for v in sample]
    if sample and all(offsets):
        parsed = _parse_repeated(values)
        naive_left = parsed.isna().to_numpy() & (values != "")
        if not naive_left.any():
            return parsed, np.zeros(len(values), dtype=bool)
    elif not any(offsets):
        repeated = _local_repeated(values, options)
        if repeated is not None:
            return repeated
        lengths = np.fromiter(map(len, map(str, values)), dtype=np.int64, count=len(values))
        parsed = _parse_local(pd.Series(values, dtype=object), options, order, column)
        date_only = np.zeros(len(values), dtype=bool)
        short = lengths <= 10
        if short.any():  # once per distinct text: a bill file repeats a few dates many times
            codes, uniques = pd.factorize(values[short], use_na_sentinel=False)
            kinds = np.array([bool(_DATE_ONLY.match(str(v).strip())) for v in uniques], bool)
            date_only[short] = kinds[codes]
        return parsed, date_only
    return _parse_mixed(pd.Series(values, dtype=object), options, order, column)


def _local_repeated(
    values: np.ndarray, options: ImportOptions
) -> tuple[pd.Series, np.ndarray] | None:
    """``parse_times`` of local times once per distinct text, when a sample repeats (a bill
    file gives each month's dates once per meter), or None: then the whole column is read, as
    it is when a value is not ISO 8601 (its d/m/y order is decided at its own line)."""
    head = values[:1000]
    if len(values) <= 1000 or len(set(head.tolist())) > len(head) // 2:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=False)  # None stays a value
    text = pd.Series(uniques, dtype=object)
    if options.date_format:
        parsed = pd.to_datetime(text, format=options.date_format, errors="coerce")
    else:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        if (parsed.isna() & text.notna() & (text != "")).any():
            return None
    kinds = np.array(
        [len(str(v)) <= 10 and bool(_DATE_ONLY.match(str(v).strip())) for v in uniques], bool
    )
    return pd.Series(parsed.to_numpy().take(codes)), kinds[codes]


def _parse_repeated(values: np.ndarray) -> pd.Series:
    """ISO 8601 with offsets to UTC. Interval files repeat each time once per meter, so when a
    sample repeats, each distinct text is parsed once (cheaper than pandas' own cache)."""
    head = values[:1000]
    if len(values) > 1000 and len(set(head.tolist())) <= len(head) // 2:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)  # None stays a value
        parsed = pd.to_datetime(uniques, format="ISO8601", utc=True, errors="coerce", cache=False)
        return pd.Series(parsed.take(codes))
    return pd.to_datetime(pd.Series(values), format="ISO8601", utc=True, errors="coerce")


def _parse_mixed(
    raw: pd.Series, options: ImportOptions, order: DateOrder | None, column: str
) -> tuple[pd.Series, np.ndarray]:
    text = raw.astype(str).str.strip()
    date_only = text.str.fullmatch(_DATE_ONLY.pattern).fillna(False).to_numpy()
    has_offset = text.str.contains(_OFFSET.pattern, regex=True).fillna(False)
    aware = pd.to_datetime(text.where(has_offset), utc=True, errors="coerce", format="ISO8601")
    naive = _parse_local(text.where(~has_offset, ""), options, order, column)
    mixed = aware.astype(object)
    mixed[~has_offset] = naive[~has_offset]
    return mixed, date_only


def _parse_local(
    text: pd.Series, options: ImportOptions, order: DateOrder | None = None, column: str = ""
) -> pd.Series:
    from greencare.importers.conventions import DateOrder, parse_numeric_dates

    if options.date_format:
        return pd.to_datetime(text, format=options.date_format, errors="coerce")
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if not iso.isna().any():
        return iso
    missing = iso.isna() & text.notna() & (text != "")
    if missing.any():
        rest = text[missing]
        if order is None:  # a caller without a file-wide decision: decide for this column
            order = DateOrder("the file", options)
            order.begin(np.arange(1, len(text) + 1))
        order.settle_positions(np.flatnonzero(missing.to_numpy()), column or "date", rest)
        parsed, matched = parse_numeric_dates(rest, order.dayfirst)
        if not matched.all():  # month names and other written-out forms: no order question
            others = rest[~matched]
            parsed[~matched] = pd.to_datetime(others, format="mixed", errors="coerce")
        iso[missing] = parsed.to_numpy()
    return iso
