"""Emissions from purchases: spend (Scope 3 category 1) and the healthcare items bought by
quantity (Scope 1): anesthetic agents, refrigerants, metered-dose inhalers and fleet fuel.

Spend uses the USEEIO supply-chain factors (kg CO2e per 2022 US dollar, with margins). The
healthcare items are physical: a bottle of desflurane becomes millilitres, then kilograms by its
density, then CO2e by its GWP; a refrigerant top-up is split into its blend's components. Every
line names the physical data rows and the GWP used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from greencare.core import prices, rules, units
from greencare.core.factors import MissingFactorError

if TYPE_CHECKING:
    from greencare.core.calculate import Activity, Engine

PHYSICAL = ("healthcare", "physical.csv")
COMPOSITIONS = ("healthcare", "refrigerant_compositions.csv")
PROPELLANT = {
    "pmdi_hfa134a_small": "HFC-134a",
    "pmdi_hfa134a_large": "HFC-134a",
    "pmdi_hfa227ea": "HFC-227ea",
}
AGENT_GAS = {"nitrous_oxide": "N2O"}


def lines(engine: Engine, activity: Activity) -> list[pd.DataFrame]:
    from greencare.core.calculate import with_facilities

    frame = with_facilities(activity.purchases, activity)
    if frame.empty:
        return []
    frame["source_id"] = frame["id"]
    label = frame["item"].fillna(frame["description"]).fillna(frame["category"])
    frame["source"] = frame["facility"] + " / " + frame["category"] + " " + label.astype(str)
    out: list[pd.DataFrame] = []
    spend = frame[frame["category"].str.fullmatch(r"\d{6}")]
    out += _spend(engine, spend)
    items = frame[~frame.index.isin(spend.index)]
    keys = ["category", "item", "unit", "family", "year", "country"]
    for (category, item, unit, _, year, _), block in items.groupby(keys, dropna=False):
        handler = _HANDLERS.get(str(category))
        if handler is None:
            engine._gap(f"purchases in category {category}: no emission method")
            continue
        try:
            out += handler(engine, block)
        except (MissingFactorError, units.UnitError) as exc:
            engine._gap(f"{category} {item} in {unit} ({year}, {len(block)} purchases): {exc}")
    return out


def _physical(engine: Engine) -> tuple[str, pd.DataFrame]:
    ds = engine._dataset("healthcare", 0)
    return ds.id, engine.library.table(ds.id, PHYSICAL[1])


def _line(block: pd.DataFrame, **fields: Any) -> pd.DataFrame:
    """Lines for a block of purchases; ``fields`` are scalars or per-row arrays."""
    from greencare.core.calculate import LINE_COLUMNS

    base: dict[str, Any] = {
        "facility_id": block["facility_id"].to_numpy(),
        "month": block["month"].to_numpy(),
        "method": "",
        "source_type": "purchase",
        "source_id": block["id"].to_numpy(),
        "source": block["source"].to_numpy(),
        "activity_quantity": block["quantity"].to_numpy(float),
        "activity_unit": block["unit"].to_numpy(),
        "factor_basis": "mass",
        "note": "",
    }
    base.update(fields)
    frame = pd.DataFrame({c: base.get(c, np.nan) for c in LINE_COLUMNS if c in base})
    for column in LINE_COLUMNS:
        if column not in frame:
            frame[column] = np.nan
    return frame[LINE_COLUMNS]


def _chosen(engine: Engine, block: pd.DataFrame) -> str:
    row = block.iloc[0]
    family = row["family"] if isinstance(row["family"], str) else None
    if engine.gwp:
        return engine.gwp
    if not family:
        raise MissingFactorError(
            f"no GWP set for {row['country']}: no factor family for that country (give --gwp)"
        )
    # The set the facility's factor edition for that year is built on; no edition is a gap.
    return engine._chosen_set(engine._dataset(family, int(row["year"])))


def _anesthetic(engine: Engine, block: pd.DataFrame) -> list[pd.DataFrame]:
    ds_id, physical = _physical(engine)
    first = block.iloc[0]
    item, unit = str(first["item"]), str(first["unit"])
    qty = block["quantity"].to_numpy(float)
    rows = physical[physical["item"] == item]
    dimension = units.dimension_of(unit)
    gas = AGENT_GAS.get(item, item)
    used: list[Any] = []
    if dimension == "mass":
        kg_per_unit, how = units.convert(1.0, unit, "kg"), f"{unit} as kg"
    elif item == "nitrous_oxide":
        if dimension != "volume":
            raise MissingFactorError("nitrous oxide by the cylinder: enter nominal litres or kg")
        per_litre = _one(rows, "mass_per_nominal_cylinder_litre", item)
        used.append(per_litre)
        kg_per_unit = units.convert(1.0, unit, "litre") * float(per_litre["value"])
        how = f"nominal litres x {float(per_litre['value']):g} kg/L"
    else:
        if dimension == "a count of items":
            bottle = _one(rows, "bottle_volume", item)
            used.append(bottle)
            ml_per_unit = float(bottle["value"])
            how = f"bottles x {ml_per_unit:g} mL"
        else:
            ml_per_unit, how = units.convert(1.0, unit, "mL"), "mL"
        density = _one(rows, "liquid_density", item)
        used.append(density)
        kg_per_unit = ml_per_unit * float(density["value"]) / 1000.0
        how += f" x {float(density['value']):g} g/mL"
    chosen = _chosen(engine, block)
    gwp = engine._gwp(chosen, gas)
    kg = qty * kg_per_unit
    main = used[-1] if used else None
    return [
        _line(
            block,
            scope="1",
            category="anesthetic_gases",
            factor_quantity=kg,
            factor_per_unit="kg",
            dataset=ds_id if main is not None else f"ipcc-gwp/{chosen.lower()}",
            factor_id=";".join(str(r["item_id"]) for r in used) or f"{gas}.gwp",
            factor_table=PHYSICAL[1] if main is not None else "gwp.csv",
            factor_row="",
            factor_value=float(main["value"]) if main is not None else 1.0,
            factor_unit=f"{main['unit']}/{main['per_unit']}" if main is not None else "kg/kg",
            factor_verified=all(r["verified"] == "true" for r in used),
            gas=gas,
            gas_kg=kg,
            gwp_set=chosen,
            gwp=gwp,
            co2e_kg=kg * gwp,
            note=f"{unit}: {how} = {kg_per_unit:.6g} kg {gas} per {unit}; all assumed released",
        )
    ]


def _one(rows: pd.DataFrame, quantity: str, item: str) -> Any:
    found = rows[rows["quantity"] == quantity]
    if found.empty:
        raise MissingFactorError(f"no {quantity.replace('_', ' ')} for {item} in healthcare data")
    if len(found) > 1:
        sizes = ", ".join(f"{v:g} {u}" for v, u in zip(found["value"], found["unit"], strict=True))
        raise MissingFactorError(f"{item} comes in several sizes ({sizes}); enter mL instead")
    return found.iloc[0]


def _refrigerant(engine: Engine, block: pd.DataFrame) -> list[pd.DataFrame]:
    first = block.iloc[0]
    item = str(first["item"])
    kg = block["quantity"].to_numpy(float) * units.convert(1.0, str(first["unit"]), "kg")
    chosen = _chosen(engine, block)
    if item in rules.PURE_REFRIGERANTS:
        parts = [(rules.PURE_REFRIGERANTS[item], 1.0, "true")]
        ds_id, table = f"ipcc-gwp/{chosen.lower()}", "gwp.csv"
    else:
        ds = engine._dataset("healthcare", 0)
        comp = engine.library.table(ds.id, COMPOSITIONS[1])
        found = comp[comp["blend"] == item]
        if found.empty:
            raise MissingFactorError(f"no composition for refrigerant {item}")
        parts = list(
            zip(
                found["component"],
                found["mass_fraction"].astype(float),
                found["verified"],
                strict=True,
            )
        )
        ds_id, table = ds.id, COMPOSITIONS[1]
    out = []
    for gas, fraction, verified in parts:
        if rules.is_montreal_gas(gas):
            engine._exclude(
                f"{gas} in refrigerant {item}: a Montreal Protocol gas, reported outside the "
                "GHG Protocol scopes"
            )
            continue
        if rules.refrigerant_gas_class(gas) == "not_required":
            engine._exclude(
                f"{gas} in refrigerant {item}: not a gas the GHG Protocol requires (EPA Hub "
                "Table 12 counts only the HFC and PFC constituents of a blend); not counted"
            )
            continue
        gwp = engine._gwp(chosen, gas)
        mass = kg * fraction
        out.append(
            _line(
                block,
                scope="1",
                category="refrigerants",
                factor_quantity=kg,
                factor_per_unit="kg",
                dataset=ds_id,
                factor_id=f"{item}.{gas}",
                factor_table=table,
                factor_row="",
                factor_value=fraction,
                factor_unit="kg/kg",
                factor_verified=verified != "false",
                gas=gas,
                gas_kg=mass,
                gwp_set=chosen,
                gwp=gwp,
                co2e_kg=mass * gwp,
                note=f"charge replacing losses x {fraction:g} {gas} (mass fraction)",
            )
        )
    return out


def _inhaler(engine: Engine, block: pd.DataFrame) -> list[pd.DataFrame]:
    ds_id, physical = _physical(engine)
    item = str(block.iloc[0]["item"])
    count = block["quantity"].to_numpy(float)
    if item == "dpi":
        engine._exclude(
            "dry-powder inhalers release no propellant: no Scope 1 emissions (their life-cycle "
            "footprint belongs to Scope 3)"
        )
        return []
    propellant = PROPELLANT.get(item)
    rows = physical[(physical["item"] == item) & physical["quantity"].str.startswith("kg_co2e")]
    if propellant is None or rows.empty:
        raise MissingFactorError(f"no published footprint for inhaler class {item}")
    chosen = _chosen(engine, block)
    gwp_now = engine._gwp(chosen, propellant)
    exact = rows[rows["gwp_set"] == chosen]
    based = rows[rows["gwp_set"].isin(["AR4", "AR5", "AR6"])]
    if not exact.empty:
        pick = exact.iloc[0]
        per = float(pick["value"])
        mass, note = per / gwp_now, f"published {per:g} kg CO2e per inhaler ({chosen})"
    elif not based.empty:
        pick = based.iloc[0]
        per = float(pick["value"])
        mass = per / engine._gwp(str(pick["gwp_set"]), propellant)
        note = f"published {per:g} kg CO2e ({pick['gwp_set']}) = {mass:.4f} kg {propellant}"
    else:
        low, high = rows["value"].astype(float).min(), rows["value"].astype(float).max()
        pick = rows.iloc[0]
        mass = (low + high) / 2 / gwp_now
        note = (
            f"midpoint of published {low:g}-{high:g} kg CO2e per inhaler (GWP basis not stated), "
            f"taken as {mass:.4f} kg {propellant}"
        )
    kg = mass * count
    return [
        _line(
            block,
            scope="1",
            category="inhalers",
            factor_quantity=count,
            factor_per_unit="inhaler",
            dataset=ds_id,
            factor_id=str(pick["item_id"]),
            factor_table=PHYSICAL[1],
            factor_row="",
            factor_value=float(pick["value"]),
            factor_unit="kg CO2e/inhaler",
            factor_verified=pick["verified"] == "true",
            gas=propellant,
            gas_kg=kg,
            gwp_set=chosen,
            gwp=gwp_now,
            co2e_kg=kg * gwp_now,
            note=note
            + "; propellant released by the patient, counted in Scope 1 (dispensed on site)",
        )
    ]


def _fleet(engine: Engine, block: pd.DataFrame) -> list[pd.DataFrame]:
    first = block.iloc[0]
    family, item = first["family"], str(first["item"])
    fuels = rules.FLEET_FUELS.get(family, {}) if isinstance(family, str) else {}
    parts = rules.FUEL_BLENDS.get(item, ((item, 1.0),))
    missing = [fuel for fuel, _ in parts if fuel not in fuels]
    if missing:
        needs = f" (needs {', '.join(missing)})" if len(parts) > 1 else ""
        raise MissingFactorError(
            f"no fleet fuel factor mapped for {item} ({first['country']}){needs}"
        )
    ds = engine._dataset(family, int(first["year"]))
    block = block.copy()
    block["quantity_canonical"] = np.nan
    note = ""
    if family == "epa-ghg-hub":
        note = "CO2 only: EPA gives fleet CH4 and N2O per vehicle-mile, which is not recorded"
        engine._exclude(f"fleet {item} CH4 and N2O (US): EPA gives them per vehicle-mile")
    if family in rules.UPSTREAM_NOT_PUBLISHED:
        engine._exclude(rules.UPSTREAM_NOT_PUBLISHED[family])
    unit = str(first["unit"])
    out = []
    for fuel, share in parts:
        factors = engine.library.factors(ds.id, *fuels[fuel])
        factors = factors[factors["gas"].isin(["CO2", "CH4", "N2O", "CO2e"])]
        share_note = f"{fuel.replace('_', ' ')} share by volume of {item.replace('_', ' ')}"
        biogenic = fuel in rules.BIOGENIC_FUELS
        if biogenic:
            co2 = factors[factors["gas"] == "CO2"]
            factors = factors[factors["gas"] != "CO2"]
            meta = {
                "source_type": "purchase",
                "scope": rules.OUTSIDE_SCOPES,
                "category": rules.BIOGENIC_CATEGORY,
                "note": "biogenic CO2 of the biofuel: reported outside the scopes (GHG Protocol)",
            }
            if not co2.empty:
                out.append(
                    engine._apply(
                        block,
                        ds,
                        co2,
                        unit=unit,
                        commodity=None,
                        meta=meta,
                        multiplier=share,
                        multiplier_note=share_note,
                    )
                )
        if factors.empty:
            continue  # a biofuel published with CO2 only (EPA Table 2): nothing for Scope 1
        meta = {
            "source_type": "purchase",
            "scope": "1",
            "category": "mobile_combustion",
            "note": note,
        }
        out.append(
            engine._apply(
                block,
                ds,
                factors,
                unit=unit,
                commodity=None,
                meta=meta,
                multiplier=share,
                multiplier_note=share_note,
            )
        )
    return out


def _spend(engine: Engine, spend: pd.DataFrame) -> list[pd.DataFrame]:
    """Spend lines: each (currency, year) converted to the factors' US dollars (core.prices)."""
    if spend.empty:
        return []
    ds = engine._dataset("useeio", int(spend["year"].max()))
    table = engine.library.table(ds.id)
    with_margins = table[table["factor_id"].str.endswith(".with_margins")]
    per_unit = str(with_margins["per_unit"].iloc[0]) if not with_margins.empty else "USD_2022"
    price_year = int(per_unit.split("_")[-1])
    econ = engine._dataset("economic-indices", price_year)
    cpi = engine.library.table(econ.id, prices.CPI_TABLE).rename(
        columns={"index": "value_of_index"}
    )
    cpi["value_of_index"] = cpi["value_of_index"].astype(float)
    rates = engine.library.table(econ.id, prices.RATE_TABLE).rename(
        columns={"per_usd": "value_of_rate"}
    )
    rates["value_of_rate"] = rates["value_of_rate"].astype(float)
    spend = spend.copy()
    spend["currency"] = spend["currency"].fillna("")
    spend["quantity"] = spend["spend"].astype(float)
    spend["quantity_canonical"] = np.nan
    out = []
    for (currency, year), money in spend.groupby(["currency", "year"]):
        try:
            how = prices.to_factor_dollars(cpi, rates, str(currency), int(year), price_year)
        except MissingFactorError as exc:
            engine._gap(
                f"spend in {currency or 'no currency'} in {year} ({len(money)} purchases): {exc}"
            )
            continue
        for code, block in money.groupby("category"):
            factors = with_margins[with_margins["activity"] == code]
            if factors.empty:
                engine._gap(f"NAICS {code}: not in {ds.label}")
                continue
            meta = {"source_type": "purchase", "scope": "3", "category": "cat1_purchased_goods"}
            lines = engine._apply(
                block, ds, factors, unit=per_unit, commodity=None, meta=meta,
                multiplier=how.multiplier,
            )  # fmt: skip
            lines["activity_unit"] = f"{currency} ({int(year)})"
            lines["note"] = how.note
            out.append(lines)
    return out


_HANDLERS = {
    "anesthetic_gas": _anesthetic,
    "refrigerant": _refrigerant,
    "inhaler": _inhaler,
    "fleet_fuel": _fleet,
}
