"""The price index and exchange-rate tables are derived from the BLS and ECB files as published.

The source files are made here in the publishers' own layouts (a few rows); the committed
tables are checked against values read from the published files by hand.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from greencare.factorbuild import economic

ECB_CSV = (
    "Date,USD,JPY,GBP,CAD,AUD,NZD,\n"
    "2024-01-03,1.0919,155.86,0.86285,1.4566,1.6285,1.7541,\n"
    "2024-01-02,1.0956,155.00,0.86555,1.4573,1.6207,1.7446,\n"
    "2023-12-29,1.1050,156.33,0.86905,1.4642,1.6263,1.7504,\n"
    "2023-12-28,N/A,N/A,N/A,N/A,N/A,N/A,\n"
)
CPI_CSV = (
    "year,series_id,period,value_index_1982_84_eq_100\n"
    "2023,CUUR0000SA0,M13,304.702\n"
    "2024,CUUR0000SA0,M13,313.689\n"
)


def _sources(root: Path) -> Path:
    folder = root / "economic-indices"
    folder.mkdir(parents=True)
    (folder / economic.CPI_FILE).write_text(CPI_CSV, encoding="utf-8")
    with zipfile.ZipFile(folder / economic.ECB_FILE, "w") as archive:
        archive.writestr("eurofxref-hist.csv", ECB_CSV)
    return root


def _read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_annual_means_are_crossed_through_the_euro(tmp_path: Path) -> None:
    src = _sources(tmp_path / "src")
    counts = economic.extract(src, tmp_path / "out", "2024")
    assert counts == {"cpi_u_annual.csv": 2, "exchange_rates_annual.csv": 10}
    rates = {(r["currency"], r["year"]): r for r in _read(
        tmp_path / "out" / "economic-indices" / "2024" / "exchange_rates_annual.csv")}  # fmt: skip
    # GBP per USD on each day = GBP per EUR / USD per EUR; the year's figure is their mean.
    gbp_2024 = (0.86285 / 1.0919 + 0.86555 / 1.0956) / 2
    assert float(rates[("GBP", "2024")]["per_usd"]) == pytest.approx(gbp_2024, abs=5e-7)
    assert rates[("GBP", "2024")]["fixing_days"] == "2"
    assert float(rates[("EUR", "2023")]["per_usd"]) == pytest.approx(1 / 1.1050, abs=5e-7)
    assert rates[("EUR", "2023")]["fixing_days"] == "1"  # the N/A day is not a fixing
    cpi = _read(tmp_path / "out" / "economic-indices" / "2024" / "cpi_u_annual.csv")
    assert [(r["year"], r["index"], r["source_row"]) for r in cpi] == [
        ("2023", "304.702", "2"),
        ("2024", "313.689", "3"),
    ]


def test_missing_source_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"economic-indices/ecb_eurofxref-hist\.zip"):
        economic.extract(tmp_path, tmp_path / "out", "2025")


def test_committed_tables_hold_the_published_values() -> None:
    root = Path(__file__).resolve().parents[2] / "factors" / "economic-indices" / "2025"
    cpi = {r["year"]: float(r["index"]) for r in _read(root / "cpi_u_annual.csv")}
    # BLS CPI-U CUUR0000SA0 annual averages (1982-84=100).
    assert (cpi["2022"], cpi["2024"], cpi["2025"]) == (292.655, 313.689, 321.943)
    rates = {(r["currency"], r["year"]): float(r["per_usd"])
             for r in _read(root / "exchange_rates_annual.csv")}  # fmt: skip
    # Means of the ECB's daily reference rates over 2025's 255 fixing days.
    assert rates[("GBP", "2025")] == 0.759185
    assert rates[("EUR", "2025")] == 0.886705
