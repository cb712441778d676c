"""Open Energy Dashboard reading files: ``reading,start_timestamp,end_timestamp`` without a header.

OED (openenergydashboard.org) uploads and exports readings as headerless CSV rows of one meter:
three columns (usage, start, end), or two (usage, end) for meters that only report when a
period ends. Give the meter with ``--meter``. With end-only rows each period starts where the
previous one ended; the first row has no start, so it is left out and a warning says so (give
``--interval MINUTES`` to keep it). ``--cumulative`` turns register reads into usage as for
any format.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
_STAMP = re.compile(r"^\s*\d{1,4}[-/]\d{1,2}[-/]\d{1,4}[ T]\d{1,2}:\d{2}")


class OedCsv:
    name = "oed-csv"
    description = "Open Energy Dashboard readings: reading,start,end (or reading,end), no header"

    def sniff(self, path: Path, head: bytes) -> bool:
        lines = decode_head(head).decode("utf-8-sig", errors="replace").splitlines()[:3]
        if not lines:
            return False
        fields = [line.split(",") for line in lines if line.strip()]
        return all(
            len(f) in (2, 3) and _NUMBER.match(f[0]) and all(_STAMP.match(x) for x in f[1:])
            for f in fields
        )

    def read(self, path: Path, options: ImportOptions) -> Iterator[pd.DataFrame]:
        encoding = text_encoding(path, options)
        width = _width(path, encoding)
        names = ["quantity", "start", "end"] if width == 3 else ["quantity", "end"]
        labels = {"start": "column 2", "end": f"column {width}"}

        def rows() -> Any:
            return pd.read_csv(
                path,
                header=None,
                names=names,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                chunksize=options.chunk_rows,
                index_col=False,
                engine="c",
                encoding=encoding,
            )

        def rescan() -> Any:  # the whole file's times, when the first chunk leaves the order open
            line = 1
            for chunk in rows():
                lines = np.arange(line, line + len(chunk), dtype=np.int64)
                line += len(chunk)
                yield lines, [(labels[k], chunk[k]) for k in names[1:]]

        order = DateOrder(path, options, lookahead=rescan)
        reader = rows()
        line = 1
        previous_end: pd.Timestamp | None = None
        try:
            for chunk in reader:
                n = len(chunk)
                lines = np.arange(line, line + n, dtype=np.int64)
                order.begin(lines)
                order.settle(lines, [(labels[k], chunk[k]) for k in names[1:]])
                end, _ = parse_times(chunk["end"], options, order, labels["end"])
                if width == 3:
                    start, _ = parse_times(chunk["start"], options, order, labels["start"])
                    start_raw = chunk["start"].to_numpy()
                else:  # each period starts where the one before it ended
                    start = end.shift(1)
                    if previous_end is not None and n:
                        start.iloc[0] = previous_end
                    start_raw = np.array([""] * n, dtype=object)
                    previous_end = end.iloc[-1] if n else previous_end
                raw = pd.DataFrame(
                    {
                        "line": lines,
                        "meter": np.array([""] * n, dtype=object),
                        "start": start.reset_index(drop=True),
                        "end": end.reset_index(drop=True),
                        "end_is_date": np.zeros(n, dtype=bool),
                        "start_raw": start_raw,
                        "end_raw": chunk["end"].to_numpy(),
                        "quantity": parse_numbers(chunk["quantity"]),
                        "quantity_raw": chunk["quantity"].to_numpy(),
                        "unit": np.array([""] * n, dtype=object),
                        "cost": np.full(n, np.nan),
                        "cost_raw": np.array([""] * n, dtype=object),
                        "currency": np.array([""] * n, dtype=object),
                        "estimated": np.zeros(n, dtype=bool),
                    }
                )[RAW_COLUMNS]
                raw.attrs["columns"] = {"quantity": "column 1 (reading)", "start": "column 2",
                                        "end": f"column {width}"}  # fmt: skip
                raw.attrs["date_order"] = order.describe()
                raw.attrs["encoding"] = describe_encoding(encoding)
                if (
                    width == 2
                    and line == 1
                    and not options.interval_minutes
                    and not options.cumulative
                ):
                    raw.attrs["dropped"] = [(1, "end-only data: the first reading has no start "
                                             "and is left out (give --interval to keep it)")]  # fmt: skip
                    raw = raw.iloc[1:].reset_index(drop=True)
                line += n
                yield raw
        except pd.errors.ParserError as exc:
            if "EOF inside string" in str(exc):
                from greencare.importers.generic_csv import unclosed_quote

                raise unclosed_quote(path, encoding) from exc
            raise FormatError(path, f"rows of different lengths: {exc}") from exc


def _width(path: Path, encoding: str = "utf-8-sig") -> int:
    with path.open(encoding=encoding, newline="") as handle:
        first = next(csv.reader(handle), None)
    if not first or len(first) not in (2, 3):
        raise FormatError(path, "an OED file has 2 or 3 columns: reading, [start,] end", line=1)
    return len(first)
