"""US ZIP code -> eGRID subregion lookup -> factors/egrid-zip/<edition>/zip_subregions.csv.

EPA's Power Profiler publishes, beside each eGRID edition, a workbook giving each ZIP code's
eGRID subregion(s) (columns 'ZIP (character)', 'ZIP (numeric)', 'state', 'eGRID Subregion #1'
to '#3'). greencare reads the copy ORNL's VERIFI redistributes (``eGrid_zipcode_lookup_2025.xlsx``,
a Strict Open XML workbook that openpyxl cannot open, so it is read with python-calamine from the
``build`` extra). What the builder does to the sheet, and nothing more:

- ZIPs were stored as numbers (2115), so they are zero-padded back to five digits (02115);
- the last row, ``0 / US / U.S. AVERAGE``, is not a ZIP and is dropped;
- a ZIP listed on more than one row keeps every subregion those rows name, in the order they
  first appear (the sheet repeats 650 ZIPs; 13 of them with different subregions, which makes
  them ambiguous rather than letting one row win);
- ``rank`` is the order the sheet lists the subregion in (1 = 'eGRID Subregion #1', continuing
  in first-seen order for a repeated ZIP); the workbook gives an order but no shares, so rank 1
  is not "the" subregion of a ZIP with several.

Every subregion must be one :data:`greencare.core.regions.EGRID_SUBREGIONS` knows, or the build
stops naming the row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greencare.core.regions import EGRID_SUBREGIONS

from .common import clean, source_record, write_csv, write_toml

FOLDER = "egrid-zip"
#: Where the workbook sits, relative to the build's source folder (factors-sources/) or beside it.
SOURCE_FOLDERS = (
    "ornl-verifi-import-template",
    "real-formats/ornl-verifi-import-template",
    "../real-formats/ornl-verifi-import-template",
)
SHEET = "eGrid_zipcode_lookup"
HEADERS = (
    "ZIP (character)",
    "ZIP (numeric)",
    "state",
    "eGRID Subregion #1",
    "eGRID Subregion #2",
    "eGRID Subregion #3",
)
COLUMNS = ("zip", "subregion", "rank")

EDITIONS: dict[str, dict[str, Any]] = {
    "2023": {
        "file": "eGrid_zipcode_lookup_2025.xlsx",
        # Short enough for the factor list's Edition column; the citation names the file.
        "label": "VERIFI 2025",
        "sha256": "7320006e0d5536df15258a87e953d5a9a31d48f32f8ebc85c5705e2f2fef6a32",
        # docProps/core.xml of the workbook: created 2025-05-06, modified 2025-07-21.
        "published": "2025-07-21",
        "copied_from": "github.com/ORNL-AMO/VERIFI @ 51c7017f403ee467ed76fdfa904f5148e2bb8a53, "
        "src/assets/eGrid_data/eGrid_zipcode_lookup_2025.xlsx (UT-Battelle Open Source "
        "License (Permissive); the ZIP-to-subregion data are US EPA's)",
    },
}


class LayoutError(ValueError):
    """The workbook is not laid out as this builder expects."""


def find_source(source_dir: Path, edition: str) -> Path:
    """The VERIFI workbook for ``edition``, in or beside the source folder."""
    name = EDITIONS[edition]["file"]
    tried = [source_dir / folder / name for folder in SOURCE_FOLDERS] + [source_dir / name]
    for path in tried:
        if path.exists():
            return path
    raise FileNotFoundError(f"no {name} in {source_dir / SOURCE_FOLDERS[0]} or beside it")


def load_rows(path: Path, sheet: str = SHEET) -> list[tuple[int, list[Any]]]:
    """(1-based row, values) of the lookup sheet, read with python-calamine."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            f"reading {path.name} (Strict Open XML) needs python-calamine: "
            "pip install 'greencare[build]'"
        ) from exc
    book = CalamineWorkbook.from_path(str(path))
    if sheet not in book.sheet_names:
        raise LayoutError(f"{path.name}: no sheet {sheet!r} (has: {', '.join(book.sheet_names)})")
    data = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [(i, list(v)) for i, v in enumerate(data, start=1)]


def _zip(value: Any, where: str) -> str:
    """A ZIP cell (a number such as 2115.0, or text '02115') as five digits."""
    if isinstance(value, bool):
        raise LayoutError(f"{where}: ZIP {value!r} is not a number")
    if isinstance(value, float):
        if not value.is_integer():
            raise LayoutError(f"{where}: ZIP {value!r} is not a whole number")
        value = int(value)
    text = clean(value)
    if not text.isdigit() or len(text) > 5:
        raise LayoutError(f"{where}: ZIP {text!r} is not a five-digit code")
    return text.zfill(5)


def zip_rows(rows: list[tuple[int, list[Any]]], name: str = SHEET) -> list[dict[str, str]]:
    """``{zip, subregion, rank}`` rows in ZIP order; see the module notes for the rules."""
    if not rows:
        raise LayoutError(f"{name}: the sheet is empty")
    head_row, head = rows[0]
    labels = tuple(clean(x) for x in head[: len(HEADERS)])
    if labels != HEADERS:
        raise LayoutError(
            f"{name} row {head_row}: expected columns {', '.join(HEADERS)}, found "
            f"{', '.join(labels) or 'none'}"
        )
    found: dict[str, list[str]] = {}
    for row_no, values in rows[1:]:
        cells = [*values, *[None] * len(HEADERS)][: len(HEADERS)]
        if all(clean(c) == "" for c in cells):
            continue
        where = f"{name} row {row_no}"
        zip_code = _zip(cells[0], where)
        if _zip(cells[1], where) != zip_code:
            raise LayoutError(f"{where}: ZIP (character) and ZIP (numeric) differ")
        subregions = [clean(c) for c in cells[3:]]
        if zip_code == "00000" and clean(cells[2]) == "US":
            continue  # '0 / US / U.S. AVERAGE': the national average, not a ZIP
        listed = [s for s in subregions if s]
        if not listed or subregions[: len(listed)] != listed:
            raise LayoutError(f"{where}: subregions {subregions} are not filled from #1 on")
        for code in listed:
            if code not in EGRID_SUBREGIONS:
                raise LayoutError(f"{where}: {code!r} is not an eGRID subregion greencare knows")
            kept = found.setdefault(zip_code, [])
            if code not in kept:
                kept.append(code)
    if not found:
        raise LayoutError(f"{name}: no ZIP rows")
    return [
        {"zip": z, "subregion": code, "rank": str(rank)}
        for z in sorted(found)
        for rank, code in enumerate(found[z], start=1)
    ]


def extract(source_dir: Path, out_dir: Path, edition: str = "2023") -> dict[str, int]:
    """Write factors/egrid-zip/<edition>/ from the VERIFI copy of the Power Profiler ZIP lookup."""
    meta = EDITIONS[edition]
    path = find_source(source_dir, edition)
    rows = zip_rows(load_rows(path))
    dest = out_dir / FOLDER / edition
    count = write_csv(dest / "zip_subregions.csv", COLUMNS, rows)
    per_zip: dict[str, int] = {}
    for r in rows:
        per_zip[r["zip"]] = per_zip.get(r["zip"], 0) + 1
    several = {n: sum(1 for v in per_zip.values() if v == n) for n in (2, 3)}
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"{FOLDER}/{edition}",
                "title": f"US ZIP code to eGRID{edition} subregion lookup (EPA Power Profiler)",
                "publisher": "U.S. Environmental Protection Agency (Power Profiler ZIP code "
                "lookup), as redistributed by Oak Ridge National Laboratory's VERIFI",
                "edition": meta["label"],
                "year": int(edition),
                "published": meta["published"],
                "url": "https://www.epa.gov/egrid/power-profiler",
                "download_url": "https://github.com/ORNL-AMO/VERIFI/blob/"
                "51c7017f403ee467ed76fdfa904f5148e2bb8a53/src/assets/eGrid_data/"
                f"{meta['file']}",
                "licence": "ZIP-to-subregion data: US Government work, public domain (US); "
                "the VERIFI file: UT-Battelle Open Source License (Permissive)",
                "gwp_set": "none",
                "citation": f"US EPA Power Profiler ZIP code lookup (eGRID{edition} "
                f"subregions), as redistributed by ORNL VERIFI in {meta['file']}",
                **source_record(path, meta["sha256"]),
                "source_sheet": SHEET,
                "copied_from": meta["copied_from"],
                "extracted_by": "greencare.factorbuild",
                "notes": (
                    f"{len(per_zip)} ZIP codes; {several[2]} lie in two subregions and "
                    f"{several[3]} in three. The workbook names no eGRID edition and has no "
                    "title text: its sheets are 'eGrid_data_2025' and 'eGrid_zipcode_lookup' "
                    "(columns ZIP (character), ZIP (numeric), state, eGRID Subregion #1-#3, "
                    "EPA's Power Profiler layout). It is filed as eGRID2023 because VERIFI's "
                    "2025 file pairs it with eGRID2023 rates (its eGrid_data_2025 sheet, "
                    "LocationMix 2025, NYCW CO2 442.096 kg/MWh = 974.66 lb/MWh, EPA GHG Hub "
                    "2025 Table 6 / eGRID2023); that edition is not stated in the sheet itself "
                    "(see unverified_note). ZIPs zero-padded to five digits (Excel stored "
                    "them as numbers); the row '0 / US / U.S. AVERAGE' dropped; a ZIP on "
                    "several rows keeps every subregion they name in first-seen order. The "
                    "sheet orders a ZIP's subregions (#1-#3) but gives no shares: greencare "
                    "never picks one for a ZIP with several."
                ),
            },
            "unverified": [],
            "unverified_note": "Which eGRID edition's subregion boundaries the ZIP sheet follows "
            "is inferred from the companion sheet, not stated. Cross-checked: 10001 NYCW, "
            "60611 RFCW, 94105 CAMX, 02115 NEWE, 77030 ERCT, 30525 SRTV/SRSO/SRVC; every "
            "subregion in the table has a factor in epa-ghg-hub/2025 Table 6 (tests/core).",
            "files": {
                "zip_subregions": {
                    "description": "each US ZIP code's eGRID subregion(s), one row per "
                    "(ZIP, subregion)",
                    "columns": {
                        "zip": "five-digit ZIP code, zero-padded",
                        "subregion": "eGRID subregion acronym",
                        "rank": "1-3: the order the sheet lists it in ('eGRID Subregion #' "
                        "column, first-seen order for a repeated ZIP); an order, not a share",
                    },
                },
            },
        },
    )
    return {"zip_subregions.csv": count}
