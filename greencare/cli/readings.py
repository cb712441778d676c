"""The ``greencare reading`` commands."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import (
    ACCEPT_OUTLIER_OPTION,
    JSON_OPTION,
    _emit,
    _open,
    _table,
    echo,
    handle_errors,
    unit_text,
)

# --- readings ---------------------------------------------------------------------------------


@click.group()
def reading() -> None:
    """Add and list readings (bills and interval data)."""


@reading.command("add")
@click.argument("meter")
@click.option("--start", required=True, help="First day (YYYY-MM-DD) or ISO date-time.")
@click.option("--end", required=True, help="Last day billed, inclusive, or ISO date-time.")
@click.option("--quantity", required=True, help="Amount used in the period.")
@click.option("--unit", help="Unit of the quantity (default: the meter's unit).")
@click.option("--cost", help="Amount billed.")
@click.option("--currency", help="ISO currency code (default from the facility's country).")
@click.option("--estimated", is_flag=True, help="The bill is an estimate, not a meter read.")
@click.option("--demand-kw", help="Billed demand (kW) printed on the bill.")
@click.option("--demand-cost", help="The bill's demand charge (in --currency).")
@click.option("--facility", help="The meter's facility, when meter names repeat.")
@ACCEPT_OUTLIER_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def reading_add(ctx: click.Context, meter: str, as_json: bool, **fields: Any) -> None:
    """Record a bill or reading for METER (its id or name).

    The quantity is checked against the meter's history, or the facility's floor area: an
    implausible value is refused (nothing written) unless --accept-outlier.
    """
    from greencare import services
    from greencare.core.numbers import grouped

    db = _open(ctx, create=False)
    row = services.add_reading(db, meter=meter, source="cli", **fields)
    flags = services.outlier_flags(db, "readings", row["id"])
    row = {**row, "plausibility": [_flag_dict(f) for f in flags]}
    _emit(
        row,
        as_json,
        lambda: "\n".join(
            [
                f"added reading {row['id']}: {row['meter']} {row['start']} to {row['end']}, "
                f"{grouped(row['quantity'])} {unit_text(row['unit'])} = "
                f"{row['quantity_canonical']:,.1f} {unit_text(row['canonical_unit'])}",
                *(f"  accepted over a plausibility {f['level']}: {f['message']}" for f in flags),
            ]
        ),
    )
    for warning in row.get("warnings", []):
        echo(f"warning: {warning}", err=True)


def _flag_dict(flag: dict[str, Any]) -> dict[str, Any]:
    return {k: flag[k] for k in ("rule", "level", "message", "accepted_by", "accepted_at")}


@reading.command("list")
@click.option("--meter", help="Only this meter (id or name).")
@click.option("--facility", help="Only this facility (id or name).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0)
@JSON_OPTION
@click.pass_context
@handle_errors
def reading_list(
    ctx: click.Context,
    meter: str | None,
    facility: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List readings, newest first."""
    from greencare import services

    rows = services.list_readings(
        _open(ctx, create=False), meter=meter, facility=facility, limit=limit, offset=offset
    )
    cols = ["id", "facility", "meter", "start", "end", "quantity", "unit", "cost", "currency"]
    _emit(rows, as_json, lambda: _table(rows, [*cols, "estimated"]))


@reading.command("delete")
@click.argument("reading_id", type=int)
@JSON_OPTION
@click.pass_context
@handle_errors
def reading_delete(ctx: click.Context, reading_id: int, as_json: bool) -> None:
    """Delete reading READING_ID (audited; the monthly roll-up follows)."""
    from greencare import services

    db = _open(ctx, create=False)
    services.get_reading(db, reading_id)  # "no reading with id N" before anything else
    services.delete_reading(db, reading_id, source="cli")
    _emit({"id": reading_id, "deleted": True}, as_json, lambda: f"deleted reading {reading_id}")


@reading.command("edit")
@click.argument("reading_id", type=int)
@click.option("--start", help="New first day (YYYY-MM-DD) or ISO date-time.")
@click.option("--end", help="New last day billed, inclusive, or ISO date-time.")
@click.option("--quantity", help="New amount used in the period.")
@click.option("--unit", help="New unit of the quantity.")
@click.option("--cost", help="New amount billed.")
@click.option("--clear-cost", is_flag=True, help="Remove the cost (and its currency).")
@click.option("--currency", help="New ISO currency code.")
@click.option("--estimated/--actual", default=None, help="Mark the bill an estimate or a read.")
@click.option("--demand-kw", help="New billed demand (kW).")
@click.option("--demand-cost", help="New demand charge.")
@click.option("--clear-demand", is_flag=True, help="Remove the billed demand and its charge.")
@ACCEPT_OUTLIER_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def reading_edit(ctx: click.Context, reading_id: int, as_json: bool, **opts: Any) -> None:
    """Correct reading READING_ID: only the options given change, the rest stay as stored."""
    from greencare import services
    from greencare.core.errors import InputError

    accept = opts.pop("accept_outlier")
    clear = opts.pop("clear_cost")
    clear_demand = opts.pop("clear_demand")
    if clear and opts["cost"] is not None:
        raise InputError("give either --cost or --clear-cost, not both")
    if clear_demand and (opts["demand_kw"] is not None or opts["demand_cost"] is not None):
        raise InputError("give either --demand-kw/--demand-cost or --clear-demand, not both")
    changes = {k: v for k, v in opts.items() if v is not None}
    if clear:
        changes.update(cost=None, currency=None)
    if clear_demand:
        changes.update(demand_kw=None, demand_cost=None)
    if not changes:
        raise InputError("nothing to change: give at least one of the options (see --help)")
    row = services.update_reading(
        _open(ctx, create=False), reading_id, source="cli", accept_outlier=accept, **changes
    )
    _emit(row, as_json, lambda: f"updated reading {reading_id}: {', '.join(sorted(changes))}")
    for warning in row.get("warnings", []):
        echo(f"warning: {warning}", err=True)
