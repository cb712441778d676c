"""The ``greencare audit`` commands: every insert, update and delete, readable."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import (
    JSON_OPTION,
    YES_OPTION,
    _emit,
    _open,
    _table,
    confirm,
    handle_errors,
)


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


@audit.command("undo")
@click.argument("entry_id", type=int)
@YES_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def audit_undo(ctx: click.Context, entry_id: int, yes: bool, as_json: bool) -> None:
    """Reverse audit entry ENTRY_ID (see `audit list`): a deleted record is put back, an edit's
    old values return, an added record is removed. Only a record's newest change can be undone;
    asks first unless --yes, and the undo is audited too."""
    from greencare.services import history

    db = _open(ctx, create=False)
    entry = next((e for e in history.readable_entries(db, limit=1, entry_id=entry_id)), None)
    if entry is not None:
        summary = "; ".join(entry["changes"][:4])
        confirm(
            f"Undo audit entry {entry_id} ({entry['action']} of {entry['table']} row "
            f"{entry['row_id']}: {summary})?",
            yes,
        )
    done = history.undo_change(db, entry_id, source="cli")
    _emit(
        done,
        as_json,
        lambda: (
            f"undid audit entry {entry_id}: {done['table']} row {done['row_id']} {done['done']}"
        ),
    )
