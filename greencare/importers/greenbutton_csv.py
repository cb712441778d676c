"""Green Button "Download My Data" CSV files, as US utilities lay them out.

Each starts with a preamble (name, address, account lines) above the header row, which is found
by its column names:

- **Opower** (PG&E and many others): ``TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES``
  (or ``IMPORT (kWh),EXPORT (kWh)`` instead of USAGE: the import is the usage; the export is not
  read), or a daily variant without START/END TIME where each row is one day. END TIME is the
  last minute of the interval (00:14 for 00:00-00:15): a time at minute 14/29/44/59 ends one
  minute later. The meter key is ``--meter``, else the preamble's account number, else "".
- **SDG&E**: ``"Meter Number","Date","Start Time","Duration","Consumption",...`` ("Delivered"
  instead of "Consumption" in some files); 12-hour start times, duration in minutes; the meter key
  is the Meter Number column (``--meter`` overrides it).
- **SCE**: ``"Energy consumption time period","Usage(Real energy in kilowatt-hours)"`` with a
  period "2025-01-01 00:00:00 to 2025-01-01 00:15:00"; the unit comes from the header.

Times are local wall times, emitted naive in file order, so the pipeline localizes them in the
meter's zone and its ambiguous="infer" tells the two 1:00 AM hours of a fall-back day apart. An
interval's end is the next interval's start when the two differ by exactly one hour at 0-3 AM
in a month with clock changes: that is a daylight-saving change, not a gap.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from greencare.importers.base import (
    RAW_COLUMNS,
    FormatError,
    ImportOptions,
    parse_numbers,
    parse_times,
)
from greencare.importers.conventions import DateOrder
from greencare.importers.encodings import decode_head, describe_encoding, text_encoding

ACCOUNT = re.compile(r"^(account( number| no\.?| #)?|service account|meter number)$", re.I)
DST_MONTHS = {3, 4, 9, 10, 11}


def _norm(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("\ufeff", "").strip().lower())


def _layout(header: list[str]) -> tuple[str, dict[str, int]] | None:
    names = [_norm(h) for h in header]
    idx = {n: i for i, n in enumerate(names)}
    quantity = next((n for n in names if n.startswith("usage(") or n.startswith("usage (")), None)
    if names and names[0].startswith("energy consumption time period") and quantity:
        return "sce", {"period": 0, "quantity": idx[quantity]}
    if {"meter number", "date", "start time", "duration"} <= idx.keys():
        use = next((n for n in ("consumption", "delivered", "usage") if n in idx), None)
        if use:
            cols = {k: idx[k] for k in ("meter number", "date", "start time", "duration")}
            return "sdge", {**cols, "quantity": idx[use]}
    if {"type", "date"} <= idx.keys():
        use = next((n for n in names if n == "usage" or n.startswith("import")), None)
        if use:
            cols = {"date": idx["date"], "quantity": idx[use]}
            for key in ("start time", "end time", "units", "cost"):
                if key in idx:
                    cols[key] = idx[key]
            return "opower", cols
    return None


class GreenButtonCsv:
    name = "greenbutton-csv"
    description = "Green Button CSV from utilities (Opower, SDG&E, SCE layouts with a preamble)"

    def sniff(self, path: Path, head: bytes) -> bool:
        text = decode_head(head).decode("utf-8-sig", errors="replace")
        lines = text.splitlines()[:80]
        return any(_layout(row) for row in csv.reader(lines) if row)

    def read(self, path: Path, options: ImportOptions) -> Iterator[pd.DataFrame]:
        encoding = text_encoding(path, options)
        # These layouts are US utilities' exports: month/day/year unless the file says otherwise.
        order = DateOrder(path, options, default=("mdy", "Green Button CSV from US utilities"))
        try:
            handle = path.open(encoding=encoding, newline="")
        except OSError as exc:
            raise FormatError(path, str(exc)) from exc
        with handle:
            reader = csv.reader(handle)
            account = ""
            found = None
            try:
                for row in reader:
                    found = _layout(row)
                    if found:
                        header = row
                        break
                    if len(row) >= 2 and ACCOUNT.match(row[0].strip().rstrip(":")):
                        account = row[1].strip()
                    if reader.line_num > 200:
                        break
            except UnicodeDecodeError as exc:
                raise FormatError(path, "not UTF-8 text") from exc
            if not found:
                raise FormatError(path, "no Green Button CSV header (TYPE,DATE,... or similar)")
            layout, cols = found
            unit = _header_unit(header[cols["quantity"]])
            meter = options.meter or ("" if layout == "sdge" else account)
            columns = _columns(layout, cols, header)
            buffer: list[tuple[int, list[str]]] = []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                buffer.append((reader.line_num, row))
                if len(buffer) > options.chunk_rows:
                    yield _frame(layout, cols, buffer[:-1], buffer[-1], meter, unit, options,
                                 columns, order, encoding)  # fmt: skip
                    buffer = buffer[-1:]
            if buffer:
                yield _frame(layout, cols, buffer, None, meter, unit, options, columns, order,
                             encoding)  # fmt: skip


def _header_unit(text: str) -> str:
    match = re.search(r"\(([^)]*)\)", text)
    if not match:
        return ""
    return re.sub(r"^real energy in\s+", "", match.group(1).strip(), flags=re.I)


def _columns(layout: str, cols: dict[str, int], header: list[str]) -> dict[str, str]:
    name = {k: header[v] for k, v in cols.items()}
    if layout == "sce":
        return {"start": name["period"], "end": name["period"], "quantity": name["quantity"]}
    if layout == "sdge":
        return {"meter": name["meter number"], "start": name["start time"],
                "end": name["duration"], "quantity": name["quantity"],
                "date": name["date"]}  # fmt: skip
    return {"start": name.get("start time", name["date"]),
            "end": name.get("end time", name["date"]), "quantity": name["quantity"],
            "unit": name.get("units", "unit"), "cost": name.get("cost", "cost"),
            "date": name["date"]}  # fmt: skip


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _frame(
    layout: str,
    cols: dict[str, int],
    rows: list[tuple[int, list[str]]],
    lookahead: tuple[int, list[str]] | None,
    meter: str,
    unit: str,
    options: ImportOptions,
    columns: dict[str, str],
    order: DateOrder | None = None,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    every = rows + ([lookahead] if lookahead else [])
    col = {k: pd.Series([_cell(r, i) for _n, r in every], dtype=object) for k, i in cols.items()}
    n = len(every)
    lines = np.array([line for line, _r in every], dtype=np.int64)
    if order is None:
        order = DateOrder("the file", options)
    order.begin(lines)
    if layout != "sce":  # SCE periods are ISO; the others write d/m/y or m/d/y dates
        order.settle(lines, [(columns.get("date", "date"), col["date"])])
    blank = pd.Series([""] * n, dtype=object)
    end_is_date = np.zeros(n, dtype=bool)
    keys = pd.Series([meter] * n, dtype=object)
    if layout == "sce":
        parts = col["period"].str.replace("\xa0", " ").str.replace("&nbsp;", " ")
        parts = parts.str.split(r"\s+to\s+", n=1, regex=True)
        start_raw = parts.str[0].fillna("").str.strip()
        end_raw = parts.str[1].fillna("").str.strip()
        start, _ = parse_times(start_raw, options, order, columns.get("start", ""))
        end, _ = parse_times(end_raw, options, order, columns.get("end", ""))
        units = pd.Series([unit] * n, dtype=object)
    elif layout == "sdge":
        start_raw = (col["date"] + " " + col["start time"]).str.strip()
        start, _ = parse_times(start_raw, options, order, columns.get("start", ""))
        minutes = pd.to_numeric(col["duration"], errors="coerce")
        end = start + pd.to_timedelta(minutes, unit="min")
        end_raw = col["duration"]
        if not meter:
            keys = col["meter number"]
        units = pd.Series([unit] * n, dtype=object)
    else:
        if "start time" in cols:
            start_raw = (col["date"] + " " + col["start time"]).str.strip()
            end_raw = (col["date"] + " " + col.get("end time", blank)).str.strip()
            start, _ = parse_times(start_raw, options, order, columns.get("start", ""))
            end, _ = parse_times(end_raw, options, order, columns.get("end", ""))
            last_minute = end.dt.minute.isin([14, 29, 44, 59]).to_numpy()
            end = end + pd.to_timedelta(last_minute.astype(int), unit="min")
            end = end.where(~(end <= start), end + pd.Timedelta(days=1))  # past midnight
        else:  # daily rows
            start_raw = end_raw = col["date"]
            start, end_is_date = parse_times(start_raw, options, order, columns.get("start", ""))
            end = start
        units = col.get("units", pd.Series([unit] * n, dtype=object))
    end = _dst_ends(pd.Series(start).reset_index(drop=True), pd.Series(end).reset_index(drop=True),
                    keys)  # fmt: skip
    cost_raw = col.get("cost", blank)
    frame = pd.DataFrame(
        {
            "line": np.array([line for line, _r in every], dtype=np.int64),
            "meter": keys.astype(str).to_numpy(),
            "start": pd.Series(start).reset_index(drop=True),
            "end": end,
            "end_is_date": end_is_date,
            "start_raw": start_raw.to_numpy(),
            "end_raw": end_raw.to_numpy(),
            "quantity": parse_numbers(col["quantity"], decimal=options.decimal,
                                      thousands=options.thousands or ","),
            "quantity_raw": col["quantity"].to_numpy(),
            "unit": units.to_numpy(),
            "cost": parse_numbers(cost_raw, decimal=options.decimal,
                                  thousands=options.thousands or ","),
            "cost_raw": cost_raw.to_numpy(),
            "currency": "",
            "estimated": False,
        }
    )[RAW_COLUMNS]  # fmt: skip
    frame = frame.iloc[: len(rows)].reset_index(drop=True)
    frame.attrs["columns"] = columns
    frame.attrs["date_order"] = order.describe()
    frame.attrs["encoding"] = describe_encoding(encoding)
    return frame


def _dst_ends(start: pd.Series, end: pd.Series, keys: pd.Series) -> pd.Series:
    """Where the next interval starts one hour off this one's end at a clock change, use it."""
    if start.dtype.kind != "M" or getattr(start.dt, "tz", None) is not None or len(start) < 2:
        return end
    nxt = start.shift(-1)
    same = (keys.shift(-1) == keys).to_numpy()
    delta = (nxt - end).abs()
    shift = (
        same
        & (delta == pd.Timedelta(hours=1)).to_numpy()
        & end.dt.hour.between(0, 3).to_numpy()
        & end.dt.month.isin(DST_MONTHS).to_numpy()
    )
    return end.where(~shift, nxt)
