"""Weather use-cases: monthly heating and cooling degree days for a facility.

One call answers "monthly HDD/CDD at base B for facility F, months M1..M2" as a DataFrame, the
same for the CLI, the TUI and the Python API::

    from greencare.services import weather
    frame = weather.monthly_degree_days(db, facility="St Example", base="65F",
                                        first_month="2024-01", last_month="2024-12")

Every row carries its ``source`` (publisher, edition, state) and ``method``. For a US facility
whose ``region`` is a state, greencare uses NOAA's nClimDiv statewide monthly degree days
(base 65 °F, shipped in ``factors/noaa-nclimdiv/``); a facility with no state gets a refusal
saying so, never a neighbouring state's numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from greencare import services
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
    station: str | None = None,
) -> pd.DataFrame:
    """Monthly HDD and CDD for one facility, one row per month, oldest first.

    The facility's imported station data comes first (degree days imported at exactly this
    base, else computed from its daily mean temperatures; only complete months); a facility with
    no station uses NOAA's statewide data.

    Columns: ``month`` (YYYY-MM), ``hdd``, ``cdd`` (in ``unit``, °F·day or °C·day), ``base``,
    ``unit``, ``source`` and ``method``. Months without published data are absent; their list
    is in ``frame.attrs["missing_months"]``. Raises NotAvailableError when the facility has no
    usable source (say a US facility without a state) and InputError for a bad base or month.
    """
    the_base = core.parse_base(base)
    first = _month(first_month, "first month")
    last = _month(last_month, "last month")
    if first and last and first > last:
        raise InputError(f"first month {first} is after last month {last}")
    fac = services.get_facility(db, facility)
    frame = _station_months(db, fac, the_base, first, last, station)
    if frame is None:
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


# --- imported station data ----------------------------------------------------------------------


@dataclass
class WeatherImportResult:
    """What ``import_weather`` did, for people and scripts."""

    file: str
    format: str
    status: str  # imported | already imported | nothing to import
    facility: str
    station: str
    unit: str
    batch_id: int | None = None
    rows_read: int = 0
    inserted: int = 0
    unchanged: int = 0
    station_created: bool = False
    skipped_days: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_weather(
    db: Database,
    path: str | Path,
    *,
    facility: int | str,
    station: str | None = None,
    unit: str | None = None,
    source: str = "api",
) -> WeatherImportResult:
    """Import a station's temperatures or degree days for a facility as one undoable batch.

    The whole file lands in one transaction or not at all. A day (or degree-day period) the
    station already holds with the same value is unchanged; with a different value the file is
    refused, naming the line and the batch to undo first. The same file twice adds nothing.
    """
    from greencare.core.errors import ConflictError
    from greencare.importers import guard, weather_csv
    from greencare.importers.base import FormatError
    from greencare.storage import batches, imports
    from greencare.storage import weather as store
    from greencare.storage.db import begin_write, raise_condition

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    first = guard.check_head(path)
    fac = services.get_facility(db, facility)
    parsed = weather_csv.read(path, unit)
    name = (station or parsed.station or "").strip()
    result = WeatherImportResult(
        file=path.name, format=parsed.format, status="nothing to import", facility=fac.name,
        station=name, unit=parsed.unit, rows_read=len(parsed.frame),
    )  # fmt: skip
    if isinstance(parsed, weather_csv.DailyTemperatures):
        result.skipped_days = parsed.skipped_days
    content_hash = batches.file_hash(path, inspect=guard.Scanner(path, first))
    previous = imports.find_batch_by_hash(db, content_hash)
    if previous:
        result.status, result.batch_id = "already imported", int(previous["id"])
        return result
    if not name:
        raise InputError(f"{path.name}: the file does not name its station: give --station NAME")
    begin_write(db)
    try:
        table = "weather_days" if isinstance(parsed, weather_csv.DailyTemperatures) else (
            "weather_degree_days"
        )  # fmt: skip
        batch_id = batches.create_batch(
            db, file_name=path.name, content_hash=content_hash, fmt=parsed.format,
            target_table=table,
        )  # fmt: skip
        sid = store.station_id(db, int(fac.id or 0), name)
        if sid is None:
            sid = store.add_station(db, int(fac.id or 0), name, batch_id=batch_id, source=source)
            result.station_created = True
        if isinstance(parsed, weather_csv.DailyTemperatures):
            new = _new_days(db, store, sid, parsed, path, name)
            new["station_id"], new["unit"] = sid, parsed.unit
            result.inserted = store.insert_days(db, new, batch_id=batch_id, source=source)
        else:
            new = _new_degree_days(db, store, sid, parsed, path, name)
            new["station_id"], new["unit"] = sid, parsed.unit
            new = new.rename(columns={"start": "start_date", "end": "end_date"})
            result.inserted = store.insert_degree_days(db, new, batch_id=batch_id, source=source)
        result.unchanged = result.rows_read - result.inserted
        if not result.inserted:
            db.execute("ROLLBACK")
            result.station_created = False
            return result
        batches.finish_batch(
            db, batch_id, rows_read=result.rows_read, rows_inserted=result.inserted,
            rows_skipped=result.unchanged, source=source,
        )  # fmt: skip
        db.execute("COMMIT")
        result.status, result.batch_id = "imported", batch_id
    except ConflictError:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    except BaseException as exc:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise_condition(exc, db)
        raise
    return result


def _new_days(
    db: Database, store: Any, sid: int, parsed: Any, path: Path, name: str
) -> pd.DataFrame:
    """The file's days the station does not hold yet; a stored day that differs is refused."""
    from greencare.core.errors import ConflictError

    frame = parsed.frame
    stored = store.days(db, sid, frame["date"].min(), frame["date"].max())
    if not stored.empty and (stored["unit"] != parsed.unit).any():
        raise ConflictError(
            f"{path.name}: station {name} holds °{stored['unit'].iloc[0]} temperatures and this "
            f"file is °{parsed.unit}; import it as another station (--station)"
        )
    both = frame.merge(stored[["date", "tmean", "batch_id"]], on="date", how="left",
                       suffixes=("", "_stored"))  # fmt: skip
    known = both["tmean_stored"].notna()
    differs = known & ((both["tmean"] - both["tmean_stored"]).abs() > 1e-9)
    if differs.any():
        row = both[differs].iloc[0]
        raise ConflictError(
            f"{path.name}, line {int(row['line'])}: station {name} already has {row['date']} "
            f"with mean {row['tmean_stored']:g} °{parsed.unit} (import batch "
            f"{int(row['batch_id'])}), this file says {row['tmean']:g}; undo that batch first "
            f"(`greencare imports undo {int(row['batch_id'])}`)"
        )
    return frame[~known.to_numpy()].copy()


def _new_degree_days(
    db: Database, store: Any, sid: int, parsed: Any, path: Path, name: str
) -> pd.DataFrame:
    from greencare.core.errors import ConflictError

    frame = parsed.frame
    stored = pd.read_sql_query(
        "SELECT start_date AS start, kind, base, value AS stored, batch_id FROM "
        "weather_degree_days WHERE station_id = ? AND unit = ?",
        db.conn,
        params=[sid, parsed.unit],
    )
    both = frame.merge(stored, on=["start", "kind", "base"], how="left")
    known = both["stored"].notna()
    differs = known & ((both["value"] - both["stored"]).abs() > 1e-9)
    if differs.any():
        row = both[differs].iloc[0]
        raise ConflictError(
            f"{path.name}, line {int(row['line'])}: station {name} already has {row['kind'].upper()} "
            f"{row['stored']:g} for {row['start']} at base {row['base']:g} °{parsed.unit} (import "
            f"batch {int(row['batch_id'])}); undo that batch first"
        )
    return frame[~known.to_numpy()].copy()


def _station_months(
    db: Database, fac: Facility, base: core.Base, first: str | None, last: str | None,
    station: str | None,
) -> pd.DataFrame | None:  # fmt: skip
    """Monthly HDD/CDD from the facility's imported station data, or None if it has none."""
    from greencare.storage import weather as store

    found = store.stations(db, int(fac.id or 0))
    if station is not None:
        found = [s for s in found if s["name"] == station]
        if not found:
            raise NotAvailableError(f"{fac.name} has no weather station {station!r}")
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(s["name"] for s in found)
        raise InputError(f"{fac.name} has {len(found)} weather stations ({names}): choose one")
    st = found[0]
    first_day = f"{first}-01" if first else None
    last_day = (pd.Period(last, freq="M").end_time.date().isoformat()) if last else None
    dd = store.degree_days(db, st["id"], base.value, base.unit, first_day, last_day)
    if not dd.empty:
        return _months_from_degree_days(dd, st["name"], base)
    days = store.days(db, st["id"], first_day, last_day)
    if days.empty and st["days"] == 0:
        bases = ", ".join(store.degree_day_bases(db, st["id"])) or "none"
        if base.key in bases.split(", "):
            return _months_from_degree_days(dd, st["name"], base)  # none in these months
        raise NotAvailableError(
            f"degree days at base {base.label} not available for {fac.name}: station "
            f"{st['name']} holds degree days at base {bases} and no temperatures"
        )
    return _months_from_days(days, st["name"], base)


def _source(name: str, frame: pd.DataFrame) -> pd.Series:
    labels = frame["batch_id"].map(lambda b: f"batch {int(b)}" if pd.notna(b) else "manual")
    labels = labels + frame["file_name"].map(lambda f: f" ({f})" if isinstance(f, str) else "")
    return labels.groupby(frame["month"]).agg(
        lambda s: f"station {name}: " + ", ".join(sorted(set(s)))
    )


def _months_from_days(days: pd.DataFrame, name: str, base: core.Base) -> pd.DataFrame:
    if days.empty:
        return pd.DataFrame(columns=COLUMNS)
    days = days.copy()
    days["month"] = days["date"].str[:7]
    parts = []
    for unit, group in days.groupby("unit"):
        per_day = core.daily_degree_days(group["tmean"], str(unit), base)
        parts.append(pd.concat([group, per_day], axis=1))
    days = pd.concat(parts).sort_values("date")
    sums = days.groupby("month").agg(hdd=("hdd", "sum"), cdd=("cdd", "sum"), n=("date", "size"))
    length = pd.PeriodIndex(sums.index, freq="M").days_in_month
    complete = sums[sums["n"].to_numpy() == length]
    methods = days.groupby("month")["method"].agg(lambda s: ", ".join(sorted(set(s))))
    out = pd.DataFrame(
        {"month": complete.index, "hdd": complete["hdd"].round(6).to_numpy(),
         "cdd": complete["cdd"].round(6).to_numpy()}
    )  # fmt: skip
    out["base"] = base.label
    out["unit"] = f"°{base.unit}·day"
    out["source"] = out["month"].map(_source(name, days))
    out["method"] = out["month"].map(
        lambda m: (
            f"daily mean from {methods[m]}; HDD = max(0, base - mean), "
            "CDD = max(0, mean - base), summed over the month's days"
        )
    )
    return out


def _months_from_degree_days(dd: pd.DataFrame, name: str, base: core.Base) -> pd.DataFrame:
    if dd.empty:
        return pd.DataFrame(columns=COLUMNS)
    dd = dd.copy()
    dd["month"] = dd["start_date"].str[:7]
    dd["days"] = (pd.to_datetime(dd["end_date"]) - pd.to_datetime(dd["start_date"])).dt.days + 1
    wide = dd.pivot_table(index="month", columns="kind", values="value", aggfunc="sum")
    covered = dd.groupby(["month", "kind"])["days"].sum().unstack()
    length = pd.PeriodIndex(wide.index, freq="M").days_in_month
    out = pd.DataFrame({"month": wide.index})
    for kind in ("hdd", "cdd"):
        if kind in wide.columns:
            full = covered[kind].to_numpy() == length
            out[kind] = wide[kind].where(full).round(6).to_numpy()
        else:
            out[kind] = float("nan")
    out = out[out[["hdd", "cdd"]].notna().any(axis=1)].reset_index(drop=True)
    out["base"] = base.label
    out["unit"] = f"°{base.unit}·day"
    out["source"] = out["month"].map(_source(name, dd))
    out["method"] = "degree days as imported (the file's own method); a kind not imported is empty"
    return out
