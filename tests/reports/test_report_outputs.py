"""Reports never destroy anything: written beside the target and moved into place, never over
the database, never over an earlier report unless asked, owner-only."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from report_fixtures import add_small_hospital

from greencare import services
from greencare.cli.report import report
from greencare.core.errors import InputError
from greencare.reports import build_report, render
from greencare.reports.writers import write


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
    return CliRunner().invoke(root, ["--db", str(db_file), "report", "--year", "2025", *args])


def _database(path: Path) -> tuple[tuple[str, int], ...]:
    """Every table's row count and the rows' digest."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = []
        for name in sorted(names):
            rows = conn.execute(f"SELECT * FROM [{name}]").fetchall()
            out.append((name, len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()))
        return tuple(out)
    finally:
        conn.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("force", [False, True])
def test_the_database_and_its_files_are_refused(
    db_file: Path, tmp_path: Path, suffix: str, force: bool
) -> None:
    target = Path(f"{db_file}{suffix}")
    if suffix:
        target.write_bytes(b"x" * 100)  # stands in for SQLite's own file
    before, files = _database(db_file), _listing(tmp_path)
    args = ["--format", "html", "-o", str(target)] + (["--force"] if force else [])
    result = _run(db_file, *args)
    assert result.exit_code == 1
    assert result.output == (
        f"error: refusing to write to {target}: that is the greencare database gc.db"
        + (f" (its {suffix[1:]} file)" if suffix else "")
        + "; choose another name\n"
    )
    assert _database(db_file) == before
    assert _listing(tmp_path) == files
    assert len(before) > 5 and dict((n, c) for n, c, _ in before)["readings"] == 2


def test_any_sqlite_database_is_refused_by_the_python_api(db_file: Path, tmp_path: Path) -> None:
    db = services.open_db(db_file)
    built = build_report(db, year=2025)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    data = other.read_bytes()
    with pytest.raises(InputError) as refused:
        write(built, "json", other, force=True)
    assert str(refused.value) == (
        f"refusing to write to {other}: it is a database; choose another name"
    )
    assert other.read_bytes() == data
    with pytest.raises(InputError, match=r"that is the greencare database gc\.db"):
        write(built, "xlsx", db_file, force=True, protect=[db_file])
    wal = Path(f"{other}-wal")
    with pytest.raises(InputError) as refused:
        write(built, "md", wal)  # no protect list: still the file of a database
    assert str(refused.value) == (
        f"refusing to write to {wal}: it is the wal file of the database other.sqlite; "
        "choose another name"
    )
    assert not wal.exists()
    db.close()


def test_a_device_or_fifo_is_refused(db_file: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    result = _run(db_file, "-o", str(fifo), "--force")
    assert result.exit_code == 1
    assert result.output == f"error: refusing to write to {fifo}: it is not a regular file\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_an_existing_report_is_kept_unless_forced(db_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("an earlier report", encoding="utf-8")
    result = _run(db_file, "-o", str(out))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {out} already exists; use --force to replace it, or another name\n"
    )
    assert out.read_text(encoding="utf-8") == "an earlier report"
    result = _run(db_file, "-o", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert _mode(out) == 0o600
    assert [name for name in _listing(tmp_path) if not name.startswith("gc.db")] == ["r.html"]


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "json", "md", "pm-xlsx"])
def test_every_format_is_owner_only_and_leaves_no_temporary_file(
    db_file: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out" / f"r.{fmt}"
    out.parent.mkdir()
    assert _run(db_file, "--format", fmt, "-o", str(out)).exit_code == 0
    assert _mode(out) == 0o600
    assert _listing(out.parent) == [out.name]


def test_csv_folder_is_owner_only_and_replaced_only_when_it_is_a_report(
    db_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "csv"
    assert _run(db_file, "--format", "csv", "-o", str(out)).exit_code == 0
    assert _mode(out) == 0o700
    assert {_mode(p) for p in out.iterdir()} == {0o600}
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    result = _run(db_file, "--format", "csv", "-o", str(out))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {out} already exists; use --force to replace it, or another name\n"
    )
    assert _run(db_file, "--format", "csv", "-o", str(out), "--force").exit_code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work", encoding="utf-8")
    result = _run(db_file, "--format", "csv", "-o", str(mine), "--force")
    assert result.exit_code == 1
    assert result.output == (
        f"error: refusing to replace {mine}: it is not a greencare CSV report (a report folder "
        "holds _meta.csv and other .csv files only)\n"
    )
    assert _listing(mine) == ["thesis.docx"]


def test_a_failing_writer_leaves_the_old_report(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.html"
    out.write_text("an earlier report", encoding="utf-8")

    def half(report: object, path: Path) -> Path:
        path.write_text("<!DOCTYPE html><html><body>trunc", encoding="utf-8")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(render, "write_html", half)
    result = _run(db_file, "-o", str(out), "--force")
    assert result.exit_code == 1
    assert result.output.startswith("error: No space left on device: ")
    assert out.read_text(encoding="utf-8") == "an earlier report"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("earlier", [True, False])
def test_kill_9_while_writing_leaves_the_old_report_or_none(
    db_file: Path, tmp_path: Path, earlier: bool
) -> None:
    out = tmp_path / "annual.pdf"
    old = b"%PDF-1.4 an earlier report " + os.urandom(90_000)
    if earlier:
        out.write_bytes(old)
    command = [sys.executable, "-m", "greencare", "--db", str(db_file), "report", "--year",
               "2025", "--format", "pdf", "-o", str(out), "--force"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = out.stat() if earlier else None

    def writing() -> bool:
        """Pages are being written: into a temporary file, or (the defect) under the name."""
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".annual.pdf.")]
        if temps and temps[0].stat().st_size > 0:
            return True
        if not out.exists():
            return False
        now = out.stat()
        return first is None or (now.st_size, now.st_mtime_ns) != (first.st_size,
                                                                   first.st_mtime_ns)  # fmt: skip

    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not writing():
        time.sleep(0.002)
    assert proc.poll() is None, "the report finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    if earlier:
        assert out.read_bytes() == old
    else:
        assert not out.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert all(name.endswith(".part") for name in leftovers)
