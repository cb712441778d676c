"""Stored numbers read back exactly: the text a form opens with parses to the same float."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from greencare.core.numbers import grouped, plain


def test_plain_examples() -> None:
    assert plain(1234567.8) == "1234567.8"
    assert plain(118233.4) == "118233.4"
    assert plain(450000.0) == "450000"
    assert plain(5e8) == "500000000"
    assert plain(1e-7) == "0.0000001"
    assert plain(None) == ""
    assert plain(-0.0) == "0"
    assert plain(12) == "12"


def test_grouped_examples() -> None:
    assert grouped(1234567.8) == "1,234,567.8"
    assert grouped(5e8) == "500,000,000"
    assert grouped(-1234.5) == "-1,234.5"
    assert grouped(0.25) == "0.25"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_plain_reads_back_to_the_same_float(value: float) -> None:
    text = plain(value)
    assert "e" not in text.lower()
    assert float(text) == value or (value == 0 and float(text) == 0)
    assert math.isfinite(float(text))


def test_typed_numbers_take_commas_only_between_thousands() -> None:
    import pytest

    from greencare.core.numbers import NumberError, typed_number

    assert typed_number("4,200") == 4200
    assert typed_number(" 1,234,567.25 ") == 1234567.25
    assert typed_number("-12,500") == -12500
    assert typed_number("1e3") == 1000
    # A decimal comma was read as a thousands separator: 45,5 tonnes stored as 455.
    for text, meant in (("45,5", "45.5"), ("1,5", "1.5"), ("1,23", "1.23"), ("12,3456", "12.3456")):
        with pytest.raises(NumberError) as caught:
            typed_number(text)
        assert str(caught.value) == (
            f"'{text}': a comma is read only between thousands (4,200); for {meant} write a "
            "decimal point"
        )
    for text in ("1,2,3", "1,,000", ",5x", "12.345,6"):
        with pytest.raises(NumberError, match="is not a number"):
            typed_number(text)
