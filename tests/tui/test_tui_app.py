"""The terminal app driven by key presses through Textual's Pilot, checked against the database."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Label, Select

from greencare import services
from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.reading_form import ReadingForm


@pytest.fixture
def tui_db():
    db = open_db(":memory:")
    f = services.add_facility(
        db,
        name="St Example",
        country="US",
        grid_region="CAMX",
        floor_area="350000 ft**2",
        staffed_beds=250,
    )
    services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    services.add_meter(db, facility=f.id, name="Water", commodity="water", unit="kgal")
    services.add_reading(db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=9000)
    services.add_reading(db, meter="Water", start="2025-01-01", end="2025-01-31", quantity=400)
    services.add_reading(db, meter="Water", start="2025-02-01", end="2025-02-28", quantity=380)
    return db


def _count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


async def _type(pilot, text: str) -> None:
    await pilot.press(*text)


async def test_browse_facility_meters_and_readings(tui_db) -> None:
    app = GreencareApp(db=tui_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#facilities", DataTable).row_count == 1
        meters = app.screen.query_one("#meters", DataTable)
        assert meters.row_count == 2
        readings = app.screen.query_one("#readings", DataTable)
        assert app.screen.meter is not None and app.screen.meter.name == "Gas"
        assert readings.row_count == 1
        meters.focus()
        await pilot.press("down")
        await pilot.pause()
        assert app.screen.meter.name == "Water"
        assert readings.row_count == 2
        first = readings.get_row_at(0)
        assert first[0] == "2025-02-01" and first[1] == "2025-02-28"
        assert first[2] == "380.00" and first[3] == "kgal"


async def test_add_reading_through_the_form_lands_in_the_database(tui_db) -> None:
    app = GreencareApp(db=tui_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReadingForm)
        await _type(pilot, "2025-02-01")
        await pilot.press("tab")
        await _type(pilot, "2025-02-28")
        await pilot.press("tab")
        await _type(pilot, "8,500")
        form.query_one("#cost").value = "7650.25"
        form.query_one("#estimated").value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm), "the form closes after a good save"
        rows = [
            dict(r)
            for r in tui_db.query(
                "SELECT * FROM readings_view WHERE meter = 'Gas' ORDER BY start_utc DESC"
            )
        ]
        assert len(rows) == 2
        new = rows[0]
        assert new["quantity"] == 8500 and new["unit"] == "therm"
        assert new["cost"] == pytest.approx(7650.25) and new["currency"] == "USD"
        assert new["estimated"] == 1
        assert new["start_utc"] == "2025-02-01 08:00:00Z"  # local midnight, Los Angeles
        assert new["end_utc"] == "2025-03-01 08:00:00Z"  # the inclusive last day ends at midnight
        assert new["quantity_canonical"] == pytest.approx(8500 * 29.307111, rel=1e-6)
        audit = list(tui_db.query("SELECT * FROM audit_log WHERE source = 'tui'"))
        assert len(audit) == 1 and audit[0]["table_name"] == "readings"
        table = app.screen.query_one("#readings", DataTable)
        assert table.row_count == 2
        assert table.get_row_at(0)[0] == "2025-02-01"


async def test_bad_values_show_errors_beside_fields_and_save_nothing(tui_db) -> None:
    before = _count(tui_db, "readings"), _count(tui_db, "audit_log")
    app = GreencareApp(db=tui_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        await _type(pilot, "2025-03-31")
        await pilot.press("tab")
        await _type(pilot, "2025-03-01")
        await pilot.press("tab")
        await _type(pilot, "-12")
        await pilot.pause()
        assert "before the first day" in str(form.query_one("#error-end", Label).content)
        assert "negative" in str(form.query_one("#error-quantity", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm), "an invalid form stays open"
        assert "after it starts" in str(form.query_one("#error-end", Label).content)
        assert (_count(tui_db, "readings"), _count(tui_db, "audit_log")) == before

        # Fix the period; the negative quantity is still refused, by the model this time.
        form.query_one("#end").value = "2025-04-30"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm)
        assert "negative" in str(form.query_one("#error-quantity", Label).content)
        assert (_count(tui_db, "readings"), _count(tui_db, "audit_log")) == before

        # An overlapping period is refused with the stored reading named.
        form.query_one("#start").value = "2025-01-15"
        form.query_one("#end").value = "2025-02-14"
        form.query_one("#quantity").value = "100"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "overlaps the reading of meter" in str(
            form.query_one("#error-record", Label).content
        )
        assert (_count(tui_db, "readings"), _count(tui_db, "audit_log")) == before

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm)
    assert (_count(tui_db, "readings"), _count(tui_db, "audit_log")) == before


async def test_unit_choices_fit_the_meter(tui_db) -> None:
    app = GreencareApp(db=tui_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one("#meters", DataTable).focus()
        await pilot.press("down")  # the water meter
        await pilot.press("a")
        await pilot.pause()
        select = app.screen.query_one("#unit", Select)
        options = [str(value) for _, value in select._options if value is not Select.BLANK]
        assert "kgal" in options and "m**3" in options
        assert "kWh" not in options and "therm" not in options
        assert select.value == "kgal"


async def test_empty_database_says_what_to_do() -> None:
    app = GreencareApp(db=open_db(":memory:"), mode="energy")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "No facilities yet" in str(app.screen.query_one("#status").content)
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm)


async def test_every_section_opens_with_its_key(tui_db) -> None:
    from greencare.tui.app import SECTIONS

    app = GreencareApp(db=tui_db)
    async with app.run_test(size=(80, 24)) as pilot:
        for mode, key, _ in SECTIONS:
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode, key
            assert type(app.screen).__name__ != "Screen"
            await pilot.press("escape")  # leaves a text field, if one has focus


async def test_ctrl_t_switches_light_and_dark_and_q_quits(tui_db) -> None:
    """The README's keys that work everywhere: Ctrl+T light/dark and back, q quits."""
    app = GreencareApp(db=tui_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not app.current_theme.dark
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.current_theme.dark
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_help_lists_sections_and_screen_keys(tui_db) -> None:
    from greencare.tui.screens.help import HelpScreen

    app = GreencareApp(db=tui_db, mode="waste")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help Static").content)
        for label in ("Facilities", "Import", "Factors", "History", "Month manifest"):
            assert label in text
        # Keys the footer hides are listed too.
        assert "ctrl+d: Editions" in text
        assert "ctrl+r   Refresh" in text
        await pilot.press("w")  # a section key does nothing while a dialog is open
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_palette_has_every_section_and_action(tui_db) -> None:
    app = GreencareApp(db=tui_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in (
            "Go to Waste",
            "Waste: Month manifest",
            "Facilities: Add meter",
            "History: Undo import",
            "Energy: Delete reading",
            "Reports: Build report",
        ):
            assert title in titles  # fmt: skip
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Waste: Add pickup"
        )
        await command.callback()
        await pilot.pause()
        assert app.current_mode == "waste"
        assert type(app.screen).__name__ == "WasteForm"


async def test_escape_on_a_form_with_typing_asks_before_discarding(tui_db) -> None:
    from greencare.tui.forms import ConfirmScreen

    app = GreencareApp(db=tui_db, mode="energy")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm)
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm | ConfirmScreen)

        await pilot.press("a")
        await pilot.pause()
        await _type(pilot, "2025-02-01")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen), "typing is not thrown away silently"
        await pilot.press("n")  # keep it
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReadingForm)
        assert form.query_one("#start").value == "2025-02-01"
        await pilot.press("escape", "y")  # discard
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm | ConfirmScreen)
    assert _count(tui_db, "readings") == 3
