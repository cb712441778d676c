"""Facilities and meters: add, edit and retire facilities; add and retire meters; patient days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static

from greencare import services
from greencare.core import regions, units
from greencare.core.errors import GreencareError
from greencare.core.models import Facility, Meter
from greencare.core.numbers import ungrouped
from greencare.core.vocab import Commodity, DeliveryClass, FacilityKind
from greencare.services import activity as queries
from greencare.tui.forms import (
    ConfirmScreen,
    Field,
    FormScreen,
    blank_to_none,
    check_month,
    check_number,
    choices,
    label_of,
    number_or_none,
)
from greencare.tui.screens.base import SectionScreen, num
from greencare.tui.widgets import MESSAGE_MAX, KeysFooter, NavBar, SafeTable, plain, unit

AREA_UNITS = [("ft²", "ft**2"), ("m²", "m**2")]


def region_options(country: str) -> list[tuple[str, str]]:
    """eGRID subregions for the US; elsewhere the country's national grid."""
    country = (country or "").strip().upper()
    country = regions.COUNTRY_ALIASES.get(country, country)
    if country == "US" or not country:
        return [(f"{code} {name}", code) for code, (name, _) in regions.EGRID_SUBREGIONS.items()]
    return [(f"{country} national grid", country)]


def check_timezone(text: str) -> str:
    if not text.strip():
        return ""
    try:
        regions.check_timezone(text.strip())
    except ValueError as exc:
        return str(exc)
    return ""


def check_country(text: str) -> str:
    if not text.strip():
        return ""
    try:
        regions.normalize_country(text)
    except ValueError as exc:
        return str(exc)
    return ""


#: A ZIP as typed in full (12345 or 12345-6789): the form looks it up only then, not while
#: the digits are still being typed.
FULL_ZIP = re.compile(r"\d{5}(?:-\d{4})?")


class FacilityForm(FormScreen):
    """Add (or, given a facility, edit) a facility.

    Typing a US ZIP code fills a blank grid region from the shipped ZIP table, or, when the
    ZIP lies in several eGRID subregions, narrows the grid region to those to choose from.
    """

    DEFAULT_CSS = """
    FacilityForm .field-error.hint { color: $text-muted; }
    FacilityForm .field-error.hint-warning { color: $text-warning; }
    """

    def __init__(self, db: Any, facility: Facility | None = None) -> None:
        self.db = db
        self.facility = facility
        f = facility
        country = f.country if f else "US"
        fields = [
            Field("name", "Name", placeholder="e.g. St Example", required=True,
                  value=f.name if f else None),
            Field("country", "Country", placeholder="US, GB, …", required=True,
                  value=country, check=check_country),
            Field("region", "State/region", placeholder="US state, e.g. IL",
                  value=f.region if f and f.region else None),
            Field("postcode", "ZIP/postcode", placeholder="US ZIP, e.g. 02115",
                  value=f.postcode if f and f.postcode else None),
            Field("grid_region", "Grid region", kind="select", options=region_options(country),
                  value=f.grid_region if f and f.grid_region else None,
                  placeholder="choose the eGRID subregion"),
            Field("timezone", "Time zone", placeholder="e.g. America/New_York",
                  value=f.timezone if f else None, check=check_timezone),
            Field("kind", "Kind", kind="select", options=choices([k.value for k in FacilityKind]),
                  value=(f.kind.value if f else "hospital"), allow_blank=False),
            Field("floor_area", "Floor area", placeholder="e.g. 350000",
                  value=f.floor_area if f and f.floor_area else None,
                  check=lambda t: check_number(t, minimum=0)),
            Field("floor_area_unit", "Area unit", kind="select", options=AREA_UNITS,
                  value=(f.floor_area_unit if f and f.floor_area_unit else "ft**2"),
                  allow_blank=False),
            Field("staffed_beds", "Staffed beds", placeholder="e.g. 250",
                  value=f.staffed_beds if f and f.staffed_beds is not None else None,
                  check=lambda t: check_number(t, minimum=0, integer=True)),
        ]  # fmt: skip
        title = f"Edit [b]{f.name}[/b]" if f else "New facility"
        super().__init__(title, fields)
        self._auto_tz = f.timezone if f else None
        #: The grid region this form filled in from the ZIP (replaced when the ZIP changes).
        self._auto_grid: str | None = None

    def changed(self, field_id: str, value: Any) -> None:
        if field_id == "country" and not check_country(value or ""):
            select = self.query_one("#grid_region", Select)
            options = region_options(value)
            if [v for _, v in options] != [v for _, v in select._options if v is not Select.NULL]:
                select.set_options(options)
                if len(options) == 1:
                    select.value = options[0][1]
            self._grid_from_zip()
            self._suggest_timezone()
        elif field_id == "postcode":
            self._grid_from_zip()
        elif field_id == "grid_region":
            self._grid_from_zip(region_changed=True)
            self._suggest_timezone()

    def show_error(self, field_id: str, message: str) -> None:
        super().show_error(field_id, message)
        for label in self.query(f"#error-{field_id}").results(Label):
            label.set_class(False, "hint", "hint-warning")

    def show_hint(self, field_id: str, message: str, *, warning: bool = False) -> None:
        """A note beside a field that is not an error (where a value came from)."""
        super().show_error(field_id, message)
        for label in self.query(f"#error-{field_id}").results(Label):
            label.set_class(not warning, "hint")
            label.set_class(warning, "hint-warning")

    def _zip_choices(self) -> tuple[str, str, tuple[str, ...]]:
        """(country, ZIP, its subregions) for a US facility with a full ZIP typed; else blanks."""
        try:
            country = regions.normalize_country(self.value("country") or "")
        except ValueError:
            return "", "", ()
        typed = self.value("postcode") or ""
        if country != "US" or not FULL_ZIP.fullmatch(typed):
            return country, "", ()
        zip_code = regions.normalize_zip(typed) or ""
        return country, zip_code, services.subregions_for_zip(zip_code)

    def _grid_from_zip(self, *, region_changed: bool = False) -> None:
        """Fill or narrow the grid region from the ZIP, and say beside the ZIP what was done."""
        country, zip_code, found = self._zip_choices()
        select = self.query_one("#grid_region", Select)
        current = self.value("grid_region")
        if country == "US" and not region_changed:
            wanted = region_options("US")
            # Narrow to the ZIP's subregions unless that would drop a region the user chose.
            if len(found) > 1 and current in (None, self._auto_grid, *found):
                labels = dict((v, label) for label, v in wanted)
                wanted = [(labels[code], code) for code in found]
            offered = [v for _, v in select._options if v is not Select.NULL]
            if [v for _, v in wanted] != offered:
                select.set_options(wanted)
                if current in {v for _, v in wanted}:
                    select.value = current
                current = self.value("grid_region")
        if not zip_code:
            self.show_hint("postcode", "")
            return
        if not found:
            self.show_hint(
                "postcode",
                f"ZIP {zip_code} is not in the ZIP table: choose the grid region",
                warning=True,
            )
            return
        listed = ", ".join(found)
        if len(found) > 1:
            if current is None:
                self.show_hint(
                    "postcode",
                    f"ZIP {zip_code} lies in {listed} (no shares published): choose one",
                    warning=True,
                )
            elif current not in found:
                self.show_hint(
                    "postcode", f"ZIP {zip_code} lies in {listed}, not {current}", warning=True
                )
            else:
                self.show_hint("postcode", f"ZIP {zip_code} lies in {listed}")
            return
        only = found[0]
        if not region_changed and current in (None, self._auto_grid) and current != only:
            self._auto_grid = only
            select.value = only
            current = only
        if current == only:
            self.show_hint(
                "postcode", f"grid region {only} from ZIP {zip_code} ({regions.zip_source()})"
            )
        else:
            self.show_hint(
                "postcode", f"ZIP {zip_code} lies in {only}, not {current}", warning=True
            )

    def _suggest_timezone(self) -> None:
        """Fill the time zone from the region or country, unless the user typed their own."""
        tz_input = self.query_one("#timezone", Input)
        if tz_input.value.strip() not in ("", self._auto_tz or ""):
            return
        country = self.value("country") or ""
        try:
            code = regions.normalize_country(country)
        except ValueError:
            return
        suggestion = regions.default_timezone(code, self.value("grid_region"))
        if suggestion:
            self._auto_tz = suggestion
            tz_input.value = suggestion

    def save(self, values: dict[str, Any]) -> Facility:
        data = {
            "name": values["name"],
            "country": values["country"],
            "region": blank_to_none(values["region"]),
            "postcode": blank_to_none(values["postcode"]),
            "grid_region": blank_to_none(values["grid_region"]),
            "timezone": blank_to_none(values["timezone"]),
            "kind": values["kind"],
            "floor_area": values["floor_area"] or None,
            "floor_area_unit": values["floor_area_unit"] if values["floor_area"] else None,
            "staffed_beds": int(ungrouped(values["staffed_beds"]))
            if values["staffed_beds"]
            else None,
        }
        if self.facility is not None and self.facility.id is not None:
            # An edit writes only what the user changed (a floor area stays as entered).
            changed = self.changed_ids()
            if changed & {"floor_area", "floor_area_unit"}:
                changed |= {"floor_area", "floor_area_unit"}
            data = {k: v for k, v in data.items() if k in changed}
            notices: list[Any] = []
            updated = services.update_facility(
                self.db, self.facility.id, source="tui", notices=notices, **data
            )
            self._tell(notices)
            return updated
        notices = []
        created = services.add_facility(self.db, source="tui", notices=notices, **data)
        self._tell(notices)
        return created

    def _tell(self, notices: list[Any]) -> None:
        for n in notices:
            self.app.notify(
                n.message,
                title="Grid region",
                severity="warning" if n.warning else "information",
            )


class MeterForm(FormScreen):
    """Add a meter to a facility (or, given one, change it): the unit list follows the
    commodity. A meter with readings keeps its commodity (the services say why)."""

    def __init__(self, db: Any, facility: Facility, meter: Meter | None = None) -> None:
        self.db = db
        self.facility = facility
        self.meter = meter
        commodity = meter.commodity.value if meter else "electricity"
        self.shown_commodity = commodity  # the commodity the unit list is for
        unit_options = self.unit_options(commodity)
        if meter and all(v != meter.unit for _, v in unit_options):
            unit_options.insert(0, (meter.unit, meter.unit))
        fields = [
            Field("name", "Name", placeholder="e.g. Main electric", required=True,
                  value=meter.name if meter else None),
            Field("commodity", "Commodity", kind="select",
                  options=choices([c.value for c in Commodity]), value=commodity,
                  allow_blank=False),
            Field("unit", "Unit", kind="select", options=unit_options,
                  value=meter.unit if meter else "kWh", allow_blank=False),
            Field("delivery_class", "Delivery", kind="select",
                  options=choices([d.value for d in DeliveryClass]),
                  value=meter.delivery_class.value if meter and meter.delivery_class else None,
                  placeholder="metered (default)"),
            Field("net_metering", "Net metering", kind="checkbox",
                  value=bool(meter and meter.net_metering)),
            Field("notes", "Notes", placeholder="optional",
                  value=meter.notes if meter else None),
        ]  # fmt: skip
        title = (
            f"Meter {meter.name} at {facility.name}" if meter else f"New meter at {facility.name}"
        )
        super().__init__(title, fields)

    @staticmethod
    def unit_options(commodity: str) -> list[tuple[str, str]]:
        return [(u, u) for u in units.unit_choices(commodity)]

    def changed(self, field_id: str, value: Any) -> None:
        if field_id == "commodity" and value and value != self.shown_commodity:
            self.shown_commodity = value
            select = self.query_one("#unit", Select)
            options = self.unit_options(value)
            default = services.DEFAULT_UNITS.get(value)
            if self.meter is not None and value == self.meter.commodity.value:
                default = self.meter.unit  # back to the stored commodity: its stored unit
                if all(v != default for _, v in options):
                    options.insert(0, (default, default))
            select.set_options(options)
            select.value = default if default in dict((v, v) for _, v in options) else options[0][1]

    def save(self, values: dict[str, Any]) -> Meter:
        data = {
            "name": values["name"],
            "commodity": values["commodity"],
            "unit": values["unit"],
            "delivery_class": values["delivery_class"],
            "net_metering": bool(values["net_metering"]),
            "notes": blank_to_none(values["notes"]),
        }
        if self.meter is not None and self.meter.id is not None:
            stored = self.meter.model_dump(mode="json")
            changes = {k: v for k, v in data.items() if v != stored.get(k)}
            if not changes:
                return self.meter
            return services.update_meter(self.db, self.meter.id, source="tui", **changes)
        return services.add_meter(self.db, facility=self.facility.id or 0, source="tui", **data)


class PatientDaysForm(FormScreen):
    """Patient days, adjusted patient days and FTEs for one month or the same figures for each
    month of a range (replacing what those months had), all saved together or none."""

    ALIASES = {"start": "month", "end": "to_month"}

    def __init__(self, db: Any, facility: Facility, month: str = "") -> None:
        self.db = db
        self.facility = facility
        positive = lambda t: check_number(t, minimum=0)  # noqa: E731
        fields = [
            Field("month", "From month", placeholder="YYYY-MM", required=True,
                  value=month or None, check=check_month),
            Field("to_month", "To month", placeholder="YYYY-MM (blank: that month only)",
                  check=check_month),
            Field("patient_days", "Patient days", placeholder="e.g. 6500", check=positive),
            Field("adjusted_patient_days", "Adj. patient days", placeholder="optional",
                  check=positive),
            Field("ftes", "FTEs", placeholder="optional", check=positive),
        ]  # fmt: skip
        super().__init__(f"Patient days at {facility.name} (each month)", fields)

    def check(self, field_id: str, text: str) -> str:
        message = super().check(field_id, text)
        if message or field_id not in ("month", "to_month"):
            return message
        first, last = self.value("month"), self.value("to_month")
        if first and last and not check_month(first) and not check_month(last) and last < first:
            return "the last month is before the first"
        return ""

    def save(self, values: dict[str, Any]) -> dict[str, Any]:
        figures = {k: number_or_none(values[k]) for k in ("patient_days",
                   "adjusted_patient_days", "ftes")}  # fmt: skip
        given = {k: v for k, v in figures.items() if v is not None}
        first, last = values["month"], values["to_month"] or values["month"]
        ids = services.set_normalizers(
            self.db, facility=self.facility.id or 0, start=first, end=last, source="tui",
            **given,
        )  # fmt: skip
        return {"month": first, "to_month": last, "months": len(ids), **figures}


class FacilitiesScreen(SectionScreen):
    """Facilities on the left; the selected one's meters and monthly patient days on the right."""

    MODE = "facilities"
    BINDINGS = [
        Binding("a", "add_facility", "Add facility", id="facilities.add"),
        Binding("c", "edit_facility", "Edit", id="facilities.edit"),
        Binding("m", "add_meter", "Add meter", id="facilities.add_meter"),
        Binding("n", "patient_days", "Patient days", id="facilities.patient_days"),
        Binding("t", "weather", "Weather", id="facilities.weather"),
        Binding("k", "ranking", "Ranked", id="facilities.ranking"),
        Binding("delete", "retire", "Retire", id="facilities.retire"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="facilities.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facilities: list[Facility] = []
        self.meters: list[Meter] = []
        self.facility: Facility | None = None
        self.facility_shown: int | None = None

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Vertical(id="main"):
            yield Static("Facilities", classes="pane-title")
            yield SafeTable(id="fac-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="fac-bottom"):
                with Vertical(id="fac-meters-pane"):
                    yield Static("Meters", id="fac-meters-title", classes="pane-title")
                    yield SafeTable(id="fac-meters", cursor_type="row", zebra_stripes=True)
                with Vertical(id="fac-norms-pane"):
                    yield Static("Patient days by month", classes="pane-title")
                    yield SafeTable(id="fac-norms", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#fac-table", DataTable).add_columns(
            "Facility", "Country", "Grid", "Time zone", "Beds", "Floor area"
        )
        self.query_one("#fac-meters", DataTable).add_columns(
            "Meter", "Commodity", "Unit", "Delivery", "Net"
        )
        self.query_one("#fac-norms", DataTable).add_columns(
            "Month", "Patient days", "Adj. PD", "FTEs"
        )
        self.load()
        self.query_one("#fac-table", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    # -- loading ----------------------------------------------------------------------------------

    def load(self, select: int | None = None) -> None:
        table = self.query_one("#fac-table", DataTable)
        keep = select if select is not None else (self.facility.id if self.facility else None)
        table.clear()
        self.facilities = services.list_facilities(self.db)
        for f in self.facilities:
            area = f"{f.floor_area:,.0f} {unit(f.floor_area_unit or '')}" if f.floor_area else ""
            area = area.replace("**2", "²")
            table.add_row(
                f.name, f.country, f.grid_region or "", f.timezone or "",
                "" if f.staffed_beds is None else str(f.staffed_beds), area, key=str(f.id),
            )  # fmt: skip
        if not self.facilities:
            self.show_facility(None)
            self.set_status("No facilities yet: press a to add one.")
            return
        index = next((i for i, f in enumerate(self.facilities) if f.id == keep), 0)
        table.move_cursor(row=index)
        self.show_facility(self.facilities[index])
        self.set_status(
            f"{len(self.facilities)} facilities. a add · c edit · m meter · "
            "n patient days · k rank · Del retire"
        )

    def show_facility(self, facility: Facility | None) -> None:
        self.facility = facility
        meters = self.query_one("#fac-meters", DataTable)
        norms = self.query_one("#fac-norms", DataTable)
        same = facility is not None and self.facility_shown == facility.id
        keep = meters.cursor_row if same else 0
        self.facility_shown = facility.id if facility else None
        meters.clear()
        norms.clear()
        title = self.query_one("#fac-meters-title", Static)
        if facility is None:
            self.meters = []
            title.update("Meters")
            return
        title.update(plain(f"Meters of {facility.name}"))
        self.meters = services.list_meters(self.db, facility=facility.id)
        for m in self.meters:
            meters.add_row(
                m.name, label_of(m.commodity.value), m.unit,
                label_of(m.delivery_class.value) if m.delivery_class else "",
                "yes" if m.net_metering else "", key=str(m.id),
            )  # fmt: skip
        if self.meters:
            meters.move_cursor(row=min(keep, len(self.meters) - 1))
        for n in queries.list_normalizers(self.db, facility_id=facility.id or 0):
            norms.add_row(
                n["month"], num(n["patient_days"], 0), num(n["adjusted_patient_days"], 0),
                num(n["ftes"], 1), key=str(n["id"]),
            )  # fmt: skip

    @on(DataTable.RowHighlighted, "#fac-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        chosen = next((f for f in self.facilities if str(f.id) == event.row_key.value), None)
        if chosen is not None and chosen != self.facility:
            self.show_facility(chosen)

    # -- actions ----------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def action_add_facility(self) -> None:
        def saved(facility: Facility | None) -> None:
            if facility is not None:
                self.load(select=facility.id)
                self.app.notify(f"Added {facility.name}.", title="Facility added")

        self.app.push_screen(FacilityForm(self.db), saved)

    def action_edit_facility(self) -> None:
        meters = self.query_one("#fac-meters", DataTable)
        if self.focused is meters and self.meters and self.facility is not None:
            self.edit_meter(meters)
            return
        if self.facility is None:
            self.app.notify("No facility to edit.", severity="warning")
            return

        def saved(facility: Facility | None) -> None:
            if facility is not None:
                self.load(select=facility.id)
                self.app.notify(f"Saved {facility.name}.", title="Facility changed")

        self.app.push_screen(FacilityForm(self.db, self.facility), saved)

    def edit_meter(self, table: DataTable[Any]) -> None:
        """Change the highlighted meter (c on the meters table)."""
        key = self.selected_key(table)
        meter = next((m for m in self.meters if str(m.id) == key), None)
        if meter is None or self.facility is None:
            return

        def saved(changed: Meter | None) -> None:
            if changed is not None:
                self.show_facility(self.facility)
                self.app.notify(f"Saved meter {changed.name}.", title="Meter changed")

        self.app.push_screen(MeterForm(self.db, self.facility, meter), saved)

    def action_add_meter(self) -> None:
        if self.facility is None:
            self.app.notify("Add a facility first.", severity="warning")
            return

        def saved(meter: Meter | None) -> None:
            if meter is not None:
                self.show_facility(self.facility)
                self.app.notify(
                    f"Added meter {meter.name} ({unit(meter.unit)}).", title="Meter added"
                )

        self.app.push_screen(MeterForm(self.db, self.facility), saved)

    def action_patient_days(self) -> None:
        if self.facility is None:
            self.app.notify("Add a facility first.", severity="warning")
            return
        latest = queries.list_normalizers(self.db, facility_id=self.facility.id or 0, limit=1)
        month = ""
        if latest:
            year, mon = int(latest[0]["month"][:4]), int(latest[0]["month"][5:])
            month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"

        def saved(row: dict[str, Any] | None) -> None:
            if row is not None:
                self.show_facility(self.facility)
                months = (
                    row["month"]
                    if row["months"] == 1
                    else f"{row['months']} months, {row['month']} to {row['to_month']}"
                )
                self.app.notify(f"Saved patient days for {months}.", title="Saved")

        self.app.push_screen(PatientDaysForm(self.db, self.facility, month), saved)

    def action_ranking(self) -> None:
        """The facilities ranked by EUI, emissions per bed, change or total (``k``)."""
        if not self.facilities:
            self.set_status("Add a facility first (a).")
            return
        self.app.push_screen(RankingScreen())

    def action_weather(self) -> None:
        from greencare.tui.screens.weather import WeatherScreen

        if self.facility is None:
            self.set_status("Add a facility first (a).")
            return
        self.app.push_screen(WeatherScreen(self.db, self.facility))

    def action_retire(self) -> None:
        meters = self.query_one("#fac-meters", DataTable)
        if self.focused is meters and self.meters:
            key = self.selected_key(meters)
            meter = next((m for m in self.meters if str(m.id) == key), None)
            if meter is None:
                return
            question = (
                f"Retire meter [b]{meter.name}[/b]? Its readings stay in past periods; "
                "it disappears from lists and warnings."
            )

            def retire_meter(yes: bool | None) -> None:
                if yes:
                    try:
                        services.retire_meter(self.db, meter.id or 0, source="tui")
                    except GreencareError as exc:  # busy or read-only: nothing changed
                        self.app.notify(str(exc), title="Not retired", severity="error")
                        return
                    self.show_facility(self.facility)
                    self.app.notify(f"Retired meter {meter.name}.", title="Retired")

            self.app.push_screen(ConfirmScreen(question, yes="Retire"), retire_meter)
            return
        facility = self.facility
        if facility is None:
            return
        question = (
            f"Retire facility [b]{facility.name}[/b] and hide it from lists? "
            "Its data stays and past reports still include it."
        )

        def retire_facility(yes: bool | None) -> None:
            if yes:
                try:
                    services.retire_facility(self.db, facility.id or 0, source="tui")
                except GreencareError as exc:  # busy or read-only: nothing changed
                    self.app.notify(str(exc), title="Not retired", severity="error")
                    return
                self.facility = None
                self.load()
                self.app.notify(f"Retired {facility.name}.", title="Retired")

        self.app.push_screen(ConfirmScreen(question, yes="Retire"), retire_facility)


# -- facilities ranked --------------------------------------------------------------------------

#: What the ranked view can be ordered by, in the order of its keys 1-4.
RANK_BY = ("eui", "per_bed", "change", "total")
RANK_LABELS = {"eui": "site EUI", "per_bed": "Scope 1+2 per bed", "change": "change",
               "total": "total emissions"}  # fmt: skip


@dataclass
class RankingLoaded(Message):
    result: Any = None
    error: str | None = None


def _fig(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


class RankingScreen(Screen[None]):
    """The facilities of the database ranked, highest first, by site EUI, Scope 1+2 per staffed
    bed, change against the comparison year or total emissions (keys 1-4); ``[`` / ``]`` step
    the year. The ranking is computed once a year in a worker (``services.facility_ranking``:
    one inventory for all facilities); switching the order only re-sorts it."""

    DEFAULT_CSS = """
    RankingScreen #rank-summary { height: auto; max-height: 2; padding: 0 1; }
    RankingScreen #rank-table { height: 1fr; }
    RankingScreen #rank-why { height: auto; max-height: 2; padding: 0 1; color: $text-warning; }
    RankingScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="ranking.back"),
        Binding("1", "by('eui')", "EUI", id="ranking.eui"),
        Binding("2", "by('per_bed')", "Per bed", id="ranking.per_bed"),
        Binding("3", "by('change')", "Change", id="ranking.change"),
        Binding("4", "by('total')", "Total", id="ranking.total"),
        Binding("left_square_bracket", "year(-1)", "Prev year", id="ranking.prev"),
        Binding("right_square_bracket", "year(1)", "Next year", id="ranking.next"),
    ]

    def __init__(self, year: int | None = None, by: str = "eui") -> None:
        super().__init__()
        self.year = year
        self.by = by
        self.result: dict[str, Any] | None = None  # the service's answer for ``year``
        self.rows: list[dict[str, Any]] = []  # as shown, in order

    def compose(self) -> ComposeResult:
        yield Static("Facilities ranked", classes="pane-title")
        yield Static("computing…", id="rank-summary")
        yield SafeTable(id="rank-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="rank-why")
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="ranking")
    def _load(self) -> None:
        from greencare.services import targets

        path = getattr(self.app, "db_path", None)
        own = path is not None
        try:
            db = services.open_db(path) if own else self.app.db  # type: ignore[attr-defined]
            try:
                year = self.year or targets.latest_complete_year(db, 1)
                if year is None:
                    raise GreencareError("no readings yet: nothing to rank")
                result = services.facility_ranking(
                    db, year, by=self.by, gwp=getattr(self.app, "gwp", None),
                    pins=getattr(self.app, "pins", None) or None, strict=False,
                )  # fmt: skip
            finally:
                if own:
                    db.close()
        except Exception as exc:  # shown on the screen; a worker must not crash the app
            self.post_message(RankingLoaded(error=str(exc)))
            return
        self.post_message(RankingLoaded(result))

    def on_ranking_loaded(self, message: RankingLoaded) -> None:
        if message.error:
            self.query_one("#rank-summary", Static).update(plain(f"error: {message.error}"))
            self.set_status("Esc back")
            return
        self.result = message.result
        self.year = int(self.result["period"]["from"][:4])
        self.draw()

    def draw(self) -> None:
        from greencare.services import ranking

        if self.result is None:
            return
        result = self.result
        us = result["units"] == "us"
        self.rows = ranking.rank(result["facilities"], self.by)
        change = f"vs {result['comparison']['label']} %"
        headers = {  # short, so the seven columns fit 80 columns
            "eui": "EUI kBtu/ft²" if us else "EUI kWh/m²",
            "total": "Total tCO₂e",
            "s12": "S1+2 tCO₂e",
            "per_bed": "tCO₂e/bed",
            "change": change,
        }
        for key in ("eui", "per_bed", "change", "total"):
            if key == self.by:
                headers[key] += " ▼"
        table = self.query_one("#rank-table", SafeTable)
        keep = self.selected()
        table.clear(columns=True)
        table.add_columns("#", "Facility", headers["eui"], headers["s12"], headers["per_bed"],
                          headers["change"], headers["total"])  # fmt: skip
        eui_key = "site_eui_kbtu_ft2" if us else "site_eui_kwh_m2"
        for r in self.rows:
            table.add_row(
                "" if r["rank"] is None else str(r["rank"]), r["facility"],
                _fig(r[eui_key], ",.1f"), _fig(r["scope12_location_t"], ",.1f"),
                _fig(r["t_per_bed"], ",.2f"), _fig(r["change_pct"], "+,.1f"),
                _fig(r["total_location_t"], ",.1f"), key=str(r["facility_id"]),
            )  # fmt: skip
        index = next((i for i, r in enumerate(self.rows) if str(r["facility_id"]) == keep), 0)
        if self.rows:
            table.move_cursor(row=index)
        period = result["period"]
        gaps = len(result["gaps"]) + len(result["comparison_gaps"])
        missing = f" · {gaps} missing factors left out" if gaps else ""
        self.query_one("#rank-summary", Static).update(
            plain(
                f"{period['from']} to {period['to']} · by {RANK_LABELS[self.by]}, highest "
                f"first · emissions location-based; change of Scope 1+2 "
                f"{result['comparison']['text']}{missing}",
                MESSAGE_MAX,
            )
        )
        self.show_reasons()
        self.set_status("1 EUI · 2 per bed · 3 change · 4 total · [ ] year · Esc back")

    def selected(self) -> str | None:
        table = self.query_one("#rank-table", SafeTable)
        return SectionScreen.selected_key(table)

    @on(DataTable.RowHighlighted, "#rank-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_reasons()

    def show_reasons(self) -> None:
        """Why the highlighted facility has n/a figures (no floor area, no beds, …)."""
        key = self.selected()
        row = next((r for r in self.rows if str(r["facility_id"]) == key), None)
        why = self.query_one("#rank-why", Static)
        if row is None:
            why.update("")
            return
        names = {"eui": "EUI", "per_bed": "per bed", "change": "change", "total": "total"}
        text = "; ".join(f"{names[k]} n/a: {v}" for k, v in row["na"].items())
        place = f"rank {row['rank']}" if row["rank"] is not None else "not ranked"
        why.update(plain(f"{row['facility']}: {place}" + (f"; {text}" if text else ""),
                         MESSAGE_MAX))  # fmt: skip

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text, MESSAGE_MAX))

    def action_by(self, by: str) -> None:
        self.by = by
        self.draw()

    def action_year(self, step: int) -> None:
        if self.year is None:
            return
        self.year += step
        self.query_one("#rank-summary", Static).update(plain(f"computing {self.year}…"))
        self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
