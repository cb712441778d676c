"""Reduction targets: what they cover, how a reduction is written, the straight-line path.

A target asks that a quantity (Scope 1+2 emissions, site energy, water, waste...) fall by a
fraction of its baseline-year value by the target year; 1 is net zero. The path to it is linear
from the baseline year (0 %) to the target year (the full reduction), and a year is on track
when its value is at or below the path. Pure: no IO.
"""

from __future__ import annotations

import re
from typing import Any

from greencare.core.errors import InputError

#: What a target can cover, with the unit its values are in and how people read it.
SCOPES: dict[str, tuple[str, str]] = {
    "scope1": ("t CO2e", "Scope 1"),
    "scope2": ("t CO2e", "Scope 2"),
    "scope12": ("t CO2e", "Scope 1+2"),
    "scope3": ("t CO2e", "Scope 3"),
    "total": ("t CO2e", "Scopes 1-3"),
    "energy": ("MMBtu", "Site energy"),
    "water": ("m³", "Water"),
    "waste": ("t", "Waste"),
}
#: Scopes whose emissions differ between the location- and market-based Scope 2 methods.
BASIS_SCOPES = ("scope2", "scope12", "total")
BASES = ("location", "market")
#: The scopes that are not emissions (each measured from its own records).
KINDS = ("energy", "water", "waste")
#: Only absolute targets for now (the column is there for intensity targets later).
METRICS = ("absolute",)

_PERCENT = re.compile(r"^([-+−]?)\s*(\d+(?:\.\d+)?)\s*%$")
_NUMBER = re.compile(r"^(\d*\.\d+|\d+)$")


def parse_reduction(value: float | str) -> float:
    """A reduction as a fraction 0-1 from ``0.5``, ``"50%"``, ``"-50%"`` or ``"net zero"``.

    A bare number of 1 or more is refused (is ``50`` meant as 50 %? is ``1`` net zero or 1 %?),
    as is a rise (``"+10%"``).
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if 0 <= number <= 1:
            return number
        raise InputError(
            f"reduction {number:g} is not a fraction from 0 to 1 (write 50% or 0.5)",
            {"reduction": "a fraction from 0 to 1, or a percentage"},
        )
    text = str(value).strip().lower().replace("−", "-")
    if text in ("net zero", "net-zero", "netzero", "nz"):
        return 1.0
    match = _PERCENT.match(text)
    if match:
        sign, number = match.group(1), float(match.group(2))
        if sign == "+":
            raise InputError(
                f"reduction {value!r} is a rise; a target is a reduction (e.g. -50% or 50%)",
                {"reduction": "a target is a reduction"},
            )
        if number > 100:
            raise InputError(
                f"reduction {value!r} is more than 100% (net zero is 100%)",
                {"reduction": "at most 100% (net zero)"},
            )
        return number / 100.0
    if _NUMBER.match(text):
        number = float(text)
        if number < 1:
            return number
        raise InputError(
            f"reduction {value!r} is ambiguous: write {text}% for a percentage, "
            f"{'net zero or 1.0 for all of it' if number == 1 else 'or a fraction such as 0.5'}",
            {"reduction": "write a percentage (50%), a fraction (0.5) or net zero"},
        )
    raise InputError(
        f"reduction {value!r} is not a percentage (-50% or 50%), a fraction (0.5) or net zero",
        {"reduction": "write a percentage (50%), a fraction (0.5) or net zero"},
    )


def check_scope(scope: str, basis: str | None) -> tuple[str, str | None]:
    """The scope and basis a target is stored with; a scope with both Scope 2 methods takes
    ``location`` unless told (the method the report's progress tables have always used)."""
    key = str(scope).strip().lower().replace("+", "").replace(" ", "").replace("-", "")
    key = {"scope1and2": "scope12", "s12": "scope12", "s1": "scope1", "s2": "scope2",
           "s3": "scope3"}.get(key, key)  # fmt: skip
    if key not in SCOPES:
        raise InputError(
            f"target scope {scope!r} is not one of {', '.join(SCOPES)}",
            {"scope": f"one of {', '.join(SCOPES)}"},
        )
    if basis in (None, ""):
        return key, "location" if key in BASIS_SCOPES else None
    b = str(basis).strip().lower().removesuffix("-based")
    if key not in BASIS_SCOPES:
        raise InputError(
            f"basis {basis!r} applies to {', '.join(BASIS_SCOPES)} only ({key} has one method)",
            {"basis": f"only for {', '.join(BASIS_SCOPES)}"},
        )
    if b not in BASES:
        raise InputError(
            f"basis {basis!r} is not location or market", {"basis": "location or market"}
        )
    return key, b


def check_years(baseline_year: int | str, target_year: int | str) -> tuple[int, int]:
    years = []
    for name, value in (("baseline_year", baseline_year), ("target_year", target_year)):
        text = str(value).strip()
        if not text.isdigit() or not 1990 <= int(text) <= 2100:
            raise InputError(
                f"{name.replace('_', ' ')} {text!r} is not a year from 1990 to 2100",
                {name: "a year from 1990 to 2100"},
            )
        years.append(int(text))
    if years[1] <= years[0]:
        raise InputError(
            f"target year {years[1]} must be after the baseline year {years[0]}",
            {"target_year": "must be after the baseline year"},
        )
    return years[0], years[1]


def label(target: dict[str, Any]) -> str:
    """``Scope 1+2 (location) -50% by 2030 vs 2019``; ``net zero`` for a full reduction."""
    name = SCOPES[target["scope"]][1]
    if target.get("basis"):
        name += f" ({target['basis']})"
    r = float(target["reduction"])
    amount = "net zero" if r >= 1 else f"-{r * 100:.4g}%"
    return f"{name} {amount} by {target['target_year']} vs {target['baseline_year']}"


def trajectory_fraction(baseline_year: int, target_year: int, reduction: float, year: int) -> float:
    """The reduction the straight path asks for in ``year`` (0 before the baseline; the full
    reduction from the target year on)."""
    if year <= baseline_year:
        return 0.0
    if year >= target_year:
        return reduction
    return reduction * (year - baseline_year) / (target_year - baseline_year)


def progress(target: dict[str, Any], year: int, baseline: float | None,
             current: float | None) -> dict[str, Any]:  # fmt: skip
    """How far ``target`` is met in ``year``: values, the path's value, on track or not."""
    reduction = float(target["reduction"])
    wanted = trajectory_fraction(target["baseline_year"], target["target_year"], reduction, year)
    out: dict[str, Any] = {
        "year": year,
        "unit": SCOPES[target["scope"]][0],
        "baseline_value": baseline,
        "current_value": current,
        "trajectory_value": None,
        "target_value": None,
        "reduction_so_far": None,
        "reduction_required_now": wanted,
        "gap": None,
        "on_track": None,
        "status": "",
    }
    if year < target["baseline_year"]:
        out["status"] = "before the baseline year"
        return out
    if baseline is None or current is None:
        out["status"] = "no data for the baseline year" if baseline is None else "no data"
        return out
    out["trajectory_value"] = baseline * (1 - wanted)
    out["target_value"] = baseline * (1 - reduction)
    out["gap"] = current - out["trajectory_value"]
    if baseline:
        out["reduction_so_far"] = 1 - current / baseline
    out["on_track"] = bool(current <= out["trajectory_value"] + 1e-9)
    out["status"] = "on track" if out["on_track"] else "behind"
    return out
