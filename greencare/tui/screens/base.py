"""What every section screen shares: the database, a status line and a facility picker."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select, Static

from greencare import services
from greencare.core.errors import GreencareError
from greencare.tui.forms import ConfirmScreen
from greencare.tui.widgets import MESSAGE_MAX, number, plain


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

    def data_key(self) -> tuple[int, ...]:
        """What moves when the data may have changed: greencare's data version, which every
        write transaction adds one to, whichever connection writes (the CLI, another window,
        a worker's own connection, this one). Storing the dashboard's figures does not move
        it: they are not data, and other sections need not reload for them."""
        from greencare.services.database import data_version

        return (data_version(self.db),)

    def remember_data(self) -> None:
        """Note that what the screen shows is current (call after loading it)."""
        self._data_key = self.data_key()

    def data_changed(self) -> bool:
        """Whether anything was written since :meth:`remember_data`: coming back to a section
        reloads it only then, so switching sections costs no query-and-redraw of unchanged
        tables."""
        return self.data_key() != getattr(self, "_data_key", None)

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


#: Rows a paged record list (waste, purchases) holds at first: a few screens' worth. Moving
#: the cursor onto its last row brings :data:`MORE_ROWS` more. Building 500 rows nobody had
#: scrolled to was a third of a first visit to Waste.
FIRST_ROWS = 100
MORE_ROWS = 200


class RecordListScreen(SectionScreen):
    """A section listing one kind of record (waste, purchases, instruments) with a facility
    filter, where Enter or ctrl+e corrects the highlighted record in its add form and Del
    deletes it after a question (both audited, so History can undo them).

    A subclass sets ``PREFIX`` (its widgets are ``#PREFIX-facility``, ``#PREFIX-table`` and
    ``#PREFIX-summary``), ``NOUN``, and implements :meth:`load`, :meth:`get_record`,
    :meth:`delete_record`, :meth:`record_form` and :meth:`delete_question`.
    """

    PREFIX = ""
    NOUN = "record"
    PLURAL = "records"
    #: Rows the list holds now: :data:`FIRST_ROWS`, more once the cursor went past them. A
    #: reload keeps as many (an edited record far down keeps its place); a new filter resets it.
    rows_wanted = FIRST_ROWS
    record_count = 0  # the records the filter matches, shown or not

    # --- what a subclass provides -------------------------------------------------------------
    def load(self) -> None:
        raise NotImplementedError

    def get_record(self, record_id: int) -> dict[str, Any]:
        raise NotImplementedError

    def delete_record(self, record_id: int) -> None:
        raise NotImplementedError

    def record_form(self, existing: dict[str, Any] | None) -> Screen[Any]:
        raise NotImplementedError

    def delete_question(self, record: dict[str, Any]) -> str:
        raise NotImplementedError

    # paged lists (see :meth:`load_records`) also provide these three
    def fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """The filter's records, newest first, from ``offset``."""
        raise NotImplementedError

    def count_records(self) -> int:
        raise NotImplementedError

    def add_record(self, table: DataTable[Any], record: dict[str, Any]) -> None:
        raise NotImplementedError

    # --- shared behaviour ---------------------------------------------------------------------
    @property
    def record_table(self) -> DataTable[Any]:
        return self.query_one(f"#{self.PREFIX}-table", DataTable)

    @property
    def facility_select(self) -> Select[Any]:
        return self.query_one(f"#{self.PREFIX}-facility", Select)

    @property
    def facility_id(self) -> int | None:
        value = self.facility_select.value
        return value if isinstance(value, int) else None

    def reload(self) -> None:
        """Load the records and remember that they are current."""
        self.load()
        self.remember_data()

    def on_screen_resume(self) -> None:
        if self.data_changed():
            self.refill_facility_select(self.facility_select)
            self.reload()

    def load_records(self) -> list[dict[str, Any]]:
        """Fill the table with the newest :attr:`rows_wanted` records (the cursor kept on its
        record) and say how many there are in all; returns the rows shown."""
        table = self.record_table
        keep, row = self.selected_key(table), table.cursor_row
        table.clear()
        rows = self.fetch(0, max(self.rows_wanted, FIRST_ROWS))
        self.record_count = self.count_records()
        for record in rows:
            self.add_record(table, record)
        self.restore_cursor(table, keep, row)
        self.show_count(len(rows), self.record_count, self.PLURAL)
        return rows

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if (table.id == f"{self.PREFIX}-table" and event.cursor_row >= table.row_count - 1
                and table.row_count < self.record_count):  # fmt: skip
            self.call_after_refresh(self.more_records)

    def more_records(self) -> None:
        """The next :data:`MORE_ROWS` records below the last one shown (the cursor on its
        last row); if anything was written meanwhile, the list is read again as far."""
        table = self.record_table
        if table.row_count >= self.record_count:
            return
        self.rows_wanted = table.row_count + MORE_ROWS
        if self.data_changed():
            self.reload()
            return
        shown = {key.value for key in table.rows}
        for record in self.fetch(table.row_count, MORE_ROWS):
            if str(record["id"]) not in shown:
                self.add_record(table, record)
        self.show_count(table.row_count, self.record_count, self.PLURAL)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == f"{self.PREFIX}-facility":
            self.rows_wanted = FIRST_ROWS
            self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == f"{self.PREFIX}-table":
            self.action_edit_record()

    def action_refresh(self) -> None:
        self.refill_facility_select(self.facility_select)
        self.reload()

    def show_count(self, shown: int, total: int, plural: str) -> None:
        """'N plural' (or 'newest N of M plural' when the page holds fewer than all)."""
        text = f"newest {shown:,} of {total:,}" if total > shown else f"{total:,}"
        self.query_one(f"#{self.PREFIX}-summary", Static).update(f"  {text} {plural}")

    def highlighted(self) -> dict[str, Any] | None:
        """The stored record under the cursor, re-read (None when the table is empty)."""
        key = self.selected_key(self.record_table)
        if key is None:
            return None
        try:
            return self.get_record(int(key))
        except GreencareError as exc:  # deleted meanwhile (another window, the CLI)
            self.app.notify(str(exc), severity="warning")
            self.reload()
            return None

    def open_form(self, existing: dict[str, Any] | None, title: str) -> None:
        """The add form (``existing`` None) or the correction form; reloads and keeps the
        cursor on the saved record."""
        if existing is None and not self.facility_options():
            self.app.notify("Add a facility first (f).", severity="warning")
            return

        def saved(result: Any) -> None:
            if result is None:
                return
            table = self.record_table
            self.reload()
            if isinstance(result, dict) and "id" in result:
                self.restore_cursor(table, str(result["id"]), table.cursor_row)
            count = len(result) if isinstance(result, list) else 1
            if existing is not None:
                what = f"{self.NOUN} {existing['id']}"
            else:
                what = f"{count} {self.NOUN}{'s' * (count != 1)}"
            self.app.notify(f"Saved {what}.", title=title)

        self.app.push_screen(self.record_form(existing), saved)

    def action_edit_record(self) -> None:
        """Correct the highlighted record in the same form as adding one (audited)."""
        record = self.highlighted()
        if record is None:
            self.app.notify(f"No {self.NOUN} to edit.", severity="warning")
            return
        self.open_form(record, f"{self.NOUN.capitalize()} corrected")

    def action_delete_record(self) -> None:
        record = self.highlighted()
        if record is None:
            self.app.notify(f"No {self.NOUN} to delete.", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.delete_record(int(record["id"]))
            except GreencareError as exc:  # busy, read-only, or deleted meanwhile elsewhere
                self.app.notify(str(exc), title="Not deleted", severity="error")
                return
            self.reload()
            self.app.notify(f"Deleted {self.NOUN} {record['id']}.", title="Deleted")

        question = f"{self.delete_question(record)} (audited; History can undo it)"
        self.app.push_screen(ConfirmScreen(question, yes="Delete"), answer)


def money(amount: float | None, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f} {currency or ''}".strip()


def num(value: float | None, places: int = 2) -> str:
    if value is None:
        return ""
    return number(value, places)
