"""Periods: turning what people write ("2025-01-01 to 2025-01-31") into exact instants.

A reading covers a half-open span of time [start, end). A monthly bill and a 15-minute interval
are the same thing at different lengths. Dates without a time are whole local days in the
facility's time zone, and an end *date* is inclusive, as on a bill: "Jan 1 - Jan 31" covers
all of January, so it ends at local midnight on February 1. Stored instants are UTC epoch
seconds; the local calendar month a day belongs to is computed from the facility's zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(ValueError):
    """A period that cannot be read, or that ends before it starts."""


#: The years greencare stores (as Green Button ESPI instants are bounded): a date outside them
#: is a typo (1066, 9999, 0001), and past them the roll-ups' months and Python's dates break.
FIRST_YEAR, LAST_YEAR = 1900, 2199
#: The same bounds in UTC epoch seconds, a day wider on each side for the facility's zone.
EARLIEST_UTC = -2_208_988_800 - 86_400  # 1899-12-31
LATEST_UTC = 7_258_118_400 + 86_400  # 2200-01-02


def year_problem(year: int) -> str | None:
    """Why a year cannot be stored, or None when it can."""
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return f"the year {year} is outside the years greencare stores ({FIRST_YEAR} to {LAST_YEAR})"


def check_year(value: date, text: str | None = None) -> None:
    """Raise PeriodError naming ``text`` (or the date) when its year cannot be stored."""
    problem = year_problem(value.year)
    if problem:
        raise PeriodError(f"{text or value.isoformat()!r}: {problem}")


def parse_instant(text: str, tz: str, *, is_end: bool = False) -> datetime:
    """Parse a date or date-time into an aware UTC datetime.

    Args:
        text: ``YYYY-MM-DD``, or ISO 8601 date-time with or without a UTC offset.
        tz: IANA zone used for dates and for date-times without an offset.
        is_end: a bare date is the *last day* of a period, so the instant is the next midnight.
    """
    raw = text.strip()
    zone = ZoneInfo(tz)
    if _DATE_ONLY.match(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise PeriodError(f"{raw!r} is not a valid date") from exc
        check_year(day, raw)
        if is_end:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PeriodError(
            f"{raw!r} is not a date (YYYY-MM-DD) or ISO 8601 date-time (2025-01-01T00:15:00-05:00)"
        ) from exc
    check_year(moment, raw)
    if moment.tzinfo is None:
        moment = _local(moment.replace(tzinfo=zone), raw, tz)
    return moment.astimezone(UTC)


def _local(moment: datetime, raw: str, tz: str) -> datetime:
    """A local wall time that exists once in its zone; one that daylight saving repeats or
    skips is refused (zoneinfo would quietly take the first reading, or shift it an hour)."""
    first, second = moment.replace(fold=0), moment.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    shown = raw
    there = first.astimezone(UTC).astimezone(first.tzinfo)
    if there.replace(tzinfo=None) != first.replace(tzinfo=None):  # not on the clock
        raise PeriodError(
            f"{shown} does not exist in {tz} (clocks go forward): give a UTC offset or a time "
            "outside the change"
        )
    a, b = (f"{shown}{_offset(m)}" for m in (first, second))
    raise PeriodError(
        f"{shown} happens twice in {tz} (clocks go back): give its UTC offset, {a} (the first) "
        f"or {b} (the second)"
    )


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def parse_period(start: str, end: str, tz: str) -> tuple[datetime, datetime]:
    """Both ends of a period as UTC datetimes; raises PeriodError if end is not after start."""
    begin = parse_instant(start, tz)
    finish = parse_instant(end, tz, is_end=True)
    if finish <= begin:
        raise PeriodError(f"period ends ({end}) before it starts ({start})")
    return begin, finish


def to_epoch(moment: datetime) -> int:
    """UTC epoch seconds, the form readings are stored in."""
    if moment.tzinfo is None:
        raise PeriodError("a time without a time zone cannot be stored")
    return int(moment.timestamp())


def from_epoch(seconds: int, tz: str) -> datetime:
    return datetime.fromtimestamp(seconds, tz=ZoneInfo(tz))


def format_period(start_utc: int, end_utc: int, tz: str) -> tuple[str, str]:
    """How a stored period reads to a person in the facility's zone.

    Whole local days show as dates with an inclusive end (as entered from a bill); anything
    else shows as local ISO date-times with offset and an exclusive end.
    """
    begin, finish = from_epoch(start_utc, tz), from_epoch(end_utc, tz)
    if _is_midnight(begin) and _is_midnight(finish):
        return begin.date().isoformat(), (finish.date() - timedelta(days=1)).isoformat()
    return begin.isoformat(timespec="minutes"), finish.isoformat(timespec="minutes")


def _is_midnight(moment: datetime) -> bool:
    return moment.hour == 0 and moment.minute == 0 and moment.second == 0


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
