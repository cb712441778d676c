"""`greencare import`, `imports list`, `imports undo` and `formats`, through click's CliRunner.

Every run uses a database file in tmp_path; GREENCARE_DB and XDG_DATA_HOME point inside tmp_path
too, so nothing can touch the user's own database.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from greencare.cli import main

FACILITY_ADD = ["facility", "add", "St Example", "--country", "US", "--grid-region", "CAMX"]
METER_ADD = ["meter", "add", "St Example", "Main", "--commodity", "electricity", "--unit", "kWh"]
BILLS = (
    "meter,start,end,quantity,cost\n"
    "Main,2025-01-01,2025-01-31,1000,150.50\n"
    "Main,2025-02-01,2025-02-28,900,\n"
)
JAN = (1735718400, 1738396800)  # 2025-01-01T00:00-08:00 to 2025-02-01T00:00-08:00
FEB = (1738396800, 1740816000)  # to 2025-03-01T00:00-08:00


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    return CliRunner(
        env={
            "GREENCARE_DB": str(tmp_path / "default-should-not-exist.db"),
            "XDG_DATA_HOME": str(tmp_path / "xdg"),
        }
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hospital.db"


@pytest.fixture
def cli(runner: CliRunner, db_path: Path):
    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", str(db_path), *args])

    return run


@pytest.fixture
def ready(cli, db_path: Path, tmp_path: Path) -> Path:
    for args in (["init"], FACILITY_ADD, METER_ADD):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    yield db_path
    assert not (tmp_path / "default-should-not-exist.db").exists()
    assert not (tmp_path / "xdg").exists()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def snapshot(path: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for table in ("readings", "reading_months", "import_batches", "audit_log", "meters"):
        rows = sorted(query(path, f"SELECT * FROM {table}"), key=repr)
        out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def readings(path: Path) -> list[tuple]:
    return query(
        path,
        "SELECT m.name, r.start_utc, r.end_utc, r.quantity, r.unit, r.cost, r.currency, r.batch_id "
        "FROM readings r JOIN meters m ON m.id = r.meter_id ORDER BY m.name, r.start_utc",
    )


# --- import ----------------------------------------------------------------------------------


def test_import_success_text(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bills.csv", BILLS)

    result = cli("import", str(path))

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "imported bills.csv (csv) as batch 1: 2 rows read, 2 added, 0 unchanged, 0 replaced, "
        "0 rejected\n"
    )
    assert result.stderr == ""
    assert readings(ready) == [
        ("Main", *JAN, 1000.0, "kWh", 150.5, "USD", 1),
        ("Main", *FEB, 900.0, "kWh", None, None, 1),
    ]
    assert query(ready, "SELECT action, source FROM audit_log WHERE table_name = 'import_batches'")
    assert query(
        ready, "SELECT action, source FROM audit_log WHERE table_name = 'import_batches'"
    ) == [("import", "cli")]


def test_import_again_is_already_imported(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bills.csv", BILLS)
    assert cli("import", str(path)).exit_code == 0
    before = snapshot(ready)

    result = cli("import", str(path))

    assert result.exit_code == 0, result.output
    assert result.stdout == "bills.csv was already imported as batch 1; nothing added\n"
    assert snapshot(ready) == before


def test_import_json_summary(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bills.csv", BILLS)

    result = cli("import", str(path), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "file": "bills.csv",
        "format": "csv",
        "status": "imported",
        "batch_id": 1,
        "rows_read": 2,
        "inserted": 2,
        "unchanged": 0,
        "replaced": 0,
        "rejected": 0,
        "error_count": 0,
        "errors": [],
        "warning_count": 0,
        "warnings": [],
        "rejected_file": None,
        "meters_created": [],
        "unknown_meters": [],
        "facilities_created": [],
        "date_order": None,
        "numbers": "decimal point, ',' between thousands (1,234.5) "
        "(line 2 cost '150.50' fits no other)",
        "encoding": "UTF-8",
    }


BAD = (
    "meter,start,end,quantity,unit\n"
    "Main,2025-01-01,2025-01-31,1000,kWh\n"
    "Main,2025-02-01,2025-02-28,abc,kWh\n"
    "Main,2025-03-01,2025-03-31,5,kWhh\n"
)


def test_import_failure_lists_every_problem_and_exits_1(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", BAD)
    before = snapshot(ready)

    result = cli("import", str(path))

    assert result.exit_code == 1
    assert result.stdout == ""  # a refusal is on stderr, its first line starting error:
    assert result.stderr.splitlines() == [
        "error: import failed: 2 problems in bad.csv; nothing was written",
        "  bad.csv, line 3, quantity 'abc': not a finite number",
        "  bad.csv, line 4, unit 'kWhh': unknown unit 'kWhh'",
    ]
    assert snapshot(ready) == before


def test_import_failure_json(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", BAD)

    result = cli("import", str(path), "--json")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["status"], data["batch_id"], data["inserted"], data["error_count"]) == (
        "failed",
        None,
        0,
        2,
    )
    assert data["errors"] == [
        {"line": 3, "column": "quantity", "value": "abc", "reason": "not a finite number",
         "warning": False},
        {"line": 4, "column": "unit", "value": "kWhh", "reason": "unknown unit 'kWhh'",
         "warning": False},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "error: empty.csv: the file is empty"),
        (
            "header.csv",
            "meter,start,end,quantity\n",
            "error: header.csv, line 2: no data rows (only a header?)",
        ),
        (
            "split.csv",
            "meter,start,end,quantity\nMain,2025-01-01,2025-01-31,1\nMain,2025-02-01,2025-02-28,1,5\n",
            "error: split.csv, line 3: 5 fields but the header has 4 (extra value '5'); "
            "check the delimiter or the header",
        ),
    ],
    ids=["empty", "header-only", "extra-field"],
)
def test_import_unreadable_file_one_error_line(
    cli, ready: Path, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = _write(tmp_path, name, content)
    before = snapshot(ready)

    result = cli("import", str(path))

    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert snapshot(ready) == before


def test_import_missing_file(cli, ready: Path, tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    result = cli("import", str(path))

    assert result.exit_code == 1
    assert result.stderr == f"error: {path}: no such file\n"


def test_import_create_meters_without_facility(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "new.csv", "meter,start,end,quantity\nAnnex,2025-01-01,2025-01-31,1\n")
    before = snapshot(ready)

    result = cli("import", str(path), "--create-meters")

    assert result.exit_code == 1
    assert result.stderr == (
        "error: --create-meters needs --facility and --commodity to know where the new meter "
        "'Annex' belongs and what it measures\n"
    )
    assert snapshot(ready) == before


def test_import_create_meters(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "new.csv", "meter,start,end,quantity\nAnnex,2025-01-01,2025-01-31,1\n")

    result = cli(
        "import", str(path), "--create-meters", "--facility", "St Example",
        "--commodity", "electricity",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "created meters: Annex"
    assert readings(ready) == [("Annex", *JAN, 1.0, "kWh", None, None, 1)]


def test_import_dry_run(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bills.csv", BILLS)
    before = snapshot(ready)

    result = cli("import", str(path), "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "dry run (csv): 2 rows read, 2 added, 0 unchanged, 0 replaced, 0 rejected; "
        "nothing was written\n"
    )
    assert snapshot(ready) == before
    # A dry run does not count as an import of the file.
    assert cli("import", str(path)).stdout.startswith("imported bills.csv (csv) as batch 1:")


def test_import_on_error_skip(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", BAD)
    rejected = tmp_path / "bad.rejected.csv"

    result = cli("import", str(path), "--on-error", "skip")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "imported bad.csv (csv) as batch 1: 3 rows read, 1 added, 0 unchanged, 0 replaced, "
        "2 rejected",
        "  bad.csv, line 3, quantity 'abc': not a finite number",
        "  bad.csv, line 4, unit 'kWhh': unknown unit 'kWhh'",
        f"rejected rows and reasons: {rejected}",
    ]
    with rejected.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["quantity"], r["unit"], r["reason"]) for r in rows] == [
        ("3", "abc", "kWh", "quantity: not a finite number"),
        ("4", "5", "kWhh", "unit: unknown unit 'kWhh'"),
    ]
    assert readings(ready) == [("Main", *JAN, 1000.0, "kWh", None, None, 1)]


def test_import_map(cli, ready: Path, tmp_path: Path) -> None:
    text = "meter,start,end,quantity\nACCT-7,2025-01-01,2025-01-31,12\n"
    path = _write(tmp_path, "mapped.csv", text)

    unmapped = cli("import", str(path))
    assert unmapped.exit_code == 1
    assert unmapped.stderr.splitlines()[1].startswith(
        "meters in the file that greencare does not have: 'ACCT-7'; map them with --map"
    )
    assert unmapped.stderr.splitlines()[2] == (
        "  mapped.csv, line 2, meter 'ACCT-7': no such meter (map it with --map FILE=METER, "
        "or --create-meters)"
    )

    result = cli("import", str(path), "--map", "ACCT-7=Main")

    assert result.exit_code == 0, result.output
    assert readings(ready) == [("Main", *JAN, 12.0, "kWh", None, None, 1)]


@pytest.mark.parametrize("option", ["--map", "--column"])
def test_import_pair_option_needs_key_and_value(cli, ready: Path, tmp_path, option) -> None:
    path = _write(tmp_path, "bills.csv", BILLS)

    result = cli("import", str(path), option, "ACCT-7")

    assert result.exit_code == 1
    assert result.stderr == f"error: {option} 'ACCT-7': use KEY=VALUE\n"


def test_import_column(cli, ready: Path, tmp_path: Path) -> None:
    text = "meter,start,end,Delivered Energy\nMain,2025-01-01,2025-01-31,77\n"
    path = _write(tmp_path, "column.csv", text)

    result = cli("import", str(path), "--format", "csv", "--column", "quantity=Delivered Energy")

    assert result.exit_code == 0, result.output
    assert readings(ready) == [("Main", *JAN, 77.0, "kWh", None, None, 1)]


def test_import_decimal_comma_and_interval(cli, ready: Path, tmp_path: Path) -> None:
    text = "meter;timestamp;quantity\nMain;2025-01-01 00:00;1,5\nMain;2025-01-01 00:15;2,5\n"
    path = _write(tmp_path, "eu.csv", text)

    result = cli("import", str(path), "--decimal-comma", "--interval", "15")

    assert result.exit_code == 0, result.output
    assert query(ready, "SELECT start_utc, end_utc, quantity FROM readings ORDER BY 1") == [
        (JAN[0], JAN[0] + 900, 1.5),
        (JAN[0] + 900, JAN[0] + 1800, 2.5),
    ]


def test_import_replace_and_undo(cli, ready: Path, tmp_path: Path) -> None:
    assert cli("import", str(_write(tmp_path, "bills.csv", BILLS))).exit_code == 0
    originals = query(ready, "SELECT * FROM readings ORDER BY id")
    corrected = _write(
        tmp_path, "corrected.csv", "meter,start,end,quantity\nMain,2025-02-01,2025-02-28,950\n"
    )
    refused = cli("import", str(corrected))
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[1] == (
        "  corrected.csv, line 2, start: differs from the stored reading 2025-02-01 to "
        "2025-02-28 (quantity 900 -> 950); use --replace to replace it"
    )

    result = cli("import", str(corrected), "--replace")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "imported corrected.csv (csv) as batch 2: 1 rows read, 1 added, 0 unchanged, "
        "1 replaced, 0 rejected\n"
    )
    assert [r[3] for r in readings(ready)] == [1000.0, 950.0]
    undone = cli("imports", "undo", "2")
    assert undone.exit_code == 0, undone.output
    assert undone.stdout == "undid batch 2: 1 rows removed, 1 restored\n"
    assert query(ready, "SELECT * FROM readings ORDER BY id") == originals


def test_import_warnings_are_shown(cli, ready: Path, tmp_path: Path) -> None:
    text = (
        "meter,start,end,quantity\nMain,2025-01-01,2025-01-31,100\nMain,2025-02-05,2025-02-28,90\n"
    )
    result = cli("import", str(_write(tmp_path, "gap.csv", text)))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "  gap.csv, line 3, start: warning: gap of 96.00 h before this reading"
    ]


# --- imports list / undo -----------------------------------------------------------------------


def test_imports_list_and_undo(cli, ready: Path, tmp_path: Path) -> None:
    assert cli("import", str(_write(tmp_path, "bills.csv", BILLS))).exit_code == 0

    listed = cli("imports", "list", "--json")

    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("id", "file_name", "format", "rows_read", "rows_inserted",
                                    "rows_rejected", "status")} == {
        "id": 1, "file_name": "bills.csv", "format": "csv", "rows_read": 2, "rows_inserted": 2,
        "rows_rejected": 0, "status": "active",
    }  # fmt: skip
    text = cli("imports", "list")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[0].split() == [
        "id", "file_name", "format", "rows_read", "rows_inserted", "status", "created_at",
    ]  # fmt: skip
    assert text.stdout.splitlines()[2].split()[:6] == ["1", "bills.csv", "csv", "2", "2", "active"]

    undone = cli("imports", "undo", "1", "--json")

    assert undone.exit_code == 0, undone.output
    assert json.loads(undone.stdout) == {"batch_id": 1, "removed": 2, "restored": 0}
    assert readings(ready) == []
    assert query(ready, "SELECT count(*) FROM reading_months") == [(0,)]
    assert json.loads(cli("imports", "list", "--json").stdout)[0]["status"] == "undone"

    again = cli("imports", "undo", "1")

    assert again.exit_code == 1
    assert again.stderr == "error: import batch 1 was already undone\n"
    assert again.stdout == ""


def test_imports_undo_unknown_batch(cli, ready: Path) -> None:
    result = cli("imports", "undo", "42")

    assert result.exit_code == 1
    assert result.stderr == "error: no import batch 42 (see `greencare imports list`)\n"


def test_imports_list_without_a_database(cli, db_path: Path) -> None:
    result = cli("imports", "list")

    assert result.exit_code == 1
    assert "no database at" in result.stderr and str(db_path) in result.stderr
    assert not db_path.exists()


# --- formats and help --------------------------------------------------------------------------


def test_formats(cli) -> None:
    result = cli("formats", "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {
        "format": "csv",
        "description": "CSV of readings: meter, start/end or timestamp, quantity, unit, cost",
    } in rows
    text = cli("formats")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[0].split() == ["format", "description"]
    assert any(line.split()[0] == "csv" for line in text.stdout.splitlines()[2:])


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["import"], ["Usage: main import [OPTIONS] FILE", "--on-error [stop|skip]", "--dry-run",
                      "--replace", "--map FILE_METER=METER", "--column FIELD=HEADER", "--json"]),
        (["imports"], ["Usage: main imports [OPTIONS] COMMAND", "list", "undo"]),
        (["imports", "list"], ["Usage: main imports list [OPTIONS]", "--json"]),
        (["imports", "undo"], ["Usage: main imports undo [OPTIONS] BATCH_ID", "--json"]),
        (["formats"], ["Usage: main formats [OPTIONS]", "--json"]),
    ],
    ids=["import", "imports", "imports-list", "imports-undo", "formats"],
)  # fmt: skip
def test_help(runner: CliRunner, args: list[str], fragments: list[str]) -> None:
    result = runner.invoke(main, [*args, "--help"])

    assert result.exit_code == 0, result.output
    for fragment in fragments:
        assert fragment in result.stdout


def test_import_says_how_a_european_file_was_read(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "eu.csv",
        "meter;start;end;quantity\nMain;01.01.2025;31.01.2025;1.234,5\n",
    )

    result = cli("import", str(path))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "imported eu.csv (csv) as batch 1: 1 rows read, 1 added, 0 unchanged, 0 replaced, "
        "0 rejected",
        "read with dates: day/month/year (line 2 end '31.01.2025' fits no other); numbers: "
        "decimal comma, '.' between thousands (1.234,5) (line 2 quantity '1.234,5' fits no "
        "other)",
    ]


def test_import_monthfirst_flag(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "both.csv", "meter,start,end,quantity\nMain,01/02/2025,01/03/2025,5\n")

    refused = cli("import", str(path))
    result = cli("import", str(path), "--monthfirst", "--json")

    assert refused.exit_code == 1
    assert refused.output == (
        "error: both.csv, line 2: start '01/02/2025' could be 1 February 2025 (day/month/year) "
        "or 2 January 2025 (month/day/year), and no date in the file settles the order (none "
        "has a day above 12); give --dayfirst or --monthfirst\n"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["date_order"] == "month/day/year (--monthfirst)"


# --- headers detection reads without options (issue 12) ------------------------------------


def test_import_interval_start_end_kwh_needs_no_interval(cli, ready: Path, tmp_path: Path) -> None:
    text = (
        "Meter,Interval Start,Interval End,kWh\n"
        "Main,2025-01-01 00:00,2025-01-01 00:15,1.5\n"
        "Main,2025-01-01 00:15,2025-01-01 00:30,2.5\n"
    )
    result = cli("import", str(_write(tmp_path, "ami.csv", text)))

    assert result.exit_code == 0, result.output
    assert query(ready, "SELECT start_utc, end_utc, quantity, unit FROM readings ORDER BY 1") == [
        (JAN[0], JAN[0] + 900, 1.5, "kWh"),
        (JAN[0] + 900, JAN[0] + 1800, 2.5, "kWh"),
    ]


def test_import_timestamp_usage_names_the_interval_option(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "usage.csv", "Timestamp,Usage (kWh)\n2025-01-01 00:00,1.5\n")

    refused = cli("import", str(path), "--meter", "Main")

    assert refused.exit_code != 0
    assert "give --interval, e.g. --interval 15min" in refused.output
    assert "Traceback" not in refused.output
    assert query(ready, "SELECT count(*) FROM readings") == [(0,)]

    result = cli("import", str(path), "--meter", "Main", "--interval", "15min")

    assert result.exit_code == 0, result.output
    assert query(ready, "SELECT start_utc, end_utc, quantity, unit FROM readings") == [
        (JAN[0], JAN[0] + 900, 1.5, "kWh")
    ]


def test_import_interval_option_refuses_a_bad_length(cli, ready: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "usage.csv", "Timestamp,Usage (kWh)\n2025-01-01 00:00,1.5\n")

    result = cli("import", str(path), "--meter", "Main", "--interval", "fifteen")

    assert result.exit_code == 2
    assert "'fifteen' is not an interval length" in result.output


def test_import_two_value_columns_refused_then_chosen(cli, ready: Path, tmp_path: Path) -> None:
    text = "meter,start,end,kWh,Usage\nMain,2025-01-01,2025-01-31,10,20\n"
    path = _write(tmp_path, "two.csv", text)

    refused = cli("import", str(path))

    assert refused.exit_code != 0
    assert "columns 4 'kWh' and 5 'Usage' both hold the quantity" in refused.output
    assert "--column quantity=HEADER" in refused.output
    result = cli("import", str(path), "--column", "quantity=kWh")
    assert result.exit_code == 0, result.output
    assert query(ready, "SELECT quantity, unit FROM readings") == [(10.0, "kWh")]
