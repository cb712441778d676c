"""Portfolio Manager properties and meters: a multi-property export lands one facility per
property, each meter with the commodity its Meter Type names, the PM ids stored (issue 12)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import cli_on, rows

from greencare import services
from greencare.core.errors import InputError
from greencare.importers.base import FormatError, ImportOptions
from greencare.services.imports import import_readings

DATA = Path(__file__).resolve().parents[1] / "data"
BPS = DATA / "ESPM_BPS_Sample_Meter_Readings.xlsx"  # 9 properties, 17 meters, header row 6
UNKNOWN = DATA / "example-pm-monthly-meter-usage-with-unknown-types-and-units.xlsx"
#: The Meter Types in BPS and what they measure (read off Portfolio Manager's type names).
TYPES = {"Electric - Grid": "electricity", "Natural Gas": "natural_gas",
         "District Steam": "district_steam"}  # fmt: skip
CREATE = ["--create-meters", "--properties", "create", "--country", "US",
          "--timezone", "America/New_York"]  # fmt: skip


def _file_meters(path: Path) -> dict[str, tuple[str, str, str, int]]:
    """PM meter id -> (property id, property name, meter type, bills), read with openpyxl."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book["Meter Entries"]
    sheet.reset_dimensions()
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[5])
    col = {name: header.index(name) for name in ("Portfolio Manager ID", "Property Name",
           "Portfolio Manager Meter ID", "Meter Type", "Usage/Quantity")}  # fmt: skip
    out: dict[str, tuple[str, str, str, int]] = {}
    for row in rows[6:]:
        if row[col["Usage/Quantity"]] in (None, ""):
            continue
        meter = str(int(row[col["Portfolio Manager Meter ID"]]))
        prop = str(int(row[col["Portfolio Manager ID"]]))
        before = out.get(meter, (prop, row[col["Property Name"]], row[col["Meter Type"]], 0))
        out[meter] = (*before[:3], before[3] + 1)
    return out


@pytest.fixture
def cli(tmp_path: Path):
    return cli_on(tmp_path, (["init"],))  # fmt: skip


def _stored(db: Path) -> dict[str, tuple[str, str, str, int]]:
    """PM meter id -> (facility's PM property id, facility name, commodity, readings)."""
    found = rows(db, "SELECT m.pm_meter_id, f.pm_property_id, f.name, m.commodity, "
                 "(SELECT count(*) FROM readings r WHERE r.meter_id = m.id) "
                 "FROM meters m JOIN facilities f ON f.id = m.facility_id")  # fmt: skip
    return {r[0]: tuple(r[1:]) for r in found}


def test_multi_property_export_creates_a_facility_per_property(cli) -> None:
    done = cli("import", str(BPS), *CREATE, "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["inserted"] == 579
    expected = _file_meters(BPS)
    assert len(expected) == 17 and len({p for p, *_ in expected.values()}) == 9
    assert _stored(cli.db) == {
        meter: (prop, name, TYPES[kind], bills)
        for meter, (prop, name, kind, bills) in expected.items()
    }
    assert sorted(result["facilities_created"]) == sorted({v[1] for v in expected.values()})
    # the gas and steam meters are gas and steam, not electricity (the bug in issue 12)
    assert rows(cli.db, "SELECT commodity, count(*) FROM meters GROUP BY commodity") == [
        ("district_steam", 1), ("electricity", 9), ("natural_gas", 7)]  # fmt: skip
    # names are the file's; two "Master Meter"s on one property carry their PM ids
    assert rows(cli.db, "SELECT m.name FROM meters m JOIN facilities f ON f.id = m.facility_id "
                "WHERE f.name = 'Hampton House' ORDER BY m.name") == [
        ("Master Meter [139774697]",), ("Master Meter [139774698]",)]  # fmt: skip
    assert rows(cli.db, "SELECT DISTINCT country, timezone FROM facilities") == [
        ("US", "America/New_York")
    ]


def test_stop_is_the_default_and_lists_the_properties(cli) -> None:
    done = cli("import", str(BPS), "--create-meters")
    assert done.exit_code == 1
    message = done.output
    assert "9 Portfolio Manager properties are not linked to a facility" in message
    for name in ("Medstar POB North Tower", "Hampton House", "Eastern Market"):
        assert name in message
    assert "--properties create" in message and "--properties map" in message
    assert "Traceback" not in message
    assert rows(cli.db, "SELECT count(*) FROM facilities") == [(0,)]
    assert rows(cli.db, "SELECT count(*) FROM meters") == [(0,)]
    assert rows(cli.db, "SELECT count(*) FROM readings") == [(0,)]


def test_one_facility_for_nine_properties_is_refused(cli) -> None:
    """The old way (--facility, --commodity electricity) no longer lands gas as electricity."""
    assert cli("facility", "add", "St Example", "--country", "US", "--grid-region",
               "CAMX").exit_code == 0  # fmt: skip
    done = cli("import", str(BPS), "--create-meters", "--facility", "St Example",
               "--commodity", "electricity")  # fmt: skip
    assert done.exit_code == 1
    assert "holds 9 Portfolio Manager properties" in done.output
    assert rows(cli.db, "SELECT count(*) FROM meters") == [(0,)]


def _one_property(tmp_path: Path, prop: str = "GSA: 300 E Street SW") -> Path:
    """BPS cut to one property's rows (its preamble and header kept)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = openpyxl.load_workbook(BPS, read_only=True)["Meter Entries"]
        source.reset_dimensions()
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Meter Entries"
        for number, row in enumerate(source.iter_rows(values_only=True), start=1):
            if number <= 6 or row[0] == prop:
                sheet.append(row)
    out = tmp_path / "one-property.xlsx"
    book.save(out)
    return out


def test_facility_with_a_one_property_file(cli, tmp_path: Path) -> None:
    path = _one_property(tmp_path)
    assert cli("facility", "add", "St Example", "--country", "US", "--grid-region",
               "CAMX").exit_code == 0  # fmt: skip
    refused = cli("import", str(path), "--facility", "St Example", "--create-meters",
                  "--commodity", "electricity")  # fmt: skip
    assert refused.exit_code == 1
    assert "line 43" in refused.output and "'Natural Gas' (natural_gas)" in refused.output
    assert "--commodity electricity" in refused.output
    assert rows(cli.db, "SELECT count(*) FROM meters") == [(0,)]
    done = cli("import", str(path), "--facility", "St Example", "--create-meters")
    assert done.exit_code == 0, done.output
    assert rows(cli.db, "SELECT pm_property_id FROM facilities") == [("22178845",)]
    assert rows(cli.db, "SELECT name, commodity, unit, pm_meter_id FROM meters ORDER BY name") == [
        ("Master Meter", "electricity", "kBtu", "139067320"),
        ("Natrual Gas Meter", "natural_gas", "kBtu", "139067329"),
    ]
    assert rows(cli.db, "SELECT count(*) FROM readings") == [(72,)]


def test_map_uses_the_facilities_of_the_same_names(db) -> None:
    expected = _file_meters(BPS)
    names = sorted({v[1] for v in expected.values()})
    for name in names:
        services.add_facility(db, name=name, country="US", timezone="America/New_York")
    with pytest.raises(InputError, match="9 Portfolio Manager properties"):
        import_readings(db, BPS, ImportOptions(create_meters=True))  # stop: not linked yet
    result = import_readings(db, BPS, ImportOptions(create_meters=True, properties="map"))
    assert result.ok and result.inserted == 579 and result.facilities_created == []
    linked = {f.name: f.pm_property_id for f in services.list_facilities(db)}
    assert linked == {name: prop for prop, name, _kind, _n in expected.values()}
    for meter_id, (_prop, name, kind, bills) in expected.items():
        meter = next(m for m in services.list_meters(db) if m.pm_meter_id == meter_id)
        assert services.get_facility(db, meter.facility_id).name == name
        assert meter.commodity == TYPES[kind]
        assert services.count_readings(db, meter=meter.id) == bills
    # the facility ids were stored through the audited update
    audited = db.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'facilities' AND action = 'update' "
        "AND after LIKE '%pm_property_id%'"
    ).fetchone()[0]
    assert audited == 9


def test_map_refuses_properties_without_a_facility(db) -> None:
    services.add_facility(db, name="Eastern Market", country="US", timezone="America/New_York")
    with pytest.raises(InputError) as refused:
        import_readings(db, BPS, ImportOptions(create_meters=True, properties="map"))
    assert "8 Portfolio Manager properties" in str(refused.value)
    assert "Eastern Market" not in str(refused.value).split(":", 2)[2].split(".")[0]
    assert db.execute("SELECT count(*) FROM meters").fetchone()[0] == 0
    assert services.get_facility(db, "Eastern Market").pm_property_id is None  # rolled back


def _entries(tmp_path: Path, meter_type: str) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meter Entries"
    sheet.append(["Property Name", "Portfolio Manager ID", "Portfolio Manager Meter ID",
                  "Meter Name", "Meter Type", "Start Date", "End Date", "Usage/Quantity",
                  "Usage Units", "Cost ($)", "Estimation?"])  # fmt: skip
    for month in (1, 2):
        sheet.append(["Clinic", 501, 9001, "Boiler", meter_type, f"2024-0{month}-01",
                      f"2024-0{month}-28", 100 * month, "kBtu (thousand Btu)", "Not Available",
                      "No"])  # fmt: skip
    path = tmp_path / "entries.xlsx"
    book.save(path)
    return path


def test_unknown_meter_type_is_refused_naming_line_and_value(db, tmp_path: Path) -> None:
    options = ImportOptions(create_meters=True, properties="create", country="GB")
    with pytest.raises(FormatError) as refused:
        import_readings(db, _entries(tmp_path, "Wood"), options)
    text = str(refused.value)
    assert "line 2" in text and "Meter Type 'Wood'" in text
    assert "natural_gas: 'natural gas'" in text  # the known types are listed
    assert db.execute("SELECT count(*) FROM facilities").fetchone()[0] == 0  # nothing kept
    # a meter whose rows disagree about its type is refused too (SEED's sample)
    with pytest.raises(FormatError, match=r"give different Meter Types: 'Natural Gas' \(line 11\)"):
        import_readings(db, UNKNOWN, options)


def test_meter_type_decides_even_with_commodity_absent(db, tmp_path: Path) -> None:
    options = ImportOptions(create_meters=True, properties="create", country="GB")
    result = import_readings(db, _entries(tmp_path, "Fuel Oil (No. 2)"), options)
    assert result.ok and result.facilities_created == ["Clinic"]
    meter = services.list_meters(db)[0]
    assert (meter.commodity, meter.unit, meter.pm_meter_id) == ("fuel_oil_2", "kBtu", "9001")
    facility = services.get_facility(db, meter.facility_id)
    assert (facility.country, facility.timezone, facility.pm_property_id) == (
        "GB", "Europe/London", "501")  # fmt: skip


def test_reimport_is_idempotent(db, tmp_path: Path) -> None:
    options = ImportOptions(create_meters=True, properties="create", country="US",
                            timezone="America/New_York")  # fmt: skip
    first = import_readings(db, BPS, options)
    assert first.inserted == 579
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("facilities", "meters", "readings")]  # fmt: skip
    assert import_readings(db, BPS, options).status == "already imported"
    # The same bills in another file (other bytes), after renaming a facility and a meter here:
    # both are found by their PM ids, nothing is created or added.
    medstar = services.get_facility(db, "Medstar POB North Tower")
    services.update_facility(db, medstar.id, name="Medstar North")
    steam = next(m for m in services.list_meters(db) if m.pm_meter_id == "139179128")
    db.execute("UPDATE meters SET name = 'Steam' WHERE id = ?", [steam.id])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(BPS)
    copy = tmp_path / "again.xlsx"
    book.save(copy)
    again = import_readings(db, copy, options)
    assert again.status == "nothing to import", again.errors[:3]
    assert (again.inserted, again.unchanged) == (0, 579)
    assert again.facilities_created == [] and again.meters_created == []
    assert [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("facilities", "meters", "readings")] == counts  # fmt: skip


def test_meters_found_by_name_keep_their_facility_and_get_pm_ids(db, us_hospital) -> None:
    """Meters added by hand (as the file keys them) are used where they are; no property is
    refused (nothing needs a facility) and each meter records its PM meter id."""
    from greencare.importers.portfolio_manager import PortfolioManager

    chunk = next(iter(PortfolioManager().read(BPS, ImportOptions())))
    for key, meter in chunk.attrs["pm_meters"].items():
        services.add_meter(db, facility=us_hospital.id, name=key,
                           commodity=TYPES[meter.meter_type], unit="kBtu")  # fmt: skip
    result = import_readings(db, BPS)
    assert result.ok and result.inserted == 579
    ids = {m.name: m.pm_meter_id for m in services.list_meters(db)}
    assert ids["Master Meter [139067318]"] == "139067318"
    assert ids["District Steam"] == "139179128"
    assert services.get_facility(db, us_hospital.id).pm_property_id is None  # 9 properties


def test_without_create_meters_unknown_meters_are_row_errors(db) -> None:
    result = import_readings(db, BPS)
    assert result.status == "failed" and result.inserted == 0
    assert "no such meter" in result.errors[0].reason
    assert len(result.unknown_meters) == 17
    with pytest.raises(InputError, match="give --create-meters too"):
        import_readings(db, BPS, ImportOptions(properties="create", country="US"))
    assert db.execute("SELECT count(*) FROM facilities").fetchone()[0] == 0


def test_pm_ids_are_unique_where_set(db, us_hospital) -> None:
    """Migration 0011: one facility per PM property id, one meter per PM meter id."""
    from greencare.core.errors import ConflictError

    services.add_meter(db, facility=us_hospital.id, name="A", commodity="electricity",
                       pm_meter_id="139067318")  # fmt: skip
    services.add_meter(db, facility=us_hospital.id, name="B", commodity="electricity")
    services.add_meter(db, facility=us_hospital.id, name="C", commodity="electricity")  # NULLs
    with pytest.raises(ConflictError, match="another meter is Portfolio Manager meter"):
        services.add_meter(db, facility=us_hospital.id, name="D", commodity="electricity",
                           pm_meter_id="139067318")  # fmt: skip
    services.update_facility(db, us_hospital.id, pm_property_id="22178843")
    with pytest.raises(ConflictError, match="another facility is Portfolio Manager property"):
        services.add_facility(db, name="Other", country="GB", pm_property_id="22178843")
    with pytest.raises(InputError, match="Portfolio Manager id"):
        services.add_facility(db, name="Bad", country="GB", pm_property_id="=1+1")
    applied = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations")]
    assert "0011_portfolio_manager_ids" in applied
