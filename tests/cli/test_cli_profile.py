"""``greencare meter profile``: the monthly interval metrics of the demo's interval meter,
checked against the hourly roll-up by SQL, with --from/--to/--month, --json and clear refusals."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from demo_helpers import copy_demo

from greencare.cli import main

METER = "Central plant electric"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory, demo_template) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    copy_demo(demo_template, path)
    return path


@pytest.fixture
def cli(demo_path: Path, tmp_path: Path):
    runner = CliRunner(
        env={"GREENCARE_DB": str(tmp_path / "no.db"), "XDG_DATA_HOME": str(tmp_path)}
    )

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(demo_path), *args])

    return run


def sql(path: Path, query: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(query, params).fetchall()


def test_json_metrics_match_the_hourly_roll_up(cli, demo_path: Path) -> None:
    done = cli("meter", "profile", METER, "--month", "2025-07", "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert result["power_unit"] == "kW" and result["timezone"] == "America/New_York"
    (july,) = result["months"]
    assert july["month"] == "2025-07"
    # July 2025 in New York: 04:00Z on the 1st to 04:00Z on 1 August
    lo, hi = 1751342400, 1754020800
    energy, seconds, peak = sql(
        demo_path,
        "SELECT sum(h.quantity_canonical), sum(h.seconds), max(h.peak_rate) FROM reading_hours h "
        "JOIN meters m ON m.id = h.meter_id WHERE m.name = ? AND hour_utc >= ? AND hour_utc < ?",
        (METER, lo, hi),
    )[0]
    assert july["energy"] == pytest.approx(energy, rel=1e-12)
    assert july["hours_covered"] == seconds / 3600 == 744
    assert july["peak_power"] == peak
    # the peak is the highest 15-minute reading of the month, by the raw readings
    (raw_peak, raw_start), *_ = sql(
        demo_path,
        "SELECT r.quantity_canonical * 3600.0 / (r.end_utc - r.start_utc), r.start_utc "
        "FROM readings r JOIN meters m ON m.id = r.meter_id WHERE m.name = ? "
        "AND r.start_utc >= ? AND r.start_utc < ? AND r.end_utc - r.start_utc <= 3600 "
        "ORDER BY 1 DESC, 2 LIMIT 1",
        (METER, lo, hi),
    )
    assert july["peak_power"] == pytest.approx(raw_peak, rel=1e-12)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    assert (
        july["peak_start"]
        == datetime.fromtimestamp(raw_start, ZoneInfo("America/New_York")).isoformat()
    )
    assert july["load_factor"] == pytest.approx(energy / 744 / peak, rel=1e-12)
    assert sum(july["tou_shares"].values()) == pytest.approx(1.0)
    assert set(result["definitions"]) == {
        "peak_power", "load_factor", "base_load", "after_hours_share", "tou_shares"
    }  # fmt: skip


def test_text_table_lists_each_month_with_definitions(cli) -> None:
    done = cli("meter", "profile", METER, "--facility", "Riverside General Hospital",
               "--from", "2025-03", "--to", "2025-05")  # fmt: skip
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Central plant electric (Riverside General Hospital)")
    assert "peak (kW)" in lines[1] and "load factor" in lines[1] and "base (kW)" in lines[1]
    assert [line[:7] for line in lines[3:6]] == ["2025-03", "2025-04", "2025-05"]
    assert "Definitions:" in done.stdout and "LBNL" not in done.stdout  # cited in the README
    assert "5th percentile" in done.stdout and "PG&E" in done.stdout


def test_whole_year_by_default(cli) -> None:
    result = json.loads(cli("meter", "profile", METER, "--json").stdout)
    assert [m["month"] for m in result["months"]] == [f"2025-{m:02d}" for m in range(1, 13)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Main electric"], "Main electric (Riverside General Hospital) has no interval readings"),
        ([METER, "--month", "2025-13"], "'2025-13' is not a month (YYYY-MM)"),
        ([METER, "--from", "2025-05", "--to", "2025-03"], "from 2025-05 is after to 2025-03"),
        ([METER, "--month", "2030-01"], "no interval readings from 2030-01 to 2030-01"),
        (["No such meter"], "no meter 'No such meter'"),
    ],
)
def test_refusals_are_one_line(cli, args: list[str], message: str) -> None:
    done = cli("meter", "profile", *args)
    assert done.exit_code != 0
    assert message in done.output
    assert "Traceback" not in done.output and len(done.output.strip().splitlines()) == 1


def test_month_and_range_together_is_a_usage_error(cli) -> None:
    done = cli("meter", "profile", METER, "--month", "2025-01", "--from", "2025-01")
    assert done.exit_code == 2 and "--month, or --from/--to" in done.output
