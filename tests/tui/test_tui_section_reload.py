"""Coming back to a section reloads its tables only when something was written meanwhile:
by this app (its own connection) or by another process (the CLI, another window)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from greencare import services
from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp

SECTIONS = [("waste", "w", "#waste-table"), ("purchases", "p", "#buy-table"),
            ("history", "h", "#hist-audit"), ("targets", "g", "#tgt-table")]  # fmt: skip


@pytest.mark.parametrize(("mode", "key", "table_id"), SECTIONS)
async def test_unchanged_data_is_not_reloaded(small_db_path, mode, key, table_id) -> None:
    app = GreencareApp(db_path=small_db_path, mode=mode)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen = app.screen
        loads: list[int] = []
        original = screen.load
        screen.load = lambda *a, **k: (loads.append(1), original(*a, **k))[1]  # type: ignore[method-assign]
        for _ in range(2):
            await pilot.press("f")  # away to Facilities and back
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
        assert app.screen is screen and loads == []
        rows = screen.query_one(table_id, DataTable).row_count
        assert rows > 0 or mode == "targets"  # the small database has no targets


async def test_a_write_elsewhere_shows_on_return(small_db_path) -> None:
    app = GreencareApp(db_path=small_db_path, mode="waste")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waste-table", DataTable)
        before = table.row_count
        await pilot.press("f")
        await pilot.pause()
        other = open_db(small_db_path)  # another process's connection, as the CLI would be
        services.add_waste(other, facility="St Example", stream="sharps", route="incineration",
                           start_date="2026-02-01", end_date="2026-02-28", quantity=75,
                           unit="lb", source="cli")  # fmt: skip
        other.conn.close()
        await pilot.press("w")
        await pilot.pause()
        assert table.row_count == before + 1
        assert str(table.get_row_at(0)[0]) == "2026-02-01"  # newest first


async def test_an_own_write_shows_on_return(small_db_path) -> None:
    app = GreencareApp(db_path=small_db_path, mode="purchases")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#buy-table", DataTable)
        before = table.row_count
        await pilot.press("f")
        await pilot.pause()
        services.add_purchase(app.db, facility="St Example", date="2026-02-03",  # type: ignore[attr-defined]
                              category="anesthetic_gas", item="desflurane", quantity=6,
                              unit="bottle", source="tui")  # fmt: skip
        await pilot.press("p")
        await pilot.pause()
        assert table.row_count == before + 1
