"""Running greencare commands in tests: a fresh database file, the environment kept out of it
(no $GREENCARE_DB, user data under the test's folder), and its rows read back with sqlite3."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from click.testing import CliRunner, Result

from greencare.cli import main


def cli_on(tmp_path: Path, setup: Iterable[list[str]] = (["init"],)) -> Callable[..., Result]:
    """``run(*args, input=None)`` invoking ``greencare --db <tmp>/g.db ARGS``, after running each
    command of ``setup`` (each must succeed); ``run.db`` is the file, ``run.path`` the folder."""
    db = tmp_path / "g.db"
    runner = CliRunner(
        env={"GREENCARE_DB": str(tmp_path / "no.db"), "XDG_DATA_HOME": str(tmp_path)}
    )

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(main, ["--db", str(db), *args], input=input)

    for args in setup:
        done = run(*args)
        assert done.exit_code == 0, done.output
    run.db = db  # type: ignore[attr-defined]
    run.path = tmp_path  # type: ignore[attr-defined]
    return run


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()
