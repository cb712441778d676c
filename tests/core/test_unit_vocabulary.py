"""The bill-unit table (greencare/core/bill_units.toml): what is accepted, what is refused.

Hand values: Btu = 1055.056 J (pint's International Table Btu); ft = 0.3048 m exactly;
US gallon = 231 in³ = 3.785411784 L; imperial gallon = 4.54609 L; lb = 0.45359237 kg exactly.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from greencare.core import units
from greencare.core.units import (
    AmbiguousUnitError,
    NotBilledInError,
    NotFiniteError,
    UnknownUnitError,
    conversion_factor,
    convert,
    normalize_unit,
    parse_unit,
)

BTU = 1055.056  # J
CF = 0.3048**3  # m³
GAL = 3.785411784e-3  # m³
LB = 0.45359237  # kg

#: Each stored name in the SI base of its dimension (J, W, m³, kg, item, m², 1), by hand.
HAND: dict[str, tuple[str, float]] = {
    "Wh": ("J", 3600.0),
    "kWh": ("J", 3.6e6),
    "MWh": ("J", 3.6e9),
    "GWh": ("J", 3.6e12),
    "Btu": ("J", BTU),
    "kBtu": ("J", 1e3 * BTU),
    "MMBtu": ("J", 1e6 * BTU),
    "J": ("J", 1.0),
    "MJ": ("J", 1e6),
    "GJ": ("J", 1e9),
    "therm": ("J", 1e5 * BTU),
    "Dth": ("J", 1e6 * BTU),
    "ton_hour": ("J", 12_000 * BTU),
    "W": ("W", 1.0),
    "kW": ("W", 1e3),
    "MW": ("W", 1e6),
    "cf": ("m**3", CF),
    "ccf": ("m**3", 100 * CF),
    "Mcf": ("m**3", 1e3 * CF),
    "MMcf": ("m**3", 1e6 * CF),
    "m**3": ("m**3", 1.0),
    "US_gallon": ("m**3", GAL),
    "imperial_gallon": ("m**3", 4.54609e-3),
    "kgal": ("m**3", 1e3 * GAL),
    "MMgal": ("m**3", 1e6 * GAL),
    "litre": ("m**3", 1e-3),
    "mL": ("m**3", 1e-6),
    "megalitre": ("m**3", 1e3),
    "g": ("kg", 1e-3),
    "kg": ("kg", 1.0),
    "lb": ("kg", LB),
    "klb": ("kg", 1e3 * LB),
    "MMlb": ("kg", 1e6 * LB),
    "tonne": ("kg", 1e3),
    "metric_ton": ("kg", 1e3),
    "short_ton": ("kg", 2000 * LB),
    "item": ("item", 1.0),
    "bottle": ("item", 1.0),
    "inhaler": ("item", 1.0),
    "cylinder": ("item", 1.0),
    "ft**2": ("m**2", 0.3048**2),
    "m**2": ("m**2", 1.0),
    "dimensionless": ("dimensionless", 1.0),
}

VOCAB = units.vocabulary()
SPELLINGS = sorted(VOCAB.spellings())


def test_every_unit_in_the_table_has_a_hand_value_and_a_source() -> None:
    assert set(VOCAB.pint_names) == set(HAND)
    assert all(VOCAB.sources[name].strip() for name in VOCAB.pint_names)


def test_no_spelling_is_both_accepted_and_ambiguous() -> None:
    assert not set(VOCAB.folded) & set(VOCAB.ambiguous)
    for family in VOCAB.families.values():
        assert set(family) <= set(VOCAB.pint_names)


# --- property: every accepted spelling converts to the hand value -------------------------


def _recase(text: str, flips: list[bool]) -> str:
    padded = flips + [False] * len(text)
    return "".join(
        c.upper() if f else c.lower() for c, f in zip(text, padded[: len(text)], strict=True)
    )


@settings(deadline=None)  # the first call loads the registry
@given(spelling=st.sampled_from(SPELLINGS), flips=st.lists(st.booleans(), max_size=30))
def test_every_accepted_spelling_converts_to_the_hand_value(
    spelling: str, flips: list[bool]
) -> None:
    name = VOCAB.spellings()[spelling]
    if spelling in VOCAB.folded:  # any letter case means the same unit
        spelling = _recase(spelling, flips)
        assume(spelling not in VOCAB.exact or VOCAB.exact[spelling] == name)
    assert normalize_unit(f"  {spelling} ") == name
    base, value = HAND[name]
    assert convert(1.0, spelling, base) == pytest.approx(value, rel=1e-12)


_TOKEN_CHARS = st.sampled_from(list("kKmMgGcCtTlLbBwWhHfFsSuUaAeE3²³*^_. -"))


@settings(deadline=None)  # the first call loads the registry
@given(text=st.text(_TOKEN_CHARS, min_size=1, max_size=8))
def test_no_token_outside_the_table_is_accepted(text: str) -> None:
    key = " ".join(text.split())
    assume(key and key not in VOCAB.exact and key.lower() not in VOCAB.folded)
    with pytest.raises(UnknownUnitError):
        parse_unit(text)


_PREFIXES = ["m", "c", "d", "k", "M", "G", "u", "µ", "n", "h", "da", "mm", "MM", "K"]


@settings(deadline=None)  # the first call loads the registry
@given(prefix=st.sampled_from(_PREFIXES), spelling=st.sampled_from(SPELLINGS))
def test_an_si_prefix_is_never_guessed(prefix: str, spelling: str) -> None:
    token = prefix + spelling
    assume(token not in VOCAB.exact and token.lower() not in VOCAB.folded)
    with pytest.raises(UnknownUnitError):
        parse_unit(token)


# --- refused: one token, two meanings -----------------------------------------------------

MBTU = (
    "thousand Btu in US HVAC and utility use (ASHRAE 90.1) but million Btu in Portfolio "
    "Manager; write kBtu (thousand) or MMBtu (million)"
)
MLB = (
    "thousand pounds on US steam bills (Con Edison) but million pounds in Portfolio Manager "
    "(MLbs.); write klb (thousand pounds) or MMlb (million pounds)"
)
MCF = (
    "thousand cubic feet on US gas bills but million cubic feet in Portfolio Manager; write kcf "
    "or Mcf (thousand cubic feet) or MMcf (million cubic feet)"
)
MT = (
    "metric ton on waste manifests but milli-tonne (mt) or megatonne (Mt) in SI; write tonne "
    "(metric ton) or short_ton (2,000 lb)"
)
MGAL = (
    "thousand gallons on some US water bills but million gallons in Portfolio Manager (MGal); "
    "write kgal (thousand gallons) or MMgal (million gallons)"
)


@pytest.mark.parametrize(
    ("token", "commodity", "why"),
    [
        ("MBtu", "natural_gas", MBTU),
        ("mbtu", "district_hot_water", MBTU),
        ("Mlb", "district_steam", MLB),
        ("MLb", "district_steam", MLB),
        ("MLbs", "district_steam", MLB),
        ("MCF", "natural_gas", MCF),
        ("mcf", "natural_gas", MCF),
        ("mt", None, MT),
        ("MT", None, MT),
        ("Mt", None, MT),
        ("mgal", "water", MGAL),
        ("MGal", "water", MGAL),
        ("mWh", "electricity", "a milliwatt-hour in SI, which no bill uses; write MWh "
         "(megawatt-hour) or kWh"),
        ("ML", "water", "a megalitre in SI but often a millilitre in typed text; write mL "
         "(millilitre) or megalitre"),
    ],
)  # fmt: skip
def test_ambiguous_tokens_are_refused_with_the_alternatives(
    token: str, commodity: str | None, why: str
) -> None:
    with pytest.raises(AmbiguousUnitError) as info:
        parse_unit(token)
    assert str(info.value) == f"unit {token!r} is ambiguous: {why}"
    if commodity is not None:
        with pytest.raises(AmbiguousUnitError):
            conversion_factor(token, commodity)


def test_the_unambiguous_spellings_read_as_their_names_say() -> None:
    # 1 Mcf (EIA's spelling) = kcf = 1,026 kBtu of gas; MMcf a million cubic feet.
    assert convert(1, "Mcf", "cf") == pytest.approx(1000.0, rel=1e-12)
    assert convert(1, "kcf", "cf") == pytest.approx(1000.0, rel=1e-12)
    assert convert(1, "MMcf", "cf") == pytest.approx(1e6, rel=1e-12)
    assert conversion_factor("MMcf", "natural_gas") == pytest.approx(1.026e9 * BTU / 3.6e6)
    assert convert(1, "MMlb", "lb") == pytest.approx(1e6, rel=1e-12)
    assert convert(1, "MMgal", "kgal") == pytest.approx(1000.0, rel=1e-12)
    assert conversion_factor("MMlb", "district_steam") == pytest.approx(1.194e9 * BTU / 3.6e6)


# --- refused: the right dimension, but not what the commodity is billed in ----------------

ENERGY = "Wh, kWh, MWh, GWh, Btu, kBtu, MMBtu, J, MJ, GJ"


@pytest.mark.parametrize(
    ("unit", "commodity", "accepted"),
    [
        ("therm", "electricity", ENERGY),
        ("Dth", "onsite_solar", ENERGY),
        ("ton-hours", "electricity", ENERGY),
        ("Dth", "district_steam", f"{ENERGY}, therm, lb, klb, MMlb, kg, tonne"),
        ("therm", "district_chilled_water", f"{ENERGY}, ton_hour"),
        ("mL", "water", "US_gallon, kgal, MMgal, imperial_gallon, litre, megalitre, cf, ccf, m**3"),
    ],
)
def test_a_unit_the_commodity_is_not_billed_in_is_refused(
    unit: str, commodity: str, accepted: str
) -> None:
    with pytest.raises(NotBilledInError) as info:
        conversion_factor(unit, commodity)
    what = commodity.replace("_", " ")
    assert str(info.value) == f"{what} is not billed in {unit!r}; use one of {accepted}"


@pytest.mark.parametrize("commodity", [c.value for c in units.Commodity])
def test_every_offered_unit_is_accepted(commodity: str) -> None:
    for unit in units.unit_choices(commodity):
        assert normalize_unit(unit) in units.accepted_units(commodity)
        conversion_factor(unit, commodity)  # does not raise


# --- every converted value is finite -------------------------------------------------------


def test_overflow_is_refused() -> None:
    with pytest.raises(NotFiniteError) as info:
        units.canonical_quantity(1e308, "therm", "natural_gas")
    assert str(info.value) == (
        "1e+308 therm is too large: more than 1e+15 kWh, beyond any facility's use "
        "(check the quantity and its unit)"
    )
    assert units.canonical_quantity(1e6, "therm", "natural_gas") == pytest.approx(
        1e11 * BTU / 3.6e6
    )
    with pytest.raises(NotFiniteError):
        units.check_base(1e308, "kg")
    with pytest.raises(NotFiniteError):
        units.area_in_m2(1e308, "ft**2")
    assert units.finite_mask([1.0, float("inf"), 2e15, -1e15]).tolist() == [
        True,
        False,
        False,
        True,
    ]


def test_the_readme_lists_the_refused_tokens_and_the_accepted_units() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Units and vocabularies", 1)[1].split("\n## ", 1)[0]
    assert "bill_units.toml" in section
    tokens = {"MBtu", "Mlb", "MLbs", "MCF", "mt", "MT", "Mgal", "mWh", "mJ", "ML"}
    for token in tokens:
        assert token.lower() in VOCAB.ambiguous
        assert f"`{token}`" in section
    words = {"m**3": "m³", "US_gallon": "US gallons", "imperial_gallon": "imperial gallons",
             "litre": "litres", "megalitre": "megalitres", "ton_hour": "ton-hours",
             "short_ton": "short ton"}  # fmt: skip
    offered = {u for c in units.Commodity for u in units.accepted_units(c)}
    for name in offered:
        assert words.get(name, name) in section, name
    assert 'MLb")' not in section  # the old wording that called klb Portfolio Manager's MLb


def test_a_runaway_unit_field_is_named_by_its_start() -> None:
    with pytest.raises(UnknownUnitError) as info:
        parse_unit("x" * 5000)
    assert str(info.value) == f"unknown unit {'x' * 30!r}… (5,000 characters)"
