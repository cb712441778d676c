"""Grid regions and the time zones that go with them.

A US facility's location-based Scope 2 factor comes from its eGRID subregion, so the code must be
one EPA publishes; elsewhere the grid region is the country (e.g. ``GB`` for the DESNZ UK factor).
The time zone decides which calendar month a bill's days fall in, so greencare can suggest one
from the grid region or country when the user gives none.
"""

from __future__ import annotations

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
