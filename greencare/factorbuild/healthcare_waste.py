"""Healthcare waste emission factors -> factors/healthcare-waste/2021/.

Neither the EPA Hub nor DESNZ publishes factors for clinical waste (regulated medical waste,
sharps, pathological, pharmaceutical) by treatment route. Rizan et al. derived them from a
process-based footprint of the waste of three NHS hospitals; their abstract gives the figures
per tonne used here. No workbook exists, so rows are written from the table below.

Source: Rizan C, Bhutta MF, Reed M, Lillywhite R. "The carbon footprint of waste streams in a UK
hospital." Journal of Cleaner Production 286 (2021) 125446. doi:10.1016/j.jclepro.2020.125446.
Abstract: recycling 21-65 kg CO2e/t; low-temperature incineration with energy from waste
172-249 kg CO2e/t; autoclave decontamination then low-temperature incineration with energy from
waste 569 kg CO2e/t; high-temperature incineration 1,074 kg CO2e/t.
"""

from __future__ import annotations

from pathlib import Path

from .common import factor, factor_file_doc, write_factors, write_toml

TABLE = "Rizan et al. 2021, J Clean Prod 286:125446, abstract"
SOURCE_URL = "https://doi.org/10.1016/j.jclepro.2020.125446"

# (activity, kg CO2e per tonne, description, notes); activity = treatment route of clinical waste.
ROUTES: list[tuple[str, float, str, str]] = [
    (
        "clinical_high_temperature_incineration",
        1074,
        "high temperature incineration of clinical waste",
        "",
    ),
    (
        "clinical_autoclave_then_low_temperature_incineration",
        569,
        "autoclave decontamination then low temperature incineration with energy from waste",
        "greencare also applies it to autoclave then landfill and other alternative "
        "treatments, for want of a published route-specific figure (a proxy)",
    ),
    (
        "clinical_low_temperature_incineration_efw",
        172,
        "low temperature incineration with energy from waste (low end of 172-249)",
        "the abstract gives a range; greencare uses its low end",
    ),
    (
        "clinical_low_temperature_incineration_efw_high",
        249,
        "low temperature incineration with energy from waste (high end of 172-249)",
        "the high end of the published range, for sensitivity checks",
    ),
    ("clinical_recycling_low", 21, "recycling of hospital waste (low end of 21-65)", ""),
    ("clinical_recycling_high", 65, "recycling of hospital waste (high end of 21-65)", ""),
]


def extract(source_dir: Path, out_dir: Path, edition: str = "2021") -> dict[str, int]:
    """Write factors/healthcare-waste/2021/ (source_dir unused: no workbook exists)."""
    dest = out_dir / "healthcare-waste" / edition
    rows = [
        factor(
            f"rizan2021.{activity}",
            TABLE,
            "abstract",
            "waste",
            activity,
            "CO2e",
            value,
            "kg",
            "tonne",
            "co2e:unspecified",
            scope=3,
            description=description,
            verified=True,
            notes=notes,
        )
        for activity, value, description, notes in ROUTES
    ]
    count = write_factors(dest / "emission_factors.csv", rows)
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"healthcare-waste/{edition}",
                "title": "Carbon footprint of hospital waste streams (Rizan et al.)",
                "publisher": "Rizan, Bhutta, Reed, Lillywhite; Journal of Cleaner Production (Elsevier)",
                "edition": edition,
                "year": int(edition),
                "published": "2021-03-01",
                "url": SOURCE_URL,
                "licence": "figures quoted from the published abstract (facts); article © the authors",
                "gwp_set": "unspecified",
                "source_file": "none (the article's abstract; table in "
                "greencare/factorbuild/healthcare_waste.py)",
                "extracted_by": "greencare.factorbuild",
                "notes": (
                    "Process-based footprints per tonne of NHS hospital waste, including "
                    "transport and treatment. The GWP set behind them is not stated in the "
                    "abstract, so greencare does not re-base them to another set. Values "
                    "checked against the abstract as indexed by the British Library and the "
                    "University of Warwick (2026-11)."
                ),
            },
            "files": {
                "emission_factors": factor_file_doc(
                    "kg CO2e per tonne of clinical waste by treatment route"
                )
            },
            "unverified": [],
            "unverified_note": "All rows match the published abstract. Applying the autoclave "
            "figure to autoclave-then-landfill is greencare's proxy, noted on the row.",
        },
    )
    return {"emission_factors.csv": count}
