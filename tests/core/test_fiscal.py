"""Fiscal years named by their end year, and the reduction and target rules (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from greencare.core import fiscal
from greencare.core import targets as rules
from greencare.core.errors import InputError


@pytest.mark.parametrize(
    ("when", "start", "expected"),
    [
        (date(2024, 6, 30), 7, 2024),
        (date(2024, 7, 1), 7, 2025),
        ("2025-06", 7, 2025),
        ("2024-12", 10, 2025),
        ("2024-09", 10, 2024),
        ("2024-12", 1, 2024),
        (date(2024, 1, 1), 1, 2024),
        ("2024-04", 4, 2025),
        ("2024-03", 4, 2024),
    ],
)
def test_fiscal_year_of(when, start: int, expected: int) -> None:
    assert fiscal.fiscal_year_of(when, start) == expected


def test_fiscal_periods_and_labels() -> None:
    assert fiscal.fiscal_period(2025, 7) == ("2024-07", "2025-06")
    assert fiscal.fiscal_period(2025, 1) == ("2025-01", "2025-12")
    assert fiscal.fiscal_months(2025, 10)[0] == "2024-10"
    assert fiscal.fiscal_months(2025, 10)[-1] == "2025-09"
    assert len(fiscal.fiscal_months(2025, 7)) == 12
    assert fiscal.fiscal_months(2025, 1) == [f"2025-{m:02d}" for m in range(1, 13)]
    assert fiscal.fiscal_label(2025, 7) == "FY2025 (Jul 2024–Jun 2025)"
    assert fiscal.fiscal_label(2025, 1) == "2025"
    assert list(fiscal.fiscal_years_between("2024-01", "2025-12", 7)) == [2024, 2025, 2026]
    assert fiscal.last_complete_fiscal_year("2025-06", 7) == 2025
    assert fiscal.last_complete_fiscal_year("2025-05", 7) == 2024
    assert fiscal.last_complete_fiscal_year("2025-12", 1) == 2025


@pytest.mark.parametrize(("text", "month"), [("7", 7), (7, 7), ("Jul", 7), ("october", 10)])
def test_start_month_accepts_numbers_and_names(text, month: int) -> None:
    assert fiscal.check_start_month(text) == month


@pytest.mark.parametrize("text", ["0", "13", "Julyish", ""])
def test_start_month_refuses_other_values(text: str) -> None:
    with pytest.raises(InputError, match="1-12 or a month name"):
        fiscal.check_start_month(text)


@pytest.mark.parametrize(
    ("given", "fraction"),
    [("-50%", 0.5), ("50%", 0.5), ("−42.5 %", 0.425), ("net zero", 1.0), ("Net-Zero", 1.0),
     ("0.5", 0.5), (0.3, 0.3), (1, 1.0), ("100%", 1.0), ("0%", 0.0)],
)  # fmt: skip
def test_reductions_as_people_write_them(given, fraction: float) -> None:
    assert rules.parse_reduction(given) == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("given", "why"),
    [("50", "ambiguous"), ("1", "ambiguous"), ("+10%", "rise"), ("150%", "more than 100%"),
     (1.5, "not a fraction"), ("half", "not a percentage")],
)  # fmt: skip
def test_ambiguous_or_impossible_reductions_are_refused(given, why: str) -> None:
    with pytest.raises(InputError, match=why):
        rules.parse_reduction(given)


def test_scope_and_basis_rules() -> None:
    assert rules.check_scope("scope12", None) == ("scope12", "location")
    assert rules.check_scope("Scope 1+2", "market") == ("scope12", "market")
    assert rules.check_scope("energy", None) == ("energy", None)
    with pytest.raises(InputError, match="applies to scope2, scope12, total only"):
        rules.check_scope("water", "market")
    with pytest.raises(InputError, match="not one of"):
        rules.check_scope("scope4", None)
    with pytest.raises(InputError, match="must be after the baseline year 2030"):
        rules.check_years(2030, 2030)


def test_linear_path_and_on_track() -> None:
    target = {"scope": "scope12", "basis": "location", "baseline_year": 2020,
              "target_year": 2030, "reduction": 0.5}  # fmt: skip
    assert rules.trajectory_fraction(2020, 2030, 0.5, 2025) == pytest.approx(0.25)
    assert rules.trajectory_fraction(2020, 2030, 0.5, 2035) == 0.5
    assert rules.trajectory_fraction(2020, 2030, 0.5, 2019) == 0.0
    ahead = rules.progress(target, 2025, 1000.0, 700.0)
    assert ahead["trajectory_value"] == pytest.approx(750.0)
    assert ahead["target_value"] == pytest.approx(500.0)
    assert ahead["reduction_so_far"] == pytest.approx(0.3)
    assert (ahead["on_track"], ahead["status"]) == (True, "on track")
    behind = rules.progress(target, 2025, 1000.0, 800.0)
    assert (behind["on_track"], behind["gap"]) == (False, pytest.approx(50.0))
    assert rules.progress(target, 2025, None, 800.0)["status"] == "no data for the baseline year"
    assert rules.label(target) == "Scope 1+2 (location) -50% by 2030 vs 2020"
    assert rules.label({**target, "reduction": 1.0}).endswith("net zero by 2030 vs 2020")
