"""The column-wise shortcuts of a system-scale import give exactly what the value-by-value or
meter-by-meter rules give: local times localised per time zone, meters found in one query,
the number format's kinds found by a search, plausibility levels per row, clean-up passes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import AmbiguousNameError, NotFoundError
from greencare.core.models import Facility
from greencare.importers import conventions
from greencare.importers.base import ImportOptions, parse_numbers
from greencare.importers.pipeline import _AMBIGUOUS, _to_epoch
from greencare.services import plausibility
from greencare.services.imports import import_readings
from greencare.storage import facilities

NEW_YORK = ZoneInfo("America/New_York")


def _per_meter(naive: pd.Series, meter_ids: np.ndarray, zones: dict[int, str]) -> np.ndarray:
    """Each meter's times localised on their own (the rule: a repeated hour is read from the
    order of that meter's readings; what cannot be placed is ambiguous)."""
    out = np.full(len(naive), 0, dtype=np.int64)
    for meter_id in np.unique(meter_ids):
        at = np.flatnonzero(meter_ids == meter_id)
        local = pd.DatetimeIndex(naive.iloc[at])
        try:
            stamped = local.tz_localize(zones[int(meter_id)], ambiguous="infer",
                                        nonexistent="NaT")  # fmt: skip
        except Exception:
            stamped = local.tz_localize(zones[int(meter_id)], ambiguous="NaT", nonexistent="NaT")
        out[at] = np.where(stamped.isna(), _AMBIGUOUS, stamped.as_unit("s").asi8)
    return out


def test_local_times_of_interleaved_meters_across_the_clock_change() -> None:
    # Two New York meters, rows interleaved, through 2025-11-02 01:00-01:45 twice (fall back):
    # each meter's repeat is read from its own order. A Los Angeles meter with a lone repeated
    # hour (not inferable) and a New York time skipped in spring stay ambiguous.
    times, meters = [], []
    clock = [datetime(2025, 11, 2, 0, 0) + timedelta(minutes=15 * k) for k in range(8)]
    clock += [datetime(2025, 11, 2, 1, 0) + timedelta(minutes=15 * k) for k in range(8)]
    for moment in clock:
        for meter in (1, 2):
            times.append(moment)
            meters.append(meter)
    times += [datetime(2025, 11, 2, 1, 30), datetime(2025, 3, 9, 2, 30), datetime(2025, 6, 1)]
    meters += [3, 1, 3]
    zones = {1: "America/New_York", 2: "America/New_York", 3: "America/Los_Angeles"}
    naive = pd.Series(pd.to_datetime(times))
    meter_ids = np.array(meters, dtype=np.int64)
    got = _to_epoch(naive, meter_ids, zones, ImportOptions(), shift_days=None)
    want = _per_meter(naive, meter_ids, zones)
    assert got.tolist() == want.tolist()
    # and what that is: the second 01:00 of meter 1 is an hour after its first
    first, second = got[2 * 4], got[2 * 8]
    assert second - first == 3600
    assert got[-3] == _AMBIGUOUS and got[-2] == _AMBIGUOUS  # lone repeat; skipped 02:30


def test_random_local_times_equal_the_meter_by_meter_rule() -> None:
    rng = random.Random(2)
    zones = {m: rng.choice(["America/New_York", "America/Chicago", "Europe/London", "UTC"])
             for m in range(1, 30)}  # fmt: skip
    days = [(3, 8), (3, 9), (3, 30), (10, 26), (11, 1), (11, 2), (6, 1)]  # clocks change
    for trial in range(20):
        times, meters = [], []
        for _ in range(300):
            month, day = rng.choice(days)
            times.append(datetime(2025, month, day) + timedelta(minutes=15 * rng.randint(0, 96)))
            meters.append(rng.randint(1, 29))
        if trial % 2:  # in order, as files are: a repeated hour can then be inferred
            order = sorted(range(len(times)), key=lambda i: times[i])
            times, meters = [times[i] for i in order], [meters[i] for i in order]
        naive = pd.Series(pd.to_datetime(times))
        meter_ids = np.array(meters, dtype=np.int64)
        got = _to_epoch(naive, meter_ids, zones, ImportOptions(), shift_days=None)
        assert got.tolist() == _per_meter(naive, meter_ids, zones).tolist()


def test_an_import_of_interleaved_local_times_across_fall_back(
    db: Database, us_hospital: Facility, tmp_path: Path
) -> None:
    for name in ("A", "B"):
        services.add_meter(db, facility=us_hospital.id, name=name, commodity="electricity",
                           unit="kWh")  # fmt: skip
    lines = ["meter,start,end,quantity,unit"]
    clock = [datetime(2025, 11, 2, 0, 0) + timedelta(minutes=15 * k) for k in range(8)]
    clock += [datetime(2025, 11, 2, 1, 0) + timedelta(minutes=15 * k) for k in range(8)]
    for start, end in zip(clock, [*clock[1:], datetime(2025, 11, 2, 3, 0)], strict=True):
        for name in ("A", "B"):
            lines.append(f"{name},{start:%Y-%m-%d %H:%M},{end:%Y-%m-%d %H:%M},1.5,kWh")
    path = tmp_path / "fall.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_readings(db, path, ImportOptions(decimal="."))
    assert result.status == "imported", result.as_dict()["errors"][:3]
    assert result.inserted == 32
    for name in ("A", "B"):
        starts = [r[0] for r in db.execute(
            "SELECT start_utc FROM readings r JOIN meters m ON m.id = r.meter_id "
            "WHERE m.name = ? ORDER BY start_utc", [name])]  # fmt: skip
        assert np.diff(starts).tolist() == [900] * 15  # one unbroken run of quarter hours


def test_meters_named_matches_as_get_meter_does(db: Database, us_hospital: Facility) -> None:
    other = services.add_facility(db, name="Other", country="US", grid_region="RFCE")
    for facility, name in ((us_hospital.id, "Main"), (us_hospital.id, "Ärzte"),
                           (us_hospital.id, "Shared"), (other.id, "SHARED")):  # fmt: skip
        services.add_meter(db, facility=facility, name=name, commodity="electricity",
                           unit="kWh")  # fmt: skip
    names = ["main", "MAIN", "Main", "ärzte", "ÄRZTE", "Ärzte", "shared", "nobody"]
    for facility_id in (None, us_hospital.id):
        found = facilities.meters_named(db, names, facility_id=facility_id)
        for name in names:
            matches = found.get(facilities.nocase(name), [])
            try:
                meter = facilities.get_meter(db, name, facility_id=facility_id)
            except AmbiguousNameError:  # (a NotFoundError too: caught first)
                assert len(matches) > 1, name
            except NotFoundError:
                assert matches == [], name
            else:
                assert [m.id for m in matches] == [meter.id], name
    # SQLite's NOCASE folds ASCII only: "ärzte" is not "Ärzte"
    assert facilities.nocase("ÄRZTE") == "Ärzte"
    assert "ärzte" not in facilities.meters_named(db, ["ärzte"])


def _kinds_one_by_one(values: list[str]) -> dict[str, tuple[int, str] | None]:
    seen: dict[str, tuple[int, str] | None] = {"_ambiguous": None, "_point": None, "_comma": None}
    for line, value in enumerate(values, start=2):
        if "," not in value and "." not in value:
            continue
        text = value.strip()
        if conventions._AMBIGUOUS_NUMBER.match(text):
            kind = "_ambiguous"
        elif any(p.match(text) for p in conventions._POINT_ONLY):
            kind = "_point"
        elif any(p.match(text) for p in conventions._COMMA_ONLY):
            kind = "_comma"
        else:
            continue
        if seen[kind] is None:
            seen[kind] = (line, text)
    return seen


def test_number_kinds_found_by_search_equal_the_rule_value_by_value() -> None:
    rng = random.Random(4)
    pieces = ["1", "12", "123", "1234", "0", ".", ",", ".5", ",5", "-", "$", "€", " ", "\n"]
    for _ in range(2000):
        values = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
                  for _ in range(rng.randint(1, 25))]  # fmt: skip
        found = conventions.NumberFormat(Path("x.csv"), ImportOptions())
        found._observe(np.arange(2, len(values) + 2), "cost", pd.Series(values, dtype=object))
        got = {k: (s.line, s.value) if (s := getattr(found, k)) else None
               for k in ("_ambiguous", "_point", "_comma")}  # fmt: skip
        assert got == _kinds_one_by_one(values), values


def _numbers_every_pass(values: list[str], decimal: str, thousands: str | None) -> np.ndarray:
    text = pd.Series(values, dtype=object).astype(str).str.strip()
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    text = text.str.replace(r"^[$£€]", "", regex=True)
    out = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    out = np.array(out, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out


@pytest.mark.parametrize("decimal,thousands", [(".", ","), (",", "."), (".", None), (",", None)])
def test_number_clean_up_passes_skipped_only_where_they_change_nothing(
    decimal: str, thousands: str | None
) -> None:
    rng = random.Random(6)
    pieces = ["1", "23", "456", ".", ",", " ", "\u00a0", "$", "£", "-", "e5", "x", "NaN", ""]
    for _ in range(300):
        values = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
                  for _ in range(rng.randint(1, 12))]  # fmt: skip
        values.append("12.5")  # a column that is not all blank
        got = parse_numbers(pd.Series(values, dtype=object), decimal=decimal, thousands=thousands)
        want = _numbers_every_pass(values, decimal, thousands)
        assert np.array_equal(got, want, equal_nan=True), values


def test_plausibility_levels_per_row_equal_the_per_meter_rule() -> None:
    rng = np.random.default_rng(8)
    sizes = [{"floor_area_m2": 30000.0, "staffed_beds": None},
             {"floor_area_m2": None, "staffed_beds": 200},
             {"floor_area_m2": None, "staffed_beds": None}]  # fmt: skip
    meters = []
    for k in range(40):
        usual = float(rng.uniform(100, 5000)) if k % 3 == 0 else None
        meters.append((usual, bool(k % 4), sizes[k % 3], rng.uniform(0, 90000, 25)))
    rate = np.concatenate([m[3] for m in meters])
    usual_rows, area_rows = [], []
    want_level, want_measure = [], []
    for usual, energy, size, rates in meters:
        level, measure, rule, _area_text = plausibility.reading_levels(rates, usual, energy, size)
        want_level.append(level)
        want_measure.append(measure)
        chosen, _text = plausibility.reading_rule(usual, energy, size)
        assert chosen == rule
        u = usual if rule == "history" else np.nan
        a = plausibility.reading_area(size) if rule == "site_eui" else np.nan
        usual_rows.append(np.full(len(rates), u))
        area_rows.append(np.full(len(rates), a if a is not None else np.nan))
    level, measure = plausibility.levels_by_row(
        rate, np.concatenate(usual_rows), np.concatenate(area_rows)
    )
    assert level.tolist() == np.concatenate(want_level).tolist()
    assert np.array_equal(measure, np.concatenate(want_measure), equal_nan=True)
    assert (level > 0).any()  # the data does reach the warnings and refusals
