"""Import screen: a facilities.csv (bulk setup, issue 12) is recognised and lands as a batch."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static
from tui_helpers import count, wait_until

from greencare.tui.app import GreencareApp


async def test_import_a_facilities_file(small_db, tmp_path: Path) -> None:
    source = tmp_path / "sites.csv"
    source.write_text(
        "name,country,grid_region,staffed_beds\n"
        "Eastfield Clinic,US,NYCW,12\n"
        "Westfield [b]Clinic[/b],US,NYCW,14\n"
    )
    before = count(small_db, "facilities")
    app = GreencareApp(db=small_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#imp-path").value = str(source)
        await wait_until(pilot, lambda: screen.path is not None)
        assert "facilities-csv" in str(screen.query_one("#imp-format", Static).content)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running)
        assert "imported" in str(screen.query_one("#imp-result").content)
    assert count(small_db, "facilities") == before + 2
    names = {r[0] for r in small_db.execute("SELECT name FROM facilities").fetchall()}
    assert "Westfield [b]Clinic[/b]" in names  # text is data, markup and all
    batch = small_db.execute(
        "SELECT format, status FROM import_batches ORDER BY id DESC"
    ).fetchone()
    assert batch == ("facilities-csv", "active")
