"""The greencare terminal app: one mode per section, switched with a key or the palette."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from greencare.storage.db import open_db
from greencare.tui.screens.dashboard import DashboardScreen
from greencare.tui.screens.energy import EnergyScreen
from greencare.tui.screens.help import HelpScreen

#: (mode, key, label): the sections of the app, in the order the footer and help list them.
SECTIONS: list[tuple[str, str, str]] = [
    ("dashboard", "d", "Dashboard"),
    ("energy", "e", "Energy"),
]


class GreencareApp(App[None]):
    """Bare ``greencare`` opens this on the user's database."""

    TITLE = "greencare"
    SUB_TITLE = "energy, waste and emissions for healthcare"
    CSS_PATH = "app.tcss"
    MODES = {
        "dashboard": DashboardScreen,
        "energy": EnergyScreen,
    }
    DEFAULT_MODE = "dashboard"
    BINDINGS = [
        *(
            Binding(key, f"switch_mode('{mode}')", label, id=f"app.mode.{mode}")
            for mode, key, label in SECTIONS
        ),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+t", "toggle_dark", "Theme", show=False, id="app.theme"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self, db_path: Path | str | None = None, db: Any = None, *, mode: str | None = None
    ) -> None:
        super().__init__()
        self.db = db if db is not None else open_db(db_path)
        self.db_path = db_path
        self._start_mode = mode

    def on_mount(self) -> None:
        if self._start_mode:
            self.switch_mode(self._start_mode)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(SECTIONS))

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, key, label in SECTIONS:
            yield SystemCommand(
                f"Go to {label}", f"Open the {label.lower()} section (key {key})",
                lambda mode=mode: self.switch_mode(mode),
            )  # fmt: skip
        yield SystemCommand("Help: keys", "List every key binding", self.action_help)
        yield SystemCommand("Toggle light/dark theme", "Switch theme", self.action_toggle_dark)
