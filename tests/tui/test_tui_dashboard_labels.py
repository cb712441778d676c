"""The dashboard's cards say what they compute: diversion and recycling apart, no data rather
than 0 without a water meter, the share of energy whose bills are priced, the site EUI."""

from __future__ import annotations

from textual.widgets import Static
from tui_helpers import wait_until

from greencare import services
from greencare.tui.app import GreencareApp


def _card(app, name: str) -> str:
    return str(app.screen.query_one(f"#card-{name}", Static).content)


async def test_cards_name_what_they_show(db, us_hospital, gas_meter) -> None:
    for month, last in (("2024-01", 31), ("2025-01", 31)):
        services.add_reading(db, meter="Gas", start=f"{month}-01", end=f"{month}-{last}",
                             quantity=10_000, cost=12_000)  # fmt: skip
    services.add_meter(db, facility=us_hospital.id, name="Unpriced", commodity="electricity")
    services.add_reading(db, meter="Unpriced", start="2025-01-01", end="2025-01-31",
                         quantity=293_071)  # fmt: skip
    for route, stream, kg in (("recycling", "mixed_recycling", 300),
                              ("composting", "food_waste", 200), ("landfill", "solid_waste", 500)):  # fmt: skip
        services.add_waste(db, facility=us_hospital.id, start_date="2025-01-01",
                           end_date="2025-01-31", stream=stream, route=route, quantity=kg,
                           unit="kg")  # fmt: skip
    app = GreencareApp(db=db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "S1 " in _card(app, "emissions"))
        waste, water, cost = _card(app, "waste"), _card(app, "water"), _card(app, "cost")
        energy = _card(app, "energy")
    assert "diverted 50.0%" in waste and "recycled 30.0%" in waste
    assert "no data" in water and "0" not in water
    assert "priced 50% of energy" in cost
    assert "▲" not in cost and "▼" not in cost  # coverage differs from last year: no change shown
    # 2,000 MMBtu in January over 350,000 ft², annualised x 12
    assert "EUI 69 kBtu/ft²" in energy
