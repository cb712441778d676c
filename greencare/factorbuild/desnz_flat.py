"""UK BEIS/DESNZ GHG conversion factors, 2018-2023 flat files -> factors/desnz/<edition>/.

Before 2024 the editions greencare ships come as the "flat file" (one long table on the sheet
'Factors by Category': Scope, Level 1-4, Column Text, UOM, GHG, value). This reader turns each
row the engine uses into the same activity keys, factor ids and schema the full-set builder
(:mod:`greencare.factorbuild.desnz`) writes, so the engine needs no per-edition code: Level 1 is
the full set's worksheet, Level 2 and 3 its two label columns, UOM its unit and, for waste,
Column Text its disposal route.

GWP set: the 2018-2022 files are on IPCC AR4 GWPs, 2023 on AR5. The files themselves do not
name the set (only the 2023 front page mentions AR5); it is read off the numbers: from 2022 to
2023 every CO2 value of a fuel stays the same while its CH4 column grows by 28/25 and its N2O
column by 265/298 (AR5/AR4, e.g. gas oil per tonne CH4 3.29 -> 3.6848, N2O 36.99 -> 32.8938),
and the 2018-2021 CH4 and N2O columns are of the 2022 size, not the 2023 one (2021 and 2022
publish the same gas oil, fuel oil and LPG values). The 2018-2021 files label those columns 'kg CH4' and 'kg N2O', but their values
are CO2e (CO2 + CH4 + N2O = the 'kg CO2e' row), so they are read as 'kg CO2e of <gas>'.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from .common import (
    clean,
    factor,
    factor_file_doc,
    slug,
    source_record,
    to_number,
    unverified_ids,
    write_factors,
    write_toml,
)
from .desnz import ACTIVITY_LABELS, MOBILE_FUELS, ROUTES, SHEETS, SOURCE_FOLDER, UNITS, _col

FOLDER = "older-flat-files"
SHEET = "Factors by Category"

#: edition -> source file (as in older-flat-files/SOURCES.md), its SHA-256, version, GWP set.
EDITIONS: dict[str, dict[str, Any]] = {
    "2018": {
        "file": "beis_conversion-factors-2018-flat-file-v01-01.xls",
        "sha256": "52eaa49f8ad6c0eefab763accd2dbab8f7b588157a8ac23051698290857ddde8",
        "version": "1.01",
        "publisher": "BEIS",
        "gwp_set": "AR4",
        "original_name": "Conversion_factors_2018_-_Flat_file__for_automatic_processing_only__v01-01.xls",
        "copied_from": "TEC-Toolkit/cfkg @ edf7ff8b5c10a225a261c14b1502bd1ed038239c : BEIS-UK/data_raw/",
    },
    "2019": {
        "file": "beis_conversion-factors-2019-flat-file-v01-02.xls",
        "sha256": "e3f26947f1107e34c012281232dfb639230b677478258d31054bfc081a26bc6e",
        "version": "1.03",
        "publisher": "BEIS",
        "gwp_set": "AR4",
        "original_name": "conversion-factors-2019-flat-file-v01-02.xls",
        "copied_from": "TEC-Toolkit/cfkg @ edf7ff8b5c10a225a261c14b1502bd1ed038239c : BEIS-UK/data_raw/ (same git blob in hyperledger-labs/blockchain-carbon-accounting @ a53185cf7a2f0956e108a7b875142e86106e61c9 : data/)",
    },
    "2020": {
        "file": "beis_conversion-factors-2020-flat-file.xlsx",
        "sha256": "c47a39ecac3e7876b80d99e59b05b402bba068277d849ab53c522a3196d38146",
        "version": "1.0",
        "publisher": "BEIS",
        "gwp_set": "AR4",
        "original_name": "Conversion_Factors_2020_-_Flat_file__for_automatic_processing_only_.xlsx",
        "copied_from": "TEC-Toolkit/cfkg @ edf7ff8b5c10a225a261c14b1502bd1ed038239c : BEIS-UK/data_raw/ (same blob in hyperledger-labs/blockchain-carbon-accounting : data/)",
    },
    # Two copies of the 2021 v3.0 file exist; every cell is identical (only 25 bytes of container
    # metadata differ), so the cfkg copy is used, like the other years.
    "2021": {
        "file": "beis_conversion-factors-2021-flat-file_cfkg.xls",
        "sha256": "f232462f55fe8c9d6475f081688c477766350f2dbc757c65e6f653e4d349a787",
        "version": "3.0",
        "publisher": "BEIS",
        "gwp_set": "AR4",
        "original_name": "conversion-factors-2021-flat-file-automatic-processing.xls",
        "copied_from": "TEC-Toolkit/cfkg @ edf7ff8b5c10a225a261c14b1502bd1ed038239c : BEIS-UK/data_raw/",
    },
    "2022": {
        "file": "beis_ghg-conversion-factors-2022-flat-format.xls",
        "sha256": "c77abb4c9c000cf6b373d81098b6e7949193fe4857927708dc4cadfe0887e1b9",
        "version": "3.0",
        "publisher": "BEIS",
        "gwp_set": "AR4",
        "original_name": "ghg-conversion-factors-2022-flat-format.xls",
        "copied_from": "TEC-Toolkit/cfkg @ edf7ff8b5c10a225a261c14b1502bd1ed038239c : BEIS-UK/data_raw/",
    },
    "2023": {
        "file": "desnz_ghg-conversion-factors-2023-flat-file-update.xlsx",
        "sha256": "804885cb9d8f02bbb97dcd92b79ca294080ba892ba67e3c95fcfbae52af359a6",
        "version": "1.1",
        "publisher": "DESNZ",
        "gwp_set": "AR5",
        "original_name": "ghg-conversion-factors-2023-flat-file-update.xlsx",
        "copied_from": "TEC-Toolkit/cfkg @ edf7ff8b5c10a225a261c14b1502bd1ed038239c : DESNZ-UK/data_raw/",
    },
}

#: Flat-file Level 1 -> the full-set worksheet it corresponds to.
LEVEL1: dict[str, str] = {
    "Fuels": "Fuels",
    "UK electricity": "UK electricity",
    "Transmission and distribution": "Transmission and distribution",
    "Heat and steam": "Heat and steam",
    "WTT- fuels": "WTT- fuels",
    "WTT- UK & overseas elec": "WTT- UK electricity",
    "WTT- UK electricity": "WTT- UK electricity",
    "WTT- heat and steam": "WTT- heat and steam",
    "Water supply": "Water supply",
    "Water treatment": "Water treatment",
    "Waste disposal": "Waste disposal",
}

Rows = list[tuple[int, list[Any]]]


def load_flat(path: Path, sheet: str = SHEET) -> Rows:
    """(1-based row, values) of a worksheet, read with python-calamine (.xls and .xlsx)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "reading the DESNZ flat files needs python-calamine: pip install 'greencare[build]'"
        ) from exc
    book = CalamineWorkbook.from_path(str(path))
    if sheet not in book.sheet_names:
        raise ValueError(f"{path.name}: no sheet {sheet!r} (has: {', '.join(book.sheet_names)})")
    data = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [(i, list(v)) for i, v in enumerate(data, start=1)]


def gas_of(label: str) -> str | None:
    """'kg CO2e' -> CO2e; 'kg CH4' (2018-21), 'kg CO2e of CH4' (2022), '... per unit' -> CH4."""
    h = clean(label)
    if h == "kg CO2e":
        return "CO2e"
    m = re.fullmatch(r"kg (?:CO2e of )?(CO2|CH4|N2O)(?: per unit)?", h)
    return m.group(1) if m else None


def header(rows: Rows, name: str) -> tuple[int, dict[str, int], int]:
    """The header row: its index in rows, column of each label, and the value column."""
    for k, (rn, v) in enumerate(rows[:20]):
        labels = [clean(x) for x in v]
        if "Level 1" in labels and "Scope" in labels:
            cols = {x: i for i, x in enumerate(labels) if x}
            value = [i for i, x in enumerate(labels) if x.startswith("GHG Conversion Factor")]
            gas = "GHG" if "GHG" in cols else "GHG/Unit"
            missing = [c for c in ("Level 2", "Level 3", "UOM", gas) if c not in cols]
            if len(value) != 1 or missing:
                raise ValueError(f"{name} row {rn}: flat-file header lacks {missing or 'value'}")
            cols["GHG"] = cols[gas]
            return k, cols, value[0]
    raise ValueError(f"{name}: no header row with 'Scope' and 'Level 1' in the first 20 rows")


def parse_flat(rows: Rows, edition: str, name: str = SHEET) -> list[dict[str, str]]:
    """Every row of the flat table the engine's categories use, in the long schema."""
    start, cols, value_col = header(rows, name)
    if edition not in EDITIONS:  # the GWP set is per edition: never assumed
        raise ValueError(f"no DESNZ flat-file edition {edition!r}; known: {', '.join(EDITIONS)}")
    basis = f"co2e:{EDITIONS[edition]['gwp_set']}"
    out: list[dict[str, str]] = []

    def get(v: list[Any], col: str) -> str:
        i = cols.get(col, -1)
        return clean(v[i]) if 0 <= i < len(v) else ""

    for rn, v in rows[start + 1 :]:
        sheet = LEVEL1.get(get(v, "Level 1"))
        if sheet is None:
            continue
        level2, level3 = get(v, "Level 2"), get(v, "Level 3")
        if sheet == "WTT- UK electricity" and not level2.startswith("WTT- UK electricity"):
            continue  # the 2018-2022 sheet also holds overseas electricity
        val = to_number(v[value_col] if value_col < len(v) else None)
        if val is None:
            continue
        unit_label = get(v, "UOM")
        gas = gas_of(get(v, "GHG"))
        where = f"{name} row {rn}"
        if gas is None:
            raise ValueError(f"{where}: unknown GHG column {get(v, 'GHG')!r}")
        per = UNITS.get(unit_label.lower())
        if per is None:
            raise ValueError(f"{where}: unknown DESNZ unit {unit_label!r}")
        m = re.search(r"\d", get(v, "Scope"))
        scope: int | str = int(m.group()) if m else ""
        base = ACTIVITY_LABELS.get(level2) or slug(level3 or level2)
        net = "net cv" in unit_label.lower()
        atype = SHEETS[sheet]
        if sheet == "Fuels" and MOBILE_FUELS.match(level3):
            atype = "mobile_combustion"
        if sheet == "Transmission and distribution" and "heat" in level2.lower():
            atype = "steam_heat"
        desc = [get(v, "Level 1"), level2, level3]
        if sheet == "Waste disposal":
            route_label = get(v, "Column Text")
            route = ROUTES.get(route_label.lower())
            if route is None:
                raise ValueError(f"{where}: unknown waste route {route_label!r}")
            fid = f"{slug(sheet)}.{base}.{route}.{slug(unit_label)}"
            activity = f"{base}_{route}"
            desc.append(route_label)
        else:
            fid = f"{slug(sheet)}.{base}.{slug(unit_label)}.{gas.lower()}"
            activity = base + ("_net_cv" if net else "")
        notes = []
        if "cv" in unit_label.lower():
            notes.append(f"cv={'net' if net else 'gross'}")
        if per == "megalitre":
            notes.append("million litres")
        out.append(
            factor(
                fid,
                SHEET,
                rn,
                atype,
                activity,
                gas,
                val,
                "kg",
                per,
                basis,
                region="GB",
                scope=scope,
                description=" | ".join([*(x for x in desc if x), unit_label, _col(gas)]),
                notes="; ".join(notes),
            )
        )
    return check_gas_sums(out)


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text and "e" not in text else 0


def check_gas_sums(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Mark verified=false every factor whose CO2 + CH4 + N2O misses its own CO2e total.

    The per-gas columns and the total are published separately, each rounded; they must agree
    to within rounding of the last published digit (1.5 units of it). This is the one check a
    single copy of a file allows, and it is what confirms the 2018-2021 'kg CH4' columns are CO2e.
    """
    groups: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if r["activity_type"] != "waste":
            groups.setdefault(r["factor_id"].rsplit(".", 1)[0], []).append(r)
    for members in groups.values():
        by_gas = {r["gas"]: r for r in members}
        if set(by_gas) != {"CO2e", "CO2", "CH4", "N2O"}:
            continue
        parts = sum(float(by_gas[g]["value"]) for g in ("CO2", "CH4", "N2O"))
        total = float(by_gas["CO2e"]["value"])
        # 1.5 units of the last published digit, plus float noise for full-precision cells
        tol = 1.5 * 10 ** -max(_decimals(r["value"]) for r in members) + 1e-9 * abs(total)
        if abs(parts - total) > tol:
            for r in members:
                r["verified"] = "false"
                r["notes"] = "; ".join(
                    x for x in (r["notes"], "CO2 + CH4 + N2O differs from the CO2e total") if x
                )
    return rows


def front_page(path: Path) -> dict[str, Any]:
    """Version and update date as printed on the file's 'Front page' sheet."""
    found: dict[str, Any] = {}
    for _, v in load_flat(path, "Front page")[:30]:
        labels = [clean(x) for x in v]
        for i, x in enumerate(labels[:-1]):
            nxt = v[i + 1]
            if x == "Updated:" and "updated" not in found:
                found["updated"] = nxt.isoformat() if isinstance(nxt, dt.date) else clean(nxt)
            if x == "Version:" and "version" not in found:
                found["version"] = clean(nxt)
    return found


def extract(source_dir: Path, out_dir: Path, edition: str) -> dict[str, int]:
    """Build factors/desnz/<edition>/ from that year's flat file."""
    meta = EDITIONS[edition]
    path = source_dir / SOURCE_FOLDER / FOLDER / meta["file"]
    rows = parse_flat(load_flat(path), edition, f"{meta['file']} '{SHEET}'")
    page = front_page(path)
    dest = out_dir / "desnz" / edition
    n = write_factors(dest / "emission_factors.csv", rows)
    gwp = meta["gwp_set"]
    publisher = (
        "Department for Business, Energy & Industrial Strategy (BEIS) and Defra; produced by "
        "Ricardo Energy & Environment"
        if meta["publisher"] == "BEIS"
        else "Department for Energy Security and Net Zero (DESNZ) and Defra; produced by "
        "Ricardo Energy & Environment"
    )
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"desnz/{edition}",
                "title": "UK Government GHG Conversion Factors for Company Reporting (flat file)",
                "publisher": publisher,
                "edition": f"{edition} v{meta['version']}",
                "year": int(edition),
                "published": f"{page.get('updated', '')} (front page 'Updated:', version "
                f"{page.get('version', meta['version'])})",
                "url": "https://www.gov.uk/government/collections/government-conversion-factors-for-"
                "company-reporting",
                "licence": "Open Government Licence v3.0 (gov.uk standard; the file does not "
                "state it: confirm on gov.uk before redistributing)",
                "gwp_set": gwp,
                **source_record(path, meta["sha256"]),
                "original_name": meta["original_name"],
                "copied_from": meta["copied_from"],
                "source_folder": f"{SOURCE_FOLDER}/{FOLDER}",
                "extracted_by": "greencare.factorbuild",
                "sheets": [SHEET],
                "level1": list(LEVEL1),
                "activity_types": sorted({r["activity_type"] for r in rows}),
                "notes": (
                    f"Read from the flat file's '{SHEET}' sheet (source_row = its row); the "
                    "Level 1 categories listed above become the full-set worksheets of the "
                    "2024+ editions, with the same activity keys and factor ids. Every value is "
                    f"kg CO2e under IPCC {gwp} GWPs (DESNZ/BEIS use AR4 up to the 2022 edition "
                    "and AR5 from 2023; the files do not name the set: it follows from the 2022 "
                    "-> 2023 change of the CH4 and N2O columns by 28/25 and 265/298 with CO2 "
                    f"unchanged), so basis=co2e:{gwp} on every row. gas=CO2e is the total; "
                    "gas=CO2/CH4/N2O are the per-gas columns, already CO2e (2018-2021 label them "
                    "'kg CH4'/'kg N2O' but they add up to the 'kg CO2e' row). Only UK rows of "
                    "'WTT- UK & overseas elec' are kept. Units, calorific-value suffixes "
                    "(_net_cv, notes cv=net/gross), waste routes and the mobile/stationary split "
                    "of fuels follow the full-set builder (see desnz/2024 dataset.toml). "
                    "region=GB for all rows."
                ),
            },
            "files": {
                "emission_factors": factor_file_doc(
                    "Fuels, UK electricity, T&D, heat and steam, WTT, water and waste disposal factors"
                )
            },
            "unverified": unverified_ids(rows),
            "unverified_note": "verified=false marks factors whose CO2, CH4 and N2O columns do "
            "not add up to their own CO2e total within rounding of the last published digit "
            "(SOURCES.md flags no value). That sum is what was checked: each year is a single "
            "copy (2021: two byte-different copies with identical cells), not cross-checked "
            "against a second source.",
        },
    )
    return {"emission_factors.csv": n}
