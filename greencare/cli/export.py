"""The ``greencare export`` commands: files other programs take in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from greencare.cli.common import JSON_OPTION, _emit, _open, handle_errors


@click.group()
def export() -> None:
    """Write files other programs upload (ENERGY STAR Portfolio Manager)."""


@export.command("portfolio-manager")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .xlsx workbook to write.",
)
@click.option("--year", type=int, help="Bills starting in this calendar year (default: all).")
@click.option("--from", "start", help="First month, YYYY-MM (with --to).")
@click.option("--to", "end", help="Last month, YYYY-MM (with --from).")
@click.option("--facility", help="One facility (id or name); default all.")
@click.option("--force", is_flag=True, help="Replace an existing file at --output.")
@JSON_OPTION
@click.pass_context
@handle_errors
def export_pm(ctx: click.Context, output: Path, as_json: bool, **opts: Any) -> None:
    """Write Portfolio Manager's "Add Bills to Existing Meters" upload workbook.

    One row per bill in its own period (not calendar months), bulk deliveries on the Delivery
    sheet, costs in each bill's currency (blank in another currency than the
    property's); Meter ID / Portfolio Manager ID are the ids stored by
    an import of a Portfolio Manager export, blank where there are none.

    Example: greencare export portfolio-manager --year 2025 -o pm-bills.xlsx
    """
    from greencare.cli.common import _db_path
    from greencare.services.portfolio_manager import export_bills

    done = export_bills(_open(ctx, create=False), output, protect=[_db_path(ctx)], **opts)
    _emit(done, as_json, lambda: _export_text(done))


def _export_text(done: dict[str, Any]) -> str:
    rows = ", ".join(f"{n} on {sheet}" for sheet, n in done["rows"].items()) or "no bills"
    out = [f"wrote {done['written']}: {rows} ({done['meters']} meters)"]
    if done["without_pm_ids"]:
        names = ", ".join(done["without_pm_ids"][:10])
        more = len(done["without_pm_ids"]) - 10
        out.append(
            f"no Portfolio Manager ids for: {names}{f' and {more} more' if more > 0 else ''}; "
            "their Meter ID / Portfolio Manager ID cells are blank (fill them before uploading)"
        )
    if done["months_with_two_currencies"]:
        out.append(
            f"{done['months_with_two_currencies']} interval months were billed in two "
            "currencies: their Cost is blank"
        )
    if done.get("costs_in_another_currency"):
        which = ", ".join(f"{n} in {k}" for k, n in done["costs_in_another_currency"].items())
        out.append(
            f"bills in another currency than their property's: {which}; their Cost is blank "
            "(Portfolio Manager reads a cost in the property's currency)"
        )
    return "\n".join(out)
