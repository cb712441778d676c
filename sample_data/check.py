"""Recompute the sample_data/README.md summary table from the CSV files (stdlib only).

    python sample_data/check.py

Bills are calendarized by spreading each bill's quantity evenly over the days of its inclusive
period; bulk deliveries count on the delivery date (Portfolio Manager's convention for bulk
fuels); 15-minute interval readings count on the local date of their start. Site energy uses
Portfolio Manager thermal conversions (kBtu per unit) and includes on-site solar generation.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEARS = (2024, 2025)

KBTU_PER_UNIT = {  # ENERGY STAR Portfolio Manager thermal conversions
    "kWh": 3.412,
    "MWh": 3412.0,
    "therm": 100.0,
    "MMBtu": 1000.0,
    "kBtu": 1.0,
    "klb": 1194.0,  # district steam
    "US_gallon": 138.0,  # diesel / fuel oil No.2
    "litre": 36.456,  # diesel / fuel oil No.2
}
M3_PER_UNIT = {"m**3": 1.0, "kgal": 3.785411784}  # water
LB_PER_UNIT = {"lb": 1.0, "kg": 2.20462262, "tonne": 2204.62262}
FT2_PER_UNIT = {"ft**2": 1.0, "m**2": 10.7639104}
RMW_STREAMS = {"regulated_medical_waste", "sharps", "pathological", "trace_chemotherapy"}
NOT_WASTE_ROUTES = {"reuse", "reprocessing"}  # avoided waste: outside the total (PGH)
DIVERSION_ROUTES = {"recycling", "composting", "anaerobic_digestion", "donation"}


def read(name: str) -> list[dict[str, str]]:
    with open(HERE / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def main() -> None:
    facilities = {row["name"]: row for row in read("facilities.csv")}
    meters = {(row["facility"], row["name"]): row for row in read("meters.csv")}

    energy: dict[tuple[str, int], float] = defaultdict(float)  # kBtu
    water: dict[tuple[str, int], float] = defaultdict(float)  # m3
    by_meter: dict[tuple[str, str, int], float] = defaultdict(float)  # native unit
    for bill in read("bills.csv"):
        meter = meters[(bill["facility"], bill["meter"])]
        period = day_range(date.fromisoformat(bill["start"]), date.fromisoformat(bill["end"]))
        per_day = float(bill["quantity"]) / len(period)
        for d in period:
            if d.year not in YEARS:
                continue
            by_meter[(bill["facility"], bill["meter"], d.year)] += per_day
            if meter["commodity"] == "water":
                water[(bill["facility"], d.year)] += per_day * M3_PER_UNIT[bill["unit"]]
            else:
                energy[(bill["facility"], d.year)] += per_day * KBTU_PER_UNIT[bill["unit"]]
    rows_per_day: dict[date, int] = defaultdict(int)
    for reading in read("interval_electricity.csv"):
        start = datetime.fromisoformat(reading["start"])
        rows_per_day[start.date()] += 1
        key = (reading["facility"], reading["meter"], start.year)
        by_meter[key] += float(reading["quantity"])
        energy[(reading["facility"], start.year)] += (
            float(reading["quantity"]) * KBTU_PER_UNIT[reading["unit"]]
        )

    waste: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in read("waste.csv"):
        year = date.fromisoformat(row["start"]).year
        if row["route"] in NOT_WASTE_ROUTES:
            continue
        lb = float(row["quantity"]) * LB_PER_UNIT[row["unit"]]
        totals = waste[(row["facility"], year)]
        totals["total"] += lb
        totals["rmw"] += lb if row["stream"] in RMW_STREAMS else 0.0
        totals["recycling"] += lb if row["route"] == "recycling" else 0.0
        totals["diversion"] += lb if row["route"] in DIVERSION_ROUTES else 0.0

    print(
        "| Facility | Year | Site energy (MMBtu) | Site EUI (kBtu/ft²) | Water (m³) "
        "| Waste (lb/bed/day) | Waste (kg/bed/day) | RMW % | Recycling % | Diversion % |"
    )
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for name, fac in facilities.items():
        ft2 = float(fac["floor_area"]) * FT2_PER_UNIT[fac["floor_area_unit"]]
        beds = int(fac["staffed_beds"])
        for year in YEARS:
            kbtu = energy[(name, year)]
            w = waste[(name, year)]
            per_bed_day = w["total"] / beds / (date(year, 12, 31).timetuple().tm_yday)
            shares = [100 * w[k] / w["total"] for k in ("rmw", "recycling", "diversion")]
            print(
                f"| {name} | {year} | {kbtu / 1000:,.0f} | {kbtu / ft2:.0f} "
                f"| {water[(name, year)]:,.0f} | {per_bed_day:.1f} "
                f"| {per_bed_day / LB_PER_UNIT['kg']:.1f} "
                + "".join(f"| {x:.1f} " for x in shares)
                + "|"
            )

    print("\nAnnual quantity per meter (native unit; calendarized):\n")
    print("| Facility | Meter | Unit | 2024 | 2025 |")
    print("|---|---|---|--:|--:|")
    for (fac_name, meter_name), meter in meters.items():
        q = [by_meter[(fac_name, meter_name, y)] for y in YEARS]
        print(f"| {fac_name} | {meter_name} | {meter['unit']} | {q[0]:,.0f} | {q[1]:,.0f} |")

    quantities: dict[tuple[str, str, str, str, int], float] = defaultdict(float)
    spend: dict[tuple[str, str, int], float] = defaultdict(float)
    for row in read("purchases.csv"):
        year = int(row["date"][:4])
        if row["item"]:
            item_key = (row["facility"], row["category"], row["item"], row["unit"], year)
            quantities[item_key] += float(row["quantity"])
        else:
            spend[(row["facility"], row["currency"], year)] += float(row["spend"])
    print("\nQuantity-based purchases (sum per year):\n")
    print("| Facility | Category | Item | Unit | 2024 | 2025 |")
    print("|---|---|---|---|--:|--:|")
    order = list(facilities)
    for who, cat, item, unit in sorted(
        {k[:4] for k in quantities}, key=lambda k: (order.index(k[0]), k[1:])
    ):
        q = [quantities[(who, cat, item, unit, y)] for y in YEARS]
        print(f"| {who} | {cat} | {item} | {unit} | {q[0]:,.1f} | {q[1]:,.1f} |")
    print("\nSpend-based purchases (NAICS lines, sum per year):\n")
    for (who, currency, year), total in sorted(spend.items(), key=lambda kv: order.index(kv[0][0])):
        print(f"- {who} {year}: {total / 1e6:,.1f} million {currency}")

    cp = [by_meter[("Riverside General Hospital", "Central plant electric", y)] for y in YEARS]
    short = {d.isoformat(): n for d, n in rows_per_day.items() if n != 96}
    print(f"\nCentral plant electric 2025 interval / 2024 bills: {cp[1] / cp[0]:.3f}")
    print(f"Interval rows: {sum(rows_per_day.values())}; days without 96 intervals: {short}")


if __name__ == "__main__":
    main()
