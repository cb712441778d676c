"""The dashboard paints stored figures at once and computes only when they are stale.

The figures are stored per data version (migration 0014, bumped by every write transaction)
and per factor library, GWP set and pinned editions; a write or an edition change means the
stored figures are computed again, in the worker, and then equal a fresh computation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demo_helpers import copy_demo
from textual.widgets import Static
from tui_helpers import wait_until

from greencare import services
from greencare.core.factors import FactorLibrary
from greencare.services import dashboard as use_case
from greencare.services.database import open_db
from greencare.tui.app import GreencareApp


def _card(app, name: str) -> str:
    return str(app.screen.query_one(f"#card-{name}", Static).content)


def _period(app) -> str:
    return str(app.screen.query_one("#dash-period", Static).content)


def _fresh(path: Path, **kwargs) -> dict:
    """What services compute now, as stored figures are (JSON: tuples become lists)."""
    db = open_db(path)
    try:
        return json.loads(json.dumps(use_case.dashboard(db, **kwargs), sort_keys=True))
    finally:
        db.conn.close()


@pytest.fixture
def demo_path(tmp_path: Path, demo_template) -> Path:
    return copy_demo(demo_template, tmp_path / "demo.db")


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every call of the dashboard's computation (still computed: the spy only counts)."""
    calls: list[dict] = []
    real = use_case.dashboard

    def spy(db, **kwargs):
        calls.append(kwargs)
        return real(db, **kwargs)

    monkeypatch.setattr(use_case, "dashboard", spy)
    return calls


async def _open_until_figures(path: Path) -> tuple[dict, str]:
    app = GreencareApp(db_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "S1 " in _card(app, "emissions"))
        await wait_until(pilot, lambda: "updating" not in _period(app) and not app.workers)
        return dict(app.screen.data), _card(app, "emissions")


async def test_stored_figures_are_shown_without_computing(demo_path, computations) -> None:
    first, card = await _open_until_figures(demo_path)  # nothing stored: computed and stored
    assert len(computations) == 1
    db = open_db(demo_path)
    stored = use_case.stored_dashboard(db, pins={})
    db.conn.close()
    assert stored is not None and stored[1], "fresh figures stored"
    again, card_again = await _open_until_figures(demo_path)
    assert len(computations) == 1, "the second start computed nothing"
    assert again == first and card_again == card
    assert {k: v for k, v in again.items() if k != "gwp"} == _fresh(demo_path)


async def test_a_write_makes_them_stale_and_they_are_recomputed(demo_path, computations) -> None:
    before, _ = await _open_until_figures(demo_path)
    db = open_db(demo_path)
    month = before["month"]
    facility = services.list_facilities(db)[0]
    services.add_waste(db, facility=facility.id, start_date=f"{month}-01",
                       end_date=f"{month}-02", stream="solid_waste", route="landfill",
                       quantity=12_345, unit="kg")  # fmt: skip
    figures, fresh = use_case.stored_dashboard(db, pins={}) or ({}, True)
    db.conn.close()
    assert figures == {k: v for k, v in before.items() if k != "gwp"} and not fresh
    app = GreencareApp(db_path=demo_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "S1 " in _card(app, "emissions"))
        shown_first = _period(app)
        await wait_until(pilot, lambda: "updating" not in _period(app) and not app.workers)
        after = dict(app.screen.data)
    assert "updating" in shown_first  # the stale figures at once, marked, then the new ones
    assert len(computations) == 2
    assert after["ytd"]["waste_kg"] == pytest.approx(before["ytd"]["waste_kg"] + 12_345)
    assert {k: v for k, v in after.items() if k != "gwp"} == _fresh(demo_path)


async def test_a_factor_edition_change_invalidates(demo_path, computations) -> None:
    await _open_until_figures(demo_path)
    editions = sorted(d.edition for d in FactorLibrary.bundled().editions("epa-ghg-hub"))
    pins = {"epa-ghg-hub": editions[0]}
    db = open_db(demo_path)
    assert use_case.stored_dashboard(db, pins=pins) is None  # another edition: nothing stored
    db.conn.close()
    app = GreencareApp(db_path=demo_path)
    app.pins = pins
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "S1 " in _card(app, "emissions"))
        await wait_until(pilot, lambda: "updating" not in _period(app) and not app.workers)
        pinned = dict(app.screen.data)
    assert len(computations) == 2 and computations[-1]["pins"] == pins
    assert {k: v for k, v in pinned.items() if k != "gwp"} == _fresh(demo_path, pins=pins)
