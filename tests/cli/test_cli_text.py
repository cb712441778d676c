"""Text at the edges: services, the CLI and imports refuse control characters with one line
naming the field (and file line), leaving the database unchanged; CLI output never carries a
control character raw, and long values are cut in messages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import MEGABYTE, RAW_CONTROL, insert_hostile, table_digest

from greencare import services
from greencare.core.errors import InputError
from greencare.importers.base import ImportOptions
from greencare.services.activity_imports import import_activity
from greencare.services.imports import import_readings

ROOT = Path(__file__).resolve().parents[2]


def _run(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "greencare", "--db", str(db_path), *args],
        capture_output=True, text=True, encoding="utf-8", timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def hospital_db(tmp_path: Path) -> Path:
    path = tmp_path / "g.db"
    db = services.open_db(path)
    f = services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    db.close()
    return path


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda db: services.add_facility(db, name="x\x1b[31m", country="US"), "name"),
        (lambda db: services.add_facility(db, name="A", country="US", notes="\x1b]0;t\x07"),
         "notes"),
        (lambda db: services.add_meter(db, facility=1, name="M\x00", commodity="electricity",
                                       unit="kWh"), "name"),
        (lambda db: services.add_waste(db, facility=1, start_date="2025-01-01",
                                       end_date="2025-01-31", stream="solid_waste",
                                       route="landfill", quantity=1, unit="kg",
                                       hauler="H\u202e"), "hauler"),
        (lambda db: services.add_purchase(db, facility=1, date="2025-01-05", category="339112",
                                          spend=1, currency="USD", supplier="S\x07"),
         "supplier"),
    ],
)  # fmt: skip
def test_services_refuse_control_characters_and_write_nothing(
    hospital_db: Path, call, field: str
) -> None:  # type: ignore[no-untyped-def]
    db = services.open_db(hospital_db)
    before = table_digest(db)
    with pytest.raises(InputError) as caught:
        call(db)
    message = str(caught.value)
    assert message.startswith(f"{field}: the text contains the control character U+")
    assert "\n" not in message and not RAW_CONTROL.search(message)
    assert table_digest(db) == before


def test_cli_refuses_a_control_character_in_one_line(hospital_db: Path) -> None:
    db = services.open_db(hospital_db)
    before = table_digest(db)
    db.close()
    out = _run(hospital_db, "facility", "add", "Evil\x1b]0;pwned\x07", "--country", "US")
    assert out.returncode == 1
    assert out.stderr == (
        "error: name: the text contains the control character U+001B (escape) at character 5; "
        "control characters are not allowed\n"
    )
    assert table_digest(services.open_db(hospital_db)) == before


def test_cli_output_shows_stored_controls_as_escapes(tmp_path: Path) -> None:
    path = tmp_path / "hostile.db"
    db = services.open_db(path)
    insert_hostile(db)
    db.close()
    for args in (["facility", "list"], ["meter", "list"]):
        out = _run(path, *args)
        assert out.returncode == 0, out.stderr
        assert not RAW_CONTROL.search(out.stdout), args
        assert "\\x1b]0;pwned\\x07 H03" in out.stdout
        assert "[bold red]x[/] H02" in out.stdout and "病院" in out.stdout
    out = _run(path, "reading", "add", "no such\x1b[2J" + "M" * 100_000, "--start", "2025-01-01",
               "--end", "2025-01-31", "--quantity", "1")  # fmt: skip
    assert out.returncode == 1
    assert not RAW_CONTROL.search(out.stderr)
    assert out.stderr.startswith("error: no meter 'no such\\x1b[2J")
    assert len(out.stderr) < 300


def test_every_cli_line_goes_through_echo() -> None:
    """No command prints with click.echo directly (it would bypass the escaping)."""
    files = sorted((ROOT / "greencare" / "cli").glob("*.py"))
    assert len(files) >= 8  # the command-group modules are all checked
    for path in files:
        source = path.read_text(encoding="utf-8")
        calls = re.findall(r"click\.(?:echo|secho)\(|\bprint\(", source)
        expected = 1 if path.name == "common.py" else 0  # the one inside echo() itself
        assert len(calls) == expected, path.name
    source = (ROOT / "greencare/cli/common.py").read_text(encoding="utf-8")
    body = source[source.index("def echo(") :]
    assert body.index("click.echo(") < body.index("\ndef ")


def test_import_refuses_control_characters_in_meter_names_line_by_line(
    hospital_db: Path, tmp_path: Path
) -> None:
    source = tmp_path / "meters.csv"
    source.write_text(
        "meter,start,end,quantity,unit\n"
        "Gas,2025-01-01,2025-01-31,10,therm\n"
        "New\x1b[31m,2025-01-01,2025-01-31,11,therm\n"
        f"{MEGABYTE},2025-01-01,2025-01-31,12,therm\n",
        encoding="utf-8",
    )
    db = services.open_db(hospital_db)
    before = table_digest(db)
    options = ImportOptions(create_meters=True, facility="St Example", commodity="natural_gas")
    result = import_readings(db, source, options)
    assert result.status == "failed"
    texts = [p.text(result.file) for p in result.errors]
    assert texts[0] == (
        "meters.csv, line 3, meter 'New\\x1b[31m': the text contains the control character "
        "U+001B (escape) at character 4; control characters are not allowed"
    )
    assert texts[1].startswith("meters.csv, line 4, meter 'MMMM")
    assert texts[1].endswith("… (1,048,576 characters)': the text is 1,048,576 characters long; "
                             "the most allowed is 200")  # fmt: skip
    assert result.meters_created == [] and result.unknown_meters == []
    assert table_digest(db) == before
    out = _run(hospital_db, "import", str(source), "--create-meters", "--facility", "St Example",
               "--commodity", "natural_gas")  # fmt: skip
    assert out.returncode == 1 and not RAW_CONTROL.search(out.stdout + out.stderr)
    assert out.stderr.startswith("error: import failed: 2 problems in meters.csv")
    assert max(len(line) for line in out.stderr.splitlines()) < 400


def test_waste_import_refuses_a_control_character_naming_line_and_field(
    hospital_db: Path, tmp_path: Path
) -> None:
    source = tmp_path / "waste.csv"
    source.write_text(
        "facility,start,end,stream,route,quantity,unit,hauler\n"
        "St Example,2025-01-01,2025-01-31,solid_waste,landfill,10,kg,Good Hauler\n"
        "St Example,2025-02-01,2025-02-28,solid_waste,landfill,10,kg,Bad\x07Hauler\n",
        encoding="utf-8",
    )
    db = services.open_db(hospital_db)
    before = table_digest(db)
    result = import_activity(db, source, "waste", ImportOptions())
    assert not result.ok
    assert [p.text(result.file) for p in result.errors] == [
        "waste.csv, line 3, hauler 'Bad\\x07Hauler': the text contains the control character "
        "U+0007 (bell) at character 4; control characters are not allowed"
    ]
    assert table_digest(db) == before
