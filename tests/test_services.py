"""The use-cases: bad input is refused with a message naming the problem, and nothing is written."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import ConflictError, InputError, NotFoundError
from greencare.core.models import Facility, Meter


def counts(db: Database) -> tuple[int, int]:
    return (
        db.execute("SELECT count(*) FROM readings").fetchone()[0],
        db.execute("SELECT count(*) FROM audit_log").fetchone()[0],
    )


GOOD = {"meter": "Gas", "start": "2025-01-01", "end": "2025-01-31", "quantity": 10000}


@pytest.mark.parametrize(
    ("override", "error", "field", "message"),
    [
        ({"unit": "furlongz"}, InputError, "unit", "unit: unknown unit 'furlongz'"),
        ({"unit": "kW"}, InputError, "unit", "unit 'kW' (power) cannot measure natural gas"),
        ({"unit": "kg"}, InputError, "unit", "unit 'kg' (mass) cannot measure natural gas"),
        ({"quantity": -5}, InputError, "quantity", "quantity -5 is negative"),
        ({"quantity": "-5"}, InputError, "quantity", "only a net-metering meter may export"),
        ({"quantity": "abc"}, InputError, "quantity", "quantity: 'abc' is not a number"),
        ({"quantity": ""}, InputError, "quantity", "is not a number"),
        ({"quantity": math.nan}, InputError, "quantity", "quantity: must be a finite number"),
        ({"quantity": "NaN"}, InputError, "quantity", "must be a finite number"),
        ({"quantity": "inf"}, InputError, "quantity", "must be a finite number"),
        (
            {"start": "2025-01-31", "end": "2025-01-01"},
            InputError,
            "end",
            "end: the period must end after it starts",
        ),
        ({"start": "yesterday"}, InputError, "start", "'yesterday' is not a date"),
        ({"end": "2025-02-30"}, InputError, "end", "'2025-02-30' is not a valid date"),
        ({"cost": "12,50 EUR"}, InputError, "cost", "cost: '12,50 EUR' is not a number"),
        ({"cost": 10, "currency": "$"}, InputError, "currency", "three-letter ISO 4217"),
        ({"meter": 999}, NotFoundError, None, "no meter 999"),
        ({"meter": "Steam"}, NotFoundError, None, "no meter 'Steam'"),
        ({"facility": "Nowhere General"}, NotFoundError, None, "no facility 'Nowhere General'"),
    ],
)
def test_add_reading_refuses_bad_input(
    db: Database,
    gas_meter: Meter,
    override: dict[str, Any],
    error: type[Exception],
    field: str | None,
    message: str,
) -> None:
    before = counts(db)
    with pytest.raises(error) as info:
        services.add_reading(db, **{**GOOD, **override})
    assert message in str(info.value)
    if field is not None:
        assert isinstance(info.value, InputError)
        assert list(info.value.fields) == [field]
    assert counts(db) == before


def test_bad_start_and_end_are_both_reported(db: Database, gas_meter: Meter) -> None:
    with pytest.raises(InputError) as info:
        services.add_reading(db, **{**GOOD, "start": "soon", "end": "later"})
    assert set(info.value.fields) == {"start", "end"}


def test_add_reading_defaults(db: Database, gas_meter: Meter) -> None:
    row = services.add_reading(db, **GOOD, cost="9,876.50")
    assert row["unit"] == "therm"  # the meter's unit
    assert row["currency"] == "USD"  # from the facility's country
    assert row["cost"] == 9876.5
    assert row["quantity"] == 10000
    assert row["quantity_canonical"] == pytest.approx(293_071.1111, rel=1e-9)
    assert round(row["quantity_canonical"], 1) == 293_071.1
    assert row["canonical_unit"] == "kWh"
    assert (row["start"], row["end"]) == ("2025-01-01", "2025-01-31")
    assert (row["facility"], row["meter"], row["source"]) == ("St Example", "Gas", "api")
    stored = dict(next(db.query("SELECT * FROM readings")))
    assert stored["start_utc"] == 1_735_718_400  # 2025-01-01T08:00Z, midnight in Los Angeles
    assert stored["end_utc"] == 1_735_718_400 + 31 * 86_400
    assert stored["quantity_canonical"] == pytest.approx(293_071.1111, rel=1e-9)


def test_no_cost_no_currency(db: Database, gas_meter: Meter) -> None:
    row = services.add_reading(db, **GOOD)
    assert (row["cost"], row["currency"]) == (None, None)


def test_given_unit_is_converted_and_normalised(db: Database, gas_meter: Meter) -> None:
    row = services.add_reading(db, **{**GOOD, "quantity": "1,000", "unit": "CCF"})
    assert row["unit"] == "ccf"
    assert row["quantity_canonical"] == pytest.approx(1000 * 102.6 * 0.29307111111)


def test_default_currency_for_gb(db: Database) -> None:
    services.add_facility(db, name="Northgate", country="UK")
    services.add_meter(db, facility="Northgate", name="Elec", commodity="electricity")
    row = services.add_reading(
        db, meter="Elec", start="2025-07-01", end="2025-07-31", quantity=5, cost=1
    )
    assert row["currency"] == "GBP"
    assert row["unit"] == "kWh"
    assert services.default_currency("US") == "USD"
    assert services.default_currency("JP") is None


def test_meter_default_units(db: Database, us_hospital: Facility) -> None:
    made = {
        c: services.add_meter(db, facility="St Example", name=c, commodity=c).unit
        for c in ("electricity", "natural_gas", "district_steam", "water", "diesel")
    }
    assert made == {
        "electricity": "kWh",
        "natural_gas": "therm",
        "district_steam": "klb",
        "water": "kgal",
        "diesel": "US_gallon",
    }


def test_meter_for_missing_facility(db: Database) -> None:
    with pytest.raises(NotFoundError, match="no facility 'Nope'"):
        services.add_meter(db, facility="Nope", name="x", commodity="electricity")


def test_meter_with_wrong_unit(db: Database, us_hospital: Facility) -> None:
    with pytest.raises(InputError) as info:
        services.add_meter(db, facility=us_hospital.id, name="W", commodity="water", unit="kWh")
    assert list(info.value.fields) == ["unit"]
    assert db.execute("SELECT count(*) FROM meters").fetchone()[0] == 0


def test_fixture_facility(us_hospital: Facility) -> None:
    assert us_hospital.id == 1
    assert us_hospital.timezone == "America/Los_Angeles"
    assert (us_hospital.floor_area, us_hospital.floor_area_unit) == (350000.0, "ft**2")
    assert us_hospital.floor_area_m2 == pytest.approx(32516.064)


def test_facility_floor_area_separate_unit(db: Database) -> None:
    f = services.add_facility(db, name="A", country="GB", floor_area="60,000", floor_area_unit="m2")
    assert (f.floor_area, f.floor_area_unit) == (60000.0, "m**2")


def test_facility_unknown_grid_region(db: Database) -> None:
    with pytest.raises(InputError) as info:
        services.add_facility(db, name="A", country="USA", grid_region="ZZZZ")
    assert list(info.value.fields) == ["grid_region"]
    assert "'ZZZZ' is not an eGRID subregion" in str(info.value)
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_facility_floor_area_without_unit(db: Database) -> None:
    with pytest.raises(InputError) as info:
        services.add_facility(db, name="A", country="GB", floor_area="60000")
    assert list(info.value.fields) == ["floor_area"]
    assert "should be a number and a unit" in str(info.value)


def test_facility_errors_name_fields(db: Database) -> None:
    with pytest.raises(InputError) as info:
        services.add_facility(db, name="", country="USA", grid_region="ZZZZ")
    assert list(info.value.fields) == ["name"]
    assert str(info.value).startswith("name: ")
    assert db.execute("SELECT count(*) FROM facilities").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("350,000 sq ft", (350000.0, "sq ft")),
        ("350000 ft**2", (350000.0, "ft**2")),
        ("  1.5e3  m2 ", (1500.0, "m2")),
        ("-2.5 kg", (-2.5, "kg")),
        (".5 m**2", (0.5, "m**2")),
    ],
)
def test_split_quantity(text: str, expected: tuple[float, str]) -> None:
    assert services.split_quantity(text) == expected


@pytest.mark.parametrize("text", ["350000", "sq ft", "", "lots of ft**2"])
def test_split_quantity_refuses(text: str) -> None:
    with pytest.raises(InputError, match="should be a number and a unit"):
        services.split_quantity(text)


def test_list_and_count_readings(db: Database, gas_meter: Meter) -> None:
    services.add_reading(db, **GOOD)
    services.add_reading(db, **{**GOOD, "start": "2025-02-01", "end": "2025-02-28"})
    rows = services.list_readings(db, meter="Gas")
    assert [(r["start"], r["end"]) for r in rows] == [
        ("2025-02-01", "2025-02-28"),
        ("2025-01-01", "2025-01-31"),
    ]
    assert services.count_readings(db) == 2
    assert services.count_readings(db, meter="gas") == 2
    assert services.list_readings(db, facility="St Example", limit=1, offset=1)[0]["start"] == (
        "2025-01-01"
    )


def test_run_in_transaction_rolls_back(db: Database, gas_meter: Meter) -> None:
    before = counts(db)

    def work() -> None:
        services.add_reading(db, **GOOD)
        services.add_reading(db, **{**GOOD, "quantity": -1})

    with pytest.raises(InputError):
        services.run_in_transaction(db, work)
    assert counts(db) == before


def test_update_reading_corrects_values_and_rollups(db, gas_meter) -> None:
    first = services.add_reading(
        db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=100
    )
    services.add_reading(db, meter="Gas", start="2025-02-01", end="2025-02-28", quantity=100)
    row = services.update_reading(
        db, first["id"], start="2025-01-01", end="2025-01-31", quantity=250, cost=99
    )
    assert (row["quantity"], row["cost"], row["currency"]) == (250.0, 99.0, "USD")
    months = dict(db.execute("SELECT month, quantity FROM reading_months").fetchall())
    assert months == {"2025-01": 250.0, "2025-02": 100.0}
    entry = db.execute(
        "SELECT before, after FROM audit_log WHERE action = 'update' AND table_name = 'readings'"
    ).fetchone()
    assert '"quantity": 100.0' in entry[0] and '"quantity": 250.0' in entry[1]


def test_update_reading_refuses_an_overlap_and_changes_nothing(db, gas_meter) -> None:
    first = services.add_reading(
        db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=100
    )
    services.add_reading(db, meter="Gas", start="2025-02-01", end="2025-02-28", quantity=100)
    before = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(ConflictError, match="overlaps the reading"):
        services.update_reading(db, first["id"], start="2025-01-01", end="2025-02-10", quantity=1)
    assert services.get_reading(db, first["id"])["quantity"] == 100.0
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before
