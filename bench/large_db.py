"""Benchmark: what stays flat as the readings table grows (import, undo, dashboard, report).

Run by hand: ``python bench/large_db.py [--sizes 1M,5M,10M] [--meters 20] [--repeat 3]``.

One throw-away database grows through the given sizes: 10 US hospitals (each with a floor
area, beds and an eGRID subregion) share ``--meters`` hourly electricity meters. Every size
holds the same window, January 2024 to January 2025 (what the dashboard and the 2024 report
read); each step adds older history before it (``storage.readings.insert_frame`` in
500,000-row chunks, which keeps the monthly and hourly roll-ups current, as an import does).
At each size it times, ``--repeat`` times each, alternating with the same work on a copy of
the smallest database (the peer, so the machine's load drops out of the ratio):

  1. ``import``: ``services.import_readings`` of one more file, one day of 15-minute readings
     for every meter just after the window (1,920 rows at 20 meters);
  2. ``undo``: ``services.imports.undo`` of that batch (the database is back as it was);
  3. ``dashboard``: ``services.dashboard.dashboard(db)``, the Dashboard's figures, all sites;
  4. ``report``: ``services.reports.build(db, year=2024)``, the annual report.

It prints each median with its ratio to the peer's (1.00: no slower than the smallest size),
and the growth exponent b (time ~ size^b) from the smallest to the largest size, with what it
gives at 50M and 700M readings.

Measured on the project's 2-core machine with other work beside it (the load average was 4-7,
so single figures move by a factor of 2; trust the trend over several sizes, not one cell).
Before the peer was added, ``--sizes 250k,1M,2M,4M --repeat 3`` gave medians of

    readings     import    undo      dashboard  report
    250,000      0.358 s   0.600 s   0.515 s    4.517 s
    1,000,000    0.175 s   0.528 s   0.726 s    3.768 s
    2,000,000    0.188 s   0.381 s   0.493 s    6.268 s
    4,000,000    0.139 s   0.265 s   0.457 s    2.213 s

and with the peer, ``--sizes 1M,5M,10M --repeat 3`` (median, and its ratio to the peer, a
copy of the 1M database timed alternately with it; at 1M the two are the same database, so
that row's distance from x1.00 is the noise):

    readings     import           undo             dashboard        report
    1,000,000    0.138 s (x0.73)  0.272 s (x0.62)  0.416 s (x1.15)  3.378 s (x1.64)
    5,000,000    0.118 s (x1.05)  0.278 s (x1.19)  0.486 s (x1.26)  2.462 s (x1.03)
    10,000,000   0.119 s (x0.96)  0.219 s (x0.80)  0.393 s (x1.04)  2.372 s (x1.09)

At 10M readings every operation took what it took on the 1M database beside it (x0.80 to
x1.09). The exponents it printed from the peer ratios, relative to the 1M row's, were import
+0.12, undo +0.11, dashboard -0.04, report -0.18: taken at face value (they are within the
noise of the 1M row), 700M readings would cost at most 2.2x the 1M figures (import ~0.3 s,
undo ~0.6 s) and the dashboard and the report the same.

None of the four reads the readings table beyond the rows it touches: an import reads each
meter's last reading and recent rates through the (meter, start) index, an undo the batch's id
range, the dashboard and the report the monthly roll-up, which grows with meters x months, not
with readings. In the first run (no peer) they also stayed flat while the table grew
sixteen-fold (exponents from -0.34 to -0.04). Extrapolating flat times to 50M and 700M readings
is what the exponents say; what does grow is the database file, and ``greencare check``, which
reads every reading.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from greencare import services
from greencare.importers.base import ImportOptions
from greencare.services import dashboard, imports
from greencare.services.reports import build as build_report
from greencare.storage import readings

GRIDS = ["RFCE", "CAMX", "ERCT", "NYCW", "MROW", "SRSO", "NWPP", "RFCW", "NEWE", "AZNM"]
FACILITIES = 10
STEP = 3600  # hourly interval readings (rolled up into reading_hours like 15-minute ones)
WINDOW_START = 1704067200  # 2024-01-01T00:00:00Z: the window every size holds alike ...
WINDOW_END = 1738368000  # 2025-02-01T00:00:00Z: ... 13 months, the report's year and more
REPORT_YEAR = 2024
CHUNK = 500_000
OPERATIONS = ("import", "undo", "dashboard", "report")


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def setup(path: Path, meters: int) -> list[int]:
    db = services.open_db(path)
    ids = []
    with db.atomic():
        for f in range(FACILITIES):
            services.add_facility(db, name=f"Hospital {f:02d}", country="US",
                                  grid_region=GRIDS[f % len(GRIDS)], timezone="America/New_York",
                                  floor_area="400000 ft**2", staffed_beds=250)  # fmt: skip
        for m in range(meters):
            meter = services.add_meter(db, facility=f"Hospital {m % FACILITIES:02d}",
                                       name=f"Interval {m:03d}", commodity="electricity",
                                       unit="kWh")  # fmt: skip
            ids.append(int(meter.id or 0))
    db.close()
    return ids


def insert(path: Path, ids: list[int], first: int, last: int, rng: np.random.Generator) -> None:
    """Readings of every meter at the steps from ``first`` to ``last`` (epoch seconds), in
    chunks, newest chunk first: history is added before what is stored, so the window the
    dashboard and the report read is the same at every size."""
    db = services.open_db(path)
    meter = np.array(ids, dtype=np.int64)
    per_chunk = max(1, CHUNK // len(ids)) * STEP
    with db.atomic():
        hi = last
        while hi > first:
            lo = max(first, hi - per_chunk)
            steps = np.arange(lo, hi, STEP, dtype=np.int64)
            start = np.tile(steps, len(meter))  # by meter, then time
            qty = rng.uniform(20.0, 200.0, len(start)).round(3)
            frame = pd.DataFrame({
                "meter_id": np.repeat(meter, len(steps)), "start_utc": start,
                "end_utc": start + STEP, "quantity": qty, "unit": "kWh",
                "quantity_canonical": qty, "cost": np.nan, "currency": None, "estimated": 0,
                "source": "bench", "batch_id": None,
            })  # fmt: skip
            readings.insert_frame(db, frame)
            hi = lo
            done = (last - hi) // STEP * len(ids)
            print(f"\r  {done:,} readings added", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    db.execute("ANALYZE")
    db.close()


def day_file(path: Path, meters: int) -> Path:
    """One day of 15-minute readings for every meter, just after the window (UTC offsets)."""
    lines = ["meter,start,end,quantity,unit"]
    for m in range(meters):
        for k in range(96):
            t = WINDOW_END + k * 900
            a = datetime.fromtimestamp(t, UTC).isoformat()
            b = datetime.fromtimestamp(t + 900, UTC).isoformat()
            lines.append(f"Interval {m:03d},{a},{b},{100 + (m * 7 + k) % 50}.125,kWh")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(work) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = work()
    return time.perf_counter() - t0, out


def measure(path: Path, csv_path: Path, year: int) -> dict[str, float]:
    db = services.open_db(path)
    try:
        options = ImportOptions(format="csv", decimal=".")
        t_import, result = timed(lambda: imports.import_readings(db, csv_path, options))
        assert result.status == "imported", result.as_dict()["errors"][:3]
        t_undo, _ = timed(lambda: imports.undo(db, int(result.batch_id)))
        t_dash, figures = timed(lambda: dashboard.dashboard(db))
        assert figures["month"] is not None
        t_report, _ = timed(lambda: build_report(db, year=year))
    finally:
        db.close()
    return {"import": t_import, "undo": t_undo, "dashboard": t_dash, "report": t_report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M,5M,10M", help="readings, e.g. 250k,1M,2M")
    parser.add_argument("--meters", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        sizes = sorted(parse_size(s) for s in args.sizes.split(","))
    except ValueError:
        parser.error(f"--sizes: not a list of sizes: {args.sizes!r} (e.g. 250k,1M,2M)")
    rng = np.random.default_rng(3)
    results: list[tuple[int, dict[str, float], dict[str, float]]] = []
    window = (WINDOW_END - WINDOW_START) // STEP * args.meters
    if sizes[0] < window:
        parser.error(
            f"--sizes: the smallest must hold the {window:,}-reading window "
            f"({(WINDOW_END - WINDOW_START) // STEP:,} hours x {args.meters} meters)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.db"
        peer = Path(tmp) / "peer.db"
        ids = setup(path, args.meters)
        csv_path = day_file(Path(tmp) / "day.csv", args.meters)
        first = WINDOW_END
        for size in sizes:
            t0 = time.perf_counter()
            target = WINDOW_END - math.ceil(size / args.meters) * STEP
            insert(path, ids, target, first, rng)
            first = target
            count = (WINDOW_END - first) // STEP * args.meters
            print(f"{count:,} readings (added in {time.perf_counter() - t0:.1f} s)")
            if not results:  # the peer: a copy of the smallest database, timed alongside
                copy(path, peer)
                measure(path, csv_path, REPORT_YEAR)  # once: imports, unit registry, factors
                measure(peer, csv_path, REPORT_YEAR)  # and the peer's own first (cold) run
            runs, peers = [], []
            for _ in range(args.repeat):  # alternating, so both see the same machine load
                runs.append(measure(path, csv_path, REPORT_YEAR))
                peers.append(measure(peer, csv_path, REPORT_YEAR))
            median = {op: statistics.median(r[op] for r in runs) for op in OPERATIONS}
            ratio = {op: median[op] / statistics.median(r[op] for r in peers) for op in OPERATIONS}
            results.append((count, median, ratio))
            print("  " + "  ".join(f"{op} {median[op]:.3f} s (x{ratio[op]:.2f})"
                                   for op in OPERATIONS))  # fmt: skip
    base_size = results[0][0]
    print("\nmedian time, and in brackets its ratio to the peer run beside it (the smallest")
    print("database, timed alternately with this one: 1.00 means no slower than there)")
    print(f"{'readings':>12}  " + "  ".join(f"{op:>17}" for op in OPERATIONS))
    for size, median, ratio in results:
        cells = [f"{median[op]:7.3f} s (x{ratio[op]:4.2f})" for op in OPERATIONS]
        print(f"{size:>12,}  " + "  ".join(cells) + f"   (size x{size / base_size:.1f})")
    if len(results) > 1:
        top_size, _top, top_ratio = results[-1]
        base_ratio = results[0][2]  # the smallest size against its own copy: 1 but for noise
        print("\ngrowth exponent b of the peer ratio (time ~ size^b; 0 = flat, 1 = linear) and")
        print("what it gives at 50M and 700M readings, as a multiple of the smallest size's time:")
        for op in OPERATIONS:
            growth = max(top_ratio[op] / base_ratio[op], 1e-9)
            b = math.log(growth) / math.log(top_size / base_size)
            at = {n: (n / base_size) ** max(b, 0.0) for n in (50e6, 700e6)}
            print(f"  {op:>9}: b = {b:+.2f}; 50M ~ x{at[50e6]:.2f}, 700M ~ x{at[700e6]:.2f}")


def copy(source: Path, target: Path) -> None:
    """A consistent copy of a database (SQLite's backup API, WAL and all)."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


if __name__ == "__main__":
    main()
