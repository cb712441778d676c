"""Energy: facilities, their meters and each meter's bills and readings; add a reading."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from greencare import services
from greencare.core.models import Facility, Meter

#: Readings shown per meter: the newest page; the table never loads a whole history.
PAGE_SIZE = 200


class EnergyScreen(Screen[None]):
    """Facilities on the left, their meters below, the chosen meter's readings on the right."""

    BINDINGS = [
        Binding("a", "add_reading", "Add reading", id="energy.add_reading"),
        Binding("ctrl+r", "refresh", "Refresh", id="energy.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facilities: list[Facility] = []
        self.meters: list[Meter] = []
        self.facility: Facility | None = None
        self.meter: Meter | None = None

    @property
    def db(self) -> Any:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static("Facilities", classes="pane-title")
                yield DataTable(id="facilities", cursor_type="row", zebra_stripes=True)
                yield Static("Meters", classes="pane-title")
                yield DataTable(id="meters", cursor_type="row", zebra_stripes=True)
            with Vertical(id="right"):
                yield Static("Readings", id="readings-title", classes="pane-title")
                yield DataTable(id="readings", cursor_type="row", zebra_stripes=True)
                yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        facilities = self.query_one("#facilities", DataTable)
        facilities.add_columns("Facility", "Grid", "Beds")
        meters = self.query_one("#meters", DataTable)
        meters.add_columns("Meter", "Commodity", "Unit")
        readings = self.query_one("#readings", DataTable)
        readings.add_columns("First day", "Last day", "Quantity", "Unit", "Est.", "Cost")
        self.load_facilities()
        facilities.focus()

    # -- loading --------------------------------------------------------------------------------

    def load_facilities(self) -> None:
        table = self.query_one("#facilities", DataTable)
        table.clear()
        self.facilities = services.list_facilities(self.db)
        for f in self.facilities:
            table.add_row(f.name, f.grid_region or "-", f.staffed_beds or "-", key=str(f.id))
        if not self.facilities:
            self.show_meters(None)
            self.set_status(
                "No facilities yet: add one with `greencare facility add`, or try `greencare demo`."
            )
        else:
            self.show_meters(self.facilities[min(table.cursor_row, len(self.facilities) - 1)])

    def show_meters(self, facility: Facility | None) -> None:
        self.facility = facility
        table = self.query_one("#meters", DataTable)
        table.clear()
        self.meters = services.list_meters(self.db, facility=facility.id) if facility else []
        for m in self.meters:
            table.add_row(m.name, m.commodity.value.replace("_", " "), m.unit, key=str(m.id))
        self.show_readings(self.meters[0] if self.meters else None)

    def show_readings(self, meter: Meter | None) -> None:
        self.meter = meter
        table = self.query_one("#readings", DataTable)
        table.clear()
        title = self.query_one("#readings-title", Static)
        if meter is None:
            title.update("Readings")
            self.set_status("No meter selected.")
            return
        rows = services.list_readings(self.db, meter=meter.id, limit=PAGE_SIZE)
        total = services.count_readings(self.db, meter=meter.id)
        title.update(f"Readings: {meter.name}")
        for r in rows:
            cost = "" if r["cost"] is None else f"{r['cost']:,.2f} {r['currency'] or ''}"
            table.add_row(
                r["start"],
                r["end"],
                f"{r['quantity']:,.2f}",
                r["unit"],
                "est." if r["estimated"] else "",
                cost,
                key=str(r["id"]),
            )
        shown = f"newest {len(rows):,} of {total:,}" if total > len(rows) else f"{total:,}"
        self.set_status(f"{shown} readings. Press a to add a reading.")

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # -- events ---------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#facilities")
    def _facility_highlighted(self, event: DataTable.RowHighlighted) -> None:
        chosen = next((f for f in self.facilities if str(f.id) == event.row_key.value), None)
        if chosen is not None and chosen != self.facility:
            self.show_meters(chosen)

    @on(DataTable.RowHighlighted, "#meters")
    def _meter_highlighted(self, event: DataTable.RowHighlighted) -> None:
        chosen = next((m for m in self.meters if str(m.id) == event.row_key.value), None)
        if chosen is not None and chosen != self.meter:
            self.show_readings(chosen)

    # -- actions --------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load_facilities()

    def action_add_reading(self) -> None:
        from greencare.tui.screens.reading_form import ReadingForm

        if self.meter is None or self.facility is None:
            self.app.notify("Choose a meter first.", severity="warning")
            return
        meter = self.meter

        def saved(row: dict[str, Any] | None) -> None:
            if row is None:
                return
            self.show_readings(meter)
            self.app.notify(
                f"Saved {row['quantity']:,.2f} {row['unit']} for {row['start']} to {row['end']}.",
                title="Reading added",
            )

        self.app.push_screen(ReadingForm(self.db, meter, self.facility), saved)
