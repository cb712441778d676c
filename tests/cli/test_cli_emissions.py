"""The factor and emissions commands (factors list/show, emissions, explain) through CliRunner,
against the demo database (two hospitals, 24 months) built once for the module in tmp_path."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from demo_helpers import copy_demo
from pytest import approx

from greencare.cli import main

RIVERSIDE = "Riverside General Hospital"
SCOPES = {
    "1": ["scope1"],
    "2": ["scope2_location", "scope2_market"],
    "3": ["scope3"],
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emissions-cli")


@pytest.fixture(scope="module")
def runner(home: Path) -> CliRunner:
    """Default database locations inside tmp_path, never the user's."""
    return CliRunner(
        env={
            "GREENCARE_DB": str(home / "default-should-not-exist.db"),
            "XDG_DATA_HOME": str(home / "xdg"),
        }
    )


@pytest.fixture(scope="module")
def demo_db(home: Path, demo_template) -> Path:
    path = home / "demo.db"
    copy_demo(demo_template, path)
    assert demo_template[1]["counts"]["facilities"] == 2
    return path


@pytest.fixture(scope="module")
def cli(runner: CliRunner, demo_db: Path):
    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(demo_db), *args])

    return run


def ok_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture(scope="module")
def riverside(cli) -> dict[str, Any]:
    return ok_json(cli("emissions", "--year", "2025", "--facility", RIVERSIDE, "--json"))


# --- factors -------------------------------------------------------------------------------

DATASETS = [
    "epa-ghg-hub/2025",
    "epa-ghg-hub/2024",
    "desnz/2024",
    "desnz/2025",
    "desnz/2026",
    "useeio/1.3",
    "ipcc-gwp/ar4",
    "ipcc-gwp/ar5",
    "ipcc-gwp/ar6",
    "healthcare/2026",
    "healthcare-waste/2021",
    "energy-star-pm/2023",
]


def test_factors_list_json_cites_every_dataset(cli) -> None:
    rows = ok_json(cli("factors", "list", "--json"))
    by_id = {r["id"]: r for r in rows}
    assert len(by_id) == len(rows)
    assert set(DATASETS) <= set(by_id)
    for ds in DATASETS:
        row = by_id[ds]
        for field in ("publisher", "edition", "licence", "url"):
            assert isinstance(row[field], str) and row[field].strip(), (ds, field)
        assert row["url"].startswith("http"), ds
    assert by_id["epa-ghg-hub/2025"]["edition"] == "2025"
    assert by_id["ipcc-gwp/ar6"]["gwp_set"] == "AR6"


def test_factors_list_text_names_every_dataset(cli) -> None:
    result = cli("factors", "list")
    assert result.exit_code == 0, result.output
    first_words = {line.split()[0] for line in result.stdout.splitlines()[2:] if line.strip()}
    assert set(DATASETS) <= first_words


def test_factors_show_natural_gas_co2(cli) -> None:
    args = ["factors", "show", "epa-ghg-hub/2025", "--activity", "natural_gas", "--gas", "CO2"]
    data = ok_json(cli(*args, "--json"))
    assert data["dataset"] == "epa-ghg-hub/2025"
    assert data["publisher"] and data["url"].startswith("http")
    assert data["rows"] and all(r["gas"] == "CO2" for r in data["rows"])
    assert all("natural_gas" in r["activity"] for r in data["rows"])
    per_mmbtu = [
        r for r in data["rows"] if r["activity"] == "natural_gas" and r["per_unit"] == "MMBtu"
    ]
    assert len(per_mmbtu) == 1
    row = per_mmbtu[0]
    assert (row["value"], row["unit"], row["factor_id"]) == (
        53.06,
        "kg",
        "t1.natural_gas.co2.per_mmbtu",
    )
    assert row["table"].startswith("Table 1") and row["source_row"]
    text = cli(*args)
    assert text.exit_code == 0, text.output
    assert "t1.natural_gas.co2.per_mmbtu" in text.stdout and "53.06" in text.stdout


def test_factors_show_unknown_dataset(cli) -> None:
    result = cli("factors", "show", "nope/1")
    assert_error(result, "nope/1", "epa-ghg-hub/2025")


# --- emissions -------------------------------------------------------------------------------


def test_emissions_one_hospital_json(riverside) -> None:
    totals = riverside["totals_t"]
    assert set(SCOPES["1"] + SCOPES["2"] + SCOPES["3"]) <= set(totals)
    assert all(totals[k] > 0 for k in ("scope1", "scope2_location", "scope2_market", "scope3"))
    for scope, keys in SCOPES.items():
        rows = [c for c in riverside["by_category"] if c["scope"] == scope]
        assert rows, scope
        assert totals[keys[0]] == approx(sum(c["co2e_t"] for c in rows), rel=1e-9)
        if scope == "2":
            market = sum(c["co2e_t_market"] for c in rows)
            assert totals["scope2_market"] == approx(market, rel=1e-9)
    assert totals["total_location"] == approx(
        totals["scope1"] + totals["scope2_location"] + totals["scope3"], rel=1e-9
    )
    months = [m["month"] for m in riverside["by_month"]]
    assert months == [f"2025-{m:02d}" for m in range(1, 13)]
    assert sum(m["scope1"] for m in riverside["by_month"]) == approx(totals["scope1"], rel=1e-8)
    ids = {d["id"] for d in riverside["datasets"]}
    assert "epa-ghg-hub/2025" in ids and "epa-ghg-hub/2024" not in ids
    assert riverside["gaps"] == []
    assert riverside["period"] == {"from": "2025-01", "to": "2025-12"}
    (facility,) = riverside["by_facility"]
    assert facility["facility"] == RIVERSIDE
    assert 200 < facility["site_eui_kbtu_per_ft2_year"] < 300


def test_emissions_text(cli, riverside) -> None:
    result = cli("emissions", "--year", "2025", "--facility", RIVERSIDE)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("GHG inventory 2025-01 to 2025-12")
    scope1 = f"{riverside['totals_t']['scope1']:,.1f}"
    assert re.search(rf"Scope 1\s+{re.escape(scope1)}\n", result.stdout)
    assert "epa-ghg-hub/2025" in result.stdout


def test_emissions_both_hospitals_price_uk_spend_as_a_proxy(cli, riverside) -> None:
    """The UK hospital's purchases in GBP are converted (ECB annual mean) and deflated (CPI-U) to
    USEEIO's 2022 dollars, and labelled a proxy; they are no longer left out as a gap."""
    data = ok_json(cli("emissions", "--year", "2025", "--json"))
    assert data["gaps"] == []
    names = [f["facility"] for f in data["by_facility"]]
    assert sorted(names) == sorted([RIVERSIDE, "Northgate Community Hospital"])
    # Riverside's figures are the same whether or not Northgate is in the report
    mine = next(f for f in data["by_facility"] if f["facility"] == RIVERSIDE)
    for key in ("scope1", "scope2_location", "scope3"):
        assert mine[key] == approx(riverside["totals_t"][key], rel=1e-9)
    assert data["totals_t"]["total_location"] > riverside["totals_t"]["total_location"]
    lines = cli("explain", "--year", "2025", "--facility", "Northgate Community Hospital",
                "--category", "cat1_purchased_goods")  # fmt: skip
    assert lines.exit_code == 0, lines.output
    assert "GBP to USD at the 2025 ECB mean 0.759185 GBP/USD" in lines.stdout
    assert "proxy: US input-output factors applied to spend in GBP" in lines.stdout


def test_emissions_gwp_ar6_differs_from_ar5(cli, riverside) -> None:
    base = ["emissions", "--year", "2025", "--facility", "1", "--json"]
    ar5 = ok_json(cli(*base, "--gwp", "AR5"))
    ar6 = ok_json(cli(*base, "--gwp", "AR6"))
    assert ar6["totals_t"]["scope1"] > ar5["totals_t"]["scope1"]
    assert ar6["totals_t"] != ar5["totals_t"]
    assert "AR6" in ar6["gwp_sets_used"] and "AR5" not in ar6["gwp_sets_used"]
    assert "AR5" in ar5["gwp_sets_used"] and "AR6" not in ar5["gwp_sets_used"]
    assert ar6["gwp"] == "AR6"
    # the EPA Hub's own set is AR5: the default and --gwp AR5 agree
    assert ar5["totals_t"] == riverside["totals_t"]
    # same gas masses, re-weighted: desflurane 1,790 (AR5) -> 2,590 (AR6)
    gas5 = {g["gas"]: g for g in ar5["by_gas"]}
    gas6 = {g["gas"]: g for g in ar6["by_gas"]}
    for gas, (gwp5, gwp6) in {"desflurane": (1790, 2590), "N2O": (265, 273)}.items():
        assert gas6[gas]["mass_kg"] == approx(gas5[gas]["mass_kg"], rel=1e-9)
        assert gas6[gas]["co2e_t"] == approx(gas5[gas]["co2e_t"] * gwp6 / gwp5, rel=1e-6)
    assert gas6["CO2"]["co2e_t"] == approx(gas5["CO2"]["co2e_t"], rel=1e-9)


def test_emissions_pin_an_earlier_edition(cli, riverside) -> None:
    data = ok_json(
        cli("emissions", "--year", "2025", "--facility", "1", "--pin", "epa-ghg-hub=2024", "--json")
    )
    ids = {d["id"] for d in data["datasets"]}
    assert "epa-ghg-hub/2024" in ids and "epa-ghg-hub/2025" not in ids
    assert data["totals_t"]["scope2_location"] != approx(
        riverside["totals_t"]["scope2_location"], rel=1e-6
    )
    assert data["gaps"] == []


def test_emissions_malformed_pin(cli) -> None:
    result = cli("emissions", "--year", "2025", "--facility", "1", "--pin", "foo")
    assert_error(result, "FAMILY=EDITION", "foo")


def test_emissions_pin_of_an_unknown_family_is_an_error(cli) -> None:
    """A misspelt family (epa-hub for epa-ghg-hub) must not be ignored: the report would
    silently use the default edition while the user believes it is pinned."""
    result = cli("emissions", "--year", "2025", "--facility", "1", "--pin", "epa-hub=2024")
    assert_error(result, "epa-hub")


def test_emissions_pin_of_a_missing_edition(cli) -> None:
    result = cli("emissions", "--year", "2025", "--facility", "1", "--pin", "epa-ghg-hub=1999")
    assert_error(result, "epa-ghg-hub/1999")


# --- explain ---------------------------------------------------------------------------------

EXPLAIN_MARCH = ["explain", "--year", "2025", "--facility", "1", "--scope", "2"]
EXPLAIN_MARCH += ["--month", "2025-03"]


def _month(summary: dict[str, Any], month: str) -> dict[str, Any]:
    (row,) = [m for m in summary["by_month"] if m["month"] == month]
    return row


@pytest.mark.parametrize(
    ("method", "total"),
    [("location", "scope2_location"), ("market", "scope2_market"), (None, "scope2_location")],
)
def test_explain_adds_up_to_the_months_scope2(cli, riverside, method, total) -> None:
    args = [*EXPLAIN_MARCH, *(["--method", method] if method else [])]
    data = ok_json(cli(*args, "--json"))
    expected_kg = _month(riverside, "2025-03")[total] * 1000
    assert data["co2e_kg"] == approx(expected_kg, rel=1e-9)
    assert data["lines"] == len(data["shown"]) > 0
    assert sum(line["co2e_kg"] for line in data["shown"]) == approx(data["co2e_kg"], rel=1e-12)
    for line in data["shown"]:
        assert (line["facility_id"], line["month"], line["scope"]) == (1, "2025-03", "2")
        assert line["method"] == (method or "location")


def test_explain_text_names_each_factor(cli) -> None:
    data = ok_json(cli(*EXPLAIN_MARCH, "--method", "location", "--json"))
    result = cli(*EXPLAIN_MARCH, "--method", "location")
    assert result.exit_code == 0, result.output
    *lines, last = result.stdout.rstrip("\n").split("\n")
    match = re.fullmatch(r"= ([\d,]+\.\d{3}) kg CO2e from (\d+) lines", last)
    assert match, last
    assert float(match.group(1).replace(",", "")) == approx(data["co2e_kg"], abs=5e-4)
    assert int(match.group(2)) == data["lines"] == len(lines)
    factor_ids = []
    for line in lines:
        assert line.startswith("2025-03 Riverside General Hospital / "), line
        found = re.search(r"\[epa-ghg-hub/2025 (t\d+\.[\w.]+), Table \d+ [^\]]*row \d+", line)
        assert found, line
        factor_ids.append(found.group(1))
        assert "kg CO2e" in line
    assert "t6.RFCE.co2" in factor_ids
    assert factor_ids == [s["factor_id"] for s in data["shown"]]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["emissions", "explain"])
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--year", "2025", "--from", "2025-01"], "not both"),
        (["--from", "2025-13", "--to", "2025-12"], "2025-13"),
        (["--from", "2025-06", "--to", "2025-01"], "before it starts"),
        (["--from", "2025-01"], "--from and --to"),
        ([], "give a year"),
        (["--year", "2025", "--facility", "Nowhere"], "Nowhere"),
    ],
)
def test_bad_period_or_facility(cli, command, args, fragment) -> None:
    assert_error(cli(command, *args), fragment)


@pytest.mark.parametrize("command", ["emissions", "explain"])
def test_missing_database_is_an_error_and_not_created(runner, home: Path, command) -> None:
    missing = home / "missing.db"
    result = runner.invoke(main, ["--db", str(missing), command, "--year", "2025"])
    assert_error(result, "no database", str(missing))
    assert not missing.exists()
    assert not (home / "default-should-not-exist.db").exists()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["factors", "list"], "List factor datasets"),
        (["factors", "show"], "DATASET"),
        (["emissions"], "--pin"),
        (["explain"], "--method"),
    ],
)
def test_help(runner, home: Path, path, expected) -> None:
    result = runner.invoke(main, ["--db", str(home / "help.db"), *path, "--help"])
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert not (home / "help.db").exists()


# --- baseline years: every year from 2019 gets an edition, no pin ----------------------------

LB = 0.45359237  # kg per lb (exact)
AR4 = {"CH4": 25, "N2O": 298}
AR5 = {"CH4": 28, "N2O": 265}
#: RFCE, lb CO2 / CH4 / N2O per MWh, from the workbook row named, and the GWPs that edition uses.
RFCE = {
    2019: ("epa-ghg-hub/2021", "328", (695, 0.053, 0.007), AR4),  # Hub 2021 Table 6, eGRID2019
    2020: ("epa-ghg-hub/2021", "328", (695, 0.053, 0.007), AR4),  # eGRID2019 nearest (tie)
    2021: ("epa-ghg-hub/2023", "341", (672.8, 0.049, 0.007), AR4),  # Hub 2023, eGRID2021
    2022: ("epa-ghg-hub/2024", "348", (657.386, 0.045, 0.006), AR5),  # Hub 2024, eGRID2022
    2023: ("epa-ghg-hub/2025", None, (594.74, 0.036, 0.005), AR5),  # Hub 2025, eGRID2023
}


@pytest.fixture(scope="module")
def baseline_db(home: Path) -> Path:
    from greencare import services

    path = home / "baseline.db"
    db = services.open_db(str(path))
    fac = services.add_facility(
        db, name="East Baseline", country="US", grid_region="RFCE", floor_area="200000 ft**2"
    )
    services.add_meter(db, facility=fac.id, name="Power", commodity="electricity", unit="MWh")
    services.add_meter(db, facility=fac.id, name="Gas", commodity="natural_gas", unit="MMBtu")
    for year in RFCE:
        services.add_reading(db, meter="Power", start=f"{year}-06-01", end=f"{year}-06-30",
                             quantity=100)  # fmt: skip
        services.add_reading(db, meter="Gas", start=f"{year}-06-01", end=f"{year}-06-30",
                             quantity=1000)  # fmt: skip
    db.close()
    return path


@pytest.mark.parametrize("year", sorted(RFCE))
def test_emissions_baseline_year_without_pin(runner, baseline_db: Path, year: int) -> None:
    ds, row, (co2, ch4, n2o), gwp = RFCE[year]
    result = runner.invoke(main, ["--db", str(baseline_db), "emissions", "--year", str(year),
                                  "--json"])  # fmt: skip
    data = ok_json(result)
    assert data["gaps"] == []
    scope2 = 100 * LB * (co2 + ch4 * gwp["CH4"] + n2o * gwp["N2O"]) / 1000
    assert data["totals_t"]["scope2_location"] == approx(scope2, abs=1e-5)  # JSON keeps 5 decimals
    # Natural gas, Table 1 row 38 of Hub 2021 (2019-2022) and Hub 2023 (2023): 53.06 kg CO2,
    # 1 g CH4, 0.1 g N2O per mmBtu, both AR4: 53,060 + 1 x 25 + 0.1 x 298 kg.
    assert data["totals_t"]["scope1"] == approx((53060 + 25 + 29.8) / 1000, abs=1e-5)
    assert ds in {d["id"] for d in data["datasets"]}
    expected = {
        2019: ["US EPA GHG Emission Factors Hub 2021 used for 2019 activity (no edition for "
               "2019 or earlier; earliest used)"],
        2020: ["US EPA GHG Emission Factors Hub 2021 used for 2020 activity (no edition for "
               "2020 or earlier; earliest used)",
               "eGRID2019 used for 2020 activity (nearest data year)"],
    }.get(year, [])  # fmt: skip
    assert data["stand_ins"] == expected
    text = runner.invoke(main, ["--db", str(baseline_db), "emissions", "--year", str(year)])
    assert text.exit_code == 0, text.output
    assert all(f"  - {n}" in text.stdout for n in expected)
    lines = runner.invoke(main, ["--db", str(baseline_db), "explain", "--year", str(year),
                                 "--scope", "2", "--method", "location", "--gas", "CO2"])  # fmt: skip
    assert lines.exit_code == 0, lines.output
    assert ds in lines.stdout
    if row is not None:
        assert f"row {row}" in lines.stdout
