"""Start-up cost and layering: which heavy packages each entry point drags in.

Each check runs in a fresh interpreter, since this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

HEAVY = ("pandas", "matplotlib", "textual", "sqlite_utils", "pint")

# Imports every module of the named packages and prints what ended up in sys.modules.
PRELUDE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    def import_all(package_name):
        package = importlib.import_module(package_name)
        names = [package_name]
        for info in pkgutil.iter_modules(package.__path__, package_name + "."):
            importlib.import_module(info.name)
            names.append(info.name)
        return names

    def loaded(*names):
        return sorted(n for n in names if n in sys.modules)
    """
)


def run_fresh(code: str, tmp_path: Path) -> Any:
    """Run ``code`` in a new interpreter; it must print one JSON document as its last line."""
    env = {
        **os.environ,
        "GREENCARE_DB": str(tmp_path / "env-default.db"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
    }
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_headless_modules_do_not_load_textual(tmp_path: Path) -> None:
    result = run_fresh(
        """
        names = import_all("greencare.core") + import_all("greencare.storage")
        for extra in ("greencare.services", "greencare.cli", "greencare.services.demo"):
            importlib.import_module(extra)
            names.append(extra)
        print(json.dumps({"imported": names, "loaded": loaded("textual")}))
        """,
        tmp_path,
    )
    imported = set(result["imported"])
    assert {"greencare.core.units", "greencare.core.models", "greencare.core.periods"} <= imported
    assert {
        "greencare.storage.db",
        "greencare.storage.audit",
        "greencare.services.demo",
    } <= imported
    assert result["loaded"] == []


def test_help_loads_nothing_heavy(tmp_path: Path) -> None:
    result = run_fresh(
        f"""
        import contextlib, io
        from greencare.cli import main
        out = io.StringIO()
        code = None
        with contextlib.redirect_stdout(out):
            try:
                main(["--help"])
            except SystemExit as exc:
                code = exc.code
        print(json.dumps({{"code": code, "help": out.getvalue(), "loaded": loaded(*{HEAVY!r})}}))
        """,
        tmp_path,
    )
    assert result["code"] == 0
    assert result["help"].startswith("Usage: ")
    assert "facility" in result["help"]
    assert result["loaded"] == []


def test_facility_list_does_not_load_textual(tmp_path: Path) -> None:
    db_path = tmp_path / "hygiene.db"
    result = run_fresh(
        f"""
        import contextlib, io
        from greencare.cli import main
        codes = []
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            for args in (["init"], ["facility", "add", "X", "--country", "GB"],
                         ["facility", "list", "--json"]):
                try:
                    main(["--db", {str(db_path)!r}, *args])
                except SystemExit as exc:
                    codes.append(exc.code)
        listing = out.getvalue()[out.getvalue().index("["):]
        print(json.dumps({{"codes": codes, "listing": json.loads(listing),
                          "loaded": loaded("textual")}}))
        """,
        tmp_path,
    )
    assert result["codes"] == [0, 0, 0]
    assert [f["name"] for f in result["listing"]] == ["X"]
    assert result["loaded"] == []
    assert db_path.exists()


def test_core_is_free_of_storage_and_ui(tmp_path: Path) -> None:
    result = run_fresh(
        """
        names = import_all("greencare.core")
        print(json.dumps({"imported": names,
                          "loaded": loaded("sqlite_utils", "matplotlib", "click", "textual"),
                          "control": loaded("pydantic", "greencare.core.vocab")}))
        """,
        tmp_path,
    )
    assert {"greencare.core.models", "greencare.core.units", "greencare.core.regions"} <= set(
        result["imported"]
    )
    assert result["loaded"] == []
    # the check sees what is imported: models needs pydantic
    assert result["control"] == ["greencare.core.vocab", "pydantic"]
