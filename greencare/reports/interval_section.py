"""The report's "Interval meters" section: for each energy meter with interval readings in the
period, per local month its peak demand and when, load factor, base load, after-hours share and
time-of-use shares.

The numbers are :func:`greencare.services.interval.metrics`' (what ``greencare meter profile``
and the TUI's interval view show), read from the hourly roll-up once per meter; the schedule and
time-of-use calendar they use are stated in the table's note and in a definitions table, so a
reader knows what "after hours" and "peak" mean here.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from greencare.core.tou import DEFAULT_CALENDAR, DEFAULT_SCHEDULE, Schedule, TouCalendar
from greencare.reports.model import COLUMNS, Report
from greencare.reports.tables import Context

#: The figures the definitions table explains, in its order, with their headers.
DEFINED = {
    "peak_power": "Peak demand",
    "load_factor": "Load factor",
    "base_load": "Base load",
    "after_hours_share": "After hours",
    "tou_shares": "Time-of-use shares",
}


def tou_column(name: str) -> str:
    """The column of a time-of-use period's share ("off-peak" -> ``tou_off_peak_pct``)."""
    slug = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")
    column = f"tou_{slug}_pct"
    # A calendar other than the default names its own periods: give them a header too.
    COLUMNS.setdefault(column, (f"TOU {name} (%)", "%"))
    return column


def _pct(value: Any) -> float:
    return float("nan") if value is None or not math.isfinite(value) else float(value) * 100.0


def interval_rows(
    ctx: Context,
    *,
    schedule: Schedule = DEFAULT_SCHEDULE,
    calendar: TouCalendar = DEFAULT_CALENDAR,
) -> list[dict[str, Any]]:
    """One row per (interval meter, local month of the period) of the report's facilities."""
    from greencare import services
    from greencare.core.units import CANONICAL_ENERGY, canonical_unit
    from greencare.storage import facilities as store
    from greencare.storage import hours

    names = ctx.names
    meters = [
        m
        for m in store.list_meters(ctx.db, include_retired=True)
        if m.facility_id in names
        and canonical_unit(m.commodity) == CANONICAL_ENERGY
        and hours.has_hours(ctx.db, int(m.id or 0))
    ]
    meters.sort(key=lambda m: (str(names[m.facility_id]).casefold(), m.name.casefold(), m.id))
    tou = [(name, tou_column(name)) for name in calendar.names]
    out = []
    for meter in meters:
        try:
            data = services.load_interval(
                ctx.db, int(meter.id or 0), first_month=ctx.first, last_month=ctx.last
            )
        except services.NoIntervalData:
            continue  # interval readings, but none in the period
        for m in services.interval_metrics(data, schedule=schedule, calendar=calendar):
            covered = m["hours_covered"] / m["hours_in_month"] if m["hours_in_month"] else None
            peak = m["peak_power"]
            out.append(
                {
                    "facility": data.facility,
                    "meter": data.meter.name,
                    "timezone": data.timezone,
                    "month": m["month"],
                    "energy_kwh": m["energy"],
                    "covered_pct": _pct(covered),
                    "peak_kw": peak if math.isfinite(peak) else float("nan"),
                    "peak_time": (m["peak_start"] or "")[:16].replace("T", " "),
                    "load_factor": m["load_factor"],
                    "base_load_kw": m["base_load"],
                    "after_hours_pct": _pct(m["after_hours_share"]),
                    **{column: _pct(m["tou_shares"].get(name)) for name, column in tou},
                }
            )
    return out


def interval_tables(
    ctx: Context,
    report: Report,
    *,
    schedule: Schedule = DEFAULT_SCHEDULE,
    calendar: TouCalendar = DEFAULT_CALENDAR,
) -> None:
    """Add the section's two tables when any meter in scope has interval readings in the
    period; a report without interval data has no such section."""
    from greencare.core.interval import definitions

    rows = interval_rows(ctx, schedule=schedule, calendar=calendar)
    if not rows:
        return
    columns = ["facility", "meter", "timezone", "month", "energy_kwh", "covered_pct", "peak_kw",
               "peak_time", "load_factor", "base_load_kw", "after_hours_pct",
               *(tou_column(name) for name in calendar.names)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    report.add(
        "interval_meters",
        "Interval meters by month",
        "interval",
        frame,
        f"Each month of the period with interval readings (readings of at most an hour), in "
        f"the facility's local time. After hours: outside the schedule ({schedule.describe()}). "
        f"Time-of-use periods: {calendar.name} ({calendar.source}). Peak demand is the highest "
        "average power of one interval; a utility's billed demand may use another window.",
    )
    stated = definitions(schedule, calendar)
    report.add(
        "interval_definitions",
        "How the interval figures are defined",
        "interval",
        pd.DataFrame(
            {"figure": list(DEFINED.values()), "definition": [stated[k] for k in DEFINED]}
        ),
    )
