"""The nClimDiv statewide degree-day builder, on small files laid out like NOAA's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from greencare.factorbuild import nclimdiv

FACTORS = Path(__file__).resolve().parents[2] / "factors"

# Lines copied from climdiv-hddcst/cddcst-v1.0.0-20250905 (NOAA NCEI), plus one region line
# (110 = contiguous US) and one pre-1990 line that the builder must leave out.
HDD = """\
0010251895   717.   800.   373.   115.    34.     0.     0.     0.     0.   234.   377.   646.   
0110252025  1349.  1068.   625.   417.   219.    11.     0.    12. -9999. -9999. -9999. -9999.   
1100252020   742.   655.   486.   361.   157.    25.     4.     7.    58.   248.   423.   754.   
"""  # noqa: W291
CDD = """\
0010261895     0.     0.     0.     0.    50.   200.   300.   280.   150.     5.     0.     0.   
0110262025     0.     0.     4.     2.    49.   250.   368.   236. -9999. -9999. -9999. -9999.   
1100262020     5.     6.     9.    12.    60.   200.   300.   290.   120.    30.     8.     4.   
"""  # noqa: W291


def _sources(tmp_path: Path, hdd: str = HDD, cdd: str = CDD) -> Path:
    folder = tmp_path / "noaa-nclimdiv"
    folder.mkdir()
    (folder / "climdiv-hddcst-v1.0.0-20250905").write_text(hdd, encoding="ascii")
    (folder / "climdiv-cddcst-v1.0.0-20250905").write_text(cdd, encoding="ascii")
    return tmp_path


def test_extract_keeps_states_from_1990_and_published_months(tmp_path: Path) -> None:
    out = tmp_path / "out"
    counts = nclimdiv.extract(_sources(tmp_path), out)
    assert counts == {"state_degree_days.csv": 8}  # Illinois Jan-Aug 2025 only
    with (out / "noaa-nclimdiv/2025/state_degree_days.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0] == {"state": "IL", "month": "2025-01", "hdd_65f": "1349", "cdd_65f": "0"}
    assert rows[-1] == {"state": "IL", "month": "2025-08", "hdd_65f": "12", "cdd_65f": "236"}
    toml = (out / "noaa-nclimdiv/2025/dataset.toml").read_text(encoding="utf-8")
    assert "2025-08" in toml and 'licence = "US Government work, public domain (US)"' in toml


def test_a_line_off_the_layout_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = HDD + "01102520 1 2 3\n"
    with pytest.raises(nclimdiv.LayoutError, match=r"line 4: not an nClimDiv statewide record"):
        nclimdiv.extract(_sources(tmp_path, hdd=bad), tmp_path / "out")


def test_hdd_and_cdd_files_swapped_are_refused(tmp_path: Path) -> None:
    with pytest.raises(nclimdiv.LayoutError, match="expected only hdd_65f"):
        nclimdiv.extract(_sources(tmp_path, hdd=CDD, cdd=HDD), tmp_path / "out")


def test_state_codes_are_noaa_alphabetical_not_fips() -> None:
    codes = nclimdiv.NOAA_STATE_CODES
    assert len(codes) == 48
    assert (codes["001"], codes["002"], codes["008"]) == ("AL", "AZ", "FL")
    assert (codes["011"], codes["041"], codes["048"]) == ("IL", "TX", "WY")


def _committed() -> dict[tuple[str, str], tuple[str, str]]:
    with (FACTORS / "noaa-nclimdiv/2025/state_degree_days.csv").open(encoding="utf-8") as fh:
        return {(r["state"], r["month"]): (r["hdd_65f"], r["cdd_65f"]) for r in csv.DictReader(fh)}


def test_committed_values_match_the_noaa_file_read_by_hand() -> None:
    data = _committed()
    # climdiv-hddcst/cddcst-v1.0.0-20250905, lines 0010251990/0010261990 (Alabama),
    # 0110252024 (Illinois), 0480252010 (Wyoming), 0410262023 (Texas).
    assert data[("AL", "1990-01")] == ("518", "21")
    assert data[("AL", "1990-08")] == ("0", "478")
    assert data[("IL", "2024-01")] == ("1239", "0")
    assert data[("IL", "2025-08")] == ("12", "236")
    assert data[("WY", "2010-12")][0] == "1240"
    assert data[("TX", "2023-08")][1] == "747"
    assert ("IL", "2025-09") not in data  # -9999 in the published file
    assert ("AL", "1989-12") not in data  # before the kept period
    assert {s for s, _ in data} == set(nclimdiv.NOAA_STATE_CODES.values())
    assert len(data) == 48 * (35 * 12 + 8)
