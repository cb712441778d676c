"""Why emissions changed between two periods: the change in each scope split into parts.

The parts, attributed in this order (each on what the previous ones leave):

1. **facilities added**: the later period's emissions of facilities with no activity in the
   earlier one; **facilities removed**: minus the earlier emissions of facilities with no
   activity in the later one. They come first because nothing about such a facility can be
   compared: it has no use and no factors in the other period.
2. **factor editions** (continuing facilities): the later activity at the later factors minus
   the same activity at the earlier period's factor editions (B x F_B - B x F_A). It is measured
   on the later activity so it answers the question a reader checks by pinning ("what would
   this year be on last year's factors?"), and so the interaction of a use change and a factor
   change lands here, where the edition change caused it, instead of in a residual term.
3. **weather** (continuing facilities with a weather model fit for savings; otherwise 0): the
   change in use the model attributes to weather alone, converted at the earlier factors.
4. **activity**: what is left of the continuing facilities' change at the earlier factors,
   (B x F_A - A) - weather. It is a remainder, so the parts add up exactly to B - A.

Pure arithmetic on per-facility sums (kg CO2e by scope key); the service computes the sums
from the engine's lines. ``round_parts`` rounds them so the printed parts add to the printed
total.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The figures split, as ``summary.totals_t`` names them.
SCOPE_KEYS = (
    "scope1",
    "scope2_location",
    "scope2_market",
    "scope3",
    "scope12_location",
    "scope12_market",
    "total_location",
    "total_market",
)

#: The parts, in the order they are attributed.
PARTS = ("facilities_added", "facilities_removed", "factor_editions", "weather", "activity")

PART_LABELS = {
    "facilities_added": "Facilities added",
    "facilities_removed": "Facilities removed",
    "factor_editions": "Factor editions",
    "weather": "Weather",
    "activity": "Activity (use)",
}

SCOPE_LABELS = {
    "scope1": "Scope 1",
    "scope2_location": "Scope 2 (location-based)",
    "scope2_market": "Scope 2 (market-based)",
    "scope3": "Scope 3",
    "scope12_location": "Scope 1+2 (location-based)",
    "scope12_market": "Scope 1+2 (market-based)",
    "total_location": "Total (location-based)",
    "total_market": "Total (market-based)",
}

Sums = Mapping[Any, Mapping[str, float]]  # facility -> scope key -> kg CO2e


def scope_sums(rows: Iterable[tuple[Any, str, str, float]]) -> dict[Any, dict[str, float]]:
    """Per-facility totals by scope key from (facility, scope, method, kg) rows.

    Method '' applies to both Scope 2 methods, 'location'/'market' to one; scopes other than
    1, 2 and 3 (biogenic CO2, outside the scopes) are not counted, as in the inventory totals.
    """
    out: dict[Any, dict[str, float]] = {}
    for facility, scope, method, kg in rows:
        sums = out.setdefault(facility, dict.fromkeys(SCOPE_KEYS, 0.0))
        scope, method, kg = str(scope), str(method or ""), float(kg)
        if scope == "1":
            keys = ["scope1", "scope12_location", "scope12_market", "total_location",
                    "total_market"]  # fmt: skip
        elif scope == "2":
            keys = []
            if method in ("", "location"):
                keys += ["scope2_location", "scope12_location", "total_location"]
            if method in ("", "market"):
                keys += ["scope2_market", "scope12_market", "total_market"]
        elif scope == "3":
            keys = ["scope3", "total_location", "total_market"]
        else:
            continue
        for key in keys:
            sums[key] += kg
    return out


@dataclass
class Decomposition:
    """The change in each scope key (kg CO2e) and its parts, overall and per facility."""

    before: dict[str, float]
    after: dict[str, float]
    change: dict[str, float]
    parts: dict[str, dict[str, float]]  # scope key -> part -> kg
    by_facility: dict[Any, dict[str, dict[str, float]]] = field(default_factory=dict)
    added: list[Any] = field(default_factory=list)
    removed: list[Any] = field(default_factory=list)
    continuing: list[Any] = field(default_factory=list)


def _get(sums: Sums, facility: Any, key: str) -> float:
    return float(sums.get(facility, {}).get(key, 0.0))


def decompose(
    before: Sums,
    after: Sums,
    after_at_before_factors: Sums,
    *,
    weather: Sums | None = None,
    before_facilities: Iterable[Any] | None = None,
    after_facilities: Iterable[Any] | None = None,
) -> Decomposition:
    """Split ``after - before`` per scope key into PARTS (see the module docstring).

    ``before``/``after`` are each period's per-facility sums, ``after_at_before_factors`` the
    later activity of continuing facilities at the earlier factor editions, ``weather`` the
    weather part per continuing facility (kg at the earlier factors; absent means no model).
    ``*_facilities`` are the facilities with activity in each period (default: those with
    sums). Every part is exact float arithmetic and the activity part is the remainder, so
    the parts add up to the change (to float rounding).
    """
    weather = weather or {}
    had = set(before_facilities if before_facilities is not None else before) | set(before)
    has = set(after_facilities if after_facilities is not None else after) | set(after)
    added = sorted(has - had, key=str)
    removed = sorted(had - has, key=str)
    continuing = sorted(had & has, key=str)
    total_before = {k: sum(_get(before, f, k) for f in had) for k in SCOPE_KEYS}
    total_after = {k: sum(_get(after, f, k) for f in has) for k in SCOPE_KEYS}
    by_facility: dict[Any, dict[str, dict[str, float]]] = {}
    for f in added:
        by_facility[f] = {k: _parts(facilities_added=_get(after, f, k)) for k in SCOPE_KEYS}
    for f in removed:
        by_facility[f] = {k: _parts(facilities_removed=-_get(before, f, k)) for k in SCOPE_KEYS}
    for f in continuing:
        by_facility[f] = {}
        for k in SCOPE_KEYS:
            a, b, ba = _get(before, f, k), _get(after, f, k), _get(after_at_before_factors, f, k)
            factor = b - ba
            wx = _get(weather, f, k)
            by_facility[f][k] = _parts(
                factor_editions=factor, weather=wx, activity=(b - a) - factor - wx
            )
    parts = {
        k: {p: math.fsum(by_facility[f][k][p] for f in by_facility) for p in PARTS}
        for k in SCOPE_KEYS
    }
    change = {k: total_after[k] - total_before[k] for k in SCOPE_KEYS}
    for k in SCOPE_KEYS:  # absorb float summation noise into the remainder
        parts[k]["activity"] = change[k] - math.fsum(
            v for p, v in parts[k].items() if p != "activity"
        )
    return Decomposition(
        before=total_before,
        after=total_after,
        change=change,
        parts=parts,
        by_facility=by_facility,
        added=added,
        removed=removed,
        continuing=continuing,
    )


def _parts(**values: float) -> dict[str, float]:
    out = dict.fromkeys(PARTS, 0.0)
    out.update(values)
    return out


def round_parts(
    parts: Mapping[str, float], total: float, ndigits: int = 1, *, shown: float | None = None
) -> dict[str, float]:
    """Round ``parts`` to ``ndigits`` so they add up exactly to ``total`` rounded the same way
    (or to ``shown``, the change as printed, e.g. the difference of the rounded totals).

    Each part is rounded half away from zero; if the rounded parts miss the target by some
    steps of 10^-ndigits, those steps go to the parts whose rounding moved them furthest
    (largest remainder), so a part moves by at most one step when the target is the rounded
    total. ``total`` should be the sum of the parts (to float rounding).
    """
    scale = 10**ndigits
    target = _round_half_away((total if shown is None else shown) * scale)
    exact = {p: float(v) * scale for p, v in parts.items()}
    rounded = {p: _round_half_away(v) for p, v in exact.items()}
    missing = target - sum(rounded.values())
    step = 1 if missing > 0 else -1
    # the parts whose rounding went furthest against the missing direction move first
    order = sorted(exact, key=lambda p: (exact[p] - rounded[p]) * step, reverse=True)
    for i in range(abs(missing) if order else 0):
        rounded[order[i % len(order)]] += step
    return {p: rounded[p] / scale for p in parts}


def _round_half_away(value: float) -> int:
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def biggest(parts: Mapping[str, float]) -> str | None:
    """The part with the largest magnitude (the first in PARTS order on a tie), or None."""
    best = None
    for p in PARTS:
        if p in parts and parts[p] != 0 and (best is None or abs(parts[p]) > abs(parts[best])):
            best = p
    return best
