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
