"""Every screen at 100x30 and 80x24 on a small deterministic database (pytest-textual-snapshot).

Regenerate after a deliberate change with ``pytest tests/tui --snapshot-update`` and look at the
SVGs in ``__snapshots__`` before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DirectoryTree, Input, Static
from tui_helpers import wait_until

from greencare.tui.app import SECTIONS, GreencareApp
from greencare.tui.widgets import KeysFooter

SIZES = [(100, 30), (80, 24)]


def _app(db, mode: str, tmp_path: Path) -> GreencareApp:
    app = GreencareApp(db=db, mode=mode)
    files = tmp_path / "meter-files"
    files.mkdir(exist_ok=True)
    (files / "gas-2026.csv").write_text("meter,start,end,quantity,unit\n")
    app.import_root = files
    app.report_dir = Path("reports")
    return app


async def _settle(pilot) -> None:
    app = pilot.app
    await pilot.pause()
    if app.current_mode == "dashboard":
        await wait_until(
            pilot,
            lambda: "S1 " in str(app.screen.query_one("#card-emissions", Static).content),
        )
    if app.current_mode == "import":
        tree = app.screen.query_one(DirectoryTree)
        await wait_until(pilot, lambda: len(tree.root.children) > 0)
    await _footers_built(pilot)


async def _footers_built(pilot) -> None:
    """Every footer on screen has built its keys (and left out what does not fit), so a
    snapshot never catches one before (the keys Textual mounted first)."""
    app = pilot.app
    footers = [f for s in app.screen_stack for f in s.query(KeysFooter)]
    await wait_until(
        pilot,
        lambda: all(f._shown is not None and not f._pending and not f.building for f in footers),
    )
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", [m for m, _, _ in SECTIONS])
def test_screen(snap_compare, small_db, tmp_path, mode: str, size: tuple[int, int]) -> None:
    assert snap_compare(_app(small_db, mode, tmp_path), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize(
    ("mode", "key"),
    [("facilities", "a"), ("waste", "m"), ("purchases", "a"), ("energy", "a")],
)
def test_form(snap_compare, small_db, tmp_path, mode: str, key: str) -> None:
    async def open_form(pilot) -> None:
        await _settle(pilot)
        await pilot.press(key)
        await pilot.pause()
        await _footers_built(pilot)
        # the focused field's cursor drawn steadily: a blinking one was in the capture or
        # not depending on when, under load, the form got its focus
        await wait_until(pilot, lambda: pilot.app.screen.focused is not None)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(
        _app(small_db, mode, tmp_path), terminal_size=(80, 24), run_before=open_form
    )
