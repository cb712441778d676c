"""The weather view of the Facilities section (key t): degree days and their source."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static

from greencare import services
from greencare.services import weather
from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.weather import WeatherScreen

DATA = Path(__file__).resolve().parents[1] / "data" / "weather"


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


async def test_weather_view_shows_statewide_degree_days_and_their_source() -> None:
    db = open_db(":memory:")
    services.add_facility(db, name="Springfield", country="US", region="IL", grid_region="SRMW")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WeatherScreen)
        table = screen.query_one("#weather-table", DataTable)
        assert table.row_count == 36
        # The newest month shipped: NOAA climdiv line 0110252025 / 0110262025, August.
        assert table.get_row("2025-08") == ["2025-08", "12", "236", "°F·day"]
        assert table.get_row("2023-02")[1] == "900"
        assert "428 months, 1990-01 to 2025-08, base 65 °F" in _text(screen, "#weather-note")
        assert _text(screen, "#weather-source").startswith(
            "Source: NOAA NCEI nClimDiv v1.0.0-20250905 (noaa-nclimdiv/2025), state IL"
        )
        screen.query_one("#weather-base", Input).value = "18C"
        screen.query_one("#weather-base", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert table.row_count == 0
        assert "published at base 65 °F only" in _text(screen, "#weather-note")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WeatherScreen)


async def test_weather_view_uses_an_imported_station_at_any_base() -> None:
    db = open_db(":memory:")
    f = services.add_facility(db, name="Springfield", country="US", region="IL", grid_region="SRMW")
    weather.import_weather(db, DATA / "noaa-daily-summaries-2023-02.csv", facility=f.id, unit="F")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#weather-table", DataTable)
        assert [table.get_row_at(i) for i in range(table.row_count)] == [
            ["2023-02", "574", "0", "°F·day"]
        ]
        screen.query_one("#weather-base", Input).value = "40F"
        screen.query_one("#weather-base", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert table.get_row_at(0) == ["2023-02", "45", "171", "°F·day"]
        assert "station USW00094846: batch 1" in _text(screen, "#weather-source")


async def test_a_facility_without_a_state_is_told_how_to_fix_it() -> None:
    db = open_db(":memory:")
    services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert _text(app.screen, "#weather-note") == (
            "Not available: degree days not available for St Example: set the facility's "
            "state, e.g. region IL or Illinois"
        )


async def test_the_facility_form_sets_the_state_the_weather_view_needs() -> None:
    db = open_db(":memory:")
    services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        app.screen.query_one("#region", Input).value = "California"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert db.execute("SELECT region FROM facilities").fetchall() == [("California",)]
        await pilot.press("t")
        await pilot.pause()
        table = app.screen.query_one("#weather-table", DataTable)
        assert table.get_row("2025-08")[0] == "2025-08"
        assert "state CA" in _text(app.screen, "#weather-source")
