"""Targets and settings through the services layer: validation, audit, progress, fiscal years."""

from __future__ import annotations

import calendar
import json

import pytest

from greencare import services
from greencare.core.errors import ConflictError, InputError, NotFoundError


def _monthly(db, meter: str, months: list[str], quantity: float) -> None:
    for month in months:
        last = calendar.monthrange(int(month[:4]), int(month[5:]))[1]
        services.add_reading(db, meter=meter, start=f"{month}-01", end=f"{month}-{last:02d}",
                             quantity=quantity)  # fmt: skip


def _year(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def _audit(db, table: str) -> list[tuple]:
    return [
        (r["action"], r["row_id"], json.loads(r["after"]) if r["after"] else None, r["source"])
        for r in db.query("SELECT * FROM audit_log WHERE table_name = ? ORDER BY id", [table])
    ]


def test_add_list_edit_delete_are_validated_and_audited(db) -> None:
    added = services.add_target(db, scope="scope12", reduction="-50%", baseline_year=2019,
                                target_year=2030, note="HHS pledge", source="test")  # fmt: skip
    assert (added["scope"], added["basis"], added["reduction"]) == ("scope12", "location", 0.5)
    assert added["label"] == "Scope 1+2 (location) -50% by 2030 vs 2019"
    zero = services.add_target(db, scope="scope12", reduction="net zero", baseline_year=2019,
                               target_year=2050)  # fmt: skip
    water = services.add_target(db, scope="water", reduction=0.2, baseline_year=2022,
                                target_year=2030)  # fmt: skip
    assert water["basis"] is None
    assert [t["id"] for t in services.list_targets(db)] == [added["id"], zero["id"], water["id"]]

    with pytest.raises(ConflictError, match="already exists"):
        services.add_target(db, scope="scope12", reduction="40%", baseline_year=2019,
                            target_year=2030)  # fmt: skip
    # the same years on the market basis are a different target
    services.add_target(db, scope="scope12", basis="market", reduction="40%",
                        baseline_year=2019, target_year=2030)  # fmt: skip
    with pytest.raises(InputError) as refused:
        services.add_target(db, scope="energy", basis="market", reduction="50",
                            baseline_year=2030, target_year=2020)  # fmt: skip
    assert set(refused.value.fields) == {"basis", "reduction", "target_year"}
    count = db.execute("SELECT count(*) FROM targets").fetchone()[0]
    assert count == 4

    edited = services.update_target(db, water["id"], reduction="25%", source="test")
    assert (edited["reduction"], edited["baseline_year"], edited["note"]) == (0.25, 2022, None)
    with pytest.raises(ConflictError):
        services.update_target(db, zero["id"], target_year=2030)
    with pytest.raises(InputError, match="after the baseline year"):
        services.update_target(db, zero["id"], target_year=2010)
    assert services.get_target(db, zero["id"])["target_year"] == 2050

    gone = services.delete_target(db, water["id"], source="test")
    assert gone["scope"] == "water"
    with pytest.raises(NotFoundError, match="no target with id"):
        services.get_target(db, water["id"])
    actions = [(a, row) for a, row, _, _ in _audit(db, "targets")]
    assert actions == [("insert", added["id"]), ("insert", zero["id"]), ("insert", water["id"]),
                       ("insert", 4), ("update", water["id"]), ("delete", water["id"])]  # fmt: skip
    assert _audit(db, "targets")[0][2]["note"] == "HHS pledge"


def test_settings_default_set_and_audited(db) -> None:
    assert services.get_settings(db) == {
        "fiscal_year_start_month": 1, "default_baseline_year": None
    }  # fmt: skip
    assert services.fiscal_year_of(db, "2024-08") == 2024
    services.set_setting(db, "fiscal-year-start", "Jul", source="test")
    services.set_setting(db, "baseline-year", "2019", source="test")
    assert services.get_settings(db) == {
        "fiscal_year_start_month": 7, "default_baseline_year": 2019
    }  # fmt: skip
    assert services.fiscal_year_of(db, "2024-08") == 2025
    # the default baseline year fills a target that gives none
    target = services.add_target(db, scope="energy", reduction="30%", target_year=2030)
    assert target["baseline_year"] == 2019
    services.set_setting(db, "baseline-year", "none", source="test")
    assert services.default_baseline_year(db) is None
    with pytest.raises(InputError, match="give the baseline year"):
        services.add_target(db, scope="waste", reduction="30%", target_year=2030)
    with pytest.raises(InputError, match="1-12 or a month name"):
        services.set_fiscal_year_start(db, 13)
    with pytest.raises(InputError, match="no setting"):
        services.set_setting(db, "colour", "green")
    assert [(a, after) for a, _, after, _ in _audit(db, "settings")] == [
        ("insert", {"key": "fiscal_year_start_month", "value": "7"}),
        ("insert", {"key": "default_baseline_year", "value": "2019"}),
        ("delete", None),
    ]


def test_progress_against_a_baseline_year(db, us_hospital, gas_meter) -> None:
    _monthly(db, "Gas", _year(2019), 1000)
    _monthly(db, "Gas", _year(2024), 700)
    services.add_target(db, scope="scope1", reduction="-50%", baseline_year=2019,
                        target_year=2030)  # fmt: skip
    services.add_target(db, scope="energy", reduction="net zero", baseline_year=2019,
                        target_year=2025)  # fmt: skip
    services.add_target(db, scope="water", reduction="10%", baseline_year=2019, target_year=2030)
    rows = {r["scope"]: r for r in services.target_progress(db)}
    s1 = rows["scope1"]
    assert s1["year"] == 2024 and s1["year_label"] == "2024"
    # (the 2019 and 2024 factor editions differ in the last digits)
    assert s1["current_value"] == pytest.approx(0.7 * s1["baseline_value"], rel=1e-4)
    assert s1["reduction_so_far"] == pytest.approx(0.3, rel=1e-3)
    assert s1["reduction_required_now"] == pytest.approx(0.5 * 5 / 11)
    assert s1["trajectory_value"] == pytest.approx(s1["baseline_value"] * (1 - 0.5 * 5 / 11))
    assert (s1["on_track"], s1["status"], s1["unit"]) == (True, "on track", "t CO2e")
    energy = rows["energy"]
    # 12,000 therm = 1,200 MMBtu in 2019; net zero by 2025 asks for 5/6 of it gone in 2024
    assert energy["baseline_value"] == pytest.approx(1200.0)
    assert energy["current_value"] == pytest.approx(840.0)
    assert (energy["on_track"], energy["status"]) == (False, "behind")
    assert energy["gap"] == pytest.approx(840.0 - 1200.0 / 6)
    assert rows["water"]["status"] == "no data for the baseline year"
    assert rows["water"]["on_track"] is None


def test_progress_by_fiscal_year(db, us_hospital, gas_meter) -> None:
    _monthly(db, "Gas", [f"2018-{m:02d}" for m in range(7, 13)] + _year(2019)[:6], 1000)
    _monthly(db, "Gas", [f"2023-{m:02d}" for m in range(7, 13)] + _year(2024)[:6], 500)
    _monthly(db, "Gas", ["2024-07"], 500)  # FY2025 has only begun: not the year shown
    services.set_fiscal_year_start(db, 7)
    services.add_target(db, scope="energy", reduction="-50%", baseline_year=2019,
                        target_year=2024)  # fmt: skip
    [row] = services.target_progress(db)
    assert row["year"] == 2024
    assert row["year_label"] == "FY2024 (Jul 2023–Jun 2024)"
    assert row["baseline_value"] == pytest.approx(1200.0)
    assert row["current_value"] == pytest.approx(600.0)
    assert row["on_track"] is True
    # asked for explicitly, the year just begun counts only its month so far
    [early] = services.target_progress(db, year=2025)
    assert early["current_value"] == pytest.approx(50.0)


def test_a_database_from_before_migration_0012_gains_the_tables(tmp_db_path) -> None:
    from greencare.storage.db import open_db
    from greencare.storage.schema import migrations

    db = open_db(tmp_db_path, migrate=False)
    migrations.apply(db, stop_before="0012_targets_and_settings")
    assert "targets" not in db.table_names()
    # read before the upgrade (a read-only older file): no targets, the default settings
    assert services.list_targets(db) == []
    assert services.fiscal_year_start(db) == 1
    db.close()
    db = open_db(tmp_db_path)
    assert {"targets", "settings"} <= set(db.table_names())
    services.add_target(db, scope="total", basis="market", reduction="net zero",
                        baseline_year=2019, target_year=2050)  # fmt: skip
    assert [t["label"] for t in services.list_targets(db)] == [
        "Scopes 1-3 (market) net zero by 2050 vs 2019"
    ]
