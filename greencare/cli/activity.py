"""The ``greencare instrument`` commands (market-based Scope 2)."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import (
    JSON_OPTION,
    _emit,
    _open,
    _table,
    handle_errors,
)

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
