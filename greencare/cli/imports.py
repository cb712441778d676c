"""The ``greencare import`` and ``greencare imports`` commands."""

from __future__ import annotations

import sys
from pathlib import Path
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
)
from greencare.core.vocab import Commodity

# --- imports ------------------------------------------------------------------------------


class _Interval(click.ParamType):
    """An interval length: 15, 15min, 1h (minutes when no unit is given)."""

    name = "LENGTH"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        from greencare.importers.base import parse_interval

        try:
            return parse_interval(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    from greencare.core.errors import InputError

    out = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise InputError(f"{option} {value!r}: use KEY=VALUE")
        out[key.strip()] = target.strip()
    return out


@click.command("import")
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
    "--properties",
    type=click.Choice(["stop", "create", "map"]),
    help="Portfolio Manager properties no facility is linked to: stop (refuse, listing them; "
    "the default), create (a facility each, with --country and --timezone), map (the facility "
    "of the same name).",
)
@click.option(
    "--country",
    help="Country (ISO code) of facilities --properties create adds.",
)
@click.option(
    "--create-meters",
    is_flag=True,
    help="Create meters the file names that do not exist (in --facility or the property's "
    "facility; commodity from Portfolio Manager's Meter Type, else --commodity).",
)
@click.option(
    "--commodity",
    type=click.Choice([c.value for c in Commodity]),
    help="Commodity of created meters when the file does not say (a Portfolio Manager Meter "
    "Type that disagrees is refused).",
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
@click.option(
    "--timezone",
    help="Zone of times without an offset (default: the meter's facility); also the zone of "
    "facilities --properties create adds.",
)
@click.option(
    "--interval",
    "interval_minutes",
    type=_Interval(),
    help="Length of readings that have one timestamp: 15min, 1h, or minutes (15).",
)
@click.option(
    "--timestamp-is-end",
    is_flag=True,
    help="With --interval: the timestamp ends the interval (default: it starts it; a column "
    "named Interval End always ends it).",
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

    Also waste and purchase records, and the setup files facilities.csv, meters.csv and
    normalizers.csv (the layouts in sample_data/): these create or update facilities (by name),
    meters (by facility and name) and monthly normalizers (by facility and month).

    Lands whole or not at all: any bad row stops the import with every problem listed (file,
    line, column, value, reason) unless --on-error skip. Importing the same file again adds
    nothing. Every import is a batch: `greencare imports list`, `greencare imports undo ID`.
    """
    from greencare.importers.base import ImportOptions
    from greencare.services import imports

    options = ImportOptions(
        format=fmt,
        meter_map=_pairs(maps, "--map"),
        columns=_pairs(columns, "--column"),
        decimal="," if decimal_comma else ("." if opts.get("thousands") else None),
        **opts,
    )
    db = _open(ctx, create=False)  # into existing meters only: a mistyped --db creates nothing
    from greencare.services.activity_imports import KIND_OF_FORMAT, import_activity, kind_of

    kind = KIND_OF_FORMAT.get(fmt or "")
    if kind or (fmt is None and (kind := kind_of(file))):
        result = import_activity(db, file, kind, options, source="cli")
        _emit_import(result, as_json)
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
    _emit_import(result, as_json)


def _emit_import(result: Any, as_json: bool) -> None:
    """The import's summary on stdout; a failed import's on stderr, its first line starting
    ``error:`` and every problem listed below it, with exit code 1, like every other refusal
    (a script reading stdout saw a report, and one logging stderr saw nothing). With --json
    the result stays on stdout, where scripts read it, status "failed"."""
    if result.ok or as_json:
        _emit(result.as_dict(), as_json, lambda: _import_text(result))
    else:
        echo("error: " + _import_text(result), err=True)
    if not result.ok:
        sys.exit(1)


def _import_text(result: Any) -> str:
    out = []
    counts = (
        f"{result.rows_read:,} rows read, {result.inserted:,} added, {result.unchanged:,} "
        f"unchanged, {result.replaced:,} replaced, {result.rejected:,} rejected"
    )
    if hasattr(result, "created"):  # a setup file: facilities, meters or normalizers
        counts = (
            f"{result.rows_read:,} rows read, {result.created:,} created, {result.updated:,} "
            f"updated, {result.unchanged:,} unchanged"
        )
    if result.status == "already imported":
        out.append(f"{result.file} was already imported as batch {result.batch_id}; nothing added")
    elif result.status == "failed":
        out.append(
            f"import failed: {result.error_count:,} "
            f"{'problem' if result.error_count == 1 else 'problems'} in {result.file}; "
            "nothing was written"
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
    if getattr(result, "facilities_created", None):
        out.append("created facilities: " + ", ".join(result.facilities_created))
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
            "--commodity C (a Portfolio Manager workbook: --create-meters, its Meter Types "
            "decide the commodity)"
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


@click.group()
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
    from greencare.services import imports as use_case

    done = use_case.undo(_open(ctx, create=False), batch_id, source="cli")
    _emit(
        {"batch_id": batch_id, **done},
        as_json,
        lambda: (
            f"undid batch {batch_id}: {done['removed']:,} rows removed, {done['restored']:,} restored"
        ),
    )
