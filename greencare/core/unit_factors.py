"""Conversion factors pint computed, remembered on disk so later runs need no pint.

Loading pint and its registry is about a sixth of a command's start (0.1 s of 0.6 s for a
one-row import), yet a facility's files use the same few units run after run. Each factor
``units.conversion_factor`` gets from pint (after every check a unit must pass) is stored in
a small JSON file in the user's cache folder, named by a digest of everything the factor
depends on: greencare's ``units.txt`` and ``bill_units.toml``, and the pint installation
(the path, size and modification time of its code and definitions). Changing any of them
names another file, so a stored factor is never used with definitions it did not come from.

The file carries a SHA-256 of its factors; one that does not match (edited by hand, damaged)
is ignored and rewritten. Only factors are stored, never refusals: a unit that fails a check is checked by pint again
each time, and its message comes from pint. A missing, unreadable or read-only cache folder
only means pint is loaded as before. ``GREENCARE_CACHE_DIR`` puts the folder elsewhere, and
an empty value turns the store off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sys
import tempfile
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

#: Distinct (unit, commodity) pairs kept, at most: a file of odd spellings cannot grow it.
MAX_ENTRIES = 2000

_factors: dict[str, float] | None = None


def cache_dir() -> Path | None:
    """The folder the factors file lives in (None: the store is off)."""
    override = os.environ.get("GREENCARE_CACHE_DIR")
    if override is not None:
        return Path(override) if override else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "greencare"


@cache
def _digest() -> str | None:
    """A digest of what the factors depend on, or None when pint's files cannot be found."""
    spec = find_spec("pint")  # finds the package without importing it
    if spec is None or not spec.origin:
        return None
    h = hashlib.sha256()
    package = resources.files("greencare.core")
    for name in ("units.txt", "bill_units.toml"):
        h.update(package.joinpath(name).read_bytes())
    folder = Path(spec.origin).parent
    for name in ("__init__.py", "default_en.txt", "constants_en.txt"):
        try:
            st = (folder / name).stat()
        except OSError:
            return None
        h.update(f"{folder / name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:20]


def _path() -> Path | None:
    folder = cache_dir()
    digest = _digest() if folder is not None else None
    return None if folder is None or digest is None else folder / f"unit-factors-{digest}.json"


def _load() -> dict[str, float]:
    global _factors
    if _factors is None:
        _factors = {}
        path = _path()
        if path is not None:
            with contextlib.suppress(OSError, ValueError, TypeError):
                data = json.loads(path.read_text("utf-8"))
                stored = data.get("factors") if isinstance(data, dict) else None
                if isinstance(stored, dict) and data.get("sha256") == _checksum(stored):
                    _factors = {
                        str(k): float(v)
                        for k, v in stored.items()
                        if isinstance(v, int | float) and math.isfinite(v) and v > 0
                    }
    return _factors


def _checksum(factors: dict[str, float]) -> str:
    """A digest of the factors as stored: a file changed by anything but :func:`remember` (a
    factor edited by hand, a flipped digit) is not used."""
    text = json.dumps(factors, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key(unit: str, commodity: str) -> str:
    return f"{commodity}\x1f{unit}"


def known(unit: str, commodity: str) -> float | None:
    """The factor pint gave for this unit as written and this commodity, if remembered."""
    return _load().get(_key(unit, commodity))


def remember(unit: str, commodity: str, factor: float) -> None:
    """Store a factor pint computed (best effort: a folder that cannot be written is fine)."""
    factors = _load()
    if not (math.isfinite(factor) and factor > 0) or len(factors) >= MAX_ENTRIES:
        return
    factors[_key(unit, commodity)] = factor
    path = _path()
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".unit-factors-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"factors": factors, "sha256": _checksum(factors)}, out, sort_keys=True)
            os.replace(tmp, path)  # whole or not at all, whatever another process does
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def forget() -> None:
    """Drop what was loaded (tests; the file stays)."""
    global _factors
    _factors = None
    _digest.cache_clear()
