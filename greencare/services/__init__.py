"""The use-cases behind every front end: the CLI, the TUI and scripts call these, and only these.

One module per area (``facilities``, ``readings``, ``activity``, ``inventory``, ``imports``,
``activity_imports``, ``weather``, ``dashboard``, ``history``, ``demo``, ``outputs``,
``plausibility``); the functions scripts use most are also reachable from the package itself, and
each loads its module (and pandas, pint...) only when first used, so a small command stays quick.

Each function takes the database first and plain values as a person or a file gives them
(strings for dates and units), validates them through the domain models, and raises
:class:`~greencare.core.errors.InputError` (with per-field messages), ``NotFoundError`` or
``ConflictError`` without writing anything when the input is wrong.

Example::

    from greencare import services
    db = services.open_db("hospital.db")
    f = services.add_facility(db, name="St Example", country="US", grid_region="CAMX",
                              floor_area="350000 ft**2", staffed_beds=250)
    m = services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    services.add_reading(db, meter=m.id, start="2025-01-01", end="2025-01-31", quantity=10000)
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each name reachable as ``services.<name>`` lives (``greencare.services.<module>``).
_EXPORTS: dict[str, tuple[str, str]] = {}


def _export(module: str, *names: str) -> None:
    for name in names:
        _EXPORTS[name] = (module, name)


_export(
    "common", "split_quantity", "default_currency", "run_in_transaction", "_validate", "_number"
)
_export(
    "facilities",
    "list_facilities",
    "get_facility",
    "get_meter",
    "list_meters",
    "add_facility",
    "DEFAULT_UNITS",
    "add_meter",
    "unit_choices",
    "update_facility",
    "retire_facility",
    "retire_meter",
    "reinstate_facility",
)
_export(
    "readings",
    "KEEP",
    "update_reading",
    "get_reading",
    "add_reading",
    "present_reading",
    "outlier_flags",
    "list_readings",
    "count_readings",
    "delete_reading",
)
_export("activity", "add_waste", "add_purchase", "set_normalizer", "add_instrument")
_export(
    "inventory",
    "period_months",
    "emissions",
    "explain",
    "explain_figures",
    "explain_lines",
    "records_behind",
    "count_records_behind",
    "check",
)
_export("imports", "import_readings")
_export("import_layout", "describe_file")
_EXPORTS["PlausibilityError"] = ("plausibility", "PlausibilityError")
_EXPORTS["accepting_outliers"] = ("plausibility", "accepting")
_EXPORTS["list_batches"] = ("greencare.storage.batches", "list_batches")
for _name in ("open_db", "default_db_path", "demo_db_path"):
    _EXPORTS[_name] = ("greencare.storage.db", _name)

__all__ = sorted(name for name in _EXPORTS if not name.startswith("_"))


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'greencare.services' has no attribute {name!r}") from None
    path = module if module.startswith("greencare.") else f"greencare.services.{module}"
    value = getattr(importlib.import_module(path), attr)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
