"""Portfolio Manager spreadsheets: Meter Entries, Add Bills template, Monthly Usage (SEED samples)."""

from __future__ import annotations

import warnings
import zipfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from greencare import services
from greencare.importers import detect
from greencare.importers.base import FormatError, ImportOptions
from greencare.importers.portfolio_manager import PortfolioManager, pm_unit
from greencare.services.imports import import_readings

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "example-pm-monthly-meter-usage.xlsx"
UNKNOWN = DATA / "example-pm-monthly-meter-usage-with-unknown-types-and-units.xlsx"
COSTS = DATA / "example-pm-monthly-meter-usage-2-cost-meters.xlsx"
BPS = DATA / "ESPM_BPS_Sample_Meter_Readings.xlsx"
BILLS = DATA / "Add_Bills_to_Meters.xlsx"
MONTHLY = DATA / "example-pm-data-request-with-meters.xlsx"
MONTHLY_NEW = DATA / "example-pm-data-request-with-meters-new-format.xlsx"
COMMODITY = {"Electric - Grid": "electricity", "Natural Gas": "natural_gas",
             "District Steam": "district_steam"}  # fmt: skip


def _read(path: Path, **options) -> pd.DataFrame:
    return pd.concat(list(PortfolioManager().read(path, ImportOptions(**options))))


def _independent(path: Path, id_header: str, usage_header: str) -> dict[str, float]:
    """Usage per PM meter id, read with openpyxl directly (all sheets with that header)."""
    totals: dict[str, float] = defaultdict(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            sheet.reset_dimensions()
            header = None
            for row in sheet.iter_rows(values_only=True):
                cells = [str(c or "").split("\n")[0].strip() for c in row]
                if header is None:
                    if id_header in cells and usage_header in cells:
                        header = cells
                    continue
                usage = row[header.index(usage_header)]
                if usage not in (None, ""):
                    meter_id = row[header.index(id_header)]
                    totals[
                        str(int(meter_id)) if isinstance(meter_id, float) else str(meter_id)
                    ] += float(usage)
    return dict(totals)


def _per_meter(raw: pd.DataFrame) -> list[float]:
    """Totals per meter key, sorted (compared with the independent totals per PM meter id)."""
    return sorted(raw.groupby("meter")["quantity"].sum())


def test_detected() -> None:
    for path in (SEED, BPS, BILLS, MONTHLY, MONTHLY_NEW):
        assert detect(path).name == "portfolio-manager"


def test_seed_meter_entries_raw() -> None:
    raw = _read(SEED)
    assert len(raw) == 8
    assert raw["line"].tolist() == list(range(7, 15))
    # "Electric Grid Meter" names four PM meters: the key carries the PM meter id.
    assert raw["meter"].iloc[0] == "Electric Grid Meter [5766973-0]"
    assert set(raw["unit"]) == {"kBtu"}
    expected = _independent(SEED, "Portfolio Manager Meter ID", "Usage/Quantity")
    assert raw.groupby("meter")["quantity"].sum().to_dict() == pytest.approx(
        {f"Electric Grid Meter [{k}]": v for k, v in expected.items()}
    )
    # Bills share read dates (End Date = next Start Date): ends are period ends, not last days.
    assert not raw["end_is_date"].any()
    assert raw["end"].iloc[0] == pd.Timestamp("2016-02-01")
    assert raw.attrs["columns"]["quantity"] == "Meter Entries!Usage/Quantity"


def test_costs_and_not_available() -> None:
    raw = _read(COSTS)
    cost = raw.set_index("line")["cost"]
    assert cost[7] == 100 and cost[12] == 400 and cost.isna()[9]
    assert raw.set_index("line")["cost_raw"][9] == ""  # "Not Available": no cost, no error


def test_bps_export_totals_and_inclusive_end_dates() -> None:
    raw = _read(BPS)
    assert len(raw) == 579
    expected = _independent(BPS, "Portfolio Manager Meter ID", "Usage/Quantity")
    assert len(expected) == raw["meter"].nunique() == 17
    assert _per_meter(raw) == pytest.approx(sorted(expected.values()))
    first = raw.iloc[0]
    assert first["line"] == 7 and first["meter"] == "Master Meter [139067318]"
    assert first["start"] == pd.Timestamp("2019-01-01") and first["end_is_date"]
    assert "District Steam" in set(raw["meter"])  # a name used once stays as it is


def test_bps_end_to_end(db, us_hospital) -> None:
    raw = _read(BPS)
    types = _meter_types(BPS)
    for key in raw["meter"].unique():
        services.add_meter(
            db, facility=us_hospital.id, name=key, commodity=COMMODITY[types[key]], unit="kBtu"
        )
    result = import_readings(db, BPS)
    assert result.ok and result.inserted == 579, result.errors[:3]
    count, total = db.execute("SELECT count(*), sum(quantity) FROM readings").fetchone()
    assert count == 579 and total == pytest.approx(raw["quantity"].sum())
    meter = services.get_meter(db, "Master Meter [139067318]")
    start, end, quantity = db.execute(
        "SELECT start_utc, end_utc, quantity FROM readings WHERE meter_id = ? "
        "ORDER BY start_utc LIMIT 1",
        [meter.id],
    ).fetchone()
    # 2019-01-01 .. 2019-01-31 inclusive, in America/Los_Angeles (PST, UTC-8).
    assert start == int(datetime(2019, 1, 1, 8).timestamp() - _utc_offset())
    assert end == int(datetime(2019, 2, 1, 8).timestamp() - _utc_offset())
    assert quantity == pytest.approx(274925.3)


def _utc_offset() -> float:
    """Local offset of this machine, to turn naive datetime.timestamp() into UTC."""
    return datetime(2019, 1, 1).timestamp() - pd.Timestamp("2019-01-01", tz="UTC").timestamp()


def _meter_types(path: Path) -> dict[str, str]:
    raw = _read(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True)
    sheet = book["Meter Entries"]
    sheet.reset_dimensions()
    rows = {n: r for n, r in enumerate(sheet.iter_rows(values_only=True), start=1)}
    return {m: rows[line][4] for m, line in zip(raw["meter"], raw["line"], strict=True)}


def test_unknown_units_are_a_clear_error(db, us_hospital) -> None:
    for key, commodity in (("Electric Grid Meter [5766973-0]", "electricity"),
                           ("Electric Grid Meter [5766975-0]", "electricity"),
                           ("Electric Grid Meter [5766973-1]", "natural_gas"),
                           ("Electric Grid Meter [5766975-1]", "natural_gas")):  # fmt: skip
        services.add_meter(db, facility=us_hospital.id, name=key, commodity=commodity)
    result = import_readings(db, UNKNOWN)
    assert result.status == "failed" and result.inserted == 0
    texts = [p.text(UNKNOWN.name) for p in result.errors]
    assert [p.line for p in result.errors] == [10, 11]
    assert all("Usage Units 'Some Unknown Unit': unknown unit" in t for t in texts)
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 0


def test_add_bills_template() -> None:
    raw = _read(BILLS)
    assert len(raw) == 579
    expected = _independent(BILLS, "Meter ID", "Usage") | _independent(
        BILLS, "Meter ID", "Quantity"
    )
    assert _per_meter(raw) == pytest.approx(sorted(expected.values()))
    # End Dates written as formulas (=G5-1) are read from their cached values.
    row = raw[(raw["meter"] == "Master Meter [139067318]") & (raw["line"] == 4)].iloc[0]
    assert row["end"] == pd.Timestamp("2019-03-31")
    chunks = list(PortfolioManager().read(BILLS, ImportOptions()))
    assert [c.attrs["columns"]["quantity"] for c in chunks] == [
        "Add Bills-Electricity!Usage",
        "Add Bills-Non Electric!Quantity",
    ]


@pytest.mark.parametrize("path", [MONTHLY, MONTHLY_NEW])
def test_monthly_usage_sheet(path: Path, db, us_hospital) -> None:
    raw = _read(path)
    assert raw["meter"].tolist() == ["Electricity Use (Grid)"] * 2  # "Not Available" skipped
    assert raw["line"].tolist() == [6, 7]
    assert raw["unit"].tolist() == ["kBtu", "kBtu"]
    assert raw["start"].tolist() == [pd.Timestamp("2016-01-01"), pd.Timestamp("2016-02-01")]
    assert raw["end"].tolist() == [pd.Timestamp("2016-01-31"), pd.Timestamp("2016-02-29")]
    assert raw["end_is_date"].all()
    services.add_meter(db, facility=us_hospital.id, name="Grid", commodity="electricity")
    result = import_readings(db, path, ImportOptions(meter_map={"Electricity Use (Grid)": "Grid"}))
    assert result.inserted == 2
    total, end = db.execute("SELECT sum(quantity), max(end_utc) FROM readings").fetchone()
    assert total == pytest.approx(85887.1 + 175697.3)
    assert end == int(pd.Timestamp("2016-03-01", tz="America/Los_Angeles").timestamp())


def test_not_available_usage_and_blank_rows(tmp_path: Path, db, us_hospital) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meter Entries"
    sheet.append(["My Portfolio: test"])
    sheet.append([])
    sheet.append(
        [
            "Property Name",
            "Portfolio Manager Meter ID",
            "Meter Name",
            "Start Date",
            "End Date",
            "Usage/Quantity",
            "Usage Units",
            "Cost ($)",
            "Estimation?",
        ]
    )
    sheet.append(
        [
            "P",
            1,
            "Steam",
            "1/1/2024",
            "1/31/2024",
            12.5,
            "KLbs. (thousand pounds)",
            "$1,000.00",
            "Yes",
        ]
    )
    sheet.append(
        [
            "P",
            1,
            "Steam",
            "2/1/2024",
            "2/29/2024",
            "Not Available",
            "KLbs. (thousand pounds)",
            "Not Available",
            "No",
        ]
    )
    sheet.append(["P", 1, "Steam", "3/1/2024", "3/31/2024", None, "KLbs. (thousand pounds)"])
    sheet.append(["P", 1, "Steam", "4/1/2024", "4/30/2024", 2, "MLbs. (million pounds)"])
    path = tmp_path / "pm.xlsx"
    book.save(path)
    raw = _read(path)
    assert raw["line"].tolist() == [4, 5, 7]
    assert raw["quantity_raw"].tolist() == ["12.5", "Not Available", "2"]
    assert raw["unit"].tolist() == ["klb", "klb", "klb"]
    assert raw["quantity"].iloc[2] == 2000  # million pounds
    assert raw["cost"].iloc[0] == 1000 and raw["estimated"].tolist() == [True, False, False]
    services.add_meter(db, facility=us_hospital.id, name="Steam", commodity="district_steam")
    result = import_readings(db, path)
    assert result.status == "failed"
    assert [(p.line, p.reason) for p in result.errors] == [(5, "not a finite number")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kWh (thousand Watt-hours)", ("kWh", 1)),
        ("MWh (million Watt-hours)", ("MWh", 1)),
        ("kBtu (thousand Btu)", ("kBtu", 1)),
        ("MBtu (million Btu)", ("MMBtu", 1)),
        ("MBtu/ MMBtu/ Dth (million Btu/ dekatherm)", ("MMBtu", 1)),
        ("therms", ("therm", 1)),
        ("ccf (hundred cubic feet)", ("ccf", 1)),
        ("kcf (thousand cubic feet)", ("Mcf", 1)),
        ("MCF (million cubic feet)", ("Mcf", 1000)),
        ("cf (cubic feet)", ("cf", 1)),
        ("Gallons (US)", ("US_gallon", 1)),
        ("Gallons (UK)", ("imperial_gallon", 1)),
        ("Liters", ("litre", 1)),
        ("Cubic Meters", ("m**3", 1)),
        ("kGal (thousand gallons) (US)", ("kgal", 1)),
        ("GJ", ("GJ", 1)),
        ("Pounds", ("lb", 1)),
        ("KLbs. (thousand pounds)", ("klb", 1)),
        ("MLbs. (million pounds)", ("klb", 1000)),
        ("ton hours", ("ton_hour", 1)),
        ("Some Unknown Unit", ("Some Unknown Unit", 1)),
    ],
)
def test_pm_units(text: str, expected: tuple[str, float]) -> None:
    assert pm_unit(text) == expected


# --- formulas, zip bombs, one read -----------------------------------------------------------

ENTRY_HEADER = ["Portfolio Manager Meter ID", "Meter Name", "Start Date", "End Date",
                "Usage/Quantity", "Usage Units", "Cost ($)"]  # fmt: skip


def _entries_book(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meter Entries"
    sheet.append(ENTRY_HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)  # openpyxl saves formulas without a value: as a user's script would
    return path


def _db_with_main():
    db = services.open_db(":memory:")
    facility = services.add_facility(db, name="H", country="US", timezone="America/New_York")
    services.add_meter(db, facility=facility.id, name="Main", commodity="electricity", unit="kWh")
    return db


def _counts(db) -> tuple[int, ...]:
    return tuple(
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("readings", "reading_months", "import_batches", "audit_log")
    )


KWH = "kWh (thousand Watt-hours)"


@pytest.mark.parametrize(
    ("row", "where"),
    [
        (["1", "Main", "2025-02-01", "2025-02-28", "=10*2", KWH, 5],
         "row 3, column E (Usage/Quantity)"),
        (["1", "Main", "2025-02-01", "2025-02-28", 20, KWH, "=B2*3"], "row 3, column G (Cost ($))"),
    ],
    ids=["usage", "cost"],
)  # fmt: skip
def test_formula_without_a_saved_value_is_refused_naming_the_cell(
    tmp_path: Path, row: list, where: str
) -> None:
    path = _entries_book(
        tmp_path / "formula.xlsx", [["1", "Main", "2025-01-01", "2025-01-31", 10, KWH, 4], row]
    )
    db = _db_with_main()
    before = _counts(db)

    with pytest.raises(FormatError) as caught:
        import_readings(db, path)

    assert str(caught.value) == (
        f"formula.xlsx: sheet 'Meter Entries', {where}: a formula with no saved value, so the "
        "bill cannot be read; open the workbook in Excel or LibreOffice and save it (that "
        "stores the values), then import it again"
    )
    assert _counts(db) == before


@pytest.mark.parametrize(
    ("saved", "quantities"),
    [(b"<f>10*2</f><v>20</v></c>", [20.0]), (b"<f>10*2</f><v></v></c>", [])],
    ids=["number", "empty-text-result"],
)
def test_formula_with_a_saved_value_is_read(
    tmp_path: Path, saved: bytes, quantities: list[float]
) -> None:
    """A saved value is used; a saved empty text (=IF(..,"",..)) is an empty cell, skipped."""
    plain = _entries_book(
        tmp_path / "plain.xlsx",
        [["1", "Main", "2025-01-01", "2025-01-31", "=10*2", KWH, 4],
         ["1", "Main", "2025-02-01", "2025-02-28", 7, KWH, 4]],
    )  # fmt: skip
    path = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<c r="E2"><f>10*2</f><v /></c>' in data
                cell = b'<c r="E2" t="str">' if b"<v></v>" in saved else b'<c r="E2">'
                data = data.replace(b'<c r="E2"><f>10*2</f><v /></c>', cell + saved)
            out.writestr(item, data)
    raw = _read(path)
    assert raw["quantity"].tolist() == [*quantities, 7.0]


def test_zip_bomb_is_refused_by_the_reader_itself(tmp_path: Path) -> None:
    """Scripts calling the importer directly get the same refusal as an import."""
    path = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out,
        out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle,
    ):
        for _ in range(64):
            handle.write(b"<row/>" * (2**20 // 6))
    with pytest.raises(FormatError) as caught:
        list(PortfolioManager().read(path, ImportOptions()))
    assert "xl/worksheets/sheet1.xml inflates from " in str(caught.value)
    assert str(caught.value).endswith("not read, a zip bomb or a damaged workbook")


def test_each_sheet_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sniff, survey and read used to parse every row up to four times (1M rows: minutes)."""
    from greencare.importers import portfolio_manager as pm

    calls: list[str] = []
    original = pm._rows

    def counting(sheet, first: int = 1):
        for item in original(sheet, first):
            calls.append(sheet.title)
            yield item

    monkeypatch.setattr(pm, "_rows", counting)
    raw = _read(BPS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(BPS, read_only=True)
    sheet_rows = {}
    for sheet in book.worksheets:
        sheet.reset_dimensions()
        sheet_rows[sheet.title] = sum(1 for _ in sheet.iter_rows())
    assert len(raw) > 100
    for title, n in sheet_rows.items():
        assert calls.count(title) <= n + 40  # one pass, plus the header search (40 rows)


def test_more_bills_than_a_sheet_holds_are_refused_not_truncated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from greencare.importers import portfolio_manager as pm

    monkeypatch.setattr(pm, "MAX_ROWS", 3)  # the real limit is Excel's 1,048,576 rows
    path = _entries_book(
        tmp_path / "many.xlsx",
        [["1", "Main", f"2025-{m:02d}-01", f"2025-{m:02d}-28", m, KWH, 1] for m in range(1, 5)],
    )
    db = _db_with_main()
    before = _counts(db)
    with pytest.raises(FormatError) as caught:
        import_readings(db, path)
    assert str(caught.value) == (
        "many.xlsx: sheet 'Meter Entries', row 5: more than 3 bills in the workbook (an Excel "
        "sheet's limit); split it and import the parts"
    )
    assert _counts(db) == before
    monkeypatch.setattr(pm, "MAX_ROWS", 4)
    assert len(_read(path)) == 4


def test_a_meter_entries_sheet_without_its_columns_names_them(db, tmp_path: Path) -> None:
    # With no End Date column the sheet was skipped and the file refused as "no data rows
    # (only a header?)", though it has a bill on line 2.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meter Entries"
    sheet.append(["Property Name", "Portfolio Manager Meter ID", "Meter Name", "Start Date",
                  "Usage/Quantity", "Usage Units"])  # fmt: skip
    sheet.append(["Clinic", 9001, "Boiler", "2024-01-01", 100, "kBtu (thousand Btu)"])
    path = tmp_path / "entries.xlsx"
    book.save(path)
    with pytest.raises(FormatError) as refused:
        import_readings(db, path, ImportOptions())
    assert str(refused.value) == (
        "entries.xlsx: no sheet has Portfolio Manager's bill columns in its first 40 rows: "
        "Start Date and End Date (or Delivery Date), Usage/Quantity, and Portfolio Manager Meter "
        "ID or Meter Name (sheets: 'Meter Entries')"
    )
    assert db.execute("SELECT count(*) FROM import_batches").fetchone() == (0,)
