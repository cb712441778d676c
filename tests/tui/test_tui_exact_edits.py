"""Editing never changes what it does not touch: forms open stored values with every digit,
and a save writes only the fields the user changed."""

from __future__ import annotations

from textual.widgets import DataTable

from greencare import services
from greencare.tui.app import GreencareApp
from greencare.tui.screens.facilities import FacilityForm
from greencare.tui.screens.reading_form import ReadingForm


def _stored(db, reading_id: int) -> dict:
    return dict(
        next(db.query("SELECT quantity, unit, cost, estimated FROM readings WHERE id = ?",
                      [reading_id]))
    )  # fmt: skip


async def _open_top_reading(app, pilot) -> int:
    readings = app.screen.query_one("#readings", DataTable)
    readings.focus()
    key = int(readings.coordinate_to_cell_key(readings.cursor_coordinate).row_key.value)
    return key


async def test_toggling_estimated_keeps_quantity_and_cost_exact(small_db) -> None:
    app = GreencareApp(db=small_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        key = await _open_top_reading(app, pilot)
        small_db.execute(
            "UPDATE readings SET quantity = 1234567.8, cost = 118233.4 WHERE id = ?", [key]
        )
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReadingForm)
        # Every digit, no exponent (it opened as 1.23457e+06 and 118233 before).
        assert form.query_one("#quantity").value == "1234567.8"
        assert form.query_one("#cost").value == "118233.4"
        form.query_one("#estimated").value = not form.query_one("#estimated").value
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm)
    row = _stored(small_db, key)
    assert row["quantity"] == 1234567.8
    assert row["cost"] == 118233.4


async def test_changing_the_quantity_leaves_the_cost_as_stored(small_db) -> None:
    app = GreencareApp(db=small_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        key = await _open_top_reading(app, pilot)
        small_db.execute("UPDATE readings SET cost = 118233.40 WHERE id = ?", [key])
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        form.query_one("#quantity").value = "12345"
        await pilot.press("ctrl+s")
        await pilot.pause()
    row = _stored(small_db, key)
    assert (row["quantity"], row["cost"]) == (12345, 118233.4)
    after = small_db.execute(
        "SELECT after FROM audit_log WHERE action = 'update' AND source = 'tui'"
    ).fetchone()[0]
    assert '"cost": 118233.4' in after


async def test_facility_form_shows_area_as_entered_and_keeps_it(small_db) -> None:
    small_db.execute("UPDATE facilities SET floor_area = 450000.0, floor_area_unit = 'ft**2'")
    app = GreencareApp(db=small_db, mode="facilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FacilityForm)
        assert form.query_one("#floor_area").value == "450000"  # not 450000.0
        form.query_one("#staffed_beds").value = "261"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FacilityForm)
    row = dict(
        next(small_db.query("SELECT floor_area, floor_area_unit, staffed_beds FROM facilities"))
    )
    assert row == {"floor_area": 450000.0, "floor_area_unit": "ft**2", "staffed_beds": 261}
    update = small_db.execute(
        "SELECT before, after FROM audit_log WHERE action = 'update' AND source = 'tui'"
    ).fetchone()
    assert '"staffed_beds": 261' in update[1]


def test_update_reading_changes_only_the_fields_given(small_db) -> None:
    key = small_db.execute("SELECT id FROM readings ORDER BY id LIMIT 1").fetchone()[0]
    small_db.execute(
        "UPDATE readings SET cost = 118233.4, quantity = 1234567.8 WHERE id = ?", [key]
    )
    before = services.get_reading(small_db, key)
    after = services.update_reading(small_db, key, estimated=True)
    assert after["estimated"] is True
    for field in ("start", "end", "quantity", "unit", "cost", "currency"):
        assert after[field] == before[field], field
    cleared = services.update_reading(small_db, key, cost=None)
    assert cleared["cost"] is None and cleared["quantity"] == 1234567.8


async def test_a_small_quantity_is_never_shown_as_zero(small_db) -> None:
    # 0.004 MWh read "0.00" in the readings table and "Reading N is now 0.00 MWh" after a save.
    app = GreencareApp(db=small_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        key = await _open_top_reading(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        form.query_one("#quantity").value = "0.004"
        await pilot.press("ctrl+s")
        await pilot.pause()
        readings = app.screen.query_one("#readings", DataTable)
        cells = [str(c) for c in readings.get_row(str(key))]
        assert "0.004" in cells, cells
    assert _stored(small_db, key)["quantity"] == 0.004


def test_number_formatting_keeps_small_values_readable() -> None:
    from greencare.tui.screens.base import num
    from greencare.tui.widgets import quantity

    assert num(1234567.891) == "1,234,567.89"
    assert num(0.004) == "0.004"
    assert num(0.0) == "0.00"
    assert num(-0.00012, 1) == "-0.00012"
    assert quantity(0.04, "kg", 1) == "0.04 kg"
    assert quantity(13100, "lb") == "13,100.00 lb"
