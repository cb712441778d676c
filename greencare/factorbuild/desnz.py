"""UK DESNZ GHG conversion factors (full-set workbooks) -> factors/desnz/<edition>/.

Each worksheet lays its factors out in blocks headed by a row whose first cell is 'Activity';
the extractor finds those header rows, fills the merged label cells down, and reads every
'kg CO2e...' column. DESNZ's CH4 and N2O columns are kg CO2e (AR5), so basis=co2e:AR5.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .common import (
    cell,
    clean,
    factor,
    factor_file_doc,
    load_sheet,
    slug,
    source_record,
    to_number,
    unverified_ids,
    write_factors,
    write_toml,
)

SOURCE_FOLDER = "uk-desnz-ghg-conversion-factors"

EDITIONS: dict[str, dict[str, Any]] = {
    "2024": {
        "file": "ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx",
        "sha256": "558116ed06b5d84c41f5eff9b24714e4eb5ce41eb8ac0619ffe946e8d87da859",
        "version": "1.1",
        "published": "2024-06 (version 1.1 workbook modified 2024-10-30)",
        "checked": "All 7,029 values of the (modified) 2024 v1.1 flat-format file from another "
        "repository appear in this full set.",
    },
    "2025": {
        "file": "ghg-conversion-factors-2025-full-set.xlsx",
        "sha256": "c08f24dac724a7598f54a7c7b28ad21fa88ca48d8ebd98cb9e172ffc184b5e5a",
        "version": "1",
        "published": "2025-06",
        "checked": "All 7,029 values of the 2025 flat-format CSV (another repository) appear in "
        "this full set.",
    },
    "2026": {
        "file": "ghg-conversion-factors-2026-full-set.xlsx",
        "sha256": "b5c4f2f86cdc74707337b2fb013b44ded189a1b528f5e29ea99856ba65ae0205",
        "version": "1",
        "published": "2026-06",
        "checked": "Single copy: only the UK electricity factor 0.13096 is independently cited. "
        "2026 revises the UK electricity method (no two-year inventory lag).",
    },
}

#: worksheet -> activity_type
SHEETS: dict[str, str] = {
    "Fuels": "stationary_combustion",
    "UK electricity": "electricity",
    "Transmission and distribution": "electricity_td_loss",
    "Heat and steam": "steam_heat",
    "WTT- fuels": "well_to_tank",
    "WTT- UK electricity": "well_to_tank",
    "WTT- heat and steam": "well_to_tank",
    "Water supply": "water_supply",
    "Water treatment": "water_treatment",
    "Waste disposal": "waste",
}

MOBILE_FUELS = re.compile(r"^(diesel|petrol|cng|lng|aviation|marine)", re.I)

UNITS = {
    "tonnes": "tonne",
    "litres": "litre",
    "kwh": "kWh",
    "kwh (net cv)": "kWh",
    "kwh (gross cv)": "kWh",
    "cubic metres": "m**3",
    "million litres": "megalitre",
}

#: Activity-column labels that name the activity better than the second column does.
ACTIVITY_LABELS = {
    "Electricity generated": "electricity",
    "T&D- UK electricity": "electricity",
    "WTT- UK electricity (generation)": "electricity",
    "WTT- UK electricity (T&D)": "electricity_td_loss",
    "Distribution - district heat & steam": "district_heat_and_steam_distribution",
    "WTT- district heat & steam distribution": "district_heat_and_steam_distribution",
}

ROUTES = {
    "re-use": "reuse",
    "open-loop": "recycling_open_loop",
    "closed-loop": "recycling_closed_loop",
    "combustion": "incineration_energy_recovery",
    "incineration with energy recovery": "incineration_energy_recovery",
    "composting": "composting",
    "landfill": "landfill",
    "anaerobic digestion": "anaerobic_digestion",
}

Rows = list[tuple[int, tuple[Any, ...]]]


def gas_of(header: str) -> str | None:
    """'kg CO2e' -> CO2e; 'kg CO2e of CH4 per unit' -> CH4."""
    h = clean(header)
    if h == "kg CO2e":
        return "CO2e"
    m = re.fullmatch(r"kg CO2e of (CO2|CH4|N2O) per unit", h)
    return m.group(1) if m else None


def sheet_scope(rows: Rows) -> int | str:
    """The 'Scope:' cell near the top of every DESNZ sheet."""
    for _, v in rows[:12]:
        if clean(cell(v, 0)) == "Scope:":
            m = re.search(r"\d", clean(cell(v, 1)))
            return int(m.group()) if m else ""
    return ""


def parse_sheet(
    sheet: str, rows: Rows, edition: str, verified: bool = True
) -> list[dict[str, str]]:
    """All factor cells of one worksheet in the long schema."""
    out = []
    scope = sheet_scope(rows)
    head: dict[str, int] = {}
    value_cols: dict[int, str] = {}
    routes: dict[int, str] = {}
    labels = ["", ""]
    prev: tuple[Any, ...] = ()
    for rn, v in rows:
        first = clean(cell(v, 0))
        if first == "Activity":
            head = {clean(x): i for i, x in enumerate(v) if clean(x)}
            value_cols = {i: g for i, x in enumerate(v) if (g := gas_of(x))}
            routes = {
                i: clean(x)
                for i, x in enumerate(prev)
                if i in value_cols and clean(x) and to_number(x) is None and not clean(prev[0])
            }
            labels = ["", ""]
            prev = v
            continue
        prev = v
        if not head or "Unit" not in head:
            continue
        if first == "FAQs":
            head = {}
            continue
        unit_label = clean(cell(v, head["Unit"]))
        if not unit_label:
            continue
        if first:
            labels = [first, ""]
        second = clean(cell(v, 1))
        if second:
            labels[1] = second
        year = cell(v, head["Year"]) if "Year" in head else None
        if isinstance(year, int | float) and int(year) != int(edition):
            continue
        per = UNITS.get(unit_label.lower())
        if per is None:
            raise ValueError(f"{sheet} row {rn}: unknown DESNZ unit {unit_label!r}")
        base = ACTIVITY_LABELS.get(labels[0]) or slug(labels[1] or labels[0])
        act = base + ("_net_cv" if "net cv" in unit_label.lower() else "")
        atype = SHEETS[sheet]
        if sheet == "Fuels" and MOBILE_FUELS.match(labels[1]):
            atype = "mobile_combustion"
        if sheet == "Transmission and distribution" and "heat" in labels[0].lower():
            atype = "steam_heat"
        for c, gas in value_cols.items():
            val = to_number(cell(v, c))
            if val is None:
                continue
            route_label = routes.get(c, "")
            desc = [x for x in (labels[0], labels[1], route_label) if x]
            if routes:
                route = ROUTES[route_label.lower()]
                fid = f"{slug(sheet)}.{base}.{route}.{slug(unit_label)}"
                a = f"{base}_{route}"
            else:
                fid = f"{slug(sheet)}.{base}.{slug(unit_label)}.{gas.lower()}"
                a = act
            notes = []
            if "cv" in unit_label.lower():
                notes.append(f"cv={'net' if 'net' in unit_label.lower() else 'gross'}")
            if per == "megalitre":
                notes.append("million litres")
            out.append(
                factor(
                    fid,
                    sheet,
                    rn,
                    atype,
                    a,
                    gas,
                    val,
                    "kg",
                    per,
                    "co2e:AR5",
                    region="GB",
                    scope=scope,
                    description=" | ".join([*desc, f"{unit_label}", _col(gas)]),
                    verified=verified,
                    notes="; ".join(notes),
                )
            )
    return out


def _col(gas: str) -> str:
    return "kg CO2e" if gas == "CO2e" else f"kg CO2e of {gas} per unit"


def extract(source_dir: Path, out_dir: Path, edition: str) -> dict[str, int]:
    """Build factors/desnz/<edition>/ from the full-set workbook."""
    meta = EDITIONS[edition]
    path = source_dir / SOURCE_FOLDER / meta["file"]
    rows: list[dict[str, str]] = []
    for sheet in SHEETS:
        rows += parse_sheet(sheet, load_sheet(path, sheet), edition)
    dest = out_dir / "desnz" / edition
    n = write_factors(dest / "emission_factors.csv", rows)
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"desnz/{edition}",
                "title": "UK Government GHG Conversion Factors for Company Reporting (full set)",
                "publisher": "Department for Energy Security and Net Zero (DESNZ); produced by "
                "Ricardo Energy & Environment",
                "edition": f"{edition} v{meta['version']}",
                "year": int(edition),
                "published": meta["published"],
                "url": "https://www.gov.uk/government/collections/government-conversion-factors-for-"
                "company-reporting",
                "licence": "Open Government Licence v3.0 (gov.uk standard; the workbook does not "
                "state it: confirm on gov.uk before redistributing)",
                "gwp_set": "AR5",
                **source_record(path, meta["sha256"]),
                "extracted_by": "greencare.factorbuild",
                "sheets": list(SHEETS),
                "activity_types": sorted({r["activity_type"] for r in rows}),
                "notes": (
                    "Every value is kg CO2e (AR5, no climate-carbon feedback). gas=CO2e is the "
                    "total; gas=CO2/CH4/N2O are DESNZ's 'kg CO2e of <gas> per unit' columns, i.e. "
                    "already CO2e, so basis=co2e:AR5 on every row. Units: kWh rows on a net "
                    "calorific value basis get an activity ending in _net_cv and notes cv=net; "
                    "gross-CV rows (what UK gas bills use) keep the plain activity and notes cv=gross. "
                    "'million litres' -> megalitre, 'cubic metres' -> m**3. Waste activities are "
                    "<waste type>_<route> with routes reuse, recycling_open_loop, "
                    "recycling_closed_loop, incineration_energy_recovery (DESNZ 'Combustion', "
                    "renamed 'Incineration with energy recovery' in 2025), composting, landfill, "
                    "anaerobic_digestion. No clinical/hazardous waste factors exist in DESNZ. "
                    "Fuels: forecourt fuels (diesel, petrol, CNG, LNG, aviation, marine) are "
                    "tagged mobile_combustion, the rest stationary_combustion; 'Gas oil' is red "
                    "diesel for generators and boilers. region=GB for all rows."
                ),
            },
            "files": {
                "emission_factors": factor_file_doc(
                    "Fuels, UK electricity, T&D, heat and steam, WTT, water and waste disposal factors"
                )
            },
            "unverified": unverified_ids(rows),
            "unverified_note": "verified=false marks values SOURCES.md flags; none are flagged for "
            "this edition. What was cross-checked: " + meta["checked"],
        },
    )
    return {"emission_factors.csv": n}


def extract_flat(source_dir: Path, out_dir: Path, edition: str) -> dict[str, int]:
    """Build a 2018-2023 edition from its flat file (see :mod:`.desnz_flat`)."""
    from .desnz_flat import extract as extract_from_flat_file

    return extract_from_flat_file(source_dir, out_dir, edition)
