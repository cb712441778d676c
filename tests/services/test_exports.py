"""``services.<name>`` is the exported function whatever was imported before.

The package loads its exports lazily (``__getattr__``). Importing a submodule binds its name on
the package, so an export with a submodule's name would turn into that module as soon as anything
imported ``greencare.services.<name>`` (a CI run found ``services.compare`` doing so).
"""

from __future__ import annotations

import importlib
import pkgutil

import greencare.services as services


def _submodules() -> set[str]:
    return {m.name for m in pkgutil.iter_modules(services.__path__)}


def test_no_export_has_the_name_of_a_submodule():
    clash = sorted(set(services._EXPORTS) & _submodules())
    assert clash == [], f"exports named like a services module: {clash}"


def test_every_export_resolves_after_all_submodules_are_imported():
    for name in sorted(_submodules()):
        importlib.import_module(f"greencare.services.{name}")
    for name, (module, attr) in sorted(services._EXPORTS.items()):
        path = module if module.startswith("greencare.") else f"greencare.services.{module}"
        assert getattr(services, name) is getattr(importlib.import_module(path), attr), name
