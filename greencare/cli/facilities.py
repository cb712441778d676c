"""The ``greencare facility`` and ``greencare meter`` commands."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import (
    JSON_OPTION,
    _emit,
    _open,
    _table,
    echo,
    edit_changes,
    handle_errors,
    unit_text,
)
from greencare.core.vocab import Commodity, DeliveryClass, FacilityKind

# --- facilities -------------------------------------------------------------------------------


@click.group()
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
@click.option("--postcode", help="ZIP or postcode; a US ZIP gives the grid region when none is.")
@click.option(
    "--grid-region",
    help="eGRID subregion (US, e.g. CAMX; default from the ZIP) or country code (e.g. GB).",
)
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

    notices: list[Any] = []
    created = services.add_facility(_open(ctx), source="cli", notices=notices, **fields)
    _emit(
        {**created.model_dump(mode="json"), "notices": _notices_json(notices)},
        as_json,
        lambda: f"added facility {created.id}: {created.name} ({created.timezone})",
    )
    _print_notices(notices, as_json)


def _notices_json(notices: list[Any]) -> list[dict[str, Any]]:
    return [{"message": n.message, "warning": n.warning} for n in notices]


def _print_notices(notices: list[Any], as_json: bool) -> None:
    """Where a grid region came from (stdout) and warnings (stderr); JSON carries both."""
    for n in notices:
        if n.warning:
            echo(f"warning: {n.message}", err=True)
        elif not as_json:
            echo(n.message)


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


@facility.command("rank")
@click.option("--year", type=int, help="Calendar year.")
@click.option("--from", "start", metavar="YYYY-MM", help="First month (with --to).")
@click.option("--to", "end", metavar="YYYY-MM", help="Last month (with --from).")
@click.option(
    "--by",
    type=click.Choice(["eui", "per_bed", "change", "total"]),
    default="eui",
    show_default=True,
    help="Rank by site EUI, Scope 1+2 per staffed bed, change against the comparison year, "
    "or total emissions (highest first).",
)
@click.option(
    "--compare",
    type=int,
    metavar="YEAR",
    help="Comparison year for the change (default: the baseline-year setting, else the stored "
    "Scope 1+2 targets' baseline year, else the previous year).",
)
@click.option(
    "--gwp",
    type=click.Choice(["AR4", "AR5", "AR6"], case_sensitive=False),
    help="GWP100 set (default: each factor dataset's own).",
)
@click.option("--pin", "pins", multiple=True, metavar="FAMILY=EDITION",
              help="Use this factor edition, e.g. epa-ghg-hub=2024 (repeatable).")  # fmt: skip
@click.option("--allow-gaps", is_flag=True,
              help="Rank even when factors are missing (the gaps are listed).")  # fmt: skip
@JSON_OPTION
@click.pass_context
@handle_errors
def facility_rank(
    ctx: click.Context,
    year: int | None,
    start: str | None,
    end: str | None,
    by: str,
    compare: int | None,
    gwp: str | None,
    pins: tuple[str, ...],
    allow_gaps: bool,
    as_json: bool,
) -> None:
    """Rank the facilities by site EUI, emissions per staffed bed, change against a
    comparison year, or total emissions; facilities without what a figure needs show n/a
    and why."""
    from greencare import services
    from greencare.cli.common import _pins

    result = services.facility_ranking(
        _open(ctx, create=False), year, start=start, end=end, by=by, compare=compare, gwp=gwp,
        pins=_pins(pins), strict=not allow_gaps,
    )  # fmt: skip
    _emit(result, as_json, lambda: _rank_text(result))


#: The unit each ranking is by, as people write it.
_UNITS = {"eui": "kBtu/ft²/yr", "per_bed": "t CO₂e/bed", "change": "%", "total": "t CO₂e"}


def _rank_text(result: dict[str, Any]) -> str:
    """The ranking as an aligned table, units in the headers, then why any figure is n/a."""
    period = result["period"]
    comparison = result["comparison"]
    change = f"change vs {comparison['label']} (%)"

    def num(value: float | None, fmt: str) -> str:
        return "n/a" if value is None else format(value, fmt)

    rows = [
        {
            "rank": "" if r["rank"] is None else str(r["rank"]),
            "facility": r["facility"],
            "site EUI (kBtu/ft²/yr)": num(r["site_eui_kbtu_ft2"], ",.1f"),
            "site EUI (kWh/m²/yr)": num(r["site_eui_kwh_m2"], ",.1f"),
            "Scope 1+2 (t CO₂e)": num(r["scope12_location_t"], ",.1f"),
            "total (t CO₂e)": num(r["total_location_t"], ",.1f"),
            "Scope 1+2 per bed (t CO₂e)": num(r["t_per_bed"], ",.2f"),
            change: num(r["change_pct"], "+,.1f"),
        }
        for r in result["facilities"]
    ]
    lines = [
        f"Facilities ranked by {result['by_label']} ({_UNITS[result['by']]}), "
        f"highest first; {period['from']} to {period['to']}; emissions location-based; "
        f"change of Scope 1+2 {comparison['text']}",
        _table(rows, list(rows[0]) if rows else []),
    ]
    reasons = [(r["facility"], k, v) for r in result["facilities"] for k, v in r["na"].items()]
    if reasons:
        names = {"eui": "site EUI", "per_bed": "per bed", "change": "change", "total": "total"}
        lines += ["", "n/a:"]
        lines += [f"  {name}: {names[k]}: {why}" for name, k, why in reasons]
    for gap in result["gaps"]:
        lines.append(f"warning: missing factor, left out: {gap}")
    for gap in result["comparison_gaps"]:
        lines.append(f"warning: missing factor in {comparison['label']}, left out: {gap}")
    return "\n".join(lines)


# --- meters -----------------------------------------------------------------------------------


@click.group()
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
            f"added meter {created.id}: {created.name} ({created.commodity.value}, {unit_text(created.unit)})"
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


@facility.command("retire")
@click.argument("facility_ref", metavar="FACILITY")
@JSON_OPTION
@click.pass_context
@handle_errors
def facility_retire(ctx: click.Context, facility_ref: str, as_json: bool) -> None:
    """Retire FACILITY (kept with its history, hidden from lists; `reinstate` undoes it)."""
    from greencare import services

    db = _open(ctx, create=False)
    found = services.get_facility(db, facility_ref)
    services.retire_facility(db, found.id or 0, source="cli")
    _emit({"id": found.id, "retired": True}, as_json, lambda: f"retired facility {found.id}")


@facility.command("reinstate")
@click.argument("facility_ref", metavar="FACILITY")
@JSON_OPTION
@click.pass_context
@handle_errors
def facility_reinstate(ctx: click.Context, facility_ref: str, as_json: bool) -> None:
    """Bring a retired FACILITY back into lists and totals."""
    from greencare import services

    db = _open(ctx, create=False)
    found = services.get_facility(db, facility_ref)
    services.reinstate_facility(db, found.id or 0, source="cli")
    _emit({"id": found.id, "retired": False}, as_json, lambda: f"reinstated facility {found.id}")


@meter.command("retire")
@click.argument("meter_ref", metavar="METER")
@click.option("--facility", help="The meter's facility, when meter names repeat.")
@JSON_OPTION
@click.pass_context
@handle_errors
def meter_retire(ctx: click.Context, meter_ref: str, facility: str | None, as_json: bool) -> None:
    """Retire METER (its readings stay in past periods)."""
    from greencare import services

    db = _open(ctx, create=False)
    found = services.get_meter(db, meter_ref, facility=facility)
    services.retire_meter(db, found.id or 0, source="cli")
    _emit({"id": found.id, "retired": True}, as_json, lambda: f"retired meter {found.id}")


@meter.command("reinstate")
@click.argument("meter_ref", metavar="METER")
@click.option("--facility", help="The meter's facility, when meter names repeat.")
@JSON_OPTION
@click.pass_context
@handle_errors
def meter_reinstate(
    ctx: click.Context, meter_ref: str, facility: str | None, as_json: bool
) -> None:
    """Bring a retired METER back into lists, forms and gap checks."""
    from greencare import services

    db = _open(ctx, create=False)
    found = services.get_meter(db, meter_ref, facility=facility)
    services.reinstate_meter(db, found.id or 0, source="cli")
    _emit({"id": found.id, "retired": False}, as_json, lambda: f"reinstated meter {found.id}")


@facility.command("edit")
@click.argument("facility_ref", metavar="FACILITY")
@click.option("--name", help="New name.")
@click.option("--kind", type=click.Choice([k.value for k in FacilityKind]))
@click.option("--region", help="State, province or nation, e.g. PA or England.")
@click.option("--postcode", help="ZIP or postcode.")
@click.option("--grid-region", help="eGRID subregion (US, e.g. CAMX) or country code (e.g. GB).")
@click.option("--timezone", help="IANA zone.")
@click.option("--floor-area", help='Gross floor area with its unit, e.g. "350000 ft**2".')
@click.option("--beds", "staffed_beds", type=int, help="Staffed beds.")
@click.option("--notes")
@JSON_OPTION
@click.pass_context
@handle_errors
def facility_edit(ctx: click.Context, facility_ref: str, as_json: bool, **opts: Any) -> None:
    """Change FACILITY's details: only the options given change (validated like `add`)."""
    from greencare import services
    from greencare.core.errors import InputError

    changes = {k: v for k, v in opts.items() if v is not None}
    if not changes:
        raise InputError("nothing to change: give at least one of the options (see --help)")
    if "floor_area" in changes:
        try:
            changes["floor_area"], changes["floor_area_unit"] = services.split_quantity(
                changes["floor_area"]
            )
        except InputError as exc:
            raise InputError(f"--floor-area: {exc}") from exc
    db = _open(ctx, create=False)
    found = services.get_facility(db, facility_ref)
    notices: list[Any] = []
    updated = services.update_facility(db, found.id or 0, source="cli", notices=notices, **changes)
    edited = ", ".join(sorted(k for k in opts if opts[k] is not None))
    _emit(
        {**updated.model_dump(mode="json"), "notices": _notices_json(notices)},
        as_json,
        lambda: f"updated facility {updated.id}: {edited}",
    )
    _print_notices(notices, as_json)


@meter.command("edit")
@click.argument("meter_ref", metavar="METER")
@click.option("--facility", help="The meter's facility, when meter names repeat.")
@click.option("--name", help="New name.")
@click.option(
    "--commodity",
    type=click.Choice([c.value for c in Commodity]),
    help="New commodity (refused once the meter has readings).",
)
@click.option("--unit", help="New default unit of its bills (must measure the commodity).")
@click.option("--delivery-class", type=click.Choice([d.value for d in DeliveryClass]))
@click.option(
    "--net-metering/--no-net-metering", default=None, help="Readings may be negative (export)."
)
@click.option("--notes", help="New notes.")
@click.option("--clear-notes", is_flag=True, help="Remove the notes.")
@JSON_OPTION
@click.pass_context
@handle_errors
def meter_edit(
    ctx: click.Context, meter_ref: str, facility: str | None, as_json: bool, **opts: Any
) -> None:
    """Change METER's details (its id or name): only the options given change (validated like
    `add`; audited). The commodity of a meter with readings cannot change."""
    from greencare import services

    changes = edit_changes(opts, {"clear_notes": ("notes",)})
    db = _open(ctx, create=False)
    found = services.get_meter(db, meter_ref, facility=facility)
    updated = services.update_meter(db, found.id or 0, source="cli", **changes)
    _emit(
        updated.model_dump(mode="json"),
        as_json,
        lambda: f"updated meter {updated.id}: {', '.join(sorted(changes))}",
    )


@meter.command("profile")
@click.argument("meter_ref", metavar="METER")
@click.option("--facility", help="The meter's facility, when meter names repeat.")
@click.option("--from", "first", metavar="YYYY-MM", help="First local month (default: the first).")
@click.option("--to", "last", metavar="YYYY-MM", help="Last local month (default: the last).")
@click.option("--month", metavar="YYYY-MM", help="Only this month (the same as --from M --to M).")
@JSON_OPTION
@click.pass_context
@handle_errors
def meter_profile(
    ctx: click.Context,
    meter_ref: str,
    facility: str | None,
    first: str | None,
    last: str | None,
    month: str | None,
    as_json: bool,
) -> None:
    """Monthly interval metrics of METER: peak demand and when, load factor, base load,
    after-hours and time-of-use shares, with their definitions."""
    from greencare import services

    if month and (first or last):
        raise click.UsageError("give --month, or --from/--to, not both")
    result = services.interval_profile(
        _open(ctx, create=False), meter_ref, facility=facility,
        first_month=month or first, last_month=month or last,
    )  # fmt: skip
    _emit(_finite(result), as_json, lambda: _profile_text(result))


def _finite(value: Any) -> Any:
    """NaN (no night hours, no energy) as JSON null, not the invalid ``NaN``."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _profile_text(result: dict[str, Any]) -> str:
    import math

    power, energy = unit_text(result["power_unit"]), unit_text(result["energy_unit"])

    def num(value: float | None, fmt: str) -> str:
        return "" if value is None or not math.isfinite(value) else format(value, fmt)

    periods = list(result["months"][0]["tou_shares"]) if result["months"] else []
    rows = [
        {
            "month": m["month"],
            f"energy ({energy})": num(m["energy"], ",.0f"),
            "covered": num(m["hours_covered"] / m["hours_in_month"], ".0%"),
            f"peak ({power})": num(m["peak_power"], ",.1f"),
            "peak at": (m["peak_start"] or "")[:16].replace("T", " "),
            "load factor": num(m["load_factor"], ".2f"),
            f"base ({power})": num(m["base_load"], ",.1f"),
            "after hours": num(m["after_hours_share"], ".0%"),
            **{p: num(m["tou_shares"][p], ".0%") for p in periods},
        }
        for m in result["months"]
    ]
    lines = [
        f"{result['meter']} ({result['facility']}), local time {result['timezone']}",
        _table(rows, list(rows[0]) if rows else []),
        "",
        "Definitions:",
        *(f"  {k.replace('_', ' ')}: {v}" for k, v in result["definitions"].items()),
    ]
    return "\n".join(lines)
