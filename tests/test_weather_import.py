"""greencare.services.weather.import_weather: station data as undoable batches, and degree days from it."""

from __future__ import annotations

import csv
import hashlib
import shutil
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import ConflictError, InputError
from greencare.services import imports, weather

DATA = Path(__file__).resolve().parent / "data" / "weather"
IL = DATA / "il-tempF-2015-12-2016-01.csv"
TABLES = ("weather_stations", "weather_days", "weather_degree_days", "import_batches", "audit_log")


def state(db: Database) -> str:
    digest = hashlib.sha256()
    for table in TABLES:
        for row in db.execute(f"SELECT * FROM [{table}] ORDER BY id").fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def springfield(db: Database):
    return services.add_facility(
        db, name="Springfield General", country="US", region="IL", grid_region="SRMW"
    )


def by_hand(path: Path, month: str, base_f: float) -> tuple[float, float]:
    """Independent of greencare: mean of each day's hourly °F readings, then degree days."""
    per_day: dict[str, list[float]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["dt"].startswith(month):
                per_day[row["dt"][:10]].append(float(row["tempF"]))
    means = [statistics.fmean(v) for v in per_day.values()]
    return sum(max(0, base_f - m) for m in means), sum(max(0, m - base_f) for m in means)


def test_hourly_temperatures_give_degree_days_at_any_base(db: Database, springfield) -> None:
    result = weather.import_weather(db, IL, facility=springfield.id, station="USAF 724390")
    assert (result.status, result.inserted, result.station_created) == ("imported", 62, True)
    frame = weather.monthly_degree_days(
        db, facility=springfield.id, first_month="2015-12", last_month="2016-01"
    )
    assert frame["month"].tolist() == ["2015-12", "2016-01"]
    for month, hdd, cdd in zip(frame["month"], frame["hdd"], frame["cdd"], strict=True):
        assert (hdd, cdd) == pytest.approx(by_hand(IL, month, 65.0))
    assert set(frame["source"]) == {
        f"station USAF 724390: batch {result.batch_id} (il-tempF-2015-12-2016-01.csv)"
    }
    celsius = weather.monthly_degree_days(
        db, facility=springfield.id, base="18C", first_month="2016-01", last_month="2016-01"
    )
    hdd_f, _ = by_hand(IL, "2016-01", 18 * 9 / 5 + 32)
    assert celsius["hdd"].tolist() == pytest.approx([hdd_f * 5 / 9])
    assert celsius["unit"].tolist() == ["°C·day"]


def test_noaa_daily_summaries_by_hand(db: Database, springfield) -> None:
    path = DATA / "noaa-daily-summaries-2023-02.csv"
    weather.import_weather(db, path, facility=springfield.id, unit="F")
    frame = weather.monthly_degree_days(db, facility=springfield.id)
    # mean = 30 + day: HDD65 = sum(35 - d, d=1..28) = 574; at 40 °F, 45 and 171.
    assert (frame["month"].tolist(), frame["hdd"].tolist(), frame["cdd"].tolist()) == (
        ["2023-02"],
        [574.0],
        [0.0],
    )
    at40 = weather.monthly_degree_days(db, facility=springfield.id, base="40F")
    assert (at40["hdd"].tolist(), at40["cdd"].tolist()) == ([45.0], [171.0])
    assert services.get_facility(db, springfield.id)  # station named from the file:
    assert db.execute("SELECT name FROM weather_stations").fetchall() == [("USW00094846",)]


def test_degreedays_net_monthly_at_its_own_base_only(db: Database, springfield) -> None:
    weather.import_weather(db, DATA / "degreedays-net-monthly-hdd.csv", facility=springfield.id)
    frame = weather.monthly_degree_days(db, facility=springfield.id, base="15.5C")
    assert frame["hdd"].tolist() == [265.3, 262.1, 244.0]
    assert frame["cdd"].isna().all()  # the file has no CDD
    later = weather.monthly_degree_days(
        db, facility=springfield.id, base="15.5C", first_month="2017-01", last_month="2017-02"
    )
    assert later.empty and later.attrs["missing_months"] == ["2017-01", "2017-02"]
    with pytest.raises(
        weather.NotAvailableError, match=r"station EGLL holds degree days at base 15.5C and no temp"
    ):
        weather.monthly_degree_days(db, facility=springfield.id, base="18C")


def test_a_partial_month_of_daily_degree_days_is_not_a_month(db: Database, springfield) -> None:
    weather.import_weather(db, DATA / "degreedays-net-daily-multibase.csv", facility=springfield.id)
    frame = weather.monthly_degree_days(
        db, facility=springfield.id, base="15.5C", first_month="2016-02", last_month="2016-02"
    )
    assert frame.empty and frame.attrs["missing_months"] == ["2016-02"]


def test_the_same_file_twice_adds_nothing(db: Database, springfield) -> None:
    first = weather.import_weather(db, IL, facility=springfield.id, station="S")
    before = state(db)
    again = weather.import_weather(db, IL, facility=springfield.id)
    assert (again.status, again.batch_id) == ("already imported", first.batch_id)
    assert state(db) == before


def test_a_different_value_for_a_stored_day_is_refused(db: Database, springfield, tmp_path) -> None:
    weather.import_weather(db, IL, facility=springfield.id, station="S")
    changed = tmp_path / "changed.csv"
    text = IL.read_text(encoding="utf-8").replace(
        "2016-01-10T05:00:00-06:00,", "2016-01-10T05:00:00-06:00,1"
    )
    changed.write_text(text, encoding="utf-8")
    before = state(db)
    with pytest.raises(
        ConflictError, match=r"^changed.csv, line \d+: station S already has 2016-01-10 with mean"
    ):
        weather.import_weather(db, changed, facility=springfield.id, station="S")
    assert state(db) == before


def test_celsius_into_a_fahrenheit_station_is_refused(db: Database, springfield, tmp_path) -> None:
    weather.import_weather(db, IL, facility=springfield.id, station="S")
    other = tmp_path / "c.csv"
    other.write_text("dt,tempC\n2016-01-05,1.5\n", encoding="utf-8")
    before = state(db)
    with pytest.raises(ConflictError, match="station S holds °F temperatures and this file is °C"):
        weather.import_weather(db, other, facility=springfield.id, station="S")
    assert state(db) == before


def test_a_file_without_a_station_name_needs_one(db: Database, springfield, tmp_path) -> None:
    copy = tmp_path / "il.csv"
    shutil.copy(IL, copy)
    with pytest.raises(InputError, match=r"il\.csv: the file does not name its station"):
        weather.import_weather(db, copy, facility=springfield.id)
    assert db.execute("SELECT COUNT(*) FROM import_batches").fetchone() == (0,)


def test_undo_removes_the_batch_and_its_new_station(db: Database, springfield) -> None:
    result = weather.import_weather(db, IL, facility=springfield.id, station="S")
    done = imports.undo(db, int(result.batch_id or 0))
    assert done == {"removed": 63, "restored": 0}  # 62 days and the station
    assert db.execute("SELECT COUNT(*) FROM weather_stations").fetchone() == (0,)
    frame = weather.monthly_degree_days(
        db, facility=springfield.id, first_month="2016-01", last_month="2016-01"
    )
    assert frame["source"].str.startswith("NOAA NCEI nClimDiv").all()  # back to statewide
