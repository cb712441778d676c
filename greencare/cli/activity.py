"""The ``greencare instrument`` commands (market-based Scope 2)."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import (
    ACCEPT_OUTLIER_OPTION,
    JSON_OPTION,
    _emit,
    _open,
    _table,
    handle_errors,
)
from greencare.core.vocab import DisposalRoute, WasteStream

# --- market-based instruments -------------------------------------------------------------


@click.group()
def instrument() -> None:
    """Supplier factors and certificates (RECs, PPAs) for market-based Scope 2."""


@instrument.command("add")
@click.argument("facility")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["supplier_factor", "rec", "ppa", "green_tariff"]),
    help="supplier_factor: the supplier's rate for all consumption; others cover --mwh.",
)
@click.option("--from", "start_month", required=True, help="First month, YYYY-MM.")
@click.option("--to", "end_month", required=True, help="Last month, YYYY-MM.")
@click.option("--mwh", type=float, help="MWh the certificates cover (not for supplier_factor).")
@click.option(
    "--factor",
    "co2e_kg_per_mwh",
    type=float,
    default=0.0,
    show_default=True,
    help="kg CO2e per MWh of the instrument (0 for renewable certificates).",
)
@click.option("--meter", help="Only this electricity meter (default: all of the facility's).")
@click.option("--description")
@click.option("--certificate", help="Certificate or contract reference.")
@JSON_OPTION
@click.pass_context
@handle_errors
def instrument_add(ctx: click.Context, facility: str, as_json: bool, **fields: Any) -> None:
    """Add an instrument to FACILITY (id or name)."""
    from greencare import services

    new_id = services.add_instrument(
        _open(ctx, create=False), facility=facility, source="cli", **fields
    )
    _emit({"id": new_id, **fields}, as_json, lambda: f"added instrument {new_id}")


@instrument.command("list")
@click.option("--facility", help="Only this facility (id or name).")
@JSON_OPTION
@click.pass_context
@handle_errors
def instrument_list(ctx: click.Context, facility: str | None, as_json: bool) -> None:
    """List market-based instruments."""
    from greencare.services import activity

    rows = activity.list_instruments(_open(ctx, create=False), facility=facility)
    cols = ["id", "facility", "kind", "start_month", "end_month", "mwh", "co2e_kg_per_mwh"]
    _emit(rows, as_json, lambda: _table(rows, cols))


def _numbers(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Numbers as people type them ("4,200"), each refused with its option's name."""
    from greencare.services.common import _number

    return {k: _number(v, k) if k in keys else v for k, v in data.items()}


# --- waste ------------------------------------------------------------------------------------


@click.group()
def waste() -> None:
    """Record and list waste pickups (stream, route, mass)."""


@waste.command("add")
@click.argument("facility")
@click.option("--start", "start_date", required=True, help="First day collected, YYYY-MM-DD.")
@click.option("--end", "end_date", required=True, help="Last day collected, YYYY-MM-DD.")
@click.option("--stream", required=True, type=click.Choice([s.value for s in WasteStream]))
@click.option("--route", required=True, type=click.Choice([r.value for r in DisposalRoute]))
@click.option("--quantity", required=True, help="Mass collected.")
@click.option("--unit", required=True, help="Mass unit: lb, kg, tonne or short_ton.")
@click.option("--hauler")
@click.option("--cost", help="Amount invoiced.")
@click.option("--currency", help="ISO currency code (default from the facility's country).")
@click.option("--estimated", is_flag=True, help="The quantity is an estimate.")
@click.option("--notes")
@ACCEPT_OUTLIER_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def waste_add(ctx: click.Context, facility: str, as_json: bool, **fields: Any) -> None:
    """Add a waste pickup to FACILITY (id or name)."""
    from greencare import services

    db = _open(ctx, create=False)
    accept = fields.pop("accept_outlier")
    if fields["cost"] and not fields["currency"]:
        fields["currency"] = services.default_currency(services.get_facility(db, facility).country)
    data = _numbers({k: v for k, v in fields.items() if v not in (None, "")}, "quantity", "cost")
    new_id = services.add_waste(db, facility=facility, source="cli", accept_outlier=accept, **data)
    _emit({"id": new_id, **data}, as_json, lambda: f"added waste record {new_id}")


@waste.command("list")
@click.option("--facility", help="Only this facility (id or name).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@JSON_OPTION
@click.pass_context
@handle_errors
def waste_list(ctx: click.Context, facility: str | None, limit: int, as_json: bool) -> None:
    """List waste pickups, newest first."""
    from greencare.services import activity

    rows = activity.waste_records(_open(ctx, create=False), facility=facility, limit=limit)
    cols = ["id", "facility", "start_date", "end_date", "stream", "route", "quantity", "unit"]
    _emit(rows, as_json, lambda: _table(rows, cols))


# --- purchases ----------------------------------------------------------------------------------


@click.group()
def purchase() -> None:
    """Record and list purchases (spend by NAICS code, or healthcare items by quantity)."""


@purchase.command("add")
@click.argument("facility")
@click.option("--date", "date", required=True, help="Date of the purchase, YYYY-MM-DD.")
@click.option(
    "--category",
    required=True,
    help="A 6-digit NAICS code for spend, or a healthcare item category (e.g. anesthetic_gas).",
)
@click.option("--item", help="The healthcare item, e.g. desflurane.")
@click.option("--description")
@click.option("--spend", help="Amount spent.")
@click.option("--currency", help="ISO currency code (default from the facility's country).")
@click.option("--quantity", help="Quantity of the item.")
@click.option("--unit", help="Unit of the quantity (e.g. bottle_240ml, kg, inhaler).")
@click.option("--supplier")
@ACCEPT_OUTLIER_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def purchase_add(ctx: click.Context, facility: str, as_json: bool, **fields: Any) -> None:
    """Add a purchase to FACILITY (id or name)."""
    from greencare import services

    db = _open(ctx, create=False)
    accept = fields.pop("accept_outlier")
    if fields["spend"] and not fields["currency"]:
        fields["currency"] = services.default_currency(services.get_facility(db, facility).country)
    data = _numbers({k: v for k, v in fields.items() if v not in (None, "")}, "spend", "quantity")
    new_id = services.add_purchase(
        db, facility=facility, source="cli", accept_outlier=accept, **data
    )
    _emit({"id": new_id, **data}, as_json, lambda: f"added purchase {new_id}")


@purchase.command("list")
@click.option("--facility", help="Only this facility (id or name).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@JSON_OPTION
@click.pass_context
@handle_errors
def purchase_list(ctx: click.Context, facility: str | None, limit: int, as_json: bool) -> None:
    """List purchases, newest first."""
    from greencare.services import activity

    rows = activity.purchase_records(_open(ctx, create=False), facility=facility, limit=limit)
    cols = ["id", "facility", "date", "category", "item", "spend", "currency", "quantity", "unit"]
    _emit(rows, as_json, lambda: _table(rows, cols))


# --- normalizers --------------------------------------------------------------------------------


@click.group()
def normalizer() -> None:
    """Patient days, adjusted patient days and FTEs per month (for per-patient-day metrics)."""


@normalizer.command("set")
@click.argument("facility")
@click.option("--month", help="One month, YYYY-MM.")
@click.option("--from", "start", help="First month of a range, YYYY-MM (with --to).")
@click.option("--to", "end", help="Last month of a range, YYYY-MM (with --from).")
@click.option("--patient-days", help="Patient days in each month.")
@click.option("--adjusted-patient-days", help="Adjusted patient days in each month.")
@click.option("--ftes", help="Full-time equivalent staff in each month.")
@JSON_OPTION
@click.pass_context
@handle_errors
def normalizer_set(ctx: click.Context, facility: str, as_json: bool, **opts: Any) -> None:
    """Set FACILITY's normalizers for a month, or the same values for each month of a range."""
    from greencare.services import activity

    names = ("patient_days", "adjusted_patient_days", "ftes")
    values = _numbers({k: opts[k] for k in names if opts[k]}, *names)
    ids = activity.set_normalizers(
        _open(ctx, create=False),
        facility=facility,
        month=opts["month"],
        start=opts["start"],
        end=opts["end"],
        source="cli",
        **values,
    )
    _emit(
        {"ids": ids, **values},
        as_json,
        lambda: f"set normalizers for {len(ids)} month{'s' if len(ids) != 1 else ''}",
    )


@normalizer.command("list")
@click.argument("facility")
@click.option("--limit", type=click.IntRange(min=1), default=36, show_default=True)
@JSON_OPTION
@click.pass_context
@handle_errors
def normalizer_list(ctx: click.Context, facility: str, limit: int, as_json: bool) -> None:
    """List FACILITY's monthly normalizers, newest first."""
    from greencare import services
    from greencare.services import activity

    db = _open(ctx, create=False)
    fid = services.get_facility(db, facility).id or 0
    rows = activity.list_normalizers(db, facility_id=fid, limit=limit)
    cols = ["month", "patient_days", "adjusted_patient_days", "ftes"]
    _emit(rows, as_json, lambda: _table(rows, cols))
