"""Helpers for the terminal-app tests: a small deterministic database, counting, waiting."""

from __future__ import annotations

from greencare import services


def build_small(db) -> None:
    """One hospital, three meters and two years of bills, a little waste and purchases."""
    f = services.add_facility(
        db, name="St Example", country="US", grid_region="CAMX",
        floor_area="350000 ft**2", staffed_beds=250,
    )  # fmt: skip
    services.add_meter(db, facility=f.id, name="Electric", commodity="electricity", unit="kWh")
    services.add_meter(db, facility=f.id, name="Gas", commodity="natural_gas", unit="therm")
    services.add_meter(db, facility=f.id, name="Water", commodity="water", unit="kgal")
    for year in (2024, 2025):
        for month in range(1, 13):
            last = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            start, end = f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last[month - 1]}"
            bump = 1.0 + 0.02 * (year - 2024)
            services.add_reading(
                db,
                meter="Electric",
                start=start,
                end=end,
                quantity=round(900_000 * bump + 10_000 * month),
                cost=99_000,
            )
            services.add_reading(
                db,
                meter="Gas",
                start=start,
                end=end,
                quantity=round(30_000 * bump - 1_000 * month),
                cost=24_000,
            )
            services.add_reading(db, meter="Water", start=start, end=end, quantity=400 + month)
            services.add_waste(
                db,
                facility=f.id,
                stream="regulated_medical_waste",
                route="autoclave_landfill",
                start_date=start,
                end_date=end,
                quantity=4000 + 10 * month,
                unit="lb",
            )
            services.add_waste(
                db,
                facility=f.id,
                stream="solid_waste",
                route="landfill",
                start_date=start,
                end_date=end,
                quantity=30000,
                unit="lb",
            )
            services.set_normalizer(
                db, facility=f.id, month=f"{year}-{month:02d}", patient_days=6500 + month
            )
    services.add_purchase(
        db,
        facility=f.id,
        date="2025-03-05",
        category="339112",
        spend=12500,
        currency="USD",
        supplier="MedSupply",
    )
    services.add_purchase(
        db,
        facility=f.id,
        date="2025-04-01",
        category="anesthetic_gas",
        item="desflurane",
        quantity=12,
        unit="bottle",
    )
    # Audit times are "now" when written; pin them so screens and snapshots do not change.
    db.execute("UPDATE audit_log SET ts = '2025-12-31T12:00:00.000Z'")
    db.conn.commit()


def count(db, table: str, where: str = "") -> int:
    return db.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0]


def watch_frames(app, screen_type, part: str) -> list[bool]:
    """For each frame handed to the terminal while a ``screen_type`` screen is shown, whether
    ``part`` (a selector) was in it: a part mounted after the first frame reads False first."""
    shown: list[bool] = []
    display = app._display

    def watch(screen, renderable):
        display(screen, renderable)
        if renderable is not None and isinstance(app.screen, screen_type):
            shown.append(bool(app.screen.query(part)))

    app._display = watch
    return shown


async def wait_until(pilot, condition, timeout: float = 20.0) -> None:
    """Let workers and messages run until ``condition()`` holds."""
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError("timed out waiting for the app")


async def open_interval(app, pilot, meter: str = "Central plant electric"):
    """From anywhere in the app: Energy, the demo's Riverside meter ``meter``, ``v``."""
    from textual.widgets import DataTable

    from greencare.tui.screens.interval import IntervalScreen

    await pilot.press("e")
    await wait_until(pilot, lambda: bool(getattr(app.screen, "facilities", None)))
    names = [f.name for f in app.screen.facilities]
    for _ in range(names.index("Riverside General Hospital")):
        await pilot.press("down")
    await pilot.pause()
    app.screen.query_one("#meters", DataTable).focus()
    for _ in range([m.name for m in app.screen.meters].index(meter)):
        await pilot.press("down")
    await pilot.pause()
    assert app.screen.meter.name == meter
    assert str(app.screen.query_one("#status").content).endswith("· v charts")
    await pilot.press("v")
    await wait_until(pilot, lambda: getattr(app.screen, "data", None) is not None)
    screen = app.screen
    assert isinstance(screen, IntervalScreen)
    return screen
