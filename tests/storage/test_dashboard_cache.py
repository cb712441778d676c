"""The data version every write transaction bumps, and the dashboard's stored figures
(migration 0014): what makes them stale, and that storing them is not a change of data."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from greencare import paths, services
from greencare.core.factors import library_stamp
from greencare.services import dashboard as use_case
from greencare.storage import dashboard_cache
from greencare.storage.db import data_version, write_transaction


def test_each_write_transaction_bumps_once_and_a_rollback_undoes_it(db) -> None:
    start = data_version(db)
    with write_transaction(db), write_transaction(db):  # a savepoint: the same transaction
        db.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
    assert data_version(db) == start + 1
    with pytest.raises(RuntimeError), write_transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES ('b', '1')")
        raise RuntimeError("undo")
    assert data_version(db) == start + 1
    db["settings"].insert({"key": "c", "value": "1"})  # sqlite-utils' own insert: atomic()
    assert data_version(db) == start + 2


def test_storing_figures_is_not_a_write(db) -> None:
    version = data_version(db)
    assert dashboard_cache.read(db, "k") is None
    assert dashboard_cache.write(db, "k", version, {"month": "2025-01", "trend": [["a", 1.5]]})
    assert data_version(db) == version
    assert dashboard_cache.read(db, "k") == (version, {"month": "2025-01", "trend": [["a", 1.5]]})
    with write_transaction(db):  # never inside someone else's transaction
        assert not dashboard_cache.write(db, "k", version, {})
    assert dashboard_cache.read(db, "k") == (version, {"month": "2025-01", "trend": [["a", 1.5]]})


def test_stored_figures_fresh_until_a_write(db, us_hospital, gas_meter) -> None:
    services.add_reading(db, meter="Gas", start="2025-01-01", end="2025-01-31", quantity=1000)
    today = date(2025, 3, 1)
    assert use_case.stored_dashboard(db, today=today) is None
    figures = use_case.dashboard_and_store(db, today=today)
    fresh = json.loads(json.dumps(use_case.dashboard(db, today=today), sort_keys=True))
    assert figures == fresh and figures["month"] == "2025-01"
    assert use_case.stored_dashboard(db, today=today) == (figures, True)
    services.add_reading(db, meter="Gas", start="2025-02-01", end="2025-02-28", quantity=900)
    assert use_case.stored_dashboard(db, today=today) == (figures, False)
    assert use_case.stored_dashboard(db, today=date(2025, 4, 1)) is None  # another month
    assert use_case.stored_dashboard(db, today=today, gwp="AR4") is None
    assert use_case.stored_dashboard(db, today=today, facility=us_hospital.id) is None


def test_the_factor_library_stamp_follows_its_files(tmp_path: Path) -> None:
    root = tmp_path / "factors"
    shutil.copytree(paths.factors_dir() / "epa-ghg-hub", root / "epa-ghg-hub")
    first = library_stamp(root)
    assert library_stamp(root) == first
    toml = next(root.glob("*/*/dataset.toml"))
    stat = toml.stat()
    os.utime(toml, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    edited = library_stamp(root)
    assert edited != first
    shutil.copytree(toml.parent, root / "epa-ghg-hub" / "2099")  # a new edition
    assert library_stamp(root) not in (first, edited)


def test_the_key_names_the_factor_library(monkeypatch, tmp_path: Path) -> None:
    root = tmp_path / "factors"
    shutil.copytree(paths.factors_dir() / "ipcc-gwp", root / "ipcc-gwp")
    monkeypatch.setattr(paths, "factors_dir", lambda: root)
    before = use_case.figures_key(today=date(2025, 3, 1))
    shutil.copytree(next(root.glob("*/*/")), root / "ipcc-gwp" / "AR9")
    assert use_case.figures_key(today=date(2025, 3, 1)) != before


def test_storing_gives_way_to_a_writer_and_keeps_the_newest(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    db, other = services.open_db(path), services.open_db(path)
    other.conn.execute("BEGIN IMMEDIATE")  # an import holding the write lock
    assert not dashboard_cache.write(db, "k", 0, {"a": 1})  # gave up at once, not after 30 s
    other.conn.execute("ROLLBACK")
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == int(db.timeout * 1000)
    for i in range(dashboard_cache.KEEP + 5):
        assert dashboard_cache.write(db, f"k{i}", 0, {"i": i})
    keys = {r[0] for r in db.execute("SELECT key FROM dashboard_cache")}
    assert len(keys) == dashboard_cache.KEEP and f"k{dashboard_cache.KEEP + 4}" in keys
    assert "k0" not in keys
