"""Purchases: spend and quantities by category; add a purchase by spend or by quantity."""

from __future__ import annotations

import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Label, Select, Static

from greencare import services
from greencare.core.vocab import HEALTHCARE_ITEMS, HealthcareCategory
from greencare.services import activity as queries
from greencare.tui.forms import (
    Field,
    FormScreen,
    blank_to_none,
    check_date,
    check_number,
    label_of,
)
from greencare.tui.screens.base import SectionScreen, money, num
from greencare.tui.widgets import NavBar, SafeSelect, SafeTable

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


class PurchaseForm(FormScreen):
    """By spend: NAICS code, amount and currency. Healthcare items: item, quantity and unit."""

    def __init__(self, db: Any, facilities: list[tuple[str, int]], facility: int | None) -> None:
        self.db = db
        default = facility if facility is not None else (facilities[0][1] if facilities else None)
        fields = [
            Field("facility", "Facility", kind="select", options=facilities, required=True,
                  value=default),
            Field("date", "Date", placeholder="YYYY-MM-DD", required=True, check=check_date),
            Field("category", "Category", kind="select", options=CATEGORY_OPTIONS, value=SPEND,
                  allow_blank=False),
            Field("naics", "NAICS code", placeholder="e.g. 339112 (medical supplies)",
                  check=check_naics),
            Field("item", "Item", kind="select", options=[], placeholder="(healthcare items)"),
            Field("spend", "Spend", placeholder="e.g. 12500", check=_positive),
            Field("currency", "Currency", placeholder="e.g. USD"),
            Field("quantity", "Quantity", placeholder="(healthcare items)", check=_positive),
            Field("unit", "Unit", kind="select", options=[], placeholder="(healthcare items)"),
            Field("description", "Description", placeholder="optional"),
            Field("supplier", "Supplier", placeholder="optional"),
        ]  # fmt: skip
        super().__init__("New purchase", fields)

    def on_mount(self) -> None:
        facility = self.value("facility")
        if facility:
            country = services.get_facility(self.db, int(facility)).country
            self.query_one("#currency", Input).value = services.default_currency(country) or ""
        self._category(SPEND)

    def changed(self, field_id: str, value: Any) -> None:
        if field_id == "category" and value:
            self._category(value)

    def _category(self, category: str) -> None:
        """Offer the items and units of a healthcare category; a spend needs neither."""
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

    def save(self, values: dict[str, Any]) -> int:
        spend_kind = values["category"] == SPEND
        quantity = blank_to_none(values["quantity"].replace(",", ""))
        spend = blank_to_none(values["spend"].replace(",", ""))
        return services.add_purchase(
            self.db,
            facility=int(values["facility"]),
            date=values["date"],
            category=values["naics"] if spend_kind else values["category"],
            item=None if spend_kind else values["item"],
            spend=spend,
            currency=blank_to_none(values["currency"]) if spend else None,
            quantity=quantity,
            unit=values["unit"] if quantity is not None else None,
            description=blank_to_none(values["description"]),
            supplier=blank_to_none(values["supplier"]),
            source="tui",
        )


class PurchasesScreen(SectionScreen):
    """Spend and quantities by category above; the purchases themselves below."""

    MODE = "purchases"
    BINDINGS = [
        Binding("a", "add_purchase", "Add purchase", id="purchases.add"),
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
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#buy-categories", DataTable).add_columns(
            "Category", "Item", "Purchases", "Spend", "Quantity", "From", "To"
        )
        self.query_one("#buy-table", DataTable).add_columns(
            "Date", "Category", "Item", "Spend", "Quantity", "Supplier", "Description", "Facility"
        )
        self.refill_facility_select(self.query_one("#buy-facility", Select))
        self.load()
        self.query_one("#buy-categories", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.refill_facility_select(self.query_one("#buy-facility", Select))
        self.load()

    @property
    def facility_id(self) -> int | None:
        value = self.query_one("#buy-facility", Select).value
        return value if isinstance(value, int) else None

    @on(Select.Changed, "#buy-facility")
    def _filter(self) -> None:
        self.load()

    def load(self) -> None:
        cats = self.query_one("#buy-categories", DataTable)
        cats.clear()
        for i, r in enumerate(queries.purchases_by_category(self.db, facility_id=self.facility_id)):
            cats.add_row(
                label_of(r["category"]), label_of(queries.purchase_item(r["category"], r["item"])),
                f"{r['purchases']:,}",
                money(r["spend"], r["currency"]),
                f"{num(r['quantity'], 1)} {r['unit']}".strip(), r["first"], r["last"], key=str(i),
            )  # fmt: skip
        table = self.query_one("#buy-table", DataTable)
        table.clear()
        rows = queries.list_purchases(self.db, facility_id=self.facility_id)
        total = queries.count_rows(self.db, "purchases", facility_id=self.facility_id)
        for r in rows:
            quantity = f"{num(r['quantity'], 1)} {r['unit'] or ''}".strip()
            table.add_row(
                r["date"], label_of(r["category"]),
                label_of(queries.purchase_item(r["category"], r["item"])),
                money(r["spend"], r["currency"]), quantity, r["supplier"] or "",
                r["description"] or "", r["facility"], key=str(r["id"]),
            )  # fmt: skip
        shown = f"newest {len(rows):,} of {total:,}" if total > len(rows) else f"{total:,}"
        self.query_one("#buy-summary", Static).update(f"  {shown} purchases")
        self.set_status(
            "a add a purchase (by spend, or anaesthetic gases, inhalers, refrigerants, fuel)"
            if rows
            else "No purchases yet: press a to add one."
        )

    def action_refresh(self) -> None:
        self.load()

    def action_add_purchase(self) -> None:
        options = self.facility_options()
        if not options:
            self.app.notify("Add a facility first (f).", severity="warning")
            return

        def saved(result: Any) -> None:
            if result is not None:
                self.load()
                self.app.notify("Purchase saved.", title="Purchase added")

        self.app.push_screen(PurchaseForm(self.db, options, self.facility_id), saved)
