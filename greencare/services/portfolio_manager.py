"""ENERGY STAR Portfolio Manager both ways: which facility and meter each PM property and meter
of an imported workbook is, and the "Add Bills to Existing Meters" workbook that takes bills back.

Import (called by :mod:`greencare.services.imports` for a workbook whose Meter Entries carry
Property Name / Portfolio Manager ID): a property is the facility holding its PM property id;
else, by ``ImportOptions.properties``:

- ``stop`` (the default): a file of one property with ``facility`` given goes there; a property
  all of whose meters greencare already has (by PM meter id, ``--map`` or name) keeps them where
  they are; with ``create_meters``, any other property refuses the import, listing them and how
  to proceed (without it, a meter greencare does not have is a row error, as in any import);
- ``map``: also the facility of exactly the property's name;
- ``create``: a new facility per property (name from Property Name, the PM id stored; country
  and time zone from ``country`` / ``timezone``, which the file cannot tell).

Several properties are never put into one facility unasked. A meter is the one holding its PM
meter id, else the facility's meter of its name; ``create_meters`` adds it with the commodity
its Meter Type names (refused when greencare has none for the type, or when ``commodity`` says
otherwise) and the unit of its bills. PM ids are stored on the facilities and meters found or
created (audited), so the next import finds them whatever they are called here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from greencare.core import regions
from greencare.core.errors import InputError, NotFoundError
from greencare.core.models import Meter
from greencare.core.text import quote
from greencare.importers.base import FormatError, ImportOptions
from greencare.importers.portfolio_manager import PMMeter, known_meter_types, pm_commodity
from greencare.storage import facilities

POLICIES = ("stop", "create", "map")


@dataclass
class _Property:
    key: str
    pm_id: str
    name: str
    meters: list[PMMeter] = field(default_factory=list)

    def label(self) -> str:
        if self.pm_id and self.name:
            return f"{quote(self.name)} (PM id {self.pm_id})"
        return quote(self.name) if self.name else f"PM id {self.pm_id}"


class PropertyPlan:
    """Facilities for a workbook's properties, decided once before any row is written."""

    def __init__(self, db: Database, path: Path, options: ImportOptions, source: str) -> None:
        self.db, self.path, self.options, self.source = db, path, options, source
        self.facility_of: dict[str, int] = {}  # property key -> facility id
        self.facilities_created: list[str] = []

    # --- properties -> facilities ------------------------------------------------------------

    def decide(self, meters: dict[str, PMMeter], facility_id: int | None) -> None:
        """Map every property of the workbook to a facility, or refuse (nothing written yet
        but facilities created here, inside the import's transaction)."""
        policy = self.options.properties or "stop"
        if policy not in POLICIES:
            raise InputError(f"--properties {quote(policy)}: use one of {', '.join(POLICIES)}")
        props: dict[str, _Property] = {}
        for meter in meters.values():
            if not meter.property_key:
                continue
            prop = props.setdefault(
                meter.property_key,
                _Property(meter.property_key, meter.property_id, meter.property_name),
            )
            prop.meters.append(meter)
        if not props:
            return  # a sheet without property columns: meters are found as before
        if policy == "create" and not self.options.create_meters:
            raise InputError(
                "--properties create adds facilities for the meters it creates: give "
                "--create-meters too"
            )
        if facility_id is not None and len(props) > 1:
            raise InputError(
                f"{self.path.name} holds {len(props)} Portfolio Manager properties "
                f"({_listed(props.values())}) and --facility puts every meter in one facility; "
                "leave --facility out and give --properties create (a facility per property) "
                "or --properties map (the facilities of the same names)"
            )
        unmapped: list[_Property] = []
        to_create: list[_Property] = []
        for prop in props.values():
            found = facilities.get_facility_by_pm_id(self.db, prop.pm_id) if prop.pm_id else None
            if found is not None:
                self.facility_of[prop.key] = int(found.id or 0)
            elif facility_id is not None:
                self._link(facility_id, prop)
            elif policy == "map" and (named := self._named(prop)) is not None:
                self._link(named, prop)
            elif policy == "create":
                to_create.append(prop)
            elif self.options.create_meters and not self._all_meters_known(prop):
                unmapped.append(prop)  # (without --create-meters, unknown meters are row errors)
        if unmapped:
            raise InputError(self._unmapped_message(unmapped, policy))
        if to_create:
            self._create(to_create)

    def _named(self, prop: _Property) -> int | None:
        """The facility of exactly the property's name that is not another PM property."""
        if not prop.name:
            return None
        try:
            found = facilities.get_facility(self.db, prop.name)
        except NotFoundError:
            return None
        if found.name != prop.name or found.pm_property_id not in (None, prop.pm_id):
            return None
        return int(found.id or 0)

    def _link(self, facility_id: int, prop: _Property) -> None:
        """Use this facility for the property, storing its PM id there (audited)."""
        from greencare.services.facilities import update_facility

        current = facilities.get_facility(self.db, facility_id)
        if prop.pm_id and current.pm_property_id not in (None, prop.pm_id):
            raise InputError(
                f"facility {quote(current.name)} is Portfolio Manager property "
                f"{current.pm_property_id}, but {self.path.name} holds property {prop.label()}; "
                "give that property's facility (or --properties create)"
            )
        if prop.pm_id and current.pm_property_id is None:
            update_facility(self.db, facility_id, pm_property_id=prop.pm_id, source=self.source)
        self.facility_of[prop.key] = facility_id

    def _all_meters_known(self, prop: _Property) -> bool:
        """Every meter of the property is one greencare has (its facility is then known)."""
        for meter in prop.meters:
            if self.explicit(meter.key) is not None:
                continue
            if self.find(meter, None) is None:
                return False
        return True

    def _unmapped_message(self, props: list[_Property], policy: str) -> str:
        which = "no facility holds their Portfolio Manager ids"
        if policy == "map":
            which += " or has their names"
        return (
            f"{self.path.name}: {len(props)} Portfolio Manager "
            f"{'property is' if len(props) == 1 else 'properties are'} not linked to a facility "
            f"({which}): {_listed(props)}. Give --properties create to add a facility for each "
            "(with --country, and --timezone where the country has several zones), "
            "--properties map to use the facilities of the same names, or import a file of "
            "one property with --facility NAME"
        )

    def _create(self, props: list[_Property]) -> None:
        from greencare.services.facilities import add_facility

        country = self.options.country
        if not country:
            raise InputError(
                f"--properties create adds {len(props)} facilities ({_listed(props)}) and needs "
                "--country: a Portfolio Manager meter export does not say where its properties are"
            )
        try:
            code = regions.normalize_country(country)
        except ValueError as exc:
            raise InputError(f"--country: {exc}") from exc
        zone = self.options.timezone or regions.default_timezone(code, None)
        if not zone:
            raise InputError(
                f"--properties create needs --timezone for facilities in {code}, which has "
                "several time zones (an IANA name such as America/New_York)"
            )
        named = [p.name.lower() for p in props]
        for prop in props:
            name = prop.name or f"Portfolio Manager property {prop.pm_id}"
            if prop.name and prop.pm_id and named.count(prop.name.lower()) > 1:
                name = f"{prop.name} [{prop.pm_id}]"  # two properties of one name in the file
            try:
                clash = facilities.get_facility(self.db, name)
            except NotFoundError:
                clash = None
            if clash is not None:
                raise InputError(
                    f"a facility named {quote(clash.name)} exists but is not linked to "
                    f"Portfolio Manager property {prop.label()}; give --properties map to use it"
                )
            try:
                made = add_facility(self.db, name=name, country=code, timezone=zone,
                                    pm_property_id=prop.pm_id or None, source=self.source)  # fmt: skip
            except InputError as exc:
                raise InputError(f"property {prop.label()}: {exc}", exc.fields) from exc
            self.facility_of[prop.key] = int(made.id or 0)
            self.facilities_created.append(made.name)

    # --- meters --------------------------------------------------------------------------------

    def explicit(self, key: str) -> str | None:
        """The meter the user named for this key (``--meter`` or ``--map``), if any."""
        return self.options.meter or self.options.meter_map.get(key)

    def facility_for(self, meter: PMMeter, facility_id: int | None) -> int | None:
        return self.facility_of.get(meter.property_key, facility_id)

    def find(self, meter: PMMeter, facility_id: int | None) -> Meter | None:
        """The stored meter for a PM meter: by its PM meter id, else by name in its facility
        (its name on the property, then the workbook's key); no facility: the key anywhere."""
        if meter.meter_id:
            stored = facilities.get_meter_by_pm_id(self.db, meter.meter_id)
            if stored is not None:
                self._check_facility(stored, meter, facility_id)
                return stored
        where = self.facility_for(meter, facility_id)
        names = [meter.local_name, meter.key] if where is not None else [meter.key]
        for name in dict.fromkeys(n for n in names if n):
            try:
                stored = facilities.get_meter(self.db, name, facility_id=where)
            except NotFoundError:
                continue
            if stored.name.lower() != name.lower():  # found by id ("12" is a meter id)
                continue
            if meter.meter_id and stored.pm_meter_id not in (None, meter.meter_id):
                continue  # another PM meter of the same name
            return stored
        return None

    def _check_facility(self, stored: Meter, meter: PMMeter, facility_id: int | None) -> None:
        where = self.facility_for(meter, facility_id)
        if where is not None and stored.facility_id != where:
            owner = facilities.get_facility(self.db, stored.facility_id)
            target = facilities.get_facility(self.db, where)
            raise InputError(
                f"{self.path.name}, line {meter.line}: Portfolio Manager meter {meter.meter_id} "
                f"is meter {quote(stored.name)} of facility {quote(owner.name)}, but its "
                f"property {quote(meter.property_name or meter.property_id)} is facility "
                f"{quote(target.name)}"
            )

    def record_id(self, stored: Meter, meter: PMMeter) -> Meter:
        """Store the PM meter id on a meter found by name (audited)."""
        if not meter.meter_id or stored.pm_meter_id or stored.id is None:
            return stored
        facilities.set_meter_pm_id(self.db, stored.id, meter.meter_id, source=self.source)
        return stored.model_copy(update={"pm_meter_id": meter.meter_id})

    def create(self, meter: PMMeter, facility_id: int | None) -> Meter:
        """A new meter for a PM meter: commodity from its Meter Type, unit from its bills."""
        from greencare.services.facilities import add_meter

        where = self.facility_for(meter, facility_id)
        if where is None:
            raise InputError(
                f"--create-meters needs to know where the new meter {quote(meter.key)} belongs: "
                "give --facility (a file of one property) or --properties create|map"
            )
        commodity = self.commodity(meter)
        name = meter.local_name if meter.property_key in self.facility_of else meter.key
        try:
            return add_meter(
                self.db,
                facility=where,
                name=name,
                commodity=commodity,
                unit=meter.unit or self.options.unit,
                delivery_class="bulk_delivery" if meter.delivery else None,
                pm_meter_id=meter.meter_id or None,
                source=self.source,
            )
        except InputError as exc:
            raise FormatError(
                self.path, f"sheet {meter.sheet!r}: new meter {quote(name)}: {exc}", meter.line
            ) from exc

    def commodity(self, meter: PMMeter) -> str:
        given = self.options.commodity
        if len(meter.meter_types) > 1:
            listed = ", ".join(f"{quote(t)} (line {n})" for t, n in meter.meter_types[:5])
            raise FormatError(
                self.path,
                f"sheet {meter.sheet!r}: the rows of meter {quote(meter.key)} give different "
                f"Meter Types: {listed}; correct the file (one meter has one type)",
                meter.line,
            )
        if not meter.meter_type:
            if not given:
                raise InputError(
                    f"--create-meters needs --commodity: {self.path.name} has no Meter Type "
                    f"to say what the new meter {quote(meter.key)} measures"
                )
            return given
        commodity = pm_commodity(meter.meter_type)
        if commodity is None:
            raise FormatError(
                self.path,
                f"sheet {meter.sheet!r}, Meter Type {quote(meter.meter_type)} of meter "
                f"{quote(meter.key)}: not a Portfolio Manager meter type greencare has a "
                f"commodity for; known types: {known_meter_types()}. Add the meter yourself "
                "(greencare meter add) and import again, or leave its rows out",
                meter.line,
            )
        if given and given != commodity:
            raise FormatError(
                self.path,
                f"sheet {meter.sheet!r}: meter {quote(meter.key)} is Meter Type "
                f"{quote(meter.meter_type)} ({commodity}) but --commodity {given} was given; "
                "the file's Meter Type decides: leave --commodity out",
                meter.line,
            )
        return commodity


def _listed(props: Any, limit: int = 10) -> str:
    items = list(props)
    text = ", ".join(p.label() for p in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


# --- export: the "Add Bills to Existing Meters" workbook -----------------------------------------


def _sheet_for(commodity: str, delivery_class: str | None) -> str:
    from greencare.core.vocab import WATER_COMMODITIES
    from greencare.reports import pm_upload

    if delivery_class == "bulk_delivery":
        return pm_upload.DELIVERY
    if commodity == "electricity":
        return pm_upload.ELECTRICITY
    if commodity in ("onsite_solar", "onsite_wind"):
        return pm_upload.ON_SITE
    if commodity in WATER_COMMODITIES:
        return pm_upload.WATER
    return pm_upload.NON_ELECTRIC


def _meter_unit(commodity: str, unit: str) -> tuple[str, str, float]:
    """(greencare unit, PM's words for it, canonical per unit) the meter's rows are written in:
    the meter's own unit where Portfolio Manager takes it, else kBtu or cubic meters."""
    from greencare.core import units
    from greencare.core.summary import KWH_TO_KBTU
    from greencare.reports.frameworks import PM_UNITS

    allowed = PM_UNITS.get(commodity, {})
    if unit in allowed:
        return unit, allowed[unit], units.conversion_factor(unit, commodity)
    if units.canonical_unit(commodity) == units.CANONICAL_ENERGY:
        return "kBtu", "kBtu (thousand Btu)", 1 / KWH_TO_KBTU
    return "m**3", "Cubic meters", 1.0


def _green_power(months: list[tuple[str, str]], first: str, last: str) -> str | None:
    """ "No" unless a REC, PPA or green tariff recorded for the facility covers the bill's
    months (then blank: the person uploading says how much)."""
    return None if any(a <= last and first <= b for a, b in months) else "No"


def export_bills(
    db: Database,
    output: Path,
    *,
    year: int | None = None,
    start: str | None = None,
    end: str | None = None,
    facility: int | str | None = None,
    force: bool = False,
    protect: Any = (),
) -> dict[str, Any]:
    """Write Portfolio Manager's "Add Bills to Existing Meters" workbook to ``output``.

    One row per reading in its own bill period (never cut into calendar months), the start's
    local date and the last day inclusive; a bulk-delivery meter's readings on the Delivery
    sheet with one date; meters with interval readings as their local calendar months (PM takes
    bills). Quantities in the meter's unit where PM takes it (else kBtu or cubic meters), costs
    as billed, in the bill's currency (shown in the cell's format), blank for a bill in another
    currency than its property's (PM would read it as the property's). Meter ID and Portfolio
    Manager ID are the stored PM ids, blank where there are none. With a year or --from/--to,
    the bills that start in those months. Never over the database or an existing file unless
    ``force``. Returns what was written.
    """
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from greencare.reports import pm_upload
    from greencare.reports.frameworks import PM_METER_TYPES
    from greencare.services import common, outputs
    from greencare.services.inventory import period_months
    from greencare.services.reports import database_files
    from greencare.storage import exports

    output = Path(output)
    first, last = period_months(year, start, end) if (year or start or end) else ("", "9999-12")
    guard = [*map(Path, protect), *map(Path, database_files(db))]
    outputs.check_target(output, force=force, protect=guard)
    scope = None
    if facility is not None:
        scope = [int(facilities.get_facility(db, facility).id or 0)]
    green = exports.green_power_months(db)
    sheets: dict[str, list[dict[str, Any]]] = {}
    meters: set[int] = set()
    missing_ids: set[str] = set()
    skipped_cost_mix = 0
    foreign: dict[str, int] = {}  # "USD at X (CAD)" -> bills whose cost is left blank

    def priced_in_home(row: dict[str, Any], currency: str | None) -> bool:
        """PM (and greencare reading the workbook back) takes a cost in the property's
        currency: a USD cost written for a Canadian property would be read as CAD."""
        home = common.default_currency(row["country"] or "")
        if not currency or not home or currency == home:
            return True
        label = f"{currency} at {row['facility_name']} ({home})"
        foreign[label] = foreign.get(label, 0) + 1
        return False

    def base(row: dict[str, Any]) -> dict[str, Any]:
        if not row["pm_meter_id"] or not row["pm_property_id"]:
            missing_ids.add(f"{row['meter_name']} ({row['facility_name']})")
        return {
            "meter_id": _int_or_text(row["pm_meter_id"]),
            "property_id": _int_or_text(row["pm_property_id"]),
            "property_name": row["facility_name"],
            "meter_name": row["meter_name"],
            "meter_type": PM_METER_TYPES.get(row["commodity"], "Other"),
        }

    for row in exports.bill_rows(db, scope):
        zone = ZoneInfo(row["timezone"] or "UTC")
        begins = datetime.fromtimestamp(row["start_utc"], zone)
        ends = datetime.fromtimestamp(row["end_utc"] - 1, zone)  # the bill's last second
        if not first <= f"{begins:%Y-%m}" <= last:
            continue
        unit, words, per_unit = _meter_unit(row["commodity"], row["meter_unit"])
        quantity = row["quantity"] if row["unit"] == unit else row["quantity_canonical"] / per_unit
        sheet = _sheet_for(row["commodity"], row["delivery_class"])
        months = (f"{begins:%Y-%m}", f"{ends:%Y-%m}")
        home = priced_in_home(row, row["currency"])
        sheets.setdefault(sheet, []).append({
            **base(row),
            "start": begins.date(),
            "end": ends.date(),
            "quantity": float(quantity),
            "unit": words,
            "cost": row["cost"] if home else None,
            "currency": row["currency"] or "",
            "demand_kw": row["demand_kw"],
            "demand_cost": row["demand_cost"] if home else None,
            "estimated": "Yes" if row["estimated"] else "No",
            "green_power": _green_power(green.get(int(row["facility_id"]), []), *months),
        })  # fmt: skip
        meters.add(int(row["meter_id"]))
    by_month: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for row in exports.interval_months(db, scope):
        if first <= row["month"] <= last:
            by_month.setdefault((int(row["meter_id"]), row["month"]), []).append(row)
    for (meter_id, month), parts in by_month.items():
        row = parts[0]
        unit, words, per_unit = _meter_unit(row["commodity"], row["meter_unit"])
        priced = [p for p in parts if p["currency"]]
        if len(priced) > 1:
            skipped_cost_mix += 1  # a month billed in two currencies: no one cost to give
        begins = datetime.strptime(f"{month}-01", "%Y-%m-%d").date()
        ends = (begins.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        sheet = _sheet_for(row["commodity"], row["delivery_class"])
        sheets.setdefault(sheet, []).append({
            **base(row),
            "start": begins,
            "end": ends,
            "quantity": sum(p["quantity_canonical"] for p in parts) / per_unit,
            "unit": words,
            "cost": (
                priced[0]["cost"]
                if len(priced) == 1 and priced_in_home(row, priced[0]["currency"])
                else None
            ),
            "currency": priced[0]["currency"] if len(priced) == 1 else "",
            "estimated": "Yes" if any(p["estimated"] > 0 for p in parts) else "No",
            "green_power": _green_power(green.get(int(row["facility_id"]), []), month, month),
        })  # fmt: skip
        meters.add(meter_id)
    with outputs.write_file(output, force=force, protect=guard) as temp:
        pm_upload.write_add_bills(sheets, temp)
    return {
        "written": str(output),
        "format": "portfolio-manager",
        "rows": {name: len(rows) for name, rows in sheets.items()},
        "meters": len(meters),
        "without_pm_ids": sorted(missing_ids),
        "months_with_two_currencies": skipped_cost_mix,
        "costs_in_another_currency": dict(sorted(foreign.items())),
    }


def _int_or_text(value: str | None) -> int | str | None:
    """A PM id as PM's own downloads hold it (a number), or as stored when not digits."""
    if value is None or value == "":
        return None
    return int(value) if str(value).isdigit() else str(value)
