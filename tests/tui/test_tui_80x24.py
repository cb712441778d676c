"""Everything fits an 80x24 terminal (issue 12), swept over every section and every add/edit
form with the demo database: no number is cut to look like another number (a table column of
numbers is shown whole or scrolled off whole, text cut says so with "…"), units are printed as
people write them (m³, not m**3), no label or line of text is clipped, no field hides the first
letters of its value; and the nav bar names what fits without cutting, every other section
reachable by its key and listed in the help."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from demo_helpers import copy_demo
from rich.text import Text
from textual.containers import ScrollableContainer
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.widgets._footer import FooterKey
from tui_helpers import open_interval, wait_until

from greencare import services
from greencare.tui.app import SECTIONS, GreencareApp
from greencare.tui.screens.help import HelpScreen
from greencare.tui.widgets import NavBar, SafeTable

SIZE = (80, 24)
#: Keys that open a form in each section (edit keys act on the highlighted row).
FORMS = {
    "facilities": ["a", "c", "m", "n", "t"],
    "energy": ["a", "ctrl+e"],
    "waste": ["a", "m", "ctrl+e"],
    "purchases": ["a", "ctrl+e"],
    "instruments": ["a", "ctrl+e"],
    "targets": ["a", "c"],
    "factors": ["ctrl+d"],
}
NUMBER = re.compile(r"\s*[-−+]?[\d.]")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template) -> Path:
    """The demo database (sample_data/), with a target and an instrument so that their edit
    forms open too."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    copy_demo(demo_template, path)
    db = services.open_db(path)
    services.add_target(db, scope="scope12", baseline_year=2024, target_year=2030,
                        reduction="50%")  # fmt: skip
    facility = services.list_facilities(db)[0]
    services.add_instrument(
        db, facility=facility.id, kind="rec", start_month="2025-01", end_month="2025-12",
        mwh=1_000, description="Green-e certified wind RECs, 2025 vintage",
    )  # fmt: skip
    db.conn.close()
    return path


def screen_text(app: GreencareApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _plain(value: object) -> str:
    if isinstance(value, Text):
        return value.plain
    return Text.from_markup(value).plain if isinstance(value, str) else str(value)


def _shown(widget) -> bool:
    node = widget
    while node is not None and not isinstance(node, type(widget.screen)):
        if not node.display:
            return False
        node = node.parent
    return widget.region.width > 0


def problems(app: GreencareApp, where: str) -> list[str]:
    """What is cut, hidden or misspelt on the screen now."""
    out: list[str] = []
    screen = app.screen
    text = screen_text(app)
    for spelling in ("**2", "**3"):
        if spelling in text:
            row = next(r for r in text.splitlines() if spelling in r)
            out.append(f"{where}: {spelling} on screen: {row.strip()}")
    for table in screen.query(DataTable):
        if not _shown(table):
            continue
        assert isinstance(table, SafeTable), f"{where}: #{table.id} is not a SafeTable"
        visible = table.scrollable_content_region.width
        x = 0
        for column in table.ordered_columns:
            width = column.get_render_width(table)
            inner = width - 2 * table.cell_padding
            cells = [_plain(c) for c in list(table.get_column(column.key))[:300]]
            filled = [c for c in cells if c.strip()]
            numeric = bool(filled) and all(NUMBER.match(c) for c in filled)
            if numeric:
                longest = max(filled, key=len)
                if len(longest) > inner:
                    out.append(f"{where}: #{table.id} {column.label}: {longest!r} cut to {inner}")
                if x < visible < x + width - table.cell_padding:
                    out.append(f"{where}: #{table.id} {column.label} half shown at the edge")
            x += width
    for widget in screen.query(Static):
        if isinstance(widget, DataTable) or not _shown(widget):
            continue
        if isinstance(widget.parent, ScrollableContainer) and widget.parent is widget:
            continue
        width = widget.content_size.width
        need = widget.get_content_height(widget.size, app.size, width) if width else 0
        if need > widget.content_size.height:
            out.append(f"{where}: {widget!r} needs {need} rows, has {widget.content_size.height}")
        if isinstance(widget, Label) and "field-label" in widget.classes | {"imp-label"}:
            label = str(widget.content).rstrip()
            if len(label) > width:
                out.append(f"{where}: label {label!r} in {width} columns")
    out += footer_problems(app, where)
    for field in screen.query(Input):
        if not _shown(field):
            continue
        if field.region.width < 6:
            out.append(f"{where}: {field!r} is {field.region.width} wide")
        if field.value and field.scroll_x > 0:
            out.append(f"{where}: {field!r} hides the start of {field.value!r}")
    return out


def footer_problems(app: GreencareApp, where: str) -> list[str]:
    """Every key the footer shows is whole: none runs past its edge or under the palette key
    (Textual's own footer showed Facilities' "k R" and hid Help), and `? Help` is always
    there, since it lists the keys left out."""
    out: list[str] = []
    for footer in app.screen.query(Footer):
        keys = [k for k in footer.children if isinstance(k, FooterKey) and k.display]
        palette = [k for k in keys if k.has_class("-command-palette")]
        edge = palette[0].region.x if palette else footer.region.right
        for key in keys:
            if key not in palette and key.region.right > edge:
                out.append(f"{where}: footer key {key.key} {key.description!r} cut at the edge")
        if not [k for k in keys if k.action == "help"]:
            out.append(f"{where}: the footer has no ? Help")
    return out


async def _settle(pilot) -> None:
    await pilot.pause()
    app = pilot.app
    await wait_until(
        pilot, lambda: not [w for w in app.workers if w.node is app.screen and w.is_running]
    )
    await pilot.pause(0.2)


@pytest.mark.parametrize("mode", [m for m, _, _ in SECTIONS])
async def test_every_section_and_form_fits_80x24(demo_db: Path, tmp_path: Path, mode: str) -> None:
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    app = GreencareApp(db_path=db, mode=mode)
    app.import_root = Path(__file__).resolve().parents[2] / "sample_data"
    app.report_dir = tmp_path
    found: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        found += problems(app, mode)
        for key in FORMS.get(mode, []):
            section = app.screen
            section.set_focus(None)
            if key == "ctrl+e":  # the edit acts on the highlighted row of the section's table
                tables = [t for t in section.query(DataTable) if t.row_count]
                tables[-1].focus()
            await pilot.press(key)
            await wait_until(pilot, lambda section=section: app.screen is not section)
            await _settle(pilot)
            assert isinstance(app.screen, ModalScreen), f"{mode} {key}: no form"
            found += problems(app, f"{mode} {key}")
            # every field, focused in turn, still shows the start of its value
            for field in list(app.screen.query(Input)):
                if _shown(field) and field.value:
                    field.focus()
                    await pilot.pause()
                    if field.scroll_x > 0:
                        found.append(f"{mode} {key}: focused {field!r} hides its start")
            app.pop_screen()
            await pilot.pause()
    assert found == []


async def test_nav_bar_at_80_columns_names_what_fits_and_help_lists_the_rest(
    demo_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    app = GreencareApp(db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        for mode, key, label in SECTIONS:
            app.screen.set_focus(None)
            await pilot.press(key)
            await wait_until(pilot, lambda mode=mode: app.current_mode == mode)
            await pilot.pause()
            nav = app.screen.query_one(NavBar)
            bar = screen_text(app).splitlines()[0]
            assert nav.content.cell_length <= nav.size.width, bar  # not cut
            named = {m for _, _, m in nav.spans}
            assert mode in named, f"the section shown ({label}) is named on the bar: {bar}"
            for other, other_key, other_label in SECTIONS:
                if other in named:  # readable: its key, a space and its label (or "Sites")
                    assert re.search(rf"\b{other_key} ({other_label}|Sites)\b", bar), bar
            if nav.hidden:
                assert bar.rstrip().endswith("? more"), bar
        # every section not on the bar is in the help, with its key
        hidden = app.screen.query_one(NavBar).hidden
        assert hidden, "at 80 columns some sections are behind '? more'"
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_text = screen_text(app)
        for _, key, label in SECTIONS:
            assert re.search(rf"\b{key}\s+{label}\b", help_text), label


async def test_the_screens_sections_open_fit_80x24(demo_db: Path, tmp_path: Path) -> None:
    """The screens a section opens (the ranking, the dashboard's explain and the readings behind
    a line, an interval meter's five charts and their tables, the help) fit like the sections:
    nothing clipped (explain's arithmetic lost its last lines, the interval summary its end)."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    app = GreencareApp(db_path=db)
    found: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.press("f")
        await wait_until(pilot, lambda: app.current_mode == "facilities")
        await _settle(pilot)
        facilities = app.screen
        facilities.set_focus(None)
        await pilot.press("k")
        await wait_until(pilot, lambda: app.screen is not facilities)
        await _settle(pilot)
        found += problems(app, "facilities k")
        await pilot.press("escape")
        await pilot.press("d")
        await wait_until(pilot, lambda: app.current_mode == "dashboard")
        await _settle(pilot)
        dashboard = app.screen
        await pilot.press("X")
        await wait_until(pilot, lambda: app.screen is not dashboard)
        await _settle(pilot)
        found += problems(app, "dashboard X")
        explain = app.screen
        lines = explain.query_one("#exp-lines", DataTable)
        meter = next(i for i, line in enumerate(explain.lines) if line["source_type"] == "meter")
        lines.focus()
        lines.move_cursor(row=meter)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is not explain)
        await _settle(pilot)
        found += problems(app, "dashboard X, Enter on a meter's line")
        await pilot.press("escape", "escape")
        screen = await open_interval(app, pilot)
        await _settle(pilot)
        for key in ["1", "2", "3", "4", "5"]:
            for view in ("chart", "table"):
                await pilot.press(key)
                if view == "table":
                    await pilot.press("t")
                await _settle(pilot)
                found += problems(app, f"interval {key} {view}")
                if view == "table":
                    await pilot.press("t")
        assert app.screen is screen
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await _settle(pilot)
        found += problems(app, "help")
    assert found == [], "\n".join(found)


async def test_an_interval_meters_readings_show_their_quantity_at_80x24(
    demo_db: Path, tmp_path: Path
) -> None:
    """15-minute readings are listed as start (date, time, offset) and end time, so their
    quantity is on screen at 80 columns (two full ISO instants filled the pane, and the
    quantity column kept the width of the meter shown before, pushing it past the edge)."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    app = GreencareApp(db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        screen = await open_interval(app, pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is not screen)
        await _settle(pilot)
        table = app.screen.query_one("#readings", DataTable)
        first = [_plain(c) for c in table.get_row_at(0)]
        assert first[:4] == ["2025-12-31 23:45-05:00", "00:00", "126.10", "kWh"], first
        shown = sum(c.get_render_width(table) for c in table.ordered_columns[:3])
        assert shown <= table.scrollable_content_region.width  # first, last, quantity
        assert problems(app, "energy, interval meter") == []
