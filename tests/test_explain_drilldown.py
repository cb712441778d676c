"""services.inventory's drill-down: figures, the lines behind one, and readings a page at a time."""

from __future__ import annotations

import re

import pytest

from greencare import services
from greencare.core.summary import describe_line


@pytest.fixture
def hospital(db, us_hospital):
    services.add_meter(db, facility=us_hospital.id, name="Main", commodity="electricity",
                       unit="kWh")  # fmt: skip
    services.add_meter(db, facility=us_hospital.id, name="Gas", commodity="natural_gas",
                       unit="therm")  # fmt: skip
    for month, days in (("01", 31), ("02", 28), ("03", 31)):
        services.add_reading(db, meter="Main", start=f"2025-{month}-01",
                             end=f"2025-{month}-{days}", quantity=100_000)  # fmt: skip
        services.add_reading(db, meter="Gas", start=f"2025-{month}-01",
                             end=f"2025-{month}-{days}", quantity=3_000)  # fmt: skip
    return db


def test_figures_are_the_summary_totals(hospital) -> None:
    found = services.explain_figures(hospital, periods=[("Q1", "2025-01", "2025-03")])
    _, summary = services.emissions(hospital, start="2025-01", end="2025-03", strict=False)
    by_label = {f["label"]: f for f in found["figures"]}
    totals = summary["totals_t"]
    assert by_label["Total (location-based)"]["co2e_t"] == pytest.approx(totals["total_location"])
    assert by_label["Scope 1"]["co2e_t"] == pytest.approx(totals["scope1"])
    assert by_label["Scope 2 (location-based)"]["co2e_t"] == pytest.approx(
        totals["scope2_location"]
    )
    assert by_label["Scope 2 (market-based)"]["co2e_t"] == pytest.approx(totals["scope2_market"])
    assert by_label["Scope 3"]["co2e_t"] == pytest.approx(totals["scope3"])
    assert "S1 Stationary combustion" in by_label


def test_a_figures_lines_sum_to_it_and_match_explain(hospital) -> None:
    found = services.explain_figures(hospital, periods=[("Q1", "2025-01", "2025-03")])
    scope1 = next(f for f in found["figures"] if f["label"] == "Scope 1")
    lines = services.explain_lines(hospital, **scope1["filters"])
    frame = services.explain(hospital, start="2025-01", end="2025-03", scope="1")
    assert len(lines["lines"]) == len(frame) == scope1["lines"]
    assert lines["co2e_kg"] == pytest.approx(frame["co2e_kg"].sum())
    assert lines["co2e_kg"] / 1000 == pytest.approx(scope1["co2e_t"])
    first = lines["lines"][0]
    assert first["publisher"].startswith("U.S. Environmental Protection Agency")
    assert first["dataset"].endswith("/" + first["edition"])
    assert first["source_type"] == "meter" and isinstance(first["source_id"], int)


def test_records_behind_pages(hospital, tmp_path) -> None:
    from greencare.importers.base import ImportOptions

    path = tmp_path / "hourly.csv"
    path.write_text("Timestamp,kWh\n" + "".join(
        f"2025-04-{d:02d} {h:02d}:00,1\n" for d in range(1, 31) for h in range(24)
    ))  # fmt: skip
    result = services.import_readings(
        hospital, path, ImportOptions(meter="Main", interval_minutes=60)
    )
    assert result.inserted == 720
    everything = services.records_behind(hospital, meter="Main", month="2025-04")
    assert services.count_records_behind(hospital, meter="Main", month="2025-04") == 720
    pages = [
        services.records_behind(hospital, meter="Main", month="2025-04", offset=o, limit=250)
        for o in (0, 250, 500)
    ]
    assert [len(p) for p in pages] == [250, 250, 220]
    assert [r["id"] for p in pages for r in p] == [r["id"] for r in everything]
    assert sum(r["quantity_in_month"] for p in pages for r in p) == pytest.approx(720)


def test_a_line_names_its_factor_row_or_no_row(hospital, us_hospital) -> None:
    """A physical-data factor (a desflurane bottle) has an id but no row number: its line says
    the table and the id, never "row ," with the number missing; a tabled factor keeps its row."""
    services.add_purchase(hospital, facility=us_hospital.id, date="2025-01-31",
                          category="anesthetic_gas", item="desflurane", quantity=12,
                          unit="bottle")  # fmt: skip
    inventory, _ = services.emissions(hospital, start="2025-01", end="2025-03", strict=False)
    texts = [describe_line(line) for line in inventory.lines.itertuples()]
    desflurane = [t for t in texts if "desflurane" in t]
    assert desflurane and all("physical.csv, unverified]" in t for t in desflurane), desflurane
    assert not [t for t in texts if " row ," in t or " row ]" in t or "row nan" in t]
    assert any(re.search(r"Stationary Combustion row \d+\]", t) for t in texts if "Gas" in t)
