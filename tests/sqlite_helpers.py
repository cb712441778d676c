"""Work a piece of code makes SQLite do, counted in virtual-machine steps: a measure of how a
query grows with the data that does not depend on the machine's speed or load."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def sqlite_steps(db: Any, run: Callable[[], Any], every: int = 100) -> int:
    """How many times ``every`` SQLite VM steps ``run()`` costs on ``db``'s connection."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    db.conn.set_progress_handler(tick, every)
    try:
        run()
    finally:
        db.conn.set_progress_handler(None, every)
    return count[0]
