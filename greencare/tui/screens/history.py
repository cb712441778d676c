"""History: the audit log (every change, from what to what) and the import batches, with undo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Select, Static

from greencare import services
from greencare.core.errors import GreencareError
from greencare.services import history as queries
from greencare.tui.forms import ConfirmScreen
from greencare.tui.screens.base import FIRST_ROWS, MORE_ROWS, SectionScreen
from greencare.tui.widgets import (
    DETAIL_MAX,
    FieldInput,
    KeysFooter,
    NavBar,
    SafeSelect,
    SafeTable,
    line,
    plain,
)


@dataclass
class UndoDone(Message):
    batch_id: int
    result: dict[str, int] | None
    error: str | None = None


def describe(entry: dict[str, Any]) -> Content:
    """An audit entry as a person reads it: when, what, and each change as ``field: old -> new``
    (``services.history.readable_entries``; periods in the facility's local dates).

    Bold labels are markup; the entry's own text (which another tool may have written) is
    added as plain Content, never parsed: escaping alone misses brackets such as ``\x1b[31m``.
    """
    lines = [
        Content.from_markup(f"[b]#{int(entry['id'])}[/b] ")
        + plain(
            f"{(entry.get('when') or '')[:19].replace('T', ' ')} · {entry['action']} "
            f"{entry['table']} "
            + ("" if entry["row_id"] is None else f"row {entry['row_id']} ")  # settings: none
            + f"· source {line(entry['source'])}"
        )
    ]
    found = entry.get("changes") or []
    lines.append(
        Content.from_markup("[b]changed:[/b] ") + plain("; ".join(found) or "-", DETAIL_MAX)
    )
    return Content("\n").join(lines)


class HistoryScreen(SectionScreen):
    """The audit log, filterable by table and source; import batches below, each undoable."""

    MODE = "history"
    BINDINGS = [
        Binding("z", "undo_change", "Undo change", id="history.undo_change"),
        Binding("u", "undo_batch", "Undo import", id="history.undo"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="history.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, dict[str, Any]] = {}
        self.more_entries = False  # the last page read was full: older entries may follow
        #: What the last undo of a change did, kept on the status line through reloads.
        self.note = ""

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Vertical(id="main"):
            with Horizontal(classes="filter-bar"):
                yield Label("Table ", classes="filter-label")
                yield SafeSelect([], prompt="All tables", id="hist-table-filter", compact=True)
                yield Label(" Source ", classes="filter-label")
                yield FieldInput(placeholder="tui, cli, import:3…", id="hist-source", compact=True)
                yield Static("", id="hist-summary", classes="filter-note")
            yield SafeTable(id="hist-audit", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="hist-detail-box"):
                yield Static("", id="hist-detail")
            yield Static("Import batches (u undoes the highlighted one)", classes="pane-title")
            yield SafeTable(id="hist-batches", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#hist-audit", DataTable).add_columns(
            "Time", "Table", "Row", "Action", "Source"
        )
        self.query_one("#hist-batches", DataTable).add_columns(
            "Batch", "File", "Format", "Status", "Read", "Added", "Imported", "Undone"
        )
        self.load()
        self.query_one("#hist-audit", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self.data_changed():
            self.load()

    def load(self) -> None:
        self.remember_data()
        select = self.query_one("#hist-table-filter", Select)
        tables = [(t, t) for t in queries.audit_tables(self.db)]
        current = select.value
        if [v for _, v in tables] != [v for _, v in select._options if v is not Select.NULL]:
            select.set_options(tables)
            if any(v == current for _, v in tables):
                select.value = current
        self.load_audit()
        self.load_batches()

    def load_audit(self) -> None:
        table = self.query_one("#hist-audit", DataTable)
        table.clear()
        self.entries = {}
        self.more_audit(table, FIRST_ROWS)
        first = next(iter(self.entries.values()), None)
        self.show_entry(first)

    def more_audit(self, table: DataTable[Any], count: int) -> None:
        """The next ``count`` entries of the filter, older than the last one shown (ids only
        grow, so entries written meanwhile never shift them)."""
        chosen = self.query_one("#hist-table-filter", Select).value
        source = self.query_one("#hist-source", Input).value.strip()
        oldest = min((int(k) for k in self.entries), default=None)
        rows = queries.readable_entries(
            self.db, table=chosen if isinstance(chosen, str) else None, source=source or None,
            limit=count, before=oldest,
        )  # fmt: skip
        for r in rows:
            self.entries[str(r["id"])] = r
            table.add_row(
                (r.get("when") or "")[:19].replace("T", " "), r["table"], str(r["row_id"] or ""),
                r["action"], r["source"], key=str(r["id"]),
            )  # fmt: skip
        self.more_entries = len(rows) == count  # a full page: there may be older ones
        self.query_one("#hist-summary", Static).update(
            f"  {len(self.entries):,} entries" + (" (newest)" if self.more_entries else "")
        )

    def load_batches(self) -> None:
        table = self.query_one("#hist-batches", DataTable)
        table.clear()
        for b in services.list_batches(self.db):
            table.add_row(
                str(b["id"]), b["file_name"], b["format"] or "", b["status"],
                f"{b['rows_read'] or 0:,}", f"{b['rows_inserted'] or 0:,}",
                (b.get("created_at") or "")[:19], (b.get("undone_at") or "")[:19],
                key=str(b["id"]),
            )  # fmt: skip
        self.set_status(
            self.note
            or "z undo the highlighted change · u undo an import · filter by table or source"
        )

    def show_entry(self, entry: dict[str, Any] | None) -> None:
        self.query_one("#hist-detail", Static).update(
            describe(entry) if entry else "No changes recorded yet."
        )

    @on(DataTable.RowHighlighted, "#hist-audit")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_entry(self.entries.get(event.row_key.value or ""))
        table = event.data_table
        if self.more_entries and event.cursor_row >= table.row_count - 1:
            self.more_entries = False  # asked for once
            self.call_after_refresh(self.more_audit, table, MORE_ROWS)

    @on(Select.Changed, "#hist-table-filter")
    def _table_filter(self) -> None:
        self.load_audit()

    @on(Input.Changed, "#hist-source")
    def _source_filter(self) -> None:
        self.load_audit()

    def action_refresh(self) -> None:
        self.load()

    def action_undo_batch(self) -> None:
        table = self.query_one("#hist-batches", DataTable)
        key = self.selected_key(table)
        if key is None:
            self.app.notify("No import to undo.", severity="warning")
            return
        batch = next((b for b in services.list_batches(self.db) if str(b["id"]) == key), None)
        if batch is None:
            return
        if batch["status"] == "undone":
            self.app.notify(f"Batch {key} was already undone.", severity="warning")
            return
        question = (
            f"Undo import batch [b]{key}[/b] ({batch['file_name']}, "
            f"{batch['rows_inserted'] or 0:,} rows)? Its rows are removed and anything it "
            "replaced is put back; the audit log keeps a record."
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self.set_status(f"undoing batch {key}…")
                self.undo(int(key))

        self.app.push_screen(ConfirmScreen(question, yes="Undo import"), answer)

    def action_undo_change(self) -> None:
        """Put back the row the highlighted audit entry changed (its newest change only)."""
        key = self.selected_key(self.query_one("#hist-audit", DataTable))
        entry = self.entries.get(key or "")
        if entry is None:
            self.app.notify("No change to undo.", severity="warning")
            return
        what = {"delete": "put back the deleted", "update": "change back the edited",
                "insert": "remove the added"}.get(entry["action"], "reverse the")  # fmt: skip
        question = (
            f"Undo audit entry {entry['id']}: {what} {entry['table']} row "
            f"{entry['row_id']}? The undo is recorded in the log too."
        )

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                done = queries.undo_change(self.db, int(entry["id"]), source="tui")
            except GreencareError as exc:  # a later change stands, busy, read-only
                self.set_status(f"not undone: {exc}")
                self.app.notify(str(exc), title="Not undone", severity="error")
                return
            text = f"Audit entry {done['entry']} undone: {done['table']} row {done['row_id']} "
            text += f"{done['done']}."
            self.note = text
            self.load()
            self.app.notify(text, title="Change undone")

        self.app.push_screen(ConfirmScreen(question, yes="Undo change"), answer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="undo")
    def undo(self, batch_id: int) -> None:
        from greencare.services import imports
        from greencare.services.database import open_db

        db_path = getattr(self.app, "db_path", None)
        try:
            db = open_db(db_path) if db_path else self.db
            result = imports.undo(db, batch_id, source="tui")
        except Exception as exc:  # shown on the screen
            self.post_message(UndoDone(batch_id, None, str(exc)))
            return
        self.post_message(UndoDone(batch_id, result))

    def on_undo_done(self, message: UndoDone) -> None:
        if message.error or message.result is None:
            self.set_status(f"undo failed: {message.error}")
            self.app.notify(str(message.error), title="Undo failed", severity="error")
            return
        text = (
            f"Batch {message.batch_id} undone: removed {message.result['removed']:,} rows, "
            f"restored {message.result['restored']:,}."
        )
        self.load()
        self.set_status(text)
        self.app.notify(text, title="Import undone")
