"""The facility form takes a US facility's grid region from its ZIP code (shipped table
factors/egrid-zip/2023: EPA Power Profiler ZIP lookup as redistributed by ORNL VERIFI)."""

from __future__ import annotations

from textual.widgets import Label, Select
from tui_helpers import count

from greencare.storage.db import open_db
from greencare.tui.app import GreencareApp
from greencare.tui.screens.facilities import FacilityForm


def offered(form: FacilityForm) -> list[str]:
    select = form.query_one("#grid_region", Select)
    return [v for _, v in select._options if v is not Select.NULL]


def hint(form: FacilityForm) -> str:
    return str(form.query_one("#error-postcode", Label).content)


async def open_form(pilot, app) -> FacilityForm:
    await pilot.pause()
    await pilot.press("a")
    await pilot.pause()
    form = app.screen
    assert isinstance(form, FacilityForm)
    return form


async def type_zip(pilot, form: FacilityForm, text: str) -> None:
    box = form.query_one("#postcode")
    box.value = ""
    box.focus()
    await pilot.press(*text)
    await pilot.pause()


async def test_typing_a_zip_fills_a_blank_grid_region() -> None:
    db = open_db(":memory:")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        form = await open_form(pilot, app)
        await pilot.press(*"Boston Childrens")
        await type_zip(pilot, form, "0211")
        assert form.query_one("#grid_region", Select).value is Select.NULL, "not while typing"
        await pilot.press("5")
        await pilot.pause()
        assert form.query_one("#grid_region", Select).value == "NEWE"
        assert form.query_one("#timezone").value == "America/New_York"
        assert "grid region NEWE from ZIP 02115" in hint(form)
        assert "Power Profiler" in hint(form)
        # a region the form filled in follows the ZIP when it changes
        await type_zip(pilot, form, "10001")
        assert form.query_one("#grid_region", Select).value == "NYCW"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FacilityForm)
    row = dict(next(db.query("SELECT * FROM facilities")))
    assert (row["postcode"], row["grid_region"], row["timezone"]) == (
        "10001", "NYCW", "America/New_York",
    )  # fmt: skip


async def test_an_ambiguous_zip_offers_only_its_subregions() -> None:
    db = open_db(":memory:")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        form = await open_form(pilot, app)
        await pilot.press(*"Blairsville")
        await type_zip(pilot, form, "30525")
        assert offered(form) == ["SRTV", "SRSO", "SRVC"]
        assert form.query_one("#grid_region", Select).value is Select.NULL
        assert "ZIP 30525 lies in SRTV, SRSO, SRVC" in hint(form)
        form.query_one("#timezone").value = "America/New_York"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FacilityForm) and count(db, "facilities") == 0
        refused = str(form.query_one("#error-grid_region", Label).content)
        assert "ZIP 30525 lies in SRTV, SRSO, SRVC" in refused
        form.query_one("#grid_region", Select).value = "SRSO"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FacilityForm)
    assert [tuple(r) for r in db.execute("SELECT postcode, grid_region FROM facilities")] == [
        ("30525", "SRSO")
    ]


async def test_a_chosen_region_is_kept_and_a_disagreeing_zip_is_flagged() -> None:
    db = open_db(":memory:")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        form = await open_form(pilot, app)
        await pilot.press(*"Chelsea")
        form.query_one("#grid_region", Select).value = "CAMX"
        await pilot.pause()
        await type_zip(pilot, form, "10001")
        assert form.query_one("#grid_region", Select).value == "CAMX", "the user's choice stays"
        assert "ZIP 10001 lies in NYCW, not CAMX" in hint(form)
        await type_zip(pilot, form, "99999")
        assert "not in the ZIP table" in hint(form)
        assert len(offered(form)) == 27
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FacilityForm)
    assert [tuple(r) for r in db.execute("SELECT postcode, grid_region FROM facilities")] == [
        ("99999", "CAMX")
    ]


async def test_editing_the_zip_of_a_facility(small_db) -> None:
    app = GreencareApp(db=small_db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FacilityForm)
        await type_zip(pilot, form, "94105")
        assert form.query_one("#grid_region", Select).value == "CAMX"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FacilityForm)
    row = small_db.execute("SELECT postcode, grid_region FROM facilities").fetchone()
    assert tuple(row) == ("94105", "CAMX")
    after = small_db.execute(
        "SELECT after FROM audit_log WHERE action = 'update' AND source = 'tui'"
    ).fetchone()[0]
    assert '"postcode": "94105"' in after


async def test_an_ambiguous_zip_never_drops_a_stored_region(small_db) -> None:
    app = GreencareApp(db=small_db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FacilityForm)
        assert form.query_one("#grid_region", Select).value == "CAMX"
        await type_zip(pilot, form, "30525")
        assert form.query_one("#grid_region", Select).value == "CAMX"
        assert len(offered(form)) == 27
        assert "ZIP 30525 lies in SRTV, SRSO, SRVC, not CAMX" in hint(form)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, FacilityForm)
    row = small_db.execute("SELECT postcode, grid_region FROM facilities").fetchone()
    assert tuple(row) == ("30525", "CAMX"), "kept, with a warning (the CLI's rule)"


async def test_a_zip_filled_region_gives_way_to_an_ambiguous_zip() -> None:
    db = open_db(":memory:")
    app = GreencareApp(db=db, mode="facilities")
    async with app.run_test(size=(110, 36)) as pilot:
        form = await open_form(pilot, app)
        await type_zip(pilot, form, "02115")
        assert form.query_one("#grid_region", Select).value == "NEWE"
        await type_zip(pilot, form, "30525")
        assert offered(form) == ["SRTV", "SRSO", "SRVC"]
        assert form.query_one("#grid_region", Select).value is Select.NULL
        await type_zip(pilot, form, "")
        assert len(offered(form)) == 27 and hint(form) == ""
