"""greencare: energy, waste and emissions tracking for healthcare facilities.

Importing the package installs one import hook, so that small commands stay small. sqlite-utils
imports pandas and numpy when it is imported, if they are installed, only to add their scalar
types to the column types it infers (``sqlite_utils.db.COLUMN_TYPE_MAPPING``); that is 0.3-0.6 s
of CPU that ``greencare facility list`` never uses. The hook hides both while
``sqlite_utils.db`` runs (unless they are loaded already) and gives the module a mapping that
adds their types the first time it is asked for a type it lacks, so a table created later from
numpy or pandas values gets the same column types as with sqlite-utils' own import.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType

_HIDDEN = ("pandas", "numpy")


class _ColumnTypes(dict[Any, str]):
    """sqlite-utils' Python type -> SQLite type mapping, completed with numpy's and pandas'
    types on the first miss once they are imported (the entries sqlite-utils would add)."""

    def _complete(self) -> bool:
        added = False
        np = sys.modules.get("numpy")
        if np is not None and np.int64 not in self:
            for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
                self[getattr(np, name)] = "INTEGER"
            for name in ("float16", "float32", "float64"):
                self[getattr(np, name)] = "REAL"
            added = True
        pd = sys.modules.get("pandas")
        if (
            pd is not None
            and getattr(pd, "Timestamp", None) is not None
            and pd.Timestamp not in self
        ):
            self[pd.Timestamp] = "TEXT"
            added = True
        return added

    def __missing__(self, key: Any) -> str:
        if self._complete() and key in self:
            return self[key]
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self._complete()
        return super().get(key, default)


class _Loader:
    """Runs ``sqlite_utils.db`` with pandas and numpy unavailable; delegates the rest (source
    for tracebacks, file names) to the real loader. (Not an ``importlib.abc`` subclass: that
    module alone costs more than the rest of this hook.)"""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        hidden = [name for name in _HIDDEN if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
        try:
            self._inner.exec_module(module)
        finally:
            for name in hidden:
                if sys.modules.get(name, 0) is None:
                    del sys.modules[name]
        mapping = getattr(module, "COLUMN_TYPE_MAPPING", None)
        if hidden and type(mapping) is dict:
            module.COLUMN_TYPE_MAPPING = _ColumnTypes(mapping)  # type: ignore[attr-defined]


class _DeferPandas:
    """Finds ``sqlite_utils.db`` like the other finders would, with :class:`_Loader`."""

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> Any:
        if fullname != "sqlite_utils.db" or all(name in sys.modules for name in _HIDDEN):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


if "sqlite_utils.db" not in sys.modules and not any(
    isinstance(f, _DeferPandas) for f in sys.meta_path
):
    sys.meta_path.insert(0, _DeferPandas())
