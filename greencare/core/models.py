"""Domain models: what a facility manager records, validated at the edge.

These pydantic models guard single records coming from forms, the CLI and the Python API.
Bulk imports validate whole columns instead (see importers), with the same rules. The models
know nothing about storage: ids are optional and filled in by the store.
"""

from __future__ import annotations

import contextlib
import math
import re
from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from greencare.core import periods, regions, units
from greencare.core import text as text_rules
from greencare.core.errors import FieldError
from greencare.core.text import quote
from greencare.core.vocab import (
    HEALTHCARE_ITEMS,
    Commodity,
    DeliveryClass,
    DisposalRoute,
    FacilityKind,
    HealthcareCategory,
    WasteStream,
)


def _stored(info: ValidationInfo | None) -> bool:
    """Whether a record is read back from the database (``context={"stored": True}``): its
    units were checked with pint when it was written, so listing rows needs no pint."""
    return bool(info and info.context and info.context.get("stored"))


def _dimension(unit: str) -> str:
    try:
        return units.dimension_of(unit)
    except units.UnitError as exc:
        raise FieldError("unit", str(exc)) from exc


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _currency(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(
            f"currency must be a three-letter ISO 4217 code such as USD, not {quote(value)}"
        )
    return code


def _finite_first(value: Any) -> Any:
    """NaN and infinity refused before a bound is checked: NaN fails every comparison, so
    ``ge=0`` called it 'greater than or equal to 0' instead of not a number."""
    if isinstance(value, float | str) and not isinstance(value, bool):
        try:
            number = float(value)
        except ValueError:
            return value  # not a number at all: the float parser says so
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
    return value


Finite = Annotated[float, BeforeValidator(_finite_first), AfterValidator(_finite)]
OptionalFinite = Annotated[float | None, BeforeValidator(_finite_first), AfterValidator(_finite)]
Currency = Annotated[str | None, AfterValidator(_currency)]
#: At most ``text.NAME_MAX`` characters, checked with the other text rules in ``_Model``.
Name = Annotated[str, Field(min_length=1)]


def _pm_id(value: str | None) -> str | None:
    """ENERGY STAR Portfolio Manager's id of a property or meter, as PM writes it (digits;
    letters and hyphens are let through for files that number meters like 5766973-0)."""
    if value is None or value == "":
        return None
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z-]{0,39}", value):
        raise ValueError(f"a Portfolio Manager id is digits, such as 22178843, not {quote(value)}")
    return value


PMId = Annotated[str | None, AfterValidator(_pm_id)]


class _Model(BaseModel):
    # defer_build: a model's validator is built when it is first used, not when this module is
    # imported, so a command that lists facilities builds Facility's alone.
    model_config = ConfigDict(
        str_strip_whitespace=True, extra="forbid", validate_default=True, defer_build=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        """Every text field of every model: no control characters, no absurd length.

        The rule is in :mod:`greencare.core.text`; notes and descriptions may hold line breaks.
        Runs before the field's own checks so none of them quotes a refused value. Rows read
        back from the database (``context={"stored": True}``) are not refused: a database
        written before the rule, or by another tool, must still open; outputs make them safe.
        """
        if info.context and info.context.get("stored"):
            return value
        if isinstance(value, str):
            multiline = info.field_name in text_rules.MULTILINE_FIELDS
            limit = text_rules.NAME_MAX if info.field_name == "name" else None
            return text_rules.check_text(value.strip(), multiline=multiline, max_length=limit)
        return value


def build_validators() -> None:
    """Build now every model's validator that ``defer_build`` left for its first use (the
    terminal app does it in a thread, so a form's first check does not wait for it)."""
    for model in list(globals().values()):
        is_model = isinstance(model, type) and issubclass(model, _Model) and model is not _Model
        if is_model and not model.__pydantic_complete__:
            model.model_rebuild()


class Facility(_Model):
    """A site: a hospital, clinic or other building the inventory covers."""

    id: int | None = None
    name: Name
    kind: FacilityKind = FacilityKind.HOSPITAL
    country: str
    region: str | None = None
    postcode: str | None = None
    grid_region: str | None = None
    timezone: str | None = None
    floor_area: OptionalFinite = Field(default=None, gt=0)
    floor_area_unit: str | None = None
    staffed_beds: int | None = Field(default=None, ge=0)
    notes: str | None = None
    retired: bool = False
    pm_property_id: PMId = None  # ENERGY STAR Portfolio Manager property id

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return regions.normalize_country(value)

    @field_validator("floor_area_unit")
    @classmethod
    def _area_unit(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if _stored(info):  # checked and normalised when it was written
            return value
        try:
            dimension = units.dimension_of(value)
        except units.UnitError as exc:  # a field validator: pydantic names the field itself
            raise ValueError(str(exc)) from exc
        if dimension != "area":
            raise ValueError(f"{quote(value)} is not an area unit (use ft**2 or m**2)")
        return units.normalize_unit(value)

    @model_validator(mode="after")
    def _complete(self, info: ValidationInfo) -> Self:
        try:
            self.grid_region = regions.check_grid_region(self.country, self.grid_region)
        except ValueError as exc:
            raise FieldError("grid_region", str(exc)) from exc
        if self.timezone:
            try:
                self.timezone = regions.check_timezone(self.timezone)
            except ValueError as exc:
                raise FieldError("timezone", str(exc)) from exc
        else:
            guess = regions.default_timezone(self.country, self.grid_region)
            if guess is None:
                raise FieldError(
                    "timezone",
                    "timezone is required: no default for this country and grid region "
                    "(give an IANA name such as America/Chicago)",
                )
            self.timezone = guess
        if (self.floor_area is None) != (self.floor_area_unit is None):
            raise FieldError(
                "floor_area", "floor area needs both a number and a unit, e.g. 350000 ft**2"
            )
        if self.floor_area is not None and self.floor_area_unit is not None and not _stored(info):
            try:
                units.area_in_m2(self.floor_area, self.floor_area_unit)
            except units.UnitError as exc:
                raise FieldError("floor_area", str(exc)) from exc
        return self

    @property
    def floor_area_m2(self) -> float | None:
        if self.floor_area is None or self.floor_area_unit is None:
            return None
        return units.area_in_m2(self.floor_area, self.floor_area_unit)


class Meter(_Model):
    """A meter or account: one commodity, one default unit, one way of delivery."""

    id: int | None = None
    facility_id: int
    name: Name
    commodity: Commodity
    unit: str
    delivery_class: DeliveryClass | None = None
    net_metering: bool = False
    notes: str | None = None
    retired: bool = False
    pm_meter_id: PMId = None  # ENERGY STAR Portfolio Manager meter id

    @model_validator(mode="after")
    def _unit_fits(self, info: ValidationInfo) -> Self:
        if _stored(info):
            # Checked against the commodity when it was written; the spelling table alone
            # (no pint) normalises it, and a unit it no longer knows is shown as stored.
            with contextlib.suppress(units.UnitError):
                self.unit = units.normalize_unit(self.unit)
        else:
            try:
                units.conversion_factor(self.unit, self.commodity)
            except units.UnitError as exc:
                raise FieldError("unit", str(exc)) from exc
            self.unit = units.normalize_unit(self.unit)
        if self.delivery_class is None:
            self.delivery_class = (
                DeliveryClass.ONSITE_GENERATION
                if self.commodity in (Commodity.ONSITE_SOLAR, Commodity.ONSITE_WIND)
                else DeliveryClass.METERED
            )
        return self


def _stored_year(value: date) -> date:
    problem = periods.year_problem(value.year)
    if problem:
        raise ValueError(problem)
    return value


def _month(value: str) -> str:
    """A YYYY-MM month in the years greencare stores."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise ValueError(f"month must be YYYY-MM, not {quote(value)}")
    problem = periods.year_problem(int(value[:4]))
    if problem:
        raise ValueError(problem)
    return value


class Reading(_Model):
    """A quantity over a period: a monthly bill or a 15-minute interval.

    Validate with ``Reading.model_validate(data, context={"meter": meter})`` so the unit is
    checked against the meter's commodity and the sign against its net-metering flag.
    """

    id: int | None = None
    meter_id: int
    start: datetime
    end: datetime
    quantity: Finite
    unit: str
    cost: OptionalFinite = None
    currency: Currency = None
    estimated: bool = False
    source: str = "manual"
    batch_id: int | None = None
    #: Billed demand (kW) and its charge, as printed on a bill; optional, in ``currency``.
    demand_kw: OptionalFinite = Field(default=None, ge=0)
    demand_cost: OptionalFinite = None

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError(
                "needs a time zone (give an offset, or enter dates in the facility's zone)"
            )
        if not periods.EARLIEST_UTC <= value.timestamp() <= periods.LATEST_UTC:
            raise ValueError(periods.year_problem(value.year) or "outside the years stored")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Self:
        if self.end <= self.start:
            raise FieldError("end", "the period must end after it starts")
        if self.cost is not None and self.currency is None:
            raise FieldError("currency", "a cost needs a currency (e.g. USD)")
        if self.demand_cost is not None and self.currency is None:
            raise FieldError("currency", "a demand cost needs a currency (e.g. USD)")
        meter = (info.context or {}).get("meter") if info else None
        if meter is not None:
            try:
                factor = units.conversion_factor(self.unit, meter.commodity)
            except units.UnitError as exc:
                raise FieldError("unit", str(exc)) from exc
            try:
                units.check_finite(
                    self.quantity, self.unit, factor, units.canonical_unit(meter.commodity)
                )
            except units.NotFiniteError as exc:
                raise FieldError("quantity", str(exc)) from exc
            self.unit = units.normalize_unit(self.unit)
            if self.quantity < 0 and not meter.net_metering:
                raise FieldError(
                    "quantity",
                    f"quantity {self.quantity:g} is negative; only a net-metering meter may export",
                )
        return self

    def quantity_canonical(self, commodity: Commodity) -> float:
        return self.quantity * units.conversion_factor(self.unit, commodity)


class WasteRecord(_Model):
    """Waste collected from a facility over a period (a pickup, or a month's manifest)."""

    id: int | None = None
    facility_id: int
    start_date: date
    end_date: date
    stream: WasteStream
    route: DisposalRoute
    quantity: Finite = Field(ge=0)
    unit: str
    hauler: str | None = None
    cost: OptionalFinite = None
    currency: Currency = None
    estimated: bool = False
    source: str = "manual"
    batch_id: int | None = None
    notes: str | None = None

    @field_validator("start_date", "end_date")
    @classmethod
    def _stored_year(cls, value: date) -> date:
        return _stored_year(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end_date < self.start_date:
            raise FieldError("end_date", "the period must end on or after its start")
        if _dimension(self.unit) != "mass":
            raise FieldError(
                "unit",
                f"waste is recorded by mass; {quote(self.unit)} is not a mass unit (use lb, kg, tonne)",
            )
        self.unit = units.normalize_unit(self.unit)
        try:
            units.check_finite(self.quantity, self.unit, units.convert(1.0, self.unit, "kg"), "kg")
        except units.NotFiniteError as exc:
            raise FieldError("quantity", str(exc)) from exc
        if self.cost is not None and self.currency is None:
            raise FieldError("currency", "a cost needs a currency (e.g. USD)")
        return self

    @property
    def quantity_kg(self) -> float:
        return units.convert(self.quantity, self.unit, "kg")


_NAICS = re.compile(r"^\d{6}$")
_REFRIGERANT = re.compile(r"^R-\d{2,4}[A-Za-z]{0,2}$")

#: Which dimensions a healthcare item may be measured in.
_ITEM_DIMENSIONS: dict[HealthcareCategory, frozenset[str]] = {
    HealthcareCategory.ANESTHETIC_GAS: frozenset({"volume", "mass", "a count of items"}),
    HealthcareCategory.INHALER: frozenset({"a count of items"}),
    HealthcareCategory.REFRIGERANT: frozenset({"mass"}),
    HealthcareCategory.FLEET_FUEL: frozenset({"volume", "energy"}),
}


class Purchase(_Model):
    """Something bought: by spend (NAICS category) or, for healthcare items, by quantity."""

    id: int | None = None
    facility_id: int
    date: date
    category: str
    item: str | None = None
    description: str | None = None
    spend: OptionalFinite = None
    currency: Currency = None
    quantity: OptionalFinite = Field(default=None, ge=0)
    unit: str | None = None
    supplier: str | None = None
    source: str = "manual"
    batch_id: int | None = None

    @field_validator("date")
    @classmethod
    def _stored_year(cls, value: date) -> date:
        return _stored_year(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.spend is not None and self.currency is None:
            raise FieldError("currency", "spend needs a currency (e.g. USD)")
        if (self.quantity is None) != (self.unit is None):
            raise FieldError("unit", "a quantity needs a unit, and a unit a quantity")
        if self.category in HealthcareCategory._value2member_map_:
            self._check_item(HealthcareCategory(self.category))
        elif _NAICS.match(self.category):
            if self.spend is None and self.quantity is None:
                raise FieldError(
                    "spend", "a spend category needs a spend (with currency) or a quantity"
                )
        else:
            names = ", ".join(c.value for c in HealthcareCategory)
            raise FieldError(
                "category",
                f"category {quote(self.category)} is neither a six-digit NAICS code nor one of {names}",
            )
        if self.unit is not None:
            try:
                self.unit = units.normalize_unit(self.unit)
            except units.UnitError as exc:
                raise FieldError("unit", str(exc)) from exc
            if self.quantity is not None:
                try:
                    units.check_base(self.quantity, self.unit)
                except units.NotFiniteError as exc:
                    raise FieldError("quantity", str(exc)) from exc
        return self

    def _check_item(self, category: HealthcareCategory) -> None:
        if not self.item:
            raise FieldError(
                "item", f"a {category.value} purchase needs an item (e.g. desflurane, R-410A)"
            )
        known = HEALTHCARE_ITEMS[category]
        if self.item not in known and not (
            category is HealthcareCategory.REFRIGERANT and _REFRIGERANT.match(self.item)
        ):
            raise FieldError(
                "item",
                f"unknown {category.value} item {quote(self.item)}; known: {', '.join(sorted(known))}",
            )
        if self.quantity is None or self.unit is None:
            raise FieldError(
                "quantity", f"a {category.value} purchase is recorded as a quantity with a unit"
            )
        dimension = _dimension(self.unit)
        if dimension not in _ITEM_DIMENSIONS[category]:
            allowed = " or ".join(sorted(_ITEM_DIMENSIONS[category]))
            raise FieldError(
                "unit", f"{quote(self.unit)} measures {dimension}; {category.value} takes {allowed}"
            )


class MonthlyNormalizer(_Model):
    """Activity figures that turn totals into intensities (per patient day, per FTE)."""

    id: int | None = None
    facility_id: int
    month: str
    patient_days: OptionalFinite = Field(default=None, ge=0)
    adjusted_patient_days: OptionalFinite = Field(default=None, ge=0)
    ftes: OptionalFinite = Field(default=None, ge=0)

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        return _month(value)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.patient_days is None and self.adjusted_patient_days is None and self.ftes is None:
            raise ValueError("give at least one of patient days, adjusted patient days, FTEs")
        return self


class Instrument(_Model):
    """A contractual instrument for market-based Scope 2 electricity.

    ``supplier_factor``: the supplier's emission rate applies to all the electricity of the
    facility (or one meter) in the months given. ``rec``, ``ppa``, ``green_tariff``: energy
    attribute certificates covering ``mwh`` over the months, at ``co2e_kg_per_mwh`` (0 for
    renewable generation).
    """

    id: int | None = None
    facility_id: int
    meter_id: int | None = None
    kind: str
    start_month: str
    end_month: str
    mwh: OptionalFinite = Field(default=None, gt=0)
    co2e_kg_per_mwh: Finite = Field(default=0.0, ge=0)
    description: str | None = None
    certificate: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        kinds = ("supplier_factor", "rec", "ppa", "green_tariff")
        if value not in kinds:
            raise ValueError(f"kind must be one of {', '.join(kinds)}")
        return value

    @field_validator("start_month", "end_month")
    @classmethod
    def _month(cls, value: str) -> str:
        return _month(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end_month < self.start_month:
            raise FieldError("end_month", "the last month is before the first")
        if self.kind == "supplier_factor" and self.mwh is not None:
            raise FieldError("mwh", "a supplier factor covers all consumption; give no MWh")
        if self.kind != "supplier_factor" and self.mwh is None:
            raise FieldError("mwh", f"a {self.kind} covers a quantity: give the MWh")
        return self


def model_errors(exc: Exception) -> list[tuple[str, str]]:
    """(field, message) pairs from a pydantic ValidationError or a plain ValueError.

    Forms show these next to their fields; the CLI prints them on one line.
    """
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        pairs = []
        for err in exc.errors():
            cause = (err.get("ctx") or {}).get("error")
            loc = ".".join(str(p) for p in err.get("loc", ())) or "record"
            if isinstance(cause, FieldError):
                loc = cause.field
            msg = str(err.get("msg", "invalid"))
            msg = msg.removeprefix("Value error, ")
            pairs.append((loc, msg))
        return pairs
    if isinstance(exc, FieldError):
        return [(exc.field, str(exc))]
    return [("record", str(exc))]


def describe_errors(exc: Exception) -> str:
    return "; ".join(
        f"{field}: {msg}" if field != "record" else msg for field, msg in model_errors(exc)
    )


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
