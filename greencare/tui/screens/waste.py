"""Waste: pickups by facility; add one pickup, or a whole month's manifest in one go."""

from __future__ import annotations

import calendar
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Select, Static

from greencare import services
from greencare.core.errors import InputError
from greencare.core.numbers import ungrouped
from greencare.core.vocab import DisposalRoute, WasteStream
from greencare.services import activity as queries
from greencare.services.plausibility import PlausibilityError
from greencare.tui.forms import (
    Field,
    FormScreen,
    blank_to_none,
    changed_fields,
    check_date,
    check_month,
    check_number,
    choices,
    label_of,
)
from greencare.tui.screens.base import RecordListScreen, money
from greencare.tui.widgets import KeysFooter, NavBar, SafeSelect, SafeTable, number, quantity, unit

MASS_UNITS = [("lb", "lb"), ("kg", "kg"), ("tonne", "tonne"), ("short ton", "short_ton")]

#: The streams of a typical monthly manifest, each with the route it usually takes.
MANIFEST_STREAMS: list[tuple[str, str, str]] = [
    ("regulated_medical_waste", "RMW (red bag)", "autoclave_landfill"),
    ("sharps", "Sharps", "incineration"),
    ("pharmaceutical_non_hazardous", "Pharmaceutical", "incineration"),
    ("solid_waste", "Solid waste", "landfill"),
    ("mixed_recycling", "Mixed recycling", "recycling"),
    ("food_waste", "Food waste", "composting"),
]


def _positive(text: str) -> str:
    return check_number(text, minimum=0)


def month_bounds(month: str) -> tuple[str, str]:
    year, mon = int(month[:4]), int(month[5:])
    return f"{month}-01", f"{month}-{calendar.monthrange(year, mon)[1]:02d}"


def _currency(db: Any, facility_id: int) -> str | None:
    return services.default_currency(services.get_facility(db, facility_id).country)


class WasteForm(FormScreen):
    """One pickup (or any period) of one stream; given a stored record, corrects it."""

    ALIASES = {"start_date": "start", "end_date": "end"}

    def __init__(
        self,
        db: Any,
        facilities: list[tuple[str, int]],
        facility: int | None,
        existing: dict[str, Any] | None = None,
    ) -> None:
        self.db = db
        self.existing = existing  # a stored record (services.get_waste) to correct
        old = existing or {}
        if existing is not None:
            facility = int(existing["facility_id"])
            if all(v != facility for _, v in facilities):  # a retired facility's record
                facilities = [*facilities, (str(existing["facility"]), facility)]
        units = list(MASS_UNITS)
        if old.get("unit") and all(v != old["unit"] for _, v in units):
            units.append((str(old["unit"]), str(old["unit"])))
        fields = [
            Field("facility", "Facility", kind="select", options=facilities, required=True,
                  value=facility if facility is not None else (facilities[0][1] if facilities
                                                               else None)),
            Field("stream", "Stream", kind="select", required=True, value=old.get("stream"),
                  options=choices([s.value for s in WasteStream])),
            Field("route", "Route", kind="select", required=True, value=old.get("route"),
                  options=choices([r.value for r in DisposalRoute])),
            Field("start", "First day", placeholder="YYYY-MM-DD", required=True,
                  check=check_date, value=old.get("start_date")),
            Field("end", "Last day", placeholder="YYYY-MM-DD", required=True, check=check_date,
                  value=old.get("end_date")),
            Field("quantity", "Quantity", placeholder="e.g. 1250", required=True,
                  check=_positive, value=old.get("quantity")),
            Field("unit", "Mass unit", kind="select", options=units,
                  value=old.get("unit") or "lb", allow_blank=False),
            Field("hauler", "Hauler", placeholder="optional", value=old.get("hauler")),
            Field("cost", "Cost", placeholder="optional", check=_positive,
                  value=old.get("cost")),
            Field("currency", "Currency", placeholder="e.g. USD", value=old.get("currency")),
        ]  # fmt: skip
        title = (
            f"Correct waste record {existing['id']} at {existing['facility']}"
            if existing
            else "New waste pickup"
        )
        super().__init__(title, fields)

    def on_mount(self) -> None:
        if self.existing is not None:
            self.query_one("#facility", Select).disabled = True  # a record stays at its facility
        self._fill_currency(self.value("facility"))

    def _fill_currency(self, facility: Any) -> None:
        box = self.query_one("#currency", Input)
        if facility and not box.value:
            box.value = _currency(self.db, int(facility)) or ""

    def changed(self, field_id: str, value: Any) -> None:
        if field_id == "facility":
            self._fill_currency(value)

    def check(self, field_id: str, text: str) -> str:
        message = super().check(field_id, text)
        if message or field_id not in ("start", "end"):
            return message
        start, end = self.value("start"), self.value("end")
        if start and end and not check_date(start) and not check_date(end) and end < start:
            return "the last day is before the first day"
        return ""

    def save(self, values: dict[str, Any]) -> Any:
        data = {
            "stream": values["stream"],
            "route": values["route"],
            "start_date": values["start"],
            "end_date": values["end"],
            "quantity": ungrouped(values["quantity"]),
            "unit": values["unit"],
            "hauler": blank_to_none(values["hauler"]),
            "cost": blank_to_none(ungrouped(values["cost"])),
            "currency": blank_to_none(values["currency"]) if values["cost"] else None,
        }
        if self.existing is not None:
            # A correction writes only what differs from the stored record.
            changes = changed_fields(data, self.existing, numbers=("quantity", "cost"))
            if not changes:
                return self.existing
            return services.update_waste(self.db, int(self.existing["id"]), source="tui",
                                         **changes)  # fmt: skip
        return services.add_waste(self.db, facility=int(values["facility"]), source="tui", **data)


class ManifestForm(FormScreen):
    """A month's manifest: a quantity per common stream, all saved together or none at all."""

    FIRST = "month"

    def __init__(self, db: Any, facilities: list[tuple[str, int]], facility: int | None) -> None:
        self.db = db
        fields = [
            Field("facility", "Facility", kind="select", options=facilities, required=True,
                  value=facility if facility is not None else (facilities[0][1] if facilities
                                                               else None)),
            Field("month", "Month", placeholder="YYYY-MM", required=True, check=check_month),
            Field("unit", "Mass unit", kind="select", options=MASS_UNITS, value="lb",
                  allow_blank=False),
            Field("hauler", "Hauler", placeholder="optional"),
            Field("currency", "Currency", placeholder="e.g. USD"),
        ]  # fmt: skip
        aliases = {}
        for stream, _, route in MANIFEST_STREAMS:
            fields += [
                Field(f"q_{stream}", "", placeholder="quantity", check=_positive),
                Field(f"route_{stream}", "", kind="select", value=route, allow_blank=False,
                      options=choices([r.value for r in DisposalRoute])),
                Field(f"cost_{stream}", "", placeholder="cost", check=_positive),
            ]  # fmt: skip
            aliases.update({f"q_{stream}": stream, f"route_{stream}": stream,
                            f"cost_{stream}": stream})  # fmt: skip
        super().__init__("A month's manifest: type the quantities, leave a stream empty to skip",
                         fields, aliases=aliases)  # fmt: skip

    def compose_body(self) -> ComposeResult:
        with Grid(id="form-grid", classes="form-grid"):
            for field in self.fields[:5]:
                yield Label(field.label + (" *" if field.required else ""), classes="field-label")
                yield self.widget_for(field)
                yield Label("", id=f"error-{field.id}", classes="field-error")
        with Grid(id="manifest-grid"):
            for text in ("Stream", "Quantity", "Route", "Cost", ""):
                yield Label(text, classes="manifest-head")
            for stream, label, _ in MANIFEST_STREAMS:
                yield Label(label, classes="field-label")
                for prefix in ("q", "route", "cost"):
                    field = self.field(f"{prefix}_{stream}")
                    assert field is not None
                    yield self.widget_for(field)
                yield Label("", id=f"error-{stream}", classes="field-error")

    def on_mount(self) -> None:
        facility = self.value("facility")
        if facility:
            self.query_one("#currency", Input).value = _currency(self.db, int(facility)) or ""

    def save(self, values: dict[str, Any]) -> list[int]:
        start, end = month_bounds(values["month"])
        rows = [(s, values[f"q_{s}"]) for s, _, _ in MANIFEST_STREAMS if values[f"q_{s}"]]
        if not rows:
            raise InputError("type at least one quantity", {"record": "type at least one quantity"})
        problems: dict[str, str] = {}
        saved: list[int] = []
        with self.db.atomic():
            for stream, quantity in rows:
                cost = ungrouped(values[f"cost_{stream}"]) or None
                try:
                    saved.append(
                        services.add_waste(
                            self.db, facility=int(values["facility"]), stream=stream,
                            route=values[f"route_{stream}"], start_date=start, end_date=end,
                            quantity=ungrouped(quantity), unit=values["unit"],
                            hauler=blank_to_none(values["hauler"]), cost=cost,
                            currency=blank_to_none(values["currency"]) if cost else None,
                            source="tui",
                        )
                    )  # fmt: skip
                except PlausibilityError:
                    raise  # the form asks "Record anyway?" and saves the whole manifest again
                except InputError as exc:
                    problems[stream] = "; ".join((exc.fields or {"": str(exc)}).values())
            if problems:
                problems["record"] = "Nothing saved: fix the rows marked."
                raise InputError("nothing saved", problems)
        return saved


class WasteScreen(RecordListScreen):
    """Every pickup, newest first, for one facility or all."""

    MODE = "waste"
    PREFIX = "waste"
    NOUN = "waste record"
    PLURAL = "pickups"
    BINDINGS = [
        Binding("a", "add_pickup", "Add pickup", id="waste.add"),
        Binding("m", "manifest", "Month manifest", id="waste.manifest"),
        Binding("ctrl+e", "edit_record", "Edit", id="waste.edit"),
        Binding("delete", "delete_record", "Delete", id="waste.delete"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="waste.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Vertical(id="main"):
            with Horizontal(classes="filter-bar"):
                yield Label("Facility ", classes="filter-label")
                yield SafeSelect([], prompt="All facilities", id="waste-facility", compact=True)
                yield Static("", id="waste-summary", classes="filter-note")
            yield SafeTable(id="waste-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.record_table.add_columns(
            "First day", "Last day", "Stream", "Route", "Quantity", "kg", "Cost", "Hauler",
            "Facility",
        )  # fmt: skip
        self.refill_facility_select(self.facility_select)
        self.reload()
        self.record_table.focus()

    def fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        return queries.list_waste(self.db, facility_id=self.facility_id, limit=limit,
                                  offset=offset)  # fmt: skip

    def count_records(self) -> int:
        return queries.count_rows(self.db, "waste_records", facility_id=self.facility_id)

    def add_record(self, table: DataTable[Any], r: dict[str, Any]) -> None:
        table.add_row(
            r["start_date"], r["end_date"], label_of(r["stream"]), label_of(r["route"]),
            quantity(r['quantity'], r['unit'], 1), number(r["quantity_kg"], 1),
            money(r["cost"], r["currency"]), r["hauler"] or "", r["facility"],
            key=str(r["id"]),
        )  # fmt: skip

    def load(self) -> None:
        rows = self.load_records()
        self.set_status(
            "a add a pickup · m a month's manifest · ctrl+e / enter edit · Del delete"
            if rows
            else "No waste recorded yet: a adds a pickup, m a month's manifest."
        )

    def get_record(self, record_id: int) -> dict[str, Any]:
        return services.get_waste(self.db, record_id)

    def delete_record(self, record_id: int) -> None:
        services.delete_waste(self.db, record_id, source="tui")

    def record_form(self, existing: dict[str, Any] | None) -> FormScreen:
        return WasteForm(self.db, self.facility_options(), self.facility_id, existing)

    def delete_question(self, record: dict[str, Any]) -> str:
        return (
            f"Delete waste record {record['id']}: {label_of(record['stream'])}, "
            f"{record['start_date']} to {record['end_date']}, {record['quantity']:,g} "
            f"{unit(record['unit'])} at {record['facility']}?"
        )

    def action_add_pickup(self) -> None:
        self.open_form(None, "Pickup added")

    def action_manifest(self) -> None:
        if not self.facility_options():
            self.app.notify("Add a facility first (f).", severity="warning")
            return

        def saved(result: Any) -> None:
            if result is None:
                return
            self.reload()
            count = len(result) if isinstance(result, list) else 1
            self.app.notify(f"Saved {count} waste record{'s' * (count != 1)}.",
                            title="Manifest saved")  # fmt: skip

        self.app.push_screen(ManifestForm(self.db, self.facility_options(), self.facility_id),
                             saved)  # fmt: skip
