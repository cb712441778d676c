"""Opening the database, as the front ends need it: where it lives, whether it can be used,
and a SQLite condition said in one line (the storage layer's own functions, re-exported so
the CLI and the TUI never reach past the use-case layer)."""

from __future__ import annotations

from greencare.storage.db import (
    check_usable,
    data_version,
    database_error,
    default_db_path,
    demo_db_path,
    open_db,
)

__all__ = [
    "check_usable",
    "data_version",
    "database_error",
    "default_db_path",
    "demo_db_path",
    "open_db",
]
