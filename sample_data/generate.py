"""Generate the greencare demo data set (two fictional hospitals, calendar years 2024-2025).

What it models
--------------
* Riverside General Hospital: a fictional 300-bed US acute-care hospital near Philadelphia
  (eGRID subregion RFCE), 600,000 ft2, with grid electricity on two meters, natural-gas boilers,
  district steam, diesel emergency generators, a rooftop solar array and domestic water.
* Northgate Community Hospital: a fictional 400-bed NHS-style acute hospital in England,
  60,000 m2, with grid electricity, gas (billed in kWh), gas-oil standby generators and water.

Quantities come from simple physical stories rather than from real bills:

* daily weather drives heating (degree days below 65 F / 15.5 C) and cooling (degree days
  above 65 F / 15.5 C) loads:
  - Riverside: the REAL Pennsylvania statewide monthly HDD and CDD (base 65 F) of NOAA NCEI
    nClimDiv v1.0.0-20250905, read from the repository's factors/noaa-nclimdiv/2025/ (the
    series greencare uses for a PA facility). Each month's degree days are spread over its days
    with a deterministic pattern (a smooth curve through the monthly mean temperatures plus a
    small AR(1) anomaly; each day's HDD/CDD the expected degree days around its mean) and
    scaled so every month's totals equal NOAA's exactly. Normal-weather stand-in, NOAA data
    ends 2025-08: from 2025-09 (and for the January-February 2026 days of the last bills) each
    month takes Pennsylvania's 1991-2020 mean for that calendar month, from the same file;
  - Northgate: a SYNTHETIC temperature (seasonal sinusoid plus an AR(1) anomaly), because
    greencare ships no open UK degree-day or temperature series; it is no real year's weather;
* each utility meter has a daily model (base load + weather terms), scaled so its 2024 total
  hits an annual target chosen to put both hospitals at a site EUI of roughly 200-300
  kBtu/ft2 (Portfolio Manager DataTrends median hospital, as quoted in the project's domain
  notes: about 234 kBtu/ft2);
* utility bills are read on a monthly cycle day that drifts (+-2 days, never on a weekend), so
  bill periods do not line up with calendar months; about 4% of bills are estimated reads
  that the next actual read trues up;
* the central-plant electric meter is billed monthly in 2024 and replaced by a 15-minute
  interval meter for 2025 (base load, daytime/weekday bump, chiller load above 60 F from the
  day's mean temperature plus a diurnal swing, scaled to its 2024 target), stepped in UTC and
  written in local time with UTC offsets, so the DST days have 92 and 100 readings;
* waste is generated in proportion to patient days at ~25 lb (11.3 kg) per staffed bed per
  day, split into streams with regulated medical waste ~10% and recycling ~15-25%;
* purchases combine spend by NAICS-2017 code with quantity-based anaesthetic gases, inhalers,
  refrigerant top-ups and fleet fuel; the US hospital phases desflurane out during 2025.

All randomness comes from random.Random instances seeded with fixed strings, the only input
file is the fixed NOAA edition above, and only the standard library is used, so
`python sample_data/generate.py` is byte-for-byte reproducible (zoneinfo needs the system
time-zone database; on Windows, `pip install tzdata`).
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

SEED = "greencare-sample-v1"
OUT = Path(__file__).resolve().parent
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2025, 12, 31)
MONTHS = [(y, m) for y in (2024, 2025) for m in range(1, 13)]
QUARTERLY = (3, 6, 9, 12)
DAY = timedelta(days=1)


def rng_for(name: str) -> random.Random:
    """One independent, reproducible random stream per topic (str seeds hash with SHA-512)."""
    return random.Random(f"{SEED}/{name}")


def days(first: date, last: date) -> Iterator[date]:
    """Every date from first to last inclusive."""
    d = first
    while d <= last:
        yield d
        d += DAY


def month_end(y: int, m: int) -> date:
    return (date(y + m // 12, m % 12 + 1, 1)) - DAY


def write_csv(name: str, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {name}: {len(rows)} rows")


# --------------------------------------------------------------------------- facilities


@dataclass(frozen=True)
class Facility:
    name: str
    country: str
    region: str
    postcode: str
    grid_region: str
    timezone: str
    floor_area: int
    floor_area_unit: str
    staffed_beds: int
    currency: str
    occupancy: float  # mean bed occupancy
    adjusted_factor: float  # adjusted patient days / inpatient days
    ftes_per_bed: float


US = Facility(
    "Riverside General Hospital", "US", "PA", "19403", "RFCE", "America/New_York",
    600_000, "ft**2", 300, "USD", 0.82, 1.85, 6.0,
)  # fmt: skip
UK = Facility(
    "Northgate Community Hospital", "GB", "England", "NG12 4QX", "GB", "Europe/London",
    60_000, "m**2", 400, "GBP", 0.86, 1.70, 6.3,
)  # fmt: skip
FACILITIES = [US, UK]


# --------------------------------------------------------------------------- weather

# NOAA nClimDiv statewide monthly degree days shipped in factors/ (a fixed edition, so the
# output does not change when a newer edition is added beside it).
NOAA_FILE = OUT.parent / "factors" / "noaa-nclimdiv" / "2025" / "state_degree_days.csv"
NOAA_STATE = US.region  # Pennsylvania: the facility's state, as greencare looks it up
NOAA_BASE_F = 65.0
NORMAL_YEARS = (1991, 2020)  # NOAA's current climate-normals period
WEATHER_FIRST, WEATHER_LAST = date(2023, 11, 1), date(2026, 2, 28)


class MonthDD(NamedTuple):
    hdd: float
    cdd: float
    source: str  # "NOAA" or "normal"


def month_starts(first: date, last: date) -> list[date]:
    out, d = [], date(first.year, first.month, 1)
    while d <= last:
        out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def state_degree_days(path: Path, state: str) -> dict[tuple[int, int], MonthDD]:
    """Every month the generator needs: NOAA's own values where the file has them, else the
    state's 1991-2020 mean for the calendar month (the file ends 2025-08)."""
    recorded: dict[tuple[int, int], tuple[float, float]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["state"] == state:
                y, m = (int(p) for p in row["month"].split("-"))
                recorded[(y, m)] = (float(row["hdd_65f"]), float(row["cdd_65f"]))
    normal_years = range(NORMAL_YEARS[0], NORMAL_YEARS[1] + 1)
    gaps = [f"{y}-{m:02d}" for y in normal_years for m in range(1, 13) if (y, m) not in recorded]
    if gaps:
        raise SystemExit(f"{path}: no {state} degree days for {', '.join(gaps[:3])}")
    normals = {}
    for m in range(1, 13):
        years = [recorded[(y, m)] for y in normal_years]
        normals[m] = (
            sum(h for h, _ in years) / len(years), sum(c for _, c in years) / len(years)
        )  # fmt: skip
    out = {}
    for first in month_starts(WEATHER_FIRST, WEATHER_LAST):
        key = (first.year, first.month)
        if key in recorded:
            out[key] = MonthDD(*recorded[key], "NOAA")
        else:
            out[key] = MonthDD(*normals[first.month], "normal")
    return out


def noise(name: str, sd: float) -> dict[date, float]:
    """A small AR(1) day-to-day weather anomaly (the within-month pattern)."""
    rng = rng_for(f"weather/{name}")
    out: dict[date, float] = {}
    anomaly = 0.0
    for d in days(WEATHER_FIRST, WEATHER_LAST):
        anomaly = 0.7 * anomaly + rng.gauss(0.0, sd)
        out[d] = anomaly
    return out


def expected_degree_days(t: float, base: float, sd: float) -> tuple[float, float]:
    """(HDD, CDD) of a day whose mean is t when temperatures across the state and the day
    scatter normally with ``sd`` around it: E[max(0, base - T)] and E[max(0, T - base)].

    A statewide figure is an area average, so a warm July month still has a few heating
    degree days (the mountains); a single temperature would give none. HDD - CDD = base - t
    exactly, so the day's degree days stay consistent with its mean temperature.
    """
    z = (base - t) / sd
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1.0 + math.erf(z / math.sqrt(2)))
    heating = sd * pdf + (base - t) * cdf
    return heating, heating - (base - t)


def scaled(values: list[float], total: float) -> list[float]:
    """``values`` scaled to sum to ``total`` (spread evenly if they are all 0)."""
    raw = sum(values)
    if raw <= 0.0:
        return [total / len(values)] * len(values)
    return [v * total / raw for v in values]


class DailyWeather(NamedTuple):
    temp: dict[date, float]  # daily mean temperature
    hdd: dict[date, float]  # heating degree days at the facility's base
    cdd: dict[date, float]  # cooling degree days


def pennsylvania_weather() -> DailyWeather:
    """Riverside's daily weather (deg F, base 65 F) from real Pennsylvania degree days.

    The within-month pattern is a smooth seasonal curve through the months' mean
    temperatures (65 + (CDD - HDD) / days, interpolated between mid-months) plus a small
    AR(1) anomaly, shifted so each month's mean is NOAA's; each day's HDD and CDD are the
    expected degree days around that mean (``expected_degree_days``), scaled so that every
    month's HDD and CDD totals equal NOAA's statewide figures exactly (after 2025-08: the
    1991-2020 normals).
    """
    dd = STATE_DD
    firsts = month_starts(WEATHER_FIRST, WEATHER_LAST)
    means = [NOAA_BASE_F + (dd[(f.year, f.month)].cdd - dd[(f.year, f.month)].hdd)
             / month_end(f.year, f.month).day for f in firsts]  # fmt: skip
    mids = [f + timedelta(days=(month_end(f.year, f.month).day - 1) / 2) for f in firsts]
    anomaly = noise("pennsylvania", 2.0)
    temp: dict[date, float] = {}
    hdd: dict[date, float] = {}
    cdd: dict[date, float] = {}
    for i, first in enumerate(firsts):
        month = list(days(first, month_end(first.year, first.month)))
        shape = []
        for d in month:
            j = i if d >= mids[i] else i - 1  # interpolate between the mid-months either side
            j = min(max(j, 0), len(firsts) - 2)
            w = (d - mids[j]).days / (mids[j + 1] - mids[j]).days
            shape.append(means[j] + w * (means[j + 1] - means[j]) + anomaly[d])
        shift = means[i] - sum(shape) / len(shape)
        temps = [t + shift for t in shape]
        expected = [expected_degree_days(t, NOAA_BASE_F, DAY_SPREAD_F) for t in temps]
        totals = dd[(first.year, first.month)]
        heating = scaled([h for h, _ in expected], totals.hdd)
        cooling = scaled([c for _, c in expected], totals.cdd)
        for d, t, h, c in zip(month, temps, heating, cooling, strict=True):
            temp[d], hdd[d], cdd[d] = t, h, c
    return DailyWeather(temp, hdd, cdd)


def synthetic_temperatures(
    name: str, mean: float, amplitude: float, noise_sd: float
) -> dict[date, float]:
    """Daily mean temperature: coldest around 20 January, plus an AR(1) weather anomaly.

    Northgate's only: greencare ships no open UK degree-day or temperature series, so its
    weather is synthetic (a central-England-like seasonal curve), not any real year's.
    """
    rng = rng_for(f"weather/{name}")
    out: dict[date, float] = {}
    anomaly = 0.0
    for d in days(WEATHER_FIRST, WEATHER_LAST):
        doy = d.timetuple().tm_yday
        anomaly = 0.7 * anomaly + rng.gauss(0.0, noise_sd)
        out[d] = mean - amplitude * math.cos(2 * math.pi * (doy - 20) / 365.25) + anomaly
    return out


def synthetic_weather(temps: dict[date, float], base: float) -> DailyWeather:
    """Degree days of each day's mean temperature (one temperature, no spread)."""
    return DailyWeather(
        temps,
        {d: max(0.0, base - t) for d, t in temps.items()},
        {d: max(0.0, t - base) for d, t in temps.items()},
    )


DAY_SPREAD_F = 5.0  # scatter of temperatures across Pennsylvania and the day (deg F)
STATE_DD = state_degree_days(NOAA_FILE, NOAA_STATE)
WEATHER = {
    US.name: pennsylvania_weather(),  # deg F, base 65 F: real PA degree days
    UK.name: synthetic_weather(synthetic_temperatures("england", 11.3, 6.8, 1.5), 15.5),  # deg C
}
TEMP = {name: w.temp for name, w in WEATHER.items()}


def hdd(fac: Facility, d: date) -> float:
    return WEATHER[fac.name].hdd[d]


def cdd(fac: Facility, d: date) -> float:
    return WEATHER[fac.name].cdd[d]


# --------------------------------------------------------------------------- interval meter

NY = ZoneInfo(US.timezone)
STEP = timedelta(minutes=15)


def central_plant_kw(local: datetime, temp_f: float) -> float:
    """Central plant demand (kW): pumps/AHUs base, daytime bump, chillers, heating pumps."""
    hour = local.hour + local.minute / 60
    kw = 380.0
    if 7 <= hour < 19:
        kw += 150.0 if local.weekday() < 5 else 60.0
    hourly_temp = temp_f + 7.0 * math.cos(2 * math.pi * (hour - 15) / 24)
    kw += 18.0 * max(0.0, hourly_temp - 60.0) + 4.0 * max(0.0, 45.0 - hourly_temp)
    return kw


def local_intervals(first: date, last: date, tz: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) of every 15-minute interval of local days first..last, stepped in UTC."""
    t = datetime(first.year, first.month, first.day, tzinfo=tz).astimezone(UTC)
    stop = datetime.combine(last + DAY, datetime.min.time(), tz).astimezone(UTC)
    while t < stop:
        yield t.astimezone(tz), (t + STEP).astimezone(tz)
        t += STEP


CENTRAL_PLANT_2024 = 4_890_000.0  # kWh: the meter's calendar-2024 target, as for the others


def central_plant_daily() -> tuple[dict[date, float], float]:
    """Modelled kWh per local day (used to bill 2024 and as the 2025 interval shape) and the
    scale that makes calendar 2024 sum to its target (applied to the 2025 intervals too)."""
    out: dict[date, float] = {}
    for start, _ in local_intervals(WEATHER_FIRST, WEATHER_LAST, NY):
        d = start.date()
        out[d] = out.get(d, 0.0) + central_plant_kw(start, TEMP[US.name][d]) * 0.25
    scale = CENTRAL_PLANT_2024 / sum(out[d] for d in days(FIRST_DAY, date(2024, 12, 31)))
    return {d: v * scale for d, v in out.items()}, scale


def interval_rows() -> list[list[object]]:
    rng = rng_for("interval")
    rows: list[list[object]] = []
    for start, end in local_intervals(date(2025, 1, 1), date(2025, 12, 31), NY):
        kwh = central_plant_kw(start, TEMP[US.name][start.date()]) * 0.25 * CENTRAL_PLANT_SCALE
        kwh *= 1.0 + rng.gauss(0.0, 0.03)
        rows.append(
            [US.name, "Central plant electric", start.isoformat(), end.isoformat(),
             f"{kwh:.1f}", "kWh"]
        )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- utility meters


@dataclass(frozen=True)
class Meter:
    facility: Facility
    name: str
    commodity: str
    unit: str
    delivery_class: str = "metered"
    daily: Callable[[date], float] | None = None  # relative daily use (any scale)
    annual_2024: float = 0.0  # daily model scaled so calendar 2024 sums to this (0: unscaled)
    trend_2025: float = 1.0  # multiplier on 2025 days (efficiency projects, growth)
    cycle_day: int = 15  # usual meter-read day of the month
    rates: tuple[float, float] = (0.0, 0.0)  # price per unit for bills ending in 2024, 2025
    fixed: float = 0.0  # fixed charge per bill
    summer_premium: float = 0.0  # rate uplift for bills ending June-September
    winter_premium: float = 0.0  # rate uplift for bills ending December-February
    decimals: int = 0
    final_read: date | None = None  # meter exchanged: monthly billing stops on this date


@dataclass(frozen=True)
class DeliveryPlan:
    """Bulk fuel: quarterly top-ups after the monthly generator tests, plus large fills."""

    topup: float  # typical top-up quantity
    large_fills: tuple[tuple[date, float], ...]
    prices: tuple[float, float]  # per unit, 2024 and 2025
    fee: float  # delivery charge


def weekday_bump(d: date, bump: float) -> float:
    return bump if d.weekday() < 5 else 0.0


def solar_shape() -> Callable[[date], float]:
    """Daily PV yield: seasonal sun hours peaking at the June solstice times a cloud factor."""
    rng = rng_for("solar-clouds")
    cloud = {d: rng.uniform(0.35, 1.15) for d in days(WEATHER_FIRST, WEATHER_LAST)}
    sun = {
        d: 4.0 + 1.8 * math.cos(2 * math.pi * (d.timetuple().tm_yday - 172) / 365.25) for d in cloud
    }
    return lambda d: cloud[d] * sun[d]


CENTRAL_PLANT, CENTRAL_PLANT_SCALE = central_plant_daily()

METERS = [
    Meter(
        US, "Main electric", "electricity", "kWh",
        daily=lambda d: 1.0 + 0.018 * cdd(US, d) + weekday_bump(d, 0.04),
        annual_2024=11_600_000, trend_2025=1.01, cycle_day=14,
        rates=(0.118, 0.124), fixed=350.0, summer_premium=0.08,
    ),
    Meter(
        US, "Central plant electric", "electricity", "kWh",
        daily=CENTRAL_PLANT.__getitem__, cycle_day=14,
        rates=(0.118, 0.124), fixed=150.0, summer_premium=0.08, final_read=date(2024, 12, 31),
    ),
    Meter(
        US, "Natural gas", "natural_gas", "therm",
        daily=lambda d: 1.0 + 0.075 * hdd(US, d),
        annual_2024=640_000, trend_2025=0.97, cycle_day=20,
        rates=(0.98, 1.06), fixed=180.0, winter_premium=0.15,
    ),
    Meter(
        US, "District steam", "district_steam", "klb",
        daily=lambda d: 1.0 + 0.09 * hdd(US, d),
        annual_2024=20_000, cycle_day=5,
        rates=(28.5, 30.2), fixed=400.0, winter_premium=0.05, decimals=1,
    ),
    Meter(US, "Emergency generators", "diesel", "US_gallon", "bulk_delivery"),
    Meter(
        US, "Rooftop solar", "onsite_solar", "kWh", "onsite_generation",
        daily=solar_shape(), annual_2024=380_000, cycle_day=28,
    ),
    Meter(
        US, "Domestic water", "water", "kgal",
        daily=lambda d: 1.0 + 0.02 * cdd(US, d),
        annual_2024=29_000, trend_2025=0.98, cycle_day=9,
        rates=(12.10, 12.85), fixed=95.0, decimals=1,
    ),
    Meter(
        UK, "Electricity import", "electricity", "kWh",
        daily=lambda d: 1.0 + 0.004 * hdd(UK, d) + 0.02 * cdd(UK, d) + weekday_bump(d, 0.05),
        annual_2024=12_800_000, trend_2025=0.99, cycle_day=22,
        rates=(0.262, 0.241), fixed=420.0,
    ),
    Meter(
        UK, "Gas", "natural_gas", "kWh",
        daily=lambda d: 1.0 + 0.16 * hdd(UK, d),
        annual_2024=27_500_000, trend_2025=0.98, cycle_day=18,
        rates=(0.061, 0.057), fixed=260.0,
    ),
    Meter(UK, "Gas oil standby", "fuel_oil_2", "litre", "bulk_delivery"),
    Meter(
        UK, "Water", "water", "m**3",
        daily=lambda d: 1.0 + 0.02 * cdd(UK, d),
        annual_2024=118_000, trend_2025=0.99, cycle_day=11,
        rates=(2.42, 2.58), fixed=60.0,
    ),
]  # fmt: skip

DELIVERIES = {
    "Emergency generators": DeliveryPlan(
        650.0, ((date(2024, 10, 8), 3_400.0), (date(2025, 7, 16), 3_900.0)), (4.08, 3.82), 95.0
    ),
    "Gas oil standby": DeliveryPlan(2_400.0, ((date(2025, 3, 12), 10_500.0),), (0.81, 0.78), 65.0),
}


def read_dates(rng: random.Random, meter: Meter) -> list[date]:
    """Monthly read dates from December 2023: cycle day +-2 days, weekends moved to Friday."""
    until = meter.final_read or LAST_DAY
    reads: list[date] = []
    y, m = 2023, 12
    while not reads or reads[-1] < until:
        d = date(y, m, meter.cycle_day) + timedelta(days=round(rng.uniform(-2.49, 2.49)))
        while d.weekday() >= 5:
            d -= DAY
        if meter.final_read and d >= meter.final_read:
            d = meter.final_read  # meter exchanged: last read on this date
        reads.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return reads


def daily_quantities(meter: Meter) -> dict[date, float]:
    """Daily consumption scaled so calendar 2024 sums to the meter's annual target."""
    assert meter.daily is not None
    raw = {d: meter.daily(d) for d in days(WEATHER_FIRST, WEATHER_LAST)}
    scale = 1.0
    if meter.annual_2024:
        scale = meter.annual_2024 / sum(raw[d] for d in days(FIRST_DAY, date(2024, 12, 31)))
    return {d: v * scale * (meter.trend_2025 if d.year >= 2025 else 1.0) for d, v in raw.items()}


def bill_cost(meter: Meter, end: date, quantity: float) -> float:
    rate = meter.rates[end.year - 2024] if end.year <= 2025 else meter.rates[1]
    if end.month in (6, 7, 8, 9):
        rate *= 1 + meter.summer_premium
    if end.month in (12, 1, 2):
        rate *= 1 + meter.winter_premium
    return meter.fixed + quantity * rate  # 0 for the hospital-owned solar array


def bill_row(meter: Meter, start: date, end: date, qty: str, cost: float, est: bool) -> list[str]:
    return [
        meter.facility.name, meter.name, start.isoformat(), end.isoformat(), qty, meter.unit,
        f"{cost:.2f}", meter.facility.currency, "true" if est else "false",
    ]  # fmt: skip


def metered_bills(rng: random.Random) -> list[list[str]]:
    metered = [m for m in METERS if m.delivery_class != "bulk_delivery"]
    schedules = {meter.name: read_dates(rng, meter) for meter in metered}
    # About 4% of all bills are estimated reads (never a meter's last bill, never solar).
    candidates = [
        (meter.name, i)
        for meter in metered
        if meter.commodity != "onsite_solar"
        for i in range(1, len(schedules[meter.name]) - 1)
    ]
    candidates.sort(key=lambda _: rng.random())
    estimated = set(candidates[: round(0.05 * len(candidates))])

    rows = []
    for meter in metered:
        daily = daily_quantities(meter)
        reads = schedules[meter.name]
        carry = 0.0  # what an estimated read got wrong; the next actual read trues it up
        for i in range(1, len(reads)):
            start, end = reads[i - 1] + DAY, reads[i]
            actual = sum(daily[d] for d in days(start, end)) * (1 + rng.gauss(0.0, 0.015))
            is_estimate = (meter.name, i) in estimated
            if is_estimate:
                quantity = float(f"{actual * (1 + rng.gauss(0.0, 0.08)):.3g}")  # round number
                carry += actual - quantity
            else:
                quantity, carry = actual + carry, 0.0
            text = f"{quantity:.{meter.decimals}f}"
            cost = bill_cost(meter, end, quantity)
            rows.append(bill_row(meter, start, end, text, cost, is_estimate))
    return rows


def delivery_bills(rng: random.Random) -> list[list[str]]:
    """Bulk fuel: each delivery is a one-day 'bill' (start = end = delivery date)."""
    rows = []
    for meter in METERS:
        if meter.delivery_class != "bulk_delivery":
            continue
        plan = DELIVERIES[meter.name]
        deliveries = list(plan.large_fills)
        for y in (2024, 2025):
            for month in (2, 5, 8, 11):
                d = date(y, month, 10) + timedelta(days=round(rng.uniform(0, 15)))
                while d.weekday() >= 5:
                    d += DAY
                deliveries.append((d, plan.topup * rng.uniform(0.8, 1.25)))
        for d, q in sorted(deliveries):
            q = round(q, -1 if meter.unit == "litre" else 0)
            cost = plan.fee + q * plan.prices[d.year - 2024] * (1 + rng.gauss(0.0, 0.03))
            rows.append(bill_row(meter, d, d, f"{q:.0f}", cost, False))
    return rows


def bill_rows() -> list[list[str]]:
    rng = rng_for("bills")
    rows = metered_bills(rng) + delivery_bills(rng)
    order = [m.name for m in METERS]
    return sorted(rows, key=lambda r: (order.index(r[1]), r[2]))


# --------------------------------------------------------------------------- normalizers


def occupancy() -> dict[tuple[str, int, int], float]:
    """Monthly bed occupancy: a winter peak plus noise, kept within 0.75-0.90."""
    rng = rng_for("occupancy")
    out = {}
    for fac in FACILITIES:
        for y, m in MONTHS:
            occ = fac.occupancy + 0.03 * math.cos(2 * math.pi * (m - 1) / 12)
            out[(fac.name, y, m)] = min(0.9, max(0.75, occ + rng.gauss(0.0, 0.012)))
    return out


OCCUPANCY = occupancy()


def normalizer_rows() -> list[list[object]]:
    rng = rng_for("normalizers")
    rows: list[list[object]] = []
    for fac in FACILITIES:
        for k, (y, m) in enumerate(MONTHS):
            occ = OCCUPANCY[(fac.name, y, m)]
            patient_days = round(fac.staffed_beds * month_end(y, m).day * occ)
            adjusted = patient_days * (fac.adjusted_factor + rng.gauss(0.0, 0.03))
            ftes = fac.staffed_beds * fac.ftes_per_bed * (1 + 0.0015 * k) + rng.gauss(0.0, 6.0)
            rows.append([fac.name, f"{y}-{m:02d}", patient_days, round(adjusted), f"{ftes:.1f}"])
    return rows


# --------------------------------------------------------------------------- waste


class Stream(NamedTuple):
    stream: str
    route: str
    share: tuple[float, float]  # share of total waste by weight in 2024, 2025
    hauler: str
    price: float  # per lb (US) or kg (UK) in 2024; negative = rebate; +3% in 2025
    quarterly: bool = False  # picked up in March, June, September and December only


# Fictional haulers.
KEYSTONE = "Keystone MedWaste"
DELMONT = "Delmont Environmental"
SCHUYLKILL = "Schuylkill Hauling Co."
PENNINE = "Pennine Clinical Waste Ltd"
TRENTSIDE = "Trentside Waste Services"
MIDSHIRE = "Midshire Fibre Recycling"

US_WASTE = [
    Stream("regulated_medical_waste", "autoclave_landfill", (0.072, 0.064), KEYSTONE, 0.36),
    Stream("regulated_medical_waste", "incineration", (0.008, 0.007), KEYSTONE, 0.48),
    Stream("sharps", "incineration", (0.012, 0.011), KEYSTONE, 0.50),
    Stream("pathological", "incineration", (0.003, 0.003), KEYSTONE, 0.62),
    Stream("trace_chemotherapy", "incineration", (0.004, 0.004), KEYSTONE, 0.70),
    Stream("pharmaceutical_hazardous", "incineration", (0.0015, 0.0015), DELMONT, 2.40),
    Stream("pharmaceutical_non_hazardous", "incineration", (0.0025, 0.0025), DELMONT, 1.10),
    Stream("hazardous_chemical", "incineration", (0.001, 0.001), DELMONT, 1.80, True),
    Stream("universal_waste", "recycling", (0.001, 0.001), DELMONT, 0.90, True),
    Stream("e_waste", "recycling", (0.004, 0.004), "Circuit Reclaim LLC", 0.15, True),
    Stream("solid_waste", "landfill", (0.656, 0.640), SCHUYLKILL, 0.052),
    Stream("cardboard", "recycling", (0.080, 0.085), SCHUYLKILL, -0.010),
    Stream("mixed_recycling", "recycling", (0.070, 0.078), SCHUYLKILL, 0.040),
    Stream("paper", "recycling", (0.030, 0.031), "SecureShred Partners", 0.030),
    Stream("metals", "recycling", (0.005, 0.005), SCHUYLKILL, -0.050, True),
    Stream("food_waste", "composting", (0.050, 0.062), "Green Cycle Organics", 0.045),
    # Avoided waste, tracked but outside the waste total (not counted as recycling either).
    Stream("reusable_sharps_containers", "reuse", (0.006, 0.006), KEYSTONE, 0.0),
    Stream("reprocessed_devices", "reprocessing", (0.0015, 0.002), "ReNu Device Services", 0.0),
]
UK_WASTE = [
    Stream("regulated_medical_waste", "alternative_treatment", (0.060, 0.056), PENNINE, 0.55),
    Stream("regulated_medical_waste", "incineration", (0.020, 0.019), PENNINE, 0.80),
    Stream("sharps", "incineration", (0.012, 0.012), PENNINE, 1.00),
    Stream("pathological", "incineration", (0.003, 0.003), PENNINE, 1.10),
    Stream("trace_chemotherapy", "incineration", (0.004, 0.004), PENNINE, 1.20),
    Stream("pharmaceutical_non_hazardous", "incineration", (0.003, 0.003), PENNINE, 1.10),
    Stream("pharmaceutical_hazardous", "incineration", (0.001, 0.001), PENNINE, 1.90),
    Stream("solid_waste", "waste_to_energy", (0.360, 0.400), TRENTSIDE, 0.14),
    Stream("solid_waste", "landfill", (0.290, 0.240), TRENTSIDE, 0.18),
    Stream("mixed_recycling", "recycling", (0.120, 0.126), TRENTSIDE, 0.10),
    Stream("cardboard", "recycling", (0.050, 0.052), MIDSHIRE, -0.02),
    Stream("paper", "recycling", (0.025, 0.025), MIDSHIRE, 0.04),
    Stream("glass", "recycling", (0.005, 0.005), TRENTSIDE, 0.06),
    Stream("e_waste", "recycling", (0.004, 0.004), TRENTSIDE, 0.12, True),
    Stream("food_waste", "anaerobic_digestion", (0.043, 0.050), TRENTSIDE, 0.10),
]

# Practice Greenhealth average ~25 lb per staffed bed per day; the UK site uses the same in kg.
WASTE_PER_BED_DAY = {US.name: (25.0, "lb"), UK.name: (25.0 * 0.45359237, "kg")}


def waste_rows() -> list[list[object]]:
    rng = rng_for("waste")
    rows: list[list[object]] = []
    for fac, streams in ((US, US_WASTE), (UK, UK_WASTE)):
        per_bed_day, base_unit = WASTE_PER_BED_DAY[fac.name]
        mean_occ = sum(OCCUPANCY[(fac.name, y, m)] for y, m in MONTHS) / len(MONTHS)
        for y, m in MONTHS:
            first, last = date(y, m, 1), month_end(y, m)
            total = fac.staffed_beds * per_bed_day * last.day * OCCUPANCY[(fac.name, y, m)]
            total /= mean_occ  # busier months make more waste
            for s in streams:
                if s.quarterly and m not in QUARTERLY:
                    continue
                qty = total * s.share[y - 2024] * (3 if s.quarterly else 1)
                qty *= 1 + rng.gauss(0.0, 0.05)
                cost = qty * s.price * (1.03 if y == 2025 else 1.0)
                unit, text = base_unit, f"{qty:.0f}"
                if fac is UK and s.stream == "cardboard" and y == 2025:
                    unit, text = "tonne", f"{qty / 1000:.3f}"  # new fibre contract reports tonnes
                rows.append(
                    [fac.name, first.isoformat(), last.isoformat(), s.stream, s.route, text,
                     unit, s.hauler, f"{cost:.2f}", fac.currency]
                )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- purchases

# Spend-based lines: NAICS-2017 code, description, annual spend (local currency), supplier.
US_SPEND = [
    ("325412", "Pharmaceuticals via wholesaler", 30_000_000, "Liberty Drug Distribution"),
    ("339112", "Surgical and medical instruments", 11_500_000, "Meridian Surgical Supply"),
    ("339113", "Gloves, gowns, drapes and dressings", 9_500_000, "Meridian Surgical Supply"),
    ("325413", "In-vitro diagnostic reagents", 4_200_000, "Clearview Diagnostics"),
    ("334510", "Electromedical equipment and service", 5_000_000, "Apex Imaging Systems"),
    ("722310", "Patient and retail food service contract", 4_300_000, "Harvest Table Dining"),
    ("561720", "Environmental services contract", 3_100_000, "BrightPath Facility Services"),
    ("812332", "Linen and laundry service", 1_600_000, "Delaware Valley Linen"),
    ("541512", "IT and EHR systems services", 6_000_000, "Northstar Health IT"),
    ("322291", "Sanitary paper products", 1_200_000, "Meridian Surgical Supply"),
]
UK_SPEND = [
    ("325412", "Medicines (pharmacy purchasing)", 27_000_000, "Albion Pharma Wholesale"),
    ("339112", "Surgical and medical instruments", 9_000_000, "Pennine Healthcare Supplies Ltd"),
    ("339113", "Surgical appliances and supplies", 8_000_000, "Pennine Healthcare Supplies Ltd"),
    ("325413", "Pathology reagents", 3_500_000, "Clearwater Diagnostics UK"),
    ("334510", "Medical equipment maintenance", 4_000_000, "Harbour Medical Engineering"),
    ("722310", "Catering contract", 3_200_000, "Greenfield Catering Ltd"),
    ("561720", "Domestic cleaning contract", 3_600_000, "Northgate Estates Services"),
    ("812332", "Laundry and linen service", 1_300_000, "Midshire Laundry"),
    ("541512", "Digital services and EPR support", 4_500_000, "Kestrel Digital Health"),
    ("322291", "Paper hygiene products", 900_000, "Pennine Healthcare Supplies Ltd"),
]

INHALERS = {  # inhalers dispensed per month at the start of 2024
    US.name: {"pmdi_hfa134a_small": 220, "pmdi_hfa134a_large": 60, "pmdi_hfa227ea": 35, "dpi": 110},
    UK.name: {"pmdi_hfa134a_small": 170, "pmdi_hfa134a_large": 90, "pmdi_hfa227ea": 40, "dpi": 260},
}
REFRIGERANT = {  # leak repairs: service date, refrigerant, kg charged, invoice
    US.name: [
        (date(2024, 5, 21), "R-410A", 11.3, 2_150.0),
        (date(2024, 8, 6), "R-134a", 38.5, 6_900.0),
        (date(2025, 3, 18), "R-404A", 6.8, 1_400.0),
        (date(2025, 7, 29), "R-410A", 14.5, 2_700.0),
    ],
    UK.name: [
        (date(2024, 6, 12), "R-410A", 9.0, 1_250.0),
        (date(2024, 11, 5), "R-404A", 5.5, 820.0),
        (date(2025, 8, 19), "R-410A", 12.0, 1_600.0),
    ],
}
FLEET = {  # item: (monthly quantity, price per unit in 2024, 2025); US gallons / UK litres
    US.name: {"gasoline": (320.0, 3.45, 3.30), "diesel": (140.0, 3.95, 3.75)},
    UK.name: {"gasoline": (420.0, 1.45, 1.38), "diesel": (1_650.0, 1.52, 1.44)},
}
SUPPLIER = {  # role: supplier name
    US.name: {"pharmacy": "Liberty Drug Distribution", "gases": "Tri-State Medical Gases",
              "fuel": "FleetCard Fuel Network", "hvac": "Penn Mechanical Services"},
    UK.name: {"pharmacy": "Albion Pharma Wholesale", "gases": "Medigas Supplies UK",
              "fuel": "Albion Fuel Cards", "hvac": "Northgate Estates Services"},
}  # fmt: skip


def anesthetic_month(fac: Facility, k: int, rng: random.Random) -> dict[str, float]:
    """Bottles of desflurane and sevoflurane and litres of N2O issued in month k (0..23)."""
    if fac is US:
        des = 42.0 if k < 12 else 42.0 * max(0.1, 1 - 0.085 * (k - 11))  # 2025 phase-out
        sevo = 150.0 + 0.8 * (42.0 - des)  # sevoflurane takes over desflurane cases
        n2o = 22_000.0 if k < 18 else 6_000.0  # central N2O manifold retired July 2025
    else:
        des = 3.0 if k < 3 else 0.0  # last few bottles used up early in 2024
        sevo = 185.0
        n2o = 30_000.0 if k < 12 else 19_000.0  # manifold leak fixed at the end of 2024
    return {
        "desflurane": round(des * (1 + rng.gauss(0.0, 0.12))),
        "sevoflurane": round(sevo * (1 + rng.gauss(0.0, 0.07))),
        "nitrous_oxide": round(n2o * (1 + rng.gauss(0.0, 0.15)), -2),
    }


def purchase_rows() -> list[list[object]]:
    rng = rng_for("purchases")
    rows: list[list[object]] = []

    def add(
        fac: Facility, d: date, category: str, item: str, description: str, supplier: str,
        spend: float | None = None, qty: float | None = None, unit: str = "",
    ) -> None:  # fmt: skip
        rows.append(
            [fac.name, d.isoformat(), category, item, description,
             "" if spend is None else f"{spend:.2f}", "" if spend is None else fac.currency,
             "" if qty is None else f"{qty:g}", unit, supplier]
        )  # fmt: skip

    for fac, spend_lines in ((US, US_SPEND), (UK, UK_SPEND)):
        sup = SUPPLIER[fac.name]
        fuel_unit = "US_gallon" if fac is US else "litre"
        for k, (y, m) in enumerate(MONTHS):
            d = month_end(y, m)
            inflation = 1.03 if y == 2025 else 1.0
            for code, desc, annual, supplier in spend_lines:
                spend = annual / 12 * inflation * (1 + rng.gauss(0.0, 0.08))
                add(fac, d, code, "", desc, supplier, spend=spend)
            for item, qty in anesthetic_month(fac, k, rng).items():
                if qty > 0:
                    gas = item == "nitrous_oxide"
                    unit, who = ("litre", sup["gases"]) if gas else ("bottle", sup["pharmacy"])
                    add(fac, d, "anesthetic_gas", item, "pharmacy issues", who, qty=qty, unit=unit)
            if m in QUARTERLY:  # isoflurane is rare: quarterly issues recorded in mL
                low, high = (800, 1_600) if fac is US else (200, 500)
                ml = 50 * round(rng.uniform(low, high) / 50)
                add(fac, d, "anesthetic_gas", "isoflurane", "pharmacy issues", sup["pharmacy"],
                    qty=ml, unit="mL")  # fmt: skip
            for item, count in INHALERS[fac.name].items():
                trend = 1.0 + (0.004 * k if item == "dpi" else -0.004 * k)  # slow shift to DPIs
                n = round(count * trend * (1 + rng.gauss(0.0, 0.08)))
                add(fac, d, "inhaler", item, "inhalers dispensed", sup["pharmacy"],
                    qty=n, unit="inhaler")  # fmt: skip
            for item, (monthly, p2024, p2025) in FLEET[fac.name].items():
                q = round(monthly * (1 + rng.gauss(0.0, 0.1)), 1)
                spend = q * (p2024 if y == 2024 else p2025)
                add(fac, d, "fleet_fuel", item, "fleet fuel cards", sup["fuel"],
                    spend=spend, qty=q, unit=fuel_unit)  # fmt: skip
        for d, refrigerant, kg, invoice in REFRIGERANT[fac.name]:
            add(fac, d, "refrigerant", refrigerant, "top-up after leak repair", sup["hvac"],
                spend=invoice, qty=kg, unit="kg")  # fmt: skip
    return sorted(rows, key=lambda r: (r[0] != US.name, r[1]))  # stable: keeps in-month order


# --------------------------------------------------------------------------- main


def main() -> None:
    write_csv(
        "facilities.csv",
        ["name", "kind", "country", "region", "postcode", "grid_region", "timezone",
         "floor_area", "floor_area_unit", "staffed_beds"],
        [[f.name, "hospital", f.country, f.region, f.postcode, f.grid_region, f.timezone,
          f.floor_area, f.floor_area_unit, f.staffed_beds] for f in FACILITIES],
    )  # fmt: skip
    write_csv(
        "meters.csv",
        ["facility", "name", "commodity", "unit", "delivery_class"],
        [[m.facility.name, m.name, m.commodity, m.unit, m.delivery_class] for m in METERS],
    )
    write_csv(
        "bills.csv",
        ["facility", "meter", "start", "end", "quantity", "unit", "cost", "currency", "estimated"],
        bill_rows(),
    )
    write_csv(
        "interval_electricity.csv",
        ["facility", "meter", "start", "end", "quantity", "unit"],
        interval_rows(),
    )
    write_csv(
        "waste.csv",
        ["facility", "start", "end", "stream", "route", "quantity", "unit", "hauler", "cost",
         "currency"],
        waste_rows(),
    )  # fmt: skip
    write_csv(
        "purchases.csv",
        ["facility", "date", "category", "item", "description", "spend", "currency", "quantity",
         "unit", "supplier"],
        purchase_rows(),
    )  # fmt: skip
    write_csv(
        "normalizers.csv",
        ["facility", "month", "patient_days", "adjusted_patient_days", "ftes"],
        normalizer_rows(),
    )


if __name__ == "__main__":
    main()
