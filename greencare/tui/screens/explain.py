"""Where a figure comes from: its lines (activity x factor x gas), and the readings behind a line.

The same drill-down as ``greencare explain --records``, from the screen: the figures of a
period (total, scopes, categories) → the lines that sum to one (activity, factor dataset,
edition, table and row, GWP set, CO2e) → for a meter's line, its readings in that month, a
page at a time. Everything comes from ``services.inventory`` in thread workers; names and
file text are shown as written (SafeTable cells, ``plain``), never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from greencare.tui.widgets import MESSAGE_MAX, KeysFooter, SafeTable, markup, plain, unit

#: Readings per page of the records screen (a 15-minute meter has ~2,900 a month).
RECORDS_PAGE = 200


@dataclass
class Loaded(Message):
    """A worker's answer: what it was for, the data, or the error it met."""

    kind: str
    data: Any = None
    error: str | None = None
    token: int = 0


def _open_db(app: Any) -> Any:
    from greencare.services.database import open_db

    path = getattr(app, "db_path", None)
    return open_db(path) if path else app.db


def _t(value: float) -> str:
    return f"{value:,.3f}"


class ExplainScreen(Screen[None]):
    """The figures of one or more periods; Enter on a figure lists its lines, Enter on a
    meter's line lists the readings behind it."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="explain.back"),
        Binding("ctrl+r", "refresh", "Refresh", id="explain.refresh"),
    ]

    def __init__(
        self,
        periods: list[tuple[str, str, str]],
        *,
        facility: int | None = None,
        facility_name: str = "all facilities",
        gwp: str | None = None,
        pins: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.periods, self.facility, self.facility_name = periods, facility, facility_name
        self.gwp, self.pins = gwp, pins
        self.figures: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.figure: dict[str, Any] | None = None
        self._token = 0

    def compose(self) -> ComposeResult:
        yield Static(
            plain(f"Explain: {self.facility_name}, " + ", ".join(p[0] for p in self.periods)),
            classes="pane-title",
            id="exp-title",
        )
        yield SafeTable(id="exp-figures", cursor_type="row", zebra_stripes=True)
        yield Static("Enter on a figure lists the lines that add up to it.", id="exp-lines-title")
        yield SafeTable(id="exp-lines", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="exp-detail-box"):  # a long line's arithmetic scrolls, never cut
            yield Static("", id="exp-detail")
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#exp-figures", DataTable).add_columns("Figure", "t CO2e", "Lines", "Period")
        self.query_one("#exp-lines", DataTable).add_columns(
            "Month", "t CO2e", "Activity", "Gas", "GWP", "Source", "Factor (dataset, table, row)"
        )
        self.action_refresh()

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text, MESSAGE_MAX))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_refresh(self) -> None:
        self.set_status("computing the figures…")
        self._figures(self.periods, self.facility, self.gwp, self.pins)

    @work(thread=True, exclusive=True, exit_on_error=False, group="explain-figures")
    def _figures(self, periods: Any, facility: Any, gwp: Any, pins: Any) -> None:
        from greencare import services

        try:
            data = services.explain_figures(
                _open_db(self.app), periods=periods, facility=facility, gwp=gwp, pins=pins
            )
        except Exception as exc:  # shown on the screen; a worker must not crash the app
            self.post_message(Loaded("figures", error=str(exc)))
            return
        self.post_message(Loaded("figures", data))

    @work(thread=True, exclusive=True, exit_on_error=False, group="explain-lines")
    def _lines(self, filters: dict[str, Any], token: int) -> None:
        from greencare import services

        try:
            data = services.explain_lines(
                _open_db(self.app), facility=self.facility, gwp=self.gwp, pins=self.pins,
                **filters,
            )  # fmt: skip
        except Exception as exc:
            self.post_message(Loaded("lines", error=str(exc), token=token))
            return
        self.post_message(Loaded("lines", data, token=token))

    def on_loaded(self, message: Loaded) -> None:
        if message.error:
            self.set_status(f"error: {message.error}")
            return
        if message.kind == "figures":
            self.show_figures(message.data)
        elif message.kind == "lines" and message.token == self._token:
            self.show_lines(message.data)

    def show_figures(self, data: dict[str, Any]) -> None:
        table = self.query_one("#exp-figures", DataTable)
        table.clear()
        self.figures = data["figures"]
        for i, figure in enumerate(self.figures):
            table.add_row(
                figure["label"], _t(figure["co2e_t"]), f"{figure['lines']:,}", figure["period"],
                key=str(i),
            )  # fmt: skip
        gaps = data.get("gaps") or []
        note = f"; {len(gaps)} missing factor(s) left out" if gaps else ""
        self.set_status(f"{len(self.figures)} figures{note}. Enter lists a figure's lines.")
        table.focus()
        if self.figures and self.figure is None:
            self.select_figure(0)

    @on(DataTable.RowSelected, "#exp-figures")
    def _figure_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.select_figure(int(event.row_key.value))

    def select_figure(self, index: int) -> None:
        self.figure = self.figures[index]
        self._token += 1
        self.query_one("#exp-lines", DataTable).clear()
        self.query_one("#exp-lines-title", Static).update(
            plain(f"{self.figure['period']} {self.figure['label']}: loading its lines…")
        )
        self._lines(dict(self.figure["filters"]), self._token)

    def show_lines(self, data: dict[str, Any]) -> None:
        figure = self.figure or {}
        self.lines = data["lines"]
        table = self.query_one("#exp-lines", DataTable)
        table.clear()
        for i, line in enumerate(self.lines):
            gwp = "" if line["gwp"] is None else f"{line['gwp']:g}"
            table.add_row(
                line["month"],
                f"{line['co2e_kg'] / 1000:,.4f}",
                f"{line['activity_quantity']:,.7g} {unit(line['activity_unit'])}",
                line["gas"],
                f"{line['gwp_set']} {gwp}".strip(),
                line["source"],
                f"{line['dataset']} · {line['factor_table']} row {line['factor_row']}",
                key=str(i),
            )
        self.query_one("#exp-lines-title", Static).update(
            plain(
                f"{figure.get('period', '')} {figure.get('label', '')} = "
                f"{_t(data['co2e_kg'] / 1000)} t CO2e, the sum of these {len(self.lines):,} "
                "lines (Enter on a meter's line: its readings)"
            )
        )
        self.show_detail(0)

    @on(DataTable.RowHighlighted, "#exp-lines")
    def _line_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_detail(int(event.row_key.value))

    def show_detail(self, index: int) -> None:
        detail = self.query_one("#exp-detail", Static)
        if not 0 <= index < len(self.lines):
            detail.update("")
            return
        line = self.lines[index]
        detail.update(
            markup(
                "$text\n[dim]factor: $publisher, edition $edition[/]",
                text=line["text"],
                publisher=line["publisher"],
                edition=line["edition"],
                limit=MESSAGE_MAX,
            )
        )

    @on(DataTable.RowSelected, "#exp-lines")
    def _line_chosen(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is None:
            return
        line = self.lines[int(event.row_key.value)]
        if line["source_type"] != "meter" or line["source_id"] is None:
            self.app.notify(
                f"{line['source']}: a {line['source_type']} record, not a meter's readings; "
                "its line is the record itself.",
                severity="information",
            )
            return
        self.app.push_screen(RecordsScreen(int(line["source_id"]), line["month"], line))


class RecordsScreen(Screen[None]):
    """The readings of one meter behind one month's line, a page at a time."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="records.back"),
        Binding("n", "page(1)", "Next page", id="records.next"),
        Binding("p", "page(-1)", "Previous page", id="records.previous"),
    ]

    def __init__(self, meter: int, month: str, line: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.meter, self.month, self.line = meter, month, line or {}
        self.first_row, self.total = 0, 0
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        source = self.line.get("source", f"meter {self.meter}")
        yield Static(plain(f"Readings behind {self.month}: {source}"), classes="pane-title")
        yield SafeTable(id="rec-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="rec-total")
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#rec-table", DataTable).add_columns(
            "Reading", "Start", "End", "Quantity", "Unit", "Share", "In month", "Batch"
        )
        self.load()

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text, MESSAGE_MAX))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_page(self, step: int) -> None:
        offset = self.first_row + step * RECORDS_PAGE
        if offset < 0 or (step > 0 and offset >= self.total):
            return
        self.first_row = offset
        self.load()

    def load(self) -> None:
        self.set_status("reading…")
        self._load(self.first_row)

    @work(thread=True, exclusive=True, exit_on_error=False, group="records")
    def _load(self, offset: int) -> None:
        from greencare import services

        try:
            db = _open_db(self.app)
            total = services.count_records_behind(db, meter=self.meter, month=self.month)
            rows = services.records_behind(
                db, meter=self.meter, month=self.month, offset=offset, limit=RECORDS_PAGE
            )
        except Exception as exc:
            self.post_message(Loaded("records", error=str(exc)))
            return
        self.post_message(Loaded("records", {"total": total, "rows": rows, "offset": offset}))

    def on_loaded(self, message: Loaded) -> None:
        if message.error:
            self.set_status(f"error: {message.error}")
            return
        data = message.data
        if data["offset"] != self.first_row:
            return  # a later page was asked for
        self.total, self.rows = data["total"], data["rows"]
        table = self.query_one("#rec-table", DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(
                str(row["id"]), row["start"], row["end"], f"{row['quantity']:,.6g}", row["unit"],
                f"{row['share']:.4f}", f"{row['quantity_in_month']:,.6g}",
                "" if row.get("batch_id") is None else str(row["batch_id"]),
            )  # fmt: skip
        first = self.first_row + 1 if self.rows else 0
        last = self.first_row + len(self.rows)
        activity = self.line.get("activity_quantity")
        behind = (
            f"; the line's activity: {activity:,.7g} {unit(self.line.get('activity_unit', ''))}"
            if activity is not None
            else ""
        )
        page = sum(r["quantity_in_month"] for r in self.rows)
        unit_text = unit(self.rows[0]["unit"]) if self.rows else ""
        self.query_one("#rec-total", Static).update(
            plain(f"this page: {page:,.6g} {unit_text} in {self.month}{behind}")
        )
        more = " · n: next page, p: previous" if self.total > RECORDS_PAGE else ""
        self.set_status(f"readings {first:,}–{last:,} of {self.total:,}{more}")
        table.focus()
