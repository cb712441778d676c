"""``greencare facility rank``: the service's ranking as a table with units and n/a reasons,
--by, --json equal to the service, and a one-line refusal of a bad comparison year."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import cli_on

from greencare import services


def build(path: Path) -> None:
    db = services.open_db(path)
    try:
        a = services.add_facility(db, name="Alpha", country="US", grid_region="CAMX",
                                  floor_area="100000 ft**2", staffed_beds=100)  # fmt: skip
        b = services.add_facility(db, name="Beta [b]x[/b]", country="US", grid_region="CAMX")
        for facility, therm in ((a.id, 2000), (b.id, 4000)):
            m = services.add_meter(db, facility=facility, name="Gas", commodity="natural_gas",
                                   unit="therm")  # fmt: skip
            for year, q in ((2024, therm / 2), (2025, therm)):
                services.add_reading(db, meter=m.id, start=f"{year}-03-01",
                                     end=f"{year}-03-31", quantity=q)  # fmt: skip
    finally:
        db.close()


def test_rank_text_json_and_refusals(tmp_path: Path) -> None:
    run = cli_on(tmp_path)
    build(run.db)
    out = run("facility", "rank", "--year", "2025")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("Facilities ranked by Site EUI (kBtu/ft²/yr), highest first")
    assert "change of Scope 1+2 vs 2024 (the previous year)" in lines[0]
    header = lines[1]
    for text in ("site EUI (kBtu/ft²/yr)", "site EUI (kWh/m²/yr)", "Scope 1+2 (t CO₂e)",
                 "total (t CO₂e)", "Scope 1+2 per bed (t CO₂e)", "change vs 2024 (%)"):  # fmt: skip
        assert text in header
    body = lines[3:5]
    assert body[0].split()[:2] == ["1", "Alpha"] and " 2.00 " not in body[0]
    assert "2.0 " in body[0]  # 2,000 therm over 100,000 ft²: 2.0 kBtu/ft²/yr
    assert body[1].split()[:3] == ["Beta", "[b]x[/b]", "n/a"] and body[1].count("n/a") == 3
    assert "  Beta [b]x[/b]: site EUI: no floor area recorded" in out.output
    assert "  Beta [b]x[/b]: per bed: no staffed beds recorded" in out.output

    data = json.loads(run("facility", "rank", "--year", "2025", "--by", "total", "--json").output)
    db = services.open_db(run.db)
    try:
        want = services.facility_ranking(db, 2025, by="total")
    finally:
        db.close()
    assert data == json.loads(json.dumps(want))
    assert [r["facility"] for r in data["facilities"]] == ["Beta [b]x[/b]", "Alpha"]

    bad = run("facility", "rank", "--year", "2025", "--compare", "2025")
    assert bad.exit_code != 0
    assert bad.output.strip().splitlines() == [
        "error: compare: 2025 must be a year from 1990 to 2024 (before the period 2025-01 to "
        "2025-12)"
    ]
    assert "Traceback" not in bad.output
    no_year = run("facility", "rank")
    assert no_year.exit_code != 0 and len(no_year.output.strip().splitlines()) == 1
