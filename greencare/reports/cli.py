"""The ``greencare report`` command (wired into ``greencare.cli`` by the caller).

Only click is imported here at start-up; pandas and matplotlib load when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

FORMAT_CHOICES = ["html", "pdf", "xlsx", "csv", "md", "json", "pm-xlsx"]


@click.command("report")
@click.option("--year", type=int, help="Calendar year.")
@click.option("--from", "start", help="First month, YYYY-MM (with --to).")
@click.option("--to", "end", help="Last month, YYYY-MM (with --from).")
@click.option("--facility", help="One facility (id or name); default all.")
@click.option(
    "--gwp",
    type=click.Choice(["AR4", "AR5", "AR6"], case_sensitive=False),
    help="GWP100 set (default: each factor dataset's own).",
)
@click.option(
    "--pin",
    "pins",
    multiple=True,
    metavar="FAMILY=EDITION",
    help="Use this factor edition, e.g. epa-ghg-hub=2024 (repeatable).",
)
@click.option("--baseline-year", type=int, help="Year progress and the target are measured from.")
@click.option(
    "--allow-gaps",
    is_flag=True,
    help="Report totals even when factors are missing (the gaps are listed).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    help="Output format (default: from the output file's extension).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="File to write (a folder for --format csv).",
)
@click.option("--csv-long", is_flag=True, help="With csv: one long CSV file instead of a folder.")
@click.option(
    "--force", is_flag=True, help="Replace an existing report at --output (never the database)."
)
@click.option("--title", help="Report title (default: Sustainability report).")
@click.option("--generated", help="A timestamp to print in the report (none by default).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def report(ctx: click.Context, **opts: Any) -> None:
    """Write the sustainability report: GHG inventory, energy, water, waste, progress against a
    target, framework views (GRI 305, CMS, Joint Commission, Portfolio Manager) and data quality.

    Example: greencare report --year 2025 --baseline-year 2024 --format html -o report.html
    """
    from greencare.cli import handle_errors

    handle_errors(_run)(ctx, **opts)


def _run(ctx: click.Context, **opts: Any) -> None:
    import json

    from greencare.cli import _open, echo
    from greencare.core.errors import InputError
    from greencare.core.factors import MissingFactorError
    from greencare.reports.writers import SUFFIXES, write

    output: Path = opts["output"]
    fmt = opts["fmt"] or SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the format from {output.name!r}; give --format "
            f"({', '.join(FORMAT_CHOICES)})"
        )
    if opts["csv_long"] and fmt != "csv":
        raise InputError("--csv-long applies to --format csv only")
    if fmt == "csv" and not opts["csv_long"] and output.exists() and not output.is_dir():
        raise InputError(f"{output} is a file; csv writes a folder (or use --csv-long)")
    if not output.parent.exists():
        raise InputError(f"folder {output.parent} does not exist")
    from greencare import outputs
    from greencare.cli import _db_path

    protect = [_db_path(ctx)]
    folder = fmt == "csv" and not opts["csv_long"]
    outputs.check_target(output, folder=folder, force=opts["force"], protect=protect)
    db = _open(ctx, create=False)
    try:
        built = _build(db, opts)
    except MissingFactorError as exc:
        gaps = [g.strip().removeprefix("- ") for g in str(exc).splitlines()[1:] if g.strip()]
        raise InputError(
            f"missing emission factors ({len(gaps)}): {'; '.join(gaps) or exc} "
            "(--allow-gaps reports the totals without them)"
        ) from exc
    written = write(
        built, fmt, output, csv_long=opts["csv_long"], force=opts["force"], protect=protect
    )
    result = {
        "written": str(written),
        "format": fmt,
        "period": built.meta["period"],
        "facilities": built.meta["facilities"],
        "tables": len(built.tables),
        "gaps": built.meta["gaps"],
    }
    if opts["as_json"]:
        echo(json.dumps(result, indent=2))
    else:
        echo(f"wrote {fmt} report to {written}")
        if built.meta["gaps"]:
            echo(f"warning: {len(built.meta['gaps'])} missing factors left out of the totals")


def _build(db: Any, opts: dict[str, Any]) -> Any:
    from greencare.cli import _pins
    from greencare.reports.tables import build_report

    return build_report(
        db,
        year=opts["year"],
        start=opts["start"],
        end=opts["end"],
        facility=opts["facility"],
        gwp=opts["gwp"].upper() if opts["gwp"] else None,
        pins=_pins(opts["pins"]),
        baseline_year=opts["baseline_year"],
        allow_gaps=opts["allow_gaps"],
        generated=opts["generated"],
        title=opts["title"],
    )
