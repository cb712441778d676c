"""Degree-day bases, the daily-mean method and the facility-state lookup."""

from __future__ import annotations

import pandas as pd
import pytest

from greencare.core.errors import InputError
from greencare.core.weather import Base, daily_degree_days, parse_base, us_state


@pytest.mark.parametrize(
    ("text", "expected"),
    [("65F", Base(65.0, "F")), ("65 °F", Base(65.0, "F")), ("18.5c", Base(18.5, "C"))],
)
def test_parse_base(text: str, expected: Base) -> None:
    assert parse_base(text) == expected


def test_a_base_without_a_unit_is_refused_with_both_readings() -> None:
    with pytest.raises(InputError, match=r"base '65' has no unit: write 65F \(Fahrenheit\) or 65C"):
        parse_base("65")


def test_a_base_that_is_not_a_temperature_is_refused() -> None:
    with pytest.raises(InputError, match="base '65K' is not a temperature"):
        parse_base("65K")


@pytest.mark.parametrize(
    ("region", "state"),
    [("IL", "IL"), ("il", "IL"), (" Illinois ", "IL"), ("new york", "NY"), ("DC", "DC")],
)
def test_us_state_accepts_codes_and_names(region: str, state: str) -> None:
    assert us_state(region) == state


@pytest.mark.parametrize("region", [None, "", "Cook County", "Ill", "England"])
def test_us_state_never_guesses(region: str | None) -> None:
    assert us_state(region) is None


def test_daily_degree_days_at_a_fahrenheit_base() -> None:
    mean = pd.Series([50.0, 65.0, 80.5])
    out = daily_degree_days(mean, "F", Base(65.0, "F"))
    assert out["hdd"].tolist() == [15.0, 0.0, 0.0]
    assert out["cdd"].tolist() == [0.0, 0.0, 15.5]


def test_daily_degree_days_converts_celsius_readings_to_a_fahrenheit_base() -> None:
    out = daily_degree_days(pd.Series([10.0, 30.0]), "C", Base(65.0, "F"))
    assert out["hdd"].tolist() == pytest.approx([15.0, 0.0])  # 10 °C = 50 °F
    assert out["cdd"].tolist() == pytest.approx([0.0, 21.0])  # 30 °C = 86 °F
