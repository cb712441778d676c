"""Table cells: text is a Rich Text that no markup parser sees, equal to the string it shows, and
measured by its characters exactly as Rich measures it (the fast path for large tables)."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.render import measure as rich_measure
from textual.widgets import _data_table

from greencare.tui.widgets import Cell, SafeTable, cell

SAMPLES = [
    "",
    "Gas",
    "13,100.00 lb",
    "[b]Bold[/b] clinic",
    "病院の電気",  # wide characters: two cells each
    "Café ☕ naïve",
    "\\x1b[31mred",
    "x" * 300,
]


@pytest.mark.parametrize("text", SAMPLES)
def test_a_cell_is_measured_as_rich_measures_it(text: str) -> None:
    assert getattr(_data_table.measure, "_greencare", False)  # installed (a Textual upgrade?)
    console = Console(width=80)
    value = cell(text)
    assert isinstance(value, Cell)
    assert _data_table.measure(console, value, 1) == rich_measure(console, value, 1)
    # and any other renderable goes to Rich's own measure
    other = Text.from_markup("[b]ab[/b]")
    assert _data_table.measure(console, other, 1) == rich_measure(console, other, 1) == 2


def test_a_cell_equals_the_string_it_shows_and_is_never_markup() -> None:
    value = cell("[red]Haul[/red]")
    assert value == "[red]Haul[/red]" and value != "Haul"
    assert {value, cell("Gas")} == {"[red]Haul[/red]", "Gas"}
    assert value.plain == "[red]Haul[/red]" and not value.spans
    assert cell(12.5) == 12.5  # numbers as given


class _Table(App[None]):
    def compose(self) -> ComposeResult:
        yield SafeTable(id="t")


async def test_a_large_table_has_each_column_as_wide_as_its_widest_cell() -> None:
    app = _Table()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(SafeTable)
        table.add_columns("name", "use")
        names = [f"Meter {'病' * (i % 7)}{i}" for i in range(500)]
        for i, name in enumerate(names):
            table.add_row(name, f"{i * 1000.5:,.2f} kWh")
        await pilot.pause()
        await pilot.pause()
        console = Console()
        name_col, use_col = table.ordered_columns
        assert name_col.content_width == max(rich_measure(console, Text(n), 1) for n in names)
        assert use_col.content_width == len(f"{499 * 1000.5:,.2f} kWh")
