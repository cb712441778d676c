"""Small widgets shared by the screens."""

from __future__ import annotations

from textual.content import Content
from textual.events import Click, Resize
from textual.widgets import Static

#: Shorter labels for narrow terminals (80 columns).
SHORT = {"Dashboard": "Dash", "Facilities": "Sites", "Purchases": "Buys"}


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
        from greencare.tui.app import SECTIONS

        width = self.size.width or 100
        for title, short in ((True, False), (False, False), (False, True)):
            content, spans = self._layout(SECTIONS, title=title, short=short)
            if content.cell_length <= width:
                break
        self.spans = spans
        self.update(content)

    def _layout(
        self, sections: list[tuple[str, str, str]], *, title: bool, short: bool
    ) -> tuple[Content, list[tuple[int, int, str]]]:
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
        return Content("").join(parts) + " ", spans

    def on_click(self, event: Click) -> None:
        for start, end, mode in getattr(self, "spans", []):
            if start <= event.x < end:
                self.app.switch_mode(mode)
                return
