"""The one pint registry greencare uses, and column-wise conversion into canonical units.

Every quantity is stored twice: as entered (magnitude + unit string) and in its commodity's
canonical unit. Converting is done by a factor computed once per (unit, commodity) pair and
applied to a whole column: building a pint Quantity per row costs ~65x the time of the
surrounding import (see bench/), so pint is only asked for factors, never for rows.

What a typed unit means is decided by one table, ``bill_units.toml``: its spellings, the tokens
refused as ambiguous (MBtu, Mlb, MCF, mt), and the units each commodity is billed in. Pint is
never asked to read a typed token, so its SI prefixes cannot turn "mt" into a milli-tonne.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from greencare.core.unit_names import display as display  # re-exported: units.display
from greencare.core.vocab import COMBUSTION_FUELS, WATER_COMMODITIES, Commodity

if TYPE_CHECKING:
    import pint


class UnitError(ValueError):
    """A unit greencare cannot use: unknown, or of the wrong kind for what is measured."""


class UnknownUnitError(UnitError):
    pass


class WrongDimensionError(UnitError):
    pass


#: Canonical unit per commodity: energy in kWh, water in cubic metres.
CANONICAL_ENERGY = "kWh"
CANONICAL_WATER = "m**3"
CANONICAL_MASS = "kg"

#: Commodities whose volume or mass converts to energy through a named context in units.txt.
CONTEXT_COMMODITIES = COMBUSTION_FUELS | {Commodity.DISTRICT_STEAM}

#: Fuels delivered as liquids: a volume means liquid volume, never gas at standard conditions.
LIQUID_FUELS = CONTEXT_COMMODITIES - {Commodity.NATURAL_GAS, Commodity.DISTRICT_STEAM}


@cache
def _gas_volume_units() -> frozenset[pint.Unit]:
    """Units that only ever measure gas: cubic feet and their hundreds, thousands, millions."""
    return frozenset(parse_unit(name) for name in ("cf", "ccf", "Mcf", "MMcf"))


class AmbiguousUnitError(UnknownUnitError):
    """A token that means different things in different conventions (MBtu, Mlb, MCF, mt)."""


class NotBilledInError(WrongDimensionError):
    """A unit of the right dimension that the commodity is not billed in (therm on electricity)."""


class NotFiniteError(UnitError):
    """A quantity whose converted value overflows, or is beyond any real facility's."""


#: The largest magnitude stored in a canonical unit (kWh, m**3, kg). The world uses about 1.7e14
#: kWh of primary energy a year (IEA World Energy Outlook 2023), so 1e15 is beyond any facility;
#: keeping every stored value below it keeps sums and emission products finite.
MAX_CANONICAL = 1e15


@dataclass(frozen=True)
class Vocabulary:
    """The accepted spellings, read from ``bill_units.toml`` (see that file for the rules)."""

    exact: dict[str, str]  # spelling as written -> stored name
    folded: dict[str, str]  # lower-case spelling -> stored name
    ambiguous: dict[str, str]  # lower-case token -> why it is refused and what to write
    pint_names: dict[str, str]  # stored name -> pint definition
    families: dict[str, tuple[str, ...]]
    commodities: dict[str, tuple[str, ...]]
    sources: dict[str, str]

    def spellings(self) -> dict[str, str]:
        """Every accepted spelling (exact ones as written) -> stored name."""
        return {**self.folded, **self.exact}


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text.strip())


@cache
def vocabulary() -> Vocabulary:
    """The bill-unit table, loaded once from the package."""
    import tomllib

    text = resources.files("greencare.core").joinpath("bill_units.toml").read_text("utf-8")
    data = tomllib.loads(text)
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    pint_names: dict[str, str] = {}
    sources: dict[str, str] = {}
    for entry in data["unit"]:
        name = entry["name"]
        pint_names[name] = entry["pint"]
        sources[name] = entry["source"]
        for table, spellings in (
            (exact, [name, *entry.get("exact", ())]),
            (folded, [s.lower() for s in entry.get("any_case", ())]),
        ):
            for spelling in map(_fold, spellings):
                if table.get(spelling, name) != name:  # the table itself must not be ambiguous
                    raise ValueError(f"bill_units.toml: {spelling!r} names two units")
                table[spelling] = name
    ambiguous = {
        _fold(token).lower(): entry["message"]
        for entry in data["ambiguous"]
        for token in entry["tokens"]
    }
    return Vocabulary(
        exact=exact,
        folded=folded,
        ambiguous=ambiguous,
        pint_names=pint_names,
        families={k: tuple(v) for k, v in data["families"].items()},
        commodities={k: tuple(v) for k, v in data["commodities"].items()},
        sources=sources,
    )


def lookup(text: str) -> str:
    """The stored name of a unit as typed, by the bill-unit table alone.

    Spellings listed as exact match as written; the others in any letter case. A token that is
    ambiguous between conventions is refused whatever its case, and anything not in the table
    is refused: pint's SI prefixes are never tried (they read "mt" as a milli-tonne).

    Raises:
        AmbiguousUnitError: the token means different things in different conventions.
        UnknownUnitError: the table does not have it.
    """
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise UnknownUnitError("no unit given")
    key = _fold(raw)
    shown = repr(raw) if len(raw) <= 40 else f"{raw[:30]!r}… ({len(raw):,} characters)"
    vocab = vocabulary()
    if key in vocab.exact:
        return vocab.exact[key]
    lower = key.lower()
    if lower in vocab.ambiguous:
        raise AmbiguousUnitError(f"unit {shown} is ambiguous: {vocab.ambiguous[lower]}")
    if lower in vocab.folded:
        return vocab.folded[lower]
    raise UnknownUnitError(f"unknown unit {shown}")


def accepted_units(commodity: Commodity | str) -> tuple[str, ...]:
    """Stored names of the units a commodity is billed in, from the bill-unit table."""
    vocab = vocabulary()
    names: dict[str, None] = {}
    for family in vocab.commodities[Commodity(commodity).value]:
        names.update(dict.fromkeys(vocab.families[family]))
    return tuple(names)


_SPACES = re.compile(r"\s+")


@cache
def registry() -> pint.UnitRegistry:
    """The application's single registry: pint's defaults plus ``units.txt``."""
    import pint

    # The parsed registry is cached on disk (per user, keyed by the definitions' content):
    # building it takes ~0.4 s, loading the cache ~0.04 s (pint docs, "Performance").
    try:
        ureg = pint.UnitRegistry(cache_folder=":auto:", autoconvert_offset_to_baseunit=True)
    except OSError:  # no writable cache folder: build it in memory
        ureg = pint.UnitRegistry(cache_folder=None, autoconvert_offset_to_baseunit=True)
    with resources.as_file(resources.files("greencare.core").joinpath("units.txt")) as path:
        ureg.load_definitions(str(path))
    return ureg


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """Turn a unit as written on a bill or in a file into a pint unit.

    Only spellings in ``bill_units.toml`` are accepted (see ``lookup``).

    Raises:
        UnknownUnitError: the table does not have it (AmbiguousUnitError: it has two meanings).
    """
    name = lookup(text)
    return registry().Unit(vocabulary().pint_names[name])


@lru_cache(maxsize=4096)
def normalize_unit(text: str) -> str:
    """The spelling greencare stores for a unit (e.g. "Therms" -> "therm", "gal" -> "US_gallon").

    Cached: loading 5,000 meters checks 5,000 units, nearly all the same few (a refusal is
    raised again each time, never cached)."""
    return lookup(text)


#: How stored units are spelled; every one parses back to the same pint unit.
PREFERRED_NAMES = (
    "kWh", "MWh", "GWh", "Wh", "kBtu", "MMBtu", "Btu", "therm", "Dth", "GJ", "MJ",
    "cf", "ccf", "Mcf", "MMcf", "m**3", "US_gallon", "imperial_gallon", "kgal", "MMgal", "litre",
    "mL", "megalitre", "lb", "klb", "MMlb", "kg", "g", "tonne", "short_ton", "ton_hour",
    "bottle", "inhaler", "cylinder", "item", "ft**2", "m**2",
)  # fmt: skip


def canonical_unit(commodity: Commodity | str) -> str:
    """The unit a commodity's readings are normalised to."""
    commodity = Commodity(commodity)
    return CANONICAL_WATER if commodity in WATER_COMMODITIES else CANONICAL_ENERGY


def _dimension_words(unit: pint.Unit) -> str:
    dims = dict(registry().get_dimensionality(unit))
    for word, shape in _DIMENSION_WORDS.items():
        if dims == shape:
            return word
    return " * ".join(f"{k}^{v}" for k, v in dims.items()) or "a pure number"


_DIMENSION_WORDS: dict[str, dict[str, float]] = {
    "energy": {"[length]": 2, "[mass]": 1, "[time]": -2},
    "volume": {"[length]": 3},
    "mass": {"[mass]": 1},
    "a count of items": {"[item]": 1},
    "area": {"[length]": 2},
    "power": {"[length]": 2, "[mass]": 1, "[time]": -3},
    "length": {"[length]": 1},
    "time": {"[time]": 1},
    "temperature": {"[temperature]": 1},
    "a pure number": {},
}


#: What each commodity accepts, for error messages and for the TUI's unit pickers.
UNIT_CHOICES: dict[str, tuple[str, ...]] = {
    "energy": ("kWh", "MWh", "kBtu", "MMBtu", "GJ"),
    "gas": ("therm", "ccf", "Mcf", "cf", "m**3", "kWh", "kBtu", "MMBtu", "Dth", "GJ"),
    "liquid_fuel": ("US_gallon", "litre", "kBtu", "MMBtu", "kWh", "GJ"),
    "steam": ("klb", "lb", "kg", "kBtu", "MMBtu", "therm", "GJ", "kWh"),
    "chilled_water": ("ton_hour", "kBtu", "MMBtu", "kWh", "GJ"),
    "hot_water": ("therm", "kBtu", "MMBtu", "kWh", "GJ"),
    "water": ("kgal", "US_gallon", "ccf", "m**3", "litre"),
}


def unit_choices(commodity: Commodity | str) -> tuple[str, ...]:
    """Units offered for a commodity, most common first."""
    commodity = Commodity(commodity)
    if commodity in WATER_COMMODITIES:
        return UNIT_CHOICES["water"]
    if commodity is Commodity.NATURAL_GAS:
        return UNIT_CHOICES["gas"]
    if commodity is Commodity.DISTRICT_STEAM:
        return UNIT_CHOICES["steam"]
    if commodity is Commodity.DISTRICT_CHILLED_WATER:
        return UNIT_CHOICES["chilled_water"]
    if commodity is Commodity.DISTRICT_HOT_WATER:
        return UNIT_CHOICES["hot_water"]
    if commodity in CONTEXT_COMMODITIES:
        return UNIT_CHOICES["liquid_fuel"]
    return UNIT_CHOICES["energy"]


@lru_cache(maxsize=4096)
def conversion_factor(unit: str, commodity: Commodity | str) -> float:
    """Multiply a quantity in ``unit`` by this to get the commodity's canonical unit.

    Computed by pint, and remembered across runs (``units.factors``): a command whose units
    were all seen before does not load pint at all.

    Raises:
        UnknownUnitError: the unit is not known.
        WrongDimensionError: the unit cannot measure this commodity (kWh on a water meter).
    """
    from greencare.core import unit_factors

    commodity = Commodity(commodity)
    known = unit_factors.known(unit, commodity.value)
    if known is not None:
        return known
    factor = _pint_factor(unit, commodity)
    unit_factors.remember(unit, commodity.value, factor)
    return factor


def _pint_factor(unit: str, commodity: Commodity) -> float:
    """``conversion_factor`` from pint (every check a unit must pass, then the factor)."""
    parsed = parse_unit(unit)
    ureg = registry()
    target = canonical_unit(commodity)
    if (
        commodity is Commodity.NATURAL_GAS
        and _dimension_words(parsed) == "volume"
        and parsed not in _gas_volume_units() | {parse_unit("m**3")}
    ):
        raise WrongDimensionError(
            f"{unit.strip()!r} is a liquid volume; natural gas is metered in cf, ccf, Mcf, MMcf or m**3 "
            "(or energy: therm, kWh, MMBtu)"
        )
    if commodity in LIQUID_FUELS and parsed in _gas_volume_units():
        raise WrongDimensionError(
            f"{unit.strip()!r} is a gas-phase volume; {commodity.value.replace('_', ' ')} is "
            "recorded in liquid volume (US_gallon, litre) or energy (kBtu, MMBtu, kWh)"
        )
    contexts = [commodity.value] if commodity in CONTEXT_COMMODITIES else []
    try:
        factor = ureg.Quantity(1.0, parsed).to(target, *contexts).magnitude
    except Exception as exc:  # pint.DimensionalityError, or a context that cannot map the unit
        examples = ", ".join(unit_choices(commodity)[:5])
        raise WrongDimensionError(
            f"unit {unit.strip()!r} ({_dimension_words(parsed)}) cannot measure "
            f"{commodity.value.replace('_', ' ')}; use one of {examples}"
        ) from exc
    accepted = accepted_units(commodity)
    if lookup(unit) not in accepted and parsed not in {parse_unit(name) for name in accepted}:
        raise NotBilledInError(
            f"{commodity.value.replace('_', ' ')} is not billed in {unit.strip()!r}; "
            f"use one of {', '.join(accepted)}"
        )
    return float(factor)


def check_finite(value: float, unit: str, factor: float, target: str) -> float:
    """``value * factor``, refused unless it is a finite number below ``MAX_CANONICAL``.

    Raises:
        NotFiniteError: the value overflows (1e308 therm is inf kWh) or is beyond any facility's.
    """
    converted = value * factor
    if not math.isfinite(converted) or abs(converted) > MAX_CANONICAL:
        raise NotFiniteError(too_large_message(value, unit, target))
    return converted


def too_large_message(value: float, unit: str, target: str) -> str:
    """Why a value was refused as too large: one wording for forms and imports alike."""
    return (
        f"{value:g} {unit} is too large: more than {MAX_CANONICAL:g} {target}, beyond any "
        "facility's use (check the quantity and its unit)"
    )


def canonical_quantity(value: float, unit: str, commodity: Commodity | str) -> float:
    """A quantity in its commodity's canonical unit, refused when not finite (see check_finite)."""
    factor = conversion_factor(unit, commodity)
    return check_finite(value, unit, factor, canonical_unit(commodity))


def check_base(value: float, unit: str) -> float:
    """``value`` in the base unit of its dimension (kg, m**3, kWh, item), refused unless finite
    and below ``MAX_CANONICAL``: for records with no commodity (purchases, floor areas)."""
    parsed = parse_unit(unit)
    dimension = _dimension_words(parsed)
    target = {"energy": "kWh", "volume": "m**3", "mass": "kg", "area": "m**2"}.get(dimension)
    if target is None:
        return check_finite(value, unit, 1.0, unit)
    return check_finite(value, unit, convert(1.0, unit, target), target)


def finite_mask(converted: Any) -> Any:
    """Which converted values (a numpy array) are finite and below ``MAX_CANONICAL``."""
    import numpy as np

    values = np.asarray(converted, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (np.abs(values) <= MAX_CANONICAL)


def convert_values(values: Iterable[float], unit: str, commodity: Commodity | str) -> list[float]:
    """Convert a sequence of magnitudes that share one unit, with one factor."""
    factor = conversion_factor(unit, commodity)
    return [v * factor for v in values]


def convert_column(values: Any, units: Any, commodity: Commodity | str) -> Any:
    """Vectorised conversion of a pandas column whose rows may carry different units.

    One pint look-up per distinct unit, then a single multiplication over the column.
    ``values`` and ``units`` are pandas Series of equal length; returns a float Series.
    """
    factors = {u: conversion_factor(u, commodity) for u in units.unique()}
    return values.astype("float64") * units.map(factors).astype("float64")


def convert(
    value: float, from_unit: str, to_unit: str, commodity: Commodity | str | None = None
) -> float:
    """Convert one value between any two units (one cached pint look-up per unit pair)."""
    return value * _factor_between(from_unit, to_unit, commodity)


@lru_cache(maxsize=4096)
def _factor_between(from_unit: str, to_unit: str, commodity: Commodity | str | None) -> float:
    ureg = registry()
    contexts = []
    if commodity is not None and Commodity(commodity) in CONTEXT_COMMODITIES:
        contexts = [Commodity(commodity).value]
    source, target = parse_unit(from_unit), parse_unit(to_unit)
    try:
        return float(ureg.Quantity(1.0, source).to(target, *contexts).magnitude)
    except Exception as exc:
        raise WrongDimensionError(
            f"cannot convert {from_unit!r} ({_dimension_words(source)}) "
            f"to {to_unit!r} ({_dimension_words(target)})"
        ) from exc


def area_in_m2(value: float, unit: str) -> float:
    """Floor area in square metres; raises UnitError for a unit that is not an area."""
    if not math.isfinite(value):
        raise UnitError("floor area must be a finite number")
    parsed = parse_unit(unit)
    if _dimension_words(parsed) != "area":
        raise WrongDimensionError(f"unit {unit!r} is not an area (use ft**2 or m**2)")
    return check_finite(value, unit, convert(1.0, unit, "m**2"), "m**2")


def dimension_of(unit: str) -> str:
    """A word for what a unit measures: energy, volume, mass, area, a count of items, ..."""
    return _dimension_words(parse_unit(unit))


def area_as_entered(value: float | None, unit: str | None, m2: float | None, target: str) -> Any:
    """A floor area in ``target`` (``ft**2`` or ``m**2``), exactly as entered when it was entered
    in that unit: 600,000 ft² stays 600,000, not 600000.000016 after a trip through m²."""
    if value is None or unit is None or m2 is None:
        return None if m2 is None else float(m2) * (1 if target == "m**2" else _M2_TO_FT2)
    if parse_unit(unit) == parse_unit(target):
        return float(value)
    return float(m2) if target == "m**2" else float(m2) * _M2_TO_FT2


#: Square feet in a square metre (1 ft = 0.3048 m exactly).
_M2_TO_FT2 = 1 / 0.3048**2
