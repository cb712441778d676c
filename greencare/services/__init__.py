"""The use-cases behind every front end: the CLI, the TUI and scripts call these, and only these.

One module per area (``facilities``, ``readings``, ``activity``, ``inventory``, ``imports``,
``activity_imports``, ``setup_imports``, ``weather``, ``dashboard``, ``history``, ``demo``, ``outputs``,
``plausibility``, ``portfolio_manager``, ``targets``, ``interval``, ``ranking``, ``changes``); the functions
scripts use most are also reachable from the package itself (no name the same as a module), and
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
    "grid_region_from_zip",
    "GridRegionCheck",
    "subregions_for_zip",
    "zip_citation",
    "retire_facility",
    "retire_meter",
    "reinstate_meter",
    "reinstate_facility",
    "update_meter",
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
_export("facilities", "update_meter")
_export("setup_imports", "import_setup")
_export(
    "activity",
    "add_waste",
    "add_purchase",
    "set_normalizer",
    "set_normalizers",
    "add_instrument",
    "list_instruments",
    "get_waste",
    "update_waste",
    "delete_waste",
    "get_purchase",
    "update_purchase",
    "delete_purchase",
    "get_instrument",
    "update_instrument",
    "delete_instrument",
)
_export("history", "undo_change")
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
_export("portfolio_manager", "export_bills")
_export(
    "targets",
    "add_target",
    "list_targets",
    "get_target",
    "update_target",
    "delete_target",
    "target_progress",
    "get_settings",
    "set_setting",
    "fiscal_year_start",
    "set_fiscal_year_start",
    "default_baseline_year",
    "set_default_baseline_year",
    "fiscal_year_of",
)
_export("changes", "compare")
_export("ranking", "facility_ranking", "comparison_period")
_export(
    "interval",
    "NoIntervalData",
    "IntervalData",
    "has_interval_data",
    "interval_profile",
    "billed_vs_metered",
)
_EXPORTS["load_interval"] = ("interval", "load")
_EXPORTS["interval_metrics"] = ("interval", "metrics")
_export("baselines", "fit_baseline", "savings", "normalised", "forecast", "monthly_use")
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


def submodules() -> list[str]:
    """Every module of this package (``greencare.services.<name>``), for a front end that
    imports them ahead of use (the terminal app, in a thread after its first frame)."""
    import pkgutil

    return [f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__)]


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
