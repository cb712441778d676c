"""The executive story: two pages up front, written from the report's own tables.

Every figure in a sentence is read from a cell of a table in the same report (and listed in the
"Figures and their sources" appendix with the ``greencare explain`` command that reproduces
it), so the story can never say something the tables do not. The tables it reads:

- ``headline_change``: the period's totals against the same months a year earlier and against
  the baseline year;
- ``change_drivers`` when the report has it (the decomposition of the change: activity, factor
  editions, weather, facilities added or removed; columns scope, part, t_co2e, explanation),
  otherwise ``activity_factor_change``: per source, the change split exactly into activity
  (the change in activity at last year's factor) and emission factor (the change in factor per
  unit of this year's activity), so the parts add up to the change of the location-based total;
- ``target_progress`` (stored targets) or ``progress`` (the report's Scope 1+2 target);
- ``quality_summary`` and the gaps on the cover, for what the data cannot yet support;
- ``opportunities``: desflurane's share of anaesthetic gas emissions, the RMW share against a
  high performer's, and the meter whose use rose most.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greencare.core.rules import CATEGORY_LABELS
from greencare.reports.labels import unit_text
from greencare.reports.model import Report, fmt
from greencare.reports.tables import Context

#: RMW (red bag) share of total waste that hospitals doing well reach: about 8 % (Practice
#: Greenhealth, "High success through low RMW rates", Greening the Operating Room guide,
#: practicegreenhealth.org; hospitals commonly send 10-15 %).
RMW_BENCHMARK_PCT = 8.0
RMW_BENCHMARK_SOURCE = "Practice Greenhealth, Greening the Operating Room: high performers ≈8 %"

#: Tables the story reads; the decomposition table of the baselines work, when present.
DRIVERS, FALLBACK_DRIVERS = "change_drivers", "activity_factor_change"

HEADLINE = [
    ("scope1", "Scope 1"),
    ("scope2_location", "Scope 2 (location-based)"),
    ("scope3", "Scope 3"),
    ("scope12_location", "Scope 1+2 (location-based)"),
    ("total_location", "Total, Scopes 1-3 (location-based)"),
]


@dataclass
class Story:
    """Blocks of plain sentences, and each figure they quote (table, row, column, value)."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)

    def block(self, key: str, heading: str, *, box: bool = False) -> list[str]:
        sentences: list[str] = []
        self.blocks.append({"key": key, "heading": heading, "sentences": sentences, "box": box})
        return sentences


class _Quote:
    """Reads a cell of a report table, records it as a figure, returns it formatted."""

    def __init__(self, report: Report, story: Story, command: str) -> None:
        self.report, self.story, self.command = report, story, command

    def __call__(self, table: str, row: tuple[str, Any] | int, column: str, unit: str = "",
                 name: str = "", *, signed: bool = False, explain: str = "") -> str:  # fmt: skip
        frame = self.report[table]
        if isinstance(row, int):
            value, selector = frame[column].iloc[row], row
            row_text = f"row {row + 1}"
        else:
            key, wanted = row
            match = frame[key] == wanted
            value, selector = frame.loc[match, column].iloc[0], [key, wanted]
            row_text = str(frame.loc[match, "label"].iloc[0]) if "label" in frame else str(wanted)
        text = fmt(value, column)
        if signed and isinstance(value, int | float | np.number) and value > 0:
            text = "+" + text
        self.story.figures.append({
            "figure": name or column, "value": None if pd.isna(value) else value, "unit": unit,
            "table": table, "row": row_text, "selector": selector, "column": column, "text": text,
            "command": explain or self.command,
        })  # fmt: skip
        return text + (f" {unit}" if unit and unit != "%" else unit)


def _explain(ctx: Context, extra: str = "") -> str:
    facility = f" --facility {ctx.facility_ids[0]}" if ctx.facility_ids else ""
    period = (f"--year {ctx.first[:4]}" if ctx.first.endswith("-01") and ctx.last ==
              f"{ctx.first[:4]}-12" else f"--from {ctx.first} --to {ctx.last}")  # fmt: skip
    return f"greencare explain {period}{facility} --allow-gaps{extra}"


def _shifted(month: str, years: int) -> str:
    return f"{int(month[:4]) - years:04d}{month[4:]}"


def _emissions(ctx: Context, first: str, last: str) -> tuple[Any, dict[str, Any]]:
    return ctx.emissions(first, last)  # type: ignore[no-any-return]


def _totals(summary: dict[str, Any]) -> dict[str, float]:
    t = dict(summary["totals_t"])
    t["scope12_location"] = t["scope1"] + t["scope2_location"]
    return t


def story_tables(ctx: Context, report: Report, baseline_year: int | None) -> None:
    """The tables the story reads that no other section has: headline change, the activity
    versus factor split of the change (unless the decomposition is there), opportunities."""
    prev_first, prev_last = _shifted(ctx.first, 1), _shifted(ctx.last, 1)
    prev_inv, prev_summary = _emissions(ctx, prev_first, prev_last)
    has_prev = not prev_inv.lines.empty
    now = _totals(ctx.summary)
    prev = _totals(prev_summary)
    base: dict[str, float] | None = None
    if baseline_year is not None:
        from greencare.reports.progress import year_inventory

        base_inv, base_summary = year_inventory(ctx, baseline_year)
        base = _totals(base_summary) if not base_inv.lines.empty else None
    rows = []
    for key, name in HEADLINE:
        p = prev[key] if has_prev else np.nan
        b = base[key] if base is not None else np.nan
        rows.append({
            "metric": key, "label": name, "co2e_t": now[key], "previous_t": p,
            "change_vs_previous_pct": (now[key] / p - 1) * 100 if p else np.nan,
            "baseline_t": b,
            "change_vs_baseline_pct": (now[key] / b - 1) * 100 if b else np.nan,
        })  # fmt: skip
    report.add(
        "headline_change", "Emissions against the previous period and the baseline", "sources",
        pd.DataFrame(rows),
        f"Previous period: {prev_first} to {prev_last} (the same months a year earlier)"
        + (f"; baseline: {baseline_year}." if baseline_year is not None else "; no baseline year set."),
    )  # fmt: skip
    if DRIVERS not in report.tables:
        report.add(
            FALLBACK_DRIVERS, "What changed: activity against emission factors", "sources",
            activity_factor_change(prev_inv.lines, ctx.lines) if has_prev else
            pd.DataFrame(columns=["scope", "part", "t_co2e", "explanation"]),
            f"The change of the location-based total from {prev_first}–{prev_last}, split per "
            "source: activity (the change in activity at last year's emission factor) and "
            "emission factor (the change per unit, at this year's activity); the rows add up "
            "to the total change.",
        )  # fmt: skip
    report.add("opportunities", "Reduction opportunities the data shows", "sources",
               opportunities(ctx, report, prev_first, prev_last))  # fmt: skip


def _per_source(lines: pd.DataFrame) -> pd.DataFrame:
    loc = lines[lines["method"] != "market"]
    if loc.empty:
        return pd.DataFrame(columns=["scope", "category", "key", "unit", "activity", "co2e_kg"])
    key = loc["facility_id"].astype(str) + "|" + loc["source"].astype(str)
    loc = loc.assign(key=key, unit=loc["activity_unit"].fillna(""))
    emissions = loc.groupby(["scope", "category", "key", "unit"])["co2e_kg"].sum()
    once = loc.drop_duplicates(["source_type", "source_id", "month", "key"])
    activity = once.groupby(["scope", "category", "key", "unit"])["activity_quantity"].sum()
    return pd.concat({"activity": activity, "co2e_kg": emissions}, axis=1).reset_index()


def activity_factor_change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The change in location-based emissions per (scope, category), split exactly into
    activity ((A1 - A0) x F0) and emission factor ((F1 - F0) x A1) per source; a source in only
    one of the periods is all activity. Rows add up to the change of the total."""
    b, a = _per_source(before), _per_source(after)
    keys = ["scope", "category", "key", "unit"]
    m = b.merge(a, on=keys, how="outer", suffixes=("_0", "_1")).fillna(
        {"activity_0": 0.0, "activity_1": 0.0, "co2e_kg_0": 0.0, "co2e_kg_1": 0.0})  # fmt: skip
    both = (m["activity_0"] > 0) & (m["activity_1"] > 0)
    f0 = np.where(both, m["co2e_kg_0"] / m["activity_0"].where(both, 1.0), 0.0)
    f1 = np.where(both, m["co2e_kg_1"] / m["activity_1"].where(both, 1.0), 0.0)
    change = m["co2e_kg_1"] - m["co2e_kg_0"]
    m["factor"] = np.where(both, (f1 - f0) * m["activity_1"], 0.0)
    m["activity"] = change - m["factor"]
    out = []
    for (scope, category), g in m.groupby(["scope", "category"]):
        name = CATEGORY_LABELS.get(category, category)
        units = sorted(set(g["unit"]) - {""})
        a0, a1 = g["activity_0"].sum(), g["activity_1"].sum()
        act = (f"activity {a0:,.0f} → {a1:,.0f} {units[0]}" if len(units) == 1
               else "activity in several units")  # fmt: skip
        out.append({"scope": scope, "part": f"{name}: activity", "t_co2e": g["activity"].sum()
                    / 1000.0, "explanation": act})  # fmt: skip
        out.append({"scope": scope, "part": f"{name}: emission factors",
                    "t_co2e": g["factor"].sum() / 1000.0,
                    "explanation": "emissions per unit of activity changed (factor editions, "
                    "fuel or supplier mix)"})  # fmt: skip
    frame = pd.DataFrame(out, columns=["scope", "part", "t_co2e", "explanation"])
    frame = frame[frame["t_co2e"].abs() > 1e-9]
    return frame.sort_values("t_co2e", key=lambda s: -s.abs()).reset_index(drop=True)


def opportunities(ctx: Context, report: Report, prev_first: str, prev_last: str) -> pd.DataFrame:
    rows = []
    loc = ctx.lines[ctx.lines["method"] != "market"]
    gases = loc[loc["category"] == "anesthetic_gases"]
    if not gases.empty and gases["co2e_kg"].sum() > 0:
        des = gases.loc[gases["gas"] == "desflurane", "co2e_kg"].sum()
        rows.append({"key": "desflurane", "opportunity": "Desflurane share of anaesthetic gas "
                     "emissions", "value": des / gases["co2e_kg"].sum() * 100, "unit": "%",
                     "benchmark": "0 % where desflurane is removed from the formulary",
                     "detail": f"{des / 1000:,.1f} t CO₂e of desflurane out of "
                     f"{gases['co2e_kg'].sum() / 1000:,.1f} t CO₂e of anaesthetic gases"})  # fmt: skip
    kpis = report["waste_kpis"]
    rmw = kpis.loc[kpis["metric"] == "RMW share of total waste", "value"]
    if len(rmw) and pd.notna(rmw.iloc[0]):
        rows.append({"key": "rmw", "opportunity": "Regulated medical waste share of total waste",
                     "value": float(rmw.iloc[0]), "unit": "%",
                     "benchmark": RMW_BENCHMARK_SOURCE,
                     "detail": f"{float(rmw.iloc[0]) - RMW_BENCHMARK_PCT:+.1f} points against "
                     f"{RMW_BENCHMARK_PCT:g} %"})  # fmt: skip
    before = ctx.activity_for(prev_first, prev_last).energy
    now = ctx.activity.energy
    if not before.empty and not now.empty:
        keys = ["meter_id", "meter", "commodity", "canonical_unit"]
        b = before.groupby(keys)["quantity_canonical"].sum()
        n = now.groupby(keys)["quantity_canonical"].sum()
        both = pd.concat({"before": b, "now": n}, axis=1).dropna()
        both = both[both["before"] > 0]
        if not both.empty:
            both["rise_pct"] = (both["now"] / both["before"] - 1) * 100
            (_, meter, commodity, unit), top = next(
                iter(both.sort_values("rise_pct", ascending=False).iterrows()))  # fmt: skip
            if top["rise_pct"] > 0:
                from greencare.reports.labels import code

                rows.append({"key": "meter_rise", "opportunity": f"Largest meter rise: {meter}",
                             "value": float(top["rise_pct"]), "unit": "%",
                             "benchmark": "no rise",
                             "detail": f"{code(str(commodity))}: {top['before']:,.0f} → "
                             f"{top['now']:,.0f} {unit_text(str(unit))} against the same months "
                             "a year earlier"})  # fmt: skip
    return pd.DataFrame(rows, columns=["key", "opportunity", "value", "unit", "benchmark",
                                       "detail"])  # fmt: skip


def _drivers(report: Report) -> tuple[str, str, str, str, pd.DataFrame]:
    """(table key, part column, value column, detail column, the parts of the location-based
    total's change): the decomposition's rows for "Total (location-based)" without its total and
    change rows when the report has it, else the activity-against-factor split."""
    if DRIVERS in report.tables:
        from greencare.core.decompose import SCOPE_LABELS

        frame = report[DRIVERS]
        label = SCOPE_LABELS["total_location"]
        parts = frame[
            (frame["scope"] == label)
            & (frame["driver"] != "Change")
            & ~frame["driver"].astype(str).str.endswith(" total")
            & (frame["co2e_t"] != 0)
        ]  # fmt: skip  (a part that moved nothing is no driver)
        return DRIVERS, "driver", "co2e_t", "detail", parts
    return FALLBACK_DRIVERS, "part", "t_co2e", "explanation", report[FALLBACK_DRIVERS]


def write_story(ctx: Context, report: Report, baseline_year: int | None) -> Story:
    """The sentences, from the tables (call after every table is built)."""
    story = Story()
    q = _Quote(report, story, _explain(ctx))
    m = report.meta
    from greencare.reports.facility_pages import named

    who = named(m) or "no facility"  # a few by name, else how many
    head = story.block("headline", "What happened")
    h = report["headline_change"]
    total = q("headline_change", ("metric", "total_location"), "co2e_t", "t CO₂e",
              "Total emissions (location-based)")  # fmt: skip
    s12 = q(
        "headline_change",
        ("metric", "scope12_location"),
        "co2e_t",
        "t CO₂e",
        "Scope 1+2 (location-based)",
    )
    head.append(f"{who} emitted {total} from {ctx.first} to {ctx.last}, of which {s12} were "
                "Scopes 1 and 2.")  # fmt: skip
    row = h.set_index("metric").loc["total_location"]
    if pd.notna(row["change_vs_previous_pct"]):
        change = q(
            "headline_change",
            ("metric", "total_location"),
            "change_vs_previous_pct",
            "%",
            "Change vs the previous period",
            signed=True,
        )
        before = q(
            "headline_change",
            ("metric", "total_location"),
            "previous_t",
            "t CO₂e",
            "Total, previous period",
        )
        head.append(f"That is {change} against the same months a year earlier ({before}).")
    else:
        head.append("There is no data for the same months a year earlier to compare with.")
    if pd.notna(row["change_vs_baseline_pct"]):
        head.append(f"Against the baseline year {baseline_year} the total is "
                    + q("headline_change", ("metric", "total_location"), "change_vs_baseline_pct",
                        "%", "Change vs the baseline", signed=True) + ".")  # fmt: skip
    drivers_key, part, value, detail, drivers = _drivers(report)
    full = report[drivers_key]
    why = story.block("drivers", "Why it changed")
    if drivers.empty:
        why.append("Without an earlier period there is no change to explain yet.")
    else:
        ranked = drivers.reindex(drivers[value].abs().sort_values(ascending=False).index)
        for i in ranked.index[:3]:
            said = f" ({drivers.at[i, detail]})" if drivers.at[i, detail] else ""
            why.append(f"{drivers.at[i, part]}: "
                       + q(drivers_key, int(full.index.get_loc(i)), value, "t CO₂e",
                           f"Driver: {drivers.at[i, part]}", signed=True)
                       + f"{said}.")  # fmt: skip
        rest = float(ranked[value].iloc[3:].sum())
        if len(ranked) > 3:
            why.append(f"Everything else together: {'+' if rest > 0 else ''}{fmt(rest)} t CO₂e "
                       f"({len(ranked) - 3} smaller changes, in the table "
                       f"“{report.tables[drivers_key].title}”).")  # fmt: skip
    targets = story.block("targets", "Progress against targets")
    tp = report.tables.get("target_progress")
    if tp is not None and not tp.frame.empty:
        last = tp.frame.sort_values("year").groupby("target_id").tail(1)
        for _, r in last.iterrows():
            idx = int(tp.frame.index.get_loc(r.name))
            so_far = q("target_progress", idx, "reduction_so_far_pct", "%",
                       f"Reduction so far: {r['target']}")  # fmt: skip
            due = q("target_progress", idx, "reduction_due_pct", "%",
                    f"Reduction due: {r['target']}")  # fmt: skip
            status = str(r["status"]).replace("_", " ")
            targets.append(f"{r['target']}: {so_far} below the baseline in {r['period']}, "
                           f"where the straight path asks for {due} ({status}).")  # fmt: skip
    elif baseline_year is not None and "target_scope12_t" in report["progress"]:
        idx = len(report["progress"]) - 1
        now = q("progress", idx, "scope12_location_t", "t CO₂e", "Scope 1+2 this year")
        path = q("progress", idx, "target_scope12_t", "t CO₂e", "Scope 1+2 on the target path")
        on = report["progress"]["on_track"].iloc[-1] == "yes"
        targets.append(f"Scope 1+2 is {now} against {path} on the target path: "
                       + ("on track." if on else "above the path."))  # fmt: skip
    else:
        targets.append("No baseline year is set, so progress cannot be measured yet.")
    box = story.block("limits", "What the data cannot yet support", box=True)
    if m["gaps"]:
        box.append(f"{len(m['gaps'])} sources have no emission factor and are left out of the "
                   "totals (listed on the cover).")  # fmt: skip
    qs = "quality_summary"
    checks = report[qs].set_index("check")["value"]
    if checks.get("Estimated share of site energy", 0):
        box.append(q(qs, ("check", "Estimated share of site energy"), "value", "%",
                     "Estimated share of site energy") + " of site energy is estimated, not "
                   "metered.")  # fmt: skip
    if checks.get("Meter-months missing in the period", 0):
        box.append(q(qs, ("check", "Meter-months missing in the period"), "value", "",
                     "Meter-months missing") + " meter-months have no data.")  # fmt: skip
    unverified = "Emissions from unverified factors (location-based)"
    if checks.get(unverified, 0):
        box.append(q(qs, ("check", unverified), "value", "t CO₂e", "Emissions from unverified "
                     "factors") + " come from emission factors not yet checked against their "
                   "publisher (marked unverified in the factor library).")  # fmt: skip
    if not box:
        box.append("No gaps, estimates or unverified factors in this period.")
    ops = story.block("opportunities", "Where the largest reductions are")
    for i, r in report["opportunities"].iterrows():
        ops.append(f"{r['opportunity']}: "
                   + q("opportunities", int(i), "value", "%", str(r["opportunity"]))  # type: ignore[arg-type]
                   + f" ({r['detail']}; benchmark: {r['benchmark']}).")  # fmt: skip
    if not len(report["opportunities"]):
        ops.append("The data shows no anaesthetic gas, waste or meter rise to act on.")
    return story


def figure_table(story: Story, report: Report) -> pd.DataFrame:
    titles = {k: t.title for k, t in report.tables.items()}
    from greencare.reports.model import label

    return pd.DataFrame(
        [{"figure": f["figure"], "value": f["value"], "unit": f["unit"],
          "table": titles[f["table"]], "column": unit_text(label(f["column"])), "row": f["row"],
          "command": f["command"]} for f in story.figures],
        columns=["figure", "value", "unit", "table", "column", "row", "command"],
    )  # fmt: skip
