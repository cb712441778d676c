"""Calendarization: spreading each reading's quantity over the local calendar months it covers.

A bill from 14 January to 12 February is split between January and February in proportion to
the time it spends in each (for whole-day bills, by days, as ENERGY STAR Portfolio Manager does).
A 15-minute interval falls in a single month and passes through whole. Month boundaries are the
facility's local midnights, so a bill in New York and one in London split at their own months.

Everything works on whole columns with numpy: a reading spanning k months becomes k rows, and
no Python code runs per reading.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def month_starts(first: int, last: int, tz: str) -> np.ndarray:
    """UTC epoch seconds of local midnight on the 1st of each month index first..last+1.

    Month index = year * 12 + (month - 1).
    """
    idx = np.arange(first, last + 2)
    years, months = idx // 12, idx % 12 + 1
    local = pd.to_datetime({"year": years, "month": months, "day": 1})
    # A month starts at the first moment its 1st exists locally: the earlier of two midnights
    # where clocks fall back at midnight, the first instant after a gap where they spring forward.
    first_occurrence = np.ones(len(idx), dtype=bool)
    stamps = pd.DatetimeIndex(local).tz_localize(
        tz, ambiguous=first_occurrence, nonexistent="shift_forward"
    )
    return (stamps.as_unit("s").asi8).astype(np.int64)


def local_month_index(epoch: np.ndarray, tz: str) -> np.ndarray:
    """Local calendar month index (year * 12 + month - 1) of each UTC epoch second."""
    local = pd.DatetimeIndex(pd.to_datetime(epoch, unit="s", utc=True)).tz_convert(tz)
    return (local.year.to_numpy() * 12 + local.month.to_numpy() - 1).astype(np.int64)


def month_label(index: np.ndarray | int) -> Any:
    """'YYYY-MM' for a month index or an array of them."""
    if isinstance(index, int | np.integer):
        return f"{index // 12:04d}-{index % 12 + 1:02d}"
    uniques, inverse = np.unique(np.asarray(index), return_inverse=True)
    labels = np.array([f"{i // 12:04d}-{i % 12 + 1:02d}" for i in uniques], dtype=object)
    return labels[inverse]


def calendarize(start_utc: Any, end_utc: Any, tz: str) -> pd.DataFrame:
    """Split periods [start, end) into local calendar months.

    Args:
        start_utc, end_utc: equal-length integer arrays of UTC epoch seconds, end > start.
        tz: the facility's IANA time zone.

    Returns:
        A frame with one row per (reading, month) overlap: ``row`` (position of the reading in
        the input), ``month`` (month index), ``share`` (fraction of the reading's duration in
        that month; a reading's shares sum to 1).
    """
    start = np.asarray(start_utc, dtype=np.int64)
    end = np.asarray(end_utc, dtype=np.int64)
    if start.size == 0:
        return pd.DataFrame({"row": [], "month": [], "share": []})
    if np.any(end <= start):
        raise ValueError("every period must end after it starts")
    # Conversions to local wall-clock time; month indexes come from those directly.
    wall_start, wall_last = _wall_clock(start, tz), _wall_clock(end - 1, tz)
    first_month = _month_of_wall(wall_start)
    last_month = _month_of_wall(wall_last)
    spans = (last_month - first_month + 1).astype(np.int64)
    if (spans == 1).all():  # nothing crosses a month boundary (interval data): whole shares
        return pd.DataFrame(
            {"row": np.arange(start.size), "month": first_month, "share": np.ones(start.size)}
        )
    wall_end = _wall_clock(end, tz)
    rows = np.repeat(np.arange(start.size), spans)
    offsets = np.arange(rows.size) - np.repeat(np.cumsum(spans) - spans, spans)
    months = first_month[rows] + offsets
    base = int(first_month.min())
    bounds = month_starts(base, int(last_month.max()), tz)
    # Whole local days (a bill) are split by days, so a month with a daylight-saving change
    # weighs the same as on the calendar; anything else by elapsed time.
    by_day = (wall_start % 86400 == 0) & (wall_end % 86400 == 0)
    wall_bounds = _wall_clock(bounds, tz)
    use_wall = by_day[rows]
    s = np.where(use_wall, wall_start[rows], start[rows])
    e = np.where(use_wall, wall_end[rows], end[rows])
    m_start = np.where(use_wall, wall_bounds[months - base], bounds[months - base])
    m_end = np.where(use_wall, wall_bounds[months - base + 1], bounds[months - base + 1])
    overlap = np.minimum(e, m_end) - np.maximum(s, m_start)
    share = overlap / (e - s)
    return pd.DataFrame({"row": rows, "month": months, "share": share})


def _month_of_wall(wall: np.ndarray) -> np.ndarray:
    """Month index (year * 12 + month - 1) of local wall-clock seconds, without a time zone."""
    months = wall.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return months + 1970 * 12


def _wall_clock(epoch: np.ndarray, tz: str) -> np.ndarray:
    """Local wall-clock time as seconds since 1970-01-01 00:00 local (no DST jumps in days)."""
    local = pd.DatetimeIndex(pd.to_datetime(epoch, unit="s", utc=True)).tz_convert(tz)
    return np.asarray(local.tz_localize(None).as_unit("s").asi8, dtype=np.int64)
