"""The interval view on the demo's 15-minute data: each chart's plotted values against the
database (``reading_hours`` and ``reading_months`` read by SQL, local hours by zoneinfo), the
table view of the same numbers, month stepping, and 80x24."""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from demo_helpers import copy_demo
from textual.widgets import DataTable
from textual_plotext import PlotextPlot
from tui_helpers import open_interval, wait_until

from greencare.tui.app import GreencareApp
from greencare.tui.screens.interval import IntervalScreen

METER = "Central plant electric"
NY = ZoneInfo("America/New_York")
SEASON = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
          6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}  # fmt: skip


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    copy_demo(demo_template, path)
    return path


def hours(path: Path) -> list[tuple[datetime, float, float, float | None]]:
    """The meter's hours by SQL: (local start, kWh, seconds, peak kW)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT h.hour_utc, h.quantity_canonical, h.seconds, h.peak_rate FROM reading_hours h "
            "JOIN meters m ON m.id = h.meter_id WHERE m.name = ? ORDER BY h.hour_utc",
            [METER],
        ).fetchall()
    return [(datetime.fromtimestamp(t, NY), q, s, p) for t, q, s, p in rows]


def plot_series(screen: IntervalScreen, name: str) -> tuple[list[list[float]], list[list[float]]]:
    monitor = screen.query_one(f"#iv-{name}", PlotextPlot).plt.monitor
    return monitor.x, monitor.y


def cells(screen: IntervalScreen, name: str) -> list[list[str]]:
    table = screen.query_one(f"#iv-{name}-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_every_chart_plots_the_database_values(demo_path: Path) -> None:
    rows = hours(demo_path)
    app = GreencareApp(db_path=demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_interval(app, pilot)
        assert screen.month == "2025-12"

        # Daily profile: winter (Jan, Feb, Dec 2025) weekday and weekend means by local hour
        sums: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for local, q, s, _ in rows:
            if SEASON[local.month] == "winter":
                kind = "weekend" if local.weekday() >= 5 else "weekday"
                sums[kind, local.hour][0] += q
                sums[kind, local.hour][1] += s
        x, y = plot_series(screen, "profile")
        assert x[0] == list(range(24)) and x[1] == list(range(24))
        for series, kind in ((y[0], "weekday"), (y[1], "weekend")):
            want = [sums[kind, h][0] * 3600 / sums[kind, h][1] for h in range(24)]
            assert series == pytest.approx(want, rel=1e-9)
        assert screen.plotted["profile"]["months"] == ["2025-01", "2025-02", "2025-12"]

        # Heat map of December: each day x hour cell is that local hour's average power
        matrix = screen.plotted["heatmap"]["matrix"]
        assert matrix.shape == (31, 24)
        for local, q, s, _ in rows:
            if (local.year, local.month) == (2025, 12):
                assert matrix[local.day - 1, local.hour] == pytest.approx(q * 3600 / s)
        assert not any(math.isnan(v) for v in matrix.ravel())

        # Load duration: every hour's power, highest first, over 0-100 % of the hours
        x, y = plot_series(screen, "duration")
        want = sorted((q * 3600 / s for _, q, s, _ in rows if s > 0), reverse=True)
        assert y[0] == pytest.approx(want, rel=1e-12)
        assert x[0][-1] == pytest.approx(100.0) and len(x[0]) == len(rows) == 8760

        # Year on year: 24 months of reading_months (bills in 2024, intervals in 2025), MWh
        with sqlite3.connect(demo_path) as conn:
            months = dict(conn.execute(
                "SELECT rm.month, sum(rm.quantity_canonical) FROM reading_months rm JOIN meters m "
                "ON m.id = rm.meter_id WHERE m.name = ? GROUP BY rm.month", [METER]
            ).fetchall())  # fmt: skip
        labels = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
        assert screen.plotted["yoy"]["months"] == labels
        x, y = plot_series(screen, "yoy")
        assert y[0] == pytest.approx([months[m] / 1000 for m in labels], rel=1e-12)
        before = [f"{int(m[:4]) - 1}-{m[5:]}" for m in labels]
        have = [m for m in before if m in months]  # the year before 2024 starts in 2023-12
        assert y[1] == pytest.approx([months[m] / 1000 for m in have], rel=1e-12)

        # Metrics: each month's peak is the highest interval power of its hours
        peaks: dict[str, float] = {}
        for local, _, _, p in rows:
            key = f"{local.year}-{local.month:02d}"
            if p is not None:
                peaks[key] = max(peaks.get(key, 0.0), p)
        table = cells(screen, "metrics")
        assert [r[0] for r in table] == [f"2025-{m:02d}" for m in range(1, 13)]
        assert [r[2] for r in table] == [f"{peaks[r[0]]:,.1f}" for r in table]
        summary = str(screen.query_one("#iv-summary").content)
        assert summary.startswith(f"2025-12 peak {peaks['2025-12']:,.1f} kW")


async def test_table_view_and_month_steps(demo_path: Path) -> None:
    rows = hours(demo_path)
    app = GreencareApp(db_path=demo_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_interval(app, pilot)
        await pilot.press("2")  # heat map
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.month == "2025-11"
        assert screen.plotted["heatmap"]["days"][0] == "2025-11-01"
        assert screen.plotted["profile"]["season"] == "autumn"
        assert "2025-11 peak" in str(screen.query_one("#iv-summary").content)
        await pilot.press("t")
        await pilot.pause()
        table = screen.query_one("#iv-heatmap-table", DataTable)
        assert table.display and not screen.query_one("#iv-heat-scroll").display
        # 2 November 2025 (fall back): the repeated 01:00 hour holds both hours over their time
        day2 = cells(screen, "heatmap")[1]
        assert day2[0] == "2025-11-02"
        one = [(q, s) for local, q, s, _ in rows if (local.month, local.day, local.hour)
               == (11, 2, 1)]  # fmt: skip
        assert len(one) == 2
        assert day2[2] == f"{sum(q for q, _ in one) * 3600 / sum(s for _, s in one):,.0f}"
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert screen.month == "2025-12"  # no data after December: stays
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, IntervalScreen)


async def test_a_meter_without_interval_data_says_so(demo_path: Path) -> None:
    app = GreencareApp(db_path=demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: bool(getattr(app.screen, "meters", None)))
        bills_only = app.screen.meter.name
        assert bills_only != METER
        assert "v charts" not in str(app.screen.query_one("#status").content)
        await pilot.press("v")
        await pilot.pause()
        assert not isinstance(app.screen, IntervalScreen)
        assert any("no interval readings" in str(n.message) for n in app._notifications)


async def test_bill_form_takes_demand_and_warns_below_the_metered_peak(demo_path, tmp_path) -> None:
    import shutil

    from greencare.tui.screens.reading_form import ReadingForm

    path = tmp_path / "demo.db"
    shutil.copy(demo_path, path)
    with sqlite3.connect(path) as conn:
        reading_id, _start = conn.execute(
            "SELECT r.id, date(r.start_utc, 'unixepoch') FROM readings r JOIN meters m "
            "ON m.id = r.meter_id WHERE m.name = 'Main electric' AND r.start_utc >= 1760140800 "
            "ORDER BY r.start_utc LIMIT 1"
        ).fetchone()  # the bill from 2025-10-11
    app = GreencareApp(db_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: bool(getattr(app.screen, "facilities", None)))
        for _ in range([f.name for f in app.screen.facilities].index("Riverside General Hospital")):
            await pilot.press("down")
        await pilot.pause()
        energy = app.screen
        app.screen.query_one("#meters", DataTable).focus()
        for _ in range([m.name for m in energy.meters].index("Main electric")):
            await pilot.press("down")
        await pilot.pause()
        table = energy.query_one("#readings", DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        table.focus()
        table.move_cursor(row=keys.index(str(reading_id)))
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm)
        form = app.screen
        assert form.query_one("#demand_kw").region.height == 1  # visible at 80x24
        assert 0 < form.query_one("#save").region.bottom <= 24
        form.query_one("#demand_kw").value = "500"
        form.query_one("#demand_cost").value = "abc"
        await pilot.pause()
        assert "'abc' is not a number" in str(form.query_one("#error-demand").content)
        form.query_one("#demand_cost").value = "3,000"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is energy)
        with sqlite3.connect(path) as conn:
            stored = conn.execute("SELECT demand_kw, demand_cost FROM readings WHERE id = ?",
                                  [reading_id]).fetchone()  # fmt: skip
        assert stored == (500.0, 3000.0)
        messages = [str(n.message) for n in app._notifications]
        assert any(m.startswith("billed demand 500.0 kW") and "Central plant electric" in m
                   for m in messages), messages  # fmt: skip
