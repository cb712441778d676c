"""Bulk setup import (issue 12): facilities.csv, meters.csv and normalizers.csv create or update
in one transaction as one undoable batch, validated by the form services; and the round trip:
the sample setup files plus the sample activity files, through the normal import paths, give
the same inventory as ``build_demo``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from greencare import paths, services
from greencare.core.errors import ConflictError, InputError
from greencare.importers.base import FormatError, ImportOptions
from greencare.services import setup_imports
from greencare.services.activity_imports import import_activity
from greencare.services.activity_imports import kind_of as record_kind_of
from greencare.services.demo import build_demo
from greencare.services.imports import import_readings, undo
from greencare.services.setup_imports import import_setup, kind_of

SAMPLE = paths.sample_data_dir()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def digest(db) -> list:
    tables = ("facilities", "meters", "normalizers", "import_batches", "audit_log")
    return [db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables]


def setup_sample(db) -> None:
    for kind in setup_imports.KINDS:
        result = import_setup(db, SAMPLE / f"{kind}.csv")
        assert result.status == "imported", [p.text(kind) for p in result.errors]


# --- detection ----------------------------------------------------------------------------


def test_the_sample_layouts_are_detected_and_meter_data_is_not() -> None:
    for kind in setup_imports.KINDS:
        assert kind_of(SAMPLE / f"{kind}.csv") == kind
        assert record_kind_of(SAMPLE / f"{kind}.csv") == kind  # what the CLI and TUI ask
    for name in ("bills.csv", "interval_electricity.csv", "waste.csv", "purchases.csv"):
        assert kind_of(SAMPLE / name) is None
    assert record_kind_of(SAMPLE / "waste.csv") == "waste"


def test_detection_tolerates_order_case_spaces_bom_and_absent_optional_columns(
    tmp_path: Path,
) -> None:
    facilities = write(tmp_path, "f.csv", " COUNTRY , Name ,Staffed_Beds\nUS,A,10\n", "utf-8-sig")
    assert facilities.read_bytes().startswith(b"\xef\xbb\xbf")
    assert kind_of(facilities) == "facilities"
    assert kind_of(write(tmp_path, "m.csv", "Unit,Commodity,NAME,Facility\n")) == "meters"
    assert kind_of(write(tmp_path, "n.csv", "ftes, month ,facility\n")) == "normalizers"
    # a key column alone, or a column the layout lacks, is not a setup file
    assert kind_of(write(tmp_path, "k.csv", "facility,month\n")) is None
    assert kind_of(write(tmp_path, "x.csv", "name,country,beds\nA,US,3\n")) is None


def test_a_windows_1252_file_from_excel_reads_its_accents(db, tmp_path: Path) -> None:
    path = write(tmp_path, "sites.csv", "name,country,grid_region\nH\u00f4pital Saint-\u00c9loi,US,NYCW\n",
                 "cp1252")  # fmt: skip
    assert kind_of(path) == "facilities"
    result = import_setup(db, path)
    assert (result.status, result.encoding) == ("imported", "Windows-1252 (not UTF-8)")
    assert (
        services.get_facility(db, "h\u00f4pital saint-\u00c9loi").name
        == "H\u00f4pital Saint-\u00c9loi"
    )


def test_the_meter_data_import_points_a_setup_file_to_the_setup_import(db) -> None:
    with pytest.raises(FormatError, match=r"meters.csv, line 1: a meters setup file, not meter "
                       r"data: import it with services.import_setup"):  # fmt: skip
        import_readings(db, SAMPLE / "meters.csv")


def test_a_file_of_no_setup_layout_is_refused_saying_so(db) -> None:
    with pytest.raises(FormatError, match=r"bills\.csv, line 1: the header is not a facilities"):
        import_setup(db, SAMPLE / "bills.csv")
    with pytest.raises(InputError, match="kind must be one of facilities, meters, normalizers"):
        import_setup(db, SAMPLE / "bills.csv", "bills")


def test_an_unknown_column_is_refused_naming_it(db, tmp_path: Path) -> None:
    path = write(tmp_path, "sites.csv", "name,country,beds\nA,US,3\n")
    with pytest.raises(FormatError, match=r"sites.csv, line 1: unknown column 'beds'"):
        import_setup(db, path, "facilities")
    assert services.list_facilities(db) == []


# --- create and update --------------------------------------------------------------------


def test_the_sample_setup_files_create_everything_in_one_batch_each(db) -> None:
    result = import_setup(db, SAMPLE / "facilities.csv")
    assert (result.status, result.kind, result.created, result.updated) == (
        "imported", "facilities", 2, 0)  # fmt: skip
    riverside = services.get_facility(db, "Riverside General Hospital")
    assert (riverside.country, riverside.grid_region, riverside.staffed_beds) == ("US", "RFCE", 300)
    assert riverside.floor_area == 600000 and riverside.floor_area_unit == "ft**2"
    meters = import_setup(db, SAMPLE / "meters.csv")
    assert meters.created == 11
    gas = services.get_meter(db, "Gas", facility="Northgate Community Hospital")
    assert (gas.commodity.value, gas.unit) == ("natural_gas", "kWh")
    normalizers = import_setup(db, SAMPLE / "normalizers.csv")
    assert normalizers.created == 48
    batches = db.execute(
        "SELECT format, target_table, rows_inserted FROM import_batches"
    ).fetchall()
    assert batches == [("facilities-csv", "facilities", 2), ("meters-csv", "meters", 11),
                       ("normalizers-csv", "normalizers", 48)]  # fmt: skip
    sources = db.execute(
        "SELECT table_name, source, count(*) FROM audit_log WHERE action = 'insert' GROUP BY 1, 2"
    ).fetchall()
    assert sorted(sources) == [("facilities", "import:1", 2), ("meters", "import:2", 11),
                               ("normalizers", "import:3", 48)]  # fmt: skip
    # the same file again adds nothing
    assert import_setup(db, SAMPLE / "meters.csv").status == "already imported"


def test_a_facility_matched_by_name_is_updated_with_its_non_blank_cells(db, tmp_path) -> None:
    import_setup(db, SAMPLE / "facilities.csv")
    path = write(tmp_path, "beds.csv", "name,country,staffed_beds,postcode,grid_region\n"
                 "RIVERSIDE general hospital,,320,,\n"
                 "Northgate Community Hospital,GB,400,,\n"
                 "Eastfield Clinic,US,12,10001,NYCW\n")  # fmt: skip
    result = import_setup(db, path)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    riverside = services.get_facility(db, "Riverside General Hospital")
    assert riverside.staffed_beds == 320
    assert (riverside.name, riverside.postcode, riverside.region) == (
        "Riverside General Hospital", "19403", "PA")  # fmt: skip
    assert services.get_facility(db, "Eastfield Clinic").timezone == "America/New_York"
    as_json = result.as_dict()
    assert (as_json["created"], as_json["updated"], as_json["unchanged"]) == (1, 1, 1)
    audited = db.execute(
        "SELECT table_name, action FROM audit_log WHERE source = ? ORDER BY id",
        [f"import:{result.batch_id}"],
    ).fetchall()
    assert audited == [("facilities", "update"), ("facilities", "insert")]  # unchanged: nothing


def test_meters_and_normalizers_update_by_key(db, tmp_path: Path) -> None:
    setup_sample(db)
    path = write(tmp_path, "m2.csv", "facility,name,unit,commodity\n"
                 "riverside general hospital,natural gas,ccf,\n"
                 "Riverside General Hospital,Main electric,,\n"
                 "Northgate Community Hospital,Heat pump,,\n")  # fmt: skip
    result = import_setup(db, path)
    assert result.status == "failed"  # a new meter needs a commodity
    assert [p.text("m2.csv") for p in result.errors] == [
        "m2.csv, line 4, commodity: a new meter needs a commodity (e.g. electricity)"
    ]
    path.write_text(path.read_text().replace("Heat pump,,", "Heat pump,kWh,electricity"))
    result = import_setup(db, path)
    assert (result.status, result.created, result.updated, result.unchanged) == (
        "imported", 1, 1, 1)  # fmt: skip
    assert result.error_count == 0
    assert services.get_meter(db, "Natural gas", facility=1).unit == "ccf"
    assert len(services.list_meters(db)) == 12
    norms = write(tmp_path, "n2.csv", "facility,month,patient_days,ftes\n"
                  "Riverside General Hospital,2024-01,8000,\n"
                  "Riverside General Hospital,2026-01,7000,1850\n"
                  "Riverside General Hospital,2024-02,7422,1807.0\n")  # fmt: skip
    result = import_setup(db, norms)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    jan = db.execute("SELECT patient_days, adjusted_patient_days, ftes FROM normalizers "
                     "WHERE facility_id = 1 AND month = '2024-01'").fetchone()  # fmt: skip
    assert jan == (8000.0, 14943.0, 1802.0)  # blank cells keep what was stored


# --- refusals -----------------------------------------------------------------------------


def test_a_bad_row_refuses_the_whole_file_naming_line_and_field(db, tmp_path: Path) -> None:
    import_setup(db, SAMPLE / "facilities.csv")
    before = digest(db)
    path = write(tmp_path, "sites.csv", "name,country,staffed_beds,floor_area,floor_area_unit,"
                 "timezone\n"
                 "Good Clinic,US,10,,,America/Chicago\n"
                 "Bad Beds,US,-4,,,America/Chicago\n"
                 "Bad Area,US,5,1000,kg,America/Chicago\n"
                 "No Country,,5,,,\n"
                 "good clinic,US,11,,,America/Chicago\n"
                 "Riverside General Hospital,,many,,,\n")  # fmt: skip
    result = import_setup(db, path)
    assert result.status == "failed" and result.created == result.inserted == 0
    texts = [p.text("sites.csv") for p in result.errors]
    assert texts[0].startswith("sites.csv, line 3, staffed_beds '-4': ")
    assert texts[1].startswith("sites.csv, line 4, floor_area_unit 'kg': ")
    assert (
        texts[2] == "sites.csv, line 5, country: a new facility needs a country (ISO code, e.g. US)"
    )
    assert texts[3] == "sites.csv, line 6, name 'good clinic': good clinic is also on line 2"
    assert texts[4].startswith("sites.csv, line 7, staffed_beds 'many': ")
    assert len(texts) == 5
    assert digest(db) == before  # nothing written, not even the good row


def test_a_meter_of_an_unknown_facility_suggests_close_names(db, tmp_path: Path) -> None:
    import_setup(db, SAMPLE / "facilities.csv")
    path = write(tmp_path, "m.csv", "facility,name,commodity\n"
                 "Riverside General,Boiler gas,natural_gas\n"
                 "Nowhere Hospice,Water,water\n")  # fmt: skip
    result = import_setup(db, path)
    assert [p.text("m.csv") for p in result.errors] == [
        "m.csv, line 2, facility 'Riverside General': no facility 'Riverside General' (did you "
        "mean 'Riverside General Hospital'?)",
        "m.csv, line 3, facility 'Nowhere Hospice': no facility 'Nowhere Hospice' (see "
        "`greencare facility list`)",
    ]
    assert services.list_meters(db) == []


def test_meters_before_any_facility_say_to_import_the_facilities_first(db) -> None:
    result = import_setup(db, SAMPLE / "meters.csv")
    assert result.status == "failed" and result.error_count == 11
    assert result.errors[0].text("meters.csv") == (
        "meters.csv, line 2, facility 'Riverside General Hospital': no facility 'Riverside "
        "General Hospital' (there are no facilities yet: import the facilities file first)"
    )


def test_a_dry_run_counts_and_writes_nothing(db) -> None:
    before = digest(db)
    result = import_setup(db, SAMPLE / "facilities.csv", options=ImportOptions(dry_run=True))
    assert (result.status, result.created) == ("dry run", 2)
    assert digest(db) == before


def test_meter_data_options_are_refused_not_ignored(db) -> None:
    for options, flag in ((ImportOptions(on_error="skip"), "--on-error skip"),
                          (ImportOptions(replace=True), "--replace"),
                          (ImportOptions(facility="X", dayfirst=True), "--facility, --dayfirst")):  # fmt: skip
        with pytest.raises(InputError, match=flag):
            import_setup(db, SAMPLE / "facilities.csv", options=options)
    assert services.list_facilities(db) == []


def test_trailing_empty_columns_from_a_spreadsheet_are_ignored(db, tmp_path: Path) -> None:
    path = write(tmp_path, "sites.csv", "name,country,grid_region,,\nA Clinic,US,NYCW,,\n")
    assert kind_of(path) == "facilities"
    assert import_setup(db, path).created == 1
    path = write(tmp_path, "more.csv", "name,country,grid_region,,\nB Clinic,US,NYCW,,7\n")
    with pytest.raises(FormatError, match="line 2: a value in column 5, which has no name"):
        import_setup(db, path)


# --- undo ---------------------------------------------------------------------------------


def test_undo_deletes_what_the_batch_created_and_restores_what_it_changed(db, tmp_path) -> None:
    import_setup(db, SAMPLE / "facilities.csv")
    original = services.get_facility(db, "Riverside General Hospital")
    path = write(tmp_path, "edit.csv", "name,country,staffed_beds,notes,grid_region\n"
                 "Riverside General Hospital,,310,new wing,\n"
                 "Eastfield Clinic,US,12,,NYCW\n")  # fmt: skip
    result = import_setup(db, path, source="test")
    assert services.get_facility(db, "Riverside General Hospital").staffed_beds == 310
    assert undo(db, result.batch_id) == {"removed": 1, "restored": 1}
    assert services.get_facility(db, "Riverside General Hospital") == original
    assert [f.name for f in services.list_facilities(db)] == [
        "Northgate Community Hospital", "Riverside General Hospital"]  # fmt: skip
    with pytest.raises(ConflictError, match="already undone"):
        undo(db, result.batch_id)


def test_undo_refuses_to_delete_a_facility_in_use_or_changed_since(db, tmp_path) -> None:
    facilities = import_setup(db, SAMPLE / "facilities.csv")
    meters = import_setup(db, SAMPLE / "meters.csv")
    before = digest(db)
    with pytest.raises(ConflictError, match=r"facility 'Northgate Community Hospital' it "
                       r"created has 4 meters since; undo or delete those first"):  # fmt: skip
        undo(db, facilities.batch_id)
    assert digest(db) == before
    assert undo(db, meters.batch_id)["removed"] == 11
    services.update_facility(db, 1, staffed_beds=301)
    with pytest.raises(ConflictError, match=r"'Riverside General Hospital' was changed since "
                       r"\(staffed_beds\)"):  # fmt: skip
        undo(db, facilities.batch_id)
    services.update_facility(db, 1, staffed_beds=300)
    assert undo(db, facilities.batch_id) == {"removed": 2, "restored": 0}
    assert services.list_facilities(db) == []


def test_undo_puts_back_meters_and_normalizers_it_changed(db, tmp_path: Path) -> None:
    setup_sample(db)
    before = digest(db)[:3]
    norms = write(tmp_path, "n.csv", "facility,month,ftes\n"
                  "Northgate Community Hospital,2025-12,2600\n"
                  "Northgate Community Hospital,2026-01,2610\n")  # fmt: skip
    result = import_setup(db, norms)
    assert (result.created, result.updated) == (1, 1)
    m = import_setup(db, write(tmp_path, "m2.csv", "facility,name,unit\n"
                               "Riverside General Hospital,Natural gas,ccf\n"))  # fmt: skip
    assert m.updated == 1
    assert undo(db, m.batch_id) == {"removed": 0, "restored": 1}
    assert undo(db, result.batch_id) == {"removed": 1, "restored": 1}
    assert digest(db)[:3] == before


def test_undo_refuses_a_meter_with_readings(db) -> None:
    import_setup(db, SAMPLE / "facilities.csv")
    meters = import_setup(db, SAMPLE / "meters.csv")
    services.add_reading(db, meter=1, start="2024-01-01", end="2024-01-31", quantity=900000)
    with pytest.raises(ConflictError, match="meter 'Main electric' it created has 1 readings"):
        undo(db, meters.batch_id)


def test_a_meter_commodity_does_not_change_under_its_readings(db, tmp_path) -> None:
    setup_sample(db)
    services.add_reading(db, meter=1, start="2024-01-01", end="2024-01-31", quantity=900000)
    path = write(tmp_path, "m.csv", "facility,name,commodity,unit\n"
                 "Riverside General Hospital,Main electric,natural_gas,therm\n")  # fmt: skip
    result = import_setup(db, path)
    assert result.status == "failed"
    assert [(p.line, p.column) for p in result.errors] == [(2, "commodity")]
    assert "stored as electricity; its commodity cannot change" in result.errors[0].reason


# --- performance --------------------------------------------------------------------------


def test_two_hundred_sites_import_in_one_transaction_quickly(db, tmp_path: Path) -> None:
    import time

    sites = ["name,country,grid_region,floor_area,floor_area_unit,staffed_beds"]
    sites += [f"Site {i:03d},US,RFCE,{100000 + i},ft**2,{50 + i}" for i in range(200)]
    meters = ["facility,name,commodity,unit"]
    meters += [f"Site {i:03d},Meter {j},electricity,kWh" for i in range(200) for j in range(5)]
    norms = ["facility,month,patient_days,ftes"]
    norms += [f"Site {i:03d},{2023 + m // 12}-{m % 12 + 1:02d},{1000 + m},{300}"
              for i in range(200) for m in range(36)]  # fmt: skip
    started = time.perf_counter()
    for name, lines in (("f.csv", sites), ("m.csv", meters), ("n.csv", norms)):
        result = import_setup(db, write(tmp_path, name, "\n".join(lines) + "\n"))
        assert result.status == "imported" and result.error_count == 0
    elapsed = time.perf_counter() - started
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("facilities", "meters", "normalizers")]  # fmt: skip
    assert counts == [200, 1000, 7200]
    assert elapsed < 60  # a few seconds on a quiet machine; bench/setup_import.py measures


# --- the round trip -----------------------------------------------------------------------


def _inventory(db, year: int) -> tuple[dict, pd.DataFrame]:
    inventory, summary = services.emissions(db, year=year)
    return summary, inventory.lines


def test_setup_files_then_the_sample_activity_give_the_demo_inventory(tmp_path: Path) -> None:
    """Empty database -> facilities, meters, normalizers (setup import) -> bills, interval
    data (meter-data import), waste, purchases (record import) == ``greencare demo``."""
    demo_path = tmp_path / "demo.db"
    build_demo(demo_path)
    built = services.open_db(tmp_path / "built.db")
    setup_sample(built)
    for name in ("bills.csv", "interval_electricity.csv"):
        result = import_readings(built, SAMPLE / name)
        assert result.status == "imported" and result.error_count == 0, result.errors[:3]
    for name, kind in (("waste.csv", "waste"), ("purchases.csv", "purchases")):
        result = import_activity(built, SAMPLE / name, kind)
        assert result.status == "imported" and result.error_count == 0, result.errors[:3]
    demo = services.open_db(demo_path)
    for table in ("facilities", "meters", "normalizers"):
        ours = pd.read_sql_query(f"SELECT * FROM {table} ORDER BY id", built.conn)
        theirs = pd.read_sql_query(f"SELECT * FROM {table} ORDER BY id", demo.conn)
        drop = [c for c in ("created_at",) if c in ours]
        pd.testing.assert_frame_equal(ours.drop(columns=drop), theirs.drop(columns=drop))
    for year in (2024, 2025):
        ours, our_lines = _inventory(built, year)
        theirs, their_lines = _inventory(demo, year)
        assert ours == theirs  # every scope, category, gas, month and facility total
        assert len(our_lines) == len(their_lines) > 1000
        keys = [c for c in our_lines.columns if c not in ("source_id",)]
        ours_sorted = our_lines[keys].sort_values(keys).reset_index(drop=True)
        theirs_sorted = their_lines[keys].sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(ours_sorted, theirs_sorted)
    built.close()
    demo.close()


def test_the_demo_builds_its_setup_through_the_setup_import(tmp_path: Path) -> None:
    build_demo(tmp_path / "demo.db")
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        tables = conn.execute("SELECT target_table FROM import_batches ORDER BY id").fetchall()
        sources = conn.execute(
            "SELECT DISTINCT source FROM audit_log WHERE table_name = 'facilities'"
        ).fetchall()
    assert [t for (t,) in tables] == ["facilities", "meters", "readings", "readings",
                                      "waste_records", "purchases", "normalizers"]  # fmt: skip
    assert sources == [("import:1",)]
    assert build_demo(tmp_path / "demo.db", rebuild=True)["built"]  # still the demo's own


def test_a_time_zone_set_by_a_setup_file_and_its_undo_keep_the_roll_ups_exact(db, tmp_path) -> None:
    from greencare.storage import hours, rollups

    import_setup(db, SAMPLE / "facilities.csv")
    import_setup(db, SAMPLE / "meters.csv")
    meter = services.list_meters(db, facility="Riverside General Hospital")[0]
    services.add_reading(db, meter=meter.id, start="2025-01-01", end="2025-01-31",
                         quantity=1000, unit=meter.unit, accept_outlier=True)  # fmt: skip
    path = write(tmp_path, "tz.csv", "name,timezone\nRiverside General Hospital,Asia/Tokyo\n")
    result = import_setup(db, path, source="test")
    assert services.get_facility(db, "Riverside General Hospital").timezone == "Asia/Tokyo"
    assert rollups.differences(db) == [] and hours.differences(db) == []
    undo(db, result.batch_id)
    assert rollups.differences(db) == [] and hours.differences(db) == []
