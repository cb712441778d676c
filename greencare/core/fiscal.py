"""Fiscal years: a year that starts in a given month, named by the calendar year it ends in.

With a July start, FY2025 runs from July 2024 to June 2025 (the US federal and most US hospital
convention names a fiscal year by its end). A January start makes fiscal years calendar years,
so every function here gives the calendar answer for ``start_month=1``. Pure: no IO.
"""

from __future__ import annotations

import calendar
from datetime import date

from greencare.core.errors import InputError

#: The setting's default: fiscal years are calendar years.
DEFAULT_START_MONTH = 1

MONTH_NAMES = tuple(calendar.month_abbr[m] for m in range(1, 13))


def check_start_month(value: int | str) -> int:
    """A fiscal year's first month as 1-12; also accepts a month name ("Jul", "july")."""
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    names = {calendar.month_name[m].lower(): m for m in range(1, 13)}
    names.update({calendar.month_abbr[m].lower(): m for m in range(1, 13)})
    if text.lower() in names:
        return names[text.lower()]
    raise InputError(
        f"fiscal year start {text!r} is not a month: give 1-12 or a month name (e.g. 7 or Jul)",
        {"fiscal_year_start_month": "give 1-12 or a month name"},
    )


def _month_of(when: date | str) -> tuple[int, int]:
    if isinstance(when, date):
        return when.year, when.month
    text = str(when)
    try:
        return int(text[:4]), int(text[5:7])
    except ValueError:
        raise InputError(f"{text!r} is not a date or month (YYYY-MM)") from None


def fiscal_year_of(when: date | str, start_month: int = DEFAULT_START_MONTH) -> int:
    """The fiscal year a date (or a month, ``YYYY-MM``) falls in, named by its end year."""
    year, month = _month_of(when)
    return year + 1 if start_month > 1 and month >= start_month else year


def fiscal_period(fiscal_year: int, start_month: int = DEFAULT_START_MONTH) -> tuple[str, str]:
    """First and last month (``YYYY-MM``) of a fiscal year."""
    if start_month == 1:
        return f"{fiscal_year:04d}-01", f"{fiscal_year:04d}-12"
    return (
        f"{fiscal_year - 1:04d}-{start_month:02d}",
        f"{fiscal_year:04d}-{start_month - 1:02d}",
    )


def fiscal_months(fiscal_year: int, start_month: int = DEFAULT_START_MONTH) -> list[str]:
    """The twelve months (``YYYY-MM``) of a fiscal year, in order."""
    first, _ = fiscal_period(fiscal_year, start_month)
    y, m = int(first[:4]), int(first[5:])
    out = []
    for _ in range(12):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def fiscal_label(fiscal_year: int, start_month: int = DEFAULT_START_MONTH) -> str:
    """``"2025"`` for calendar years, else ``"FY2025 (Jul 2024–Jun 2025)"``."""
    if start_month == 1:
        return str(fiscal_year)
    first, last = fiscal_period(fiscal_year, start_month)
    return (
        f"FY{fiscal_year} ({MONTH_NAMES[int(first[5:]) - 1]} {first[:4]}–"
        f"{MONTH_NAMES[int(last[5:]) - 1]} {last[:4]})"
    )


def fiscal_years_between(first: str, last: str, start_month: int = DEFAULT_START_MONTH) -> range:
    """The fiscal years touched by the months ``first``..``last``."""
    return range(fiscal_year_of(first, start_month), fiscal_year_of(last, start_month) + 1)


def last_complete_fiscal_year(month: str, start_month: int = DEFAULT_START_MONTH) -> int:
    """The latest fiscal year whose last month is ``month`` or earlier."""
    year = fiscal_year_of(month, start_month)
    return year if fiscal_period(year, start_month)[1] == month else year - 1
