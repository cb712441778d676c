"""Plausibility through the Python API (greencare.services): refusals write nothing,
``accept_outlier=True`` records the value and what it was accepted over, warnings are kept."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from greencare import paths, services
from greencare.core.errors import ConflictError
from greencare.importers.base import ImportOptions
from greencare.services import plausibility
from greencare.services.activity_imports import import_activity
from greencare.services.imports import import_readings

TABLES = (
    "readings", "reading_months", "waste_records", "purchases", "audit_log", "accepted_outliers",
)  # fmt: skip


def digest(db) -> str:
    rows = [db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture
def riverside(db):
    """The issue's hospital: 600,000 ft2, 300 staffed beds."""
    return services.add_facility(
        db, name="Riverside", country="US", grid_region="RFCE",
        floor_area="600000 ft**2", staffed_beds=300,
    )  # fmt: skip


@pytest.fixture
def electric(db, riverside):
    return services.add_meter(db, facility=riverside.id, name="Main", commodity="electricity")


def _jan(db, quantity, **kwargs):
    return services.add_reading(
        db, meter="Main", start="2025-01-01", end="2025-01-31", quantity=quantity, **kwargs
    )


def test_a_month_implying_an_impossible_eui_is_refused(db, electric) -> None:
    before = digest(db)
    with pytest.raises(plausibility.PlausibilityError) as caught:
        _jan(db, 500_000_000)
    assert str(caught.value) == (
        "quantity: 500,000,000 kWh over 31 days implies a site EUI of 33,501 kBtu/ft2/yr at "
        "Riverside (600,000 ft2); US hospitals' median is 234.3 (ENERGY STAR Portfolio "
        "Manager), refused above 2,343; refused as implausible (if the value is right, record "
        "it deliberately: accept_outlier=True in Python, --accept-outlier on the command line, "
        "Record anyway in the app)"
    )
    assert list(caught.value.fields) == ["quantity"]
    assert [f.rule for f in caught.value.findings] == ["site_eui"]
    assert digest(db) == before


def test_accept_outlier_stores_and_lists_it(db, electric) -> None:
    row = _jan(db, 500_000_000, accept_outlier=True)
    assert row["quantity"] == 500_000_000
    flags = services.outlier_flags(db, "readings", row["id"])
    assert [(f["rule"], f["level"], f["month"], f["source"]) for f in flags] == [
        ("site_eui", "refusal", "2025-01", "api")
    ]
    audit = db.execute(
        "SELECT action, row_id FROM audit_log WHERE table_name = 'accepted_outliers'"
    ).fetchall()
    assert audit == [("insert", flags[0]["id"])]


def test_accepting_block_is_the_same_as_the_flag(db, electric) -> None:
    with services.accepting_outliers():
        row = _jan(db, 500_000_000)
    assert [f["level"] for f in services.outlier_flags(db, "readings", row["id"])] == ["refusal"]
    with pytest.raises(plausibility.PlausibilityError):  # the block is over
        services.add_reading(
            db, meter="Main", start="2025-02-01", end="2025-02-28", quantity=500_000_000
        )


def test_an_ordinary_bill_is_not_flagged(db, electric) -> None:
    row = _jan(db, 3_000_000)  # EUI 201: an ordinary hospital
    assert services.outlier_flags(db, "readings", row["id"]) == []
    assert db.execute("SELECT count(*) FROM accepted_outliers").fetchone() == (0,)


def test_history_rules_once_the_meter_has_three_readings(db, electric) -> None:
    for month, last in (("02", 28), ("03", 31), ("04", 30)):
        services.add_reading(
            db, meter="Main", start=f"2025-{month}-01", end=f"2025-{month}-{last}",
            quantity=3_000_000,
        )  # fmt: skip
    # 1,500,000,000 kWh would be 500 x the usual daily use (median of the three: April's).
    before = digest(db)
    with pytest.raises(plausibility.PlausibilityError) as caught:
        services.add_reading(db, meter="Main", start="2025-05-01", end="2025-05-30",
                             quantity=1_500_000_000)  # fmt: skip
    assert caught.value.fields["quantity"] == (
        "1,500,000,000 kWh is 500.0 x this meter's usual daily use (refused at 500 x); a unit "
        "slip (kg vs tonnes, kWh vs MWh)?"
    )
    assert digest(db) == before


def test_a_reading_far_below_the_usual_names_the_fraction(db, electric) -> None:
    for month, last in (("02", 28), ("03", 31), ("04", 30)):
        services.add_reading(
            db, meter="Main", start=f"2025-{month}-01", end=f"2025-{month}-{last}",
            quantity=3_000_000,
        )  # fmt: skip
    # 3,000 kWh where 3,000,000 is usual: MWh typed as kWh's number, a thousandth of the usual.
    row = services.add_reading(
        db, meter="Main", start="2025-05-01", end="2025-05-31", quantity=3000
    )
    [flag] = services.outlier_flags(db, "readings", row["id"])
    assert flag["message"] == (
        "1/1,000 of this meter's usual daily use; a unit slip (kg vs tonnes, kWh vs MWh)?"
    )


def test_correcting_a_reading_is_checked_and_clears_old_flags(db, electric) -> None:
    row = _jan(db, 30_000_000)  # EUI 2,010: stored with a warning
    assert [f["level"] for f in services.outlier_flags(db, "readings", row["id"])] == ["warning"]
    before = digest(db)
    with pytest.raises(plausibility.PlausibilityError):
        services.update_reading(
            db, row["id"], start="2025-01-01", end="2025-01-31", quantity=500_000_000
        )
    assert digest(db) == before
    services.update_reading(db, row["id"], start="2025-01-01", end="2025-01-31", quantity=3e6)
    assert services.outlier_flags(db, "readings", row["id"]) == []


def test_water_and_a_facility_without_size_have_no_facility_bound(db) -> None:
    bare = services.add_facility(db, name="Bare", country="US", grid_region="CAMX")
    services.add_meter(db, facility=bare.id, name="E", commodity="electricity")
    services.add_meter(db, facility=bare.id, name="W", commodity="water")
    e = services.add_reading(db, meter="E", start="2025-01-01", end="2025-01-31", quantity=5e8)
    w = services.add_reading(db, meter="W", start="2025-01-01", end="2025-01-31", quantity=5e8)
    assert services.outlier_flags(db, "readings", e["id"]) == []
    assert services.outlier_flags(db, "readings", w["id"]) == []


def test_beds_stand_in_for_a_missing_floor_area(db) -> None:
    beds = services.add_facility(db, name="Beds", country="US", grid_region="CAMX",
                                 staffed_beds=300)  # fmt: skip
    services.add_meter(db, facility=beds.id, name="E", commodity="electricity")
    with pytest.raises(
        plausibility.PlausibilityError, match=r"\(600,000 ft2 taken from 300 beds\)"
    ):
        services.add_reading(db, meter="E", start="2025-01-01", end="2025-01-31", quantity=5e8)


def test_4000_desflurane_bottles_are_refused(db, riverside) -> None:
    before = digest(db)
    with pytest.raises(plausibility.PlausibilityError) as caught:
        services.add_purchase(db, facility="Riverside", date="2025-01-31",
                              category="anesthetic_gas", item="desflurane", quantity=4000,
                              unit="bottle")  # fmt: skip
    # 4,000 x 240 mL x 1.465 g/mL = 1,406.4 kg of agent over 300 beds.
    assert caught.value.fields["quantity"] == (
        "4,000 bottle of desflurane is 4.69 kg of agent per staffed bed in a month at Riverside "
        "(300 staffed beds); refused above 2.5"
    )
    assert digest(db) == before
    new_id = services.add_purchase(db, facility="Riverside", date="2025-01-31",
                                   category="anesthetic_gas", item="desflurane", quantity=4000,
                                   unit="bottle", accept_outlier=True)  # fmt: skip
    assert [f["rule"] for f in services.outlier_flags(db, "purchases", new_id)] == ["item_per_bed"]


def test_refrigerant_warning_and_purchase_history(db, riverside) -> None:
    first = services.add_purchase(db, facility="Riverside", date="2025-01-15",
                                  category="refrigerant", item="R-410A", quantity=900, unit="kg")  # fmt: skip
    assert services.outlier_flags(db, "purchases", first)[0]["message"] == (
        "900 kg of R-410A is 3.00 kg of refrigerant per staffed bed in a month at Riverside "
        "(300 staffed beds); warning above 2"
    )
    for day in ("02-15", "03-15"):
        services.add_purchase(db, facility="Riverside", date=f"2025-{day}",
                              category="refrigerant", item="R-410A", quantity=10, unit="kg")  # fmt: skip
    with pytest.raises(plausibility.PlausibilityError) as caught:  # median 10 kg: 1,000 x
        services.add_purchase(db, facility="Riverside", date="2025-04-15",
                              category="refrigerant", item="R-410A", quantity=10, unit="t")  # fmt: skip
    assert caught.value.fields["quantity"] == (
        "10 tonne of R-410A is 1,000.0 x this facility's usual purchase (0.01 tonne) (refused at 500 "
        "x); "
        "a unit slip (bottles vs mL)?"
    )
    # The other way: 10 g where 10 kg is usual is a thousandth, not "0.0 x".
    low = services.add_purchase(db, facility="Riverside", date="2025-04-15",
                                category="refrigerant", item="R-410A", quantity=10, unit="g")  # fmt: skip
    assert services.outlier_flags(db, "purchases", low)[0]["message"] == (
        "10 g of R-410A is 1/1,000 of this facility's usual purchase (10,000 g); a unit slip "
        "(bottles vs mL)?"
    )


def test_waste_per_staffed_bed_day(db, riverside) -> None:
    before = digest(db)
    with pytest.raises(plausibility.PlausibilityError) as caught:
        services.add_waste(db, facility="Riverside", start_date="2025-01-01",
                           end_date="2025-01-31", stream="regulated_medical_waste",
                           route="incineration", quantity=17312, unit="tonne")  # fmt: skip
    assert caught.value.fields["quantity"] == (
        "17,312 tonne of regulated_medical_waste over 31 days is 1,861.5 kg per staffed bed per "
        "day at Riverside (300 staffed beds); Practice Greenhealth's average for all waste is "
        "11.3 kg, refused above 1,134"
    )
    assert digest(db) == before
    ok = services.add_waste(db, facility="Riverside", start_date="2025-01-01",
                            end_date="2025-01-31", stream="regulated_medical_waste",
                            route="incineration", quantity=17312, unit="lb")  # fmt: skip
    assert services.outlier_flags(db, "waste_records", ok) == []


def _rows(name: str) -> list[dict[str, str]]:
    with (paths.sample_data_dir() / name).open(encoding="utf-8", newline="") as handle:
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(handle)]


def test_the_demo_data_passes_every_entry_point_without_overrides(db, tmp_path: Path) -> None:
    """The sample data, entered the way a user would, meets no refusal (and few warnings)."""
    for row in _rows("facilities.csv"):
        services.add_facility(db, **row)
    for row in _rows("meters.csv"):
        services.add_meter(db, **row)
    for name in ("bills.csv", "interval_electricity.csv"):
        result = import_readings(db, paths.sample_data_dir() / name)
        assert result.status == "imported", [p.text(name) for p in result.errors[:3]]
        assert result.error_count == 0
    for row in _rows("waste.csv"):
        row["start_date"], row["end_date"] = row.pop("start"), row.pop("end")
        services.add_waste(db, **row)
    for row in _rows("purchases.csv"):
        services.add_purchase(db, **row)
    flags = db.execute("SELECT level, count(*) FROM accepted_outliers GROUP BY 1").fetchall()
    assert [level for level, _ in flags] in ([], ["warning"])
    # And through the waste/purchase importer too, into a fresh database.
    fresh = services.open_db(":memory:")
    for row in _rows("facilities.csv"):
        services.add_facility(fresh, **row)
    for name, kind in (("waste.csv", "waste"), ("purchases.csv", "purchases")):
        result = import_activity(fresh, paths.sample_data_dir() / name, kind, ImportOptions())
        assert result.status == "imported" and result.error_count == 0


def test_an_overlap_is_reported_before_plausibility(db, electric) -> None:
    _jan(db, 3_000_000)
    before = digest(db)
    with pytest.raises(ConflictError, match="period overlaps the reading of meter 'Main' \\(20"):
        _jan(db, 500_000_000)
    assert digest(db) == before
