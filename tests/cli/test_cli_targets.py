"""`greencare target` and `greencare settings`: add, list, edit, delete, --json, one-line errors
that write nothing, and the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import cli_on, rows

FACILITY = ["facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX"]


@pytest.fixture
def cli(tmp_path: Path):
    return cli_on(tmp_path, (["init"], FACILITY,
                 ["meter", "add", "St Example", "Gas", "--commodity", "natural_gas"]))  # fmt: skip


ADD = ["target", "add", "--scope", "scope12", "--reduction", "-50%", "--baseline-year", "2019",
       "--target-year", "2030"]  # fmt: skip


def test_add_list_edit_delete(cli) -> None:
    done = cli(*ADD, "--note", "HHS pledge")
    assert done.exit_code == 0, done.output
    assert done.stdout == "added target 1: Scope 1+2 (location) -50% by 2030 vs 2019\n"
    done = cli("target", "add", "--scope", "waste", "--reduction", "net zero",
               "--baseline-year", "2022", "--target-year", "2040", "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    added = json.loads(done.stdout)
    assert (added["id"], added["reduction"], added["basis"], added["reduction_pct"]) == (
        2, 1.0, None, 100.0
    )  # fmt: skip
    assert rows(cli.db, "SELECT scope, basis, baseline_year, target_year, reduction, note "
                "FROM targets ORDER BY id") == [
        ("scope12", "location", 2019, 2030, 0.5, "HHS pledge"),
        ("waste", None, 2022, 2040, 1.0, None),
    ]  # fmt: skip
    listed = cli("target", "list")
    assert "Scope 1+2 (location) -50% by 2030 vs 2019" in listed.stdout
    assert "Waste net zero by 2040 vs 2022" in listed.stdout
    assert [t["id"] for t in json.loads(cli("target", "list", "--json").stdout)] == [1, 2]

    done = cli("target", "edit", "1", "--reduction", "0.45", "--basis", "market", "--clear-note")
    assert done.exit_code == 0, done.output
    assert done.stdout == "updated target 1: Scope 1+2 (market) -45% by 2030 vs 2019\n"
    assert rows(cli.db, "SELECT basis, reduction, note, target_year FROM targets WHERE id = 1") == [
        ("market", 0.45, None, 2030)
    ]
    done = cli("target", "delete", "2", "--json")
    assert json.loads(done.stdout) == {"id": 2, "deleted": True}
    assert rows(cli.db, "SELECT id FROM targets") == [(1,)]
    assert rows(cli.db, "SELECT action, row_id, source FROM audit_log WHERE table_name = "
                "'targets' ORDER BY id") == [("insert", 1, "cli"), ("insert", 2, "cli"),
                                             ("update", 1, "cli"), ("delete", 2, "cli")]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "water", "--reduction", "50", "--baseline-year", "2019",
          "--target-year", "2030"], "reduction '50' is ambiguous: write 50% for a percentage"),
        (["--scope", "water", "--reduction", "50%", "--baseline-year", "2030",
          "--target-year", "2030"], "target year 2030 must be after the baseline year 2030"),
        (["--scope", "energy", "--basis", "market", "--reduction", "50%",
          "--baseline-year", "2019", "--target-year", "2030"],
         "basis 'market' applies to scope2, scope12, total only"),
        (["--scope", "energy", "--reduction", "+5%", "--target-year", "2030"],
         "give the baseline year"),
    ],
)  # fmt: skip
def test_add_refuses_bad_input_in_one_line_and_writes_nothing(cli, args, message) -> None:
    done = cli("target", "add", *args)
    assert done.exit_code == 1
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert rows(cli.db, "SELECT count(*) FROM targets") == [(0,)]


def test_duplicates_missing_ids_and_empty_edits_are_refused(cli) -> None:
    assert cli(*ADD).exit_code == 0
    done = cli(*ADD[:5], "50%", *ADD[6:])
    assert done.exit_code == 1
    assert "a target for scope12 (location) from 2019 to 2030 already exists" in done.stderr
    done = cli("target", "edit", "9", "--reduction", "10%")
    assert (done.exit_code, done.stderr) == (1, "error: no target with id 9 (see `greencare "
                                                 "target list`)\n")  # fmt: skip
    assert "nothing to change" in cli("target", "edit", "1").stderr
    assert cli("target", "delete", "9").exit_code == 1
    assert "only with --progress" not in cli("target", "list").stderr
    assert "apply with --progress only" in cli("target", "list", "--year", "2024").stderr


def test_settings_show_and_set(cli) -> None:
    assert json.loads(cli("settings", "show", "--json").stdout) == {
        "fiscal_year_start_month": 1, "default_baseline_year": None
    }  # fmt: skip
    assert "1 (Jan) = calendar years" in cli("settings", "show").stdout
    done = cli("settings", "set", "fiscal-year-start", "7")
    assert (done.exit_code, done.stdout) == (0, "fiscal-year-start = 7 (Jul)\n")
    done = cli("settings", "set", "baseline-year", "2019", "--json")
    assert json.loads(done.stdout) == {"fiscal_year_start_month": 7, "default_baseline_year": 2019}
    assert rows(cli.db, "SELECT key, value FROM settings ORDER BY key") == [
        ("default_baseline_year", "2019"), ("fiscal_year_start_month", "7")
    ]  # fmt: skip
    # the default baseline year fills a target given none
    done = cli("target", "add", "--scope", "energy", "--reduction", "20%", "--target-year", "2030")
    assert done.stdout == "added target 1: Site energy -20% by 2030 vs 2019\n"
    done = cli("settings", "set", "fiscal-year-start", "13")
    assert done.exit_code == 1 and "give 1-12 or a month name" in done.stderr
    assert cli("settings", "set", "colour", "green").exit_code == 2
    assert cli("settings", "set", "baseline-year", "none").exit_code == 0
    assert rows(cli.db, "SELECT key FROM settings") == [("fiscal_year_start_month",)]
    assert rows(cli.db, "SELECT action, source FROM audit_log WHERE table_name = 'settings'") == [
        ("insert", "cli"), ("insert", "cli"), ("delete", "cli")
    ]  # fmt: skip


def test_list_progress(cli) -> None:
    for year, therms in ((2019, "1000"), (2024, "600")):
        for month in range(1, 13):
            end = ["31", "28", "31", "30", "31", "30", "31", "31", "30", "31", "30", "31"]
            done = cli("reading", "add", "Gas", "--start", f"{year}-{month:02d}-01", "--end",
                       f"{year}-{month:02d}-{end[month - 1]}", "--quantity", therms)  # fmt: skip
            assert done.exit_code == 0, done.output
    cli("target", "add", "--scope", "energy", "--reduction", "-50%", "--baseline-year", "2019",
        "--target-year", "2030")  # fmt: skip
    [row] = json.loads(cli("target", "list", "--progress", "--json").stdout)
    assert row["year"] == 2024
    assert (row["baseline_value"], row["current_value"]) == (
        pytest.approx(1200),
        pytest.approx(720),
    )
    assert (row["status"], row["unit"]) == ("on track", "MMBtu")
    text = cli("target", "list", "--progress").stdout
    assert "on track" in text and "Site energy -50% by 2030 vs 2019" in text


def test_help(cli) -> None:
    for args in (["target", "--help"], ["target", "add", "--help"], ["settings", "--help"],
                 ["settings", "set", "--help"], ["target", "list", "--help"]):  # fmt: skip
        done = cli(*args)
        assert done.exit_code == 0 and "Usage:" in done.stdout
    assert "net zero" in cli("target", "add", "--help").stdout
    assert "fiscal-year-start" in cli("settings", "set", "--help").stdout


def test_report_uses_stored_targets_unless_target_is_given(cli, tmp_path: Path) -> None:
    for month in range(1, 13):
        end = ["31", "28", "31", "30", "31", "30", "31", "31", "30", "31", "30", "31"]
        for year in (2024, 2025):
            done = cli("reading", "add", "Gas", "--start", f"{year}-{month:02d}-01", "--end",
                       f"{year}-{month:02d}-{end[month - 1]}", "--quantity", "1000")  # fmt: skip
            assert done.exit_code == 0, done.output
    assert cli(*ADD[:7], "2024", *ADD[8:]).exit_code == 0  # -50% by 2030 vs 2024
    out = tmp_path / "stored.json"
    assert cli("report", "--year", "2025", "-o", str(out)).exit_code == 0
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert (meta["baseline_year"], meta["target"], meta["target_source"]) == (
        2024, [{"year": 2030, "reduction_pct": 50.0}], "stored"
    )  # fmt: skip
    out = tmp_path / "option.json"
    done = cli("report", "--year", "2025", "--target", "2040=net zero", "--target", "2030=-60%",
               "-o", str(out))  # fmt: skip
    assert done.exit_code == 0, done.output
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert meta["target"] == [{"year": 2030, "reduction_pct": 60.0},
                              {"year": 2040, "reduction_pct": 100.0}]  # fmt: skip
    assert meta["target_source"] == "report option"
    done = cli("report", "--year", "2025", "--target", "2030=60", "-o", str(tmp_path / "x.json"))
    assert done.exit_code == 1 and "--target '2030=60': reduction '60' is ambiguous" in done.stderr
    assert not (tmp_path / "x.json").exists()
