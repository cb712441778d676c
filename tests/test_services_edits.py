"""Correcting and deleting waste, purchases, instruments and meters through the services: only
the fields given change, the add paths' validation applies, every write is audited, and undoing
the audit entry puts the row back exactly."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import ConflictError, InputError, NotFoundError
from greencare.core.models import Facility, Meter
from greencare.services import history


def _row(db: Database, table: str, row_id: int) -> dict:
    return dict(next(db.query(f"SELECT * FROM [{table}] WHERE id = ?", [row_id])))


def _last_entry(db: Database, table: str) -> int:
    return int(
        db.execute("SELECT max(id) FROM audit_log WHERE table_name = ?", [table]).fetchone()[0]
    )


@pytest.fixture
def waste(db: Database, us_hospital: Facility) -> int:
    return services.add_waste(
        db, facility=us_hospital.id, stream="sharps", route="incineration",
        start_date="2025-01-01", end_date="2025-01-31", quantity=100, unit="lb", hauler="H",
    )  # fmt: skip


def test_update_waste_changes_only_the_fields_given_and_undo_restores_it(
    db: Database, waste: int
) -> None:
    stored = _row(db, "waste_records", waste)
    shown = services.update_waste(db, waste, quantity="120", cost="40")
    assert (shown["quantity"], shown["cost"], shown["currency"], shown["hauler"]) == (
        120.0, 40.0, "USD", "H",
    )  # fmt: skip
    assert _row(db, "waste_records", waste)["quantity_kg"] == pytest.approx(120 * 0.45359237)
    entry = _last_entry(db, "waste_records")
    logged = history.readable_entries(db, entry_id=entry)[0]
    assert "quantity: 100 -> 120" in logged["changes"]
    assert services.undo_change(db, entry)["done"] == "changed back"
    assert _row(db, "waste_records", waste) == stored


def test_update_waste_is_validated_like_add_waste(db: Database, waste: int) -> None:
    stored = _row(db, "waste_records", waste)
    with pytest.raises(InputError, match="mass"):
        services.update_waste(db, waste, unit="kWh")
    with pytest.raises(InputError, match="cannot be changed"):
        services.update_waste(db, waste, facility_id=2)
    with pytest.raises(NotFoundError, match="no waste record with id 5"):
        services.update_waste(db, 5, quantity=1)
    assert _row(db, "waste_records", waste) == stored


def test_delete_then_undo_restores_every_kind(db: Database, us_hospital: Facility, waste: int):
    purchase = services.add_purchase(
        db, facility=us_hospital.id, date="2025-02-01", category="325412", spend=900,
        currency="USD",
    )  # fmt: skip
    instrument = services.add_instrument(
        db, facility=us_hospital.id, kind="rec", start_month="2025-01", end_month="2025-12",
        mwh=100,
    )  # fmt: skip
    for table, row_id, delete in (
        ("waste_records", waste, services.delete_waste),
        ("purchases", purchase, services.delete_purchase),
        ("instruments", instrument, services.delete_instrument),
    ):
        stored = _row(db, table, row_id)
        delete(db, row_id)
        assert db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0] == 0
        with pytest.raises(NotFoundError):
            delete(db, row_id)
        assert services.undo_change(db, _last_entry(db, table))["done"] == "restored"
        assert _row(db, table, row_id) == stored


def test_update_instrument_rechecks_the_supplier_factor_months(
    db: Database, us_hospital: Facility
) -> None:
    first = services.add_instrument(
        db, facility=us_hospital.id, kind="supplier_factor", start_month="2025-01",
        end_month="2025-06", co2e_kg_per_mwh=200,
    )  # fmt: skip
    second = services.add_instrument(
        db, facility=us_hospital.id, kind="supplier_factor", start_month="2025-07",
        end_month="2025-12", co2e_kg_per_mwh=210,
    )  # fmt: skip
    services.update_instrument(db, first, end_month="2025-05", description="contract A")
    with pytest.raises(ConflictError, match=f"supplier factor {first}"):
        services.update_instrument(db, second, start_month="2025-03")
    assert _row(db, "instruments", second)["start_month"] == "2025-07"


def test_update_meter_keeps_the_commodity_of_a_meter_with_readings(
    db: Database, gas_meter: Meter
) -> None:
    services.update_meter(db, gas_meter.id, name="Boilers", unit="ccf")
    assert (_row(db, "meters", gas_meter.id)["name"], _row(db, "meters", gas_meter.id)["unit"]) == (
        "Boilers", "ccf",
    )  # fmt: skip
    services.add_reading(db, meter=gas_meter.id, start="2025-01-01", end="2025-01-31", quantity=9)
    with pytest.raises(ConflictError, match="commodity cannot change"):
        services.update_meter(db, gas_meter.id, commodity="district_steam", unit="klb")
    assert _row(db, "meters", gas_meter.id)["commodity"] == "natural_gas"
    entry = _last_entry(db, "meters")
    services.undo_change(db, entry)
    assert _row(db, "meters", gas_meter.id)["name"] == "Gas"


def test_undo_of_a_reading_edit_keeps_the_roll_up(db: Database, gas_meter: Meter) -> None:
    reading = services.add_reading(
        db, meter=gas_meter.id, start="2025-01-01", end="2025-01-31", quantity=900
    )["id"]
    services.update_reading(db, reading, quantity=950)
    services.undo_change(db, _last_entry(db, "readings"))
    assert services.get_reading(db, reading)["quantity"] == 900
    services.delete_reading(db, reading)
    services.undo_change(db, _last_entry(db, "readings"))
    assert services.get_reading(db, reading)["quantity"] == 900
    assert services.check(db)["ok"]


def test_an_import_entry_is_not_undone_row_by_row(db: Database) -> None:
    db.execute(
        "INSERT INTO audit_log (table_name, row_id, action, source) "
        "VALUES ('import_batches', 1, 'import', 'import:1')"
    )
    with pytest.raises(ConflictError, match="undo its batch"):
        services.undo_change(db, _last_entry(db, "import_batches"))


def test_an_audited_change_never_reads_as_no_change() -> None:
    """Numbers were shown to 12 digits (to hide float noise such as 5,942.060047000001): an edit
    from 1000.123456789 to 1000.12345679 read 'quantity: 1,000.12345679 -> 1,000.12345679'.
    Values that would look equal are shown with every digit."""
    shown = history.changes({"quantity": 1000.123456789}, {"quantity": 1000.12345679})
    assert shown == ["quantity: 1,000.123456789 -> 1,000.12345679"]
    assert history.changes({"quantity_kg": 5942.060047000001}, {"quantity_kg": 6000.0}) == [
        "quantity_kg: 5,942.060047 -> 6,000"
    ]
    assert history.changes({"cost": 0.1 + 0.2}, {"cost": 0.3}) == [
        "cost: 0.30000000000000004 -> 0.3"
    ]
