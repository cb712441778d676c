"""Benchmark: a five-year GHG inventory for 50 facilities from monthly activity.

Run by hand: ``python bench/inventory.py [--facilities 50] [--years 5] [--repeat 3]``.
Builds a throw-away database (monthly bills for electricity, gas, steam or oil and water per
facility, monthly waste by stream, monthly purchases), then times ``services.emissions`` over
the whole period and prints the median of the runs with the sizes involved. Activity years are
2024 onward so every year has a factor edition (2024 uses EPA Hub 2024, later years 2025).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from greencare import services
from greencare.core import periods, units
from greencare.storage import readings

US_GRIDS = ["CAMX", "RFCE", "ERCT", "NYCW", "MROW", "SRSO", "NWPP", "RFCW", "NEWE", "AZNM"]
FIRST_YEAR = 2024


def build(path: Path, n_facilities: int, n_years: int) -> dict[str, int]:
    rng = random.Random(42)
    db = services.open_db(path)
    counts = {"readings": 0, "waste": 0, "purchases": 0}
    with db.atomic():
        for i in range(n_facilities):
            uk = i % 5 == 4
            fac = services.add_facility(
                db,
                name=f"Hospital {i:02d}",
                country="GB" if uk else "US",
                grid_region="GB" if uk else US_GRIDS[i % len(US_GRIDS)],
                floor_area="60000 m**2" if uk else "500000 ft**2",
                staffed_beds=300,
                source="bench",
            )
            plan = [
                ("Electricity", "electricity", "kWh", 1_000_000),
                ("Gas", "natural_gas", "kWh" if uk else "therm", 2_000_000 if uk else 60_000),
                ("Oil", "fuel_oil_2", "litre" if uk else "US_gallon", 2_000),
                ("Water", "water", "m**3" if uk else "kgal", 9_000 if uk else 2_500),
            ]
            if not uk:
                plan.append(("Steam", "district_steam", "klb", 600))
            rows = []
            for name, commodity, unit, base in plan:
                m = services.add_meter(
                    db, facility=fac.id, name=name, commodity=commodity, unit=unit, source="bench"
                )
                factor = units.conversion_factor(unit, commodity)
                for year in range(FIRST_YEAR, FIRST_YEAR + n_years):
                    for month in range(1, 13):
                        start = periods.parse_instant(f"{year}-{month:02d}-01", fac.timezone)
                        nxt = f"{year + month // 12}-{month % 12 + 1:02d}-01"
                        end = periods.parse_instant(nxt, fac.timezone)
                        qty = base * rng.uniform(0.8, 1.2)
                        rows.append(
                            (m.id, periods.to_epoch(start), periods.to_epoch(end), qty, unit,
                             qty * factor, qty * 0.1, "GBP" if uk else "USD", 0, "bench", None)
                        )  # fmt: skip
            counts["readings"] += readings.insert_rows(db, rows)
            for year in range(FIRST_YEAR, FIRST_YEAR + n_years):
                for month in range(1, 13):
                    first = f"{year}-{month:02d}-01"
                    last = f"{year}-{month:02d}-28"
                    for stream, route, qty in (
                        ("solid_waste", "landfill", 60_000),
                        ("regulated_medical_waste", "autoclave_landfill", 9_000),
                        ("mixed_recycling", "recycling", 15_000),
                    ):
                        services.add_waste(
                            db, facility=fac.id, start_date=first, end_date=last, stream=stream,
                            route=route, quantity=qty * rng.uniform(0.9, 1.1), unit="lb",
                            source="bench",
                        )  # fmt: skip
                        counts["waste"] += 1
                    services.add_purchase(
                        db, facility=fac.id, date=last, category="anesthetic_gas",
                        item="sevoflurane", quantity=rng.randint(80, 160), unit="bottle",
                        source="bench",
                    )  # fmt: skip
                    counts["purchases"] += 1
                    if not uk:
                        services.add_purchase(
                            db, facility=fac.id, date=last, category="325412",
                            spend=rng.uniform(1e6, 3e6), currency="USD", source="bench",
                        )  # fmt: skip
                        counts["purchases"] += 1
    db.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilities", type=int, default=50)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        counts = build(path, args.facilities, args.years)
        print(f"built {path.name}: {counts} in {time.perf_counter() - t0:.1f} s")
        db = services.open_db(path)
        roll = db.execute("SELECT count(*) FROM reading_months").fetchone()[0]
        last = f"{FIRST_YEAR + args.years - 1}-12"
        timings = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            inventory, summary = services.emissions(db, start=f"{FIRST_YEAR}-01", end=last)
            timings.append(time.perf_counter() - t0)
        print(
            f"inventory {FIRST_YEAR}-01..{last}, {args.facilities} facilities: "
            f"{roll:,} meter-months, {len(inventory.lines):,} lines, "
            f"total {summary['totals_t']['total_location']:,.0f} t CO2e"
        )
        print(
            f"time: median {statistics.median(timings):.2f} s "
            f"(runs: {', '.join(f'{t:.2f}' for t in timings)})"
        )


if __name__ == "__main__":
    main()
