"""Benchmark: bulk setup import (facilities, meters, normalizers) against a raw insert floor.

Run by hand: ``python bench/setup_import.py [--sites 200] [--meters 5] [--months 36]
[--repeat 3]``.

Writes facilities.csv, meters.csv and normalizers.csv for a health system (by default 200
sites x 5 meters x 36 months: 200 + 1,000 + 7,200 rows), then times, alternating, each run
into a fresh database file:
  1. the floor: sqlite-utils ``insert_all`` of the same rows (parsed from the same CSVs) into
     bare tables, one transaction per file, no validation, no audit;
  2. ``services.import_setup`` of the three files into a new greencare database (validation
     through the form services, create-or-update look-ups, an audit entry per row, one
     transaction and one batch per file).
Prints the median seconds of each file and in all, rows per second and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FILES = ("facilities", "meters", "normalizers")


def write_files(folder: Path, sites: int, meters: int, months: int) -> dict[str, Path]:
    paths = {kind: folder / f"{kind}.csv" for kind in FILES}
    with paths["facilities"].open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["name", "kind", "country", "region", "postcode", "grid_region", "timezone",
                    "floor_area", "floor_area_unit", "staffed_beds"])  # fmt: skip
        for i in range(sites):
            w.writerow([f"Site {i:04d}", "hospital", "US", "PA", f"{19000 + i}", "RFCE",
                        "America/New_York", 100_000 + 997 * i, "ft**2", 50 + i % 400])  # fmt: skip
    kinds = [("electricity", "kWh"), ("natural_gas", "therm"), ("water", "kgal"),
             ("district_steam", "klb"), ("diesel", "US_gallon")]  # fmt: skip
    with paths["meters"].open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["facility", "name", "commodity", "unit", "delivery_class"])
        for i in range(sites):
            for j in range(meters):
                commodity, unit = kinds[j % len(kinds)]
                delivery = "bulk_delivery" if commodity == "diesel" else "metered"
                w.writerow([f"Site {i:04d}", f"Meter {j}", commodity, unit, delivery])
    with paths["normalizers"].open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["facility", "month", "patient_days", "adjusted_patient_days", "ftes"])
        for i in range(sites):
            for m in range(months):
                month = f"{2023 + m // 12}-{m % 12 + 1:02d}"
                w.writerow([f"Site {i:04d}", month, 7000 + m, 13000 + m, 1800.5])
    return paths


def floor(paths: dict[str, Path], db_path: Path) -> dict[str, float]:
    """sqlite-utils insert_all of the parsed rows, one transaction per file."""
    from sqlite_utils import Database

    db = Database(db_path)
    times = {}
    for kind in FILES:
        t0 = time.perf_counter()
        with paths[kind].open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        with db.conn:
            db[kind].insert_all(rows, batch_size=1000)
        times[kind] = time.perf_counter() - t0
    db.close()
    return times


def greencare(paths: dict[str, Path], db_path: Path) -> dict[str, float]:
    from greencare import services

    db = services.open_db(db_path)
    times = {}
    for kind in FILES:
        t0 = time.perf_counter()
        result = services.import_setup(db, paths[kind], source="bench")
        times[kind] = time.perf_counter() - t0
        if result.status != "imported":
            raise SystemExit(f"{kind}: {result.status}: {[p.text(kind) for p in result.errors]}")
    db.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--meters", type=int, default=5)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = write_files(work, args.sites, args.meters, args.months)
        counts = {k: sum(1 for _ in p.open()) - 1 for k, p in paths.items()}
        runs: dict[str, list[dict[str, float]]] = {"floor": [], "greencare": []}
        for i in range(args.repeat):
            runs["floor"].append(floor(paths, work / f"floor-{i}.db"))
            runs["greencare"].append(greencare(paths, work / f"greencare-{i}.db"))
    print(f"setup import: {args.sites} sites x {args.meters} meters x {args.months} months, "
          f"median of {args.repeat}")  # fmt: skip
    print(f"{'file':<12} {'rows':>6} {'floor s':>9} {'greencare s':>12} {'rows/s':>9} {'ratio':>7}")
    totals = {"floor": 0.0, "greencare": 0.0}
    for kind in FILES:
        f = statistics.median(r[kind] for r in runs["floor"])
        g = statistics.median(r[kind] for r in runs["greencare"])
        totals["floor"] += f
        totals["greencare"] += g
        print(f"{kind:<12} {counts[kind]:>6,} {f:>9.3f} {g:>12.3f} {counts[kind] / g:>9,.0f} "
              f"{g / f:>6.0f}x")  # fmt: skip
    rows = sum(counts.values())
    print(f"{'all':<12} {rows:>6,} {totals['floor']:>9.3f} {totals['greencare']:>12.3f} "
          f"{rows / totals['greencare']:>9,.0f} {totals['greencare'] / totals['floor']:>6.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
