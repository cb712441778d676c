"""Why emissions changed between two periods: each scope's change split into its drivers.

The arithmetic and the order of attribution are in ``greencare.core.decompose``; this module
computes what it needs from the database: both periods' inventories, the later activity at the
earlier period's factor editions (the engine with those editions pinned), and the weather part
from the change-point baselines (``services.baselines``) where a model is fit for savings.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlite_utils import Database

from greencare.core.errors import GreencareError

#: Explanations that move less than this (t CO2e) are not listed.
_NEGLIGIBLE_T = 0.0005


def period_label(first: str, last: str) -> str:
    """``2024`` for a calendar year, else ``2024-03..2025-02``."""
    if first[:4] == last[:4] and first[5:] == "01" and last[5:] == "12":
        return first[:4]
    return first if first == last else f"{first}..{last}"


def compare(
    db: Database,
    *,
    a: tuple[str, str],
    b: tuple[str, str],
    facility: int | str | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    strict: bool = True,
    chiller: str = "electric_driven",
    weather: bool = True,
    library: Any = None,
    activity_a: Any = None,
    activity_b: Any = None,
    inventory_a: tuple[Any, dict[str, Any]] | None = None,
    inventory_b: tuple[Any, dict[str, Any]] | None = None,
    ndigits: int = 1,
) -> dict[str, Any]:
    """The change from period ``a`` to period ``b`` (each (first month, last month)) per scope,
    split into facilities added, facilities removed, factor editions, weather and activity,
    each part with what caused it. The parts add up exactly to the change; ``shown_t`` is each
    part rounded to ``ndigits`` so that the shown parts add up to the shown change.

    ``pins`` apply to both periods (then the factor part of a pinned family is 0). ``weather``
    False skips the baselines (the weather part is 0 and says so). A caller that has already
    computed a period's ``emissions`` (with the same options) passes it as ``inventory_a`` /
    ``inventory_b``, and its activity as ``activity_a`` / ``activity_b``.
    """
    from greencare.core import decompose as dc
    from greencare.core.factors import FactorLibrary
    from greencare.services.common import _facility_id
    from greencare.services.inventory import emissions, period_months
    from greencare.storage.inventory import load_activity

    a = period_months(start=a[0], end=a[1])
    b = period_months(start=b[0], end=b[1])
    library = library or FactorLibrary.bundled()
    ids = [_facility_id(db, facility)] if facility is not None else None
    if activity_a is None:
        activity_a = load_activity(db, first_month=a[0], last_month=a[1], facility_ids=ids)
    if activity_b is None:
        activity_b = load_activity(db, first_month=b[0], last_month=b[1], facility_ids=ids)
    common = {"facility": facility, "gwp": gwp, "pins": pins, "strict": strict,
              "library": library, "chiller": chiller}  # fmt: skip
    inv_a, sum_a = inventory_a or emissions(db, start=a[0], end=a[1], activity=activity_a, **common)
    inv_b, sum_b = inventory_b or emissions(db, start=b[0], end=b[1], activity=activity_b, **common)
    had, has = _active(activity_a), _active(activity_b)
    continuing = sorted(had & has)
    names = {**_names(activity_a), **_names(activity_b)}
    label_a, label_b = period_label(*a), period_label(*b)

    lines_a = _with_kind(inv_a.lines, activity_a, inv_a.datasets)
    lines_b = _with_kind(inv_b.lines, activity_b, inv_b.datasets)
    counter, notes = _at_earlier_factors(
        lines_a, activity_b, continuing, library, gwp=gwp, pins=pins, chiller=chiller
    )
    gaps = [g for g in counter.gaps if g not in inv_b.gaps]
    lines_ba = _with_kind(counter.lines, _subset(activity_b, continuing), counter.datasets)
    if gaps:
        notes.append(
            f"factors missing from the {label_a} editions for {label_b} activity (its emissions "
            "count as factor editions): " + "; ".join(gaps)
        )
    sums_a, sums_b, sums_ba = (_sums(x) for x in (lines_a, lines_b, lines_ba))

    weather_kg: dict[int, dict[str, float]] = {}
    weather_text: dict[int, str] = {}
    for fid in continuing:
        if not weather:
            weather_text[fid] = f"{names[fid]}: weather not assessed"
            continue
        kwh, text = _weather_kwh(db, fid, a, b)
        if kwh is None:
            weather_text[fid] = f"{names[fid]}: {text}"
            continue
        intensity = _intensity(lines_a, activity_a, fid)
        weather_kg[fid] = {k: kwh * v for k, v in intensity.items()}
        weather_text[fid] = f"{names[fid]}: {text} at {label_a} emissions per kWh"

    result = dc.decompose(
        sums_a, sums_b, sums_ba, weather=weather_kg, before_facilities=had, after_facilities=has
    )
    factor_groups = _factor_groups(lines_b, lines_ba, library, names, activity_b)
    energy_a = {f["facility"]: f["site_energy_kwh"] for f in sum_a["by_facility"]}
    energy_b = {f["facility"]: f["site_energy_kwh"] for f in sum_b["by_facility"]}

    scopes = []
    for key in dc.SCOPE_KEYS:
        exact = result.parts[key]
        change_t = result.change[key] / 1000.0
        before_t, after_t = result.before[key] / 1000.0, result.after[key] / 1000.0
        # the change as printed: the difference of the totals as printed beside it
        shown_change = round(after_t, ndigits) - round(before_t, ndigits)
        shown = dc.round_parts(
            {p: v / 1000.0 for p, v in exact.items()}, change_t, ndigits, shown=shown_change
        )
        parts = []
        for part in dc.PARTS:
            why: list[dict[str, Any]] = []
            for fid in sorted(result.by_facility, key=lambda f: names.get(f, str(f))):
                value = result.by_facility[fid][key][part] / 1000.0
                name = names.get(fid, str(fid))
                if part == "facilities_added" and fid in result.added and value:
                    why.append(_why(f"{name}: no activity in {label_a}", value))
                elif part == "facilities_removed" and fid in result.removed and value:
                    why.append(_why(f"{name}: no activity in {label_b}", value))
                elif part == "weather" and fid in result.continuing:
                    why.append(_why(weather_text[fid], value))
                elif part == "activity" and fid in result.continuing and value:
                    ea, eb = energy_a.get(name, 0.0), energy_b.get(name, 0.0)
                    why.append(_why(
                        f"{name}: {label_b} use at {label_a} factors (site energy "
                        f"{ea:,.0f} -> {eb:,.0f} kWh)", value,
                    ))  # fmt: skip
            if part == "factor_editions":
                why = [
                    _why(g["text"], g["values"][key] / 1000.0)
                    for g in factor_groups
                    if abs(g["values"][key]) / 1000.0 >= _NEGLIGIBLE_T
                ]
            why = [w for w in why if part == "weather" or abs(w["t"]) >= _NEGLIGIBLE_T]
            parts.append(
                {
                    "part": part,
                    "label": dc.PART_LABELS[part],
                    "t": exact[part] / 1000.0,
                    "shown_t": shown[part],
                    "explanations": why,
                }
            )
        top = dc.biggest(exact)
        scopes.append(
            {
                "key": key,
                "label": dc.SCOPE_LABELS[key],
                "before_t": before_t,
                "after_t": after_t,
                "change_t": change_t,
                "shown_before_t": round(before_t, ndigits),
                "shown_after_t": round(after_t, ndigits),
                "shown_change_t": round(shown_change, ndigits),
                "parts": parts,
                "biggest": top,
                "sentence": _sentence(
                    dc.SCOPE_LABELS[key], label_a, label_b, shown_change, top, parts, ndigits
                ),
            }
        )
    return {
        "a": {"from": a[0], "to": a[1], "label": label_a},
        "b": {"from": b[0], "to": b[1], "label": label_b},
        "facility": facility,
        "gwp": sum_b["gwp"],
        "order": list(dc.PARTS),
        "method": (
            "facilities added and removed first; then factor editions: the later activity at "
            "the later minus at the earlier factor editions; then weather (change-point model, "
            "at the earlier factors); activity is the rest"
        ),
        "scopes": scopes,
        "facilities_added": [names.get(f, str(f)) for f in result.added],
        "facilities_removed": [names.get(f, str(f)) for f in result.removed],
        "weather": [weather_text[f] for f in continuing],
        "notes": notes,
        "gaps": sorted(set(sum_a["gaps"]) | set(sum_b["gaps"])),
    }


def _why(text: str, t: float) -> dict[str, Any]:
    return {"text": text, "t": t}


def _sentence(
    scope: str, la: str, lb: str, change: float, top: str | None, parts: list, ndigits: int
) -> str:
    if top is None:
        return f"{scope} did not change from {la} to {lb}."
    part = next(p for p in parts if p["part"] == top)
    lead = max(part["explanations"], key=lambda w: abs(w["t"]), default=None)
    detail = f" ({lead['text']})" if lead and top != "weather" else ""
    return (
        f"{scope} changed by {change:+,.{max(ndigits, 0)}f} t from {la} to {lb}; the biggest driver is "
        f"{part['label'].lower()}: {part['shown_t']:+,.{max(ndigits, 0)}f} t{detail}."
    )


def _active(activity: Any) -> set[int]:
    """Facilities with any activity in the period (energy, waste, purchases)."""
    out: set[int] = set()
    for frame in (activity.energy, activity.waste, activity.purchases):
        if not frame.empty and "facility_id" in frame.columns:
            out |= {int(f) for f in frame["facility_id"].dropna().unique()}
    return out


def _names(activity: Any) -> dict[int, str]:
    f = activity.facilities
    return {int(i): str(n) for i, n in zip(f["id"], f["name"], strict=True)}


def _subset(activity: Any, facility_ids: list[int]) -> Any:
    from greencare.core.calculate import Activity

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty or "facility_id" not in frame.columns:
            return frame
        return frame[frame["facility_id"].isin(facility_ids)].reset_index(drop=True)

    return Activity(
        facilities=activity.facilities,
        energy=keep(activity.energy),
        waste=keep(activity.waste),
        purchases=keep(activity.purchases),
        instruments=keep(activity.instruments),
    )


def _of_kind(activity: Any, kind: str) -> Any:
    """The activity whose editions the engine picks as ``kind``: electricity meters (and the
    instruments on them) for 'electricity', everything else for ''."""
    from greencare.core.calculate import Activity

    energy = activity.energy
    electric = energy["commodity"] == "electricity" if not energy.empty else None
    if kind:
        return Activity(
            facilities=activity.facilities,
            energy=energy[electric].reset_index(drop=True) if electric is not None else energy,
            waste=activity.waste.iloc[0:0],
            purchases=activity.purchases.iloc[0:0],
            instruments=activity.instruments,
        )
    return Activity(
        facilities=activity.facilities,
        energy=energy[~electric].reset_index(drop=True) if electric is not None else energy,
        waste=activity.waste,
        purchases=activity.purchases,
        instruments=activity.instruments.iloc[0:0],
    )


def _with_kind(lines: pd.DataFrame, activity: Any, datasets: dict[str, Any]) -> pd.DataFrame:
    """Lines with ``kind`` ('electricity' for electricity meters and instruments, as the engine
    picks editions) and ``family`` (of the line's dataset)."""
    energy = activity.energy
    electric = (
        set(energy.loc[energy["commodity"] == "electricity", "meter_id"])
        if not energy.empty
        else set()
    )
    out = lines.copy()
    is_electric = ((out["source_type"] == "meter") & out["source_id"].isin(electric)) | (
        out["source_type"] == "instrument"
    )
    out["kind"] = ["electricity" if e else "" for e in is_electric]
    out["family"] = [
        datasets[d].family if d in datasets else str(d).split("/")[0] for d in out["dataset"]
    ]
    return out


def _sums(lines: pd.DataFrame) -> dict[int, dict[str, float]]:
    from greencare.core.decompose import scope_sums

    rows = zip(lines["facility_id"], lines["scope"], lines["method"].fillna(""),
               lines["co2e_kg"], strict=True)  # fmt: skip
    return scope_sums((int(f), s, m, kg) for f, s, m, kg in rows)


def _at_earlier_factors(
    lines_a: pd.DataFrame,
    activity_b: Any,
    continuing: list[int],
    library: Any,
    *,
    gwp: str | None,
    pins: dict[str, str] | None,
    chiller: str,
) -> tuple[Any, list[str]]:
    """The continuing facilities' later activity at the editions the earlier period used.

    The engine picks an edition per factor family, activity year and kind (US electricity
    follows the eGRID data year, everything else the edition year), so the earlier editions
    are pinned per kind and each kind's lines are taken from its own run. Where the earlier
    period used several editions of a family for one kind (a range over two years), the one
    behind most of its emissions is pinned, and a note says so.
    """
    from greencare.core.calculate import Inventory, calculate

    notes: list[str] = []
    mine = lines_a[lines_a["facility_id"].isin(continuing) & ~lines_a["dataset"].astype(str)
                   .str.startswith("!") & (lines_a["dataset"] != "instruments")]  # fmt: skip
    by_kind: dict[str, dict[str, str]] = {"electricity": {}, "": {}}
    weight = mine.assign(w=mine["co2e_kg"].abs()).groupby(["kind", "family", "dataset"])["w"].sum()
    for (kind, family), group in weight.groupby(level=[0, 1]):
        ranked = group.sort_values(ascending=False, kind="stable")
        chosen = ranked.index[0][2]
        by_kind[kind][family] = chosen
        if len(ranked) > 1:
            others = ", ".join(str(i[2]) for i in ranked.index[1:])
            what = "electricity" if kind else "other activity"
            notes.append(
                f"the earlier period used {chosen} and {others} for {what}; "
                f"{chosen} (most of its emissions) stands for it"
            )
    activity = _subset(activity_b, continuing)
    picked = []
    gaps: list[str] = []
    datasets: dict[str, Any] = {}
    for kind, chosen in by_kind.items():
        run_pins = {**chosen, **(pins or {})}
        part = _of_kind(activity, kind)
        inv = calculate(part, library, gwp=gwp, pins=run_pins, strict=False, chiller=chiller)
        lines = _with_kind(inv.lines, part, inv.datasets)
        picked.append(lines[lines["kind"] == kind].drop(columns=["kind", "family"]))
        gaps += [g for g in inv.gaps if g not in gaps]
        datasets.update(inv.datasets)
    lines = pd.concat(picked, ignore_index=True)
    inventory = Inventory(lines=lines, gaps=gaps, exclusions=[], datasets=datasets, gwp=gwp)
    return inventory, notes


def _editions(library: Any, before: set[str], after: set[str], kind: str) -> str:
    """``eGRID2022 -> eGRID2023 (EPA GHG Emission Factors Hub 2024 -> 2025)``, or
    ``Title 2024 v1.1 -> 2025 v1`` when one title publishes both."""
    old = [library.datasets[i] for i in sorted(before) if i in library.datasets]
    new = [library.datasets[i] for i in sorted(after) if i in library.datasets]

    def names(items: list[Any], attr: str) -> str:
        return ", ".join(str(getattr(d, attr)) for d in items) or "none"

    titles = {d.title for d in (*old, *new)}
    if not old or not new or len(titles) > 1:
        return f"{names(old, 'label')} -> {names(new, 'label')}"
    title = next(iter(titles))
    editions = f"{names(old, 'edition')} -> {names(new, 'edition')}"
    grids = [d.data_year("electricity") if kind and d.family == "epa-ghg-hub" else None
             for d in (*old, *new)]  # fmt: skip
    if all(g is not None for g in grids):
        before_grid = ", ".join(f"eGRID{g}" for g in grids[: len(old)])
        after_grid = ", ".join(f"eGRID{g}" for g in grids[len(old) :])
        return f"{before_grid} -> {after_grid} ({title} {editions})"
    return f"{title} {editions}"


def _factor_groups(
    lines_b: pd.DataFrame,
    lines_ba: pd.DataFrame,
    library: Any,
    names: dict[int, str],
    activity_b: Any,
) -> list[dict[str, Any]]:
    """The factor part per facility, kind and family, named by the editions on each side."""
    from greencare.core.decompose import SCOPE_KEYS

    facilities = activity_b.facilities
    regions = dict(zip(facilities["id"].astype(int), facilities["grid_region"], strict=True))
    continuing = set(lines_ba["facility_id"].astype(int))
    lines_b = lines_b[lines_b["facility_id"].astype(int).isin(continuing)]

    def grouped(lines: pd.DataFrame) -> dict[tuple, tuple[dict[str, float], set[str]]]:
        out: dict[tuple, tuple[dict[str, float], set[str]]] = {}
        for (fid, kind, family), part in lines.groupby(["facility_id", "kind", "family"]):
            sums = _sums(part).get(int(fid), dict.fromkeys(SCOPE_KEYS, 0.0))
            out[(int(fid), kind, family)] = (sums, set(part["dataset"].astype(str)))
        return out

    gb, gba = grouped(lines_b), grouped(lines_ba)
    out = []
    for key in sorted(set(gb) | set(gba), key=lambda k: (names.get(k[0], ""), k[1], k[2])):
        fid, kind, family = key
        sb, db_ = gb.get(key, (dict.fromkeys(SCOPE_KEYS, 0.0), set()))
        sba, dba = gba.get(key, (dict.fromkeys(SCOPE_KEYS, 0.0), set()))
        values = {k: sb.get(k, 0.0) - sba.get(k, 0.0) for k in SCOPE_KEYS}
        if all(abs(v) < 1e-9 for v in values.values()):
            continue

        what = "electricity" if kind else f"other activity ({family})"
        region = regions.get(fid)
        where = f" for {region}" if kind and isinstance(region, str) and region else ""
        out.append(
            {
                "facility": names.get(fid, str(fid)),
                "kind": kind or "other",
                "family": family,
                "before": sorted(dba),
                "after": sorted(db_),
                "values": values,
                "text": f"{names.get(fid, str(fid))} {what}: "
                f"{_editions(library, dba, db_, kind)}{where}",
            }
        )
    return out


def _intensity(lines_a: pd.DataFrame, activity_a: Any, fid: int) -> dict[str, float]:
    """The earlier period's kg CO2e per kWh of the facility's metered energy, by scope key."""
    from greencare.core import units
    from greencare.core.decompose import SCOPE_KEYS

    energy = activity_a.energy
    mine = energy[(energy["facility_id"] == fid)
                  & (energy["canonical_unit"] == units.CANONICAL_ENERGY)]  # fmt: skip
    kwh = float(mine["quantity_canonical"].sum())
    meters = set(mine["meter_id"])
    lines = lines_a[(lines_a["facility_id"] == fid) & (lines_a["source_type"] == "meter")
                    & lines_a["source_id"].isin(meters)]  # fmt: skip
    sums = _sums(lines).get(fid, dict.fromkeys(SCOPE_KEYS, 0.0))
    return {k: (v / kwh if kwh else 0.0) for k, v in sums.items()}


def _weather_kwh(db: Database, fid: int, a: tuple[str, str], b: tuple[str, str]) -> tuple:
    """(kWh the weather change moved the use, text), or (None, why there is no model).

    The earlier period's change-point model (ASHRAE Guideline 14) predicts its use with the
    later period's weather and with its own; the difference is the weather's part of the use
    change. Only a model fit for savings counts, on periods of equal length whose earlier one
    is fully covered by use and weather. Months are paired by position (the same calendar
    months a year apart for year-on-year): where the later period lacks weather for some
    months (NOAA's statewide file ends months before the year does), the weather part uses
    only the pairs where both have weather and says so; the rest of the change stays in
    activity, so the parts still add up to the change.
    """
    from greencare.services import baselines as bl
    from greencare.services.facilities import get_facility

    months_a, months_b = bl._months(*a), bl._months(*b)
    if len(months_a) != len(months_b):
        return None, "no weather model (the periods differ in length)"
    try:
        fit = bl.fit_baseline(db, facility=fid, first_month=a[0], last_month=a[1])
        if not fit.model.fit_for_savings:
            why = "; ".join(fit.model.reasons) or "not fit for savings"
            return None, f"no weather model ({fit.model.name} not fit for savings: {why})"
        if len(fit.months) != len(months_a):
            return None, "no weather model (months of the earlier period without use or weather)"
        wx = bl.facility_weather(db, get_facility(db, fid), b[0], b[1])
    except GreencareError as exc:
        return None, f"no weather model ({exc})"
    have = set(wx.months)
    pairs = [(ma, mb) for ma, mb in zip(months_a, months_b, strict=True) if mb in have]
    missing = [m for m in months_b if m not in have]
    if not pairs:
        return None, f"no weather model (no weather for {_span(missing)}: {wx.source})"
    predicted = fit.months.set_index("month")["predicted"]
    predicted_a = float(predicted.loc[[ma for ma, _ in pairs]].sum())
    predicted_b = float(fit.model.predict(wx.subset([mb for _, mb in pairs]).weather).sum())
    kwh = predicted_b - predicted_a
    if not math.isfinite(kwh):
        return None, "no weather model (the model gives no prediction)"
    text = f"{fit.model.name} model, weather moved use by {kwh:+,.0f} kWh"
    if missing:
        covered = [mb for _, mb in pairs]
        if max(covered) < min(missing):  # the weather stops: say where it ends
            why = f"the weather data ends {max(covered)}: {wx.source}"
        else:
            why = f"no weather for {_span(missing)}: {wx.source}"
        text += f" (weather for {_span(covered)} only; {why})"
    return kwh, text


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _span(months: list[str]) -> str:
    """Months as people say them: ``Jan–Aug 2025``, ``2025-09``, ``Nov 2024–Feb 2025``;
    runs of consecutive months joined by commas (months are sorted ``YYYY-MM``)."""

    def name(month: str, year: bool = True) -> str:
        text = _MONTH_NAMES[int(month[5:7]) - 1]
        return f"{text} {month[:4]}" if year else text

    def index(month: str) -> int:
        return int(month[:4]) * 12 + int(month[5:7])

    runs: list[list[str]] = []
    for month in months:
        if runs and index(month) == index(runs[-1][-1]) + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        if first == last:
            out.append(name(first))
        elif first[:4] == last[:4]:
            out.append(f"{name(first, year=False)}–{name(last)}")
        else:
            out.append(f"{name(first)}–{name(last)}")
    return ", ".join(out)
