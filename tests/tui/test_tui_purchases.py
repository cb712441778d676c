"""Purchases: by spend under a NAICS code, and a healthcare item by quantity."""

from __future__ import annotations

from textual.widgets import DataTable, Label, Select
from tui_helpers import count

from greencare.tui.app import GreencareApp
from greencare.tui.screens.purchases import PurchaseForm


async def test_add_a_spend_and_a_healthcare_item(small_db) -> None:
    before = count(small_db, "purchases")
    app = GreencareApp(db=small_db, mode="purchases")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#buy-table", DataTable).row_count == before
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PurchaseForm)
        form.query_one("#date").value = "2026-01-15"
        form.query_one("#naics").value = "33911"
        form.query_one("#spend").value = "8,000"
        await pilot.pause()
        assert "six digits" in str(form.query_one("#error-naics", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PurchaseForm) and count(small_db, "purchases") == before
        form.query_one("#naics").value = "339113"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, PurchaseForm)

        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        form.query_one("#date").value = "2026-01-20"
        form.query_one("#category", Select).value = "inhaler"
        await pilot.pause()
        item, unit = form.query_one("#item", Select), form.query_one("#unit", Select)
        assert "pmdi_hfa134a_small" in [v for _, v in item._options]
        assert unit.value == "inhaler"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "choose the item" in str(form.query_one("#error-item", Label).content)
        item.value = "pmdi_hfa134a_small"
        form.query_one("#quantity").value = "400"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, PurchaseForm)
        categories = app.screen.query_one("#buy-categories", DataTable)
        assert categories.row_count == 4
        # A spend shows its NAICS sector (from the USEEIO table) where an item shows its name.
        shown = {tuple(categories.get_row_at(i)[:2]) for i in range(categories.row_count)}
        assert ("339113", "Surgical Appliance and Suppli…") in shown
        assert ("inhaler", "pmdi hfa134a small") in shown
    rows = [dict(r) for r in small_db.query("SELECT * FROM purchases WHERE date >= '2026'")]
    assert [(r["category"], r["item"], r["spend"], r["currency"], r["quantity"], r["unit"])
            for r in rows] == [
        ("339113", None, 8000, "USD", None, None),
        ("inhaler", "pmdi_hfa134a_small", None, None, 400, "inhaler"),
    ]  # fmt: skip
