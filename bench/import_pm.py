"""Benchmark: reading a large Portfolio Manager Meter Entries workbook (detect + every chunk).

Run by hand: ``python bench/import_pm.py [--rows 100000]``. Writes a workbook of one Meter
Entries sheet (100 meters, one bill per row, no ``<dimension>``: openpyxl's write-only mode
writes none, so opening it used to parse the whole sheet), then times format detection and reading in a child process and
prints seconds and peak RSS. Before each sheet was parsed once, 100,000 rows took 266 s
(detect 45 s, read 221 s) on the 2-core development machine under heavy load; after, 97-159 s
(detect 1 s) in two runs beside it, peak RSS 136 MB against 157 MB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

CHILD = """
import resource, sys, time
from pathlib import Path
from greencare.importers import detect
from greencare.importers.base import ImportOptions
path = Path(sys.argv[1])
began = time.perf_counter()
importer = detect(path)
found = time.perf_counter()
rows = sum(len(chunk) for chunk in importer.read(path, ImportOptions()))
done = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"{rows:,} rows: detect {found - began:.1f} s, read {done - found:.1f} s, peak {peak} MB")
"""


def write_workbook(path: Path, rows: int) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Meter Entries")
    sheet.append(["Portfolio Manager Meter ID", "Meter Name", "Start Date", "End Date",
                  "Usage/Quantity", "Usage Units", "Cost ($)", "Estimation"])  # fmt: skip
    first = date(2000, 1, 1)
    for i in range(rows):
        meter, day = i % 100, first + timedelta(days=i // 100)
        sheet.append([str(1000 + meter), f"Meter {meter}", day, day, 10.0 + meter,
                      "kWh (thousand Watt-hours)", 1.5, "No"])  # fmt: skip
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "meter-entries.xlsx"
        write_workbook(path, args.rows)
        subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True)


if __name__ == "__main__":
    main()
