"""Help: every key, generated from the bindings actually registered."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, sections: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        lines = ["[b]greencare keys[/b]", "", "[b]Sections[/b]"]
        lines += [f"  {key:<8} {label}" for _, key, label in self.sections]
        lines += ["", "[b]Everywhere[/b]", "  ?        this help", "  ctrl+p   command palette",
                  "  ctrl+t   light / dark theme", "  tab      next table or field",
                  "  esc      leave a text field (section keys work again)",
                  "  q        quit", "", "[b]This screen[/b]"]  # fmt: skip
        stack = self.app.screen_stack
        below = (
            stack[-2] if len(stack) > 1 and stack[-1] is self else (stack[-1] if stack else None)
        )
        for binding in _listed(getattr(below, "BINDINGS", [])):
            lines.append(f"  {_key(binding.key):<8} {binding.description}")
        from greencare.tui.app import screen_class

        lines += ["", "[b]In each section[/b]"]
        for mode, key, label in self.sections:
            keys = [
                f"{_key(b.key)}: {b.description}"
                for b in _listed(getattr(screen_class(mode), "BINDINGS", []))
            ]
            if keys:
                lines.append(f"  {label} ({key}): " + " · ".join(keys))
        lines += ["  forms: ctrl+s save · esc cancel · tab next field",
                  "  dialogs: y yes · n / esc no", "", "Esc closes this help."]  # fmt: skip
        with VerticalScroll(id="help"):
            yield Static("\n".join(lines))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


def _listed(bindings: list[object]) -> list[Binding]:
    """Every binding with a description, the footer's and the hidden ones (Ctrl+D editions,
    Ctrl+R refresh): help is where a key the footer has no room for is found."""
    return [b for b in bindings if isinstance(b, Binding) and b.description]


def _key(key: str) -> str:
    return {"question_mark": "?", "escape": "esc"}.get(key, key)
