"""History: the audit log with before/after, filters, and undoing an import batch."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Select, Static
from tui_helpers import count, wait_until

from greencare.services import imports
from greencare.tui.app import GreencareApp
from greencare.tui.forms import ConfirmScreen


async def test_undo_an_import_from_history(small_db, tmp_path: Path) -> None:
    source = tmp_path / "gas.csv"
    source.write_text(
        "meter,start,end,quantity,unit\n"
        + "".join(f"Gas,2026-{m:02d}-01,2026-{m:02d}-28,{900 + m},therm\n" for m in range(1, 7))
    )
    result = imports.import_readings(small_db, source, source="cli")
    assert result.status == "imported"
    before = count(small_db, "readings")
    app = GreencareApp(db=small_db, mode="history")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        batches = app.screen.query_one("#hist-batches", DataTable)
        assert batches.row_count == 1 and batches.get_row_at(0)[3] == "active"
        batches.focus()
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: "undone" in str(app.screen.query_one("#status").content))
        assert "removed 6 rows" in str(app.screen.query_one("#status").content)
        assert batches.get_row_at(0)[3] == "undone"
        audit = app.screen.query_one("#hist-audit", DataTable)
        assert audit.get_row_at(0)[1:5] == ["import_batches", str(result.batch_id), "undo", "tui"]
        detail = str(app.screen.query_one("#hist-detail", Static).content)
        assert "removed: 6" in detail
        await pilot.press("u")  # already undone: refused with a message, nothing asked
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
    assert count(small_db, "readings") == before - 6
    assert count(small_db, "audit_log", "WHERE action = 'undo' AND source = 'tui'") == 1


async def test_filter_the_log_and_see_before_and_after(small_db) -> None:
    small_db.execute(
        "UPDATE facilities SET staffed_beds = 1 WHERE id = 1"
    )  # not audited: only to prove the detail shows the logged values
    from greencare import services as queries

    queries.retire_meter(small_db, 2, source="tui")
    app = GreencareApp(db=small_db, mode="history")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        audit = app.screen.query_one("#hist-audit", DataTable)
        total = audit.row_count
        app.screen.query_one("#hist-table-filter", Select).value = "meters"
        await pilot.pause()
        assert audit.row_count == 4 and {audit.get_row_at(i)[1] for i in range(4)} == {"meters"}
        detail = str(app.screen.query_one("#hist-detail", Static).content)
        assert "retired: 0 -> 1" in detail
        app.screen.query_one("#hist-source", Input).value = "tui"
        await pilot.pause()
        assert audit.row_count == 1
        app.screen.query_one("#hist-table-filter", Select).clear()
        app.screen.query_one("#hist-source", Input).value = ""
        await pilot.pause()
        assert audit.row_count == total
