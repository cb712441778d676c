"""The figures the dashboard shows, computed headless so the CLI, tests and the TUI agree.

The reference month is the latest month with energy data (not after today), because bills
arrive weeks after the month they cover; year-to-date runs January to that month, compared
with the same months a year before. Everything is read from monthly roll-ups. Stored targets
are measured in the last whole (fiscal) year with data (``services.targets``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from greencare import services
from greencare.core.plausibility import ratio_text

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    import pandas as pd
    from sqlite_utils import Database

RMW = ("regulated_medical_waste", "sharps", "pathological", "trace_chemotherapy")
DIVERTED_ROUTES = ("recycling", "composting", "anaerobic_digestion", "donation")
NOT_COUNTED = ("reusable_sharps_containers", "reprocessed_devices")


def facility_choices(db: Database | sqlite3.Connection) -> list[tuple[str, int]]:
    """(name, id) of the facilities in service, by name: ``list_facilities`` without building
    models, so the dashboard's facility picker needs neither pydantic nor pint to paint."""
    return [
        (str(name), int(fid))
        for name, fid in db.execute(
            "SELECT name, id FROM facilities WHERE retired = 0 ORDER BY name"
        ).fetchall()
    ]


def reference_month(db: Database, today: date | None = None) -> str | None:
    """The latest month most meters have complete data for (bills end part-way into the next)."""
    from statistics import median
    from zoneinfo import ZoneInfo  # here: the terminal app's first frame needs neither

    today = today or date.today()
    # Per meter, its last reading by the (meter, start, end) key: one index step each, where
    # max(end_utc) over a join read every reading stored (a health system's 700M rows).
    rows = db.execute(
        "SELECT m.id, f.timezone, (SELECT r.end_utc FROM readings r WHERE r.meter_id = m.id "
        "ORDER BY r.start_utc DESC LIMIT 1) FROM meters m JOIN facilities f ON f.id = "
        "m.facility_id WHERE m.retired = 0"
    ).fetchall()
    complete = []
    for _, tz, last_end in rows:
        if last_end is None:  # a meter without readings yet
            continue
        end = datetime.fromtimestamp(last_end, tz=ZoneInfo(tz)) - timedelta(seconds=1)
        first_next = (end + timedelta(days=1)).day == 1  # the last day of a month is covered
        index = end.year * 12 + end.month - 1 - (0 if first_next else 1)
        complete.append(index)
    if not complete:
        return None
    index = min(int(median(complete)), today.year * 12 + today.month - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _months_before(month: str, n: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _shift(month: str, years: int) -> str:
    return f"{int(month[:4]) + years:04d}{month[4:]}"


def _period(
    db: Database, inventory: Any, first: str, last: str, facility_id: int | None
) -> dict[str, Any]:
    from greencare.core.summary import KWH_TO_KBTU, _scope_totals

    lines = inventory.lines
    totals = _scope_totals(lines[(lines["month"] >= first) & (lines["month"] <= last)])
    energy = inventory.energy
    site_kwh = float(
        energy.loc[(energy["month"] >= first) & (energy["month"] <= last), "site_kwh"].sum()
    ) if not energy.empty else 0.0  # fmt: skip
    clause = " AND m.facility_id = ?" if facility_id else ""
    params: list[Any] = [first, last] + ([facility_id] if facility_id else [])
    water = db.execute(
        "SELECT coalesce(sum(rm.quantity_canonical), 0) FROM reading_months rm JOIN meters m "
        "ON m.id = rm.meter_id WHERE m.canonical_unit = 'm**3' AND rm.month BETWEEN ? AND ?"
        + clause,
        params,
    ).fetchone()[0]
    water_meters = db.execute(
        "SELECT count(*) FROM meters m WHERE m.canonical_unit = 'm**3'" + clause,
        params[2:],
    ).fetchone()[0]
    # Energy whose bills carry a cost: below 100% the cost figure (and its change) is partial.
    priced, energy_total = db.execute(
        "SELECT coalesce(sum(CASE WHEN rm.currency != '' THEN rm.quantity_canonical END), 0), "
        "coalesce(sum(rm.quantity_canonical), 0) FROM reading_months rm JOIN meters m ON m.id = "
        "rm.meter_id WHERE m.canonical_unit = 'kWh' AND rm.month BETWEEN ? AND ?" + clause,
        params,
    ).fetchone()
    costs: dict[str, float] = {}
    for currency, amount in db.execute(
        "SELECT rm.currency, sum(rm.cost) FROM reading_months rm JOIN meters m ON m.id = "
        "rm.meter_id WHERE rm.month BETWEEN ? AND ? AND rm.currency != ''" + clause + " GROUP BY 1",
        params,
    ).fetchall():
        costs[currency] = costs.get(currency, 0.0) + float(amount or 0)
    return {
        "from": first,
        "to": last,
        "scope1_t": totals["scope1"],
        "scope2_t": totals["scope2_location"],
        "scope3_t": totals["scope3"],
        "total_t": totals["total_location"],
        "site_energy_kbtu": site_kwh * KWH_TO_KBTU,
        "site_eui_kbtu_ft2": _site_eui(db, energy, first, last, facility_id),
        "water_m3": float(water) if water_meters else None,  # no water meter: no data, not 0
        "energy_cost_coverage": float(priced) / float(energy_total) if energy_total else None,
        **_waste(db, first, last, facility_id, costs),
        "cost_by_currency": costs,
    }


def _site_eui(
    db: Database, energy: pd.DataFrame, first: str, last: str, facility_id: int | None
) -> float | None:
    """Site EUI (kBtu/ft²/yr) of the facilities with a floor area, annualised over the period's
    calendar months (``core.summary.annualise``, the report's definition); None without one."""
    from greencare.core.summary import KWH_TO_KBTU, M2_TO_FT2, annualise, months_in_period

    sql = (
        "SELECT id, floor_area, floor_area_unit, floor_area_m2 FROM facilities "
        "WHERE floor_area_m2 IS NOT NULL" + (" AND id = ?" if facility_id else "")
    )
    areas = {}
    for fid, area, unit, m2 in db.execute(sql, [facility_id] if facility_id else []):
        areas[int(fid)] = float(area) if unit == "ft**2" else float(m2) * M2_TO_FT2
    if not areas or energy.empty:
        return None
    part = energy[(energy["month"] >= first) & (energy["month"] <= last)]
    site_kwh = float(part.loc[part["facility_id"].isin(list(areas)), "site_kwh"].sum())
    return site_kwh * KWH_TO_KBTU / sum(areas.values()) * annualise(months_in_period(first, last))


def _waste(
    db: Database, first: str, last: str, facility_id: int | None, costs: dict[str, float]
) -> dict[str, Any]:
    """Waste totals and KPIs; adds waste cost into ``costs`` by currency."""
    import pandas as pd

    clause = " AND facility_id = ?" if facility_id else ""
    params: list[Any] = [f"{first}-01", f"{last}-31"] + ([facility_id] if facility_id else [])
    frame = pd.read_sql_query(
        "SELECT stream, route, quantity_kg, cost, currency FROM waste_records "
        "WHERE start_date >= ? AND start_date <= ?" + clause,
        db.conn,
        params=params,
    )
    counted = frame[~frame["stream"].isin(NOT_COUNTED)]
    total = float(counted["quantity_kg"].sum())
    rmw = float(counted.loc[counted["stream"].isin(RMW), "quantity_kg"].sum())
    diverted = float(counted.loc[counted["route"].isin(DIVERTED_ROUTES), "quantity_kg"].sum())
    recycled = float(counted.loc[counted["route"] == "recycling", "quantity_kg"].sum())
    for currency, amount in frame.dropna(subset=["cost"]).groupby("currency")["cost"].sum().items():
        costs[str(currency)] = costs.get(str(currency), 0.0) + float(amount)
    return {
        "waste_kg": total,
        "rmw_share": rmw / total if total else None,
        # Practice Greenhealth's two rates: diversion (recycling, composting, digestion,
        # donation) and recycling alone.
        "diversion_rate": diverted / total if total else None,
        "recycling_rate": recycled / total if total else None,
    }


def warnings(db: Database, month: str, facility_id: int | None) -> list[str]:
    """Things that need action: missing bills, estimated bills, missing patient days."""
    out: list[str] = []
    clause = " AND m.facility_id = ?" if facility_id else ""
    params: list[Any] = [facility_id] if facility_id else []
    meters = db.execute(
        "SELECT m.id, m.name, f.name, (SELECT max(month) FROM reading_months rm "
        "WHERE rm.meter_id = m.id) FROM meters m JOIN facilities f ON f.id = m.facility_id "
        "WHERE m.retired = 0 AND m.delivery_class != 'bulk_delivery'"
        + clause
        + " ORDER BY f.name, m.name",
        params,
    ).fetchall()
    for _, meter, facility, latest in meters:
        if latest is None:
            out.append(f"{facility} / {meter}: no readings at all")
        elif latest < month:
            out.append(f"{facility} / {meter}: no bill since {latest}")
    estimated = db.execute(
        "SELECT f.name, m.name, rm.month FROM reading_months rm JOIN meters m ON m.id = "
        "rm.meter_id JOIN facilities f ON f.id = m.facility_id WHERE rm.month BETWEEN ? AND ? "
        "AND rm.estimated_canonical > 0.5 * rm.quantity_canonical" + clause + " ORDER BY 3, 1, 2",
        [_months_before(month, 2), month, *params],
    ).fetchall()
    out += [f"{f} / {m}: estimated bill for {mo}" for f, m, mo in estimated[-10:]]
    out += _outliers(db, month, clause, params)
    out += _accepted_outliers(db, month, facility_id)
    year_months = [f"{month[:4]}-{m:02d}" for m in range(1, int(month[5:]) + 1)]
    facs = db.execute(
        "SELECT id, name FROM facilities WHERE retired = 0"
        + (" AND id = ?" if facility_id else ""),
        params,
    ).fetchall()
    for fid, name in facs:
        have = {
            r[0]
            for r in db.execute(
                "SELECT month FROM normalizers WHERE facility_id = ? AND month LIKE ?",
                [fid, f"{month[:4]}-%"],
            ).fetchall()
        }
        missing = [m for m in year_months if m not in have]
        if missing:
            out.append(f"{name}: no patient days for {', '.join(missing[:3])}"
                       + (f" and {len(missing) - 3} more months" if len(missing) > 3 else ""))  # fmt: skip
    return out


def _outliers(db: Database, month: str, clause: str, params: list[Any]) -> list[str]:
    """Meters whose use this month is far from the same meter's median of the 12 before."""
    rows = db.execute(
        "SELECT f.name, m.name, rm.month, sum(rm.quantity_canonical) FROM reading_months rm "
        "JOIN meters m ON m.id = rm.meter_id JOIN facilities f ON f.id = m.facility_id "
        "WHERE rm.month BETWEEN ? AND ? AND m.delivery_class != 'bulk_delivery'" + clause
        + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        [_months_before(month, 12), month, *params],
    ).fetchall()  # fmt: skip
    by_meter: dict[tuple[str, str], dict[str, float]] = {}
    for facility, meter, mo, quantity in rows:
        by_meter.setdefault((facility, meter), {})[mo] = float(quantity or 0.0)
    out = []
    for (facility, meter), months in by_meter.items():
        now = months.get(month)
        before = sorted(v for mo, v in months.items() if mo < month and v > 0)
        if now is None or len(before) < 6:
            continue
        usual = before[len(before) // 2]
        if usual > 0 and not (usual / 3 <= now <= usual * 3):
            out.append(
                f"{facility} / {meter}: {month} is {ratio_text(now / usual)} its usual month "
                "(check the bill's units and quantity)"
            )
    return out


#: How many accepted outliers the dashboard names before counting the rest.
ACCEPTED_SHOWN = 10

_RECORD_NAMES = {"readings": "reading", "waste_records": "waste record", "purchases": "purchase"}


def _accepted_outliers(db: Database, month: str, facility_id: int | None) -> list[str]:
    """Values stored over a plausibility warning or refusal in the 12 months to ``month``."""
    from greencare.storage.plausibility import list_flags

    flags = list_flags(
        db, first_month=_months_before(month, 11), last_month=month,
        facility_ids=[facility_id] if facility_id else None,
    )  # fmt: skip
    out = [
        f"{f['facility']}: {_RECORD_NAMES.get(f['table_name'], f['table_name'])} {f['row_id']} "
        f"({f['month']}) accepted over a plausibility {f['level']}: {f['message']}"
        for f in flags[-ACCEPTED_SHOWN:]
    ]
    if len(flags) > ACCEPTED_SHOWN:
        out.append(f"... and {len(flags) - ACCEPTED_SHOWN} more values accepted over a warning")
    return out


def dashboard(
    db: Database,
    *,
    facility: int | str | None = None,
    today: date | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Year to date against last year, this month against the same month last year, trend and
    warnings, for one facility or all; emissions under ``gwp`` (default: each dataset's own)."""
    facility_id = services.get_facility(db, facility).id if facility is not None else None
    month = reference_month(db, today)
    if month is None:
        return {"month": None, "warnings": ["no energy data yet: add a bill or import a file"]}
    ytd_first = f"{month[:4]}-01"
    first = _months_before(month, 23)  # last year's January is never further back
    inventory, summary = services.emissions(
        db, start=first, end=month, facility=facility_id, strict=False, gwp=gwp, pins=pins
    )
    by_month = {r["month"]: r["total_location"] for r in summary["by_month"]}
    months = [_months_before(month, 23 - i) for i in range(24)]
    return {
        "month": month,
        "facility": facility,
        "ytd": _period(db, inventory, ytd_first, month, facility_id),
        "ytd_last_year": _period(
            db, inventory, _shift(ytd_first, -1), _shift(month, -1), facility_id
        ),
        "month_now": _period(db, inventory, month, month, facility_id),
        "month_last_year": _period(
            db, inventory, _shift(month, -1), _shift(month, -1), facility_id
        ),
        "trend": [(m, float(by_month.get(m, 0.0))) for m in months],
        "gaps": summary["gaps"],
        "warnings": warnings(db, month, facility_id),
        "targets": (targets := _targets(db, facility_id, gwp, pins)),
        "weather": weather(db, month, facility_id, targets),
    }


# --- stored figures (migration 0014) ------------------------------------------------------

#: Part of every stored figures' key: raise it when the figures' shape or arithmetic changes,
#: so figures stored by an older greencare are computed again.
FIGURES_FORMAT = 1


def figures_key(
    *,
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    today: date | None = None,
) -> str:
    """What stored figures depend on besides the data: the facility, the GWP set, the pinned
    editions, the factor library's files (:func:`greencare.core.factors.library_stamp`) and
    the month of ``today`` (the reference month never runs past it)."""
    import json

    from greencare import paths
    from greencare.core.factors import library_stamp

    return json.dumps(
        {
            "format": FIGURES_FORMAT,
            "facility": facility,
            "gwp": gwp,
            "pins": dict(sorted((pins or {}).items())),
            "factors": library_stamp(paths.factors_dir()),
            "month": (today or date.today()).isoformat()[:7],
        },
        sort_keys=True,
    )


def stored_dashboard(
    db: Database,
    *,
    facility: int | str | None = None,
    today: date | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
) -> tuple[dict[str, Any], bool] | None:
    """The figures last stored for these arguments and whether they are fresh (computed at
    the current data version), without computing anything; None when none are stored. Needs
    only sqlite: the terminal app paints these before pandas or pint are imported."""
    from greencare.storage import dashboard_cache

    key = figures_key(facility=facility, gwp=gwp, pins=pins, today=today)
    found = dashboard_cache.read(db, key)
    if found is None:
        return None
    version, figures = found
    return figures, version == dashboard_cache.data_version(db)


def start_figures(path: str | Path, *, today: date | None = None) -> dict[str, Any] | None:
    """What the terminal app's first screen shows, read from the database file with plain
    sqlite3 before greencare opens it (that open imports sqlite-utils and checks the schema,
    so it runs after the first paint): the facility picker's choices and the figures stored
    for all facilities (``figures``, ``fresh`` as :func:`stored_dashboard`). None when none
    are stored or the file is anything but an existing greencare database this user may
    write: then the app opens it first, as usual."""
    from greencare.storage import dashboard_cache

    def read(conn: sqlite3.Connection) -> dict[str, Any] | None:
        found = dashboard_cache.read(conn, figures_key(pins={}, today=today))
        if found is None:
            return None
        version, figures = found
        fresh = version == dashboard_cache.data_version(conn)
        return {"options": facility_choices(conn), "figures": figures, "fresh": fresh}

    return dashboard_cache.peek(path, read)  # type: ignore[no-any-return]


def dashboard_and_store(
    db: Database,
    *,
    facility: int | str | None = None,
    today: date | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """:func:`dashboard`, stored for :func:`stored_dashboard` under the data version read
    before computing (a write meanwhile leaves them stale). Returned as stored (JSON: tuples
    become lists), so what is shown now equals what is shown from storage next time."""
    import json

    from greencare.storage import dashboard_cache

    key = figures_key(facility=facility, gwp=gwp, pins=pins, today=today)
    version = dashboard_cache.data_version(db)
    figures = json.loads(json.dumps(
        dashboard(db, facility=facility, today=today, gwp=gwp, pins=pins), sort_keys=True
    ))  # fmt: skip
    dashboard_cache.write(db, key, version, figures)
    return figures  # type: ignore[no-any-return]


def _targets(
    db: Database, facility_id: int | None, gwp: str | None, pins: dict[str, str] | None
) -> list[dict[str, Any]]:
    """Progress against the stored targets in the last whole (fiscal) year with data."""
    from greencare.services.targets import target_progress

    return target_progress(db, facility=facility_id, gwp=gwp, pins=pins)


# --- weather-normalised energy -------------------------------------------------------------

#: Results of :func:`weather` by database state: the model fits take about 0.1 s a facility,
#: and the dashboard reloads on every visit. Bounded: the oldest states are dropped.
_WEATHER_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}
_WEATHER_CACHE_SIZE = 16

#: What the weather figures depend on: use, weather, facilities, meters, settings, targets.
_STATE_SQL = (
    "SELECT count(*), max(month), total(quantity_canonical), total(cost), "
    "total(estimated_canonical) FROM reading_months",
    "SELECT count(*), max(rowid), total(tmean) FROM weather_days",
    "SELECT count(*), max(rowid), total(value), total(base) FROM weather_degree_days",
    "SELECT count(*), max(rowid), group_concat(facility_id || ':' || name, '|') "
    "FROM weather_stations",
    "SELECT group_concat(id || ':' || country || ':' || coalesce(region, '') || ':' || "
    "coalesce(floor_area_m2, '') || ':' || retired, '|') FROM facilities",
    "SELECT group_concat(id || ':' || facility_id || ':' || canonical_unit || ':' || "
    "commodity || ':' || retired, '|') FROM meters",
    "SELECT max(id) FROM audit_log",
)


def _state(db: Database) -> tuple[Any, ...]:
    """A fingerprint of everything the weather figures read (cheap: aggregates, no fits)."""
    files = tuple(str(r[2]) for r in db.execute("PRAGMA database_list").fetchall() if r[2])
    return files + tuple(tuple(db.execute(sql).fetchone()) for sql in _STATE_SQL)


def weather(
    db: Database, month: str, facility_id: int | None, targets: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Weather-normalised year to date and a year-end forecast, where a model fits.

    ``normalised``: year to date (January to ``month``) against last calendar year's baseline
    model run with this year's weather (IPMVP Option C, ``services.baselines.savings``), over
    the months with both use and weather, summed over the facilities whose model fits;
    ``change`` is the fraction above (+) or below (-) the adjusted baseline. ``forecast``: the
    (fiscal) year of ``month`` to its end, metered months plus the rest at normal weather
    (``services.baselines.forecast``), in MMBtu, only when every facility with energy use has
    one; each stored site-energy target adds the straight path's value for that year and how
    far the forecast is above it. ``notes`` say why a facility has neither. Cached per
    database state (:func:`_state`).
    """
    key = (_state(db), month, facility_id, _target_key(targets))
    if key in _WEATHER_CACHE:
        return _WEATHER_CACHE[key]
    result = _weather(db, month, facility_id, targets or [])
    if len(_WEATHER_CACHE) >= _WEATHER_CACHE_SIZE:
        _WEATHER_CACHE.pop(next(iter(_WEATHER_CACHE)))
    _WEATHER_CACHE[key] = result
    return result


def _target_key(targets: list[dict[str, Any]] | None) -> tuple[Any, ...]:
    return tuple(
        (t.get("id"), t.get("baseline_year"), t.get("target_year"), t.get("reduction"),
         t.get("baseline_value"))
        for t in targets or [] if t.get("scope") == "energy"
    )  # fmt: skip


def _weather(
    db: Database, month: str, facility_id: int | None, targets: list[dict[str, Any]]
) -> dict[str, Any]:
    from greencare.core import fiscal
    from greencare.core.errors import GreencareError
    from greencare.services import baselines
    from greencare.services.targets import fiscal_year_start

    clause = " AND f.id = ?" if facility_id else ""
    params: list[Any] = [facility_id] if facility_id else []
    year = month[:4]
    ytd = (f"{year}-01", month)
    start = fiscal_year_start(db)
    fy = fiscal.fiscal_year_of(month, start)
    fy_first, fy_last = fiscal.fiscal_period(fy, start)
    rows = db.execute(
        "SELECT DISTINCT f.id, f.name FROM facilities f JOIN meters m ON m.facility_id = f.id "
        "JOIN reading_months rm ON rm.meter_id = m.id WHERE f.retired = 0 AND "
        "m.canonical_unit = 'kWh' AND rm.month BETWEEN ? AND ?" + clause + " ORDER BY f.name",
        [min(ytd[0], fy_first), month, *params],
    ).fetchall()
    notes: list[str] = []
    covered: list[dict[str, Any]] = []
    forecasts: list[dict[str, Any]] = []
    for fid, name in rows:
        try:
            s = baselines.savings(
                db, facility=int(fid), baseline=str(int(year) - 1), report=f"{ytd[0]}..{ytd[1]}"
            )
            covered.append({"facility": name, "months": [r["month"] for r in s["months"]],
                            "actual_kwh": s["total"]["actual"],
                            "adjusted_baseline_kwh": s["total"]["adjusted_baseline"],
                            "fit_for_savings": s["fit_for_savings"]})  # fmt: skip
        except GreencareError as exc:
            notes.append(f"{name}: not weather-normalised: {_reason(exc, name)}")
        try:
            f = baselines.forecast(db, facility=int(fid), year=f"{fy_first}..{fy_last}",
                                   energy_unit="MMBtu")  # fmt: skip
            forecasts.append({"facility": name, "forecast_mmbtu": f["forecast"],
                              "months_metered": len(f["months_metered"]),
                              "months": len(f["months"]), "model": f["model"]["model"]})  # fmt: skip
        except GreencareError as exc:
            notes.append(f"{name}: no year-end forecast: {_reason(exc, name)}")
    normalised = None
    if covered:
        actual = sum(c["actual_kwh"] for c in covered)
        adjusted = sum(c["adjusted_baseline_kwh"] for c in covered)
        months = sorted({m for c in covered for m in c["months"]})
        normalised = {
            "period": list(ytd),
            "baseline_year": int(year) - 1,
            "months": months,
            "actual_kwh": actual,
            "adjusted_baseline_kwh": adjusted,
            "change": actual / adjusted - 1 if adjusted else None,
            "facilities": [c["facility"] for c in covered],
            "of_facilities": len(rows),
            "fit_for_savings": all(c["fit_for_savings"] for c in covered),
        }
    forecast = None
    if forecasts and len(forecasts) == len(rows):
        total = sum(f["forecast_mmbtu"] for f in forecasts)
        forecast = {
            "fiscal_year": fy,
            "year_label": fiscal.fiscal_label(fy, start),
            "period": [fy_first, fy_last],
            "forecast_mmbtu": total,
            "months_metered": min(f["months_metered"] for f in forecasts),
            "months": max(f["months"] for f in forecasts),
            "facilities": forecasts,
            "targets": _forecast_targets(total, fy, targets),
        }
    return {"normalised": normalised, "forecast": forecast, "notes": notes}


def _reason(exc: Exception, name: str) -> str:
    """An error's first line without the facility name it may start with (the note has it)."""
    from greencare.core.text import shorten

    return str(exc).splitlines()[0].removeprefix(f"{name}: ").replace(name, shorten(name))


def _forecast_targets(total: float, fy: int, targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each stored site-energy target's straight path in ``fy`` against the forecast (MMBtu)."""
    from greencare.core.targets import trajectory_fraction

    out = []
    for t in targets:
        base = t.get("baseline_value")
        if t.get("scope") != "energy" or base is None or fy < t["baseline_year"]:
            continue
        path = float(base) * (1 - trajectory_fraction(
            t["baseline_year"], t["target_year"], float(t["reduction"]), fy))  # fmt: skip
        out.append({"target_id": t.get("id"), "label": t.get("label"), "path_mmbtu": path,
                    "above_path_mmbtu": total - path,
                    "above_path": total / path - 1 if path else None})  # fmt: skip
    return out
