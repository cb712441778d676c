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
@click.option(
    "--baseline-year",
    type=int,
    help="Year progress and the target are measured from (default: the baseline-year setting, "
    "else the stored Scope 1+2 targets' baseline).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="YEAR=REDUCTION",
    help="A Scope 1+2 (location-based) milestone, e.g. 2030=-50% or 2050='net zero' "
    "(repeatable; default: the stored Scope 1+2 targets, else -50% by 2030, net zero by 2050).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse to write a report while any emission factor is missing (default: write it, "
    "with the gaps on its cover and in its data-quality section).",
)
@click.option("--allow-gaps", is_flag=True, hidden=True, help="The default now; kept for scripts.")
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
    "--detail",
    is_flag=True,
    help="With pdf: print the appendix's detail tables too (by default the PDF lists them; "
    "XLSX, CSV, HTML, Markdown and JSON hold them).",
)
@click.option(
    "--force", is_flag=True, help="Replace an existing report at --output (never the database)."
)
@click.option("--title", help="Report title (default: Sustainability report).")
@click.option(
    "--units",
    type=click.Choice(["us", "metric"]),
    help="us: kBtu, kBtu/ft², lb; metric: kWh, kWh/m², kg (default: the facilities' country).",
)
@click.option(
    "--paper",
    type=click.Choice(["letter", "a4"]),
    help="PDF page size (default: US Letter for US and Canadian facilities, else A4).",
)
@click.option("--generated", help="A timestamp to print in the report (none by default).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def report(ctx: click.Context, **opts: Any) -> None:
    """Write the sustainability report: GHG inventory, energy, water, waste, progress against a
    target, framework views (GRI 305, CMS, Joint Commission, Portfolio Manager) and data quality.

    Example: greencare report --year 2025 --baseline-year 2024 --format html -o report.html
    """
    from greencare.cli.common import handle_errors

    handle_errors(_run)(ctx, **opts)


def _run(ctx: click.Context, **opts: Any) -> None:
    import json

    from greencare.cli.common import _db_path, _open, _pins, echo
    from greencare.core.errors import InputError
    from greencare.reports.writers import SUFFIXES
    from greencare.services import reports

    output: Path = opts["output"]
    fmt = opts["fmt"] or SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the format from {output.name!r}; give --format "
            f"({', '.join(FORMAT_CHOICES)})"
        )
    protect = [_db_path(ctx)]
    if not output.parent.exists():
        raise InputError(f"folder {output.parent} does not exist")
    from greencare.services import outputs

    outputs.check_target(  # before the database is opened: a mistyped -o costs nothing
        output, folder=fmt == "csv" and not opts["csv_long"], force=opts["force"], protect=protect
    )
    result = reports.write_report(
        _open(ctx, create=False),
        output,
        fmt=fmt,
        csv_long=opts["csv_long"],
        detail=opts["detail"],
        force=opts["force"],
        protect=protect,
        strict=opts["strict"],
        year=opts["year"],
        start=opts["start"],
        end=opts["end"],
        facility=opts["facility"],
        gwp=opts["gwp"].upper() if opts["gwp"] else None,
        pins=_pins(opts["pins"]),
        baseline_year=opts["baseline_year"],
        target=_targets(opts["targets"]),
        generated=opts["generated"],
        title=opts["title"],
        units=opts["units"],
        paper=opts["paper"],
    )
    gaps = result["gaps"]
    if opts["as_json"]:
        echo(json.dumps(result, indent=2))
    else:
        echo(f"wrote {fmt} report to {result['written']}")
        for note in result["notes"]:
            echo(f"note: {note}", err=True)
    if gaps:
        echo(
            f"warning: {len(gaps)} missing emission factors left out of the totals (listed on "
            "the report's cover and in its data-quality section; --strict refuses instead)",
            err=True,
        )


def _targets(values: tuple[str, ...]) -> tuple[tuple[int, float], ...] | None:
    """``--target 2030=-50%`` milestones as (year, reduction); None when none are given."""
    from greencare.core.errors import InputError
    from greencare.core.targets import parse_reduction

    out = []
    for value in values:
        year, sep, reduction = value.partition("=")
        if not sep or not year.strip().isdigit():
            raise InputError(f"--target {value!r}: use YEAR=REDUCTION, e.g. 2030=-50%")
        try:
            out.append((int(year), parse_reduction(reduction)))
        except InputError as exc:
            raise InputError(f"--target {value!r}: {exc}") from exc
    return tuple(sorted(out)) or None
