"""What people read in a rendered report (HTML, PDF, Markdown): labels for the stored codes,
units as people write them, and the columns each country's conventions show.

JSON and CSV keep the stable keys (``scope2_location``, ``natural_gas``) and every column; the
human formats render :func:`view` of each table instead: code columns that repeat a label beside
them are dropped, codes become words, and the units of the other convention are left out
(a US report reads kBtu and ft², a UK one kWh, GJ and m²).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from greencare.core import rules
from greencare.core import units as core_units

#: A stored code: lower-case words joined by underscores (``cat5_waste``, ``fuel_oil_2``).
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")

#: Codes whose words are not simply the code with spaces.
VALUES: dict[str, str] = {
    **rules.CATEGORY_LABELS,
    "scope1": "Scope 1",
    "scope2_location": "Scope 2 (location-based)",
    "scope2_market": "Scope 2 (market-based)",
    "scope3": "Scope 3",
    "scope12": "Scope 1+2",
    "total_location": "Total (location-based)",
    "total_market": "Total (market-based)",
    "biogenic": "Biogenic CO₂",
    "natural_gas": "Natural gas",
    "fuel_oil_1": "Fuel oil No. 1",
    "fuel_oil_2": "Fuel oil No. 2",
    "fuel_oil_4": "Fuel oil No. 4",
    "fuel_oil_5_6": "Fuel oil No. 5 and 6",
    "district_steam": "District steam",
    "district_hot_water": "District hot water",
    "district_chilled_water": "District chilled water",
    "onsite_solar": "On-site solar",
    "onsite_wind": "On-site wind",
    "reclaimed_water": "Reclaimed water",
    "well_water": "Well water",
    "regulated_medical_waste": "Regulated medical waste (RMW)",
    "trace_chemotherapy": "Trace chemotherapy",
    "pharmaceutical_hazardous": "Pharmaceutical (hazardous)",
    "pharmaceutical_non_hazardous": "Pharmaceutical (non-hazardous)",
    "hazardous_chemical": "Hazardous chemical",
    "universal_waste": "Universal waste",
    "e_waste": "E-waste",
    "solid_waste": "Solid waste",
    "mixed_recycling": "Mixed recycling",
    "food_waste": "Food waste",
    "construction_demolition": "Construction and demolition",
    "reusable_sharps_containers": "Reusable sharps containers",
    "reprocessed_devices": "Reprocessed devices",
    "autoclave_landfill": "Autoclave, then landfill",
    "alternative_treatment": "Alternative treatment",
    "waste_to_energy": "Waste-to-energy",
    "anaerobic_digestion": "Anaerobic digestion",
    "nitrous_oxide": "Nitrous oxide",
    "anesthetic_gas": "Anesthetic gas",
    "bulk_delivery": "Bulk delivery",
    "onsite_generation": "On-site generation",
    "kg_per_nominal_litre": "kg per nominal litre",
}

#: Words inside codes that are written otherwise (acronyms, chemical names).
WORDS = {
    "pmdi": "pMDI", "hfa134a": "HFA-134a", "hfa227ea": "HFA-227ea", "co2": "CO₂",
    "ch4": "CH₄", "n2o": "N₂O", "rmw": "RMW", "msw": "MSW", "cng": "CNG", "lpg": "LPG",
    "ppa": "PPA", "rec": "REC", "hvac": "HVAC", "cat1": "Cat 1", "cat3": "Cat 3",
    "cat5": "Cat 5", "ml": "mL", "240ml": "240 mL", "250ml": "250 mL",
}  # fmt: skip


def code(value: str) -> str:
    """A stored code as people read it, capitalised like a table cell (``natural_gas`` ->
    "Natural gas"); text that is not a code is returned unchanged."""
    if value in VALUES:
        return VALUES[value]
    if not SNAKE.fullmatch(value):
        return value
    words = _words(value)
    if value.split("_", 1)[0] in WORDS:  # pMDI, CO₂: written as they are
        return words
    return words[:1].upper() + words[1:]


def _words(token: str) -> str:
    return " ".join(WORDS.get(w, w) for w in token.split("_"))


def text(value: str) -> str:
    """Codes inside a sentence written as words (``anesthetic_gas desflurane`` -> "anesthetic
    gas desflurane"), lower case as they sit in the sentence."""

    def one(m: re.Match[str]) -> str:
        token = m.group()
        if token in VALUES:
            words = VALUES[token]
            return words if words[:2].isupper() or words.startswith(("Scope", "Cat")) else (
                words[0].lower() + words[1:])  # fmt: skip
        return _words(token)

    return SNAKE.sub(one, value)


_UNIT_PARTS = [
    (re.compile(r"CO2e"), "CO₂e"),
    (re.compile(r"\bCO2\b"), "CO₂"),
    (re.compile(r"(?<=ft)2\b"), "²"),
    (re.compile(r"(?<=\bm)2\b"), "²"),
    (re.compile(r"(?<=\bm)3\b"), "³"),
]


def unit_text(value: str) -> str:
    """A unit as people write it: ``m**3`` -> m³, ``kBtu/ft2/yr`` -> kBtu/ft²/yr, ``t CO2e`` ->
    t CO₂e."""
    out = core_units.display(value)
    for pattern, repl in _UNIT_PARTS:
        out = pattern.sub(repl, out)
    return out


#: Columns holding names people typed (facilities, meters, targets) or addresses: never changed.
VERBATIM = {"facility", "meter", "target", "url", "Property Name", "Meter Name"}
#: Columns holding units.
UNIT_COLUMNS = {"unit", "activity_unit", "factor_unit"}
#: Code columns that a ``label`` column beside them already says in words.
LABELLED = {"category", "scope", "metric"}
#: Columns only a data format needs.
HIDDEN = {"target_id", "key"}

#: The columns each convention leaves out of the human formats (the data formats keep all).
CONVENTION_HIDDEN = {
    "us": {"site_gj", "source_gj", "site_eui_gj_m2", "site_eui_kwh_m2", "floor_area_m2",
           "t_per_1000_m2", "water_m3", "normalised_site_eui_kwh_m2",
           "normalised_source_eui_kwh_m2"},
    "metric": {"site_kbtu", "source_kbtu", "site_eui_kbtu_ft2", "source_eui_kbtu_ft2",
               "floor_area_ft2", "water_gal", "water_gal_ft2", "quantity_lb", "t_per_1000_ft2",
               "normalised_site_eui_kbtu_ft2", "normalised_source_eui_kbtu_ft2"},
}  # fmt: skip
#: Rows of metric/value/unit tables in the other convention's units (left out the same way).
CONVENTION_UNITS = {
    "us": {"GJ", "kWh", "kWh/m2/yr", "GJ/m2/yr", "kg/bed-day", "kg/APD"},
    "metric": {"kBtu", "GJ", "kBtu/ft2/yr", "lb", "lb/bed-day", "lb/APD"},
}


#: (metric, unit) rows a convention leaves out where the table gives the metric in both
#: (a unit kept elsewhere in the convention, such as kg for regulated medical waste in the US).
CONVENTION_ROWS = {
    "us": {("Total waste", "kg")},
    "metric": {("Total waste", "lb")},
}


def view(frame: pd.DataFrame, conventions: str | None = None) -> pd.DataFrame:
    """The frame a human format renders: codes as words, units as written, and only the
    columns (and metric rows) of the report's ``conventions`` ("us" or "metric")."""
    drop = [c for c in frame.columns if c in HIDDEN]
    if "label" in frame.columns:
        drop += [c for c in frame.columns if c in LABELLED and _is_code(frame[c])]
    if conventions in CONVENTION_HIDDEN:
        drop += [c for c in frame.columns if c in CONVENTION_HIDDEN[conventions]]
    out = frame.drop(columns=drop)
    if conventions in CONVENTION_UNITS and {"metric", "unit"} <= set(out.columns):
        other = out["unit"].isin(CONVENTION_UNITS[conventions])
        if other.any() and not other.all():
            out = out[~other]
        rows = list(zip(out["metric"], out["unit"], strict=True))
        pairs = CONVENTION_ROWS[conventions]
        other = {m for m, u in rows if (m, u) not in pairs}  # metrics also in another unit
        out = out[[(m, u) not in pairs or m not in other for m, u in rows]]
    out = out.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) or column in VERBATIM:
            continue
        if column in UNIT_COLUMNS:
            out[column] = out[column].map(lambda v: unit_text(v) if isinstance(v, str) else v)
        else:
            out[column] = out[column].map(_cell)
    return out.reset_index(drop=True)


def _is_code(series: pd.Series) -> bool:
    return bool(series.map(lambda v: isinstance(v, str) and bool(SNAKE.fullmatch(v))).any())


def _cell(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return code(value) if SNAKE.fullmatch(value) or value in VALUES else text(value)


def note(value: str) -> str:
    """A table note or sentence with codes written as words."""
    return text(value)
