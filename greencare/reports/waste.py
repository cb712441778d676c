"""Waste tables: by stream and route, indicators (RMW share, diversion, per bed-day and per
adjusted patient day), cost by class and the monthly series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from greencare.reports.model import Report
from greencare.reports.tables import Context, _currency_cost, normalizers

KG_TO_LB = 1 / 0.45359237
RMW_STREAMS = ("regulated_medical_waste", "sharps", "pathological", "trace_chemotherapy")
DIVERSION_ROUTES = ("recycling", "composting", "anaerobic_digestion", "donation")
#: Reused or reprocessed items are neither waste nor recycling (Practice Greenhealth).
REUSE_ROUTES = ("reuse", "reprocessing")
REUSE_STREAMS = ("reusable_sharps_containers", "reprocessed_devices")


def waste_class(stream: pd.Series, route: pd.Series) -> pd.Series:
    """rmw, diverted, reused (not waste, not recycling) or disposed."""
    out = pd.Series("disposed", index=stream.index, dtype=object)
    out[route.isin(DIVERSION_ROUTES)] = "diverted"
    out[stream.isin(RMW_STREAMS)] = "rmw"
    out[route.isin(REUSE_ROUTES) | stream.isin(REUSE_STREAMS)] = "reused"
    return out


def waste_frame(ctx: Context) -> pd.DataFrame:
    waste = ctx.activity.waste
    if waste.empty:
        return pd.DataFrame(columns=["facility_id", "month", "stream", "route", "quantity_kg",
                                     "cost", "currency", "waste_class"])  # fmt: skip
    waste = waste.copy()
    waste["quantity_kg"] = waste["quantity_kg"].astype(float)
    waste["waste_class"] = waste_class(waste["stream"], waste["route"])
    return waste


def waste_kpis(waste: pd.DataFrame, beds: float, days: int, apd: float) -> dict[str, float]:
    """Total (reused excluded), RMW share, diversion rate and per-bed-day / per-APD figures."""
    by_class = waste.groupby("waste_class")["quantity_kg"].sum()
    total = float(by_class.drop("reused", errors="ignore").sum())
    rmw = float(by_class.get("rmw", 0.0))
    diverted = float(by_class.get("diverted", 0.0))
    bed_days = beds * days
    return {
        "total_kg": total,
        "rmw_kg": rmw,
        "diverted_kg": diverted,
        "reused_kg": float(by_class.get("reused", 0.0)),
        "rmw_pct": rmw / total * 100 if total else float("nan"),
        "diversion_pct": diverted / total * 100 if total else float("nan"),
        "bed_days": bed_days,
        "kg_per_bed_day": total / bed_days if bed_days else float("nan"),
        "adjusted_patient_days": apd,
        "kg_per_apd": total / apd if apd else float("nan"),
    }


def waste_tables(ctx: Context, report: Report) -> None:
    waste = waste_frame(ctx)
    by_stream = waste.groupby(["stream", "route", "waste_class"])["quantity_kg"].sum().reset_index()
    by_stream = by_stream.merge(
        _currency_cost(waste, ["stream", "route"]), on=["stream", "route"], how="left"
    )
    by_stream["quantity_lb"] = by_stream["quantity_kg"] * KG_TO_LB
    by_stream["cost_per_tonne"] = by_stream["cost"] / (by_stream["quantity_kg"] / 1000.0)
    report.add(
        "waste_by_stream",
        "Waste by stream and route",
        "waste",
        by_stream[
            [
                "stream",
                "route",
                "waste_class",
                "quantity_kg",
                "quantity_lb",
                "cost",
                "currency",
                "cost_per_tonne",
            ]
        ].sort_values(["stream", "route"]),
        "Class: rmw = regulated medical waste, sharps, pathological, trace chemotherapy; "
        "diverted = recycling, composting, anaerobic digestion, donation; reused = reusable "
        "sharps containers and reprocessed devices (not waste, not counted as recycling).",
    )
    norm = normalizers(ctx.db, ctx.months, ctx.facility_ids)
    beds = float(ctx.facilities["staffed_beds"].fillna(0).sum())
    k = waste_kpis(waste, beds, ctx.days, float(norm["adjusted_patient_days"].sum()))
    rows = [
        ("Total waste (reused items excluded)", k["total_kg"], "kg"),
        ("Total waste (reused items excluded)", k["total_kg"] * KG_TO_LB, "lb"),
        ("Regulated medical waste (RMW)", k["rmw_kg"], "kg"),
        ("RMW share of total waste", k["rmw_pct"], "%"),
        ("Diverted (recycled, composted, digested, donated)", k["diverted_kg"], "kg"),
        ("Recycling / diversion rate", k["diversion_pct"], "%"),
        ("Reused or reprocessed (not counted)", k["reused_kg"], "kg"),
        ("Staffed beds", beds, "beds"),
        ("Staffed bed-days in the period", k["bed_days"], "bed-days"),
        ("Waste per staffed bed per day", k["kg_per_bed_day"], "kg/bed-day"),
        ("Waste per staffed bed per day", k["kg_per_bed_day"] * KG_TO_LB, "lb/bed-day"),
        ("Adjusted patient days", k["adjusted_patient_days"], "days"),
        ("Waste per adjusted patient day", k["kg_per_apd"], "kg/APD"),
        ("Waste per adjusted patient day", k["kg_per_apd"] * KG_TO_LB, "lb/APD"),
    ]
    report.add("waste_kpis", "Waste indicators", "waste",
               pd.DataFrame(rows, columns=["metric", "value", "unit"]))  # fmt: skip
    report.meta["_waste_kpis"] = k  # used by headline(); removed before writing
    cost = waste.groupby(["waste_class"])["quantity_kg"].sum().reset_index()
    cost = cost.merge(_currency_cost(waste, ["waste_class"]), on="waste_class", how="left")
    cost["cost_per_tonne"] = cost["cost"] / (cost["quantity_kg"] / 1000.0)
    report.add("waste_cost_by_class", "Waste cost by class", "waste",
               cost.sort_values("waste_class"))  # fmt: skip
    monthly = waste.pivot_table(
        index="month", columns="waste_class", values="quantity_kg", aggfunc="sum", fill_value=0.0
    ).reindex(ctx.months, fill_value=0.0)
    out = pd.DataFrame({"month": ctx.months})
    for c in ("rmw", "disposed", "diverted", "reused"):
        out[f"{c}_kg" if c != "disposed" else "disposed_kg"] = (
            monthly[c].to_numpy(float) if c in monthly else 0.0
        )
    out["total_kg"] = out["rmw_kg"] + out["disposed_kg"] + out["diverted_kg"]
    out["diversion_pct"] = np.where(out["total_kg"] > 0, out["diverted_kg"] / out["total_kg"] * 100,
                                    np.nan)  # fmt: skip
    report.add("waste_by_month", "Waste by month", "waste", out)
