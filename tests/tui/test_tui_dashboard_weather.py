"""The dashboard shows the weather-normalised change in the energy card and the year-end
forecast under it and in the Targets box, at 80x24, and nothing where no model fits."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from tui_helpers import wait_until
from weather_helpers import add_valley_hospital

from greencare import services
from greencare.services import dashboard
from greencare.tui.app import GreencareApp


@pytest.fixture(autouse=True)
def _fresh_cache():
    dashboard._WEATHER_CACHE.clear()
    yield
    dashboard._WEATHER_CACHE.clear()


def _energy(app) -> Static:
    return app.screen.query_one("#card-energy", Static)


async def test_energy_card_and_targets_box_at_80x24(db) -> None:
    add_valley_hospital(db)
    services.add_target(db, scope="energy", reduction="30%", baseline_year=2024,
                        target_year=2030)  # fmt: skip
    expected = dashboard.dashboard(db)["weather"]
    change = expected["normalised"]["change"]
    forecast = expected["forecast"]
    app = GreencareApp(db=db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "normalised" in str(_energy(app).content))
        card = _energy(app)
        lines = str(card.content).splitlines()
        subtitle = str(card.border_subtitle)
        targets = str(app.screen.query_one("#dash-targets", Static).content)
        card_width = card.content_region.width
    assert lines[2] == f"normalised ▼{abs(change):.0%}"
    assert len(lines) == 3 and all(len(x) <= card_width for x in lines)
    assert subtitle == f"forecast {forecast['forecast_mmbtu']:,.0f}"
    (against,) = forecast["targets"]
    pct = round(against["above_path"] * 100)
    assert (
        f"year-end forecast 2025: {forecast['forecast_mmbtu']:,.0f} MMBtu · "
        f"{pct:+d}% vs the path ({against['path_mmbtu']:,.0f})"
    ) in targets


async def test_no_model_shows_no_weather_line(db, us_hospital, gas_meter) -> None:
    for month in ("2024-01", "2025-01"):
        services.add_reading(db, meter="Gas", start=f"{month}-01", end=f"{month}-31",
                             quantity=10_000)  # fmt: skip
    app = GreencareApp(db=db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "EUI " in str(_energy(app).content))
        card = _energy(app)
        content, subtitle = str(card.content), str(card.border_subtitle)
    assert "normalised" not in content and "forecast" not in subtitle
    assert len(content.splitlines()) == 2
