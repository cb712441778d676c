"""Every screen over a database holding hostile text (tests/hostile.py): the app starts, each
section and form opens, names show as written (markup not interpreted, controls visible), and no
control character reaches the terminal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hostile import PLAIN, RAW_CONTROL, insert_hostile, table_digest
from textual.widgets import Select
from tui_helpers import build_small, wait_until

from greencare.storage.db import open_db
from greencare.tui.app import SECTIONS, GreencareApp
from greencare.tui.screens.importer import ImportScreen

SIZE = (220, 60)


@pytest.fixture
def hostile_db():  # type: ignore[no-untyped-def]
    db = open_db(":memory:")
    build_small(db)
    insert_hostile(db)
    return db


def screen_text(app: GreencareApp) -> str:
    """What the terminal would show: the rendered lines of the current screen."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def check(app: GreencareApp, where: str) -> str:
    text = screen_text(app)
    found = RAW_CONTROL.search(text)
    assert found is None, f"{where}: raw {found.group()!r} on screen"
    # Markup in names is shown, never applied: applied, "z[/] H01" would read "z H01".
    for applied in ("y H00", "z H01", "x H02"):
        assert applied not in text, f"{where}: markup applied ({applied!r})"
    return text


@pytest.mark.slow
async def test_every_section_opens_and_shows_names_as_written(hostile_db) -> None:
    before = table_digest(hostile_db)
    app = GreencareApp(db=hostile_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for mode, _key, _label in SECTIONS:
            await app.switch_mode(mode)
            await pilot.pause(0.3)
            check(app, mode)
        await app.switch_mode("facilities")
        await pilot.pause()
        text = check(app, "facilities")
        for shown in ("[link=http://x]y[/link] H00", "z[/] H01", "[bold red]x[/] H02",
                      "\\x1b]0;pwned\\x07 H03", "\\x1b[31mred H04", "\\u202eevil H10",
                      '=HYPERLINK("http://x") H05', *PLAIN):  # fmt: skip
            assert shown in text, shown
        assert "MMMMMMMMMM" in text and "1,048,576 characters" not in text.split("MMMM")[0]
    assert table_digest(hostile_db) == before  # looking changes nothing


async def _open_and_close(pilot: Any, app: GreencareApp, key: str, where: str) -> str:
    screen = app.screen
    await pilot.press(key)
    await pilot.pause(0.2)
    text = check(app, where)
    if app.screen is not screen:
        await pilot.press("escape")
        await pilot.pause(0.1)
    assert app.screen is screen, where
    return text


@pytest.mark.slow
async def test_forms_and_dialogs_that_show_names(hostile_db) -> None:
    app = GreencareApp(db=hostile_db, mode="facilities")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#fac-table")
        for row in range(table.row_count):  # each facility's meters and its edit form
            table.move_cursor(row=row)
            await pilot.pause(0.1)
            check(app, f"facility row {row}")
            await _open_and_close(pilot, app, "c", f"edit facility row {row}")
        for key in ("m", "n", "delete"):
            await _open_and_close(pilot, app, key, f"facilities {key}")
        for mode, keys in (("energy", ["a"]), ("waste", ["a", "m"]), ("purchases", ["a"]),
                           ("instruments", ["a"])):  # fmt: skip
            await app.switch_mode(mode)
            await pilot.pause(0.3)
            for key in keys:
                text = await _open_and_close(pilot, app, key, f"{mode} {key}")
                check(app, f"{mode} after {key}")
        await app.switch_mode("energy")
        await pilot.pause()
        facilities = app.screen.query_one("#facilities")
        for row in range(facilities.row_count):
            facilities.move_cursor(row=row)
            await pilot.pause(0.1)
            check(app, f"energy facility row {row}")
        await app.switch_mode("reports")
        await pilot.pause(0.3)
        select = app.screen.query(Select).first()
        select.focus()
        select.expanded = True
        await pilot.pause(0.3)
        text = check(app, "reports facility list")
        assert "\\x1b]0;pwned\\x07 H03" in text and "<b>bold</b> & <script> H12" in text
        await pilot.press("escape")
    assert text


async def test_import_screen_shows_a_hostile_file_as_text(hostile_db, tmp_path: Path) -> None:
    source = tmp_path / "hostile.csv"
    source.write_text(
        "meter,start,end,quantity,unit\n"
        "[link=http://x]y[/link],2026-01-01,2026-01-31,1,kWh\n"
        "z[/],2026-01-01,2026-01-31,2,kWh\n"
        "\x1b]0;pwned\x07,2026-01-01,2026-01-31,3,kWh\n",
        encoding="utf-8",
    )
    for name in ("[bold red]red file.csv", "\x1b]0;pwned\x07.csv"):  # listed in the tree
        (tmp_path / name).write_text("meter,start,end,quantity\n", encoding="utf-8")
    before = table_digest(hostile_db)
    app = GreencareApp(db=hostile_db, mode="import")
    app.import_root = tmp_path
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await wait_until(pilot, lambda: "red file.csv" in check(app, "import file tree"))
        text = check(app, "import file tree")
        assert "[bold red]red file.csv" in text and "\\x1b]0;pwned\\x07.csv" in text
        screen.query_one("#imp-path").value = str(source)
        await wait_until(pilot, lambda: "2026-01-01" in check(app, "import preview"))
        text = check(app, "import preview")
        assert "[link=http://x]y[/link],2026-01-01" in text
        assert "\\x1b]0;pwned\\x07" in text
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running)
        await pilot.pause(0.3)
        text = check(app, "import result")
        assert re.search(r"control character U\+001B", text), text
    assert table_digest(hostile_db) == before  # the refused import wrote nothing


def test_screens_build_only_the_safe_widgets() -> None:
    """Tables, selects and file trees parse str labels as markup: screens use the Safe* kinds
    from greencare/tui/widgets.py, which treat them as data, and never the plain ones."""
    root = Path(__file__).resolve().parents[2] / "greencare" / "tui"
    unsafe = re.compile(r"(?<![\w.])(DataTable|Select|DirectoryTree|Tree)\(")
    for path in sorted(root.rglob("*.py")):
        if path.name == "widgets.py":
            continue
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            assert not unsafe.search(text), f"{path.name}:{number}: {text.strip()}"


@pytest.mark.slow
async def test_history_shows_entries_a_foreign_tool_wrote(hostile_db) -> None:
    app = GreencareApp(db=hostile_db, mode="history")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        audit = app.screen.query_one("#hist-audit")
        while app.screen.more_entries:  # older entries come at the last row: all of them
            before = audit.row_count
            audit.move_cursor(row=before - 1)
            await wait_until(
                pilot, lambda b=before: audit.row_count > b or not app.screen.more_entries
            )
        seen = ""
        updates = [r for r in range(audit.row_count) if audit.get_row_at(r)[3] == "update"]
        assert len(updates) >= 18
        for row in updates:
            audit.move_cursor(row=row)
            await pilot.pause(0.05)
            seen += check(app, f"history row {row}")
        assert "\\x1b]0;pwned\\x07" in seen  # the source column
    assert "\\x1b]0;pwned\\x07 H03" in seen and "$x$ and $ H11" in seen  # the changed values
