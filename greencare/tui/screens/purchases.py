"""Purchases: spend and quantities by category; add a purchase by spend or by quantity."""

from __future__ import annotations

import re
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Select, Static

from greencare import services
from greencare.core.numbers import ungrouped
from greencare.core.vocab import HEALTHCARE_ITEMS, HealthcareCategory
from greencare.services import activity as queries
from greencare.tui.forms import (
    Field,
    FormScreen,
    blank_to_none,
    changed_fields,
    check_date,
    check_number,
    label_of,
)
from greencare.tui.screens.base import RecordListScreen, money, num
from greencare.tui.widgets import KeysFooter, NavBar, SafeSelect, SafeTable, unit

#: The category value meaning "by spend, under a NAICS code".
SPEND = "spend"

#: Units that fit each healthcare category (the model checks the dimension too).
CATEGORY_UNITS: dict[str, list[str]] = {
    "anesthetic_gas": ["bottle", "mL", "litre", "kg"],
    "inhaler": ["inhaler"],
    "refrigerant": ["kg", "lb"],
    "fleet_fuel": ["US_gallon", "litre"],
}

CATEGORY_OPTIONS = [("spend (NAICS code)", SPEND)] + [
    (label_of(c.value), c.value) for c in HealthcareCategory
]


def check_naics(text: str) -> str:
    if text.strip() and not re.fullmatch(r"\d{6}", text.strip()):
        return "a NAICS code has six digits, e.g. 339112"
    return ""


def _positive(text: str) -> str:
    return check_number(text, minimum=0)


def _choices(select: Select[Any]) -> list[tuple[Any, Any]]:
    """A Select's options as they stand, without its blank entry."""
    return [(p, v) for p, v in select._options if v is not Select.NULL]


class PurchaseForm(FormScreen):
    """By spend: NAICS code, amount and currency. Healthcare items: item, quantity and unit."""

    def __init__(
        self,
        db: Any,
        facilities: list[tuple[str, int]],
        facility: int | None,
        existing: dict[str, Any] | None = None,
    ) -> None:
        self.db = db
        self.existing = existing  # a stored purchase (services.get_purchase) to correct
        old = existing or {}
        if existing is not None:
            facility = int(existing["facility_id"])
            if all(v != facility for _, v in facilities):  # a retired facility's purchase
                facilities = [*facilities, (str(existing["facility"]), facility)]
        default = facility if facility is not None else (facilities[0][1] if facilities else None)
        stored_category = str(old.get("category") or "")
        self.start_category = SPEND if not old or stored_category.isdigit() else stored_category
        fields = [
            Field("facility", "Facility", kind="select", options=facilities, required=True,
                  value=default),
            Field("date", "Date", placeholder="YYYY-MM-DD", required=True, check=check_date,
                  value=old.get("date")),
            Field("category", "Category", kind="select", options=CATEGORY_OPTIONS,
                  value=self.start_category, allow_blank=False),
            Field("naics", "NAICS code", placeholder="e.g. 339112 (medical supplies)",
                  check=check_naics,
                  value=stored_category if stored_category.isdigit() else None),
            Field("item", "Item", kind="select", options=[], placeholder="(healthcare items)"),
            Field("spend", "Spend", placeholder="e.g. 12500", check=_positive,
                  value=old.get("spend")),
            Field("currency", "Currency", placeholder="e.g. USD", value=old.get("currency")),
            Field("quantity", "Quantity", placeholder="(healthcare items)", check=_positive,
                  value=old.get("quantity")),
            Field("unit", "Unit", kind="select", options=[], placeholder="(healthcare items)"),
            Field("description", "Description", placeholder="optional",
                  value=old.get("description")),
            Field("supplier", "Supplier", placeholder="optional", value=old.get("supplier")),
        ]  # fmt: skip
        title = (
            f"Correct purchase {existing['id']} at {existing['facility']}"
            if existing
            else "New purchase"
        )
        super().__init__(title, fields)

    def on_mount(self) -> None:
        facility = self.value("facility")
        currency = self.query_one("#currency", Input)
        if facility and not currency.value:
            country = services.get_facility(self.db, int(facility)).country
            currency.value = services.default_currency(country) or ""
        self._category(self.start_category)
        if self.existing is not None:
            self.query_one("#facility", Select).disabled = True  # a purchase stays at its facility
            item, unit = self.query_one("#item", Select), self.query_one("#unit", Select)
            stored_item, stored_unit = self.existing.get("item"), self.existing.get("unit")
            if stored_item and not item.disabled:
                if all(v != stored_item for _, v in item._options):
                    item.set_options([*_choices(item), (str(stored_item), stored_item)])
                item.value = stored_item
            if stored_unit:
                if all(v != stored_unit for _, v in unit._options):
                    unit.set_options([*_choices(unit), (str(stored_unit), stored_unit)])
                unit.value = stored_unit

    def changed(self, field_id: str, value: Any) -> None:
        if field_id == "category" and value and value != self.shown_category:
            self._category(value)

    #: The category whose items and units the form offers now.
    shown_category: str | None = None

    def _category(self, category: str) -> None:
        """Offer the items and units of a healthcare category; a spend needs neither."""
        self.shown_category = category
        item, unit = self.query_one("#item", Select), self.query_one("#unit", Select)
        naics = self.query_one("#naics", Input)
        if category == SPEND:
            item.set_options([])
            unit.set_options([(u, u) for u in ("kg", "item", "US_gallon", "kWh")])
            naics.disabled, item.disabled = False, True
            return
        naics.disabled, item.disabled = True, False
        items = sorted(HEALTHCARE_ITEMS[HealthcareCategory(category)])
        item.set_options([(label_of(i), i) for i in items])
        unit.set_options([(u, u) for u in CATEGORY_UNITS[category]])
        unit.value = CATEGORY_UNITS[category][0]

    def errors(self) -> dict[str, str]:
        problems = super().errors()
        values = self.values()
        if values["category"] == SPEND:
            if not values["naics"]:
                problems.setdefault("naics", "a spend needs its NAICS code")
            if not values["spend"] and not values["quantity"]:
                problems.setdefault("spend", "give the amount spent")
        else:
            if not values["item"]:
                problems.setdefault("item", "choose the item")
            if not values["quantity"]:
                problems.setdefault("quantity", "give the quantity bought")
        return problems

    def save(self, values: dict[str, Any]) -> Any:
        spend_kind = values["category"] == SPEND
        quantity = blank_to_none(ungrouped(values["quantity"]))
        spend = blank_to_none(ungrouped(values["spend"]))
        data = {
            "date": values["date"],
            "category": values["naics"] if spend_kind else values["category"],
            "item": None if spend_kind else values["item"],
            "spend": spend,
            "currency": blank_to_none(values["currency"]) if spend else None,
            "quantity": quantity,
            "unit": values["unit"] if quantity is not None else None,
            "description": blank_to_none(values["description"]),
            "supplier": blank_to_none(values["supplier"]),
        }
        if self.existing is not None:
            # A correction writes only what differs from the stored purchase.
            changes = changed_fields(data, self.existing, numbers=("spend", "quantity"))
            if not changes:
                return self.existing
            return services.update_purchase(self.db, int(self.existing["id"]), source="tui",
                                            **changes)  # fmt: skip
        return services.add_purchase(
            self.db, facility=int(values["facility"]), source="tui", **data
        )


class PurchasesScreen(RecordListScreen):
    """Spend and quantities by category above; the purchases themselves below."""

    MODE = "purchases"
    PREFIX = "buy"
    NOUN = "purchase"
    PLURAL = "purchases"
    BINDINGS = [
        Binding("a", "add_purchase", "Add purchase", id="purchases.add"),
        Binding("ctrl+e", "edit_record", "Edit", id="purchases.edit"),
        Binding("delete", "delete_record", "Delete", id="purchases.delete"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="purchases.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Vertical(id="main"):
            with Horizontal(classes="filter-bar"):
                yield Label("Facility ", classes="filter-label")
                yield SafeSelect([], prompt="All facilities", id="buy-facility", compact=True)
                yield Static("", id="buy-summary", classes="filter-note")
            yield Static("By category", classes="pane-title")
            yield SafeTable(id="buy-categories", cursor_type="row", zebra_stripes=True)
            yield Static("Purchases, newest first", classes="pane-title")
            yield SafeTable(id="buy-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#buy-categories", DataTable).add_columns(
            "Category", "Item", "Purchases", "Spend", "Quantity", "From", "To"
        )
        self.record_table.add_columns(
            "Date", "Category", "Item", "Spend", "Quantity", "Supplier", "Description", "Facility"
        )
        self.refill_facility_select(self.facility_select)
        self.reload()
        self.query_one("#buy-categories", DataTable).focus()

    def load(self) -> None:
        cats = self.query_one("#buy-categories", DataTable)
        cats.clear()
        for i, r in enumerate(queries.purchases_by_category(self.db, facility_id=self.facility_id)):
            cats.add_row(
                label_of(r["category"]), label_of(queries.purchase_item(r["category"], r["item"])),
                f"{r['purchases']:,}",
                money(r["spend"], r["currency"]),
                f"{num(r['quantity'], 1)} {unit(r['unit'])}".strip(), r["first"], r["last"], key=str(i),
            )  # fmt: skip
        rows = self.load_records()
        self.set_status(
            "a add a purchase · ctrl+e / enter edit the highlighted one · Del delete it"
            if rows
            else "No purchases yet: press a to add one."
        )

    def fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        return queries.list_purchases(self.db, facility_id=self.facility_id, limit=limit,
                                      offset=offset)  # fmt: skip

    def count_records(self) -> int:
        return queries.count_rows(self.db, "purchases", facility_id=self.facility_id)

    def add_record(self, table: DataTable[Any], r: dict[str, Any]) -> None:
        quantity = f"{num(r['quantity'], 1)} {unit(r['unit'] or '')}".strip()
        table.add_row(
            r["date"], label_of(r["category"]),
            label_of(queries.purchase_item(r["category"], r["item"])),
            money(r["spend"], r["currency"]), quantity, r["supplier"] or "",
            r["description"] or "", r["facility"], key=str(r["id"]),
        )  # fmt: skip

    def get_record(self, record_id: int) -> dict[str, Any]:
        return services.get_purchase(self.db, record_id)

    def delete_record(self, record_id: int) -> None:
        services.delete_purchase(self.db, record_id, source="tui")

    def record_form(self, existing: dict[str, Any] | None) -> FormScreen:
        return PurchaseForm(self.db, self.facility_options(), self.facility_id, existing)

    def delete_question(self, record: dict[str, Any]) -> str:
        what = label_of(queries.purchase_item(record["category"], record["item"]))
        return (
            f"Delete purchase {record['id']}: {what} on {record['date']} at {record['facility']}?"
        )

    def action_add_purchase(self) -> None:
        self.open_form(None, "Purchase added")
