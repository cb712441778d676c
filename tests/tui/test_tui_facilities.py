"""Facilities and meters: add, edit, retire; meters; patient days, checked against the database."""

from __future__ import annotations

from textual.widgets import DataTable, Label, Select
from tui_helpers import count

from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.forms import ConfirmScreen
from greencare.tui.screens.facilities import FacilityForm, MeterForm, PatientDaysForm


async def test_add_a_facility_and_a_meter() -> None:
    db = open_db(":memory:")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "No facilities yet" in str(app.screen.query_one("#status").content)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FacilityForm)
        await pilot.press(*"St Test")
        form.query_one("#grid_region", Select).value = "RFCE"
        await pilot.pause()
        assert form.query_one("#timezone").value == "America/New_York", "suggested from region"
        form.query_one("#staffed_beds").value = "12.5"
        await pilot.pause()
        assert "whole number" in str(form.query_one("#error-staffed_beds", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FacilityForm) and count(db, "facilities") == 0
        form.query_one("#staffed_beds").value = "120"
        form.query_one("#floor_area").value = "200,000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FacilityForm)
        row = dict(next(db.query("SELECT * FROM facilities")))
        assert (row["name"], row["grid_region"], row["timezone"]) == (
            "St Test", "RFCE", "America/New_York",
        )  # fmt: skip
        assert row["staffed_beds"] == 120 and row["floor_area"] == 200_000
        assert row["floor_area_unit"] == "ft**2"
        assert app.screen.query_one("#fac-table", DataTable).row_count == 1

        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MeterForm)
        await pilot.press(*"Main gas")
        form.query_one("#commodity", Select).value = "natural_gas"
        await pilot.pause()
        unit = form.query_one("#unit", Select)
        assert unit.value == "therm"
        assert "ccf" in [v for _, v in unit._options] and "kgal" not in [
            v for _, v in unit._options
        ]
        await pilot.press("ctrl+s")
        await pilot.pause()
        meter = dict(next(db.query("SELECT * FROM meters")))
        assert (meter["name"], meter["commodity"], meter["unit"]) == (
            "Main gas", "natural_gas", "therm",
        )  # fmt: skip
        assert meter["delivery_class"] == "metered"
        assert app.screen.query_one("#fac-meters", DataTable).row_count == 1
    sources = {r[0] for r in db.execute("SELECT source FROM audit_log")}
    assert sources == {"tui"}


async def test_a_non_us_facility_gets_its_national_grid(small_db) -> None:
    app = GreencareApp(db=small_db, mode="facilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        form.query_one("#name").value = "Royal Example"
        form.query_one("#country").value = "uk"
        await pilot.pause()
        assert form.query_one("#grid_region", Select).value == "GB"
        assert form.query_one("#timezone").value == "Europe/London"
        form.query_one("#timezone").value = "Mars/Olympus"
        await pilot.pause()
        assert "unknown time zone" in str(form.query_one("#error-timezone", Label).content)
        form.query_one("#timezone").value = "Europe/London"
        await pilot.press("ctrl+s")
        await pilot.pause()
    row = dict(next(small_db.query("SELECT * FROM facilities WHERE name = 'Royal Example'")))
    assert (row["country"], row["grid_region"]) == ("GB", "GB")


async def test_edit_retire_and_patient_days(small_db) -> None:
    app = GreencareApp(db=small_db, mode="facilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FacilityForm)
        assert form.query_one("#name").value == "St Example"
        form.query_one("#staffed_beds").value = "260"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert small_db.execute("SELECT staffed_beds FROM facilities").fetchone()[0] == 260
        update = small_db.execute(
            "SELECT before, after FROM audit_log WHERE action = 'update' AND source = 'tui'"
        ).fetchone()
        assert '"staffed_beds": 250' in update[0] and '"staffed_beds": 260' in update[1]

        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PatientDaysForm)
        assert form.query_one("#month").value == "2026-01", "the month after the latest"
        form.query_one("#patient_days").value = "7000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (
            small_db.execute(
                "SELECT patient_days FROM normalizers WHERE month = '2026-01'"
            ).fetchone()[0]
            == 7000
        )

        meters = app.screen.query_one("#fac-meters", DataTable)
        meters.focus()
        await pilot.press("down")  # Gas
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # changed my mind
        await pilot.pause()
        assert count(small_db, "meters", "WHERE retired = 1") == 0
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [r[0] for r in small_db.execute("SELECT name FROM meters WHERE retired = 1")] == [
            "Gas"
        ]
        assert meters.row_count == 2
        audit = small_db.execute(
            "SELECT before, after FROM audit_log WHERE table_name = 'meters' AND action = 'update'"
        ).fetchone()
        assert '"retired": 0' in audit[0] and '"retired": 1' in audit[1]

        app.screen.query_one("#fac-table", DataTable).focus()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert count(small_db, "facilities", "WHERE retired = 1") == 1
        assert app.screen.query_one("#fac-table", DataTable).row_count == 0
