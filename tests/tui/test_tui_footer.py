"""The screens' footer: it shows the focused screen's keys, and is rebuilt only when they change
(Textual's rebuilds every key on each focus change and each screen shown)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input

from greencare.tui.widgets import KeysFooter

TUI = Path(__file__).resolve().parents[2] / "greencare" / "tui"


class _Keys(App[None]):
    BINDINGS = [Binding("ctrl+s", "save", "Save")]

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield Input(id="field")
        yield KeysFooter()

    ran: list[str]

    def action_save(self) -> None:
        self.ran.append("save")

    def action_open(self) -> None:
        self.ran.append("open")


def _keys(app: App[None]) -> list[str]:
    return [key.description for key in app.query("FooterKey")]


async def test_the_footer_shows_the_keys_and_rebuilds_only_when_they_change() -> None:
    app = _Keys()
    app.ran = []
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        footer = app.query_one(KeysFooter)
        assert "Save" in _keys(app)
        rebuilt = []
        original = footer.recompose

        async def counting() -> None:
            rebuilt.append(1)
            await original()

        footer.recompose = counting  # type: ignore[method-assign]
        for target in ("#two", "#one", "#two"):  # the same keys: nothing to rebuild
            app.set_focus(app.query_one(target))
            await pilot.pause()
        assert rebuilt == []
        for _ in range(3):  # signals in one refresh: one check
            app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert rebuilt == []
        app.bind("ctrl+o", "open", description="Open")  # a key more: rebuilt, and shown
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert rebuilt == [1] and "Open" in _keys(app)
        app.set_focus(app.query_one("#one"))
        await pilot.press("ctrl+o", "ctrl+s")  # the keys the footer shows do what they say
        assert app.ran == ["open", "save"]


def test_every_screen_uses_the_shared_footer_and_table() -> None:
    """The screens' footer and tables are greencare's own (``KeysFooter``, ``SafeTable``: cells
    never parsed as markup), never Textual's directly."""
    found = []
    for path in TUI.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in ("Footer", "DataTable"):
            for m in re.finditer(rf"(?<![\w.]){name}\(", text):
                found.append(f"{path.name}: {text[max(0, m.start() - 20) : m.end()]}")
    assert found == []
