"""Targets and settings in the app: the Targets screen's forms, the dashboard's target lines and
the report form's baseline year, target, factor editions, gap policy and formats."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import DataTable, Input, Label, Select, Static
from tui_helpers import count, wait_until

from greencare import services
from greencare.tui.app import GreencareApp
from greencare.tui.forms import ConfirmScreen
from greencare.tui.screens.targets import TargetForm, TargetsScreen


async def test_add_edit_and_delete_a_target(small_db) -> None:
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("g")  # the Targets section's key
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TargetsScreen)
        assert screen.query_one("#tgt-table", DataTable).row_count == 0
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        assert form.query_one("#scope", Select).value == "scope12"
        form.query_one("#baseline_year", Input).value = "2024"
        form.query_one("#target_year", Input).value = "2020"
        form.query_one("#reduction", Input).value = "50"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "after the baseline year" in str(form.query_one("#error-target_year", Label).content)
        form.query_one("#target_year", Input).value = "2030"
        await pilot.press("ctrl+s")
        await pilot.pause()
        # the services' refusal is shown beside the field: a bare 50 is ambiguous
        assert isinstance(app.screen, TargetForm)
        assert "write a percentage" in str(form.query_one("#error-reduction", Label).content)
        assert count(small_db, "targets") == 0
        form.query_one("#reduction", Input).value = "-50%"
        form.query_one("#note", Input).value = "HHS pledge"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        table = screen.query_one("#tgt-table", DataTable)
        assert table.row_count == 1
        assert "Scope 1+2 (location) -50% by 2030 vs 2024" in [str(c) for c in table.get_row_at(0)]

        # a second one: water has no Scope 2 method, so the method field is off
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        form.query_one("#scope", Select).value = "water"
        await pilot.pause()
        assert form.query_one("#basis", Select).disabled
        form.query_one("#baseline_year", Input).value = "2024"
        form.query_one("#target_year", Input).value = "2030"
        form.query_one("#reduction", Input).value = "20%"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert table.row_count == 2

        # edit the first: market-based, net zero by 2040
        table.move_cursor(row=0)
        table.focus()
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        assert form.query_one("#reduction", Input).value == "50%"
        form.query_one("#basis", Select).value = "market"
        form.query_one("#reduction", Input).value = "net zero"
        form.query_one("#target_year", Input).value = "2040"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen

        # delete the water target, after a confirmation
        rows = {str(table.get_row_at(i)[1]): i for i in range(table.row_count)}
        table.move_cursor(row=rows["Water -20% by 2030 vs 2024"])
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert table.row_count == 1
    stored = [
        (r["scope"], r["basis"], r["baseline_year"], r["target_year"], r["reduction"], r["note"])
        for r in small_db.query("SELECT * FROM targets")
    ]
    assert stored == [("scope12", "market", 2024, 2040, 1.0, "HHS pledge")]
    actions = [r[0] for r in small_db.execute(
        "SELECT action, source FROM audit_log WHERE table_name = 'targets' AND source = 'tui' "
        "ORDER BY id")]  # fmt: skip
    assert actions == ["insert", "insert", "update", "delete"]


async def test_settings_are_saved(small_db) -> None:
    app = GreencareApp(db=small_db, mode="targets")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#set-fiscal", Select).value == 1
        screen.query_one("#set-fiscal", Select).value = 7
        screen.query_one("#set-baseline", Input).value = "20x"
        await pilot.pause()
        assert "is not a year (YYYY)" in str(screen.query_one("#error-set-baseline", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert services.get_settings(small_db)["fiscal_year_start_month"] == 1  # nothing saved
        screen.query_one("#set-baseline", Input).value = "2024"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "FY" in str(screen.query_one("#set-note", Static).content)
    assert services.get_settings(small_db) == {
        "fiscal_year_start_month": 7, "default_baseline_year": 2024
    }  # fmt: skip


async def test_the_dashboard_shows_progress_against_stored_targets(small_db) -> None:
    services.add_target(small_db, scope="scope12", reduction="-50%", baseline_year=2024,
                        target_year=2030)  # fmt: skip
    services.add_target(small_db, scope="water", reduction="10%", baseline_year=2024,
                        target_year=2030)  # fmt: skip
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(100, 40)) as pilot:
        box = app.screen.query_one("#dash-targets", Static)
        await wait_until(pilot, lambda: box.display, timeout=60)
        text = str(box.content)
    # 2025 used 2% more than 2024 (tui_helpers), so Scope 1+2 is behind its path
    assert "Scope 1+2 (location) -50% by 2030 vs 2024 · 2025: +2% (path -8%) · behind" in text
    assert "Water -10% by 2030 vs 2024 · 2025:" in text


async def test_the_dashboard_has_no_target_box_without_targets(small_db) -> None:
    app = GreencareApp(db=small_db, mode="dashboard")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "computing" not in str(
            app.screen.query_one("#dash-period", Static).content), timeout=60)  # fmt: skip
        assert not app.screen.query_one("#dash-targets", Static).display


async def test_report_form_choices_reach_the_written_report(small_db, tmp_path: Path) -> None:
    target = services.add_target(small_db, scope="scope12", reduction="-40%", baseline_year=2024,
                                 target_year=2035)  # fmt: skip
    app = GreencareApp(db=small_db, mode="reports")
    app.report_dir = tmp_path
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        choices = screen.query_one("#rep-target", Select)
        assert [v for _, v in choices._options] == ["auto", "pledge", f"target:{target['id']}"]
        screen.query_one("#rep-format", Select).value = "json"
        choices.value = f"target:{target['id']}"
        hub = screen.query_one("#rep-pin-epa-ghg-hub", Select)
        edition = next(v for _, v in hub._options if isinstance(v, str))  # the earliest
        hub.value = edition
        screen.query_one("#rep-gaps", Select).value = "strict"
        screen.query_one("#rep-baseline", Input).value = "20x4"
        await pilot.pause()
        assert "is not a year (YYYY)" in str(screen.query_one("#error-rep-baseline", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not screen.running
        screen.query_one("#rep-baseline", Input).value = ""  # the target's own: 2024
        output = screen.query_one("#rep-output", Input).value
        assert output == str(tmp_path / "greencare-report-2025.json")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        # strict: the earliest edition (AR4) has no GWP for desflurane, so nothing is written
        result = str(screen.query_one("#rep-result", Static).content)
        assert "Not built: missing emission factors (1)" in result and "desflurane" in result
        assert not Path(output).exists()
        screen.query_one("#rep-gaps", Select).value = "gaps"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        assert "Written" in str(screen.query_one("#rep-result", Static).content)
    meta = json.loads(Path(output).read_text(encoding="utf-8"))["meta"]
    assert meta["baseline_year"] == 2024
    assert meta["target"] == [{"year": 2035, "reduction_pct": 40.0}]
    assert meta["target_source"] == "report option"
    assert meta["pins"] == {"epa-ghg-hub": edition}
    assert meta["allow_gaps"] is True and len(meta["gaps"]) == 1


async def test_portfolio_manager_format_on_the_form(small_db, tmp_path: Path) -> None:
    app = GreencareApp(db=small_db, mode="reports")
    app.report_dir = tmp_path
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#rep-format", Select).value = "pm-xlsx"
        await pilot.pause()
        output = screen.query_one("#rep-output", Input).value
        assert output == str(tmp_path / "greencare-report-2025-pm.xlsx")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        assert "Written" in str(screen.query_one("#rep-result", Static).content)
    from openpyxl import load_workbook

    workbook = load_workbook(output)
    assert workbook.sheetnames  # Portfolio Manager's meter-entry workbook


async def test_a_note_with_markup_shows_as_written(small_db) -> None:
    note = "[b]board[/b] [link=http://x]vote[/link] [/]"
    services.add_target(small_db, scope="waste", reduction="10%", baseline_year=2024,
                        target_year=2030, note=note)  # fmt: skip
    app = GreencareApp(db=small_db, mode="targets")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert note in text  # shown as written, never applied as markup
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.query_one("#note", Input).value == note


async def test_a_year_with_a_comma_is_an_error_not_a_crash(small_db) -> None:
    # "2,030" passed the number check (commas dropped) and then int("2,030") raised in the
    # year check: a traceback that closed the app.
    app = GreencareApp(db=small_db, mode="targets")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        form.query_one("#baseline_year", Input).value = "2,019"
        form.query_one("#target_year", Input).value = "2,030"
        form.query_one("#reduction", Input).value = "-50%"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "'2,030' is not a year (YYYY)" in str(
            form.query_one("#error-target_year", Label).content
        )
    assert app._exception is None
    assert services.list_targets(small_db) == []
