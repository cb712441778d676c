"""``greencare emissions --compare``: why a year changed, on a small database whose parts are
known by hand and on the demo, through CliRunner. The parts always add up to the change."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from demo_helpers import copy_demo
from pytest import approx

from greencare.cli import main
from greencare.core.decompose import PARTS, SCOPE_KEYS

LB = 0.45359237  # kg per lb (exact)
#: RFCE per MWh (lb CO2, CH4, N2O), AR5: Hub 2024 (eGRID2022) for 2022, Hub 2025 (eGRID2023)
#: for 2023, as tests/cli/test_cli_emissions.py checks them against the workbooks.
EGRID2022 = 657.386 + 0.045 * 28 + 0.006 * 265
EGRID2023 = 594.74 + 0.036 * 28 + 0.005 * 265


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compare-cli")


@pytest.fixture(scope="module")
def runner(home: Path) -> CliRunner:
    return CliRunner(env={"GREENCARE_DB": str(home / "no.db"), "XDG_DATA_HOME": str(home / "xdg")})


@pytest.fixture(scope="module")
def small_db(home: Path) -> Path:
    """One hospital using 100 then 110 MWh, a wing added in 2023, a clinic closed after 2022."""
    from greencare import services

    path = home / "small.db"
    db = services.open_db(str(path))
    for name in ("East General", "New Wing", "Old Clinic"):
        fac = services.add_facility(db, name=name, country="US", grid_region="RFCE")
        kind = ("Power", "electricity", "MWh") if name == "East General" else (
            f"{name} gas", "natural_gas", "MMBtu")  # fmt: skip
        services.add_meter(db, facility=fac.id, name=kind[0], commodity=kind[1], unit=kind[2])
    for year, mwh in ((2022, 100), (2023, 110)):
        services.add_reading(db, meter="Power", start=f"{year}-06-01", end=f"{year}-06-30",
                             quantity=mwh)  # fmt: skip
    services.add_reading(db, meter="New Wing gas", start="2023-06-01", end="2023-06-30",
                         quantity=1000)  # fmt: skip
    services.add_reading(db, meter="Old Clinic gas", start="2022-06-01", end="2022-06-30",
                         quantity=500)  # fmt: skip
    db.close()
    return path


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def run_json(runner: CliRunner, db: Path, *args: str) -> dict:
    return json.loads(ok(runner.invoke(main, ["--db", str(db), *args, "--json"])).stdout)


def _parts(scope: dict) -> dict[str, dict]:
    return {p["part"]: p for p in scope["parts"]}


def assert_adds_up(data: dict) -> None:
    for scope in data["scopes"]:
        exact = [p["t"] for p in scope["parts"]]
        shown = [p["shown_t"] for p in scope["parts"]]
        assert [p["part"] for p in scope["parts"]] == list(PARTS)
        assert math.fsum(exact) == approx(scope["change_t"], abs=1e-9)
        assert scope["change_t"] == approx(scope["after_t"] - scope["before_t"], abs=1e-9)
        assert round(sum(shown), 6) == round(scope["shown_change_t"], 6)
        # the change as printed is the difference of the totals as printed
        assert scope["shown_change_t"] == approx(
            round(scope["after_t"], 1) - round(scope["before_t"], 1), abs=1e-9
        )
        assert scope["shown_before_t"] == round(scope["before_t"], 1)


def test_small_db_parts_by_hand(runner: CliRunner, small_db: Path) -> None:
    data = run_json(runner, small_db, "emissions", "--year", "2023", "--compare", "2022")
    assert_adds_up(data)
    assert data["facilities_added"] == ["New Wing"]
    assert data["facilities_removed"] == ["Old Clinic"]
    by_key = {s["key"]: s for s in data["scopes"]}
    assert set(by_key) == set(SCOPE_KEYS)
    s2 = _parts(by_key["scope2_location"])
    assert s2["factor_editions"]["t"] == approx(110 * LB * (EGRID2023 - EGRID2022) / 1000)
    assert s2["activity"]["t"] == approx(10 * LB * EGRID2022 / 1000)
    assert s2["facilities_added"]["t"] == 0 and s2["weather"]["t"] == 0
    (why,) = s2["factor_editions"]["explanations"]
    assert why["text"] == (
        "East General electricity: eGRID2022 -> eGRID2023 (US EPA GHG Emission Factors Hub "
        "2024 -> 2025) for RFCE"
    )
    assert by_key["scope2_location"]["biggest"] == "factor_editions"

    # the added and removed facilities' own inventories are those parts, to the kg
    wing = run_json(runner, small_db, "emissions", "--year", "2023", "--facility", "New Wing")
    clinic = run_json(runner, small_db, "emissions", "--year", "2022", "--facility", "Old Clinic")
    s1 = _parts(by_key["scope1"])
    assert s1["facilities_added"]["t"] == approx(wing["totals_t"]["scope1"], abs=1e-5)
    assert s1["facilities_removed"]["t"] == approx(-clinic["totals_t"]["scope1"], abs=1e-5)
    assert s1["factor_editions"]["t"] == 0 and s1["activity"]["t"] == 0
    # the factor part is what pinning the earlier edition shows
    pinned = run_json(runner, small_db, "emissions", "--year", "2023", "--facility",
                      "East General", "--pin", "epa-ghg-hub=2024")  # fmt: skip
    actual = run_json(runner, small_db, "emissions", "--year", "2023", "--facility",
                      "East General")  # fmt: skip
    total = _parts(by_key["total_location"])
    assert total["factor_editions"]["t"] == approx(
        actual["totals_t"]["total_location"] - pinned["totals_t"]["total_location"], abs=1e-5
    )
    assert any("East General: no weather model" in w for w in data["weather"])


def test_small_db_text(runner: CliRunner, small_db: Path) -> None:
    text = ok(runner.invoke(main, ["--db", str(small_db), "emissions", "--year", "2023",
                                   "--compare", "2022"])).stdout  # fmt: skip
    assert "Why emissions changed from 2022 to 2023" in text
    assert "Facilities added" in text and "Factor editions" in text and "Activity (use)" in text
    assert "Scope 2 (location-based) changed by" in text
    assert "the biggest driver is factor editions" in text
    assert "eGRID2022 -> eGRID2023" in text
    assert "no weather model" in text
    # without --compare the command is what it was
    plain = ok(runner.invoke(main, ["--db", str(small_db), "emissions", "--year", "2023"]))
    assert plain.stdout.startswith("GHG inventory 2023-01 to 2023-12")


def test_small_db_month_ranges(runner: CliRunner, small_db: Path) -> None:
    data = run_json(runner, small_db, "emissions", "--from", "2023-05", "--to", "2023-07",
                    "--compare-from", "2022-05", "--compare-to", "2022-07")  # fmt: skip
    assert data["a"]["label"] == "2022-05..2022-07" and data["b"]["label"] == "2023-05..2023-07"
    assert_adds_up(data)
    s2 = _parts({s["key"]: s for s in data["scopes"]}["scope2_location"])
    assert s2["factor_editions"]["t"] == approx(110 * LB * (EGRID2023 - EGRID2022) / 1000)


def test_compare_refusals(runner: CliRunner, small_db: Path) -> None:
    both = runner.invoke(main, ["--db", str(small_db), "emissions", "--year", "2023",
                                "--compare", "2022", "--compare-from", "2022-01"])  # fmt: skip
    assert both.exit_code != 0 and "Traceback" not in both.output
    half = runner.invoke(main, ["--db", str(small_db), "emissions", "--year", "2023",
                                "--compare-from", "2022-01"])  # fmt: skip
    assert half.exit_code != 0 and "--to" in half.output and "Traceback" not in half.output


@pytest.fixture(scope="module")
def demo_db(home: Path, demo_template) -> Path:
    path = home / "demo.db"
    copy_demo(demo_template, path)
    return path


def test_demo_2024_to_2025(runner: CliRunner, demo_db: Path) -> None:
    data = run_json(runner, demo_db, "emissions", "--year", "2025", "--compare", "2024")
    assert_adds_up(data)
    by_key = {s["key"]: s for s in data["scopes"]}
    for key in ("scope2_location", "scope2_market"):
        scope = by_key[key]
        parts = _parts(scope)
        assert scope["change_t"] < 0
        assert scope["biggest"] == "factor_editions"
        largest = max(parts.values(), key=lambda p: abs(p["t"]))
        assert largest["part"] == "factor_editions"
        assert abs(parts["factor_editions"]["t"]) > abs(scope["change_t"]) / 2  # most of it
    # the same totals as the inventories of each year
    for year, side in ((2024, "before_t"), (2025, "after_t")):
        inventory = run_json(runner, demo_db, "emissions", "--year", str(year))
        t = inventory["totals_t"]
        for key in SCOPE_KEYS:
            scope12 = {"scope12_location": t["scope1"] + t["scope2_location"],
                       "scope12_market": t["scope1"] + t["scope2_market"]}  # fmt: skip
            assert by_key[key][side] == approx({**t, **scope12}[key], abs=1e-5)
    text = ok(runner.invoke(main, ["--db", str(demo_db), "emissions", "--year", "2025",
                                   "--compare", "2024"])).stdout  # fmt: skip
    assert "Scope 2 (location-based) changed by" in text
    assert "the biggest driver is factor editions" in text
    # Riverside's demo weather is NOAA's PA degree days, which end 2025-08: a weather part from
    # January-August; Northgate (synthetic UK weather, nothing shipped) has none
    riverside, northgate = data["weather"]
    assert riverside.startswith("Riverside General Hospital: 3-parameter heating model")
    assert "(weather for Jan–Aug 2025 only; the weather data ends 2025-08: NOAA" in riverside
    assert northgate.startswith("Northgate Community Hospital: no weather model")
    weather = _parts(by_key["total_location"])["weather"]
    assert weather["t"] > 0  # Pennsylvania's early 2025 was colder than early 2024
    (why,) = [w for w in weather["explanations"] if w["text"].startswith("Riverside")]
    assert why["t"] == approx(weather["t"])


# The synthetic Illinois hospital of tests/cli/test_cli_baseline.py: a 3-parameter heating
# model (kWh/day = BASE + SLOPE x (BALANCE - mean temperature) below the balance point).
BASE, SLOPE, BALANCE = 3000.0, 120.0, 57.5


def _true_kwh(month: str, hdd: float, cdd: float) -> float:
    import pandas as pd

    p = pd.Period(month, freq="M")
    t = 65.0 + (cdd - hdd) / p.days_in_month
    return p.days_in_month * (BASE + SLOPE * max(0.0, BALANCE - t))


@pytest.fixture(scope="module")
def weather_db(home: Path) -> tuple[Path, dict[str, float]]:
    import pandas as pd

    from greencare import services
    from greencare.services import weather

    path = home / "weather.db"
    db = services.open_db(str(path))
    fac = services.add_facility(db, name="Springfield General", country="US", region="IL",
                                grid_region="SRMW", floor_area="400000 ft**2")  # fmt: skip
    meter = services.add_meter(db, facility=fac.id, name="Main", commodity="electricity",
                               unit="kWh")  # fmt: skip
    frame = weather.nclimdiv_state_months("IL")
    frame = frame[(frame["month"] >= "2023-01") & (frame["month"] <= "2024-12")]
    true = {"2023": 0.0, "2024": 0.0}
    for i, (month, hdd, cdd) in enumerate(
        zip(frame["month"], frame["hdd_65f"], frame["cdd_65f"], strict=True)
    ):
        p = pd.Period(month, freq="M")
        q = _true_kwh(month, hdd, cdd)
        true[month[:4]] += q
        q *= 1 + 0.01 * ((i % 3) - 1)  # the same pattern in both years
        services.add_reading(db, meter=meter.id, start=p.start_time.date().isoformat(),
                             end=p.end_time.date().isoformat(), quantity=round(q, 2))  # fmt: skip
    db.close()
    return path, true


def test_weather_part_from_the_model(runner: CliRunner, weather_db) -> None:
    path, true = weather_db
    data = run_json(runner, path, "emissions", "--year", "2024", "--compare", "2023")
    assert_adds_up(data)
    (text,) = data["weather"]
    assert text.startswith("Springfield General: 3-parameter heating model, weather moved use by")
    earlier = run_json(runner, path, "emissions", "--year", "2023")
    kwh_2023 = earlier["by_facility"][0]["site_energy_kwh"]
    s2 = _parts({s["key"]: s for s in data["scopes"]}["scope2_location"])
    # all of the use change is weather: the weather-driven kWh at 2023's t CO2e per kWh
    per_kwh = earlier["totals_t"]["scope2_location"] / kwh_2023
    expected = (true["2024"] - true["2023"]) * per_kwh
    assert abs(expected) > 1  # the two winters differ
    assert s2["weather"]["t"] == approx(expected, rel=0.05)  # the fitted model, not the truth
    assert abs(s2["activity"]["t"]) < 0.1 * abs(s2["weather"]["t"])
    assert s2["factor_editions"]["t"] == approx(0, abs=1e-9)  # eGRID2023 for both years
