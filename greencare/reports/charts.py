"""Report charts, drawn with matplotlib's object API (``Figure``, never pyplot).

One palette for scopes, one for commodities and one for waste classes, defined here and used
by every chart; each colour has a hatch too and the colours differ in lightness, so the charts
read in greyscale.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from greencare.reports.model import Report, safe_text

# (colour, hatch): dark to light so greyscale keeps them apart.
SCOPE_STYLE = {
    "1": ("#1f3b73", ""),
    "2": ("#d9822b", "//"),
    "3": ("#9cc9a0", ".."),
}
SCOPE_NAMES = {"1": "Scope 1", "2": "Scope 2 (location-based)", "3": "Scope 3"}
COMMODITY_STYLE = {
    "electricity": ("#f2c14e", ""),
    "natural_gas": ("#2e5c8a", "//"),
    "district_steam": ("#b5525c", "\\\\"),
    "district_hot_water": ("#e39aa2", "xx"),
    "district_chilled_water": ("#7fb7d9", "--"),
    "diesel": ("#3d3d3d", "++"),
    "fuel_oil_1": ("#5a5a5a", "oo"),
    "fuel_oil_2": ("#5a5a5a", "oo"),
    "fuel_oil_4": ("#6e6e6e", "oo"),
    "fuel_oil_5_6": ("#6e6e6e", "oo"),
    "kerosene": ("#8c6d46", "||"),
    "propane": ("#a58bc4", "||"),
    "onsite_solar": ("#c9e3a6", ".."),
    "onsite_wind": ("#d7ecf5", ".."),
}
WASTE_STYLE = {
    "rmw": ("#9e2a2b", "xx", "Regulated medical waste"),
    "disposed": ("#6b6b6b", "//", "Other disposal"),
    "diverted": ("#7dbf7a", "", "Diverted (recycled, composted, donated)"),
    "reused": ("#cfe3f0", "..", "Reused / reprocessed (not counted)"),
}
TARGET_COLOUR = "#000000"
ACTUAL_COLOUR = SCOPE_STYLE["1"][0]
MARKET_COLOUR = SCOPE_STYLE["2"][0]

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


#: Margins around the axes in inches (left, bottom, right, top). Fixed margins instead of
#: matplotlib's constrained layout: the layout pass measured every tick label and drew each chart
#: twice, which was most of a report's rendering time (profiled on the demo database).
MARGINS = (1.0, 0.55, 0.25, 0.45)
_LABEL_IN_PER_CHAR = 0.076  # average width of a 10 pt DejaVu Sans character (9 pt tick labels)


#: Where the next chart is drawn instead of a figure of its own: a region of a PDF page (a
#: ``SubFigure`` with its size in inches as ``greencare_size``), or ``MEASURE`` to learn the
#: chart's own size without drawing it (:func:`natural_size`).
_TARGET: ContextVar[Any] = ContextVar("greencare_chart_target", default=None)
MEASURE = "measure"


class _Measured(Exception):
    def __init__(self, size: tuple[float, float]) -> None:
        self.size = size


def _canvas(width: float, height: float) -> Any:
    """A new figure of ``width`` x ``height`` inches, or the region :data:`_TARGET` names."""
    target = _TARGET.get()
    if target is MEASURE:
        raise _Measured((width, height))
    if target is not None:
        return target
    return Figure(figsize=(width, height), dpi=110)


def natural_size(draw: Callable[[Report], Figure], report: Report) -> tuple[float, float]:
    """The size in inches a chart is drawn at on its own (it depends on the data: a bar per
    source, a panel per facility), learnt by stopping the chart as it asks for its figure."""
    token = _TARGET.set(MEASURE)
    try:
        fig = draw(report)
    except _Measured as measured:
        return measured.size
    finally:
        _TARGET.reset(token)
    return tuple(fig.get_size_inches())  # type: ignore[return-value]


def draw_into(draw: Callable[[Report], Figure], report: Report, region: Any) -> Any:
    """Draw a chart into ``region`` (a ``SubFigure`` with ``greencare_size`` in inches)."""
    token = _TARGET.set(region)
    try:
        return draw(report)
    finally:
        _TARGET.reset(token)


def _size(fig: Any) -> tuple[float, float]:
    size = getattr(fig, "greencare_size", None)
    return tuple(size) if size is not None else tuple(fig.get_size_inches())  # type: ignore[return-value]


def _figure(width: float = 8.0, height: float = 4.5) -> tuple[Figure, object]:
    fig = _canvas(width, height)
    fig.greencare_margins = MARGINS  # type: ignore[attr-defined]
    ax = fig.add_subplot()
    place(fig)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _margins(fig: Figure, *, left: float | None = None, bottom: float | None = None) -> None:
    """Widen a margin (inches) for long category labels or a legend below the axes."""
    m = list(fig.greencare_margins)  # type: ignore[attr-defined]
    if left is not None:
        m[0] = max(m[0], left)
    if bottom is not None:
        m[1] = max(m[1], bottom)
    fig.greencare_margins = tuple(m)  # type: ignore[attr-defined]
    place(fig)
    if left is not None:  # long category labels: the title starts at the figure's edge instead
        width = _size(fig)[0]
        for ax in fig.axes:
            title = ax.get_title(loc="left")
            if title:
                pos = ax.get_position()
                ax.set_title(title, loc="left", x=(0.15 / width - pos.x0) / pos.width)


def _label_width(labels: list[str], size: float = 9.0) -> float:
    """Inches for the longest of ``labels`` plus the tick gap, estimated from its length."""
    longest = max((len(label) for label in labels), default=0)
    return 0.3 + longest * _LABEL_IN_PER_CHAR * size / 10.0


def place(fig: Figure, extra_top: float = 0.0, extra_bottom: float = 0.0) -> None:
    """Position the axes from the margins in inches, for the figure's current size (a PDF page
    reuses a chart at another size, with room for its page title and footer)."""
    left, bottom, right, top = fig.greencare_margins  # type: ignore[attr-defined]
    w, h = _size(fig)
    fig.subplots_adjust(left=left / w, bottom=(bottom + extra_bottom) / h,
                        right=1 - right / w, top=1 - (top + extra_top) / h)  # fmt: skip


def _thousands(ax: object, axis: str = "y") -> None:
    formatter = FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)  # type: ignore[attr-defined]


def _month_labels(months: list[str]) -> list[str]:
    years = {m[:4] for m in months}
    return [_MONTHS[int(m[5:]) - 1] + (f" {m[2:4]}" if len(years) > 1 else "") for m in months]


def _empty(fig: Figure, ax: object, message: str) -> Figure:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)  # type: ignore[attr-defined]
    ax.set_axis_off()  # type: ignore[attr-defined]
    return fig


def _period(report: Report) -> str:
    p = report.meta["period"]
    return (
        p["from"][:4]
        if p["from"][:4] == p["to"][:4] and p["months"] == 12
        else (f"{p['from']} to {p['to']}")
    )


def monthly_by_scope(report: Report) -> Figure:
    frame = report["ghg_by_month"]
    fig, ax = _figure()
    ax.set_title(f"Emissions by month and scope, {_period(report)}", loc="left")
    if frame.empty:
        return _empty(fig, ax, "No emissions in the period")
    x = np.arange(len(frame))
    bottom = np.zeros(len(frame))
    for scope, column in (("1", "scope1_t"), ("2", "scope2_location_t"), ("3", "scope3_t")):
        colour, hatch = SCOPE_STYLE[scope]
        values = frame[column].to_numpy(float)
        ax.bar(x, values, bottom=bottom, color=colour, hatch=hatch, edgecolor="white",
               linewidth=0.5, label=SCOPE_NAMES[scope])  # fmt: skip
        bottom += values
    market = (frame["scope1_t"] + frame["scope2_market_t"] + frame["scope3_t"]).to_numpy(float)
    if not np.allclose(market, bottom):
        ax.plot(x, market, color="black", marker="_", markersize=14, linestyle="none",
                label="Total with market-based Scope 2")  # fmt: skip
    ax.set_xticks(x, _month_labels(list(frame["month"])), fontsize=8)
    ax.set_ylabel("t CO2e")
    _thousands(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    _margins(fig, bottom=0.85)
    return fig


def by_source(report: Report) -> Figure:
    frame = report["ghg_protocol"].sort_values(["co2e_t_location"]).reset_index(drop=True)
    frame = frame[frame["co2e_t_location"] != 0]
    fig, ax = _figure(8.0, max(3.0, 0.45 * len(frame) + 1.4))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_title(f"Emissions by source, {_period(report)} (location-based)", loc="left")
    if frame.empty:
        return _empty(fig, ax, "No emissions in the period")
    y = np.arange(len(frame))
    colours = [SCOPE_STYLE[s][0] for s in frame["scope"]]
    hatches = [SCOPE_STYLE[s][1] for s in frame["scope"]]
    bars = ax.barh(y, frame["co2e_t_location"], color=colours, hatch=hatches, edgecolor="white")
    ticks = [f"{lbl} (S{s})" for lbl, s in zip(frame["label"], frame["scope"], strict=True)]
    ax.set_yticks(y, ticks)
    _margins(fig, left=_label_width(ticks, 10.0))
    ax.bar_label(bars, labels=[f"{v:,.0f} t" for v in frame["co2e_t_location"]], padding=3,
                 fontsize=8)  # fmt: skip
    ax.set_xlabel("t CO2e")
    ax.set_xlim(0, frame["co2e_t_location"].max() * 1.18)
    across = ax.get_position().width * _size(fig)[0]  # inches: beside another chart, fewer
    ax.xaxis.set_major_locator(MaxNLocator(max(2, int(across / 0.9))))
    _thousands(ax, "x")
    handles = [
        ax.bar(0, 0, color=SCOPE_STYLE[s][0], hatch=SCOPE_STYLE[s][1], edgecolor="white")
        for s in sorted(set(frame["scope"]))
    ]
    ax.legend(handles, [SCOPE_NAMES[s].split(" (")[0] for s in sorted(set(frame["scope"]))],
              loc="lower right", frameon=False)  # fmt: skip
    return fig


def energy_by_commodity(report: Report) -> Figure:
    frame = report["energy_by_month"]
    fig, ax = _figure()
    ax.set_title(f"Site energy by commodity, {_period(report)}", loc="left")
    if frame.empty:
        return _empty(fig, ax, "No energy readings in the period")
    table = frame.pivot_table(index="month", columns="commodity", values="site_kbtu",
                              aggfunc="sum", fill_value=0.0) / 1000.0  # fmt: skip
    order = [c for c in COMMODITY_STYLE if c in table.columns]
    order += sorted(set(table.columns) - set(order))
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for commodity in order:
        colour, hatch = COMMODITY_STYLE.get(commodity, ("#999999", ""))
        values = table[commodity].to_numpy(float)
        ax.bar(x, values, bottom=bottom, color=colour, hatch=hatch, edgecolor="white",
               linewidth=0.5, label=commodity.replace("_", " ").capitalize())  # fmt: skip
        bottom += values
    ax.set_xticks(x, _month_labels(list(table.index)), fontsize=8)
    ax.set_ylabel("Site energy (MMBtu = 1,000 kBtu)")
    _thousands(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=min(5, len(order)),
              frameon=False)  # fmt: skip
    _margins(fig, bottom=0.85 + 0.2 * ((len(order) - 1) // 5))
    return fig


def waste_by_stream(report: Report) -> Figure:
    frame = report["waste_by_stream"]
    totals = frame.groupby(["stream", "waste_class"], as_index=False)["quantity_kg"].sum()
    totals = totals.sort_values("quantity_kg").reset_index(drop=True)
    fig, ax = _figure(8.0, max(3.0, min(6.0, 0.28 * len(totals) + 1.4)))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    kpis = report["waste_kpis"].set_index(["metric", "unit"])["value"]
    rate = kpis.get(("Recycling / diversion rate", "%"), np.nan)
    rmw = kpis.get(("RMW share of total waste", "%"), np.nan)
    subtitle = (
        f"recycling / diversion rate {rate:.1f}%, RMW share {rmw:.1f}%" if pd.notna(rate) else ""
    )
    ax.set_title(f"Waste by stream, {_period(report)}: {subtitle}", loc="left")
    if totals.empty:
        return _empty(fig, ax, "No waste records in the period")
    y = np.arange(len(totals))
    tonnes = totals["quantity_kg"].to_numpy(float) / 1000.0
    styles = [WASTE_STYLE[c] for c in totals["waste_class"]]
    bars = ax.barh(y, tonnes, color=[s[0] for s in styles], hatch=[s[1] for s in styles],
                   edgecolor="white")  # fmt: skip
    ticks = [s.replace("_", " ").capitalize() for s in totals["stream"]]
    ax.set_yticks(y, ticks, fontsize=8)
    _margins(fig, left=_label_width(ticks, 8.0))
    ax.bar_label(bars, labels=[f"{v:,.1f} t" for v in tonnes], padding=3, fontsize=7)
    ax.set_xlim(0, tonnes.max() * 1.15)
    ax.set_xlabel("Tonnes (t)")
    present = [c for c in WASTE_STYLE if c in set(totals["waste_class"])]
    handles = [ax.barh(0, 0, color=WASTE_STYLE[c][0], hatch=WASTE_STYLE[c][1], edgecolor="white")
               for c in present]  # fmt: skip
    ax.legend(handles, [WASTE_STYLE[c][2] for c in present], loc="lower right", frameon=False,
              fontsize=8)  # fmt: skip
    return fig


def trajectory(report: Report) -> Figure:
    fig, ax = _figure()
    ax.set_title("Scope 1+2 emissions against the target trajectory", loc="left")
    if "trajectory" not in report.tables:
        progress = report["progress"]
        ax.plot(progress["year"], progress["scope12_location_t"], marker="o", color=ACTUAL_COLOUR,
                label="Actual (location-based)")  # fmt: skip
        ax.text(0.99, 0.02, "No baseline year set: no target trajectory", ha="right",
                transform=ax.transAxes, fontsize=8)  # fmt: skip
        years = progress["year"].astype(float)
        if len(years) and years.max() - years.min() < 2:  # one or two years: not a century
            ax.set_xlim(years.min() - 1, years.max() + 1)
    else:
        frame = report["trajectory"]
        ax.plot(frame["year"], frame["target_scope12_t"], color=TARGET_COLOUR, linestyle="--",
                label="Target (linear from baseline)")  # fmt: skip
        actual = frame.dropna(subset=["scope12_location_t"])
        ax.plot(actual["year"], actual["scope12_location_t"], marker="o", color=ACTUAL_COLOUR,
                label="Actual, location-based")  # fmt: skip
        if not np.allclose(actual["scope12_market_t"], actual["scope12_location_t"]):
            ax.plot(actual["year"], actual["scope12_market_t"], marker="s", fillstyle="none",
                    linestyle=":", color=MARKET_COLOUR, label="Actual, market-based")  # fmt: skip
        last = max(m["year"] for m in report.meta["target"])
        for milestone in report.meta["target"]:
            year = milestone["year"]
            row = frame[frame["year"] == year]
            if not row.empty:
                value = float(row["target_scope12_t"].iloc[0])
                pct = milestone["reduction_pct"]
                text = "net zero" if pct >= 100 else f"-{pct:.0f}%"
                ax.plot([year], [value], marker="D", color=TARGET_COLOUR, markersize=5)
                right = year == last
                ax.annotate(f"{text} by {year}", (year, value), textcoords="offset points",
                            xytext=(-8 if right else 6, 14 if right else 8), ha="right" if right else "left",
                            fontsize=8)  # fmt: skip
        ax.set_ylim(bottom=0)
    ax.set_xlabel("Year")
    ax.set_ylabel("Scope 1+2 (t CO2e)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    _thousands(ax)
    ax.legend(frameon=False, loc="upper right")
    return fig


#: Line colours for stored targets, in turn (colour-blind-safe Okabe-Ito order).
TARGET_LINES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


def stored_targets(report: Report) -> Figure:
    """Each stored target's values as % of its baseline year, with its straight path dashed."""
    fig, ax = _figure()
    ax.set_title("Progress against each stored target (% of its baseline year)", loc="left")
    if "target_progress" not in report.tables or report["target_progress"].empty:
        return _empty(fig, ax, "No stored targets (greencare target add)")
    frame = report["target_progress"]
    for i, (_, part) in enumerate(frame.groupby("target_id", sort=True)):
        colour = TARGET_LINES[i % len(TARGET_LINES)]
        base = part["baseline_value"].astype(float)
        if not base.notna().any() or float(base.iloc[0]) == 0:
            continue
        share = part["value"].astype(float) / base * 100
        path = part["path_value"].astype(float) / base * 100
        name = str(part["target"].iloc[0])
        ax.plot(part["year"], share, marker="o", color=colour, label=name)
        ax.plot(part["year"], path, linestyle="--", color=colour, linewidth=1)
    ax.axhline(100, color="#888888", linewidth=0.8)
    ax.set_xlabel("Year")
    ax.set_ylabel("% of baseline year (dashed: straight path)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, loc="lower left", fontsize=7)
    return fig


def intensity_trend(report: Report) -> Figure:
    frame = report["intensity_by_month"].dropna(subset=["t_per_1000_patient_days"])
    fig, ax = _figure()
    ax.set_title("Scope 1+2 emissions per 1,000 patient days, by month", loc="left")
    if frame.empty:
        return _empty(fig, ax, "No patient days recorded (set normalizers)")
    x = np.arange(len(frame))
    ax.plot(x, frame["t_per_1000_patient_days"], marker="o", markersize=4, color=ACTUAL_COLOUR,
            label="Monthly")  # fmt: skip
    years = frame["month"].str[:4]
    averages = []
    for year in sorted(set(years)):
        part = frame[years == year]
        mean = part["scope12_location_t"].sum() / part["patient_days"].sum() * 1000
        idx = np.flatnonzero((years == year).to_numpy())
        ax.hlines(mean, idx[0] - 0.3, idx[-1] + 0.3, colors="#888888", linestyles="--",
                  linewidth=1.2)  # fmt: skip
        averages.append(f"{year}: {mean:,.1f}")
    step = max(1, len(frame) // 12)
    ax.set_xticks(x[::step], _month_labels(list(frame["month"]))[::step], fontsize=8)
    ax.set_ylabel("t CO2e per 1,000 patient days")
    ax.set_ylim(bottom=0)
    ax.legend(["Monthly", f"Year average ({'; '.join(averages)})"], frameon=False,
              loc="lower left")  # fmt: skip
    return fig


MODELLED_COLOUR = "#000000"


def weather_normalised(report: Report) -> Figure:
    """Actual monthly use (bars) against the baseline model (line) for each facility with a
    model: the fitted values in the baseline year, the adjusted baseline (the model with that
    month's weather) in the report year. One panel per facility, stacked."""
    from greencare.reports import weather

    series = weather.figures(report)
    panels = max(1, len(series))
    fig = _canvas(8.0, 1.35 + 3.15 * panels)
    fig.greencare_margins = (MARGINS[0], 0.85, MARGINS[2], MARGINS[3])  # type: ignore[attr-defined]
    axes = fig.subplots(panels, 1, squeeze=False)[:, 0]
    place(fig)
    fig.subplots_adjust(hspace=1.0 / 2.4)  # about an inch between panels, for the next title
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    if not series:
        axes[0].set_title("Actual and modelled energy use", loc="left")
        lines = weather.reasons(report) or ["No facility with energy use"]
        message = "No weather-normalised model:\n" + "\n".join(
            safe_text(line, 110) for line in lines[:6]
        )
        axes[0].text(0.5, 0.5, message, ha="center", va="center", fontsize=8,
                     transform=axes[0].transAxes, parse_math=False)  # fmt: skip
        axes[0].set_axis_off()
        return fig
    for ax, (name, frame) in zip(axes, series.items(), strict=True):
        x = np.arange(len(frame))
        actual = frame["site_kwh"].to_numpy(float) / 1000.0
        modelled = frame["modelled_kwh"].to_numpy(float) / 1000.0
        report_rows = (frame["period"] == "report").to_numpy()
        colour = COMMODITY_STYLE["natural_gas"][0]
        ax.bar(x[~report_rows], actual[~report_rows], color="#9cb7d4", edgecolor="white",
               label="Actual, baseline year")  # fmt: skip
        ax.bar(x[report_rows], actual[report_rows], color=colour, edgecolor="white",
               hatch="//", label="Actual, report year")  # fmt: skip
        ax.plot(x, modelled, color=MODELLED_COLOUR, marker="o", markersize=3.5, linewidth=1.2,
                label="Modelled (fit; adjusted baseline in the report year)")  # fmt: skip
        step = 1 if len(frame) <= 13 else 2
        ax.set_xticks(x[::step], _month_labels(list(frame["month"]))[::step], fontsize=8)
        ax.set_ylabel("Site energy (MWh)")
        _thousands(ax)
        title = f"Actual and modelled energy use: {safe_text(name, 80)}"
        if ax is axes[0] and weather.modelled_count(report) > len(series):
            title += f" ({len(series)} largest of {weather.modelled_count(report)} facilities)"
        ax.set_title(title, loc="left", fontsize=10, parse_math=False)  # text, never mathtext
    axes[-1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False,
                    fontsize=8)  # fmt: skip
    return fig


#: (file key, caption, function) for every chart, in report order.
CHARTS: list[tuple[str, str, Callable[[Report], Figure]]] = [
    ("emissions-by-month", "Emissions by month and scope", monthly_by_scope),
    ("emissions-by-source", "Emissions by source", by_source),
    ("energy-by-commodity", "Site energy by commodity", energy_by_commodity),
    ("weather-normalised", "Actual and modelled energy use", weather_normalised),
    ("waste-by-stream", "Waste by stream", waste_by_stream),
    ("trajectory", "Progress against the target trajectory", trajectory),
    ("intensity", "Emission intensity trend", intensity_trend),
    ("targets", "Progress against each stored target", stored_targets),
]


def applies(key: str, report: Report) -> bool:
    """Whether a report shows this chart (the stored-target chart only when it has targets)."""
    return key != "targets" or "target_progress" in report.tables


#: SVG keeps text as text (selectable, searchable, crisp in print) and writes faster than PNG.
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "greencare"}


def to_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """The chart as PNG, SVG (text kept as text, no timestamp) or PDF bytes."""
    import matplotlib

    out = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Date": None} if fmt == "svg" else None
    with matplotlib.rc_context(SVG_RC if fmt == "svg" else {}):
        fig.savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()
