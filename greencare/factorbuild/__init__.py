"""Build greencare's emission-factor library (``factors/``) from published source files.

One command regenerates every CSV so the library is reproducible and reviewable:
``python -m greencare.factorbuild SOURCE_DIR OUT_DIR [--only DATASET]``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import (
    desnz,
    economic,
    egrid,
    egrid_zip,
    energy,
    epa_hub,
    healthcare,
    healthcare_waste,
    ipcc,
    nclimdiv,
    useeio,
)

Builder = Callable[[Path, Path], dict[str, int]]

#: dataset/edition -> builder(source_dir, out_dir) returning row counts per file.
DATASETS: dict[str, Builder] = {
    "epa-ghg-hub/2025": lambda s, o: epa_hub.extract(s, o, "2025"),
    "epa-ghg-hub/2024": lambda s, o: epa_hub.extract(s, o, "2024"),
    "epa-ghg-hub/2023": lambda s, o: epa_hub.extract(s, o, "2023"),
    "epa-ghg-hub/2021": lambda s, o: epa_hub.extract(s, o, "2021"),
    "egrid/2021": lambda s, o: egrid.extract(s, o, "2021"),
    "egrid-zip/2023": lambda s, o: egrid_zip.extract(s, o, "2023"),
    "ipcc-gwp/ar4": lambda s, o: ipcc.extract(s, o, "ar4"),
    "ipcc-gwp/ar5": lambda s, o: ipcc.extract(s, o, "ar5"),
    "ipcc-gwp/ar6": lambda s, o: ipcc.extract(s, o, "ar6"),
    "desnz/2018": lambda s, o: desnz.extract_flat(s, o, "2018"),
    "desnz/2019": lambda s, o: desnz.extract_flat(s, o, "2019"),
    "desnz/2020": lambda s, o: desnz.extract_flat(s, o, "2020"),
    "desnz/2021": lambda s, o: desnz.extract_flat(s, o, "2021"),
    "desnz/2022": lambda s, o: desnz.extract_flat(s, o, "2022"),
    "desnz/2023": lambda s, o: desnz.extract_flat(s, o, "2023"),
    "desnz/2024": lambda s, o: desnz.extract(s, o, "2024"),
    "desnz/2025": lambda s, o: desnz.extract(s, o, "2025"),
    "desnz/2026": lambda s, o: desnz.extract(s, o, "2026"),
    "useeio/1.3": lambda s, o: useeio.extract(s, o, "1.3"),
    "healthcare/2026": lambda s, o: healthcare.extract(s, o, "2026"),
    "energy-star-pm/2023": lambda s, o: energy.extract(s, o, "2023"),
    "healthcare-waste/2021": lambda s, o: healthcare_waste.extract(s, o, "2021"),
    "economic-indices/2025": lambda s, o: economic.extract(s, o, "2025"),
    "noaa-nclimdiv/2025": lambda s, o: nclimdiv.extract(s, o, "2025"),
}


def build(source_dir: Path, out_dir: Path, only: str | None = None) -> dict[str, dict[str, int]]:
    """Run the selected builders; `only` is a dataset ('desnz') or an edition ('desnz/2025')."""
    selected = [k for k in DATASETS if only is None or k == only or k.split("/")[0] == only]
    if not selected:
        raise KeyError(f"unknown dataset {only!r}; choose from {', '.join(DATASETS)}")
    return {k: DATASETS[k](source_dir, out_dir) for k in selected}


__all__ = ["DATASETS", "build"]
