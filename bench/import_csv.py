"""Benchmark: `greencare import` of a large interval CSV against the raw sqlite3 `.import` floor.

Run by hand: ``python bench/import_csv.py [--rows 1000000] [--meters 50] [--repeat 3]``,
or ``python bench/import_csv.py --case bills [--meters 5000] [--months 20]`` for monthly bills
at system scale.

``--case intervals`` (the default) writes an interval CSV (50 meters, 15-minute readings, ISO 8601 with offsets, units mixed
between kWh, Wh and MWh), then times, side by side and alternating:
  1. the floor: the sqlite3 command-line ``.import`` of the same file into a bare table;
  2. ``greencare import`` of it (validation, unit conversion, overlap checks, roll-ups,
     one transaction) into a database that has the 50 meters.
Each run is a fresh database in a subprocess; peak RSS comes from getrusage of the child.
Prints medians, rows per second, the ratio to the floor and peak memory.

``--case bills`` writes one bill a month per meter (dates without times, so every period is
localised in its facility's time zone; electricity in kWh or MWh, gas in therms or ccf, with a
cost) for 5,000 meters in 100 facilities over four US time zones: 100,000 bills. The database
with the facilities and meters is built once and copied for each run; the floor is the same
``.import`` of the file. It also times an import of the file's first bill alone: the fixed cost
(start-up, imports, one transaction), so the rows' own cost is the difference. Target: within
5x the floor.

greencare's modules are byte-compiled first, as installing a package does, and each run's CPU
time (user + system, from getrusage) is printed beside its wall time: on a shared machine CPU
moves less with other processes' load.

Measured on the 2-core development machine, loaded by other work (medians of 5 runs, side by
side; December 2026):

- bills: 7.6x the floor's wall time (1.81 s against 0.24 s), 9.8x its CPU time (1.49 s against
  0.15 s); 13.5x (14.0x CPU) before unit factors were remembered, costs read as numbers, local
  dates parsed once each, stored meter rows built without validators and facilities read in one
  query. The target is not met. One bill alone costs 0.63 s of CPU (0.93 s before), about 4.2
  floors: Python and its imports (pandas and numpy about 0.28 s, pydantic and the models 0.08
  s, sqlite-utils 0.03 s, click and greencare's modules 0.08 s) and the interpreter's exit
  (about 0.06 s with pandas loaded). The 100,000 rows cost about 0.85 s of CPU more, measured
  in the process: the readings insert 0.15 s; the monthly roll-up 0.24 s (storing 100,000
  sums 0.15 s, of which SQLite's own B-tree work is about 0.11 s; the split into local months
  0.04 s; the append check 0.02 s); reading and parsing the CSV 0.09 s; validation 0.09 s (unit
  conversion nothing: one remembered factor per unit); meter look-up 0.09 s; plausibility 0.02
  s; the overlap check against stored readings 0.02 s; the commit 0.05 s; the file hash 0.01 s.
- bills, what any import of the file costs at least (``--bounds``, 5 alternating runs on a quiet
  machine, December 2026; the import itself 9.8x, 1.87 s against 0.19 s): Python importing
  pandas 2.4 floors (0.45 s), greencare's command line starting 0.5 (``--help``), and SQLite
  storing the 100,000 bills into ``readings`` and ``reading_months``, in the sqlite3 shell
  without any Python, 3.0 floors (0.58 s): 5.9 floors (6.6 in CPU time) before a single row
  is read, converted or checked. The 5x target cannot be met by any import that stores these
  rows in this schema from Python with pandas; without pandas (the shell's start and storing
  alone are 3.6 floors) a row-by-row Python reader measured 0.6-0.7 s for the file (csv
  module, dates and numbers converted once each), 3 floors more.
- intervals (1,000,000 rows): 3.6x the floor's wall time, 3.8x its CPU time (6.3 s against
  1.75 s), from 4.7x (4.9x CPU, 8.3 s) for the code before: medians of 5 rounds on a quiet
  machine, each round running the floor, this code and the code before (``PYTHONPATH`` at a
  copy of commit c3051b7's ``greencare``, in alternating order) with this script's functions.
  Single runs of the script vary by 10% or more (two loaded runs: CPU 3.72x and 3.69x against
  4.74x and 4.39x; this docstring had 4.1x for the code before), and 5.4x before the hourly
  roll-up was stored in blocks. The hourly roll-up was 1.8-2.0 s of greencare's CPU, measured in the process,
  ``core.interval.hourly`` 1.3-1.4 s of it, called once per meter per chunk (50 calls a chunk,
  two time-zone conversions each); all meters of a chunk are now one pass keyed by (meter,
  hour), each zone converted once (``hourly_by_meter``, 0.26-0.28 s in all), and the roll-up
  takes 0.8 s, mostly storing its 250,000 hours (0.41-0.48 s, SQLite's B-tree work). The monthly
  roll-up takes 0.45 s; most of the rest of the 6 s is the readings' own insert (about 2 s
  under cProfile), then reading, parsing and validating the CSV.
"""

from __future__ import annotations

import argparse
import calendar
import os
import random
import resource
import shutil
import sqlite3
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


ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
BILL_UNITS = {
    "electricity": [("kWh", 1.0), ("MWh", 0.001)],
    "natural_gas": [("therm", 0.0341), ("ccf", 0.0331)],
}
PER_FACILITY = 50  # meters per facility in the bills case


def bill_meter(m: int) -> tuple[str, str]:
    """The name and commodity of meter number m (one in five is gas)."""
    return f"F{m // PER_FACILITY:03d}-M{m % PER_FACILITY:02d}", (
        "natural_gas" if m % 5 == 4 else "electricity"
    )


def write_bills(path: Path, meters: int, months: int) -> int:
    """One bill a month per meter, month by month (as a utility's export lists them)."""
    rng = random.Random(11)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("meter,start,end,quantity,unit,cost\n")
        for k in range(months):
            year, month = 2024 + k // 12, k % 12 + 1
            last = calendar.monthrange(year, month)[1]  # a bill's end date is its last day
            start, end = f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last:02d}"
            for m in range(meters):
                name, commodity = bill_meter(m)
                unit, scale = BILL_UNITS[commodity][m % 2]
                kwh = rng.uniform(20_000, 400_000)
                out.write(f"{name},{start},{end},{kwh * scale:.2f},{unit},{kwh * 0.12:.2f}\n")
                rows += 1
    return rows


def bills_db(path: Path, meters: int) -> None:
    """Facilities (four time zones) and their meters, through the services, once."""
    setup = (
        "from greencare import services\n"
        f"db = services.open_db({str(path)!r})\n"
        f"zones = {ZONES!r}\n"
        f"for f in range(({meters} + {PER_FACILITY} - 1) // {PER_FACILITY}):\n"
        "    services.add_facility(db, name=f'F{f:03d}', country='US', grid_region='RFCE',\n"
        "                          timezone=zones[f % len(zones)])\n"
        "with db.atomic():\n"
        f"    for m in range({meters}):\n"
        f"        name = f'F{{m // {PER_FACILITY}:03d}}-M{{m % {PER_FACILITY}:02d}}'\n"
        "        gas = m % 5 == 4\n"
        f"        services.add_meter(db, facility=f'F{{m // {PER_FACILITY}:03d}}', name=name,\n"
        "            commodity='natural_gas' if gas else 'electricity',\n"
        "            unit='therm' if gas else 'kWh')\n"
    )
    subprocess.run([sys.executable, "-c", setup], check=True)


#: CPU seconds (user + system) of the last child run_child ran: on a shared machine CPU time
#: moves less than wall time with the load of other processes.
LAST_CPU = [0.0]


def run_child(args: list[str]) -> tuple[float, int]:
    """Wall time and the child's peak RSS in MB (Linux ru_maxrss is in KB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, max(after.ru_maxrss, before.ru_maxrss) // 1024


def byte_compile() -> None:
    """Compile greencare's modules once, as installing a package does: with
    PYTHONDONTWRITEBYTECODE set (or a read-only checkout) every run would compile them again."""
    code = "import compileall, os, greencare; compileall.compile_dir(os.path.dirname(greencare.__file__), quiet=1)"
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)


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


def floor_bills(csv_path: Path, work: Path) -> tuple[float, int]:
    db = work / "floor.db"
    db.unlink(missing_ok=True)
    script = (
        "CREATE TABLE r (meter TEXT, start TEXT, end TEXT, quantity REAL, unit TEXT, cost REAL);\n"
        f".import --csv --skip 1 {csv_path} r\n"
    )
    script_path = work / "floor.sql"
    script_path.write_text(script)
    return run_child(["sqlite3", str(db), f".read {script_path}"])


def greencare_bills(csv_path: Path, work: Path, template: Path) -> tuple[float, int]:
    db = work / "gc.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, db)
    exe = shutil.which("greencare") or "greencare"
    return run_child([exe, "--db", str(db), "import", str(csv_path), "--json"])


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


def schema_bound(csv_path: Path, work: Path, template: Path, *, store: bool) -> float:
    """SQLite storing the file's rows into greencare's tables, in the sqlite3 shell (no Python):
    the file ``.import``-ed into a bare table and joined to the meters' ids (the preparation),
    then, with ``store``, one transaction inserting every row into ``readings`` (its unique
    index, foreign keys on) and ``reading_months`` (one sum per bill: each is one month). The
    difference of the two runs is what SQLite's own storing costs, whatever code calls it."""
    db = work / "bound.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, db)
    script = (
        "PRAGMA foreign_keys = ON;\nPRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\n"
        "CREATE TEMP TABLE r (meter TEXT, start TEXT, end TEXT, quantity REAL, unit TEXT, "
        "cost REAL);\n"
        f".import --csv --skip 1 {csv_path} r\n"
        "CREATE TEMP TABLE b AS SELECT m.id AS meter_id, unixepoch(r.start) AS s, "
        "unixepoch(r.end) + 86400 AS e, substr(r.start, 1, 7) AS month, r.quantity AS q, "
        "r.unit AS u, r.cost AS c FROM r JOIN meters m ON m.name = r.meter;\n"
    )
    if store:
        script += (
            "BEGIN;\n"
            "INSERT INTO import_batches (file_name, content_hash, format, target_table) "
            "VALUES ('bills.csv', 'bound', 'csv', 'readings');\n"
            "INSERT INTO readings (meter_id, start_utc, end_utc, quantity, unit, "
            "quantity_canonical, cost, currency, estimated, source, batch_id) "
            "SELECT meter_id, s, e, q, u, q, c, 'USD', 0, 'import:1', "
            "(SELECT max(id) FROM import_batches) FROM b;\n"
            "INSERT OR REPLACE INTO reading_months (meter_id, month, unit, currency, quantity, "
            "quantity_canonical, cost, readings) SELECT meter_id, month, u, 'USD', q, q, c, 1 "
            "FROM b;\n"
            "COMMIT;\n"
        )
    script_path = work / "bound.sql"
    script_path.write_text(script)
    return run_child(["sqlite3", str(db), f".read {script_path}"])[0]


def bounds(
    csv_path: Path, work: Path, template: Path, repeat: int, floor: tuple[float, float]
) -> None:
    """What any ``greencare import`` of the file costs at least, measured beside the floor
    (``floor``: its median wall and CPU seconds): the interpreter importing pandas (which the
    import's columns need), the command line's own start, and SQLite storing the rows into
    greencare's tables."""
    exe = shutil.which("greencare") or "greencare"
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
        "greencare --help": [exe, "--help"],
    }
    found: dict[str, list[tuple[float, float]]] = {n: [] for n in [*cases, "prepared", "stored"]}
    for _ in range(repeat):
        for name, command in cases.items():
            found[name].append((run_child(command)[0], LAST_CPU[0]))
        for name in ("prepared", "stored"):
            wall = schema_bound(csv_path, work, template, store=name == "stored")
            found[name].append((wall, LAST_CPU[0]))
    med = {n: tuple(statistics.median(t[i] for t in v) for i in (0, 1)) for n, v in found.items()}
    med["storing"] = tuple(med["stored"][i] - med["prepared"][i] for i in (0, 1))
    print("lower bounds (median wall and CPU seconds, and in floors: wall / CPU):")
    for name in [*cases, "storing"]:
        wall, cpu = med[name]
        label = "SQLite storing the rows" if name == "storing" else name
        print(f"  {label:<28} {wall:.2f} s ({cpu:.2f} s CPU)  {wall / floor[0]:.2f} / "
              f"{cpu / floor[1]:.2f}")  # fmt: skip
    print("  (storing: readings and reading_months in the sqlite3 shell, less its preparation)")
    sums = [
        (med["python -c 'import pandas'"][i] + med["greencare --help"][i]
         - med["python -c pass"][i] + med["storing"][i]) / floor[i]
        for i in (0, 1)
    ]  # fmt: skip
    print(f"  sum (the interpreter's start once), before a row is read, converted or checked in "
          f"Python: {sums[0]:.2f} / {sums[1]:.2f} floors")  # fmt: skip


def bills(args: argparse.Namespace) -> None:
    meters = args.meters or 5000
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "bills.csv"
        rows = write_bills(csv_path, meters, args.months)
        template = work / "template.db"
        bills_db(template, meters)
        with sqlite3.connect(template) as conn:  # one file, so a plain copy is the database
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        one_bill = work / "one-bill.csv"  # the fixed cost: start-up, imports, one transaction
        with csv_path.open(encoding="utf-8") as src:
            one_bill.write_text(src.readline() + src.readline(), encoding="utf-8")
        size = os.path.getsize(csv_path) / 1e6
        print(f"{rows:,} bills, {meters:,} meters, {len(ZONES)} time zones, {size:.1f} MB CSV")
        byte_compile()
        greencare_bills(one_bill, work, template)  # a first run: unit factors, OS caches
        floors, ours, rss_ours, cpu_floor, cpu_ours, ones, cpu_ones = [], [], [], [], [], [], []
        for _ in range(args.repeat):  # alternate, so both see the same machine load
            t, _rss = floor_bills(csv_path, work)
            floors.append(t)
            cpu_floor.append(LAST_CPU[0])
            t, rss = greencare_bills(csv_path, work, template)
            ours.append(t)
            cpu_ours.append(LAST_CPU[0])
            rss_ours.append(rss)
            t, _rss = greencare_bills(one_bill, work, template)
            ones.append(t)
            cpu_ones.append(LAST_CPU[0])
        f, g, o = statistics.median(floors), statistics.median(ours), statistics.median(ones)
        fc, gc, oc = (statistics.median(x) for x in (cpu_floor, cpu_ours, cpu_ones))
        print(f"sqlite3 .import (floor): median {f:.2f} s ({fc:.2f} s CPU), {rows / f:,.0f} rows/s")
        print(f"greencare import:        median {g:.2f} s ({gc:.2f} s CPU), {rows / g:,.0f} rows/s")
        print(f"greencare, one bill:     median {o:.2f} s ({oc:.2f} s CPU): the fixed cost")
        print(f"ratio greencare/floor:   {g / f:.2f} (target <= 5); CPU {gc / fc:.2f}")
        print(f"fixed cost / floor:      {o / f:.2f}; the rows' own cost / floor {(g - o) / f:.2f}")
        print(f"peak RSS: greencare {max(rss_ours)} MB")
        if args.bounds:
            bounds(csv_path, work, template, args.repeat, (f, fc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("intervals", "bills"), default="intervals")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--meters", type=int, default=None, help="50 (intervals), 5000 (bills)")
    parser.add_argument("--months", type=int, default=20, help="bills per meter (bills case)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--bounds",
        action="store_true",
        help="bills case: also time what any import of the file costs at least",
    )
    args = parser.parse_args()
    if args.case == "bills":
        bills(args)
        return
    args.meters = args.meters or 50
    byte_compile()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "intervals.csv"
        write_csv(csv_path, args.rows, args.meters)
        size = os.path.getsize(csv_path) / 1e6
        print(f"{args.rows:,} rows, {args.meters} meters, {size:.0f} MB CSV")
        floors, ours, rss_floor, rss_ours, cpu_floor, cpu_ours = [], [], [], [], [], []
        for _ in range(args.repeat):  # alternate, so both see the same machine load
            t, rss = floor(csv_path, work)
            floors.append(t)
            rss_floor.append(rss)
            cpu_floor.append(LAST_CPU[0])
            t, rss = greencare(csv_path, work, args.meters)
            ours.append(t)
            rss_ours.append(rss)
            cpu_ours.append(LAST_CPU[0])
        f, g = statistics.median(floors), statistics.median(ours)
        fc, gc = statistics.median(cpu_floor), statistics.median(cpu_ours)
        print(
            f"sqlite3 .import (floor): median {f:.2f} s ({fc:.2f} s CPU), {args.rows / f:,.0f} rows/s"
        )
        print(
            f"greencare import:        median {g:.2f} s ({gc:.2f} s CPU), {args.rows / g:,.0f} rows/s"
        )
        print(f"ratio greencare/floor:   {g / f:.2f} (target <= 3); CPU {gc / fc:.2f}")
        print(f"peak RSS: greencare {max(rss_ours)} MB (target < 500 MB at 5M rows)")


if __name__ == "__main__":
    main()
