"""The dashboard's first frame: stored figures read with plain sqlite3, the database opened after.

``services.dashboard.start_figures`` reads the facility choices and the figures stored for all
facilities from the file before greencare opens it (sqlite-utils' import and the schema check
come after the first frame), and only from an existing greencare database this user may write;
anything else is opened first, as before, with its one-line errors.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from demo_helpers import copy_demo
from textual.widgets import Footer, Select, Static
from tui_helpers import wait_until

from greencare import services
from greencare.services import dashboard as use_case
from greencare.services.database import open_db
from greencare.tui.app import GreencareApp


@pytest.fixture
def stored(tmp_path: Path, demo_template) -> Path:
    """A demo copy whose dashboard figures (all facilities) are stored and fresh."""
    path = copy_demo(demo_template, tmp_path / "demo.db")
    db = open_db(path)
    use_case.dashboard_and_store(db)
    db.conn.close()
    return path


def _card(app) -> str:
    return str(app.screen.query_one("#card-emissions", Static).content)


def test_start_figures_are_the_stored_ones(stored: Path) -> None:
    start = use_case.start_figures(stored)
    db = open_db(stored)
    figures, fresh = use_case.stored_dashboard(db) or ({}, False)
    choices = use_case.facility_choices(db)
    assert start == {"options": choices, "figures": figures, "fresh": True} and fresh
    services.add_waste(db, facility=choices[0][1], start_date=f"{figures['month']}-01",
                       end_date=f"{figures['month']}-02", stream="solid_waste",
                       route="landfill", quantity=5, unit="kg")  # fmt: skip
    db.conn.close()
    after = use_case.start_figures(stored)
    assert after is not None and after["figures"] == figures and not after["fresh"]


def test_start_figures_only_from_an_existing_greencare_file(tmp_path: Path, stored) -> None:
    missing = tmp_path / "new.db"
    assert use_case.start_figures(missing) is None and not missing.exists()  # never created
    assert use_case.start_figures(tmp_path) is None  # a folder
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert use_case.start_figures(empty) is None
    text = tmp_path / "notes.db"
    text.write_text("not a database\n", encoding="utf-8")
    assert use_case.start_figures(text) is None
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE dashboard_cache (key TEXT, data_version INT, figures TEXT)")
    conn.close()
    assert use_case.start_figures(other) is None  # another application's file
    assert use_case.start_figures(":memory:") is None
    db = open_db(stored)
    db.execute("DELETE FROM dashboard_cache")
    db.conn.commit()
    db.conn.close()
    assert use_case.start_figures(stored) is None  # nothing stored: opened first, computed


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anything")
def test_a_read_only_file_is_opened_first(stored: Path) -> None:
    stored.chmod(0o444)
    try:
        assert use_case.start_figures(stored) is None  # open_db says why it is read-only
    finally:
        stored.chmod(0o600)


def test_the_app_paints_before_importing_sqlite_utils(stored: Path) -> None:
    code = (
        "import sys\n"
        "from greencare.tui.app import GreencareApp\n"
        f"app = GreencareApp(db_path={str(stored)!r})\n"
        "print(app._db is None, app.start_figures is not None and app.start_figures['fresh'],\n"
        "      [m for m in ('sqlite_utils', 'pandas', 'pint', 'pydantic') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.split("\n")[0] == "True True []"


async def test_first_frame_has_the_figures_then_the_screen_is_completed(stored: Path) -> None:
    app = GreencareApp(db_path=stored)
    first: list[tuple[str, bool, bool]] = []
    display = app._display

    def watch(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None and not app._batch_count and not first:
            first.append((_card(app), app._db is None, bool(app.screen.query(Select))))

    app._display = watch  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: bool(first) and bool(app.screen.query(Footer)))
        # the Select is mounted, then the database opened (after_first_paint awaits the mount)
        await wait_until(
            pilot, lambda: bool(app.screen.query("#dash-facility")) and app._db is not None
        )
        card, unopened, has_select = first[0]
        assert "S1 " in card and unopened and not has_select  # figures first, nothing else
        assert app._db is not None and not app.screen.query("#dash-facility-soon")
        assert app.screen.focused is app.screen.query_one("#dash")
        footer = app.screen.query_one(Footer)
        await wait_until(pilot, lambda: len(footer.children) > 0)  # the keys are listed
        select = app.screen.query_one("#dash-facility", Select)
        before = _card(app)
        name, facility = use_case.facility_choices(app.db)[0]
        select.value = facility
        await wait_until(pilot, lambda: _card(app) != before and not app.workers)
        assert app.screen.data["facility"] in (facility, name)


async def test_a_stale_start_is_marked_and_recomputed(stored: Path) -> None:
    db = open_db(stored)
    db.execute("UPDATE data_version SET version = version + 1")
    db.conn.commit()
    db.conn.close()
    app = GreencareApp(db_path=stored)
    async with app.run_test(size=(100, 30)) as pilot:
        period = app.screen.query_one("#dash-period", Static)
        assert "updating" in str(period.content) and "S1 " in _card(app)
        await wait_until(pilot, lambda: "updating" not in str(period.content))
        await wait_until(pilot, lambda: not app.workers)
    assert use_case.start_figures(stored)["fresh"]  # type: ignore[index]


async def test_a_file_that_fails_to_open_after_the_first_frame_ends_the_app(
    stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from greencare.core.errors import DatabaseError
    from greencare.services import database

    def refuse(path, **kwargs):
        raise DatabaseError(f"cannot open {path}: gone")

    app = GreencareApp(db_path=stored)
    monkeypatch.setattr(database, "open_db", refuse)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1


async def test_the_sections_css_is_read_after_the_first_frame(stored: Path) -> None:
    app = GreencareApp(db_path=stored)
    assert [p.name for p in app.css_path] == ["app.tcss"]  # the first frame's rules only
    async with app.run_test(size=(100, 30)) as pilot:
        # the Select is mounted, then the database opened (after_first_paint awaits the mount)
        await wait_until(
            pilot, lambda: bool(app.screen.query("#dash-facility")) and app._db is not None
        )
        assert not app._later_css
        await pilot.press("e")
        await wait_until(pilot, lambda: app.current_mode == "energy")
        await wait_until(pilot, lambda: bool(app.screen.query("#left")))
        # sections.tcss: 42% of 100 columns, a one-line status (laid out on a later refresh)
        await wait_until(pilot, lambda: app.screen.query_one("#left").size.width == 42)
        assert app.screen.query_one("#status").size.height == 1
    other = GreencareApp(db_path=stored, mode="energy")  # another section first: all at once
    assert [p.name for p in other.css_path] == ["app.tcss", "sections.tcss"]


async def test_long_lived_objects_are_frozen_while_the_app_runs(stored: Path) -> None:
    """Start-up's objects and each section's screen are kept out of Python's full collections
    (their pauses landed on key presses); leaving the app lets them be collected again."""
    import gc

    app = GreencareApp(db_path=stored)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: gc.get_freeze_count() > 0)
        started = gc.get_freeze_count()
        await pilot.press("e")
        await wait_until(pilot, lambda: gc.get_freeze_count() > started)
    assert gc.get_freeze_count() == 0


def test_the_command_exits_with_the_apps_return_code(
    stored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """greencare exits 1 when the app ended on a database that failed to open (0 otherwise)."""
    import greencare.tui.app as tui_app
    from greencare import cli

    class App:
        code: int | None = None

        def __init__(self, db_path: Path) -> None:
            self.return_code: int | None = None

        def run(self) -> None:
            self.return_code = App.code

    monkeypatch.setattr(tui_app, "GreencareApp", App)
    cli._run_tui(stored)  # a clean exit returns
    App.code = 1
    with pytest.raises(SystemExit) as exc:
        cli._run_tui(stored)
    assert exc.value.code == 1


def test_the_sections_modules_are_imported_in_a_thread_after_the_first_frame(
    stored: Path,
) -> None:
    """A fresh interpreter: at the first frame no section but the dashboard is imported; after
    the preload every section's module and every service module is, and the models'
    validators are built, so a first visit waits for no import."""
    code = (
        "import asyncio, sys\n"
        "import greencare.tui.app as ui\n"
        "ui.PRELOAD_AFTER = 0.05\n"
        "from greencare import services\n"
        "mods = [f'greencare.tui.screens.{t.split(\":\")[0]}' for t in ui.SCREENS_BY_MODE.values()]\n"
        "screens = len(mods)\n"
        "mods += services.submodules()\n"
        "async def main():\n"
        f"    app = ui.GreencareApp(db_path={str(stored)!r})\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        before = [m for m in mods[:screens] if m in sys.modules]\n"
        "        for _ in range(400):\n"
        "            await pilot.pause(0.05)\n"
        "            if all(m in sys.modules for m in mods) and not app.workers:\n"
        "                break\n"
        "        from greencare.core import models\n"
        "        built = all(m.__pydantic_complete__ for m in (models.Facility, models.Reading))\n"
        "        print(len(before), len([m for m in mods if m in sys.modules]), len(mods), built)\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)  # fmt: skip
    before, after, total, built = out.stdout.split()
    assert int(before) == 1  # the dashboard's screen alone at the first frame
    assert int(after) == int(total) > 20  # then every screen's module and every service's
    assert built == "True"
