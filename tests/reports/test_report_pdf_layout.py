"""PDF tables never run past the page edge: a table too wide at a readable size is turned
(a few rows) or split into column groups that repeat the identifying columns.

The demo's baseline-model table (one row, 25 columns) used to print its last column beyond the
right edge of the page."""

from __future__ import annotations

import pandas as pd
import pytest

from greencare.reports import render
from greencare.reports.model import Table

PAGES = [render.PAPERS["a4"], render.PAPERS["letter"]]


def _wide(rows: int, columns: int) -> Table:
    data = {"Facility": [f"Hospital {n}" for n in range(rows)],
            "Month": [f"2025-{n % 12 + 1:02d}" for n in range(rows)]}  # fmt: skip
    for c in range(columns):
        data[f"Figure number {c} (kWh)"] = [1234567.891 + n + c for n in range(rows)]
    return Table("wide", "A wide table", "energy", pd.DataFrame(data))


def _fits(laid: dict, page: tuple[float, float]) -> bool:
    chars = sum(laid["widths"]) + render._GAP * (len(laid["widths"]) - 1)
    return chars * render._EM * laid["size"] <= 0.92 * page[0] * 72 + 1e-6


@pytest.mark.parametrize("page", PAGES)
def test_a_narrow_table_stays_whole(page):
    laid = render._text_table(_wide(20, 4), page=page)
    assert len(laid) == 1 and "part_of" not in laid[0] and _fits(laid[0], page)


@pytest.mark.parametrize("page", PAGES)
def test_a_wide_table_with_many_rows_is_split_by_columns_repeating_facility_and_month(page):
    table = _wide(30, 30)
    parts = render._text_table(table, page=page)
    assert len(parts) > 1
    seen: list[str] = []
    for n, laid in enumerate(parts, 1):
        assert _fits(laid, page) and laid["size"] >= render._MIN_PT
        assert laid["part_of"] == f" (columns, part {n} of {len(parts)})"
        heads = [
            " ".join(cell for cell in col if cell) for col in zip(*laid["header"], strict=True)
        ]
        assert heads[:2] == ["Facility", "Month"]  # every part says which row it is
        seen += heads[2:]
        body = [row[0] for row in laid["body"] if row[0]]
        assert body == [f"Hospital {n}" for n in range(30)]
    assert len(seen) == 30 and len(set(seen)) == 30  # each column printed once


@pytest.mark.parametrize("page", PAGES)
def test_a_wide_table_with_one_row_is_turned(page):
    parts = render._text_table(_wide(1, 30), page=page)
    assert len(parts) == 1
    laid = parts[0]
    assert laid["turned"] and laid["part_of"] == "" and _fits(laid, page)
    assert [h for h in laid["header"][0]] == ["Facility", "Hospital 0"]
    fields = [row[0] for row in laid["body"] if row[0]]
    assert fields[0] == "Month" and len(fields) == 31


def test_pack_titles_the_parts_and_lists_the_table_once():
    pages = render._flow([("", "", [], [_wide(30, 30)])], page=render.PAPERS["a4"])
    blocks = [b for p in pages for b in p["elements"] if b["kind"] == "table"]
    assert all(b["heading"] == "A wide table" for b in blocks)
    assert sum(b["part"] == 0 for b in blocks) == 1  # the contents line
    parts = len(render._text_table(_wide(30, 30)))
    assert parts > 1
    assert blocks[0]["title"] == f"A wide table (columns, part 1 of {parts})"
    assert blocks[-1]["title"].startswith(f"A wide table (columns, part {parts} of {parts})")
