"""The app at 80x24 driven with the mouse: nav bar, tables, footer keys, form and dialog buttons.

Typing still needs keys (a value has to be typed somewhere); every choice and command is a click.
"""

from __future__ import annotations

from textual.widgets import Button, DataTable, Input
from textual.widgets._footer import FooterKey
from tui_helpers import wait_until

from greencare import services
from greencare.storage.db import open_db
from greencare.tui.app import SECTIONS, GreencareApp
from greencare.tui.forms import ConfirmScreen
from greencare.tui.screens.help import HelpScreen
from greencare.tui.screens.reading_form import ReadingForm
from greencare.tui.widgets import NavBar

SIZE = (80, 24)


def _db():
    db = open_db(":memory:")
    f = services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    services.add_meter(db, facility=f.id, name="Water", commodity="water", unit="kgal")
    services.add_reading(db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=9000)
    services.add_reading(db, meter="Water", start="2025-01-01", end="2025-01-31", quantity=400)
    return db


async def _click_footer(pilot, action: str) -> None:
    keys = [k for k in pilot.app.screen.query(FooterKey) if k.action == action]
    assert keys, f"no footer key for {action} at {SIZE}"
    await pilot.click(keys[0])
    await pilot.pause()


async def test_every_section_opens_from_the_nav_bar_at_80x24() -> None:
    app = GreencareApp(db=_db())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for mode, _, _ in reversed(SECTIONS):  # end with the dashboard
            nav = app.screen.query_one(NavBar)
            if mode not in {s[2] for s in nav.spans}:  # behind "? more" at 80 columns
                start, end, _ = next(s for s in nav.spans if s[2] == "more")
                await pilot.click(nav, offset=(start + 1, 0))
                await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
                await pilot.press("escape")
                await pilot.press(next(k for m, k, _ in SECTIONS if m == mode))
                await wait_until(pilot, lambda mode=mode: app.current_mode == mode)
                continue
            start, end, _ = next(s for s in nav.spans if s[2] == mode)
            assert end <= SIZE[0], f"{mode} is off screen in the nav bar"
            await pilot.click(nav, offset=(start + 1, 0))
            await wait_until(pilot, lambda mode=mode: app.current_mode == mode)


async def test_add_and_delete_a_reading_with_the_mouse_at_80x24() -> None:
    db = _db()
    app = GreencareApp(db=db, mode="energy")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        meters = app.screen.query_one("#meters", DataTable)
        await pilot.click(meters, offset=(2, 2))  # the header is row 0; Water is the 2nd meter
        await wait_until(pilot, lambda: app.screen.meter.name == "Water")
        readings = app.screen.query_one("#readings", DataTable)
        assert readings.row_count == 1

        await _click_footer(pilot, "add_reading")
        form = app.screen
        assert isinstance(form, ReadingForm)
        for field, value in (
            ("#start", "2025-02-01"),
            ("#end", "2025-02-28"),
            ("#quantity", "380"),
        ):
            await pilot.click(form.query_one(field, Input))
            await pilot.press(*value)
        await pilot.click(form.query_one("#save", Button))
        await wait_until(pilot, lambda: not isinstance(app.screen, ReadingForm))
        water = "SELECT quantity FROM readings_view WHERE meter = 'Water' ORDER BY start_utc"
        assert [r[0] for r in db.execute(water).fetchall()] == [400, 380]
        await wait_until(pilot, lambda: readings.row_count == 2)

        # A click on the highlighted row (the newest, first) opens it for editing; Cancel closes.
        await pilot.click(readings, offset=(2, 1))
        await wait_until(pilot, lambda: isinstance(app.screen, ReadingForm))
        assert app.screen.query_one("#quantity", Input).value == "380"
        await pilot.click(app.screen.query_one("#cancel", Button))
        await wait_until(pilot, lambda: not isinstance(app.screen, ReadingForm))

        await _click_footer(pilot, "delete_reading")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click(app.screen.query_one("#yes", Button))
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert [r[0] for r in db.execute(water).fetchall()] == [400]
