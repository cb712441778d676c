"""The ``report`` command: writes where it says, exits 1 with one line for user errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from report_fixtures import add_small_hospital

from greencare import services
from greencare.cli.report import report


@click.group()
@click.option("--db", type=click.Path(path_type=Path))
@click.pass_context
def root(ctx: click.Context, db: Path | None) -> None:
    """Stands in for greencare.cli.main (which reads --db the same way)."""


root.add_command(report)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "gc.db"
    db = services.open_db(path)
    add_small_hospital(db)
    db.close()
    return path


def _run(db_file: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(root, ["--db", str(db_file), "report", *args])


@pytest.mark.parametrize("fmt", ["html", "pdf", "xlsx", "md", "json", "pm-xlsx"])
def test_writes_each_format(db_file: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"r.{fmt}"
    result = _run(db_file, "--year", "2025", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {fmt} report to {out}"
    assert out.stat().st_size > 0


def test_format_from_suffix_csv_and_json_output(db_file: Path, tmp_path: Path) -> None:
    result = _run(db_file, "--from", "2025-03", "--to", "2025-04", "--gwp", "ar6",
                  "--pin", "epa-ghg-hub=2025", "--baseline-year", "2025", "--facility",
                  "St Example", "--format", "csv", "-o", str(tmp_path / "csv"), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "csv"
    assert (tmp_path / "csv" / "ghg_totals.csv").exists()
    result = _run(db_file, "--year", "2025", "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text())["meta"]["gwp"]
    result = _run(db_file, "--year", "2025", "--format", "csv", "--csv-long",
                  "-o", str(tmp_path / "long.csv"))  # fmt: skip
    assert result.exit_code == 0
    assert (tmp_path / "long.csv").read_text().startswith("table,row,column,unit,value")


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2025-13", "--to", "2025-14", "-o", "r.json"],
        ["--from", "2025-05", "--to", "2025-01", "-o", "r.json"],
        ["-o", "r.json"],
        ["--year", "2025", "-o", "r.unknown"],
        ["--year", "2025", "--facility", "Nowhere", "-o", "r.json"],
        ["--year", "2025", "--pin", "nonsense", "-o", "r.json"],
    ],
)
def test_user_errors_exit_1_with_one_line(db_file: Path, tmp_path: Path, args: list[str]) -> None:
    args = [str(tmp_path / a) if a.startswith("r.") else a for a in args]
    result = _run(db_file, *args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_a_report_is_written_with_its_gaps_and_strict_refuses(
    db_file: Path, tmp_path: Path
) -> None:
    """One rule for missing factors: the report is written with the gaps listed (a warning on
    stderr), and --strict refuses, naming every gap and writing nothing."""
    db = services.open_db(db_file)
    services.add_facility(db, name="UK", country="GB", grid_region="GB")
    services.add_purchase(db, facility="UK", date="2025-03-10", category="325412",
                          spend=1000, currency="JPY")  # fmt: skip
    db.close()
    out = tmp_path / "r.json"
    result = _run(db_file, "--year", "2025", "--strict", "-o", str(out))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: missing emission factors (1): ")
    assert not out.exists()
    result = _run(db_file, "--year", "2025", "-o", str(out))
    assert result.exit_code == 0
    assert "warning: 1 missing emission factors left out of the totals" in result.output
    assert json.loads(out.read_text())["meta"]["gaps"]


def test_module_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, greencare.cli.report; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'textual') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert done.stdout.strip() == "[]"
