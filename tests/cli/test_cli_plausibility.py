"""Plausibility on the command line: refusals name the value and write nothing;
--accept-outlier records the value on purpose and says what it was accepted over."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from greencare.cli import main

FACILITY = [
    "facility", "add", "Riverside", "--country", "US", "--grid-region", "RFCE",
    "--floor-area", "600000 ft**2", "--beds", "300",
]  # fmt: skip
METER = ["meter", "add", "Riverside", "Main", "--commodity", "electricity", "--unit", "kWh"]
SLIP = [
    "reading", "add", "Main", "--start", "2025-01-01", "--end", "2025-01-31",
    "--quantity", "500000000",
]  # fmt: skip
# 500,000,000 kWh / 31 days x 365.25 x 3.412 kBtu/kWh / 600,000 ft2 = 33,501 kBtu/ft2/yr.
REFUSAL = (
    "error: quantity: 500,000,000 kWh over 31 days implies a site EUI of 33,501 kBtu/ft2/yr at "
    "Riverside (600,000 ft2); US hospitals' median is 234.3 (ENERGY STAR Portfolio Manager), "
    "refused above 2,343; refused as implausible (if the value is right, record it "
    "deliberately: accept_outlier=True in Python, --accept-outlier on the command line, "
    "Record anyway in the app)"
)


def _digest(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        rows = [
            conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("readings", "reading_months", "audit_log", "accepted_outliers")
        ]
    finally:
        conn.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture
def cli(tmp_path: Path):
    runner = CliRunner(env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    db = tmp_path / "p.db"

    def run(*args: str):
        return runner.invoke(main, ["--db", str(db), *args])

    for args in (["init"], FACILITY, METER):
        assert run(*args).exit_code == 0
    run.db = db  # type: ignore[attr-defined]
    return run


def test_reading_far_beyond_any_hospital_is_refused(cli) -> None:
    before = _digest(cli.db)
    result = cli(*SLIP)
    assert result.exit_code == 1
    assert result.stderr.strip() == REFUSAL
    assert result.stdout == ""
    assert _digest(cli.db) == before


def test_accept_outlier_records_it_and_says_so(cli) -> None:
    result = cli(*SLIP, "--accept-outlier", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["quantity"] == 500_000_000
    assert [(f["rule"], f["level"]) for f in row["plausibility"]] == [("site_eui", "refusal")]
    conn = sqlite3.connect(cli.db)
    stored = conn.execute(
        "SELECT table_name, row_id, month, rule, level, source FROM accepted_outliers"
    ).fetchall()
    audited = conn.execute(
        "SELECT count(*) FROM audit_log WHERE table_name = 'accepted_outliers'"
    ).fetchone()
    conn.close()
    assert stored == [("readings", row["id"], "2025-01", "site_eui", "refusal", "cli")]
    assert audited == (1,)


def test_warning_band_is_stored_and_printed(cli) -> None:
    # 30,000,000 kWh in January: EUI 2,010, above the 1,400 warning line, below 2,343.
    result = cli(*SLIP[:-1], "30000000")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "  accepted over a plausibility warning: 30,000,000 kWh over 31 days implies a site EUI "
        "of 2,010 kBtu/ft2/yr at Riverside (600,000 ft2); US hospitals' median is 234.3 "
        "(ENERGY STAR Portfolio Manager), warning above 1,400"
    )


def test_import_refuses_then_accepts_with_the_flag(cli, tmp_path: Path) -> None:
    path = tmp_path / "bill.csv"
    path.write_text("meter,start,end,quantity\nMain,2025-01-01,2025-01-31,500000000\n")
    before = _digest(cli.db)
    refused = cli("import", str(path))
    assert refused.exit_code == 1
    assert "bill.csv, line 2, quantity '500000000': 500,000,000 kWh over 31 days implies" in (
        refused.stderr
    )
    assert _digest(cli.db) == before
    accepted = cli("import", str(path), "--accept-outlier")
    assert accepted.exit_code == 0, accepted.output
    assert "accepted with --accept-outlier" in accepted.stdout


def test_refusal_exit_code_in_a_real_process(cli) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "greencare", "--db", str(cli.db), *SLIP],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == REFUSAL
    assert "Traceback" not in done.stderr
