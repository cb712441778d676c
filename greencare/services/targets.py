"""Targets and settings: reduction targets every front end sets, and the fiscal year.

A target is a reduction of a scope's emissions (``scope1``, ``scope2``, ``scope12``, ``scope3``,
``total``; location- or market-based where Scope 2 is in it), site energy, water or waste, from a
baseline year's value by a target year (``greencare.core.targets``). Settings hold the first
month of the fiscal year (1-12; 1 means calendar years) and the default baseline year. Every
write is audited (``audit_log``; table ``targets`` or ``settings``).

:func:`target_progress` says how far each target is met in a (fiscal) year: its baseline and
current values, the straight-line path's value for the year, and whether it is on track; the
dashboard and reports use it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from greencare.core import fiscal
from greencare.core import targets as rules
from greencare.core.errors import InputError
from greencare.core.text import check_text
from greencare.storage import targets as store

#: Setting keys and what people call them on the command line.
FISCAL_START = "fiscal_year_start_month"
BASELINE = "default_baseline_year"
SETTING_NAMES = {"fiscal-year-start": FISCAL_START, "baseline-year": BASELINE}


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: Pass for a field of ``update_target`` to leave it as stored (the default).
KEEP: Any = _Keep()


# --- settings ----------------------------------------------------------------------------------


def get_settings(db: Database) -> dict[str, Any]:
    """Every setting with its value (the default where none is stored)."""
    stored = store.settings(db)
    start = stored.get(FISCAL_START)
    baseline = stored.get(BASELINE)
    return {
        FISCAL_START: int(start) if start else fiscal.DEFAULT_START_MONTH,
        BASELINE: int(baseline) if baseline else None,
    }


def fiscal_year_start(db: Database) -> int:
    """The first month of the fiscal year (1 = calendar years)."""
    return int(get_settings(db)[FISCAL_START])


def default_baseline_year(db: Database) -> int | None:
    return get_settings(db)[BASELINE]  # type: ignore[no-any-return]


def set_fiscal_year_start(db: Database, month: int | str, *, source: str = "api") -> int:
    """Set the fiscal year's first month (1-12 or a month name; 1 = calendar years)."""
    value = fiscal.check_start_month(month)
    store.set_setting(db, FISCAL_START, str(value), source=source)
    return value


def set_default_baseline_year(
    db: Database, year: int | str | None, *, source: str = "api"
) -> int | None:
    """Set (or, with ``None`` or ``""``, clear) the baseline year reports use by default."""
    if year in (None, ""):
        store.set_setting(db, BASELINE, None, source=source)
        return None
    text = str(year).strip()
    if not text.isdigit() or not 1990 <= int(text) <= 2100:
        raise InputError(
            f"baseline year {text!r} is not a year from 1990 to 2100",
            {"baseline_year": "a year from 1990 to 2100"},
        )
    store.set_setting(db, BASELINE, text, source=source)
    return int(text)


def set_setting(db: Database, name: str, value: str, *, source: str = "api") -> dict[str, Any]:
    """Set a setting by its command-line name (``fiscal-year-start``, ``baseline-year``)."""
    key = SETTING_NAMES.get(name.strip().lower(), name.strip().lower())
    if key == FISCAL_START:
        set_fiscal_year_start(db, value, source=source)
    elif key == BASELINE:
        cleared = str(value).strip().lower() in ("", "none", "-")
        set_default_baseline_year(db, None if cleared else value, source=source)
    else:
        raise InputError(f"no setting {name!r}: the settings are {', '.join(SETTING_NAMES)}")
    return get_settings(db)


def fiscal_year_of(db: Database, when: date | str) -> int:
    """The fiscal year (named by its end year) a date or month falls in, by the setting."""
    return fiscal.fiscal_year_of(when, fiscal_year_start(db))


def fiscal_label(db: Database, fiscal_year: int) -> str:
    return fiscal.fiscal_label(fiscal_year, fiscal_year_start(db))


# --- targets -----------------------------------------------------------------------------------


def _present(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "label": rules.label(row)}


def list_targets(db: Database) -> list[dict[str, Any]]:
    """Stored targets, each with its ``label`` (``Scope 1+2 (location) -50% by 2030 vs 2019``)."""
    return [_present(r) for r in store.list_targets(db)]


def get_target(db: Database, target_id: int) -> dict[str, Any]:
    return _present(store.get_target(db, int(target_id)))


def _row(data: dict[str, Any]) -> dict[str, Any]:
    """A validated targets row from what a person gave; one InputError naming every field."""
    problems: dict[str, str] = {}
    messages: list[str] = []
    row: dict[str, Any] = {}

    def attempt(work: Any) -> Any:
        try:
            return work()
        except InputError as exc:
            problems.update(exc.fields or {"record": str(exc)})
            messages.append(str(exc))
            return None

    scoped = attempt(lambda: rules.check_scope(data["scope"], data.get("basis")))
    if scoped:
        row["scope"], row["basis"] = scoped
    baseline = data.get("baseline_year")
    if baseline in (None, ""):
        problems["baseline_year"] = "give the baseline year (or set a default baseline year)"
        messages.append(
            "give the baseline year (--baseline-year, or `greencare settings set baseline-year`)"
        )
    else:
        years = attempt(lambda: rules.check_years(baseline, data.get("target_year", "")))
        if years:
            row["baseline_year"], row["target_year"] = years
    reduction = attempt(lambda: rules.parse_reduction(data.get("reduction", "")))
    if reduction is not None:
        row["reduction"] = reduction
    row["metric"] = data.get("metric") or "absolute"
    if row["metric"] not in rules.METRICS:
        problems["metric"] = "only absolute targets are supported"
        messages.append(f"metric {row['metric']!r}: only absolute targets are supported")
    note = data.get("note")
    row["note"] = None
    if note not in (None, ""):
        try:
            row["note"] = check_text(str(note), multiline=True, what="the note")
        except ValueError as exc:
            problems["note"] = str(exc)
            messages.append(f"note: {exc}")
    if problems:
        raise InputError("; ".join(messages), problems)
    return {k: row[k] for k in store.COLUMNS}


def add_target(
    db: Database,
    *,
    scope: str,
    reduction: float | str,
    target_year: int | str,
    baseline_year: int | str | None = None,
    basis: str | None = None,
    note: str | None = None,
    metric: str = "absolute",
    source: str = "api",
) -> dict[str, Any]:
    """Store a target: ``reduction`` as 0.5, "50%", "-50%" or "net zero"; the baseline year
    defaults to the setting. A second target with the same scope, basis and years is refused."""
    if baseline_year in (None, ""):
        baseline_year = default_baseline_year(db)
    row = _row({"scope": scope, "basis": basis, "baseline_year": baseline_year,
                "target_year": target_year, "reduction": reduction, "note": note,
                "metric": metric})  # fmt: skip
    new_id = store.add_target(db, row, source=source)
    return get_target(db, new_id)


def update_target(
    db: Database,
    target_id: int,
    *,
    scope: str | Any = KEEP,
    basis: str | Any | None = KEEP,
    baseline_year: int | str | Any = KEEP,
    target_year: int | str | Any = KEEP,
    reduction: float | str | Any = KEEP,
    note: str | Any | None = KEEP,
    source: str = "api",
) -> dict[str, Any]:
    """Change a stored target; only the fields given change (validated like a new one)."""
    stored = store.get_target(db, int(target_id))
    given = {"scope": scope, "basis": basis, "baseline_year": baseline_year,
             "target_year": target_year, "reduction": reduction, "note": note}  # fmt: skip
    data = {k: stored[k] if v is KEEP else v for k, v in given.items()}
    if scope is not KEEP and basis is KEEP:
        data["basis"] = None  # the new scope takes its own default basis
    data["metric"] = stored["metric"]
    row = _row(data)
    store.update_target(db, int(target_id), row, source=source)
    return get_target(db, int(target_id))


def delete_target(db: Database, target_id: int, *, source: str = "api") -> dict[str, Any]:
    """Remove a target (its row stays in the audit log)."""
    return _present(store.delete_target(db, int(target_id), source=source))


# --- progress ----------------------------------------------------------------------------------


def _has_data(db: Database, first: str, last: str, facility_id: int | None, kind: str) -> bool:
    """Whether the period has any ``energy`` (non-water meters), ``water`` or ``waste`` data."""
    clause = " AND facility_id = ?" if facility_id else ""
    params: list[Any] = [first, last] + ([facility_id] if facility_id else [])
    if kind == "waste":
        sql = ("SELECT 1 FROM waste_records WHERE substr(start_date, 1, 7) BETWEEN ? AND ?"
               + clause + " LIMIT 1")  # fmt: skip
    else:
        water = "=" if kind == "water" else "!="
        sql = ("SELECT 1 FROM reading_months rm JOIN meters m ON m.id = rm.meter_id "
               f"WHERE rm.month BETWEEN ? AND ? AND m.canonical_unit {water} 'm**3'"
               + clause.replace("facility_id", "m.facility_id") + " LIMIT 1")  # fmt: skip
    return db.execute(sql, params).fetchone() is not None


def year_values(
    db: Database,
    fiscal_year: int,
    *,
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    start_month: int | None = None,
) -> dict[str, float | None]:
    """Every quantity a target can cover, for one (fiscal) year; ``None`` without data."""
    from greencare import services
    from greencare.core.summary import _scope_totals
    from greencare.services.dashboard import _period

    start = fiscal_year_start(db) if start_month is None else start_month
    first, last = fiscal.fiscal_period(fiscal_year, start)
    facility_id = services.get_facility(db, facility).id if facility is not None else None
    inventory, _ = services.emissions(
        db, start=first, end=last, facility=facility_id, strict=False, gwp=gwp, pins=pins
    )
    values: dict[str, float | None] = {}
    if not inventory.lines.empty:
        t = _scope_totals(inventory.lines)
        values = {
            "scope1": t["scope1"],
            "scope2_location": t["scope2_location"],
            "scope2_market": t["scope2_market"],
            "scope12_location": t["scope1"] + t["scope2_location"],
            "scope12_market": t["scope1"] + t["scope2_market"],
            "scope3": t["scope3"],
            "total_location": t["total_location"],
            "total_market": t["total_market"],
        }
    other = _period(db, inventory, first, last, facility_id)
    has = {kind: _has_data(db, first, last, facility_id, kind) for kind in rules.KINDS}
    values["energy"] = other["site_energy_kbtu"] / 1000.0 if has["energy"] else None
    values["water"] = other["water_m3"] if has["water"] else None
    values["waste"] = other["waste_kg"] / 1000.0 if has["waste"] else None
    return values


def value_key(target: dict[str, Any]) -> str:
    """The key of :func:`year_values` a target is measured by."""
    scope = target["scope"]
    return f"{scope}_{target['basis']}" if scope in rules.BASIS_SCOPES else scope


def latest_complete_year(db: Database, start_month: int | None = None) -> int | None:
    """The last whole fiscal year with data (the latest with data when none is whole)."""
    start = fiscal_year_start(db) if start_month is None else start_month
    first, last = db.execute("SELECT min(month), max(month) FROM reading_months").fetchone()
    if not last:
        return None
    year = fiscal.last_complete_fiscal_year(last, start)
    return max(year, fiscal.fiscal_year_of(first, start))


def target_progress(
    db: Database,
    *,
    year: int | None = None,
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    targets: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Each stored target (or ``targets``) with its progress in ``year`` (a fiscal year by the
    setting; default the last whole one with data): baseline and current values, the straight
    path's value, the reduction so far and whether it is on track."""
    start = fiscal_year_start(db)
    found = list_targets(db) if targets is None else targets
    if not found:
        return []
    if year is None:
        year = latest_complete_year(db, start)
    cache: dict[int, dict[str, float | None]] = {}

    def values(fy: int) -> dict[str, float | None]:
        if fy not in cache:
            cache[fy] = year_values(db, fy, facility=facility, gwp=gwp, pins=pins,
                                    start_month=start)  # fmt: skip
        return cache[fy]

    out = []
    for target in found:
        if year is None:
            progress = rules.progress(target, target["baseline_year"], None, None)
            progress.update(year=None, status="no data")
            out.append({**target, **progress, "year_label": ""})
            continue
        key = value_key(target)
        baseline = values(target["baseline_year"]).get(key)
        current = values(year).get(key) if year >= target["baseline_year"] else None
        progress = rules.progress(target, year, baseline, current)
        out.append({**target, **progress, "year_label": fiscal.fiscal_label(year, start)})
    return out
