"""The form for entering a bill or reading: validates as you type, saves only when valid."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from greencare import services
from greencare.core import numbers, periods, units
from greencare.core.errors import ConflictError, InputError, NotFoundError
from greencare.core.models import Facility, Meter
from greencare.core.numbers import NumberError, typed_number
from greencare.services.plausibility import PlausibilityError
from greencare.tui.forms import KeepsTyping, confirm_outlier
from greencare.tui.widgets import MESSAGE_MAX, FieldInput, SafeSelect, markup, plain

#: Form fields in order: (id, label, placeholder).
FIELDS = (
    ("start", "First day", "YYYY-MM-DD"),
    ("end", "Last day", "YYYY-MM-DD (inclusive)"),
    ("quantity", "Quantity", "e.g. 10000"),
    ("cost", "Cost", "optional, e.g. 1234.56"),
    ("currency", "Currency", "e.g. USD"),
)
#: A bill's billed demand and its charge (electricity meters only): (id, placeholder).
DEMAND_FIELDS = (("demand_kw", "kW"), ("demand_cost", "charge"))


class ReadingForm(KeepsTyping, ModalScreen[dict[str, Any] | None]):
    """Add a reading to one meter. Dismisses with the stored reading, or None if cancelled."""

    DEFAULT_CSS = """
    ReadingForm #demand-row { height: 1; width: 100%; }
    ReadingForm .demand-input { width: 1fr; margin-right: 1; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]

    def __init__(
        self, db: Any, meter: Meter, facility: Facility, existing: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.db = db
        self.meter = meter
        self.facility = facility
        self.existing = existing  # a stored reading (services.present_reading) to correct
        self._loaded: dict[str, Any] = {}  # the form's text as opened on ``existing``
        #: Billed demand (kW) and its charge are asked for on electricity bills.
        self.has_demand = meter.commodity.value == "electricity"

    def compose(self) -> ComposeResult:
        choices = list(units.unit_choices(self.meter.commodity))
        if self.meter.unit not in choices:
            choices.insert(0, self.meter.unit)
        with Vertical(id="form"):
            yield Static(
                markup(
                    "New reading for [b]$meter[/b] ($commodity) at $facility",
                    meter=self.meter.name,
                    commodity=self.meter.commodity.value.replace("_", " "),
                    facility=self.facility.name,
                ),
                id="form-title",
            )
            with Grid(id="form-grid"):
                for field_id, label, placeholder in FIELDS[:3]:
                    yield Label(label, classes="field-label")
                    yield FieldInput(placeholder=placeholder, id=field_id, compact=True)
                    yield Label("", id=f"error-{field_id}", classes="field-error")
                yield Label("Unit", classes="field-label")
                yield SafeSelect(
                    [(c, c) for c in choices],
                    value=self.meter.unit,
                    allow_blank=False,
                    id="unit",
                    compact=True,
                )
                yield Label("", id="error-unit", classes="field-error")
                for field_id, label, placeholder in FIELDS[3:]:
                    yield Label(label, classes="field-label")
                    yield FieldInput(placeholder=placeholder, id=field_id, compact=True)
                    yield Label("", id=f"error-{field_id}", classes="field-error")
                if self.has_demand:
                    yield Label("Demand", classes="field-label")
                    with Horizontal(id="demand-row"):
                        for field_id, placeholder in DEMAND_FIELDS:
                            yield Input(placeholder=placeholder, id=field_id, compact=True,
                                        classes="demand-input")  # fmt: skip
                    yield Label("", id="error-demand", classes="field-error")
                yield Label("", classes="field-label")
                yield Checkbox("Estimated bill", id="estimated", compact=True)
                yield Label("", id="error-estimated", classes="field-error")
            yield Label("", id="error-record", classes="field-error")
            with Horizontal(id="form-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        currency = services.default_currency(self.facility.country)
        if currency:
            self.query_one("#currency", Input).value = currency
        if self.existing:
            old = self.existing
            # Stored values exactly (every digit), so saving changes only what is typed over.
            self._loaded = {
                "start": str(old["start"]),
                "end": str(old["end"]),
                "quantity": numbers.plain(old["quantity"]),
                "cost": numbers.plain(old.get("cost")),
                "currency": str(old.get("currency") or ""),
                "unit": old["unit"],
                "estimated": bool(old.get("estimated")),
                "demand_kw": numbers.plain(old.get("demand_kw")),
                "demand_cost": numbers.plain(old.get("demand_cost")),
            }
            for field_id in self._text_fields():
                self.query_one(f"#{field_id}", Input).value = self._loaded[field_id]
            self.query_one("#unit", Select).value = old["unit"]
            self.query_one("#estimated", Checkbox).value = self._loaded["estimated"]
            self.query_one("#form-title", Static).update(
                markup(
                    "Correct reading $id of [b]$meter[/b] at $facility",
                    id=old["id"],
                    meter=self.meter.name,
                    facility=self.facility.name,
                )
            )
        self.query_one("#start", Input).focus()
        self.remember_fields()

    # -- validation as the user types ---------------------------------------------------------

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        self._show(field, self._check(field, event.value))

    def _check(self, field: str, value: str) -> str:
        """A quick check of one field; the full check runs on save."""
        text = value.strip()
        if field in ("start", "end"):
            if not text:
                return ""
            try:
                periods.parse_instant(text, self.facility.timezone or "UTC")
            except periods.PeriodError as exc:
                return str(exc)
            return self._period_order()
        if field in ("quantity", "cost", "demand_kw", "demand_cost") and text:
            try:
                number = typed_number(text)
            except NumberError as exc:
                return str(exc)
            if field == "quantity" and number < 0 and not self.meter.net_metering:
                return "must not be negative"
            if field == "demand_kw" and number < 0:
                return "a billed demand must not be negative"
        return ""

    def _text_fields(self) -> list[str]:
        return [f for f, *_ in FIELDS] + ([f for f, _ in DEMAND_FIELDS] if self.has_demand else [])

    def _period_order(self) -> str:
        start = self.query_one("#start", Input).value.strip()
        end = self.query_one("#end", Input).value.strip()
        try:
            if start and end and date.fromisoformat(end) < date.fromisoformat(start):
                return "the last day is before the first day"
        except ValueError:
            return ""
        return ""

    def _show(self, field: str, message: str) -> None:
        field = "demand" if field in ("demand_kw", "demand_cost") else field
        try:
            label = self.query_one(f"#error-{field}", Label)
        except Exception:
            label = self.query_one("#error-record", Label)
        label.update(plain(message, MESSAGE_MAX))
        label.set_class(bool(message), "visible")

    def _clear_errors(self) -> None:
        for label in self.query(".field-error").results(Label):
            label.update("")
            label.set_class(False, "visible")

    # -- saving ---------------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        from greencare.core.errors import GreencareError  # busy, full, read-only database

        values = {f: self.query_one(f"#{f}", Input).value for f in self._text_fields()}
        required = {"start": "First day", "end": "Last day", "quantity": "Quantity"}
        self._clear_errors()
        missing = [k for k in required if not values[k].strip()]
        for key in missing:
            self._show(key, f"{required[key]} is required")
        if missing:
            return
        fields: dict[str, Any] = {
            "start": values["start"],
            "end": values["end"],
            "quantity": values["quantity"],
            "unit": str(self.query_one("#unit", Select).value),
            "cost": values["cost"] or None,
            "currency": values["currency"] or None,
            "estimated": self.query_one("#estimated", Checkbox).value,
        }
        for field_id, _ in DEMAND_FIELDS if self.has_demand else ():
            fields[field_id] = values[field_id] or None
        if self.existing:
            # A correction writes only the fields the user changed; the rest stay as stored.
            typed = {**values, "unit": fields["unit"], "estimated": fields["estimated"]}
            fields = {k: v for k, v in fields.items() if typed[k] != self._loaded.get(k)}
        try:
            save = (
                partial(services.update_reading, self.db, int(self.existing["id"]))
                if self.existing
                else partial(services.add_reading, self.db, meter=self.meter.id or 0)
            )
            row = save(**fields, source="tui")
        except PlausibilityError as exc:
            confirm_outlier(self, exc, self.action_save)
            return
        except InputError as exc:
            for field, message in (exc.fields or {"record": str(exc)}).items():
                self._show(field if field in {*values, "unit"} else "record", message)
            return
        except (ConflictError, NotFoundError) as exc:
            self._show("record", str(exc))
            return
        except GreencareError as exc:  # the database is busy, full, read-only: keep the typing
            self._show("record", str(exc))
            self.app.notify(str(exc), title="Not saved", severity="error")
            return
        self.dismiss(row)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.cancel_keeping_typing()
