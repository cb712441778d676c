"""Small widgets shared by the screens."""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import Click, Resize
from textual.lazy import Lazy
from textual.render import measure
from textual.widgets import DataTable, DirectoryTree, Footer, Input, Select, Static
from textual.widgets.input import Selection

from greencare.core.text import shorten, visible

#: Shorter labels for narrow terminals (80 columns): still words a facility manager uses.
SHORT = {"Facilities": "Sites"}
#: The nav bar's last item when some sections are not named on it: the help lists them all.
MORE = " ? more"


#: The most characters of one value shown in a cell, label or message; the database keeps all.
SHOW_MAX = 200
#: The most characters of one message (status line, notification, error).
MESSAGE_MAX = 1000
#: The most characters of a file preview or a history entry's detail.
PREVIEW_MAX = DETAIL_MAX = 4000


# --- Text from the database and from files is data, never markup ------------------------------
#
# Every name, note, path, file line and error message a screen shows goes through one of these:
# ``plain`` for Static, Label, Select prompts and titles (a Content is never parsed as markup),
# ``cell`` for DataTable cells (the table parses str cells as Rich markup, so each is given as a
# Rich Text, which no parser sees; ``SafeTable`` does it for every cell), ``markup`` to put such text into a line that has markup
# of its own, ``message`` for notifications. Control characters are shown as ``\x1b``, never
# sent to the terminal, and long values are cut, saying how long they were.


def plain(value: Any, limit: int = SHOW_MAX) -> Content:
    """Text as a Content that no markup parser sees: controls visible, cut to ``limit``."""
    text = "" if value is None else str(value)
    return Content(visible(shorten(text, limit), keep_newlines=True))


def line(value: Any, limit: int = SHOW_MAX) -> str:
    """Text as one line of plain characters: controls (line breaks too) visible, cut."""
    return visible(shorten("" if value is None else str(value), limit))


def cell(value: Any) -> Any:
    """A DataTable cell: text as a Rich Text (never parsed as markup), controls visible, cut,
    one line ending in "…" where its column cuts it; others as given."""
    if not isinstance(value, str):
        return value
    return Cell(line(value), no_wrap=True, end="", overflow="ellipsis")


class Cell(Text):
    """A table cell's text: a Rich Text that equals the string it shows (``row[0] == "Gas"``)."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.plain == other
        return super().__eq__(other)

    def __hash__(self) -> int:  # as its string's, so a set of cells equals a set of strings
        return hash(self.plain)


def _measure_text_cells() -> None:
    """Textual's DataTable measures every cell of every row it is given through Rich, which
    builds the console's options for each cell (three terminal-size system calls): 0.2 s of a
    500-row table's first frame. A plain Text cell is measured here by its characters, exactly
    as Rich's ``Text.__rich_measure__`` does (the widest line); any other renderable as before.
    Should a Textual release move the function, tables measure as they did."""
    try:
        from rich.cells import cell_len
        from textual.widgets import _data_table
    except ImportError:  # pragma: no cover - a Textual without the module
        return
    measure = getattr(_data_table, "measure", None)
    own = Text.__rich_measure__
    if measure is None or getattr(measure, "_greencare", False):
        return

    def measure_cell(console: Any, renderable: Any, default: int, **kwargs: Any) -> int:
        if isinstance(renderable, Text) and not kwargs and type(renderable).__rich_measure__ is own:
            lines = renderable.plain.splitlines()
            return max(map(cell_len, lines)) if lines else 0
        return measure(console, renderable, default, **kwargs)

    measure_cell._greencare = True  # type: ignore[attr-defined]
    _data_table.measure = measure_cell


_measure_text_cells()


def markup(template: str, *, limit: int = SHOW_MAX, **values: Any) -> Content:
    """A line with markup of its own (``[b]$name[/b]``) and text from the database in it: the
    values are substituted as plain text, never parsed (each cut to ``limit`` characters)."""
    return Content.from_markup(template, **{k: line(v, limit) for k, v in values.items()})


#: What a shared service's message calls a CLI option, as the screens call the same choice:
#: a TUI user is never told to pass a flag (the import screen words its own: ``tui_words``).
SCREEN_WORDS = (
    ("pass --grid-region", 'choose the "Grid region"'),
    ("(without --strict the report is written with the gaps listed)",
     '(choose "write it, listing the missing factors" to write it with the gaps listed)'),
    ("use --replace to replace it", 'tick "Replace overlaps" to replace it'),
)  # fmt: skip


def screen_words(value: Any) -> str:
    """``value`` with the CLI's option names replaced by the screens' own words."""
    out = "" if value is None else str(value)
    for cli, tui in SCREEN_WORDS:
        out = out.replace(cli, tui)
    return out


def message(value: Any) -> str:
    """A notification or error text: plain (notify with ``markup=False``), controls visible,
    CLI option names in the screens' words."""
    return visible(shorten(screen_words(value), MESSAGE_MAX), keep_newlines=True)


def unit(value: Any) -> Any:
    """A unit as people write it (``m³``, ``ft²``, ``US gallon``; ``greencare.core.unit_names``),
    whatever the database spells it; any other value as it is."""
    from greencare.core.unit_names import display

    return display(value) if isinstance(value, str) else value


def number(value: float, places: int = 2) -> str:
    """``value`` to ``places`` decimals with thousands separators, except that a value those
    places would round to zero keeps two significant figures (0.004, not 0.00): a stored
    quantity must never read as nothing."""
    text = f"{value:,.{places}f}"
    if value and not text.strip("-0.,"):
        return f"{value:.2g}"
    return text


def quantity(value: float | None, unit_name: str | None = None, places: int = 2) -> str:
    """A number with its unit as people write them: ``13,100.00 lb``, ``400 m³``."""
    if value is None:
        return ""
    return f"{number(value, places)} {unit(unit_name or '')}".strip()


#: A cell that reads as a number (a quantity, a cost, a date, a year): never cut to fit.
_NUMBER = re.compile(r"\s*[-−+]?[\d.]")
#: The fewest characters a text column is cut to (with "…") so a table fits its width.
TEXT_MIN = 12


class SafeTable(DataTable[Any]):
    """A DataTable whose text cells are data: every screen uses this, never DataTable itself
    (``tests/tui/test_tui_hostile.py`` checks), so a name like ``[link=x]y[/link]`` or one with
    an escape byte shows as written instead of crashing the app or reaching the terminal.

    A cell that is a stored unit spelling (``m**3``) shows as people write it (``m³``). At
    80 columns a table wider than its place fits by cutting its widest *text* columns (names,
    notes, with "…"), never a number: a column whose cells read as numbers (quantities, costs,
    dates) is shown whole or scrolled off whole, never cut to look like another number."""

    _fit_pending = False

    def add_row(self, *cells: Any, **kwargs: Any) -> Any:
        key = super().add_row(*(cell(unit(c)) for c in cells), **kwargs)
        self._refit()
        return key

    def clear(self, columns: bool = False) -> Any:
        """Clear the rows, and with them their widths: Textual keeps a column as wide as the
        widest cell it ever held, so after a meter of millions of kWh a meter of 15-minute
        readings had its quantities pushed past the edge of an 80-column pane."""
        super().clear(columns)
        for column in self.columns.values():
            column.content_width = measure(self.app.console, column.label, 1)
            if getattr(column, "_fitted", False):
                column.auto_width, column._fitted = True, False  # type: ignore[attr-defined]
        return self

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, cell(unit(value)), **kwargs)
        self._refit()

    def _on_resize(self, event: Resize) -> None:
        super()._on_resize(event)
        self._refit()

    def _refit(self) -> None:
        if not self._fit_pending and self.is_mounted:
            self._fit_pending = True
            self.call_after_refresh(self.fit_columns)

    def _compute_row_renderables(self, row_index: int) -> Any:
        """Cells (and headers) cut to fit their column end in "…", so a cut shows."""
        found = super()._compute_row_renderables(row_index)
        for renderable in found.cells:
            if isinstance(renderable, Text):
                renderable.overflow = "ellipsis"
        return found

    def numeric_column(self, key: Any) -> bool:
        """Every filled cell of the column (of its first 500 rows) reads as a number."""
        found = False
        for i, value in enumerate(self.get_column(key)):
            if i >= 500:
                break
            text = value.plain if isinstance(value, Text) else str(value)
            if not text.strip():
                continue
            if not _NUMBER.match(text):
                return False
            found = True
        return found

    def fit_columns(self) -> None:
        """Cut the widest text columns (down to TEXT_MIN) until the table fits its width."""
        self._fit_pending = False
        width = self.scrollable_content_region.width
        if width <= 0 or not self.columns:
            return
        columns = list(self.columns.values())
        for column in columns:
            if getattr(column, "_fitted", False):
                column.auto_width, column._fitted = True, False  # type: ignore[attr-defined]
        pad = 2 * self.cell_padding
        excess = sum(c.get_render_width(self) for c in columns) - width
        text = [c for c in columns if c.content_width > TEXT_MIN
                and not self.numeric_column(c.key)]  # fmt: skip
        if excess > 0 and text:
            widths = sorted((c.content_width for c in text), reverse=True)
            cap = widths[0]
            while cap > TEXT_MIN and sum(max(0, w - cap) for w in widths) < excess:
                cap -= 1
            for column in text:
                if column.content_width > cap:
                    column.auto_width, column.width = False, cap
                    column._fitted = True  # type: ignore[attr-defined]
        # Still too wide (it scrolls): the column the right edge falls in starts past the
        # edge instead, so no number is half shown (13,100 lb as "13").
        x = 0
        for before, column in zip([None, *columns], columns, strict=False):
            end = x + column.get_render_width(self)
            if x < width < end and before is not None and x > 0:
                before.width = before.get_render_width(self) - pad + (width - x)
                before.auto_width = False
                before._fitted = True  # type: ignore[attr-defined]
                break
            x = end
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh()


class KeysFooter(Footer):
    """The footer of every screen. Textual's rebuilds all its keys on every change of bindings
    (each focus change, each screen shown: fourteen rebuilds in a section's first visit, a
    fifth of its time); this one rebuilds at most once a refresh, and only when the keys it
    would show have changed.

    A key is shown whole or not at all: where the keys are wider than the terminal (Facilities
    at 80 columns), the last ones are left out, from the right, but never `? Help`, which
    lists every key of the screen (Textual's cuts the row, "k R", and hides Help past it)."""

    _pending = False
    _shown: tuple[Any, ...] | None = None
    building = False  #: between a change of keys and their fit (snapshot tests wait it out)

    def bindings_changed(self, screen: Any) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = tuple(
            (b.key, b.description, b.action, b.show, b.group, enabled, tooltip)
            for _, b, enabled, tooltip in self.screen.active_bindings.values()
        )
        if shown != self._shown:
            self._shown, self.building = shown, True
            try:
                await self.recompose()
                self._fit()  # before the next frame: no frame shows the cut row
            finally:
                self.building = False

    def on_resize(self) -> None:
        self._fit()

    @staticmethod
    def _width(key: Any) -> int:
        """A key's columns, from its text, as Textual draws it: " a Add reading " (the key
        padded both sides, the description after), and the palette's "^p palette" with its
        border and padding: key + description + 3 either way. From the text, not the layout,
        so the fit is decided before the first frame (the palette's styles settle later)."""
        return cell_len(key.key_display) + cell_len(key.description) + 3

    def _fit(self) -> None:
        if not self.is_attached:
            return
        palette = [k for k in self.children if k.has_class("-command-palette")]
        keys = [k for k in self.children if k not in palette]
        for key in keys:
            key.display = True
        widths = {key: self._width(key) for key in keys}
        room = self.size.width - sum(self._width(k) for k in palette)
        if not room or sum(widths.values()) <= room:
            return
        keep = [k for k in keys if getattr(k, "action", None) == "help"]
        used = sum(widths[k] for k in keep)
        for key in keys:
            if key in keep:
                continue
            if used + widths[key] <= room:
                used += widths[key]
            else:
                used = room  # the keys after a left-out one are left out too, keeping the order
                key.display = False


class AfterFirstFrame(Lazy):
    """Textual's Lazy, mounting its widget after the screen's first frame is on the terminal
    when the screen is reached by a section switch: a switch holds frames back for a moment
    (``App.delay_update``, 50 ms), in which a plain Lazy mounts its widget before anything is
    shown. At the app's start (its first screen) it is a plain Lazy. For the part of a screen
    below its first lines (Import's options, Reports' less used choices): the screen shows at
    once and the part follows a frame later."""

    async def mount_composed_widgets(self, widgets: list[Any]) -> None:
        parent = self.parent
        if parent is None:
            return
        waited = [0]

        async def mount() -> None:
            held = getattr(self.app, "_batch_count", 0)
            if held and getattr(self.app, "first_frame_shown", False) and waited[0] < 10:
                waited[0] += 1  # frames held by the switch: try again once they resume
                self.set_timer(0.02, lambda: self.call_after_refresh(mount))
                return
            await parent.mount(self._replace_widget, after=self)
            await self.remove()

        self.call_after_refresh(mount)


class LatePart(Vertical):
    """A part of a screen mounted later (in :class:`AfterFirstFrame`): once it is in, it calls
    the screen's ``late_part_mounted(part)``, where the screen fills what it holds."""

    def on_mount(self) -> None:
        mounted = getattr(self.screen, "late_part_mounted", None)
        if mounted is not None:
            mounted(self)


class FormScroll(VerticalScroll, can_focus=False):
    """A scrolling pane of fields, never focused itself: Tab goes from a field to the next (the
    pane scrolls to it), so what a person types next goes into a field, never to the pane,
    where letters are section keys (a path typed after Tab from Import's file tree switched
    sections and was lost)."""


class FieldInput(Input):
    """An Input that never hides the first letters of its value: focusing it selects the
    value with the cursor at its start (typing still replaces it), leaving it scrolls back."""

    def on_focus(self, event: Any) -> None:
        # after Input's own handler (which selects the value, cursor and view at its end)
        if self.select_on_focus and not event.from_app_focus:
            self.call_after_refresh(self._show_start)

    def _show_start(self) -> None:
        if self.value and self.selection == Selection(0, len(self.value)):
            self.selection = Selection(len(self.value), 0)
        if self.cursor_position == 0:
            self.scroll_to(0, animate=False, immediate=True)

    def on_blur(self, event: Any) -> None:
        self.call_after_refresh(self.scroll_to, 0, animate=False, immediate=True)


class SafeSelect(Select[Any]):
    """A Select whose text options are data (facility and meter names): shown as written;
    an option that is a stored unit spelling shows as people write it (``m³``)."""

    def _setup_variables_for_options(self, options: Any) -> None:
        safe = [(plain(unit(p)) if isinstance(p, str) else p, v) for p, v in options]
        super()._setup_variables_for_options(safe)


class SafeDirectoryTree(DirectoryTree):
    """A DirectoryTree whose labels are file names, not markup: a file called ``z[/].csv`` or
    one with an escape byte in its name is listed as it is instead of crashing the screen."""

    def process_label(self, label: Any) -> Text:
        return super().process_label(Text(line(label)) if isinstance(label, str) else label)


class NavBar(Static):
    """One line naming every section with its key; the current one is highlighted, each is
    clickable. Replaces the header so an 80x24 terminal keeps its rows for data."""

    DEFAULT_CSS = """
    NavBar {
        height: 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def __init__(self, mode: str) -> None:
        super().__init__("", id="nav")
        self.mode = mode

    def on_mount(self) -> None:
        self.refresh_text()

    def on_resize(self, event: Resize) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        from greencare.tui.app import NAV_PRIORITY, SECTIONS

        width = self.size.width or 100
        shown = [mode for mode, _, _ in SECTIONS]
        content, spans = self._layout(SECTIONS, title=True, short=False)
        for title, short in ((False, False), (False, True)):
            if content.cell_length <= width:
                break
            content, spans = self._layout(SECTIONS, title=title, short=short)
        # Still too wide: leave out the least used sections (never the one shown), each
        # reachable by its key and listed in the help that "? more" opens.
        dropped = [m for m in reversed(NAV_PRIORITY) if m != self.mode]
        while content.cell_length > width and dropped:
            shown.remove(dropped.pop(0))
            kept = [s for s in SECTIONS if s[0] in shown]
            content, spans = self._layout(kept, title=False, short=True, more=True)
        self.hidden = [s for s in SECTIONS if s[0] not in shown]
        self.spans = spans
        self.update(content)

    def _layout(
        self, sections: list[tuple[str, str, str]], *, title: bool, short: bool,
        more: bool = False,
    ) -> tuple[Content, list[tuple[int, int, str]]]:  # fmt: skip
        """The bar's text and each item's span (a section's mode, or "more" for the help)."""
        parts: list[Content] = []
        spans: list[tuple[int, int, str]] = []
        x = 0
        if title:
            parts.append(Content.from_markup("[b $accent]greencare[/] "))
            x += 10
        for mode, key, label in sections:
            text = SHORT.get(label, label) if short else label
            if mode == self.mode:
                piece = Content.from_markup(f"[reverse b] {key} {text} [/]")
            else:
                piece = Content.from_markup(f" [b $accent]{key}[/] {text}")
            spans.append((x, x + piece.cell_length, mode))
            x += piece.cell_length
            parts.append(piece)
        if more:
            piece = Content.from_markup(f" [b $accent]?[/] {MORE[3:]}")
            spans.append((x, x + piece.cell_length, "more"))
            parts.append(piece)
        return Content("").join(parts), spans

    def on_click(self, event: Click) -> None:
        for start, end, mode in getattr(self, "spans", []):
            if start <= event.x < end:
                if mode == "more":
                    self.app.action_help()  # type: ignore[attr-defined]
                else:
                    self.app.switch_mode(mode)
                return
