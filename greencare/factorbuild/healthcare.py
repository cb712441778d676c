"""Healthcare physical data -> factors/healthcare/2026/.

There is no workbook for these: anaesthetic densities and bottle sizes, nitrous oxide per
cylinder litre and per-inhaler footprints are written from the documented table below, with a
source on every row. Refrigerant blend compositions are read from EPA Hub 2025 Table 12.
"""

from __future__ import annotations

from pathlib import Path

from . import epa_hub
from .common import fmt_num, write_csv, write_toml

PHYSICAL_COLUMNS = (
    "item_id",
    "category",
    "item",
    "quantity",
    "value",
    "unit",
    "per_unit",
    "gwp_set",
    "source",
    "verified",
    "notes",
)
COMPOSITION_COLUMNS = ("blend", "component", "mass_fraction", "source", "verified", "notes")

NOTES_SRC = "greencare research notes (docs: domain.md), publisher not confirmed"
DENSITY_SRC = f"typical manufacturer product-information value; {NOTES_SRC}"
NHS_SRC = "NHS England (Greener NHS), Emissions Recipe Book: nitrous oxide kg per nominal litre"
INHALER_SRC = (
    "Wilkinson et al., BMJ Open 2019 (costs of switching to low-GWP inhalers) and "
    "greeninhaler.org, as summarised in greencare research notes"
)

ISOFLURANE_SRC = (
    "Isoflurane, USP product label (Halocarbon Life Sciences, NDC 12164-012; Piramal Critical "
    "Care, NDC 66794-020), DESCRIPTION: specific gravity 25/25 C 1.496; "
    "dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=e8e57cd7-b662-4e1c-beda-e73a4b3d16ae"
)
#: Specific gravity 25/25 C is relative to water at 25 C, so the density is SG x 0.997047 g/mL.
ISOFLURANE_DENSITY = round(1.496 * 0.997047, 4)  # 1.4916
#: Rows confirmed from a primary source read for this build.
VERIFIED_PHYSICAL = frozenset({"isoflurane.density"})

# (item_id, category, item, quantity, value, unit, per_unit, gwp_set, source, notes)
PHYSICAL: list[tuple[str, str, str, str, float, str, str, str, str, str]] = [
    (
        "desflurane.density",
        "anesthetic",
        "desflurane",
        "liquid_density",
        1.465,
        "g",
        "mL",
        "",
        DENSITY_SRC,
        "approximate (about 1.465 g/mL at 20 C); kg = mL x density / 1000",
    ),
    (
        "sevoflurane.density",
        "anesthetic",
        "sevoflurane",
        "liquid_density",
        1.52,
        "g",
        "mL",
        "",
        DENSITY_SRC,
        "approximate",
    ),
    (
        "isoflurane.density",
        "anesthetic",
        "isoflurane",
        "liquid_density",
        ISOFLURANE_DENSITY,
        "g",
        "mL",
        "",
        ISOFLURANE_SRC,
        "specific gravity 1.496 (25/25 C) x density of water at 25 C 0.997047 g/mL "
        "(IAPWS-95) = 1.4916 g/mL",
    ),
    (
        "desflurane.bottle_240ml",
        "anesthetic",
        "desflurane",
        "bottle_volume",
        240,
        "mL",
        "bottle",
        "",
        NOTES_SRC,
        "standard bottle",
    ),
    (
        "sevoflurane.bottle_250ml",
        "anesthetic",
        "sevoflurane",
        "bottle_volume",
        250,
        "mL",
        "bottle",
        "",
        NOTES_SRC,
        "standard bottle",
    ),
    (
        "isoflurane.bottle_100ml",
        "anesthetic",
        "isoflurane",
        "bottle_volume",
        100,
        "mL",
        "bottle",
        "",
        NOTES_SRC,
        "one of two common sizes",
    ),
    (
        "isoflurane.bottle_250ml",
        "anesthetic",
        "isoflurane",
        "bottle_volume",
        250,
        "mL",
        "bottle",
        "",
        NOTES_SRC,
        "one of two common sizes",
    ),
    (
        "nitrous_oxide.kg_per_nominal_litre",
        "anesthetic",
        "nitrous_oxide",
        "mass_per_nominal_cylinder_litre",
        0.0018,
        "kg",
        "litre",
        "",
        NHS_SRC,
        "kg N2O = nominal cylinder litres x 0.0018, less cylinders returned unused; "
        "GWP is that of N2O; value not re-checked against the Recipe Book here",
    ),
    (
        "pmdi_hfa134a_small.low",
        "inhaler",
        "pmdi_hfa134a_small",
        "kg_co2e_per_inhaler_low",
        8.7,
        "kg",
        "inhaler",
        "",
        INHALER_SRC,
        "published kg CO2e per inhaler (not propellant grams); small-volume salbutamol pMDI; "
        "range low end; GWP set not stated in the notes",
    ),
    (
        "pmdi_hfa134a_small.high",
        "inhaler",
        "pmdi_hfa134a_small",
        "kg_co2e_per_inhaler_high",
        11.1,
        "kg",
        "inhaler",
        "",
        INHALER_SRC,
        "published kg CO2e per inhaler; range high end",
    ),
    (
        "pmdi_hfa134a_large.ar5",
        "inhaler",
        "pmdi_hfa134a_large",
        "kg_co2e_per_inhaler",
        25,
        "kg",
        "inhaler",
        "AR5",
        INHALER_SRC,
        "large-volume HFA-134a pMDI (e.g. Ventolin); approx.",
    ),
    (
        "pmdi_hfa134a_large.ar6",
        "inhaler",
        "pmdi_hfa134a_large",
        "kg_co2e_per_inhaler",
        31.5,
        "kg",
        "inhaler",
        "AR6",
        INHALER_SRC,
        "large-volume HFA-134a pMDI; approx.",
    ),
    (
        "pmdi_hfa227ea.ar5",
        "inhaler",
        "pmdi_hfa227ea",
        "kg_co2e_per_inhaler",
        36.5,
        "kg",
        "inhaler",
        "AR5",
        INHALER_SRC,
        "HFA-227ea combination pMDI; approx.",
    ),
    (
        "pmdi_hfa227ea.ar6",
        "inhaler",
        "pmdi_hfa227ea",
        "kg_co2e_per_inhaler",
        39,
        "kg",
        "inhaler",
        "AR6",
        INHALER_SRC,
        "HFA-227ea combination pMDI; approx.",
    ),
    (
        "dpi.low",
        "inhaler",
        "dpi",
        "kg_co2e_per_inhaler_low",
        0.36,
        "kg",
        "inhaler",
        "",
        INHALER_SRC,
        "dry-powder inhaler; life-cycle footprint, no propellant; range low end",
    ),
    (
        "dpi.high",
        "inhaler",
        "dpi",
        "kg_co2e_per_inhaler_high",
        1.25,
        "kg",
        "inhaler",
        "",
        INHALER_SRC,
        "dry-powder inhaler; range high end",
    ),
]


def physical_rows() -> list[dict[str, str]]:
    """The documented table above as CSV rows; none is confirmed from a primary source file."""
    return [
        {
            "item_id": i,
            "category": c,
            "item": it,
            "quantity": q,
            "value": fmt_num(v),
            "unit": u,
            "per_unit": pu,
            "gwp_set": g,
            "source": s,
            "verified": "true" if i in VERIFIED_PHYSICAL else "false",
            "notes": n,
        }
        for i, c, it, q, v, u, pu, g, s, n in PHYSICAL
    ]


ASHRAE34_SRC = (
    "ANSI/ASHRAE Standard 34 (Designation and Safety Classification of Refrigerants), "
    "nominal composition by mass of the designated blend"
)
#: Blends hospitals run that EPA Hub 2025 Table 12 does not list: (blend, [(component,
#: fraction)], notes). Not read from a workbook here, so verified=false; each note gives the
#: published blend GWP the split reproduces as a cross-check.
ASHRAE34_BLENDS: list[tuple[str, list[tuple[str, float]], str]] = [
    (
        "R-448A",
        [
            ("HFC-32", 0.26),
            ("HFC-125", 0.26),
            ("HFO-1234yf", 0.20),
            ("HFC-134a", 0.21),
            ("HFO-1234ze(E)", 0.07),
        ],
        "R-32/125/1234yf/134a/1234ze(E) 26/26/20/21/7",
    ),
    (
        "R-449A",
        [("HFC-32", 0.243), ("HFC-125", 0.247), ("HFO-1234yf", 0.253), ("HFC-134a", 0.257)],
        "R-32/125/1234yf/134a 24.3/24.7/25.3/25.7",
    ),
    (
        "R-454B",
        [("HFC-32", 0.689), ("HFO-1234yf", 0.311)],
        "R-32/1234yf 68.9/31.1; AR5 GWP 0.689 x 677 = 466",
    ),
    (
        "R-513A",
        [("HFO-1234yf", 0.56), ("HFC-134a", 0.44)],
        "R-1234yf/134a 56/44 (azeotrope); AR5 GWP 0.44 x 1300 = 572",
    ),
    (
        "R-514A",
        [("HFO-1336mzz(Z)", 0.747), ("trans-1,2-dichloroethylene", 0.253)],
        "R-1336mzz(Z)/1130(E) 74.7/25.3 (azeotrope); no HFC or PFC constituent",
    ),
]


def ashrae34_rows() -> list[dict[str, str]]:
    """The documented ASHRAE 34 blends above as composition rows."""
    return [
        {
            "blend": blend,
            "component": component,
            "mass_fraction": fmt_num(fraction),
            "source": ASHRAE34_SRC,
            "verified": "false",
            "notes": notes,
        }
        for blend, parts, notes in ASHRAE34_BLENDS
        for component, fraction in parts
    ]


def composition_rows(source_dir: Path) -> list[dict[str, str]]:
    """Mass fractions of every blend in EPA Hub 2025 Table 12, then the ASHRAE 34 extras."""
    title, blends = epa_hub.read_blends(source_dir, "2025")
    out = []
    for rn, name, _gwp, comp in blends:
        for component, fraction in epa_hub.parse_composition(comp):
            out.append(
                {
                    "blend": name,
                    "component": component,
                    "mass_fraction": fmt_num(fraction),
                    "source": f"US EPA GHG Emission Factors Hub 2025, {title}, row {rn} "
                    "(epa.gov/snap/compositions-refrigerant-blends)",
                    "verified": "true",
                    "notes": "",
                }
            )
    listed = {r["blend"] for r in out}
    out += [r for r in ashrae34_rows() if r["blend"] not in listed]
    return out


def extract(source_dir: Path, out_dir: Path, edition: str = "2026") -> dict[str, int]:
    """Write factors/healthcare/2026/."""
    dest = out_dir / "healthcare" / edition
    phys = physical_rows()
    comps = composition_rows(source_dir)
    counts = {
        "physical.csv": write_csv(dest / "physical.csv", PHYSICAL_COLUMNS, phys, unique="item_id"),
        "refrigerant_compositions.csv": write_csv(
            dest / "refrigerant_compositions.csv",
            COMPOSITION_COLUMNS,
            comps,
            sort_key=lambda r: (r["blend"], r["component"]),
        ),
    }
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"healthcare/{edition}",
                "title": "Healthcare physical data: anaesthetic agents, nitrous oxide, inhalers, "
                "refrigerant blends",
                "publisher": "greencare (compiled; sources per row)",
                "edition": edition,
                "year": int(edition),
                "published": edition,
                "url": "https://www.epa.gov/snap/compositions-refrigerant-blends",
                "licence": "compilation CC0; refrigerant compositions from a US Government work",
                "gwp_set": "none",
                "source_file": "none (documented table in greencare/factorbuild/healthcare.py) and "
                "ghg-emission-factors-hub-2025.xlsx Table 12 for compositions",
                "extracted_by": "greencare.factorbuild",
                "notes": (
                    "Physical data, not emission factors: combine with a GWP edition. Anaesthetic "
                    "kg = mL x density / 1000; t CO2e = kg x GWP / 1000. Inhaler rows are published "
                    "kg CO2e per inhaler (quantity kg_co2e_per_inhaler*, gwp_set where stated), NOT "
                    "grams of propellant: no published propellant mass per product was available "
                    "to the build. No soft-mist inhaler (smi) value was available; it is omitted. "
                    "Item keys follow greencare.core.vocab.HEALTHCARE_ITEMS."
                ),
            },
            "files": {
                "physical": {
                    "description": "densities, bottle sizes, N2O per cylinder litre, per-inhaler "
                    "footprints",
                    "columns": {
                        "item_id": "unique id",
                        "category": "anesthetic or inhaler",
                        "item": "vocabulary key (desflurane, pmdi_hfa134a_small, ...)",
                        "quantity": "what value measures",
                        "value": "number",
                        "unit": "numerator unit (pint)",
                        "per_unit": "denominator unit (pint)",
                        "gwp_set": "GWP set behind a CO2e value, empty if none/not stated",
                        "source": "publication",
                        "verified": "true if confirmed from a primary source file",
                        "notes": "free text",
                    },
                },
                "refrigerant_compositions": {
                    "description": "mass fraction of each constituent of each blend",
                    "columns": {
                        "blend": "ASHRAE number",
                        "component": "constituent designation",
                        "mass_fraction": "fraction by mass (0-1)",
                        "source": "EPA Hub table row",
                        "verified": "true: read from the EPA Hub workbook; false: an ASHRAE 34 nominal "
                        "composition not read from the standard here",
                        "notes": "free text",
                    },
                },
            },
            "unverified": [f"physical:{r['item_id']}" for r in phys if r["verified"] != "true"]
            + sorted({f"composition:{r['blend']}" for r in comps if r["verified"] != "true"}),
            "unverified_note": "physical.csv rows are verified=false except the isoflurane "
            "density (read from the Isoflurane, USP product label): the other densities and "
            "bottle sizes are marked (verify) in the research notes, and the N2O and inhaler "
            "values were not checked against the NHS Recipe Book / BMJ Open paper from here. "
            "Compositions are confirmed from EPA Hub 2025 Table 12 (the notes asked to verify "
            "them against ASHRAE 34); the blends Table 12 does not list (R-448A, R-449A, R-454B, "
            "R-513A, R-514A) are ASHRAE 34 nominal compositions not read from the standard here.",
        },
    )
    return counts
