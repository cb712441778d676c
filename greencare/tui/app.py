"""The greencare terminal app: one mode per section, switched with a key or the palette."""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual._context import active_app
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from greencare.tui.screens.help import HelpScreen

#: (mode, key, label): the sections of the app, in the order the nav bar and help list them.
SECTIONS: list[tuple[str, str, str]] = [
    ("dashboard", "d", "Dashboard"),
    ("facilities", "f", "Facilities"),
    ("energy", "e", "Energy"),
    ("waste", "w", "Waste"),
    ("purchases", "p", "Purchases"),
    ("instruments", "s", "Instruments"),
    ("import", "i", "Import"),
    ("reports", "r", "Reports"),
    ("targets", "g", "Targets"),
    ("factors", "x", "Factors"),
    ("history", "h", "History"),
]

#: Which sections the nav bar keeps when it cannot name them all (80 columns), most used
#: first; the rest are behind its "? more" (the help lists every section with its key) and
#: the section being shown is always named.
NAV_PRIORITY: list[str] = [
    "dashboard", "facilities", "energy", "waste", "purchases", "import", "reports",
    "instruments", "targets", "history", "factors",
]  # fmt: skip

#: mode -> "module:Class" of its screen, imported when first opened so start-up stays quick.
SCREENS_BY_MODE: dict[str, str] = {
    "dashboard": "dashboard:DashboardScreen",
    "facilities": "facilities:FacilitiesScreen",
    "energy": "energy:EnergyScreen",
    "waste": "waste:WasteScreen",
    "purchases": "purchases:PurchasesScreen",
    "instruments": "instruments:InstrumentsScreen",
    "import": "importer:ImportScreen",
    "reports": "reports:ReportsScreen",
    "factors": "factors:FactorsScreen",
    "history": "history:HistoryScreen",
    "targets": "targets:TargetsScreen",
}


#: Seconds after the first frame before the sections' modules are imported in a thread (the
#: dashboard first completes its own screen and opens the database).
PRELOAD_AFTER = 1.0


def screen_class(mode: str) -> type[Screen[Any]]:
    module, name = SCREENS_BY_MODE[mode].split(":")
    return getattr(importlib.import_module(f"greencare.tui.screens.{module}"), name)  # type: ignore[no-any-return]


def _factory(mode: str) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        screen = screen_class(mode)()
        # Styled with the app's current stylesheet when Textual registers it: Textual's check
        # that a new mode's screen has seen the latest CSS would otherwise parse every source
        # again and restyle every screen (a tenth of the dashboard's start, and of each first
        # switch to a section). A theme change still restyles it (it bumps the app's count).
        app = active_app.get()
        screen._css_update_count = app._css_update_count
        app.call_after_refresh(gc.freeze)  # its widgets live as long as the app: see on_ready
        return screen

    return make


class GreencareApp(App[None]):
    """Bare ``greencare`` opens this on the user's database."""

    TITLE = "greencare"
    SUB_TITLE = "energy, waste and emissions for healthcare"
    #: app.tcss holds what the dashboard's first frame needs; sections.tcss the rest, read
    #: after that frame when the app starts on stored figures (:meth:`load_section_css`).
    CSS_PATH = ["app.tcss", "sections.tcss"]
    MODES = {mode: _factory(mode) for mode in SCREENS_BY_MODE}
    DEFAULT_MODE = "dashboard"
    BINDINGS = [
        *(
            Binding(key, f"switch_mode('{mode}')", label, show=False, id=f"app.mode.{mode}")
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
        self.db_path = db_path
        self._db = db
        self.first_frame_shown = False  # set on the Ready event
        #: What the dashboard paints before the database is opened: its facility choices and
        #: the figures stored for all facilities (``services.dashboard.start_figures``), read
        #: with plain sqlite3; None when there are none, and the database is opened now.
        self.start_figures: dict[str, Any] | None = None
        if db is None and db_path is not None and mode in (None, "dashboard"):
            from greencare.services.dashboard import start_figures

            self.start_figures = start_figures(db_path)
        if self._db is None and self.start_figures is None:
            self.open_database()  # a file that cannot be opened is refused before any screen
        #: CSS files read after the first frame (the sections' rules: 8 ms of parsing).
        self._later_css: list[Path] = []
        if self.start_figures is not None:
            self._later_css = [p for p in self.css_path if Path(p).name == "sections.tcss"]
            self.css_path = [p for p in self.css_path if p not in self._later_css]
        self._start_mode = mode
        #: The GWP set (AR4/AR5/AR6) the dashboard and reports use; None: each dataset's own.
        self.gwp: str | None = None
        self.pins: dict[str, str] = {}  # factor family -> pinned edition (Factors, ctrl+d)
        #: Where the import screen starts browsing and reports are written (default: cwd).
        self.import_root: Path | None = None
        self.report_dir: Path | None = None

    @property
    def db(self) -> Any:
        """The database (a sqlite-utils ``Database``), opened on first use when the dashboard
        painted stored figures first: its opening imports sqlite-utils and checks the schema,
        which need not hold back the first screen."""
        if self._db is None:
            self.open_database()
        return self._db

    @db.setter
    def db(self, value: Any) -> None:
        self._db = value

    def open_database(self) -> None:
        """Open ``db_path`` (migrating it if needed); the dashboard calls this right after its
        first paint. A failure there (the file changed since the figures were read) ends the
        app with the one-line error the command line shows for it."""
        from greencare.services.database import open_db

        if self._db is not None:
            return
        if self.start_figures is None:
            self._db = open_db(self.db_path)
            return
        from greencare.core.errors import GreencareError

        try:
            self._db = open_db(self.db_path)
        except GreencareError as exc:
            self.exit(return_code=1, message=f"error: {exc}")
            raise

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text: messages quote names and file text, which must
        show as written (controls visible, long values cut), never be parsed as markup."""
        from greencare.tui.widgets import message as safe_message

        super().notify(safe_message(message), title=safe_message(title), severity=severity,
                       timeout=timeout, markup=False)  # fmt: skip

    def on_mount(self) -> None:
        if self._start_mode:
            self.switch_mode(self._start_mode)

    def load_section_css(self) -> None:
        """Read the CSS left out of the first frame and restyle what is mounted."""
        later, self._later_css = self._later_css, []
        for path in later:
            self.stylesheet.read(path)
        if later:
            self.stylesheet.update(self)
            for screen in self.screen_stack:
                if screen is not self.screen:
                    self.stylesheet.update(screen)

    def on_ready(self) -> None:
        """The first frame is on the screen: the rest of the CSS is read and the dashboard
        opens the database now."""
        self.first_frame_shown = True  # screens built from now on come by a section switch
        self.load_section_css()
        # What start-up built (modules, classes, the first screen) lives as long as the app:
        # frozen, Python's collector stops walking it, whose full passes (a tenth of a second
        # or more with pandas loaded) landed on key presses; each section's screen likewise.
        self.call_after_refresh(gc.freeze)
        after = getattr(self.screen, "after_first_paint", None)
        if after is not None:
            self.call_after_refresh(after)
        self.set_timer(PRELOAD_AFTER, self._start_preload)

    def _start_preload(self) -> None:
        self.run_worker(self._preload_sections, thread=True, group="preload",
                        exit_on_error=False, description="importing the sections")  # fmt: skip

    def _preload_sections(self) -> None:
        """Import each section's module, then every service module, and build the models'
        deferred validators, in a thread while the dashboard is read, so that a first visit
        builds its screen without waiting for an import (Energy's pulled in pandas and the
        interval service: 0.4 s of its first visit; Import's pandas and the models) or a
        validator (the first form checked). A module that fails to import here fails again,
        with its message, where it is used."""
        from greencare import services

        modules = [f"greencare.tui.screens.{t.split(':')[0]}" for t in SCREENS_BY_MODE.values()]
        for target in [*modules, *services.submodules()]:
            if not self.is_running:
                return
            with contextlib.suppress(Exception):
                importlib.import_module(target)
        with contextlib.suppress(Exception):
            from greencare.core.models import build_validators

            build_validators()

    def on_unmount(self) -> None:
        """The app is ending: what was frozen may be collected again (tests run many apps in
        one process)."""
        gc.unfreeze()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Section keys do nothing while a dialog is open (it would be left behind)."""
        return not (action in ("switch_mode", "quit") and isinstance(self.screen, ModalScreen))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(SECTIONS))

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def run_section_action(self, mode: str, action: str) -> None:
        """Open a section and run one of its actions (for the command palette)."""
        if self.current_mode != mode:
            await self.switch_mode(mode)
        await self.run_action(action, self.screen)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, key, label in SECTIONS:
            yield SystemCommand(
                f"Go to {label}", f"Open the {label.lower()} section (key {key})",
                lambda mode=mode: self.switch_mode(mode),
            )  # fmt: skip
        for mode, _, label in SECTIONS:
            for binding in getattr(screen_class(mode), "BINDINGS", []):
                if not isinstance(binding, Binding) or binding.action.startswith("app."):
                    continue
                yield SystemCommand(
                    f"{label}: {binding.description}",
                    f"{binding.description} in the {label.lower()} section "
                    f"(key {binding.key})",
                    lambda mode=mode, action=binding.action: self.run_section_action(mode, action),
                )  # fmt: skip
        yield SystemCommand("Help: keys", "List every key binding", self.action_help)
        yield SystemCommand("Toggle light/dark theme", "Switch theme", self.action_toggle_dark)
