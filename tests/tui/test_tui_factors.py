"""Factors: datasets, each one's factors with source table and row, search, and the GWP set."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static
from tui_helpers import wait_until

from greencare.tui.app import GreencareApp


async def test_datasets_factors_and_search(small_db) -> None:
    app = GreencareApp(db=small_db, mode="factors")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        datasets = app.screen.query_one("#fx-datasets", DataTable)
        ids = [datasets.get_row_at(i)[0] for i in range(datasets.row_count)]
        assert "epa-ghg-hub/2025" in ids and "ipcc-gwp/ar6" in ids
        datasets.move_cursor(row=ids.index("epa-ghg-hub/2025"))
        await pilot.pause()
        factors = app.screen.query_one("#fx-factors", DataTable)
        labels = [str(c.label) for c in factors.columns.values()]
        assert labels[:2] == ["table", "source row"] and "verified" in labels
        app.screen.query_one("#fx-search", Input).value = "natural_gas"
        await pilot.pause()
        rows = [factors.get_row_at(i) for i in range(factors.row_count)]
        assert rows and all("natural_gas" in " ".join(map(str, r)) for r in rows)
        assert "rows" in str(app.screen.query_one("#fx-count", Static).content)


async def test_the_gwp_set_is_used_by_the_dashboard(small_db) -> None:
    app = GreencareApp(db=small_db, mode="factors")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one("#fx-gwp", Select).value = "AR4"
        await pilot.pause()
        assert app.gwp == "AR4"
        await pilot.press("d")
        await wait_until(
            pilot, lambda: "GWP AR4" in str(app.screen.query_one("#dash-period").content)
        )


async def test_pinned_editions_reach_the_dashboard(small_db, monkeypatch) -> None:
    from greencare.services import dashboard as queries
    from greencare.tui.screens.editions import EditionsScreen

    calls: list[dict] = []
    original = queries.dashboard

    def spy(db, **kwargs):
        calls.append(kwargs)
        return original(db, **kwargs)

    monkeypatch.setattr(queries, "dashboard", spy)
    app = GreencareApp(db=small_db, mode="factors")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, EditionsScreen)
        dialog.query_one("#pin-epa-ghg-hub", Select).value = "2024"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.pins == {"epa-ghg-hub": "2024"}
        await pilot.press("d")
        await wait_until(pilot, lambda: bool(calls) and calls[-1].get("pins"))
    assert calls[-1]["pins"] == {"epa-ghg-hub": "2024"}
    data = original(small_db, pins={"epa-ghg-hub": "2024"})
    assert data["month"] is not None


async def test_the_first_rows_then_more_at_the_last(small_db) -> None:
    """A table of factors shows its first rows (a few screens' worth), more each time the
    cursor reaches the last row shown, until all are there, in the file's order."""
    from greencare.tui.screens.base import FIRST_ROWS, MORE_ROWS
    from greencare.tui.screens.factors import library

    app = GreencareApp(db=small_db, mode="factors")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        datasets = app.screen.query_one("#fx-datasets", DataTable)
        ids = [datasets.get_row_at(i)[0] for i in range(datasets.row_count)]
        datasets.move_cursor(row=ids.index("epa-ghg-hub/2025"))
        await pilot.pause()
        name = app.screen.query_one("#fx-file", Select).value
        frame = library().table("epa-ghg-hub/2025", name)
        total = len(frame)
        assert total > FIRST_ROWS + MORE_ROWS  # the Hub's factors: more than two steps
        factors = app.screen.query_one("#fx-factors", DataTable)
        count = app.screen.query_one("#fx-count", Static)
        assert factors.row_count == FIRST_ROWS
        assert f"{total:,} rows (first {FIRST_ROWS:,}" in str(count.content)
        factors.focus()
        factors.move_cursor(row=FIRST_ROWS - 1)
        await wait_until(pilot, lambda: factors.row_count == FIRST_ROWS + MORE_ROWS)
        while factors.row_count < total:
            factors.move_cursor(row=factors.row_count - 1)
            before = factors.row_count
            await wait_until(pilot, lambda b=before: factors.row_count > b)
        assert factors.row_count == total
        assert "first" not in str(count.content)
        first = str(frame.iloc[0][str(factors.columns[factors.ordered_columns[0].key].label)])
        assert str(factors.get_row_at(0)[0]) == first
