"""EPA Supply Chain GHG Emission Factors v1.3.0 (USEEIO, NAICS-6) -> factors/useeio/1.3/.

Spend-based Scope 3 factors, kg CO2e per 2022 USD (purchaser price). Only the CO2e file is
extracted: the by-gas file would be ~11 MB in the long schema (18,288 rows x 3 factors),
well over the ~3 MB budget for a committed CSV.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .common import factor, factor_file_doc, source_record, to_number, write_factors, write_toml

SOURCE_FOLDER = "us-epa-useeio-supply-chain-factors"
FILE = "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
SHA = "c7f508646ee091cb2218be65dec0e2bdb6143ba8511773d486c9e87f6df84177"

#: source column -> factor_id suffix / description
VARIANTS = {
    "Supply Chain Emission Factors with Margins": "with_margins",
    "Supply Chain Emission Factors without Margins": "without_margins",
    "Margins of Supply Chain Emission Factors": "margins",
}


def rows_from_csv(path: Path) -> list[dict[str, str]]:
    """Three factor rows (with, without margins, margins) per NAICS code."""
    out = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            code = r["2017 NAICS Code"].strip()
            title = r["2017 NAICS Title"].strip()
            unit = r["Unit"].strip()
            if not code:
                continue
            if unit != "kg CO2e/2022 USD, purchaser price":
                raise ValueError(f"{path.name} line {line}: unexpected unit {unit!r}")
            for col, suffix in VARIANTS.items():
                val = to_number(r[col])
                if val is None:
                    continue
                out.append(
                    factor(
                        f"{code}.{suffix}",
                        path.name,
                        line,
                        "spend",
                        code,
                        "CO2e",
                        val,
                        "kg",
                        "USD_2022",
                        "co2e:AR5",
                        region="US",
                        scope=3,
                        description=f"{title} | {col} | {unit}",
                        notes=f"USEEIO code {r['Reference USEEIO Code'].strip()}",
                    )
                )
    return out


def extract(source_dir: Path, out_dir: Path, edition: str = "1.3") -> dict[str, int]:
    """Write factors/useeio/1.3/."""
    path = source_dir / SOURCE_FOLDER / FILE
    rows = rows_from_csv(path)
    dest = out_dir / "useeio" / edition
    n = write_factors(dest / "emission_factors.csv", rows)
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"useeio/{edition}",
                "title": "Supply Chain Greenhouse Gas Emission Factors for US Industries and "
                "Commodities (USEEIO), by NAICS-6",
                "publisher": "U.S. EPA Office of Research and Development",
                "edition": "v1.3.0",
                "year": 2022,
                "published": "2024",
                "url": "https://pasteur.epa.gov/uploads/10.23719/1531143/" + FILE,
                "doi": "https://doi.org/10.23719/1531143 (inferred from the upload path)",
                "licence": "EPA ScienceHub licence (https://pasteur.epa.gov/license/sciencehub-"
                "license.html); US Government work, public domain in the US",
                "gwp_set": "AR5",
                **source_record(path, SHA),
                "extracted_by": "greencare.factorbuild",
                "activity_types": ["spend"],
                "notes": (
                    "kg CO2e per 2022 US dollar, purchaser price (per_unit USD_2022: deflate or "
                    "inflate spend to 2022 USD first; the price index is not included). "
                    "activity = 2017 NAICS code. Use the with_margins factor for what a hospital "
                    "pays; without_margins is cradle to factory gate; margins is transport, "
                    "wholesale and retail. Electricity, government and households are excluded by "
                    "design. year = 2022 is the dollar year of the factors. CO2e only: the by-GHG "
                    "file is not included (its long-schema CSV would be ~11 MB). GWP basis AR5 is "
                    "inferred by recomputing CO2e from the by-GHG file (max 1.1% difference), not "
                    "from EPA documentation."
                ),
            },
            "files": {
                "emission_factors": factor_file_doc(
                    "kg CO2e per 2022 USD by NAICS-6: with margins, without margins, margins"
                )
            },
            "unverified": [],
            "unverified_note": "Single-sourced: no second copy of the v1.3.0 CSV was found; it is "
            "internally consistent with the by-GHG file. AR5 basis inferred by recomputation.",
        },
    )
    return {"emission_factors.csv": n}
