"""Weather use-cases: monthly heating and cooling degree days for a facility.

One call answers "monthly HDD/CDD at base B for facility F, months M1..M2" as a DataFrame, the
same for the CLI, the TUI and the Python API::

    from greencare import weather
    frame = weather.monthly_degree_days(db, facility="St Example", base="65F",
                                        first_month="2024-01", last_month="2024-12")

Every row carries its ``source`` (publisher, edition, state) and ``method``. For a US facility
whose ``region`` is a state, greencare uses NOAA's nClimDiv statewide monthly degree days
(base 65 °F, shipped in ``factors/noaa-nclimdiv/``); a facility with no state gets a refusal
saying so, never a neighbouring state's numbers.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from greencare.core import weather as core
from greencare.core.errors import GreencareError, InputError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from greencare.core.models import Facility

NCLIMDIV = "noaa-nclimdiv"
NCLIMDIV_BASE = core.Base(65.0, "F")
COLUMNS = ["month", "hdd", "cdd", "base", "unit", "source", "method"]


class NotAvailableError(GreencareError):
    """Degree days that greencare cannot give for this facility, base or period."""


def _month(text: str | dt.date | None, name: str) -> str | None:
    if text is None or text == "":
        return None
    if isinstance(text, dt.date):
        return f"{text.year:04d}-{text.month:02d}"
    raw = str(text).strip()
    try:
        parsed = dt.datetime.strptime(raw, "%Y-%m")
    except ValueError:
        raise InputError(f"{name} {raw!r} is not a month: write YYYY-MM, e.g. 2024-01") from None
    return f"{parsed.year:04d}-{parsed.month:02d}"


@lru_cache(maxsize=1)
def _nclimdiv() -> tuple[pd.DataFrame, str]:
    """The shipped statewide table and the label of its edition."""
    from greencare.core.factors import FactorLibrary

    library = FactorLibrary.bundled()
    editions = library.editions(NCLIMDIV)
    if not editions:
        raise NotAvailableError(f"the {NCLIMDIV} dataset is missing from this installation")
    dataset = editions[-1]
    frame = pd.read_csv(
        dataset.path / "state_degree_days.csv",
        dtype={"state": str, "month": str, "hdd_65f": float, "cdd_65f": float},
        keep_default_na=False,
    )
    label = f"NOAA NCEI nClimDiv {dataset.edition} ({dataset.id})"
    return frame, label


def nclimdiv_state_months(state: str) -> pd.DataFrame:
    """The shipped monthly HDD/CDD (base 65 °F) for one state, as published."""
    frame, _ = _nclimdiv()
    return frame[frame["state"] == state].reset_index(drop=True)


def facility_state(facility: Facility) -> str:
    """The facility's US state, or NotAvailableError saying how to set it."""
    if facility.country != "US":
        raise NotAvailableError(
            f"degree days not available for {facility.name}: the shipped NOAA statewide data "
            f"covers US facilities only (country is {facility.country}); import a station's "
            "temperatures or degree days with `greencare weather import`"
        )
    state = core.us_state(facility.region)
    if state is None:
        given = f" (region is {facility.region!r}, not a US state)" if facility.region else ""
        raise NotAvailableError(
            f"degree days not available for {facility.name}: set the facility's state{given}, "
            "e.g. region IL or Illinois"
        )
    return state


def _statewide(
    facility: Facility, base: core.Base, first: str | None, last: str | None
) -> pd.DataFrame:
    state = facility_state(facility)
    if base != NCLIMDIV_BASE:
        raise NotAvailableError(
            f"degree days at base {base.label} not available for {facility.name}: NOAA's statewide "
            f"degree days are published at base 65 °F only; use --base 65F, or import the "
            "station's daily temperatures (`greencare weather import`) to compute other bases"
        )
    frame, label = _nclimdiv()
    rows = frame[frame["state"] == state]
    if rows.empty:
        raise NotAvailableError(
            f"degree days not available for {facility.name}: NOAA nClimDiv publishes no statewide "
            f"degree days for {core.US_STATES[state]} ({state}); import a station's temperatures "
            "or degree days with `greencare weather import`"
        )
    if first is not None:
        rows = rows[rows["month"] >= first]
    if last is not None:
        rows = rows[rows["month"] <= last]
    out = pd.DataFrame(
        {
            "month": rows["month"].to_numpy(),
            "hdd": rows["hdd_65f"].to_numpy(),
            "cdd": rows["cdd_65f"].to_numpy(),
        }
    )
    out["base"] = base.label
    out["unit"] = f"°{base.unit}·day"
    out["source"] = f"{label}, state {state}"
    out["method"] = "NOAA statewide area-weighted monthly degree days (as published)"
    return out


def monthly_degree_days(
    db: Database,
    *,
    facility: int | str,
    base: str | core.Base = "65F",
    first_month: str | dt.date | None = None,
    last_month: str | dt.date | None = None,
) -> pd.DataFrame:
    """Monthly HDD and CDD for one facility, one row per month, oldest first.

    Columns: ``month`` (YYYY-MM), ``hdd``, ``cdd`` (in ``unit``, °F·day or °C·day), ``base``,
    ``unit``, ``source`` and ``method``. Months without published data are absent; their list
    is in ``frame.attrs["missing_months"]``. Raises NotAvailableError when the facility has no
    usable source (say a US facility without a state) and InputError for a bad base or month.
    """
    from greencare import services

    the_base = core.parse_base(base)
    first = _month(first_month, "first month")
    last = _month(last_month, "last month")
    if first and last and first > last:
        raise InputError(f"first month {first} is after last month {last}")
    fac = services.get_facility(db, facility)
    frame = _statewide(fac, the_base, first, last)
    frame = frame[COLUMNS].reset_index(drop=True)
    frame.attrs["missing_months"] = _missing(frame["month"].tolist(), first, last)
    frame.attrs["facility"] = fac.name
    return frame


def _missing(months: list[str], first: str | None, last: str | None) -> list[str]:
    """Months in first..last with no row (only when both ends are given)."""
    if first is None or last is None:
        return []
    wanted = pd.period_range(first, last, freq="M").strftime("%Y-%m").tolist()
    have = set(months)
    return [m for m in wanted if m not in have]
