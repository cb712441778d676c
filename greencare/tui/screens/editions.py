"""Choose factor editions: by activity year (the default) or one edition pinned per family."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from greencare.core.factors import FactorLibrary
from greencare.tui.widgets import SafeSelect

#: Families whose edition follows the activity year (reference data always uses the latest).
YEARLY = ("epa-ghg-hub", "desnz")


class EditionsScreen(ModalScreen[dict[str, str] | None]):
    """Dismisses with the pins ({family: edition}); an empty dict means by activity year."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="editions.cancel"),
        Binding("ctrl+s", "save", "Save", id="editions.save"),
    ]

    def __init__(self, pins: dict[str, str]) -> None:
        super().__init__()
        self.pins = dict(pins)

    def compose(self) -> ComposeResult:
        library = FactorLibrary.bundled()
        with Vertical(id="form"):
            yield Static(
                "Factor editions: by default each month gets one by its year (US electricity: "
                "the nearest eGRID data year; otherwise the latest edition not after the year, "
                "else the earliest). Pin one edition to use it for every year.",
                id="form-title",
            )
            for family in YEARLY:
                editions = library.editions(family)
                with Horizontal(classes="edition-row"):
                    yield Label(f"{family:<14}", classes="field-label")
                    yield SafeSelect(
                        [(f"{d.edition} ({d.title})", d.edition) for d in editions],
                        prompt="by activity year",
                        value=self.pins.get(family, Select.NULL),
                        id=f"pin-{family}",
                        compact=True,
                    )
            with Horizontal(id="form-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        pins = {}
        for family in YEARLY:
            value = self.query_one(f"#pin-{family}", Select).value
            if isinstance(value, str):
                pins[family] = value
        self.dismiss(pins)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
