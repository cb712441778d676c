"""Interval meters: the monthly metrics and the chart series of one meter's load.

Everything here reads the hourly roll-up (``reading_hours``, kept inside every write) once, as
one set of columns (:func:`greencare.storage.hours.read`), and hands it to the pure functions of
:mod:`greencare.core.interval`; the month-against-last-year chart reads the monthly roll-up
(``reading_months``), so bills before the interval data started count too. Definitions of each
metric are in :func:`greencare.core.interval.definitions` and the README's "Interval meters".

A meter without readings of at most an hour has no load shape: :class:`NoIntervalData` says so
(and names the meter) rather than drawing empty charts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from greencare.core import interval as iv
from greencare.core.errors import InputError, NotFoundError
from greencare.core.models import Meter
from greencare.core.tou import DEFAULT_CALENDAR, DEFAULT_SCHEDULE, Schedule, TouCalendar
from greencare.services.facilities import get_facility, get_meter, list_meters
from greencare.storage import hours as hours_store

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class NoIntervalData(NotFoundError):
    """The meter has no interval readings (readings of at most an hour)."""


@dataclass
class IntervalData:
    """One meter's hours over a range of local months, read once for every chart."""

    meter: Meter
    facility: str
    timezone: str
    canonical_unit: str
    power_unit: str
    hours: pd.DataFrame
    months: list[str] = field(default_factory=list)  # local months with interval data

    @property
    def last_month(self) -> str:
        return self.months[-1]


def _check_month(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not _MONTH.match(str(value)):
        raise InputError(f"{name}: {value!r} is not a month (YYYY-MM)", {name: "YYYY-MM"})
    return str(value)


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def load(
    db: Database,
    meter: int | str,
    *,
    facility: int | str | None = None,
    first_month: str | None = None,
    last_month: str | None = None,
) -> IntervalData:
    """A meter's stored hours in local months ``first_month``..``last_month`` (both optional)."""
    from greencare.core.calendar import local_month_index, month_label, month_starts
    from greencare.core.units import canonical_unit

    first_month = _check_month(first_month, "from")
    last_month = _check_month(last_month, "to")
    if first_month and last_month and first_month > last_month:
        raise InputError(f"from {first_month} is after to {last_month}", {"from": "after to"})
    target = get_meter(db, meter, facility=facility)
    owner = get_facility(db, target.facility_id)
    tz = owner.timezone or "UTC"
    start = end = None
    if first_month:
        start = int(month_starts(_index(first_month), _index(first_month), tz)[0])
    if last_month:
        end = int(month_starts(_index(last_month), _index(last_month), tz)[1])
    hours = hours_store.read(db, int(target.id or 0), start, end)
    if hours.empty:
        span = ""
        if first_month or last_month:
            span = f" from {first_month or 'the start'} to {last_month or 'the end'}"
        raise NoIntervalData(
            f"meter {target.name} ({owner.name}) has no interval readings{span} "
            "(readings of at most an hour)"
        )
    months = [str(m) for m in month_label(np.unique(local_month_index(
        hours["hour_utc"].to_numpy(dtype=np.int64), tz)))]  # fmt: skip
    unit = canonical_unit(target.commodity)
    return IntervalData(target, owner.name, tz, unit, iv.power_unit(unit), hours, months)


def has_interval_data(db: Database, meter: int | str) -> bool:
    """Whether the meter has any rolled-up interval hours (for a screen to offer its charts)."""
    return hours_store.has_hours(db, int(get_meter(db, meter).id or 0))


def metrics(
    data: IntervalData,
    *,
    schedule: Schedule = DEFAULT_SCHEDULE,
    calendar: TouCalendar = DEFAULT_CALENDAR,
) -> list[dict[str, Any]]:
    """Per local month: energy, peak demand and its time, load factor, base load, after-hours
    and time-of-use shares (see :func:`greencare.core.interval.monthly_metrics`)."""
    return iv.monthly_metrics(data.hours, data.timezone, schedule=schedule, calendar=calendar)


def interval_profile(
    db: Database,
    meter: int | str,
    *,
    facility: int | str | None = None,
    first_month: str | None = None,
    last_month: str | None = None,
    schedule: Schedule = DEFAULT_SCHEDULE,
    calendar: TouCalendar = DEFAULT_CALENDAR,
) -> dict[str, Any]:
    """``greencare meter profile``: the monthly metrics with their definitions and units."""
    data = load(db, meter, facility=facility, first_month=first_month, last_month=last_month)
    return {
        "meter": data.meter.name,
        "meter_id": data.meter.id,
        "facility": data.facility,
        "timezone": data.timezone,
        "energy_unit": data.canonical_unit,
        "power_unit": data.power_unit,
        "schedule": schedule.describe(),
        "calendar": calendar.name,
        "calendar_source": calendar.source,
        "definitions": iv.definitions(schedule, calendar),
        "months": metrics(data, schedule=schedule, calendar=calendar),
    }


def daily_profile(data: IntervalData, month: str | None = None) -> pd.DataFrame:
    """Average power by season, day type and local hour (of one month, or of all the data)."""
    return iv.daily_profile(_month_hours(data, month), data.timezone)


def heatmap(data: IntervalData, month: str | None = None) -> tuple[list[str], np.ndarray]:
    """Average power of each day (rows) x local hour (columns) of ``month`` (default: the last
    month with data)."""
    return iv.heatmap(data.hours, data.timezone, month or data.last_month)


def load_duration(data: IntervalData, month: str | None = None) -> pd.DataFrame:
    """Hourly average power sorted high to low with its share of covered time."""
    return iv.load_duration(_month_hours(data, month))


def month_comparison(
    db: Database, data: IntervalData, last: str | None = None, count: int = 24
) -> pd.DataFrame:
    """``count`` months of use (and cost) ending at ``last`` against the same month a year
    before, from the monthly roll-up (bills before the interval data count too)."""
    months = hours_store.meter_months(db, int(data.meter.id or 0), data.canonical_unit)
    return iv.monthly_comparison(months, last or data.last_month, count)


def _month_hours(data: IntervalData, month: str | None) -> pd.DataFrame:
    if month is None:
        return data.hours
    _check_month(month, "month")
    if month not in data.months:
        raise NoIntervalData(
            f"meter {data.meter.name} has no interval readings in {month} "
            f"(it has {data.months[0]} to {data.months[-1]})"
        )
    from greencare.core.calendar import month_starts

    lo, hi = month_starts(_index(month), _index(month), data.timezone)
    hour = data.hours["hour_utc"].to_numpy(dtype=np.int64)
    a, b = np.searchsorted(hour, [lo, hi])
    return data.hours.iloc[int(a) : int(b)]


def billed_vs_metered(db: Database, meter: int | str) -> list[dict[str, Any]]:
    """Bills of a meter whose billed demand is below the metered peak of interval data in the
    same period: a data-quality warning (the bill's demand, its window, or the data is off).

    A meter's readings never overlap, so interval data for a bill's period is on another meter
    of the same facility and commodity (the same supply read by a smart meter, or a sub-meter):
    the bill's demand cannot be lower than any of their peaks. Each entry names that meter.
    """
    from greencare.core.periods import format_period

    target = get_meter(db, meter)
    owner = get_facility(db, target.facility_id)
    siblings = {
        int(m.id or 0): m.name
        for m in list_meters(db, facility=target.facility_id)
        if m.commodity == target.commodity and hours_store.has_hours(db, int(m.id or 0))
    }
    if target.id is not None and hours_store.has_hours(db, int(target.id)):
        siblings[int(target.id)] = target.name
    out = []
    if not siblings:
        return out
    tz = owner.timezone or "UTC"
    for bill in hours_store.billed_demand(db, int(target.id or 0)):
        found = hours_store.peak_between(db, sorted(siblings), bill["start_utc"], bill["end_utc"])
        if found is None or bill["demand_kw"] + 1e-9 >= found[0]:
            continue
        start, end = format_period(bill["start_utc"], bill["end_utc"], tz)
        out.append({
            **bill, "start": start, "end": end, "metered_peak": found[0],
            "interval_meter": siblings[found[1]],
            "peak_start": pd.Timestamp(found[2], unit="s", tz="UTC").tz_convert(tz).isoformat(),
        })  # fmt: skip
    return out
