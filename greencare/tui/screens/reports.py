"""Reports: choose a period, a facility, the baseline year and target, factor editions, what to do
about missing factors and a format; the report is built in a worker thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from greencare.tui.forms import ConfirmScreen, check_month, check_year
from greencare.tui.screens.base import SectionScreen
from greencare.tui.screens.editions import YEARLY
from greencare.tui.widgets import (
    MESSAGE_MAX,
    AfterFirstFrame,
    FieldInput,
    FormScroll,
    KeysFooter,
    LatePart,
    NavBar,
    SafeSelect,
    markup,
    plain,
    screen_words,
)

#: (value, label): the formats a person picks from.
FORMATS = [("html", "HTML page"), ("pdf", "PDF"),
           ("pdf-detail", "PDF with the detail tables"), ("xlsx", "Excel workbook"),
           ("csv", "CSV folder"), ("md", "Markdown"), ("json", "JSON"),
           ("pm-xlsx", "Portfolio Manager meter entries (xlsx)")]  # fmt: skip
SUFFIX = {"html": ".html", "pdf": ".pdf", "pdf-detail": ".pdf", "xlsx": ".xlsx", "csv": "", "md": ".md", "json": ".json",
          "pm-xlsx": "-pm.xlsx"}  # fmt: skip
#: (value, label): what to do when an emission factor is missing (the CLI's --strict).
GAP_POLICIES = [("gaps", "write it, listing the missing factors"),
                ("strict", "refuse while any factor is missing")]  # fmt: skip
#: (value, label): paper and units (the CLI's --paper and --units); "auto" follows the country.
CONVENTIONS = [("auto", "from the facilities' country"),
               ("us", "US Letter; kBtu, kBtu/ft², lb"),
               ("metric", "A4; kWh, kWh/m², kg")]  # fmt: skip
STAGES = 3  # build the tables, write the file, done


class ReportCancelled(Exception):
    """Raised in the worker between build steps when the user pressed Cancel."""


@dataclass
class ReportProgress(Message):
    stage: int
    text: str


@dataclass
class ReportDone(Message):
    path: str | None = None
    error: str | None = None
    cancelled: bool = False
    gaps: int = 0
    period: dict[str, Any] | None = None  # {"from": "YYYY-MM", "to": "YYYY-MM"} reported
    notes: tuple[str, ...] = ()  # what writing found (a PDF's characters without a font)


class ReportsScreen(SectionScreen):
    """A form on the screen (no dialog): period, facility, format, where to write."""

    MODE = "reports"
    BINDINGS = [
        Binding("ctrl+s", "build", "Build report", id="reports.build"),
        Binding("escape", "cancel", "Cancel", show=False, id="reports.cancel"),
        Binding("X", "explain", "Explain report", id="reports.explain"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event = threading.Event()
        self.running = False
        self._auto_output = ""
        #: What the last report built covered (its period, facility, pins): what X explains.
        self.built: dict[str, Any] | None = None
        self._building: dict[str, Any] = {}
        #: Whether the less used choices (mounted after the first frame) are in.
        self.options_in = False
        self._app_pins: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with FormScroll(id="rep-main"):
            yield Static("Build a report", classes="pane-title")
            with Grid(id="rep-grid", classes="form-grid"):
                yield Label("Year", classes="field-label")
                yield FieldInput(placeholder="e.g. 2025", id="rep-year", compact=True)
                yield Label("", id="error-rep-year", classes="field-error")
                yield Label("or from", classes="field-label")
                yield FieldInput(placeholder="YYYY-MM", id="rep-from", compact=True)
                yield Label("", id="error-rep-from", classes="field-error")
                yield Label("to", classes="field-label")
                yield FieldInput(placeholder="YYYY-MM", id="rep-to", compact=True)
                yield Label("", id="error-rep-to", classes="field-error")
                yield Label("Facility", classes="field-label")
                yield SafeSelect([], prompt="All facilities", id="rep-facility", compact=True)
                yield Label("", classes="field-error")
                yield Label("Baseline", classes="field-label")
                yield FieldInput(placeholder="year progress is measured from", id="rep-baseline",
                            compact=True)  # fmt: skip
                yield Label("", id="error-rep-baseline", classes="field-error")
                yield Label("Target", classes="field-label")
                yield SafeSelect(self.target_options(), allow_blank=False, id="rep-target",
                                 compact=True)  # fmt: skip
                yield Label("", classes="field-error")
                yield Label("Format", classes="field-label")
                yield SafeSelect([(label, value) for value, label in FORMATS], value="html",
                             allow_blank=False, id="rep-format", compact=True)  # fmt: skip
                yield Label("", classes="field-error")
                yield Label("Write to", classes="field-label")
                yield FieldInput(id="rep-output", compact=True)
                yield Label("", id="error-rep-output", classes="field-error")
            # the less used choices follow the first frame (five Selects: half its cost)
            with AfterFirstFrame(LatePart(id="rep-options")):
                for family in YEARLY:
                    yield Label(family, classes="field-label")
                    yield SafeSelect([], prompt="edition by activity year",
                                     id=f"rep-pin-{family}", compact=True)  # fmt: skip
                    yield Label("", classes="field-error")
                yield Label("Missing", classes="field-label")
                yield SafeSelect([(label, value) for value, label in GAP_POLICIES],
                                 value="gaps", allow_blank=False, id="rep-gaps",
                                 compact=True)  # fmt: skip
                yield Label("", classes="field-error")
                yield Label("Paper", classes="field-label")
                yield SafeSelect([(label, value) for value, label in CONVENTIONS],
                                 value="auto", allow_blank=False, id="rep-units",
                                 compact=True)  # fmt: skip
                yield Label("", classes="field-error")
            with Horizontal(id="rep-buttons"):
                yield Button("Build report", variant="primary", id="rep-build", compact=True)
                yield Button("Cancel", variant="error", id="rep-cancel", compact=True,
                             disabled=True)  # fmt: skip
            yield ProgressBar(total=STAGES, id="rep-progress", show_eta=False)
            yield Static("", id="rep-result")
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.refill_facility_select(self.query_one("#rep-facility", Select))
        self.fill_choices()
        year = self.latest_year()
        if year:
            self.query_one("#rep-year", Input).value = str(year)
        self.suggest_output()
        self.query_one("#rep-build", Button).focus()
        gwp = getattr(self.app, "gwp", None)
        self.set_status(
            "ctrl+s builds the report"
            + (f" · GWP {gwp} (set in Factors)" if gwp else " · GWP: each dataset's own")
        )

    def late_part_mounted(self, part: LatePart) -> None:
        """The less used choices are in: each yearly family's editions, the pins chosen in
        Factors (ctrl+d) chosen here too."""
        from greencare.core.factors import FactorLibrary

        library = FactorLibrary.bundled()
        pins = self._app_pins = dict(getattr(self.app, "pins", None) or {})
        for family in YEARLY:
            select = self.query_one(f"#rep-pin-{family}", Select)
            select.set_options([(f"{d.edition} ({d.title})", d.edition)
                                for d in library.editions(family)])  # fmt: skip
            if family in pins:
                select.value = pins[family]
        self.options_in = True

    def on_screen_resume(self) -> None:
        self.refill_facility_select(self.query_one("#rep-facility", Select))
        self.fill_choices()
        pins = dict(getattr(self.app, "pins", None) or {})
        if self.options_in and pins != self._app_pins:  # changed in Factors (ctrl+d) meanwhile
            self._app_pins = pins
            for family in YEARLY:
                select = self.query_one(f"#rep-pin-{family}", Select)
                select.value = pins.get(family, Select.NULL)

    def target_options(self) -> list[tuple[str, str]]:
        from greencare.services import reports

        self._target_options = reports.target_choices(self.db)
        return self._target_options

    def fill_choices(self) -> None:
        """The target choices (stored targets change elsewhere) and the baseline's default."""
        from greencare.services import targets

        select = self.query_one("#rep-target", Select)
        before = self._target_options
        options = self.target_options()
        if options != before:
            current = select.value
            select.set_options(options)
            select.value = current if any(v == current for _, v in options) else options[0][1]
            select._watch_value(select.value)  # the same value may have a new label
        baseline = targets.default_baseline_year(self.db)
        self.query_one("#rep-baseline", Input).placeholder = (
            f"default {baseline} (the setting)" if baseline else "year progress is measured from"
        )

    def latest_year(self) -> int | None:
        from greencare.services import reports

        return reports.latest_year(self.db)

    def period(self) -> dict[str, Any]:
        year = self.query_one("#rep-year", Input).value.strip()
        start = self.query_one("#rep-from", Input).value.strip()
        end = self.query_one("#rep-to", Input).value.strip()
        if start or end:
            return {"start": start or None, "end": end or None}
        return {"year": int(year)} if year and not check_year(year) else {}

    def period_label(self) -> str:
        p = self.period()
        if "year" in p:
            return str(p["year"])
        return f"{p.get('start') or ''}_{p.get('end') or ''}".strip("_") or "report"

    def suggest_output(self) -> None:
        """Name the output from the period and format, unless the user typed their own."""
        box = self.query_one("#rep-output", Input)
        if box.value.strip() not in ("", self._auto_output):
            return
        fmt = str(self.query_one("#rep-format", Select).value)
        root = Path(getattr(self.app, "report_dir", None) or Path.cwd())
        self._auto_output = str(root / f"greencare-report-{self.period_label()}{SUFFIX[fmt]}")
        box.value = self._auto_output

    def show_error(self, field: str, message: str) -> None:
        label = self.query_one(f"#error-{field}", Label)
        label.update(plain(screen_words(message), MESSAGE_MAX))
        label.set_class(bool(message), "visible")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        if field in ("rep-year", "rep-baseline"):
            self.show_error(field, check_year(event.value))
        elif field in ("rep-from", "rep-to"):
            self.show_error(field, check_month(event.value))
        if field not in ("rep-output", "rep-baseline"):
            self.suggest_output()

    @on(Select.Changed, "#rep-format")
    def _format(self) -> None:
        self.suggest_output()

    def problems(self) -> dict[str, str]:
        out: dict[str, str] = {}
        year = self.query_one("#rep-year", Input).value.strip()
        start = self.query_one("#rep-from", Input).value.strip()
        end = self.query_one("#rep-to", Input).value.strip()
        if start or end:
            if not start:
                out["rep-from"] = "give the first month too"
            if not end:
                out["rep-to"] = "give the last month too"
            for field, value in (("rep-from", start), ("rep-to", end)):
                if check_month(value):
                    out[field] = check_month(value)
            if not out and end < start:
                out["rep-to"] = "ends before it starts"
        elif not year:
            out["rep-year"] = "give a year, or from and to months"
        elif check_year(year):
            out["rep-year"] = check_year(year)
        baseline = self.query_one("#rep-baseline", Input).value.strip()
        if check_year(baseline):
            out["rep-baseline"] = check_year(baseline)
        if not self.query_one("#rep-output", Input).value.strip():
            out["rep-output"] = "where should the report go?"
        return out

    def choices(self) -> dict[str, Any]:
        """The baseline year, target, factor pins and gap policy chosen on the form."""
        from greencare.services import reports

        baseline = self.query_one("#rep-baseline", Input).value.strip()
        choice = str(self.query_one("#rep-target", Select).value)
        out = reports.target_option(self.db, choice, int(baseline) if baseline else None)
        pins = {}
        for family in YEARLY:
            value = self.query_one(f"#rep-pin-{family}", Select).value
            if isinstance(value, str):
                pins[family] = value
        out["pins"] = pins or None
        out["strict"] = self.query_one("#rep-gaps", Select).value == "strict"
        units = self.query_one("#rep-units", Select).value
        if units in ("us", "metric"):
            out["units"], out["paper"] = units, "letter" if units == "us" else "a4"
        return out

    # -- building ------------------------------------------------------------------------------------

    @on(Button.Pressed, "#rep-build")
    def action_build(self) -> None:
        if self.running:
            return
        if not self.options_in:  # ctrl+s within a frame of arriving: once the choices are in
            self.set_timer(0.05, self.action_build)
            return
        for field in ("rep-year", "rep-from", "rep-to", "rep-baseline", "rep-output"):
            self.show_error(field, "")
        problems = self.problems()
        for field, message in problems.items():
            self.show_error(field, message)
        if problems:
            return
        fmt = str(self.query_one("#rep-format", Select).value)
        out = Path(self.query_one("#rep-output", Input).value.strip()).expanduser()
        if out.exists() or out.is_symlink():
            if self.refused(out, fmt, force=True):
                return
            question = f"{out} already exists. Replace it with the new report?"

            def answered(replace: bool | None) -> None:
                if replace:
                    self.start(out, fmt, force=True)
                else:
                    self.show_error("rep-output", "exists: choose another name, or replace it")

            self.app.push_screen(ConfirmScreen(question, yes="Replace"), answered)
            return
        if not self.refused(out, fmt, force=False):
            self.start(out, fmt, force=False)

    def protected(self) -> list[str]:
        """The database's file (what a report must never be written over)."""
        from greencare.services import reports

        return [*reports.database_files(self.db), str(getattr(self.app, "db_path", "") or "")]

    def refused(self, out: Path, fmt: str, *, force: bool) -> bool:
        """Show why ``out`` cannot be written (the database, not a report folder...), if so."""
        from greencare.core.errors import GreencareError
        from greencare.services import outputs

        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            outputs.check_target(out, folder=fmt == "csv", force=force, protect=self.protected())
        except (GreencareError, OSError) as exc:
            self.show_error("rep-output", str(exc))
            return True
        return False

    def start(self, out: Path, fmt: str, *, force: bool) -> None:
        facility = self.query_one("#rep-facility", Select).value
        self.running = True
        self.cancel_event.clear()
        self.query_one("#rep-build", Button).disabled = True
        self.query_one("#rep-cancel", Button).disabled = False
        self.query_one("#rep-progress", ProgressBar).update(total=STAGES, progress=0)
        self.query_one("#rep-result", Static).update("computing the inventory and tables…")
        try:
            chosen = self.choices()
        except Exception as exc:  # a stored target deleted meanwhile: say so, build nothing
            self.on_report_done(ReportDone(error=str(exc)))
            return
        pins = chosen.pop("pins")
        if fmt == "pdf-detail":  # the CLI's --format pdf --detail
            fmt, chosen["detail"] = "pdf", True
        chosen_facility = facility if isinstance(facility, int) else None
        name = next((str(n) for n, v in self.facility_options() if v == chosen_facility), None)
        self._building = {"facility": chosen_facility, "facility_name": name or "all facilities",
                          "pins": pins}  # fmt: skip
        self.build(
            self.period(), facility if isinstance(facility, int) else None, fmt, out,
            getattr(self.app, "gwp", None), pins, force=force,
            protect=self.protected(), options=chosen,
        )  # fmt: skip

    @on(Button.Pressed, "#rep-cancel")
    def action_cancel(self) -> None:
        if not self.running:
            self.action_leave_field()
        else:
            self.cancel_event.set()
            self.query_one("#rep-result", Static).update("cancelling after this step…")

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def build(
        self,
        period: dict[str, Any],
        facility: int | None,
        fmt: str,
        out: Path,
        gwp: str | None,
        pins: dict[str, str] | None = None,
        *,
        force: bool = False,
        protect: list[str] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        from greencare.core.errors import GreencareError
        from greencare.services import reports
        from greencare.services.database import open_db

        db_path = getattr(self.app, "db_path", None)
        try:
            db = open_db(db_path) if db_path else self.db
            out.parent.mkdir(parents=True, exist_ok=True)
            done = reports.write_report(
                db,
                out,
                fmt=fmt,
                force=force,
                protect=protect or [],
                progress=lambda stage, text: self.post_message(ReportProgress(stage, text)),
                cancelled=self.cancel_event.is_set,
                facility=facility,
                gwp=gwp,
                pins=pins or None,
                **period,
                **(options or {}),
            )
            if done.get("cancelled"):
                raise ReportCancelled
        except ReportCancelled:
            self.post_message(ReportDone(cancelled=True))
            return
        except GreencareError as exc:  # refused (the file appeared meanwhile, say): say why
            self.post_message(ReportDone(error=str(exc)))
            return
        except Exception as exc:  # shown on the screen; never crash the app
            self.post_message(ReportDone(error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(
            ReportDone(
                path=done["written"],
                gaps=len(done["gaps"]),
                period=done.get("period"),
                notes=tuple(done.get("notes", ())),
            )
        )

    def on_report_progress(self, message: ReportProgress) -> None:
        self.query_one("#rep-progress", ProgressBar).update(progress=message.stage)
        self.query_one("#rep-result", Static).update(plain(message.text, MESSAGE_MAX))

    def on_report_done(self, message: ReportDone) -> None:
        self.running = False
        self.query_one("#rep-build", Button).disabled = False
        self.query_one("#rep-cancel", Button).disabled = True
        result = self.query_one("#rep-result", Static)
        if message.cancelled:
            result.update("Cancelled: no file was written.")
            return
        if message.error:
            result.update(
                markup("[$text-error]Not built[/]: $error", error=screen_words(message.error))
            )
            return
        self.query_one("#rep-progress", ProgressBar).update(progress=STAGES)
        gaps = f" ({message.gaps} missing factors listed in it)" if message.gaps else ""
        result.update(markup("[b]Written:[/b] $path$gaps · X explains its figures",
                             path=message.path, gaps=gaps))  # fmt: skip
        if message.period and message.period.get("from") and message.period.get("to"):
            self.built = {**self._building, "period": message.period}
        self.set_status(f"Report written to {message.path}")
        self.app.notify(str(message.path), title="Report written")
        for note in message.notes:
            self.app.notify(screen_words(note), title="Report note", severity="warning")

    # -- explaining ------------------------------------------------------------------------------

    def action_explain(self) -> None:
        """The lines behind the built report's figures (its period and facility), and the
        readings behind each line: the dashboard's explain drill-down for the report."""
        from greencare.tui.screens.explain import ExplainScreen

        if self.built is None:
            self.app.notify("Build a report first: X then explains its figures.",
                            severity="warning")  # fmt: skip
            return
        period = self.built["period"]
        first, last = str(period["from"]), str(period["to"])
        label = f"report {first}" if first == last else f"report {first} to {last}"
        self.app.push_screen(
            ExplainScreen(
                [(label, first, last)],
                facility=self.built["facility"],
                facility_name=self.built["facility_name"],
                gwp=getattr(self.app, "gwp", None),
                pins=self.built["pins"] or getattr(self.app, "pins", None),
            )
        )
