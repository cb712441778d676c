"""Command line: bare ``greencare`` opens the terminal app; subcommands run headless.

Only click is imported at start-up, so ``greencare --help`` answers at once; each command imports
what it needs. No subcommand imports Textual. Exit codes: 0 success, 1 a problem with the input
or the data (one line on stderr saying what), 2 a usage error.
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

from greencare.core.vocab import Commodity, DeliveryClass, FacilityKind

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
    from greencare.storage.db import default_db_path

    value = ctx.find_root().params.get("db")
    return Path(value) if value else default_db_path()


def _open(ctx: click.Context, *, create: bool = True) -> Database:
    """Open the database; commands that only read, or that need records already stored (a
    meter, a facility), refuse to create an empty one at a mistyped path."""
    from greencare.core.errors import NotFoundError
    from greencare.storage.db import open_db

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
            from greencare.storage.db import database_error

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
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
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


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
    from greencare.storage.db import check_usable

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
    from greencare.demo import build_demo
    from greencare.storage.db import demo_db_path

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


# --- facilities -------------------------------------------------------------------------------


@main.group()
def facility() -> None:
    """Add and list facilities."""


@facility.command("add")
@click.argument("name")
@click.option("--country", required=True, help="ISO country code, e.g. US or GB.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in FacilityKind]),
    default="hospital",
    show_default=True,
)
@click.option("--region", help="State, province or nation, e.g. PA or England.")
@click.option("--postcode", help="ZIP or postcode.")
@click.option("--grid-region", help="eGRID subregion (US, e.g. CAMX) or country code (e.g. GB).")
@click.option("--timezone", help="IANA zone; defaults from the grid region or country.")
@click.option("--floor-area", help='Gross floor area with its unit, e.g. "350000 ft**2".')
@click.option("--beds", "staffed_beds", type=int, help="Staffed beds.")
@click.option("--notes")
@JSON_OPTION
@click.pass_context
@handle_errors
def facility_add(ctx: click.Context, as_json: bool, **fields: Any) -> None:
    """Add a facility."""
    from greencare import services

    created = services.add_facility(_open(ctx), source="cli", **fields)
    _emit(
        created.model_dump(mode="json"),
        as_json,
        lambda: f"added facility {created.id}: {created.name} ({created.timezone})",
    )


@facility.command("list")
@click.option("--all", "include_retired", is_flag=True, help="Include retired facilities.")
@JSON_OPTION
@click.pass_context
@handle_errors
def facility_list(ctx: click.Context, include_retired: bool, as_json: bool) -> None:
    """List facilities."""
    from greencare import services

    rows = [
        f.model_dump(mode="json")
        for f in services.list_facilities(_open(ctx, create=False), include_retired=include_retired)
    ]
    cols = ["id", "name", "kind", "country", "grid_region", "timezone", "floor_area"]
    cols += ["floor_area_unit", "staffed_beds"]
    _emit(rows, as_json, lambda: _table(rows, cols))


# --- meters -----------------------------------------------------------------------------------


@main.group()
def meter() -> None:
    """Add and list meters."""


@meter.command("add")
@click.argument("facility")
@click.argument("name")
@click.option("--commodity", required=True, type=click.Choice([c.value for c in Commodity]))
@click.option("--unit", help="Default unit of its bills (e.g. kWh, therm, kgal).")
@click.option("--delivery-class", type=click.Choice([d.value for d in DeliveryClass]))
@click.option("--net-metering", is_flag=True, help="Readings may be negative (export).")
@click.option("--notes")
@JSON_OPTION
@click.pass_context
@handle_errors
def meter_add(ctx: click.Context, facility: str, as_json: bool, **fields: Any) -> None:
    """Add a meter to FACILITY (its id or name)."""
    from greencare import services

    created = services.add_meter(
        _open(ctx, create=False), facility=facility, source="cli", **fields
    )
    _emit(
        created.model_dump(mode="json"),
        as_json,
        lambda: (
            f"added meter {created.id}: {created.name} ({created.commodity.value}, {created.unit})"
        ),
    )


@meter.command("list")
@click.option("--facility", help="Only this facility (id or name).")
@JSON_OPTION
@click.pass_context
@handle_errors
def meter_list(ctx: click.Context, facility: str | None, as_json: bool) -> None:
    """List meters."""
    from greencare import services

    rows = [
        m.model_dump(mode="json")
        for m in services.list_meters(_open(ctx, create=False), facility=facility)
    ]
    cols = ["id", "facility_id", "name", "commodity", "unit", "delivery_class"]
    _emit(rows, as_json, lambda: _table(rows, cols))


# --- readings ---------------------------------------------------------------------------------


@main.group()
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
                f"{grouped(row['quantity'])} {row['unit']} = "
                f"{row['quantity_canonical']:,.1f} {row['canonical_unit']}",
                *(f"  accepted over a plausibility {f['level']}: {f['message']}" for f in flags),
            ]
        ),
    )


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


# --- imports ------------------------------------------------------------------------------


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    from greencare.core.errors import InputError

    out = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise InputError(f"{option} {value!r}: use KEY=VALUE")
        out[key.strip()] = target.strip()
    return out


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", help="File format (default: detected). See `greencare formats`.")
@click.option("--meter", help="Put every reading on this meter (id or name).")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FILE_METER=METER",
    help="Map a meter name in the file to one of ours (repeatable).",
)
@click.option("--facility", help="Look meters up (and create them) in this facility.")
@click.option(
    "--create-meters",
    is_flag=True,
    help="Create meters the file names that do not exist (needs --facility, --commodity).",
)
@click.option(
    "--commodity",
    type=click.Choice([c.value for c in Commodity]),
    help="Commodity of created meters.",
)
@click.option("--unit", help="Unit of quantities when the file has none.")
@click.option("--delimiter", help="Field delimiter (default: sniffed).")
@click.option(
    "--decimal-comma",
    is_flag=True,
    default=None,
    help="Numbers use a decimal comma (1.234,5) (default: decided from the file's numbers).",
)
@click.option("--thousands", help="Thousands separator to remove, e.g. ',' or '.' or ' '.")
@click.option(
    "--date-format",
    help="strptime pattern, e.g. %d/%m/%Y %H:%M (default: ISO 8601, or d/m/y or m/d/y decided "
    "once from the file's dates).",
)
@click.option("--dayfirst", is_flag=True, help="Read 7/2/2026 as 7 February.")
@click.option("--monthfirst", is_flag=True, help="Read 7/2/2026 as July 2.")
@click.option(
    "--encoding", help="Text encoding, e.g. cp1252 (default: BOM, else UTF-8, else Windows-1252)."
)
@click.option("--timezone", help="Zone of times without an offset (default: the meter's facility).")
@click.option(
    "--interval",
    "interval_minutes",
    type=click.IntRange(min=1),
    help="Length in minutes of readings that have one timestamp.",
)
@click.option(
    "--timestamp-is-end", is_flag=True, help="With --interval: the timestamp ends the interval."
)
@click.option(
    "--cumulative", is_flag=True, help="Quantities are register reads: import the differences."
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Which column holds a field: meter, start, end, timestamp, quantity, unit, cost, currency, estimated.",
)
@click.option(
    "--on-error",
    type=click.Choice(["stop", "skip"]),
    default="stop",
    show_default=True,
    help="stop: write nothing if any row is bad; skip: import good rows, write rejected ones to NAME.rejected.csv.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Replace stored readings the file overlaps (audited; undo restores them).",
)
@click.option(
    "--dry-run", is_flag=True, help="Validate and report what would change; write nothing."
)
@ACCEPT_OUTLIER_OPTION
@JSON_OPTION
@click.pass_context
@handle_errors
def import_cmd(ctx: click.Context, file: Path, fmt: str | None, maps: tuple[str, ...], columns: tuple[str, ...], decimal_comma: bool, as_json: bool, **opts: Any) -> None:  # fmt: skip
    """Import meter readings from FILE: CSV, Green Button, Portfolio Manager and more.

    Lands whole or not at all: any bad row stops the import with every problem listed (file,
    line, column, value, reason) unless --on-error skip. Importing the same file again adds
    nothing. Every import is a batch: `greencare imports list`, `greencare imports undo ID`.
    """
    from greencare import imports
    from greencare.importers.base import ImportOptions

    options = ImportOptions(
        format=fmt,
        meter_map=_pairs(maps, "--map"),
        columns=_pairs(columns, "--column"),
        decimal="," if decimal_comma else ("." if opts.get("thousands") else None),
        **opts,
    )
    db = _open(ctx, create=False)  # into existing meters only: a mistyped --db creates nothing
    from greencare.activity_imports import import_activity, kind_of

    kind = {"waste-csv": "waste", "purchases-csv": "purchases"}.get(fmt or "")
    if kind or (fmt is None and (kind := kind_of(file))):
        result = import_activity(db, file, kind, options, source="cli")
        _emit(result.as_dict(), as_json, lambda: _import_text(result))
        if not result.ok:
            sys.exit(1)
        return
    show_bar = not as_json and sys.stderr.isatty()
    if show_bar:
        with click.progressbar(length=file.stat().st_size, label=file.name, file=sys.stderr) as bar:
            done = [0]

            def progress(position: int, total: int, rows: int) -> None:
                bar.update(max(0, position - done[0]))
                done[0] = position

            result = imports.import_readings(db, file, options, on_progress=progress, source="cli")
    else:
        result = imports.import_readings(db, file, options, source="cli")
    _emit(result.as_dict(), as_json, lambda: _import_text(result))
    if not result.ok:
        sys.exit(1)


def _import_text(result: Any) -> str:
    out = []
    counts = (
        f"{result.rows_read:,} rows read, {result.inserted:,} added, {result.unchanged:,} "
        f"unchanged, {result.replaced:,} replaced, {result.rejected:,} rejected"
    )
    if result.status == "already imported":
        out.append(f"{result.file} was already imported as batch {result.batch_id}; nothing added")
    elif result.status == "failed":
        out.append(
            f"import failed: {result.error_count:,} problems in {result.file}; nothing was written"
        )
    elif result.status == "dry run":
        out.append(f"dry run ({result.format}): {counts}; nothing was written")
    elif result.status == "nothing to import":
        out.append(f"nothing new in {result.file}: {counts}")
    else:
        out.append(f"imported {result.file} ({result.format}) as batch {result.batch_id}: {counts}")
    read_as = [
        f"{label}: {value}"
        for label, value in (
            ("dates", getattr(result, "date_order", None)),
            ("numbers", getattr(result, "numbers", None)),
            ("encoding", getattr(result, "encoding", None)),
        )
        # the usual reading (UTF-8, decimal points) goes without saying; --json lists it
        if value and value != "UTF-8" and not value.startswith("decimal point, ")
    ]
    if read_as:
        out.append("read with " + "; ".join(read_as))
    if result.meters_created:
        out.append("created meters: " + ", ".join(result.meters_created))
    if result.unknown_meters:
        from greencare.core.text import quote

        names = ", ".join(quote(m) for m in result.unknown_meters[:10])
        more = (
            f" and {len(result.unknown_meters) - 10} more"
            if len(result.unknown_meters) > 10
            else ""
        )
        out.append(
            f"meters in the file that greencare does not have: {names}{more}; map them with "
            "--map 'FILE METER=OUR METER' or --meter, or add --create-meters --facility F "
            "--commodity C"
        )
    for problem in result.errors:
        out.append("  " + problem.text(result.file))
    if result.error_count > len(result.errors):
        out.append(f"  ... and {result.error_count - len(result.errors):,} more problems")
    for problem in result.warnings[:10]:
        out.append("  " + problem.text(result.file))
    if result.warning_count > min(10, len(result.warnings)):
        out.append(f"  ... {result.warning_count:,} warnings in all (--json lists them)")
    if result.rejected_file:
        out.append(f"rejected rows and reasons: {result.rejected_file}")
    return "\n".join(out)


@main.group()
def imports() -> None:
    """List and undo import batches."""


@imports.command("list")
@JSON_OPTION
@click.pass_context
@handle_errors
def imports_list(ctx: click.Context, as_json: bool) -> None:
    """List import batches, newest first."""
    from greencare import services

    rows = services.list_batches(_open(ctx, create=False))
    cols = ["id", "file_name", "format", "rows_read", "rows_inserted", "status", "created_at"]
    _emit(rows, as_json, lambda: _table(rows, cols))


@imports.command("undo")
@click.argument("batch_id", type=int)
@JSON_OPTION
@click.pass_context
@handle_errors
def imports_undo(ctx: click.Context, batch_id: int, as_json: bool) -> None:
    """Remove everything import batch BATCH_ID added, and restore what it replaced."""
    from greencare import imports as use_case

    done = use_case.undo(_open(ctx, create=False), batch_id, source="cli")
    _emit(
        {"batch_id": batch_id, **done},
        as_json,
        lambda: (
            f"undid batch {batch_id}: {done['removed']:,} rows removed, {done['restored']:,} restored"
        ),
    )


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
    ]
    _emit(rows, as_json, lambda: _table(rows, ["format", "description"]))


# --- market-based instruments -------------------------------------------------------------


@main.group()
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
    from greencare import services
    from greencare.storage import activity

    db = _open(ctx, create=False)
    fid = services.get_facility(db, facility).id if facility else None
    rows = activity.list_instruments(db, facility_id=fid)
    cols = ["id", "facility", "kind", "start_month", "end_month", "mwh", "co2e_kg_per_mwh"]
    _emit(rows, as_json, lambda: _table(rows, cols))


# --- factors and emissions ----------------------------------------------------------------


@main.group()
def factors() -> None:
    """Browse the emission-factor library (factors/)."""


@factors.command("list")
@JSON_OPTION
@handle_errors
def factors_list(as_json: bool) -> None:
    """List factor datasets with publisher, edition, GWP basis and licence."""
    from greencare.core.factors import FactorLibrary

    rows = [
        {
            "id": d.id,
            "title": d.title,
            "edition": d.edition,
            "year": d.year,
            "publisher": d.publisher,
            "gwp_set": d.gwp_set,
            "licence": d.licence,
            "url": d.url,
        }
        for d in FactorLibrary.bundled().datasets.values()
    ]
    _emit(rows, as_json, lambda: _table(rows, ["id", "edition", "year", "gwp_set", "title"]))


@factors.command("show")
@click.argument("dataset")
@click.option("--type", "activity_type", help="Activity type, e.g. electricity, waste, spend.")
@click.option("--activity", help="Text the activity key contains, e.g. natural_gas or 325412.")
@click.option("--region", help="Region code, e.g. CAMX or GB.")
@click.option("--gas", help="Gas, e.g. CO2, CH4, N2O, CO2e.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@JSON_OPTION
@handle_errors
def factors_show(
    dataset: str,
    activity_type: str | None,
    activity: str | None,
    region: str | None,
    gas: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Show the factors of DATASET (e.g. epa-ghg-hub/2025), with their source rows."""
    from greencare.core.factors import FactorLibrary

    lib = FactorLibrary.bundled()
    ds = lib.dataset(dataset)
    names = [p.name for p in sorted(ds.path.glob("*.csv"))]
    table = lib.table(
        ds.id, "emission_factors.csv" if "emission_factors.csv" in names else names[0]
    )
    mask = table.index == table.index
    for column, value, exact in (
        ("activity_type", activity_type, True),
        ("activity", activity, False),
        ("region", region, True),
        ("gas", gas, True),
    ):
        if value and column in table:
            col = table[column].astype(str)
            mask &= (col == value) if exact else col.str.contains(value, case=False, regex=False)
    found = table[mask]
    rows = found.head(limit).to_dict(orient="records")
    meta = {"dataset": ds.id, "title": ds.title, "publisher": ds.publisher, "url": ds.url}
    if as_json:
        _emit({**meta, "matches": len(found), "rows": rows}, True, str)
        return
    cols = [c for c in ("factor_id", "gas", "value", "unit", "per_unit", "basis") if c in table]
    cols = cols or list(table.columns[:6])
    echo(f"{ds.title} {ds.edition} ({ds.publisher}) {ds.url}")
    echo(_table(rows, cols))
    if len(found) > limit:
        echo(f"... {len(found) - limit:,} more (use --limit or filters)")


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


@main.command()
@_period_options
@JSON_OPTION
@click.pass_context
@handle_errors
def emissions(ctx: click.Context, as_json: bool, **opts: Any) -> None:
    """GHG inventory for a period: Scope 1, 2 (location and market) and 3, in t CO2e.

    Totals by scope, category, gas, month and facility, with energy use and the factor
    datasets used. A missing factor is an error that names it (see --allow-gaps).
    """
    _, summary = _inventory(ctx, opts)
    _emit(summary, as_json, lambda: _emissions_text(summary))


def _emissions_text(s: dict[str, Any]) -> str:
    t = s["totals_t"]
    out = [
        f"GHG inventory {s['period']['from']} to {s['period']['to']} (t CO2e; GWP: {s['gwp']})",
        f"  Scope 1                      {t['scope1']:>14,.1f}",
        f"  Scope 2 (location-based)     {t['scope2_location']:>14,.1f}",
        f"  Scope 2 (market-based)       {t['scope2_market']:>14,.1f}",
        f"  Scope 3                      {t['scope3']:>14,.1f}",
        f"  Total (location / market)    {t['total_location']:>14,.1f} / {t['total_market']:,.1f}",
    ]
    if s.get("biogenic_co2_t"):
        out.append(f"  Biogenic CO2 (outside scopes) {s['biogenic_co2_t']:>13,.1f}")
    out += [
        "",
        "By category",
    ]
    for c in s["by_category"]:
        out.append(f"  {c['scope']}  {c['label']:<45} {c['co2e_t']:>12,.1f}")
    out += ["", "By gas"]
    for g in s["by_gas"]:
        mass = "" if g["mass_kg"] is None else f"{g['mass_kg']:>14,.1f} kg"
        out.append(f"  {g['gas']:<14} {mass:>18} {g['co2e_t']:>12,.1f} t CO2e")
    out += ["", "By facility"]
    for f in s["by_facility"]:
        eui = f["site_eui_kbtu_per_ft2_year"]
        eui_text = "" if eui is None else f", site EUI {eui:,.0f} kBtu/ft2/yr"
        out.append(
            f"  {f['facility']}: {f['total_location']:,.1f} t (location), "
            f"site energy {f['site_energy_kbtu']:,.0f} kBtu{eui_text}"
        )
    out += ["", "Factor datasets"]
    out += [f"  {d['id']}: {d['title']} {d['edition']} ({d['publisher']})" for d in s["datasets"]]
    if s.get("stand_ins"):
        out += ["", "Editions standing in for years they do not cover"]
        out += [f"  - {n}" for n in s["stand_ins"]]
    if s["exclusions"]:
        out += ["", "Not counted, by method"] + [f"  - {e}" for e in s["exclusions"]]
    if s["gaps"]:
        out += ["", "MISSING FACTORS (left out of the totals)"] + [f"  - {g}" for g in s["gaps"]]
    return "\n".join(out)


@main.command()
@_period_options
@click.option("--scope", type=click.Choice(["1", "2", "3"]))
@click.option("--category", help="e.g. purchased_electricity, stationary_combustion, cat5_waste.")
@click.option("--month", help="YYYY-MM.")
@click.option("--gas", help="e.g. CO2, CH4, N2O, desflurane.")
@click.option("--method", type=click.Choice(["location", "market"]), help="Scope 2 method.")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--records", is_flag=True, help="Also list the readings behind each meter-month.")
@JSON_OPTION
@click.pass_context
@handle_errors
def explain(ctx: click.Context, as_json: bool, limit: int, records: bool, **opts: Any) -> None:
    """Show the lines behind a figure: activity, conversion, factor row and GWP, one per line.

    Filters narrow the figure, e.g. --year 2025 --facility 1 --scope 2 --month 2025-03.
    """
    from greencare.core.summary import describe_line
    from greencare.core.summary import explain as explain_lines

    filters = {k: opts.pop(k) for k in ("scope", "category", "month", "gas", "method")}
    inventory, _ = _inventory(ctx, opts)
    lines = explain_lines(inventory, **filters)
    total = float(lines["co2e_kg"].sum())
    if as_json:
        records = lines.head(limit).to_dict(orient="records")
        _emit({"co2e_kg": total, "lines": len(lines), "shown": records}, True, str)
        return
    for line in lines.head(limit).itertuples():
        echo(describe_line(line))
    if records:
        _echo_records(ctx, lines.head(limit))
    more = f" (first {limit} shown)" if len(lines) > limit else ""
    echo(f"= {total:,.3f} kg CO2e from {len(lines):,} lines{more}")


def _echo_records(ctx: click.Context, lines: Any) -> None:
    """The readings behind each meter-month line: id, period, quantity and share in the month."""
    from greencare import services
    from greencare.core.numbers import grouped

    db = _open(ctx, create=False)
    meter_lines = lines[lines["source_type"] == "meter"]
    for meter_id, month in (
        meter_lines[["source_id", "month"]].drop_duplicates().itertuples(index=False)
    ):
        rows = services.records_behind(db, meter=int(meter_id), month=str(month))
        total = sum(r["quantity_in_month"] for r in rows)
        unit = rows[0]["unit"] if rows else ""
        echo(f"  {month} meter {meter_id}: {len(rows):,} readings, {_significant(total)} {unit}")
        for r in rows[:5]:
            echo(
                f"    reading {r['id']}: {r['start']} to {r['end']}, {grouped(r['quantity'])} "
                f"{r['unit']} x {r['share']:.4f} of it in {month}"
            )
        if len(rows) > 5:
            echo(f"    ... {len(rows) - 5:,} more (`greencare reading list --meter {meter_id}`)")


def _add_report_command() -> None:
    from greencare.reports.cli import report  # click only: pandas and matplotlib load on use

    main.add_command(report)


_add_report_command()


def _add_weather_command() -> None:
    from greencare.weather_cli import weather  # click only: pandas loads on use

    main.add_command(weather)


_add_weather_command()


if __name__ == "__main__":  # pragma: no cover
    main()
