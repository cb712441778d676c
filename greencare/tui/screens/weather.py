"""Weather of one facility: monthly heating and cooling degree days and where they came from."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from greencare.core.errors import GreencareError
from greencare.core.models import Facility
from greencare.tui.widgets import MESSAGE_MAX, FieldInput, SafeTable, plain

#: Months shown, newest last (the CLI and API give the whole record).
SHOWN = 36


class WeatherScreen(ModalScreen[None]):
    """Monthly HDD/CDD for the facility at a base the user can change; Esc closes."""

    DEFAULT_CSS = """
    WeatherScreen { align: center middle; }
    #weather { width: 100; max-width: 100%; height: 90%; border: thick $primary;
               background: $surface; padding: 0 1; }
    #weather-base-row { height: 1; margin-bottom: 1; }
    #weather-base { width: 12; border: none; height: 1; background: $boost; }
    #weather-table { height: 1fr; }
    #weather-source { height: auto; color: $text-muted; }
    #weather-note { height: auto; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="weather.close"),
    ]

    def __init__(self, db: Any, facility: Facility) -> None:
        super().__init__()
        self.db = db
        self.facility = facility

    def compose(self) -> ComposeResult:
        with Vertical(id="weather"):
            yield Static(
                plain(f"Weather: {self.facility.name}"), id="weather-title", classes="pane-title"
            )
            with Horizontal(id="weather-base-row"):
                yield Label("Base (65F, 18C) ", classes="field-label")
                yield FieldInput("65F", id="weather-base", compact=True)
            yield SafeTable(id="weather-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="weather-note")
            yield Static("", id="weather-source")
            with Horizontal(id="form-buttons"):
                yield Button("Close", id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#weather-table", DataTable).add_columns("Month", "HDD", "CDD", "Unit")
        self.load()
        self.query_one("#weather-table", DataTable).focus()

    @on(Input.Submitted, "#weather-base")
    def load(self) -> None:
        from greencare.services import weather

        table = self.query_one("#weather-table", DataTable)
        note = self.query_one("#weather-note", Static)
        source = self.query_one("#weather-source", Static)
        table.clear()
        base = self.query_one("#weather-base", Input).value
        try:
            frame = weather.monthly_degree_days(
                self.db, facility=int(self.facility.id or 0), base=base
            )
        except (GreencareError, ValueError) as exc:
            note.update(plain(f"Not available: {exc}", MESSAGE_MAX))
            source.update("")
            return
        if frame.empty:
            note.update("No complete months of weather data.")
            source.update("")
            return
        shown = frame.tail(SHOWN)
        for row in shown.itertuples(index=False):
            table.add_row(row.month, _dd(row.hdd), _dd(row.cdd), row.unit, key=row.month)
        table.move_cursor(row=len(shown) - 1)
        first, last = frame["month"].iloc[0], frame["month"].iloc[-1]
        note.update(
            plain(
                f"{len(frame):,} months, {first} to {last}, base {frame['base'].iloc[0]}"
                + (f"; showing the last {SHOWN}" if len(frame) > SHOWN else "")
            )
        )
        sources = " · ".join(dict.fromkeys(shown["source"]))
        methods = " · ".join(dict.fromkeys(shown["method"]))
        source.update(plain(f"Source: {sources}\nMethod: {methods}", MESSAGE_MAX))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


def _dd(value: float) -> str:
    if value != value:  # NaN: that kind was not imported
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
