"""The demo hospital's report, as JSON, compared byte for byte with the committed snapshot.

Regenerate after an intended change with ``GREENCARE_UPDATE_SNAPSHOTS=1 pytest tests/reports``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlite_utils import Database

from greencare.reports import build_report
from greencare.reports.writers import to_json

SNAPSHOT = Path(__file__).parent / "snapshots" / "demo-riverside-2025.json"


def test_demo_report_json_snapshot(demo_db: Database) -> None:
    report = build_report(demo_db, year=2025, facility="Riverside General Hospital")
    text = to_json(report)
    if os.environ.get("GREENCARE_UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8", newline="\n")
    assert SNAPSHOT.read_text(encoding="utf-8") == text
    again = build_report(demo_db, year=2025, facility="Riverside General Hospital")
    assert to_json(again).encode() == text.encode()


SYSTEM_SNAPSHOT = Path(__file__).parent / "snapshots" / "demo-system-2025-facilities.json"


def test_demo_system_facility_tables_snapshot(demo_db: Database) -> None:
    """The system report's facility pages as data (the two tables of section ``facilities``),
    byte for byte: the rest of a system report is the facility report's tables, snapshotted
    above."""
    import json

    report = build_report(demo_db, year=2025, baseline_year=2024)
    data = json.loads(to_json(report))
    part = {k: data["tables"][k] for k in ("facility_profiles", "facility_sources")}
    text = json.dumps(part, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("GREENCARE_UPDATE_SNAPSHOTS") == "1" or not SYSTEM_SNAPSHOT.exists():
        SYSTEM_SNAPSHOT.write_text(text, encoding="utf-8", newline="\n")
    assert SYSTEM_SNAPSHOT.read_text(encoding="utf-8") == text
