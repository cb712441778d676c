"""US EPA GHG Emission Factors Hub (Tables 1-12) -> factors/epa-ghg-hub/<edition>/.

Tables are found by their title cells ("Table 6", "Electricity") and columns by their header
text, not by fixed row numbers, so the next edition of the workbook is a re-run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .common import (
    GWP_COLUMNS,
    cell,
    clean,
    factor,
    factor_file_doc,
    fmt_num,
    gwp_file_doc,
    load_sheet,
    slug,
    source_record,
    strip_footnote,
    to_number,
    unverified_ids,
    write_csv,
    write_factors,
    write_toml,
)

SOURCE_FOLDER = "us-epa-ghg-emission-factors-hub"

EDITIONS: dict[str, dict[str, Any]] = {
    "2025": {
        "file": "ghg-emission-factors-hub-2025.xlsx",
        "sha256": "db9085f182e50c7fd9106a902986434fb41ef0426afc953acb40f61a495e8a76",
        "published": "2025-01-15",
        "url": "https://www.epa.gov/system/files/documents/2025-01/ghg-emission-factors-hub-2025.pdf",
        "egrid": "eGRID2023 (January 2025)",
        "egrid_year": 2023,
        "verified_tables": None,
        "checked": "A second, independent copy of the 2025 sheet has the same cell values. "
        "Table 6 subregion rates were not checked against the eGRID2023 summary workbook itself "
        "(the US average was); eGRID2023rev2 (June 2025) may have revised some.",
    },
    "2024": {
        "file": "ghg-emission-factors-hub-2024.xlsx",
        "sha256": "b10d331fb30dcfadaaedd982263a9db7b1fa305d4037c47e332c72a2dafdc47c",
        "published": "2024-02-13",
        "url": "https://www.epa.gov/system/files/documents/2024-02/ghg-emission-factors-hub-2024.xlsx",
        "egrid": "eGRID2022 (January 2024)",
        "egrid_year": 2022,
        "verified_tables": None,
        "checked": "Tables 1, 9, 11 and 12 equal the 2025 file; Table 6 CO2 total-output "
        "rates equal EPA's eGRID2022 CSV. Tables 2-5, 7, 8, 10 rest on this single copy.",
    },
    "2023": {
        "file": "ghg-emission-factors-hub-2023.xlsx",
        "sha256": "4035303fc041a70ae0815a68f6f8dc9632420b96bc20527527eb3516e1f2f9ac",
        "published": "2023-09-12",
        "url": "https://www.epa.gov/system/files/documents/2023-03/ghg-emission-factors-hub.xlsx",
        "egrid": "eGRID2021 (February 2023)",
        "egrid_year": 2021,
        "gwp_set": "AR4",
        "copied_from": "github.com/aws-solutions-library-samples/guidance-for-building-a-"
        "sustainability-data-fabric-on-aws @ a202b05a05b94fa4016f004e7f728472e8a6835e, "
        "typescript/packages/products/usepa/resources/ghg-emission-factors-hub-2023/data.xlsx "
        "(MIT-0; download URL from its provenance JSON). The sheet says 'Last Modified: 12 "
        "September 2023'.",
        "verified_tables": {6},
        "checked": "Table 6 total-output and non-baseload rates and grid gross loss equal the "
        "eGRID2021 summary tables (Table 1) for every subregion (tests/factorbuild). The other "
        "tables rest on this single copy (AWS sustainability data fabric, MIT-0).",
    },
    "2021": {
        "file": "ghg-emission-factors-hub-2021.xlsx",
        "sha256": "00524c7e59d7e5d38c044871e372da1180eaa19d93c72c23a6c937391eb76db8",
        "published": "2021-09-15",
        "url": "https://www.epa.gov/sites/default/files/2021-04/documents/emission-factors_apr2021.pdf",
        "egrid": "eGRID2019 (February 2021)",
        "egrid_year": 2019,
        "gwp_set": "AR4",
        "copied_from": "github.com/Metropolitan-Council/ghg-cprg @ "
        "d0163b2494b905f110ffd2d483a19be34c722c7b, _meta/data-raw/ghg-emission-factors-hub-"
        "2021.xlsx (MIT). The sheet says 'Last Modified: 15 September 2021'; download_url is "
        "the April 2021 PDF public code cites, as no xlsx URL is known.",
        "verified_tables": set(),
        "checked": "Nothing: this edition rests on a single copy (Metropolitan Council "
        "ghg-cprg, MIT); no eGRID2019 file was available to compare Table 6 with.",
    },
}

UNIT_TOKENS = {
    "mmbtu": "MMBtu",
    "scf": "scf",
    "gallon": "US_gallon",
    "short ton": "short_ton",
    "mwh": "MWh",
    "vehicle-mile": "vehicle_mile",
    "short ton-mile": "short_ton_mile",
    "ton-mile": "short_ton_mile",
    "passenger-mile": "passenger_mile",
}

WASTE_ROUTES = {
    "recycled": "recycling",
    "landfilled": "landfill",
    "combusted": "combustion",
    "composted": "composting",
    "anaerobically digested (dry digestate with curing)": "anaerobic_digestion_dry",
    "anaerobically digested (wet digestate with curing)": "anaerobic_digestion_wet",
}

ACTIVITY_TYPES = {
    1: "stationary_combustion",
    2: "mobile_combustion",
    3: "mobile_combustion",
    4: "mobile_combustion",
    5: "mobile_combustion",
    7: "steam_heat",
    8: "freight_transport",
    9: "waste",
    10: "business_travel",
}

Rows = list[tuple[int, tuple[Any, ...]]]


def unit_token(text: str) -> str:
    """Map the Hub's unit words to the pint/engine tokens used across factors/."""
    key = clean(text).lower()
    if key not in UNIT_TOKENS:
        raise ValueError(f"unknown EPA unit {text!r}")
    return UNIT_TOKENS[key]


def split_tables(rows: Rows) -> dict[int, tuple[str, Rows]]:
    """Group worksheet rows by the 'Table N' title cell that precedes them."""
    tables: dict[int, tuple[str, Rows]] = {}
    current: int | None = None
    for rn, v in rows:
        m = re.fullmatch(r"Table (\d+)", clean(cell(v, 1)))
        if m:
            current = int(m.group(1))
            tables[current] = (f"Table {current} {clean(cell(v, 2))}", [])
            continue
        if clean(cell(v, 1)) and current is not None and not clean(cell(v, 2)):
            current = None  # a section banner such as "Scope 3 Emission Factors"
        if current is not None:
            tables[current][1].append((rn, v))
    return tables


def _body(rows: Rows) -> Rows:
    """Rows up to the table's 'Source:' / 'Notes:' footer."""
    out = []
    for rn, v in rows:
        if re.match(r"(Source|Notes)\b", clean(cell(v, 2))):
            break
        out.append((rn, v))
    return out


def _gas_header(text: Any) -> tuple[str, str, str] | None:
    """Parse '(g CH4 / vehicle-mile)' or 'kg CO2 per mmBtu' into (unit, gas, per).

    Editions up to 2023 name the gas before the unit instead: 'CH4 Factor (g / mile)'.
    """
    t = clean(text)
    m = re.search(r"\(?\b(kg|g|lb) (CO2|CH4|N2O) (?:/|per) ([^)]+?)\)?$", t)
    if m:
        return m.group(1), m.group(2), m.group(3).strip()
    m = re.fullmatch(r"(CO2|CH4|N2O) Factor \((kg|g|lb) / ([^)]+?)\)", t)
    return (m.group(2), m.group(1), m.group(3).strip()) if m else None


#: Older headers for the same column (2021 and 2023 editions say 'Year' or 'Vehicle Year').
HEADER_ALIASES = {"Year": "Model Year", "Vehicle Year": "Model Year"}


def table1(title: str, rows: Rows, ok: Any) -> list[dict[str, str]]:
    """Stationary combustion: heat content and per-mmBtu / per-physical-unit factors."""
    out: list[dict[str, str]] = []
    colspec: dict[int, tuple[str, str, str]] = {}
    phys = ""
    category = ""
    for rn, v in _body(rows):
        label = clean(cell(v, 2))
        c3 = clean(cell(v, 3))
        if c3.lower().startswith("mmbtu per"):
            phys = c3[len("mmbtu per") :].strip()
            colspec = {c: s for c in range(4, len(v)) if (s := _gas_header(cell(v, c)))}
            continue
        nums = {c: to_number(cell(v, c)) for c in range(3, len(v))}
        if label == "Fuel Type" or not label:
            continue
        if all(x is None for x in nums.values()):
            category = label
            continue
        act = slug(label)
        if "kraft" in category.lower():
            act = "kraft_pulping_liquor_" + act
        desc = f"{category} | {label}"
        if nums.get(3) is not None:
            out.append(
                factor(
                    f"t1.{act}.heat_content",
                    title,
                    rn,
                    "heat_content",
                    act,
                    "",
                    nums[3],
                    "MMBtu",
                    unit_token(phys),
                    "energy",
                    region="US",
                    description=f"{desc} | Heat Content (HHV) mmBtu per {phys}",
                    verified=ok(1, ""),
                    notes="higher heating value",
                )
            )
        for c, (num_unit, gas, per) in colspec.items():
            if nums.get(c) is None:
                continue
            per_tok = unit_token(per)
            out.append(
                factor(
                    f"t1.{act}.{gas.lower()}.per_{slug(per)}",
                    title,
                    rn,
                    "stationary_combustion",
                    act,
                    gas,
                    nums[c],
                    num_unit,
                    per_tok,
                    "mass",
                    region="US",
                    scope=1,
                    description=f"{desc} | {num_unit} {gas} per {per}",
                    verified=ok(1, gas),
                )
            )
    return out


def table2(title: str, rows: Rows, ok: Any) -> list[dict[str, str]]:
    """Mobile combustion CO2 per unit of fuel."""
    out = []
    head = None
    for rn, v in _body(rows):
        labels = [clean(x) for x in v]
        if "Fuel Type" in labels:
            head = {h: i for i, h in enumerate(labels) if h}
            continue
        if head is None:
            continue
        label = clean(cell(v, head["Fuel Type"]))
        val = to_number(cell(v, head["kg CO2 per unit"]))
        if not label or val is None:
            continue
        per = clean(cell(v, head["Unit"]))
        act = slug(label)
        out.append(
            factor(
                f"t2.{act}.co2",
                title,
                rn,
                "mobile_combustion",
                act,
                "CO2",
                val,
                "kg",
                unit_token(per),
                "mass",
                region="US",
                scope=1,
                description=f"{label} | kg CO2 per {per}",
                verified=ok(2, "CO2"),
            )
        )
    return out


def vehicle_table(n: int, title: str, rows: Rows, ok: Any) -> list[dict[str, str]]:
    """Tables 3-5 (CH4/N2O by vehicle, fuel, model year) and 8/10 (per mile)."""
    out = []
    head: dict[str, int] = {}
    gas_cols: dict[int, tuple[str, str, str]] = {}
    vehicle = vehicle_key = fuel = ""
    for rn, v in _body(rows):
        labels = [clean(x) for x in v]
        if "Vehicle Type" in labels:
            head = {HEADER_ALIASES.get(h, h): i for i, h in enumerate(labels) if h}
            gas_cols = {i: s for i, x in enumerate(v) if (s := _gas_header(x))}
            continue
        if not head:
            continue
        vt = clean(cell(v, head["Vehicle Type"]))
        if vt.startswith("(") and vehicle:
            vehicle = f"{vehicle} {vt}"
        elif vt:
            vehicle, vehicle_key, fuel = vt, slug(strip_footnote(vt)), ""
        if "Fuel Type" in head and clean(cell(v, head["Fuel Type"])):
            fuel = clean(cell(v, head["Fuel Type"]))
        year = cell(v, head["Model Year"]) if "Model Year" in head else None
        year_s = clean(fmt_num(year) if isinstance(year, int | float) else year)
        units = clean(cell(v, head["Units"])) if "Units" in head else ""
        act = vehicle_key
        if n == 4:
            act = f"{slug(fuel)}_{vehicle_key}"
        elif n == 5:
            act = f"{vehicle_key}_{slug(fuel)}"
        desc = " | ".join(
            x for x in (strip_footnote(vehicle), fuel, year_s and f"model year {year_s}") if x
        )
        for c, (num_unit, gas, per) in gas_cols.items():
            val = to_number(cell(v, c))
            if val is None:
                continue
            per_word = units if per == "unit" else per
            if n in (3, 4) and per_word == "mile":
                # 2021/2023 say 'g / mile' where 2024 says 'g CH4 / vehicle-mile': these
                # on-road tables are per mile driven by one vehicle (EPA Table 3/4 notes).
                per_word = "vehicle-mile"
            per_tok = unit_token(per_word)
            fid = f"t{n}.{act}"
            if year_s:
                fid += f".my_{slug(year_s)}"
            elif n in (3, 4):
                fid += ".all_years"
            if n in (8, 10):
                fid += f".per_{per_tok}"
            out.append(
                factor(
                    f"{fid}.{gas.lower()}",
                    title,
                    rn,
                    ACTIVITY_TYPES[n],
                    act,
                    gas,
                    val,
                    num_unit,
                    per_tok,
                    "mass",
                    region="US",
                    scope=1 if n <= 5 else 3,
                    description=f"{desc} | {num_unit} {gas} per {per_word}",
                    verified=ok(n, gas),
                    notes=f"model_year={year_s}" if year_s else "",
                )
            )
    return out


def table6(title: str, rows: Rows, ok: Any) -> list[dict[str, str]]:
    """eGRID subregion output emission rates (lb/MWh) and grid gross loss fractions."""
    out = []
    groups: list[tuple[int, str]] = []
    head: dict[str, int] = {}
    gas_cols: dict[int, str] = {}
    loss_col = None
    for rn, v in _body(rows):
        labels = [clean(x) for x in v]
        if any("Emission Factors" in x for x in labels):
            groups = [(i, x) for i, x in enumerate(labels) if x]
            continue
        if "eGRID Subregion Acronym" in labels or "eGRID Subregion" in labels:
            head = {h: i for i, h in enumerate(labels) if h}
            if "eGRID Subregion Acronym" not in head:  # 2021: one 'AKGD (ASCC Alaska Grid)' cell
                head["eGRID Subregion Acronym"] = head["eGRID Name"] = head["eGRID Subregion"]
            else:
                head["eGRID Name"] = head["eGRID Subregion Name"]
            gas_cols = {
                i: m.group(1)
                for i, x in enumerate(labels)
                if (m := re.match(r"(CO2|CH4|N2O) Factor", x))
            }
            loss_col = next((i for i, x in enumerate(labels) if "Grid Gross Loss" in x), None)
            continue
        if not head:
            continue
        acr = clean(cell(v, head["eGRID Subregion Acronym"]))
        name = clean(cell(v, head["eGRID Name"]))
        if not acr or acr.startswith("("):
            continue
        m = re.fullmatch(r"([A-Z]{4}) \((.+)\)", name)  # 2021/2023: 'AKGD (ASCC Alaska Grid)'
        if m:
            acr, name = m.group(1), m.group(2)
        region = "US" if acr.lower().startswith("us") else acr
        for c, gas in gas_cols.items():
            val = to_number(cell(v, c))
            if val is None:
                continue
            group = next(
                (g for i, g in reversed(groups) if i <= c), "Total Output Emission Factors"
            )
            total = "non-baseload" not in group.lower()
            out.append(
                factor(
                    f"t6.{region}.{gas.lower()}"
                    if total
                    else f"t6.{region}.nonbaseload.{gas.lower()}",
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
                    verified=ok(6, gas if total else "non-baseload"),
                    notes=""
                    if total
                    else "non-baseload rate: for avoided-emission estimates, "
                    "not for inventories (EPA note)",
                )
            )
        if loss_col is not None and (val := to_number(cell(v, loss_col))) is not None:
            out.append(
                factor(
                    f"t6.{region}.grid_gross_loss",
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
                    verified=ok(6, "loss"),
                    notes="fraction (0.042 = 4.2%) although the header says %; Scope 3 "
                    "category 3 input, not for Scope 2",
                )
            )
    return out


def table7(title: str, rows: Rows, ok: Any) -> list[dict[str, str]]:
    """Purchased steam and heat per mmBtu."""
    out = []
    gas_cols: dict[int, tuple[str, str, str]] = {}
    for rn, v in _body(rows):
        found = {i: s for i, x in enumerate(v) if (s := _gas_header(x))}
        if found:
            gas_cols = found
            continue
        label = clean(cell(v, 2))
        for c, (num_unit, gas, per) in gas_cols.items():
            val = to_number(cell(v, c))
            if val is None or not label:
                continue
            act = slug(label)
            out.append(
                factor(
                    f"t7.{act}.{gas.lower()}",
                    title,
                    rn,
                    "steam_heat",
                    act,
                    gas,
                    val,
                    num_unit,
                    unit_token(per),
                    "mass",
                    region="US",
                    scope=2,
                    description=f"{label} | {num_unit} {gas} / {per}",
                    verified=ok(7, gas),
                    notes="natural gas at 80% thermal efficiency (EPA note)",
                )
            )
    return out


def table9(title: str, rows: Rows, ok: Any) -> list[dict[str, str]]:
    """Scope 3 category 5 waste, metric tons CO2e (AR4) per short ton by disposal route."""
    out = []
    routes: dict[int, str] = {}
    route_labels: dict[int, str] = {}
    for rn, v in _body(rows):
        labels = [clean(x) for x in v]
        if cell(labels, 2) == "Material":
            for i, x in enumerate(labels[3:], start=3):
                if x:
                    key = strip_footnote(x).lower().replace("  ", " ")
                    routes[i] = WASTE_ROUTES[key]
                    route_labels[i] = strip_footnote(x)
            continue
        if not routes or not labels[2]:
            continue
        material = labels[2]
        for c, route in routes.items():
            val = to_number(cell(v, c))
            if val is None:
                continue
            act = f"{slug(material)}_{route}"
            out.append(
                factor(
                    f"t9.{slug(material)}.{route}",
                    title,
                    rn,
                    "waste",
                    act,
                    "CO2e",
                    val,
                    "metric_ton",
                    "short_ton",
                    "co2e:AR4",
                    region="US",
                    scope=3,
                    description=f"{material} | {route_labels[c]} | metric tons CO2e / short ton",
                    verified=ok(9, "CO2e"),
                    notes="AR4 GWPs (EPA note); excludes avoided emissions; includes transport",
                )
            )
    return out


def _gas_name(name: str, formula: str) -> str:
    """Use the formula for named gases (Methane -> CH4) and the designation otherwise."""
    return formula if not re.search(r"\d", name) and formula else name


def table11(
    title: str, rows: Rows, edition: str, ok: Any, gwp_set: str = "AR5"
) -> list[dict[str, str]]:
    """GWPs as the Hub lists them (AR5 from 2024; AR4 in 2021 and 2023).

    Columns are found by header: 2024 on has (name, formula, GWP); 2021 and 2023 have only
    ('Gas', '100-Year GWP'), the gas given by formula or designation. A GWP printed as a
    bound ('>7,500') is not a value and is left out.
    """
    out = []
    cols = (2, 3, 4)
    for rn, v in _body(rows):
        labels = [clean(x) for x in v]
        if "100-Year GWP" in labels:
            g = labels.index("100-Year GWP")
            f = labels.index("Chemical Formula") if "Chemical Formula" in labels else None
            cols = (2, f, g)
            continue
        name = clean(cell(v, cols[0]))
        formula = clean(cell(v, cols[1])) if cols[1] is not None else ""
        gwp = to_number(cell(v, cols[2]))
        if gwp is None or not name:
            continue
        if gwp_set == "AR5":
            note = f"listed as {name}; IPCC AR5 Table 8.A.1" if name != formula else "IPCC AR5"
        else:
            note = f"IPCC {gwp_set} (2007) as the Hub lists it"
        out.append(
            {
                "gas": _gas_name(name, formula) if formula else name,
                "formula": formula,
                "gwp100": fmt_num(gwp),
                "source": f"US EPA GHG Emission Factors Hub {edition}, {title}, row {rn}",
                "verified": "true" if ok(11, "") else "false",
                "notes": note,
            }
        )
    return out


def _check_gwp_set(file: str, title: str, rows: Rows, gwp_set: str) -> None:
    """Refuse an edition whose Table 11 source note names another GWP set than EDITIONS.

    dataset.toml's gwp_set decides how the engine weights CH4 and N2O, so it must be the
    set the Hub itself says it lists ('... IPCC Fourth Assessment Report (AR4), 2007').
    """
    for rn, v in rows:
        text = clean(cell(v, 2))
        if not text.startswith("Source"):
            continue
        # the set the values come from: 'from IPCC Fourth Assessment Report (AR4)' or
        # 'from IPCC AR5'; later sentences may mention other reports (2021: AR5 is newer)
        m = re.search(r"\((AR[4-6])\)", text) or re.search(r"\bIPCC (AR[4-6])\b", text)
        if m and m.group(1) != gwp_set:
            raise ValueError(
                f"{file}: {title} row {rn} names {m.group(1)} but the edition is configured "
                f"as {gwp_set}"
            )


def parse_composition(text: str) -> list[tuple[str, float]]:
    """'44% HFC-125 , 4% HFC-134a' -> [('HFC-125', 0.44), ('HFC-134a', 0.04)]."""
    parts = []
    for m in re.finditer(r"([\d.]+)%\s*([^,]+)", text):
        parts.append((clean(m.group(2)), round(float(m.group(1)) / 100, 6)))
    return parts


def table12(title: str, rows: Rows) -> list[tuple[int, str, float, str]]:
    """(row, ASHRAE number, GWP, composition text) for each blend."""
    out = []
    for rn, v in _body(rows):
        name, gwp, comp = clean(cell(v, 2)), to_number(cell(v, 3)), clean(cell(v, 4))
        if name.startswith("R-") and gwp is not None:
            out.append((rn, name, gwp, comp))
    return out


def read_blends(
    source_dir: Path, edition: str = "2025"
) -> tuple[str, list[tuple[int, str, float, str]]]:
    """Table 12 of a Hub edition; used by the GWP and healthcare builders for compositions."""
    path = source_dir / SOURCE_FOLDER / EDITIONS[edition]["file"]
    tables = split_tables(load_sheet(path))
    title, rows = tables[12]
    return title, table12(title, rows)


def extract(source_dir: Path, out_dir: Path, edition: str) -> dict[str, int]:
    """Build factors/epa-ghg-hub/<edition>/ from the Hub workbook."""
    meta = EDITIONS[edition]
    path = source_dir / SOURCE_FOLDER / meta["file"]
    tables = split_tables(load_sheet(path))
    vt = meta["verified_tables"]

    def ok(n: int, gas: str) -> bool:
        return vt is None or n in vt or f"{n}:{gas}" in vt

    gwp_set = meta.get("gwp_set", "AR5")

    def parsed(n: int, title: str, found: list[Any]) -> list[Any]:
        # A table whose layout the parser does not recognise must stop the build, never
        # vanish from the library (older editions word their headers differently).
        if not found:
            raise ValueError(
                f"{path.name}: {title} yielded no rows; its layout is not recognised "
                f"(compare its header rows with the 2024 edition's)"
            )
        return found

    rows: list[dict[str, str]] = []
    for n, (title, trows) in sorted(tables.items()):
        if n == 1:
            rows += parsed(n, title, table1(title, trows, ok))
        elif n == 2:
            rows += parsed(n, title, table2(title, trows, ok))
        elif n in (3, 4, 5, 8, 10):
            rows += parsed(n, title, vehicle_table(n, title, trows, ok))
        elif n == 6:
            rows += parsed(n, title, table6(title, trows, ok))
        elif n == 7:
            rows += parsed(n, title, table7(title, trows, ok))
        elif n == 9:
            rows += parsed(n, title, table9(title, trows, ok))
    if 11 in tables:
        _check_gwp_set(path.name, *tables[11], gwp_set)
    gwps = (
        parsed(11, tables[11][0], table11(*tables[11], edition, ok, gwp_set))
        if 11 in tables
        else []
    )
    if 12 in tables:
        parsed(12, tables[12][0], table12(*tables[12]))
    blends = [
        {
            "gas": name,
            "formula": comp,
            "gwp100": fmt_num(gwp),
            "source": f"US EPA GHG Emission Factors Hub {edition}, {tables[12][0]}, row {rn}",
            "verified": "true" if ok(12, "") else "false",
            "notes": f"{gwp_set}; HFC and PFC constituents only (EPA note); composition per "
            "epa.gov/snap/compositions-refrigerant-blends",
        }
        for rn, name, gwp, comp in (table12(*tables[12]) if 12 in tables else [])
    ]
    dest = out_dir / "epa-ghg-hub" / edition
    counts = {
        "emission_factors.csv": write_factors(dest / "emission_factors.csv", rows),
        "gwp.csv": write_csv(dest / "gwp.csv", GWP_COLUMNS, gwps, unique="gas"),
        "refrigerant_blends.csv": write_csv(
            dest / "refrigerant_blends.csv",
            GWP_COLUMNS,
            blends,
            sort_key=lambda r: r["gas"],
            unique="gas",
        ),
    }
    _write_meta(dest, edition, meta, path, tables, rows, gwps + blends)
    return counts


def _write_meta(
    dest: Path,
    edition: str,
    meta: dict[str, Any],
    path: Path,
    tables: dict[int, tuple[str, Rows]],
    rows: Sequence[dict[str, str]],
    gwp_rows: Sequence[dict[str, str]],
) -> None:
    gwp = meta.get("gwp_set", "AR5")
    gwp_values = {"AR4": "CH4 25, N2O 298", "AR5": "CH4 28, N2O 265"}[gwp]
    unverified = unverified_ids(rows) + [
        f"gwp:{r['gas']}" for r in gwp_rows if r["verified"] == "false"
    ]
    data = {
        "dataset": {
            "id": f"epa-ghg-hub/{edition}",
            "title": "US EPA GHG Emission Factors Hub",
            "publisher": "U.S. Environmental Protection Agency, Center for Corporate Climate Leadership",
            "edition": edition,
            "year": int(edition),
            "published": meta["published"],
            "url": "https://www.epa.gov/climateleadership/ghg-emission-factors-hub",
            "download_url": meta["url"],
            "licence": "US Government work, public domain in the United States (17 U.S.C. 105); "
            "EPA states no licence on the file",
            "gwp_set": meta.get("gwp_set", "AR5"),
            "electricity_data_year": meta["egrid_year"],
            **source_record(path, meta["sha256"]),
            **({"copied_from": meta["copied_from"]} if "copied_from" in meta else {}),
            "extracted_by": "greencare.factorbuild",
            "tables": [t for _, (t, _) in sorted(tables.items())],
            "activity_types": sorted({r["activity_type"] for r in rows}),
            "notes": (
                f"Tables 1-8 and 10 are gas-by-gas masses (basis=mass); convert with the {gwp} GWPs "
                f"the Hub recommends ({gwp_values}). Table 9 (waste) is already CO2e on an AR4 "
                f"basis (basis=co2e:AR4). Tables 11-12 are {gwp} GWPs. Electricity (Table 6) is "
                f"{meta['egrid']}. Values are the workbook cells normalised to 15 significant "
                "digits. Per-unit tokens the engine must define besides pint's: MMBtu, scf, "
                "US_gallon, vehicle_mile, passenger_mile, short_ton_mile. Grid gross loss rows "
                "are fractions (unit dimensionless, basis ratio). heat_content rows give the "
                "Hub's default HHV (MMBtu per physical unit)."
            ),
        },
        "files": {
            "emission_factors": factor_file_doc(
                "Tables 1-10: stationary and mobile combustion, eGRID electricity, steam and "
                "heat, Scope 3 transport, waste and business travel"
            ),
            "gwp": gwp_file_doc(f"Table 11: 100-year GWPs as the Hub lists them (IPCC {gwp})"),
            "refrigerant_blends": gwp_file_doc(
                f"Table 12: GWPs of blended refrigerants ({gwp}); formula = blend composition "
                "by mass"
            ),
        },
        "unverified": unverified,
        "unverified_note": (
            "verified=false marks values SOURCES.md flags; none are flagged for this edition. "
            if meta["verified_tables"] is None
            else "verified=false marks values no second source was compared with (this "
            "edition rests on one copy); none are flagged. "
        )
        + "What was cross-checked: "
        + meta["checked"],
    }
    write_toml(dest / "dataset.toml", data)
