"""The ZIP -> eGRID subregion builder, on rows laid out like VERIFI's eGrid_zipcode_lookup sheet."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from greencare.factorbuild import egrid_zip

FACTORS = Path(__file__).resolve().parents[2] / "factors"

HEAD = list(egrid_zip.HEADERS)


def _rows(*body: list[object]) -> list[tuple[int, list[object]]]:
    return [(1, HEAD), *((i, list(r)) for i, r in enumerate(body, start=2))]


def test_pads_merges_and_drops_the_us_average() -> None:
    rows = _rows(
        [2115.0, 2115.0, "MA", "NEWE", "", ""],
        [30525.0, 30525.0, "GA", "SRTV", "SRSO", "SRVC"],
        [7421.0, 7421.0, "NJ", "NYUP", "", ""],
        [7421.0, 7421.0, "NJ", "RFCE", "", ""],  # repeated ZIP, other subregion: both kept
        [2115.0, 2115.0, "MA", "NEWE", "", ""],  # repeated ZIP, same subregion: once
        [0.0, 0.0, "US", "U.S. AVERAGE", "", ""],
    )
    out = egrid_zip.zip_rows(rows)
    assert [(r["zip"], r["subregion"], r["rank"]) for r in out] == [
        ("02115", "NEWE", "1"),
        ("07421", "NYUP", "1"),
        ("07421", "RFCE", "2"),
        ("30525", "SRTV", "1"),
        ("30525", "SRSO", "2"),
        ("30525", "SRVC", "3"),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([2115.0, 2115.0, "MA", "XXXX", "", ""], "'XXXX' is not an eGRID subregion"),
        ([2115.5, 2115.5, "MA", "NEWE", "", ""], "not a whole number"),
        ([2115.0, 2116.0, "MA", "NEWE", "", ""], "differ"),
        ([2115.0, 2115.0, "MA", "", "NEWE", ""], "not filled from #1 on"),
        ([123456.0, 123456.0, "MA", "NEWE", "", ""], "not a five-digit code"),
    ],
)
def test_refuses_what_it_does_not_recognise(row: list[object], message: str) -> None:
    with pytest.raises(egrid_zip.LayoutError, match=message) as info:
        egrid_zip.zip_rows(_rows(row))
    assert "row 2" in str(info.value)


def test_refuses_another_header() -> None:
    with pytest.raises(egrid_zip.LayoutError, match="expected columns"):
        egrid_zip.zip_rows([(1, ["ZIP", "state", "subregion"])])


def test_committed_table_shape() -> None:
    path = FACTORS / "egrid-zip" / "2023" / "zip_subregions.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["zip", "subregion", "rank"]
    zips = {r["zip"] for r in rows}
    assert len(zips) == 41526
    assert all(len(z) == 5 and z.isdigit() for z in zips)
    assert "00000" not in zips
    per_zip: dict[str, list[str]] = {}
    for r in rows:
        per_zip.setdefault(r["zip"], []).append(r["rank"])
    assert all(ranks == [str(i) for i in range(1, len(ranks) + 1)] for ranks in per_zip.values())
    assert max(len(v) for v in per_zip.values()) == 3
