"""The ``greencare emissions`` and ``greencare explain`` commands."""

from __future__ import annotations

from typing import Any

import click

from greencare.cli.common import (
    JSON_OPTION,
    _emit,
    _inventory,
    _open,
    _period_options,
    _significant,
    echo,
    handle_errors,
    unit_text,
)


@click.command()
@_period_options
@click.option(
    "--compare",
    "compare_year",
    type=int,
    help="Explain the change from this year: parts from facilities, factor editions, weather "
    "and activity.",
)
@click.option("--compare-from", help="First month (YYYY-MM) of the period to compare with.")
@click.option("--compare-to", help="Last month (YYYY-MM) of the period to compare with.")
@JSON_OPTION
@click.pass_context
@handle_errors
def emissions(
    ctx: click.Context,
    as_json: bool,
    compare_year: int | None,
    compare_from: str | None,
    compare_to: str | None,
    **opts: Any,
) -> None:
    """GHG inventory for a period: Scope 1, 2 (location and market) and 3, in t CO2e.

    Totals by scope, category, gas, month and facility, with energy use and the factor
    datasets used. A missing factor is an error that names it (see --allow-gaps).

    With --compare YEAR (or --compare-from/--compare-to), why the period differs from that
    one: each scope's change split into facilities added and removed, factor editions,
    weather and activity, adding up to the change.
    """
    if compare_year is not None or compare_from or compare_to:
        _compare(ctx, as_json, compare_year, compare_from, compare_to, opts)
        return
    _, summary = _inventory(ctx, opts)
    _emit(summary, as_json, lambda: _emissions_text(summary))


def _compare(
    ctx: click.Context,
    as_json: bool,
    year: int | None,
    start: str | None,
    end: str | None,
    opts: dict[str, Any],
) -> None:
    from greencare import services
    from greencare.cli.common import _pins

    if year is not None and (start or end):
        raise click.UsageError("give either --compare YEAR or --compare-from/--compare-to")
    earlier = services.period_months(year, start, end)
    later = services.period_months(opts["year"], opts["start"], opts["end"])
    result = services.compare(
        _open(ctx, create=False),
        a=earlier,
        b=later,
        facility=opts["facility"],
        gwp=opts["gwp"],
        pins=_pins(opts["pins"]),
        strict=not opts["allow_gaps"],
        chiller=opts["chiller"],
    )
    _emit(result, as_json, lambda: _compare_text(result))


def _compare_text(r: dict[str, Any]) -> str:
    from greencare.core.decompose import PART_LABELS, PARTS

    la, lb = r["a"]["label"], r["b"]["label"]
    head = ["", f"{la:>10}", f"{lb:>10}", f"{'change':>9}"] + [
        f"{PART_LABELS[p]:>{max(len(PART_LABELS[p]), 9)}}" for p in PARTS
    ]
    width = max(len(s["label"]) for s in r["scopes"])
    out = [
        f"Why emissions changed from {la} to {lb} (t CO2e; GWP: {r['gwp']})",
        "  " + "  ".join([head[0].ljust(width), *head[1:]]),
    ]
    for s in r["scopes"]:
        shown = {p["part"]: p["shown_t"] for p in s["parts"]}
        cells = [f"{s['before_t']:>10,.1f}", f"{s['after_t']:>10,.1f}",
                 f"{s['shown_change_t']:>+9,.1f}"]  # fmt: skip
        cells += [f"{shown[p]:>+{max(len(PART_LABELS[p]), 9)},.1f}" for p in PARTS]
        out.append("  " + "  ".join([s["label"].ljust(width), *cells]))
    out += ["", f"The parts add up to the change. Order: {r['method']}."]
    for s in r["scopes"]:
        out += ["", s["sentence"]]
        for p in s["parts"]:
            if p["part"] == "weather" or s["key"].startswith("total"):
                continue  # weather is listed once below; the totals' drivers are the scopes'
            for w in p["explanations"]:
                out.append(f"  {p['label']}: {w['text']}: {w['t']:+,.1f} t")
    out += ["", "Weather"] + [f"  - {w}" for w in r["weather"]]
    if r["notes"]:
        out += ["", "Notes"] + [f"  - {n}" for n in r["notes"]]
    if r["gaps"]:
        out += ["", "MISSING FACTORS (left out of the totals)"] + [f"  - {g}" for g in r["gaps"]]
    return "\n".join(out)


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


@click.command()
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
        echo(
            f"  {month} meter {meter_id}: {len(rows):,} readings, {_significant(total)} {unit_text(unit)}"
        )
        for r in rows[:5]:
            echo(
                f"    reading {r['id']}: {r['start']} to {r['end']}, {grouped(r['quantity'])} "
                f"{unit_text(r['unit'])} x {r['share']:.4f} of it in {month}"
            )
        if len(rows) > 5:
            echo(f"    ... {len(rows) - 5:,} more (`greencare reading list --meter {meter_id}`)")
