"""Hostile and huge files fail fast with bounded memory: binary data, giant lines, zip bombs.

Every file is generated here: a 5 GiB sparse file costs no disk, a zip bomb a few MB. Memory is
bounded in a child process whose address space is limited with ``RLIMIT_AS``; the database is
checked unchanged after every refusal.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.models import Facility
from greencare.importers import guard
from greencare.importers.base import FormatError, ImportOptions
from greencare.services.activity_imports import import_activity, kind_of
from greencare.services.imports import import_readings
from greencare.storage import batches

HEADER = b"meter,start,end,quantity\n"
ROW = b"Main,2025-01-01,2025-01-31,10\n"
FIVE_GIB = 5 * 2**30
#: Address space for a child that imports a hostile file: pandas and numpy take about 1 GB of
#: it before reading a byte (thread stacks, arenas); the 5 GB the old code read do not fit.
CHILD_LIMIT = 2 * 2**30


def _state(db: Database) -> dict[str, object]:
    out: dict[str, object] = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("readings", "reading_months", "import_batches", "audit_log", "meters")
    }
    rows = db.execute("SELECT * FROM readings ORDER BY id").fetchall()
    out["readings_sha256"] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


@pytest.fixture
def stocked(db: Database, us_hospital: Facility) -> Database:
    services.add_meter(
        db, facility=us_hospital.id, name="Main", commodity="electricity", unit="kWh"
    )
    services.add_reading(db, meter="Main", start="2024-01-01", end="2024-01-31", quantity=500)
    return db


def _sparse(path: Path, text: bytes, size: int = FIVE_GIB) -> Path:
    """``text`` then NUL bytes up to ``size``: a hole, so no disk is used."""
    with path.open("wb") as handle:
        handle.write(text)
        handle.truncate(size)
    return path


def _rows(n: int) -> bytes:
    """``n`` good monthly bills (more than the 64 KiB head when n > 2,200)."""
    return HEADER + b"".join(
        b"Main,%04d-%02d-01,%04d-%02d-28,10\n" % (2030 + i // 12, 1 + i % 12, 2030 + i // 12,
                                                  1 + i % 12)
        for i in range(n)
    )  # fmt: skip


def test_sparse_file_is_refused_from_its_head(stocked: Database, tmp_path: Path) -> None:
    before = _state(stocked)
    path = _sparse(tmp_path / "sparse.csv", HEADER)
    began = time.monotonic()

    with pytest.raises(FormatError) as caught:
        import_readings(stocked, path)

    assert str(caught.value) == "sparse.csv: binary data, not a text or spreadsheet file"
    assert time.monotonic() - began < 2.0  # reading 5 GiB takes far longer
    assert _state(stocked) == before


@pytest.mark.parametrize("fmt", [None, "csv"], ids=["detected", "named-format"])
def test_nul_run_after_good_rows_stops_at_its_line(
    stocked: Database, tmp_path: Path, fmt: str | None
) -> None:
    """The NUL run starts beyond the 64 KiB head: the hashing stream finds it and stops."""
    before = _state(stocked)
    path = _sparse(tmp_path / "nul-run.csv", _rows(5000))
    began = time.monotonic()

    with pytest.raises(FormatError) as caught:
        import_readings(stocked, path, ImportOptions(format=fmt))

    assert str(caught.value) == (
        "nul-run.csv, line 5002: binary data (a NUL byte) in a text file; nothing was read"
    )
    assert caught.value.line == 5002
    assert time.monotonic() - began < 2.0  # the file was not hashed whole
    assert _state(stocked) == before


def test_scanner_stops_the_hash_at_the_first_bad_block(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "nul-run.csv", _rows(5000))
    seen: list[int] = []
    scanner = guard.Scanner(path, guard.head(path))

    def inspect(block: bytes) -> None:
        seen.append(len(block))
        scanner(block)

    with pytest.raises(FormatError):
        batches.file_hash(path, inspect=inspect)
    assert sum(seen) <= 2 * 2**20  # the first block holds the NUL run's start


def test_line_longer_than_the_limit_is_refused(stocked: Database, tmp_path: Path) -> None:
    before = _state(stocked)
    path = tmp_path / "long-line.csv"
    path.write_bytes(HEADER + ROW + b"Main,2025-02-01,2025-02-28," + b"9" * (guard.MAX_LINE + 1))

    with pytest.raises(FormatError) as caught:
        import_readings(stocked, path)

    assert str(caught.value) == (
        "long-line.csv, line 3: a line longer than 16 MB; not a meter-data file (or damaged); "
        "nothing was read"
    )
    assert _state(stocked) == before


def test_xml_text_run_longer_than_the_limit_is_refused(stocked: Database, tmp_path: Path) -> None:
    before = _state(stocked)
    path = tmp_path / "long.xml"
    path.write_bytes(
        b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<entry><content>'
        b'<IntervalBlock xmlns="http://naesb.org/espi"><IntervalReading><value>'
        + b"1" * (guard.MAX_LINE + 1)
        + b"</value></IntervalReading></IntervalBlock></content></entry></feed>\n"
    )

    with pytest.raises(FormatError) as caught:
        import_readings(stocked, path)

    assert str(caught.value) == (
        "long.xml, line 3: text without markup longer than 16 MB; not a meter-data file (or "
        "damaged); nothing was read"
    )
    assert _state(stocked) == before


def test_lines_just_under_the_limit_and_crlf_pass(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_bytes(HEADER.replace(b"\n", b"\r\n") + b"x" * (guard.MAX_LINE - 10) + b"\r\n" + ROW)
    scanner = guard.Scanner(path, guard.head(path))
    batches.file_hash(path, inspect=scanner)  # no refusal
    assert (scanner.lf, scanner.cr) == (3, 2)


def test_waste_import_refuses_a_nul_run(stocked: Database, tmp_path: Path) -> None:
    before = _state(stocked)
    body = b"facility,date,stream,route,quantity,unit\n" + (
        b"St Example,2025-01-01,sharps,incineration,10,kg\n" * 3000
    )
    path = _sparse(tmp_path / "waste.csv", body)
    assert kind_of(path) == "waste"

    with pytest.raises(FormatError) as caught:
        import_activity(stocked, path, "waste")

    assert str(caught.value) == (
        "waste.csv, line 3002: binary data (a NUL byte) in a text file; nothing was read"
    )
    assert _state(stocked) == before


def test_kind_of_reads_only_the_head(tmp_path: Path) -> None:
    """A first line without end (5 GiB) used to be read whole by csv.reader."""
    path = _sparse(tmp_path / "no-newline.csv", b"stream,route,quantity")
    assert kind_of(path) is None
    big = tmp_path / "big-header.csv"
    big.write_bytes(b"stream,route," + b"x" * (guard.HEAD * 4))
    assert kind_of(big) == "waste"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_LIMIT, CHILD_LIMIT))


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "GREENCARE_DB": str(tmp_path / "cli.db"), "XDG_DATA_HOME": str(tmp_path / "xdg")}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "greencare", "--db", str(tmp_path / "cli.db"), *args],
        capture_output=True, text=True, env=env, preexec_fn=_limited, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"stream,route", "sparse.csv: binary data, not a text or spreadsheet file"),
        (_rows(5000), "sparse.csv, line 5002: binary data (a NUL byte) in a text file; "
                      "nothing was read"),
    ],
    ids=["waste-header-then-nul", "rows-then-nul"],
)  # fmt: skip
def test_cli_refuses_a_sparse_file_in_bounded_memory(
    tmp_path: Path, body: bytes, message: str
) -> None:
    assert _cli(tmp_path, "init").returncode == 0
    path = _sparse(tmp_path / "sparse.csv", body)

    done = _cli(tmp_path, "import", str(path))

    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert message in done.stderr + done.stdout
    db = Database(tmp_path / "cli.db")
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0


# --- zip bombs --------------------------------------------------------------------------------


def _workbook_with(tmp_path: Path, name: str, part: str, size: int) -> Path:
    """A real small workbook plus one part of ``size`` highly compressible bytes."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meter Entries"
    sheet.append(["Portfolio Manager Meter ID", "Meter Name", "Start Date", "End Date",
                  "Usage/Quantity", "Usage Units"])  # fmt: skip
    sheet.append(["1", "Main", "2025-01-01", "2025-01-31", 10, "kWh (thousand Watt-hours)"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename != part:
                out.writestr(item, src.read(item.filename))
        with out.open(part, "w", force_zip64=True) as handle:
            if part.endswith("sharedStrings.xml"):
                handle.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                             b'2006/main"><si><t>')  # fmt: skip
            block = b"A" * 2**20
            for _ in range(size // len(block)):
                handle.write(block)
    return path


@pytest.mark.parametrize(
    ("part", "size", "message"),
    [
        (
            "xl/sharedStrings.xml",
            300 * 2**20,
            "bomb.xlsx: xl/sharedStrings.xml declares 300.0 MB of text (at most 256.0 MB is "
            "read): not read, a zip bomb or not a meter-data workbook",
        ),
        (
            "xl/worksheets/sheet1.xml",
            200 * 2**20,
            "bomb.xlsx: xl/worksheets/sheet1.xml inflates from 0.2 MB to 200.0 MB (1,0",
        ),
    ],
    ids=["shared-strings", "sheet"],
)
@pytest.mark.parametrize("fmt", [None, "portfolio-manager"], ids=["detected", "named-format"])
def test_zip_bomb_is_refused_before_inflating(
    stocked: Database, tmp_path: Path, part: str, size: int, message: str, fmt: str | None
) -> None:
    before = _state(stocked)
    path = _workbook_with(tmp_path, "bomb.xlsx", part, size)
    assert path.stat().st_size < 2 * 2**20
    began = time.monotonic()

    with pytest.raises(FormatError) as caught:
        import_readings(stocked, path, ImportOptions(format=fmt))

    assert str(caught.value).startswith(message)
    assert time.monotonic() - began < 2.0  # nothing was inflated
    assert _state(stocked) == before


def test_check_zip_passes_the_sample_workbooks() -> None:
    data = Path(__file__).resolve().parents[1] / "data"
    for path in sorted(data.glob("*.xlsx")):
        guard.check_zip(path)
