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
        "GREENCARE_CACHE_DIR": str(tmp_path / "cache"),  # no unit factors remembered yet
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


#: Small commands: listing what is stored must not load the numeric stack or the unit registry.
SMALL_COMMANDS = (
    ["--help"],
    ["facility", "list"],
    ["facility", "list", "--json"],
    ["meter", "list"],
    ["reading", "list"],
    ["factors", "list"],
    ["audit", "list"],
    ["imports", "list"],
    ["target", "list"],
    ["settings", "show"],
    ["waste", "list"],
    ["purchase", "list"],
    ["instrument", "list"],
    ["normalizer", "list", "Small"],
)
NUMERIC = ("pandas", "numpy", "pint", "matplotlib", "textual")


def test_small_commands_load_no_pandas_numpy_or_pint(tmp_path: Path) -> None:
    db_path = tmp_path / "small.db"
    setup = run_fresh(
        f"""
        from greencare import services
        from greencare.services.database import open_db
        db = open_db({str(db_path)!r})
        f = services.add_facility(db, name="Small", country="GB",
                                  floor_area=100000, floor_area_unit="ft2")
        m = services.add_meter(db, facility=f.id, name="Main", commodity="electricity",
                               unit="kWh")
        services.add_reading(db, meter=m.id, start="2025-01-01", end="2025-02-01",
                             quantity=1000, unit="kWh")
        print(json.dumps({{"loaded": loaded("pint")}}))
        """,
        tmp_path,
    )
    assert setup["loaded"] == ["pint"]  # control: writing a reading converts with pint
    for args in SMALL_COMMANDS:
        result = run_fresh(
            f"""
            import contextlib, io
            from greencare.cli import main
            out = io.StringIO()
            code = None
            with contextlib.redirect_stdout(out):
                try:
                    main(["--db", {str(db_path)!r}, *{args!r}])
                except SystemExit as exc:
                    code = exc.code
            print(json.dumps({{"code": code, "out": out.getvalue(),
                              "loaded": loaded(*{NUMERIC!r})}}))
            """,
            tmp_path,
        )
        assert result["code"] in (0, None), (args, result)
        assert result["loaded"] == [], (args, result["loaded"])
        if args[:2] == ["facility", "list"]:
            assert "Small" in result["out"]
        if args[:2] == ["meter", "list"]:
            assert "Main" in result["out"] and "kWh" in result["out"]


def test_sqlite_utils_column_types_with_pandas_loaded_later(tmp_path: Path) -> None:
    """greencare hides pandas and numpy while sqlite_utils.db is imported; a table created
    afterwards from numpy and pandas values gets the column types sqlite-utils' own import
    gives them (the same code run with pandas imported first, greencare never)."""
    code = """
        import numpy as np, pandas as pd
        from sqlite_utils import Database
        db = Database(memory=True)
        db["t"].insert({"i": np.int64(3), "u": np.uint8(1), "f": np.float32(1.5),
                        "ts": pd.Timestamp("2025-01-01"), "s": "x"})
        types = {c.name: c.type for c in db["t"].columns}
        print(json.dumps({"hidden": hidden, "types": types}))
        """
    code = textwrap.dedent(code)
    ours = run_fresh(
        'import greencare.storage.db\nhidden = loaded("pandas", "numpy")\n' + code, tmp_path
    )
    theirs = run_fresh('hidden = loaded("greencare")\n' + code, tmp_path)
    assert ours["hidden"] == [] and theirs["hidden"] == []
    assert ours["types"] == theirs["types"]
    assert ours["types"]["i"] == "INTEGER" and ours["types"]["ts"] == "TEXT"


def test_an_import_in_units_seen_before_loads_no_pint(tmp_path: Path) -> None:
    """pint computes each unit's factor once; later runs use the remembered factor."""
    csv_path = tmp_path / "bills.csv"
    csv_path.write_text("meter,start,end,quantity,unit\nMain,2025-01-01,2025-01-31,1.5,MWh\n")

    def run(name: str) -> Any:
        return run_fresh(
            f"""
            from greencare import services
            from greencare.services.database import open_db
            db = open_db({str(tmp_path / name)!r})
            f = services.add_facility(db, name="Small", country="US", grid_region="RFCE")
            services.add_meter(db, facility=f.id, name="Main", commodity="electricity",
                               unit="kWh")
            result = services.import_readings(db, {str(csv_path)!r})
            stored = db.execute("SELECT quantity_canonical FROM readings").fetchall()
            print(json.dumps({{"status": result.status, "stored": stored,
                              "loaded": loaded("pint")}}))
            """,
            tmp_path,
        )

    first, second = run("first.db"), run("second.db")
    assert first["loaded"] == ["pint"] and first["stored"] == [[1500.0]]
    assert second["loaded"] == [] and second["stored"] == [[1500.0]]
    assert first["status"] == second["status"] == "imported"
