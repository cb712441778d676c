"""What every section screen shares: the database, a status line and a facility picker."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from greencare import services
from greencare.tui.widgets import MESSAGE_MAX, plain


class SectionScreen(Screen[None]):
    """A section of the app (one mode). Subclasses set BINDINGS; the palette lists them.

    Esc leaves a text field, so the section keys (d, f, e, …) work again.
    """

    BINDINGS = [Binding("escape", "leave_field", "Leave field", show=False)]

    def action_leave_field(self) -> None:
        if isinstance(self.focused, Input):
            self.set_focus(None)

    @property
    def db(self) -> Any:
        return self.app.db  # type: ignore[attr-defined]

    def set_status(self, text: str) -> None:
        for status in self.query("#status").results(Static):
            status.update(plain(text, MESSAGE_MAX))

    def facility_options(self) -> list[tuple[str, int]]:
        return [(f.name, f.id or 0) for f in services.list_facilities(self.db)]

    def refill_facility_select(self, select: Select[Any]) -> None:
        """Reload a facility Select's options, keeping the choice when it still exists."""
        options = self.facility_options()
        current = select.value
        select.set_options(options)
        if current is not Select.NULL and any(v == current for _, v in options):
            select.value = current

    @staticmethod
    def selected_key(table: DataTable[Any]) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    @staticmethod
    def restore_cursor(table: DataTable[Any], key: str | None, row: int) -> None:
        """After a reload, put the cursor back on the row ``key`` (an edited record), else
        as near ``row`` as the table now reaches (a deleted one's neighbour)."""
        if table.row_count == 0:
            return
        index = next((i for i, k in enumerate(table.rows) if k.value == key), None)
        table.move_cursor(row=index if index is not None else min(row, table.row_count - 1))


def money(amount: float | None, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency or ''}".strip()


def num(value: float | None, places: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:,.{places}f}"
