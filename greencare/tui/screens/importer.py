"""Import: pick a meter-data file, see what it is, map its meters, and import it with progress.

The import runs in a thread worker with its own database connection. Progress comes back as
messages; Cancel sets a flag the progress callback checks, raising :class:`ImportCancelled`
inside ``import_readings``, whose transaction then rolls back: nothing lands.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    DirectoryTree,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from greencare import services
from greencare.core.vocab import Commodity
from greencare.tui.screens.base import SectionScreen
from greencare.tui.widgets import (
    MESSAGE_MAX,
    PREVIEW_MAX,
    AfterFirstFrame,
    FieldInput,
    FormScroll,
    KeysFooter,
    LatePart,
    NavBar,
    SafeDirectoryTree,
    SafeSelect,
    SafeTable,
    markup,
    plain,
)

#: Rows per chunk: progress (and a cancel) is reported once per chunk.
CHUNK_ROWS = 20_000
PREVIEW_LINES = 6
#: Meter keys read from the head of a file for the per-meter mapping.
MAX_MAPPED_METERS = 12


class ImportCancelled(Exception):
    """Raised from the progress callback when the user presses Cancel."""


@dataclass
class ImportProgress(Message):
    done: int
    total: int
    rows: int


@dataclass
class ImportFinished(Message):
    result: Any = None
    error: str | None = None
    cancelled: bool = False
    problems: list[Any] = field(default_factory=list)


@dataclass
class Inspection:
    """What a path is, worked out off the UI thread (format, preview, the file's meters)."""

    text: str
    path: Path | None = None
    format_name: str | None = None
    summary: Any = ""  # rich Content: file text in it is shown as written (tui.widgets)
    preview: Any = ""
    meter_keys: list[str] = field(default_factory=list)
    layout: Any = None  # services.imports.FileLayout of a generic CSV (its header and columns)


@dataclass
class FileInspected(Message):
    inspection: Inspection


def inspect_path(text: str) -> Inspection:
    """Detect a file's format and read its head; called in a thread worker, never on the UI
    thread (a spreadsheet or a network drive can take seconds, a hostile file longer)."""
    from greencare.importers import FormatError, detect
    from greencare.services.activity_imports import kind_of

    found = Inspection(text)
    path = Path(text).expanduser()
    if not path.is_file():
        found.summary = markup("[$text-error]no such file[/]: $text", text=text)
        return found
    try:
        kind = kind_of(path)
        if kind:  # waste or purchases: no meters to map
            found.path, found.format_name = path, f"{kind}-csv"
            found.summary = (
                f"Format: [b]{kind}-csv[/b] — {kind} records, checked row by row "
                f"· {path.stat().st_size:,} bytes"
            )
            found.preview = plain(preview_lines(path), PREVIEW_MAX)
            return found
        importer = detect(path)
        lines = preview_lines(path)
        layout = services.describe_file(path)
    except (FormatError, OSError) as exc:
        found.summary = markup("[$text-error]cannot read this file[/]: $exc", exc=tui_words(exc))
        return found
    found.path, found.format_name, found.layout = path, importer.name, layout
    summary = f"Format: [b]$name[/b] — $about · {path.stat().st_size:,} bytes"
    if layout.problem:
        summary += "\n[$text-warning]Choose the columns[/]: $problem"
    elif layout.needs_interval:
        summary += (
            "\n[$text-warning]One time per reading[/] ($stamp, the "
            f"{'end' if layout.timestamp_is_end else 'start'} of each interval): "
            'fill in "Interval" below with their length, e.g. 15min'
        )
    found.summary = markup(
        summary,
        name=importer.name,
        about=getattr(importer, "description", ""),
        problem=tui_words(layout.problem or ""),
        stamp=layout.columns.get("timestamp", ""),
        limit=MESSAGE_MAX,
    )
    found.preview = plain(lines, PREVIEW_MAX)
    found.meter_keys = file_meters(path, importer, layout)
    return found


def file_meters(path: Path, importer: Any, layout: Any = None) -> list[str]:
    """The meter names in the first rows of the file (for the per-meter mapping)."""
    from greencare.importers.base import ImportOptions

    # Names only: a file that still needs its interval length is read with any length.
    interval = 60 if layout is not None and layout.needs_interval else None
    try:
        options = ImportOptions(chunk_rows=2000, interval_minutes=interval)
        chunk = next(iter(importer.read(path, options)))
    except Exception:  # the import itself reports what is wrong, line by line
        return []
    keys = sorted({str(k) for k in chunk["meter"].dropna().unique() if str(k)})
    return keys[:MAX_MAPPED_METERS]


#: Portfolio Manager properties no facility is linked to (the CLI's --properties), worded
#: so that a refusal naming "Properties "create"" points at the choice.
PROPERTY_CHOICES = {
    "stop": "stop: import nothing, list them",
    "create": "create: a new facility each",
    "map": "map: the facilities of their names",
}


#: Column fields the TUI lets the user choose, with their field labels.
COLUMN_FIELDS = {
    "start": "Start col", "end": "End col", "timestamp": "Time col", "quantity": "Value col",
    "meter": "Meter col", "unit": "Unit col",
}  # fmt: skip


def tui_words(text: Any) -> str:
    """An import refusal worded for this screen: the CLI's options become its fields."""
    import re

    from greencare.importers.generic_csv import INTERVAL_HINT, TIMESTAMP_END_HINT

    out = str(text)
    for cli, tui in (
        (INTERVAL_HINT, 'fill in the "Interval" field, e.g. 15min'),
        ("give --dayfirst or --monthfirst", "choose Dates: day first or month first"),
        ("give --thousands , (numbers like 1,234.5) or --decimal-comma --thousands . "
         "(numbers like 1.234,5)", "choose Numbers: 1,234.5 or 1.234,5"),
        ("or give --date-format", 'or fill in "Date fmt"'),
        ("give --date-format", 'fill in "Date fmt"'),
        (TIMESTAMP_END_HINT, '"Time is: end"'),
        ("use --replace to replace it", 'tick "Replace overlaps" to replace it'),
        ("--create-meters needs --facility and --commodity",
         '"Create meters" needs a "Facility" and a "Commodity"'),
        # Portfolio Manager properties (services.portfolio_manager)
        ("Give --properties create to add a facility for each (with --country, and --timezone "
         "where the country has several zones), --properties map to use the facilities of the "
         "same names, or import a file of one property with --facility NAME",
         'Choose Properties "create" to add a facility for each (with a "Country", and a '
         '"Zone" where the country has several), Properties "map" to use the facilities of '
         'the same names, or import a file of one property with a "Facility"'),
        ("give --create-meters too", 'tick "Create meters" too'),
        ("give --facility (a file of one property) or --properties create|map",
         'choose a "Facility" (a file of one property) or Properties "create" or "map"'),
        ("leave --facility out and give --properties create (a facility per property) or "
         "--properties map (the facilities of the same names)",
         'leave "Facility" empty and choose Properties "create" (a facility per property) or '
         '"map" (the facilities of the same names)'),
        ("--facility puts every meter in one facility", '"Facility" puts every meter in one'),
        ("needs --country:", 'needs a "Country":'),
        ("needs --timezone for", 'needs a "Zone" for'),
        ("give that property's facility (or --properties create)",
         'choose that property\'s "Facility" (or Properties "create")'),
        ("give --properties map to use it", 'choose Properties "map" to use it'),
        ("--properties create", 'Properties "create"'),
        ("--properties map", 'Properties "map"'),
        ("--country:", "Country:"),
        ("--create-meters", '"Create meters"'),
        ("(or give --encoding)", ""),
    ):  # fmt: skip
        out = out.replace(cli, tui)

    def column(found: re.Match[str]) -> str:
        label = COLUMN_FIELDS.get(found["field"], found["field"])
        header = found["header"]
        return f'the "{label}" field' if header == "HEADER" else f'"{label}": {header}'

    fields = "|".join(COLUMN_FIELDS)
    out = re.sub(rf"--column (?P<field>{fields})=(?P<header>HEADER|[^()\n]+?)(?= \(|; |$)",
                 column, out)  # fmt: skip
    return out


def preview_lines(path: Path, n: int = PREVIEW_LINES) -> str:
    """The first lines of a text file (or a note for a spreadsheet)."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PK"):
        return "(a spreadsheet: no text preview)"
    text = head.decode("utf-8", errors="replace")
    return "\n".join(line[:200] for line in text.splitlines()[:n])


class ImportScreen(SectionScreen):
    """Browse on the left; file, format, preview, options and progress on the right."""

    MODE = "import"
    BINDINGS = [
        Binding("ctrl+s", "run_import", "Import", id="import.run"),
        Binding("escape", "cancel_import", "Cancel import", show=False, id="import.cancel"),
        Binding("ctrl+o", "focus_path", "File path", id="import.path"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event = threading.Event()
        self.path: Path | None = None
        self.format_name: str | None = None
        self.meter_keys: list[str] = []
        self.running = False
        self.inspecting = ""  # the path text the latest inspection is for
        self.checking = False  # an inspection is running for it
        self._map_gen = 0
        self.detected_columns: dict[str, str] = {}
        self.pm_file = False  # the file shown is a Portfolio Manager workbook

    def compose(self) -> ComposeResult:
        root = getattr(self.app, "import_root", None) or Path.cwd()
        yield NavBar(self.MODE)
        with Horizontal(id="imp-top"):
            with Vertical(id="imp-left"):
                yield Static("Browse (Enter picks a file)", classes="pane-title")
                yield SafeDirectoryTree(str(root), id="imp-tree")
            with Vertical(id="imp-side"):
                with FormScroll(id="imp-right"):
                    with Horizontal(classes="imp-row"):
                        yield Label("File ", classes="imp-label")
                        yield FieldInput(placeholder="path to a CSV, XML or XLSX file", id="imp-path",
                                    compact=True)  # fmt: skip
                    yield Static(
                        "Choose a file to see its format and first lines.", id="imp-format"
                    )
                    yield Static("", id="imp-preview")
                    with Horizontal(classes="imp-row"):
                        yield Label("Meter ", classes="imp-label")
                        yield SafeSelect([], prompt="by the file's meter column", id="imp-meter",
                                     compact=True)  # fmt: skip
                    yield Vertical(id="imp-map")
                    # The options come a frame after the rest of the screen, whose first frame shows
                    # the tree and the file's fields without waiting for them (a third of its build)
                    with AfterFirstFrame(LatePart(id="imp-options")):
                        yield Static("How to read the file", classes="imp-section")
                        with Horizontal(classes="imp-row"):
                            yield Label("Interval ", classes="imp-label")
                            yield FieldInput(placeholder="e.g. 15min or 1h",
                                        id="imp-interval", compact=True)  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("Time is ", classes="imp-label")
                            yield SafeSelect(
                                [("start (or as the header says)", "start"),
                                 ("end of the interval", "end")],
                                value="start", allow_blank=False, id="imp-stamp", compact=True,
                            )  # fmt: skip
                        for name, label in COLUMN_FIELDS.items():
                            with Horizontal(classes="imp-row"):
                                yield Label(f"{label} ", classes="imp-label")
                                yield SafeSelect([], prompt="(none)", id=f"imp-col-{name}",
                                                 compact=True, disabled=True)  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("Time zone ", classes="imp-label")
                            yield FieldInput(placeholder="default: the facility's", id="imp-timezone", compact=True)  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("Dates ", classes="imp-label")
                            yield SafeSelect(
                                [("decided from the file", "auto"), ("day first: 7/2 is 7 Feb", "dmy"),
                                 ("month first: 7/2 is Jul 2", "mdy"),
                                 ("year first: 2026-02-07 (ISO 8601 only)", "ymd")],
                                value="auto", allow_blank=False, id="imp-dates", compact=True,
                            )  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("Date fmt ", classes="imp-label")
                            yield FieldInput(placeholder="e.g. %d.%m.%Y %H:%M",
                                        id="imp-datefmt", compact=True)  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("Numbers ", classes="imp-label")
                            yield SafeSelect(
                                [("decided from the file", "auto"), ("1,234.5", "point"),
                                 ("1.234,5", "comma")],
                                value="auto", allow_blank=False, id="imp-numbers", compact=True,
                            )  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("Unit ", classes="imp-label")
                            yield FieldInput(placeholder="default: the file's, else the meter's",
                                        id="imp-unit", compact=True)  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("", classes="imp-label")
                            yield Checkbox("Register reads (cumulative)", id="imp-cumulative",
                                           compact=True)  # fmt: skip
                        yield Static(
                            "Meters the file names that greencare lacks", classes="imp-section"
                        )
                        with Horizontal(classes="imp-row"):
                            yield Label("Facility ", classes="imp-label")
                            yield SafeSelect([], prompt="(any facility)", id="imp-facility",
                                             compact=True)  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("", classes="imp-label")
                            yield Checkbox("Create meters", id="imp-create", compact=True)
                        with Horizontal(classes="imp-row"):
                            yield Label("Commodity ", classes="imp-label")
                            yield SafeSelect([(c.value.replace("_", " "), c.value) for c in Commodity],
                                             prompt="(of created meters)", id="imp-commodity",
                                             compact=True)  # fmt: skip
                        yield Static(
                            "Portfolio Manager properties", classes="imp-section", id="imp-pm-title"
                        )
                        with Horizontal(classes="imp-row imp-pm", id="imp-pm-row"):
                            yield Label("Properties ", classes="imp-label")
                            yield SafeSelect(
                                [(label, value) for value, label in PROPERTY_CHOICES.items()],
                                value="stop", allow_blank=False, id="imp-properties", compact=True,
                            )  # fmt: skip
                        with Horizontal(classes="imp-row imp-pm-create", id="imp-country-row"):
                            yield Label("Country ", classes="imp-label")
                            yield FieldInput(placeholder="of new facilities: ISO code, e.g. US",
                                        id="imp-country", compact=True)  # fmt: skip
                        with Horizontal(classes="imp-row imp-pm-create", id="imp-pmzone-row"):
                            yield Label("Zone ", classes="imp-label")
                            yield FieldInput(placeholder="of new facilities, e.g. America/New_York",
                                        id="imp-pmzone", compact=True)  # fmt: skip
                        yield Static("When rows are bad", classes="imp-section")
                        with Horizontal(classes="imp-row"):
                            yield Label("On error ", classes="imp-label")
                            yield SafeSelect(
                                [("stop: import nothing", "stop"), ("skip bad rows", "skip")],
                                value="stop", allow_blank=False, id="imp-onerror", compact=True,
                            )  # fmt: skip
                        with Horizontal(classes="imp-row"):
                            yield Label("", classes="imp-label")
                            yield Checkbox("Dry run", id="imp-dryrun", compact=True)
                            yield Checkbox("Replace overlaps", id="imp-replace", compact=True)
                        with Horizontal(classes="imp-row"):
                            yield Label("", classes="imp-label")
                            yield Checkbox("Accept outliers", id="imp-outliers", compact=True)
                with Vertical(id="imp-run-pane"):
                    with Horizontal(classes="imp-row", id="imp-buttons"):
                        yield Button("Import", variant="primary", id="imp-run", compact=True)
                        yield Button("Cancel", variant="error", id="imp-cancel", compact=True,
                                     disabled=True)  # fmt: skip
                        yield ProgressBar(total=100, id="imp-progress", show_eta=False)
                    yield Static("", id="imp-result")
        yield Static("Problems (line, column, value, reason)", classes="pane-title")
        yield SafeTable(id="imp-errors", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#imp-errors", DataTable).add_columns(
            "Line", "Column", "Value", "Reason", "Kind"
        )
        self.refill_meters()
        self.query_one("#imp-tree", DirectoryTree).focus()
        self.set_status("Pick a file (tree or path), check the preview, then ctrl+s imports.")

    def on_screen_resume(self) -> None:
        self.refill_meters()

    def meter_options(self) -> list[tuple[str, int]]:
        names = {f.id: f.name for f in services.list_facilities(self.db)}
        return [
            (f"{names.get(m.facility_id, '?')} / {m.name} ({m.unit})", m.id or 0)
            for m in services.list_meters(self.db)
            if m.facility_id in names
        ]

    def refill_meters(self) -> None:
        select = self.query_one("#imp-meter", Select)
        current = select.value
        options = self.meter_options()
        select.set_options(options)
        if any(v == current for _, v in options):
            select.value = current
        for facility in self.query("#imp-facility").results(Select):  # once the options are in
            self.refill_facility_select(facility)

    def late_part_mounted(self, part: LatePart) -> None:
        """The options (mounted a frame after the rest of the screen) are in: the facility
        choices filled, the Portfolio Manager rows shown for a workbook only."""
        self.refill_facility_select(self.query_one("#imp-facility", Select))
        self.show_properties(self.format_name == "portfolio-manager" or self.pm_file)

    def show_columns(self, layout: Any) -> None:
        """The file's own headers in each column picker, the detected one chosen."""
        header = list(dict.fromkeys(layout.header)) if layout is not None else []
        detected = dict(layout.columns) if layout is not None else {}
        if layout is not None and layout.timestamp_is_end:
            self.query_one("#imp-stamp", Select).value = "end"
        needed = layout is not None and layout.needs_interval
        self.query_one("#imp-interval", Input).set_class(needed, "-needed")
        self.detected_columns = detected
        for name in COLUMN_FIELDS:
            select = self.query_one(f"#imp-col-{name}", Select)
            select.set_options([(h, h) for h in header if h])
            select.disabled = not header
            if detected.get(name) in header:
                select.value = detected[name]

    def show_properties(self, shown: bool) -> None:
        """The Portfolio Manager choices, shown for a PM workbook only; Country and Zone only
        when its properties are to be created."""
        self.query_one("#imp-pm-title", Static).display = shown
        self.query_one("#imp-pm-row", Horizontal).display = shown
        create = shown and self.query_one("#imp-properties", Select).value == "create"
        for row in self.query(".imp-pm-create").results(Horizontal):
            row.display = create

    @on(Select.Changed, "#imp-properties")
    def _properties_changed(self, event: Select.Changed) -> None:
        if event.value == "create":  # new facilities are for the meters it creates
            self.query_one("#imp-create", Checkbox).value = True
        self.show_properties(self.format_name == "portfolio-manager" or self.pm_file)

    def chosen_columns(self) -> dict[str, str]:
        """Columns the user chose other than the detected ones (the CLI's --column)."""
        out: dict[str, str] = {}
        for name in COLUMN_FIELDS:
            value = self.query_one(f"#imp-col-{name}", Select).value
            if isinstance(value, str) and value != self.detected_columns.get(name):
                out[name] = value
        return out

    # -- choosing a file ----------------------------------------------------------------------------

    def action_focus_path(self) -> None:
        self.query_one("#imp-path", Input).focus()

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#imp-path", Input).value = str(event.path)
        self.query_one("#imp-run", Button).focus()

    @on(Input.Changed, "#imp-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self.inspect(event.value.strip())

    @on(Input.Submitted, "#imp-path")
    def _path_submitted(self) -> None:
        self.query_one("#imp-meter", Select).focus()

    def inspect(self, text: str) -> None:
        """Show what the path is: detection runs in a worker, so typing never waits on it."""
        fmt = self.query_one("#imp-format", Static)
        preview = self.query_one("#imp-preview", Static)
        self.path, self.format_name, self.meter_keys = None, None, []
        self.inspecting, self.checking = text, False
        self.show_mapping([])
        self.show_columns(None)
        self.pm_file = False
        self.show_properties(False)
        preview.update("")
        if not text:
            fmt.update("Choose a file to see its format and first lines.")
            return
        fmt.update(markup("checking $name…", name=Path(text).name))
        self.checking = True
        self.inspect_file(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="inspect")
    def inspect_file(self, text: str) -> None:
        try:
            found = inspect_path(text)
        except Exception as exc:  # anything a file can cause is shown, never a crash
            found = Inspection(
                text, summary=markup("[$text-error]cannot read this file[/]: $exc", exc=exc)
            )
        self.post_message(FileInspected(found))

    async def on_file_inspected(self, message: FileInspected) -> None:
        found = message.inspection
        if found.text != self.inspecting:
            return  # the user has typed on: a later worker answers for the new path
        self.query_one("#imp-format", Static).update(found.summary)
        self.query_one("#imp-preview", Static).update(found.preview)
        self.meter_keys = found.meter_keys
        self.show_columns(found.layout)
        self.pm_file = found.format_name == "portfolio-manager"
        self.show_properties(self.pm_file)
        mounting = self.show_mapping(found.meter_keys)
        if mounting is not None:
            await mounting
        if found.text == self.inspecting:  # still the path shown: it may be imported now
            self.checking = False
            self.path, self.format_name = found.path, found.format_name

    def file_meters(self, path: Path, importer: Any) -> list[str]:
        """The meter names in the first rows of the file (kept for scripts and tests)."""
        return file_meters(path, importer)

    def show_mapping(self, keys: list[str]) -> Any:
        """Mount a meter picker per key; returns the mount to await (None when no keys)."""
        box = self.query_one("#imp-map", Vertical)
        box.remove_children()
        self._map_gen += 1
        if not keys:
            return None
        options = self.meter_options()
        by_name: dict[str, int | None] = {}
        for label, value in options:  # a name two facilities use is left for the user to pick
            name = label.split(" / ", 1)[1].rsplit(" (", 1)[0].lower()
            by_name[name] = None if name in by_name else value
        rows = [Static("The file's meters → your meters (unless one meter is chosen above):")]
        for i, key in enumerate(keys):
            wid = f"imp-map-{self._map_gen}-{i}"
            select: Select[int] = SafeSelect(options, prompt="(same name)", id=wid, compact=True)
            if by_name.get(key.lower()) is not None:
                select = SafeSelect(options, prompt="(same name)", id=wid, compact=True,
                                value=by_name[key.lower()])  # fmt: skip
            rows.append(Horizontal(Label(plain(f"{key[:14]} "), classes="imp-label"), select,
                                   classes="imp-row"))  # fmt: skip
        return box.mount_all(rows)

    # -- running -----------------------------------------------------------------------------------

    def options(self) -> Any:
        """The form as the ImportOptions the CLI builds from its flags (one code path); raises
        ValueError naming the field when one cannot be read."""
        from greencare.importers.base import ImportOptions, parse_interval

        meter = self.query_one("#imp-meter", Select).value
        mapping: dict[str, str] = {}
        for i, key in enumerate(self.meter_keys):
            found = self.query(f"#imp-map-{self._map_gen}-{i}")
            if found:
                value = found.first(Select).value
                if isinstance(value, int):
                    mapping[key] = str(value)
        dates = self.query_one("#imp-dates", Select).value
        numbers = self.query_one("#imp-numbers", Select).value
        separators = {"point": (".", ","), "comma": (",", ".")}.get(str(numbers), (None, None))
        text = self.query_one("#imp-interval", Input).value.strip()
        try:
            interval = parse_interval(text) if text else None
        except ValueError as exc:
            raise ValueError(f"Interval: {exc}") from None
        facility = self.query_one("#imp-facility", Select).value
        commodity = self.query_one("#imp-commodity", Select).value
        timezone = self.query_one("#imp-timezone", Input).value.strip() or None
        properties = country = None
        if self.pm_file:
            properties = str(self.query_one("#imp-properties", Select).value)
            if properties == "create":
                country = self.query_one("#imp-country", Input).value.strip() or None
                zone = self.query_one("#imp-pmzone", Input).value.strip() or None
                if zone and timezone and zone != timezone:
                    raise ValueError(
                        f'"Time zone" {timezone} and "Zone" {zone} differ: a Portfolio Manager '
                        "workbook's dates are read in its new facilities' zone; clear one"
                    )
                timezone = timezone or zone
        return ImportOptions(
            meter=str(meter) if isinstance(meter, int) else None,
            meter_map=mapping,
            facility=str(facility) if isinstance(facility, int) else None,
            create_meters=self.query_one("#imp-create", Checkbox).value,
            commodity=commodity if isinstance(commodity, str) else None,
            unit=self.query_one("#imp-unit", Input).value.strip() or None,
            interval_minutes=interval,
            timestamp_is_end=self.query_one("#imp-stamp", Select).value == "end",
            columns=self.chosen_columns(),
            timezone=timezone,
            properties=properties,
            country=country,
            date_format=self.query_one("#imp-datefmt", Input).value.strip()
            or ("ISO8601" if dates == "ymd" else None),
            dayfirst=dates == "dmy",
            monthfirst=dates == "mdy",
            decimal=separators[0],
            thousands=separators[1],
            cumulative=self.query_one("#imp-cumulative", Checkbox).value,
            on_error=str(self.query_one("#imp-onerror", Select).value),
            dry_run=self.query_one("#imp-dryrun", Checkbox).value,
            replace=self.query_one("#imp-replace", Checkbox).value,
            accept_outlier=self.query_one("#imp-outliers", Checkbox).value,
            chunk_rows=CHUNK_ROWS,
        )

    @on(Button.Pressed, "#imp-run")
    def action_run_import(self) -> None:
        if self.running:
            return
        if self.path is None:
            note = "Still checking the file; try again in a moment." if self.checking else ""
            self.app.notify(note or "Choose a file first.", severity="warning")
            return
        try:
            options = self.options()
        except ValueError as exc:
            self.query_one("#imp-result", Static).update(
                markup("[$text-error]Not imported[/]: $error", error=exc)
            )
            self.set_status(str(exc))
            return
        self.running = True
        self.cancel_event.clear()
        self.query_one("#imp-run", Button).disabled = True
        self.query_one("#imp-cancel", Button).disabled = False
        bar = self.query_one("#imp-progress", ProgressBar)
        bar.update(total=max(self.path.stat().st_size, 1), progress=0)
        self.query_one("#imp-errors", DataTable).clear()
        self.query_one("#imp-result", Static).update(plain(f"importing {self.path.name}…"))
        self.set_status("importing… Cancel (or Esc) stops it and nothing is saved.")
        self._options = options
        self.run_import(self.path, self._options)

    @on(Button.Pressed, "#imp-cancel")
    def action_cancel_import(self) -> None:
        if not self.running:
            self.action_leave_field()
        else:
            self.cancel_event.set()
            self.query_one("#imp-result", Static).update("cancelling…")

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(self, path: Path, options: Any) -> None:
        from greencare.services import imports
        from greencare.services.database import open_db

        db_path = getattr(self.app, "db_path", None)

        def progress(done: int, total: int, rows: int) -> None:
            if self.cancel_event.is_set():
                raise ImportCancelled
            self.post_message(ImportProgress(done, total, rows))

        try:
            db = open_db(db_path) if db_path else self.db
            if self.cancel_event.is_set():
                raise ImportCancelled
            from greencare.services.activity_imports import KIND_OF_FORMAT

            kind = KIND_OF_FORMAT.get(self.format_name or "")
            if kind:
                from greencare.services.activity_imports import import_activity

                result = import_activity(db, path, kind, options, source="tui")
                self.post_message(ImportProgress(1, 1, result.rows_read))
            else:
                result = imports.import_readings(
                    db, path, options, on_progress=progress, source="tui"
                )
        except ImportCancelled:
            self.post_message(ImportFinished(cancelled=True))
            return
        except Exception as exc:  # a file the importer refuses: shown, never a crash
            problems = [exc.problem] if hasattr(exc, "problem") else []
            self.post_message(ImportFinished(error=str(exc), problems=problems))
            return
        self.post_message(ImportFinished(result=result))

    def _offer_outliers(self, result: Any) -> None:
        """A file refused only for implausible values: ask whether to import it anyway, with
        those values recorded as accepted outliers (the CLI's --accept-outlier)."""
        from dataclasses import replace

        from greencare.services.plausibility import IMPORT_REFUSAL
        from greencare.tui.forms import ConfirmScreen

        options = getattr(self, "_options", None)
        refused = [p for p in result.errors if p.reason.endswith(IMPORT_REFUSAL)]
        if (
            result.status != "failed" or options is None or options.accept_outlier
            or not refused or len(refused) != result.error_count or self.path is None
        ):  # fmt: skip
            return
        path = self.path
        question = (
            f"{result.file}: {len(refused):,} value(s) look implausible (listed under "
            "Problems). Import the file anyway, recording them as accepted outliers?"
        )

        def answered(yes: bool | None) -> None:
            if yes and not self.running:
                self.running = True
                self.query_one("#imp-run", Button).disabled = True
                self.query_one("#imp-errors", DataTable).clear()
                self._options = replace(options, accept_outlier=True)
                self.run_import(path, self._options)

        self.app.push_screen(ConfirmScreen(question, yes="Import anyway", markup=False), answered)

    def on_import_progress(self, message: ImportProgress) -> None:
        self.query_one("#imp-progress", ProgressBar).update(
            total=max(message.total, 1), progress=message.done
        )
        self.query_one("#imp-result", Static).update(f"{message.rows:,} rows read…")

    def on_import_finished(self, message: ImportFinished) -> None:
        self.running = False
        self.query_one("#imp-run", Button).disabled = False
        self.query_one("#imp-cancel", Button).disabled = True
        out = self.query_one("#imp-result", Static)
        table = self.query_one("#imp-errors", DataTable)
        if message.cancelled:
            out.update("[b]Cancelled[/b]: nothing was imported (the transaction was rolled back).")
            self.set_status("Import cancelled; the database is as it was.")
            return
        if message.error:
            error = tui_words(message.error)  # the CLI's flags are the fields above here
            out.update(
                markup("[$text-error]Not imported[/]: $error", limit=MESSAGE_MAX, error=error)
            )
            self.set_status("Not imported.")
            return
        result = message.result
        bar = self.query_one("#imp-progress", ProgressBar)
        bar.update(progress=bar.total)
        parts = [
            f"[b]{result.status}[/b]",
            f"{result.rows_read:,} rows read",
            f"{result.inserted:,} added",
            f"{result.unchanged:,} unchanged",
        ]
        if result.replaced:
            parts.append(f"{result.replaced:,} replaced")
        if result.rejected:
            parts.append(f"{result.rejected:,} rejected")
        if result.error_count:
            parts.append(f"{result.error_count:,} errors")
        if result.warning_count:
            parts.append(f"{result.warning_count:,} warnings")
        if result.batch_id and result.status == "imported":
            parts.append(f"batch {result.batch_id} (undo it in History)")
        if result.rejected_file:
            parts.append("rejected rows: $rejected")
        created = getattr(result, "facilities_created", None) or []
        if created:
            parts.append(f"{len(created):,} facilities created: $facilities")
        if getattr(result, "meters_created", None):
            parts.append(f"{len(result.meters_created):,} meters created")
        for label, value in (("dates", result.date_order), ("numbers", result.numbers)):
            if value and not value.startswith("decimal point, "):  # read once for the file
                parts.append(f"{label}: ${label}")
        out.update(
            markup(
                " · ".join(parts),
                rejected=result.rejected_file or "",
                facilities=", ".join(created),
                dates=result.date_order or "",
                numbers=result.numbers or "",
            )
        )
        for p in [*result.errors, *result.warnings]:
            table.add_row(
                str(p.line), p.column, p.value, p.reason, "warning" if p.warning else "error"
            )
        self.set_status(f"{result.file}: {result.status}.")
        self._offer_outliers(result)
        if result.status == "imported":
            made = f" Facilities created: {', '.join(created)}." if created else ""
            self.app.notify(f"{result.inserted:,} readings added.{made}", title="Import done")
