"""Databases written before the bill-unit table still open: a meter whose unit is now refused
loads (and new readings in that unit are refused, with the reason), and "MLb" rows, which were
read as million pounds, become "MMlb" with their quantities unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from greencare import services
from greencare.core.errors import InputError
from greencare.storage.db import open_db
from greencare.storage.schema import migrations


def test_mlb_rows_become_mmlb(tmp_db_path: Path) -> None:
    db = open_db(tmp_db_path, migrate=False)
    migrations.apply(db, stop_before="0009_units_million_pounds_are_mmlb")
    db.execute(
        "INSERT INTO facilities (id, name, kind, country, timezone) "
        "VALUES (1, 'Old', 'hospital', 'US', 'America/New_York')"
    )
    db.execute(
        "INSERT INTO meters (id, facility_id, name, commodity, unit, canonical_unit, "
        "delivery_class) VALUES (1, 1, 'Steam', 'district_steam', 'MLb', 'kWh', 'metered')"
    )
    db.execute(
        "INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, quantity_canonical) "
        "VALUES (1, 0, 86400, 2.0, 'MLb', 699853.8133333333)"
    )
    db.conn.commit()
    db.close()

    db = open_db(tmp_db_path)
    assert db.execute("SELECT unit FROM meters").fetchall() == [("MMlb",)]
    assert db.execute("SELECT quantity, unit, quantity_canonical FROM readings").fetchall() == [
        (2.0, "MMlb", 699853.8133333333)
    ]
    assert services.get_meter(db, "Steam").unit == "MMlb"
    db.close()


def test_a_stored_meter_in_a_unit_now_refused_still_loads(tmp_db_path: Path) -> None:
    db = open_db(tmp_db_path)
    facility = services.add_facility(db, name="Old", country="US", timezone="America/New_York")
    db.execute(
        "INSERT INTO meters (facility_id, name, commodity, unit, canonical_unit, delivery_class) "
        "VALUES (?, 'Main', 'electricity', 'therm', 'kWh', 'metered')",
        [facility.id],
    )
    db.conn.commit()
    assert [m.unit for m in services.list_meters(db)] == ["therm"]
    before = db.execute("SELECT count(*) FROM readings").fetchone()[0]
    with pytest.raises(InputError) as info:
        services.add_reading(db, meter="Main", start="2025-01-01", end="2025-01-31", quantity=5)
    assert str(info.value) == (
        "unit: electricity is not billed in 'therm'; use one of Wh, kWh, MWh, GWh, Btu, kBtu, "
        "MMBtu, J, MJ, GJ"
    )
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == before
    db.close()
