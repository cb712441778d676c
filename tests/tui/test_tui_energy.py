"""Energy: a bill entered in the form moves the dashboard; delete with confirmation; paging."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static
from tui_helpers import count, wait_until

from greencare import services
from greencare.tui.app import GreencareApp
from greencare.tui.forms import ConfirmScreen
from greencare.tui.screens import energy
from greencare.tui.screens.reading_form import ReadingForm


def _card(app, name: str) -> str:
    return str(app.screen.query_one(f"#card-{name}", Static).content)


async def test_entering_a_bill_changes_the_dashboard(small_db) -> None:
    gas_dec = small_db.execute(
        "SELECT r.id FROM readings r JOIN meters m ON m.id = r.meter_id "
        "WHERE m.name = 'Gas' ORDER BY r.start_utc DESC LIMIT 1"
    ).fetchone()[0]
    services.delete_reading(small_db, gas_dec)
    app = GreencareApp(db=small_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "S1 " in _card(app, "emissions"))
        before = _card(app, "month")
        assert app.screen.query_one("#card-month", Static).border_title == "2025-12 vs 2024"
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#meters", DataTable).focus()
        await pilot.press("down")  # Gas
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm)
        await pilot.press(*"2025-12-01", "tab", *"2025-12-31", "tab", *"40000")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm)
        await pilot.press("d")
        await wait_until(pilot, lambda: _card(app, "month") not in (before, "loading…"))
        after = _card(app, "month")
    tonnes = lambda text: float(  # noqa: E731
        text.split("\n")[0].removeprefix("[b]").split(" t")[0].replace(",", "")
    )
    # 40,000 therm of gas is about 212 t CO2e.
    assert tonnes(after) - tonnes(before) == pytest.approx(212, abs=3)


async def test_delete_a_reading_after_confirming(small_db) -> None:
    total = count(small_db, "readings")
    app = GreencareApp(db=small_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        readings = app.screen.query_one("#readings", DataTable)
        readings.focus()
        first = readings.get_row_at(0)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert count(small_db, "readings") == total
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert count(small_db, "readings") == total - 1
        assert readings.get_row_at(0) != first
        assert "rows 1–23 of 23 · PgUp" in str(app.screen.query_one("#status").content)
    assert count(small_db, "audit_log", "WHERE action = 'delete' AND source = 'tui'") == 1


async def test_readings_load_a_page_at_a_time(small_db, monkeypatch) -> None:
    monkeypatch.setattr(energy, "PAGE_SIZE", 10)
    app = GreencareApp(db=small_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        status = app.screen.query_one("#status", Static)
        readings = app.screen.query_one("#readings", DataTable)
        assert readings.row_count == 10
        assert "rows 1–10 of 24" in str(status.content)
        readings.focus()
        await pilot.press(*["down"] * 10)  # the cursor reaches the end: the next page loads
        await pilot.pause()
        assert "rows 11–20 of 24" in str(status.content)
        assert readings.cursor_row == 0
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert "rows 21–24 of 24" in str(status.content)
        assert readings.row_count == 4
        assert readings.get_row_at(3)[0] == "2024-01-01"
        assert readings.cursor_row == 0
        await pilot.press("up")  # above the first row: the previous page, cursor on its end
        await pilot.pause()
        assert "rows 11–20 of 24" in str(status.content)
        assert readings.cursor_row == 9
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert "rows 1–10 of 24" in str(status.content)


async def test_correct_a_reading_in_the_form(small_db) -> None:
    total = count(small_db, "readings")
    app = GreencareApp(db=small_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        readings = app.screen.query_one("#readings", DataTable)
        readings.focus()
        key = int(readings.coordinate_to_cell_key(readings.cursor_coordinate).row_key.value)
        old = services.get_reading(small_db, key)
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReadingForm)
        assert form.query_one("#start").value == old["start"]  # the stored values, ready to edit
        form.query_one("#quantity").value = "12345"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm)
    new = services.get_reading(small_db, key)
    assert new["quantity"] == 12345 and (new["start"], new["end"]) == (old["start"], old["end"])
    assert count(small_db, "readings") == total
    assert count(small_db, "audit_log", "WHERE action = 'update' AND source = 'tui'") == 1
