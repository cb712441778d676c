"""The text rule (greencare/core/text.py) and every model applying it to every text field."""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from greencare.core import models, text
from greencare.core.models import describe_errors, model_errors

ESC_MESSAGE = (
    "the text contains the control character U+001B (escape) at character 2; "
    "control characters are not allowed"
)


@pytest.mark.parametrize(
    ("value", "position", "name"),
    [
        ("a\x1bb", 2, "U+001B (escape)"),
        ("\x00", 1, "U+0000 (NUL)"),
        ("ab\x07", 3, "U+0007 (bell)"),
        ("a\tb", 2, "U+0009 (tab)"),
        ("a\nb", 2, "U+000A (line feed)"),
        ("a\rb", 2, "U+000D (carriage return)"),
        ("x\x7f", 2, "U+007F (delete)"),
        ("x\x9b", 2, "U+009B"),
        ("\u202eevil", 1, "U+202E (right-to-left override)"),
        ("a\u2028b", 2, "U+2028 (line separator)"),
        ("a\u2066b", 2, "U+2066"),
    ],
)
def test_one_line_text_refuses_each_kind_of_control(value: str, position: int, name: str) -> None:
    with pytest.raises(ValueError) as caught:
        text.check_text(value)
    assert str(caught.value) == (
        f"the text contains the control character {name} at character {position}; "
        "control characters are not allowed"
    )


def test_notes_may_hold_line_breaks_and_tabs_but_nothing_else() -> None:
    assert text.check_text("line one\r\nline\ttwo", multiline=True) == "line one\nline\ttwo"
    with pytest.raises(ValueError, match=r"U\+001B \(escape\) at character 3; .*allowed here"):
        text.check_text("ab\x1b", multiline=True)


def test_lengths() -> None:
    assert text.check_text("x" * text.LINE_MAX) == "x" * text.LINE_MAX
    with pytest.raises(ValueError) as caught:
        text.check_text("x" * (1 << 20), max_length=200)
    assert str(caught.value) == "the text is 1,048,576 characters long; the most allowed is 200"


def test_fine_text_passes_unchanged() -> None:
    for value in ("Hôpital Saint-Éloi", "病院", "Clinic 🏥", "[bold]x[/]", "=1+1", "مستشفى\u200f"):
        assert text.check_text(value) == value


def test_visible_shorten_quote() -> None:
    assert text.visible("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07"
    assert text.visible("a\tb\nc") == "a\\x09b\\x0ac"
    assert text.visible("a\tb\nc\x1b", keep_newlines=True) == "a\tb\nc\\x1b"
    assert text.visible("\u202eevil") == "\\u202eevil"
    assert text.shorten("x" * 100, 40) == "x" * 22 + "… (100 characters)"
    assert len(text.shorten("x" * (1 << 20), 80)) == 80
    assert text.quote("a\x1b" + "b" * 200, 40) == repr("a\x1b" + "b" * 20 + "… (202 characters)")
    assert text.quote(999) == "999"
    assert text.strip_control("\x1b[31mred\x07") == "[31mred"


#: A valid record of each model; each text field is then given a control character in turn.
VALID: dict[type[BaseModel], dict[str, Any]] = {
    models.Facility: {"name": "St Example", "country": "US", "grid_region": "CAMX",
                      "region": "CA", "postcode": "94000", "floor_area": 1000,
                      "floor_area_unit": "ft**2", "notes": "n"},
    models.Meter: {"facility_id": 1, "name": "Gas", "commodity": "natural_gas", "unit": "therm",
                   "notes": "n"},
    models.Reading: {"meter_id": 1, "start": datetime(2025, 1, 1, tzinfo=UTC),
                     "end": datetime(2025, 2, 1, tzinfo=UTC), "quantity": 1, "unit": "kWh",
                     "cost": 1, "currency": "USD", "source": "manual"},
    models.WasteRecord: {"facility_id": 1, "start_date": date(2025, 1, 1),
                         "end_date": date(2025, 1, 31), "stream": "solid_waste",
                         "route": "landfill", "quantity": 1, "unit": "kg", "hauler": "H",
                         "cost": 1, "currency": "USD", "notes": "n"},
    models.Purchase: {"facility_id": 1, "date": date(2025, 1, 1), "category": "339112",
                      "item": "gloves", "description": "d", "spend": 1, "currency": "USD",
                      "supplier": "S"},
    models.MonthlyNormalizer: {"facility_id": 1, "month": "2025-01", "patient_days": 1},
    models.Instrument: {"facility_id": 1, "kind": "rec", "start_month": "2025-01",
                        "end_month": "2025-12", "mwh": 1, "description": "d",
                        "certificate": "c"},
}  # fmt: skip


def _text_fields(model: type[BaseModel]) -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        args = typing.get_args(info.annotation) or (info.annotation,)
        if str in args or info.annotation is str:
            out.append(name)
    return out


CASES = [(m, f) for m in VALID for f in _text_fields(m)]


def test_every_valid_record_is_valid() -> None:
    for model, data in VALID.items():
        model.model_validate(data)
    assert len(CASES) >= 30  # every text field of every model is covered below


@pytest.mark.parametrize(("model", "field"), CASES, ids=[f"{m.__name__}.{f}" for m, f in CASES])
def test_every_text_field_refuses_control_characters(model: type[BaseModel], field: str) -> None:
    data = {**VALID[model], field: "a\x1bb"}
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    pairs = model_errors(caught.value)
    expected = ESC_MESSAGE
    if field in text.MULTILINE_FIELDS:
        expected += " (line breaks and tabs are allowed here)"
    assert pairs == [(field, expected)]


@pytest.mark.parametrize(("model", "field"), CASES, ids=[f"{m.__name__}.{f}" for m, f in CASES])
def test_every_text_field_refuses_a_megabyte(model: type[BaseModel], field: str) -> None:
    data = {**VALID[model], field: "x" * (1 << 20)}
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    message = describe_errors(caught.value)
    assert message.startswith(f"{field}: the text is 1,048,576 characters long; the most allowed")
    assert len(message) < 200


def test_notes_keep_their_line_breaks() -> None:
    facility = models.Facility.model_validate({**VALID[models.Facility], "notes": "a\r\nb\tc"})
    assert facility.notes == "a\nb\tc"
    with pytest.raises(ValidationError):
        models.Facility.model_validate({**VALID[models.Facility], "name": "a\nb"})


def test_rows_read_back_from_the_database_are_not_refused() -> None:
    data = {**VALID[models.Facility], "name": "\x1b]0;pwned\x07" + "M" * 300}
    facility = models.Facility.model_validate(data, context={"stored": True})
    assert facility.name == data["name"]
