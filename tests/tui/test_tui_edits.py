"""Editing and deleting in the terminal app: waste records, purchases and market-based
instruments (select a row, press a key, the form opens on the stored values, saving goes through
the services and writes only what changed), patient days for a range of months in one form,
undoing one change from History, and names with markup shown as written."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Footer, Label, Select, Static
from tui_helpers import count

from greencare import services
from greencare.tui.app import GreencareApp
from greencare.tui.forms import ConfirmScreen
from greencare.tui.screens.facilities import MeterForm, PatientDaysForm
from greencare.tui.screens.help import HelpScreen
from greencare.tui.screens.instruments import InstrumentForm
from greencare.tui.screens.purchases import PurchaseForm
from greencare.tui.screens.waste import WasteForm


def _row(db, table: str, row_id: int) -> dict:
    return dict(next(db.query(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])))


def _key(table: DataTable) -> int:
    return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


def _text(app) -> str:
    """Everything the screen (and a dialog over it) shows, as plain text."""
    return "\n".join(str(w.render()) for w in app.screen.query("Static, Label"))


async def test_edit_a_waste_record_changes_only_what_was_typed(small_db) -> None:
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waste-table", DataTable)
        table.move_cursor(row=1)
        key = _key(table)
        stored = _row(small_db, "waste_records", key)
        small_db.execute("UPDATE waste_records SET cost = 1830.55, currency = 'USD' WHERE id = ?",
                         [key])  # fmt: skip
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, WasteForm)
        assert form.query_one("#quantity").value == f"{stored['quantity']:g}"
        assert form.query_one("#cost").value == "1830.55"
        assert form.query_one("#stream", Select).value == stored["stream"]
        assert form.query_one("#facility", Select).disabled
        form.query_one("#quantity").value = "-4"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, WasteForm), "a negative quantity is refused"
        assert _row(small_db, "waste_records", key)["quantity"] == stored["quantity"]
        form.query_one("#quantity").value = "4,321"
        form.query_one("#hauler").value = "Stericycle"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, WasteForm)
        assert table.get_row_at(table.cursor_row)[4] == "4,321.0 lb"
    after = _row(small_db, "waste_records", key)
    assert (after["quantity"], after["hauler"], after["cost"], after["start_date"]) == (
        4321.0, "Stericycle", 1830.55, stored["start_date"],
    )  # fmt: skip
    entry = small_db.execute(
        "SELECT before, after, source FROM audit_log WHERE table_name = 'waste_records' "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    before, logged = json.loads(entry[0]), json.loads(entry[1])
    assert {k for k in logged if logged[k] != before[k]} == {"quantity", "quantity_kg", "hauler"}
    assert entry[2] == "tui"


async def test_delete_a_waste_record_asks_first_and_history_puts_it_back(small_db) -> None:
    before = count(small_db, "waste_records")
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waste-table", DataTable)
        key = _key(table)
        stored = _row(small_db, "waste_records", key)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Delete waste record {key}" in _text(app)
        await pilot.press("n")
        await pilot.pause()
        assert count(small_db, "waste_records") == before
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert count(small_db, "waste_records") == before - 1
        assert table.row_count == before - 1

        await pilot.press("h")  # History: the deletion is the newest entry; z undoes it
        await pilot.pause()
        audit = app.screen.query_one("#hist-audit", DataTable)
        assert audit.get_row_at(0)[1:4] == ["waste_records", str(key), "delete"]
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert "restored" in str(app.screen.query_one("#status", Static).render())
    assert _row(small_db, "waste_records", key) == stored


async def test_edit_and_delete_a_purchase(small_db) -> None:
    app = GreencareApp(db=small_db, mode="purchases")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#buy-table", DataTable)
        table.focus()
        desflurane = _key(table)  # newest first: the anaesthetic gas of 2025-04-01
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PurchaseForm)
        assert form.query_one("#category", Select).value == "anesthetic_gas"
        assert form.query_one("#item", Select).value == "desflurane"
        assert form.query_one("#unit", Select).value == "bottle"
        assert form.query_one("#quantity").value == "12"
        form.query_one("#quantity").value = "14"
        form.query_one("#supplier").value = "GasCo"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, PurchaseForm)
        table.move_cursor(row=1)
        spend = _key(table)
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PurchaseForm)
        assert form.query_one("#naics").value == "339112"
        assert form.query_one("#spend").value == "12500"
        form.query_one("#naics").value = "33911"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "six digits" in str(form.query_one("#error-naics", Label).render())
        await pilot.press("escape")  # typed something: asks before throwing it away
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, PurchaseForm)
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    gas = _row(small_db, "purchases", desflurane)
    assert (gas["quantity"], gas["supplier"], gas["item"], gas["unit"]) == (
        14.0, "GasCo", "desflurane", "bottle",
    )  # fmt: skip
    assert count(small_db, "purchases", f"WHERE id = {spend}") == 0
    assert count(small_db, "purchases") == 1


async def test_the_instruments_screen_adds_edits_and_deletes(small_db) -> None:
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert app.current_mode == "instruments"
        table = app.screen.query_one("#inst-table", DataTable)
        assert table.row_count == 0
        footer_keys = {
            b.binding.description for b in app.screen.active_bindings.values() if b.binding.show
        }
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, InstrumentForm)
        meters = [v for _, v in form.query_one("#meter", Select)._options]
        assert len(meters) == 2, "all the electricity, or the one electricity meter"
        form.query_one("#start").value = "2025-01"
        form.query_one("#end").value = "2025-12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, InstrumentForm), "a REC needs its MWh"
        assert "MWh" in str(form.query_one("#error-mwh", Label).render())
        form.query_one("#mwh").value = "2,500"
        form.query_one("#certificate").value = "[b]GC-2025[/b]"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, InstrumentForm)
        assert table.row_count == 1
        assert table.get_row_at(0)[6] == "[b]GC-2025[/b]"  # shown, never applied
        key = _key(table)
        await pilot.press("ctrl+e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, InstrumentForm)
        assert form.query_one("#mwh").value == "2500"
        assert form.query_one("#certificate").value == "[b]GC-2025[/b]"
        electric = services.get_meter(small_db, "Electric").id
        form.query_one("#meter", Select).value = electric
        form.query_one("#end").value = "2025-06"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, InstrumentForm)
        stored = _row(small_db, "instruments", key)
        assert (stored["mwh"], stored["meter_id"], stored["end_month"], stored["kind"]) == (
            2500.0, electric, "2025-06", "rec",
        )  # fmt: skip
        assert stored["certificate"] == "[b]GC-2025[/b]"
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert table.row_count == 0
    assert count(small_db, "instruments") == 0
    assert {"Add instrument", "Edit", "Delete"} <= footer_keys


async def test_patient_days_for_a_range_of_months(small_db) -> None:
    app = GreencareApp(db=small_db, mode="facilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PatientDaysForm)
        assert form.query_one("#month").value == "2026-01"
        form.query_one("#to_month").value = "2025-12"
        await pilot.pause()
        assert "before the first" in str(form.query_one("#error-to_month", Label).render())
        form.query_one("#to_month").value = "2026-03"
        form.query_one("#patient_days").value = "7,100"
        form.query_one("#ftes").value = "1450"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, PatientDaysForm)
        norms = app.screen.query_one("#fac-norms", DataTable)
        assert norms.get_row_at(0)[:2] == ["2026-03", "7,100"]
    rows = small_db.execute(
        "SELECT month, patient_days, ftes FROM normalizers WHERE month >= '2026' ORDER BY month"
    ).fetchall()
    assert rows == [("2026-01", 7100.0, 1450.0), ("2026-02", 7100.0, 1450.0),
                    ("2026-03", 7100.0, 1450.0)]  # fmt: skip


async def test_markup_in_names_shows_as_written_in_tables_forms_and_dialogs(small_db) -> None:
    services.update_facility(small_db, 1, name="[b]Evil[/b] Clinic")
    waste = services.add_waste(
        small_db, facility=1, stream="sharps", route="incineration", start_date="2026-02-01",
        end_date="2026-02-28", quantity=80, unit="lb", hauler="[red]Haul[/red]",
    )  # fmt: skip
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waste-table", DataTable)
        assert _key(table) == waste
        assert table.get_row_at(0)[7] == "[red]Haul[/red]"
        assert table.get_row_at(0)[8] == "[b]Evil[/b] Clinic"
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, WasteForm)
        assert "[b]Evil[/b] Clinic" in _text(app)
        assert app.screen.query_one("#hauler").value == "[red]Haul[/red]"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "at [b]Evil[/b] Clinic?" in _text(app)
        await pilot.press("n")
        await pilot.pause()
    assert count(small_db, "waste_records", f"WHERE id = {waste}") == 1


async def test_help_and_footer_list_the_edit_keys(small_db) -> None:
    app = GreencareApp(db=small_db, mode="purchases")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        assert footer is not None
        shown = {
            b.binding.description for b in app.screen.active_bindings.values() if b.binding.show
        }
        assert {"Edit", "Delete"} <= shown
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help Static").render())
        assert "Instruments (s): a: Add instrument · ctrl+e: Edit · delete: Delete" in text
        assert (
            "Waste (w): a: Add pickup · m: Month manifest · ctrl+e: Edit · delete: Delete" in text
        )
        assert "History (h): z: Undo change" in text


async def test_change_a_meter_from_the_facilities_screen(small_db) -> None:
    app = GreencareApp(db=small_db, mode="facilities")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        meters = app.screen.query_one("#fac-meters", DataTable)
        meters.focus()
        await pilot.press("down")  # Gas
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MeterForm)
        assert form.query_one("#name").value == "Gas"
        assert form.query_one("#unit", Select).value == "therm"
        form.query_one("#commodity", Select).value = "district_steam"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, MeterForm), "a meter with readings keeps its commodity"
        assert "commodity cannot change" in str(form.query_one("#error-record", Label).render())
        form.query_one("#commodity", Select).value = "natural_gas"
        await pilot.pause()
        form.query_one("#unit", Select).value = "ccf"
        form.query_one("#name").value = "Boiler gas"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, MeterForm)
        shown = [meters.get_row_at(i)[:3] for i in range(meters.row_count)]
        assert ["Boiler gas", "natural gas", "ccf"] in shown
    gas = dict(next(small_db.query("SELECT * FROM meters WHERE name = 'Boiler gas'")))
    assert (gas["commodity"], gas["unit"]) == ("natural_gas", "ccf")


async def test_a_decimal_comma_in_a_form_is_refused_beside_its_field(small_db) -> None:
    # "45,5" was saved as 455 (the comma dropped as a thousands separator).
    from greencare.tui.screens.reading_form import ReadingForm

    for mode, form_type, field in (("waste", WasteForm, "#quantity"),
                                   ("energy", ReadingForm, "#quantity")):  # fmt: skip
        app = GreencareApp(db=small_db, mode=mode)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            if mode == "energy":
                app.screen.query_one("#readings", DataTable).focus()
            await pilot.press("ctrl+e")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, form_type)
            before = form.query_one(field).value
            form.query_one(field).value = "45,5"
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, form_type), f"{mode}: 45,5 was saved"
            shown = " ".join(str(w.render()) for w in form.query(".field-error"))
            assert "for 45.5 write a decimal point" in shown, shown
            assert form.query_one(field).value == "45,5"  # what was typed is kept
            assert before != "45,5"
