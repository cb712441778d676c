"""Building blocks shared by the screens: a form that checks as you type, and a confirm dialog.

A :class:`FormScreen` lays its fields out as label / widget / error in a grid, runs each field's
quick check on every key stroke (the message appears beside the field), and on save calls a
``save`` function that goes through the services layer. ``InputError.fields`` from the models are
shown beside the fields they name; anything else beside the buttons. Nothing is written unless
the save function succeeds, so nothing is ever half-saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from greencare.core import numbers
from greencare.core.errors import ConflictError, GreencareError, InputError, NotFoundError
from greencare.core.numbers import NumberError, typed_number, ungrouped
from greencare.core.text import strip_control
from greencare.services.plausibility import PlausibilityError, accepting
from greencare.tui.widgets import (
    MESSAGE_MAX,
    FieldInput,
    FormScroll,
    SafeSelect,
    line,
    plain,
    screen_words,
)

# --- quick checks: each returns "" when the text is acceptable (or empty) -----------------------


def check_number(text: str, *, minimum: float | None = None, integer: bool = False) -> str:
    text = text.strip()
    if not text:
        return ""
    try:
        text = ungrouped(text)
        number = int(text) if integer else float(text)
    except NumberError as exc:
        return str(exc)
    except ValueError:
        return f"{text!r} is not a whole number" if integer else f"{text!r} is not a number"
    if minimum is not None and number < minimum:
        return "must not be negative" if minimum == 0 else f"must be at least {minimum:g}"
    return ""


def check_date(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    try:
        date.fromisoformat(text)
    except ValueError:
        return f"{text!r} is not a date (YYYY-MM-DD)"
    return ""


def check_year(text: str) -> str:
    """Four digits: a year with a comma ("2,030") or a sign is a typo, never read."""
    text = text.strip()
    if text and not re.fullmatch(r"\d{4}", text):
        return f"{text!r} is not a year (YYYY)"
    return ""


def check_month(text: str) -> str:
    text = text.strip()
    if text and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return f"{text!r} is not a month (YYYY-MM)"
    return ""


def number_or_none(text: str) -> float | None:
    text = (text or "").strip()
    return typed_number(text) if text else None


def blank_to_none(value: Any) -> Any:
    if value is Select.NULL or value == "":
        return None
    return value.strip() or None if isinstance(value, str) else value


def changed_fields(
    data: dict[str, Any], stored: dict[str, Any], *, numbers: Sequence[str] = ()
) -> dict[str, Any]:
    """The entries of a form's ``data`` that differ from a ``stored`` record: what an edit
    writes (numbers compared as numbers, so "4,200" is the stored 4200.0 and stays as it is)."""

    def same(key: str, value: Any) -> bool:
        old = stored.get(key)
        if key in numbers and value not in (None, "") and old is not None:
            try:
                return typed_number(str(value)) == float(old)
            except ValueError:
                return False
        return (None if value == "" else value) == old

    return {k: v for k, v in data.items() if not same(k, v)}


@dataclass
class Field:
    """One row of a form."""

    id: str
    label: str
    kind: str = "input"  # input | select | checkbox
    placeholder: str = ""
    options: Sequence[tuple[str, Any]] = ()
    value: Any = None
    required: bool = False
    check: Callable[[str], str] | None = None
    allow_blank: bool = True


def label_of(value: str) -> str:
    """A stored vocabulary value as people read it: ``natural_gas`` -> ``natural gas``."""
    return str(value).replace("_", " ")


def choices(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(label_of(v), str(v)) for v in values]


class KeepsTyping:
    """For modal forms: cancelling never silently throws away what the user typed.

    The form calls ``remember_fields()`` at the end of ``on_mount`` (the fields' starting
    values are taken after that refresh), and ``cancel_keeping_typing()`` on Esc or Cancel: it
    closes at once if nothing changed, and otherwise asks first.
    """

    _initial: list[tuple[str, Any]] | None = None

    def remember_fields(self) -> None:
        self._initial = None
        self.call_after_refresh(self._remember)  # type: ignore[attr-defined]

    def _snapshot(self) -> list[tuple[str, Any]]:
        widgets = self.query("Input, Select, Checkbox")  # type: ignore[attr-defined]
        return [(w.id or "", getattr(w, "value", None)) for w in widgets]

    def _remember(self) -> None:
        self._initial = self._snapshot()

    def changed_ids(self) -> set[str]:
        """The ids of the fields whose value differs from when the form opened."""
        if self._initial is None:
            return set()
        before = dict(self._initial)
        return {key for key, value in self._snapshot() if before.get(key, value) != value}

    @property
    def dirty(self) -> bool:
        """Whether the user changed anything since the form opened."""
        return self._initial is not None and self._snapshot() != self._initial

    def cancel_keeping_typing(self) -> None:
        if not self.dirty:
            self.dismiss(None)  # type: ignore[attr-defined]
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)  # type: ignore[attr-defined]

        self.app.push_screen(  # type: ignore[attr-defined]
            ConfirmScreen("Discard what you typed in this form?", yes="Discard"), answered
        )


class FormScreen(KeepsTyping, ModalScreen[Any]):
    """A modal form. ``save(values)`` returns the result to dismiss with, or raises."""

    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]

    #: Names the models use for fields, mapped to this form's field ids (e.g. start_date->start).
    ALIASES: dict[str, str] = {}

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        save: Callable[[dict[str, Any]], Any] | None = None,
        *,
        aliases: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self._save = save
        self.aliases = {**self.ALIASES, **(aliases or {})}
        #: field id -> stored text that held control characters (the field shows it without).
        self.cleaned: dict[str, str] = {}

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="form", classes="form"):
            yield Static(plain(self.form_title), id="form-title")
            with FormScroll(id="form-body"):
                yield from self.compose_body()
            yield Label("", id="error-record", classes="field-error")
            with Horizontal(id="form-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def compose_body(self) -> ComposeResult:
        with Grid(id="form-grid", classes="form-grid"):
            for field in self.fields:
                yield Label(field.label + (" *" if field.required else ""), classes="field-label")
                yield self.widget_for(field)
                yield Label("", id=f"error-{field.id}", classes="field-error")

    def widget_for(self, field: Field) -> Any:
        if field.kind == "select":
            kwargs: dict[str, Any] = {}
            if field.value is not None:
                kwargs["value"] = field.value
            return SafeSelect(
                list(field.options),
                allow_blank=field.allow_blank,
                id=field.id,
                compact=True,
                prompt=field.placeholder or "Select",
                **kwargs,
            )
        if field.kind == "checkbox":
            return Checkbox("", value=bool(field.value), id=field.id, compact=True)
        if isinstance(field.value, int | float) and not isinstance(field.value, bool):
            stored = numbers.plain(field.value)  # every digit it has, no exponent
        else:
            stored = "" if field.value is None else str(field.value)
        value = strip_control(stored)
        if value != stored:  # written before the text rule, or by another tool: say so
            self.cleaned[field.id] = stored
        return FieldInput(
            value=value,
            placeholder=field.placeholder,
            id=field.id,
            compact=True,
        )

    #: The field focused when the form opens (None: the first one).
    FIRST: str | None = None

    def on_mount(self) -> None:
        # Textual runs every class's on_mount (subclasses first), so this one runs last.
        for field_id, stored in self.cleaned.items():
            self.show_error(
                field_id,
                f"the stored text {line(stored, 60)} holds control characters; they are "
                "left out here, and saving stores it without them",
            )
        self.remember_fields()
        if self.FIRST:
            self.query_one(f"#{self.FIRST}").focus()
            return
        first = next((w for w in self.query("#form-body Input, #form-body Select")), None)
        if first is not None:
            first.focus()

    # -- values and checks --------------------------------------------------------------------------

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def value(self, field_id: str) -> Any:
        widget = self.query_one(f"#{field_id}")
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, Checkbox):
            return widget.value
        return widget.value.strip()  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {f.id: self.value(f.id) for f in self.fields}

    def check(self, field_id: str, text: str) -> str:
        """The quick check of one field as it stands; subclasses add cross-field rules."""
        field = self.field(field_id)
        if field is not None and field.check is not None:
            return field.check(text)
        return ""

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field_id = event.input.id or ""
        self.show_error(field_id, self.check(field_id, event.value))
        self.changed(field_id, event.value)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        field_id = event.select.id or ""
        value = None if event.value is Select.NULL else event.value
        self.show_error(field_id, "")
        self.changed(field_id, value)

    def changed(self, field_id: str, value: Any) -> None:
        """Hook: react to a field changing (e.g. narrow another field's choices)."""

    def show_error(self, field_id: str, message: str) -> None:
        field_id = self.aliases.get(field_id, field_id)
        found = self.query(f"#error-{field_id}")
        label = found.first(Label) if found else self.query_one("#error-record", Label)
        if not found and message and field_id not in ("record", ""):
            message = f"{label_of(field_id)}: {message}"
        label.update(plain(screen_words(message), MESSAGE_MAX))
        label.set_class(bool(message), "visible")

    def clear_errors(self) -> None:
        for label in self.query(".field-error").results(Label):
            label.update("")
            label.set_class(False, "visible")

    def errors(self) -> dict[str, str]:
        """Every field's problem right now (required fields and quick checks)."""
        problems: dict[str, str] = {}
        for field in self.fields:
            raw = self.value(field.id)
            if field.required and raw in (None, ""):
                problems[field.id] = f"{field.label} is required"
                continue
            if isinstance(raw, str):
                message = self.check(field.id, raw)
                if message:
                    problems[field.id] = message
        return problems

    # -- saving -------------------------------------------------------------------------------------

    def save(self, values: dict[str, Any]) -> Any:
        if self._save is None:  # a programming error, not a user's: every form is given one
            raise TypeError(f"{type(self).__name__} needs save= or an overridden save()")
        return self._save(values)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self.clear_errors()
        problems = self.errors()
        for field_id, message in problems.items():
            self.show_error(field_id, message)
        if problems:
            return
        try:
            result = self.save(self.values())
        except PlausibilityError as exc:
            confirm_outlier(self, exc, self.action_save)
            return
        except InputError as exc:
            for field_id, message in (exc.fields or {"record": str(exc)}).items():
                self.show_error(field_id, message)
            return
        except (ConflictError, NotFoundError, GreencareError, ValueError) as exc:
            self.show_error("record", str(exc))
            from greencare.core.errors import DatabaseError

            if isinstance(exc, DatabaseError):  # busy, full, read-only: the form stays open
                self.app.notify(str(exc), title="Not saved", severity="error")
            return
        self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.cancel_keeping_typing()


def confirm_outlier(
    screen: ModalScreen[Any], exc: PlausibilityError, retry: Callable[[], None]
) -> None:
    """Ask "Record anyway?" about a value the plausibility check refused; Yes runs ``retry``
    with outliers accepted (the value is stored and listed as accepted), No keeps the form."""
    refused = "\n".join(f.message for f in exc.findings if f.refused)
    question = f"This value looks implausible:\n\n{refused}\n\nRecord it anyway?"

    def answered(yes: bool | None) -> None:
        if yes:
            with accepting():
                retry()

    screen.app.push_screen(ConfirmScreen(question, yes="Record anyway", markup=False), answered)


class ConfirmScreen(ModalScreen[bool]):
    """Ask before something that changes or removes data: y / enter confirms, n / escape not."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen #confirm {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    ConfirmScreen #confirm-buttons { height: 1; margin-top: 1; align-horizontal: right; }
    ConfirmScreen #confirm-buttons Button { margin-left: 1; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", markup: bool = True) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.markup = markup  # kept for callers; the question is always shown as plain text

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(plain(self.question, MESSAGE_MAX), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(self.yes, variant="error", id="yes", compact=True)
                yield Button("No", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
