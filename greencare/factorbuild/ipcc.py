"""IPCC GWP100 tables (AR4, AR5, AR6) -> factors/ipcc-gwp/<edition>/gwp.csv.

AR4/AR5 come from the openclimatedata CSV (GHG Protocol 2016 table), AR6 from the Table 7.SM.7
CSV. Anaesthetic and refrigerant aliases and refrigerant-blend GWPs are added so the engine can
look up "desflurane" or "R-410A" directly; blends are mass-weighted sums computed here from the
compositions in EPA Hub Table 12.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from . import epa_hub
from .common import GWP_COLUMNS, fmt_num, gwp_file_doc, source_record, write_csv, write_toml

SOURCE_FOLDER = "ipcc-gwp100"
OCD_FILE = "globalwarmingpotentials.csv"
OCD_SHA = "9b80412cb5aeeb91038ef84145a10cdab0ab202cbb623cb14d2ec35ec2454f36"
SM_FILE = "metrics_supplement_cleaned.csv"
SM_SHA = "584fe16c1ffe454a0db4656857f54176cbf290d55a6775ea4e060ae2f461930c"

OCD_SOURCE = (
    "openclimatedata/globalwarmingpotentials v0.13.1 globalwarmingpotentials.csv "
    "(GHG Protocol GWP table Feb 2016; IPCC {ar} WG1)"
)
SM_SOURCE = "IPCC AR6 WG1 Table 7.SM.7 (chrisroadmap/ar6 metrics_supplement_cleaned.csv)"

# openclimatedata spells PFCs by formula; the industry uses PFC numbers.
PFC_NAMES = {
    "CF4": "PFC-14",
    "C2F6": "PFC-116",
    "C3F8": "PFC-218",
    "cC4F8": "PFC-318",
    "C4F10": "PFC-31-10",
    "C5F12": "PFC-41-12",
    "C6F14": "PFC-51-14",
    "C10F18": "PFC-91-18",
}
SPECIAL = {"HFC4310mee": "HFC-43-10mee", "CH4": "CH4", "N2O": "N2O"}

#: alias -> designation; the alias row repeats the designation's value.
ALIASES = {
    "desflurane": "HFE-236ea2",
    "isoflurane": "HCFE-235da2",
    "sevoflurane": "HFE-347mmz1",
    "HFA-134a": "HFC-134a",
    "HFA-227ea": "HFC-227ea",
    "R-22": "HCFC-22",
    "R-23": "HFC-23",
    "R-32": "HFC-32",
    "R-125": "HFC-125",
    "R-134a": "HFC-134a",
    "R-143a": "HFC-143a",
    "R-152a": "HFC-152a",
    "R-227ea": "HFC-227ea",
}

#: Values in no shipped data file (SOURCES.md caveats 1 and 3): kept, but verified=false.
UNVERIFIED_EXTRAS: dict[str, list[tuple[str, str, float, str, str]]] = {
    "ar5": [
        (
            "HFE-347mmz1",
            "(CF3)2CHOCH2F",
            216,
            "IPCC AR5 WG1 Table 8.A.1 via eCFR 40 CFR 98 "
            "Table A-1 and GHG Protocol table (third-party transcriptions)",
            "sevoflurane; no shipped data file contains it",
        ),
        (
            "CH4-fossil",
            "CH4",
            30,
            "GHG Protocol GWP table, August 2024 (third-party transcription)",
            "fossil methane incl. oxidation CO2; not backed by a shipped file",
        ),
    ],
    "ar6": [
        (
            "CH4-fossil",
            "CH4",
            29.8,
            "IPCC AR6 WG1 Table 7.15 (main text), via GHG Protocol "
            "August 2024 table (third-party transcription)",
            "not backed by a shipped data file; 7.SM.7 gives a single CH4 value 27.9",
        ),
        (
            "CH4-non-fossil",
            "CH4",
            27.0,
            "IPCC AR6 WG1 Table 7.15 (main text), via GHG Protocol "
            "August 2024 table (third-party transcription)",
            "not backed by a shipped data file",
        ),
    ],
}

#: Constituents EPA counts as zero in blend GWPs (HFC and PFC constituents only).
NON_KYOTO = re.compile(r"^(HCFC-|CFC-|propane|isobutane|butane|isopentane|propylene)", re.I)

EDITION_META = {
    "ar4": ("IPCC Fourth Assessment Report (AR4), WG1, 2007, Chapter 2, Table 2.14", 2007),
    "ar5": ("IPCC Fifth Assessment Report (AR5), WG1, 2013, Chapter 8, Table 8.A.1", 2013),
    "ar6": ("IPCC Sixth Assessment Report (AR6), WG1, 2021, Chapter 7, Table 7.SM.7", 2021),
}


def ocd_name(species: str) -> str:
    """'HFC134a' -> 'HFC-134a', 'CF4' -> 'PFC-14'."""
    if species in SPECIAL:
        return SPECIAL[species]
    if species in PFC_NAMES:
        return PFC_NAMES[species]
    m = re.fullmatch(r"(HFC|HCFC|CFC|HFE|HCFE|Halon)(\d.*)", species)
    return f"{m.group(1)}-{m.group(2)}" if m else species


def read_ocd(path: Path) -> list[tuple[int, str, dict[str, str]]]:
    """(line number, species, row) from the openclimatedata CSV, skipping '#' comments."""
    with path.open(encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Species,"))
    reader = csv.DictReader(lines[start:])
    return [(start + 2 + i, r["Species"], r) for i, r in enumerate(reader)]


def read_sm(path: Path) -> list[tuple[int, str, str, str, float]]:
    """(line, name, designation, formula, GWP100) from the AR6 7.SM.7 CSV."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=2):
            gwp = r.get("GWP100", "").strip()
            if not gwp:
                continue
            acr = r["Acronym"].strip()
            out.append(
                (
                    i,
                    r["Name"].strip(),
                    acr or r["Formula"].strip(),
                    r["Formula"].strip(),
                    float(gwp),
                )
            )
    return out


def build(source_dir: Path, edition: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Rows for one AR edition plus source records for dataset.toml."""
    folder = source_dir / SOURCE_FOLDER
    sm = read_sm(folder / SM_FILE)
    formulas = {name: formula for _, _, name, formula, _ in sm}
    rows: dict[str, dict[str, str]] = {}
    srcs: dict[str, Any] = {}
    if edition in ("ar4", "ar5"):
        srcs["ocd"] = source_record(folder / OCD_FILE, OCD_SHA)
        col = "AR4GWP100" if edition == "ar4" else "AR5GWP100"
        rows["CO2"] = _row("CO2", "CO2", 1, "by definition", "reference gas")
        for line, species, r in read_ocd(folder / OCD_FILE):
            if not r[col].strip():
                continue
            gas = ocd_name(species)
            rows[gas] = _row(
                gas,
                formulas.get(gas, species if gas != species else ""),
                float(r[col]),
                f"{OCD_SOURCE.format(ar=edition.upper())}, line {line}",
                f"listed as {species}" if gas != species else "",
            )
    else:
        srcs["sm"] = source_record(folder / SM_FILE, SM_SHA)
        ocd_ar6 = {ocd_name(s): r["AR6GWP100"] for _, s, r in read_ocd(folder / OCD_FILE)}
        for line, name, gas, formula, gwp in sm:
            if gas in rows:
                continue
            other = ocd_ar6.get(gas, "").strip()
            note = name
            if other and float(other) != gwp:
                note += f"; openclimatedata gives {other}"
            rows[gas] = _row(gas, formula, gwp, f"{SM_SOURCE}, line {line}", note)
        rows["SF6"]["verified"] = "false"
        rows["SF6"]["notes"] += (
            "; UNRESOLVED: GHG Protocol Aug 2024 table (third-party transcription) and EU F-gas "
            "Regulation 2024/573 are recalled to give 24300; check the IPCC PDF"
        )
    for gas, formula, gwp, source, note in UNVERIFIED_EXTRAS.get(edition, []):
        rows[gas] = _row(gas, formula, gwp, source, note, verified=False)
    for alias, target in ALIASES.items():
        if target in rows:
            t = rows[target]
            rows[alias] = {
                **t,
                "gas": alias,
                "notes": f"alias of {target}" + (f"; {t['notes']}" if t["notes"] else ""),
            }
    _add_blends(source_dir, edition, rows)
    return sorted(rows.values(), key=lambda r: r["gas"].lower()), srcs


def _row(
    gas: str, formula: str, gwp: float, source: str, notes: str = "", verified: bool = True
) -> dict[str, str]:
    return {
        "gas": gas,
        "formula": formula,
        "gwp100": fmt_num(gwp),
        "source": source,
        "verified": "true" if verified else "false",
        "notes": notes,
    }


def _add_blends(source_dir: Path, edition: str, rows: dict[str, dict[str, str]]) -> None:
    """Mass-weighted blend GWPs from EPA Hub 2025 Table 12 compositions."""
    title, blends = epa_hub.read_blends(source_dir, "2025")
    for rn, name, epa_gwp, comp in blends:
        parts = epa_hub.parse_composition(comp)
        counted = [(g, f) for g, f in parts if not NON_KYOTO.match(g)]
        if any(g not in rows for g, _ in counted):
            continue  # a constituent has no GWP in this edition: do not invent one
        total = round(sum(f * float(rows[g]["gwp100"]) for g, f in counted), 6)
        verified = all(rows[g]["verified"] == "true" for g, _ in counted)
        note = "mass-weighted sum of HFC/PFC constituents (EPA convention; HCFCs and "
        note += "hydrocarbons count as 0)"
        if edition == "ar5":
            same = round(total) == round(epa_gwp)
            note += f"; EPA Hub 2025 Table 12 lists {fmt_num(epa_gwp)}" + (
                " (agrees when rounded)" if same else " (DIFFERS)"
            )
        if edition == "ar5" and round(total) != round(epa_gwp):
            verified = False
        rows[name] = _row(
            name,
            comp,
            total,
            f"computed from this file's constituent GWPs; composition: US EPA GHG Emission "
            f"Factors Hub 2025, {title}, row {rn} (epa.gov/snap/compositions-refrigerant-blends)",
            note,
            verified=verified,
        )


def extract(source_dir: Path, out_dir: Path, edition: str) -> dict[str, int]:
    """Write factors/ipcc-gwp/<edition>/gwp.csv and dataset.toml."""
    rows, srcs = build(source_dir, edition)
    dest = out_dir / "ipcc-gwp" / edition
    n = write_csv(dest / "gwp.csv", GWP_COLUMNS, rows, unique="gas")
    title, year = EDITION_META[edition]
    main_src = srcs.get("ocd") or srcs["sm"]
    missing = {
        "ar4": "AR4 Table 2.14 has no desflurane, sevoflurane or HFE-347mmz1; they are left out "
        "(a third-party transcription shows 989 for desflurane under AR4: unverified, not used).",
        "ar5": "Sevoflurane (HFE-347mmz1) 216 and CH4-fossil 30 are in no shipped data file: "
        "verified=false.",
        "ar6": "SF6 25200 (7.SM.7) vs 24300 (GHG Protocol 2024 transcription) is unresolved: "
        "verified=false. CH4-fossil 29.8 / CH4-non-fossil 27.0 (Table 7.15) are in no shipped "
        "file: verified=false. The plain CH4 row is 7.SM.7's 27.9.",
    }[edition]
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"ipcc-gwp/{edition}",
                "title": f"IPCC 100-year global warming potentials ({edition.upper()})",
                "publisher": "Intergovernmental Panel on Climate Change (IPCC), Working Group I",
                "edition": edition.upper(),
                "year": year,
                "published": str(year),
                "url": {
                    "ar4": "https://www.ipcc.ch/report/ar4/wg1/",
                    "ar5": "https://www.ipcc.ch/site/assets/uploads/2018/02/WG1AR5_Chapter08_FINAL.pdf",
                    "ar6": "https://www.ipcc.ch/report/ar6/wg1/downloads/report/IPCC_AR6_WGI_Chapter07_SM.pdf",
                }[edition],
                "licence": "IPCC values (c) IPCC, reused as facts; machine-readable source "
                + ("CC0 1.0 (openclimatedata)" if "ocd" in srcs else "MIT (chrisroadmap/ar6)"),
                "gwp_set": edition.upper(),
                **main_src,
                "extracted_by": "greencare.factorbuild",
                "notes": f"{title}. GWP100 without climate-carbon feedback. Alias rows (desflurane, "
                "isoflurane, sevoflurane, HFA-134a, R-134a, ...) repeat their designation's value. "
                "Blend rows (R-404A, R-410A, ...) are computed here from EPA Hub 2025 Table 12 "
                "compositions, counting only HFC/PFC constituents as EPA does; blends with a "
                f"constituent missing from this edition are omitted. {missing}",
            },
            "files": {
                "gwp": gwp_file_doc(f"GWP100 values, {edition.upper()}, plus aliases and blends")
            },
            "unverified": sorted(r["gas"] for r in rows if r["verified"] == "false"),
        },
    )
    return {"gwp.csv": n}
