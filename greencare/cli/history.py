"""The ``greencare audit`` commands: every insert, update and delete, readable."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import JSON_OPTION, _emit, _open, _table, handle_errors


@click.group()
def audit() -> None:
    """The audit log: who changed what, when, with the values before and after."""


@audit.command("list")
@click.option("--table", help="Only this table (facilities, meters, readings, waste_records, ...).")
@click.option("--source", help="Only changes whose source contains this (cli, tui, api, import).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@JSON_OPTION
@click.pass_context
@handle_errors
def audit_list(
    ctx: click.Context, table: str | None, source: str | None, limit: int, as_json: bool
) -> None:
    """List changes newest first, each with the fields it changed (before -> after)."""
    from greencare.services import history

    rows = history.readable_entries(
        _open(ctx, create=False), table=table, source=source, limit=limit
    )
    _emit(
        rows,
        as_json,
        lambda: _table([_flat(r) for r in rows], list(_flat(rows[0])) if rows else []),
    )


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "when": row["when"],
        "table": row["table"],
        "row": row["row_id"],
        "action": row["action"],
        "source": row["source"],
        "changes": "; ".join(row["changes"]),
    }
