"""Layer contracts: the arrows between greencare's packages point inward only.

    core  <-  storage, importers, factorbuild  <-  services, reports  <-  cli, tui

Every ``import`` and ``from ... import`` in a module (at its top or inside a function) is read
from its source; an arrow pointing outward (core importing storage, a library package importing
the CLI, the TUI reaching past the use-case layer into storage) fails here with the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "greencare"

#: What each layer may import (besides itself). ``paths`` only locates bundled data.
ALLOWED: dict[str, set[str]] = {
    "core": {"paths"},
    "storage": {"core", "paths"},
    "importers": {"core", "paths"},
    "factorbuild": {"core", "paths"},
    "services": {"core", "storage", "importers", "reports", "paths"},
    "reports": {"core", "storage", "services", "paths"},
    # The front ends call the use-cases; they may use the domain's vocabulary, errors and text
    # rules (core) and the importers' option and error types, never storage or SQL.
    "tui": {"core", "services", "importers", "paths"},
    "cli": {"core", "services", "importers", "reports", "paths", "tui"},
    # The package's own top-level files: the version, ``python -m greencare``, data paths.
    "__init__": set(),
    "__main__": {"cli"},
    "paths": set(),
}
#: Where the CLI may open the terminal app (bare ``greencare`` and ``greencare tui``).
CLI_TO_TUI = {"cli/__init__.py"}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.name.removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "greencare":  # from greencare import services, paths
                found += [(node.lineno, f"greencare.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return sorted((line, name) for line, name in found if name.split(".")[0] == "greencare")


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "_data" not in p.parts)


def test_every_module_belongs_to_a_layer() -> None:
    layers = {_layer(p) for p in MODULES}
    assert layers <= set(ALLOWED), f"modules outside the known layers: {layers - set(ALLOWED)}"


def breaches(path: Path, own: str, rel: str) -> list[str]:
    wrong = []
    for line, name in _imports(path):
        parts = name.split(".")
        target = parts[1] if len(parts) > 1 else "greencare"
        if target == own or target in ALLOWED[own]:
            if target == "tui" and own == "cli" and rel not in CLI_TO_TUI:
                wrong.append(f"{rel}:{line} imports {name} (only cli/__init__.py opens the app)")
            continue
        wrong.append(f"{rel}:{line} imports {name} ({own} may import {sorted(ALLOWED[own])})")
    return wrong


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_inward(path: Path) -> None:
    rel = str(path.relative_to(PACKAGE))
    wrong = breaches(path, _layer(path), rel)
    assert not wrong, "\n".join(wrong)


def test_a_contract_breach_is_caught(tmp_path: Path) -> None:
    """The check itself can fail: core reaching the use-cases inside a function, storage
    importing the CLI, and a CLI module other than the entry point opening the TUI."""
    fake = tmp_path / "mod.py"
    fake.write_text(
        "import greencare.core.units\n"
        "def f():\n    from greencare.services import readings\n"
        "from greencare import cli\n"
        "from greencare.tui.app import GreencareApp\n"
    )
    assert breaches(fake, "core", "core/mod.py") == [
        "core/mod.py:3 imports greencare.services (core may import ['paths'])",
        "core/mod.py:4 imports greencare.cli (core may import ['paths'])",
        "core/mod.py:5 imports greencare.tui.app (core may import ['paths'])",
    ]
    assert breaches(fake, "cli", "cli/facilities.py")[-1] == (
        "cli/facilities.py:5 imports greencare.tui.app (only cli/__init__.py opens the app)"
    )


def test_the_tui_holds_no_sql() -> None:
    """Screens ask the use-case layer; no SQL text and no database cursor calls in greencare/tui."""
    wrong = []
    for path in sorted((PACKAGE / "tui").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if any(
                word in code
                for word in (
                    "SELECT ",
                    "INSERT ",
                    "UPDATE ",
                    "DELETE FROM",
                    "PRAGMA",
                    ".execute(",
                    "db.query(",
                    "db[",
                )
            ):
                wrong.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not wrong, "\n".join(wrong)
