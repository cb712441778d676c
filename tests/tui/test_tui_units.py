"""Units in the terminal app: the reading form offers a meter only the units it is billed in
(a picker, so no token can be typed) and refuses an overflowing quantity beside the field,
saving nothing."""

from __future__ import annotations

import hashlib

import pytest
from textual.widgets import Label, Select

from greencare import services
from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.reading_form import ReadingForm


@pytest.fixture
def tui_db():
    db = open_db(":memory:")
    f = services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    return db


def _state(db) -> str:
    rows = [db.execute(f"SELECT * FROM {t}").fetchall() for t in ("readings", "audit_log")]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


async def test_reading_form_refuses_an_overflowing_quantity(tui_db) -> None:
    before = _state(tui_db)
    app = GreencareApp(db=tui_db, mode="energy")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReadingForm)
        options = [str(o[0]) for o in form.query_one("#unit", Select)._options]
        # labels as people write units (m³); the value chosen is the stored spelling
        assert options == ["therm", "ccf", "Mcf", "cf", "m³", "kWh", "kBtu", "MMBtu", "Dth",
                           "GJ"]  # fmt: skip
        assert form.query_one("#unit", Select)._options[4][1] == "m**3"
        await pilot.press(*"2025-02-01")
        await pilot.press("tab")
        await pilot.press(*"2025-02-28")
        await pilot.press("tab")
        await pilot.press(*"1e308")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReadingForm), "a refused form stays open"
        assert str(form.query_one("#error-quantity", Label).content) == (
            "1e+308 therm is too large: more than 1e+15 kWh, beyond any facility's use "
            "(check the quantity and its unit)"
        )
    assert _state(tui_db) == before
