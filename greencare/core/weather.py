"""Degree days: bases, the degree-day method, and a facility's US state.

Pure functions, no storage. The method greencare uses everywhere it computes degree days from
temperatures is the daily-mean method: a day's mean temperature is (Tmax + Tmin) / 2 when only
the extremes are known, or the mean of its hourly readings; then

    HDD = max(0, base - mean)        CDD = max(0, mean - base)

per day, summed over the days of a month. A base is given with its unit (``65F``, ``18C``);
degree days are in the base's unit (°F·day or °C·day) and never silently mixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greencare.core.errors import InputError

#: USPS abbreviations of the 50 states and DC, with their names (US Postal Service Publication 28,
#: Appendix B). A US facility's ``region`` is one of these, or the state's full name.
US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip
_BY_NAME = {name.casefold(): abbr for abbr, name in US_STATES.items()}

METHOD_DAILY_MEAN = (
    "daily mean = (Tmax + Tmin) / 2 or the mean of the hourly readings; "
    "HDD = max(0, base - mean), CDD = max(0, mean - base), summed per month"
)


def us_state(region: str | None) -> str | None:
    """The USPS abbreviation for a facility's ``region``, or None when it names no US state.

    Accepts the abbreviation (``IL``) or the full name (``Illinois``), any case; nothing else is
    read as a state, so a county or city in ``region`` is never guessed into one.
    """
    if region is None or not region.strip():
        return None
    text = region.strip()
    if text.upper() in US_STATES:
        return text.upper()
    return _BY_NAME.get(text.casefold())


@dataclass(frozen=True)
class Base:
    """A degree-day base temperature with its unit (``F`` or ``C``)."""

    value: float
    unit: str

    @property
    def label(self) -> str:
        return f"{self.value:g} °{self.unit}"

    @property
    def key(self) -> str:
        return f"{self.value:g}{self.unit}"


_BASE_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:°|deg\s*)?\s*([FfCc])\s*$")


def parse_base(text: str | Base) -> Base:
    """``65F``, ``65 °F``, ``18.5C`` -> Base; a bare number is refused (°F or °C?)."""
    if isinstance(text, Base):
        return text
    match = _BASE_RE.match(str(text))
    if match is None:
        raw = str(text).strip()
        if re.fullmatch(r"-?\d+(?:\.\d+)?", raw):
            raise InputError(
                f"base {raw!r} has no unit: write {raw}F (Fahrenheit) or {raw}C (Celsius)"
            )
        raise InputError(f"base {raw!r} is not a temperature such as 65F or 18C")
    return Base(float(match.group(1)), match.group(2).upper())


def to_unit(values: np.ndarray | pd.Series, unit_from: str, unit_to: str) -> np.ndarray:
    """Temperatures converted between °F and °C, the whole column at once."""
    arr = np.asarray(values, dtype=float)
    if unit_from == unit_to:
        return arr
    if unit_from == "F" and unit_to == "C":
        return (arr - 32.0) * 5.0 / 9.0
    if unit_from == "C" and unit_to == "F":
        return arr * 9.0 / 5.0 + 32.0
    raise InputError(f"temperature unit must be F or C, not {unit_from!r}/{unit_to!r}")


def daily_degree_days(daily_mean: pd.Series, unit: str, base: Base) -> pd.DataFrame:
    """Per-day HDD and CDD (in the base's unit) from daily mean temperatures in ``unit``."""
    mean = to_unit(daily_mean.to_numpy(), unit, base.unit)
    return pd.DataFrame(
        {
            "hdd": np.maximum(0.0, base.value - mean),
            "cdd": np.maximum(0.0, mean - base.value),
        },
        index=daily_mean.index,
    )
