"""CLI parity: waste, purchases, normalizers, retiring, deleting and the audit log from the
command line, each with --json, exit codes and one-line errors that write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import cli_on, rows

FACILITY = ["facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX",
            "--floor-area", "350000 ft**2", "--beds", "250"]  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path):
    return cli_on(tmp_path, (["init"], FACILITY,
                 ["meter", "add", "St Example", "Gas", "--commodity", "natural_gas"]))  # fmt: skip


def test_waste_add_and_list(cli) -> None:
    done = cli("waste", "add", "St Example", "--start", "2025-03-01", "--end", "2025-03-31",
               "--stream", "regulated_medical_waste", "--route", "autoclave_landfill",
               "--quantity", "4,200", "--unit", "lb", "--cost", "1830.50", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    new_id = json.loads(done.stdout)["id"]
    assert rows(cli.db, "SELECT stream, route, quantity, unit, cost, currency, source "
                "FROM waste_records") == [("regulated_medical_waste", "autoclave_landfill", 4200.0, "lb",
                                           1830.5, "USD", "cli")]  # fmt: skip
    listed = json.loads(cli("waste", "list", "--facility", "St Example", "--json").stdout)
    assert [(r["id"], r["quantity"], r["facility"]) for r in listed] == [
        (new_id, 4200.0, "St Example")
    ]
    assert "regulated_medical" in cli("waste", "list").stdout


def test_waste_add_refuses_a_bad_stream_and_writes_nothing(cli) -> None:
    done = cli("waste", "add", "St Example", "--start", "2025-03-01", "--end", "2025-02-01",
               "--stream", "regulated_medical_waste", "--route", "autoclave_landfill",
               "--quantity", "10", "--unit", "lb")  # fmt: skip
    assert done.exit_code == 1
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1
    assert rows(cli.db, "SELECT count(*) FROM waste_records") == [(0,)]


def test_purchase_add_and_list(cli) -> None:
    done = cli("purchase", "add", "St Example", "--date", "2025-04-02", "--category",
               "325412", "--spend", "12000", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert rows(cli.db, "SELECT category, spend, currency FROM purchases") == [
        ("325412", 12000.0, "USD")
    ]
    listed = json.loads(cli("purchase", "list", "--json").stdout)
    assert [r["spend"] for r in listed] == [12000.0]


def test_normalizer_set_a_range_in_one_transaction(cli) -> None:
    done = cli("normalizer", "set", "St Example", "--from", "2025-11", "--to", "2026-02",
               "--patient-days", "6100", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert len(json.loads(done.stdout)["ids"]) == 4
    assert rows(cli.db, "SELECT month, patient_days FROM normalizers ORDER BY month") == [
        ("2025-11", 6100.0), ("2025-12", 6100.0), ("2026-01", 6100.0), ("2026-02", 6100.0)
    ]  # fmt: skip
    listed = json.loads(cli("normalizer", "list", "St Example", "--json").stdout)
    assert [r["month"] for r in listed] == ["2026-02", "2026-01", "2025-12", "2025-11"]
    bad = cli("normalizer", "set", "St Example", "--from", "2026-03", "--to", "2026-04",
              "--patient-days", "-5")  # fmt: skip
    assert bad.exit_code == 1 and len(bad.stderr.splitlines()) == 1
    assert rows(cli.db, "SELECT count(*) FROM normalizers") == [(4,)]
    no_month = cli("normalizer", "set", "St Example", "--patient-days", "10")
    assert no_month.stderr == "error: give --month YYYY-MM, or both --from and --to (YYYY-MM)\n"


def test_retire_and_reinstate_a_facility_and_retire_a_meter(cli) -> None:
    assert cli("facility", "retire", "St Example").exit_code == 0
    assert json.loads(cli("facility", "list", "--json").stdout) == []
    assert cli("facility", "reinstate", "St Example").exit_code == 0
    assert [f["name"] for f in json.loads(cli("facility", "list", "--json").stdout)] == [
        "St Example"
    ]
    assert cli("meter", "retire", "Gas").exit_code == 0
    assert rows(cli.db, "SELECT retired FROM meters") == [(1,)]
    missing = cli("meter", "retire", "Steam")
    assert missing.exit_code == 1 and "Steam" in missing.stderr


def test_reading_delete_and_the_readable_audit_log(cli) -> None:
    added = cli("reading", "add", "Gas", "--start", "2025-01-01", "--end", "2025-01-31",
                "--quantity", "10000", "--unit", "therm", "--json")  # fmt: skip
    reading_id = json.loads(added.stdout)["id"]
    assert cli("reading", "delete", str(reading_id)).exit_code == 0
    assert rows(cli.db, "SELECT count(*) FROM readings") == [(0,)]
    again = cli("reading", "delete", str(reading_id))
    assert again.exit_code == 1 and f"no reading with id {reading_id}" in again.stderr
    log = json.loads(cli("audit", "list", "--table", "readings", "--json").stdout)
    assert [e["action"] for e in log] == ["delete", "insert"]
    inserted = log[1]["changes"]
    assert "quantity: 10,000" in inserted
    # a period reads in the facility's local dates, as entered: never epoch seconds or UTC
    assert "period: 2025-01-01 to 2025-01-31" in inserted and not any("_utc" in c for c in inserted)
    text = cli("audit", "list", "--table", "readings").stdout
    assert "period: 2025-01-01 to 2025-01-31" in text and "UTC" not in text


@pytest.mark.parametrize(
    "group", ["waste", "purchase", "normalizer", "audit", "facility", "meter", "reading"]
)
def test_every_new_group_has_help(cli, group: str) -> None:
    done = cli(group, "--help")
    assert done.exit_code == 0 and done.stdout.startswith("Usage: ")


def test_reading_edit_changes_only_what_is_given(cli) -> None:
    added = cli("reading", "add", "Gas", "--start", "2025-01-01", "--end", "2025-01-31",
                "--quantity", "10000", "--unit", "therm", "--cost", "118233.40", "--json")  # fmt: skip
    reading_id = json.loads(added.stdout)["id"]
    done = cli("reading", "edit", str(reading_id), "--quantity", "10,250", "--json")
    assert done.exit_code == 0, done.output
    assert rows(cli.db, "SELECT quantity, cost, currency FROM readings") == [
        (10250.0, 118233.4, "USD")
    ]
    assert cli("reading", "edit", str(reading_id), "--clear-cost").exit_code == 0
    assert rows(cli.db, "SELECT quantity, cost, currency FROM readings") == [(10250.0, None, None)]
    nothing = cli("reading", "edit", str(reading_id))
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr
    bad = cli("reading", "edit", str(reading_id), "--quantity", "lots")
    assert bad.exit_code == 1 and len(bad.stderr.splitlines()) == 1
    assert rows(cli.db, "SELECT quantity FROM readings") == [(10250.0,)]


def test_facility_edit(cli) -> None:
    done = cli("facility", "edit", "St Example", "--beds", "260", "--floor-area", "36000 m**2",
               "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert rows(cli.db, "SELECT staffed_beds, floor_area, floor_area_unit, grid_region "
                "FROM facilities") == [(260, 36000.0, "m**2", "CAMX")]  # fmt: skip
    bad = cli("facility", "edit", "St Example", "--grid-region", "NOPE")
    assert bad.exit_code == 1 and len(bad.stderr.splitlines()) == 1
    assert rows(cli.db, "SELECT grid_region FROM facilities") == [("CAMX",)]


@pytest.mark.parametrize(
    "args",
    [
        ["waste", "add", "St Example", "--start", "2025-03-01", "--end", "2025-03-31",
         "--stream", "solid_waste", "--route", "landfill", "--quantity", "45,5", "--unit", "tonne"],
        ["purchase", "add", "St Example", "--date", "2025-03-31", "--category", "325412",
         "--spend", "1,5", "--currency", "USD"],
        ["reading", "add", "Gas", "--start", "2025-01-01", "--end", "2025-01-31",
         "--quantity", "10,25", "--unit", "therm"],
        ["facility", "add", "Other", "--country", "US", "--grid-region", "CAMX",
         "--floor-area", "1,5 ft**2"],
    ],
)  # fmt: skip
def test_a_decimal_comma_is_refused_not_read_as_thousands(cli, args: list[str]) -> None:
    # 45,5 tonne was stored as 455 tonne, a spend of 1,5 USD as 15 USD.
    before = [rows(cli.db, f"SELECT count(*) FROM {t}") for t in ("waste_records", "purchases",
              "readings", "facilities")]  # fmt: skip
    done = cli(*args)
    assert done.exit_code == 1, done.output
    assert "a comma is read only between thousands (4,200)" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    after = [rows(cli.db, f"SELECT count(*) FROM {t}") for t in ("waste_records", "purchases",
             "readings", "facilities")]  # fmt: skip
    assert after == before
