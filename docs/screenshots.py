"""Capture the app's screens as SVG for the README (run by hand: python docs/screenshots.py).

Builds the demo database in a temporary folder, drives the app with Textual's Pilot and saves
what a person would see at 100x30: ``docs/tui-*.svg`` (the README's first two) and one capture
per section in ``docs/screens/``, and the interval charts of the demo's 15-minute meter
(``docs/screens/interval-*.svg``; ``python docs/screenshots.py interval`` captures only those).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from greencare.services.demo import build_demo
from greencare.tui.app import SECTIONS, GreencareApp

OUT = Path(__file__).resolve().parent
SCREENS = OUT / "screens"
SIZE = (100, 30)


async def _wait(pilot, condition, timeout: float = 30.0) -> None:
    waited = 0.0
    while not condition() and waited < timeout:
        await pilot.pause(0.1)
        waited += 0.1


async def capture() -> None:
    SCREENS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "demo.db"
        build_demo(db_path)
        samples = Path(tmp) / "meter-files"
        samples.mkdir()
        (samples / "gas-2026.csv").write_text(
            "meter,start,end,quantity,unit\n"
            + "".join(
                f"Gas,2026-{m:02d}-01,2026-{m:02d}-28,{9000 + m},therm\n" for m in range(1, 4)
            )
        )
        app = GreencareApp(db_path=db_path)
        app.import_root = samples
        app.report_dir = Path("reports")
        async with app.run_test(size=SIZE) as pilot:
            await _wait(
                pilot, lambda: "S1 " in str(app.screen.query_one("#card-emissions").content)
            )
            app.save_screenshot("tui-main.svg", path=str(OUT))
            for mode, key, _ in SECTIONS:
                await pilot.press("escape", key)
                await pilot.pause(0.5)
                if mode == "dashboard":
                    await _wait(
                        pilot,
                        lambda: "S1 " in str(app.screen.query_one("#card-emissions").content),
                    )
                if mode == "import":
                    app.screen.query_one("#imp-path").value = str(samples / "gas-2026.csv")
                    await pilot.pause(0.5)
                app.save_screenshot(f"{mode}.svg", path=str(SCREENS))
            for mode, key, name in (("waste", "m", "waste-manifest"),
                                    ("facilities", "a", "facility-form"),
                                    ("purchases", "a", "purchase-form")):  # fmt: skip
                await pilot.press(mode[0] if mode != "purchases" else "p")
                await pilot.pause(0.3)
                await pilot.press(key)
                await pilot.pause(0.3)
                app.save_screenshot(f"{name}.svg", path=str(SCREENS))
                await pilot.press("escape")
                await pilot.pause(0.2)
            await pilot.press("e")
            await pilot.pause(0.3)
            await pilot.press("a")
            await pilot.pause()
            await pilot.press(*"2026-01-24")
            await pilot.press("tab")
            await pilot.press(*"2026-01-20")
            await pilot.press("tab")
            await pilot.press(*"12x")
            await pilot.pause()
            app.save_screenshot("tui-add-reading.svg", path=str(OUT))


#: The interval view's tabs (key, file name) as the README shows them.
INTERVAL_TABS = [("1", "profile"), ("2", "heatmap"), ("3", "load-duration"),
                 ("4", "year-on-year"), ("5", "metrics")]  # fmt: skip


async def capture_interval() -> None:
    """Energy -> Riverside General Hospital -> Central plant electric -> v, each chart."""
    SCREENS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "demo.db"
        build_demo(db_path)
        app = GreencareApp(db_path=db_path, mode="energy")
        async with app.run_test(size=SIZE) as pilot:
            await _wait(pilot, lambda: bool(getattr(app.screen, "facilities", None)))
            names = [f.name for f in app.screen.facilities]
            for _ in range(names.index("Riverside General Hospital")):
                await pilot.press("down")
            await pilot.pause(0.3)
            app.screen.query_one("#meters").focus()
            for _ in range([m.name for m in app.screen.meters].index("Central plant electric")):
                await pilot.press("down")
            await pilot.press("v")
            await _wait(pilot, lambda: getattr(app.screen, "data", None) is not None)
            for _ in range(5):  # July: the summer peak
                await pilot.press("left_square_bracket")
            for key, name in INTERVAL_TABS:
                await pilot.press(key)
                await pilot.pause(0.5)
                app.save_screenshot(f"interval-{name}.svg", path=str(SCREENS))


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["interval"]:
        asyncio.run(capture())
    asyncio.run(capture_interval())
