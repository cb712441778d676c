"""The plausibility use-case: check one record against its history or its facility.

``services.add_reading`` / ``update_reading`` / ``add_waste`` / ``add_purchase`` and the waste
and purchase CSV import call :func:`check_reading`, :func:`check_waste` and
:func:`check_purchase`; the meter-data import applies the same rules column-wise
(:func:`reading_levels`). A refusal raises :class:`PlausibilityError` and writes nothing
unless the caller accepts outliers (``accept_outlier=True``, or inside :func:`accepting`, which
the app uses after "Record anyway?"). What was accepted over a warning or a refusal is stored
in ``accepted_outliers`` by :func:`remember`. The bands are documented in
:mod:`greencare.core.plausibility`.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from greencare.core import plausibility as rules
from greencare.core import units
from greencare.core.errors import InputError
from greencare.core.models import Meter, Purchase, Reading, WasteRecord
from greencare.core.plausibility import Finding
from greencare.storage import plausibility as store

if TYPE_CHECKING:
    import numpy as np

_ACCEPTING: ContextVar[bool] = ContextVar("greencare_accept_outliers", default=False)

OVERRIDE_HINT = (
    "if the value is right, record it deliberately: accept_outlier=True in Python, "
    "--accept-outlier on the command line, Record anyway in the app"
)


#: How an import marks a row it refused as implausible (the app offers to import anyway).
IMPORT_REFUSAL = "refused as implausible (--accept-outlier records it)"


class PlausibilityError(InputError):
    """A value in the refusal band: nothing was written. ``findings`` lists every rule broken."""

    def __init__(self, field: str, findings: list[Finding]) -> None:
        refused = [f for f in findings if f.refused]
        text = "; ".join(f.message for f in refused)
        super().__init__(
            f"{field}: {text}; refused as implausible ({OVERRIDE_HINT})", {field: text}
        )
        self.findings = findings
        self.field = field


@contextlib.contextmanager
def accepting() -> Iterator[None]:
    """Inside this block, refusals are accepted (and recorded) as if ``accept_outlier=True``."""
    token = _ACCEPTING.set(True)
    try:
        yield
    finally:
        _ACCEPTING.reset(token)


def accepted(accept_outlier: bool) -> bool:
    return accept_outlier or _ACCEPTING.get()


def enforce(field: str, findings: list[Finding], accept_outlier: bool) -> list[Finding]:
    """Raise if a finding refuses and outliers are not accepted; else the findings to store."""
    if any(f.refused for f in findings) and not accepted(accept_outlier):
        raise PlausibilityError(field, findings)
    return findings


def who() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name (some containers)
        return None


def remember(
    db: Database, table: str, row_id: int, findings: list[Finding], *,
    facility_id: int | None, month: str | None, source: str, batch_id: int | None = None,
) -> None:  # fmt: skip
    if findings:
        store.record_flags(
            db, table, row_id, [f.as_dict() for f in findings], facility_id=facility_id,
            month=month, source=source, accepted_by=who(), batch_id=batch_id,
        )  # fmt: skip


def _n(value: float) -> str:
    """A quantity as typed, with thousands separators: 500,000,000 rather than 5e+08."""
    return f"{value:,.10g}"


# --- readings -------------------------------------------------------------------------------


def _limits(level: int, warn: str, refuse: str) -> str:
    return f"refused above {refuse}" if level == rules.REFUSE else f"warning above {warn}"


def reading_levels(
    rate: np.ndarray, usual: float | None, energy: bool, size: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, str, str]:
    """Levels for one meter's rates (canonical unit per day), column-wise.

    Returns (levels, measure, rule, area text): ``measure`` is the ratio to the usual rate for
    the ``history`` rule, the implied site EUI for ``site_eui``, NaN when neither applies.
    """
    import numpy as np

    if usual is not None:
        level, ratio = rules.history_levels(rate, np.full(len(rate), usual))
        return level, ratio, "history", ""
    area, area_text = rules.bounding_area_ft2(size.get("floor_area_m2"), size.get("staffed_beds"))
    if not energy or area is None:
        return np.zeros(len(rate), dtype=np.int8), np.full(len(rate), np.nan), "", ""
    eui = rules.site_eui(rate, area)
    return rules.eui_levels(eui), eui, "site_eui", area_text


def reading_rule(usual: float | None, energy: bool, size: dict[str, Any]) -> tuple[str, str]:
    """Which rule ``reading_levels`` applies to a meter, and its area text: history, site_eui
    or "" (none)."""
    if usual is not None:
        return "history", ""
    area, area_text = rules.bounding_area_ft2(size.get("floor_area_m2"), size.get("staffed_beds"))
    if not energy or area is None:
        return "", ""
    return "site_eui", area_text


def reading_area(size: dict[str, Any]) -> float | None:
    """The floor area (ft2) the site EUI rule divides a facility's rates by."""
    return rules.bounding_area_ft2(size.get("floor_area_m2"), size.get("staffed_beds"))[0]


def levels_by_row(
    rate: np.ndarray, usual: np.ndarray, area: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``reading_levels`` for rows of many meters at once: each row's usual rate (NaN: not the
    history rule) and area (NaN: not the site EUI rule), as ``reading_rule`` chose them."""
    import numpy as np

    level = np.zeros(len(rate), dtype=np.int8)
    measure = np.full(len(rate), np.nan)
    history = ~np.isnan(usual)
    if history.any():
        level[history], measure[history] = rules.history_levels(rate[history], usual[history])
    eui_rows = np.isnan(usual) & ~np.isnan(area) & (area != 0)
    if eui_rows.any():
        eui = rates_eui(rate[eui_rows], area[eui_rows])
        level[eui_rows], measure[eui_rows] = rules.eui_levels(eui), eui
    return level, measure


def rates_eui(rate: np.ndarray, area: np.ndarray) -> np.ndarray:
    """``rules.site_eui`` with an area per row (the same arithmetic, in the same order)."""
    import numpy as np

    return np.asarray(rate, dtype=float) * rules.DAYS_PER_YEAR * rules.KBTU_PER_KWH / area


def reading_message(
    rule: str, level: int, measure: float, quantity: float, unit: str, days: float,
    facility: str, area_text: str,
) -> str:  # fmt: skip
    """The sentence for one reading's finding (shared by manual entry and imports)."""
    if rule == "history":
        if level == rules.REFUSE:
            return (
                f"{_n(quantity)} {unit} is {rules.ratio_text(measure)} this meter's usual daily use "
                f"(refused at {rules.HISTORY_REFUSE_HIGH:,.0f} x); a unit slip "
                "(kg vs tonnes, kWh vs MWh)?"
            )
        return (
            f"{rules.ratio_text(measure)} this meter's usual daily use; a unit slip "
            "(kg vs tonnes, kWh vs MWh)?"
        )
    limits = _limits(level, f"{rules.EUI_WARN:,.0f}", f"{rules.EUI_REFUSE:,.0f}")
    return (
        f"{_n(quantity)} {unit} over {days:,.4g} days implies a site EUI of {measure:,.0f} "
        f"kBtu/ft2/yr at {facility} ({area_text}); US hospitals' median is "
        f"{rules.HOSPITAL_MEDIAN_SITE_EUI:g} (ENERGY STAR Portfolio Manager), {limits}"
    )


def check_reading(
    db: Database, meter: Meter, reading: Reading, *, exclude_id: int | None = None
) -> list[Finding]:
    """Findings for one reading against its meter's history, or else its facility."""
    import numpy as np

    days = (reading.end - reading.start).total_seconds() / 86400.0
    canonical = reading.quantity_canonical(meter.commodity)
    rate = np.array([canonical / days])
    usual = store.usual_reading_rate(db, int(meter.id or 0), exclude_id=exclude_id)
    size = store.facility_size(db, meter.facility_id)
    energy = units.canonical_unit(meter.commodity) == units.CANONICAL_ENERGY
    level, measure, rule, area_text = reading_levels(rate, usual, energy, size)
    if not rule or level[0] == rules.OK:
        return []
    text = reading_message(
        rule, int(level[0]), float(measure[0]), reading.quantity, reading.unit, days,
        size["name"], area_text,
    )  # fmt: skip
    return [Finding(rule, int(level[0]), text)]


# --- waste ------------------------------------------------------------------------------------


def check_waste(
    db: Database, record: WasteRecord, *, exclude_batch: int | None = None,
    exclude_id: int | None = None,
) -> list[Finding]:  # fmt: skip
    """Findings for one waste record: kg per day against the stream's history at the facility,
    or else kg per staffed bed per day."""
    import numpy as np

    days = (record.end_date - record.start_date).days + 1
    per_day = record.quantity_kg / days
    usual = store.usual_waste_rate(
        db, record.facility_id, record.stream.value, exclude_batch=exclude_batch,
        exclude_id=exclude_id,
    )  # fmt: skip
    shown = f"{_n(record.quantity)} {record.unit}"
    if usual is not None:
        level, ratio = rules.history_levels(np.array([per_day]), np.array([usual]))
        if level[0] == rules.OK:
            return []
        refused = (
            f" (refused at {rules.HISTORY_REFUSE_HIGH:,.0f} x)" if level[0] == rules.REFUSE else ""
        )
        return [Finding("history", int(level[0]),
                        f"{shown}: {rules.ratio_text(ratio[0])} the usual kg per day for "
                        f"{record.stream.value} here{refused}; a unit slip (kg vs tonnes)?")]  # fmt: skip
    size = store.facility_size(db, record.facility_id)
    beds, beds_text = rules.bounding_beds(size["staffed_beds"], size["floor_area_m2"])
    if beds is None:
        return []
    per_bed = per_day / beds
    level = rules.banded(np.array([per_bed]), rules.WASTE_WARN, rules.WASTE_REFUSE)[0]
    if level == rules.OK:
        return []
    limits = _limits(int(level), f"{rules.WASTE_WARN:,.1f}", f"{rules.WASTE_REFUSE:,.0f}")
    return [Finding("waste_per_bed", int(level),
                    f"{shown} of {record.stream.value} over {days} days is {per_bed:,.1f} kg per "
                    f"staffed bed per day at {size['name']} ({beds_text}); Practice Greenhealth's "
                    f"average for all waste is {rules.WASTE_KG_PER_BED_DAY:.1f} kg, {limits}")]  # fmt: skip


# --- purchases ----------------------------------------------------------------------------------


def _in(quantity: float, unit: str, target: str) -> float | None:
    try:
        return units.convert(quantity, unit, target)
    except (units.UnitError, ValueError):
        return None


def check_purchase(
    db: Database, record: Purchase, *, exclude_batch: int | None = None,
    exclude_id: int | None = None,
) -> list[Finding]:  # fmt: skip
    """Findings for a healthcare item bought by quantity: against the facility's earlier
    purchases of the item, or else per staffed bed (the purchase as one month's use)."""
    import numpy as np

    if record.quantity is None or record.unit is None or record.category.isdigit():
        return []
    history = store.purchase_history(
        db, record.facility_id, record.category, record.item, exclude_batch=exclude_batch,
        exclude_id=exclude_id,
    )  # fmt: skip
    same = [
        converted
        for q, u in history
        if (converted := _in(q, u, record.unit)) is not None and converted > 0
    ]
    shown = f"{_n(record.quantity)} {record.unit} of {record.item or record.category}"
    if len(same) >= store.MIN_HISTORY:
        usual = float(np.median(same))
        level, ratio = rules.history_levels(np.array([record.quantity]), np.array([usual]))
        if level[0] == rules.OK:
            return []
        refused = (
            f" (refused at {rules.HISTORY_REFUSE_HIGH:,.0f} x)" if level[0] == rules.REFUSE else ""
        )
        return [Finding("history", int(level[0]),
                        f"{shown} is {rules.ratio_text(ratio[0])} this facility's usual purchase "
                        f"({_n(usual)} {record.unit}){refused}; a unit slip (bottles vs mL)?")]  # fmt: skip
    dimension = units.dimension_of(record.unit)
    amount = rules.item_amount(
        record.category, record.item, record.quantity, dimension,
        _in(record.quantity, record.unit, "kg") if dimension == "mass" else None,
        _in(record.quantity, record.unit, "litre") if dimension == "volume" else None,
    )  # fmt: skip
    if amount is None:
        return []
    band, value = amount
    size = store.facility_size(db, record.facility_id)
    beds, beds_text = rules.bounding_beds(size["staffed_beds"], size["floor_area_m2"])
    if beds is None:
        return []
    what, warn, refuse = rules.ITEM_BANDS[band]
    per_bed = value / beds
    level = rules.banded(np.array([per_bed]), warn, refuse)[0]
    if level == rules.OK:
        return []
    limits = _limits(int(level), f"{warn:g}", f"{refuse:g}")
    return [Finding("item_per_bed", int(level),
                    f"{shown} is {per_bed:,.2f} {what} per staffed bed in a month at "
                    f"{size['name']} ({beds_text}); {limits}")]  # fmt: skip


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
