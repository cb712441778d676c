"""`greencare import facilities.csv / meters.csv / normalizers.csv` (issue 12) through click's
CliRunner: detection, --json counts, --dry-run, refusals naming line and field (exit 1,
nothing written), `imports undo` restoring updated facilities, and the round trip from an empty
database to the demo's inventory through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import cli_on, rows
from click.testing import CliRunner

from greencare import paths
from greencare.cli import main

SAMPLE = paths.sample_data_dir()


@pytest.fixture
def cli(tmp_path: Path):
    return cli_on(tmp_path, (["init"],))  # fmt: skip


def test_the_sample_setup_files_import_with_counts(cli) -> None:
    done = cli("import", str(SAMPLE / "facilities.csv"))
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == (
        "imported facilities.csv (facilities-csv) as batch 1: 2 rows read, 2 created, "
        "0 updated, 0 unchanged"
    )
    meters = json.loads(cli("import", str(SAMPLE / "meters.csv"), "--json").stdout)
    assert (meters["format"], meters["status"], meters["created"], meters["updated"]) == (
        "meters-csv", "imported", 11, 0)  # fmt: skip
    norms = json.loads(cli("import", str(SAMPLE / "normalizers.csv"), "--json").stdout)
    assert (norms["kind"], norms["created"], norms["unchanged"]) == ("normalizers", 48, 0)
    assert rows(cli.db, "SELECT count(*) FROM meters") == [(11,)]
    assert rows(cli.db, "SELECT count(*) FROM normalizers") == [(48,)]
    listed = json.loads(cli("imports", "list", "--json").stdout)
    assert [b["format"] for b in listed] == ["normalizers-csv", "meters-csv", "facilities-csv"]
    formats = cli("formats").stdout
    assert "facilities-csv" in formats and "meters-csv" in formats


def test_update_counts_and_undo_restores_the_previous_values(cli, tmp_path: Path) -> None:
    cli("import", str(SAMPLE / "facilities.csv"))
    edit = tmp_path / "edit.csv"
    edit.write_text("Name,Staffed_Beds,Notes\n"
                    "riverside general hospital,330,new wing\n"
                    "Northgate Community Hospital,400,\n")  # fmt: skip
    done = json.loads(cli("import", str(edit), "--json").stdout)
    assert (done["created"], done["updated"], done["unchanged"]) == (0, 1, 1)
    assert rows(cli.db, "SELECT staffed_beds, notes FROM facilities WHERE id = 1") == [
        (330, "new wing")
    ]
    undone = cli("imports", "undo", str(done["batch_id"]))
    assert undone.exit_code == 0, undone.output
    assert "0 rows removed, 1 restored" in undone.stdout
    assert rows(cli.db, "SELECT staffed_beds, notes FROM facilities WHERE id = 1") == [(300, None)]


def test_a_dry_run_writes_nothing(cli) -> None:
    done = cli("import", str(SAMPLE / "facilities.csv"), "--dry-run", "--json")
    assert done.exit_code == 0, done.output
    assert (json.loads(done.stdout)["status"], json.loads(done.stdout)["created"]) == ("dry run", 2)
    assert rows(cli.db, "SELECT count(*) FROM facilities") == [(0,)]
    assert rows(cli.db, "SELECT count(*) FROM import_batches") == [(0,)]


def test_a_bad_file_is_refused_whole_naming_line_and_field(cli, tmp_path: Path) -> None:
    cli("import", str(SAMPLE / "facilities.csv"))
    bad = tmp_path / "meters.csv"
    bad.write_text("facility,name,commodity,unit\n"
                   "Riverside General Hospital,Chiller electric,electricity,kWh\n"
                   "Riverside General Hospital,Boiler gas,natural_gas,kg\n"
                   "Northgate Community,Steam,district_steam,klb\n")  # fmt: skip
    done = cli("import", str(bad))
    assert done.exit_code == 1
    out = done.stderr
    assert out.startswith("error: import failed: 2 problems in meters.csv; nothing was written")
    assert "meters.csv, line 3, unit 'kg': " in out
    assert (
        "meters.csv, line 4, facility 'Northgate Community': no facility 'Northgate Community' "
        "(did you mean 'Northgate Community Hospital'?)" in out
    )
    assert "Traceback" not in done.output
    assert rows(cli.db, "SELECT count(*) FROM meters") == [(0,)]
    assert rows(cli.db, "SELECT count(*) FROM import_batches") == [(1,)]


def test_a_file_with_an_unknown_column_is_not_a_setup_file(cli, tmp_path: Path) -> None:
    odd = tmp_path / "sites.csv"
    odd.write_text("name,country,beds\nA,US,3\n")
    done = cli("import", str(odd), "--format", "facilities-csv")
    assert done.exit_code == 1
    assert "sites.csv, line 1: unknown column 'beds': a facilities file has name, kind" in (
        done.output
    )
    assert "Traceback" not in done.output


def test_empty_database_to_the_demo_inventory_through_the_cli(cli, tmp_path: Path) -> None:
    for name in ("facilities", "meters", "normalizers", "bills", "interval_electricity",
                 "waste", "purchases"):  # fmt: skip
        done = cli("import", str(SAMPLE / f"{name}.csv"))
        assert done.exit_code == 0, done.output
    ours = json.loads(cli("emissions", "--year", "2025", "--json").stdout)
    from greencare.services.demo import build_demo

    demo = tmp_path / "demo.db"
    build_demo(demo)  # what `greencare demo` opens
    runner = CliRunner(env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    theirs = json.loads(runner.invoke(main, ["--db", str(demo), "emissions", "--year", "2025",
                                             "--json"]).stdout)  # fmt: skip
    for key in ("totals_t", "by_category", "by_gas", "by_month", "by_facility", "lines"):
        assert ours[key] == theirs[key], key


def test_a_facilities_file_takes_us_grid_regions_from_zip_codes(cli, tmp_path: Path) -> None:
    path = tmp_path / "facilities.csv"
    path.write_text(
        "name,country,postcode,grid_region,timezone\n"
        "Boston Test,US,02115,,\n"
        "Georgia Test,US,30525,,America/New_York\n"
        "Wrong Test,US,10001,CAMX,America/New_York\n"
    )
    refused = cli("import", str(path))
    assert refused.exit_code == 1
    assert "line 3" in refused.output and "ZIP 30525 lies in SRTV, SRSO, SRVC" in refused.output
    assert rows(cli.db, "SELECT count(*) FROM facilities") == [(0,)]  # whole file refused
    path.write_text(path.read_text().replace("30525,,", "30525,SRSO,"))
    done = cli("import", str(path), "--json")
    assert done.exit_code == 0, done.output
    warnings = json.loads(done.stdout)["warnings"]
    assert [(w["line"], "NEWE" in w["reason"] or "NYCW" in w["reason"]) for w in warnings] == [
        (2, True), (4, True)
    ]  # fmt: skip
    assert rows(cli.db, "SELECT name, grid_region FROM facilities ORDER BY id") == [
        ("Boston Test", "NEWE"), ("Georgia Test", "SRSO"), ("Wrong Test", "CAMX")
    ]  # fmt: skip
