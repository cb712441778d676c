"""EPA eGRID summary tables (Table 1, subregion output emission rates) -> factors/egrid/<year>/.

The EPA Hub's Table 6 is eGRID's Table 1 rounded, but the Hub editions before 2025 leave out
the grid gross loss column. This dataset keeps eGRID's own rates (total output and
non-baseload, lb/MWh) and its grid gross loss, so T&D losses (Scope 3 category 3) have a
published rate for those years and the Hub's Table 6 can be checked against its source.
Columns are found by header text ('eGRID subregion acronym', 'Grid Gross Loss (%)').
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import (
    cell,
    clean,
    factor,
    factor_file_doc,
    load_sheet,
    source_record,
    to_number,
    write_factors,
    write_toml,
)

SOURCE_FOLDER = "us-epa-egrid"

EDITIONS: dict[str, dict[str, Any]] = {
    "2021": {
        "file": "egrid2021_summary_tables.xlsx",
        "sha256": "eb2bbd4039ebd672d9479e24c4449ab563a47f96c12e4a9335b66e0fbab10df1",
        "published": "2023-01-30",
        "url": "https://www.epa.gov/sites/default/files/2023-01/egrid2021_summary_tables.xlsx",
        "copied_from": "github.com/meganlty/energy_price_app @ "
        "7e532ba6ab6bd675988e59704aac3c9b4b0e72b9, input_data/eGRID2021_summary_tables.xlsx "
        "(no licence declared; the content is US Government work). download_url is the one "
        "other public code cites; the sheet says 'Created: 2023-01-30'.",
    },
}

GASES = ("CO2", "CH4", "N2O")


def _columns(rows: list[tuple[int, tuple[Any, ...]]]) -> tuple[int, dict[int, tuple[str, str]]]:
    """(header row index, {column: (group, gas)}) for the rate and loss columns of Table 1."""
    for i, (_, v) in enumerate(rows):
        labels = [clean(x) for x in v]
        if "eGRID subregion acronym" not in labels or i + 2 >= len(rows):
            continue
        groups = [(c, x) for c, x in enumerate(labels) if x.endswith("emission rates")]
        gas_row = [clean(x) for x in rows[i + 2][1]]
        cols: dict[int, tuple[str, str]] = {}
        for c, gas in enumerate(gas_row):
            group = next((g for gc, g in reversed(groups) if gc <= c), "")
            if gas in GASES and group:
                cols[c] = (group, gas)
        loss = next((c for c, x in enumerate(labels) if x.startswith("Grid Gross Loss")), None)
        if loss is not None:
            cols[loss] = ("Grid Gross Loss (%)", "")
        return i, cols
    raise ValueError("no 'eGRID subregion acronym' header row in Table 1")


def table1(rows: list[tuple[int, tuple[Any, ...]]], year: str) -> list[dict[str, str]]:
    """Rates per subregion and the US ('U.S.'), lb per MWh; grid gross loss as a fraction."""
    head, cols = _columns(rows)
    labels = [clean(x) for x in rows[head][1]]
    acr_col = labels.index("eGRID subregion acronym")
    name_col = labels.index("eGRID subregion name")
    title = f"Table 1 Subregion Output Emission Rates (eGRID{year})"
    rates = sorted(f"{g} {gas}" for g, gas in cols.values() if gas)
    if len(rates) != 2 * len(GASES):
        raise ValueError(
            f"{title}: expected CO2, CH4 and N2O under both rate headers, found "
            f"{', '.join(rates) or 'none'}; its layout is not recognised"
        )
    out = []
    for rn, v in rows[head + 3 :]:
        acr = clean(cell(v, acr_col))
        if not acr or to_number(cell(v, acr_col + 2)) is None:
            continue
        region = "US" if acr in ("U.S.", "US") else acr
        name = clean(cell(v, name_col)) or "US"
        for c, (group, gas) in cols.items():
            val = to_number(cell(v, c))
            if val is None:
                continue
            if not gas:
                out.append(
                    factor(
                        f"egrid.{region}.grid_gross_loss",
                        title,
                        rn,
                        "electricity_td_loss",
                        "electricity_grid_gross_loss",
                        "",
                        val,
                        "dimensionless",
                        "dimensionless",
                        "ratio",
                        region=region,
                        scope=3,
                        description=f"{acr} | {name} | Grid Gross Loss (%)",
                        notes="fraction (0.045 = 4.5%) although the header says %; Scope 3 "
                        "category 3 input, not for Scope 2",
                    )
                )
                continue
            total = group.lower().startswith("total")
            out.append(
                factor(
                    f"egrid.{region}.{gas.lower()}"
                    if total
                    else f"egrid.{region}.nonbaseload.{gas.lower()}",
                    title,
                    rn,
                    "electricity",
                    "electricity" if total else "electricity_non_baseload",
                    gas,
                    val,
                    "lb",
                    "MWh",
                    "mass",
                    region=region,
                    scope=2 if total else "",
                    description=f"{acr} | {name} | {group} | lb {gas} / MWh",
                    notes=""
                    if total
                    else "non-baseload rate: for avoided-emission estimates, "
                    "not for inventories (EPA note)",
                )
            )
    if not out:
        raise ValueError(f"{title} yielded no rows; its layout is not recognised")
    return out


def extract(source_dir: Path, out_dir: Path, year: str) -> dict[str, int]:
    """Build factors/egrid/<year>/ from the eGRID summary tables workbook."""
    meta = EDITIONS[year]
    path = source_dir / SOURCE_FOLDER / meta["file"]
    rows = table1(load_sheet(path, "Table 1"), year)
    dest = out_dir / "egrid" / year
    counts = {"emission_factors.csv": write_factors(dest / "emission_factors.csv", rows)}
    data = {
        "dataset": {
            "id": f"egrid/{year}",
            "title": "US EPA eGRID Summary Tables",
            "publisher": "U.S. Environmental Protection Agency, Clean Air and Power Division",
            "edition": f"eGRID{year}",
            "year": int(year),
            "published": meta["published"],
            "url": "https://www.epa.gov/egrid",
            "download_url": meta["url"],
            "licence": "US Government work, public domain in the United States (17 U.S.C. 105)",
            "gwp_set": "",
            "electricity_data_year": int(year),
            **source_record(path, meta["sha256"]),
            "copied_from": meta["copied_from"],
            "extracted_by": "greencare.factorbuild",
            "tables": [f"Table 1 Subregion Output Emission Rates (eGRID{year})"],
            "activity_types": sorted({r["activity_type"] for r in rows}),
            "notes": (
                "Total output and non-baseload CO2, CH4 and N2O rates in lb/MWh (basis=mass) "
                "per eGRID subregion and the US, with eGRID's grid gross loss as a fraction "
                "(unit dimensionless, basis ratio). The EPA GHG Emission Factors Hub's Table 6 "
                f"for eGRID{year} is these rates rounded; greencare reads the grid gross loss "
                "from here for a Hub edition that omits it (Scope 3 category 3 T&D losses)."
            ),
        },
        "files": {
            "emission_factors": factor_file_doc(
                "Table 1: subregion output emission rates and grid gross loss"
            ),
        },
        "unverified": [],
        "unverified_note": "No value is flagged. What was cross-checked: the rates equal the "
        "EPA GHG Emission Factors Hub 2023 Table 6 (eGRID2021) to the Hub's rounding for every "
        "subregion (tests/factorbuild).",
    }
    write_toml(dest / "dataset.toml", data)
    return counts
