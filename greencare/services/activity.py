"""Waste, purchases, monthly normalizers (patient days, FTEs) and market-based instruments."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import InputError
from greencare.core.models import (
    Instrument,
    MonthlyNormalizer,
    Purchase,
    WasteRecord,
)
from greencare.services import plausibility
from greencare.services.common import _facility_id, _number, _validate, default_currency
from greencare.services.facilities import get_facility, get_meter
from greencare.storage import activity
from greencare.storage import plausibility as plausibility_store


def add_waste(
    db: Database,
    *,
    facility: int | str,
    source: str = "api",
    accept_outlier: bool = False,
    **fields: Any,
) -> int:
    """Record waste collected: start/end dates, stream, route, quantity and a mass unit.

    Checked against the stream's history or the facility's beds like ``add_reading``.
    """
    record = _validate(WasteRecord, {"facility_id": _facility_id(db, facility), **fields})
    found = plausibility.enforce("quantity", plausibility.check_waste(db, record), accept_outlier)
    with db.atomic():
        new_id = activity.add_waste(db, record, source=source)
        plausibility.remember(
            db, "waste_records", new_id, found, facility_id=record.facility_id,
            month=plausibility.month_of(record.start_date), source=source,
        )  # fmt: skip
    return new_id


def add_purchase(
    db: Database,
    *,
    facility: int | str,
    source: str = "api",
    accept_outlier: bool = False,
    **fields: Any,
) -> int:
    """Record a purchase: by spend (NAICS code) or a healthcare item by quantity.

    A healthcare item is checked against the facility's earlier purchases of it or its beds.
    """
    record = _validate(Purchase, {"facility_id": _facility_id(db, facility), **fields})
    found = plausibility.enforce(
        "quantity", plausibility.check_purchase(db, record), accept_outlier
    )
    with db.atomic():
        new_id = activity.add_purchase(db, record, source=source)
        plausibility.remember(
            db, "purchases", new_id, found, facility_id=record.facility_id,
            month=plausibility.month_of(record.date), source=source,
        )  # fmt: skip
    return new_id


def set_normalizer(
    db: Database, *, facility: int | str, month: str, source: str = "api", **fields: Any
) -> int:
    """Set a month's patient days, adjusted patient days and FTEs for a facility."""
    data = {"facility_id": _facility_id(db, facility), "month": month, **fields}
    return activity.set_normalizer(db, _validate(MonthlyNormalizer, data), source=source)


def add_instrument(
    db: Database,
    *,
    facility: int | str,
    kind: str,
    start_month: str,
    end_month: str,
    mwh: float | None = None,
    co2e_kg_per_mwh: float = 0.0,
    meter: int | str | None = None,
    description: str | None = None,
    certificate: str | None = None,
    source: str = "api",
) -> int:
    """Record a market-based instrument: a supplier's rate, or certificates (REC, PPA, tariff)
    covering ``mwh`` of a facility's electricity (or one meter's) over the months given."""
    fid = _facility_id(db, facility)
    meter_id = get_meter(db, meter, facility=fid).id if meter is not None else None
    data = {
        "facility_id": fid,
        "meter_id": meter_id,
        "kind": kind,
        "start_month": start_month,
        "end_month": end_month,
        "mwh": mwh,
        "co2e_kg_per_mwh": co2e_kg_per_mwh,
        "description": description,
        "certificate": certificate,
    }
    return activity.add_instrument(db, _validate(Instrument, data), source=source)


def list_instruments(db: Database, *, facility: int | str | None = None) -> list[dict[str, Any]]:
    """Market-based instruments, of one facility or all."""
    fid = _facility_id(db, facility) if facility is not None else None
    return activity.list_instruments(db, facility_id=fid)


# --- lists, one page at a time -----------------------------------------------------------------


def _where(facility_id: int | None, column: str = "t.facility_id") -> tuple[str, list[Any]]:
    return (f" WHERE {column} = ?", [facility_id]) if facility_id is not None else ("", [])


def list_waste(
    db: Database, *, facility_id: int | None = None, limit: int = 500, offset: int = 0
) -> list[dict[str, Any]]:
    """Waste pickups newest first."""
    where, params = _where(facility_id)
    sql = (
        "SELECT t.*, f.name AS facility FROM waste_records t JOIN facilities f "
        f"ON f.id = t.facility_id{where} ORDER BY t.start_date DESC, t.id DESC LIMIT ? OFFSET ?"
    )
    return [dict(r) for r in db.query(sql, [*params, limit, offset])]


def count_rows(db: Database, table: str, *, facility_id: int | None = None) -> int:
    where, params = _where(facility_id, "facility_id")
    return int(db.execute(f"SELECT count(*) FROM [{table}]{where}", params).fetchone()[0])


def list_purchases(
    db: Database, *, facility_id: int | None = None, limit: int = 500, offset: int = 0
) -> list[dict[str, Any]]:
    """Purchases newest first."""
    where, params = _where(facility_id)
    sql = (
        "SELECT t.*, f.name AS facility FROM purchases t JOIN facilities f "
        f"ON f.id = t.facility_id{where} ORDER BY t.date DESC, t.id DESC LIMIT ? OFFSET ?"
    )
    return [dict(r) for r in db.query(sql, [*params, limit, offset])]


def purchases_by_category(db: Database, *, facility_id: int | None = None) -> list[dict[str, Any]]:
    """Spend and quantities per category (and item), largest spend first."""
    where, params = _where(facility_id, "facility_id")
    sql = (
        "SELECT category, coalesce(item, '') AS item, count(*) AS purchases, "
        "sum(spend) AS spend, coalesce(currency, '') AS currency, sum(quantity) AS quantity, "
        "coalesce(unit, '') AS unit, min(date) AS first, max(date) AS last "
        f"FROM purchases{where} GROUP BY 1, 2, 5, 7 ORDER BY coalesce(sum(spend), 0) DESC, 1, 2"
    )
    return [dict(r) for r in db.query(sql, params)]


def list_normalizers(db: Database, *, facility_id: int, limit: int = 36) -> list[dict[str, Any]]:
    sql = "SELECT * FROM normalizers WHERE facility_id = ? ORDER BY month DESC LIMIT ?"
    return [dict(r) for r in db.query(sql, [facility_id, limit])]


# --- what a purchase is ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def naics_names() -> dict[str, str]:
    """Sector name of each NAICS code in the newest bundled USEEIO edition (the factors a spend
    is computed with), e.g. '325412' -> 'Pharmaceutical Preparation Manufacturing'."""
    from greencare.core.factors import FactorLibrary

    library = FactorLibrary.bundled()
    editions = library.editions("useeio")
    if not editions:
        return {}
    table = library.table(editions[-1].id)
    names = table["description"].astype(str).str.split(" | ", n=1, regex=False).str[0]
    return dict(zip(table["activity"].astype(str), names, strict=True))


def purchase_item(category: str, item: str | None, width: int = 30) -> str:
    """What a purchase is: a healthcare item's name, or a spend's NAICS sector (cut to
    ``width`` characters so the amounts beside it stay on screen)."""
    if item:
        return item
    name = naics_names().get(str(category), "") if str(category).isdigit() else ""
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def waste_records(
    db: Database, *, facility: int | str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Waste pickups of one facility (id or name) or all, newest first."""
    fid = _facility_id(db, facility) if facility is not None else None
    return list_waste(db, facility_id=fid, limit=limit)


def purchase_records(
    db: Database, *, facility: int | str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Purchases of one facility (id or name) or all, newest first."""
    fid = _facility_id(db, facility) if facility is not None else None
    return list_purchases(db, facility_id=fid, limit=limit)


def set_normalizers(
    db: Database,
    *,
    facility: int | str,
    month: str | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str = "api",
    **fields: Any,
) -> list[int]:
    """Set the same patient days / adjusted patient days / FTEs for one month or each month of
    ``start``..``end`` (YYYY-MM), in one transaction: every month is set or none is."""
    from greencare.services.inventory import period_months

    if month and (start or end):
        raise InputError("give either --month or --from/--to, not both")
    if not fields:
        raise InputError("give at least one of patient days, adjusted patient days, FTEs")
    if not month and not (start and end):
        raise InputError("give --month YYYY-MM, or both --from and --to (YYYY-MM)")
    first, last = period_months(start=month or start, end=month or end)
    y, m = int(first[:4]), int(first[5:])
    months = []
    while f"{y:04d}-{m:02d}" <= last:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    with db.atomic():
        return [
            set_normalizer(db, facility=facility, month=label, source=source, **fields)
            for label in months
        ]


# --- correcting and deleting -------------------------------------------------------------------
#
# Like ``update_reading``/``delete_reading``: only the fields given change (``None`` clears an
# optional one), the result is validated by the same model as a new record, and every write is
# audited with the whole row before and after, so History (or ``greencare audit undo``) can put
# it back.

#: The fields a person may change on each kind of record (the facility, source and batch stay).
WASTE_FIELDS = frozenset({"start_date", "end_date", "stream", "route", "quantity", "unit",
                          "hauler", "cost", "currency", "estimated", "notes"})  # fmt: skip
PURCHASE_FIELDS = frozenset({"date", "category", "item", "description", "spend", "currency",
                             "quantity", "unit", "supplier"})  # fmt: skip
INSTRUMENT_FIELDS = frozenset({"kind", "start_month", "end_month", "mwh", "co2e_kg_per_mwh",
                               "meter", "description", "certificate"})  # fmt: skip


def _changes(what: str, fields: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise InputError(
            f"a {what}'s {', '.join(unknown)} cannot be changed; "
            f"the fields that can: {', '.join(sorted(allowed))}"
        )
    if not fields:
        raise InputError(f"nothing to change: give at least one field of the {what}")
    return dict(fields)


def _stored(db: Database, table: str, row_id: int, model: type[Any]) -> dict[str, Any]:
    """A stored record's fields as its model takes them."""
    row = activity.get_row(db, table, row_id)
    return {k: row[k] for k in model.model_fields if k in row}


def _numbers(changes: dict[str, Any], *names: str) -> dict[str, Any]:
    """Numbers as typed ("4,200") turned into numbers, each refused with its field's name."""
    return {
        k: _number(v, k) if k in names and isinstance(v, str) and v.strip() else v
        for k, v in changes.items()
    }


def get_waste(db: Database, record_id: int) -> dict[str, Any]:
    """One stored waste record (with its facility's name)."""
    return activity.get_row(db, "waste_records", record_id)


def get_purchase(db: Database, purchase_id: int) -> dict[str, Any]:
    """One stored purchase (with its facility's name)."""
    return activity.get_row(db, "purchases", purchase_id)


def get_instrument(db: Database, instrument_id: int) -> dict[str, Any]:
    """One stored market-based instrument (with its facility's name)."""
    return activity.get_row(db, "instruments", instrument_id)


def _with_currency(db: Database, data: dict[str, Any], changes: dict[str, Any], cost: str) -> None:
    """A cost given without a currency takes the facility country's, as when it is added."""
    if changes.get(cost) not in (None, "") and not data.get("currency"):
        data["currency"] = default_currency(get_facility(db, data["facility_id"]).country)


def update_waste(
    db: Database,
    record_id: int,
    *,
    source: str = "api",
    accept_outlier: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    """Correct a stored waste record: only the fields given change; validated and checked for
    plausibility like ``add_waste`` (against the stream's other records); audited."""
    changes = _numbers(_changes("waste record", fields, WASTE_FIELDS), "quantity", "cost")
    data = {**_stored(db, "waste_records", record_id, WasteRecord), **changes}
    data["estimated"] = bool(data["estimated"])
    _with_currency(db, data, changes, "cost")
    record = _validate(WasteRecord, data)
    found = plausibility.enforce(
        "quantity",
        plausibility.check_waste(db, record, exclude_id=record_id),
        accept_outlier,
    )
    _rewrite(db, "waste_records", record_id, record, found, activity.update_waste,
             record.start_date, source)  # fmt: skip
    return get_waste(db, record_id)


def _rewrite(
    db: Database,
    table: str,
    row_id: int,
    record: Any,
    found: Any,
    update: Any,
    day: Any,
    source: str,
) -> None:
    """Store a corrected record and, in the same transaction, replace its plausibility flags
    with what the new value was accepted over (an edit clears what the old value had)."""
    with db.atomic():
        update(db, row_id, record, source=source)
        plausibility_store.clear_flags(db, table, row_id, source=source)
        plausibility.remember(
            db, table, row_id, found, facility_id=record.facility_id,
            month=plausibility.month_of(day), source=source,
        )  # fmt: skip


def delete_waste(db: Database, record_id: int, *, source: str = "api") -> None:
    """Delete a waste record (audited; undoing the change puts it back)."""
    activity.delete_row(db, "waste_records", record_id, source=source)


def update_purchase(
    db: Database,
    purchase_id: int,
    *,
    source: str = "api",
    accept_outlier: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    """Correct a stored purchase: only the fields given change; validated and checked like
    ``add_purchase``; audited."""
    changes = _numbers(_changes("purchase", fields, PURCHASE_FIELDS), "spend", "quantity")
    data = {**_stored(db, "purchases", purchase_id, Purchase), **changes}
    _with_currency(db, data, changes, "spend")
    record = _validate(Purchase, data)
    found = plausibility.enforce(
        "quantity",
        plausibility.check_purchase(db, record, exclude_id=purchase_id),
        accept_outlier,
    )
    _rewrite(db, "purchases", purchase_id, record, found, activity.update_purchase,
             record.date, source)  # fmt: skip
    return get_purchase(db, purchase_id)


def delete_purchase(db: Database, purchase_id: int, *, source: str = "api") -> None:
    """Delete a purchase (audited; undoing the change puts it back)."""
    activity.delete_row(db, "purchases", purchase_id, source=source)


def update_instrument(
    db: Database, instrument_id: int, *, source: str = "api", **fields: Any
) -> dict[str, Any]:
    """Correct a market-based instrument: only the fields given change (``meter=None``: all
    the facility's electricity); validated like ``add_instrument``; audited."""
    changes = _numbers(_changes("instrument", fields, INSTRUMENT_FIELDS), "mwh", "co2e_kg_per_mwh")
    data = _stored(db, "instruments", instrument_id, Instrument)
    if "meter" in changes:
        meter = changes.pop("meter")
        data["meter_id"] = (
            get_meter(db, meter, facility=data["facility_id"]).id if meter is not None else None
        )
    data.update(changes)
    record = _validate(Instrument, data)
    activity.update_instrument(db, instrument_id, record, source=source)
    return get_instrument(db, instrument_id)


def delete_instrument(db: Database, instrument_id: int, *, source: str = "api") -> None:
    """Delete a market-based instrument (audited; undoing the change puts it back)."""
    activity.delete_row(db, "instruments", instrument_id, source=source)
