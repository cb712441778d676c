"""Plausibility bands: is a value one a hospital could really have, or a slip?

One set of rules for every entry point (manual entry, forms, the Python API, file imports of
meter data, waste and purchases). Each rule compares a value with the record's own history
when there is one, and otherwise with the facility (floor area, staffed beds). Each has two
bands:

* **warning**: unusual; the value is stored, and listed as accepted over a warning on the
  dashboard's "Needs action" list and in the report's data-quality section;
* **refusal**: beyond anything a hospital does, almost always a unit or keying slip (kWh for Wh,
  lb for tonnes, bottles for millilitres); nothing is written unless the user overrides it on
  purpose (``accept_outlier=True`` in the API, ``--accept-outlier`` on the CLI, "Record
  anyway" in the app), and then it is stored and listed like a warning.

Rules (rates are per day of the record's period; history is the median of the meter's or the
stream's stored records):

* ``history`` (readings, waste, purchases): warn at >= 20x or <= 1/20 of the usual rate,
  refuse at >= 500x (half of a 1000x slip, so one is caught even from a value below the median).
* ``site_eui`` (energy readings of a meter without history): the reading's daily rate,
  annualised, over the facility's floor area. ENERGY STAR Portfolio Manager, Technical
  Reference "U.S. Energy Use Intensity by Property Type" (August 2023): Hospital (General
  Medical & Surgical) median site EUI 234.3 kBtu/ft2/yr. Portfolio Manager DataTrends
  ("Energy Use in Hospitals") shows benchmarked hospitals from under 100 to over 1,400
  kBtu/ft2/yr. Warn above 1,400 (the top of the observed range), refuse above 2,343 (10x the
  median). One meter alone is a lower bound on the site's energy, so the test never refuses a
  real site for what its other meters add.
* ``waste_per_bed`` (waste without history): kg per staffed bed per day of one stream.
  Practice Greenhealth's benchmark average is about 25 lb (11.3 kg) of total waste per staffed
  bed per day; warn above 10x (113.4 kg), refuse above 100x (1,134 kg).
* ``item_per_bed`` (healthcare purchases without history), per staffed bed, a purchase taken
  as one month's use. Stated rules, not published ones, set about 10x (warning) and 50x
  (refusal) the demo hospital's use of each (0.05 kg of desflurane, 0.22 kg of sevoflurane,
  0.15 kg of nitrous oxide and 1.3 inhalers per bed per month), wider where real use varies
  more: desflurane warn above 0.5 kg and refuse above 2.5 kg of agent; sevoflurane and
  isoflurane 2 kg and 10 kg; nitrous oxide 5 kg and 25 kg (piped systems leak); refrigerants
  2 kg and 20 kg (a whole chiller's charge is some hundreds of kg); inhalers 10 and 100. For these bounds only, a bottle of agent is
  taken as its nominal liquid (desflurane 240 mL, sevoflurane and isoflurane 250 mL) at its
  density (1.465, 1.52, 1.50 g/mL), and nitrous oxide gas as 0.0018 kg per litre (NHS
  Emissions Recipe Book); counted nitrous oxide cylinders and fleet fuel have no bed bound.
* A facility without a floor area is bounded by its beds and one without beds by its floor
  area, at the median hospital's 0.5 staffed beds per 1,000 ft2 (DataTrends); a facility with
  neither is checked against history only.

Everything here is pure and column-wise: arrays in, arrays of levels out (0 ok, 1 warning,
2 refusal); :mod:`greencare.storage.plausibility` reads the history and facility they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


OK, WARN, REFUSE = 0, 1, 2
LEVEL_NAMES = {WARN: "warning", REFUSE: "refusal"}

#: History: the record's rate against the usual rate of the same meter or stream.
HISTORY_WARN_HIGH = 20.0
HISTORY_WARN_LOW = 1 / 20
HISTORY_REFUSE_HIGH = 500.0  # half of a 1000x slip: caught even from a value below the median

#: Site EUI, kBtu per ft2 per year (ENERGY STAR Portfolio Manager; see the module docstring).
HOSPITAL_MEDIAN_SITE_EUI = 234.3
EUI_WARN = 1400.0
EUI_REFUSE = 10 * HOSPITAL_MEDIAN_SITE_EUI
KBTU_PER_KWH = 3.412  # Portfolio Manager thermal conversions
DAYS_PER_YEAR = 365.25
FT2_PER_M2 = 10.763910417
FT2_PER_BED = 2000.0  # 0.5 staffed beds per 1,000 ft2 (Portfolio Manager DataTrends median)

#: Waste, kg per staffed bed per day (Practice Greenhealth average 25 lb = 11.34 kg).
WASTE_KG_PER_BED_DAY = 25 * 0.45359237
WASTE_WARN = 10 * WASTE_KG_PER_BED_DAY
WASTE_REFUSE = 100 * WASTE_KG_PER_BED_DAY

#: Healthcare items per staffed bed per month: (what is counted, warn above, refuse above).
ITEM_BANDS: dict[str, tuple[str, float, float]] = {
    "desflurane": ("kg of agent", 0.5, 2.5),
    "volatile": ("kg of agent", 2.0, 10.0),
    "nitrous_oxide": ("kg of nitrous oxide", 5.0, 25.0),
    "refrigerant": ("kg of refrigerant", 2.0, 20.0),
    "inhaler": ("inhalers", 10.0, 100.0),
}
VOLATILE = {"desflurane": (240.0, 1.465), "sevoflurane": (250.0, 1.52), "isoflurane": (250.0, 1.50)}
N2O_KG_PER_LITRE = 0.0018


@dataclass(frozen=True)
class Finding:
    """One rule a value broke: which, how far, and the sentence a person reads."""

    rule: str
    level: int
    message: str

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, "ok")

    @property
    def refused(self) -> bool:
        return self.level == REFUSE

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "level": self.level_name, "message": self.message}


def history_levels(rate: np.ndarray, usual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Levels of each rate against its usual rate (NaN usual: no history, level OK)."""
    import numpy as np

    rate = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = rate / np.asarray(usual, dtype=float)
    level = np.zeros(len(rate), dtype=np.int8)
    known = np.isfinite(ratio)
    warn = known & ((ratio > HISTORY_WARN_HIGH) | ((ratio < HISTORY_WARN_LOW) & (rate > 0)))
    level[warn] = WARN
    level[known & (ratio >= HISTORY_REFUSE_HIGH)] = REFUSE
    return level, ratio


def ratio_text(ratio: float) -> str:
    """A ratio to the usual, as the words before "this meter's usual daily use".

    At or above 0.1 it is a multiple ("1,000.0 x", "0.5 x"); below, a fraction with two
    significant figures in its denominator ("1/30 of", "1/1,000 of"), because "0.0 x" hides
    the very factor (1,000 for kWh typed as MWh) that a person needs to see.
    """
    import math

    if not math.isfinite(ratio) or ratio >= 1:
        return f"{ratio:,.1f} x"
    if ratio >= 0.1:
        return f"{ratio:.2g} x"
    if ratio <= 0:
        return f"{ratio:g} x"
    denominator = float(f"{1 / ratio:.2g}")
    return f"1/{denominator:,.0f} of"


def banded(value: np.ndarray, warn: float, refuse: float) -> np.ndarray:
    """Levels of values against an upper warning and refusal limit (NaN: level OK)."""
    import numpy as np

    value = np.asarray(value, dtype=float)
    level = np.zeros(len(value), dtype=np.int8)
    level[value > warn] = WARN
    level[value > refuse] = REFUSE
    return level


def site_eui(kwh_per_day: np.ndarray, area_ft2: float | None) -> np.ndarray:
    """Site EUI (kBtu/ft2/yr) a daily energy rate implies if kept up for a year."""
    import numpy as np

    rate = np.asarray(kwh_per_day, dtype=float)
    if not area_ft2:
        return np.full(len(rate), np.nan)
    return rate * DAYS_PER_YEAR * KBTU_PER_KWH / area_ft2


def eui_levels(eui: np.ndarray) -> np.ndarray:
    return banded(eui, EUI_WARN, EUI_REFUSE)


def bounding_area_ft2(floor_area_m2: float | None, beds: int | None) -> tuple[float | None, str]:
    """The floor area the EUI rule divides by, and how it was found (for the message)."""
    if floor_area_m2:
        return floor_area_m2 * FT2_PER_M2, f"{floor_area_m2 * FT2_PER_M2:,.0f} ft2"
    if beds:
        return beds * FT2_PER_BED, f"{beds * FT2_PER_BED:,.0f} ft2 taken from {beds} beds"
    return None, ""


def bounding_beds(beds: int | None, floor_area_m2: float | None) -> tuple[float | None, str]:
    """The staffed beds the per-bed rules divide by, and how they were found."""
    if beds:
        return float(beds), f"{beds} staffed beds"
    if floor_area_m2:
        equiv = floor_area_m2 * FT2_PER_M2 / FT2_PER_BED
        return equiv, f"{equiv:,.0f} beds taken from the floor area"
    return None, ""


def item_amount(category: str, item: str | None, quantity: float, unit_dimension: str,
                in_kg: float | None, in_litres: float | None) -> tuple[str, float] | None:  # fmt: skip
    """(band, amount) of a healthcare purchase for the per-bed rule, or None (no bed bound).

    ``in_kg`` / ``in_litres``: the quantity converted to kg or litres when its unit is a mass
    or a volume; a count (bottles, inhalers) is ``quantity`` itself.
    """
    if category == "inhaler":
        return ("inhaler", quantity) if unit_dimension == "a count of items" else None
    if category == "refrigerant":
        return ("refrigerant", in_kg) if in_kg is not None else None
    if category != "anesthetic_gas" or item is None:
        return None
    if item == "nitrous_oxide":
        if in_kg is not None:
            return "nitrous_oxide", in_kg
        if in_litres is not None:
            return "nitrous_oxide", in_litres * N2O_KG_PER_LITRE
        return None
    if item not in VOLATILE:
        return None
    bottle_ml, density = VOLATILE[item]
    band = "desflurane" if item == "desflurane" else "volatile"
    if in_kg is not None:
        return band, in_kg
    if in_litres is not None:
        return band, in_litres * density  # litres of liquid x g/mL = kg
    if unit_dimension == "a count of items":
        return band, quantity * bottle_ml * density / 1000
    return None


def refusal_hint() -> str:
    return "refused as implausible; if it is right, record it deliberately (accept_outlier)"


def worst(findings: list[Finding]) -> int:
    return max((f.level for f in findings), default=OK)
