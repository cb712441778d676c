"""Targets and settings: reduction targets (add, edit, delete) and the fiscal year's first month.

The dashboard and reports use what is stored here; the CLI's ``greencare target`` and
``greencare settings`` change the same rows. Every write goes through ``services.targets``
(validated, audited).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from greencare import services
from greencare.core.errors import GreencareError, InputError
from greencare.core.fiscal import MONTH_NAMES, fiscal_label
from greencare.core.targets import BASES, BASIS_SCOPES, SCOPES
from greencare.tui.forms import ConfirmScreen, Field, FormScreen, blank_to_none, check_year
from greencare.tui.screens.base import SectionScreen
from greencare.tui.widgets import (
    MESSAGE_MAX,
    FieldInput,
    KeysFooter,
    NavBar,
    SafeSelect,
    SafeTable,
    plain,
)

SCOPE_OPTIONS = [(f"{name} ({unit})", key) for key, (unit, name) in SCOPES.items()]
BASIS_OPTIONS = [(f"{b}-based", b) for b in BASES]
MONTH_OPTIONS = [(f"{MONTH_NAMES[m - 1]}" + (" (calendar years)" if m == 1 else ""), m)
                 for m in range(1, 13)]  # fmt: skip


def _year(text: str) -> str:
    message = check_year(text)
    if message or not text.strip():
        return message
    return "" if 1990 <= int(text.strip()) <= 2100 else "a year from 1990 to 2100"


def _reduction_text(value: float) -> str:
    return "net zero" if value >= 1 else f"{value * 100:.6g}%"


class TargetForm(FormScreen):
    """Add a target, or change one (``target`` given): scope, basis, years, reduction, note."""

    def __init__(self, db: Any, target: dict[str, Any] | None = None) -> None:
        self.db = db
        self.target = target
        t = target or {}
        baseline = t.get("baseline_year") or services.default_baseline_year(db)
        fields = [
            Field("scope", "Covers", kind="select", options=SCOPE_OPTIONS,
                  value=t.get("scope", "scope12"), allow_blank=False),
            Field("basis", "Scope 2 method", kind="select", options=BASIS_OPTIONS,
                  value=t.get("basis") or "location", placeholder="(not for this scope)"),
            Field("baseline_year", "Baseline year", placeholder="e.g. 2019", required=True,
                  value=baseline, check=_year),
            Field("target_year", "Target year", placeholder="e.g. 2030", required=True,
                  value=t.get("target_year"), check=_year),
            Field("reduction", "Reduction", placeholder="-50%, 50%, 0.5 or net zero",
                  required=True,
                  value=_reduction_text(t["reduction"]) if "reduction" in t else None),
            Field("note", "Note", placeholder="optional: the pledge or decision",
                  value=t.get("note")),
        ]  # fmt: skip
        title = f"Edit target {target['id']}" if target else "New target"
        super().__init__(title, fields)

    def on_mount(self) -> None:
        self._scope(str(self.value("scope")))

    def changed(self, field_id: str, value: Any) -> None:
        if field_id == "scope" and value:
            self._scope(str(value))

    def _scope(self, scope: str) -> None:
        """The Scope 2 method applies to scope2, scope12 and total only."""
        basis = self.query_one("#basis", Select)
        basis.disabled = scope not in BASIS_SCOPES
        if not basis.disabled and basis.value is Select.NULL:
            basis.value = "location"

    def errors(self) -> dict[str, str]:
        problems = super().errors()
        values = self.values()
        if "baseline_year" not in problems and "target_year" not in problems:
            b, t = values["baseline_year"], values["target_year"]
            if b and t and int(t) <= int(b):
                problems["target_year"] = "must be after the baseline year"
        return problems

    def save(self, values: dict[str, Any]) -> dict[str, Any]:
        basis = values["basis"] if values["scope"] in BASIS_SCOPES else None
        fields = {
            "scope": values["scope"],
            "basis": basis,
            "baseline_year": values["baseline_year"],
            "target_year": values["target_year"],
            "reduction": values["reduction"],
            "note": blank_to_none(values["note"]),
        }
        if self.target is None:
            return services.add_target(self.db, source="tui", **fields)
        return services.update_target(self.db, int(self.target["id"]), source="tui", **fields)


class TargetsScreen(SectionScreen):
    """Stored targets above; the fiscal year and default baseline year below."""

    MODE = "targets"
    BINDINGS = [
        Binding("a", "add_target", "Add target", id="targets.add"),
        Binding("c", "edit_target", "Edit", id="targets.edit"),
        Binding("delete", "delete_target", "Delete", id="targets.delete"),
        Binding("ctrl+s", "save_settings", "Save settings", id="targets.save_settings"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="targets.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Vertical(id="main"):
            yield Static("Targets (g)", classes="pane-title")
            yield SafeTable(id="tgt-table", cursor_type="row", zebra_stripes=True)
            yield Static("Settings", classes="pane-title")
            with Grid(id="tgt-settings", classes="form-grid"):
                yield Label("Fiscal year starts", classes="field-label")
                yield SafeSelect(MONTH_OPTIONS, allow_blank=False, value=1, id="set-fiscal",
                                 compact=True)  # fmt: skip
                yield Label("", id="error-set-fiscal", classes="field-error")
                yield Label("Baseline year", classes="field-label")
                yield FieldInput(placeholder="default for reports", id="set-baseline", compact=True)
                yield Label("", id="error-set-baseline", classes="field-error")
            with Horizontal(id="tgt-buttons"):
                yield Button("Save settings", variant="primary", id="set-save", compact=True)
                yield Static("", id="set-note")
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#tgt-table", DataTable).add_columns(
            "Id", "Target", "Baseline", "Target year", "Reduction", "Note"
        )
        self.load()
        self.load_settings()
        self.remember_data()
        self.query_one("#tgt-table", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self.data_changed():
            self.load()
            self.load_settings()
            self.remember_data()

    def action_refresh(self) -> None:
        self.load()
        self.load_settings()

    # -- targets ---------------------------------------------------------------------------------

    def load(self, select: int | None = None) -> None:
        table = self.query_one("#tgt-table", DataTable)
        keep = select if select is not None else self._selected_id()
        table.clear()
        self.targets = services.list_targets(self.db)
        for t in self.targets:
            table.add_row(
                str(t["id"]), t["label"], str(t["baseline_year"]), str(t["target_year"]), _reduction_text(t["reduction"]),
                (t["note"] or "").replace("\n", " "), key=str(t["id"]),
            )  # fmt: skip
        index = next((i for i, t in enumerate(self.targets) if t["id"] == keep), 0)
        if self.targets:
            table.move_cursor(row=index)
        self.set_status(
            f"{len(self.targets)} targets. a add · c edit · Del delete · ctrl+s save settings"
            if self.targets
            else "No targets yet: press a to add one (e.g. Scope 1+2 -50% by 2030 vs 2019)."
        )

    def _selected_id(self) -> int | None:
        key = self.selected_key(self.query_one("#tgt-table", DataTable))
        return int(key) if key else None

    def _selected(self) -> dict[str, Any] | None:
        found = self._selected_id()
        return next((t for t in self.targets if t["id"] == found), None)

    def action_add_target(self) -> None:
        def saved(result: Any) -> None:
            if result is not None:
                self.load(select=result["id"])
                self.app.notify(result["label"], title="Target added")

        self.app.push_screen(TargetForm(self.db), saved)

    @on(DataTable.RowSelected, "#tgt-table")
    def action_edit_target(self) -> None:
        target = self._selected()
        if target is None:
            self.app.notify("No target to edit: press a to add one.", severity="warning")
            return

        def saved(result: Any) -> None:
            if result is not None:
                self.load(select=result["id"])
                self.app.notify(result["label"], title="Target changed")

        self.app.push_screen(TargetForm(self.db, target), saved)

    def action_delete_target(self) -> None:
        target = self._selected()
        if target is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                services.delete_target(self.db, int(target["id"]), source="tui")
            except GreencareError as exc:  # busy or read-only: nothing changed
                self.app.notify(str(exc), title="Not deleted", severity="error")
                return
            self.load()
            self.app.notify(target["label"], title="Target deleted")

        question = f"Delete the target {target['label']}? (The audit log keeps it.)"
        self.app.push_screen(ConfirmScreen(question, yes="Delete", markup=False), answered)

    # -- settings --------------------------------------------------------------------------------

    def load_settings(self) -> None:
        values = services.get_settings(self.db)
        self.query_one("#set-fiscal", Select).value = values["fiscal_year_start_month"]
        baseline = values["default_baseline_year"]
        self.query_one("#set-baseline", Input).value = "" if baseline is None else str(baseline)
        self.show_setting_note(values["fiscal_year_start_month"])

    def show_setting_note(self, start: int) -> None:
        from datetime import date

        example = fiscal_label(date.today().year, start)
        text = ("Fiscal years are calendar years." if start == 1 else
                f"Fiscal years are named by the year they end in: {example}.")  # fmt: skip
        self.query_one("#set-note", Static).update(plain("  " + text))

    def show_error(self, field: str, message: str) -> None:
        label = self.query_one(f"#error-{field}", Label)
        label.update(plain(message, MESSAGE_MAX))
        label.set_class(bool(message), "visible")

    @on(Input.Changed, "#set-baseline")
    def _baseline_changed(self, event: Input.Changed) -> None:
        self.show_error("set-baseline", _year(event.value))

    @on(Button.Pressed, "#set-save")
    def action_save_settings(self) -> None:
        start = self.query_one("#set-fiscal", Select).value
        baseline = self.query_one("#set-baseline", Input).value.strip()
        for field in ("set-fiscal", "set-baseline"):
            self.show_error(field, "")
        if _year(baseline):
            self.show_error("set-baseline", _year(baseline))
            return
        try:
            services.set_fiscal_year_start(self.db, int(start), source="tui")  # type: ignore[arg-type]
            services.set_default_baseline_year(self.db, baseline or None, source="tui")
        except InputError as exc:
            field = "set-baseline" if "baseline_year" in (exc.fields or {}) else "set-fiscal"
            self.show_error(field, str(exc))
            return
        except GreencareError as exc:
            self.app.notify(str(exc), title="Not saved", severity="error")
            return
        self.load_settings()
        self.set_status("Settings saved: the dashboard and reports use them from now on.")
        self.app.notify("Settings saved.", title="Settings")
