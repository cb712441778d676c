"""The ``greencare instrument`` commands (market-based Scope 2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from greencare.cli.common import (
    ACCEPT_OUTLIER_OPTION,
    JSON_OPTION,
    YES_OPTION,
    _emit,
    _open,
    _table,
    confirm,
    edit_changes,
    handle_errors,
)
from greencare.core.vocab import DisposalRoute, WasteStream


def _delete_command(
    group: click.Group,
    noun: str,
    get: str,
    delete: str,
    describe: Callable[[dict[str, Any]], str],
) -> None:
    """``GROUP delete ID``: asks first (unless --yes), names the record, audited (``audit undo``
    restores it). ``get``/``delete`` name the services functions; ``describe`` says what the
    record is in the question."""
    arg = noun.replace(" ", "_").upper() + "_ID"

    @group.command(
        "delete",
        help=f"Delete {noun} {arg} (asks first unless --yes; audited, `audit undo` restores it).",
    )
    @click.argument("record_id", metavar=arg, type=int)
    @YES_OPTION
    @JSON_OPTION
    @click.pass_context
    @handle_errors
    def command(ctx: click.Context, record_id: int, yes: bool, as_json: bool) -> None:
        from greencare import services

        db = _open(ctx, create=False)
        row = getattr(services, get)(db, record_id)  # "no NOUN with id N" before anything else
        confirm(f"Delete {noun} {record_id} ({describe(row)})?", yes)
        getattr(services, delete)(db, record_id, source="cli")
        _emit({"id": record_id, "deleted": True}, as_json, lambda: f"deleted {noun} {record_id}")


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


@instrument.command("edit")
@click.argument("instrument_id", type=int)
@click.option(
    "--kind", type=click.Choice(["supplier_factor", "rec", "ppa", "green_tariff"]), help="New kind."
)
@click.option("--from", "start_month", help="New first month, YYYY-MM.")
@click.option("--to", "end_month", help="New last month, YYYY-MM.")
@click.option("--mwh", help="New MWh the certificates cover.")
@click.option("--clear-mwh", is_flag=True, help="Remove the MWh (a supplier factor has none).")
@click.option("--factor", "co2e_kg_per_mwh", help="New kg CO2e per MWh.")
@click.option("--meter", help="Only this electricity meter from now on.")
@click.option("--all-meters", is_flag=True, help="Cover all the facility's electricity.")
@click.option("--description", help="New description.")
@click.option("--clear-description", is_flag=True, help="Remove the description.")
@click.option("--certificate", help="New certificate or contract reference.")
@click.option("--clear-certificate", is_flag=True, help="Remove the certificate reference.")
@JSON_OPTION
@click.pass_context
@handle_errors
def instrument_edit(ctx: click.Context, instrument_id: int, as_json: bool, **opts: Any) -> None:
    """Correct instrument INSTRUMENT_ID: only the options given change (validated like `add`)."""
    from greencare import services

    changes = edit_changes(
        opts,
        {"clear_mwh": ("mwh",), "all_meters": ("meter",), "clear_description": ("description",),
         "clear_certificate": ("certificate",)},
    )  # fmt: skip
    row = services.update_instrument(
        _open(ctx, create=False), instrument_id, source="cli", **changes
    )
    _emit(row, as_json, lambda: f"updated instrument {instrument_id}: {', '.join(sorted(changes))}")


_delete_command(
    instrument, "instrument", "get_instrument", "delete_instrument",
    lambda r: f"{r['kind']}, {r['start_month']} to {r['end_month']}, {r['facility']}",
)  # fmt: skip


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


@waste.command("edit")
@click.argument("record_id", type=int)
@click.option("--start", "start_date", help="New first day collected, YYYY-MM-DD.")
@click.option("--end", "end_date", help="New last day collected, YYYY-MM-DD.")
@click.option("--stream", type=click.Choice([s.value for s in WasteStream]))
@click.option("--route", type=click.Choice([r.value for r in DisposalRoute]))
@click.option("--quantity", help="New mass collected.")
@click.option("--unit", help="New mass unit: lb, kg, tonne or short_ton.")
@click.option("--hauler", help="New hauler.")
@click.option("--clear-hauler", is_flag=True, help="Remove the hauler.")
@click.option("--cost", help="New amount invoiced.")
@click.option("--clear-cost", is_flag=True, help="Remove the cost (and its currency).")
@click.option("--currency", help="New ISO currency code.")
@click.option("--estimated/--actual", default=None, help="Mark the quantity estimated or not.")
@click.option("--notes", help="New notes.")
@click.option("--clear-notes", is_flag=True, help="Remove the notes.")
@ACCEPT_OUTLIER_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def waste_edit(ctx: click.Context, record_id: int, as_json: bool, **opts: Any) -> None:
    """Correct waste record RECORD_ID: only the options given change, the rest stay as stored.

    Validated and checked for plausibility like `add`; audited (`audit undo` reverses it).
    """
    from greencare import services

    accept = opts.pop("accept_outlier")
    changes = edit_changes(
        opts,
        {"clear_hauler": ("hauler",), "clear_cost": ("cost", "currency"),
         "clear_notes": ("notes",)},
    )  # fmt: skip
    row = services.update_waste(
        _open(ctx, create=False), record_id, source="cli", accept_outlier=accept, **changes
    )
    _emit(row, as_json, lambda: f"updated waste record {record_id}: {', '.join(sorted(changes))}")


_delete_command(
    waste, "waste record", "get_waste", "delete_waste",
    lambda r: f"{r['stream']}, {r['start_date']} to {r['end_date']}, {r['quantity']:g} "
    f"{r['unit']}, {r['facility']}",
)  # fmt: skip


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


@purchase.command("edit")
@click.argument("purchase_id", type=int)
@click.option("--date", "date", help="New date of the purchase, YYYY-MM-DD.")
@click.option("--category", help="New category: a 6-digit NAICS code or a healthcare category.")
@click.option("--item", help="New healthcare item, e.g. desflurane.")
@click.option("--clear-item", is_flag=True, help="Remove the item (a spend has none).")
@click.option("--description", help="New description.")
@click.option("--clear-description", is_flag=True, help="Remove the description.")
@click.option("--spend", help="New amount spent.")
@click.option("--clear-spend", is_flag=True, help="Remove the spend (and its currency).")
@click.option("--currency", help="New ISO currency code.")
@click.option("--quantity", help="New quantity of the item.")
@click.option("--unit", help="New unit of the quantity.")
@click.option("--clear-quantity", is_flag=True, help="Remove the quantity and its unit.")
@click.option("--supplier", help="New supplier.")
@click.option("--clear-supplier", is_flag=True, help="Remove the supplier.")
@ACCEPT_OUTLIER_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def purchase_edit(ctx: click.Context, purchase_id: int, as_json: bool, **opts: Any) -> None:
    """Correct purchase PURCHASE_ID: only the options given change, the rest stay as stored.

    Validated and checked for plausibility like `add`; audited (`audit undo` reverses it).
    """
    from greencare import services

    accept = opts.pop("accept_outlier")
    changes = edit_changes(
        opts,
        {"clear_item": ("item",), "clear_description": ("description",),
         "clear_spend": ("spend", "currency"), "clear_quantity": ("quantity", "unit"),
         "clear_supplier": ("supplier",)},
    )  # fmt: skip
    row = services.update_purchase(
        _open(ctx, create=False), purchase_id, source="cli", accept_outlier=accept, **changes
    )
    _emit(row, as_json, lambda: f"updated purchase {purchase_id}: {', '.join(sorted(changes))}")


_delete_command(
    purchase, "purchase", "get_purchase", "delete_purchase",
    lambda r: f"{r['item'] or r['category']}, {r['date']}, {r['facility']}",
)  # fmt: skip


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
