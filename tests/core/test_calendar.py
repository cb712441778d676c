"""Calendarization: readings are spread over the local calendar months they cover."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greencare.core.calendar import calendarize, local_month_index, month_label, month_starts
from greencare.core.periods import parse_period, to_epoch

NY = "America/New_York"
LONDON = "Europe/London"
ZONES = [NY, LONDON, "Australia/Sydney", "UTC"]
JAN_2025 = 2025 * 12 + 0


def bill(start: str, end: str, tz: str) -> tuple[int, int]:
    """UTC epoch bounds of a bill with an inclusive end date."""
    begin, finish = parse_period(start, end, tz)
    return to_epoch(begin), to_epoch(finish)


def local(tz: str, *args: int) -> int:
    """UTC epoch of a local wall-clock time."""
    return int(datetime(*args, tzinfo=ZoneInfo(tz)).timestamp())


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


def split(periods: list[tuple[int, int]], tz: str) -> list[tuple[int, str, float]]:
    """(row, 'YYYY-MM', share) triples from calendarize."""
    frame = calendarize([p[0] for p in periods], [p[1] for p in periods], tz)
    return [
        (int(r), month_label(int(m)), float(s))
        for r, m, s in zip(frame["row"], frame["month"], frame["share"], strict=True)
    ]


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


# ---------------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------------


def test_portfolio_manager_example_splits_by_days() -> None:
    assert split([bill("2025-01-14", "2025-02-12", NY)], NY) == [
        (0, "2025-01", 18 / 30),
        (0, "2025-02", 12 / 30),
    ]


def test_fifteen_minute_interval_stays_whole() -> None:
    start = local(NY, 2025, 1, 15, 10, 15)
    assert split([(start, start + 900)], NY) == [(0, "2025-01", 1.0)]


def test_interval_ending_at_local_month_midnight_stays_in_its_month() -> None:
    start = local(NY, 2025, 1, 31, 23, 45)
    end = local(NY, 2025, 2, 1, 0, 0)
    assert end - start == 900
    assert split([(start, end)], NY) == [(0, "2025-01", 1.0)]


def test_interval_straddling_local_month_midnight_splits_by_minutes() -> None:
    start = local(NY, 2025, 1, 31, 23, 50)
    end = local(NY, 2025, 2, 1, 0, 5)
    assert split([(start, end)], NY) == [(0, "2025-01", 10 / 15), (0, "2025-02", 5 / 15)]


def test_bill_across_spring_forward_splits_by_days_not_hours() -> None:
    start, end = bill("2025-02-20", "2025-03-19", NY)
    assert end - start == 28 * 86400 - 3600  # the bill really is an hour short
    assert split([(start, end)], NY) == [(0, "2025-02", 9 / 28), (0, "2025-03", 19 / 28)]


def test_bill_across_fall_back_splits_by_days_not_hours() -> None:
    start, end = bill("2025-10-20", "2025-11-18", LONDON)
    assert end - start == 30 * 86400 + 3600
    assert split([(start, end)], LONDON) == [(0, "2025-10", 12 / 30), (0, "2025-11", 18 / 30)]


def test_sub_day_period_across_a_month_boundary_splits_by_elapsed_time() -> None:
    # 22:00 on 28 Feb to 06:00 on 1 Mar local is 8 hours, 2 of them in February.
    start = local(NY, 2025, 2, 28, 22)
    end = local(NY, 2025, 3, 1, 6)
    assert split([(start, end)], NY) == [(0, "2025-02", 2 / 8), (0, "2025-03", 6 / 8)]


def test_same_instants_split_at_each_zones_own_midnight() -> None:
    # 04:00-06:00 UTC on 1 Feb 2025 is 23:00-01:00 in New York, 04:00-06:00 in London.
    period = [(utc(2025, 2, 1, 4), utc(2025, 2, 1, 6))]
    assert split(period, NY) == [(0, "2025-01", 0.5), (0, "2025-02", 0.5)]
    assert split(period, LONDON) == [(0, "2025-02", 1.0)]
    # 23:00 UTC 31 Jan - 01:00 UTC 1 Feb is all January in New York, half and half in London.
    period = [(utc(2025, 1, 31, 23), utc(2025, 2, 1, 1))]
    assert split(period, NY) == [(0, "2025-01", 1.0)]
    assert split(period, LONDON) == [(0, "2025-01", 0.5), (0, "2025-02", 0.5)]


def test_a_new_york_bill_read_in_london_is_not_whole_days() -> None:
    # New York midnights are 05:00 in London, so the same bill splits by elapsed time there.
    period = [bill("2025-01-14", "2025-02-12", NY)]
    assert split(period, LONDON) == [
        (0, "2025-01", (18 * 24 - 5) / (30 * 24)),
        (0, "2025-02", (12 * 24 + 5) / (30 * 24)),
    ]


def test_multi_month_bill_covers_every_month() -> None:
    result = split([bill("2024-12-14", "2025-03-02", NY)], NY)
    assert result == [
        (0, "2024-12", 18 / 79),
        (0, "2025-01", 31 / 79),
        (0, "2025-02", 28 / 79),
        (0, "2025-03", 2 / 79),
    ]
    assert sum(s for _, _, s in result) == pytest.approx(1.0, abs=1e-12)


def test_many_readings_at_once_keep_their_row_positions() -> None:
    interval = local(NY, 2025, 1, 31, 23, 50)
    periods = [
        bill("2025-01-14", "2025-02-12", NY),
        (local(NY, 2025, 3, 5, 12), local(NY, 2025, 3, 5, 12, 15)),
        (interval, interval + 900),
        bill("2024-12-14", "2025-03-02", NY),
    ]
    assert split(periods, NY) == [
        (0, "2025-01", 18 / 30),
        (0, "2025-02", 12 / 30),
        (1, "2025-03", 1.0),
        (2, "2025-01", 10 / 15),
        (2, "2025-02", 5 / 15),
        (3, "2024-12", 18 / 79),
        (3, "2025-01", 31 / 79),
        (3, "2025-02", 28 / 79),
        (3, "2025-03", 2 / 79),
    ]


def test_bill_over_an_ambiguous_local_midnight_splits_by_days() -> None:
    # Cuba falls back from 01:00 to 00:00 on the first Sunday of November; in 2026 that is
    # 1 November, so local midnight on the 1st happens twice. The month still starts then.
    tz = "America/Havana"
    assert split([bill("2026-10-15", "2026-11-14", tz)], tz) == [
        (0, "2026-10", 17 / 31),
        (0, "2026-11", 14 / 31),
    ]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def test_month_label() -> None:
    assert month_label(JAN_2025) == "2025-01"
    assert month_label(np.int64(JAN_2025 + 11)) == "2025-12"
    assert month_label(0) == "0000-01"
    labels = month_label(np.array([JAN_2025 - 1, JAN_2025, JAN_2025 + 13]))
    assert list(labels) == ["2024-12", "2025-01", "2026-02"]


def test_local_month_index() -> None:
    moments = np.array(
        [
            utc(2025, 2, 1, 4, 59, 59),  # 23:59:59 on 31 Jan in New York
            utc(2025, 2, 1, 5),  # midnight on 1 Feb in New York
            utc(2024, 12, 31, 23, 59, 59),
            utc(2025, 1, 1),
        ]
    )
    assert local_month_index(moments, NY).tolist() == [
        JAN_2025,
        JAN_2025 + 1,
        JAN_2025 - 1,
        JAN_2025 - 1,
    ]
    assert local_month_index(moments, LONDON).tolist() == [
        JAN_2025 + 1,
        JAN_2025 + 1,
        JAN_2025 - 1,
        JAN_2025,
    ]
    # Sydney is ahead of UTC: 13:00 UTC on 31 Jan is midnight on 1 Feb there (UTC+11).
    assert local_month_index(np.array([utc(2025, 1, 31, 13)]), "Australia/Sydney").tolist() == [
        JAN_2025 + 1
    ]


def test_month_starts_are_local_midnights_including_one_past_the_last() -> None:
    got = month_starts(JAN_2025 + 1, JAN_2025 + 3, NY)
    assert got.dtype == np.int64
    assert got.tolist() == [
        utc(2025, 2, 1, 5),
        utc(2025, 3, 1, 5),
        utc(2025, 4, 1, 4),  # daylight time from 9 March
        utc(2025, 5, 1, 4),
    ]
    assert month_starts(JAN_2025 - 1, JAN_2025 - 1, "Australia/Sydney").tolist() == [
        utc(2024, 11, 30, 13),
        utc(2024, 12, 31, 13),
    ]


def test_empty_input_returns_an_empty_frame() -> None:
    frame = calendarize(np.array([], dtype=np.int64), np.array([], dtype=np.int64), NY)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["row", "month", "share"]
    assert len(frame) == 0


@pytest.mark.parametrize(("start", "end"), [(1000, 1000), (1000, 999)])
def test_period_that_does_not_end_after_it_starts_raises(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="every period must end after it starts"):
        calendarize([utc(2025, 1, 1), start], [utc(2025, 1, 2), end], NY)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

start_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
lengths = st.integers(min_value=1, max_value=400)
zones = st.sampled_from(ZONES)


def expected_day_shares(first: date, days: int) -> dict[str, float]:
    counts: dict[str, int] = defaultdict(int)
    for i in range(days):
        counts[month_label(month_index(first + timedelta(days=i)))] += 1
    return {label: n / days for label, n in counts.items()}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(start_dates, lengths), min_size=1, max_size=8), zones)
def test_whole_day_bills_split_by_days(bills: list[tuple[date, int]], tz: str) -> None:
    periods = [
        bill(first.isoformat(), (first + timedelta(days=n - 1)).isoformat(), tz)
        for first, n in bills
    ]
    frame = calendarize([p[0] for p in periods], [p[1] for p in periods], tz)
    assert frame["row"].tolist() == sorted(frame["row"].tolist())
    shares = frame["share"].to_numpy()
    assert np.all(shares > 0)
    assert np.all(shares <= 1)
    totals = frame.groupby("row")["share"].sum()
    assert totals.index.tolist() == list(range(len(bills)))
    for total in totals:
        assert total == pytest.approx(1.0, abs=1e-12)
    for row, (first, n) in enumerate(bills):
        part = frame[frame["row"] == row]
        got = dict(zip(month_label(part["month"].to_numpy()), part["share"], strict=True))
        expected = expected_day_shares(first, n)
        assert got == pytest.approx(expected, abs=1e-12)


def month_totals(periods: list[tuple[int, int]], quantities: list[float], tz: str) -> pd.Series:
    frame = calendarize([p[0] for p in periods], [p[1] for p in periods], tz)
    amounts = np.asarray(quantities)[frame["row"].to_numpy()] * frame["share"].to_numpy()
    return pd.Series(amounts, index=frame["month"].to_numpy()).groupby(level=0).sum()


@settings(max_examples=200, deadline=None)
@given(
    start_dates,
    st.integers(min_value=2, max_value=400),
    st.data(),
    zones,
    st.floats(min_value=1.0, max_value=1e7),
)
def test_splitting_a_bill_at_a_day_boundary_keeps_month_totals(
    first: date, days: int, data: st.DataObject, tz: str, quantity: float
) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=days - 1), label="cut")
    last = first + timedelta(days=days - 1)
    whole = month_totals([bill(first.isoformat(), last.isoformat(), tz)], [quantity], tz)
    parts = month_totals(
        [
            bill(first.isoformat(), (first + timedelta(days=cut - 1)).isoformat(), tz),
            bill((first + timedelta(days=cut)).isoformat(), last.isoformat(), tz),
        ],
        [quantity * cut / days, quantity * (days - cut) / days],
        tz,
    )
    assert parts.index.tolist() == whole.index.tolist()
    for month in whole.index:
        assert parts[month] == pytest.approx(whole[month], rel=1e-9)
    assert whole.sum() == pytest.approx(quantity, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=utc(2020, 1, 1), max_value=utc(2031, 1, 1)),
            st.integers(min_value=1, max_value=3 * 86400),
        ),
        min_size=1,
        max_size=8,
    ),
    zones,
)
def test_sub_day_intervals_shares_sum_to_one(intervals: list[tuple[int, int]], tz: str) -> None:
    periods = [(start, start + length) for start, length in intervals]
    frame = calendarize([p[0] for p in periods], [p[1] for p in periods], tz)
    shares = frame["share"].to_numpy()
    assert np.all(shares > 0)
    assert np.all(shares <= 1)
    totals = frame.groupby("row")["share"].sum()
    assert totals.index.tolist() == list(range(len(periods)))
    for total in totals:
        assert total == pytest.approx(1.0, abs=1e-12)
    zone = ZoneInfo(tz)
    for row, (start, end) in enumerate(periods):
        first = month_index(datetime.fromtimestamp(start, zone).date())
        last = month_index(datetime.fromtimestamp(end - 1, zone).date())
        months = frame.loc[frame["row"] == row, "month"].tolist()
        assert months == list(range(first, last + 1))
