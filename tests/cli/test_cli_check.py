"""`greencare check`: the stored roll-up against a rebuild from the readings."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from greencare.cli import main


@pytest.fixture
def cli(tmp_path: Path):
    runner = CliRunner(env={"GREENCARE_DB": str(tmp_path / "unused.db"),
                            "XDG_DATA_HOME": str(tmp_path / "xdg")})  # fmt: skip
    db = tmp_path / "hospital.db"

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(db), *args])

    for args in (
        ["init"],
        ["facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX"],
        ["meter", "add", "St Example", "Main", "--commodity", "electricity", "--unit", "kWh"],
        ["reading", "add", "Main", "--start", "2025-01-14", "--end", "2025-02-12",
         "--quantity", "1000.1"],
    ):  # fmt: skip
        assert run(*args).exit_code == 0, args
    run.db = db  # type: ignore[attr-defined]
    return run


def _months(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT * FROM reading_months ORDER BY 1, 2, 3, 4").fetchall()
    finally:
        conn.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _tamper(db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE reading_months SET quantity = quantity + 1e-9 WHERE month = '2025-02'")
    conn.close()


def test_check_passes_on_a_database_greencare_wrote(cli) -> None:
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert result.stdout == "roll-up ok: 2 meter-months equal a rebuild from 1 readings\n"


def test_check_reports_a_difference_and_changes_nothing(cli) -> None:
    _tamper(cli.db)
    before = _months(cli.db)
    result = cli("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "roll-up differs from a rebuild from the readings in 1 values:"
    assert lines[1].startswith("  meter 1 2025-02 kWh - quantity: stored ")
    assert lines[2] == "run `greencare check --repair` to rebuild it"
    assert _months(cli.db) == before


def test_check_json_and_repair(cli) -> None:
    _tamper(cli.db)
    result = cli("check", "--repair", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["ok"], data["difference_count"], data["repaired"]) == (False, 1, True)
    (difference,) = data["differences"]
    assert difference["column"] == "quantity"
    assert difference["stored"] == pytest.approx(difference["expected"] + 1e-9, abs=1e-12)
    assert cli("check").exit_code == 0
