"""Billed demand on bills: "Demand (kW)" / "Demand Cost ($)" from generic CSVs and Portfolio
Manager workbooks into ``demand_kw`` / ``demand_cost`` ("Not Available" is none)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from greencare import services
from greencare.importers.base import ImportOptions
from greencare.services.imports import import_readings


@pytest.fixture
def power(db, us_hospital) -> None:
    services.add_meter(db, facility=us_hospital.id, name="Power", commodity="electricity",
                       unit="kWh")  # fmt: skip


def stored(db) -> list[tuple]:
    return db.execute(
        "SELECT quantity, cost, currency, demand_kw, demand_cost FROM readings ORDER BY start_utc"
    ).fetchall()


def test_generic_csv_reads_demand_and_its_cost(db, power, tmp_path: Path) -> None:
    path = tmp_path / "bills.csv"
    path.write_text(
        "meter,start,end,quantity,unit,cost,Demand (kW),Demand Cost ($)\n"
        'Power,2025-01-01,2025-01-31,100000,kWh,12000,650,"4,200.50"\n'
        "Power,2025-02-01,2025-02-28,90000,kWh,11000,,\n"
        "Power,2025-03-01,2025-03-31,95000,kWh,,700.5,3900\n"
    )
    result = import_readings(db, path, ImportOptions(format="csv"))
    assert result.status == "imported", result.as_dict()
    assert stored(db) == [
        (100000.0, 12000.0, "USD", 650.0, 4200.5),
        (90000.0, 11000.0, "USD", None, None),
        (95000.0, None, "USD", 700.5, 3900.0),  # a demand charge alone is in the country's USD
    ]


def test_generic_csv_refuses_bad_demand_naming_line_and_column(db, power, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "meter,start,end,quantity,Billed Demand (kW)\n"
        "Power,2025-01-01,2025-01-31,100000,-5\n"
        "Power,2025-02-01,2025-02-28,90000,lots\n"
        "Power,2025-03-01,2025-03-31,95000,710\n"
    )
    result = import_readings(db, path, ImportOptions(format="csv"))
    messages = [p.text(path.name) for p in result.errors]
    assert (
        "bad.csv, line 2, Billed Demand (kW) '-5': a billed demand cannot be negative" in messages
    )
    assert "bad.csv, line 3, Billed Demand (kW) 'lots': not a finite number" in messages
    assert result.error_count == 2 and "Billed Demand (kW)" in messages[0]


def test_csv_without_demand_columns_stores_none(db, power, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("meter,start,end,quantity\nPower,2025-01-01,2025-01-31,100000\n")
    assert import_readings(db, path, ImportOptions(format="csv")).status == "imported"
    assert stored(db) == [(100000.0, None, None, None, None)]


def _workbook(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Meter Entries"
    sheet.append(["Property Name", "Portfolio Manager Meter ID", "Meter Name", "Start Date",
                  "End Date", "Usage/Quantity", "Usage Units", "Cost ($)", "Demand (kW)",
                  "Demand Cost ($)", "Estimation?"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_portfolio_manager_reads_demand_and_not_available(db, power, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "pm.xlsx", [
        ["P", 1, "Power", "1/1/2025", "1/31/2025", 100000, "kWh (thousand Watt-hours)", 12000,
         650, 4200.5, "No"],
        ["P", 1, "Power", "2/1/2025", "2/28/2025", 90000, "kWh (thousand Watt-hours)", 11000,
         "Not Available", "Not Available", "No"],
    ])  # fmt: skip
    result = import_readings(db, path, ImportOptions(meter_map={"Power": "Power"}))
    assert result.status == "imported", result.as_dict()
    assert stored(db) == [
        (100000.0, 12000.0, "USD", 650.0, 4200.5),
        (90000.0, 11000.0, "USD", None, None),
    ]


def test_portfolio_manager_upload_template_headers(db, power, tmp_path: Path) -> None:
    # PM's "Add Bills" template writes "Demand (kW) (Optional)" and "Demand Cost ($) (Optional)"
    from greencare.importers.portfolio_manager import ENTRY_FIELDS, _norm

    assert _norm("Demand (kW) (Optional)") in ENTRY_FIELDS["demand_kw"]
    assert _norm("Demand Cost ($) (Optional)") in ENTRY_FIELDS["demand_cost"]


def test_demand_round_trips_through_the_pm_upload_workbook(db, power, tmp_path: Path) -> None:
    services.add_reading(db, meter="Power", start="2025-01-01", end="2025-01-31", quantity=100000,
                         cost=12000, demand_kw=650, demand_cost=4200.5)  # fmt: skip
    services.add_reading(db, meter="Power", start="2025-02-01", end="2025-02-28", quantity=90000)
    out = tmp_path / "upload.xlsx"
    services.export_bills(db, out, year=2025)
    import pandas as pd

    from greencare.importers.portfolio_manager import PortfolioManager

    frame = pd.concat(list(PortfolioManager().read(out, ImportOptions())))
    frame = frame.sort_values("start_raw")
    assert frame["demand_kw"].tolist()[0] == 650.0 and frame["demand_cost"].tolist()[0] == 4200.5
    assert frame["demand_kw"].isna().tolist()[1]
