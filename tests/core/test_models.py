"""Domain model validation, and that each error names the field a form would show it beside."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from greencare.core.models import (
    Facility,
    Meter,
    MonthlyNormalizer,
    Purchase,
    Reading,
    WasteRecord,
    describe_errors,
    model_errors,
)
from greencare.core.vocab import Commodity, DeliveryClass

JAN1 = datetime(2025, 1, 1, 8, tzinfo=UTC)
FEB1 = datetime(2025, 2, 1, 8, tzinfo=UTC)


def errors(model: type[BaseModel], context: dict[str, Any] | None = None, **data: Any):
    """The (field, message) pairs a model's validation produces; fails if it validates."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data, context=context)
    return model_errors(info.value)


def fields(pairs: list[tuple[str, str]]) -> list[str]:
    return [name for name, _ in pairs]


# --- Facility ------------------------------------------------------------------------------

FACILITY = {"name": "St Example", "country": "US", "grid_region": "CAMX"}


class TestFacility:
    def test_country_is_folded(self) -> None:
        assert Facility(name="A", country="UK").country == "GB"
        assert Facility(name="A", country=" gb ").country == "GB"
        assert Facility(name="A", country="usa", grid_region="camx").country == "US"

    def test_bad_country(self) -> None:
        pairs = errors(Facility, name="A", country="United States")
        assert fields(pairs) == ["country"]
        assert "two-letter ISO code" in pairs[0][1]

    def test_timezone_from_egrid_subregion(self) -> None:
        assert Facility(**FACILITY).timezone == "America/Los_Angeles"
        ercot = Facility(name="A", country="US", grid_region="ERCT")
        assert ercot.timezone == "America/Chicago"
        assert Facility(name="A", country="US", grid_region="HIOA").timezone == "Pacific/Honolulu"

    def test_grid_region_is_upper_cased_and_sets_zone(self) -> None:
        f = Facility(name="A", country="US", grid_region="rfce")
        assert f.grid_region == "RFCE"
        assert f.timezone == "America/New_York"

    def test_timezone_from_country(self) -> None:
        f = Facility(name="A", country="UK")
        assert f.timezone == "Europe/London"
        assert f.grid_region is None

    def test_explicit_timezone_wins(self) -> None:
        f = Facility(**FACILITY, timezone="America/Denver")
        assert f.timezone == "America/Denver"

    def test_us_without_grid_region_needs_a_timezone(self) -> None:
        pairs = errors(Facility, name="A", country="US")
        assert fields(pairs) == ["timezone"]
        assert "timezone is required" in pairs[0][1]

    def test_unknown_egrid_region(self) -> None:
        pairs = errors(Facility, name="A", country="US", grid_region="XXXX")
        assert fields(pairs) == ["grid_region"]
        assert "'XXXX' is not an eGRID subregion" in pairs[0][1]
        assert "CAMX" in pairs[0][1]

    def test_non_us_grid_region_is_free(self) -> None:
        assert Facility(name="A", country="GB", grid_region="gb").grid_region == "GB"

    def test_bad_timezone(self) -> None:
        pairs = errors(Facility, **FACILITY, timezone="Mars/Olympus_Mons")
        assert fields(pairs) == ["timezone"]
        assert "unknown time zone 'Mars/Olympus_Mons'" in pairs[0][1]

    def test_floor_area_needs_a_unit(self) -> None:
        pairs = errors(Facility, **FACILITY, floor_area=350000)
        assert fields(pairs) == ["floor_area"]
        assert "needs both a number and a unit" in pairs[0][1]
        pairs = errors(Facility, **FACILITY, floor_area_unit="ft**2")
        assert fields(pairs) == ["floor_area"]

    def test_floor_area_must_be_positive_and_finite(self) -> None:
        assert fields(errors(Facility, **FACILITY, floor_area=0, floor_area_unit="m2")) == [
            "floor_area"
        ]
        assert "floor_area" in fields(
            errors(Facility, **FACILITY, floor_area=math.inf, floor_area_unit="m2")
        )

    def test_area_unit_must_be_an_area(self) -> None:
        pairs = errors(Facility, **FACILITY, floor_area=1, floor_area_unit="kg")
        assert fields(pairs) == ["floor_area_unit"]
        assert "'kg' is not an area unit" in pairs[0][1]

    def test_unknown_area_unit_is_reported_on_floor_area_unit(self) -> None:
        # A form shows this beside the floor-area unit field; Facility has no "unit" field.
        pairs = errors(Facility, **FACILITY, floor_area=1, floor_area_unit="furlongz")
        assert fields(pairs) == ["floor_area_unit"]
        assert "unknown unit 'furlongz'" in pairs[0][1]

    def test_area_unit_is_normalised(self) -> None:
        assert Facility(**FACILITY, floor_area=1, floor_area_unit="sq ft").floor_area_unit == (
            "ft**2"
        )
        assert Facility(**FACILITY, floor_area=1, floor_area_unit="m²").floor_area_unit == "m**2"

    def test_floor_area_m2(self) -> None:
        f = Facility(**FACILITY, floor_area=350000, floor_area_unit="ft**2")
        assert f.floor_area_m2 == pytest.approx(32516.064, rel=1e-12)
        assert Facility(**FACILITY, floor_area=500, floor_area_unit="m2").floor_area_m2 == 500
        assert Facility(**FACILITY).floor_area_m2 is None

    def test_negative_beds(self) -> None:
        assert fields(errors(Facility, **FACILITY, staffed_beds=-1)) == ["staffed_beds"]

    def test_extra_fields_are_refused(self) -> None:
        assert fields(errors(Facility, **FACILITY, colour="green")) == ["colour"]


# --- Meter ---------------------------------------------------------------------------------


class TestMeter:
    def test_unit_is_normalised_and_class_defaults_to_metered(self) -> None:
        m = Meter(facility_id=1, name="Gas", commodity="natural_gas", unit="Therms")
        assert m.unit == "therm"
        assert m.commodity is Commodity.NATURAL_GAS
        assert m.delivery_class is DeliveryClass.METERED

    @pytest.mark.parametrize("commodity", ["onsite_solar", "onsite_wind"])
    def test_onsite_generation_default(self, commodity: str) -> None:
        m = Meter(facility_id=1, name="PV", commodity=commodity, unit="kWh")
        assert m.delivery_class is DeliveryClass.ONSITE_GENERATION

    def test_explicit_delivery_class_kept(self) -> None:
        m = Meter(
            facility_id=1,
            name="Oil",
            commodity="diesel",
            unit="gal",
            delivery_class="bulk_delivery",
        )
        assert m.delivery_class is DeliveryClass.BULK_DELIVERY
        assert m.unit == "US_gallon"

    def test_unit_must_fit_commodity(self) -> None:
        pairs = errors(Meter, facility_id=1, name="W", commodity="water", unit="kWh")
        assert fields(pairs) == ["unit"]
        assert "cannot measure water" in pairs[0][1]

    def test_unknown_unit(self) -> None:
        pairs = errors(Meter, facility_id=1, name="E", commodity="electricity", unit="kwhh")
        assert pairs == [("unit", "unknown unit 'kwhh'")]

    def test_unknown_commodity(self) -> None:
        assert fields(errors(Meter, facility_id=1, name="X", commodity="plasma", unit="kWh")) == [
            "commodity"
        ]


# --- Reading -------------------------------------------------------------------------------

GAS = Meter(id=7, facility_id=1, name="Gas", commodity="natural_gas", unit="therm")
NET = Meter(id=8, facility_id=1, name="PV", commodity="electricity", unit="kWh", net_metering=True)


def reading(**overrides: Any) -> dict[str, Any]:
    data = {"meter_id": 7, "start": JAN1, "end": FEB1, "quantity": 100.0, "unit": "therm"}
    data.update(overrides)
    return data


class TestReading:
    def test_valid_with_meter(self) -> None:
        r = Reading.model_validate(reading(unit="THERMS"), context={"meter": GAS})
        assert r.unit == "therm"
        assert r.quantity_canonical(GAS.commodity) == pytest.approx(2930.7111111)

    def test_end_before_start(self) -> None:
        pairs = errors(Reading, **reading(start=FEB1, end=JAN1))
        assert pairs == [("end", "the period must end after it starts")]

    def test_empty_period(self) -> None:
        assert fields(errors(Reading, **reading(end=JAN1))) == ["end"]

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "nan"])
    def test_quantity_must_be_finite(self, bad: Any) -> None:
        pairs = errors(Reading, context={"meter": GAS}, **reading(quantity=bad))
        assert fields(pairs) == ["quantity"]
        assert "finite" in pairs[0][1]

    def test_negative_refused_without_net_metering(self) -> None:
        pairs = errors(Reading, context={"meter": GAS}, **reading(quantity=-5))
        assert fields(pairs) == ["quantity"]
        assert "negative" in pairs[0][1]
        assert "net-metering" in pairs[0][1]

    def test_negative_allowed_for_net_metering(self) -> None:
        r = Reading.model_validate(
            reading(meter_id=8, quantity=-250, unit="kWh"), context={"meter": NET}
        )
        assert r.quantity == -250

    def test_cost_needs_currency(self) -> None:
        pairs = errors(Reading, **reading(cost=12.5))
        assert pairs == [("currency", "a cost needs a currency (e.g. USD)")]

    def test_currency_is_checked_and_upper_cased(self) -> None:
        assert Reading(**reading(cost=1, currency="usd")).currency == "USD"
        pairs = errors(Reading, **reading(cost=1, currency="dollars"))
        assert fields(pairs) == ["currency"]
        assert "three-letter ISO 4217" in pairs[0][1]

    @pytest.mark.parametrize("which", ["start", "end"])
    def test_naive_datetime_refused(self, which: str) -> None:
        naive = {"start": datetime(2025, 1, 1), "end": datetime(2025, 2, 1)}[which]
        pairs = errors(Reading, **reading(**{which: naive}))
        assert fields(pairs) == [which]
        assert "needs a time zone" in pairs[0][1]

    def test_offsets_are_kept(self) -> None:
        est = timezone(timedelta(hours=-5))
        r = Reading(**reading(start=datetime(2025, 1, 1, tzinfo=est), end=FEB1))
        assert r.start == JAN1 - timedelta(hours=3)

    def test_unit_checked_against_meter(self) -> None:
        pairs = errors(Reading, context={"meter": GAS}, **reading(unit="kg"))
        assert fields(pairs) == ["unit"]
        assert "cannot measure natural gas" in pairs[0][1]

    def test_unit_not_checked_without_meter(self) -> None:
        assert Reading(**reading(unit="kg")).unit == "kg"

    def test_describe_errors_joins_fields(self) -> None:
        with pytest.raises(ValidationError) as info:
            Reading.model_validate(reading(start=FEB1, end=JAN1))
        assert describe_errors(info.value) == "end: the period must end after it starts"


# --- WasteRecord ---------------------------------------------------------------------------


def waste(**overrides: Any) -> dict[str, Any]:
    data = {
        "facility_id": 1,
        "start_date": "2025-01-01",
        "end_date": "2025-01-31",
        "stream": "regulated_medical_waste",
        "route": "autoclave_landfill",
        "quantity": 2.5,
        "unit": "tonne",
    }
    data.update(overrides)
    return data


class TestWaste:
    def test_tonne_to_kg(self) -> None:
        w = WasteRecord(**waste())
        assert w.unit == "tonne"
        assert w.quantity_kg == pytest.approx(2500.0)
        assert w.start_date == date(2025, 1, 1)

    def test_lb_to_kg(self) -> None:
        assert WasteRecord(**waste(quantity=1000, unit="lbs")).quantity_kg == pytest.approx(
            453.59237
        )

    @pytest.mark.parametrize("unit", ["m3", "kWh", "gal", "item"])
    def test_mass_only(self, unit: str) -> None:
        pairs = errors(WasteRecord, **waste(unit=unit))
        assert fields(pairs) == ["unit"]
        assert "waste is recorded by mass" in pairs[0][1]

    def test_unknown_unit(self) -> None:
        assert errors(WasteRecord, **waste(unit="furlongz")) == [
            ("unit", "unknown unit 'furlongz'")
        ]

    def test_dates(self) -> None:
        pairs = errors(WasteRecord, **waste(start_date="2025-02-01"))
        assert fields(pairs) == ["end_date"]
        assert WasteRecord(**waste(end_date="2025-01-01")).end_date == date(2025, 1, 1)

    def test_negative_quantity(self) -> None:
        assert fields(errors(WasteRecord, **waste(quantity=-1))) == ["quantity"]

    def test_unknown_stream(self) -> None:
        assert fields(errors(WasteRecord, **waste(stream="radioactive_glitter"))) == ["stream"]


# --- Purchase ------------------------------------------------------------------------------


def purchase(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"facility_id": 1, "date": "2025-03-15"}
    data.update(overrides)
    return data


class TestPurchase:
    def test_naics_spend(self) -> None:
        p = Purchase(**purchase(category="325412", spend=1200, currency="usd"))
        assert (p.category, p.spend, p.currency) == ("325412", 1200.0, "USD")

    def test_naics_needs_spend_or_quantity(self) -> None:
        pairs = errors(Purchase, **purchase(category="325412"))
        assert fields(pairs) == ["spend"]

    def test_spend_needs_currency(self) -> None:
        assert fields(errors(Purchase, **purchase(category="325412", spend=10))) == ["currency"]

    @pytest.mark.parametrize("category", ["32541", "3254120", "drugs", "ANESTHETIC_GAS"])
    def test_bad_category(self, category: str) -> None:
        pairs = errors(Purchase, **purchase(category=category, spend=1, currency="USD"))
        assert fields(pairs) == ["category"]
        assert "six-digit NAICS" in pairs[0][1]

    def test_anesthetic_gas(self) -> None:
        p = Purchase(
            **purchase(category="anesthetic_gas", item="desflurane", quantity=6, unit="bottles")
        )
        assert p.unit == "bottle"

    def test_healthcare_item_needed(self) -> None:
        pairs = errors(Purchase, **purchase(category="anesthetic_gas", quantity=1, unit="bottle"))
        assert fields(pairs) == ["item"]

    def test_unknown_healthcare_item(self) -> None:
        pairs = errors(
            Purchase, **purchase(category="anesthetic_gas", item="xenon", quantity=1, unit="L")
        )
        assert fields(pairs) == ["item"]
        assert "desflurane" in pairs[0][1]

    def test_healthcare_item_needs_quantity(self) -> None:
        pairs = errors(
            Purchase, **purchase(category="refrigerant", item="R-410A", spend=5, currency="USD")
        )
        assert fields(pairs) == ["quantity"]

    @pytest.mark.parametrize("item", ["R-410A", "R-454B", "R-513A", "R-744", "R-22", "R-717"])
    def test_refrigerant_r_numbers(self, item: str) -> None:
        p = Purchase(**purchase(category="refrigerant", item=item, quantity=10, unit="lb"))
        assert p.item == item
        assert p.unit == "lb"

    @pytest.mark.parametrize("item", ["R-1234yf", "R-1234ze", "R-1233zd"])
    def test_refrigerant_four_digit_ashrae_numbers(self, item: str) -> None:
        # vocab.py: refrigerants "accept any ASHRAE R- number"; HFOs (ASHRAE 34) have four digits.
        p = Purchase(**purchase(category="refrigerant", item=item, quantity=10, unit="kg"))
        assert p.item == item

    @pytest.mark.parametrize("item", ["410A", "R410A", "R-4", "r-410a", "R-410ABC", "Freon"])
    def test_refrigerant_bad_names(self, item: str) -> None:
        pairs = errors(
            Purchase, **purchase(category="refrigerant", item=item, quantity=10, unit="lb")
        )
        assert fields(pairs) == ["item"]

    def test_refrigerant_by_mass_only(self) -> None:
        pairs = errors(
            Purchase, **purchase(category="refrigerant", item="R-410A", quantity=3, unit="cylinder")
        )
        assert fields(pairs) == ["unit"]
        assert "refrigerant takes mass" in pairs[0][1]

    def test_inhaler_needs_item_count(self) -> None:
        ok = Purchase(**purchase(category="inhaler", item="dpi", quantity=120, unit="inhalers"))
        assert ok.unit == "inhaler"
        pairs = errors(Purchase, **purchase(category="inhaler", item="dpi", quantity=1, unit="kg"))
        assert fields(pairs) == ["unit"]
        assert "a count of items" in pairs[0][1]

    def test_fleet_fuel_volume_or_energy(self) -> None:
        gal = Purchase(**purchase(category="fleet_fuel", item="gasoline", quantity=500, unit="gal"))
        assert gal.unit == "US_gallon"
        assert Purchase(**purchase(category="fleet_fuel", item="cng", quantity=5, unit="MMBtu"))
        pairs = errors(
            Purchase, **purchase(category="fleet_fuel", item="diesel", quantity=1, unit="kg")
        )
        assert fields(pairs) == ["unit"]
        assert "energy or volume" in pairs[0][1]

    def test_quantity_and_unit_together(self) -> None:
        pairs = errors(Purchase, **purchase(category="325412", quantity=5))
        assert pairs == [("unit", "a quantity needs a unit, and a unit a quantity")]


# --- MonthlyNormalizer ---------------------------------------------------------------------


class TestMonthlyNormalizer:
    def test_valid(self) -> None:
        n = MonthlyNormalizer(facility_id=1, month="2025-01", patient_days=6200)
        assert (n.month, n.patient_days) == ("2025-01", 6200.0)

    @pytest.mark.parametrize("month", ["2025-1", "2025-13", "2025-00", "25-01", "2025/01", "Jan"])
    def test_month_format(self, month: str) -> None:
        pairs = errors(MonthlyNormalizer, facility_id=1, month=month, ftes=10)
        assert pairs == [("month", f"month must be YYYY-MM, not {month!r}")]

    def test_needs_a_figure(self) -> None:
        pairs = errors(MonthlyNormalizer, facility_id=1, month="2025-01")
        assert fields(pairs) == ["record"]
        assert "at least one of" in pairs[0][1]

    def test_negative_figure(self) -> None:
        assert fields(errors(MonthlyNormalizer, facility_id=1, month="2025-01", ftes=-1)) == [
            "ftes"
        ]


def test_model_errors_of_plain_errors() -> None:
    from greencare.core.errors import FieldError

    assert model_errors(FieldError("unit", "bad")) == [("unit", "bad")]
    assert model_errors(ValueError("oops")) == [("record", "oops")]


def test_helper_fails_on_valid_data() -> None:
    check: Callable[..., Any] = errors
    with pytest.raises(pytest.fail.Exception):
        check(Facility, **FACILITY)


# --- The years stored -----------------------------------------------------------------------

OUTSIDE = "the year {} is outside the years greencare stores (1900 to 2199)"


@pytest.mark.parametrize("year", [1, 1066, 1899, 2200, 9999])
def test_dates_outside_the_years_stored_are_refused_in_every_record(year: int) -> None:
    # Typed years (1066, 9999) were stored, and a year-1 reading's roll-up landed in 4537-11.
    when = datetime(year, 3, 1, tzinfo=UTC)
    assert errors(Reading, **reading(start=when, end=when + timedelta(days=30))) == [
        ("start", OUTSIDE.format(year)),
        ("end", OUTSIDE.format(year)),
    ]
    day = f"{year:04d}-03-01"
    assert fields(errors(WasteRecord, **waste(start_date=day, end_date=day))) == [
        "start_date",
        "end_date",
    ]
    spend = purchase(date=day, category="325412", spend=1, currency="USD")
    assert errors(Purchase, **spend) == [("date", OUTSIDE.format(year))]
    assert errors(MonthlyNormalizer, facility_id=1, month=f"{year:04d}-03", patient_days=1) == [
        ("month", OUTSIDE.format(year))
    ]


def test_the_first_and_last_years_stored_are_accepted() -> None:
    Reading(**reading(start=datetime(1900, 1, 1, tzinfo=UTC), end=datetime(1900, 2, 1, tzinfo=UTC)))
    Reading(
        **reading(start=datetime(2199, 12, 1, tzinfo=UTC), end=datetime(2200, 1, 1, tzinfo=UTC))
    )
    WasteRecord(**waste(start_date="2199-12-01", end_date="2199-12-31"))
    MonthlyNormalizer(facility_id=1, month="1900-01", patient_days=1)


@pytest.mark.parametrize("nan", [math.nan, "nan", " NaN "])
def test_nan_is_refused_as_not_finite_before_any_bound(nan: Any) -> None:
    """NaN fails every comparison, so a field with a bound (patient days >= 0, an instrument's
    kg/MWh >= 0) refused it as 'Input should be greater than or equal to 0': a message about the
    wrong thing. It is 'must be a finite number', like infinity."""
    from greencare.core.models import Instrument

    with pytest.raises(ValidationError) as caught:
        MonthlyNormalizer(facility_id=1, month="2025-01", patient_days=nan)
    assert describe_errors(caught.value) == "patient_days: must be a finite number"
    with pytest.raises(ValidationError) as caught:
        Instrument(facility_id=1, kind="supplier_factor", start_month="2025-01",
                   end_month="2025-12", co2e_kg_per_mwh=nan)  # fmt: skip
    assert describe_errors(caught.value) == "co2e_kg_per_mwh: must be a finite number"
