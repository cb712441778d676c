"""Import: detect, preview, map, import with progress; cancel and nothing lands."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import DataTable, ProgressBar, Static
from tui_helpers import count, wait_until

from greencare.tui.app import GreencareApp
from greencare.tui.screens import importer
from greencare.tui.screens.importer import ImportScreen


def _csv(path: Path, meter: str, months: int, year: int = 2026) -> Path:
    lines = ["meter,start,end,quantity,unit"]
    for i in range(months):
        y, m = year + i // 12, i % 12 + 1
        lines.append(f"{meter},{y}-{m:02d}-01,{y}-{m:02d}-28,{1000 + i},therm")
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_import_a_file_with_progress(small_db, tmp_path: Path) -> None:
    source = _csv(tmp_path / "gas.csv", "Main gas account", 6)
    before = count(small_db, "readings")
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#imp-path").value = str(source)
        await wait_until(pilot, lambda: screen.path is not None)
        assert "csv" in str(screen.query_one("#imp-format", Static).content)
        assert "Main gas account,2026-01-01" in str(screen.query_one("#imp-preview").content)
        assert screen.meter_keys == ["Main gas account"]
        # the file's meter name is not ours: map it to the Gas meter
        mapping = screen.query(f"#imp-map-{screen._map_gen}-0").first()
        gas = next(v for label, v in mapping._options if "/ Gas" in str(label))
        mapping.value = gas
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running)
        assert "imported" in str(screen.query_one("#imp-result").content)
        assert screen.query_one("#imp-progress", ProgressBar).percentage == 1.0
    assert count(small_db, "readings") == before + 6
    assert count(small_db, "import_batches", "WHERE status = 'active'") == 1
    meters = {r[0] for r in small_db.execute(
        "SELECT DISTINCT m.name FROM readings r JOIN meters m ON m.id = r.meter_id "
        "WHERE r.batch_id IS NOT NULL")}  # fmt: skip
    assert meters == {"Gas"}


async def test_errors_are_listed_and_nothing_is_written(small_db, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        "meter,start,end,quantity,unit\nGas,2026-01-01,2026-01-31,12x,therm\n"
        "Gas,2026-02-01,2026-02-28,900,kgal\n"
    )
    before = count(small_db, "readings")
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.query_one("#imp-path").value = str(source)
        await wait_until(pilot, lambda: screen.path is not None)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running)
        assert "failed" in str(screen.query_one("#imp-result").content)
        problems = screen.query_one("#imp-errors", DataTable)
        rows = [problems.get_row_at(i) for i in range(problems.row_count)]
        assert rows[0][:3] == ["2", "quantity", "12x"]
        assert rows[1][0] == "3" and rows[1][1] == "unit"
    assert count(small_db, "readings") == before


async def test_cancel_an_import_and_nothing_lands(small_db, tmp_path: Path, monkeypatch) -> None:
    from greencare.services import imports

    source = _csv(tmp_path / "long.csv", "Gas", 120, year=2030)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 10)
    slow = imports._insert

    def slow_insert(*args, **kwargs):  # give the test time to press Cancel
        time.sleep(0.1)
        return slow(*args, **kwargs)

    monkeypatch.setattr(imports, "_insert", slow_insert)
    before = count(small_db, "readings"), count(small_db, "import_batches")
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.query_one("#imp-path").value = str(source)
        await wait_until(pilot, lambda: screen.path is not None)
        await pilot.click("#imp-run")
        await wait_until(pilot, lambda: screen.query_one("#imp-progress", ProgressBar).progress > 0)
        await pilot.click("#imp-cancel")
        await wait_until(pilot, lambda: not screen.running)
        assert "Cancelled" in str(screen.query_one("#imp-result").content)
    assert (count(small_db, "readings"), count(small_db, "import_batches")) == before
    assert not small_db.conn.in_transaction


async def test_import_a_waste_manifest_file(small_db, tmp_path: Path) -> None:
    facility = small_db.execute("SELECT name FROM facilities ORDER BY id LIMIT 1").fetchone()[0]
    source = tmp_path / "waste.csv"
    source.write_text(
        "facility,start,end,stream,route,quantity,unit\n"
        f"{facility},2026-01-01,2026-01-31,regulated_medical_waste,incineration,1200,lb\n"
        f"{facility},2026-01-01,2026-01-31,mixed_recycling,recycling,800,lb\n"
    )
    before = count(small_db, "waste_records")
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#imp-path").value = str(source)
        await wait_until(pilot, lambda: screen.path is not None)
        assert "waste-csv" in str(screen.query_one("#imp-format", Static).content)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running)
        assert "imported" in str(screen.query_one("#imp-result").content)
    assert count(small_db, "waste_records") == before + 2
    batch = small_db.execute(
        "SELECT format, status FROM import_batches ORDER BY id DESC"
    ).fetchone()
    assert batch == ("waste-csv", "active")


async def test_typing_a_path_never_waits_for_the_file(
    small_db, tmp_path: Path, monkeypatch
) -> None:
    """Detection runs in a worker: while it is stuck on a file, the screen keeps answering."""
    import threading

    from greencare import importers

    source = _csv(tmp_path / "gas.csv", "Gas", 3)
    release = threading.Event()
    real = importers.detect

    def stuck(path, name=None):  # a slow disk, a huge workbook, a hostile file
        release.wait(10)
        return real(path, name)

    monkeypatch.setattr(importers, "detect", stuck)
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        began = time.monotonic()
        screen.query_one("#imp-path").value = str(source)
        await pilot.pause()
        await pilot.press("ctrl+s")  # keys are handled while detection waits: a note
        await pilot.pause()
        assert time.monotonic() - began < 5
        assert not release.is_set()
        assert str(screen.query_one("#imp-format", Static).content) == "checking gas.csv…"
        assert screen.path is None and screen.checking and not screen.running
        release.set()
        await wait_until(pilot, lambda: screen.path is not None)
        assert str(screen.query_one("#imp-format", Static).content).startswith("Format: csv")
        assert screen.meter_keys == ["Gas"]


async def test_an_answer_for_an_older_path_is_ignored(small_db, tmp_path: Path) -> None:
    first = _csv(tmp_path / "first.csv", "First", 2)
    second = _csv(tmp_path / "second.csv", "Second", 2)
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.query_one("#imp-path").value = str(second)
        await wait_until(pilot, lambda: screen.path is not None)
        stale = importer.inspect_path(str(first))
        screen.post_message(importer.FileInspected(stale))
        await pilot.pause()
        assert screen.path == second and screen.meter_keys == ["Second"]


async def test_a_huge_binary_file_is_refused_without_reading_it(small_db, tmp_path: Path) -> None:
    """A 5 GiB sparse file (no line break) used to be read whole on the UI thread."""
    source = tmp_path / "sparse.csv"
    with source.open("wb") as handle:
        handle.write(b"stream,route,quantity")
        handle.truncate(5 * 2**30)
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        began = time.monotonic()
        screen.query_one("#imp-path").value = str(source)
        shown = screen.query_one("#imp-format", Static)
        await wait_until(pilot, lambda: "cannot read" in str(shown.content))
        assert time.monotonic() - began < 5
        assert screen.path is None and not screen.checking
        assert str(shown.content) == (
            "cannot read this file: sparse.csv: binary data, not a text or spreadsheet file"
        )


async def test_dates_that_read_two_ways_are_refused_then_read_as_chosen(
    small_db, tmp_path: Path
) -> None:
    from textual.widgets import Select

    source = tmp_path / "both-ways.csv"
    source.write_text("meter,start,end,quantity,unit\nGas,01/02/2026,10/02/2026,12,therm\n")
    before = count(small_db, "readings")
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.query_one("#imp-path").value = str(source)
        await wait_until(pilot, lambda: screen.path is not None)  # detection runs in a worker
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running)
        assert str(screen.query_one("#imp-result").content) == (
            "Not imported: both-ways.csv, line 2: start '01/02/2026' could be 1 February 2026 "
            "(day/month/year) or 2 January 2026 (month/day/year), and no date in the file "
            "settles the order (none has a day above 12); choose Dates: day first or month "
            "first"
        )
        assert count(small_db, "readings") == before
        screen.query_one("#imp-dates", Select).value = "dmy"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running)
        assert "imported" in str(screen.query_one("#imp-result").content)
        assert "dates: day/month/year (--dayfirst)" in str(screen.query_one("#imp-result").content)
    assert count(small_db, "readings") == before + 1
    start, end = small_db.execute(
        "SELECT start_utc, end_utc FROM readings WHERE batch_id IS NOT NULL"
    ).fetchone()
    assert (end - start) // 86400 == 10  # 1 to 10 February, inclusive
