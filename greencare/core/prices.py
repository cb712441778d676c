"""Spend in the factors' money: a currency and a price year turned into USEEIO's 2022 dollars.

USEEIO publishes kg CO2e per 2022 US dollar. Applying it to a 2024 invoice as written would count
2024's inflation as emissions (+7%), and to pounds sterling as if they were dollars. So spend is
first converted to US dollars at the mean exchange rate of its own year, then deflated to the
factors' price year with the US CPI-U annual average:

    USD_2022 = amount / (currency per USD, spend year) x CPI-U(2022) / CPI-U(spend year)

Both tables ship as cited data in ``factors/economic-indices/`` (BLS CPI-U series CUUR0000SA0;
ECB reference-rate annual means). A spend year after the last published one uses the last one
and says so; a year before the first, or a currency without rates, is a gap, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from greencare.core.factors import MissingFactorError

CPI_TABLE = "cpi_u_annual.csv"
RATE_TABLE = "exchange_rates_annual.csv"


@dataclass(frozen=True)
class Conversion:
    """How one (currency, year) of spend becomes factor-year US dollars."""

    multiplier: float  # factor-year USD per unit of the spend's currency
    note: str
    proxy: bool  # non-US spend priced with US input-output factors


def to_factor_dollars(
    cpi: pd.DataFrame, rates: pd.DataFrame, currency: str, year: int, price_year: int
) -> Conversion:
    """The multiplier from ``currency`` spent in ``year`` to ``price_year`` US dollars."""
    index = dict(zip(cpi["year"].astype(int), cpi["value_of_index"], strict=True))
    if price_year not in index:
        raise MissingFactorError(f"no CPI-U annual average for {price_year}, the factors' year")
    notes: list[str] = []
    used_year = _year_for(sorted(index), year, "CPI-U annual average", notes)
    multiplier = index[price_year] / index[used_year]
    deflate = (
        f"{used_year} USD to {price_year} USD by CPI-U {index[price_year]:g}/{index[used_year]:g}"
        f" = {multiplier:.6g}"
    )
    if currency == "USD":
        return Conversion(multiplier, "; ".join([*notes, deflate]), proxy=False)
    mine = rates[rates["currency"] == currency]
    if mine.empty:
        raise MissingFactorError(f"no exchange rate for {currency} in the shipped ECB table")
    per_usd = dict(zip(mine["year"].astype(int), mine["value_of_rate"], strict=True))
    rate_year = _year_for(sorted(per_usd), year, f"{currency} exchange rate", notes)
    rate = per_usd[rate_year]
    note = (
        f"{currency} to USD at the {rate_year} ECB mean {rate:g} {currency}/USD, then {deflate}; "
        f"proxy: US input-output factors applied to spend in {currency}"
    )
    return Conversion(multiplier / rate, "; ".join([*notes, note]), proxy=True)


def _year_for(years: list[int], year: int, what: str, notes: list[str]) -> int:
    if year in years:
        return year
    if years and year > years[-1]:
        notes.append(f"{what} for {year} not published in the shipped table: {years[-1]} used")
        return years[-1]
    first = years[0] if years else "none"
    raise MissingFactorError(f"no {what} for {year} (earliest shipped: {first})")
