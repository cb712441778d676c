"""Hostile text: names and notes that must come out of every screen and writer as plain data.

``insert_hostile(db)`` writes them straight into the tables with SQL, bypassing validation, as
a database written by an older greencare or by another tool could hold them. Tests then open
every TUI screen and write every report format over that database.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from sqlite_utils import Database

from greencare import services

#: One megabyte of text: long enough to flood a terminal if printed whole.
MEGABYTE = "M" * (1 << 20)

#: Markup (Rich/Textual), terminal escapes, controls, spreadsheet formulas, bidi override,
#: a megabyte, and names that are fine (accents, CJK, emoji) and must survive unchanged.
HOSTILE: list[str] = [
    "[link=http://x]y[/link]",
    "z[/]",
    "[bold red]x[/]",
    "\x1b]0;pwned\x07",
    "\x1b[31mred",
    '=HYPERLINK("http://x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "nul\x00byte",
    "\u202eevil",
    "$x$ and $",
    "<b>bold</b> & <script>",
    "| pipe | cell |",
    MEGABYTE,
    "Hôpital Saint-Éloi",
    "病院",
    "Clinic 🏥",
]

#: Names that contain nothing to neutralise: they must appear exactly as written.
PLAIN = ["Hôpital Saint-Éloi", "病院", "Clinic 🏥"]

#: Names stored as written, without a tag: nothing in them needs one to be told apart.
AS_IS = [*PLAIN, MEGABYTE]


def stored_name(index: int) -> str:
    """The facility and meter name ``insert_hostile`` gives to ``HOSTILE[index]``."""
    text = HOSTILE[index]
    return text if text in AS_IS else f"{text} {label_of(index)}"


#: Characters that must never reach an output raw (C0 but tab and line feed, DEL, C1, bidi).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def label_of(index: int) -> str:
    """A short unique tag to find row ``index``'s text again."""
    return f"H{index:02d}"


def insert_hostile(db: Database) -> dict[str, Any]:
    """One facility per hostile string, each with a meter, a bill, waste and a purchase whose
    text is that string, written with SQL as an older or foreign write would.

    Returns the ids so tests can look rows up. Facility and meter names are the string followed
    by a tag (`` H03``) so the unique-name constraint holds and each row can be found again.
    """
    ids: dict[str, Any] = {"facilities": [], "meters": []}
    for i, text in enumerate(HOSTILE):
        f = services.add_facility(db, name=f"Site {i}", country="US", grid_region="CAMX",
                                  floor_area="100000 ft**2", staffed_beds=10)  # fmt: skip
        m = services.add_meter(db, facility=f.id, name=f"Meter {i}", commodity="electricity",
                               unit="kWh")  # fmt: skip
        services.add_reading(db, meter=m.id, start="2025-03-01", end="2025-03-31",
                             quantity=1000 + i, cost=100)  # fmt: skip
        services.add_waste(db, facility=f.id, start_date="2025-03-01", end_date="2025-03-31",
                           stream="solid_waste", route="landfill", quantity=10, unit="kg",
                           hauler="Hauler")  # fmt: skip
        services.add_purchase(db, facility=f.id, date="2025-03-05", category="339112",
                              spend=100, currency="USD", supplier="Supplier",
                              description="Gloves")  # fmt: skip
        ids["facilities"].append(f.id)
        ids["meters"].append(m.id)
        name = stored_name(i)
        db.execute("UPDATE facilities SET name = ?, notes = ?, region = ? WHERE id = ?",
                   [name, text, text, f.id])  # fmt: skip
        db.execute("UPDATE meters SET name = ?, notes = ? WHERE id = ?", [name, text, m.id])
        db.execute("UPDATE waste_records SET hauler = ?, notes = ? WHERE facility_id = ?",
                   [text, text, f.id])  # fmt: skip
        db.execute("UPDATE purchases SET supplier = ?, description = ? WHERE facility_id = ?",
                   [text, text, f.id])  # fmt: skip
        db.execute(
            "INSERT INTO audit_log (ts, table_name, row_id, action, before, after, source) "
            "VALUES ('2025-12-31T12:00:00.000Z', 'facilities', ?, 'update', ?, ?, ?)",
            [
                f.id,
                json.dumps({"name": f"Site {i}"}),
                json.dumps({"name": name}, ensure_ascii=False),
                text,
            ],
        )  # an audit entry a foreign tool wrote: its source and JSON hold the text raw
    db.conn.commit()
    return ids


def table_digest(db: Database) -> dict[str, str]:
    """A hash of every row of every table: what a refused write must leave unchanged. The
    dashboard's stored figures are left out: a cache of computed figures, not data (showing
    the dashboard stores them)."""
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    names = [n for n in names if n != "dashboard_cache"]
    out = {}
    for name in sorted(names):
        rows = sorted(repr(r) for r in db.execute(f'SELECT * FROM "{name}"').fetchall())
        out[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out
