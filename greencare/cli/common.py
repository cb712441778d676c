"""What every command shares: the database option, one way to print, errors as one line.

Only click is imported at start-up; each command imports what it needs when it runs.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from sqlite_utils import Database

F = TypeVar("F", bound=Callable[..., Any])

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
ACCEPT_OUTLIER_OPTION = click.option(
    "--accept-outlier",
    is_flag=True,
    help="Record values the plausibility check refuses (kept and listed as accepted outliers).",
)


def _db_path(ctx: click.Context) -> Path:
    from greencare.paths import default_db_path  # not storage's: no sqlite-utils for the TUI

    value = ctx.find_root().params.get("db")
    return Path(value) if value else default_db_path()


def _open(ctx: click.Context, *, create: bool = True) -> Database:
    """Open the database; commands that only read, or that need records already stored (a
    meter, a facility), refuse to create an empty one at a mistyped path."""
    from greencare.core.errors import NotFoundError
    from greencare.services.database import open_db

    path = _db_path(ctx)
    if not create and not path.exists():
        raise NotFoundError(
            f"no database at {path}; create one with `greencare init` or `greencare demo`"
        )
    return open_db(path)


def echo(message: Any = "", *, err: bool = False) -> None:
    """Print one message for a person: every line the CLI writes goes through here.

    Names and notes come from the database and from files, so a control character in them
    (an escape sequence can retitle or repaint the terminal) is shown as ``\\x1b``, never sent
    raw. ``tests/cli/test_cli_text.py`` checks that no command prints any other way.
    """
    from greencare.core.text import visible

    text = "\n".join(visible(line) for line in str(message).split("\n"))
    click.echo(text, err=err)


#: The longest error message printed; a runaway value must not flood the terminal.
MESSAGE_MAX = 2000


def _fail(message: str) -> None:
    from greencare.core.text import shorten

    echo(f"error: {shorten(message, MESSAGE_MAX)}", err=True)
    sys.exit(1)


def handle_errors(func: F) -> F:
    """Turn the errors a user can cause into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from greencare.core.errors import GreencareError

        try:
            return func(*args, **kwargs)
        except (GreencareError, ValueError) as exc:
            _fail(str(exc) or exc.__class__.__name__)
        except OSError as exc:
            _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        except sqlite3.Error as exc:  # a database condition no storage function translated
            from greencare.services.database import database_error

            ctx = click.get_current_context(silent=True)
            label = str(_db_path(ctx)) if ctx is not None else "the database"
            _fail(str(database_error(exc, label)))

    return wrapper  # type: ignore[return-value]


def _emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    if as_json:
        echo(json.dumps(data, indent=2, default=str))
    else:
        echo(text())


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain aligned text table (no dependency; scripts should use --json)."""
    if not rows:
        return "(none)"
    cells = [[_cell(r.get(c), unit=c == "unit" or c.endswith("_unit")) for c in columns]
             for r in rows]  # fmt: skip
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def unit_text(unit: str | None) -> str:
    """A stored unit as people write it (``m³``); pint is loaded only when one is shown."""
    from greencare.core.units import display

    return display(unit)


def _cell(value: Any, *, unit: bool = False) -> str:
    if value is None:
        return ""
    if unit and isinstance(value, str):
        return unit_text(value)
    if isinstance(value, float):
        if value.is_integer():
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:,.2f}"
        return _significant(value)  # small values (factors) keep 6 digits, never an exponent
    return str(value)


def _significant(value: float, digits: int = 6) -> str:
    """``value`` to ``digits`` significant digits, written out in full (0.0000001, not 1e-07)."""
    from math import isfinite

    from greencare.core.numbers import grouped

    return grouped(float(f"{value:.{digits}g}")) if isfinite(value) else str(value)


def _period_options(func: F) -> F:
    for option in reversed(
        [
            click.option("--year", type=int, help="Calendar year."),
            click.option("--from", "start", help="First month, YYYY-MM (with --to)."),
            click.option("--to", "end", help="Last month, YYYY-MM (with --from)."),
            click.option("--facility", help="One facility (id or name); default all."),
            click.option(
                "--gwp",
                type=click.Choice(["AR4", "AR5", "AR6"], case_sensitive=False),
                help="GWP100 set (default: each factor dataset's own).",
            ),
            click.option(
                "--pin",
                "pins",
                multiple=True,
                metavar="FAMILY=EDITION",
                help="Use this factor edition, e.g. epa-ghg-hub=2024 (repeatable).",
            ),
            click.option(
                "--allow-gaps",
                is_flag=True,
                help="Report totals even when factors are missing (the gaps are listed).",
            ),
            click.option(
                "--chiller",
                type=click.Choice(
                    ["electric_driven", "absorption_natural_gas", "engine_driven_natural_gas"]
                ),
                default="electric_driven",
                show_default=True,
                help="US district chilled water plant type: cooling / its COP x its fuel.",
            ),
        ]
    ):
        func = option(func)
    return func


def _pins(values: tuple[str, ...]) -> dict[str, str]:
    from greencare.core.errors import InputError

    pins = {}
    for value in values:
        family, sep, edition = value.partition("=")
        if not sep or not family or not edition:
            raise InputError(f"--pin {value!r}: use FAMILY=EDITION, e.g. epa-ghg-hub=2024")
        pins[family.strip()] = edition.strip()
    return pins


def _inventory(ctx: click.Context, opts: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    from greencare import services

    return services.emissions(
        _open(ctx, create=False),
        year=opts["year"],
        start=opts["start"],
        end=opts["end"],
        facility=opts["facility"],
        gwp=opts["gwp"],
        pins=_pins(opts["pins"]),
        strict=not opts["allow_gaps"],
        chiller=opts["chiller"],
    )


YES_OPTION = click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")


def edit_changes(opts: dict[str, Any], clears: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The fields an ``edit`` command changes: the options given, and ``None`` for the fields
    each ``--clear-…`` flag given blanks. Refuses a field both set and cleared, or no change."""
    from greencare.core.errors import InputError

    cleared: dict[str, Any] = {}
    for flag, fields in clears.items():
        if opts.pop(flag, False):
            given = [f for f in fields if opts.get(f) is not None]
            if given:
                option = "--" + given[0].replace("_", "-")
                raise InputError(f"give either {option} or --{flag.replace('_', '-')}, not both")
            cleared.update(dict.fromkeys(fields))
    changes = {k: v for k, v in opts.items() if v is not None}
    changes.update(cleared)
    if not changes:
        raise InputError("nothing to change: give at least one of the options (see --help)")
    return changes


def confirm(question: str, yes: bool) -> None:
    """Ask before deleting (on stderr, so --json output stays clean); --yes skips it. No answer
    (no terminal, end of input) or "n" aborts with exit code 1 and nothing deleted."""
    from greencare.core.text import visible

    if not yes:
        click.confirm(visible(question), abort=True, err=True)
