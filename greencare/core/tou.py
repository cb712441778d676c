"""Occupancy schedules and time-of-use calendars: which local hours belong to which period.

Both classify *local clock hours* (the facility's wall clock, from its IANA time zone), which is
how schedules and tariffs are written: "weekdays 07:00-19:00", "peak 4-9 p.m. every day". Hours
are whole, so a period boundary always falls on an hour boundary of the hourly roll-up and the
split of energy between periods is exact, not interpolated.

Days are numbered as Python's ``datetime.weekday()``: Monday 0 to Sunday 6. Months 1-12.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

WEEKDAYS = frozenset(range(5))
ALL_DAYS = frozenset(range(7))
ALL_MONTHS = frozenset(range(1, 13))


def _check_hours(spans: tuple[tuple[int, int], ...], what: str) -> None:
    for start, end in spans:
        if not (0 <= start < end <= 24):
            raise ValueError(
                f"{what}: hours {start}-{end} must be whole hours with 0 <= start < end <= 24"
            )


def _mask(hour: np.ndarray, spans: tuple[tuple[int, int], ...]) -> np.ndarray:
    out = np.zeros(hour.shape, dtype=bool)
    for start, end in spans:
        out |= (hour >= start) & (hour < end)
    return out


@dataclass(frozen=True)
class Schedule:
    """When a facility counts as occupied; every other hour is "after hours".

    A hospital's wards never close, so this is about the part of the load that follows the
    working day (clinics, offices, theatres): energy used outside it is the first place an
    energy manager looks for waste. The default is weekdays 07:00-19:00; pass ``holidays``
    (local dates as ``YYYY-MM-DD``) to count them as after hours.
    """

    days: frozenset[int] = WEEKDAYS
    hours: tuple[tuple[int, int], ...] = ((7, 19),)
    holidays: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_hours(self.hours, "schedule")
        if not self.days <= ALL_DAYS:
            raise ValueError("schedule: days are 0 (Monday) to 6 (Sunday)")

    def occupied(self, weekday: np.ndarray, hour: np.ndarray, date: np.ndarray) -> np.ndarray:
        """Whether each local hour (given by weekday, hour of day, ISO date) is occupied."""
        on = np.isin(weekday, sorted(self.days)) & _mask(hour, self.hours)
        if self.holidays:
            on &= ~np.isin(date, sorted(self.holidays))
        return on

    def describe(self) -> str:
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        days = ", ".join(names[d] for d in sorted(self.days))
        hours = ", ".join(f"{a:02d}:00-{b:02d}:00" for a, b in self.hours)
        extra = f", {len(self.holidays)} holidays excluded" if self.holidays else ""
        return f"occupied {days} {hours} local time{extra}"


@dataclass(frozen=True)
class Period:
    """One time-of-use period: the hours it covers on the given days of the given months."""

    name: str
    hours: tuple[tuple[int, int], ...]
    days: frozenset[int] = ALL_DAYS
    months: frozenset[int] = ALL_MONTHS

    def __post_init__(self) -> None:
        _check_hours(self.hours, f"period {self.name!r}")
        if not self.months <= ALL_MONTHS or not self.days <= ALL_DAYS:
            raise ValueError(f"period {self.name!r}: months are 1-12 and days 0-6")


@dataclass(frozen=True)
class TouCalendar:
    """Time-of-use periods; the first period that matches an hour takes it, and hours no period
    matches belong to ``default``. ``source`` says where the calendar was published."""

    name: str
    periods: tuple[Period, ...]
    default: str
    source: str = ""
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = [p.name for p in self.periods]
        names += [self.default] if self.default not in names else []
        object.__setattr__(self, "names", tuple(dict.fromkeys(names)))

    def classify(self, month: np.ndarray, weekday: np.ndarray, hour: np.ndarray) -> np.ndarray:
        """The index into ``names`` of the period of each local hour."""
        out = np.full(hour.shape, self.names.index(self.default), dtype=np.int64)
        taken = np.zeros(hour.shape, dtype=bool)
        for period in self.periods:
            hit = (
                ~taken
                & np.isin(month, sorted(period.months))
                & np.isin(weekday, sorted(period.days))
                & _mask(hour, period.hours)
            )
            out[hit] = self.names.index(period.name)
            taken |= hit
        return out


#: PG&E's business time-of-use periods in effect from March 2021 (B-19, B-10, B-1 and the other
#: business TOU rates; every day, holidays included). Source: Pacific Gas and Electric Company,
#: "Time-of-use rate plans for your business" (pge.com, 2021): peak 4-9 p.m. every day; partial
#: peak 2-4 p.m. and 9-11 p.m. every day June through September; super off-peak 9 a.m.-2 p.m.
#: every day March through May; off-peak all other hours.
PGE_BUSINESS_2021 = TouCalendar(
    name="PG&E business TOU (from March 2021)",
    periods=(
        Period("peak", ((16, 21),)),
        Period("partial-peak", ((14, 16), (21, 23)), months=frozenset({6, 7, 8, 9})),
        Period("super-off-peak", ((9, 14),), months=frozenset({3, 4, 5})),
    ),
    default="off-peak",
    source='Pacific Gas and Electric Company, "Time-of-use rate plans for your business", '
    "periods in effect from March 2021",
)

DEFAULT_CALENDAR = PGE_BUSINESS_2021
DEFAULT_SCHEDULE = Schedule()

#: Meteorological seasons of the northern hemisphere (WMO convention: DJF, MAM, JJA, SON).
NORTHERN_SEASONS: dict[int, str] = {
    12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
    6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn",
}  # fmt: skip
#: The same seasons for a facility south of the equator.
SOUTHERN_SEASONS: dict[int, str] = {
    m: {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}[s]
    for m, s in NORTHERN_SEASONS.items()
}
