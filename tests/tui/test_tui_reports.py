"""Reports: build one in a worker with progress and see where it was written."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Label, ProgressBar, Select, Static
from tui_helpers import wait_until, watch_frames

from greencare.tui.app import GreencareApp


async def test_build_a_markdown_report(small_db, tmp_path: Path) -> None:
    app = GreencareApp(db=small_db, mode="reports")
    app.report_dir = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#rep-year", Input).value == "2025", "the latest year with data"
        screen.query_one("#rep-format", Select).value = "md"
        await pilot.pause()
        output = screen.query_one("#rep-output", Input).value
        assert output == str(tmp_path / "greencare-report-2025.md")
        screen.query_one("#rep-from", Input).value = "2025-13"
        await pilot.pause()
        assert "not a month" in str(screen.query_one("#error-rep-from", Label).content)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not screen.running
        screen.query_one("#rep-from", Input).value = ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        result = str(screen.query_one("#rep-result", Static).content)
        assert "Written" in result and output in result
        assert screen.query_one("#rep-progress", ProgressBar).percentage == 1.0
    text = Path(output).read_text()
    assert "St Example" in text


async def test_default_year_is_the_last_whole_year_with_data(small_db) -> None:
    """A bill running into January does not make the default report that January's year."""
    from greencare import services

    meter = small_db.execute("SELECT name FROM meters ORDER BY id LIMIT 1").fetchone()[0]
    services.add_reading(small_db, meter=meter, start="2026-01-01", end="2026-01-20", quantity=5)
    app = GreencareApp(db=small_db, mode="reports")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#rep-year", Input).value == "2025"


async def test_an_existing_report_is_replaced_only_when_confirmed(small_db, tmp_path: Path) -> None:
    from greencare.tui.forms import ConfirmScreen

    app = GreencareApp(db=small_db, mode="reports")
    app.report_dir = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#rep-format", Select).value = "md"
        await pilot.pause()
        output = Path(screen.query_one("#rep-output", Input).value)
        output.write_text("an earlier report", encoding="utf-8")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert str(app.screen.query_one("#confirm-question", Static).content) == (
            f"{output} already exists. Replace it with the new report?"
        )
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and not screen.running
        assert str(screen.query_one("#error-rep-output", Label).content) == (
            "exists: choose another name, or replace it"
        )
        assert output.read_text(encoding="utf-8") == "an earlier report"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: "Written" in str(
            screen.query_one("#rep-result", Static).content), timeout=60)  # fmt: skip
    assert output.read_text(encoding="utf-8").startswith("# Sustainability report")
    assert sorted(p.name for p in tmp_path.iterdir()) == [output.name]


async def test_the_database_file_is_refused_as_output(small_db_path: Path) -> None:
    from greencare import services

    path = small_db_path
    db = services.open_db(path)
    count = db.execute("SELECT count(*) FROM readings").fetchone()[0]
    app = GreencareApp(db=db, mode="reports")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        for target in (path, Path(f"{path}-wal")):
            screen.query_one("#rep-output", Input).value = str(target)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not screen.running and app.screen is screen
            message = str(screen.query_one("#error-rep-output", Label).content)
            assert message.startswith(f"refusing to write to {target}: that is the greencare "
                                      "database small.db")  # fmt: skip
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == count > 0
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    db.close()


async def test_paper_and_units_chosen_on_the_form(small_db, tmp_path: Path) -> None:
    """The US hospital's report would be kBtu/ft²; the form's choice makes it metric."""
    app = GreencareApp(db=small_db, mode="reports")
    app.report_dir = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#rep-format", Select).value = "md"
        screen.query_one("#rep-units", Select).value = "metric"
        await pilot.pause()
        output = screen.query_one("#rep-output", Input).value
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        assert "Written" in str(screen.query_one("#rep-result", Static).content)
    text = Path(output).read_text()
    assert "Site EUI (kWh/m²/yr)" in text and "kBtu/ft²" not in text
    assert "metric (kWh, kWh/m², kg)" in text and "A4" in text


async def test_x_explains_the_built_reports_figures(small_db, tmp_path: Path) -> None:
    """After a report is built, X opens the dashboard's explain drill-down for the report's
    period and facility: the same figures ``greencare explain`` gives for them."""
    from textual.widgets import DataTable

    from greencare import services
    from greencare.tui.screens.explain import ExplainScreen

    app = GreencareApp(db=small_db, mode="reports")
    app.report_dir = tmp_path
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("X")  # nothing built yet: told so, nothing opened
        await pilot.pause()
        assert not isinstance(app.screen, ExplainScreen)
        screen.query_one("#rep-format", Select).value = "md"
        facility = small_db.execute("SELECT id FROM facilities").fetchone()[0]
        screen.query_one("#rep-facility", Select).value = facility
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        assert "X explains" in str(screen.query_one("#rep-result", Static).content)
        screen.set_focus(None)
        await pilot.press("X")
        await wait_until(pilot, lambda: isinstance(app.screen, ExplainScreen))
        explain = app.screen
        assert explain.periods == [("report 2025-01 to 2025-12", "2025-01", "2025-12")]
        assert explain.facility == facility and explain.facility_name == "St Example"
        figures = explain.query_one("#exp-figures", DataTable)
        await wait_until(pilot, lambda: figures.row_count > 0)
        shown = {str(figures.get_row_at(i)[0]): str(figures.get_row_at(i)[1])
                 for i in range(figures.row_count)}  # fmt: skip
        lines = services.explain(small_db, start="2025-01", end="2025-12", facility=facility,
                                 strict=False)  # fmt: skip
        assert shown["Total (location-based)"] == f"{lines['co2e_kg'].sum() / 1000:,.3f}"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_a_writers_note_is_shown_as_a_warning(small_db, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from greencare.tui.screens.reports import ReportDone

    app = GreencareApp(db=small_db, mode="reports")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        seen: list[tuple[str, dict]] = []  # type: ignore[type-arg]
        monkeypatch.setattr(app, "notify", lambda message, **kw: seen.append((message, kw)))
        note = "PDF: 2 characters not in the installed fonts (e.g. 医院), shown as boxes"
        app.screen.post_message(ReportDone(path=str(tmp_path / "r.pdf"), notes=(note,)))
        await pilot.pause()
        assert any("医院" in m and kw.get("severity") == "warning" for m, kw in seen), seen


async def test_a_pdf_with_the_detail_tables_prints_them(small_db, tmp_path: Path) -> None:
    from pypdf import PdfReader

    pages: dict[str, list[str]] = {}
    for fmt in ("pdf", "pdf-detail"):
        app_run = GreencareApp(db=small_db, mode="reports")
        app_run.report_dir = tmp_path / fmt
        app_run.report_dir.mkdir()
        async with app_run.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app_run.screen
            screen.query_one("#rep-format", Select).value = fmt
            await pilot.pause()
            output = screen.query_one("#rep-output", Input).value
            assert output.endswith(".pdf")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda s=screen: not s.running, timeout=90)
            assert "Written" in str(screen.query_one("#rep-result", Static).content)
        pages[fmt] = [p.extract_text() for p in PdfReader(output).pages]
    assert any("Detail tables in the workbook" in text for text in pages["pdf"])
    assert not any("Detail tables in the workbook" in text for text in pages["pdf-detail"])
    assert len(pages["pdf-detail"]) > len(pages["pdf"])


async def test_reached_by_its_key_the_less_used_choices_follow_the_first_frame(
    small_db, tmp_path: Path
) -> None:
    """From the dashboard, Reports' first frame comes before its pins, Missing and Paper
    choices are mounted (half the first visit's cost); then they are in, each family's
    editions offered and the pin chosen in Factors chosen here; a build asked for before they
    are in starts once they are, with them."""
    import json

    from greencare.core.factors import FactorLibrary
    from greencare.tui.screens.reports import ReportsScreen

    edition = FactorLibrary.bundled().editions("epa-ghg-hub")[0].edition
    app = GreencareApp(db=small_db)
    app.report_dir = tmp_path
    app.pins = {"epa-ghg-hub": edition}
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.first_frame_shown)
        shown = watch_frames(app, ReportsScreen, "#rep-options")
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await wait_until(pilot, lambda: screen.options_in)
        assert shown and shown[0] is False  # a frame came before the choices
        hub = screen.query_one("#rep-pin-epa-ghg-hub", Select)
        assert hub.value == edition
        assert [v for _, v in hub._options if isinstance(v, str)] == [
            d.edition for d in FactorLibrary.bundled().editions("epa-ghg-hub")
        ]
        assert screen.query_one("#rep-gaps", Select).value == "gaps"
        screen.query_one("#rep-format", Select).value = "json"
        await pilot.pause()
        screen.options_in = False  # as in the frame before they are in
        screen.action_build()
        await pilot.pause(0.2)
        assert not screen.running and screen.built is None  # waiting for them
        screen.options_in = True
        await wait_until(pilot, lambda: screen.running or screen.built is not None, timeout=10)
        await wait_until(pilot, lambda: not screen.running, timeout=60)
        assert "Written" in str(screen.query_one("#rep-result", Static).content)
    output = tmp_path / "greencare-report-2025.json"
    assert json.loads(output.read_text(encoding="utf-8"))["meta"]["pins"] == {
        "epa-ghg-hub": edition
    }
