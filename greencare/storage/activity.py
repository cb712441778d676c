"""Waste records, purchases and monthly normalizers (patient days, FTEs)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import ConflictError, NotFoundError
from greencare.core.models import Instrument, MonthlyNormalizer, Purchase, WasteRecord
from greencare.storage import audit


def _require_facility(db: Database, facility_id: int) -> None:
    if not list(db.query("SELECT 1 FROM facilities WHERE id = ?", [facility_id])):
        raise NotFoundError(f"no facility with id {facility_id}")


def add_waste(db: Database, record: WasteRecord, *, source: str = "manual") -> int:
    _require_facility(db, record.facility_id)
    row = record.model_dump(mode="json", exclude={"id"})
    row["quantity_kg"] = record.quantity_kg
    row["estimated"] = int(record.estimated)
    row["source"] = source if record.source == "manual" else record.source
    return audit.insert_audited(db, "waste_records", row, source=source)


#: What makes two waste records the same: every field a person or a file gives (facility,
#: period, stream, route, quantity as entered, hauler, cost, estimated flag, notes). Two
#: pickups that differ in any of them are two records.
WASTE_SAME = ("facility_id", "start_date", "end_date", "stream", "route", "quantity", "unit",
              "hauler", "cost", "currency", "estimated", "notes")  # fmt: skip
#: The same for purchases: facility, date, category, item, description, spend, quantity,
#: supplier.
PURCHASE_SAME = ("facility_id", "date", "category", "item", "description", "spend", "currency",
                 "quantity", "unit", "supplier")  # fmt: skip


def waste_row(record: WasteRecord) -> dict[str, Any]:
    """The stored columns of a waste record (source and batch as the record has them)."""
    row = record.model_dump(mode="json", exclude={"id"})
    row["quantity_kg"] = record.quantity_kg
    row["estimated"] = int(record.estimated)
    return row


def same_stored(
    db: Database, table: str, row: dict[str, Any], *, not_ids: set[int], not_batch: int | None
) -> int | None:
    """A stored record equal to ``row`` in every ``WASTE_SAME``/``PURCHASE_SAME`` field, other
    than those in ``not_ids`` and those of batch ``not_batch``: the id, or None."""
    fields = WASTE_SAME if table == "waste_records" else PURCHASE_SAME
    where = " AND ".join(f"[{f}] IS ?" for f in fields)
    for (found,) in db.execute(
        f"SELECT id FROM [{table}] WHERE {where} AND batch_id IS NOT ? ORDER BY id",
        [row.get(f) for f in fields] + [not_batch],
    ).fetchall():
        if int(found) not in not_ids:
            return int(found)
    return None


def add_purchase(db: Database, purchase: Purchase, *, source: str = "manual") -> int:
    _require_facility(db, purchase.facility_id)
    row = purchase.model_dump(mode="json", exclude={"id"})
    row["source"] = source if purchase.source == "manual" else purchase.source
    return audit.insert_audited(db, "purchases", row, source=source)


def set_normalizer(db: Database, norm: MonthlyNormalizer, *, source: str = "manual") -> int:
    """Insert or replace a facility's figures for one month (audited either way)."""
    _require_facility(db, norm.facility_id)
    row = norm.model_dump(mode="json", exclude={"id"})
    with db.atomic():
        existing = list(
            db.query(
                "SELECT * FROM normalizers WHERE facility_id = ? AND month = ?",
                [norm.facility_id, norm.month],
            )
        )
        if not existing:
            try:
                return audit.insert_audited(db, "normalizers", row, source=source)
            except sqlite3.IntegrityError as exc:
                raise ConflictError(str(exc)) from exc
        before = dict(existing[0])
        db.execute(
            "UPDATE normalizers SET patient_days = ?, adjusted_patient_days = ?, ftes = ? "
            "WHERE id = ?",
            [norm.patient_days, norm.adjusted_patient_days, norm.ftes, before["id"]],
        )
        audit.record(
            db, "normalizers", before["id"], "update", before=before, after=row, source=source
        )
        return int(before["id"])


def add_instrument(db: Database, instrument: Instrument, *, source: str = "manual") -> int:
    """Record a contractual instrument; a meter, if named, must belong to the facility."""
    _check_instrument(db, instrument)
    row = instrument.model_dump(mode="json", exclude={"id"})
    row["source"] = source
    return audit.insert_audited(db, "instruments", row, source=source)


def _check_instrument(db: Database, instrument: Instrument, exclude_id: int | None = None) -> None:
    """What the database must agree to for an instrument (``exclude_id``: the one edited)."""
    _require_facility(db, instrument.facility_id)
    if instrument.meter_id is not None:
        owner = db.execute(
            "SELECT facility_id, commodity FROM meters WHERE id = ?", [instrument.meter_id]
        ).fetchone()
        if owner is None or owner[0] != instrument.facility_id:
            raise NotFoundError(f"meter {instrument.meter_id} is not a meter of this facility")
        if owner[1] != "electricity":
            raise ConflictError("instruments apply to electricity meters only")
    if instrument.kind == "supplier_factor":
        clash = db.execute(
            "SELECT id FROM instruments WHERE facility_id = ? AND kind = 'supplier_factor' "
            "AND meter_id IS ? AND start_month <= ? AND end_month >= ? AND id IS NOT ?",
            [instrument.facility_id, instrument.meter_id, instrument.end_month,
             instrument.start_month, exclude_id],
        ).fetchone()  # fmt: skip
        if clash:
            raise ConflictError(f"supplier factor {clash[0]} already covers some of these months")


# --- correcting and deleting a stored record ---------------------------------------------------

#: How a message names a row of each table.
NOUNS = {"waste_records": "waste record", "purchases": "purchase", "instruments": "instrument",
         "normalizers": "normalizer"}  # fmt: skip


def get_row(db: Database, table: str, row_id: int) -> dict[str, Any]:
    """One stored record with its facility's name; NotFoundError naming the table and id."""
    rows = list(
        db.query(
            f"SELECT t.*, f.name AS facility FROM [{table}] t JOIN facilities f "
            "ON f.id = t.facility_id WHERE t.id = ?",
            [row_id],
        )
    )
    if not rows:
        raise NotFoundError(f"no {NOUNS.get(table, table)} with id {row_id}")
    return dict(rows[0])


def _update_row(db: Database, table: str, row_id: int, row: dict[str, Any], source: str) -> None:
    """Write ``row``'s columns over a stored record, audited with the whole row before/after."""
    with db.atomic():
        before = audit.row_dict(db, table, row_id)
        if before is None:
            raise NotFoundError(f"no {NOUNS.get(table, table)} with id {row_id}")
        sets = ", ".join(f"[{k}] = ?" for k in row)
        try:
            db.execute(f"UPDATE [{table}] SET {sets} WHERE id = ?", [*row.values(), row_id])
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"{NOUNS.get(table, table)} {row_id}: {exc}") from exc
        after = audit.row_dict(db, table, row_id)
        audit.record(db, table, row_id, "update", before=before, after=after, source=source)


def delete_row(db: Database, table: str, row_id: int, *, source: str = "manual") -> None:
    """Delete one waste record, purchase or instrument (audited: the row is kept in ``before``,
    so undoing the change puts it back)."""
    with db.atomic():
        before = audit.row_dict(db, table, row_id)
        if before is None:
            raise NotFoundError(f"no {NOUNS.get(table, table)} with id {row_id}")
        db.execute(f"DELETE FROM [{table}] WHERE id = ?", [row_id])
        audit.record(db, table, row_id, "delete", before=before, source=source)


def update_waste(db: Database, row_id: int, record: WasteRecord, *, source: str = "manual") -> None:
    """Replace a stored waste record's values (its source and batch stay as stored)."""
    _require_facility(db, record.facility_id)
    _update_row(db, "waste_records", row_id, waste_row(record), source)


def update_purchase(
    db: Database, row_id: int, purchase: Purchase, *, source: str = "manual"
) -> None:
    """Replace a stored purchase's values (its source and batch stay as stored)."""
    _require_facility(db, purchase.facility_id)
    row = purchase.model_dump(mode="json", exclude={"id"})
    _update_row(db, "purchases", row_id, row, source)


def update_instrument(
    db: Database, row_id: int, instrument: Instrument, *, source: str = "manual"
) -> None:
    """Replace a stored instrument's values, checked like a new one (its own months aside)."""
    _check_instrument(db, instrument, exclude_id=row_id)
    row = instrument.model_dump(mode="json", exclude={"id"})
    _update_row(db, "instruments", row_id, row, source)


def list_instruments(db: Database, *, facility_id: int | None = None) -> list[dict[str, Any]]:
    return _list(db, "instruments", "t.facility_id, t.start_month, t.id", facility_id)


def _list(db: Database, table: str, order: str, facility_id: int | None) -> list[dict[str, Any]]:
    sql = (
        f"SELECT t.*, f.name AS facility FROM [{table}] t JOIN facilities f ON f.id = t.facility_id"
    )
    params: list[Any] = []
    if facility_id is not None:
        sql += " WHERE t.facility_id = ?"
        params.append(facility_id)
    return [dict(r) for r in db.query(f"{sql} ORDER BY {order}", params)]


def list_waste(db: Database, *, facility_id: int | None = None) -> list[dict[str, Any]]:
    return _list(db, "waste_records", "t.start_date, t.id", facility_id)


def list_purchases(db: Database, *, facility_id: int | None = None) -> list[dict[str, Any]]:
    return _list(db, "purchases", "t.date, t.id", facility_id)


def list_normalizers(db: Database, *, facility_id: int | None = None) -> list[dict[str, Any]]:
    return _list(db, "normalizers", "t.facility_id, t.month", facility_id)
