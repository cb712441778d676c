"""Grid regions and the time zones that go with them.

A US facility's location-based Scope 2 factor comes from its eGRID subregion, so the code must be
one EPA publishes; elsewhere the grid region is the country (e.g. ``GB`` for the DESNZ UK factor).
The time zone decides which calendar month a bill's days fall in, so greencare can suggest one
from the grid region or country when the user gives none.
"""

from __future__ import annotations

import csv
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: eGRID subregions (eGRID2022 and eGRID2023, US EPA) with the time zone of most of their load.
#: Source: US EPA eGRID2023 Summary Tables, Table 1 (subregion acronyms); zones are greencare's
#: choice of the dominant zone and only a default — the user can always give --timezone.
EGRID_SUBREGIONS: dict[str, tuple[str, str]] = {
    "AKGD": ("ASCC Alaska Grid", "America/Anchorage"),
    "AKMS": ("ASCC Miscellaneous", "America/Anchorage"),
    "AZNM": ("WECC Southwest", "America/Phoenix"),
    "CAMX": ("WECC California", "America/Los_Angeles"),
    "ERCT": ("ERCOT All", "America/Chicago"),
    "FRCC": ("FRCC All", "America/New_York"),
    "HIMS": ("HICC Miscellaneous", "Pacific/Honolulu"),
    "HIOA": ("HICC Oahu", "Pacific/Honolulu"),
    "MROE": ("MRO East", "America/Chicago"),
    "MROW": ("MRO West", "America/Chicago"),
    "NEWE": ("NPCC New England", "America/New_York"),
    "NWPP": ("WECC Northwest", "America/Los_Angeles"),
    "NYCW": ("NPCC NYC/Westchester", "America/New_York"),
    "NYLI": ("NPCC Long Island", "America/New_York"),
    "NYUP": ("NPCC Upstate NY", "America/New_York"),
    "PRMS": ("Puerto Rico Miscellaneous", "America/Puerto_Rico"),
    "RFCE": ("RFC East", "America/New_York"),
    "RFCM": ("RFC Michigan", "America/Detroit"),
    "RFCW": ("RFC West", "America/New_York"),
    "RMPA": ("WECC Rockies", "America/Denver"),
    "SPNO": ("SPP North", "America/Chicago"),
    "SPSO": ("SPP South", "America/Chicago"),
    "SRMV": ("SERC Mississippi Valley", "America/Chicago"),
    "SRMW": ("SERC Midwest", "America/Chicago"),
    "SRSO": ("SERC South", "America/New_York"),
    "SRTV": ("SERC Tennessee Valley", "America/Chicago"),
    "SRVC": ("SERC Virginia/Carolina", "America/New_York"),
}

#: Countries with a single civil time zone, for a default when none is given.
COUNTRY_TIMEZONES: dict[str, str] = {
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "DK": "Europe/Copenhagen",
    "FI": "Europe/Helsinki",
    "CH": "Europe/Zurich",
    "AT": "Europe/Vienna",
    "PT": "Europe/Lisbon",
    "NZ": "Pacific/Auckland",
    "JP": "Asia/Tokyo",
    "SG": "Asia/Singapore",
    "IN": "Asia/Kolkata",
    "ZA": "Africa/Johannesburg",
}

#: "UK" is not an ISO 3166 code but is what people type.
COUNTRY_ALIASES = {"UK": "GB", "USA": "US", "U.S.": "US", "U.S.A.": "US"}


def normalize_country(code: str) -> str:
    """ISO 3166-1 alpha-2 code, upper case; raises ValueError for anything else."""
    text = code.strip().upper()
    text = COUNTRY_ALIASES.get(text, text)
    if len(text) != 2 or not text.isalpha():
        raise ValueError(f"country must be a two-letter ISO code such as US or GB, not {code!r}")
    return text


def check_timezone(name: str) -> str:
    """Return the IANA zone name if it exists; raise ValueError otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like America/New_York)"
        ) from exc
    return name


def default_timezone(country: str, grid_region: str | None) -> str | None:
    """The zone a facility most likely keeps its bills in, or None when it cannot be told."""
    if grid_region and grid_region.upper() in EGRID_SUBREGIONS:
        return EGRID_SUBREGIONS[grid_region.upper()][1]
    return COUNTRY_TIMEZONES.get(country.upper())


def check_grid_region(country: str, grid_region: str | None) -> str | None:
    """Upper-cased grid region; a US facility's must be an eGRID subregion."""
    if grid_region is None or not grid_region.strip():
        return None
    code = grid_region.strip().upper()
    if country == "US" and code not in EGRID_SUBREGIONS:
        known = ", ".join(sorted(EGRID_SUBREGIONS))
        raise ValueError(f"grid region {code!r} is not an eGRID subregion; use one of {known}")
    return code


# --- ZIP code -> eGRID subregion ---------------------------------------------------------------

#: The shipped lookup (``factors/egrid-zip/<edition>/``): EPA Power Profiler's ZIP code table
#: as redistributed by ORNL's VERIFI; see that folder's dataset.toml for what was done to it.
ZIP_DATASET = "egrid-zip"
ZIP_TABLE = "zip_subregions.csv"

_ZIP_SHAPE = re.compile(r"(\d{3,5})(?:-?(\d{4}))?")


def normalize_zip(text: str | int | None) -> str | None:
    """The five-digit ZIP in ``text`` ("2115", "02115", "02115-1234"), or None if it is none.

    Three or four digits are zero-padded (spreadsheets drop the leading zeros of 02115 or
    00501); a ZIP+4 keeps its first five digits.
    """
    if text is None or isinstance(text, bool):
        return None
    raw = str(text).strip()
    match = _ZIP_SHAPE.fullmatch(raw)
    if match is None:
        return None
    head, plus4 = match.groups()
    if plus4 is not None and "-" not in raw and len(head) != 5:
        return None  # nine digits run together only as 12345 6789
    return head.zfill(5)


def _zip_edition() -> Path:
    from greencare import paths

    folders = sorted((paths.factors_dir() / ZIP_DATASET).glob(f"*/{ZIP_TABLE}"))
    if not folders:
        raise FileNotFoundError(f"the {ZIP_DATASET} table is missing from this installation")
    return folders[-1].parent


@lru_cache(maxsize=1)
def _zip_table() -> dict[str, tuple[str, ...]]:
    """{zip: subregions in the published order}, read once."""
    found: dict[str, list[tuple[int, str]]] = {}
    with (_zip_edition() / ZIP_TABLE).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            found.setdefault(row["zip"], []).append((int(row["rank"]), row["subregion"]))
    return {z: tuple(code for _, code in sorted(pairs)) for z, pairs in found.items()}


def subregions_for_zip(zip_code: str | int | None) -> tuple[str, ...]:
    """The eGRID subregion(s) a US ZIP code lies in, in the published order; () if unknown.

    The table orders a ZIP's subregions but gives no shares, so when there are several none
    of them is "the" subregion: the caller must ask.
    """
    key = normalize_zip(zip_code)
    if key is None:
        return ()
    return _zip_table().get(key, ())


@lru_cache(maxsize=1)
def zip_citation() -> dict[str, str]:
    """The shipped ZIP table's citation: dataset id, title, publisher, edition, URL, source."""
    folder = _zip_edition()
    with (folder / "dataset.toml").open("rb") as fh:
        info = tomllib.load(fh).get("dataset", {})
    keys = ("title", "publisher", "edition", "published", "url", "licence", "source_file")
    cited = {"dataset": f"{ZIP_DATASET}/{folder.name}", **{k: str(info.get(k, "")) for k in keys}}
    cited["citation"] = str(info.get("citation", cited["title"]))
    return cited


def zip_source() -> str:
    """One line citing the shipped ZIP table, for messages: citation and dataset id."""
    cited = zip_citation()
    return f"{cited['citation']} [{cited['dataset']}]"
