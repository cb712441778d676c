"""Weather file formats: NOAA daily summaries, temperature series, degreedays.net exports."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pytest

from greencare.importers import weather_csv
from greencare.importers.base import FormatError

DATA = Path(__file__).resolve().parents[1] / "data" / "weather"


def test_hourly_fahrenheit_series_daily_means_by_hand() -> None:
    path = DATA / "il-tempF-2015-12-2016-01.csv"
    parsed = weather_csv.read(path)
    assert (parsed.format, parsed.unit, parsed.station) == ("hourly-temperature", "F", None)
    with path.open(encoding="utf-8") as fh:
        day = [float(r["tempF"]) for r in csv.DictReader(fh) if r["dt"].startswith("2016-01-15")]
    row = parsed.frame.set_index("date").loc["2016-01-15"]
    assert row["readings"] == len(day) == 24
    assert row["tmean"] == pytest.approx(statistics.fmean(day))
    assert (row["tmin"], row["tmax"]) == (min(day), max(day))
    assert len(parsed.frame) == 62 and parsed.skipped_days == []


def test_celsius_series_with_an_index_column() -> None:
    parsed = weather_csv.read(DATA / "uk-tempC-2021-01.csv")
    assert (parsed.format, parsed.unit) == ("hourly-temperature", "C")
    assert len(parsed.frame) == 31 and set(parsed.frame["readings"]) == {24}


def test_noaa_daily_summaries_need_a_unit() -> None:
    with pytest.raises(FormatError, match=r"do not say their unit: give --unit F"):
        weather_csv.read(DATA / "noaa-daily-summaries-2023-02.csv")


def test_noaa_daily_summaries_mean_of_tmax_and_tmin() -> None:
    parsed = weather_csv.read(DATA / "noaa-daily-summaries-2023-02.csv", "F")
    assert parsed.station == "USW00094846"
    assert parsed.frame["tmean"].tolist() == [30.0 + d for d in range(1, 29)]
    assert set(parsed.frame["method"]) == {"(tmax+tmin)/2"}


def test_a_unit_that_contradicts_the_column_is_refused() -> None:
    with pytest.raises(FormatError, match="column tempF is in °F but --unit says °C"):
        weather_csv.read(DATA / "il-tempF-2015-12-2016-01.csv", "C")


def test_degreedays_net_monthly() -> None:
    parsed = weather_csv.read(DATA / "degreedays-net-monthly-hdd.csv")
    assert (parsed.format, parsed.unit, parsed.station) == ("degreedays-net-monthly", "C", "EGLL")
    frame = parsed.frame
    assert frame["start"].tolist() == ["2016-01-01", "2016-02-01", "2016-03-01"]
    assert frame["end"].tolist() == ["2016-01-31", "2016-02-29", "2016-03-31"]
    assert frame["value"].tolist() == [265.3, 262.1, 244.0]
    assert set(frame["base"]) == {15.5} and set(frame["kind"]) == {"hdd"}


def test_degreedays_net_daily_several_bases() -> None:
    parsed = weather_csv.read(DATA / "degreedays-net-daily-multibase.csv")
    frame = parsed.frame
    assert sorted(set(frame["base"])) == [15.0, 15.5, 16.0]
    at = frame[frame["base"] == 15.5]
    assert at["value"].tolist() == [6.7, 4.6, 0.3]
    assert at["estimated_pct"].tolist() == [0.0, 0.0, 2.0]


def test_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "t.csv"
    bad.write_text("dt,tempF\n2016-01-01T00:00:00,20\n2016-01-01T01:00:00,warm\n")
    with pytest.raises(FormatError, match=r"^t.csv, line 3: tempF 'warm' is not a number$"):
        weather_csv.read(bad)
    bad.write_text("dt,tempF\n2016-01-01T00:00:00,20\n2016-01-01T00:00:00,21\n")
    with pytest.raises(FormatError, match=r"^t.csv, line 3: dt 2016-01-01T00:00:00 appears twice"):
        weather_csv.read(bad)
    bad.write_text("dt,tempF\n2016-01-01,400\n")
    with pytest.raises(FormatError, match=r"line 2: tempF 400 °F is outside"):
        weather_csv.read(bad)
    bad.write_text("when,what\n1,2\n")
    with pytest.raises(FormatError, match=r"^t.csv, line 1: not a weather file"):
        weather_csv.read(bad)


def test_a_day_with_too_few_hourly_readings_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = [f"2016-01-01T{h:02d}:00:00,{h}" for h in range(24)] + ["2016-01-02T00:00:00,5"]
    path.write_text("dt,tempC\n" + "\n".join(rows) + "\n")
    parsed = weather_csv.read(path)
    assert parsed.frame["date"].tolist() == ["2016-01-01"]
    assert parsed.skipped_days == ["2016-01-02"]
