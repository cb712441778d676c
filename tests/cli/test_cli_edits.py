"""Editing and deleting from the command line: waste, purchases, instruments and meters, each
with --json, exit codes, one-line errors that change nothing, confirmation before deleting,
and `audit undo` putting a changed or deleted record back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import cli_on, rows
from click.testing import Result

FACILITY = ["facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX",
            "--floor-area", "350000 ft**2", "--beds", "250"]  # fmt: skip
WASTE = ["waste", "add", "St Example", "--start", "2025-03-01", "--end", "2025-03-31",
         "--stream", "regulated_medical_waste", "--route", "autoclave_landfill",
         "--quantity", "4200", "--unit", "lb", "--cost", "1830.50", "--hauler", "Stericycle",
         "--json"]  # fmt: skip
PURCHASE = ["purchase", "add", "St Example", "--date", "2025-04-02", "--category", "325412",
            "--spend", "12000", "--supplier", "MedSupply", "--json"]  # fmt: skip
INSTRUMENT = ["instrument", "add", "St Example", "--kind", "rec", "--from", "2025-01",
              "--to", "2025-12", "--mwh", "500", "--certificate", "GC-1", "--json"]  # fmt: skip


@pytest.fixture
def cli(tmp_path: Path):
    return cli_on(tmp_path, (["init"], FACILITY,
                 ["meter", "add", "St Example", "Gas", "--commodity", "natural_gas"],
                 ["meter", "add", "St Example", "Power", "--commodity", "electricity"]))  # fmt: skip


def added(cli, args: list[str]) -> int:
    done = cli(*args)
    assert done.exit_code == 0, done.output
    return int(json.loads(done.stdout)["id"])


def one_line_error(done: Result, text: str) -> None:
    assert done.exit_code == 1, done.output
    assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1
    assert text in done.stderr, done.stderr


def last_audit(db: Path, table: str) -> int:
    return rows(db, f"SELECT max(id) FROM audit_log WHERE table_name = '{table}'")[0][0]


# --- waste ---------------------------------------------------------------------------------------


def test_waste_edit_changes_only_what_is_given(cli) -> None:
    record = added(cli, WASTE)
    done = cli("waste", "edit", str(record), "--quantity", "4,350", "--json")
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert (shown["id"], shown["quantity"], shown["cost"], shown["facility"]) == (
        record, 4350.0, 1830.5, "St Example",
    )  # fmt: skip
    assert rows(cli.db, "SELECT quantity, unit, cost, currency, hauler, stream FROM waste_records") == [
        (4350.0, "lb", 1830.5, "USD", "Stericycle", "regulated_medical_waste")
    ]  # fmt: skip
    text = cli("waste", "edit", str(record), "--clear-cost", "--clear-hauler", "--unit", "kg")
    assert text.exit_code == 0, text.output
    assert text.stdout == f"updated waste record {record}: cost, currency, hauler, unit\n"
    assert rows(cli.db, "SELECT quantity, unit, quantity_kg, cost, currency, hauler "
                "FROM waste_records") == [(4350.0, "kg", 4350.0, None, None, None)]  # fmt: skip
    log = rows(cli.db, "SELECT action, source FROM audit_log WHERE table_name = 'waste_records' "
               "ORDER BY id")  # fmt: skip
    assert log == [("insert", "cli"), ("update", "cli"), ("update", "cli")]


def test_waste_edit_refusals_change_nothing(cli) -> None:
    record = added(cli, WASTE)
    before = rows(cli.db, "SELECT * FROM waste_records")
    one_line_error(cli("waste", "edit", "99", "--quantity", "1"), "no waste record with id 99")
    one_line_error(cli("waste", "edit", str(record), "--end", "2025-02-01"), "end")
    one_line_error(cli("waste", "edit", str(record), "--unit", "gallon"), "mass")
    one_line_error(cli("waste", "edit", str(record), "--quantity", "lots"), "not a number")
    one_line_error(cli("waste", "edit", str(record)), "nothing to change")
    one_line_error(cli("waste", "edit", str(record), "--cost", "5", "--clear-cost"), "not both")
    assert rows(cli.db, "SELECT * FROM waste_records") == before


def test_waste_delete_asks_first_then_audit_undo_puts_it_back(cli) -> None:
    record = added(cli, WASTE)
    stored = rows(cli.db, "SELECT * FROM waste_records")
    refused = cli("waste", "delete", str(record), input="n\n")
    assert refused.exit_code == 1 and "Delete waste record" in refused.stderr
    assert rows(cli.db, "SELECT count(*) FROM waste_records") == [(1,)]
    no_answer = cli("waste", "delete", str(record))  # no terminal: nothing deleted
    assert no_answer.exit_code == 1
    assert rows(cli.db, "SELECT count(*) FROM waste_records") == [(1,)]
    done = cli("waste", "delete", str(record), "--json", input="y\n")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"id": record, "deleted": True}
    assert rows(cli.db, "SELECT count(*) FROM waste_records") == [(0,)]
    one_line_error(
        cli("waste", "delete", str(record), "--yes"), f"no waste record with id {record}"
    )
    entry = last_audit(cli.db, "waste_records")
    undone = cli("audit", "undo", str(entry), "--yes", "--json")
    assert undone.exit_code == 0, undone.output
    assert json.loads(undone.stdout) == {
        "entry": entry, "table": "waste_records", "row_id": record, "done": "restored",
    }  # fmt: skip
    assert rows(cli.db, "SELECT * FROM waste_records") == stored


# --- purchases -----------------------------------------------------------------------------------


def test_purchase_edit_and_delete(cli) -> None:
    purchase = added(cli, PURCHASE)
    done = cli("purchase", "edit", str(purchase), "--spend", "12,500", "--clear-supplier",
               "--description", "gloves", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["spend"] == 12500.0
    assert rows(cli.db, "SELECT spend, currency, supplier, description, category FROM purchases") == [
        (12500.0, "USD", None, "gloves", "325412")
    ]  # fmt: skip
    # a spend category becomes a healthcare item: validated like `purchase add`
    one_line_error(cli("purchase", "edit", str(purchase), "--category", "anesthetic_gas"), "item")
    changed = cli("purchase", "edit", str(purchase), "--category", "anesthetic_gas", "--item",
                  "desflurane", "--quantity", "12", "--unit", "bottle", "--clear-spend")  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert rows(cli.db, "SELECT category, item, quantity, unit, spend, currency FROM purchases") == [
        ("anesthetic_gas", "desflurane", 12.0, "bottle", None, None)
    ]  # fmt: skip
    one_line_error(cli("purchase", "edit", "42", "--spend", "1"), "no purchase with id 42")
    one_line_error(cli("purchase", "delete", "42", "--yes"), "no purchase with id 42")
    deleted = cli("purchase", "delete", str(purchase), "--yes", "--json")
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.stdout) == {"id": purchase, "deleted": True}
    assert rows(cli.db, "SELECT count(*) FROM purchases") == [(0,)]


# --- instruments ---------------------------------------------------------------------------------


def test_instrument_list_edit_and_delete(cli) -> None:
    instrument = added(cli, INSTRUMENT)
    listed = json.loads(cli("instrument", "list", "--json").stdout)
    assert [(r["id"], r["kind"], r["mwh"], r["facility"]) for r in listed] == [
        (instrument, "rec", 500.0, "St Example")
    ]
    done = cli("instrument", "edit", str(instrument), "--mwh", "650", "--meter", "Power",
               "--clear-certificate", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["mwh"] == 650.0
    assert rows(cli.db, "SELECT kind, mwh, meter_id, certificate, start_month FROM instruments") == [
        ("rec", 650.0, 2, None, "2025-01")
    ]  # fmt: skip
    one_line_error(cli("instrument", "edit", str(instrument), "--meter", "Gas"), "electricity")
    one_line_error(cli("instrument", "edit", str(instrument), "--kind", "supplier_factor"), "MWh")
    one_line_error(cli("instrument", "edit", str(instrument), "--to", "2024-06"), "before")
    one_line_error(cli("instrument", "edit", "7", "--mwh", "1"), "no instrument with id 7")
    back = cli("instrument", "edit", str(instrument), "--all-meters")
    assert back.exit_code == 0 and rows(cli.db, "SELECT meter_id FROM instruments") == [(None,)]
    assert cli("instrument", "delete", str(instrument), input="n\n").exit_code == 1
    deleted = cli("instrument", "delete", str(instrument), input="y\n")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout.endswith(f"deleted instrument {instrument}\n")
    assert rows(cli.db, "SELECT count(*) FROM instruments") == [(0,)]
    one_line_error(cli("instrument", "delete", str(instrument), "--yes"), "no instrument with id")


# --- meters --------------------------------------------------------------------------------------


def test_meter_edit_and_the_commodity_rule(cli) -> None:
    done = cli("meter", "edit", "Gas", "--name", "Main gas", "--unit", "ccf", "--notes", "rooftop",
               "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["name"] == "Main gas"
    assert rows(cli.db, "SELECT name, unit, notes, commodity FROM meters WHERE id = 1") == [
        ("Main gas", "ccf", "rooftop", "natural_gas")
    ]
    one_line_error(cli("meter", "edit", "Main gas", "--unit", "kgal"), "unit")
    one_line_error(cli("meter", "edit", "Main gas", "--name", "Power"), "already has a meter")
    one_line_error(cli("meter", "edit", "Steam", "--notes", "x"), "no meter 'Steam'")
    assert cli("reading", "add", "Main gas", "--start", "2025-01-01", "--end", "2025-01-31",
               "--quantity", "900").exit_code == 0  # fmt: skip
    refused = cli("meter", "edit", "1", "--commodity", "district_steam", "--unit", "klb")
    one_line_error(refused, "1 reading stored as natural_gas; its commodity cannot change")
    assert rows(cli.db, "SELECT commodity, unit FROM meters WHERE id = 1") == [
        ("natural_gas", "ccf")
    ]
    # without readings the commodity may change (with a unit that measures it)
    changed = cli("meter", "edit", "Power", "--commodity", "onsite_solar", "--clear-notes")
    assert changed.exit_code == 0, changed.output
    assert rows(cli.db, "SELECT commodity, unit FROM meters WHERE id = 2") == [
        ("onsite_solar", "kWh")
    ]


def test_audit_undo_reverts_a_meter_edit_and_refuses_an_older_one(cli) -> None:
    assert cli("meter", "edit", "Gas", "--name", "Boilers").exit_code == 0
    first = last_audit(cli.db, "meters")
    assert cli("meter", "edit", "Boilers", "--notes", "plant room").exit_code == 0
    second = last_audit(cli.db, "meters")
    one_line_error(cli("audit", "undo", str(first), "--yes"), f"audit entry {second}")
    assert cli("audit", "undo", str(second), "--yes").exit_code == 0
    assert cli("audit", "undo", str(first), "--yes").exit_code == 0
    assert rows(cli.db, "SELECT name, notes FROM meters WHERE id = 1") == [("Gas", None)]
    one_line_error(cli("audit", "undo", str(first), "--yes"), "undone already")
    one_line_error(cli("audit", "undo", "9999", "--yes"), "no audit entry 9999")


@pytest.mark.parametrize(
    "command",
    [("waste", "edit"), ("waste", "delete"), ("purchase", "edit"), ("purchase", "delete"),
     ("meter", "edit"), ("instrument", "edit"), ("instrument", "delete"), ("instrument", "list"),
     ("audit", "undo")],
)  # fmt: skip
def test_every_edit_command_has_help(cli, command: tuple[str, str]) -> None:
    done = cli(*command, "--help")
    assert done.exit_code == 0 and done.stdout.startswith("Usage: ")
    if command[1] == "delete":
        assert "--yes" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["reading", "list", "--limit", "99999999999999999999"],
        ["reading", "edit", "99999999999999999999", "--quantity", "5"],
        ["imports", "undo", "99999999999999999999"],
        ["meter", "list", "--facility", "99999999999999999999"],
        [
            "facility",
            "add",
            "Big",
            "--country",
            "US",
            "--grid-region",
            "CAMX",
            "--beds",
            "99999999999999999999",
        ],
    ],
)
def test_numbers_beyond_sqlite_are_one_line_errors(tmp_path: Path, args: list[str]) -> None:
    run = cli_on(tmp_path)
    done = run(*args)
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit)  # not an OverflowError traceback
    assert done.stderr.startswith("error: ") and "too large" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_repeated_local_time_is_refused_not_guessed(cli) -> None:
    """St Example is in America/Los_Angeles: 01:30 on 2025-11-02 happens twice."""
    args = ["reading", "add", "Power", "--end", "2025-11-02T02:30", "--quantity", "5"]
    done = cli(*args, "--start", "2025-11-02T01:30")
    one_line_error(done, "start: 2025-11-02T01:30 happens twice in America/Los_Angeles")
    assert "2025-11-02T01:30-07:00 (the first) or 2025-11-02T01:30-08:00 (the second)" in (
        done.stderr
    )
    assert rows(cli.db, "SELECT count(*) FROM readings") == [(0,)]
    done = cli(*args, "--start", "2025-11-02T01:30-08:00")
    assert done.exit_code == 0, done.output
    skipped = cli("reading", "edit", "1", "--start", "2025-03-09T02:30")
    one_line_error(skipped, "start: 2025-03-09T02:30 does not exist in America/Los_Angeles")
