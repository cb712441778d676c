"""Opening the database: file permissions, pragmas and migrations.

One SQLite file holds everything. WAL lets the TUI read while a script imports; foreign keys are
on so a reading can never point at a missing meter. A new file is created readable and writable
by its owner only, since it holds a hospital's operating data.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from sqlite_utils import Database

from greencare.storage.schema import migrations

ENV_VAR = "GREENCARE_DB"


def data_dir() -> Path:
    """Where greencare keeps its databases for this user (XDG on Linux)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "greencare"


def default_db_path() -> Path:
    """``$GREENCARE_DB`` if set, else ``greencare.db`` in the user's data directory."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else data_dir() / "greencare.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"


def open_db(path: str | Path | None = None, *, migrate: bool = True) -> Database:
    """Open (creating if needed) a greencare database and bring its schema up to date.

    Args:
        path: a file path, ``":memory:"`` for a throw-away database, or None for the default.
        migrate: apply pending migrations (always wanted, except by tests of migrations).
    """
    if path is None:
        path = default_db_path()
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    else:
        file = Path(path).expanduser()
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(file, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
            os.close(fd)
        conn = sqlite3.connect(str(file), timeout=30.0, check_same_thread=False)
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        migrations.apply(db)
    return db
