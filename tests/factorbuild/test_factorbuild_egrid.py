"""eGRID summary tables extractor on a tiny workbook laid out like egrid2021_summary_tables.xlsx."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from greencare.factorbuild import egrid

HEAD = [None, "eGRID subregion acronym", "eGRID subregion name", "Total output emission rates"]
HEAD += [None] * 6 + ["Non-baseload output emission rates"] + [None] * 6 + ["Grid Gross Loss (%)"]
GASES = [None, None, None, "CO2", "CH4", "N2O", "CO2e", "Annual NOX", "Ozone Season NOX", "SO2"]
GASES += ["CO2", "CH4", "N2O", "CO2e", "Annual NOX", "Ozone Season NOX", "SO2"]
# Cells copied from Table 1 rows 1-4, 8 and 32 of the eGRID2021 summary tables.
ROWS = {
    1: [None, "1. Subregion Output Emission Rates (eGRID2021)"],
    2: HEAD,
    3: [None, None, None, "lb/MWh", None, None, None, None, None, None, "lb/MWh"],
    4: GASES,
    8: [None, "CAMX", "WECC California", 531.678, 0.031, 0.004, 533.606, 0.52, 0.495, 0.038,
        1047.515, 0.049, 0.006, 1050.551, 0.849, 0.796, 0.057, 0.044],
    32: [None, "U.S.", None, 852.3, 0.071, 0.01, 857.019, 0.525, 0.525, 0.531, 1410.007, 0.11,
         0.016, 1417.337, 0.949, 0.897, 0.866, 0.045],
}  # fmt: skip


def make(path: Path, rows: dict[int, list]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Table 1"
    for r, values in rows.items():
        for c, v in enumerate(values, start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def test_rates_and_grid_gross_loss(tmp_path: Path) -> None:
    make(tmp_path / "src" / egrid.SOURCE_FOLDER / "egrid2021_summary_tables.xlsx", ROWS)
    counts = egrid.extract(tmp_path / "src", tmp_path / "out", "2021")
    assert counts == {"emission_factors.csv": 14}  # 2 regions x (6 rates + 1 loss)
    with (tmp_path / "out/egrid/2021/emission_factors.csv").open(encoding="utf-8") as fh:
        f = {r["factor_id"]: r for r in csv.DictReader(fh)}
    assert (f["egrid.CAMX.co2"]["value"], f["egrid.CAMX.co2"]["source_row"]) == ("531.678", "8")
    assert f["egrid.CAMX.nonbaseload.n2o"]["value"] == "0.006"
    assert f["egrid.CAMX.grid_gross_loss"]["value"] == "0.044"
    assert f["egrid.US.co2"]["region"] == "US" and f["egrid.US.grid_gross_loss"]["value"] == "0.045"
    assert "egrid.CAMX.co2e" not in f  # CO2e rows are eGRID's own AR-set mix: not carried


def test_unrecognised_layout_is_an_error(tmp_path: Path) -> None:
    rows = dict(ROWS)
    rows[4] = [None, None, None, "Carbon dioxide", "Methane", "Nitrous oxide"]
    make(tmp_path / "src" / egrid.SOURCE_FOLDER / "egrid2021_summary_tables.xlsx", rows)
    with pytest.raises(ValueError) as err:
        egrid.extract(tmp_path / "src", tmp_path / "out", "2021")
    assert str(err.value) == (
        "Table 1 Subregion Output Emission Rates (eGRID2021): expected CO2, CH4 and N2O under "
        "both rate headers, found none; its layout is not recognised"
    )
    assert not (tmp_path / "out").exists()
