"""The ``greencare weather`` commands (wired into ``greencare.cli`` at its end).

Only click is imported at start-up; pandas loads when a command runs.
"""

from __future__ import annotations

from typing import Any

import click

from greencare import cli as base


@click.group("weather")
def weather() -> None:
    """Monthly heating and cooling degree days per facility, with their source."""


@weather.command("list")
@click.option("--facility", help="Facility (id or name); needed when there is more than one.")
@click.option(
    "--base", "base_temp", default="65F", show_default=True, help="Base, e.g. 65F or 18C."
)
@click.option("--from", "first", help="First month, YYYY-MM.")
@click.option("--to", "last", help="Last month, YYYY-MM.")
@base.JSON_OPTION
@click.pass_context
@base.handle_errors
def weather_list(
    ctx: click.Context,
    facility: str | None,
    base_temp: str,
    first: str | None,
    last: str | None,
    as_json: bool,
) -> None:
    """List monthly HDD and CDD for a facility; every row names its source."""
    from greencare import services
    from greencare import weather as use_case
    from greencare.core.errors import InputError

    db = base._open(ctx, create=False)
    if facility is None:
        active = services.list_facilities(db)
        if len(active) != 1:
            names = ", ".join(f.name for f in active) or "none yet"
            raise InputError(f"give --facility: there are {len(active)} facilities ({names})")
        facility = str(active[0].id)
    frame = use_case.monthly_degree_days(
        db, facility=facility, base=base_temp, first_month=first, last_month=last
    )
    rows: list[dict[str, Any]] = [
        {"facility": frame.attrs["facility"], **r}
        for r in frame.astype(object).to_dict(orient="records")
    ]
    missing = frame.attrs.get("missing_months", [])

    def text() -> str:
        cols = ["month", "hdd", "cdd", "base", "unit", "source"]
        out = base._table(rows, cols)
        if missing:
            out += f"\nno data for {len(missing):,} months: {_ranges(missing)}"
        return out

    if as_json:
        base._emit({"rows": rows, "missing_months": missing}, True, text)
    else:
        base._emit(rows, False, text)


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
