"""Factors: the cited datasets, each one's factors with where they come from, and the GWP set."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Select, Static

from greencare.core.factors import GWP_SETS, FactorLibrary
from greencare.tui.screens.base import FIRST_ROWS, MORE_ROWS, SectionScreen
from greencare.tui.widgets import FieldInput, KeysFooter, NavBar, SafeSelect, SafeTable

#: Columns shown when a table has them, in this order (source table and row come first).
PREFERRED = ["table", "source_row", "activity_type", "activity", "item", "category", "gas",
             "region", "value", "gwp100", "ratio", "unit", "per_unit", "basis", "verified",
             "source"]  # fmt: skip
SEARCHED = ("activity", "activity_type", "region", "gas", "item", "category", "description",
            "factor_id", "item_id")  # fmt: skip
WIDTH = 36

_LIBRARY: FactorLibrary | None = None


def library() -> FactorLibrary:
    """The bundled library, loaded once per process (its tables are cached inside)."""
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = FactorLibrary.bundled()
    return _LIBRARY


class FactorsScreen(SectionScreen):
    """Datasets above; the highlighted one's factors below, searchable."""

    MODE = "factors"
    BINDINGS = [
        Binding("ctrl+f", "search", "Search", id="factors.search"),
        Binding("ctrl+g", "gwp", "GWP set", id="factors.gwp"),
        Binding("ctrl+d", "editions", "Editions", id="factors.editions"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.dataset: str | None = None
        #: The chosen table's rows (as filtered): the first FIRST_ROWS shown, more at the last.
        self._rows: Any = None

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Vertical(id="main"):
            with Horizontal(classes="filter-bar"):
                yield Label("GWP set ", classes="filter-label")
                yield SafeSelect(
                    [(f"{g} for every gas", g) for g in GWP_SETS],
                    prompt="each dataset's own", id="fx-gwp", compact=True,
                )  # fmt: skip
                yield Static("", id="fx-gwp-note", classes="filter-note")
            yield Static("Datasets", classes="pane-title")
            yield SafeTable(id="fx-datasets", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="filter-bar"):
                yield Label("Table ", classes="filter-label")
                yield SafeSelect([], id="fx-file", compact=True, prompt="table")
                yield Label(" Search ", classes="filter-label")
                yield FieldInput(
                    placeholder="activity, region or gas", id="fx-search", compact=True
                )
                yield Static("", id="fx-count", classes="filter-note")
            yield SafeTable(id="fx-factors", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#fx-datasets", DataTable)
        table.add_columns("Dataset", "Edition", "Year", "Publisher", "GWP", "Licence")
        for ds in library().datasets.values():
            table.add_row(
                ds.id, ds.edition, str(ds.year or ""), ds.publisher[:40], ds.gwp_set,
                ds.licence[:40], key=ds.id,
            )  # fmt: skip
        gwp = getattr(self.app, "gwp", None)
        if gwp:
            self.query_one("#fx-gwp", Select).value = gwp
        self._gwp_note(gwp)
        table.focus()
        if library().datasets:
            self.show_dataset(next(iter(library().datasets)))

    @on(DataTable.RowHighlighted, "#fx-datasets")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value and event.row_key.value != self.dataset:
            self.show_dataset(event.row_key.value)

    def show_dataset(self, ds_id: str) -> None:
        self.dataset = ds_id
        ds = library().dataset(ds_id)
        files = sorted(p.name for p in ds.path.glob("*.csv"))
        select = self.query_one("#fx-file", Select)
        with self.prevent(Select.Changed):
            select.set_options([(f, f) for f in files])
            if files:
                select.value = (
                    "emission_factors.csv" if "emission_factors.csv" in files else files[0]
                )
        self.show_factors()
        # edition and publisher first: the line is cut (with "…") at 80 columns
        self.set_status(f"{ds.edition} · {ds.publisher} · {ds.title} · {ds.url}")

    @on(Select.Changed, "#fx-file")
    @on(Input.Changed, "#fx-search")
    def _filter(self) -> None:
        self.show_factors()

    def show_factors(self) -> None:
        table = self.query_one("#fx-factors", DataTable)
        table.clear(columns=True)
        name = self.query_one("#fx-file", Select).value
        if self.dataset is None or not isinstance(name, str):
            return
        frame = library().table(self.dataset, name)
        columns = [c for c in PREFERRED if c in frame.columns] or list(frame.columns[:8])
        text = self.query_one("#fx-search", Input).value.strip().lower()
        if text:
            mask = None
            for column in (c for c in SEARCHED if c in frame.columns):
                hit = frame[column].astype(str).str.lower().str.contains(text, regex=False)
                mask = hit if mask is None else mask | hit
            frame = frame[mask] if mask is not None else frame.iloc[0:0]
        table.add_columns(*[c.replace("_", " ") for c in columns])
        self._rows = frame[columns]
        self.more_factors(table, FIRST_ROWS)

    def more_factors(self, table: DataTable[Any], count: int) -> None:
        """The next ``count`` rows of the chosen table (as filtered) below those shown."""
        rows, start = self._rows, table.row_count
        columns = list(rows.columns)
        for row in rows.iloc[start : start + count].itertuples(index=False):
            table.add_row(*[self._cell(c, v) for c, v in zip(columns, row, strict=True)])
        total, shown = len(rows), table.row_count
        more = f" (first {shown:,})" if total > shown else ""
        self.query_one("#fx-count", Static).update(f"  {total:,} rows{more}")

    @on(DataTable.RowHighlighted, "#fx-factors")
    def _factor_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        rows = 0 if self._rows is None else len(self._rows)
        if event.cursor_row >= table.row_count - 1 and table.row_count < rows:
            self.call_after_refresh(self.more_factors, table, MORE_ROWS)

    @staticmethod
    def _cell(column: str, value: Any) -> str:
        if column == "verified":
            return "✓" if str(value).lower() == "true" else "unverified"
        if isinstance(value, float):
            return f"{value:.6g}"
        text = str(value)
        return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"

    # -- the GWP set ---------------------------------------------------------------------------

    @on(Select.Changed, "#fx-gwp")
    def _gwp_changed(self, event: Select.Changed) -> None:
        value = event.value if isinstance(event.value, str) else None
        if value != getattr(self.app, "gwp", None):
            self.app.gwp = value  # type: ignore[attr-defined]
            self.app.notify(
                f"Dashboard and reports now use {value or 'each dataset’s own GWP set'}.",
                title="GWP set",
            )
        self._gwp_note(value)

    def _gwp_note(self, gwp: str | None) -> None:
        self.query_one("#fx-gwp-note", Static).update(
            f"  CO2e of every gas uses IPCC {gwp} GWP100 (dashboard, reports)"
            if gwp
            else "  CO2e as each dataset publishes it"
        )

    def action_search(self) -> None:
        self.query_one("#fx-search", Input).focus()

    def action_gwp(self) -> None:
        self.query_one("#fx-gwp", Select).focus()

    def action_editions(self) -> None:
        """Pin factor editions (or go back to choosing by activity year) for the whole app."""
        from greencare.tui.screens.editions import EditionsScreen

        def chosen(pins: dict[str, str] | None) -> None:
            if pins is None:
                return
            self.app.pins = pins  # type: ignore[attr-defined]
            text = ", ".join(f"{f} {e}" for f, e in sorted(pins.items())) or "by activity year"
            self.app.notify(f"Factor editions: {text} (dashboard, reports).", title="Editions")

        self.app.push_screen(EditionsScreen(getattr(self.app, "pins", {}) or {}), chosen)
