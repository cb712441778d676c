"""Energy: facilities, their meters and each meter's bills and readings; add a reading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from greencare import services
from greencare.core.errors import GreencareError
from greencare.core.models import Facility, Meter
from greencare.tui.widgets import MESSAGE_MAX, KeysFooter, NavBar, SafeTable, plain
from greencare.tui.widgets import number as num

#: Readings per page: the table holds one page of a meter's history, never all of it.
PAGE_SIZE = 200


def period_cells(start: str, end: str) -> tuple[str, str]:
    """A reading's period as the table shows it. A bill's first and last days as stored; an
    interval reading's start as date and time with its UTC offset (which tells the repeated
    fall-back hour apart) and its end as the time alone when it ends that day or at the next
    midnight at the same offset: at 80 columns "2025-12-31T23:45-05:00" twice left no room
    for the quantity."""
    if "T" not in start or "T" not in end:
        return start, end
    try:
        first, last = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
    except ValueError:
        return start, end
    shown = start.replace("T", " ", 1)
    midnight = last.time() == dt.time(0) and last.date() == first.date() + dt.timedelta(days=1)
    if last.utcoffset() == first.utcoffset() and (last.date() == first.date() or midnight):
        return shown, last.strftime("%H:%M:%S" if last.second else "%H:%M")
    return shown, end.replace("T", " ", 1)


class PagedTable(SafeTable):
    """A DataTable that asks for the next (previous) page when the cursor would leave its end."""

    @dataclass
    class Edge(Message):
        table: PagedTable
        step: int  # +1 next page (older), -1 previous page (newer)

    def _at_end(self) -> bool:
        return self.row_count > 0 and self.cursor_row >= self.row_count - 1

    def action_cursor_down(self) -> None:
        if self._at_end():
            self.post_message(self.Edge(self, +1))
        else:
            super().action_cursor_down()

    def action_page_down(self) -> None:
        if self._at_end():
            self.post_message(self.Edge(self, +1))
        else:
            super().action_page_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.Edge(self, -1))
        else:
            super().action_cursor_up()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.Edge(self, -1))
        else:
            super().action_page_up()


class EnergyScreen(Screen[None]):
    """Facilities on the left, their meters below, the chosen meter's readings on the right."""

    MODE = "energy"
    BINDINGS = [
        Binding("a", "add_reading", "Add reading", id="energy.add_reading"),
        Binding("ctrl+e", "edit_reading", "Edit reading", id="energy.edit_reading"),
        Binding("delete", "delete_reading", "Delete reading", id="energy.delete_reading"),
        Binding("v", "interval", "Interval charts", show=False, id="energy.interval"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="energy.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facilities: list[Facility] = []
        self.meters: list[Meter] = []
        self.facility: Facility | None = None
        self.meter: Meter | None = None
        self.page_offset = 0
        self.total = 0
        #: The data version the readings page was read at (None: not read yet).
        self._shown_version: int | None = None

    @property
    def db(self) -> Any:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static("Facilities", classes="pane-title")
                yield SafeTable(id="facilities", cursor_type="row", zebra_stripes=True)
                yield Static("Meters", classes="pane-title")
                yield SafeTable(id="meters", cursor_type="row", zebra_stripes=True)
            with Vertical(id="right"):
                yield Static("Readings", id="readings-title", classes="pane-title")
                yield PagedTable(id="readings", cursor_type="row", zebra_stripes=True)
                yield Static("", id="status")
        yield KeysFooter()

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

    def show_readings(self, meter: Meter | None, offset: int = 0, cursor: int = 0) -> None:
        """Show one page of a meter's readings, newest first, starting ``offset`` rows in."""
        self.meter = meter
        table = self.query_one("#readings", DataTable)
        table.clear()
        title = self.query_one("#readings-title", Static)
        if meter is None:
            title.update("Readings")
            self.page_offset = self.total = 0
            self.set_status("No meter selected.")
            return
        self.total = services.count_readings(self.db, meter=meter.id)
        self.page_offset = max(0, min(offset, max(self.total - 1, 0)))
        rows = services.list_readings(
            self.db, meter=meter.id, limit=PAGE_SIZE, offset=self.page_offset
        )
        title.update(plain(f"Readings: {meter.name}"))
        for r in rows:
            cost = "" if r["cost"] is None else f"{r['cost']:,.2f} {r['currency'] or ''}"
            start, end = period_cells(r["start"], r["end"])
            table.add_row(
                start,
                end,
                num(r["quantity"]),
                r["unit"],
                "est." if r["estimated"] else "",
                cost,
                key=str(r["id"]),
            )
        from greencare.services.database import data_version

        self._shown_version = data_version(self.db)
        if rows:
            table.move_cursor(row=min(cursor if cursor >= 0 else len(rows) - 1, len(rows) - 1))
            first, last = self.page_offset + 1, self.page_offset + len(rows)
            charts = " · v charts" if services.has_interval_data(self.db, meter.id or 0) else ""
            self.set_status(f"rows {first:,}–{last:,} of {self.total:,} · PgUp/PgDn pages{charts}")
        else:
            self.set_status("No readings yet. Press a to add a reading.")

    @on(PagedTable.Edge)
    def _page(self, event: PagedTable.Edge) -> None:
        if self.meter is None:
            return
        if event.step > 0 and self.page_offset + PAGE_SIZE < self.total:
            self.show_readings(self.meter, self.page_offset + PAGE_SIZE, cursor=0)
        elif event.step < 0 and self.page_offset > 0:
            self.show_readings(self.meter, max(0, self.page_offset - PAGE_SIZE), cursor=-1)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text, MESSAGE_MAX))

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

    def on_screen_resume(self) -> None:
        """Back from another section or a dialog: show what changed (an import, a new bill);
        when nothing was written since (greencare's data version), the page is as it was."""
        from greencare.services.database import data_version

        if self.meter is not None and data_version(self.db) != self._shown_version:
            table = self.query_one("#readings", DataTable)
            self.show_readings(self.meter, self.page_offset, cursor=table.cursor_row)

    def action_refresh(self) -> None:
        self.load_facilities()

    def _warn(self, row: dict[str, Any]) -> None:
        """What the save was accepted over (a billed demand below the metered peak...)."""
        for warning in row.get("warnings", []):
            self.app.notify(warning, title="Check this bill", severity="warning")

    def action_interval(self) -> None:
        """Charts and metrics of the chosen meter's interval data (15-minute, hourly)."""
        from greencare.tui.screens.interval import IntervalScreen

        if self.meter is None:
            self.app.notify("Choose a meter first.", severity="warning")
            return
        if not services.has_interval_data(self.db, self.meter.id or 0):
            self.app.notify(
                f"{self.meter.name} has no interval readings (readings of an hour or less): "
                "its bills are in the table.",
                severity="warning",
            )
            return
        self.app.push_screen(IntervalScreen(self.meter.id or 0, self.meter.name))

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
                f"Saved {num(row['quantity'])} {row['unit']} for {row['start']} to {row['end']}.",
                title="Reading added",
            )
            self._warn(row)

        self.app.push_screen(ReadingForm(self.db, meter, self.facility), saved)

    @on(DataTable.RowSelected, "#readings")
    def _reading_selected(self) -> None:
        self.action_edit_reading()

    def action_edit_reading(self) -> None:
        """Correct the highlighted reading in the same form as adding one (audited)."""
        from greencare.tui.screens.reading_form import ReadingForm

        table = self.query_one("#readings", DataTable)
        if self.meter is None or self.facility is None or table.row_count == 0:
            self.app.notify("No reading to edit.", severity="warning")
            return
        key = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)
        meter, offset, cursor = self.meter, self.page_offset, table.cursor_row
        try:
            existing = services.get_reading(self.db, key)
        except GreencareError as exc:  # deleted meanwhile (another window, the CLI)
            self.app.notify(str(exc), severity="warning")
            self.show_readings(meter, offset, cursor=cursor)
            return

        def saved(row: dict[str, Any] | None) -> None:
            if row is None:
                return
            self.show_readings(meter, offset, cursor=cursor)
            self.app.notify(
                f"Reading {row['id']} is now {num(row['quantity'])} {row['unit']} for "
                f"{row['start']} to {row['end']}.",
                title="Reading corrected",
            )
            self._warn(row)

        self.app.push_screen(ReadingForm(self.db, meter, self.facility, existing), saved)

    def action_delete_reading(self) -> None:
        from greencare.tui.forms import ConfirmScreen

        table = self.query_one("#readings", DataTable)
        if self.meter is None or table.row_count == 0:
            self.app.notify("No reading to delete.", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        start, end, quantity, unit, *_ = table.get_row(key)
        meter, offset, cursor = self.meter, self.page_offset, table.cursor_row

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                services.delete_reading(self.db, int(key or 0), source="tui")
            except GreencareError as exc:  # busy, read-only, or deleted meanwhile elsewhere
                self.app.notify(str(exc), title="Not deleted", severity="error")
                return
            self.show_readings(meter, offset, cursor=cursor)
            self.app.notify(f"Deleted {quantity} {unit} for {start} to {end}.", title="Deleted")

        self.app.push_screen(
            ConfirmScreen(
                f"Delete the reading of [b]{quantity} {unit}[/b] for {start} to {end} "
                f"from {meter.name}? (audited; the history keeps a copy)",
                yes="Delete",
            ),
            answer,
        )
