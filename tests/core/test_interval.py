"""Interval metrics against hand computations (greencare.core.interval, greencare.core.tou)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greencare.core import interval as iv
from greencare.core.tou import PGE_BUSINESS_2021, Period, Schedule, TouCalendar

LA = "America/Los_Angeles"
NY = "America/New_York"


def local(text: str, tz: str) -> int:
    return int(pd.Timestamp(text, tz=tz).timestamp())


def quarter_hours(first: int, values: list[float] | np.ndarray) -> pd.DataFrame:
    """15-minute readings from ``first`` (UTC epoch) with the given kWh."""
    start = first + 900 * np.arange(len(values))
    return pd.DataFrame({"start": start, "end": start + 900, "kwh": np.asarray(values, float)})


def hours_of(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    return iv.hourly(frame["start"], frame["end"], frame["kwh"], tz)


def test_peak_is_the_highest_interval_and_its_local_time() -> None:
    # 2025-07-01 (PDT, UTC-7), 8 hours of 15-minute readings at 10 kWh (40 kW), one of 30 kWh:
    # the 30 kWh quarter hour is 30 / 0.25 = 120 kW, the 22nd reading = 05:15 local.
    values = [10.0] * 32
    values[21] = 30.0
    hours = hours_of(quarter_hours(local("2025-07-01 00:00", LA), values), LA)
    (july,) = iv.monthly_metrics(hours, LA)
    assert july["peak_power"] == 120.0
    assert july["peak_start"] == "2025-07-01T05:15:00-07:00"
    # the hourly roll-up keeps the hour's energy (10+10+30+10 = 60 kWh) and that peak
    hour5 = hours[hours["hour_utc"] == local("2025-07-01 05:00", LA)].iloc[0]
    assert hour5["quantity_canonical"] == 60.0
    assert hour5["peak_rate"] == 120.0
    assert hour5["readings"] == 4


def test_load_factor_is_average_over_peak() -> None:
    # One day: 12 hours at 50 kW (12.5 kWh a quarter), 12 hours at 100 kW (25 kWh a quarter).
    # Energy 12*50 + 12*100 = 1800 kWh over 24 h: average 75 kW; peak 100 kW; load factor 0.75.
    values = [12.5] * 48 + [25.0] * 48
    (month,) = iv.monthly_metrics(hours_of(quarter_hours(local("2025-01-06", NY), values), NY), NY)
    assert month["energy"] == 1800.0
    assert month["hours_covered"] == 24.0
    assert month["average_power"] == 75.0
    assert month["peak_power"] == 100.0
    assert month["load_factor"] == 0.75
    assert month["hours_in_month"] == 744.0


def test_base_load_is_a_low_percentile_of_night_hours() -> None:
    # Two nights of hourly-constant load; night = local 00:00-05:00, so 10 night hours with
    # powers (kW) 30, 31, ..., 34 (first night) and 20, 40, 40, 40, 40 (second night). Daytime
    # hours at 500 kW must not count. Sorted: 20 30 31 32 33 34 40 40 40 40; NumPy's linear
    # percentile at 5%: position 0.05 * 9 = 0.45, so 20 + 0.45 * (30 - 20) = 24.5 kW.
    night1 = [30, 31, 32, 33, 34]
    night2 = [20, 40, 40, 40, 40]
    hourly_kw = night1 + [500] * 19 + night2 + [500] * 19
    values = np.repeat(np.asarray(hourly_kw, float) / 4, 4)  # kWh per quarter hour
    hours = hours_of(quarter_hours(local("2025-02-03", NY), values), NY)
    (month,) = iv.monthly_metrics(hours, NY)
    assert month["night_hours"] == 10
    assert month["base_load"] == pytest.approx(24.5, rel=1e-12)
    (other,) = iv.monthly_metrics(hours, NY, base_percentile=50, night=(1, 3))
    # hours 01:00 and 02:00 of both nights: 31, 32, 40, 40 -> median (32 + 40) / 2 = 36
    assert other["base_load"] == 36.0


def test_tou_split_across_spring_forward_day() -> None:
    # Sunday 2026-03-08 in Los Angeles has 23 hours (02:00 is skipped). A flat 4 kW (1 kWh a
    # quarter hour) for the whole local day is 92 kWh. PG&E in March: super off-peak 09-14
    # (5 h), peak 16-21 (5 h), off-peak the other 13 hours that exist (0, 1, 3-8, 14, 15, 21-23).
    first, last = local("2026-03-08 00:00", LA), local("2026-03-09 00:00", LA)
    assert (last - first) == 23 * 3600
    hours = hours_of(quarter_hours(first, [1.0] * 92), LA)
    assert len(hours) == 23
    (march,) = iv.monthly_metrics(hours, LA, calendar=PGE_BUSINESS_2021)
    assert march["energy"] == 92.0
    shares = march["tou_shares"]
    assert shares["super-off-peak"] == pytest.approx(5 / 23, rel=1e-12)
    assert shares["peak"] == pytest.approx(5 / 23, rel=1e-12)
    assert shares["off-peak"] == pytest.approx(13 / 23, rel=1e-12)
    assert shares["partial-peak"] == 0.0
    assert march["after_hours_share"] == 1.0  # a Sunday: all of it outside weekday hours


def test_tou_and_after_hours_across_fall_back_day() -> None:
    # Sunday 2026-11-01 has 25 hours (01:00 twice) and Monday 2026-11-02 has 24. Sunday at a flat
    # 2 kW (0.5 kWh a quarter: 50 kWh), Monday at 4 kW (96 kWh). November: peak 16-21 only.
    # Peak energy: Sunday 5 h * 2 + Monday 5 h * 4 = 30 kWh of 146. After hours: all of Sunday
    # (50) and Monday outside 07-19 (12 h * 4 = 48): 98 of 146.
    first = local("2026-11-01 00:00", LA)
    assert local("2026-11-02 00:00", LA) - first == 25 * 3600
    values = [0.5] * 100 + [1.0] * 96
    hours = hours_of(quarter_hours(first, values), LA)
    (november,) = iv.monthly_metrics(hours, LA)
    assert november["energy"] == 146.0
    assert november["tou_shares"]["peak"] == pytest.approx(30 / 146, rel=1e-12)
    assert november["tou_shares"]["off-peak"] == pytest.approx(116 / 146, rel=1e-12)
    assert november["after_hours_share"] == pytest.approx(98 / 146, rel=1e-12)
    # the repeated 01:00 hour is two rows of the roll-up, and both land in the heat map's 01:00
    days, matrix = iv.heatmap(hours, LA, "2026-11")
    assert days[0] == "2026-11-01" and len(days) == 30
    assert matrix[0, 1] == 2.0  # (2 + 2) kWh over 2 h
    assert np.isnan(matrix[2]).all()  # no data on the 3rd


def test_heat_map_leaves_the_skipped_hour_empty() -> None:
    first = local("2026-03-08 00:00", LA)
    _, matrix = iv.heatmap(hours_of(quarter_hours(first, [1.0] * 92), LA), LA, "2026-03")
    assert np.isnan(matrix[7, 2])  # 02:00 on the 8th does not exist
    assert matrix[7, 3] == 4.0 and matrix[7, 1] == 4.0


def test_a_reading_across_an_hour_boundary_is_split_by_time() -> None:
    # An hourly reading 00:30-01:30 of 10 kWh: 5 kWh and 1,800 s in each hour; its peak
    # (10 kW) belongs to 00:00, where it starts.
    start = local("2025-01-06 00:30", NY)
    hours = iv.hourly([start], [start + 3600], [10.0], NY)
    assert hours["quantity_canonical"].tolist() == [5.0, 5.0]
    assert hours["seconds"].tolist() == [1800.0, 1800.0]
    assert hours["peak_rate"].iloc[0] == 10.0 and np.isnan(hours["peak_rate"].iloc[1])
    assert hours["readings"].tolist() == [1, 0]


def test_half_hour_zone_buckets_on_its_own_clock() -> None:
    # Asia/Kolkata is UTC+05:30: a local hour starts at hh:30 UTC.
    start = local("2025-01-06 10:00", "Asia/Kolkata")
    hours = iv.hourly([start, start + 900], [start + 900, start + 1800], [1.0, 2.0], "Asia/Kolkata")
    assert hours["hour_utc"].tolist() == [start]
    assert start % 3600 == 1800


def test_prior_fold_equals_one_pass() -> None:
    rng = np.random.default_rng(3)
    values = rng.uniform(0.1, 9.9, 500).round(3)
    frame = quarter_hours(local("2025-03-01 00:07", LA), values)  # not on the hour: splits
    frame["end"] = frame["start"] + 900
    whole = hours_of(frame, LA)
    head = hours_of(frame.iloc[:201], LA)
    tail = iv.hourly(frame["start"][201:], frame["end"][201:], frame["kwh"][201:], LA, prior=head)
    merged = pd.concat([head[~head["hour_utc"].isin(tail["hour_utc"])], tail])
    merged = merged.sort_values("hour_utc").reset_index(drop=True)
    pd.testing.assert_frame_equal(merged, whole)  # exact, float for float


def test_daily_profile_separates_weekdays_and_weekends() -> None:
    # Fri 2025-01-03 at 8 kW, Sat 2025-01-04 at 2 kW: winter weekday 8, winter weekend 2.
    values = [2.0] * 96 + [0.5] * 96
    profile = iv.daily_profile(hours_of(quarter_hours(local("2025-01-03", NY), values), NY), NY)
    assert set(profile["season"]) == {"winter"}
    weekday = profile[profile["day_type"] == "weekday"]
    weekend = profile[profile["day_type"] == "weekend"]
    assert weekday["hour"].tolist() == list(range(24)) and (weekday["power"] == 8.0).all()
    assert (weekend["power"] == 2.0).all()


def test_load_duration_is_sorted_power_with_time_share() -> None:
    hourly_kw = [5.0, 1.0, 3.0, 2.0]
    curve = iv.load_duration(hours_of(quarter_hours(local("2025-01-06", NY),
                                                   np.repeat(hourly_kw, 4) / 4), NY))  # fmt: skip
    assert curve["power"].tolist() == [5.0, 3.0, 2.0, 1.0]
    assert curve["time_share"].tolist() == [0.25, 0.5, 0.75, 1.0]


def test_monthly_comparison_pairs_each_month_with_last_year() -> None:
    months = pd.DataFrame(
        {"month": ["2024-01", "2024-02", "2025-01"], "quantity": [10.0, 20.0, 12.0],
         "cost": [1.0, 2.0, 1.5]}
    )  # fmt: skip
    table = iv.monthly_comparison(months, "2025-02", count=2)
    assert table["month"].tolist() == ["2025-01", "2025-02"]
    assert table["quantity"].tolist()[0] == 12.0 and np.isnan(table["quantity"].iloc[1])
    assert table["last_year_quantity"].tolist() == [10.0, 20.0]
    assert table["last_year_cost"].tolist() == [1.0, 2.0]


def test_calendar_first_match_wins_and_refuses_bad_hours() -> None:
    cal = TouCalendar("test", (Period("a", ((8, 12),)), Period("b", ((10, 14),))), "rest")
    got = cal.classify(np.array([1, 1, 1, 1]), np.array([0, 0, 0, 0]), np.array([9, 11, 13, 20]))
    assert [cal.names[i] for i in got] == ["a", "a", "b", "rest"]
    with pytest.raises(ValueError, match="whole hours"):
        Schedule(hours=((19, 7),))


def test_longer_readings_are_not_interval_data() -> None:
    with pytest.raises(ValueError, match="1 to 3600 seconds"):
        iv.hourly([0], [7200], [1.0], NY)


#: Meters in three zones over the 2025 spring clock changes of Los Angeles (9 March) and
#: London (30 March), and Kathmandu's UTC+05:45 (hours start at hh:15 UTC).
MANY_ZONES = {1: LA, 2: "Asia/Kathmandu", 3: "Europe/London", 4: LA}


def many_meters() -> pd.DataFrame:
    """3,000 readings a meter of 5 to 60 minutes, most crossing an hour boundary, some gaps;
    built from integer arithmetic alone, so the data (and the floats below) never change."""
    parts = []
    for m in MANY_ZONES:
        i = np.arange(3000)
        length = np.array([300, 900, 1200, 3600])[(i * 7 + m) % 4]
        gap = np.where((i * 31 + m) % 20 == 0, 1800, 0)
        start = 1741392000 + 420 * m + np.concatenate([[0], np.cumsum(length + gap)[:-1]])
        parts.append(
            pd.DataFrame(
                {
                    "meter_id": m,
                    "start_utc": start,
                    "end_utc": start + length,
                    "quantity_canonical": (i * 2654435761 + m * 97) % 40009 / 1000.0,
                    "estimated": (i * 13 + m) % 10 == 0,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _digest(hours: pd.DataFrame) -> str:
    import hashlib

    digest = hashlib.sha256()
    for column in ["meter_id", *iv.HOUR_COLUMNS]:
        values = hours[column].to_numpy(dtype=float, na_value=np.nan)
        digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def test_many_meters_at_once_are_each_meter_alone() -> None:
    # one pass keyed by (meter, hour), meters interleaved in time as a CSV lists them, gives
    # every float of the one-meter fold
    frame = many_meters()
    mixed = frame.sort_values("start_utc", kind="stable")
    together = iv.hourly_by_meter(mixed["meter_id"], mixed["start_utc"], mixed["end_utc"],
                                  mixed["quantity_canonical"], MANY_ZONES,
                                  mixed["estimated"])  # fmt: skip
    alone = []
    for m, sub in frame.groupby("meter_id"):
        hours = iv.hourly(sub["start_utc"], sub["end_utc"], sub["quantity_canonical"],
                          MANY_ZONES[int(m)], sub["estimated"])  # fmt: skip
        alone.append(hours.assign(meter_id=int(m))[["meter_id", *iv.HOUR_COLUMNS]])
    pd.testing.assert_frame_equal(together, pd.concat(alone, ignore_index=True))
    # the floats stored before the roll-up took all meters at once: a database kept by the
    # earlier per-meter fold still equals a rebuild (greencare check)
    assert len(together) == 5304
    assert _digest(together) == "9016963f279216b79d5921b2ab682119f2c0f1eee2a2d94abf6aab0b7c9440ce"


def test_many_meters_continue_their_prior_hours() -> None:
    frame = many_meters()
    whole = iv.hourly_by_meter(frame["meter_id"], frame["start_utc"], frame["end_utc"],
                               frame["quantity_canonical"], MANY_ZONES, frame["estimated"])  # fmt: skip
    cut = frame.groupby("meter_id").cumcount() < 1000 + 7 * frame["meter_id"]  # mid-hour cuts
    head, tail = frame[cut], frame[~cut]
    done = iv.hourly_by_meter(head["meter_id"], head["start_utc"], head["end_utc"],
                              head["quantity_canonical"], MANY_ZONES, head["estimated"])  # fmt: skip
    # as storage passes them: each meter's hours its remaining readings may add to
    first = tail.groupby("meter_id")["start_utc"].min()
    near = done[done["hour_utc"].to_numpy() > done["meter_id"].map(first).to_numpy() - 3600]
    stray = done.iloc[:1].assign(meter_id=99)  # a meter without readings here: ignored
    rest = iv.hourly_by_meter(tail["meter_id"], tail["start_utc"], tail["end_utc"],
                              tail["quantity_canonical"], MANY_ZONES, tail["estimated"],
                              prior=pd.concat([near, stray]))  # fmt: skip
    assert len(near) == 4  # every meter's last stored hour continued
    key = ["meter_id", "hour_utc"]
    kept = done.merge(rest[key], on=key, how="left", indicator=True)["_merge"] == "left_only"
    merged = pd.concat([done[kept.to_numpy()], rest]).sort_values(key).reset_index(drop=True)
    assert kept.sum() < len(done) and len(rest) < len(whole)  # some hours were continued
    pd.testing.assert_frame_equal(merged, whole)  # exact, float for float


def test_many_meters_refuse_a_meter_out_of_start_order() -> None:
    with pytest.raises(ValueError, match="start order"):
        iv.hourly_by_meter([1, 2, 1], [900, 0, 0], [1800, 900, 900], [1.0, 1.0, 1.0],
                           {1: NY, 2: LA})  # fmt: skip


def test_a_tied_peak_is_the_earliest_and_nan_never_beats_a_number() -> None:
    # hour 0: 2, 4, 4, 1 kWh a quarter: 16 kW, the first of the two (00:15); hour 1: NaN, 3,
    # NaN, 3: 12 kW at 01:15; hour 2: NaN alone: no power, its reading still the hour's
    start = local("2025-01-06 00:00", NY)
    nan = float("nan")
    values = [2.0, 4.0, 4.0, 1.0, nan, 3.0, nan, 3.0, nan]
    hours = iv.hourly_by_meter([7] * 9, start + 900 * np.arange(9), start + 900 * np.arange(1, 10),
                               values, {7: NY})  # fmt: skip
    assert hours["peak_rate"].tolist()[:2] == [16.0, 12.0] and np.isnan(hours["peak_rate"][2])
    assert hours["peak_start_utc"].tolist() == [start + 900, start + 4500, start + 7200]
    assert hours["readings"].tolist() == [4, 4, 1]
