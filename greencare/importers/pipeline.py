"""Validation of raw chunks, a whole column at a time.

Takes what an importer read and the meters it names, and returns rows ready to store plus every
problem found, each naming the file line, column, value and reason. Nothing here writes; nothing
is guessed: a row that cannot be read exactly is an error, never a zero or a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greencare.core import periods, units
from greencare.core import text as text_rules
from greencare.core.columns import factorize
from greencare.core.models import Meter
from greencare.importers.base import ImportOptions

STORE_COLUMNS = [
    "line",
    "meter_id",
    "start_utc",
    "end_utc",
    "quantity",
    "unit",
    "quantity_canonical",
    "cost",
    "currency",
    "estimated",
]


@dataclass
class Problem:
    """One bad row (or a warning about one): where, what, why."""

    line: int
    column: str
    value: str
    reason: str
    warning: bool = False

    def __post_init__(self) -> None:
        self.value = text_rules.shorten(self.value)  # a runaway field must not flood the report

    def text(self, file_name: str) -> str:
        value = f" {self.value!r}" if self.value else ""  # a file's own "nan" is shown
        kind = "warning: " if self.warning else ""
        return f"{file_name}, line {self.line}, {self.column}{value}: {kind}{self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "warning": self.warning,
        }


def _cell(value: Any) -> str:
    """A raw cell as text: an empty one (None, or pandas' NaN for a blank) is ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


@dataclass
class Checked:
    """A validated chunk: rows to store, rows rejected (with reasons), warnings."""

    rows: pd.DataFrame
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejected_lines: set[int] = field(default_factory=set)


def _column_name(chunk: pd.DataFrame, field_name: str) -> str:
    return str(chunk.attrs.get("columns", {}).get(field_name, field_name))


NO_SUCH_METER = "no such meter (map it with --map FILE=METER, or --create-meters)"


def validate(
    chunk: pd.DataFrame,
    meters: dict[str, Meter],
    zones: dict[int, str],
    options: ImportOptions,
    currencies: dict[int, str] | None = None,
    why_unknown: dict[str, str] | None = None,
) -> Checked:
    """Check a raw chunk whose ``meter`` keys are resolved in ``meters`` (key -> Meter).

    ``zones`` maps meter id -> IANA zone used for local (naive) times.
    """
    errors: list[Problem] = []
    bad = np.zeros(len(chunk), dtype=bool)
    lines = chunk["line"].to_numpy()

    def flag(mask: np.ndarray, field_name: str, raw: Any, reason: str | Any) -> None:
        nonlocal bad
        mask = np.asarray(mask, dtype=bool) & ~bad
        if not mask.any():
            return
        values = np.asarray(raw, dtype=object)[mask] if raw is not None else [""] * mask.sum()
        if isinstance(reason, np.ndarray):  # one reason per row of the chunk
            reasons = list(reason[mask])
        elif callable(reason):
            reasons = [reason(v) for v in values]
        else:
            reasons = [reason] * int(mask.sum())
        column = _column_name(chunk, field_name)
        for line, value, why in zip(lines[mask], values, reasons, strict=True):
            errors.append(Problem(int(line), column, _cell(value), str(why)))
        bad |= mask

    # Text: the same rule as the models (greencare.core.text), checked once per distinct value.
    for name, limit in (("meter", text_rules.NAME_MAX), ("unit", None), ("currency", None)):
        if name in chunk.columns:
            values = chunk[name].fillna("").to_numpy(dtype=object)
            value_codes, distinct = factorize(values)
            reasons = text_reasons(distinct, limit)
            if any(reasons.values()):
                refused = np.array([reasons[v] is not None for v in distinct])[value_codes]
                flag(refused, name, values, reasons.__getitem__)

    # Meters.
    keys = chunk["meter"].to_numpy(dtype=object)
    codes, uniques = pd.factorize(keys)
    found = [meters.get(k) for k in uniques]
    known = np.array([m is not None for m in found], dtype=bool)[codes]
    why = why_unknown or {}
    flag(~known, "meter", keys, lambda key: why.get(key, NO_SUCH_METER))
    meter_ids = np.array([m.id if m else -1 for m in found], dtype=np.int64)[codes]
    commodity = np.array([m.commodity.value if m else "" for m in found], dtype=object)[codes]

    # Units: the meter's own when the file gives none.
    unit = chunk["unit"].fillna("").to_numpy(dtype=object).copy()
    default_units = np.array([m.unit if m else "" for m in found], dtype=object)[codes]
    blank = unit == ""
    unit[blank] = options.unit or ""
    still_blank = unit == ""
    unit[still_blank] = default_units[still_blank]
    factor = np.full(len(chunk), np.nan)
    unit_codes, unit_values = factorize(unit)
    stored_names = np.asarray(unit_values, dtype=object).copy()  # as stored: normalized
    com_codes, com_values = factorize(commodity)
    pair = unit_codes * (len(com_values) + 1) + com_codes
    for code in np.unique(pair):
        idx = np.flatnonzero(pair == code)
        u, c = unit_values[unit_codes[idx[0]]], com_values[com_codes[idx[0]]]
        if not c:
            continue
        try:
            factor[idx] = units.conversion_factor(str(u), str(c))
            stored_names[unit_codes[idx[0]]] = units.normalize_unit(str(u))
        except units.UnitError as exc:
            mask = np.zeros(len(chunk), dtype=bool)
            mask[idx] = True
            flag(mask, "unit", unit, str(exc))

    # Quantities.
    quantity = chunk["quantity"].to_numpy(dtype=float)
    raw_q = chunk["quantity_raw"].to_numpy(dtype=object)
    empty_q = raw_q == ""
    flag(empty_q, "quantity", raw_q, "missing quantity")
    flag(np.isnan(quantity), "quantity", raw_q, "not a finite number")
    flag(np.isinf(quantity), "quantity", raw_q, _TOO_LARGE)  # e.g. overflowed once scaled
    net = np.array([bool(m and m.net_metering) for m in found], dtype=bool)[codes]
    flag(
        (quantity < 0) & ~net,
        "quantity",
        raw_q,
        "negative usage (only a net-metering meter may export)",
    )
    with np.errstate(over="ignore", invalid="ignore"):
        converted = quantity * factor
    too_large = ~np.isnan(quantity) & ~np.isnan(factor) & ~units.finite_mask(converted)
    if too_large.any():
        canonical = np.array([units.canonical_unit(c) if c else "" for c in com_values], object)
        targets = canonical[com_codes]
        reasons = np.full(len(chunk), "", dtype=object)
        for i in np.flatnonzero(too_large):
            reasons[i] = units.too_large_message(float(quantity[i]), str(unit[i]), targets[i])
        flag(too_large, "quantity", raw_q, reasons)
    cost = chunk["cost"].to_numpy(dtype=float)
    raw_cost = chunk["cost_raw"].to_numpy(dtype=object)
    has_cost = (raw_cost != "") & pd.notna(raw_cost)
    flag(has_cost & np.isnan(cost), "cost", raw_cost, "not a finite number")
    flag(has_cost & np.isinf(cost), "cost", raw_cost, _TOO_LARGE)
    demand: dict[str, np.ndarray] = {}  # billed demand (kW) and its charge, when the file has it
    has_demand_cost = np.zeros(len(chunk), dtype=bool)
    for name in ("demand_kw", "demand_cost"):
        if name not in chunk.columns:
            continue
        value = chunk[name].to_numpy(dtype=float)
        raw = chunk[f"{name}_raw"].to_numpy(dtype=object)
        given = (raw != "") & pd.notna(raw)
        flag(given & np.isnan(value), name, raw, "not a finite number")
        flag(given & np.isinf(value), name, raw, _TOO_LARGE)
        if name == "demand_kw":
            flag(given & (value < 0), name, raw, "a billed demand cannot be negative")
        else:
            has_demand_cost = given
        demand[name] = np.where(given, value, np.nan)

    # Periods, in UTC epoch seconds.
    start, end = _instants(chunk, meter_ids, zones, options)
    start_raw, end_raw = (
        chunk["start_raw"].to_numpy(dtype=object),
        chunk["end_raw"].to_numpy(dtype=object),
    )
    for name, instant, raw in (("start", start, start_raw), ("end", end, end_raw)):
        known = instant > _FAR
        outside = (instant == _FAR) | known & (
            (instant < periods.EARLIEST_UTC) | (instant > periods.LATEST_UTC)
        )
        flag(outside, name, raw, _OUTSIDE)
    flag(start == _MISSING, "start", start_raw, _time_reason)
    flag(
        start == _AMBIGUOUS,
        "start",
        start_raw,
        "local time is ambiguous or skipped (daylight saving); give a UTC offset",
    )
    flag(end == _MISSING, "end", end_raw, _time_reason)
    flag(
        end == _AMBIGUOUS,
        "end",
        end_raw,
        "local time is ambiguous or skipped (daylight saving); give a UTC offset",
    )
    flag(end <= start, "end", end_raw, "the period ends before it starts (or has no length)")

    cur_codes, cur_uniques = factorize(chunk["currency"].fillna("").to_numpy(dtype=object))
    currency = np.array([str(c).strip().upper() for c in cur_uniques] or [""], dtype=object)[
        cur_codes
    ]
    if currencies:  # a cost without a currency is in the facility country's currency
        per_key = np.array([currencies.get(int(m.id), "") if m else "" for m in found] or [""])
        fallback = per_key.astype(object)[codes]
        missing = (currency == "") & (has_cost | has_demand_cost)
        currency[missing] = fallback[missing]
        flag(missing & (fallback == ""), "currency", currency, "a cost needs a currency column")
    rows = pd.DataFrame(
        {
            "line": lines,
            "meter_id": meter_ids,
            "start_utc": start,
            "end_utc": end,
            "quantity": quantity,
            "unit": _categorical(unit_codes, stored_names),
            "quantity_canonical": converted,
            "factor": factor,
            "cost": np.where(has_cost, cost, np.nan),
            "currency": np.where(currency == "", None, currency),
            "estimated": chunk["estimated"].to_numpy(dtype=bool).astype(np.int64),
            **demand,
        }
    )[~bad]
    # Duplicates and overlaps inside the chunk.
    rows = rows.sort_values(["meter_id", "start_utc", "line"], kind="stable")
    same_meter = rows["meter_id"].to_numpy()[1:] == rows["meter_id"].to_numpy()[:-1]
    overlap = same_meter & (rows["start_utc"].to_numpy()[1:] < rows["end_utc"].to_numpy()[:-1])
    if overlap.any():
        prev_lines = rows["line"].to_numpy()[:-1][overlap]
        cur = rows.iloc[1:][overlap]
        identical = (cur["start_utc"].to_numpy() == rows["start_utc"].to_numpy()[:-1][overlap]) & (
            cur["end_utc"].to_numpy() == rows["end_utc"].to_numpy()[:-1][overlap]
        )
        for line, prev, same in zip(cur["line"], prev_lines, identical, strict=True):
            reason = f"duplicate of line {prev}" if same else f"overlaps the period on line {prev}"
            errors.append(Problem(int(line), _column_name(chunk, "start"), "", reason))
        rows = rows[~rows["line"].isin(cur["line"])]
    errors.sort(key=lambda p: p.line)
    return Checked(
        rows=rows.reset_index(drop=True), errors=errors, rejected_lines={p.line for p in errors}
    )


def _categorical(codes: np.ndarray, names: np.ndarray) -> pd.Categorical:
    """Text given as codes into a few names (which may repeat) as a Categorical, so later steps
    group and store it without hashing a string per row."""
    name_codes, uniques = pd.factorize(names)
    return pd.Categorical.from_codes(name_codes[codes], categories=pd.Index(uniques, dtype=object))


def text_reasons(values: Any, limit: int | None) -> dict[Any, str | None]:
    """``text_reason`` of each value; values that are all short and free of control characters
    (the usual case: thousands of meter names) are told apart by one scan of them joined."""
    texts = [str(v) for v in values]
    most = limit if limit is not None else text_rules.LINE_MAX
    if max(map(len, texts), default=0) <= most and not text_rules.CONTROL_RE.search("".join(texts)):
        return dict.fromkeys(values)
    return {v: text_reason(v, limit) for v in values}


def text_reason(value: Any, limit: int | None) -> str | None:
    """Why a text value from a file is refused (control characters, length), or None."""
    try:
        text_rules.check_text(str(value), max_length=limit)
    except ValueError as exc:
        return str(exc)
    return None


_MISSING = np.iinfo(np.int64).min
_TOO_LARGE = "too large: beyond a 64-bit float (1.8e308) in its unit"
_AMBIGUOUS = _MISSING + 1
_FAR = _MISSING + 2  # a date far outside the years stored
_OUTSIDE = (
    f"outside the years greencare stores ({periods.FIRST_YEAR} to {periods.LAST_YEAR}); "
    "check the year"
)


def _time_reason(value: Any) -> str:
    if str(value).strip() in ("", "nan", "None", "NaT"):
        return "missing date/time"
    return (
        "not a date or date-time I can read "
        "(use ISO 8601, e.g. 2025-01-31 or 2025-01-31T00:15:00-05:00)"
    )


def _instants(
    chunk: pd.DataFrame, meter_ids: np.ndarray, zones: dict[int, str], options: ImportOptions
) -> tuple[np.ndarray, np.ndarray]:
    """UTC epoch seconds for start and end; naive times are localized in each meter's zone."""
    start = chunk["start"]
    end = chunk["end"]
    end_is_date = chunk["end_is_date"].to_numpy(dtype=bool)
    s = _to_epoch(start, meter_ids, zones, options, shift_days=None)
    e = _to_epoch(end, meter_ids, zones, options, shift_days=end_is_date)
    if options.interval_minutes:
        step = int(options.interval_minutes) * 60
        missing_end = (e == _MISSING) & (s > _FAR)
        e = np.where(missing_end, s + step, e)
        missing_start = (s == _MISSING) & (e > _FAR)
        s = np.where(missing_start, e - step, s)
    return s, e


def _to_epoch(
    values: pd.Series,
    meter_ids: np.ndarray,
    zones: dict[int, str],
    options: ImportOptions,
    shift_days: np.ndarray | None,
) -> np.ndarray:
    out = np.full(len(values), _MISSING, dtype=np.int64)
    series = (
        pd.Series(values.to_numpy(), dtype=object)
        if values.dtype == object
        else values.reset_index(drop=True)
    )
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        ns = pd.DatetimeIndex(series).as_unit("ns").asi8  # UTC nanoseconds, no conversion
        ok = series.notna().to_numpy()
        out[ok] = ns[ok] // 1_000_000_000
        return out
    if series.dtype == object:  # mixed aware and naive values
        aware = np.array([getattr(v, "tzinfo", None) is not None for v in series], dtype=bool)
        for i in np.flatnonzero(aware):
            out[i] = int(pd.Timestamp(series[i]).timestamp())
        naive = pd.to_datetime(series.where(~aware), errors="coerce")
        series = naive
    naive = pd.to_datetime(series, errors="coerce")
    if shift_days is not None:
        naive = naive + pd.to_timedelta(shift_days.astype(int), unit="D")
    valid = naive.notna().to_numpy() & (out == _MISSING)
    # Far outside the years stored (9999-12-31 ends in year 10000, which no time zone can
    # localise): refused by the caller; the edges are checked there on the UTC instants.
    years = pd.DatetimeIndex(naive).year.to_numpy()
    far = valid & ((years < periods.FIRST_YEAR - 1) | (years > periods.LAST_YEAR + 1))
    out[far] = _FAR
    valid &= ~far
    if not valid.any():
        return out
    # One localisation per time zone, not per meter: meters x rows work otherwise, where a file
    # has thousands of meters and a few zones. Only a meter with a local time that is repeated
    # or skipped (clocks changing) needs its own pass: "infer" reads a repeated hour from the
    # order of that meter's readings, which the rows of other meters would interleave.
    meter_codes, meter_uniques = pd.factorize(meter_ids)
    zone_of_meter = np.array(
        [options.timezone or zones.get(int(m), "UTC") for m in meter_uniques], dtype=object
    )
    zone_codes, zone_names = pd.factorize(zone_of_meter)
    row_zone = zone_codes[meter_codes]
    values = naive.to_numpy()  # its own resolution: far dates must not overflow nanoseconds
    for z, tz in enumerate(zone_names):
        rows = np.flatnonzero(valid & (row_zone == z))
        if not len(rows):
            continue
        stamped = pd.DatetimeIndex(values[rows]).tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        unsure = stamped.isna()
        out[rows] = np.where(unsure, _AMBIGUOUS, stamped.as_unit("s").asi8)
        if not unsure.any():
            continue
        for code in np.unique(meter_codes[rows[unsure]]):
            mask = valid & (meter_codes == code)
            local = pd.DatetimeIndex(values[mask])
            try:
                again = local.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
            except Exception:  # not inferable (e.g. a lone repeated hour): ambiguous ones stay
                continue
            out[np.flatnonzero(mask)] = np.where(again.isna(), _AMBIGUOUS, again.as_unit("s").asi8)
    return out
