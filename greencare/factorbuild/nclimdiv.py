"""NOAA nClimDiv statewide degree days -> factors/noaa-nclimdiv/<edition>/.

NOAA NCEI's Climate Divisional Database (nClimDiv) publishes monthly heating and cooling degree
days (base 65 °F) for each contiguous US state, 1895 to the latest month. The statewide files
(``climdiv-hddcst-v1.0.0-YYYYMMDD``, ``climdiv-cddcst-...``) are fixed width: columns 1-3 the
state code (NOAA's own 001-048, the contiguous states in alphabetical order; 050 Alaska; 101-110
regions and the nation), column 4 the division (0), 5-6 the element (25 HDD, 26 CDD), 7-10 the
year, then twelve monthly values, -9999 for a month not yet published. Layout and codes: NCEI
``state-readme.txt`` of nClimDiv, <https://www.ncei.noaa.gov/pub/data/cirs/climdiv/>.

Only what greencare uses is kept: the 48 contiguous states (Alaska's statewide degree-day rows
are all -9999 in the published files), 1990 onward, published months only, as one long table
``state_degree_days.csv`` (state, month, hdd_65f, cdd_65f).
"""

from __future__ import annotations

from pathlib import Path

from .common import sha256_of, write_csv, write_toml

FOLDER = "noaa-nclimdiv"
#: Published file stem per edition (the date stamp is part of NOAA's file name).
STAMPS = {"2025": "v1.0.0-20250905"}
FIRST_YEAR = 1990
COLUMNS = ("state", "month", "hdd_65f", "cdd_65f")
MISSING = -9999

#: NOAA nClimDiv state codes 001-048 -> USPS state abbreviation. NOAA numbers the 48 contiguous
#: states alphabetically by name (NCEI nClimDiv state-readme.txt; the station inventories,
#: climdiv-inv-readme.txt, likewise give "State/Division (1-48 ...) (50 for Alaska)").
NOAA_STATE_CODES: dict[str, str] = {
    f"{i:03d}": abbr
    for i, abbr in enumerate(
        [
            "AL",
            "AZ",
            "AR",
            "CA",
            "CO",
            "CT",
            "DE",
            "FL",
            "GA",
            "ID",
            "IL",
            "IN",
            "IA",
            "KS",
            "KY",
            "LA",
            "ME",
            "MD",
            "MA",
            "MI",
            "MN",
            "MS",
            "MO",
            "MT",
            "NE",
            "NV",
            "NH",
            "NJ",
            "NM",
            "NY",
            "NC",
            "ND",
            "OH",
            "OK",
            "OR",
            "PA",
            "RI",
            "SC",
            "SD",
            "TN",
            "TX",
            "UT",
            "VT",
            "VA",
            "WA",
            "WV",
            "WI",
            "WY",
        ],
        start=1,
    )
}
ELEMENTS = {"25": "hdd_65f", "26": "cdd_65f"}


class LayoutError(ValueError):
    """A line that does not follow the published fixed-width layout."""


def _candidates(source_dir: Path, kind: str, stamp: str) -> list[Path]:
    names = [f"climdiv-{kind}cst-{stamp}", f"noaa_climdiv-{kind}cst-{stamp}"]
    folders = [source_dir / FOLDER, source_dir.parent / FOLDER, source_dir]
    return [folder / name for folder in folders for name in names]


def find_source(source_dir: Path, kind: str, edition: str) -> Path:
    """The published statewide file for ``kind`` ('hdd' or 'cdd')."""
    stamp = STAMPS[edition]
    for path in _candidates(source_dir, kind, stamp):
        if path.exists():
            return path
    raise FileNotFoundError(f"no climdiv-{kind}cst-{stamp} in {source_dir / FOLDER}")


def read_statewide(
    path: Path, first_year: int = FIRST_YEAR
) -> dict[tuple[str, str], tuple[str, int]]:
    """``{(state, 'YYYY-MM'): (element column, value)}`` from one statewide file."""
    out: dict[tuple[str, str], tuple[str, int]] = {}
    with path.open(encoding="ascii") as fh:
        for line_no, line in enumerate(fh, start=1):
            fields = line.split()
            if not fields:
                continue
            head = fields[0]
            if len(head) != 10 or not head.isdigit() or len(fields) != 13:
                raise LayoutError(f"{path.name} line {line_no}: not an nClimDiv statewide record")
            code, element, year = head[:3], head[4:6], int(head[6:10])
            if element not in ELEMENTS:
                raise LayoutError(f"{path.name} line {line_no}: element {element} is not HDD/CDD")
            state = NOAA_STATE_CODES.get(code)
            if state is None or year < first_year:
                continue
            for month, cell in enumerate(fields[1:], start=1):
                value = float(cell)
                if value == MISSING:
                    continue
                if value < 0 or not value.is_integer():
                    raise LayoutError(f"{path.name} line {line_no}: month {month} value {cell}")
                out[(state, f"{year:04d}-{month:02d}")] = (ELEMENTS[element], int(value))
    return out


def degree_day_rows(
    hdd_path: Path, cdd_path: Path, first_year: int = FIRST_YEAR
) -> list[dict[str, str]]:
    """One row per state and month published in both files, sorted by state then month."""
    hdd = read_statewide(hdd_path, first_year)
    cdd = read_statewide(cdd_path, first_year)
    for values, want in ((hdd, "hdd_65f"), (cdd, "cdd_65f")):
        wrong = {col for col, _ in values.values()} - {want}
        if wrong:
            raise LayoutError(f"expected only {want} values, found {sorted(wrong)}")
    keys = sorted(set(hdd) & set(cdd))
    return [
        {
            "state": state,
            "month": month,
            "hdd_65f": str(hdd[(state, month)][1]),
            "cdd_65f": str(cdd[(state, month)][1]),
        }
        for state, month in keys
    ]


def extract(source_dir: Path, out_dir: Path, edition: str = "2025") -> dict[str, int]:
    """Write factors/noaa-nclimdiv/<edition>/ from the published statewide HDD and CDD files."""
    hdd_path = find_source(source_dir, "hdd", edition)
    cdd_path = find_source(source_dir, "cdd", edition)
    rows = degree_day_rows(hdd_path, cdd_path)
    dest = out_dir / FOLDER / edition
    count = write_csv(dest / "state_degree_days.csv", COLUMNS, rows)
    last = max(r["month"] for r in rows)
    stamp = STAMPS[edition]
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"{FOLDER}/{edition}",
                "title": "NOAA nClimDiv statewide monthly heating and cooling degree days "
                "(base 65 °F)",
                "publisher": "NOAA National Centers for Environmental Information (NCEI), "
                "Climate Divisional Database (nClimDiv)",
                "edition": stamp,
                "year": int(edition),
                "published": stamp.split("-")[1],
                "url": "https://www.ncei.noaa.gov/pub/data/cirs/climdiv/",
                "licence": "US Government work, public domain (US)",
                "gwp_set": "none",
                "source_file": f"climdiv-hddcst-{stamp}; climdiv-cddcst-{stamp}",
                "source_sha256": f"{sha256_of(hdd_path)}; {sha256_of(cdd_path)}",
                "extracted_by": "greencare.factorbuild",
                "notes": (
                    "Monthly degree days, base 65 °F, for the 48 contiguous US states, "
                    f"{FIRST_YEAR}-01 to {last} (months NOAA marks -9999 are left out). "
                    "Statewide values are NOAA's area-weighted averages of gridded station data "
                    "(nClimDiv methodology, state-readme.txt), not a single station. State codes "
                    "001-048 mapped to USPS abbreviations in alphabetical order of the state "
                    "names (NCEI nClimDiv state-readme.txt, not copied here; the station "
                    "inventory readme, climdiv-inv-readme.txt, gives 1-48 for the contiguous "
                    "states and 50 for Alaska). Cross-checked on the data: 1991-2020 mean "
                    "annual CDD is highest for 008 (FL), then 002 (AZ) and 041 (TX); HDD is "
                    "highest for 032 (ND), 024 (MT), 021 (MN) and lowest for 008 (FL). Alaska "
                    "(050) has no published statewide degree days in these files; Hawaii is not "
                    "in nClimDiv."
                ),
            },
            "unverified": [],
            "files": {
                "state_degree_days": {
                    "description": "monthly HDD and CDD by state, base 65 °F",
                    "columns": {
                        "state": "USPS state abbreviation (from NOAA state code 001-048)",
                        "month": "calendar month YYYY-MM",
                        "hdd_65f": "heating degree days, base 65 °F (°F·day)",
                        "cdd_65f": "cooling degree days, base 65 °F (°F·day)",
                    },
                },
            },
        },
    )
    return {"state_degree_days.csv": count}
