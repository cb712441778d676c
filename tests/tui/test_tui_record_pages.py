"""Waste, purchases and History hold their newest records first (a few screens' worth) and
bring more as the cursor reaches the last row shown: a first visit builds no rows nobody has
scrolled to."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_helpers import copy_demo
from textual.widgets import DataTable, Static
from tui_helpers import wait_until

from greencare import services
from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.base import FIRST_ROWS, MORE_ROWS

CASES = [("waste", "#waste-table", "#waste-summary", "waste_records", "pickups"),
         ("purchases", "#buy-table", "#buy-summary", "purchases", "purchases")]  # fmt: skip


def _stored_ids(path: Path, table: str) -> list[str]:
    order = "start_date DESC, id DESC" if table == "waste_records" else "date DESC, id DESC"
    db = open_db(path)
    try:
        return [str(r[0]) for r in db.execute(f"SELECT id FROM {table} ORDER BY {order}")]
    finally:
        db.conn.close()


def _pickup_elsewhere(path: Path) -> None:
    """Another program (the CLI) adds the newest pickup."""
    other = open_db(path)
    facility = services.list_facilities(other)[0].name
    services.add_waste(other, facility=facility, stream="sharps", route="incineration",
                       start_date="2026-06-01", end_date="2026-06-30", quantity=75,
                       unit="lb", source="cli")  # fmt: skip
    other.conn.close()


@pytest.mark.parametrize(("mode", "table_id", "summary_id", "stored", "plural"), CASES)
async def test_more_rows_come_at_the_last_one(
    demo_template, tmp_path: Path, mode, table_id, summary_id, stored, plural
) -> None:
    path = copy_demo(demo_template, tmp_path / "demo.db")
    ids = _stored_ids(path, stored)
    assert len(ids) > FIRST_ROWS + MORE_ROWS  # the demo has enough for two more pages
    app = GreencareApp(db_path=path, mode=mode)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(table_id, DataTable)
        shown = lambda: [k.value for k in table.rows]  # noqa: E731
        assert shown() == ids[:FIRST_ROWS]  # the newest, in order
        summary = str(screen.query_one(summary_id, Static).content)
        assert f"newest {FIRST_ROWS:,} of {len(ids):,} {plural}" in summary
        table.focus()
        table.move_cursor(row=FIRST_ROWS - 2)
        await pilot.pause()
        assert table.row_count == FIRST_ROWS  # not yet: the cursor is not on the last row
        await pilot.press("down")
        await wait_until(pilot, lambda: table.row_count > FIRST_ROWS)
        assert shown() == ids[: FIRST_ROWS + MORE_ROWS]  # appended in order, none twice
        assert table.cursor_row == FIRST_ROWS - 1  # the cursor stays where it was
        assert f"newest {FIRST_ROWS + MORE_ROWS:,} of" in str(
            screen.query_one(summary_id, Static).content
        )
        # a reload (ctrl+r) keeps as many rows, and the cursor on its record
        key = shown()[FIRST_ROWS + 50]
        table.move_cursor(row=FIRST_ROWS + 50)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert table.row_count == FIRST_ROWS + MORE_ROWS
        assert shown()[table.cursor_row] == key


async def test_a_write_before_more_is_read_again_not_appended(demo_template, tmp_path) -> None:
    """Another process added a pickup after the list was read: more rows re-read the list, so
    the offsets do not shift (no record twice, none skipped)."""
    path = copy_demo(demo_template, tmp_path / "demo.db")
    app = GreencareApp(db_path=path, mode="waste")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waste-table", DataTable)
        _pickup_elsewhere(path)
        table.focus()
        table.move_cursor(row=FIRST_ROWS - 1)
        await wait_until(pilot, lambda: table.row_count > FIRST_ROWS)
        keys = [k.value for k in table.rows]
        assert keys == _stored_ids(path, "waste_records")[: FIRST_ROWS + MORE_ROWS]


async def test_history_reads_older_entries_at_the_last_one(demo_template, tmp_path) -> None:
    """History shows the newest audit entries and the next older ones once the cursor reaches
    the last; entries written meanwhile (newer ids) never shift what comes next."""
    path = copy_demo(demo_template, tmp_path / "demo.db")
    db = open_db(path)
    ids = [str(r[0]) for r in db.execute("SELECT id FROM audit_log ORDER BY id DESC")]
    db.conn.close()
    assert len(ids) > FIRST_ROWS + MORE_ROWS
    app = GreencareApp(db_path=path, mode="history")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#hist-audit", DataTable)
        assert [k.value for k in table.rows] == ids[:FIRST_ROWS]
        assert f"{FIRST_ROWS:,} entries (newest)" in str(
            app.screen.query_one("#hist-summary", Static).content
        )
        _pickup_elsewhere(path)  # a change elsewhere: a newer entry
        table.focus()
        table.move_cursor(row=FIRST_ROWS - 1)
        await wait_until(pilot, lambda: table.row_count > FIRST_ROWS)
        assert [k.value for k in table.rows] == ids[: FIRST_ROWS + MORE_ROWS]
        while table.row_count < len(ids):
            before = table.row_count
            table.move_cursor(row=before - 1)
            await wait_until(pilot, lambda b=before: table.row_count > b)
        assert [k.value for k in table.rows] == ids
        assert "(newest)" not in str(app.screen.query_one("#hist-summary", Static).content)
