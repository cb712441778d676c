"""`greencare weather list` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from greencare.cli import main


@pytest.fixture
def cli(tmp_path: Path):
    runner = CliRunner(env={"GREENCARE_DB": str(tmp_path / "unused.db")})
    path = tmp_path / "w.db"

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(path), *args])

    return run


@pytest.fixture
def springfield(cli) -> None:
    result = cli(
        "facility", "add", "Springfield", "--country", "US", "--region", "IL",
        "--grid-region", "SRMW",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_list_json_has_the_source_on_every_row(cli, springfield) -> None:
    result = cli("weather", "list", "--from", "2025-08", "--to", "2025-09", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["missing_months"] == ["2025-09"]
    [row] = data["rows"]
    assert row["facility"] == "Springfield"
    assert (row["month"], row["hdd"], row["cdd"]) == ("2025-08", 12.0, 236.0)
    assert row["source"] == "NOAA NCEI nClimDiv v1.0.0-20250905 (noaa-nclimdiv/2025), state IL"


def test_list_text_names_the_gap(cli, springfield) -> None:
    result = cli(
        "weather", "list", "--facility", "Springfield", "--from", "2025-07", "--to", "2025-12"
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[2].split()[:3] == ["2025-07", "0", "368"]
    assert lines[-1] == "no data for 4 months: 2025-09..2025-12"


def test_list_without_a_state_is_one_error_line(cli) -> None:
    cli("facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX")
    result = cli("weather", "list")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: degree days not available for St Example: set the facility's state, "
        "e.g. region IL or Illinois"
    ]


def test_list_needs_a_facility_when_there_are_several(cli, springfield) -> None:
    cli("facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX")
    result = cli("weather", "list")
    assert result.exit_code == 1
    assert "give --facility: there are 2 facilities (" in result.stderr


def test_list_refuses_a_base_without_unit(cli, springfield) -> None:
    result = cli("weather", "list", "--base", "65")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: base '65' has no unit: write 65F (Fahrenheit) or 65C (Celsius)"
    )


DATA = Path(__file__).resolve().parents[1] / "data" / "weather"


def test_import_then_list_then_undo(cli, springfield) -> None:
    path = DATA / "noaa-daily-summaries-2023-02.csv"
    result = cli("weather", "import", str(path), "--unit", "F", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["status"], data["inserted"], data["station"]) == ("imported", 28, "USW00094846")
    listed = json.loads(cli("weather", "list", "--json").stdout)
    assert [(r["month"], r["hdd"], r["cdd"]) for r in listed["rows"]] == [("2023-02", 574.0, 0.0)]
    assert listed["rows"][0]["source"] == (
        f"station USW00094846: batch {data['batch_id']} (noaa-daily-summaries-2023-02.csv)"
    )
    undone = cli("imports", "undo", str(data["batch_id"]))
    assert undone.exit_code == 0, undone.output
    listed = json.loads(
        cli("weather", "list", "--from", "2023-02", "--to", "2023-02", "--json").stdout
    )
    assert listed["rows"][0]["hdd"] == 900.0  # NOAA statewide IL 2023-02, line 0110252023


def test_import_without_unit_is_one_error_line(cli, springfield) -> None:
    result = cli("weather", "import", str(DATA / "noaa-daily-summaries-2023-02.csv"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: noaa-daily-summaries-2023-02.csv: NOAA daily summaries do not say their unit: "
        "give --unit F (ordered as 'standard') or --unit C ('metric')"
    ]


def test_list_json_gives_null_for_a_kind_not_imported(cli, springfield) -> None:
    path = DATA / "degreedays-net-monthly-hdd.csv"
    assert cli("weather", "import", str(path)).exit_code == 0
    result = cli("weather", "list", "--base", "15.5C", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]  # strict JSON: NaN would not parse as null
    assert [(r["month"], r["hdd"], r["cdd"]) for r in rows] == [
        ("2016-01", 265.3, None),
        ("2016-02", 262.1, None),
        ("2016-03", 244.0, None),
    ]
    assert "NaN" not in result.stdout
