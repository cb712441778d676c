"""Benchmark: fitting and choosing baseline models for 50 facilities x 3 meters x 5 years.

Run by hand: ``python bench/baseline.py [--facilities 50] [--years 5] [--repeat 3]``.
Builds a throw-away database of US facilities in ten states (NOAA nClimDiv statewide weather),
each with electricity (heating and cooling), natural gas and district steam (heating) meters
billed monthly from 2020, the use made from change-point models of the state's monthly mean
temperatures with multiplicative noise. Then it times, per facility:

- ``services.baselines.fit_baseline`` for each meter (reading the roll-up and the weather,
  fitting all six Guideline 14 models and choosing one): the figure the issue asks to keep
  under a second per facility;
- ``core.baseline.fit_best`` alone on the same arrays;

and prints both as a ratio against a floor: one ``numpy.linalg.lstsq`` of the same data (a
straight line of monthly use against monthly mean temperature), the least any fit could cost.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from greencare import services
from greencare.core import baseline as core
from greencare.core import periods, units
from greencare.services import baselines, weather
from greencare.storage import readings

STATES = ["IL", "NY", "TX", "CA", "MN", "FL", "OH", "GA", "WA", "AZ"]
GRIDS = {"IL": "SRMW", "NY": "NYUP", "TX": "ERCT", "CA": "CAMX", "MN": "MROW", "FL": "FRCC",
         "OH": "RFCW", "GA": "SRSO", "WA": "NWPP", "AZ": "AZNM"}  # fmt: skip
FIRST_YEAR = 2020


def build(path: Path, n_facilities: int, n_years: int) -> int:
    rng = random.Random(13)
    db = services.open_db(path)
    count = 0
    last = f"{FIRST_YEAR + n_years - 1}-12"
    with db.atomic():
        for i in range(n_facilities):
            state = STATES[i % len(STATES)]
            fac = services.add_facility(
                db, name=f"Hospital {i:02d}", country="US", region=state, grid_region=GRIDS[state],
                floor_area="500000 ft**2", source="bench",
            )  # fmt: skip
            months = weather.nclimdiv_state_months(state)
            months = months[(months["month"] >= f"{FIRST_YEAR}-01") & (months["month"] <= last)]
            plan = [
                ("Electricity", "electricity", "kWh", (20_000, 300, 55, 400, 66)),
                ("Gas", "natural_gas", "therm", (300, 40, 60, 0, 0)),
                ("Steam", "district_steam", "klb", (8, 1.2, 58, 0, 0)),
            ]
            rows = []
            for name, commodity, unit, (b0, bh, th, bc, tc) in plan:
                m = services.add_meter(db, facility=fac.id, name=name, commodity=commodity,
                                       unit=unit, source="bench")  # fmt: skip
                factor = units.conversion_factor(unit, commodity)
                for month, hdd, cdd in zip(
                    months["month"], months["hdd_65f"], months["cdd_65f"], strict=True
                ):
                    year, mon = int(month[:4]), int(month[5:])
                    start = periods.parse_instant(f"{month}-01", fac.timezone)
                    nxt = f"{year + mon // 12}-{mon % 12 + 1:02d}-01"
                    end = periods.parse_instant(nxt, fac.timezone)
                    n = (end - start).days
                    t = 65 + (cdd - hdd) / n
                    qty = n * (b0 + bh * max(0, th - t) + bc * max(0, t - tc))
                    qty *= rng.uniform(0.95, 1.05)
                    rows.append(
                        (m.id, periods.to_epoch(start), periods.to_epoch(end), qty, unit,
                         qty * factor, qty * 0.1, "USD", 0, "bench", None)
                    )  # fmt: skip
            count += readings.insert_rows(db, rows)
    db.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilities", type=int, default=50)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first, last = f"{FIRST_YEAR}-01", f"{FIRST_YEAR + args.years - 1}-12"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        n_readings = build(path, args.facilities, args.years)
        print(
            f"built {path.name}: {n_readings:,} monthly readings in {time.perf_counter() - t0:.1f} s"
        )
        db = services.open_db(path)
        meters = [(m.facility_id, m.id) for m in services.list_meters(db)]
        baselines.fit_baseline(db, facility=meters[0][0], meter=meters[0][1], first_month=first,
                               last_month=last)  # warm caches (factor tables, imports)  # fmt: skip
        service_runs, fits = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fits = [
                baselines.fit_baseline(db, facility=f, meter=m, first_month=first, last_month=last)
                for f, m in meters
            ]
            service_runs.append(time.perf_counter() - t0)
        arrays = [(fit.months["actual"].to_numpy(), fit._weather.subset(fit.months["month"].tolist()))
                  for fit in fits]  # fmt: skip
        core_runs, floor_runs = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for y, wx in arrays:
                core.fit_best(y, wx.weather)
            core_runs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for y, wx in arrays:
                x = np.column_stack([np.ones(len(y)), wx.weather.mean_temps()])
                np.linalg.lstsq(x, y, rcond=None)
            floor_runs.append(time.perf_counter() - t0)
        service, fitting, floor = (
            statistics.median(r) for r in (service_runs, core_runs, floor_runs)
        )
        kinds: dict[str, int] = {}
        for fit in fits:
            kinds[fit.model.kind] = kinds.get(fit.model.kind, 0) + 1
        passed = sum(fit.model.fit_for_savings for fit in fits)
        per_fac = service / args.facilities
        print(f"{args.facilities} facilities x 3 meters x {len(arrays[0][0])} months: "
              f"models chosen {dict(sorted(kinds.items()))}, {passed}/{len(fits)} fit for savings")  # fmt: skip
        print(f"floor (one numpy lstsq per meter): {floor * 1000:.2f} ms for all meters")
        print(
            f"core.fit_best, all meters:          {fitting:.3f} s  ({fitting / floor:,.0f} x floor)"
        )
        print(
            f"services.fit_baseline, all meters:  {service:.3f} s  ({service / floor:,.0f} x floor)"
        )
        print(f"per facility (3 meters, services):  {per_fac:.3f} s  "
              f"({'under' if per_fac < 1 else 'OVER'} the 1 s budget)")  # fmt: skip


if __name__ == "__main__":
    main()
