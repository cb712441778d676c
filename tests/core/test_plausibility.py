"""The pure plausibility rules: bands, the site EUI a rate implies, per-bed amounts."""

from __future__ import annotations

import numpy as np
import pytest

from greencare.core import plausibility as p


def test_history_bands() -> None:
    rate = np.array([10.0, 201.0, 4999.0, 5000.0, 0.4, 0.0, 7.0])
    level, ratio = p.history_levels(rate, np.full(7, 10.0))
    assert level.tolist() == [p.OK, p.WARN, p.WARN, p.REFUSE, p.WARN, p.OK, p.OK]
    assert ratio[3] == 500.0
    # The edges: exactly 20 x is not yet a warning, exactly 1/20 is not one either.
    edge, _ = p.history_levels(np.array([200.0, 0.5]), np.full(2, 10.0))
    assert edge.tolist() == [p.OK, p.OK]


def test_no_history_is_never_flagged() -> None:
    level, _ = p.history_levels(np.array([1e12]), np.array([np.nan]))
    assert level.tolist() == [p.OK]


def test_site_eui_of_the_issue_example() -> None:
    # 500,000,000 kWh in a 31-day month at 600,000 ft2, kept up for a year.
    eui = p.site_eui(np.array([500_000_000 / 31]), 600_000)
    assert eui[0] == pytest.approx(500e6 / 31 * 365.25 * 3.412 / 600_000)
    assert round(eui[0]) == 33_501
    assert p.eui_levels(eui).tolist() == [p.REFUSE]


def test_eui_bands_sit_around_the_published_hospital_range() -> None:
    assert pytest.approx(2343.0) == p.EUI_REFUSE
    assert p.eui_levels(np.array([234.3, 1400.0, 1400.1, 2343.0, 2343.1])).tolist() == [
        p.OK, p.OK, p.WARN, p.WARN, p.REFUSE,
    ]  # fmt: skip


def test_bounds_fall_back_between_area_and_beds() -> None:
    assert p.bounding_area_ft2(None, 300) == (600_000.0, "600,000 ft2 taken from 300 beds")
    assert p.bounding_area_ft2(None, None) == (None, "")
    beds, text = p.bounding_beds(None, 60_000.0)
    assert beds == pytest.approx(60_000 * 10.763910417 / 2000)
    assert text == "323 beds taken from the floor area"


def test_item_amounts() -> None:
    count = "a count of items"
    assert p.item_amount("anesthetic_gas", "desflurane", 4000, count, None, None) == (
        "desflurane", pytest.approx(4000 * 0.240 * 1.465),
    )  # fmt: skip
    assert p.item_amount("anesthetic_gas", "sevoflurane", 2, "volume", None, 0.5) == (
        "volatile", pytest.approx(0.5 * 1.52),
    )  # fmt: skip
    assert p.item_amount("anesthetic_gas", "nitrous_oxide", 25600, "volume", None, 25600) == (
        "nitrous_oxide", pytest.approx(46.08),
    )  # fmt: skip
    assert p.item_amount("anesthetic_gas", "nitrous_oxide", 3, count, None, None) is None
    assert p.item_amount("refrigerant", "R-410A", 50, "mass", 50.0, None) == ("refrigerant", 50.0)
    assert p.item_amount("inhaler", "dpi", 110, count, None, None) == ("inhaler", 110)
    assert p.item_amount("fleet_fuel", "diesel", 500, "volume", None, 1892.7) is None


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (1000.0, "1,000.0 x"),
        (999.3, "999.3 x"),
        (50.0, "50.0 x"),
        (1.0, "1.0 x"),
        (0.5, "0.5 x"),
        (0.33, "0.33 x"),
        (0.1, "0.1 x"),
        (0.0333, "1/30 of"),
        (0.045, "1/22 of"),
        (0.001, "1/1,000 of"),
        (1 / 30_000, "1/30,000 of"),
        (1 / 33_333, "1/33,000 of"),
        (2.3e-9, "1/430,000,000 of"),
        (0.0, "0 x"),
    ],
)
def test_ratio_text_is_readable_for_small_ratios(ratio: float, text: str) -> None:
    # "0.0 x this meter's usual daily use" said nothing: a 1000x slip downwards reads 1/1,000.
    assert p.ratio_text(ratio) == text
