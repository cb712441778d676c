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
    fast = facilities._clean_meter(
        dict(row, net_metering=bool(flags[0]), retired=bool(flags[1]))
    )
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
