"""The ``greencare target`` and ``greencare settings`` commands."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import JSON_OPTION, _emit, _open, _pins, _table, handle_errors
from greencare.core.targets import BASES, SCOPES

SCOPE_HELP = (
    "What the target covers: scope1, scope2, scope12 (Scope 1+2), scope3, total (Scopes 1-3), "
    "energy (site energy), water or waste."
)
REDUCTION_HELP = 'Reduction from the baseline: "-50%", "50%", 0.5 or "net zero".'
BASIS_HELP = "Scope 2 method for scope2, scope12 and total (default location)."


def _row(t: dict[str, Any]) -> dict[str, Any]:
    return {**t, "reduction_pct": round(t["reduction"] * 100, 6)}


_COLUMNS = ["id", "scope", "basis", "baseline_year", "target_year", "reduction_pct", "label"]


@click.group()
def target() -> None:
    """Reduction targets (e.g. -50% by 2030, net zero by 2050) the dashboard and reports use."""


@target.command("add")
@click.option("--scope", required=True, type=click.Choice(list(SCOPES)), help=SCOPE_HELP)
@click.option("--reduction", required=True, help=REDUCTION_HELP)
@click.option("--target-year", required=True, type=int, help="Year the reduction is due.")
@click.option(
    "--baseline-year",
    type=int,
    help="Year it is measured from (default: the baseline-year setting).",
)
@click.option("--basis", type=click.Choice(BASES), help=BASIS_HELP)
@click.option("--note", help="Where the target comes from (a pledge, a board decision...).")
@JSON_OPTION
@click.pass_context
@handle_errors
def target_add(ctx: click.Context, as_json: bool, **fields: Any) -> None:
    """Add a target. Example: greencare target add --scope scope12 --reduction -50%
    --baseline-year 2019 --target-year 2030"""
    from greencare import services

    created = services.add_target(_open(ctx, create=False), source="cli", **fields)
    _emit(_row(created), as_json, lambda: f"added target {created['id']}: {created['label']}")


@target.command("list")
@click.option("--progress", is_flag=True, help="Also show how far each target is met.")
@click.option("--year", type=int, help="With --progress: the (fiscal) year to measure.")
@click.option("--facility", help="With --progress: one facility (id or name); default all.")
@click.option("--pin", "pins", multiple=True, metavar="FAMILY=EDITION",
              help="With --progress: use this factor edition (repeatable).")  # fmt: skip
@JSON_OPTION
@click.pass_context
@handle_errors
def target_list(
    ctx: click.Context,
    progress: bool,
    year: int | None,
    facility: str | None,
    pins: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the targets; with --progress, each one's baseline and current values, the straight
    path's value for the year and whether it is on track."""
    from greencare import services
    from greencare.core.errors import InputError

    db = _open(ctx, create=False)
    if not progress:
        if year is not None or facility or pins:
            raise InputError("--year, --facility and --pin apply with --progress only")
        rows = [_row(t) for t in services.list_targets(db)]
        _emit(rows, as_json, lambda: _table(rows, _COLUMNS))
        return
    rows = [
        _row(r)
        for r in services.target_progress(db, year=year, facility=facility, pins=_pins(pins))
    ]
    cols = ["id", "label", "year_label", "baseline_value", "current_value", "trajectory_value",
            "unit", "status"]  # fmt: skip
    _emit(rows, as_json, lambda: _table(rows, cols))


@target.command("edit")
@click.argument("target_id", type=int)
@click.option("--scope", type=click.Choice(list(SCOPES)), help=SCOPE_HELP)
@click.option("--reduction", help=REDUCTION_HELP)
@click.option("--target-year", type=int, help="New year the reduction is due.")
@click.option("--baseline-year", type=int, help="New year it is measured from.")
@click.option("--basis", type=click.Choice(BASES), help=BASIS_HELP)
@click.option("--note", help="New note.")
@click.option("--clear-note", is_flag=True, help="Remove the note.")
@JSON_OPTION
@click.pass_context
@handle_errors
def target_edit(ctx: click.Context, target_id: int, as_json: bool, **opts: Any) -> None:
    """Change target TARGET_ID: only the options given change (validated like `add`)."""
    from greencare import services
    from greencare.core.errors import InputError

    clear = opts.pop("clear_note")
    if clear and opts["note"] is not None:
        raise InputError("give either --note or --clear-note, not both")
    changes = {k: v for k, v in opts.items() if v is not None}
    if clear:
        changes["note"] = None
    if not changes:
        raise InputError("nothing to change: give at least one of the options (see --help)")
    updated = services.update_target(_open(ctx, create=False), target_id, source="cli", **changes)
    _emit(_row(updated), as_json, lambda: f"updated target {target_id}: {updated['label']}")


@target.command("delete")
@click.argument("target_id", type=int)
@JSON_OPTION
@click.pass_context
@handle_errors
def target_delete(ctx: click.Context, target_id: int, as_json: bool) -> None:
    """Delete target TARGET_ID (audited)."""
    from greencare import services

    gone = services.delete_target(_open(ctx, create=False), target_id, source="cli")
    _emit({"id": target_id, "deleted": True}, as_json,
          lambda: f"deleted target {target_id}: {gone['label']}")  # fmt: skip


# --- settings ---------------------------------------------------------------------------------

SETTING_HELP = {
    "fiscal-year-start": "first month of the fiscal year, 1-12 or a name (1: calendar years); "
    "fiscal years are named by the year they end in (FY2025 = Jul 2024-Jun 2025)",
    "baseline-year": "the baseline year reports and new targets use when none is given "
    "(none clears it)",
}


@click.group()
def settings() -> None:
    """Settings every front end shares: the fiscal year's first month, the baseline year."""


def _settings_rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    from greencare.core.fiscal import MONTH_NAMES

    start = values["fiscal_year_start_month"]
    baseline = values["default_baseline_year"]
    return [
        {"setting": "fiscal-year-start",
         "value": f"{start} ({MONTH_NAMES[start - 1]})" + (" = calendar years" if start == 1
                                                           else "")},
        {"setting": "baseline-year", "value": "none" if baseline is None else str(baseline)},
    ]  # fmt: skip


@settings.command("show")
@JSON_OPTION
@click.pass_context
@handle_errors
def settings_show(ctx: click.Context, as_json: bool) -> None:
    """Show the settings (their defaults where none is set)."""
    from greencare import services

    values = services.get_settings(_open(ctx, create=False))
    _emit(values, as_json, lambda: _table(_settings_rows(values), ["setting", "value"]))


@settings.command("set")
@click.argument("name", type=click.Choice(list(SETTING_HELP)), metavar="NAME")
@click.argument("value")
@JSON_OPTION
@click.pass_context
@handle_errors
def settings_set(ctx: click.Context, name: str, value: str, as_json: bool) -> None:
    """Set NAME to VALUE (audited). NAME is fiscal-year-start (1-12 or a month name; 1 means
    calendar years) or baseline-year (a year, or none).

    Example: greencare settings set fiscal-year-start 7
    """
    from greencare import services

    values = services.set_setting(_open(ctx, create=False), name, value, source="cli")
    shown = next(r["value"] for r in _settings_rows(values) if r["setting"] == name)
    _emit(values, as_json, lambda: f"{name} = {shown}")
