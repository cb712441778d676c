"""The app and an import share one database: a save that cannot get the write lock in time
keeps the form open with the typing and says why; the app does not exit."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.widgets import DataTable, Input, Label, Select

from greencare.services import imports
from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.reading_form import ReadingForm

BILLS = "meter,start,end,quantity\n" + "".join(
    f"Electric,2023-{m:02d}-01,2023-{m:02d}-28,{5000 + m}\n" for m in range(1, 13)
)


@contextmanager
def import_held_open(path: Path, bills: Path) -> Iterator[None]:
    """A real import on its own connection whose transaction stays open (holding the write
    lock) until the block ends, as a long import from the command line would."""
    release, holding = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def progress(done: int, total: int, rows: int) -> None:
        holding.set()
        release.wait(120)

    def run() -> None:
        db = open_db(path)
        try:
            outcome["result"] = imports.import_readings(db, bills, on_progress=progress)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            db.close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    assert holding.wait(60), outcome
    try:
        yield
    finally:
        release.set()
        worker.join(60)
    assert "error" not in outcome, outcome["error"]
    assert outcome["result"].inserted == 12  # type: ignore[attr-defined]


def gas_readings(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT r.quantity, r.source FROM readings r JOIN meters m ON m.id = r.meter_id "
            "WHERE m.name = 'Gas' AND r.start_utc >= strftime('%s', '2026-01-01') "
            "ORDER BY r.start_utc"
        ).fetchall()
    finally:
        conn.close()


async def test_saving_a_reading_during_an_import_keeps_the_form(
    small_db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GREENCARE_BUSY_TIMEOUT", "0.3")
    bills = tmp_path / "bills.csv"
    bills.write_text(BILLS)
    app = GreencareApp(db_path=small_db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#meters", DataTable).focus()
        await pilot.press("down")  # Gas
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReadingForm)
        await pilot.press(*"2026-01-01", "tab", *"2026-01-31", "tab", *"41000")
        with import_held_open(small_db_path, bills):
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.is_running and app.screen is form  # still open, nothing lost
            error = str(form.query_one("#error-record", Label).content)
            assert error == (
                f"database {small_db_path} is busy: another program (an import?) held its "
                "write lock for more than 0.3 s; nothing was written; try again when it has "
                "finished"
            )
            assert [form.query_one(f"#{f}", Input).value for f in ("start", "end", "quantity")] == [
                "2026-01-01",
                "2026-01-31",
                "41000",
            ]
            assert gas_readings(small_db_path) == []
        await pilot.press("ctrl+s")  # the import has finished: the same typing saves
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm)
    assert gas_readings(small_db_path) == [(41000.0, "tui")]


async def test_adding_a_facility_during_an_import_keeps_the_form(
    small_db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    from greencare.tui.forms import FormScreen

    monkeypatch.setenv("GREENCARE_BUSY_TIMEOUT", "0.3")
    bills = tmp_path / "bills.csv"
    bills.write_text(BILLS)
    app = GreencareApp(db_path=small_db_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        await pilot.press(*"St Other")
        form.query_one("#grid_region", Select).value = "RFCE"
        await pilot.pause()
        with import_held_open(small_db_path, bills):
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.is_running and app.screen is form
            assert "is busy" in str(form.query_one("#error-record", Label).content)
            assert form.query_one("#name", Input).value == "St Other"
        await pilot.press("ctrl+s")  # the import has finished: the same typing saves
        await pilot.pause()
        assert app.screen is not form
    conn = sqlite3.connect(small_db_path)
    names = [r[0] for r in conn.execute("SELECT name FROM facilities ORDER BY id")]
    conn.close()
    assert names == ["St Example", "St Other"]


async def test_deleting_a_reading_during_an_import_is_refused_and_the_app_stays(
    small_db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("GREENCARE_BUSY_TIMEOUT", "0.3")
    bills = tmp_path / "bills.csv"
    bills.write_text(BILLS)

    def readings() -> int:
        conn = sqlite3.connect(small_db_path)
        try:
            return conn.execute("SELECT count(*) FROM readings").fetchone()[0]
        finally:
            conn.close()

    total = readings()
    app = GreencareApp(db_path=small_db_path, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#readings", DataTable)
        table.focus()
        first = table.get_row_at(0)
        with import_held_open(small_db_path, bills):
            await pilot.press("delete")
            await pilot.pause()
            await pilot.press("y")
            await pilot.pause()
            assert app.is_running
            assert readings() == total
            notes = [n.message for n in app._notifications]
            assert any("is busy" in note for note in notes), notes
        assert table.get_row_at(0) == first
    assert readings() == total + 12  # the import's rows, and the reading not deleted


async def test_correcting_a_reading_deleted_elsewhere_says_so_and_the_app_stays(
    small_db_path: Path,
) -> None:
    """Ctrl+E on a reading another program deleted raised NotFoundError out of the Energy
    screen (the app quit with a traceback); now it is a warning and the table is reloaded."""
    from greencare import services

    app = GreencareApp(db_path=small_db_path, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#readings", DataTable)
        table.focus()
        key = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)
        rows = table.row_count
        other = open_db(small_db_path)
        services.delete_reading(other, key)
        other.close()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert not isinstance(app.screen, ReadingForm)
        assert app.is_running
        assert [n.message for n in app._notifications] == [f"no reading with id {key}"]
        table = app.screen.query_one("#readings", DataTable)
        assert table.row_count == rows - 1
        assert str(key) not in [k.value for k in table.rows]
