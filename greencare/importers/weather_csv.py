"""Weather files people have: station temperatures and degree-day exports. Reads, never writes.

Three layouts, told apart by their header:

- **NOAA daily summaries** (GHCN-Daily CSV from Climate Data Online): ``STATION``, ``NAME``,
  ``DATE``, ``TMAX``, ``TMIN``, ``TAVG``... The file does not say whether it was ordered in
  "standard" (°F) or "metric" (°C) units, so ``unit`` must be given. The day's mean is
  (TMAX + TMIN) / 2; TAVG is used only on a day without both extremes.
- **Temperature series**, hourly or daily: a time column (``dt``, ``date``, ``datetime``,
  ``time``, ``timestamp``) and one temperature column (``tempF``, ``tempC``, ``temp``,
  ``temperature``). The unit comes from the column name or ``unit``; both, disagreeing, is
  refused. Readings are grouped by the calendar date written in each time stamp (the station's
  local date); a day's mean is the mean of its readings. With more than one reading a day, a
  day needs at least :data:`MIN_HOURLY` readings, or it is left out and reported.
- **degreedays.net CSV export**: ``Description:``/``Station:``/``Station ID:`` lines, then
  ``Date`` (daily) or ``Month starting`` (monthly) with an ``HDD``/``CDD`` column or one column
  per base temperature. Unit and base come from the description and column titles.

Every problem is a :class:`FormatError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from greencare.importers.base import FormatError

#: Fewest readings that make a day's mean when a series has several readings a day (20 of 24
#: hours; greencare's choice: fewer leave too much of the day out of its mean).
MIN_HOURLY = 20

TIME_COLUMNS = ("dt", "date", "datetime", "time", "timestamp")
TEMP_COLUMNS = {"tempf": "F", "tempc": "C", "temp": None, "temperature": None}


@dataclass
class DailyTemperatures:
    """Daily mean temperatures of one station, as read."""

    format: str
    unit: str
    station: str | None
    frame: pd.DataFrame  # date (YYYY-MM-DD), tmean, tmin, tmax, readings, method, line
    skipped_days: list[str] = field(default_factory=list)  # too few readings


@dataclass
class DegreeDays:
    """Degree days of one station as published (daily or monthly, one or more bases)."""

    format: str
    unit: str
    station: str | None
    frame: pd.DataFrame  # start, end, kind (hdd/cdd), base, value, estimated_pct, line


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(path, f"not UTF-8 text (byte {exc.start})") from None


def _unit(text: str | None, path: Path) -> str | None:
    if text is None:
        return None
    value = text.strip().upper().lstrip("°")
    if value in ("F", "FAHRENHEIT"):
        return "F"
    if value in ("C", "CELSIUS"):
        return "C"
    raise FormatError(path, f"unit {text!r} is not F or C")


def detect(path: Path) -> str | None:
    """'ghcnd', 'temperature' or 'degreedays-net', or None."""
    try:
        lines = _text(path).splitlines()[:12]
    except (OSError, FormatError):
        return None
    if lines and lines[0].lower().startswith(("description:", '"description:"')):
        return "degreedays-net"
    header = {h.strip().lower() for h in next(csv.reader(lines[:1]), [])}
    if "date" in header and ({"tmax", "tmin", "tavg"} & header):
        return "ghcnd"
    if header & set(TIME_COLUMNS) and header & set(TEMP_COLUMNS):
        return "temperature"
    return None


def read(path: Path, unit: str | None = None) -> DailyTemperatures | DegreeDays:
    """Read a weather file of any supported layout."""
    kind = detect(path)
    if kind == "ghcnd":
        return read_ghcnd(path, unit)
    if kind == "temperature":
        return read_temperatures(path, unit)
    if kind == "degreedays-net":
        return read_degreedays_net(path, unit)
    raise FormatError(
        path,
        "not a weather file greencare reads: expected NOAA daily summaries (DATE, TMAX, TMIN), "
        "a temperature series (dt, tempF or tempC) or a degreedays.net export",
        line=1,
    )


def _number(path: Path, line: int, column: str, text: str) -> float | None:
    raw = text.strip()
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FormatError(path, f"{column} {raw!r} is not a number", line=line) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FormatError(path, f"{column} {raw!r} is not a finite number", line=line)
    return value


def _date(path: Path, line: int, column: str, text: str) -> str:
    raw = text.strip()
    try:
        return dt.date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        raise FormatError(path, f"{column} {raw!r} is not a date (YYYY-MM-DD)", line=line) from None


def _check_range(path: Path, line: int, column: str, value: float, unit: str) -> None:
    low, high = (-90.0, 60.0) if unit == "C" else (-130.0, 140.0)
    if not low <= value <= high:
        raise FormatError(
            path,
            f"{column} {value:g} °{unit} is outside the {low:g}..{high:g} °{unit} ever recorded; "
            "is the unit right?",
            line=line,
        )


def _rows(path: Path, text: str, start: int = 1) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError(path, "the file is empty: no header row", line=start) from None
    rows = []
    for offset, row in enumerate(reader, start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise FormatError(path, "more fields than the header has", line=offset)
        rows.append((offset, row + [""] * (len(header) - len(row))))
    return [h.strip() for h in header], rows


def read_ghcnd(path: Path, unit: str | None) -> DailyTemperatures:
    """NOAA Climate Data Online daily summaries (GHCN-Daily CSV)."""
    the_unit = _unit(unit, path)
    if the_unit is None:
        raise FormatError(
            path,
            "NOAA daily summaries do not say their unit: give --unit F (ordered as 'standard') "
            "or --unit C ('metric')",
        )
    header, rows = _rows(path, _text(path))
    cols = {h.lower(): i for i, h in enumerate(header)}
    records = []
    stations: set[str] = set()
    seen: dict[str, int] = {}
    for line, row in rows:
        day = _date(path, line, "DATE", row[cols["date"]])
        if day in seen:
            raise FormatError(path, f"DATE {day} appears twice (line {seen[day]} too)", line=line)
        seen[day] = line
        values = {}
        for name in ("tmax", "tmin", "tavg"):
            if name in cols:
                value = _number(path, line, name.upper(), row[cols[name]])
                if value is not None:
                    _check_range(path, line, name.upper(), value, the_unit)
                values[name] = value
        tmax, tmin, tavg = values.get("tmax"), values.get("tmin"), values.get("tavg")
        if tmax is not None and tmin is not None:
            if tmin > tmax:
                raise FormatError(path, f"TMIN {tmin:g} is above TMAX {tmax:g}", line=line)
            mean, method = (tmax + tmin) / 2, "(tmax+tmin)/2"
        elif tavg is not None:
            mean, method = tavg, "tavg"
        else:
            raise FormatError(path, "TMAX and TMIN (or TAVG) are empty", line=line)
        for name in ("station", "name"):
            if name in cols and row[cols[name]].strip():
                stations.add(row[cols[name]].strip())
                break
        records.append((day, mean, tmin, tmax, None, method, line))
    if not records:
        raise FormatError(path, "no data rows (only a header?)", line=2)
    if len(stations) > 1:
        raise FormatError(
            path, f"holds {len(stations)} stations ({', '.join(sorted(stations))}); import one"
        )
    frame = pd.DataFrame(
        records, columns=["date", "tmean", "tmin", "tmax", "readings", "method", "line"]
    )
    return DailyTemperatures("noaa-daily", the_unit, next(iter(stations), None), frame)


_STAMP = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def read_temperatures(path: Path, unit: str | None) -> DailyTemperatures:
    """An hourly or daily temperature series: a time column and one temperature column."""
    header, rows = _rows(path, _text(path))
    lower = [h.lower() for h in header]
    times = [i for i, h in enumerate(lower) if h in TIME_COLUMNS]
    temps = [i for i, h in enumerate(lower) if h in TEMP_COLUMNS]
    if len(times) != 1 or len(temps) != 1:
        raise FormatError(path, "needs exactly one time column and one temperature column", line=1)
    t_col, v_col = times[0], temps[0]
    named = TEMP_COLUMNS[lower[v_col]]
    given = _unit(unit, path)
    if named and given and named != given:
        raise FormatError(
            path, f"column {header[v_col]} is in °{named} but --unit says °{given}", line=1
        )
    the_unit = named or given
    if the_unit is None:
        raise FormatError(
            path, f"column {header[v_col]} does not say its unit: give --unit F or --unit C"
        )
    days, values, lines, stamps = [], [], [], []
    for line, row in rows:
        match = _STAMP.match(row[t_col])
        if match is None:
            raise FormatError(
                path, f"{header[t_col]} {row[t_col].strip()!r} is not a date or time", line=line
            )
        value = _number(path, line, header[v_col], row[v_col])
        if value is None:
            continue  # a missing reading: the day's count shows it
        _check_range(path, line, header[v_col], value, the_unit)
        _date(path, line, header[t_col], match.group(1))
        days.append(match.group(1))
        values.append(value)
        lines.append(line)
        stamps.append(row[t_col].strip())
    if not days:
        raise FormatError(path, "no temperature readings", line=2)
    raw = pd.DataFrame({"date": days, "value": values, "line": lines, "stamp": stamps})
    dupes = raw[raw.duplicated("stamp", keep="first")]
    if not dupes.empty:
        first = dupes.iloc[0]
        raise FormatError(
            path, f"{header[t_col]} {first['stamp']} appears twice", line=int(first["line"])
        )
    grouped = raw.groupby("date", sort=True).agg(
        tmean=("value", "mean"), tmin=("value", "min"), tmax=("value", "max"),
        readings=("value", "size"), line=("line", "min"),
    ).reset_index()  # fmt: skip
    hourly = bool((grouped["readings"] > 1).any())
    skipped: list[str] = []
    if hourly:
        short = grouped["readings"] < MIN_HOURLY
        skipped = grouped.loc[short, "date"].tolist()
        grouped = grouped[~short]
        grouped["method"] = "mean of hourly readings"
    else:
        grouped["method"] = "daily mean as given"
        grouped["readings"] = None
        grouped["tmin"] = None
        grouped["tmax"] = None
    frame = grouped[["date", "tmean", "tmin", "tmax", "readings", "method", "line"]]
    fmt = "hourly-temperature" if hourly else "daily-temperature"
    return DailyTemperatures(fmt, the_unit, None, frame.reset_index(drop=True), skipped)


_DESC_UNIT = re.compile(r"(celsius|fahrenheit)-based (heating|cooling) degree days", re.I)
_DESC_BASE = re.compile(r"base temperature of (-?\d+(?:\.\d+)?)\s*°?\s*([CF])\b", re.I)


def read_degreedays_net(path: Path, unit: str | None) -> DegreeDays:
    """A degreedays.net CSV export (daily or monthly; one base or several)."""
    lines = _text(path).splitlines()
    meta: dict[str, str] = {}
    start = None
    for number, line in enumerate(lines, start=1):
        cells = next(csv.reader([line]), [])
        first = cells[0].strip().lower() if cells else ""
        if first in ("date", "month starting", "month"):
            start = number
            break
        if first.endswith(":") and len(cells) > 1:
            meta[first[:-1]] = cells[1].strip()
    if start is None:
        raise FormatError(path, "no 'Date' or 'Month starting' header row")
    described = _DESC_UNIT.search(meta.get("description", ""))
    if described is None:
        raise FormatError(
            path, "the Description line does not say Celsius- or Fahrenheit-based heating or "
            "cooling degree days", line=1,
        )  # fmt: skip
    the_unit = "C" if described.group(1).lower() == "celsius" else "F"
    given = _unit(unit, path)
    if given and given != the_unit:
        raise FormatError(path, f"the file is °{the_unit}-based but --unit says °{given}", line=1)
    kind = "hdd" if described.group(2).lower() == "heating" else "cdd"
    header, rows = _rows(path, "\n".join(lines[start - 1 :]), start=start)
    monthly = header[0].lower() != "date"
    bases: dict[int, float] = {}
    for i, title in enumerate(header[1:], start=1):
        t = title.strip()
        if t.upper() in ("HDD", "CDD"):
            if t.lower() != kind:
                raise FormatError(path, f"column {t} but the description says {kind}", line=start)
            found = _DESC_BASE.search(meta.get("description", ""))
            if found is None:
                raise FormatError(path, f"column {t} has no base temperature in the Description")
            bases[i] = float(found.group(1))
        elif t.lower().startswith("% estimated") or t == "":
            continue
        else:
            try:
                bases[i] = float(t)
            except ValueError:
                raise FormatError(
                    path, f"column {t!r} is not a base temperature", line=start
                ) from None
    est = next((i for i, t in enumerate(header) if t.lower().startswith("% estimated")), None)
    if not bases:
        raise FormatError(path, "no degree-day columns", line=start)
    records = []
    for line, row in rows:
        first = _date(path, line, header[0], row[0])
        day = dt.date.fromisoformat(first)
        if monthly:
            if day.day != 1:
                raise FormatError(path, f"{header[0]} {first} is not the 1st of a month", line=line)
            end = (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date().isoformat()
        else:
            end = first
        pct = _number(path, line, header[est], row[est]) if est is not None else None
        for i, base in bases.items():
            value = _number(path, line, header[i], row[i])
            if value is None:
                raise FormatError(path, f"{header[i]} is empty", line=line)
            if value < 0:
                raise FormatError(path, f"{header[i]} {value:g} is negative", line=line)
            records.append((first, end, kind, base, value, pct, line))
    if not records:
        raise FormatError(path, "no data rows (only a header?)", line=start + 1)
    frame = pd.DataFrame(
        records, columns=["start", "end", "kind", "base", "value", "estimated_pct", "line"]
    )
    dupes = frame[frame.duplicated(["start", "base"], keep="first")]
    if not dupes.empty:
        raise FormatError(
            path, f"{dupes.iloc[0]['start']} appears twice", line=int(dupes.iloc[0]["line"])
        )
    station = meta.get("station id") or meta.get("station")
    fmt = "degreedays-net-monthly" if monthly else "degreedays-net-daily"
    return DegreeDays(fmt, the_unit, station, frame)
