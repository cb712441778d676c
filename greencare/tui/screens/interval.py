"""Interval data of one meter: daily profile, heat map, load duration, month against last year,
and the monthly metrics (peak demand and when, load factor, base load, after-hours, TOU).

Opened from Energy with ``v`` on a meter with interval readings. The hours are read once in a
worker (``services.load_interval``); every chart is then a small computation on those columns.
Charts are drawn by textual-plotext with values and units on both axes, except the heat map
(plotext's matrix plot has no value scale), which is a grid of shaded cells with a legend in kW.
``t`` swaps any chart for a table of the very numbers it plots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from greencare.tui.widgets import MESSAGE_MAX, KeysFooter, SafeTable, plain

#: Tab ids in order (keys 1-5 choose them).
TABS = ("profile", "heatmap", "duration", "yoy", "metrics")
TAB_LABELS = ("Profile", "Heat map", "Load duration", "Year on year", "Metrics")
#: Shades of the heat map, low to high (a colour ramp readable on dark and light themes).
SHADES = ("#2b4a8b", "#2f7fb8", "#3fb1a6", "#8cc56b", "#e3c74a", "#ef8a3a", "#d9432f")


@dataclass
class IntervalLoaded(Message):
    data: Any = None
    comparison: Any = None
    error: str | None = None


def _num(value: Any, fmt: str = ",.1f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, fmt)


def _scale(unit: str, values: list[float]) -> tuple[float, str]:
    """Divide large energy figures by 1,000 so an axis reads 520 MWh, not 520000."""
    finite = [abs(v) for v in values if isinstance(v, float) and math.isfinite(v)]
    if finite and max(finite) >= 10_000:
        return 1000.0, "MWh" if unit == "kWh" else f"1000 {unit}"
    return 1.0, unit


class IntervalScreen(Screen[None]):
    """Charts and metrics of one interval meter; ``[`` / ``]`` step the month."""

    DEFAULT_CSS = """
    IntervalScreen #iv-summary { height: auto; padding: 0 1; }
    IntervalScreen #iv-tabs { height: 1fr; }
    IntervalScreen TabPane { padding: 0; }
    IntervalScreen .iv-pane { height: 1fr; }
    IntervalScreen .iv-chart { height: 1fr; }
    IntervalScreen .iv-table { height: 1fr; }
    IntervalScreen #iv-heat { width: auto; }
    IntervalScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="interval.back"),
        Binding("t", "toggle_table", "Table/chart", id="interval.table"),
        Binding("left_square_bracket", "month(-1)", "Prev month", id="interval.prev"),
        Binding("right_square_bracket", "month(1)", "Next month", id="interval.next"),
        *(
            Binding(str(i + 1), f"tab('{tab}')", label, show=False, id=f"interval.tab.{tab}")
            for i, (tab, label) in enumerate(zip(TABS, TAB_LABELS, strict=True))
        ),
    ]

    def __init__(self, meter_id: int, meter_name: str = "") -> None:
        super().__init__()
        self.meter_id = meter_id
        self.meter_name = meter_name
        self.data: Any = None  # services.IntervalData
        self.comparison: Any = None  # month vs last year (pandas frame)
        self.month: str | None = None
        self.months_metrics: list[dict[str, Any]] = []
        self.tables = False
        #: What each chart plots, as the numbers given to it (tests compare them to the data).
        self.plotted: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Static(plain(f"Interval data: {self.meter_name}"), id="iv-title",
                     classes="pane-title")  # fmt: skip
        yield Static("loading…", id="iv-summary")
        with TabbedContent(id="iv-tabs"):
            for tab, label in zip(TABS, TAB_LABELS, strict=True):
                with TabPane(label, id=f"tab-{tab}"), Vertical(classes="iv-pane"):
                    if tab == "heatmap":
                        with VerticalScroll(id="iv-heat-scroll", classes="iv-chart"):
                            yield Static("", id="iv-heat")
                    elif tab != "metrics":
                        yield PlotextPlot(id=f"iv-{tab}", classes="iv-chart")
                    yield SafeTable(id=f"iv-{tab}-table", cursor_type="row",
                                    zebra_stripes=True, classes="iv-table")  # fmt: skip
        yield Static("", id="status")
        yield KeysFooter()

    def on_mount(self) -> None:
        for table in self.query(".iv-table").results(SafeTable):
            table.display = table.id == "iv-metrics-table"
        self._load()

    # -- loading --------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="interval")
    def _load(self) -> None:
        from greencare import services
        from greencare.services import interval as use_case

        path = getattr(self.app, "db_path", None)
        own = path is not None
        try:
            db = services.open_db(path) if own else self.app.db  # type: ignore[attr-defined]
            try:
                data = services.load_interval(db, self.meter_id)
                comparison = use_case.month_comparison(db, data)
            finally:
                if own:
                    db.close()
        except Exception as exc:  # shown on the screen; a worker must not crash the app
            self.post_message(IntervalLoaded(error=str(exc)))
            return
        self.post_message(IntervalLoaded(data, comparison))

    def on_interval_loaded(self, message: IntervalLoaded) -> None:
        if message.error:
            self.query_one("#iv-summary", Static).update(plain(f"error: {message.error}"))
            return
        from greencare import services

        self.data, self.comparison = message.data, message.comparison
        self.months_metrics = services.interval_metrics(self.data)
        self.month = self.data.last_month
        self.draw_all()

    # -- drawing --------------------------------------------------------------------------------

    def draw_all(self) -> None:
        if self.data is None:
            return
        self.draw_summary()
        self.draw_profile()
        self.draw_heatmap()
        self.draw_duration()
        self.draw_yoy()
        self.draw_metrics()
        first, last = self.data.months[0], self.data.months[-1]
        self.set_status(
            f"{first} to {last} · local time {self.data.timezone} · [ ] month · t table · "
            "1-5 charts · Esc back"
        )

    def _metrics_of(self, month: str | None) -> dict[str, Any] | None:
        return next((m for m in self.months_metrics if m["month"] == month), None)

    def draw_summary(self) -> None:
        m = self._metrics_of(self.month)
        power = self.data.power_unit
        if m is None:
            self.query_one("#iv-summary", Static).update(plain(f"{self.month}: no data"))
            return
        at = (m["peak_start"] or "")[5:16].replace("T", " ")
        self.query_one("#iv-summary", Static).update(
            plain(
                f"{m['month']} peak {_num(m['peak_power'])} {power} {at} · load factor "
                f"{_num(m['load_factor'], '.2f')} · base {_num(m['base_load'])} {power} · "
                f"after hours {_num(m['after_hours_share'], '.0%')}",
                MESSAGE_MAX,
            )
        )

    def _plot(self, name: str) -> Any:
        widget = self.query_one(f"#iv-{name}", PlotextPlot)
        plt = widget.plt
        plt.clear_figure()
        return widget, plt

    def _table(self, name: str, columns: list[str], rows: list[list[Any]]) -> None:
        table = self.query_one(f"#iv-{name}-table", SafeTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        for row in rows:
            table.add_row(*row)

    def draw_profile(self) -> None:
        from greencare.core.tou import NORTHERN_SEASONS
        from greencare.services import interval as use_case

        season = NORTHERN_SEASONS[int(str(self.month)[5:7])]
        profile = use_case.daily_profile(self.data)
        profile = profile[profile["season"] == season]
        series = {
            kind: profile[profile["day_type"] == kind].sort_values("hour")
            for kind in ("weekday", "weekend")
        }
        months = [m for m in self.data.months if NORTHERN_SEASONS[int(m[5:7])] == season]
        self.plotted["profile"] = {
            "season": season,
            "months": months,
            **{k: dict(zip(v["hour"].tolist(), v["power"].tolist(), strict=True))
               for k, v in series.items()},
        }  # fmt: skip
        widget, plt = self._plot("profile")
        for kind, frame in series.items():
            if not frame.empty:
                plt.plot(frame["hour"].tolist(), frame["power"].tolist(), label=kind,
                         marker="braille")  # fmt: skip
        plt.title(f"Average {season} day by local hour ({', '.join(months)})")
        plt.xlabel("hour of day")
        plt.ylabel(self.data.power_unit)
        plt.xticks(list(range(0, 24, 3)), [f"{h:02d}" for h in range(0, 24, 3)])
        widget.refresh()
        hours = sorted(set().union(*(self.plotted["profile"][k] for k in ("weekday", "weekend"))))
        self._table(
            "profile",
            ["Hour", f"Weekday ({self.data.power_unit})", f"Weekend ({self.data.power_unit})"],
            [[f"{h:02d}:00", _num(self.plotted["profile"]["weekday"].get(h)),
              _num(self.plotted["profile"]["weekend"].get(h))] for h in hours],
        )  # fmt: skip

    def draw_heatmap(self) -> None:
        from greencare.services import interval as use_case

        days, matrix = use_case.heatmap(self.data, self.month)
        self.plotted["heatmap"] = {"month": self.month, "days": days, "matrix": matrix}
        finite = matrix[~(matrix != matrix)]  # not NaN
        lo = float(finite.min()) if finite.size else 0.0
        hi = float(finite.max()) if finite.size else 0.0
        step = (hi - lo) / len(SHADES) or 1.0
        unit = self.data.power_unit
        text = Text()
        text.append(f"{self.month}: average {unit} per local hour\n", style="bold")
        text.append("       " + "".join(f"{h:02d}    " for h in range(0, 24, 3)) + "\n")
        names = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
        import numpy as np

        for day, row in zip(days, matrix, strict=True):
            weekday = names[int(np.datetime64(day).astype("datetime64[D]").astype(np.int64) + 3)
                            % 7]  # fmt: skip
            text.append(f"{day[8:]} {weekday} ")
            for value in row:
                if value != value:
                    text.append("··", style="dim")
                else:
                    shade = SHADES[min(int((value - lo) / step), len(SHADES) - 1)]
                    text.append("██", style=shade)
            text.append("\n")
        text.append("scale: ")
        for i, shade in enumerate(SHADES):
            text.append("██", style=shade)
            text.append(f" {lo + i * step:,.0f} ")
        text.append(f"{unit} and up · ·· no data")
        self.query_one("#iv-heat", Static).update(text)
        self._table(
            "heatmap",
            ["Day", *(f"{h:02d}" for h in range(24))],
            [[day, *(_num(float(v), ",.0f") for v in row)]
             for day, row in zip(days, matrix, strict=True)],
        )  # fmt: skip

    def draw_duration(self) -> None:
        from greencare.services import interval as use_case

        curve = use_case.load_duration(self.data)
        share = (curve["time_share"] * 100).tolist()
        power = curve["power"].tolist()
        self.plotted["duration"] = {"share": share, "power": power}
        widget, plt = self._plot("duration")
        plt.plot(share, power, marker="braille")
        first, last = self.data.months[0], self.data.months[-1]
        plt.title(f"Load duration, {first} to {last}: hours at or above each load")
        plt.xlabel("% of hours")
        plt.ylabel(self.data.power_unit)
        widget.refresh()
        marks = [0.0, 1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 100.0]
        rows = []
        for mark in marks:  # the load exceeded for mark % of the covered hours
            j = next((i for i, s in enumerate(share) if s >= mark), len(share) - 1)
            rows.append([f"{mark:g}%", _num(power[j])])
        self._table("duration", ["Hours at or above", f"Load ({self.data.power_unit})"], rows)

    def draw_yoy(self) -> None:
        frame = self.comparison
        unit = self.data.canonical_unit
        now = frame["quantity"].tolist()
        before = frame["last_year_quantity"].tolist()
        div, shown = _scale(unit, now + before)
        self.plotted["yoy"] = {"months": frame["month"].tolist(), "quantity": now,
                               "last_year_quantity": before, "divisor": div}  # fmt: skip
        widget, plt = self._plot("yoy")
        x = list(range(len(now)))
        for label, values in (("this year", now), ("a year before", before)):
            keep = [(i, v / div) for i, v in zip(x, values, strict=True) if math.isfinite(v)]
            if keep:
                plt.plot([i for i, _ in keep], [v for _, v in keep], label=label,
                         marker="braille")  # fmt: skip
        ticks = x[::3]
        plt.xticks(ticks, [frame["month"].iloc[i] for i in ticks])
        plt.title("Monthly use against the same month a year before")
        plt.ylabel(shown)
        widget.refresh()
        cost = frame["cost"].tolist()
        last_cost = frame["last_year_cost"].tolist()
        self._table(
            "yoy",
            ["Month", f"Use ({unit})", f"Year before ({unit})", "Change", "Cost", "Cost before"],
            [[m, _num(q, ",.0f"), _num(b, ",.0f"),
              _num((q - b) / b, "+.1%") if math.isfinite(q) and math.isfinite(b) and b else "-",
              _num(c, ",.0f"), _num(lc, ",.0f")]
             for m, q, b, c, lc in zip(frame["month"], now, before, cost, last_cost,
                                       strict=True)],
        )  # fmt: skip

    def draw_metrics(self) -> None:
        power, energy = self.data.power_unit, self.data.canonical_unit
        periods = list(self.months_metrics[0]["tou_shares"]) if self.months_metrics else []
        self._table(
            "metrics",
            ["Month", f"Energy ({energy})", f"Peak ({power})", "Peak at", "Load factor",
             f"Base ({power})", "After hours", *periods],
            [[m["month"], _num(m["energy"], ",.0f"), _num(m["peak_power"]),
              (m["peak_start"] or "")[5:16].replace("T", " "), _num(m["load_factor"], ".2f"),
              _num(m["base_load"]), _num(m["after_hours_share"], ".0%"),
              *(_num(m["tou_shares"][p], ".0%") for p in periods)]
             for m in self.months_metrics],
        )  # fmt: skip

    # -- actions --------------------------------------------------------------------------------

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text, MESSAGE_MAX))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        self.query_one("#iv-tabs", TabbedContent).active = f"tab-{tab}"

    def action_toggle_table(self) -> None:
        self.tables = not self.tables
        for chart in self.query(".iv-chart"):
            chart.display = not self.tables
        for table in self.query(".iv-table").results(SafeTable):
            table.display = self.tables or table.id == "iv-metrics-table"

    def action_month(self, step: int) -> None:
        if self.data is None or self.month is None:
            return
        months = self.data.months
        i = months.index(self.month) + step
        if not 0 <= i < len(months):
            self.app.notify(f"No interval data {'before' if step < 0 else 'after'} {self.month}.")
            return
        self.month = months[i]
        self.draw_summary()
        self.draw_profile()
        self.draw_heatmap()
