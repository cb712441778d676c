"""Waste: one pickup, a month's manifest in one transaction, and bad values that save nothing."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Label, Select
from tui_helpers import count

from greencare.tui.app import GreencareApp
from greencare.tui.screens.waste import ManifestForm, WasteForm


async def test_add_a_pickup(small_db) -> None:
    before = count(small_db, "waste_records")
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waste-table", DataTable)
        assert table.row_count == before
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, WasteForm)
        form.query_one("#stream", Select).value = "sharps"
        form.query_one("#route", Select).value = "incineration"
        form.query_one("#start").value = "2026-01-31"
        form.query_one("#end").value = "2026-01-01"
        form.query_one("#quantity").value = "120"
        await pilot.pause()
        assert "before the first day" in str(form.query_one("#error-end", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, WasteForm) and count(small_db, "waste_records") == before
        form.query_one("#start").value = "2026-01-01"
        form.query_one("#end").value = "2026-01-31"
        form.query_one("#hauler").value = "Stericycle"
        form.query_one("#cost").value = "310.50"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, WasteForm)
        assert table.row_count == before + 1
        assert table.get_row_at(0)[2] == "sharps"
    row = dict(next(small_db.query("SELECT * FROM waste_records ORDER BY id DESC LIMIT 1")))
    assert (row["stream"], row["route"], row["unit"], row["hauler"]) == (
        "sharps", "incineration", "lb", "Stericycle",
    )  # fmt: skip
    assert row["quantity_kg"] == pytest.approx(120 * 0.45359237)
    assert (row["cost"], row["currency"]) == (310.5, "USD")


async def test_a_months_manifest_saves_every_stream_together(small_db) -> None:
    before = count(small_db, "waste_records"), count(small_db, "audit_log")
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ManifestForm)
        await pilot.press(*"2026-01")
        form.query_one("#q_regulated_medical_waste").value = "4,100"
        form.query_one("#q_sharps").value = "-3"
        form.query_one("#q_food_waste").value = "900"
        await pilot.pause()
        assert "negative" in str(form.query_one("#error-sharps", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ManifestForm)
        assert (count(small_db, "waste_records"), count(small_db, "audit_log")) == before

        # A problem only the model sees (a cost without a currency) on the second row: the first
        # row was written inside the transaction, and is rolled back with it.
        form.query_one("#q_sharps").value = "150"
        form.query_one("#cost_sharps").value = "99"
        form.query_one("#currency").value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ManifestForm)
        assert "currency" in str(form.query_one("#error-sharps", Label).content)
        assert "Nothing saved" in str(form.query_one("#error-record", Label).content)
        assert (count(small_db, "waste_records"), count(small_db, "audit_log")) == before

        form.query_one("#currency").value = "USD"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ManifestForm)
    rows = [
        dict(r)
        for r in small_db.query(
            "SELECT * FROM waste_records WHERE start_date = '2026-01-01' ORDER BY id"
        )
    ]
    assert [(r["stream"], r["route"], r["quantity"]) for r in rows] == [
        ("regulated_medical_waste", "autoclave_landfill", 4100),
        ("sharps", "incineration", 150),
        ("food_waste", "composting", 900),
    ]
    assert {r["end_date"] for r in rows} == {"2026-01-31"}
    assert rows[1]["cost"] == 99 and rows[1]["currency"] == "USD"
    assert count(small_db, "audit_log") == before[1] + 3


async def test_the_facility_filter(small_db) -> None:
    from greencare import services

    other = services.add_facility(small_db, name="Clinic B", country="US", grid_region="RFCE")
    services.add_waste(small_db, facility=other.id, stream="sharps", route="incineration",
                       start_date="2025-01-01", end_date="2025-01-31", quantity=5, unit="kg")  # fmt: skip
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waste-table", DataTable)
        assert table.row_count == 49
        app.screen.query_one("#waste-facility", Select).value = other.id
        await pilot.pause()
        assert table.row_count == 1
