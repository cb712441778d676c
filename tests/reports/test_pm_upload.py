"""The Portfolio Manager upload workbook ("Add Bills to Existing Meters") against the real
template (tests/data/Add_Bills_to_Meters.xlsx, see tests/data/SOURCES.md), issue 12."""

from __future__ import annotations

import json
import warnings
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from greencare import services
from greencare.cli import main
from greencare.core.errors import InputError
from greencare.importers.base import ImportOptions
from greencare.services.imports import import_readings
from greencare.services.portfolio_manager import export_bills

DATA = Path(__file__).resolve().parents[1] / "data"
TEMPLATE = DATA / "Add_Bills_to_Meters.xlsx"
BPS = DATA / "ESPM_BPS_Sample_Meter_Readings.xlsx"
CREATE = ImportOptions(create_meters=True, properties="create", country="US",
                       timezone="America/New_York")  # fmt: skip


def _book(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Data Validation extension is not supported"
        return openpyxl.load_workbook(path, data_only=True)


def _header_rows(sheet) -> list[list]:
    """Row 1 (and row 2 of the waste sheets, whose headers take two rows), trailing blanks cut."""
    out = []
    for number in (1, 2) if "Waste" in sheet.title else (1,):
        cells = [c.value for c in sheet[number]]
        while cells and cells[-1] is None:
            cells.pop()
        out.append(cells)
    return out


def _rows(sheet, meter_id: int) -> list[dict]:
    header = [str(c.value or "").split("\n")[0].strip() for c in sheet[1]]
    out = []
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] == meter_id:
            out.append(dict(zip(header, row, strict=False)))
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, object]:
    """BPS imported with a facility per property, then exported."""
    db = services.open_db(":memory:")
    assert import_readings(db, BPS, CREATE).inserted == 579
    path = tmp_path_factory.mktemp("pm") / "bills.xlsx"
    done = export_bills(db, path)
    return path, (db, done)


def test_sheets_and_header_cells_equal_the_template(exported) -> None:
    path, _ = exported
    ours, real = _book(path), _book(TEMPLATE)
    assert ours.sheetnames == real.sheetnames  # the same 13 sheets in the same order
    assert len(ours.sheetnames) == 13
    for name in real.sheetnames:
        assert _header_rows(ours[name]) == _header_rows(real[name]), name
    assert len(_header_rows(ours["Add Bills-Electricity"])[0]) == 26
    assert _header_rows(ours["Add Bills-Non Electric"])[0][:3] == [
        "Meter ID\n(Pre-filled)", "Meter Consumption ID\n(Pre-filled)",
        "Portfolio Manager ID\n(Pre-filled)"]  # fmt: skip
    for cell in ("B2", "C45", "F45"):
        assert ours["Instructions"][cell].value == real["Instructions"][cell].value, cell
    assert ours["Instructions"]["F45"].value == "v 2.0"
    # the sheets we fill are visible; the ones left empty keep the template's visibility
    assert ours["Add Bills-Water"].sheet_state == real["Add Bills-Water"].sheet_state == "hidden"
    assert ours["Add Bills-Electricity"].sheet_state == "visible"


def test_a_known_meters_rows_are_its_bills(exported) -> None:
    """GSA: 300 E Street SW's gas meter: the export's rows are the bills as Portfolio Manager
    exported them (BPS) and as SEED filled the template with them (its own periods)."""
    path, (_db, done) = exported
    assert done["rows"] == {"Add Bills-Electricity": 324, "Add Bills-Non Electric": 255}
    assert done["meters"] == 17 and done["without_pm_ids"] == []
    ours = _rows(_book(path)["Add Bills-Non Electric"], 139067329)
    real = _rows(_book(TEMPLATE)["Add Bills-Non Electric"], 139067329)
    assert len(ours) == len(real) == 36
    key = ("Meter ID", "Portfolio Manager ID", "Property  Name", "Meter Name", "Meter Type",
           "Start Date", "End Date", "Meter Unit")  # fmt: skip
    for mine, theirs in zip(ours, real, strict=True):
        assert [mine[k] for k in key] == [theirs[k] for k in key]
        assert mine["Quantity"] == pytest.approx(float(theirs["Quantity"]))
        assert mine["Estimation (Required)"] == "No" and mine["Cost"] is None
    # one row per bill in the bill's own period: the steam meter's bills are whole years
    steam = _rows(_book(path)["Add Bills-Non Electric"], 139179128)
    assert (steam[0]["Start Date"], steam[0]["End Date"]) == (
        datetime(2019, 1, 1), datetime(2019, 12, 31))  # fmt: skip


def test_exported_bills_import_again_unchanged(exported) -> None:
    path, (db, _done) = exported
    again = import_readings(db, path)
    assert again.status == "nothing to import", again.errors[:3]
    assert (again.inserted, again.unchanged) == (0, 579)


@pytest.fixture
def canada(db):
    facility = services.add_facility(db, name="Clinique =Nord", country="CA",
                                     timezone="America/Toronto")  # fmt: skip
    gas = services.add_meter(db, facility=facility.id, name="=HYPERLINK(\"x\")",
                             commodity="natural_gas", unit="m**3")  # fmt: skip
    services.add_reading(db, meter=gas.id, start="2025-01-15", end="2025-02-13",
                         quantity=1200, cost="456.78", currency="CAD")  # fmt: skip
    services.add_reading(db, meter=gas.id, start="2025-02-14", end="2025-03-12",
                         quantity=1100, cost="400", currency="USD", estimated=True)  # fmt: skip
    propane = services.add_meter(db, facility=facility.id, name="Propane tank",
                                 commodity="propane", unit="litre",
                                 delivery_class="bulk_delivery")  # fmt: skip
    services.add_reading(db, meter=propane.id, start="2025-03-10", end="2025-03-10",
                         quantity=900, cost="1,100.50", currency="CAD")  # fmt: skip
    return facility


def test_bill_periods_deliveries_currencies_and_blank_ids(db, canada, tmp_path: Path) -> None:
    done = export_bills(db, tmp_path / "ca.xlsx", year=2025)
    assert done["rows"] == {"Add Bills-Non Electric": 2, "Add Bills-Delivery": 1}
    assert len(done["without_pm_ids"]) == 2
    book = _book(tmp_path / "ca.xlsx")
    gas = list(book["Add Bills-Non Electric"].iter_rows(min_row=2))
    values = [[c.value for c in row] for row in gas]
    assert values[0][:2] == [None, None] and values[0][2] is None  # no PM ids: blank
    assert values[0][3] == "Clinique =Nord"  # Property Name and Meter Name, for PM users
    assert values[0][4] == '\'=HYPERLINK("x")'  # a formula-like name is text, not a formula
    assert values[0][5] == "Natural Gas"
    # the bill's own period, not calendar months; the last day inclusive
    assert (values[0][6], values[0][7]) == (datetime(2025, 1, 15), datetime(2025, 2, 13))
    assert (values[1][6], values[1][7]) == (datetime(2025, 2, 14), datetime(2025, 3, 12))
    assert values[0][8] == 1200 and values[0][9] == "Cubic meters"
    # costs as billed (the currency shown by the cell's format); a bill in another currency
    # than the property's is left blank: PM, and an import of the workbook, read a cost in the
    # property's currency (400 USD came back as 400 CAD)
    assert values[0][10] == pytest.approx(456.78) and "CAD" in gas[0][10].number_format
    assert values[1][10] is None
    assert done["costs_in_another_currency"] == {"USD at Clinique =Nord (CAD)": 1}
    assert [v[11] for v in values] == ["No", "Yes"]
    sheet = book["Add Bills-Delivery"]
    assert sheet.sheet_state == "visible"
    delivery = [c.value for c in sheet[2]]
    assert delivery[4:] == ["Propane tank", "Propane", datetime(2025, 3, 10), 900, "Liters",
                            pytest.approx(1100.5), "No"]  # fmt: skip
    assert "CAD" in sheet.cell(2, 10).number_format


def test_period_selects_bills_by_start(db, canada, tmp_path: Path) -> None:
    done = export_bills(db, tmp_path / "feb.xlsx", start="2025-02", end="2025-02")
    assert done["rows"] == {"Add Bills-Non Electric": 1}


def test_never_over_a_file_or_the_database(db, canada, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_text("keep")
    with pytest.raises(InputError, match="already exists"):
        export_bills(db, target)
    assert target.read_text() == "keep"
    export_bills(db, target, force=True)
    assert _book(target).sheetnames[0] == "Instructions"


def test_cli_export(tmp_path: Path) -> None:
    runner = CliRunner(env={"GREENCARE_DB": str(tmp_path / "no.db"),
                            "XDG_DATA_HOME": str(tmp_path)})  # fmt: skip
    db = tmp_path / "g.db"

    def run(*args: str):
        return runner.invoke(main, ["--db", str(db), *args])

    assert run("init").exit_code == 0
    done = run("import", str(BPS), "--create-meters", "--properties", "create", "--country",
               "US", "--timezone", "America/New_York")  # fmt: skip
    assert done.exit_code == 0, done.output
    out = tmp_path / "pm.xlsx"
    done = run("export", "portfolio-manager", "--year", "2019", "-o", str(out), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"]["Add Bills-Electricity"] == 9 * 12  # 2019's bills
    again = run("export", "portfolio-manager", "-o", str(out))
    assert again.exit_code == 1 and "already exists" in again.output
    refused = run("export", "portfolio-manager", "-o", str(db), "--force")
    assert refused.exit_code == 1 and "database" in refused.output


def test_deliveries_and_bills_import_back(db, canada, tmp_path: Path) -> None:
    """The workbook reads back (the Delivery tab too): every bill is found unchanged."""
    path = tmp_path / "ca.xlsx"
    export_bills(db, path)
    gas = services.list_meters(db, facility=canada.id)[0]  # its name was written as text
    escaped = {"'" + gas.name: str(gas.id)}  # (a leading apostrophe): mapped back by hand
    again = import_readings(db, path, ImportOptions(facility=str(canada.id), meter_map=escaped))
    assert again.status == "nothing to import", again.errors[:3]
    assert (again.rows_read, again.unchanged, again.inserted) == (3, 3, 0)


def test_interval_meters_as_calendar_months(db, us_hospital, tmp_path: Path) -> None:
    """PM takes bills: a meter of interval readings is written as its local calendar months."""
    meter = services.add_meter(
        db, facility=us_hospital.id, name="Interval", commodity="electricity"
    )
    services.add_reading(db, meter=meter.id, start="2025-01-31T23:00", end="2025-02-01T01:00",
                         quantity=40, unit="kWh", accept_outlier=True)  # fmt: skip
    done = export_bills(db, tmp_path / "i.xlsx", facility=us_hospital.id)
    assert done["rows"] == {"Add Bills-Electricity": 2}
    sheet = _book(tmp_path / "i.xlsx")["Add Bills-Electricity"]
    got = [[c.value for c in row][6:10] for row in sheet.iter_rows(min_row=2)]
    assert got == [
        [
            datetime(2025, 1, 1),
            datetime(2025, 1, 31),
            pytest.approx(20),
            "kWh (thousand Watt-hours)",
        ],
        [
            datetime(2025, 2, 1),
            datetime(2025, 2, 28),
            pytest.approx(20),
            "kWh (thousand Watt-hours)",
        ],
    ]


def test_meters_without_pm_ids_keep_their_own_bill_dates(db, canada, tmp_path: Path) -> None:
    """Without PM ids every Meter ID cell is blank: one meter's bill ending on the day another's
    starts made every meter's End Dates read as period ends (24 h gaps, deliveries of no
    length), so greencare's own workbook did not import back; each meter is surveyed alone."""
    other = services.add_meter(db, facility=canada.id, name="Boiler gas",
                               commodity="natural_gas", unit="m**3")  # fmt: skip
    services.add_reading(db, meter=other.id, start="2025-01-01", end="2025-01-15",
                         quantity=700, cost="300", currency="CAD")  # fmt: skip
    services.add_reading(db, meter=other.id, start="2025-01-16", end="2025-02-14",
                         quantity=650, cost="280", currency="CAD")  # fmt: skip
    path = tmp_path / "ca.xlsx"
    export_bills(db, path)
    gas = services.list_meters(db, facility=canada.id)[0]
    escaped = {"'" + gas.name: str(gas.id)}
    again = import_readings(db, path, ImportOptions(facility=str(canada.id), meter_map=escaped))
    assert again.status == "nothing to import", again.errors[:3]
    assert (again.rows_read, again.unchanged, again.inserted) == (5, 5, 0)
    assert not [w for w in again.warnings if "gap" in str(w)]
    fresh = services.open_db(":memory:")
    done = import_readings(
        fresh,
        path,
        ImportOptions(
            create_meters=True, properties="create", country="CA", timezone="America/Toronto"
        ),
    )
    assert done.status == "imported", done.errors[:3]

    def periods(database):
        return sorted((r["start_utc"], r["end_utc"], r["quantity"], r["cost"], r["estimated"])
                      for r in database["readings"].rows)  # fmt: skip

    usd = [r["id"] for r in db["readings"].rows if r["currency"] == "USD"]
    assert len(usd) == 1  # written with a blank cost (see above): read back without one
    db["readings"].update(usd[0], {"cost": None, "currency": None})
    assert periods(fresh) == periods(db)
    currencies = {r["currency"] for r in fresh["readings"].rows}
    assert currencies == {"CAD", None}


def test_one_meter_name_on_two_properties_without_ids_is_refused(db, tmp_path: Path) -> None:
    """Meters called alike at two hospitals, written without PM ids, were one meter to the
    import: B's bills were refused as duplicates of A's (or, in other months, imported onto
    A's meter); the workbook is refused naming both properties."""
    from greencare.importers.base import FormatError

    for name, quantity in (("A", 100), ("B", 200)):
        facility = services.add_facility(db, name=name, country="US", grid_region="CAMX")
        meter = services.add_meter(db, facility=facility.id, name="Main",
                                   commodity="natural_gas", unit="therm")  # fmt: skip
        month = "01" if name == "A" else "02"
        services.add_reading(db, meter=meter.id, start=f"2025-{month}-01",
                             end=f"2025-{month}-28", quantity=quantity)  # fmt: skip
    path = tmp_path / "two.xlsx"
    export_bills(db, path)
    fresh = services.open_db(":memory:")
    with pytest.raises(FormatError) as caught:
        import_readings(fresh, path, CREATE)
    assert str(caught.value) == (
        "two.xlsx: meter 'Main' has no Meter ID and is on 2 properties: 'A' (Add Bills-Non "
        "Electric row 2), 'B' (Add Bills-Non Electric row 3); its bills cannot be told apart: "
        "fill in the Meter IDs (Portfolio Manager's own download of the template has them) or "
        "import each property's rows on their own"
    )
    assert fresh.execute("SELECT count(*) FROM readings").fetchone() == (0,)
