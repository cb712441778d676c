"""ZIP code -> eGRID subregion, from the shipped table (factors/egrid-zip/2023).

Hand values looked up in VERIFI's eGrid_zipcode_lookup_2025.xlsx (EPA Power Profiler ZIP
lookup), sheet eGrid_zipcode_lookup: 10001 NYCW, 60611 RFCW, 94105 CAMX, 2115 NEWE, 77030
ERCT, 30525 SRTV / SRSO / SRVC (#1 to #3).
"""

from __future__ import annotations

import pytest

from greencare.core import regions
from greencare.core.factors import FactorLibrary


@pytest.mark.parametrize(
    ("zip_code", "expected"),
    [
        ("10001", ("NYCW",)),
        ("60611", ("RFCW",)),
        ("94105", ("CAMX",)),
        ("02115", ("NEWE",)),
        ("77030", ("ERCT",)),
        ("30525", ("SRTV", "SRSO", "SRVC")),
    ],
)
def test_hand_values(zip_code: str, expected: tuple[str, ...]) -> None:
    assert regions.subregions_for_zip(zip_code) == expected


@pytest.mark.parametrize(
    "text", ["2115", "02115", "02115-1234", "2115-1234", "021151234", " 02115 ", 2115]
)
def test_padding_and_zip_plus_four(text: str | int) -> None:
    assert regions.normalize_zip(text) == "02115"
    assert regions.subregions_for_zip(text) == ("NEWE",)


def test_three_digits_pad_to_the_lowest_zips() -> None:
    assert regions.normalize_zip("501") == "00501"
    assert regions.subregions_for_zip("501") == ("NYLI",)


@pytest.mark.parametrize("text", ["99999", "00000", "", None, "SW1A 1AA", "ABCDE", "12", "1234567"])
def test_unknown_or_not_a_zip_is_empty(text: str | None) -> None:
    assert regions.subregions_for_zip(text) == ()


@pytest.mark.parametrize("text", ["SW1A 1AA", "ABCDE", "12", "123456", "1234567", "12345-12"])
def test_not_a_zip(text: str) -> None:
    assert regions.normalize_zip(text) is None


def test_every_subregion_in_the_table_is_known_and_has_a_factor() -> None:
    table = regions._zip_table()
    used = {code for codes in table.values() for code in codes}
    assert used <= set(regions.EGRID_SUBREGIONS)
    lib = FactorLibrary.bundled()
    for edition in ("epa-ghg-hub/2025", "epa-ghg-hub/2024"):
        factors = lib.table(edition)
        electricity = factors[factors["activity"] == "electricity"]
        assert used <= set(electricity["region"]), edition


def test_source_cites_publisher_and_edition() -> None:
    text = regions.zip_source()
    assert "Power Profiler" in text
    assert "VERIFI" in text
    assert "eGrid_zipcode_lookup_2025.xlsx" in text
    assert "egrid-zip/2023" in text
