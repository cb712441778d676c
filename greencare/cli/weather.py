"""The ``greencare weather`` commands (wired into ``greencare.cli`` at its end).

Only click is imported at start-up; pandas loads when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from greencare.cli import common as base


@click.group("weather")
def weather() -> None:
    """Monthly heating and cooling degree days per facility, with their source."""


@weather.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--facility", help="Facility (id or name); needed when there is more than one.")
@click.option("--station", help="Station name (default: the one the file names).")
@click.option(
    "--unit",
    type=click.Choice(["F", "C"], case_sensitive=False),
    help="Temperature unit when the file does not say (NOAA daily summaries never do).",
)
@base.JSON_OPTION
@click.pass_context
@base.handle_errors
def weather_import(
    ctx: click.Context,
    file: Path,
    facility: str | None,
    station: str | None,
    unit: str | None,
    as_json: bool,
) -> None:
    """Import a station's temperatures (hourly or daily) or degree days, as one undoable batch."""
    from greencare.services import weather as use_case

    db = base._open(ctx, create=False)
    result = use_case.import_weather(
        db, file, facility=_one_facility(db, facility), station=station,
        unit=unit.upper() if unit else None, source="cli",
    )  # fmt: skip
    data = result.as_dict()

    def text() -> str:
        head = f"{result.file}: {result.status}"
        if result.batch_id is not None:
            head += f" (batch {result.batch_id})"
        lines = [
            head,
            f"  {result.format}, °{result.unit}, station {result.station} of {result.facility}"
            + (" (new)" if result.station_created else ""),
            f"  {result.rows_read:,} rows read, {result.inserted:,} added, "
            f"{result.unchanged:,} unchanged",
        ]
        if result.skipped_days:
            lines.append(
                f"  {len(result.skipped_days):,} days left out (fewer than 20 hourly readings): "
                + ", ".join(result.skipped_days[:5])
                + (" ..." if len(result.skipped_days) > 5 else "")
            )
        return "\n".join(lines)

    base._emit(data, as_json, text)


def _one_facility(db: Any, facility: str | None) -> str:
    from greencare import services
    from greencare.core.errors import InputError

    if facility is not None:
        return facility
    active = services.list_facilities(db)
    if len(active) != 1:
        names = ", ".join(f.name for f in active) or "none yet"
        raise InputError(f"give --facility: there are {len(active)} facilities ({names})")
    return str(active[0].id)


@weather.command("list")
@click.option("--facility", help="Facility (id or name); needed when there is more than one.")
@click.option(
    "--base", "base_temp", default="65F", show_default=True, help="Base, e.g. 65F or 18C."
)
@click.option("--from", "first", help="First month, YYYY-MM.")
@click.option("--to", "last", help="Last month, YYYY-MM.")
@click.option("--station", help="Imported station to use, when the facility has several.")
@base.JSON_OPTION
@click.pass_context
@base.handle_errors
def weather_list(
    ctx: click.Context,
    facility: str | None,
    base_temp: str,
    first: str | None,
    last: str | None,
    station: str | None,
    as_json: bool,
) -> None:
    """List monthly HDD and CDD for a facility; every row names its source."""
    from greencare.services import weather as use_case

    db = base._open(ctx, create=False)
    frame = use_case.monthly_degree_days(
        db, facility=_one_facility(db, facility), base=base_temp, first_month=first,
        last_month=last, station=station,
    )  # fmt: skip
    rows: list[dict[str, Any]] = [
        {"facility": frame.attrs["facility"], **{k: _plain(v) for k, v in r.items()}}
        for r in frame.astype(object).to_dict(orient="records")
    ]
    missing = frame.attrs.get("missing_months", [])

    def text() -> str:
        cols = ["month", "hdd", "cdd", "base", "unit", "source"]
        out = base._table(rows, cols)
        if missing:
            plural = "month" if len(missing) == 1 else "months"
            out += f"\nno data for {len(missing):,} {plural}: {_ranges(missing)}"
        return out

    if as_json:
        base._emit({"rows": rows, "missing_months": missing}, True, text)
    else:
        base._emit(rows, False, text)


def _plain(value: Any) -> Any:
    """NaN (a kind of degree day the station's file did not have) is null in JSON, not NaN."""
    return None if isinstance(value, float) and value != value else value


def _ranges(months: list[str]) -> str:
    """'2025-09..2025-12' style runs of consecutive months."""
    import pandas as pd

    periods = [pd.Period(m, freq="M") for m in months]
    runs: list[list[pd.Period]] = []
    for p in periods:
        if runs and runs[-1][-1] + 1 == p:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs)
