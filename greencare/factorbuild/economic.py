"""Price index and exchange rates -> factors/economic-indices/<edition>/.

USEEIO's spend factors are per 2022 US dollar. Spend from another year is first expressed in
that year's dollars with the US CPI-U annual average, and spend in another currency is first
converted at that year's mean exchange rate. Both tables are derived here from the published
files so the numbers can be checked:

- ``cpi_u_annual.csv``: BLS CPI-U, U.S. city average, all items, not seasonally adjusted
  (series CUUR0000SA0), period M13 (annual average), 1982-84 = 100. Source file: the annual
  averages extracted from the BLS flat files (``economic-indices/DERIVED_bls_cpiu_...csv``).
- ``exchange_rates_annual.csv``: calendar-year means of the European Central Bank's daily euro
  reference rates, crossed through the euro into units of each currency per 1 US dollar.
  Source file: ``economic-indices/ecb_eurofxref-hist.zip`` (ECB, full daily history).

``source_dir`` is the folder laid out like ``factors-sources/``; the economic indices sit in an
``economic-indices`` folder inside it or beside it.
"""

from __future__ import annotations

import csv
import io
import statistics
import zipfile
from collections import defaultdict
from pathlib import Path

from .common import fmt_num, sha256_of, write_csv, write_toml

CPI_FILE = "DERIVED_bls_cpiu_CUUR0000SA0_annual_avg_2015_2025.csv"
ECB_FILE = "ecb_eurofxref-hist.zip"
CPI_COLUMNS = ("series", "year", "index", "source_row", "description")
RATE_COLUMNS = ("currency", "year", "per_usd", "fixing_days", "description")
#: Currencies a facility in a supported country is billed in (besides USD).
CURRENCIES = ("EUR", "GBP", "CAD", "AUD", "NZD")
FIRST_YEAR = 2015


def _folder(source_dir: Path) -> Path:
    for candidate in (source_dir / "economic-indices", source_dir.parent / "economic-indices"):
        if (candidate / ECB_FILE).exists():
            return candidate
    raise FileNotFoundError(f"no economic-indices/{ECB_FILE} in or beside {source_dir}")


def cpi_rows(path: Path) -> list[dict[str, str]]:
    """The CPI-U annual averages, one row per year, with the line they came from."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, record in enumerate(csv.DictReader(fh), start=2):
            if record["series_id"] != "CUUR0000SA0" or record["period"] != "M13":
                continue
            rows.append(
                {
                    "series": "CUUR0000SA0",
                    "year": record["year"],
                    "index": record["value_index_1982_84_eq_100"],
                    "source_row": str(line),
                    "description": "CPI-U, U.S. city average, all items, NSA, annual average "
                    "(M13), 1982-84=100",
                }
            )
    return rows


def rate_rows(path: Path, last_year: int) -> list[dict[str, str]]:
    """Calendar-year means of the daily ECB cross rates, currency per 1 USD."""
    with zipfile.ZipFile(path) as archive:
        name = archive.namelist()[0]
        text = io.TextIOWrapper(archive.open(name), encoding="utf-8")
        daily = list(csv.DictReader(text))
    per_year: dict[tuple[str, int], list[float]] = defaultdict(list)
    for record in daily:
        year = int(record["Date"][:4])
        if not FIRST_YEAR <= year <= last_year:
            continue
        try:
            usd = float(record["USD"])
        except (KeyError, ValueError):
            continue  # a day without a USD fixing
        per_year[("EUR", year)].append(1 / usd)
        for currency in CURRENCIES[1:]:
            try:
                per_year[(currency, year)].append(float(record[currency]) / usd)
            except (KeyError, ValueError):
                continue
    return [
        {
            "currency": currency,
            "year": str(year),
            "per_usd": fmt_num(round(statistics.fmean(values), 6)),
            "fixing_days": str(len(values)),
            "description": f"mean of the ECB daily reference rates, {currency} per USD "
            f"(crossed through EUR), {year}",
        }
        for (currency, year), values in sorted(per_year.items())
    ]


def extract(source_dir: Path, out_dir: Path, edition: str = "2025") -> dict[str, int]:
    """Write factors/economic-indices/<edition>/ from the BLS and ECB files."""
    folder = _folder(source_dir)
    dest = out_dir / "economic-indices" / edition
    cpi = cpi_rows(folder / CPI_FILE)
    rates = rate_rows(folder / ECB_FILE, int(edition))
    counts = {
        "cpi_u_annual.csv": write_csv(dest / "cpi_u_annual.csv", CPI_COLUMNS, cpi, unique="year"),
        "exchange_rates_annual.csv": write_csv(
            dest / "exchange_rates_annual.csv", RATE_COLUMNS, rates
        ),
    }
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"economic-indices/{edition}",
                "title": "US consumer price index (CPI-U) and annual mean exchange rates",
                "publisher": "U.S. Bureau of Labor Statistics (CPI-U); European Central Bank "
                "(euro foreign exchange reference rates)",
                "edition": edition,
                "year": int(edition),
                "published": "BLS CPI flat files to 2026-08; ECB daily history to 2026-10-30",
                "url": "https://download.bls.gov/pub/time.series/cu/ ; "
                "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip",
                "licence": "BLS data: public domain (US Government work). ECB data: free reuse "
                "with attribution of the source (ECB terms of use)",
                "gwp_set": "none",
                "source_file": f"{CPI_FILE}; {ECB_FILE}",
                "source_sha256": f"{sha256_of(folder / CPI_FILE)}; {sha256_of(folder / ECB_FILE)}",
                "extracted_by": "greencare.factorbuild",
                "notes": (
                    "Used to express spend in the price year of the USEEIO factors (2022 USD): "
                    "amount / (currency per USD in the spend's year) x CPI-U(2022) / CPI-U(year). "
                    "The ECB means are not the Federal Reserve's or the IRS's annual rates; they "
                    "are close but not identical. A year after the last one published uses the "
                    "last one, and each line says so."
                ),
            },
            "files": {
                "cpi_u_annual": {
                    "description": "CPI-U annual average by year",
                    "columns": {
                        "series": "BLS series id",
                        "year": "calendar year",
                        "index": "annual average, 1982-84 = 100",
                        "source_row": "line of the source CSV",
                        "description": "what the number is",
                    },
                },
                "exchange_rates_annual": {
                    "description": "units of a currency per 1 US dollar, calendar-year mean",
                    "columns": {
                        "currency": "ISO 4217 code",
                        "year": "calendar year",
                        "per_usd": "units of the currency per 1 USD (mean of daily rates)",
                        "fixing_days": "number of ECB fixing days in the mean",
                        "description": "what the number is",
                    },
                },
            },
            "unverified": [],
            "unverified_note": "",
        },
    )
    return counts
