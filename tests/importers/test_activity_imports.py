"""Waste and purchase CSV imports: atomic, repeatable, undoable, with line-numbered errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from greencare import services
from greencare.cli import main
from greencare.importers.base import FormatError, ImportOptions
from greencare.services.activity_imports import import_activity, kind_of
from greencare.services.imports import undo

WASTE = (
    "facility,start,end,stream,route,quantity,unit,hauler,cost,currency\n"
    "St Example,2025-01-01,2025-01-31,regulated_medical_waste,autoclave_landfill,2000,lb,Haul,700,USD\n"
    "St Example,2025-01-01,2025-01-31,solid_waste,landfill,1.5,tonne,Haul,90,USD\n"
)
PURCHASES = (
    "facility,date,category,item,description,spend,currency,quantity,unit,supplier\n"
    "St Example,2025-01-31,325412,,Drugs,1000,USD,,,Wholesaler\n"
    "St Example,2025-01-31,anesthetic_gas,desflurane,,,,6,bottle,Pharma\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _counts(db) -> tuple[int, ...]:
    return tuple(
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("waste_records", "purchases", "import_batches", "audit_log")
    )


def test_kind_is_read_from_the_header(tmp_path: Path) -> None:
    assert kind_of(_write(tmp_path, "w.csv", WASTE)) == "waste"
    assert kind_of(_write(tmp_path, "p.csv", PURCHASES)) == "purchases"
    assert kind_of(_write(tmp_path, "m.csv", "meter,start,end,quantity\n")) is None


def test_waste_lands_in_kg_and_undo_removes_it(db, us_hospital, tmp_path: Path) -> None:
    result = import_activity(db, _write(tmp_path, "w.csv", WASTE), "waste")
    assert result.status == "imported" and result.inserted == 2
    kg = dict(db.execute("SELECT stream, quantity_kg FROM waste_records").fetchall())
    assert kg["regulated_medical_waste"] == pytest.approx(2000 * 0.45359237)
    assert kg["solid_waste"] == pytest.approx(1500.0)
    again = import_activity(db, _write(tmp_path, "w.csv", WASTE), "waste")
    assert again.status == "already imported" and again.batch_id == result.batch_id
    assert undo(db, result.batch_id) == {"removed": 2, "restored": 0}
    assert db.execute("SELECT count(*) FROM waste_records").fetchone()[0] == 0


def test_purchases_by_spend_and_by_quantity(db, us_hospital, tmp_path: Path) -> None:
    result = import_activity(db, _write(tmp_path, "p.csv", PURCHASES), "purchases")
    assert result.status == "imported" and result.inserted == 2
    rows = db.execute("SELECT category, item, spend, quantity, unit FROM purchases ORDER BY id")
    assert rows.fetchall() == [
        ("325412", None, 1000.0, None, None),
        ("anesthetic_gas", "desflurane", None, 6.0, "bottle"),
    ]


def test_a_bad_row_fails_the_file_and_names_line_and_field(db, us_hospital, tmp_path) -> None:
    bad = PURCHASES + "St Example,2025-02-28,anesthetic_gas,xenon,,,,2,bottle,X\n"
    bad += "Nowhere,2025-02-28,325412,,,5,USD,,,X\n"
    before = _counts(db)
    result = import_activity(db, _write(tmp_path, "p.csv", bad), "purchases")
    assert result.status == "failed" and result.error_count == 2
    assert [(p.line, p.column) for p in result.errors] == [(4, "item"), (5, "facility")]
    assert "unknown anesthetic_gas item 'xenon'" in result.errors[0].reason
    assert _counts(db) == before


def test_skip_imports_good_rows_and_writes_the_rejected(db, us_hospital, tmp_path) -> None:
    bad = WASTE + "St Example,2025-02-01,2025-02-28,sharps,incineration,5,m**3,H,,\n"
    path = _write(tmp_path, "w.csv", bad)
    result = import_activity(db, path, "waste", ImportOptions(on_error="skip"))
    assert result.status == "imported" and (result.inserted, result.rejected) == (2, 1)
    rejected = (tmp_path / "w.rejected.csv").read_text().splitlines()
    assert rejected[0].startswith("line,facility,start,end,stream")
    assert rejected[1].startswith("4,St Example,2025-02-01") and "not a mass unit" in rejected[1]


def test_dry_run_writes_nothing(db, us_hospital, tmp_path: Path) -> None:
    before = _counts(db)
    result = import_activity(
        db, _write(tmp_path, "w.csv", WASTE), "waste", ImportOptions(dry_run=True)
    )
    assert result.status == "dry run" and result.inserted == 2
    assert _counts(db) == before


def test_tonnes_typed_for_kg_is_refused_unless_accepted(db, us_hospital, tmp_path) -> None:
    months = "".join(
        f"St Example,2024-{m:02d}-01,2024-{m:02d}-28,solid_waste,landfill,9000,kg,H,,\n"
        for m in range(1, 7)
    )
    import_activity(db, _write(tmp_path, "h.csv", WASTE.splitlines()[0] + "\n" + months), "waste")
    slip = (
        WASTE.splitlines()[0]
        + "\nSt Example,2024-07-01,2024-07-28,solid_waste,landfill,9000,tonne,H,,\n"
    )
    before = _counts(db)
    result = import_activity(db, _write(tmp_path, "s.csv", slip), "waste")
    assert result.status == "failed" and result.inserted == 0
    assert [p.text("s.csv") for p in result.errors] == [
        "s.csv, line 2, quantity '9000': 9,000 tonne: 1,000.0 x the usual kg per day for "
        "solid_waste here (refused at 500 x); a unit slip (kg vs tonnes)?; refused as "
        "implausible (--accept-outlier records it)"
    ]
    assert _counts(db) == before

    kept = import_activity(
        db, _write(tmp_path, "s.csv", slip), "waste", ImportOptions(accept_outlier=True)
    )
    assert kept.status == "imported" and kept.warning_count == 1
    assert kept.warnings[0].reason.endswith("; accepted with --accept-outlier")
    flags = services.outlier_flags(db, "waste_records", 7)
    assert [(f["rule"], f["level"], f["month"], f["batch_id"]) for f in flags] == [
        ("history", "refusal", "2024-07", kept.batch_id)
    ]


def test_waste_warned_against_history_is_stored_and_flagged(db, us_hospital, tmp_path) -> None:
    months = "".join(
        f"St Example,2024-{m:02d}-01,2024-{m:02d}-28,solid_waste,landfill,9000,kg,H,,\n"
        for m in range(1, 4)
    )
    head = WASTE.splitlines()[0] + "\n"
    import_activity(db, _write(tmp_path, "h.csv", head + months), "waste")
    odd = head + "St Example,2024-04-01,2024-04-28,solid_waste,landfill,270,tonne,H,,\n"
    result = import_activity(db, _write(tmp_path, "o.csv", odd), "waste")
    assert result.status == "imported" and result.warning_count == 1
    assert result.warnings[0].text("o.csv") == (
        "o.csv, line 2, quantity '270': warning: 270 tonne: 30.0 x the usual kg per day for "
        "solid_waste here; a unit slip (kg vs tonnes)?"
    )
    assert db.execute("SELECT level FROM accepted_outliers").fetchall() == [("warning",)]


def test_4000_desflurane_bottles_in_a_month_are_refused(db, us_hospital, tmp_path) -> None:
    # No history: 4,000 x 240 mL x 1.465 g/mL = 1,406 kg of agent over 250 staffed beds.
    text = (
        PURCHASES.splitlines()[0]
        + "\nSt Example,2025-01-31,anesthetic_gas,desflurane,,,,4000,bottle,P\n"
    )
    before = _counts(db)
    result = import_activity(db, _write(tmp_path, "p.csv", text), "purchases")
    assert result.status == "failed"
    assert result.errors[0].reason == (
        "4,000 bottle of desflurane is 5.63 kg of agent per staffed bed in a month at St Example "
        "(250 staffed beds); refused above 2.5; refused as implausible "
        "(--accept-outlier records it)"
    )
    assert _counts(db) == before


def test_cli_detects_the_kind(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    db_path = tmp_path / "cli.db"
    db = services.open_db(db_path)
    services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    db.close()
    runner = CliRunner()
    out = runner.invoke(
        main, ["--db", str(db_path), "import", str(_write(tmp_path, "w.csv", WASTE))]
    )
    assert out.exit_code == 0, out.output
    assert "(waste-csv) as batch 1: 2 rows read, 2 added" in out.stdout
    formats = runner.invoke(main, ["formats"])
    assert "waste-csv" in formats.stdout and "purchases-csv" in formats.stdout


def _tables(db) -> str:
    import hashlib

    digest = hashlib.sha256()
    for table in ("waste_records", "purchases", "import_batches"):
        digest.update(repr(db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()).encode())
    return digest.hexdigest()


@pytest.mark.parametrize(
    ("kind", "text"), [("waste", WASTE), ("purchases", PURCHASES)], ids=["waste", "purchases"]
)
@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t + "\n",
        lambda t: t.replace("\n", "\r\n") + "\r\n\r\n",
    ],
    ids=["crlf", "blank-line", "crlf-and-blank-lines"],
)
def test_the_same_rows_again_are_unchanged(db, us_hospital, tmp_path, kind, text, variant) -> None:
    first = import_activity(db, _write(tmp_path, "a.csv", text), kind)
    assert first.status == "imported" and first.inserted == 2
    before = _tables(db)
    path = tmp_path / "again.csv"
    path.write_bytes(variant(text).encode())
    again = import_activity(db, path, kind)
    assert again.status == "nothing to import"
    assert (again.rows_read, again.inserted, again.unchanged) == (2, 0, 2)
    assert _tables(db) == before


def test_one_changed_field_is_a_new_record_and_equal_rows_in_a_file_are_kept(
    db, us_hospital, tmp_path
) -> None:
    import_activity(db, _write(tmp_path, "a.csv", PURCHASES), "purchases")
    changed = PURCHASES.replace("1000,USD", "1000.5,USD") + PURCHASES.splitlines()[2] + "\n"
    result = import_activity(db, _write(tmp_path, "b.csv", changed), "purchases")
    assert (result.status, result.inserted, result.unchanged) == ("imported", 2, 1)
    spends = db.execute("SELECT spend, quantity FROM purchases ORDER BY id").fetchall()
    assert spends == [(1000.0, None), (None, 6.0), (1000.5, None), (None, 6.0)]
    twice = tmp_path / "c.csv"
    twice.write_bytes(changed.replace("\n", "\r\n").encode())
    again = import_activity(db, twice, "purchases")
    assert (again.status, again.inserted, again.unchanged) == ("nothing to import", 0, 3)


def test_rejected_file_is_neutralised_owner_only_and_never_overwritten(
    db, us_hospital, tmp_path
) -> None:
    import stat

    bad = WASTE + 'St Example,2025-02-01,2025-02-28,sharps,incineration,-5,kg,"=HYPERLINK(1)",,\n'
    path = _write(tmp_path, "w.csv", bad)
    earlier = tmp_path / "w.rejected.csv"
    earlier.write_text("someone's notes\n")
    result = import_activity(db, path, "waste", ImportOptions(on_error="skip"))
    assert result.rejected_file == str(tmp_path / "w.rejected-2.csv")
    assert earlier.read_text() == "someone's notes\n"
    written = Path(result.rejected_file)
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    lines = written.read_text().splitlines()
    assert lines[1].startswith("4,St Example,2025-02-01,2025-02-28,sharps,incineration,-5,kg,"
                               "'=HYPERLINK(1),")  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.csv", "w.rejected-2.csv",
                                                          "w.rejected.csv"]  # fmt: skip


def _spend(path: Path) -> tuple[float]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT sum(spend) FROM purchases").fetchone()
    finally:
        conn.close()


def test_cli_says_the_same_rows_are_unchanged(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    db_path = tmp_path / "cli.db"
    db = services.open_db(db_path)
    services.add_facility(db, name="St Example", country="US", grid_region="CAMX")
    db.close()
    runner = CliRunner()
    first = runner.invoke(main, ["--db", str(db_path), "import", str(_write(tmp_path, "p.csv",
                                                                             PURCHASES))])  # fmt: skip
    assert first.exit_code == 0, first.output
    spend = _spend(db_path)
    again = tmp_path / "p-crlf.csv"
    again.write_bytes(PURCHASES.replace("\n", "\r\n").encode() + b"\r\n")
    out = runner.invoke(main, ["--db", str(db_path), "import", str(again)])
    assert out.exit_code == 0, out.output
    assert out.stdout == (
        "nothing new in p-crlf.csv: 2 rows read, 0 added, 2 unchanged, 0 replaced, 0 rejected\n"
    )
    assert _spend(db_path) == spend == (1000.0,)


def test_a_windows_1252_or_utf_16_file_reads_like_meter_data(db, us_hospital, tmp_path) -> None:
    # A 1252 file was "error: 'utf-8' codec can't decode byte 0xe9 in position 147"; a UTF-16
    # one was taken for meter data ("no such meter").
    text = WASTE.replace("Haul,90", "Café Haulage,90")
    for codec in ("cp1252", "utf-16"):
        path = tmp_path / f"w-{codec}.csv"
        path.write_bytes(text.encode(codec))
        assert kind_of(path) == "waste"
        result = import_activity(db, path, "waste", ImportOptions(dry_run=True))
        assert (result.status, result.inserted, result.errors) == ("dry run", 2, [])
    path = tmp_path / "bad.csv"
    path.write_bytes(WASTE.encode() + b"St Example,2025-02-01,2025-02-28,solid_waste,\x81\n")
    before = _counts(db)
    with pytest.raises(FormatError, match=r"bad\.csv, line 4: byte 0x81 is neither UTF-8"):
        import_activity(db, path, "waste")
    assert _counts(db) == before


def test_a_semicolon_file_is_read_with_its_delimiter(db, us_hospital, tmp_path) -> None:
    path = _write(tmp_path, "w.csv", WASTE.replace(",", ";"))
    assert kind_of(path) == "waste"
    result = import_activity(db, path, "waste", ImportOptions(dry_run=True))
    assert (result.status, result.inserted, result.errors) == ("dry run", 2, [])


@pytest.mark.parametrize(
    ("cells", "column", "value", "reason"),
    [
        (
            "15/01/2025,2025-01-31,solid_waste,landfill,1,kg",
            "start",
            "15/01/2025",
            "not a date in YYYY-MM-DD form; waste and purchase files take ISO 8601 dates "
            "(2025-01-31)",
        ),
        (
            "2025-01-01,2025-01-31,solid_waste,landfill,\"1,234\",kg",
            "quantity",
            "1,234",
            "could be 1234 (',' between thousands) or 1.234 (a decimal comma); waste and "
            "purchase files take a decimal point and no thousands separator (1234.5)",
        ),
        ("2025-01-01,2025-01-31,solid_waste,landfill,nan,kg", "quantity", "nan", "not a finite number"),
        ("2025-01-01,2025-01-31,solid_waste,landfill,-inf,kg", "quantity", "-inf", "not a finite number"),
        ("2025-01-01,2025-01-31,solid_waste,landfill,lots,kg", "quantity", "lots", "not a number"),
    ],
)  # fmt: skip
def test_dates_and_numbers_that_are_not_plain_are_refused_by_name(
    db, us_hospital, tmp_path, cells, column, value, reason
) -> None:
    # d/m/y was "Input should be a valid date or datetime, invalid character in year", 1,5
    # "unable to parse string as a number", nan "Input should be greater than or equal to 0".
    header = "facility,start,end,stream,route,quantity,unit\n"
    before = _counts(db)
    result = import_activity(
        db, _write(tmp_path, "w.csv", header + f"St Example,{cells}\n"), "waste"
    )
    assert result.status == "failed"
    assert [(p.line, p.column, p.value, p.reason) for p in result.errors] == [
        (2, column, value, reason)
    ]
    assert _counts(db) == before


def test_a_purchase_spend_with_a_comma_is_refused_naming_both_readings(db, us_hospital, tmp_path):
    text = PURCHASES.replace(",1000,USD", ',"1,000",USD')
    result = import_activity(db, _write(tmp_path, "p.csv", text), "purchases")
    assert [(p.column, p.value) for p in result.errors] == [("spend", "1,000")]
    assert "could be 1000 (',' between thousands) or 1.000 (a decimal comma)" in (
        result.errors[0].reason
    )
