"""Messages name things as the user knows them: local dates rather than ids and UTC instants,
the facilities sharing a meter name, and the nearest name to a mistyped one."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import cli_on


@pytest.fixture
def cli(tmp_path: Path):
    return cli_on(tmp_path, (
        ["init"],
        ["facility", "add", "Riverside General", "--country", "US", "--grid-region", "RFCE",
         "--timezone", "America/New_York"],
        ["facility", "add", "Lakeside Clinic", "--country", "US", "--grid-region", "RFCE",
         "--timezone", "America/Chicago"],
        ["meter", "add", "Riverside General", "Main electric", "--commodity", "electricity"],
        ["meter", "add", "Lakeside Clinic", "Main electric", "--commodity", "electricity"],
        ["meter", "add", "Riverside General", "Water", "--commodity", "water", "--unit", "m3"],
    ))  # fmt: skip


def test_an_overlap_names_the_stored_reading_by_its_local_dates(cli) -> None:
    add = ["reading", "add", "Main electric", "--facility", "Riverside General", "--accept-outlier"]
    assert (
        cli(*add, "--start", "2025-01-08", "--end", "2025-02-06", "--quantity", "900000").exit_code
        == 0
    )
    clash = cli(*add, "--start", "2025-02-01", "--end", "2025-02-28", "--quantity", "50000")
    assert clash.exit_code == 1
    message = clash.stderr.strip()
    assert "2025-01-08 to 2025-02-06" in message, message
    assert "UTC" not in message and "+00:00" not in message and "T05:00" not in message
    assert "reading 1" not in message  # no internal id


def test_an_import_overlap_names_local_dates(cli) -> None:
    add = ["reading", "add", "Main electric", "--facility", "Riverside General", "--accept-outlier"]
    assert (
        cli(*add, "--start", "2025-01-08", "--end", "2025-02-06", "--quantity", "900000").exit_code
        == 0
    )
    path = cli.path / "bills.csv"
    path.write_text(
        "meter,start,end,quantity,unit\nMain electric,2025-01-20,2025-02-19,500000,kWh\n"
    )
    done = cli("import", str(path), "--facility", "Riverside General")
    assert done.exit_code != 0
    assert (
        "overlaps the stored reading 2025-01-08 to 2025-02-06 (900000 kWh)"
        in done.output + done.stderr
    )


def test_an_import_meter_name_two_facilities_use_says_so(cli) -> None:
    path = cli.path / "shared.csv"
    path.write_text("meter,start,end,quantity,unit\nMain electric,2025-01-01,2025-01-31,5,kWh\n")
    done = cli("import", str(path))
    text = done.output + done.stderr
    assert done.exit_code != 0
    assert "is used by 2 facilities ('Lakeside Clinic', 'Riverside General')" in text, text
    assert "no such meter" not in text


def test_a_mistyped_meter_in_an_import_gets_did_you_mean(cli) -> None:
    path = cli.path / "typo.csv"
    path.write_text("meter,start,end,quantity,unit\nMain electirc,2025-01-01,2025-01-31,5,kWh\n")
    done = cli("import", str(path), "--facility", "Riverside General")
    assert "no such meter (did you mean 'Main electric'?)" in done.output + done.stderr


def test_a_mistyped_facility_gets_did_you_mean(cli) -> None:
    done = cli("reading", "list", "--facility", "Riverside Generl")
    assert done.exit_code == 1
    assert "no facility 'Riverside Generl' (did you mean 'Riverside General'?)" in done.stderr


def test_a_name_nothing_is_close_to_points_at_the_list(cli) -> None:
    done = cli("reading", "list", "--facility", "Zzyzx")
    assert "no facility 'Zzyzx' (see `greencare facility list`)" in done.stderr


def test_units_in_tables_are_spelled_as_people_write_them(cli) -> None:
    listed = cli("meter", "list")
    assert "m³" in listed.stdout and "m**3" not in listed.stdout
    added = cli("reading", "add", "Water", "--facility", "Riverside General", "--start", "2025-01-01",
                "--end", "2025-01-31", "--quantity", "12000", "--unit", "m3")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "m**3" not in added.stdout
    assert "m³" in cli("reading", "list", "--facility", "Riverside General").stdout


def test_a_reading_for_a_retired_meter_is_stored_with_a_warning(cli) -> None:
    assert cli("meter", "retire", "Water", "--facility", "Riverside General").exit_code == 0
    added = cli("reading", "add", "Water", "--facility", "Riverside General", "--start",
                "2025-01-01", "--end", "2025-01-31", "--quantity", "12000", "--unit", "m3")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "warning: the meter is retired" in added.stderr
    path = cli.path / "water.csv"
    path.write_text("meter,start,end,quantity,unit\nWater,2025-02-01,2025-02-28,11000,m3\n"
                    "Water,2025-03-01,2025-03-31,11500,m3\n")  # fmt: skip
    imported = cli("import", str(path), "--facility", "Riverside General", "--json")
    assert imported.exit_code == 0, imported.output
    import json

    warnings = [w for w in json.loads(imported.stdout)["warnings"] if "retired" in w["reason"]]
    assert [(w["line"], w["value"]) for w in warnings] == [(2, "Water")]  # once, at its first line
    assert cli("meter", "reinstate", "Water", "--facility", "Riverside General").exit_code == 0
    again = cli("reading", "add", "Water", "--facility", "Riverside General", "--start",
                "2025-04-01", "--end", "2025-04-30", "--quantity", "12000", "--unit", "m3")  # fmt: skip
    assert "retired" not in again.stderr


def test_deliveries_to_a_tank_raise_no_gap_warnings_or_missing_months(cli, tmp_path: Path) -> None:
    assert cli("meter", "add", "Riverside General", "Generator tank", "--commodity", "diesel",
               "--unit", "gal", "--delivery-class", "bulk_delivery").exit_code == 0  # fmt: skip
    path = cli.path / "deliveries.csv"
    path.write_text("meter,start,end,quantity,unit\nGenerator tank,2025-01-10,2025-01-10,800,gal\n"
                    "Generator tank,2025-06-02,2025-06-02,750,gal\n")  # fmt: skip
    import json

    done = cli("import", str(path), "--facility", "Riverside General", "--json")
    assert done.exit_code == 0, done.output
    assert [w for w in json.loads(done.stdout)["warnings"] if "gap" in w["reason"]] == []
    out = tmp_path / "r.json"
    written = cli("report", "--year", "2025", "--format", "json", "-o", str(out))
    assert written.exit_code == 0, written.output
    meters = json.loads(out.read_text())["tables"]["quality_meters"]["rows"]
    tank = next(r for r in meters if r["meter"] == "Generator tank")
    assert (tank["months_missing"], tank["missing_months"]) == (0, "deliveries, not billed monthly")
    water = next(r for r in meters if r["meter"] == "Water")
    assert water["months_missing"] == 12
