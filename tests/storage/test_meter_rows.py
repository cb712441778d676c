"""Stored meter rows become the same Meter with or without pydantic's validators
(greencare/storage/facilities.py: _meter_from_row and its fast path _clean_meter)."""

from __future__ import annotations

import itertools

import pytest

from greencare.core.models import Meter
from greencare.core.vocab import Commodity, DeliveryClass
from greencare.storage import facilities


def _row(**changes: object) -> dict:
    row = dict(id=3, facility_id=1, name="Main", commodity="electricity", unit="kWh",
               delivery_class="metered", net_metering=0, notes=None, retired=0,
               pm_meter_id=None)  # fmt: skip
    return {**row, **changes}


def _validated(row: dict) -> Meter:
    data = dict(row, net_metering=bool(row["net_metering"]), retired=bool(row["retired"]))
    return Meter.model_validate(data, context={"stored": True})


@pytest.mark.parametrize(
    ("commodity", "unit", "delivery", "notes", "flags"),
    itertools.product(
        [c.value for c in Commodity],
        ["kWh", "therm", "Therms", "US_gallon", "unit-from-before"],
        [None, *(d.value for d in DeliveryClass)],
        [None, "roof array"],
        [(0, 0), (1, 1)],
    ),
)
def test_clean_rows_build_the_meter_the_model_builds(
    commodity: str, unit: str, delivery: str | None, notes: str | None, flags: tuple[int, int]
) -> None:
    row = _row(commodity=commodity, unit=unit, delivery_class=delivery, notes=notes,
               net_metering=flags[0], retired=flags[1])  # fmt: skip
    fast = facilities._clean_meter(dict(row, net_metering=bool(flags[0]), retired=bool(flags[1])))
    assert fast is not None
    slow = _validated(row)
    assert fast == slow
    assert fast.model_fields_set == slow.model_fields_set
    assert repr(fast) == repr(slow)
    assert facilities._meter_from_row(row) == slow


@pytest.mark.parametrize(
    "changes",
    [
        {"name": " Main "},  # the model strips it
        {"name": ""},  # the model refuses it
        {"unit": "kWh "},
        {"notes": " x"},
        {"commodity": "plasma"},
        {"delivery_class": "pipeline"},
        {"pm_meter_id": "22178843"},
        {"pm_meter_id": ""},
        {"id": "3"},
        {"facility_id": 1.0},
    ],
)
def test_other_rows_go_through_the_model(changes: dict) -> None:
    row = _row(**changes)
    assert facilities._clean_meter(dict(row, net_metering=False, retired=False)) is None
    try:
        expected: object = _validated(row)
    except Exception as exc:  # what the model says, the loader says
        with pytest.raises(type(exc)):
            facilities._meter_from_row(row)
        return
    assert facilities._meter_from_row(row) == expected


def test_facility_places_are_what_get_facility_gives(db) -> None:  # type: ignore[no-untyped-def]
    from greencare import services

    clean = services.add_facility(db, name="Clean", country="US", grid_region="RFCE")
    odd = services.add_facility(db, name="Odd", country="GB")
    guessed = services.add_facility(db, name="Guessed", country="US", grid_region="CAMX")
    # Rows written by another tool or an older greencare: the model fills or normalises them.
    db.execute("UPDATE facilities SET country = 'gb' WHERE id = ?", [odd.id])
    db.execute("UPDATE facilities SET timezone = '' WHERE id = ?", [guessed.id])
    ids = [clean.id, odd.id, guessed.id]
    places = facilities.facility_places(db, ids)
    for facility_id in ids:
        facility = facilities.get_facility(db, facility_id)
        assert places[facility_id] == (facility.timezone, facility.country)
    assert places[guessed.id] == ("America/Los_Angeles", "US")
    assert places[odd.id][1] == "GB"
    db.execute("UPDATE facilities SET timezone = 'Mars/Olympus' WHERE id = ?", [clean.id])
    with pytest.raises(Exception, match="Mars/Olympus"):  # refused, as get_facility refuses it
        facilities.facility_places(db, [clean.id])
    with pytest.raises(Exception, match="no facility"):
        facilities.facility_places(db, [999])
