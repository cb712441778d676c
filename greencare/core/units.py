"""The one pint registry greencare uses, and column-wise conversion into canonical units.

Every quantity is stored twice: as entered (magnitude + unit string) and in its commodity's
canonical unit. Converting is done by a factor computed once per (unit, commodity) pair and
applied to a whole column: building a pint Quantity per row costs ~65x the time of the
surrounding import (see bench/), so pint is only asked for factors, never for rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

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
    """Units that only ever measure gas: cubic feet and their hundreds and thousands."""
    return frozenset(parse_unit(name) for name in ("cf", "ccf", "Mcf"))


# Spellings found on bills and in utility exports, folded to lower case, mapped to pint names.
# Pint itself is case-sensitive ("MWh" vs "mWh"), so anything a person types goes through here.
ALIASES: dict[str, str] = {
    "kwh": "kWh",
    "kw h": "kWh",
    "kwhr": "kWh",
    "kilowatt hour": "kWh",
    "kilowatt hours": "kWh",
    "kilowatt-hour": "kWh",
    "kilowatt-hours": "kWh",
    "wh": "Wh",
    "mwh": "MWh",
    "megawatt hour": "MWh",
    "megawatt hours": "MWh",
    "gwh": "GWh",
    "kbtu": "kBtu",
    "btu": "Btu",
    "mmbtu": "MMBtu",
    "mbtu": "MMBtu",  # US gas industry usage: M = thousand, MM = million; "MBtu" means MMBtu
    "therm": "therm",
    "therms": "therm",
    "thm": "therm",
    "us therm": "therm",
    "us therms": "therm",
    "us_therm": "therm",
    "dth": "dekatherm",
    "dekatherm": "dekatherm",
    "dekatherms": "dekatherm",
    "decatherm": "dekatherm",
    "gj": "GJ",
    "mj": "MJ",
    "cf": "cf",
    "scf": "cf",
    "cubic feet": "cf",
    "cubic foot": "cf",
    "ft3": "cf",
    "ft**3": "cf",
    "ccf": "ccf",
    "hcf": "ccf",
    "mcf": "Mcf",
    "kcf": "Mcf",
    "m3": "m**3",
    "m^3": "m**3",
    "m**3": "m**3",
    "m³": "m**3",
    "cubic meter": "m**3",
    "cubic meters": "m**3",
    "cubic metre": "m**3",
    "cubic metres": "m**3",
    "gal": "US_liquid_gallon",
    "gallon": "US_liquid_gallon",
    "gallons": "US_liquid_gallon",
    "us gallon": "US_liquid_gallon",
    "us gallons": "US_liquid_gallon",
    "us_gallon": "US_liquid_gallon",
    "gal (us)": "US_liquid_gallon",
    "kgal": "kgal",
    "kgals": "kgal",
    "thousand gallons": "kgal",
    "imperial gallon": "imperial_gallon",
    "gal (uk)": "imperial_gallon",
    "l": "liter",
    "litre": "liter",
    "us_liquid_gallon": "US_liquid_gallon",
    "litres": "liter",
    "liter": "liter",
    "liters": "liter",
    "ml": "milliliter",
    "millilitre": "milliliter",
    "milliliter": "milliliter",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "klb": "klb",
    "klbs": "klb",
    "mlb": "million_pound",  # Portfolio Manager: "MLbs. (million pounds)"; klb is thousand
    "mlbs": "million_pound",
    "kg": "kg",
    "kgs": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "g": "g",
    "gram": "g",
    "grams": "g",
    "tonne": "tonne",
    "tonnes": "tonne",
    "metric ton": "tonne",
    "metric tons": "tonne",
    "metric_ton": "tonne",
    "t": "tonne",
    "short ton": "short_ton",
    "short tons": "short_ton",
    "short_ton": "short_ton",
    "ton": "short_ton",
    "tons": "short_ton",
    "ton hour": "ton_hour",
    "ton hours": "ton_hour",
    "ton-hour": "ton_hour",
    "ton-hours": "ton_hour",
    "ton_hour": "ton_hour",
    "tonhour": "ton_hour",
    "ton-hr": "ton_hour",
    "bottle": "bottle",
    "bottles": "bottle",
    "inhaler": "inhaler",
    "inhalers": "inhaler",
    "cylinder": "cylinder",
    "cylinders": "cylinder",
    "each": "item",
    "ea": "item",
    "item": "item",
    "items": "item",
    "ft2": "ft**2",
    "ft**2": "ft**2",
    "sq ft": "ft**2",
    "sqft": "ft**2",
    "square feet": "ft**2",
    "ft²": "ft**2",
    "m2": "m**2",
    "m**2": "m**2",
    "m²": "m**2",
    "sq m": "m**2",
    "square meters": "m**2",
    "square metres": "m**2",
}

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

    Raises:
        UnknownUnitError: nothing in the alias table or pint's registry has that name.
    """
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise UnknownUnitError("no unit given")
    key = _SPACES.sub(" ", raw.lower())
    name = ALIASES.get(key, raw)
    ureg = registry()
    try:
        unit = ureg.Unit(name)
    except (
        Exception
    ) as exc:  # pint raises several types: UndefinedUnitError, DefinitionSyntaxError,
        raise UnknownUnitError(f"unknown unit {raw!r}") from exc
    return unit


def normalize_unit(text: str) -> str:
    """The spelling greencare stores for a unit (e.g. "Therms" -> "therm", "gal" -> "US_gallon")."""
    unit = parse_unit(text)
    return _preferred_names().get(unit, None) or f"{unit:~C}"


#: How stored units are spelled; every one parses back to the same pint unit.
PREFERRED_NAMES = (
    "kWh", "MWh", "GWh", "Wh", "kBtu", "MMBtu", "Btu", "therm", "Dth", "GJ", "MJ",
    "cf", "ccf", "Mcf", "m**3", "US_gallon", "imperial_gallon", "kgal", "litre", "mL",
    "lb", "klb", "kg", "g", "tonne", "short_ton", "ton_hour",
    "bottle", "inhaler", "cylinder", "item", "ft**2", "m**2",
)  # fmt: skip


@cache
def _preferred_names() -> dict[pint.Unit, str]:
    names: dict[pint.Unit, str] = {}
    for name in PREFERRED_NAMES:
        names.setdefault(parse_unit(name), name)
    return names


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
    "energy": ("kWh", "MWh", "kBtu", "MMBtu", "therm", "Dth", "GJ"),
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

    Raises:
        UnknownUnitError: the unit is not known.
        WrongDimensionError: the unit cannot measure this commodity (kWh on a water meter).
    """
    commodity = Commodity(commodity)
    parsed = parse_unit(unit)
    ureg = registry()
    target = canonical_unit(commodity)
    if (
        commodity is Commodity.NATURAL_GAS
        and _dimension_words(parsed) == "volume"
        and parsed not in _gas_volume_units() | {parse_unit("m**3")}
    ):
        raise WrongDimensionError(
            f"{unit.strip()!r} is a liquid volume; natural gas is metered in cf, ccf, Mcf or m**3 "
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
    return float(factor)


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
    return float(registry().Quantity(value, parsed).to("m**2").magnitude)


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
