"""`greencare factors zip` and the grid region a US facility takes from its ZIP code.

The ZIP table is the shipped factors/egrid-zip/2023 (EPA Power Profiler ZIP lookup as
redistributed by ORNL VERIFI); the hand values are in tests/core/test_zip_regions.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import cli_on, rows
from click.testing import Result


@pytest.fixture
def cli(tmp_path: Path):
    return cli_on(tmp_path, (["init"],))  # fmt: skip


def add(cli, name: str, *extra: str) -> Result:
    return cli("facility", "add", name, "--country", "US", *extra)


# --- greencare factors zip ------------------------------------------------------------------


def test_factors_zip_one_subregion_with_its_source(cli) -> None:
    done = cli("factors", "zip", "2115")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == "ZIP 02115: NEWE (NPCC New England)"
    assert "US EPA Power Profiler ZIP code lookup" in done.stdout
    assert "VERIFI" in done.stdout and "egrid-zip/2023" in done.stdout


def test_factors_zip_three_subregions_in_order(cli) -> None:
    done = cli("factors", "zip", "30525")
    assert done.exit_code == 0, done.output
    assert "3 eGRID subregions" in done.stdout and "--grid-region" in done.stdout
    order = [line.split()[1] for line in done.stdout.splitlines() if line[:1] in "123"]
    assert order == ["SRTV", "SRSO", "SRVC"]


def test_factors_zip_json(cli) -> None:
    done = cli("factors", "zip", "60611-1234", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["zip"] == "60611"
    assert data["subregions"] == [{"rank": 1, "subregion": "RFCW", "name": "RFC West"}]
    assert data["source"]["dataset"] == "egrid-zip/2023"
    assert data["source"]["source_file"] == "eGrid_zipcode_lookup_2025.xlsx"
    assert "Environmental Protection Agency" in data["source"]["publisher"]


@pytest.mark.parametrize(("text", "message"), [("99999", "ZIP 99999 is not in"),
                                               ("abc", "'abc' is not a US ZIP code")])  # fmt: skip
def test_factors_zip_unknown_is_one_line(cli, text: str, message: str) -> None:
    done = cli("factors", "zip", text)
    assert done.exit_code == 1
    assert len(done.stderr.splitlines()) == 1 and message in done.stderr
    assert "Traceback" not in done.output


# --- facility add / edit --------------------------------------------------------------------


def test_add_takes_the_one_subregion_and_says_so(cli) -> None:
    done = add(cli, "Boston Children's", "--postcode", "02115")
    assert done.exit_code == 0, done.output
    assert "grid region NEWE from ZIP 02115" in done.stdout
    assert "Power Profiler" in done.stdout
    assert rows(cli.db, "SELECT postcode, grid_region, timezone FROM facilities") == [
        ("02115", "NEWE", "America/New_York")
    ]


def test_add_json_carries_the_notice(cli) -> None:
    done = add(cli, "Houston Methodist", "--postcode", "77030", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["grid_region"] == "ERCT" and data["timezone"] == "America/Chicago"
    assert [n["warning"] for n in data["notices"]] == [False]
    assert "from ZIP 77030" in data["notices"][0]["message"]


def test_add_refuses_an_ambiguous_zip_listing_the_alternatives(cli) -> None:
    done = add(cli, "Blairsville", "--postcode", "30525")
    assert done.exit_code == 1
    assert done.stderr.strip() == "error: ZIP 30525 lies in SRTV, SRSO, SRVC; pass --grid-region"
    assert rows(cli.db, "SELECT count(*) FROM facilities") == [(0,)]
    chosen = add(cli, "Blairsville", "--postcode", "30525", "--grid-region", "SRSO")
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stderr == ""
    assert rows(cli.db, "SELECT grid_region FROM facilities") == [("SRSO",)]


@pytest.mark.parametrize(("postcode", "message"), [("99999", "ZIP 99999 is not in"),
                                                   ("SW1A 1AA", "is not a US ZIP code")])  # fmt: skip
def test_add_refuses_an_unknown_zip(cli, postcode: str, message: str) -> None:
    done = add(cli, "Nowhere", "--postcode", postcode)
    assert done.exit_code == 1
    assert len(done.stderr.splitlines()) == 1
    assert message in done.stderr and "--grid-region" in done.stderr
    assert rows(cli.db, "SELECT count(*) FROM facilities") == [(0,)]


def test_add_warns_when_the_given_region_disagrees(cli) -> None:
    done = add(cli, "Chelsea", "--postcode", "10001", "--grid-region", "CAMX")
    assert done.exit_code == 0, done.output
    assert done.stderr.startswith("warning: grid region CAMX given, but ZIP 10001 lies in NYCW")
    assert rows(cli.db, "SELECT grid_region FROM facilities") == [("CAMX",)]


def test_add_outside_the_us_ignores_the_table(cli) -> None:
    done = cli("facility", "add", "Northgate", "--country", "GB", "--postcode", "NG12 4QX",
               "--grid-region", "GB")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert done.stderr == "" and "ZIP" not in done.stdout


def test_edit_postcode_fills_a_blank_region_and_warns_on_a_stored_one(cli) -> None:
    assert add(cli, "Mobile Clinic", "--timezone", "America/Chicago").exit_code == 0
    filled = cli("facility", "edit", "Mobile Clinic", "--postcode", "60611")
    assert filled.exit_code == 0, filled.output
    assert "grid region RFCW from ZIP 60611" in filled.stdout
    assert rows(cli.db, "SELECT grid_region FROM facilities") == [("RFCW",)]
    moved = cli("facility", "edit", "Mobile Clinic", "--postcode", "94105")
    assert moved.exit_code == 0, moved.output
    assert "warning: grid region RFCW given, but ZIP 94105 lies in CAMX" in moved.stderr
    fixed = cli("facility", "edit", "Mobile Clinic", "--grid-region", "CAMX")
    assert fixed.exit_code == 0 and fixed.stderr == ""
    assert rows(cli.db, "SELECT postcode, grid_region FROM facilities") == [("94105", "CAMX")]
    renamed = cli("facility", "edit", "Mobile Clinic", "--name", "Clinic")
    assert renamed.exit_code == 0 and "ZIP" not in renamed.output


def test_edit_refuses_an_ambiguous_zip_for_a_facility_without_region(cli) -> None:
    assert add(cli, "Mobile Clinic", "--timezone", "America/New_York").exit_code == 0
    done = cli("facility", "edit", "Mobile Clinic", "--postcode", "30525")
    assert done.exit_code == 1
    assert "ZIP 30525 lies in SRTV, SRSO, SRVC" in done.stderr
    assert rows(cli.db, "SELECT postcode, grid_region FROM facilities") == [(None, None)]
