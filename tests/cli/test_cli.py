"""The command line, driven through click's CliRunner against database files in tmp_path."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from greencare.cli import main

FACILITY_ADD = [
    "facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX",
    "--floor-area", "350000 ft**2", "--beds", "250",
]  # fmt: skip
METER_ADD = ["meter", "add", "St Example", "Gas", "--commodity", "natural_gas", "--unit", "therm"]
READING_ADD = [
    "reading", "add", "Gas", "--start", "2025-01-01", "--end", "2025-01-31",
    "--quantity", "10000", "--unit", "therm",
]  # fmt: skip


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    """A runner whose default database locations are inside tmp_path, never the user's."""
    return CliRunner(
        env={
            "GREENCARE_DB": str(tmp_path / "default-should-not-exist.db"),
            "XDG_DATA_HOME": str(tmp_path / "xdg"),
        }
    )


@pytest.fixture
def cli(runner: CliRunner, tmp_db_path: Path):
    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(tmp_db_path), *args])

    return run


@pytest.fixture
def with_meter(cli, tmp_db_path: Path) -> Path:
    for args in (["init"], FACILITY_ADD, METER_ADD):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return tmp_db_path


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def snapshot(path: Path) -> tuple:
    return (
        query(path, "SELECT * FROM readings ORDER BY id"),
        query(path, "SELECT * FROM audit_log ORDER BY id"),
        query(path, "SELECT * FROM meters ORDER BY id"),
    )


def assert_one_error_line(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


# --- the happy path ------------------------------------------------------------------------


def test_init(cli, tmp_db_path: Path) -> None:
    result = cli("init", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    tables = query(tmp_db_path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")[0][0]
    assert data == {"db": str(tmp_db_path), "tables": tables}
    assert tables >= 9
    assert query(tmp_db_path, "SELECT name FROM _sqlite_migrations ORDER BY id")[0] == (
        "0001_initial",
    )


def test_init_text(cli, tmp_db_path: Path) -> None:
    result = cli("init")
    assert result.exit_code == 0
    tables = query(tmp_db_path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")[0][0]
    assert result.stdout == f"database ready: {tmp_db_path} ({tables} tables)\n"


def test_facility_add_and_list(cli, tmp_db_path: Path) -> None:
    assert cli("init").exit_code == 0
    added = cli(*FACILITY_ADD)
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "added facility 1: St Example (America/Los_Angeles)"
    listed = cli("facility", "list", "--json")
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "St Example"
    assert row["country"] == "US"
    assert row["grid_region"] == "CAMX"
    assert row["timezone"] == "America/Los_Angeles"
    assert (row["floor_area"], row["floor_area_unit"], row["staffed_beds"]) == (
        350000.0,
        "ft**2",
        250,
    )
    assert query(tmp_db_path, "SELECT source FROM audit_log") == [("cli",)]
    text = cli("facility", "list")
    assert "St Example" in text.stdout
    assert text.stdout.splitlines()[0].split() == [
        "id", "name", "kind", "country", "grid_region", "timezone", "floor_area",
        "floor_area_unit", "staffed_beds",
    ]  # fmt: skip


def test_meter_add_and_list(cli, with_meter: Path) -> None:
    result = cli("meter", "list", "--json")
    assert result.exit_code == 0
    meters = json.loads(result.stdout)
    assert [(m["name"], m["commodity"], m["unit"], m["delivery_class"]) for m in meters] == [
        ("Gas", "natural_gas", "therm", "metered")
    ]
    text = cli("meter", "list")
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["id", "facility_id", "name", "commodity", "unit", "delivery_class"]
    assert lines[2].split() == ["1", "1", "Gas", "natural_gas", "therm", "metered"]


def test_reading_add_json(cli, with_meter: Path) -> None:
    result = cli(*READING_ADD, "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["meter"] == "Gas"
    assert row["facility"] == "St Example"
    assert (row["start"], row["end"]) == ("2025-01-01", "2025-01-31")
    assert (row["quantity"], row["unit"]) == (10000.0, "therm")
    assert row["quantity_canonical"] == pytest.approx(293071.1111, rel=1e-9)
    assert row["canonical_unit"] == "kWh"
    assert row["source"] == "cli"
    stored = query(
        with_meter, "SELECT meter_id, start_utc, end_utc, quantity, unit, quantity_canonical, "
        "source FROM readings",
    )  # fmt: skip
    assert len(stored) == 1
    meter_id, start, end, quantity, unit, canonical, source = stored[0]
    assert (meter_id, start, end) == (1, 1_735_718_400, 1_735_718_400 + 31 * 86_400)
    assert (quantity, unit, source) == (10000.0, "therm", "cli")
    assert canonical == pytest.approx(293071.1111, rel=1e-9)


def test_reading_add_text(cli, with_meter: Path) -> None:
    result = cli(*READING_ADD)
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "added reading 1: Gas 2025-01-01 to 2025-01-31, 10,000 therm = 293,071.1 kWh"
    )


def test_reading_list(cli, with_meter: Path) -> None:
    assert cli(*READING_ADD).exit_code == 0
    feb = ["reading", "add", "Gas", "--start", "2025-02-01", "--end", "2025-02-28"]
    assert cli(*feb, "--quantity", "8000", "--cost", "7200").exit_code == 0
    result = cli("reading", "list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [(r["start"], r["quantity"], r["cost"], r["currency"]) for r in rows] == [
        ("2025-02-01", 8000.0, 7200.0, "USD"),
        ("2025-01-01", 10000.0, None, None),
    ]
    limited = json.loads(cli("reading", "list", "--json", "--limit", "1").stdout)
    assert [r["start"] for r in limited] == ["2025-02-01"]
    text = cli("reading", "list", "--meter", "Gas")
    assert text.exit_code == 0
    assert len(text.stdout.splitlines()) == 4


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"--unit": "furlongz"}, ("unknown unit 'furlongz'",)),
        ({"--unit": "kg"}, ("cannot measure natural gas",)),
        ({"--quantity": "-10"}, ("quantity -10 is negative",)),
        ({"--quantity": "abc"}, ("'abc' is not a number",)),
        ({"--start": "2025-02-01", "--end": "2025-01-01"}, ("must end after it starts",)),
        ({"--start": "someday"}, ("'someday' is not a date",)),
        # An end of 9999-12-31 was a traceback (its next midnight is in year 10000).
        ({"--start": "9999-12-01", "--end": "9999-12-31"}, ("the year 9999 is outside",)),
        ({"--start": "1066-01-01"}, ("the year 1066 is outside the years greencare stores",)),
    ],
)
def test_reading_add_errors(cli, with_meter: Path, changes: dict[str, str], fragments) -> None:
    args = list(READING_ADD)
    for option, value in changes.items():
        args[args.index(option) + 1] = value
    before = snapshot(with_meter)
    result = cli(*args)
    assert_one_error_line(result, *fragments)
    assert snapshot(with_meter) == before


@pytest.mark.parametrize(
    "args",
    [
        ["normalizer", "set", "St Example", "--month", "9999-12", "--patient-days", "10"],
        ["emissions", "--year", "9999"],
        ["emissions", "--from", "2025-01", "--to", "9999-12"],
        ["waste", "add", "St Example", "--start", "0001-01-01", "--end", "0001-01-31",
         "--stream", "solid_waste", "--route", "landfill", "--quantity", "1", "--unit", "kg"],
    ],
)  # fmt: skip
def test_years_outside_those_stored(cli, with_meter: Path, args: list[str]) -> None:
    # A normalizer for 9999-12 said "month must be YYYY-MM, not '10000-01'", emissions for 9999
    # "year 10000 is out of range", and a waste record of year 1 was stored.
    before = snapshot(with_meter)
    assert_one_error_line(cli(*args), "outside the years greencare stores (1900 to 2199)")
    assert snapshot(with_meter) == before


def test_unknown_meter(cli, with_meter: Path) -> None:
    before = snapshot(with_meter)
    args = ["reading", "add", "Steam", *READING_ADD[3:]]
    assert_one_error_line(cli(*args), "no meter 'Steam'")
    assert snapshot(with_meter) == before


def test_overlapping_reading(cli, with_meter: Path) -> None:
    assert cli(*READING_ADD).exit_code == 0
    before = snapshot(with_meter)
    assert_one_error_line(cli(*READING_ADD), "period overlaps the reading of meter")
    assert snapshot(with_meter) == before


def test_duplicate_facility(cli, with_meter: Path) -> None:
    assert_one_error_line(cli(*FACILITY_ADD), "a facility named 'St Example' already exists")
    assert query(with_meter, "SELECT count(*) FROM facilities") == [(1,)]


def test_bad_floor_area(cli, tmp_db_path: Path) -> None:
    args = list(FACILITY_ADD)
    args[args.index("--floor-area") + 1] = "350000 kg"
    assert_one_error_line(cli(*args), "floor_area_unit: 'kg' is not an area unit")


@pytest.mark.parametrize(
    "args", [["reading", "list"], ["facility", "list"], ["meter", "list", "--json"]]
)
def test_listing_a_missing_db(cli, tmp_db_path: Path, args: list[str]) -> None:
    result = cli(*args)
    assert_one_error_line(result, f"no database at {tmp_db_path}", "greencare init")
    assert not tmp_db_path.exists()


def test_missing_option_is_a_usage_error(cli, with_meter: Path) -> None:
    before = snapshot(with_meter)
    result = cli("reading", "add", "Gas", "--start", "2025-01-01", "--end", "2025-01-31")
    assert result.exit_code == 2
    assert "Missing option '--quantity'" in result.stderr
    assert snapshot(with_meter) == before


def test_bad_choice_is_a_usage_error(cli, with_meter: Path) -> None:
    result = cli("meter", "add", "St Example", "Oil", "--commodity", "whale_oil")
    assert result.exit_code == 2
    assert "whale_oil" in result.stderr


# --- help ----------------------------------------------------------------------------------


def walk(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, group
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))
        else:
            yield (*path, name), command


ALL_COMMANDS = list(walk(main))


def test_walk_finds_every_command() -> None:
    paths = {" ".join(p) for p, _ in ALL_COMMANDS}
    assert {"", "init", "demo", "tui", "facility add", "facility list", "meter add"} <= paths
    assert {"meter list", "reading add", "reading list", "facility", "meter", "reading"} <= paths


@pytest.mark.parametrize(
    ("path", "command"), ALL_COMMANDS, ids=[" ".join(p) or "main" for p, _ in ALL_COMMANDS]
)
def test_help(runner: CliRunner, tmp_path: Path, path: tuple[str, ...], command: click.Command):
    assert command.help, f"{' '.join(path) or 'greencare'} has no docstring"
    result = runner.invoke(main, ["--db", str(tmp_path / "x.db"), *path, "--help"])
    assert result.exit_code == 0, result.output
    first_line = command.help.strip().splitlines()[0]
    assert " ".join(first_line.split()) in " ".join(result.stdout.split())
    assert result.stdout.startswith("Usage: ")
    assert not (tmp_path / "x.db").exists()


# --- demo ----------------------------------------------------------------------------------


def test_demo_builds_once(cli, tmp_db_path: Path) -> None:
    result = cli("demo", "--no-tui", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["built"] is True
    assert summary["db"] == str(tmp_db_path)
    assert summary["counts"]["facilities"] == 2
    assert summary["counts"]["meters"] == 11
    assert summary["counts"]["readings"] > 35_000
    assert query(tmp_db_path, "SELECT count(*) FROM facilities") == [(2,)]
    assert query(tmp_db_path, "SELECT count(*) FROM meters") == [(11,)]
    (readings,) = query(tmp_db_path, "SELECT count(*) FROM readings")[0]
    assert readings == summary["counts"]["readings"]
    assert readings > 35_000
    assert not Path(f"{tmp_db_path}.building").exists()

    again = cli("demo", "--no-tui", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout) == {"db": str(tmp_db_path), "built": False, "counts": {}}
    assert query(tmp_db_path, "SELECT count(*) FROM readings") == [(readings,)]
