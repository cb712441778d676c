"""Command line: bare ``greencare`` opens the terminal app; subcommands run headless.

Only click is imported at start-up, so ``greencare --help`` answers at once; each command imports
what it needs. No subcommand imports Textual. Exit codes: 0 success, 1 a problem with the input
or the data (one line on stderr saying what), 2 a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from greencare.cli.common import (
    JSON_OPTION,
    _db_path,
    _emit,
    _fail,
    _open,
    _table,
    handle_errors,
)


class _Group(click.Group):
    """The top group, whose command modules are imported when a command is first looked up
    or listed (a subcommand, ``--help``, ``main.commands``), not for bare ``greencare``: the
    terminal app's first frame does not wait for them (a tenth of its start beyond Textual's)."""

    _lazy = False  # set once this module has defined its own commands

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        if self._lazy:
            type(self)._lazy = False
            _register()
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value


@click.group(cls=_Group, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})  # fmt: skip
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="GREENCARE_DB",
    help="Database file (default: $GREENCARE_DB, else greencare.db in your user data folder).",
)
@click.version_option(package_name="greencare")
@click.pass_context
def main(ctx: click.Context, db: Path | None) -> None:
    """greencare: energy, waste and emissions tracking for healthcare facilities.

    Run without a command to open the terminal app. Commands below work headless, for scripts.
    """
    if ctx.invoked_subcommand is None:
        _run_tui(_db_path(ctx))


def _run_tui(path: Path) -> None:
    from greencare.core.errors import GreencareError
    from greencare.tui.app import GreencareApp

    try:
        app = GreencareApp(db_path=path)
    except GreencareError as exc:  # a database that cannot be opened: say so before any screen
        _fail(str(exc))
    app.run()
    if app.return_code:  # the database failed to open after the first frame: the app said why
        raise SystemExit(app.return_code)


@main.command()
@click.pass_context
def tui(ctx: click.Context) -> None:
    """Open the terminal app (the same as running greencare with no command)."""
    _run_tui(_db_path(ctx))


@main.command()
@JSON_OPTION
@click.pass_context
@handle_errors
def init(ctx: click.Context, as_json: bool) -> None:
    """Create the database (or bring an existing one's schema up to date)."""
    from greencare.services.database import check_usable

    path = _db_path(ctx)
    db = _open(ctx)
    check_usable(db)  # "ready" only for a file that is whole and can be written
    count = len(db.table_names())
    _emit(
        {"db": str(path), "tables": count},
        as_json,
        lambda: f"database ready: {path} ({count} tables)",
    )


@main.command()
@click.option("--no-tui", is_flag=True, help="Only build the demo database; do not open the app.")
@click.option("--rebuild", is_flag=True, help="Delete and rebuild the demo database if it exists.")
@JSON_OPTION
@click.pass_context
@handle_errors
def demo(ctx: click.Context, no_tui: bool, rebuild: bool, as_json: bool) -> None:
    """Build a demo database of two hospitals (24 months of data) and open it.

    Uses --db if given, else demo.db in your user data folder; never $GREENCARE_DB.
    """
    from greencare.services.database import demo_db_path
    from greencare.services.demo import build_demo

    root = ctx.find_root()
    # Only an explicit --db moves the demo; $GREENCARE_DB names the user's real database.
    explicit = root.get_parameter_source("db") == click.core.ParameterSource.COMMANDLINE
    path = Path(root.params["db"]) if explicit else demo_db_path()
    summary = build_demo(path, rebuild=rebuild)
    if no_tui or as_json:
        _emit(summary, as_json, lambda: _demo_text(summary))
        return
    _run_tui(path)


def _demo_text(summary: dict[str, Any]) -> str:
    if not summary["built"]:
        return f"demo database already present: {summary['db']} (use --rebuild to start over)"
    counts = ", ".join(f"{v:,} {k}" for k, v in summary["counts"].items())
    return f"demo database built: {summary['db']}\n{counts}"


@main.command()
@click.option("--repair", is_flag=True, help="Rebuild the roll-up from the readings if it differs.")
@JSON_OPTION
@click.pass_context
@handle_errors
def check(ctx: click.Context, repair: bool, as_json: bool) -> None:
    """Check that the monthly roll-up equals a rebuild from the readings, value for value.

    Reports and emissions read the roll-up, so a difference means they would not match the
    readings. Exit code 1 when any difference is found (also with --repair, which fixes it).
    """
    from greencare import services

    result = services.check(_open(ctx, create=False), repair=repair)
    _emit(result, as_json, lambda: _check_text(result))
    if not result["ok"]:
        sys.exit(1)


def _check_text(result: dict[str, Any]) -> str:
    if result["ok"]:
        return (
            f"roll-up ok: {result['roll_up_rows']:,} meter-months equal a rebuild from "
            f"{result['readings']:,} readings"
        )
    out = [f"roll-up differs from a rebuild from the readings in {result['difference_count']:,} "
           "values:"]  # fmt: skip
    for d in result["differences"][:20]:
        out.append(
            f"  meter {d['meter_id']} {d['month']} {d['unit']} {d['currency'] or '-'} "
            f"{d['column']}: stored {d['stored']!r}, expected {d['expected']!r}"
        )
    if result["difference_count"] > 20:
        out.append(f"  ... and {result['difference_count'] - 20:,} more (--json lists 100)")
    out.append(
        "rebuilt the roll-up from the readings"
        if result["repaired"]
        else "run `greencare check --repair` to rebuild it"
    )
    return "\n".join(out)


@main.command()
@JSON_OPTION
def formats(as_json: bool) -> None:
    """List the file formats `greencare import` reads."""
    from greencare.importers import FORMATS

    rows = [{"format": f.name, "description": f.description} for f in FORMATS]
    rows += [
        {"format": "waste-csv", "description": "waste pickups: stream, route, quantity, unit, ..."},
        {"format": "purchases-csv", "description": "purchases: category, spend or quantity, ..."},
        {
            "format": "facilities-csv",
            "description": "setup: facilities by name (created or updated)",
        },
        {
            "format": "meters-csv",
            "description": "setup: meters by facility and name (created or updated)",
        },
        {
            "format": "normalizers-csv",
            "description": "setup: patient days, FTEs by facility and month",
        },
    ]
    _emit(rows, as_json, lambda: _table(rows, ["format", "description"]))


def _register() -> None:
    """Add each command group's module (click only: what a command needs loads when it runs)."""
    from greencare.cli import activity, facilities, factors, history, imports, inventory, readings
    from greencare.cli.baseline import baseline, savings
    from greencare.cli.export import export
    from greencare.cli.report import report
    from greencare.cli.targets import settings, target
    from greencare.cli.weather import weather

    for command in (
        facilities.facility,
        facilities.meter,
        readings.reading,
        imports.import_cmd,
        imports.imports,
        activity.instrument,
        activity.waste,
        activity.purchase,
        activity.normalizer,
        history.audit,
        factors.factors,
        inventory.emissions,
        inventory.explain,
        report,
        export,
        target,
        settings,
        weather,
        baseline,
        savings,
    ):
        main.add_command(command)


_Group._lazy = True  # the command modules: _register, on first use of main.commands


if __name__ == "__main__":  # pragma: no cover
    main()
