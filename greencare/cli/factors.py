"""The ``greencare factors`` commands."""

from __future__ import annotations

import click

from greencare.cli.common import (
    JSON_OPTION,
    _emit,
    _table,
    echo,
    handle_errors,
)

# --- factors and emissions ----------------------------------------------------------------


@click.group()
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


@factors.command("zip")
@click.argument("zip_code", metavar="ZIP")
@JSON_OPTION
@handle_errors
def factors_zip(zip_code: str, as_json: bool) -> None:
    """The eGRID subregion(s) of a US ZIP code (02115, 2115 or 02115-1234), with the source."""
    from greencare import services
    from greencare.core.errors import InputError, NotFoundError
    from greencare.core.regions import EGRID_SUBREGIONS, normalize_zip
    from greencare.core.text import quote

    five = normalize_zip(zip_code)
    if five is None:
        raise InputError(f"{quote(zip_code)} is not a US ZIP code (12345 or 12345-6789)")
    cited = services.zip_citation()
    found = services.subregions_for_zip(five)
    if not found:
        raise NotFoundError(
            f"ZIP {five} is not in greencare's ZIP table ({cited['citation']} [{cited['dataset']}])"
        )
    rows = [
        {"rank": rank, "subregion": code, "name": EGRID_SUBREGIONS[code][0]}
        for rank, code in enumerate(found, start=1)
    ]
    if as_json:
        _emit({"zip": five, "subregions": rows, "source": cited}, True, str)
        return
    if len(found) == 1:
        echo(f"ZIP {five}: {found[0]} ({rows[0]['name']})")
    else:
        echo(
            f"ZIP {five} lies in {len(found)} eGRID subregions, listed in the table's order; "
            "it gives no shares, so a facility here needs --grid-region:"
        )
        echo(_table(rows, ["rank", "subregion", "name"]))
    echo(f"source: {cited['citation']} [{cited['dataset']}]; {cited['publisher']}; {cited['url']}")
