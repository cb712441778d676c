"""Billed demand from the command line: ``reading add/edit --demand-kw --demand-cost``, kept by
other edits, cleared, audited; the billed-vs-metered peak warning against the demo's interval
meter of the same facility (a warning, never a refusal)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from demo_helpers import copy_demo

from greencare.cli import main


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    copy_demo(demo_template, path)
    return path


@pytest.fixture
def cli(demo_file: Path, tmp_path: Path):
    db = tmp_path / "demo.db"
    shutil.copy(demo_file, db)
    runner = CliRunner(
        env={"GREENCARE_DB": str(tmp_path / "no.db"), "XDG_DATA_HOME": str(tmp_path)}
    )

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(db), *args])

    run.db = db  # type: ignore[attr-defined]
    return run


def sql(db: Path, query: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, params).fetchall()


def bill(db: Path, start_day: str) -> int:
    (row,) = sql(db, "SELECT r.id FROM readings r JOIN meters m ON m.id = r.meter_id WHERE "
                 "m.name = 'Main electric' AND date(r.start_utc, 'unixepoch') = ?", (start_day,))  # fmt: skip
    return int(row[0])


def test_add_with_demand_then_edit_keeps_it_and_clear_removes_it(cli) -> None:
    done = cli("reading", "add", "Main electric", "--start", "2026-01-15", "--end", "2026-02-14",
               "--quantity", "900000", "--cost", "100000", "--demand-kw", "1,450.5",
               "--demand-cost", "8700", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    row = json.loads(done.stdout)
    assert (row["demand_kw"], row["demand_cost"], row["currency"]) == (1450.5, 8700.0, "USD")
    assert row["warnings"] == []  # no interval data in 2026
    assert sql(cli.db, "SELECT demand_kw, demand_cost FROM readings WHERE id = ?",
               (row["id"],)) == [(1450.5, 8700.0)]  # fmt: skip
    assert cli("reading", "edit", str(row["id"]), "--quantity", "910000").exit_code == 0
    assert sql(cli.db, "SELECT quantity, demand_kw, demand_cost FROM readings WHERE id = ?",
               (row["id"],)) == [(910000.0, 1450.5, 8700.0)]  # fmt: skip
    cleared = cli("reading", "edit", str(row["id"]), "--clear-demand")
    assert cleared.exit_code == 0, cleared.output
    assert sql(cli.db, "SELECT demand_kw, demand_cost FROM readings WHERE id = ?",
               (row["id"],)) == [(None, None)]  # fmt: skip
    audit = sql(cli.db, "SELECT action, after FROM audit_log WHERE table_name = 'readings' AND "
                "row_id = ? ORDER BY id", (row["id"],))  # fmt: skip
    assert [a for a, _ in audit] == ["insert", "update", "update"]
    assert '"demand_kw": 1450.5' in audit[1][1] and '"demand_kw": null' in audit[2][1]


def test_billed_demand_below_the_metered_peak_is_a_warning(cli) -> None:
    # Main electric's bill from 2025-10-11 to 2025-11-14; Central plant electric (15-minute,
    # same facility, electricity) peaks at its highest reading in that period.
    reading_id = bill(cli.db, "2025-10-11")
    (peak, start), *_ = sql(cli.db,
        "SELECT h.peak_rate, h.peak_start_utc FROM reading_hours h JOIN meters m ON "
        "m.id = h.meter_id JOIN readings r ON r.id = ? WHERE m.name = 'Central plant electric' "
        "AND h.peak_start_utc >= r.start_utc AND h.peak_start_utc < r.end_utc "
        "ORDER BY h.peak_rate DESC LIMIT 1", (reading_id,))  # fmt: skip
    low = cli("reading", "edit", str(reading_id), "--demand-kw", f"{peak - 100:.1f}")
    assert low.exit_code == 0, low.output
    assert (f"warning: billed demand {peak - 100:,.1f} kW (2025-10-11 to 2025-11-14) is below "
            f"the metered peak {peak:,.1f} kW of Central plant electric") in low.stderr  # fmt: skip
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime.fromtimestamp(start, ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert f"Central plant electric at {at} in the same period" in low.stderr
    assert sql(cli.db, "SELECT demand_kw FROM readings WHERE id = ?",
               (reading_id,)) == [(round(peak - 100, 1),)]  # stored all the same  # fmt: skip
    high = cli("reading", "edit", str(reading_id), "--demand-kw", f"{peak + 50:.1f}")
    assert high.exit_code == 0 and "warning" not in high.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--demand-kw", "-3"], "demand_kw: Input should be greater than or equal to 0"),
        (["--demand-kw", "lots"], "demand_kw: 'lots' is not a number"),
        (["--demand-kw", "5", "--clear-demand"], "not both"),
    ],
)
def test_bad_demand_is_refused_in_one_line(cli, args: list[str], message: str) -> None:
    reading_id = bill(cli.db, "2025-10-11")
    before = sql(cli.db, "SELECT * FROM readings WHERE id = ?", (reading_id,))
    done = cli("reading", "edit", str(reading_id), *args)
    assert done.exit_code == 1 and message in done.output
    assert len(done.output.strip().splitlines()) == 1
    assert sql(cli.db, "SELECT * FROM readings WHERE id = ?", (reading_id,)) == before
