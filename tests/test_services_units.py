"""Units at every entry point: forms and the Python API (services), meter imports, waste and
purchase imports and the CLI refuse ambiguous tokens, units a commodity is not billed in, and
values that overflow, each with the exact message, and leave the database as it was."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import InputError
from greencare.core.models import Facility, Meter
from greencare.importers.base import ImportOptions
from greencare.services.activity_imports import import_activity
from greencare.services.imports import import_readings

TABLES = ("facilities", "meters", "readings", "reading_months", "waste_records", "purchases",
          "import_batches", "audit_log")  # fmt: skip

TOO_LARGE = "is too large: more than 1e+15 {unit}, beyond any facility's use (check the quantity and its unit)"
MBTU = (
    "unit 'MBtu' is ambiguous: thousand Btu in US HVAC and utility use (ASHRAE 90.1) but million "
    "Btu in Portfolio Manager; write kBtu (thousand) or MMBtu (million)"
)
MLB = (
    "unit 'Mlb' is ambiguous: thousand pounds on US steam bills (Con Edison) but million pounds "
    "in Portfolio Manager (MLbs.); write klb (thousand pounds) or MMlb (million pounds)"
)
MT = (
    "unit 'mt' is ambiguous: metric ton on waste manifests but milli-tonne (mt) or megatonne "
    "(Mt) in SI; write tonne (metric ton) or short_ton (2,000 lb)"
)
THERM_ON_ELECTRICITY = (
    "electricity is not billed in 'therm'; use one of Wh, kWh, MWh, GWh, Btu, kBtu, MMBtu, J, "
    "MJ, GJ"
)


def state(db: Database) -> str:
    """A hash of every row of every table a refused entry could have touched."""
    digest = hashlib.sha256()
    for table in TABLES:
        digest.update(repr(db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()).encode())
    return digest.hexdigest()


@pytest.fixture
def metered(db: Database, us_hospital: Facility, gas_meter: Meter) -> Database:
    services.add_meter(db, facility=us_hospital.id, name="Main", commodity="electricity")
    services.add_meter(
        db, facility=us_hospital.id, name="Steam", commodity="district_steam", unit="klb"
    )
    services.add_reading(db, meter="Gas", start="2024-01-01", end="2024-01-31", quantity=100)
    return db


# --- services (forms and the Python API) -----------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"meter": "Main", "unit": "therm"}, "unit", f"unit: {THERM_ON_ELECTRICITY}"),
        ({"meter": "Gas", "unit": "MBtu"}, "unit", f"unit: {MBTU}"),
        ({"meter": "Steam", "unit": "Mlb"}, "unit", f"unit: {MLB}"),
        ({"meter": "Gas", "unit": "mtherm"}, "unit", "unit: unknown unit 'mtherm'"),
        (
            {"meter": "Gas", "unit": "therm", "quantity": 1e308},
            "quantity",
            "quantity: 1e+308 therm " + TOO_LARGE.format(unit="kWh"),
        ),
        (
            {"meter": "Gas", "unit": "MMBtu", "quantity": "4e12"},
            "quantity",
            "quantity: 4e+12 MMBtu " + TOO_LARGE.format(unit="kWh"),
        ),
    ],
)
def test_add_reading_refuses(metered: Database, fields: dict, field: str, message: str) -> None:
    before = state(metered)
    data = {"start": "2025-01-01", "end": "2025-01-31", "quantity": 10, **fields}
    with pytest.raises(InputError) as info:
        services.add_reading(metered, **data)
    assert str(info.value) == message
    assert list(info.value.fields) == [field]
    assert state(metered) == before


def test_edit_reading_refuses_overflow(metered: Database) -> None:
    reading_id = services.list_readings(metered, meter="Gas")[0]["id"]
    before = state(metered)
    with pytest.raises(InputError) as info:
        services.update_reading(
            metered, reading_id, start="2024-01-01", end="2024-01-31", quantity=1e308
        )
    assert str(info.value) == "quantity: 1e+308 therm " + TOO_LARGE.format(unit="kWh")
    assert state(metered) == before


def test_steam_in_mmlb_and_klb(metered: Database) -> None:
    row = services.add_reading(
        metered, meter="Steam", start="2025-01-01", end="2025-01-31", quantity=2, unit="MMlb"
    )
    # 2 million lb x 1.194 kBtu/lb x 1055.056 J/Btu / 3.6e6 J/kWh
    assert row["unit"] == "MMlb"
    assert row["quantity_canonical"] == pytest.approx(2e6 * 1194 * 1055.056 / 3.6e6, rel=1e-12)


def test_add_meter_refuses_a_unit_the_commodity_is_not_billed_in(
    metered: Database, us_hospital: Facility
) -> None:
    before = state(metered)
    with pytest.raises(InputError) as info:
        services.add_meter(
            metered, facility=us_hospital.id, name="E2", commodity="electricity", unit="therm"
        )
    assert str(info.value) == f"unit: {THERM_ON_ELECTRICITY}"
    assert state(metered) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"unit": "mt", "quantity": 2}, f"unit: {MT}"),
        ({"unit": "MT", "quantity": 2}, "unit: " + MT.replace("'mt'", "'MT'")),
        ({"unit": "tonne", "quantity": 1e308}, "quantity: 1e+308 tonne " + TOO_LARGE.format(unit="kg")),
    ],
)  # fmt: skip
def test_add_waste_refuses(metered: Database, fields: dict, message: str) -> None:
    before = state(metered)
    with pytest.raises(InputError) as info:
        services.add_waste(
            metered,
            facility="St Example",
            start_date="2025-01-01",
            end_date="2025-01-31",
            stream="solid_waste",
            route="landfill",
            **fields,
        )
    assert str(info.value) == message
    assert state(metered) == before


def test_add_waste_in_tonnes_and_short_tons(metered: Database) -> None:
    for unit in ("tonne", "short_ton"):
        services.add_waste(
            metered,
            facility="St Example",
            start_date="2025-01-01",
            end_date="2025-01-31",
            stream="solid_waste",
            route="landfill",
            quantity=2,
            unit=unit,
        )
    stored = metered.execute("SELECT unit, quantity FROM waste_records ORDER BY id").fetchall()
    assert stored == [("tonne", 2.0), ("short_ton", 2.0)]


def test_add_purchase_refuses_overflow(metered: Database) -> None:
    before = state(metered)
    with pytest.raises(InputError) as info:
        services.add_purchase(
            metered,
            facility="St Example",
            date="2025-01-31",
            category="refrigerant",
            item="R-410A",
            quantity=1e308,
            unit="lb",
        )
    assert str(info.value) == "quantity: 1e+308 lb " + TOO_LARGE.format(unit="kg")
    assert state(metered) == before


def test_add_facility_refuses_an_overflowing_floor_area(metered: Database) -> None:
    before = state(metered)
    with pytest.raises(InputError) as info:
        services.add_facility(
            metered, name="Huge", country="US", grid_region="CAMX", floor_area="1e308 ft**2"
        )
    assert str(info.value) == "floor_area: 1e+308 ft**2 " + TOO_LARGE.format(unit="m**2")
    assert state(metered) == before


# --- imports ---------------------------------------------------------------------------------


def test_meter_import_refuses_overflow_ambiguity_and_the_wrong_unit(
    metered: Database, tmp_path: Path
) -> None:
    path = tmp_path / "bills.csv"
    path.write_text(
        "meter,start,end,quantity,unit\n"
        "Gas,2025-01-01,2025-01-31,1e308,therm\n"
        "Gas,2025-02-01,2025-02-28,10,MBtu\n"
        "Main,2025-01-01,2025-01-31,500000,therm\n"
        "Steam,2025-01-01,2025-01-31,3,Mlb\n"
        "Main,2025-02-01,2025-02-28,10,kWh\n"
    )
    before = state(metered)
    result = import_readings(metered, path, ImportOptions())
    assert (result.status, result.inserted) == ("failed", 0)
    assert [(p.line, p.column, p.reason) for p in result.errors] == [
        (2, "quantity", "1e+308 therm " + TOO_LARGE.format(unit="kWh")),
        (3, "unit", MBTU),
        (4, "unit", THERM_ON_ELECTRICITY),
        (5, "unit", MLB),
    ]
    assert result.errors[1].text(result.file) == f"bills.csv, line 3, unit 'MBtu': {MBTU}"
    assert state(metered) == before


def test_waste_import_refuses_mt_and_overflow(metered: Database, tmp_path: Path) -> None:
    path = tmp_path / "waste.csv"
    path.write_text(
        "facility,start,end,stream,route,quantity,unit\n"
        "St Example,2025-01-01,2025-01-31,solid_waste,landfill,2,mt\n"
        "St Example,2025-01-01,2025-01-31,solid_waste,landfill,1e308,kg\n"
        "St Example,2025-01-01,2025-01-31,solid_waste,landfill,2,tonne\n"
    )
    before = state(metered)
    result = import_activity(metered, path, "waste")
    assert result.status == "failed"
    assert [(p.line, p.column, p.reason) for p in result.errors] == [
        (2, "unit", MT),
        (3, "quantity", "1e+308 kg " + TOO_LARGE.format(unit="kg")),
    ]
    assert state(metered) == before


def test_portfolio_manager_defines_its_own_mlbs_and_mbtu(metered: Database, tmp_path: Path) -> None:
    """The same tokens a generic file is refused for keep Portfolio Manager's meaning in a PM
    workbook: MLbs. are million pounds (stored as thousands of klb), MBtu million Btu."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meter Entries"
    sheet.append(["Property Name", "Portfolio Manager Meter ID", "Meter Name", "Start Date",
                  "End Date", "Usage/Quantity", "Usage Units"])  # fmt: skip
    sheet.append(["P", 1, "Steam", "1/1/2024", "1/31/2024", 2, "MLbs. (million pounds)"])
    sheet.append(["P", 2, "Gas", "2/1/2024", "2/29/2024", 3, "MBtu (million Btu)"])
    path = tmp_path / "pm.xlsx"
    book.save(path)
    result = import_readings(metered, path)
    assert (result.status, result.inserted) == ("imported", 2), result.errors
    rows = metered.execute(
        "SELECT m.name, r.quantity, r.unit, r.quantity_canonical FROM readings r "
        "JOIN meters m ON m.id = r.meter_id WHERE r.batch_id IS NOT NULL ORDER BY m.name"
    ).fetchall()
    kwh_per_kbtu = 1055.056 / 3600
    assert [r[:3] for r in rows] == [("Gas", 3.0, "MMBtu"), ("Steam", 2000.0, "klb")]
    assert rows[0][3] == pytest.approx(3000 * kwh_per_kbtu, rel=1e-12)
    assert rows[1][3] == pytest.approx(2000 * 1194 * kwh_per_kbtu, rel=1e-12)


# --- CLI: refusals are one line, confirmations print numbers in full ---------------------------


def _cli(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "greencare", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_quantities_in_full_and_refuses_overflow(tmp_db_path: Path) -> None:
    db = services.open_db(tmp_db_path)
    facility = services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    services.add_meter(db, facility=facility.id, name="Main", commodity="electricity")
    services.add_meter(db, facility=facility.id, name="Gas", commodity="natural_gas", unit="therm")
    db.close()

    added = _cli(tmp_db_path, "reading", "add", "Main", "--start", "2025-01-01",
                 "--end", "2025-01-31", "--quantity", "500000000")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip().endswith("500,000,000 kWh = 500,000,000.0 kWh"), added.stdout
    gas = _cli(tmp_db_path, "reading", "add", "Gas", "--start", "2025-01-01",
               "--end", "2025-01-31", "--quantity", "1234567.891")  # fmt: skip
    assert gas.returncode == 0, gas.stderr
    assert gas.stdout.strip().endswith(
        f"1,234,567.891 therm = {1234567.891 * 100 * 1055.056 / 3600:,.1f} kWh"
    ), gas.stdout
    assert "e+" not in added.stdout + gas.stdout

    db = services.open_db(tmp_db_path)
    before = state(db)
    db.close()
    refused = _cli(tmp_db_path, "reading", "add", "Gas", "--start", "2025-02-01",
                   "--end", "2025-02-28", "--quantity", "1e308")  # fmt: skip
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.strip() == (
        "error: quantity: 1e+308 therm " + TOO_LARGE.format(unit="kWh")
    )
    db = services.open_db(tmp_db_path)
    assert state(db) == before
    db.close()


def test_cli_import_of_a_huge_value_is_one_problem_line_and_no_numpy_warning(
    tmp_db_path: Path, tmp_path: Path
) -> None:
    db = services.open_db(tmp_db_path)
    facility = services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    services.add_meter(db, facility=facility.id, name="Main", commodity="electricity")
    db.close()
    path = tmp_path / "huge.csv"
    path.write_text("meter,start,end,quantity,unit\nMain,2025-01-01,2025-01-31,1e308,kWh\n")
    done = _cli(tmp_db_path, "import", str(path))
    assert done.returncode == 1
    assert "Warning" not in done.stderr and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: import failed: 1 problem in huge.csv; nothing was written",
        "  huge.csv, line 2, quantity '1e308': 1e+308 kWh is too large: more than 1e+15 kWh, "
        "beyond any facility's use (check the quantity and its unit)",
    ]
