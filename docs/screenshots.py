"""Capture the app's screens as SVG for the README (run by hand: python docs/screenshots.py).

Builds the demo database in a temporary folder, drives the app with Textual's Pilot and saves
what a person would see at 100x30.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from greencare.demo import build_demo
from greencare.tui.app import GreencareApp

OUT = Path(__file__).resolve().parent


async def capture() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "demo.db"
        build_demo(db_path)
        app = GreencareApp(db_path=db_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.save_screenshot("tui-main.svg", path=str(OUT))
            await pilot.press("a")
            await pilot.pause()
            await pilot.press(*"2026-01-24")
            await pilot.press("tab")
            await pilot.press(*"2026-01-20")
            await pilot.press("tab")
            await pilot.press(*"12x")
            await pilot.pause()
            app.save_screenshot("tui-add-reading.svg", path=str(OUT))


if __name__ == "__main__":
    asyncio.run(capture())
