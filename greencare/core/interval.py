"""Interval-meter analytics: demand, load factor, base load, schedules, and the charts' numbers.

Everything starts from *local clock hours*: each interval reading (15 minutes, 30, an hour) is
put into the hour of the facility's wall clock it falls in, split by time where it straddles two.
An hour keeps its energy, the seconds of readings in it (so a gap is a gap, not a low load), and
the highest average power of any reading that starts in it, with that reading's start: the
monthly peak demand is then exactly the highest interval of the raw data. The storage layer
keeps these hours in ``reading_hours`` inside every write, so a decade of 15-minute data is a
few tens of thousands of rows by the time a chart asks for it.

Definitions (stated in the README's "Interval meters" section):

* **Power** of an interval = its energy / its length in hours (kWh / h = kW for energy meters).
* **Peak demand** of a month = the highest power of any interval starting in it, and its time.
  Utilities bill demand over their own window (often 15 minutes); with hourly data the peak
  here is an hourly average and will read lower than a 15-minute billed demand.
* **Average power** = the month's energy / the hours the readings cover.
* **Load factor** = average power / peak demand (1 is a flat load).
* **Base load** = the ``base_percentile``-th percentile (default 5th, NumPy's linear
  interpolation) of the average power of fully covered night hours (local 00:00-05:00 by
  default). A low percentile rather than the minimum keeps one odd reading from setting it, the
  approach of P. Price, "Methods for Analyzing Electric Load Shape and its Variability",
  Lawrence Berkeley National Laboratory report LBNL-3713E (2010), whose load-shape parameters
  ("near-base load", "near-peak load") are low and high percentiles of load.
* **After-hours share** = energy in hours the :class:`~greencare.core.tou.Schedule` counts as
  unoccupied / all energy.
* **Time-of-use shares** = energy in each period of a :class:`~greencare.core.tou.TouCalendar`
  / all energy.

Daylight saving: local hours come from the IANA zone, so a spring-forward day has 23 hours and a
fall-back day 25 (its repeated 01:00 hour is two separate hours, both counted).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from greencare.core.calendar import local_month_index, month_label
from greencare.core.tou import DEFAULT_CALENDAR, DEFAULT_SCHEDULE, Schedule, TouCalendar

#: Readings at most this long are interval data and go into the hourly roll-up; longer ones
#: (daily reads, bills) do not describe a load shape.
MAX_INTERVAL_SECONDS = 3600

#: Columns of an hourly frame (and of the ``reading_hours`` table, after ``meter_id``).
HOUR_COLUMNS = [
    "hour_utc",
    "quantity_canonical",
    "seconds",
    "estimated_canonical",
    "peak_rate",
    "peak_start_utc",
    "peak_seconds",
    "readings",
]

#: A covered hour: readings account for all of its 3,600 seconds (float sums of shares).
_FULL = 3600 - 1e-6


def _wall(epoch: np.ndarray, tz: str) -> np.ndarray:
    """Local wall-clock seconds since 1970-01-01 00:00 local of each UTC epoch second."""
    local = pd.DatetimeIndex(pd.to_datetime(epoch, unit="s", utc=True)).tz_convert(tz)
    return np.asarray(local.tz_localize(None).as_unit("s").asi8, dtype=np.int64)


def hour_start(epoch: np.ndarray, tz: str) -> np.ndarray:
    """UTC epoch second at which the local clock hour containing each instant began."""
    epoch = np.asarray(epoch, dtype=np.int64)
    return epoch - _wall(epoch, tz) % 3600


def power_unit(canonical_unit: str) -> str:
    """The unit of energy per hour for a canonical unit: kW for kWh, "m**3/h" for water."""
    return "kW" if canonical_unit == "kWh" else f"{canonical_unit}/h"


def hourly(
    start_utc: Any,
    end_utc: Any,
    quantity: Any,
    tz: str,
    estimated: Any = None,
    *,
    prior: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Interval readings into local clock hours (``HOUR_COLUMNS``), sorted by hour.

    Readings must not overlap, be at most ``MAX_INTERVAL_SECONDS`` long, and come in start order
    (the order every sum is folded in, so a roll-up kept by appends equals one rebuilt from
    scratch exactly). A reading crossing an hour boundary is split by time; its peak power
    belongs to the hour it starts in.

    ``prior``: hours (``HOUR_COLUMNS``) already folded from earlier readings, every one of which
    started before these; each of its sums is continued with these readings' shares, so
    appending readings to a stored roll-up gives the very floats a rebuild gives.

    One meter's :func:`hourly_by_meter`: the same fold, so the floats are the same either way.
    """
    start = np.asarray(start_utc, dtype=np.int64)
    if start.size == 0:
        return pd.DataFrame({c: np.array([], dtype=float) for c in HOUR_COLUMNS})
    if prior is not None and not prior.empty:
        prior = prior.assign(meter_id=0)
    hours = hourly_by_meter(
        np.zeros(start.size, dtype=np.int64), start, end_utc, quantity, {0: tz}, estimated,
        prior=prior,
    )  # fmt: skip
    return hours.drop(columns="meter_id")


def hourly_by_meter(
    meter_id: Any,
    start_utc: Any,
    end_utc: Any,
    quantity: Any,
    zones: Mapping[int, str],
    estimated: Any = None,
    *,
    prior: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`hourly` of many meters' readings at once: ``meter_id`` plus ``HOUR_COLUMNS``,
    sorted by meter and hour; ``zones`` maps each meter to its IANA zone.

    Each meter's readings come in start order (meters may interleave); ``prior`` (with a
    ``meter_id`` column) holds stored hours to continue, rows of meters without readings here
    ignored. One pass keyed by (meter, hour), each zone's clock converted once: an import's
    chunk of 50 meters was 50 calls of :func:`hourly`, each paying pandas' fixed costs twice
    per time-zone conversion. Within an hour the sums are folded exactly as :func:`hourly`
    folds them (a prior sum first, then the readings' shares in start order, one sequential
    ``bincount``), so every float equals the one-meter result.
    """
    meter = np.asarray(meter_id, dtype=np.int64)
    start = np.asarray(start_utc, dtype=np.int64)
    end = np.asarray(end_utc, dtype=np.int64)
    q = np.asarray(quantity, dtype=float)
    est = np.zeros(start.size, dtype=bool) if estimated is None else np.asarray(estimated, bool)
    if start.size == 0:
        return pd.DataFrame({c: np.array([], dtype=float) for c in ["meter_id", *HOUR_COLUMNS]})
    duration = end - start
    if (duration <= 0).any() or (duration > MAX_INTERVAL_SECONDS).any():
        raise ValueError(f"interval readings must last 1 to {MAX_INTERVAL_SECONDS} seconds")
    meters, rank = np.unique(meter, return_inverse=True)
    rank = rank.ravel()
    _check_start_order(rank, start)
    b0, b1 = _hour_starts(meters, rank, start, end, zones)
    split = np.flatnonzero(b1 != b0)
    first_share = np.ones(start.size)
    first_share[split] = (b1[split] - start[split]) / duration[split]
    row = np.concatenate([np.arange(start.size), split])
    share = np.concatenate([first_share, 1.0 - first_share[split]])
    owner = rank[row]
    bucket = np.concatenate([b0, b1[split]])
    energy = q[row] * share
    seconds = duration[row] * share
    est_energy = np.where(est[row], energy, 0.0)
    order_key = start[row].astype(float)
    rate = q / duration * 3600.0
    cand_owner, cand_bucket, cand_rate, cand_start, cand_len = rank, b0, rate, start, duration
    cand_count = np.ones(start.size, dtype=np.int64)
    if prior is not None and not prior.empty:
        p_meter = prior["meter_id"].to_numpy(dtype=np.int64)
        at = np.minimum(np.searchsorted(meters, p_meter), meters.size - 1)
        known = meters[at] == p_meter
        prior, p_rank = prior[known], at[known]
        p_hour = prior["hour_utc"].to_numpy(dtype=np.int64)
        owner = np.concatenate([p_rank, owner])
        bucket = np.concatenate([p_hour, bucket])
        energy = np.concatenate([prior["quantity_canonical"].to_numpy(dtype=float), energy])
        seconds = np.concatenate([prior["seconds"].to_numpy(dtype=float), seconds])
        est_energy = np.concatenate([prior["estimated_canonical"].to_numpy(float), est_energy])
        order_key = np.concatenate([np.full(p_hour.size, -np.inf), order_key])  # folded first
        has = prior["readings"].to_numpy(dtype=np.int64) > 0
        cand_owner = np.concatenate([p_rank[has], rank])
        cand_bucket = np.concatenate([p_hour[has], b0])
        cand_rate = np.concatenate([prior["peak_rate"].to_numpy(float)[has], rate])
        p_start = prior["peak_start_utc"].to_numpy(dtype=float, na_value=np.nan)
        cand_start = np.concatenate([p_start[has].astype(np.int64), start])
        cand_len = np.concatenate([prior["peak_seconds"].to_numpy(np.int64)[has], duration])
        cand_count = np.concatenate([prior["readings"].to_numpy(np.int64)[has], cand_count])
    # (meter, hour) as one int64 key: meter rank x the span of hours + the hour's offset
    lo = int(bucket.min())
    span = int(bucket.max()) - lo + 1
    if meters.size * span >= 2**62:
        raise ValueError("interval readings span too many meters and years to roll up at once")
    key = owner * span + (bucket - lo)
    order = np.lexsort((order_key, key))  # within an hour, fold in reading start order
    ranked = key[order]
    firsts = np.r_[True, ranked[1:] != ranked[:-1]]
    keys = ranked[firsts]
    inverse = np.cumsum(firsts) - 1

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values[order], minlength=keys.size)

    # Peaks: the highest power starting in each hour, the earliest such reading on a tie.
    cand_key = cand_owner * span + (cand_bucket - lo)
    by_start = np.lexsort((cand_start, cand_key))
    sorted_key = cand_key[by_start]
    heads = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    winners = by_start[_first_highest(cand_rate[by_start], heads)]
    where = np.searchsorted(keys, cand_key[winners])
    peak_rate = np.full(keys.size, np.nan)
    peak_start = np.zeros(keys.size, dtype=np.int64)
    peak_len = np.zeros(keys.size, dtype=np.int64)
    readings = np.zeros(keys.size, dtype=np.int64)
    peak_rate[where] = cand_rate[winners]
    peak_start[where] = cand_start[winners]
    peak_len[where] = cand_len[winners]
    readings[where] = np.add.reduceat(cand_count[by_start], heads)
    return pd.DataFrame(
        {
            "meter_id": meters[keys // span],
            "hour_utc": keys % span + lo,
            "quantity_canonical": total(energy),
            "seconds": total(seconds),
            "estimated_canonical": total(est_energy),
            "peak_rate": peak_rate,
            "peak_start_utc": pd.arrays.IntegerArray(peak_start, readings == 0),
            "peak_seconds": peak_len,
            "readings": readings,
        }
    )


def _first_highest(rate: np.ndarray, heads: np.ndarray) -> np.ndarray:
    """Index of the first highest ``rate`` of each group (groups start at ``heads``): a NaN
    rate never wins unless all of its group's are NaN, then the first does (as a sort by
    descending rate puts NaN last). One max per group, not a sort of every rate by value."""
    starts = np.zeros(rate.size, dtype=np.int64)
    starts[heads[1:]] = 1
    group = np.cumsum(starts)
    top = np.fmax.reduceat(rate, heads)
    hit = np.flatnonzero(rate == top[group])
    of = group[hit]
    first = np.ones(hit.size, dtype=bool)
    first[1:] = of[1:] != of[:-1]
    out = heads.copy()  # all NaN: the first
    out[of[first]] = hit[first]
    return out


def _check_start_order(rank: np.ndarray, start: np.ndarray) -> None:
    """Refuse readings out of start order within a meter (the fold order of every sum)."""
    if rank.size > 1 and not bool((rank[1:] >= rank[:-1]).all()):
        by_meter = np.argsort(rank, kind="stable")
        rank, start = rank[by_meter], start[by_meter]
    if ((np.diff(start) < 0) & (rank[1:] == rank[:-1])).any():
        raise ValueError("interval readings must be in start order")


def _hour_starts(
    meters: np.ndarray, rank: np.ndarray, start: np.ndarray, end: np.ndarray, zones: Mapping
) -> tuple[np.ndarray, np.ndarray]:
    """The local hour each reading starts in and the one its last second lies in (UTC epoch),
    each zone's readings converted in one call."""
    zone = np.array([zones[int(m)] for m in meters.tolist()], dtype=object)
    names = list(dict.fromkeys(zone.tolist()))
    if len(names) == 1:
        both = hour_start(np.concatenate([start, end - 1]), names[0])
        return both[: start.size], both[start.size :]
    b0, b1 = np.empty_like(start), np.empty_like(start)
    for tz in names:
        sel = np.flatnonzero((zone == tz)[rank])
        both = hour_start(np.concatenate([start[sel], end[sel] - 1]), tz)
        b0[sel], b1[sel] = both[: sel.size], both[sel.size :]
    return b0, b1


def _local_fields(hour_utc: np.ndarray, tz: str) -> dict[str, np.ndarray]:
    """Local month index, ISO date, weekday (Monday 0) and hour of day of each hour start."""
    wall = _wall(hour_utc, tz)
    day = wall // 86400
    return {
        "month": local_month_index(hour_utc, tz),
        "day": day,
        "date": np.datetime_as_string(day.astype("datetime64[D]")),
        "weekday": (day + 3) % 7,  # 1970-01-01 was a Thursday
        "hour": (wall % 86400) // 3600,
    }


def _local_iso(epoch: int, tz: str) -> str:
    return pd.Timestamp(int(epoch), unit="s", tz="UTC").tz_convert(tz).isoformat()


def monthly_metrics(
    hours: pd.DataFrame,
    tz: str,
    *,
    schedule: Schedule = DEFAULT_SCHEDULE,
    calendar: TouCalendar = DEFAULT_CALENDAR,
    base_percentile: float = 5.0,
    night: tuple[int, int] = (0, 5),
) -> list[dict[str, Any]]:
    """Per local month: energy, coverage, peak demand (and when), average power, load factor,
    base load, after-hours share and time-of-use shares; see the module docstring."""
    if hours.empty:
        return []
    hour_utc = hours["hour_utc"].to_numpy(dtype=np.int64)
    energy = hours["quantity_canonical"].to_numpy(dtype=float)
    seconds = hours["seconds"].to_numpy(dtype=float)
    rate = hours["peak_rate"].to_numpy(dtype=float, na_value=np.nan)
    peak_start = hours["peak_start_utc"].to_numpy(dtype=float, na_value=np.nan)
    local = _local_fields(hour_utc, tz)
    occupied = schedule.occupied(local["weekday"], local["hour"], local["date"])
    period = calendar.classify(local["month"] % 12 + 1, local["weekday"], local["hour"])
    is_night = (local["hour"] >= night[0]) & (local["hour"] < night[1]) & (seconds >= _FULL)
    power = np.divide(energy * 3600.0, seconds, out=np.full(energy.size, np.nan), where=seconds > 0)
    out = []
    months, inverse = np.unique(local["month"], return_inverse=True)
    for k, month in enumerate(months):
        sel = inverse.ravel() == k
        total = float(energy[sel].sum())
        covered = float(seconds[sel].sum()) / 3600.0
        peaks = np.where(sel & ~np.isnan(rate), rate, -np.inf)
        top = int(np.argmax(peaks))  # the first (earliest hour) of equal peaks
        peak = float(rate[top]) if np.isfinite(peaks[top]) else float("nan")
        average = total / covered if covered > 0 else float("nan")
        nights = power[sel & is_night]
        shares = {
            name: (float(energy[sel & (period == i)].sum()) / total if total else float("nan"))
            for i, name in enumerate(calendar.names)
        }
        out.append(
            {
                "month": str(month_label(int(month))),
                "energy": total,
                "hours_covered": covered,
                "hours_in_month": _hours_in_month(int(month), tz),
                "estimated_energy": float(hours["estimated_canonical"].to_numpy()[sel].sum()),
                "peak_power": peak,
                "peak_start": _local_iso(int(peak_start[top]), tz) if np.isfinite(peak) else None,
                "average_power": average,
                "load_factor": average / peak if peak > 0 else float("nan"),
                "base_load": float(np.percentile(nights, base_percentile))
                if nights.size
                else float("nan"),
                "night_hours": int(nights.size),
                "after_hours_share": float(energy[sel & ~occupied].sum()) / total
                if total
                else float("nan"),
                "tou_shares": shares,
            }
        )
    return out


@lru_cache(maxsize=1024)
def _hours_in_month(month: int, tz: str) -> float:
    """Hours of a local month (743 or 745 across a clock change); cached, since a report asks
    for the same months of every meter and each costs a pandas time-zone localisation."""
    from greencare.core.calendar import month_starts

    bounds = month_starts(month, month, tz)
    return float(bounds[1] - bounds[0]) / 3600.0


def definitions(
    schedule: Schedule = DEFAULT_SCHEDULE,
    calendar: TouCalendar = DEFAULT_CALENDAR,
    base_percentile: float = 5.0,
    night: tuple[int, int] = (0, 5),
) -> dict[str, str]:
    """The stated definitions behind ``monthly_metrics``' numbers, for reports and ``--json``."""
    return {
        "peak_power": "highest average power of one interval reading (energy / its hours)",
        "load_factor": "average power over the hours covered / peak power",
        "base_load": f"{base_percentile:g}th percentile (linear interpolation) of the average "
        f"power of fully covered local hours {night[0]:02d}:00-{night[1]:02d}:00",
        "after_hours_share": f"share of energy outside the schedule ({schedule.describe()})",
        "tou_shares": f"share of energy in each period of {calendar.name} ({calendar.source})",
    }


def daily_profile(
    hours: pd.DataFrame, tz: str, seasons: dict[int, str] | None = None
) -> pd.DataFrame:
    """Average power by season, day type (weekday / weekend) and local hour of day.

    Each value is the energy of all such hours / their covered time, so a gap lowers nothing.
    """
    from greencare.core.tou import NORTHERN_SEASONS

    seasons = seasons or NORTHERN_SEASONS
    local = _local_fields(hours["hour_utc"].to_numpy(dtype=np.int64), tz)
    frame = pd.DataFrame(
        {
            "season": pd.Series(local["month"] % 12 + 1).map(seasons).to_numpy(),
            "day_type": np.where(local["weekday"] >= 5, "weekend", "weekday"),
            "hour": local["hour"],
            "energy": hours["quantity_canonical"].to_numpy(dtype=float),
            "seconds": hours["seconds"].to_numpy(dtype=float),
        }
    )
    sums = frame.groupby(["season", "day_type", "hour"], as_index=False)[["energy", "seconds"]]
    out = sums.sum()
    out["power"] = out["energy"] * 3600.0 / out["seconds"]
    return out[["season", "day_type", "hour", "power"]]


def heatmap(hours: pd.DataFrame, tz: str, month: str) -> tuple[list[str], np.ndarray]:
    """Average power of each local day (rows) and hour of day (24 columns) of ``month``.

    An hour without readings, and the hour skipped when clocks spring forward, is NaN; the
    repeated hour when they fall back holds both hours' energy over their time.
    """
    local = _local_fields(hours["hour_utc"].to_numpy(dtype=np.int64), tz)
    labels = month_label(local["month"]) if len(hours) else np.array([], dtype=object)
    sel = labels == month
    first = np.datetime64(f"{month}-01")
    days = np.arange(first, first + np.timedelta64(1, "M").astype("timedelta64[D]") + 1)
    days = days[days.astype("datetime64[M]") == first.astype("datetime64[M]")]
    energy = np.zeros((days.size, 24))
    seconds = np.zeros((days.size, 24))
    row = local["day"][sel] - days[0].astype(np.int64)
    np.add.at(energy, (row, local["hour"][sel]), hours["quantity_canonical"].to_numpy()[sel])
    np.add.at(seconds, (row, local["hour"][sel]), hours["seconds"].to_numpy()[sel])
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(seconds > 0, energy * 3600.0 / seconds, np.nan)
    return [str(d) for d in days], matrix


def load_duration(hours: pd.DataFrame) -> pd.DataFrame:
    """Hourly average power sorted from highest to lowest, with the share of covered time at or
    above each value (the x axis of a load-duration curve)."""
    seconds = hours["seconds"].to_numpy(dtype=float)
    keep = seconds > 0
    power = hours["quantity_canonical"].to_numpy(dtype=float)[keep] * 3600.0 / seconds[keep]
    order = np.argsort(-power, kind="stable")
    time = np.cumsum(seconds[keep][order])
    return pd.DataFrame(
        {"power": power[order], "time_share": time / time[-1] if time.size else time}
    )


def monthly_comparison(months: pd.DataFrame, last: str, count: int = 24) -> pd.DataFrame:
    """``count`` months ending at ``last`` (``YYYY-MM``), each with the same month a year
    earlier: columns month, quantity, cost, last_year_quantity, last_year_cost (NaN = no data).

    ``months`` has columns month, quantity and optionally cost (one row per month).
    """
    year, mon = int(last[:4]), int(last[5:7])
    end = year * 12 + mon - 1
    idx = np.arange(end - count + 1, end + 1)
    labels = [str(x) for x in month_label(idx)]
    earlier = [str(x) for x in month_label(idx - 12)]
    data = months.set_index("month")
    cost = data["cost"] if "cost" in data else pd.Series(dtype=float)
    return pd.DataFrame(
        {
            "month": labels,
            "quantity": data["quantity"].reindex(labels).to_numpy(dtype=float),
            "cost": cost.reindex(labels).to_numpy(dtype=float),
            "last_year_quantity": data["quantity"].reindex(earlier).to_numpy(dtype=float),
            "last_year_cost": cost.reindex(earlier).to_numpy(dtype=float),
        }
    )
