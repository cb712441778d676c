"""Unit factors pint computed, remembered across runs (greencare/core/unit_factors.py)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from greencare.core import unit_factors, units


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("GREENCARE_CACHE_DIR", str(folder))
    unit_factors.forget()
    units.conversion_factor.cache_clear()
    yield folder
    unit_factors.forget()
    units.conversion_factor.cache_clear()


def _fresh(code: str, folder: Path | str) -> dict:
    """Run ``code`` in a new interpreter with this cache folder; it prints a JSON line."""
    env = {**os.environ, "GREENCARE_CACHE_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


CONVERT = """
    import json, sys
    from greencare.core import units
    factors = [units.conversion_factor(u, c) for u, c in
               [("kWh", "electricity"), ("MWh", "electricity"), ("therm", "natural_gas"),
                ("ccf", "natural_gas"), ("Therms", "natural_gas")]]
    print(json.dumps({"factors": factors, "pint": "pint" in sys.modules}))
"""


def test_a_second_run_converts_without_pint_and_gets_the_same_factors(tmp_path: Path) -> None:
    first = _fresh(CONVERT, tmp_path / "cache")
    second = _fresh(CONVERT, tmp_path / "cache")
    assert first["pint"] is True  # computed by pint
    assert second["pint"] is False  # remembered
    assert second["factors"] == first["factors"]  # bit for bit (JSON keeps a float's repr)
    assert first["factors"][2] == pytest.approx(29.3071, rel=1e-5)  # 1 US therm in kWh


def test_without_a_usable_folder_pint_converts_as_before(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        folders: list[Path | str] = [blocker / "cache", ""]  # not a folder; the store off
        if os.geteuid() != 0:  # root writes into a read-only folder anyway
            folders += [readonly / "cache", readonly]
        for folder in folders:
            result = _fresh(CONVERT, folder)
            again = _fresh(CONVERT, folder)
            assert result["pint"] is True and again["pint"] is True, folder
            assert again["factors"] == result["factors"]
    finally:
        readonly.chmod(stat.S_IRWXU)


def test_a_damaged_file_is_ignored_and_replaced(cache: Path) -> None:
    units.conversion_factor("kWh", "electricity")
    (path,) = cache.glob("unit-factors-*.json")
    path.write_text('{"electricity\\u001fkWh": "oops", "x": ')  # cut off mid-write
    unit_factors.forget()
    units.conversion_factor.cache_clear()
    assert units.conversion_factor("MWh", "electricity") == 1000.0
    assert json.loads(path.read_text())["factors"] == {"electricity\x1fMWh": 1000.0}
    factors = {"electricity\x1fkWh": -3.0, "electricity\x1fWh": "1"}
    path.write_text(json.dumps({"factors": factors, "sha256": unit_factors._checksum(factors)}))
    unit_factors.forget()
    assert unit_factors.known("kWh", "electricity") is None  # not a factor pint gives
    assert unit_factors.known("Wh", "electricity") is None


def test_a_factor_changed_outside_greencare_is_not_used(cache: Path) -> None:
    units.conversion_factor("MWh", "electricity")
    (path,) = cache.glob("unit-factors-*.json")
    data = json.loads(path.read_text())
    assert data["factors"] == {"electricity\x1fMWh": 1000.0}
    data["factors"]["electricity\x1fMWh"] = 1.0  # a 1000x error, checksum left as it was
    path.write_text(json.dumps(data))
    unit_factors.forget()
    units.conversion_factor.cache_clear()
    assert unit_factors.known("MWh", "electricity") is None
    assert units.conversion_factor("MWh", "electricity") == 1000.0  # pint's, again


def test_refusals_are_never_remembered(cache: Path) -> None:
    for _ in range(2):
        with pytest.raises(units.NotBilledInError):
            units.conversion_factor("therm", "electricity")
        with pytest.raises(units.WrongDimensionError):
            units.conversion_factor("kWh", "water")
        with pytest.raises(units.AmbiguousUnitError):
            units.conversion_factor("MBtu", "natural_gas")
        unit_factors.forget()
        units.conversion_factor.cache_clear()
    assert not list(cache.glob("unit-factors-*.json"))


def test_the_file_is_named_by_the_definitions(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other definitions (another pint, an edited units.txt) name another file."""
    units.conversion_factor("kWh", "electricity")
    (first,) = cache.glob("unit-factors-*.json")
    unit_factors.forget()
    original = unit_factors.resources.files

    class Edited:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def joinpath(self, name: str) -> object:
            real = self.inner.joinpath(name)  # type: ignore[attr-defined]

            class File:
                def read_bytes(self) -> bytes:
                    extra = b"\n# edited\n" if name == "units.txt" else b""
                    return bytes(real.read_bytes()) + extra

            return File()

    monkeypatch.setattr(unit_factors.resources, "files", lambda pkg: Edited(original(pkg)))
    assert unit_factors.known("kWh", "electricity") is None
    units.conversion_factor.cache_clear()
    units.conversion_factor("kWh", "electricity")
    assert len(list(cache.glob("unit-factors-*.json"))) == 2
    assert first.exists()
