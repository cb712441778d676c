"""Portfolio Manager workbooks from the import screen (issue 12): the Properties choice, Country
and Zone for new facilities, Create meters, the facilities created, and the refusal worded with
the screen's fields."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Checkbox, Input, Select, Static
from tui_helpers import count, wait_until

from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.importer import ImportScreen

DATA = Path(__file__).resolve().parents[1] / "data"
BPS = DATA / "ESPM_BPS_Sample_Meter_Readings.xlsx"  # 9 properties, 17 meters (SOURCES.md)


def _app(db, tmp_path: Path) -> GreencareApp:
    app = GreencareApp(db=db, mode="import")
    app.import_root = tmp_path
    return app


async def _open(pilot, screen: ImportScreen, path: Path) -> None:
    screen.query_one("#imp-path", Input).value = str(path)
    await wait_until(pilot, lambda: screen.path == path)


async def _import(pilot, screen: ImportScreen) -> str:
    await pilot.press("ctrl+s")
    await pilot.pause()
    await wait_until(pilot, lambda: not screen.running)
    return str(screen.query_one("#imp-result", Static).content)


async def test_properties_choice_is_shown_for_portfolio_manager_workbooks_only(
    small_db, tmp_path: Path
) -> None:
    csv = tmp_path / "bills.csv"
    csv.write_text("Meter,Start,End,kWh\nElectric,2026-01-01,2026-01-31,5\n")
    async with _app(small_db, tmp_path).run_test(size=(100, 40)) as pilot:
        screen = pilot.app.screen
        row = screen.query_one("#imp-pm-row")
        assert not row.display
        await _open(pilot, screen, csv)
        assert not row.display and not screen.query_one("#imp-country-row").display
        await _open(pilot, screen, BPS)
        assert row.display
        assert not screen.query_one("#imp-country-row").display  # only for "create"
        screen.query_one("#imp-properties", Select).value = "create"
        await pilot.pause()
        assert screen.query_one("#imp-country-row").display
        assert screen.query_one("#imp-pmzone-row").display
        assert screen.query_one("#imp-create", Checkbox).value  # new facilities need meters


async def test_create_adds_a_facility_per_property_with_the_meter_types(tmp_path: Path) -> None:
    db = open_db(":memory:")
    async with _app(db, tmp_path).run_test(size=(100, 40)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, BPS)

        # stop (the default) refuses before anything is written, in the screen's words
        screen.query_one("#imp-create", Checkbox).value = True
        refused = await _import(pilot, screen)
        assert "9 Portfolio Manager properties are not linked to a facility" in refused
        assert 'Choose Properties "create"' in refused and 'Properties "map"' in refused
        assert "--" not in refused, refused
        assert count(db, "facilities") == count(db, "meters") == count(db, "readings") == 0

        # create without a country: refused, naming the field
        screen.query_one("#imp-properties", Select).value = "create"
        await pilot.pause()
        refused = await _import(pilot, screen)
        assert 'needs a "Country"' in refused and "--country" not in refused, refused
        assert count(db, "facilities") == 0

        screen.query_one("#imp-country", Input).value = "US"
        screen.query_one("#imp-pmzone", Input).value = "America/New_York"
        done = await _import(pilot, screen)
        assert "imported" in done and "9 facilities created" in done, done
        assert "Hampton House" in done

    assert count(db, "facilities") == 9 and count(db, "meters") == 17
    assert count(db, "readings") == 579
    assert db.execute(
        "SELECT commodity, count(*) FROM meters GROUP BY commodity ORDER BY commodity"
    ).fetchall() == [("district_steam", 1), ("electricity", 9), ("natural_gas", 7)]
    assert db.execute("SELECT DISTINCT country, timezone FROM facilities").fetchall() == [
        ("US", "America/New_York")
    ]
    # each facility carries its PM property id, each meter its PM meter id
    assert count(db, "facilities", "WHERE pm_property_id IS NULL") == 0
    assert count(db, "meters", "WHERE pm_meter_id IS NULL") == 0
    assert db.execute(
        "SELECT m.name, m.commodity FROM meters m JOIN facilities f ON f.id = m.facility_id "
        "WHERE f.name = 'Hampton House' ORDER BY m.name"
    ).fetchall() == [
        ("Master Meter [139774697]", "electricity"),
        ("Master Meter [139774698]", "natural_gas"),  # Meter Type "Natural Gas"
    ]
