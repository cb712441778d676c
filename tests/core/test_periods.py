"""Periods: dates are whole local days with an inclusive end; instants are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from greencare.core.periods import (
    PeriodError,
    format_period,
    from_epoch,
    month_key,
    parse_instant,
    parse_period,
    to_epoch,
)

NY = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_date_only_end_is_inclusive() -> None:
    start, end = parse_period("2025-01-01", "2025-01-31", NY)
    assert start == utc(2025, 1, 1, 5)
    assert end == utc(2025, 2, 1, 5)
    assert end - start == timedelta(days=31)
    assert start.tzinfo is UTC


def test_single_day_is_24_hours() -> None:
    start, end = parse_period("2025-06-15", "2025-06-15", "Europe/London")
    assert (start, end) == (utc(2025, 6, 14, 23), utc(2025, 6, 15, 23))


def test_period_across_spring_forward_is_an_hour_short() -> None:
    start, end = parse_period("2025-03-01", "2025-03-31", NY)
    assert start == utc(2025, 3, 1, 5)
    assert end == utc(2025, 4, 1, 4)
    assert end - start == timedelta(days=31) - timedelta(hours=1)
    day_start, day_end = parse_period("2025-03-09", "2025-03-09", NY)
    assert day_end - day_start == timedelta(hours=23)


def test_period_across_fall_back_is_an_hour_long() -> None:
    start, end = parse_period("2025-11-02", "2025-11-02", NY)
    assert end - start == timedelta(hours=25)


def test_offsets_are_respected_whatever_the_zone() -> None:
    moment = parse_instant("2025-01-01T00:15:00-05:00", "Europe/London")
    assert moment == utc(2025, 1, 1, 5, 15)
    assert parse_instant("2025-01-01T00:15:00Z", NY) == utc(2025, 1, 1, 0, 15)
    assert parse_instant("2025-07-01T09:00:00+02:00", NY, is_end=True) == utc(2025, 7, 1, 7)


def test_naive_date_times_take_the_zone() -> None:
    assert parse_instant("2025-07-01T12:00", "America/Chicago") == utc(2025, 7, 1, 17)
    assert parse_instant("2025-01-01T12:00:00", "America/Chicago") == utc(2025, 1, 1, 18)
    # is_end only moves bare dates, never date-times
    assert parse_instant("2025-01-01T12:00:00", NY, is_end=True) == utc(2025, 1, 1, 17)


def test_whole_day_format_round_trip() -> None:
    start, end = parse_period("2025-01-01", "2025-01-31", NY)
    shown = format_period(to_epoch(start), to_epoch(end), NY)
    assert shown == ("2025-01-01", "2025-01-31")
    assert parse_period(*shown, NY) == (start, end)


def test_whole_day_format_round_trip_across_dst() -> None:
    start, end = parse_period("2025-03-01", "2025-03-31", NY)
    assert format_period(to_epoch(start), to_epoch(end), NY) == ("2025-03-01", "2025-03-31")


def test_fifteen_minute_interval_format_round_trip() -> None:
    start, end = parse_period("2025-01-15T10:00:00-05:00", "2025-01-15T10:15:00-05:00", NY)
    assert end - start == timedelta(minutes=15)
    shown = format_period(to_epoch(start), to_epoch(end), NY)
    assert shown == ("2025-01-15T10:00-05:00", "2025-01-15T10:15-05:00")
    assert parse_period(*shown, NY) == (start, end)


def test_interval_starting_at_midnight_is_not_a_whole_day() -> None:
    start = to_epoch(utc(2025, 1, 15, 5))  # local midnight
    shown = format_period(start, start + 900, NY)
    assert shown == ("2025-01-15T00:00-05:00", "2025-01-15T00:15-05:00")


def test_interval_over_the_dst_gap() -> None:
    # 01:45 EST + 15 minutes is 03:00 EDT
    start, end = parse_period("2025-03-09T01:45:00-05:00", "2025-03-09T03:00:00-04:00", NY)
    assert end - start == timedelta(minutes=15)
    shown = format_period(to_epoch(start), to_epoch(end), NY)
    assert shown == ("2025-03-09T01:45-05:00", "2025-03-09T03:00-04:00")
    assert parse_period(*shown, NY) == (start, end)


@pytest.mark.parametrize("text", ["garbage", "2025-02-30", "2025-13-01", "", "01/02/2025"])
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(PeriodError, match=repr(text).replace("(", r"\(").replace(")", r"\)")):
        parse_instant(text, NY)


def test_invalid_calendar_date_message() -> None:
    with pytest.raises(PeriodError, match=r"'2025-02-30' is not a valid date"):
        parse_instant("2025-02-30", NY)


def test_inverted_period() -> None:
    with pytest.raises(PeriodError, match=r"period ends \(2025-01-15\) before it starts"):
        parse_period("2025-02-01", "2025-01-15", NY)


def test_end_date_before_start_date_by_one_day_is_empty() -> None:
    with pytest.raises(PeriodError):
        parse_period("2025-02-01", "2025-01-31", NY)


def test_inverted_date_times() -> None:
    with pytest.raises(PeriodError):
        parse_period("2025-01-01T10:15:00Z", "2025-01-01T10:00:00Z", NY)
    with pytest.raises(PeriodError):
        parse_period("2025-01-01T10:00:00Z", "2025-01-01T10:00:00Z", NY)


def test_epoch_helpers() -> None:
    assert to_epoch(utc(2025, 1, 1, 5)) == 1_735_707_600
    assert from_epoch(1_735_707_600, NY) == datetime.fromisoformat("2025-01-01T00:00:00-05:00")
    with pytest.raises(PeriodError, match="without a time zone"):
        to_epoch(datetime(2025, 1, 1))


def test_month_key() -> None:
    assert month_key(date(2025, 3, 9)) == "2025-03"
    assert month_key(date(999, 12, 1)) == "0999-12"


@pytest.mark.parametrize("text", ["9999-12-31", "1066-03-01", "0001-01-01", "2200-01-01"])
def test_a_year_outside_those_stored_is_a_period_error(text: str) -> None:
    # 9999-12-31 as an end was an OverflowError (a traceback in `reading add`).
    for is_end in (False, True):
        with pytest.raises(PeriodError, match="outside the years greencare stores"):
            parse_instant(text, NY, is_end=is_end)
    with pytest.raises(PeriodError, match="outside the years greencare stores"):
        parse_instant(f"{text}T12:00:00-05:00", NY)


def test_the_years_stored_run_from_1900_to_2199() -> None:
    assert parse_instant("1900-01-01", "UTC") == datetime(1900, 1, 1, tzinfo=UTC)
    assert parse_instant("2199-12-31", "UTC", is_end=True) == datetime(2200, 1, 1, tzinfo=UTC)


def test_a_local_time_daylight_saving_repeats_is_refused_with_both_readings() -> None:
    """2025-11-02T01:30 happens twice in New York; it was read as the first (EDT) without a
    word, so a reading typed 01:30 to 02:30 covered two hours. Both offsets are offered."""
    with pytest.raises(PeriodError) as caught:
        parse_instant("2025-11-02T01:30", NY)
    assert str(caught.value) == (
        "2025-11-02T01:30 happens twice in America/New_York (clocks go back): give its UTC "
        "offset, 2025-11-02T01:30-04:00 (the first) or 2025-11-02T01:30-05:00 (the second)"
    )
    assert parse_instant("2025-11-02T01:30-05:00", NY) == utc(2025, 11, 2, 6, 30)
    assert parse_instant("2025-11-02T00:59", NY) == utc(2025, 11, 2, 4, 59)
    assert parse_instant("2025-11-02T02:00", NY) == utc(2025, 11, 2, 7)


def test_a_local_time_daylight_saving_skips_is_refused() -> None:
    """2025-03-09T02:30 does not exist in New York; it became 03:30 EDT, so 02:30 to 03:30 was
    refused as ending before it starts (a message about the wrong field)."""
    with pytest.raises(PeriodError) as caught:
        parse_instant("2025-03-09T02:30", NY)
    assert str(caught.value) == (
        "2025-03-09T02:30 does not exist in America/New_York (clocks go forward): give a UTC "
        "offset or a time outside the change"
    )
    assert parse_instant("2025-03-09T03:30", NY) == utc(2025, 3, 9, 7, 30)
    # a bare date is the local midnight, and a zone whose clocks skip midnight starts the day
    # at the first instant there is (Santiago, 2024-09-08 begins at 01:00 -03)
    assert parse_instant("2024-09-08", "America/Santiago") == utc(2024, 9, 8, 4)
