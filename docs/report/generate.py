"""Regenerate the example report in this folder from the bundled demo data.

    python docs/report/generate.py

Builds the demo database in a temporary folder, then writes the US demo hospital's 2025 report
(baseline 2024) as demo-report.html and demo-report.pdf, and each chart as chart-<name>.png.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from greencare import services
from greencare.reports import build_report, charts
from greencare.reports.writers import write
from greencare.services.demo import build_demo

HERE = Path(__file__).resolve().parent
FACILITY = "Riverside General Hospital"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.db"
        build_demo(path)
        db = services.open_db(path)
        try:
            report = build_report(db, year=2025, facility=FACILITY, baseline_year=2024)
        finally:
            db.close()
    for fmt in ("html", "pdf"):
        print("wrote", write(report, fmt, HERE / f"demo-report.{fmt}", force=True))
    for key, _, draw in charts.CHARTS:
        target = HERE / f"chart-{key}.png"
        target.write_bytes(charts.to_bytes(draw(report), "png"))
        print("wrote", target)


if __name__ == "__main__":
    main()
