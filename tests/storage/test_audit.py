"""The audit log: every write through the services leaves one row; a refused write leaves none."""

from __future__ import annotations

import json

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import ConflictError, NotFoundError
from greencare.core.models import Facility, Meter
from greencare.storage import audit, facilities


def count(db: Database, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])


def raw_audit(db: Database) -> list[dict]:
    return [dict(r) for r in db.query("SELECT * FROM audit_log ORDER BY id")]


def test_facility_insert_is_audited(db: Database, us_hospital: Facility) -> None:
    rows = raw_audit(db)
    assert len(rows) == 1
    row = rows[0]
    assert (row["table_name"], row["row_id"], row["action"]) == (
        "facilities",
        us_hospital.id,
        "insert",
    )
    assert row["source"] == "api"
    assert row["before"] is None
    after = json.loads(row["after"])
    assert after["name"] == "St Example"
    assert after["grid_region"] == "CAMX"
    assert after["timezone"] == "America/Los_Angeles"
    assert after["floor_area_m2"] == pytest.approx(32516.064)
    assert after["staffed_beds"] == 250
    assert row["ts"].endswith("Z")


def test_meter_and_reading_inserts_are_audited(db: Database, gas_meter: Meter) -> None:
    stored = services.add_reading(
        db, meter=gas_meter.id, start="2025-01-01", end="2025-01-31", quantity=10000, source="tui"
    )
    meter_entry = audit.entries(db, table="meters")
    assert len(meter_entry) == 1
    assert meter_entry[0]["row_id"] == gas_meter.id
    assert meter_entry[0]["after"]["commodity"] == "natural_gas"
    assert meter_entry[0]["after"]["canonical_unit"] == "kWh"

    reading_entry = audit.entries(db, table="readings", row_id=stored["id"])
    assert len(reading_entry) == 1
    entry = reading_entry[0]
    assert entry["action"] == "insert"
    assert entry["source"] == "tui"
    assert entry["before"] is None
    assert entry["after"]["meter_id"] == gas_meter.id
    assert entry["after"]["quantity"] == 10000
    assert entry["after"]["unit"] == "therm"
    assert entry["after"]["quantity_canonical"] == pytest.approx(293071.11111)
    db_row = dict(next(db.query("SELECT * FROM readings WHERE id = ?", [stored["id"]])))
    assert entry["after"]["start_utc"] == db_row["start_utc"]
    assert entry["after"]["end_utc"] == db_row["end_utc"]
    assert [e["table_name"] for e in audit.entries(db)] == ["readings", "meters", "facilities"]


def test_waste_purchase_normalizer_are_audited(db: Database, us_hospital: Facility) -> None:
    waste_id = services.add_waste(
        db,
        facility=us_hospital.id,
        start_date="2025-01-01",
        end_date="2025-01-31",
        stream="sharps",
        route="incineration",
        quantity=1.5,
        unit="tonne",
    )
    purchase_id = services.add_purchase(
        db, facility="St Example", date="2025-01-05", category="325412", spend=99, currency="USD"
    )
    norm_id = services.set_normalizer(db, facility=us_hospital.id, month="2025-01", ftes=1200)
    services.set_normalizer(db, facility=us_hospital.id, month="2025-01", ftes=1250)

    waste = audit.entries(db, table="waste_records", row_id=waste_id)
    assert [(e["action"], e["after"]["quantity_kg"]) for e in waste] == [("insert", 1500.0)]
    purchase = audit.entries(db, table="purchases", row_id=purchase_id)
    assert [(e["action"], e["after"]["spend"]) for e in purchase] == [("insert", 99.0)]
    norms = audit.entries(db, table="normalizers", row_id=norm_id)
    assert [e["action"] for e in norms] == ["update", "insert"]
    assert norms[0]["before"]["ftes"] == 1200
    assert norms[0]["after"]["ftes"] == 1250
    assert count(db, "normalizers") == 1


def test_update_facility_writes_before_and_after(db: Database, us_hospital: Facility) -> None:
    changed = us_hospital.model_copy(update={"staffed_beds": 300, "notes": "new wing"})
    facilities.update_facility(db, changed, source="cli")
    entry = audit.entries(db, table="facilities", row_id=us_hospital.id)[0]
    assert entry["action"] == "update"
    assert entry["source"] == "cli"
    assert entry["before"]["staffed_beds"] == 250
    assert entry["before"]["notes"] is None
    assert entry["after"]["staffed_beds"] == 300
    assert entry["after"]["notes"] == "new wing"
    assert services.get_facility(db, us_hospital.id).staffed_beds == 300


def test_update_missing_facility(db: Database, us_hospital: Facility) -> None:
    ghost = us_hospital.model_copy(update={"id": 99})
    before = count(db, "audit_log")
    with pytest.raises(NotFoundError, match="no facility with id 99"):
        facilities.update_facility(db, ghost)
    assert count(db, "audit_log") == before


def test_update_to_a_taken_name_changes_nothing(db: Database, us_hospital: Facility) -> None:
    other = services.add_facility(db, name="Other", country="GB")
    before = raw_audit(db)
    with pytest.raises(ConflictError, match="already exists"):
        facilities.update_facility(db, other.model_copy(update={"name": "St Example"}))
    assert raw_audit(db) == before
    assert services.get_facility(db, other.id).name == "Other"


def test_delete_reading_writes_before_and_removes_row(db: Database, gas_meter: Meter) -> None:
    stored = services.add_reading(
        db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=10000, cost=9000
    )
    services.delete_reading(db, stored["id"], source="cli")
    assert count(db, "readings") == 0
    entry = audit.entries(db, table="readings", row_id=stored["id"])[0]
    assert entry["action"] == "delete"
    assert entry["source"] == "cli"
    assert entry["after"] is None
    assert entry["before"]["id"] == stored["id"]
    assert entry["before"]["quantity"] == 10000
    assert entry["before"]["cost"] == 9000
    assert entry["before"]["currency"] == "USD"


def test_delete_missing_reading(db: Database, gas_meter: Meter) -> None:
    before = count(db, "audit_log")
    with pytest.raises(NotFoundError, match="no reading with id 5"):
        services.delete_reading(db, 5)
    assert count(db, "audit_log") == before


def test_duplicate_facility_changes_nothing(db: Database, us_hospital: Facility) -> None:
    before = (count(db, "facilities"), raw_audit(db))
    with pytest.raises(ConflictError, match="a facility named 'St Example' already exists"):
        services.add_facility(db, name="St Example", country="US", grid_region="NEWE")
    assert (count(db, "facilities"), raw_audit(db)) == before


def test_duplicate_meter_changes_nothing(db: Database, gas_meter: Meter) -> None:
    before = (count(db, "meters"), raw_audit(db))
    with pytest.raises(ConflictError, match="already has a meter named 'Gas'"):
        services.add_meter(db, facility="St Example", name="Gas", commodity="electricity")
    assert (count(db, "meters"), raw_audit(db)) == before


def test_overlapping_reading_changes_nothing(db: Database, gas_meter: Meter) -> None:
    services.add_reading(db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=1)
    before = (count(db, "readings"), raw_audit(db))
    with pytest.raises(ConflictError, match="period overlaps the reading of meter 'Gas' \\(20"):
        services.add_reading(db, meter="Gas", start="2025-01-31", end="2025-02-27", quantity=2)
    with pytest.raises(ConflictError):
        services.add_reading(db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=3)
    assert (count(db, "readings"), raw_audit(db)) == before


def test_adjacent_reading_is_not_an_overlap(db: Database, gas_meter: Meter) -> None:
    services.add_reading(db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=1)
    services.add_reading(db, meter="Gas", start="2025-02-01", end="2025-02-28", quantity=2)
    assert count(db, "readings") == 2
    assert count(db, "audit_log") == 4


def test_entries_filters_and_limits(db: Database, gas_meter: Meter) -> None:
    for month in ("01", "02", "03"):
        services.add_reading(
            db, meter="Gas", start=f"2025-{month}-01", end=f"2025-{month}-10", quantity=1
        )
    newest = audit.entries(db, table="readings", limit=2)
    assert [e["row_id"] for e in newest] == [3, 2]
    assert audit.entries(db, table="meters", row_id=999) == []
