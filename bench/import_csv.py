"""Benchmark: `greencare import` of a large interval CSV against the raw sqlite3 `.import` floor.

Run by hand: ``python bench/import_csv.py [--rows 1000000] [--meters 50] [--repeat 3]``.

Writes an interval CSV (50 meters, 15-minute readings, ISO 8601 with offsets, units mixed
between kWh, Wh and MWh), then times, side by side and alternating:
  1. the floor: the sqlite3 command-line ``.import`` of the same file into a bare table;
  2. ``greencare import`` of it (validation, unit conversion, overlap checks, roll-ups,
     one transaction) into a database that has the 50 meters.
Each run is a fresh database in a subprocess; peak RSS comes from getrusage of the child.
Prints medians, rows per second, the ratio to the floor and peak memory.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

UNITS = [("kWh", 1.0), ("Wh", 1000.0), ("MWh", 0.001)]


def write_csv(path: Path, rows: int, meters: int) -> None:
    rng = random.Random(7)
    per_meter = rows // meters
    start = datetime(2025, 1, 1, 5, tzinfo=UTC)
    offset = timedelta(hours=-5)
    step = timedelta(minutes=15)
    with path.open("w", encoding="utf-8") as out:
        out.write("meter,start,end,quantity,unit\n")
        for i in range(per_meter):
            t0 = start + i * step
            a = (t0 + offset).replace(tzinfo=None).isoformat() + "-05:00"
            b = (t0 + step + offset).replace(tzinfo=None).isoformat() + "-05:00"
            for m in range(meters):
                unit, scale = UNITS[m % 3]
                out.write(f"M{m:02d},{a},{b},{rng.uniform(20, 200) * scale:.4f},{unit}\n")


def run_child(args: list[str]) -> tuple[float, int]:
    """Wall time and the child's peak RSS in MB (Linux ru_maxrss is in KB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024


def floor(csv_path: Path, work: Path) -> tuple[float, int]:
    db = work / "floor.db"
    db.unlink(missing_ok=True)
    script = (
        "CREATE TABLE r (meter TEXT, start TEXT, end TEXT, quantity REAL, unit TEXT);\n"
        f".import --csv --skip 1 {csv_path} r\n"
    )
    script_path = work / "floor.sql"
    script_path.write_text(script)
    return run_child(["sqlite3", str(db), f".read {script_path}"])


def greencare(csv_path: Path, work: Path, meters: int) -> tuple[float, int]:
    db = work / "gc.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    setup = (
        "from greencare import services\n"
        f"db = services.open_db({str(db)!r})\n"
        "f = services.add_facility(db, name='Bench', country='US', grid_region='RFCE')\n"
        f"for m in range({meters}):\n"
        "    services.add_meter(db, facility=f.id, name=f'M{m:02d}', commodity='electricity')\n"
    )
    subprocess.run([sys.executable, "-c", setup], check=True)
    exe = shutil.which("greencare") or "greencare"
    return run_child([exe, "--db", str(db), "import", str(csv_path), "--json"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--meters", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "intervals.csv"
        write_csv(csv_path, args.rows, args.meters)
        size = os.path.getsize(csv_path) / 1e6
        print(f"{args.rows:,} rows, {args.meters} meters, {size:.0f} MB CSV")
        floors, ours, rss_floor, rss_ours = [], [], [], []
        for _ in range(args.repeat):  # alternate, so both see the same machine load
            t, rss = floor(csv_path, work)
            floors.append(t)
            rss_floor.append(rss)
            t, rss = greencare(csv_path, work, args.meters)
            ours.append(t)
            rss_ours.append(rss)
        f, g = statistics.median(floors), statistics.median(ours)
        print(f"sqlite3 .import (floor): median {f:.2f} s, {args.rows / f:,.0f} rows/s")
        print(f"greencare import:        median {g:.2f} s, {args.rows / g:,.0f} rows/s")
        print(f"ratio greencare/floor:   {g / f:.2f} (target <= 3)")
        print(f"peak RSS: greencare {max(rss_ours)} MB (target < 500 MB at 5M rows)")


if __name__ == "__main__":
    main()
