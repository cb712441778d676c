"""Facilities ``k``: the ranked view on the demo shows the service's values, re-sorts with 1-4,
steps the year with [ ], says why a figure is n/a, and shows names as typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_80x24 import problems
from textual.widgets import DataTable
from tui_helpers import wait_until

from greencare import services
from greencare.services import ranking
from greencare.services.demo import build_demo
from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.facilities import RankingScreen


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path)
    return path


def table_rows(screen: RankingScreen) -> list[list[str]]:
    table = screen.query_one("#rank-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def headers(screen: RankingScreen) -> list[str]:
    table = screen.query_one("#rank-table", DataTable)
    return [str(c.label) for c in table.columns.values()]


def expected(rows: list[dict], eui: str) -> list[list[str]]:
    def fig(value, fmt: str) -> str:
        return "n/a" if value is None else format(value, fmt)

    return [
        ["" if r["rank"] is None else str(r["rank"]), r["facility"], fig(r[eui], ",.1f"),
         fig(r["scope12_location_t"], ",.1f"), fig(r["t_per_bed"], ",.2f"),
         fig(r["change_pct"], "+,.1f"), fig(r["total_location_t"], ",.1f")]
        for r in rows
    ]  # fmt: skip


async def open_ranking(app: GreencareApp, pilot) -> RankingScreen:
    await pilot.pause()
    await pilot.press("k")
    await wait_until(
        pilot, lambda: isinstance(app.screen, RankingScreen) and app.screen.result is not None
    )
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


async def test_the_ranked_view_shows_the_services_values(demo_path: Path) -> None:
    db = services.open_db(demo_path)
    try:
        want = services.facility_ranking(db, 2025, strict=False)
        before = services.facility_ranking(db, 2024, strict=False)
    finally:
        db.close()
    app = GreencareApp(db_path=demo_path, mode="facilities")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ranking(app, pilot)
        assert want["units"] == "metric"  # the demo's larger estate is in the UK
        assert headers(screen) == ["#", "Facility", "EUI kWh/m² ▼", "S1+2 tCO₂e", "tCO₂e/bed",
                                   "vs 2024 %", "Total tCO₂e"]  # fmt: skip
        assert table_rows(screen) == expected(want["facilities"], "site_eui_kwh_m2")
        assert problems(app, "ranking") == []  # nothing cut or half shown at 80x24
        summary = str(screen.query_one("#rank-summary").content)
        assert summary.startswith("2025-01 to 2025-12 · by site EUI, highest first")
        assert "vs 2024 (the previous year)" in summary
        for key, by in (("2", "per_bed"), ("3", "change"), ("4", "total")):
            await pilot.press(key)
            await pilot.pause()
            rows = ranking.rank(want["facilities"], by)
            assert table_rows(screen) == expected(rows, "site_eui_kwh_m2")
            assert [h for h in headers(screen) if h.endswith("▼")] == [
                headers(screen)[{"per_bed": 4, "change": 5, "total": 6}[by]]
            ]
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: screen.result["period"]["from"] == "2024-01")
        await pilot.pause()
        assert table_rows(screen) == expected(ranking.rank(before["facilities"], "total"),
                                              "site_eui_kwh_m2")  # fmt: skip
        # the demo's bills reach into 2023 by one month: no change against it, and why
        assert {r[5] for r in table_rows(screen)} == {"n/a"}
        why = str(screen.query_one("#rank-why").content)
        first = ranking.rank(before["facilities"], "total")[0]
        assert first["na"]["change"] == "2023 has energy data in 1 month, the period in 12"
        assert why == f"{first['facility']}: rank 1; change n/a: {first['na']['change']}"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RankingScreen)


async def test_names_show_as_typed_and_missing_figures_as_n_a() -> None:
    db = open_db(":memory:")
    services.add_facility(db, name="[b]Bold[/b] clinic", country="US", grid_region="CAMX")
    f = services.add_facility(db, name="Main", country="US", grid_region="CAMX",
                              floor_area="1000 ft**2", staffed_beds=10)  # fmt: skip
    m = services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    services.add_reading(db, meter=m.id, start="2025-03-01", end="2025-03-31", quantity=10)
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_ranking(app, pilot)
        rows = table_rows(screen)
        # cells hold the name as Text, never parsed; the terminal shows it as typed
        assert [str(r[1]) for r in rows] == ["Main", "[b]Bold[/b] clinic"]
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "[b]Bold[/b] clinic" in shown
        assert rows[1][0] == "" and rows[1][2:] == ["n/a"] * 5
        screen.query_one("#rank-table", DataTable).move_cursor(row=1)
        await pilot.pause()
        why = str(screen.query_one("#rank-why").content)
        assert why.startswith("[b]Bold[/b] clinic: not ranked; EUI n/a: no energy readings")
