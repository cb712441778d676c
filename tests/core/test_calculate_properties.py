"""Properties of the emissions engine, driven through the services with generated activity.

Hand-computed figures live in test_calculate.py; here the checks are relations that must hold
for any input: the unit a bill is entered in does not matter, emissions scale linearly with
activity, splitting a bill does not change a year's total, a GWP set only re-weights gas masses,
and market-based Scope 2 without instruments is the location-based figure.
Each example builds its own in-memory database.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from greencare import services
from greencare.core.calculate import Inventory
from greencare.core.factors import FactorLibrary
from greencare.core.units import convert

REL = 1e-9
PROPS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
#: For the examples that build two facilities' worth of activity or run the engine twice.
HEAVY = settings(PROPS, max_examples=15)

quantities = st.floats(min_value=1.0, max_value=1e7, allow_nan=False, allow_infinity=False)
years = st.sampled_from([2024, 2025])


@cache
def library() -> FactorLibrary:
    return FactorLibrary.bundled()


@cache
def gwp100(gwp_set: str) -> dict[str, float]:
    table = library().gwp_table(gwp_set)
    return dict(zip(table["gas"].str.lower(), table["gwp100"].astype(float), strict=True))


def approx(expected: float) -> object:
    return pytest.approx(expected, rel=REL, abs=1e-12)


def approx_list(expected: object) -> object:
    return pytest.approx(list(expected), rel=REL, abs=1e-12)


def fresh_db() -> Database:
    return services.open_db(":memory:")


def us_facility(db: Database, name: str = "St Example", grid: str = "CAMX") -> int:
    fac = services.add_facility(
        db, name=name, country="US", grid_region=grid, floor_area="350000 ft**2"
    )
    assert fac.id is not None
    return fac.id


def uk_facility(db: Database, name: str = "Leeds") -> int:
    fac = services.add_facility(db, name=name, country="GB", grid_region="GB")
    assert fac.id is not None
    return fac.id


def add_meter(db: Database, facility: int, name: str, commodity: str, unit: str) -> int:
    meter = services.add_meter(db, facility=facility, name=name, commodity=commodity, unit=unit)
    assert meter.id is not None
    return meter.id


def bill(db: Database, meter: int, start: date, end: date, quantity: float) -> None:
    services.add_reading(
        db, meter=meter, start=start.isoformat(), end=end.isoformat(), quantity=quantity,
        accept_outlier=True,  # drawn magnitudes span 1e7; plausibility has its own tests
    )  # fmt: skip


def run(db: Database, **kw: object) -> tuple[Inventory, dict]:
    kw.setdefault("year", 2025)
    return services.emissions(db, library=library(), **kw)


def location_total(inv: Inventory, **filters: object) -> float:
    lines = inv.location()
    for column, value in filters.items():
        lines = lines[lines[column] == value]
    return float(lines["co2e_kg"].sum())


def totals_by(lines: pd.DataFrame, keys: list[str]) -> dict[tuple, tuple[float, float]]:
    """(gas kg, kg CO2e) per key; gas kg is 0 for lines published only as CO2e."""
    grouped = lines.groupby(keys)[["gas_kg", "co2e_kg"]].sum(min_count=1).fillna(0.0)
    return {
        (k if isinstance(k, tuple) else (k,)): (float(r.gas_kg), float(r.co2e_kg))
        for k, r in zip(grouped.index, grouped.itertuples(), strict=True)
    }


@st.composite
def bill_periods(draw: st.DrawFn, year: int | None = None) -> tuple[date, date]:
    """A whole-day bill of 1-92 days lying inside one calendar year."""
    y = year if year is not None else draw(years)
    first = date(y, 1, 1)
    length = draw(st.integers(min_value=1, max_value=92))
    last_start = (date(y, 12, 31) - first).days - (length - 1)
    offset = draw(st.integers(min_value=0, max_value=last_start))
    start = first + timedelta(days=offset)
    return start, start + timedelta(days=length - 1)


# --- the unit a bill is entered in does not matter ------------------------------------------

#: (country, commodity, the unit a bill is entered in, equivalent energy units)
UNIT_CASES = [
    ("US", "natural_gas", "therm", ["Dth", "kBtu", "MMBtu", "kWh", "MWh", "GJ"]),
    ("US", "electricity", "kWh", ["MWh", "GJ", "kBtu"]),
    ("GB", "natural_gas", "kWh", ["MWh", "GJ", "therm"]),
    ("GB", "electricity", "kWh", ["MWh", "GJ"]),
]


def _per_meter(inv: Inventory) -> dict[int, dict[tuple, tuple[float, float]]]:
    sums = totals_by(inv.lines, ["source_id", "scope", "category", "method", "gas"])
    out: dict[int, dict[tuple, tuple[float, float]]] = {}
    for (meter_id, *key), value in sums.items():
        out.setdefault(int(meter_id), {})[tuple(key)] = value
    return out


def _assert_same_as_reference(inv: Inventory, meters: dict[str, int], reference: str) -> None:
    per_meter = _per_meter(inv)
    expected = per_meter[meters[reference]]
    assert expected, "the reference meter produced no lines"
    assert sum(c for _, c in expected.values()) > 0
    for unit, meter_id in meters.items():
        got = per_meter[meter_id]
        assert got.keys() == expected.keys(), unit
        for key, (gas_kg, co2e) in expected.items():
            assert got[key][0] == approx(gas_kg), (unit, key)
            assert got[key][1] == approx(co2e), (unit, key)


@PROPS
@given(case=st.sampled_from(UNIT_CASES), amount=quantities, period=bill_periods(), data=st.data())
def test_energy_in_any_equivalent_unit_gives_the_same_emissions(case, amount, period, data) -> None:
    """Natural gas as X therm = X/10 Dth = 100X kBtu = X/10 MMBtu = 29.30711X kWh ...; electricity
    in kWh, MWh or GJ; UK gas in kWh or MWh: the same lines, per gas and in CO2e."""
    country, commodity, reference, others = case
    chosen = data.draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
    db = fresh_db()
    fac = us_facility(db) if country == "US" else uk_facility(db)
    meters = {}
    for unit in [reference, *chosen]:
        meters[unit] = add_meter(db, fac, f"Meter {unit}", commodity, unit)
        bill(db, meters[unit], *period, convert(amount, reference, unit, commodity))
    inv, summary = run(db, year=period[0].year)
    assert not summary["gaps"]
    _assert_same_as_reference(inv, meters, reference)
    if (country, commodity) == ("US", "natural_gas"):
        # the Hub's per-MMBtu factor applied to therms / 10
        co2 = inv.lines[(inv.lines["source_id"] == meters["therm"]) & (inv.lines["gas"] == "CO2")]
        assert set(co2["factor_per_unit"]) == {"MMBtu"}
        assert co2["gas_kg"].sum() == approx(amount / 10 * float(co2["factor_value"].iloc[0]))


@PROPS
@given(ccf=quantities, period=bill_periods(), data=st.data())
def test_us_natural_gas_volumes_agree_and_use_the_per_scf_factor(ccf, period, data) -> None:
    """Volumes are kept apart from energy: they use the Hub's published per-scf rows."""
    db = fresh_db()
    fac = us_facility(db)
    meters = {}
    for unit in [
        "ccf",
        *data.draw(st.lists(st.sampled_from(["cf", "Mcf", "m**3"]), min_size=1, unique=True)),
    ]:
        meters[unit] = add_meter(db, fac, f"Gas {unit}", "natural_gas", unit)
        bill(db, meters[unit], *period, convert(ccf, "ccf", unit))
    inv, _ = run(db, year=period[0].year)
    _assert_same_as_reference(inv, meters, "ccf")
    rows = library().factors(
        f"epa-ghg-hub/{period[0].year}", "stationary_combustion", "natural_gas", None
    )
    per_scf = rows[(rows["per_unit"] == "scf") & (rows["gas"] == "CO2")]
    assert per_scf["unit"].iloc[0] == "kg"
    co2 = inv.lines[(inv.lines["source_id"] == meters["ccf"]) & (inv.lines["gas"] == "CO2")]
    assert co2["gas_kg"].sum() == approx(ccf * 100 * float(per_scf["value"].iloc[0]))


# --- doubling activity doubles emissions ---------------------------------------------------

WASTE = [
    ("solid_waste", "landfill"),
    ("food_waste", "composting"),
    ("cardboard", "recycling"),
    ("regulated_medical_waste", "incineration"),
    ("sharps", "autoclave_landfill"),
]
ITEMS = [
    ("anesthetic_gas", "desflurane", "bottle"),
    ("anesthetic_gas", "sevoflurane", "mL"),
    ("anesthetic_gas", "nitrous_oxide", "litre"),
    ("anesthetic_gas", "isoflurane", "kg"),
    ("refrigerant", "R-410A", "kg"),
    ("refrigerant", "R-404A", "lb"),
    ("refrigerant", "R-134a", "kg"),
]


def _fill(db: Database, fac: int, scale: float, draw: dict, country: str) -> None:
    """One facility's activity, every amount multiplied by ``scale``."""
    start, end = draw["period"]
    for commodity, unit in (("electricity", "kWh"), ("natural_gas", "therm")):
        meter = add_meter(db, fac, f"{commodity} {fac}", commodity, unit)
        bill(db, meter, start, end, draw[commodity] * scale)
    stream, route = draw["waste"]
    services.add_waste(
        db,
        facility=fac,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        stream=stream,
        route=route,
        quantity=draw["waste_kg"] * scale,
        unit="kg",
        accept_outlier=True,  # drawn magnitudes; plausibility has its own tests
    )
    if country == "US":
        services.add_purchase(
            db,
            facility=fac,
            date=start.isoformat(),
            category="325412",
            spend=draw["spend"] * scale,
            currency="USD",
        )
    for category, item, unit in draw["items"]:
        services.add_purchase(
            db,
            facility=fac,
            date=end.isoformat(),
            category=category,
            item=item,
            quantity=draw["item_qty"] * scale,
            unit=unit,
            accept_outlier=True,
        )


@HEAVY
@given(
    country=st.sampled_from(["US", "GB"]),
    period=bill_periods(year=2025),
    electricity=quantities,
    natural_gas=quantities,
    waste=st.sampled_from(WASTE),
    waste_kg=st.floats(min_value=1.0, max_value=1e6),
    spend=st.floats(min_value=1.0, max_value=1e8),
    items=st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3, unique=True),
    item_qty=st.integers(min_value=1, max_value=500).map(float),
)
def test_doubling_activity_doubles_emissions_per_gas_and_in_total(country, **draw) -> None:
    db = fresh_db()
    make = us_facility if country == "US" else uk_facility
    once, twice = make(db, name="Once"), make(db, name="Twice")
    _fill(db, once, 1.0, draw, country)
    _fill(db, twice, 2.0, draw, country)
    inv, summary = run(db, year=2025)
    assert not summary["gaps"]
    keys = ["scope", "category", "method", "source_type", "gas"]
    single = totals_by(inv.lines[inv.lines["facility_id"] == once], keys)
    double = totals_by(inv.lines[inv.lines["facility_id"] == twice], keys)
    assert single and double.keys() == single.keys()
    for key, (gas_kg, co2e) in single.items():
        assert double[key][0] == approx(2 * gas_kg), key
        assert double[key][1] == approx(2 * co2e), key
    by_facility = {f["facility"]: f for f in summary["by_facility"]}
    for total in ("scope1", "scope2_location", "scope3", "total_location", "total_market"):
        assert by_facility["Twice"][total] == pytest.approx(
            2 * by_facility["Once"][total], rel=1e-9, abs=2e-6
        ), total
    assert location_total(inv, facility_id=twice) == approx(
        2 * location_total(inv, facility_id=once)
    )


# --- splitting a bill -----------------------------------------------------------------------

ENERGY = [
    ("electricity", "kWh", "US"),
    ("natural_gas", "therm", "US"),
    ("natural_gas", "kWh", "GB"),
]


def _meters(country: str, commodity: str, unit: str, names: list[str]) -> tuple[Database, list]:
    """One facility with a meter per name, all of one commodity and unit."""
    db = fresh_db()
    fac = us_facility(db) if country == "US" else uk_facility(db)
    return db, [add_meter(db, fac, name, commodity, unit) for name in names]


def _meter_sums(inv: Inventory, meter: int) -> dict[tuple, tuple[float, float]]:
    lines = inv.lines[inv.lines["source_id"] == meter]
    return totals_by(lines, ["scope", "category", "method", "gas"])


def _assert_same_sums(got: dict, expected: dict) -> None:
    assert expected and got.keys() == expected.keys()
    assert sum(c for _, c in expected.values()) > 0
    for key, (gas_kg, co2e) in expected.items():
        assert got[key][0] == approx(gas_kg), key
        assert got[key][1] == approx(co2e), key


@PROPS
@given(
    energy=st.sampled_from(ENERGY),
    year=years,
    data=st.data(),
    quantity=quantities,
    fraction=st.none() | st.floats(min_value=0.01, max_value=0.99),
)
def test_splitting_a_bill_inside_a_year_keeps_the_years_total(
    energy, year, data, quantity, fraction
) -> None:
    """Split at any interior day, the quantity shared by days (None) or by any fraction."""
    start, end = data.draw(bill_periods(year=year).filter(lambda p: p[1] > p[0]))
    days = (end - start).days + 1
    cut = data.draw(st.integers(min_value=1, max_value=days - 1))  # first day of the second bill
    share = cut / days if fraction is None else fraction
    commodity, unit, country = energy
    db, (whole, split) = _meters(country, commodity, unit, ["Whole", "Split"])
    bill(db, whole, start, end, quantity)
    first = quantity * share
    bill(db, split, start, start + timedelta(days=cut - 1), first)
    bill(db, split, start + timedelta(days=cut), end, quantity - first)
    inv, _ = run(db, year=year)
    _assert_same_sums(_meter_sums(inv, split), _meter_sums(inv, whole))
    assert location_total(inv, source_id=split) == approx(location_total(inv, source_id=whole))


@HEAVY
@given(
    energy=st.sampled_from(ENERGY),
    start_day=st.integers(min_value=1, max_value=31),
    end_day=st.integers(min_value=1, max_value=31),
    quantity=quantities,
    data=st.data(),
)
def test_a_bill_across_new_year_splits_by_days_between_the_years(
    energy, start_day, end_day, quantity, data
) -> None:
    commodity, unit, country = energy
    start, end = date(2024, 12, start_day), date(2025, 1, end_day)
    days = (end - start).days + 1
    december = (date(2025, 1, 1) - start).days
    cut = data.draw(st.integers(min_value=1, max_value=days - 1))
    db, (ref, whole, split) = _meters(country, commodity, unit, ["Reference", "Whole", "Split"])
    # the reference: the same quantity inside June of each year, with that year's factors
    bill(db, ref, date(2024, 6, 1), date(2024, 6, 30), quantity)
    bill(db, ref, date(2025, 6, 1), date(2025, 6, 30), quantity)
    bill(db, whole, start, end, quantity)
    bill(db, split, start, start + timedelta(days=cut - 1), quantity * cut / days)
    bill(db, split, start + timedelta(days=cut), end, quantity * (days - cut) / days)
    family = "epa-ghg-hub" if country == "US" else "desnz"
    for year, share in ((2024, december / days), (2025, (days - december) / days)):
        inv, _ = run(db, year=year)
        expected = {k: (g * share, c * share) for k, (g, c) in _meter_sums(inv, ref).items()}
        _assert_same_sums(_meter_sums(inv, whole), expected)
        _assert_same_sums(_meter_sums(inv, split), expected)
        # US electricity follows the nearest eGRID data year: eGRID2023 (Hub 2025) for both.
        edition = 2025 if (country, commodity) == ("US", "electricity") else year
        assert set(inv.lines["dataset"]) == {f"{family}/{edition}"}


# --- a GWP set only re-weights gas masses --------------------------------------------------

GWP_ITEMS = [*ITEMS, ("refrigerant", "R-32", "kg"), ("refrigerant", "R-507A", "kg")]
#: AR4 lists no GWP for desflurane or sevoflurane: with --gwp AR4 they are gaps, not lines.
AR4_ITEMS = [i for i in GWP_ITEMS if i[1] not in ("desflurane", "sevoflurane")]


@HEAVY
@given(
    pair=st.sampled_from([("AR5", "AR6"), ("AR6", "AR5"), ("AR4", "AR6"), ("AR4", "AR5")]),
    country=st.sampled_from(["US", "GB"]),
    period=bill_periods(year=2025),
    electricity=quantities,
    natural_gas=quantities,
    waste=st.sampled_from(WASTE),
    waste_kg=st.floats(min_value=1.0, max_value=1e6),
    spend=st.floats(min_value=1.0, max_value=1e8),
    data=st.data(),
    item_qty=st.integers(min_value=1, max_value=500).map(float),
)
def test_gwp_choice_reweights_each_gas_mass_by_the_ratio_of_gwps(
    pair, country, data, **draw
) -> None:
    choices = AR4_ITEMS if "AR4" in pair else GWP_ITEMS
    draw["items"] = data.draw(
        st.lists(st.sampled_from(choices), min_size=1, max_size=4, unique=True)
    )
    db = fresh_db()
    fac = us_facility(db) if country == "US" else uk_facility(db)
    _fill(db, fac, 1.0, draw, country)
    old, new = pair
    keys = ["facility_id", "month", "scope", "category", "method", "source_type", "source_id"]
    keys += ["factor_id", "gas"]
    lines_old = run(db, gwp=old)[0].lines
    lines_new = run(db, gwp=new)[0].lines
    assert not lines_old.duplicated(keys).any()
    both = lines_old.merge(lines_new, on=keys, how="outer", suffixes=("_old", "_new"))
    assert len(both) == len(lines_old) == len(lines_new)
    published = both["gas_kg_old"].isna()  # factors published only in CO2e: taken as published
    assert (both.loc[published, "gas"] == "CO2e").all()
    assert both.loc[published, "gas_kg_new"].isna().all()
    assert (
        both.loc[published, "co2e_kg_new"].tolist() == both.loc[published, "co2e_kg_old"].tolist()
    )
    mass = both[~published]
    assert set(mass["gwp_set_old"]) == {old} and set(mass["gwp_set_new"]) == {new}
    assert mass["gas_kg_new"].tolist() == approx_list(mass["gas_kg_old"])
    ratio = [gwp100(new)[g.lower()] / gwp100(old)[g.lower()] for g in mass["gas"]]
    assert mass["co2e_kg_new"].tolist() == approx_list(mass["co2e_kg_old"] * ratio)
    co2 = mass[mass["gas"] == "CO2"]
    assert co2["co2e_kg_new"].tolist() == approx_list(co2["co2e_kg_old"])
    assert (mass["gas"] != "CO2").any()  # CH4 and N2O of combustion at least
    assert (mass["co2e_kg_new"] != mass["co2e_kg_old"]).any()


# --- location- and market-based Scope 2 -----------------------------------------------------


@PROPS
@given(
    country=st.sampled_from(["US", "GB"]),
    period=bill_periods(),
    amounts=st.lists(quantities, min_size=1, max_size=3),
    steam=st.none() | quantities,
)
def test_without_instruments_market_based_scope2_is_location_based(
    country, period, amounts, steam
) -> None:
    db = fresh_db()
    fac = us_facility(db) if country == "US" else uk_facility(db)
    for i, kwh in enumerate(amounts):
        bill(db, add_meter(db, fac, f"Power {i}", "electricity", "kWh"), *period, kwh)
    if steam is not None:
        bill(db, add_meter(db, fac, "Steam", "district_steam", "kWh"), *period, steam)
    inv, summary = run(db, year=period[0].year)
    totals = summary["totals_t"]
    assert totals["scope2_market"] == totals["scope2_location"] > 0
    assert totals["total_market"] == totals["total_location"]
    lines = inv.lines
    location = lines[(lines["scope"] == "2") & (lines["method"] == "location")]
    market = lines[lines["method"] == "market"]
    assert len(market) == len(location) > 0
    assert set(market["scope"]) == {"2"}
    assert market["note"].str.contains("location-based factor used").all()
    assert market["co2e_kg"].tolist() == location["co2e_kg"].tolist()
    assert market["factor_id"].tolist() == location["factor_id"].tolist()
    for row in summary["by_category"]:
        if row["scope"] == "2":
            assert row["co2e_t_market"] == row["co2e_t"]
