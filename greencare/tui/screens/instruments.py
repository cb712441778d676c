"""Instruments: the contracts behind market-based Scope 2 (a supplier's emission rate, RECs,
PPAs, green tariffs); list, add, correct and delete them."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Select, Static

from greencare import services
from greencare.core.numbers import ungrouped
from greencare.tui.forms import (
    Field,
    FormScreen,
    blank_to_none,
    changed_fields,
    check_month,
    check_number,
    label_of,
)
from greencare.tui.screens.base import RecordListScreen, num
from greencare.tui.widgets import KeysFooter, NavBar, SafeSelect, SafeTable

#: The kinds of instrument, as people read them.
KINDS = [
    ("supplier factor (rate for all consumption)", "supplier_factor"),
    ("REC / energy attribute certificate", "rec"),
    ("PPA (power purchase agreement)", "ppa"),
    ("green tariff", "green_tariff"),
]
#: The meter Select's value for "all the facility's electricity".
ALL_METERS = 0


def _positive(text: str) -> str:
    return check_number(text, minimum=0)


def electricity_meters(db: Any, facility: int) -> list[tuple[str, int]]:
    """The facility's electricity meters, after the choice of all of them."""
    meters = services.list_meters(db, facility=facility)
    return [("all of the facility's electricity", ALL_METERS)] + [
        (m.name, m.id or 0) for m in meters if m.commodity.value == "electricity"
    ]


class InstrumentForm(FormScreen):
    """A new instrument, or (given a stored one) a correction of it."""

    ALIASES = {"start_month": "start", "end_month": "end", "co2e_kg_per_mwh": "factor",
               "meter_id": "meter"}  # fmt: skip

    def __init__(
        self,
        db: Any,
        facilities: list[tuple[str, int]],
        facility: int | None,
        existing: dict[str, Any] | None = None,
    ) -> None:
        self.db = db
        self.existing = existing  # a stored instrument (services.get_instrument) to correct
        old = existing or {}
        if existing is not None:
            facility = int(existing["facility_id"])
            if all(v != facility for _, v in facilities):  # a retired facility's instrument
                facilities = [*facilities, (str(existing["facility"]), facility)]
        if facility is None and facilities:
            facility = facilities[0][1]
        meters = electricity_meters(db, facility) if facility is not None else []
        if old.get("meter_id") and all(v != old["meter_id"] for _, v in meters):
            meters.append((f"meter {old['meter_id']} (retired)", int(old["meter_id"])))
        fields = [
            Field("facility", "Facility", kind="select", options=facilities, required=True,
                  value=facility),
            Field("kind", "Kind", kind="select", options=KINDS, allow_blank=False,
                  value=old.get("kind") or "rec"),
            Field("start", "First month", placeholder="YYYY-MM", required=True,
                  check=check_month, value=old.get("start_month")),
            Field("end", "Last month", placeholder="YYYY-MM", required=True, check=check_month,
                  value=old.get("end_month")),
            Field("mwh", "MWh covered", placeholder="certificates: MWh; supplier factor: none",
                  check=_positive, value=old.get("mwh")),
            Field("factor", "kg CO2e/MWh", placeholder="0 for renewable certificates",
                  check=_positive, value=old.get("co2e_kg_per_mwh")),
            Field("meter", "Meter", kind="select", options=meters, allow_blank=False,
                  value=old.get("meter_id") or ALL_METERS),
            Field("certificate", "Certificate", placeholder="certificate or contract reference",
                  value=old.get("certificate")),
            Field("description", "Description", placeholder="optional",
                  value=old.get("description")),
        ]  # fmt: skip
        title = (
            f"Correct instrument {existing['id']} at {existing['facility']}"
            if existing
            else "New market-based instrument"
        )
        super().__init__(title, fields)

    def on_mount(self) -> None:
        if self.existing is not None:
            self.query_one("#facility", Select).disabled = True  # it stays at its facility

    def changed(self, field_id: str, value: Any) -> None:
        if field_id == "facility" and value:
            select = self.query_one("#meter", Select)
            select.set_options(electricity_meters(self.db, int(value)))
            select.value = ALL_METERS

    def check(self, field_id: str, text: str) -> str:
        message = super().check(field_id, text)
        if message or field_id not in ("start", "end"):
            return message
        start, end = self.value("start"), self.value("end")
        if start and end and not check_month(start) and not check_month(end) and end < start:
            return "the last month is before the first"
        return ""

    def save(self, values: dict[str, Any]) -> Any:
        factor = blank_to_none(ungrouped(values["factor"]))
        meter = values["meter"] or None
        data = {
            "kind": values["kind"],
            "start_month": values["start"],
            "end_month": values["end"],
            "mwh": blank_to_none(ungrouped(values["mwh"])),
            "co2e_kg_per_mwh": factor if factor is not None else 0.0,
            "description": blank_to_none(values["description"]),
            "certificate": blank_to_none(values["certificate"]),
        }
        if self.existing is not None:
            changes = changed_fields(data, self.existing, numbers=("mwh", "co2e_kg_per_mwh"))
            if meter != self.existing.get("meter_id"):
                changes["meter"] = meter
            if not changes:
                return self.existing
            return services.update_instrument(self.db, int(self.existing["id"]), source="tui",
                                              **changes)  # fmt: skip
        new_id = services.add_instrument(
            self.db, facility=int(values["facility"]), meter=meter, source="tui", **data
        )
        return services.get_instrument(self.db, new_id)


class InstrumentsScreen(RecordListScreen):
    """Every instrument of one facility or all, by facility and first month."""

    MODE = "instruments"
    PREFIX = "inst"
    NOUN = "instrument"
    BINDINGS = [
        Binding("a", "add_instrument", "Add instrument", id="instruments.add"),
        Binding("ctrl+e", "edit_record", "Edit", id="instruments.edit"),
        Binding("delete", "delete_record", "Delete", id="instruments.delete"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="instruments.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Vertical(id="main"):
            with Horizontal(classes="filter-bar"):
                yield Label("Facility ", classes="filter-label")
                yield SafeSelect([], prompt="All facilities", id="inst-facility", compact=True)
                yield Static("", id="inst-summary", classes="filter-note")
            yield Static(
                "Market-based Scope 2: supplier factors, RECs, PPAs, green tariffs",
                classes="pane-title",
            )
            yield SafeTable(id="inst-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.record_table.add_columns(
            "Kind", "From", "To", "MWh", "kg CO2e/MWh", "Meter", "Certificate", "Description",
            "Facility",
        )  # fmt: skip
        self.refill_facility_select(self.facility_select)
        self.reload()
        self.record_table.focus()

    def load(self) -> None:
        table = self.record_table
        keep, row = self.selected_key(table), table.cursor_row
        table.clear()
        rows = services.list_instruments(self.db, facility=self.facility_id)
        meters = {m.id: m.name for m in services.list_meters(self.db)}
        for r in rows:
            meter = "all" if r["meter_id"] is None else meters.get(r["meter_id"], r["meter_id"])
            table.add_row(
                label_of(r["kind"]), r["start_month"], r["end_month"], num(r["mwh"], 1),
                num(r["co2e_kg_per_mwh"], 1), str(meter), r["certificate"] or "",
                r["description"] or "", r["facility"], key=str(r["id"]),
            )  # fmt: skip
        self.restore_cursor(table, keep, row)
        self.show_count(len(rows), len(rows), "instruments")
        self.set_status(
            "a add · ctrl+e / enter edit · Del delete the highlighted instrument"
            if rows
            else "No instruments yet: a adds a supplier factor, REC, PPA or green tariff."
        )

    def get_record(self, record_id: int) -> dict[str, Any]:
        return services.get_instrument(self.db, record_id)

    def delete_record(self, record_id: int) -> None:
        services.delete_instrument(self.db, record_id, source="tui")

    def record_form(self, existing: dict[str, Any] | None) -> FormScreen:
        return InstrumentForm(self.db, self.facility_options(), self.facility_id, existing)

    def delete_question(self, record: dict[str, Any]) -> str:
        return (
            f"Delete instrument {record['id']}: {label_of(record['kind'])}, "
            f"{record['start_month']} to {record['end_month']} at {record['facility']}?"
        )

    def action_add_instrument(self) -> None:
        self.open_form(None, "Instrument added")
