"""Dashboard: this month and year to date against last year, the trend, and what needs action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, Select, Sparkline, Static

from greencare.tui.widgets import MESSAGE_MAX, NavBar, SafeSelect, line, plain


@dataclass
class DashboardLoaded(Message):
    """Posted by the worker thread; the screen updates its widgets on the UI thread."""

    data: dict[str, Any]
    error: str | None = None


def _change(now: float | None, before: float | None) -> str:
    if now is None or before in (None, 0):
        return ""
    delta = (now - before) / before
    arrow = "▲" if delta > 0 else "▼"
    return f" {arrow}{abs(delta):.0%}"


def _span(first: str, last: str) -> str:
    """'2025-01..12' for months of one year, else '2024-07..2025-06'."""
    if first[:4] == last[:4]:
        return f"{first}..{last[5:]}"
    return f"{first}..{last}"


def _versus(ytd: dict[str, Any], last: dict[str, Any]) -> str:
    """'2024' when last year's period is the same months, else its span."""
    if (ytd["from"][4:], ytd["to"][4:]) == (last["from"][4:], last["to"][4:]):
        return str(last["from"][:4])
    return _span(last["from"], last["to"])


def target_line(t: dict[str, Any]) -> str:
    """``Scope 1+2 (location) -50% by 2030 vs 2019 · 2024: -12% (path -23%) · behind``."""
    if t.get("reduction_so_far") is None:
        return f"{line(t['label'])} · {t['status'] or 'no data'}"
    return (
        f"{line(t['label'])} · {t['year_label']}: {_signed(-t['reduction_so_far'])} "
        f"(path {_signed(-t['reduction_required_now'])}) · {t['status']}"
    )


def _signed(fraction: float) -> str:
    """``+2%``, ``-8%``; ``0%`` when it rounds to nothing (never ``-0%``)."""
    pct = round(fraction * 100)
    return f"{pct:+d}%" if pct else "0%"


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}%}"


def weather_line(weather: dict[str, Any] | None) -> str:
    """The energy card's third line: ``normalised ▼3%`` (year to date against last year's
    model in this year's weather); ``(1/2)`` when only some facilities have a model."""
    n = (weather or {}).get("normalised")
    if not n or n.get("change") is None:
        return ""
    delta = n["change"]
    arrow = "▲" if delta > 0 else "▼"
    share = "" if len(n["facilities"]) == n["of_facilities"] else (
        f" ({len(n['facilities'])}/{n['of_facilities']})")  # fmt: skip
    return f"\nnormalised {arrow}{abs(delta):.0%}{share}"


def forecast_subtitle(weather: dict[str, Any] | None) -> str:
    """``forecast 281,000`` (MMBtu) under the energy card while months of the year remain."""
    f = (weather or {}).get("forecast")
    if not f or f["months_metered"] >= f["months"]:
        return ""
    return f"forecast {f['forecast_mmbtu']:,.0f}"


def weather_tooltip(weather: dict[str, Any] | None) -> Any:
    """What the weather figures cover, and why a facility has none."""
    w = weather or {}
    out = []
    n = w.get("normalised")
    if n:
        months = n["months"]
        span = _span(months[0], months[-1]) if months else "no months"
        out.append(
            f"Weather-normalised {span} against the {n['baseline_year']} model in this year's "
            f"weather ({_signed(n['change'] or 0)}): {', '.join(n['facilities'])}"
        )
    f = w.get("forecast")
    if f:
        out.append(
            f"Year-end forecast {f['year_label']}: {f['forecast_mmbtu']:,.0f} MMBtu "
            f"({f['months_metered']} months metered, the rest at normal weather)"
        )
    out += list(w.get("notes", []))
    return plain("\n".join(line(x) for x in out), MESSAGE_MAX) if out else ""


def forecast_target_lines(t: dict[str, Any], weather: dict[str, Any] | None) -> list[str]:
    """``  forecast 2025: 281,000 MMBtu · +2% vs path 275,000`` under a site-energy target."""
    f = (weather or {}).get("forecast")
    if not f or t.get("scope") != "energy":
        return []
    out = []
    for p in f["targets"]:
        if p["target_id"] != t.get("id") or p["above_path"] is None:
            continue
        out.append(
            f"  year-end forecast {f['year_label']}: {f['forecast_mmbtu']:,.0f} MMBtu · "
            f"{_signed(p['above_path'])} vs the path ({p['path_mmbtu']:,.0f})"
        )
    return out


#: What the facility picker shows when no facility is chosen (all of them).
FACILITY_PROMPT = "All facilities"


class PickerSoon(Static):
    """The compact facility Select as it looks with nothing chosen (the prompt, then ``▼`` at
    its right edge), painted until the Select itself is mounted after the first frame."""

    def render(self) -> Content:
        width = self.content_region.width
        return Content(self._prompt.ljust(max(0, width - 2))[: max(0, width - 2)] + " ▼")

    def __init__(self, prompt: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._prompt = prompt


class DashboardScreen(Screen[None]):
    """Figures come from greencare.services.dashboard in a worker, so the app never freezes."""

    MODE = "dashboard"
    #: Focus goes to the cards' scroll area after the first frame (:meth:`_finish_mount`).
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("ctrl+r", "refresh", "Refresh", id="dashboard.refresh"),
        Binding("X", "explain", "Explain a figure", id="dashboard.explain"),
    ]

    #: Short terminals (80x24) get a lower trend chart so "Needs action" stays on screen.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    #: Each card's border title; the figures inside fit 20 columns (a card at 80 columns).
    CARDS = {
        "emissions": "Emissions t CO2e",
        "energy": "Site energy MMBtu",
        "waste": "Waste t",
        "water": "Water m³",
        "cost": "Cost energy+waste",
        "month": "Last month",
    }

    _period_text = ""
    #: Between the first paint of figures read before the database was opened and its opening.
    _starting = False
    #: The (facility, GWP, pins) the worker is computing, so a second ask does not start again.
    _computing: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with VerticalScroll(id="dash"):
            with Horizontal(id="dash-top"):
                yield Label("Facility ", classes="dash-label")
                yield PickerSoon(FACILITY_PROMPT, id="dash-facility-soon")
                yield Static("", id="dash-period")
            with Grid(id="dash-cards"):
                for card, title in self.CARDS.items():
                    widget = Static("loading…", id=f"card-{card}", classes="card")
                    widget.border_title = title
                    yield widget
            targets = Static("", id="dash-targets")
            targets.border_title = "Targets"
            targets.display = False  # shown only when targets are stored
            yield targets
            yield Static("Needs action", classes="pane-title", id="dash-warnings-title")
            yield Static("", id="dash-warnings")
            yield Static(
                "Monthly emissions, t CO2e (location-based), last 24 months", classes="pane-title"
            )
            yield Sparkline([], id="dash-trend")
            yield Static("", id="dash-trend-labels")
        # The facility Select and the footer (key hints) are mounted after the first frame
        # (:meth:`_finish_mount`): a Select is six widgets and the footer's bindings bookkeeping
        # costs more than the cards, and neither holds a figure a person reads first.

    def _compositor_refresh(self) -> None:
        """No frame is rendered while the app batches updates: Textual drops such a frame
        unshown, and at start-up the app's batch lasts until this screen's widgets are
        mounted, long enough for two renders of the whole screen that nobody sees. The frame
        is rendered once the batch is over (``_repaint_required``: at the next idle)."""
        if getattr(self.app, "_batch_count", 0) and self is self.app.screen:
            self._repaint_required = True
            return
        super()._compositor_refresh()

    def on_mount(self) -> None:
        from greencare.services import dashboard as use_case

        start = getattr(self.app, "start_figures", None)
        plain_start = getattr(self.app, "gwp", None) is None and not getattr(self.app, "pins", None)
        if start is not None and plain_start and getattr(self.app, "_db", None) is None:
            # Stored figures read before the database was opened (for all facilities, each
            # dataset's own GWP set, no pinned editions): paint them, then open it.
            self._options = [(str(n), int(v)) for n, v in start["options"]]
            self.show({**start["figures"], "gwp": None})
            self._starting = True
            if not start["fresh"]:
                self.query_one("#dash-period", Static).update(f"{self._period_text} · updating…")
            self._start_fresh = start["fresh"]
            return  # the app calls after_first_paint on its Ready event
        self._options = use_case.facility_choices(self.app.db)  # type: ignore[attr-defined]
        self.load()
        self.call_after_refresh(self._finish_mount)

    async def _finish_mount(self) -> None:
        """After the first frame: the facility Select in its placeholder's place, the focus
        (AUTO_FOCUS is off, so focusing restyles nothing before that frame) and the footer."""
        from greencare.tui.widgets import KeysFooter

        soon = self.query("#dash-facility-soon")
        if soon:
            select = SafeSelect(self._options, prompt=FACILITY_PROMPT, id="dash-facility",
                                compact=True)  # fmt: skip
            await self.query_one("#dash-top").mount(select, after=soon.first())
            await soon.remove()
        if self.focused is None:
            self.set_focus(self.query_one("#dash"))  # the widget Textual's auto focus chose
        await self.mount(KeysFooter())
        self.refresh_bindings()  # a footer shows its keys when the bindings next change

    async def after_first_paint(self) -> None:
        """Open the database (sqlite-utils, migrations) and finish the screen once the stored
        figures are on it (the app's Ready event: its first frame was displayed); compute new
        figures when those were stale."""
        from greencare.core.errors import GreencareError

        if not self._starting:
            return
        await self._finish_mount()
        try:
            self.app.open_database()  # type: ignore[attr-defined]
        except GreencareError:
            return  # the app is ending with the one-line error
        self._starting = False
        if not self._start_fresh or self._facility_value() is not None:
            self.load()

    def _facility_value(self) -> int | None:
        """The chosen facility's id; None for all (the prompt, or no Select mounted yet)."""
        for select in self.query("#dash-facility").results(Select):
            value = select.value
            return value if isinstance(value, int) else None
        return None

    def on_screen_resume(self) -> None:
        from greencare.services import dashboard as use_case

        if self._starting:
            return  # the first resume, before the database is open: after_first_paint loads
        options = use_case.facility_choices(self.app.db)  # type: ignore[attr-defined]
        if options != getattr(self, "_options", None):
            self._options = options
            for select in self.query("#dash-facility").results(Select):
                current = select.value
                select.set_options(options)
                if any(v == current for _, v in options):
                    select.value = current
        self.load()

    @on(Select.Changed, "#dash-facility")
    def _facility_changed(self) -> None:
        if not self._starting:
            self.load()

    def action_refresh(self) -> None:
        self.load(force=True)

    def action_explain(self) -> None:
        """The lines behind the cards' figures (year to date and the last month), and the
        readings behind each line: ``greencare explain --records`` on the screen."""
        from greencare.tui.screens.explain import ExplainScreen

        d = getattr(self, "data", None) or {}
        if not d.get("month"):
            self.app.notify("No figures yet: add a bill or import a file.", severity="warning")
            return
        ytd, now = d["ytd"], d["month_now"]
        facility = self._facility_value()
        name = next((n for n, v in getattr(self, "_options", []) if v == facility), None)
        periods = [
            (f"YTD {_span(ytd['from'], ytd['to'])}", ytd["from"], ytd["to"]),
            (f"month {now['from']}", now["from"], now["to"]),
        ]
        self.app.push_screen(
            ExplainScreen(
                periods,
                facility=facility,
                facility_name=name or "all facilities",
                gwp=getattr(self.app, "gwp", None),
                pins=getattr(self.app, "pins", None),
            )
        )

    def load(self, *, force: bool = False) -> None:
        """Show the stored figures at once (sqlite only: no pandas or pint before the first
        paint); compute them in the worker only when none are stored, they are stale (a write
        since), or ``force`` (ctrl+r)."""
        from greencare.services import dashboard as use_case

        facility = self._facility_value()
        gwp, pins = getattr(self.app, "gwp", None), getattr(self.app, "pins", None)
        stored = None
        try:
            stored = use_case.stored_dashboard(
                self.app.db,
                facility=facility,
                gwp=gwp,
                pins=pins,  # type: ignore[attr-defined]
            )
        except Exception:  # stored figures are a shortcut; computing them is the answer
            stored = None
        if stored is not None:
            figures, fresh = stored
            self.show({**figures, "gwp": gwp})
            if fresh and not force:
                return
        period = self.query_one("#dash-period", Static)
        period.update(f"{self._period_text} · updating…" if stored else "  computing…")
        wanted = (facility, gwp, tuple(sorted((pins or {}).items())))
        if wanted == self._computing and not force:
            return  # mount and the first resume both ask: one computation answers both
        self._computing = wanted
        if stored:  # paint the stored figures first: the worker's imports would hold them back
            self.call_after_refresh(self._compute, facility, gwp, pins)
        else:
            self._compute(facility, gwp, pins)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def _compute(
        self, facility: Any, gwp: str | None = None, pins: dict[str, str] | None = None
    ) -> None:
        from greencare.services import dashboard as use_case
        from greencare.services.database import open_db
        from greencare.services.reports import database_files

        shared = self.app.db  # type: ignore[attr-defined]
        try:
            # The worker's own connection to the same file: the UI thread keeps reading on the
            # app's, and one connection used by two threads breaks each other's savepoints.
            files = [getattr(self.app, "db_path", None) or "", *database_files(shared)]
            path = next((f for f in files if f and str(f) != ":memory:"), None)
            db = open_db(path) if path else shared
            try:
                # An in-memory database has no other connection: compute only, store nothing.
                compute = use_case.dashboard_and_store if path else use_case.dashboard
                figures = compute(db, facility=facility, gwp=gwp, pins=pins)
            finally:
                if db is not shared:
                    db.close()
            data = {**figures, "gwp": gwp}
        except Exception as exc:  # shown in the screen; the worker must not crash the app
            self.post_message(DashboardLoaded({}, error=str(exc)))
            return
        self.post_message(DashboardLoaded(data))

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        self._computing = None
        if message.error:
            self.query_one("#dash-period", Static).update(plain(f"  error: {message.error}"))
            return
        self.show(message.data)

    def show_targets(
        self, targets: list[dict[str, Any]], weather: dict[str, Any] | None = None
    ) -> None:
        """One line per stored target: its (fiscal) year, the reduction so far and the path's;
        after a site-energy target, the year-end forecast against its path where one fits."""
        box = self.query_one("#dash-targets", Static)
        box.display = bool(targets)
        if targets:
            lines = []
            for t in targets:
                lines.append(target_line(t))
                lines += forecast_target_lines(t, weather)
            box.update(plain("\n".join(lines), MESSAGE_MAX))

    def show(self, d: dict[str, Any]) -> None:
        self.data = d
        if not d.get("month"):
            self._period_text = "  no data yet"
            self.query_one("#dash-period", Static).update(self._period_text)
            self.query_one("#dash-warnings", Static).update(
                plain("\n".join(line(w) for w in d.get("warnings", [])), MESSAGE_MAX)
            )
            for card in self.query(".card").results(Static):
                card.update("-")
            return
        ytd, last = d["ytd"], d["ytd_last_year"]
        now, before = d["month_now"], d["month_last_year"]
        self._period_text = f"  YTD {_span(ytd['from'], ytd['to'])} vs {_versus(ytd, last)}" + (
            f" · GWP {d['gwp']}" if d.get("gwp") else ""
        )
        self.query_one("#dash-period", Static).update(self._period_text)
        self.query_one("#card-emissions", Static).update(
            f"[b]{ytd['total_t']:,.0f}[/b]{_change(ytd['total_t'], last['total_t'])}\n"
            f"S1 {ytd['scope1_t']:,.0f}  S2 {ytd['scope2_t']:,.0f}\nS3 {ytd['scope3_t']:,.0f}"
        )
        eui = ytd.get("site_eui_kbtu_ft2")
        energy = self.query_one("#card-energy", Static)
        energy.update(
            f"[b]{ytd['site_energy_kbtu'] / 1000:,.0f}[/b]"
            f"{_change(ytd['site_energy_kbtu'], last['site_energy_kbtu'])}\n"
            # the site energy card's EUI is the site EUI; short enough for a card at 80 columns
            + (f"EUI {eui:,.0f} kBtu/ft²" if eui is not None else "EUI: no floor area")
            + weather_line(d.get("weather"))
        )
        energy.border_subtitle = forecast_subtitle(d.get("weather"))
        energy.tooltip = weather_tooltip(d.get("weather")) or None
        self.query_one("#card-waste", Static).update(
            f"[b]{ytd['waste_kg'] / 1000:,.1f}[/b]{_change(ytd['waste_kg'], last['waste_kg'])}"
            f"  RMW {_pct(ytd['rmw_share'], 0)}\n"
            f"diverted {_pct(ytd.get('diversion_rate'))}\n"
            f"recycled {_pct(ytd['recycling_rate'])}"
        )
        water = ytd.get("water_m3")
        self.query_one("#card-water", Static).update(
            "no data (no water meter)"
            if water is None
            else f"[b]{water:,.0f}[/b]{_change(water, last.get('water_m3'))}"
        )
        costs, before_costs = ytd["cost_by_currency"], last["cost_by_currency"]
        cover, cover_before = ytd.get("energy_cost_coverage"), last.get("energy_cost_coverage")
        # A change in cost means something only when both periods price the same share of
        # their energy: a meter whose bills carry no cost would otherwise read as a saving.
        comparable = (
            cover is not None and cover_before is not None and abs(cover - cover_before) < 0.01
        )
        lines = [
            f"{cur} {amount:,.0f}" + (_change(amount, before_costs.get(cur)) if comparable else "")
            for cur, amount in sorted(costs.items())
        ]
        if cover is not None and cover < 0.995:
            lines.append(f"priced {cover:.0%} of energy")
        self.query_one("#card-cost", Static).update(plain("\n".join(lines[:3]) or "-"))
        month = self.query_one("#card-month", Static)
        month.border_title = f"{now['from']} vs {before['from'][:4]}"
        month.update(
            f"[b]{now['total_t']:,.0f} t[/b]{_change(now['total_t'], before['total_t'])}\n"
            f"{now['site_energy_kbtu'] / 1000:,.0f} MMBtu"
            f"{_change(now['site_energy_kbtu'], before['site_energy_kbtu'])}"
        )
        trend = d["trend"]
        self.query_one("#dash-trend", Sparkline).data = [v for _, v in trend]
        if trend:
            peak = max(v for _, v in trend)
            self.query_one("#dash-trend-labels", Static).update(
                f"{trend[0][0]} … {trend[-1][0]}   peak {peak:,.0f} t, latest {trend[-1][1]:,.0f} t"
            )
        self.show_targets(d.get("targets") or [], d.get("weather"))
        notes = list(d.get("warnings", [])) + [f"missing factor: {g}" for g in d.get("gaps", [])]
        self.query_one("#dash-warnings-title", Static).update(
            f"Needs action ({len(notes)})" if notes else "Needs action"
        )
        self.query_one("#dash-warnings", Static).update(
            plain("\n".join(f"• {line(w)}" for w in notes), MESSAGE_MAX)
            if notes
            else "nothing: all meters are up to date"
        )
