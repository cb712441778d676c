"""Headless helpers the terminal app needs that the services layer does not (yet) offer.

Every write goes through :mod:`greencare.storage.audit` in one transaction with its audit row, like
the storage functions do; every read is a bounded query (a page, or an aggregate), so screens stay
quick on a large database.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import NotFoundError
from greencare.storage import audit

# --- retiring facilities and meters ------------------------------------------------------------


def _set_retired(db: Database, table: str, row_id: int, retired: bool, source: str) -> None:
    with db.atomic():
        before = audit.row_dict(db, table, row_id)
        if before is None:
            raise NotFoundError(f"no {table[:-1]} with id {row_id}")
        db.execute(f"UPDATE [{table}] SET retired = ? WHERE id = ?", [int(retired), row_id])
        after = {**before, "retired": int(retired)}
        audit.record(db, table, row_id, "update", before=before, after=after, source=source)


def retire_facility(db: Database, facility_id: int, *, source: str = "tui") -> None:
    """Mark a facility retired (kept with its history, hidden from lists); audited."""
    _set_retired(db, "facilities", facility_id, True, source)


def retire_meter(db: Database, meter_id: int, *, source: str = "tui") -> None:
    """Mark a meter retired (its readings stay in past periods); audited."""
    _set_retired(db, "meters", meter_id, True, source)


def reinstate_facility(db: Database, facility_id: int, *, source: str = "tui") -> None:
    _set_retired(db, "facilities", facility_id, False, source)


# --- lists, one page at a time -------------------------------------------------------------------


def _where(facility_id: int | None, column: str = "t.facility_id") -> tuple[str, list[Any]]:
    return (f" WHERE {column} = ?", [facility_id]) if facility_id is not None else ("", [])


def list_waste(
    db: Database, *, facility_id: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Waste pickups newest first."""
    where, params = _where(facility_id)
    sql = (
        "SELECT t.*, f.name AS facility FROM waste_records t JOIN facilities f "
        f"ON f.id = t.facility_id{where} ORDER BY t.start_date DESC, t.id DESC LIMIT ?"
    )
    return [dict(r) for r in db.query(sql, [*params, limit])]


def count_rows(db: Database, table: str, *, facility_id: int | None = None) -> int:
    where, params = _where(facility_id, "facility_id")
    return int(db.execute(f"SELECT count(*) FROM [{table}]{where}", params).fetchone()[0])


def list_purchases(
    db: Database, *, facility_id: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Purchases newest first."""
    where, params = _where(facility_id)
    sql = (
        "SELECT t.*, f.name AS facility FROM purchases t JOIN facilities f "
        f"ON f.id = t.facility_id{where} ORDER BY t.date DESC, t.id DESC LIMIT ?"
    )
    return [dict(r) for r in db.query(sql, [*params, limit])]


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


def audit_entries(
    db: Database,
    *,
    table: str | None = None,
    source: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Audit rows newest first, raw (before/after left as JSON text)."""
    where, params = [], []
    if table:
        where.append("table_name = ?")
        params.append(table)
    if source:
        where.append("source LIKE ?")
        params.append(f"%{source}%")
    sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "")
    return [dict(r) for r in db.query(sql + " ORDER BY id DESC LIMIT ?", [*params, limit])]


def audit_tables(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT table_name FROM audit_log ORDER BY 1")]


# --- the dashboard with a chosen GWP set ---------------------------------------------------------


def dashboard(
    db: Database,
    *,
    facility: int | None = None,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
) -> dict[str, Any]:
    """:func:`greencare.dashboard.dashboard` under the GWP set and editions chosen in Factors."""
    from greencare import dashboard as dash

    return {**dash.dashboard(db, facility=facility, gwp=gwp, pins=pins), "gwp": gwp}


# --- editing a facility ----------------------------------------------------------------------------


def update_facility(db: Database, facility_id: int, *, source: str = "tui", **fields: Any) -> Any:
    """Change a facility's details (validated by the model like a new one; audited)."""
    from greencare import services
    from greencare.storage import facilities

    current = facilities.get_facility(db, facility_id)
    data = current.model_dump()
    floor_area = fields.get("floor_area")
    if isinstance(floor_area, str):
        fields["floor_area"] = services._number(floor_area, "floor_area") if floor_area else None
    data.update(fields)
    facility = services._validate(type(current), data)
    return facilities.update_facility(db, facility, source=source)


# --- NAICS sector names ------------------------------------------------------------------------


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
