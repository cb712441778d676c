"""Import screen options (issue 12): the CLI's import options as fields, the same service call.

St Example (``build_small``) is in America/Los_Angeles: 2026-01-01 00:00 PST is 1767254400.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Checkbox, Input, Label, Select, Static
from tui_helpers import count, wait_until, watch_frames

from greencare.tui.app import GreencareApp
from greencare.tui.screens.importer import COLUMN_FIELDS, ImportScreen, tui_words

T0 = 1767254400  # 2026-01-01T00:00-08:00
NY0 = 1767243600  # 2026-01-01T00:00-05:00


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _meter_id(db, name: str) -> int:
    return db.execute("SELECT id FROM meters WHERE name = ?", [name]).fetchone()[0]


def _batch_readings(db) -> list[tuple]:
    return db.execute(
        "SELECT m.name, r.start_utc, r.end_utc, r.quantity, r.unit FROM readings r JOIN meters m "
        "ON m.id = r.meter_id WHERE r.batch_id IS NOT NULL ORDER BY r.start_utc"
    ).fetchall()


async def _open(pilot, screen: ImportScreen, path: Path) -> None:
    screen.query_one("#imp-path", Input).value = str(path)
    await wait_until(pilot, lambda: screen.path is not None)


async def _import(pilot, screen: ImportScreen) -> str:
    await pilot.press("ctrl+s")
    await pilot.pause()
    await wait_until(pilot, lambda: not screen.running)
    return str(screen.query_one("#imp-result", Static).content)


def _app(db, tmp_path: Path) -> GreencareApp:
    app = GreencareApp(db=db, mode="import")
    app.import_root = tmp_path
    return app


async def test_timestamp_usage_asks_for_the_interval_field(small_db, tmp_path: Path) -> None:
    source = _file(
        tmp_path, "usage.csv", "Timestamp,Usage (kWh)\n2026-01-01 00:00,1.5\n2026-01-01 00:15,2.5\n"
    )
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        summary = str(screen.query_one("#imp-format", Static).content)
        assert 'fill in "Interval" below' in summary
        assert screen.query_one("#imp-interval", Input).has_class("-needed")
        assert screen.query_one("#imp-col-timestamp", Select).value == "Timestamp"
        assert screen.query_one("#imp-col-quantity", Select).value == "Usage (kWh)"
        screen.query_one("#imp-meter", Select).value = _meter_id(small_db, "Electric")

        refused = await _import(pilot, screen)
        assert 'fill in the "Interval" field, e.g. 15min' in refused
        assert "--interval" not in refused
        assert _batch_readings(small_db) == []

        screen.query_one("#imp-interval", Input).focus()
        await pilot.press(*"15min")
        result = await _import(pilot, screen)
        assert "imported" in result, result
    assert _batch_readings(small_db) == [
        ("Electric", T0, T0 + 900, 1.5, "kWh"),
        ("Electric", T0 + 900, T0 + 1800, 2.5, "kWh"),
    ]


async def test_interval_start_end_kwh_imports_as_detected(small_db, tmp_path: Path) -> None:
    source = _file(
        tmp_path,
        "ami.csv",
        "Meter,Interval Start,Interval End,kWh\n"
        "Electric,2026-01-01 00:00,2026-01-01 00:15,1.5\n"
        "Electric,2026-01-01 00:15,2026-01-01 00:30,2.5\n",
    )
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        picked = {f: screen.query_one(f"#imp-col-{f}", Select).value for f in COLUMN_FIELDS}
        assert picked == {
            "start": "Interval Start", "end": "Interval End", "timestamp": Select.NULL,
            "quantity": "kWh", "meter": "Meter", "unit": Select.NULL,
        }  # fmt: skip
        assert (
            "Interval" not in str(screen.query_one("#imp-format", Static).content).split("\n")[-1]
        )
        assert not screen.query_one("#imp-interval", Input).has_class("-needed")
        assert "imported" in await _import(pilot, screen)
    assert _batch_readings(small_db) == [
        ("Electric", T0, T0 + 900, 1.5, "kWh"),
        ("Electric", T0 + 900, T0 + 1800, 2.5, "kWh"),
    ]


async def test_an_ambiguous_time_column_is_chosen_from_the_header(small_db, tmp_path) -> None:
    source = _file(
        tmp_path,
        "amb.csv",
        "meter,Interval Start,Timestamp,kWh\nElectric,2026-01-01 00:00,2026-01-01 00:15,1.5\n",
    )
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        summary = str(screen.query_one("#imp-format", Static).content)
        assert "Choose the columns" in summary
        assert '"End col": Timestamp (the end)' in summary
        assert "--column" not in summary
        end = screen.query_one("#imp-col-end", Select)
        assert [str(label) for label, _ in end._options[1:]] == [
            "meter", "Interval Start", "Timestamp", "kWh",
        ]  # fmt: skip
        end.value = "Timestamp"
        assert "imported" in await _import(pilot, screen)
    assert _batch_readings(small_db) == [("Electric", T0, T0 + 900, 1.5, "kWh")]


async def test_interval_end_alone_sets_time_is_end(small_db, tmp_path: Path) -> None:
    source = _file(tmp_path, "end.csv", "Meter,Interval End,kWh\nElectric,2026-01-01 00:15,1.5\n")
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        assert screen.query_one("#imp-stamp", Select).value == "end"
        screen.query_one("#imp-interval", Input).value = "15"
        assert "imported" in await _import(pilot, screen)
    assert _batch_readings(small_db) == [("Electric", T0, T0 + 900, 1.5, "kWh")]


async def test_create_meters_unit_zone_date_order_and_dry_run(small_db, tmp_path) -> None:
    source = _file(
        tmp_path,
        "new.csv",
        "meter,start,end,quantity\nNew AHU,01/01/2026,31/01/2026,500\nNew AHU,01/02/2026,"
        "28/02/2026,400\n",
    )
    meters = count(small_db, "meters")
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        screen.query_one("#imp-create", Checkbox).value = True
        refused = await _import(pilot, screen)
        assert '"Create meters" needs a "Facility" and a "Commodity"' in refused
        facility = small_db.execute("SELECT id FROM facilities").fetchone()[0]
        screen.query_one("#imp-facility", Select).value = facility
        screen.query_one("#imp-commodity", Select).value = "electricity"
        screen.query_one("#imp-unit", Input).value = "MWh"
        screen.query_one("#imp-timezone", Input).value = "America/New_York"
        screen.query_one("#imp-dates", Select).value = "dmy"
        screen.query_one("#imp-dryrun", Checkbox).value = True
        assert "dry run" in await _import(pilot, screen)
        assert count(small_db, "meters") == meters
        assert _batch_readings(small_db) == []
        screen.query_one("#imp-dryrun", Checkbox).value = False
        assert "imported" in await _import(pilot, screen)
    created = small_db.execute(
        "SELECT facility_id, commodity, unit FROM meters WHERE name = 'New AHU'"
    ).fetchall()
    assert created == [(facility, "electricity", "MWh")]
    feb = NY0 + 31 * 86400
    assert _batch_readings(small_db) == [
        ("New AHU", NY0, feb, 500.0, "MWh"),
        ("New AHU", feb, feb + 28 * 86400, 400.0, "MWh"),
    ]


async def test_bad_interval_and_zone_are_refused_naming_the_field(small_db, tmp_path) -> None:
    source = _file(tmp_path, "usage.csv", "Timestamp,Usage (kWh)\n2026-01-01 00:00,1.5\n")
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        screen.query_one("#imp-meter", Select).value = _meter_id(small_db, "Electric")
        screen.query_one("#imp-interval", Input).value = "fifteen"
        assert "Interval: 'fifteen' is not an interval length" in await _import(pilot, screen)
        screen.query_one("#imp-interval", Input).value = "15min"
        screen.query_one("#imp-timezone", Input).value = "Mars/Olympus[b]"
        result = await _import(pilot, screen)
        assert "timezone: unknown time zone 'Mars/Olympus[b]'" in result
    assert _batch_readings(small_db) == []


async def test_accept_outliers_field_imports_a_refused_value(small_db, tmp_path) -> None:
    # 1,000 times the meter's usual month: refused unless accepted as an outlier
    source = _file(
        tmp_path, "big.csv", "meter,start,end,quantity\nElectric,2026-01-01,2026-01-31,950000000\n"
    )
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        screen.query_one("#imp-outliers", Checkbox).value = True
        assert "imported" in await _import(pilot, screen)
    assert [r[3] for r in _batch_readings(small_db)] == [950000000.0]
    assert count(small_db, "accepted_outliers") >= 1


async def test_the_form_fits_80_by_24_with_labels_whole(small_db, tmp_path: Path) -> None:
    source = _file(tmp_path, "usage.csv", "Timestamp,Usage (kWh)\n2026-01-01 00:00,1.5\n")
    async with _app(small_db, tmp_path).run_test(size=(80, 24)) as pilot:
        screen = pilot.app.screen
        await _open(pilot, screen, source)
        await pilot.pause()
        scroll = screen.query_one("#imp-right")
        for label in screen.query(".imp-label").results(Label):
            if not label.parent.display:  # the Portfolio Manager rows, for PM workbooks only
                continue
            text = str(label.content).rstrip()
            assert label.size.width >= len(text), text
        for wid in ("#imp-interval", "#imp-outliers", "#imp-col-end"):
            widget = screen.query_one(wid)
            scroll.scroll_to_widget(widget, animate=False)
            await pilot.pause()
            assert scroll.region.contains_region(widget.region), wid
        assert screen.query_one("#imp-run").region.height == 1  # the button stays on screen


def test_tui_words_never_name_a_cli_flag() -> None:
    text = (
        "a.csv, line 1: columns 4 'kWh' and 5 'Usage' both hold the quantity; rename one, or "
        "say which to read with --column quantity=HEADER"
    )
    assert tui_words(text) == (
        "a.csv, line 1: columns 4 'kWh' and 5 'Usage' both hold the quantity; rename one, or "
        'say which to read with the "Value col" field'
    )
    ambiguous = (
        "column 'Start' is the start of each reading, and column 'Read At' could be its end or "
        "the same time again; say which with --column end=Read At (the end) or --column "
        "start=Read At (one time per reading)"
    )
    assert tui_words(ambiguous).endswith(
        'say which with "End col": Read At (the end) or "Start col": Read At (one time per reading)'
    )
    assert "--" not in tui_words("give --interval, e.g. --interval 15min")


async def test_the_options_follow_the_first_frame_filled_and_the_pm_rows_hidden(
    small_db, tmp_path: Path
) -> None:
    """The options are mounted a frame after the rest of the screen: then the facility choices
    are filled and the Portfolio Manager rows hidden until a workbook is chosen."""
    async with _app(small_db, tmp_path).run_test(size=(100, 30)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        await wait_until(pilot, lambda: bool(screen.query("#imp-facility")))
        facilities = screen.query_one("#imp-facility", Select)
        assert [label for label, _ in facilities._options[1:]] != []  # St Example is offered
        assert not screen.query_one("#imp-pm-row").display
        assert not screen.query_one("#imp-pm-title").display
        assert screen.query_one("#imp-interval", Input).value == ""


async def test_reached_by_its_key_the_options_come_after_the_first_frame(
    small_db, tmp_path: Path
) -> None:
    """From the dashboard, Import's first frame is shown before its options are mounted (the
    switch holds frames back a moment; the options wait for them), then they are in, filled."""
    app = GreencareApp(db=small_db)
    app.import_root = tmp_path
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.first_frame_shown)
        shown = watch_frames(app, ImportScreen, "#imp-options")
        await pilot.press("i")
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.query("#imp-facility")))
        assert shown and shown[0] is False  # a frame came before the options
        assert [label for label, _ in screen.query_one("#imp-facility", Select)._options[1:]]
        assert not screen.query_one("#imp-pm-row").display
