"""`greencare baseline` and `greencare savings` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from greencare import services
from greencare.cli import main

# The synthetic Illinois hospital of tests/services/test_baselines.py: 3PH, 10 % saved in 2025.
BASE, SLOPE, BALANCE = 3000.0, 120.0, 57.5


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """Built once: the commands only read it."""
    from greencare.services import weather

    path = tmp_path_factory.mktemp("baseline") / "b.db"
    db = services.open_db(path)
    fac = services.add_facility(db, name="Springfield General", country="US", region="IL",
                                grid_region="SRMW", floor_area="400000 ft**2")  # fmt: skip
    meter = services.add_meter(db, facility=fac.id, name="Main", commodity="electricity",
                               unit="kWh")  # fmt: skip
    frame = weather.nclimdiv_state_months("IL")
    frame = frame[(frame["month"] >= "2023-01") & (frame["month"] <= "2025-08")]
    for i, (month, hdd, cdd) in enumerate(
        zip(frame["month"], frame["hdd_65f"], frame["cdd_65f"], strict=True)
    ):
        p = pd.Period(month, freq="M")
        t = 65.0 + (cdd - hdd) / p.days_in_month
        q = p.days_in_month * (BASE + SLOPE * max(0.0, BALANCE - t)) * (1 + 0.01 * ((i % 3) - 1))
        q *= 0.9 if month >= "2025-01" else 1.0
        services.add_reading(db, meter=meter.id, start=p.start_time.date().isoformat(),
                             end=p.end_time.date().isoformat(), quantity=round(q, 2),
                             cost=round(q * 0.12, 2), currency="USD")  # fmt: skip
    db.close()
    return path


@pytest.fixture
def cli(database: Path, tmp_path: Path):
    runner = CliRunner(env={"GREENCARE_DB": str(tmp_path / "unused.db")})

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(database), *args])

    return run


def test_baseline_shows_the_model_and_its_statistics(cli) -> None:
    result = cli("baseline", "--from", "2023-01", "--to", "2024-12")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "baseline for Springfield General, all energy meters (electricity)" in out
    assert "weather: NOAA NCEI nClimDiv v1.0.0-20250905 (noaa-nclimdiv/2025), state IL" in out
    assert "model: 3PH, 3-parameter heating: fit for savings (ASHRAE Guideline 14-2014" in out
    assert "CV(RMSE) ≤ 15%, |NMBE| ≤ 0.5%" in out
    assert "models tried:" in out and "heating_slope" in out


def test_baseline_json(cli) -> None:
    result = cli("baseline", "--meter", "Main", "--from", "2023-01", "--to", "2024-12",
                 "--unit", "MMBtu", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["meter"] == "Main"
    assert data["energy_unit"] == "MMBtu"
    model = data["model"]
    assert model["model"] == "3PH"
    assert model["heating_balance_point"] == pytest.approx(BALANCE, abs=0.5)
    assert model["base_load_per_day"] == pytest.approx(BASE * 0.003412141633, rel=0.02)
    assert model["n"] == 24 and model["p"] == 3
    assert {c["name"] for c in model["coefficients"]} == {"base_load", "heating_slope"}
    assert len(data["months"]) == 24


def test_savings_text_and_json(cli) -> None:
    result = cli("savings", "--baseline", "2023..2024", "--report", "2025")
    assert result.exit_code == 0, result.output
    assert "IPMVP Option C" in result.output
    assert "months without energy use: 2025-09, 2025-10, 2025-11, 2025-12" in result.output
    assert "avoided cost" in result.output
    result = cli("savings", "--baseline", "2023..2024", "--report", "2025", "--json")
    data = json.loads(result.stdout)
    assert data["total"]["avoided_pct"] == pytest.approx(10.0, abs=1.0)
    assert len(data["months"]) == 8
    assert data["currency"] == "USD"
    assert data["baseline"]["model"]["model"] == "3PH"


def test_one_line_errors(cli) -> None:
    result = cli("baseline", "--from", "2024-01", "--to", "2024-06")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: Springfield General: 6 month(s) in 2024-01..2024-06 have both energy use and "
        "weather; a baseline needs at least 12 (a full year covers the seasons)"
    )
    result = cli("savings", "--baseline", "2024", "--report", "2024-07..2025-06")
    assert result.exit_code == 1
    assert "overlaps the baseline" in result.stderr
    assert "Traceback" not in result.output
    result = cli("baseline", "--from", "2024-13", "--to", "2025-01")
    assert result.exit_code == 1
    assert "is not a month" in result.stderr


def test_a_model_that_fails_the_limits_is_flagged(cli) -> None:
    result = cli("savings", "--baseline", "2023..2024", "--report", "2025", "--model", "mean")
    assert result.exit_code == 0, result.output
    assert "model: mean, mean (no weather dependence): NOT fit for savings" in result.output
    assert "is above the 15% limit" in result.output
    assert "warning: the baseline model is not fit for savings" in result.output
