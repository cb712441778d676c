"""The demo generator (``sample_data/generate.py``): Riverside's weather is NOAA's real
Pennsylvania degree days, month by month, as greencare itself reads them; after NOAA's file
ends it is the 1991-2020 normal; and the committed CSVs are what the generator writes."""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from greencare.services import weather

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def generate() -> Iterator[ModuleType]:
    """The generator as a module (its dataclasses need it in ``sys.modules`` while loading)."""
    name = "greencare_demo_generate"
    spec = importlib.util.spec_from_file_location(name, SAMPLE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def _monthly(daily: dict) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for d, value in daily.items():
        out[f"{d.year}-{d.month:02d}"] += value
    return out


def test_riverside_months_equal_noaa_pennsylvania(generate: ModuleType) -> None:
    wx = generate.WEATHER["Riverside General Hospital"]
    hdd, cdd = _monthly(wx.hdd), _monthly(wx.cdd)
    noaa = weather.nclimdiv_state_months("PA").set_index("month")
    months = [m for m in hdd if m in noaa.index]
    assert months[0] == "2023-11" and months[-1] == "2025-08"  # the file ends 2025-08
    for month in months:
        assert hdd[month] == pytest.approx(noaa.loc[month, "hdd_65f"], abs=1e-6)
        assert cdd[month] == pytest.approx(noaa.loc[month, "cdd_65f"], abs=1e-6)
    # after the file ends: each calendar month's 1991-2020 mean
    normals = noaa[(noaa.index >= "1991-01") & (noaa.index <= "2020-12")]
    by_calendar = normals.groupby(normals.index.str[5:7])[["hdd_65f", "cdd_65f"]].mean()
    later = [m for m in hdd if m not in noaa.index]
    assert later == ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
    for month in later:
        assert hdd[month] == pytest.approx(by_calendar.loc[month[5:], "hdd_65f"], abs=1e-6)
        assert cdd[month] == pytest.approx(by_calendar.loc[month[5:], "cdd_65f"], abs=1e-6)
    # a daily pattern, not a flat spread: January days differ, July has (a few) heating days
    january = [v for d, v in wx.hdd.items() if (d.year, d.month) == (2024, 1)]
    assert max(january) - min(january) > 5
    assert all(v >= 0 for v in (*wx.hdd.values(), *wx.cdd.values()))


def test_generator_rewrites_the_committed_files_byte_for_byte(
    generate: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate, "OUT", tmp_path)
    generate.main()
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert written == sorted(p.name for p in SAMPLE.glob("*.csv"))
    for name in written:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
