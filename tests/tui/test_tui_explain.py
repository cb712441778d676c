"""Explain from the dashboard (issue 12): figure → its lines → the readings behind a line.

Every figure and line the screen shows is compared with ``services.inventory.explain`` (the
function behind ``greencare explain``) and ``records_behind`` (``--records``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from textual.widgets import DataTable, Static
from tui_helpers import wait_until

from greencare import services
from greencare.importers.base import ImportOptions
from greencare.tui.app import GreencareApp
from greencare.tui.screens import explain as explain_screen
from greencare.tui.screens.explain import RECORDS_PAGE, ExplainScreen, RecordsScreen

YTD = ("2025-01", "2025-12")  # build_small's data end in December 2025


def screen_text(app: GreencareApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _explain(pilot) -> ExplainScreen:
    app = pilot.app
    await wait_until(pilot, lambda: getattr(app.screen, "data", None) is not None)
    await pilot.press("X")
    await wait_until(pilot, lambda: isinstance(app.screen, ExplainScreen))
    screen = app.screen
    await wait_until(pilot, lambda: screen.query_one("#exp-figures", DataTable).row_count > 0)
    await wait_until(pilot, lambda: screen.query_one("#exp-lines", DataTable).row_count > 0)
    return screen


async def _choose(pilot, screen: ExplainScreen, period: str, label: str) -> None:
    figures = screen.query_one("#exp-figures", DataTable)
    row = next(
        i for i, f in enumerate(screen.figures) if f["label"] == label and f["period"] == period
    )
    figures.focus()
    figures.move_cursor(row=row)
    await pilot.press("enter")
    expected = screen.figures[row]["lines"]
    lines = screen.query_one("#exp-lines", DataTable)
    await wait_until(
        pilot, lambda: screen.figure is screen.figures[row] and lines.row_count == expected
    )
    await pilot.pause()


async def test_dashboard_figures_equal_explain(small_db) -> None:
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _explain(pilot)
        shown = {(r[3], r[0]): r[1] for r in _rows(screen.query_one("#exp-figures", DataTable))}
        ytd = "YTD 2025-01..12"
        for label, scope in (("Total (location-based)", None), ("Scope 1", "1"),
                             ("Scope 2 (location-based)", "2"), ("Scope 3", "3")):  # fmt: skip
            lines = services.explain(small_db, start=YTD[0], end=YTD[1], scope=scope, strict=False)
            assert shown[(ytd, label)] == f"{lines['co2e_kg'].sum() / 1000:,.3f}", label
        month = services.explain(small_db, start="2025-12", end="2025-12", strict=False)
        assert shown[("month 2025-12", "Total (location-based)")] == (
            f"{month['co2e_kg'].sum() / 1000:,.3f}"
        )
        # the dashboard's own card shows the same total, rounded
        summary = services.emissions(small_db, start=YTD[0], end=YTD[1], strict=False)[1]
        assert shown[(ytd, "Total (location-based)")] == (
            f"{summary['totals_t']['total_location']:,.3f}"
        )


async def test_a_figures_lines_are_the_lines_explain_gives(small_db) -> None:
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _explain(pilot)
        await _choose(pilot, screen, "YTD 2025-01..12", "Scope 1")
        expected = services.explain(small_db, start=YTD[0], end=YTD[1], scope="1", strict=False)
        rows = _rows(screen.query_one("#exp-lines", DataTable))
        assert len(rows) == len(expected)
        assert [(r[0], r[1], r[3]) for r in rows] == [
            (line.month, f"{line.co2e_kg / 1000:,.4f}", line.gas) for line in expected.itertuples()
        ]
        first = expected.iloc[0]
        assert rows[0][2] == f"{first.activity_quantity:,.7g} {first.activity_unit}"
        assert rows[0][6] == f"{first.dataset} · {first.factor_table} row {first.factor_row}"
        assert rows[0][4] == f"{first.gwp_set} {first.gwp:g}"
        title = str(screen.query_one("#exp-lines-title", Static).content)
        assert f"= {expected['co2e_kg'].sum() / 1000:,.3f} t CO2e" in title
        detail = str(screen.query_one("#exp-detail", Static).content)
        assert "edition 2025" in detail and "Environmental Protection Agency" in detail


async def test_enter_on_a_meter_line_lists_its_readings(small_db) -> None:
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _explain(pilot)
        await _choose(pilot, screen, "month 2025-12", "Scope 1")
        lines = screen.query_one("#exp-lines", DataTable)
        index = next(i for i, line in enumerate(screen.lines) if line["source_type"] == "meter")
        line = screen.lines[index]
        lines.focus()
        lines.move_cursor(row=index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordsScreen))
        records = app.screen
        table = records.query_one("#rec-table", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        expected = services.records_behind(small_db, meter=line["source_id"], month="2025-12")
        assert [r[0] for r in _rows(table)] == [str(r["id"]) for r in expected]
        assert _rows(table)[0][3] == f"{expected[0]['quantity']:,.6g}"
        assert "readings 1–1 of 1" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "DashboardScreen")


async def test_a_large_meter_is_paged(small_db, monkeypatch, tmp_path) -> None:
    """An hourly meter: 744 readings in January, shown a page at a time."""
    monkeypatch.setattr(explain_screen, "RECORDS_PAGE", 300)
    facility = small_db.execute("SELECT id, timezone FROM facilities").fetchone()
    services.add_meter(
        small_db, facility=facility[0], name="[b]AMI[/b] feed", commodity="electricity",
        unit="kWh",
    )  # fmt: skip
    result = services.import_readings(
        small_db, _hourly(tmp_path), ImportOptions(meter="[b]AMI[/b] feed", interval_minutes=60)
    )
    assert (result.status, result.inserted) == ("imported", 744)
    assert RECORDS_PAGE == 200  # the screen reads the module's (patched) value at run time
    app = GreencareApp(db=small_db)
    meter = small_db.execute("SELECT id FROM meters WHERE name = '[b]AMI[/b] feed'").fetchone()[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        records = RecordsScreen(meter, "2025-01", {"source": "St Example / [b]AMI[/b] feed"})
        await app.push_screen(records)
        await pilot.pause()
        table = records.query_one("#rec-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 300)
        assert "readings 1–300 of 744 · n: next page" in screen_text(app)
        assert "[b]AMI[/b] feed" in screen_text(app)  # the name as written, never markup
        everything = services.records_behind(small_db, meter=meter, month="2025-01")
        assert [r[0] for r in _rows(table)] == [str(r["id"]) for r in everything[:300]]
        await pilot.press("n")
        await wait_until(pilot, lambda: records.first_row == 300 and table.row_count == 300)
        await pilot.pause()
        assert [r[0] for r in _rows(table)] == [str(r["id"]) for r in everything[300:600]]
        await pilot.press("n")
        await wait_until(pilot, lambda: records.first_row == 600 and table.row_count == 144)
        assert "readings 601–744 of 744" in screen_text(app)
        await pilot.press("n")  # no page after the last
        await pilot.pause()
        assert records.first_row == 600
        await pilot.press("p")
        await wait_until(pilot, lambda: records.first_row == 300 and table.row_count == 300)


def _hourly(tmp_path):
    """January 2025 hour by hour (local times in Los Angeles, St Example's zone)."""
    start = datetime(2025, 1, 1)
    lines = ["Timestamp,kWh"] + [
        f"{start + timedelta(hours=h):%Y-%m-%d %H:%M},{100 + h % 24}" for h in range(744)
    ]
    path = tmp_path / "ami.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_hostile_names_show_as_written_down_to_the_readings(small_db) -> None:
    from hostile import RAW_CONTROL, insert_hostile

    insert_hostile(small_db)
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(220, 60)) as pilot:
        screen = await _explain(pilot)
        ytd = screen.figures[0]["period"]  # the hostile meters' bills end the data in March
        assert ytd.startswith("YTD 2025-01")
        await _choose(pilot, screen, ytd, "Scope 2 (location-based)")
        lines = screen.query_one("#exp-lines", DataTable)
        index = next(i for i, line in enumerate(screen.lines) if "z[/] H01" in line["source"])
        lines.focus()
        lines.move_cursor(row=index)
        await pilot.pause(0.3)
        text = screen_text(app)
        assert RAW_CONTROL.search(text) is None
        assert "z[/] H01 / z[/] H01" in text  # in the table and in the line's arithmetic
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordsScreen))
        await wait_until(pilot, lambda: app.screen.query_one("#rec-table").row_count == 1)
        text = screen_text(app)
        assert "Readings behind 2025-03: z[/] H01 / z[/] H01" in text
        assert RAW_CONTROL.search(text) is None
