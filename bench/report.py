"""Benchmark: the annual report for 50 facilities against a bare SQL monthly aggregation.

Run by hand: ``python bench/report.py [--rows 10000000] [--facilities 50] [--repeat 3]``.

Builds a throw-away database holding ``--rows`` 15-minute electricity readings spread over
``--facilities`` US hospitals (several interval meters each, inserted in chunks with
``storage.readings.insert_frame`` inside ``db.atomic()``, which keeps the monthly roll-up
current), plus a monthly gas bill, waste and patient days per facility. Then times, side by
side and alternating:
  1. the bare aggregation: ``SELECT meter_id, strftime('%Y-%m', start_utc, 'unixepoch'),
     sum(quantity_canonical) FROM readings GROUP BY 1, 2`` over every reading;
  2. ``build_report(db, year=2025)``: every table of the report (the engine, energy, water,
     waste, progress, framework views, data quality), which reads the roll-up, never readings.
Prints both medians and their ratio; the target is report <= 1/5 of the bare aggregation.

With ``--demo [--facility 1] [--db demo.db]`` it times one facility's report on the demo
database instead (built with ``greencare demo --no-tui`` when missing), in CPU seconds, side by
side and alternating: the inventory alone (``services.emissions``, what ``greencare emissions``
computes), the report's tables (``build_report``), and writing HTML, PDF and XLSX from them.
Targets: the report's tables take under 1 s of CPU beyond the inventory alone, and the PDF no
more than twice the HTML.

With ``--system [N] [--db system.db]`` it times the system report of N facilities (default
300; built when the database is missing: US hospitals of different sizes and grid regions,
monthly electricity and gas bills for 2024 and 2025, monthly waste and patient days for 2025,
a few facilities with missing or estimated months and a few without a floor area) in CPU
seconds, side by side and alternating: the inventory alone, the report's tables, HTML and PDF,
and the same HTML and PDF without the facility pages (a peer run showing what the N pages
cost). Prints the ratios to the inventory, the PDF's pages and the PDF / HTML ratio.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from greencare import services
from greencare.reports import build_report
from greencare.storage import readings

US_GRIDS = ["CAMX", "RFCE", "ERCT", "NYCW", "MROW", "SRSO", "NWPP", "RFCW", "NEWE", "AZNM"]
YEAR_START = 1735689600  # 2025-01-01T00:00:00Z
STEP = 900  # 15 minutes
CHUNK = 500_000


def build(path: Path, rows: int, n_facilities: int) -> dict[str, int]:
    db = services.open_db(path)
    per_meter_max = 365 * 96
    meters_per = max(1, math.ceil(rows / (n_facilities * per_meter_max)))
    per_meter = rows // (n_facilities * meters_per)
    meter_ids: list[int] = []
    with db.atomic():
        for i in range(n_facilities):
            fac = services.add_facility(
                db,
                name=f"Hospital {i:02d}",
                country="US",
                grid_region=US_GRIDS[i % len(US_GRIDS)],
                timezone="UTC",
                floor_area="500000 ft**2",
                staffed_beds=300,
            )
            for m in range(meters_per):
                meter = services.add_meter(
                    db, facility=fac.id, name=f"Interval {m}", commodity="electricity", unit="kWh"
                )
                meter_ids.append(int(meter.id))  # type: ignore[arg-type]
            gas = services.add_meter(
                db, facility=fac.id, name="Gas", commodity="natural_gas", unit="therm"
            )
            for month in range(1, 13):
                last = pd.Timestamp(2025, month, 1).days_in_month
                services.add_reading(db, meter=gas.id, start=f"2025-{month:02d}-01",
                                     end=f"2025-{month:02d}-{last}", quantity=20000 - month * 500,
                                     cost=18000)  # fmt: skip
                services.add_waste(db, facility=fac.id, start_date=f"2025-{month:02d}-01",
                                   end_date=f"2025-{month:02d}-{last}", stream="solid_waste",
                                   route="landfill", quantity=30000, unit="lb")  # fmt: skip
                services.add_waste(db, facility=fac.id, start_date=f"2025-{month:02d}-01",
                                   end_date=f"2025-{month:02d}-{last}",
                                   stream="regulated_medical_waste", route="incineration",
                                   quantity=4000, unit="lb")  # fmt: skip
                services.set_normalizer(db, facility=fac.id, month=f"2025-{month:02d}",
                                        patient_days=7500, adjusted_patient_days=14000)  # fmt: skip
    total = per_meter * len(meter_ids)
    rng = np.random.default_rng(7)
    done, t0 = 0, time.perf_counter()
    # chunks of whole time steps across all meters: rows (meter, step)
    steps_per_chunk = max(1, CHUNK // len(meter_ids))
    ids = np.array(meter_ids, dtype=np.int64)
    with db.atomic():
        for first in range(0, per_meter, steps_per_chunk):
            steps = np.arange(first, min(per_meter, first + steps_per_chunk), dtype=np.int64)
            start = np.repeat(YEAR_START + steps * STEP, len(ids))
            qty = rng.uniform(20.0, 200.0, len(start)).round(3)
            frame = pd.DataFrame(
                {
                    "meter_id": np.tile(ids, len(steps)),
                    "start_utc": start,
                    "end_utc": start + STEP,
                    "quantity": qty,
                    "unit": "kWh",
                    "quantity_canonical": qty,
                    "cost": np.nan,
                    "currency": None,
                    "estimated": 0,
                    "source": "bench",
                    "batch_id": None,
                }
            )
            done += readings.insert_frame(db, frame)
            rate = done / (time.perf_counter() - t0)
            print(f"\r  inserted {done:,} / {total:,} readings ({rate:,.0f}/s)", end="",
                  file=sys.stderr, flush=True)  # fmt: skip
    print(file=sys.stderr)
    db.execute("ANALYZE")
    db.close()
    return {"readings": done, "meters": len(meter_ids) + n_facilities}


def bare(path: Path) -> float:
    db = services.open_db(path)
    t0 = time.perf_counter()
    db.execute(
        "SELECT meter_id, strftime('%Y-%m', start_utc, 'unixepoch'), sum(quantity_canonical) "
        "FROM readings GROUP BY 1, 2"
    ).fetchall()
    elapsed = time.perf_counter() - t0
    db.close()
    return elapsed


def report(path: Path) -> float:
    db = services.open_db(path)
    t0 = time.perf_counter()
    built = build_report(db, year=2025)
    elapsed = time.perf_counter() - t0
    assert built["ghg_totals"]["co2e_t"].iloc[0] > 0
    db.close()
    return elapsed


def _cpu(func) -> float:  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    func()
    return time.process_time() - t0


def demo(path: Path, facility: str, repeat: int) -> None:
    """One facility's report on the demo database against its inventory alone (CPU time)."""
    from greencare.reports import write
    from greencare.services.demo import build_demo

    if not path.exists():
        print(f"building the demo database at {path} ...")
        build_demo(path)
    db = services.open_db(path)
    year = 2025
    kwargs = {"year": year, "facility": facility}
    built = build_report(db, allow_gaps=True, **kwargs)  # warm imports, the page cache, fonts
    out = Path(tempfile.mkdtemp(prefix="bench-report-"))
    for fmt in ("html", "pdf", "xlsx"):
        write(built, fmt, out / f"warm.{fmt}", force=True)
    times: dict[str, list[float]] = {k: [] for k in ("inventory", "report", "html", "pdf", "xlsx")}
    for i in range(repeat):
        times["inventory"].append(_cpu(lambda: services.emissions(db, strict=False, **kwargs)))
        t0 = time.process_time()
        report = build_report(db, allow_gaps=True, **kwargs)
        times["report"].append(time.process_time() - t0)
        for fmt in ("html", "pdf", "xlsx"):
            t0 = time.process_time()
            write(report, fmt, out / f"r.{fmt}", force=True)
            times[fmt].append(time.process_time() - t0)
        print(f"  run {i + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()))
    m = {k: statistics.median(v) for k, v in times.items()}
    beyond = m["report"] - m["inventory"]
    print(f"facility {facility}, {year}, medians of {repeat} runs (CPU seconds):")
    print(f"  inventory alone (services.emissions):  {m['inventory']:.3f}")
    print(f"  report tables (build_report):          {m['report']:.3f}  "
          f"= inventory x {m['report'] / m['inventory']:.2f}")  # fmt: skip
    print(f"  report beyond the inventory:           {beyond:.3f}  "
          f"({'meets' if beyond < 1 else 'misses'} the target of < 1 s)")  # fmt: skip
    for fmt in ("html", "pdf", "xlsx"):
        print(f"  write {fmt:<4}                            {m[fmt]:.3f}")
    ratio = m["pdf"] / m["html"]
    print(
        f"ratio pdf / html = {ratio:.2f} ({'meets' if ratio <= 2 else 'misses'} the target of <= 2)"
    )
    db.close()


def build_system(path: Path, n: int) -> None:
    """An N-facility system: monthly bills (two years), waste and patient days (one year)."""
    db = services.open_db(path)
    rng = np.random.default_rng(11)
    with db.atomic():
        for i in range(n):
            area = int(rng.integers(80, 900)) * 1000
            fac = services.add_facility(
                db, name=f"Hospital {i:03d}", country="US", grid_region=US_GRIDS[i % len(US_GRIDS)],
                timezone="UTC", floor_area=None if i % 97 == 5 else f"{area} ft**2",
                staffed_beds=int(area / 1500),
            )  # fmt: skip
            power = services.add_meter(db, facility=fac.id, name="Main electric",
                                       commodity="electricity", unit="kWh")  # fmt: skip
            gas = services.add_meter(db, facility=fac.id, name="Gas", commodity="natural_gas",
                                     unit="therm")  # fmt: skip
            scale = area / 500_000 * rng.uniform(0.7, 1.3)
            for year in (2024, 2025):
                for month in range(1, 13):
                    if year == 2025 and i % 50 == 7 and month in (3, 4):
                        continue  # a gap: two months missing
                    last = pd.Timestamp(year, month, 1).days_in_month
                    start, end = f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last}"
                    winter = 1.0 + 0.5 * math.cos((month - 1) / 12 * 2 * math.pi)
                    services.add_reading(db, meter=power.id, start=start, end=end,
                                         quantity=round(1_800_000 * scale * (2 - winter) / 1.5),
                                         cost=round(200_000 * scale),
                                         estimated=i % 40 == 3 and month == 6)  # fmt: skip
                    services.add_reading(db, meter=gas.id, start=start, end=end,
                                         quantity=round(40_000 * scale * winter), cost=30_000)  # fmt: skip
            for month in range(1, 13):
                last = pd.Timestamp(2025, month, 1).days_in_month
                start, end = f"2025-{month:02d}-01", f"2025-{month:02d}-{last}"
                services.add_waste(db, facility=fac.id, start_date=start, end_date=end,
                                   stream="solid_waste", route="landfill",
                                   quantity=round(30_000 * scale), unit="lb")  # fmt: skip
                services.add_waste(db, facility=fac.id, start_date=start, end_date=end,
                                   stream="regulated_medical_waste", route="incineration",
                                   quantity=round(3_000 * scale), unit="lb")  # fmt: skip
                services.add_waste(db, facility=fac.id, start_date=start, end_date=end,
                                   stream="cardboard", route="recycling",
                                   quantity=round(6_000 * scale), unit="lb")  # fmt: skip
            services.set_normalizers(db, facility=fac.id, start="2025-01", end="2025-12",
                                     patient_days=round(7_500 * scale),
                                     adjusted_patient_days=round(14_000 * scale))  # fmt: skip
    db.execute("ANALYZE")
    db.close()


def _pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def system(path: Path, n: int, repeat: int) -> None:
    """The system report of N facilities against its inventory alone (CPU seconds)."""
    from greencare.reports import write

    if not path.exists():
        print(f"building {n} facilities at {path} ...")
        t0 = time.perf_counter()
        build_system(path, n)
        print(f"  built in {time.perf_counter() - t0:,.1f} s")
    db = services.open_db(path)
    kwargs: dict[str, object] = {"year": 2025}
    built = build_report(db, allow_gaps=True, **kwargs)  # warm imports, the page cache, fonts
    out = Path(tempfile.mkdtemp(prefix="bench-system-"))
    for fmt in ("html", "pdf"):
        write(built, fmt, out / f"warm.{fmt}", force=True)
    keys = ("inventory", "report", "html", "pdf", "html_no_pages", "pdf_no_pages")
    times: dict[str, list[float]] = {k: [] for k in keys}
    pages = {}
    for i in range(repeat):
        times["inventory"].append(_cpu(lambda: services.emissions(db, strict=False, **kwargs)))
        t0 = time.process_time()
        report = build_report(db, allow_gaps=True, **kwargs)
        times["report"].append(time.process_time() - t0)
        facility_pages = report.facility_pages
        for fmt in ("html", "pdf"):
            t0 = time.process_time()
            write(report, fmt, out / f"r.{fmt}", force=True)
            times[fmt].append(time.process_time() - t0)
        report.facility_pages = []  # the peer: the same report without its facility pages
        for fmt in ("html", "pdf"):
            t0 = time.process_time()
            write(report, fmt, out / f"bare.{fmt}", force=True)
            times[f"{fmt}_no_pages"].append(time.process_time() - t0)
        report.facility_pages = facility_pages
        print(f"  run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()))
    pages = {"pdf": _pdf_pages(out / "r.pdf"), "pdf_no_pages": _pdf_pages(out / "bare.pdf")}
    m = {k: statistics.median(v) for k, v in times.items()}
    inv = m["inventory"]
    print(f"system report, {len(built.meta['facilities'])} facilities, 2025, medians of {repeat} "
          f"runs (CPU seconds; x = ratio to the inventory alone):")  # fmt: skip
    print(f"  inventory alone (services.emissions):  {inv:.3f}")
    for key, what in (("report", "report tables (build_report)"), ("html", "write html"),
                      ("pdf", "write pdf"), ("html_no_pages", "write html, no facility pages"),
                      ("pdf_no_pages", "write pdf, no facility pages")):  # fmt: skip
        print(f"  {what:<38} {m[key]:.3f}  = inventory x {m[key] / inv:.2f}")
    print(
        f"  facility pages: html +{m['html'] - m['html_no_pages']:.3f} s, "
        f"pdf +{m['pdf'] - m['pdf_no_pages']:.3f} s "
        f"({(m['pdf'] - m['pdf_no_pages']) / max(len(facility_pages), 1) * 1000:.1f} ms a page)"
    )
    print(f"  pdf pages: {pages['pdf']} ({pages['pdf_no_pages']} without the facility pages)")
    print(f"ratio pdf / html = {m['pdf'] / m['html']:.2f}")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", action="store_true",
                        help="Time one facility's report on the demo database (see above).")  # fmt: skip
    parser.add_argument("--facility", default="1", help="With --demo: the facility (id or name).")
    parser.add_argument("--system", type=int, nargs="?", const=300, default=None, metavar="N",
                        help="Time the system report of N facilities (default 300; see above).")  # fmt: skip
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--facilities", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="Keep the database here (reused if it exists).")
    args = parser.parse_args()
    if args.demo:
        default = Path(tempfile.gettempdir()) / "greencare-bench-demo.db"
        demo(args.db or default, args.facility, max(args.repeat, 1))
        return
    if args.system is not None:
        default = Path(tempfile.gettempdir()) / f"greencare-bench-system-{args.system}.db"
        system(args.db or default, args.system, max(args.repeat, 1))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench-report.db"
        if not path.exists():
            print(f"building {args.rows:,} readings over {args.facilities} facilities ...")
            t0 = time.perf_counter()
            counts = build(path, args.rows, args.facilities)
            print(f"  built {counts} in {time.perf_counter() - t0:,.1f} s")
        report(path)  # warm the page cache and imports once
        times_bare, times_report = [], []
        for i in range(args.repeat):
            times_bare.append(bare(path))
            times_report.append(report(path))
            print(f"  run {i + 1}: bare {times_bare[-1]:.3f} s, report {times_report[-1]:.3f} s")
        b, r = statistics.median(times_bare), statistics.median(times_report)
        print(f"bare GROUP BY month over readings: median {b:.3f} s")
        print(f"build_report (year 2025, all facilities): median {r:.3f} s")
        verdict = "meets" if r <= b / 5 else "misses"
        print(f"ratio report / bare = {r / b:.3f} ({verdict} the target of <= 0.2)")


if __name__ == "__main__":
    main()
