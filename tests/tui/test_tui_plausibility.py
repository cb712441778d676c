"""Plausibility in the app: a refused value asks "Record anyway?"; No keeps the form and
writes nothing, Record anyway saves it and lists it as an accepted outlier."""

from __future__ import annotations

import hashlib

from textual.widgets import DataTable, Select, Static
from tui_helpers import count

from greencare.tui.app import GreencareApp
from greencare.tui.forms import ConfirmScreen
from greencare.tui.screens.purchases import PurchaseForm
from greencare.tui.screens.reading_form import ReadingForm
from greencare.tui.screens.waste import WasteForm


def _digest(db) -> str:
    rows = [
        db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
        for t in ("readings", "waste_records", "purchases", "audit_log", "accepted_outliers")
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _question(app) -> str:
    return str(app.screen.query_one("#confirm-question", Static).content)


def _flags(db) -> list[tuple]:
    return db.execute(
        "SELECT table_name, month, rule, level, source FROM accepted_outliers ORDER BY id"
    ).fetchall()


async def test_reading_form_asks_then_no_keeps_the_form_and_yes_saves(small_db) -> None:
    before = _digest(small_db)
    app = GreencareApp(db=small_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#meters", DataTable).focus()
        await pilot.press("down")  # Gas: about 30,000 therm a month for two years
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm)
        await pilot.press(*"2026-01-01", "tab", *"2026-01-31", "tab", *"30000000")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert _question(app).startswith("This value looks implausible:\n\n30,000,000 therm is ")
        assert "x this meter's usual daily use (refused at 500 x)" in _question(app)
        assert _question(app).endswith("Record it anyway?")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm)
        assert app.screen.query_one("#quantity").value == "30000000"
        assert _digest(small_db) == before
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, (ReadingForm, ConfirmScreen))
    stored = small_db.execute("SELECT quantity FROM readings ORDER BY id DESC LIMIT 1").fetchone()
    assert stored == (30_000_000,)
    assert _flags(small_db) == [("readings", "2026-01", "history", "refusal", "tui")]


async def test_waste_form_record_anyway(small_db) -> None:
    before = count(small_db, "waste_records")
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, WasteForm)
        form.query_one("#stream", Select).value = "solid_waste"
        form.query_one("#route", Select).value = "landfill"
        form.query_one("#start").value = "2026-01-01"
        form.query_one("#end").value = "2026-01-31"
        form.query_one("#quantity").value = "30000000"  # lb: 1,000 x the usual 30,000
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "1,000.0 x the usual kg per day for solid_waste here" in _question(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and count(small_db, "waste_records") == before
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#yes")
        await pilot.pause()
        assert not isinstance(app.screen, (WasteForm, ConfirmScreen))
    assert count(small_db, "waste_records") == before + 1
    assert _flags(small_db) == [("waste_records", "2026-01", "history", "refusal", "tui")]


async def test_purchase_form_4000_desflurane_bottles(small_db) -> None:
    before = _digest(small_db)
    app = GreencareApp(db=small_db, mode="purchases")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PurchaseForm)
        form.query_one("#date").value = "2026-01-31"
        form.query_one("#category", Select).value = "anesthetic_gas"
        await pilot.pause()
        form.query_one("#item", Select).value = "desflurane"
        form.query_one("#unit", Select).value = "bottle"
        form.query_one("#quantity").value = "4000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert _question(app) == (
            "This value looks implausible:\n\n4,000 bottle of desflurane is 5.63 kg of agent per "
            "staffed bed in a month at St Example (250 staffed beds); refused above 2.5\n\n"
            "Record it anyway?"
        )
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form and _digest(small_db) == before
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, (PurchaseForm, ConfirmScreen))
    assert _flags(small_db) == [("purchases", "2026-01", "item_per_bed", "refusal", "tui")]


async def test_import_refused_only_for_outliers_offers_to_import_anyway(small_db, tmp_path) -> None:
    from tui_helpers import wait_until

    from greencare.tui.screens.importer import ImportScreen

    source = tmp_path / "slip.csv"
    source.write_text("meter,start,end,quantity,unit\nGas,2026-01-01,2026-01-31,30000000,therm\n")
    before = _digest(small_db)
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#imp-path").value = str(source)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert _question(app) == (
            "slip.csv: 1 value(s) look implausible (listed under Problems). Import the file "
            "anyway, recording them as accepted outliers?"
        )
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and _digest(small_db) == before
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is screen and not screen.running)
        assert "imported" in str(screen.query_one("#imp-result").content)
    assert _flags(small_db) == [("readings", "2026-01", "history", "refusal", "import:1")]


async def test_manifest_with_one_implausible_stream_saves_all_or_nothing(small_db) -> None:
    from greencare.tui.screens.waste import ManifestForm

    before = _digest(small_db)
    app = GreencareApp(db=small_db, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ManifestForm)
        await pilot.press(*"2026-01")
        form.query_one("#q_regulated_medical_waste").value = "4100"
        form.query_one("#q_solid_waste").value = "30000000"  # lb: 1,000 x the usual month
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form and _digest(small_db) == before  # the first stream too
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, (ManifestForm, ConfirmScreen))
    saved = small_db.execute(
        "SELECT stream, quantity FROM waste_records WHERE start_date = '2026-01-01' ORDER BY id"
    ).fetchall()
    assert saved == [("regulated_medical_waste", 4100), ("solid_waste", 30_000_000)]
    assert _flags(small_db) == [("waste_records", "2026-01", "history", "refusal", "tui")]


async def test_dashboard_lists_the_accepted_value(small_db) -> None:
    from greencare import services

    december = small_db.execute(
        "SELECT r.id FROM readings r JOIN meters m ON m.id = r.meter_id "
        "WHERE m.name = 'Gas' ORDER BY r.start_utc DESC LIMIT 1"
    ).fetchone()[0]
    services.update_reading(small_db, december, start="2025-12-01", end="2025-12-31",
                            quantity=29_000_000, accept_outlier=True)  # fmt: skip
    app = GreencareApp(db=small_db)
    async with app.run_test(size=(100, 30)) as pilot:
        from tui_helpers import wait_until

        await wait_until(pilot, lambda: "accepted over" in str(
            app.screen.query_one("#dash-warnings", Static).content))  # fmt: skip
        shown = str(app.screen.query_one("#dash-warnings", Static).content)
    assert "accepted over a plausibility refusal: 29,000,000 therm is" in shown
