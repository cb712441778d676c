"""Green Button CSV layouts (Opower, SDG&E, SCE): hand-made fixtures in tests/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from greencare import services
from greencare.importers import detect
from greencare.importers.base import FormatError, ImportOptions
from greencare.importers.greenbutton_csv import GreenButtonCsv
from greencare.services.imports import import_readings

DATA = Path(__file__).resolve().parents[1] / "data"
OPOWER = DATA / "greenbutton-opower-electric-15min.csv"
IMPORT_EXPORT = DATA / "greenbutton-opower-import-export.csv"
GAS_DAILY = DATA / "greenbutton-opower-gas-daily.csv"
SDGE = DATA / "greenbutton-sdge-fall-back.csv"
SCE = DATA / "greenbutton-sce-15min.csv"
UTC = "UTC"


def _read(path: Path, **options) -> pd.DataFrame:
    chunks = list(GreenButtonCsv().read(path, ImportOptions(**options)))
    frame = pd.concat(chunks, ignore_index=True)
    frame.attrs = chunks[0].attrs
    return frame


def _stored(db) -> list[tuple]:
    return db.execute(
        "SELECT start_utc, end_utc, quantity, unit, cost, currency FROM readings ORDER BY start_utc"
    ).fetchall()


def _epoch(text: str) -> int:
    return int(pd.Timestamp(text, tz=UTC).timestamp())


@pytest.mark.parametrize("path", [OPOWER, IMPORT_EXPORT, GAS_DAILY, SDGE, SCE])
def test_detected(path: Path) -> None:
    assert detect(path).name == "greenbutton-csv"


def test_opower_15_minute_raw() -> None:
    raw = _read(OPOWER, chunk_rows=4)
    assert raw["line"].tolist() == list(range(7, 16))
    assert set(raw["meter"]) == {"1234567890"}  # account number from the preamble
    assert raw["start"][0] == pd.Timestamp("2025-01-01 00:00")
    assert raw["end"][0] == pd.Timestamp("2025-01-01 00:15")  # END TIME 00:14 + 1 minute
    assert raw["end"].iloc[-1] == pd.Timestamp("2025-01-02 00:00")  # 23:59 -> midnight
    assert raw["quantity"].sum() == pytest.approx(9.0)
    assert raw["cost"][0] == pytest.approx(0.30) and raw["cost_raw"][0] == "$0.30"
    assert set(raw["unit"]) == {"kWh"}
    assert raw.attrs["columns"]["end"] == "END TIME"


def test_opower_end_to_end(db, us_hospital) -> None:
    services.add_meter(db, facility=us_hospital.id, name="1234567890", commodity="electricity")
    result = import_readings(db, OPOWER)
    assert result.ok and result.inserted == 9, result.errors
    rows = _stored(db)
    assert len(rows) == 9 and sum(r[2] for r in rows) == pytest.approx(9.0)
    # Midnight in Los Angeles is 08:00 UTC; a cost without a currency is in dollars (US).
    assert rows[0] == (_epoch("2025-01-01 08:00"), _epoch("2025-01-01 08:15"), 1.2, "kWh",
                       0.3, "USD")  # fmt: skip


def test_opower_import_export_and_12_hour_times() -> None:
    raw = _read(IMPORT_EXPORT)
    assert raw["quantity"].tolist() == [2.5, 2.25, 0.4, 3.0]  # the IMPORT column
    assert set(raw["unit"]) == {"kWh"}  # from the header "IMPORT (kWh)"
    assert raw["start"].tolist()[2:] == [pd.Timestamp("2025-01-01 12:00"),
                                         pd.Timestamp("2025-01-01 23:00")]  # fmt: skip
    assert raw["end"].tolist()[0] == pd.Timestamp("2025-01-01 01:00")


def test_opower_daily_gas_end_to_end(db, us_hospital) -> None:
    raw = _read(GAS_DAILY)
    assert raw["end_is_date"].all() and raw["unit"].tolist() == ["therms"] * 3
    services.add_meter(db, facility=us_hospital.id, name="Boiler", commodity="natural_gas")
    result = import_readings(db, GAS_DAILY, ImportOptions(meter="Boiler"))
    assert result.inserted == 3
    rows = _stored(db)
    assert sum(r[2] for r in rows) == pytest.approx(9.5)
    assert rows[0][:4] == (_epoch("2025-01-01 08:00"), _epoch("2025-01-02 08:00"), 3.12, "therm")


def test_sdge_fall_back_hour_lands_twice(db, us_hospital) -> None:
    raw = _read(SDGE)
    assert raw["meter"].tolist() == ["01234567"] * 5  # the Meter Number column
    assert raw["start"][1] == raw["start"][2] == pd.Timestamp("2025-11-02 01:00")  # naive, twice
    services.add_meter(db, facility=us_hospital.id, name="01234567", commodity="electricity")
    result = import_readings(db, SDGE)
    assert result.ok and result.inserted == 5, result.errors
    rows = _stored(db)
    starts = [r[0] for r in rows]
    # 1:00 AM PDT (08:00 UTC) and 1:00 AM PST (09:00 UTC): one hour apart, both stored.
    assert starts == [_epoch(f"2025-11-02 {h:02d}:00") for h in (7, 8, 9, 10, 11)]
    assert [r[2] for r in rows[1:3]] == [11.0, 12.0]
    assert all(r[1] - r[0] == 3600 for r in rows)
    assert sum(r[2] for r in rows) == pytest.approx(52.0)


def test_sce_period_text(db, us_hospital) -> None:
    raw = _read(SCE)
    assert raw["line"].tolist() == [6, 7, 8, 9]
    assert raw["meter"].tolist() == ["8000123456"] * 4  # "Service Account" in the preamble
    assert raw["unit"][0] == "kilowatt-hours"
    assert raw["end"][3] == pd.Timestamp("2025-01-01 01:00")
    services.add_meter(db, facility=us_hospital.id, name="SCE", commodity="electricity")
    result = import_readings(db, SCE, ImportOptions(meter="SCE"))
    assert result.inserted == 4
    rows = _stored(db)
    assert rows[0][:4] == (_epoch("2025-01-01 08:00"), _epoch("2025-01-01 08:15"), 0.52, "kWh")
    assert sum(r[2] for r in rows) == pytest.approx(2.18)


def test_spring_forward_end_is_next_start(tmp_path: Path, db, us_hospital) -> None:
    path = tmp_path / "spring.csv"
    path.write_text(
        "TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES\n"
        "Electric usage,2025-03-09,01:00,01:59,1.0,kWh,,\n"
        "Electric usage,2025-03-09,03:00,03:59,2.0,kWh,,\n"
    )
    assert _read(path)["end"][0] == pd.Timestamp("2025-03-09 03:00")  # 02:00 does not exist
    services.add_meter(db, facility=us_hospital.id, name="E", commodity="electricity")
    result = import_readings(db, path, ImportOptions(meter="E"))
    assert result.inserted == 2, result.errors
    assert [r[1] - r[0] for r in _stored(db)] == [3600, 3600]


def test_no_header_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Name,JANE\nfoo,bar\n")
    with pytest.raises(FormatError, match="no Green Button CSV header"):
        _read(path)
