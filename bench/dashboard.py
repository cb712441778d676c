"""Benchmark: how soon the dashboard shows figures, against a minimal Textual app.

Run by hand: ``python bench/dashboard.py [--runs 5]``.

On the demo database (built in a temporary folder), each run is a fresh interpreter (imports
count, as they do for a person starting the app) with compiled modules cached, timed from
interpreter start to:
  * ``minimal``: a bare Textual app with one Static, mounted (``App.run_test``, headless);
  * ``warm``: ``GreencareApp`` until the emissions card shows figures, with the figures stored
    and fresh (the usual start: nothing written since the app last computed them);
  * ``stale``: the same after a write (the data version bumped first): the stored figures are
    shown at once, marked "updating…", while the worker computes the new ones;
  * ``cold``: the same with no figures stored (``dashboard_cache`` emptied first), so the
    inventory is computed before anything is shown (a new database, or a new GWP set or
    pinned edition).
Runs alternate, so all three see the same machine load; medians and the ratios warm / minimal
and cold / minimal are printed, with the heavy packages the warm start had loaded when the
figures appeared. The issue's target: warm within 1.5x the minimal app.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_MINIMAL = """
import time, asyncio
t0 = time.perf_counter()
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("ready", id="s")
async def main():
    app = Minimal()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
asyncio.run(main())
print(time.perf_counter() - t0 + START, "-")
"""

_DASHBOARD = """
import time, asyncio, sys
t0 = time.perf_counter()
from greencare.tui.app import GreencareApp
shown = []
async def main():
    app = GreencareApp(db_path=DB)
    async with app.run_test(size=(100, 30)) as pilot:
        while "S1 " not in str(app.screen.query_one("#card-emissions").content):
            await pilot.pause(0.005)
        shown.append(time.perf_counter() - t0)
        shown.append(",".join(m for m in ("pandas", "numpy", "pint", "matplotlib", "pydantic")
                              if m in sys.modules) or "-")
asyncio.run(main())
print(shown[0] + START, shown[1])
"""


def _env(folder: str) -> dict[str, str]:
    env = {**os.environ, "XDG_DATA_HOME": folder}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled modules cached, as when installed
    env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
    return env


def _start_cost(env: dict[str, str]) -> float:
    """The interpreter's own start (python -c pass), added to every in-process timing."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
    return time.perf_counter() - t0


def _run(code: str, db: Path, start: float, env: dict[str, str]) -> tuple[float, str]:
    script = f"START = {start!r}\nDB = {str(db)!r}\n" + code
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env=env)  # fmt: skip
    seconds, loaded = out.stdout.strip().splitlines()[-1].split(" ", 1)
    return float(seconds), loaded


def _bump(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE data_version SET version = version + 1")
    conn.close()


def _forget(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM dashboard_cache")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = _env(folder)
        db = Path(folder) / "demo.db"
        subprocess.run([sys.executable, "-m", "greencare", "--db", str(db), "demo", "--no-tui"],
                       env=env, check=True, capture_output=True)  # fmt: skip
        _run(_DASHBOARD, db, 0.0, env)  # stores the figures, writes compiled modules
        _run(_MINIMAL, db, 0.0, env)
        start = statistics.median(_start_cost(env) for _ in range(3))
        times: dict[str, list[float]] = {"minimal": [], "warm": [], "stale": [], "cold": []}
        loaded = ""
        for _ in range(opts.runs):
            times["minimal"].append(_run(_MINIMAL, db, start, env)[0])
            seconds, loaded = _run(_DASHBOARD, db, start, env)
            times["warm"].append(seconds)
            _bump(db)
            times["stale"].append(_run(_DASHBOARD, db, start, env)[0])
            _forget(db)
            times["cold"].append(_run(_DASHBOARD, db, start, env)[0])  # stores them again
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"dashboard figures on the demo ({opts.runs} alternating runs, fresh interpreters)")
        for name, value in med.items():
            runs = ", ".join(f"{t:.2f}" for t in times[name])
            print(f"  {name:<8} {value:6.2f} s  (runs: {runs})")
        print(f"  ratio warm / minimal Textual app: {med['warm'] / med['minimal']:.2f}x "
              "(target <= 1.5x)")  # fmt: skip
        print(f"  ratio stale / minimal Textual app: {med['stale'] / med['minimal']:.2f}x")
        print(f"  ratio cold / minimal Textual app: {med['cold'] / med['minimal']:.2f}x")
        print(f"  loaded when the warm figures appeared: {loaded}")


if __name__ == "__main__":
    main()
