"""services.add_facility / update_facility with a US ZIP code: the grid region rule, through the
API every front end shares (shipped table factors/egrid-zip/2023)."""

from __future__ import annotations

import json

import pytest

from greencare import services
from greencare.core.errors import InputError
from greencare.storage.db import open_db


@pytest.fixture
def db():
    return open_db(":memory:")


def test_one_subregion_is_used_and_reported(db) -> None:
    notices: list[services.GridRegionCheck] = []
    f = services.add_facility(db, name="A", country="usa", postcode="02115-1234", notices=notices)
    assert (f.country, f.grid_region, f.timezone) == ("US", "NEWE", "America/New_York")
    assert [(n.warning, n.grid_region) for n in notices] == [(False, "NEWE")]
    assert notices[0].message.startswith("grid region NEWE from ZIP 02115 (US EPA Power Profiler")
    assert "[egrid-zip/2023]" in notices[0].message


def test_several_subregions_are_refused_on_the_grid_region_field(db) -> None:
    with pytest.raises(InputError) as info:
        services.add_facility(db, name="B", country="US", postcode="30525")
    assert str(info.value) == "ZIP 30525 lies in SRTV, SRSO, SRVC; pass --grid-region"
    assert set(info.value.fields) == {"grid_region"}
    assert db.execute("SELECT count(*) FROM facilities").fetchone()[0] == 0


def test_without_a_notices_list_it_still_works(db) -> None:
    assert services.add_facility(db, name="C", country="US", postcode="77030").grid_region == "ERCT"


def test_update_is_audited_and_warns_on_a_stored_region(db) -> None:
    f = services.add_facility(db, name="D", country="US", grid_region="CAMX")
    notices: list[services.GridRegionCheck] = []
    services.update_facility(db, f.id, source="test", postcode="60611", notices=notices)
    assert [n.warning for n in notices] == [True]
    assert "grid region CAMX given, but ZIP 60611 lies in RFCW" in notices[0].message
    before, after = db.execute(
        "SELECT before, after FROM audit_log WHERE action = 'update' AND source = 'test'"
    ).fetchone()
    assert json.loads(before)["postcode"] is None and json.loads(after)["postcode"] == "60611"
    assert json.loads(after)["grid_region"] == "CAMX"


def test_outside_the_us_nothing_is_looked_up(db) -> None:
    notices: list[services.GridRegionCheck] = []
    f = services.add_facility(db, name="E", country="GB", postcode="30525", grid_region="GB",
                              notices=notices)  # fmt: skip
    assert f.grid_region == "GB" and notices == []
