"""The emissions engine: activity x cited factor -> emissions per gas and in CO2e.

Activity arrives already rolled up to meter x month (energy) or calendarized (waste) and is
grouped so that pint and the factor tables are consulted once per (dataset, commodity, unit,
region), then applied to whole columns. Every result row ("line") carries what produced it: the
activity record, the factor's dataset, edition, table and row, the unit conversion, the GWP set
and value. A total is a sum of lines, so any figure can be explained by listing its lines.

A factor that is not in the data is never a zero: it is a gap, named, and by default an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greencare.core import rules, units
from greencare.core.factors import Dataset, FactorLibrary, MissingFactorError

LINE_COLUMNS = [
    "facility_id",
    "month",
    "scope",
    "category",
    "method",
    "source_type",
    "source_id",
    "source",
    "activity_quantity",
    "activity_unit",
    "factor_quantity",
    "factor_per_unit",
    "dataset",
    "factor_id",
    "factor_table",
    "factor_row",
    "factor_value",
    "factor_unit",
    "factor_basis",
    "factor_verified",
    "gas",
    "gas_kg",
    "gwp_set",
    "gwp",
    "co2e_kg",
    "note",
]

#: Families that hold reference data (densities, life-cycle studies, an input-output model)
#: rather than a year's factors: the latest edition applies unless pinned.
REFERENCE_FAMILIES = frozenset(
    {"healthcare", "healthcare-waste", "useeio", "energy-star-pm", "economic-indices"}
)

#: The factor-table columns a line is built from.
_FACTOR_COLUMNS = ("gas", "per_unit", "unit", "value", "basis", "factor_id", "table",
                   "source_row", "verified")  # fmt: skip
_MASS_TO_KG = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "metric_ton": 1000.0, "tonne": 1000.0}
_MARKET_NOTE = (
    "market-based: no supplier factor or contractual instrument recorded; location-based "
    "factor used (GHG Protocol Scope 2 Guidance fallback)"
)


@dataclass
class Activity:
    """What happened, in tables (see storage.inventory for how they are read)."""

    facilities: pd.DataFrame
    energy: pd.DataFrame
    waste: pd.DataFrame
    purchases: pd.DataFrame
    instruments: pd.DataFrame = field(default_factory=pd.DataFrame)


def with_facilities(frame: pd.DataFrame, activity: Activity) -> pd.DataFrame:
    """Activity rows with their facility's name and country, factor family and year."""
    out = frame.merge(
        activity.facilities.rename(columns={"id": "facility_id", "name": "facility"}),
        on="facility_id",
    )
    if not out.empty:
        out["family"] = out["country"].map(rules.FAMILY_BY_COUNTRY)
        out["year"] = out["month"].str[:4].astype(int)
    return out


@dataclass
class Inventory:
    """The engine's answer: lines, plus everything a reader must know to trust them."""

    lines: pd.DataFrame
    gaps: list[str]
    exclusions: list[str]
    datasets: dict[str, Dataset]
    gwp: str | None
    energy: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: One sentence per edition used for a year it does not cover (also on each line's note).
    stand_ins: list[str] = field(default_factory=list)

    def location(self) -> pd.DataFrame:
        """Lines for location-based totals (drops market-based duplicates of Scope 2)."""
        return self.lines[self.lines["method"] != "market"]

    def market(self) -> pd.DataFrame:
        return self.lines[self.lines["method"] != "location"]


class Engine:
    """Computes an inventory from activity with one factor library and one GWP choice."""

    def __init__(
        self,
        library: FactorLibrary,
        *,
        gwp: str | None = None,
        pins: dict[str, str] | None = None,
        chiller: str = rules.DEFAULT_CHILLER,
    ) -> None:
        self.library = library
        self.gwp = gwp.upper() if gwp else None
        self.pins = pins or {}
        # District chilled water plant type (US): which derivation applies (rules.CHILLER_COP).
        self.chilled_water_rules = rules.chilled_water_rules(chiller)
        self.gaps: list[str] = []
        self.exclusions: list[str] = []
        self.used: dict[str, Dataset] = {}
        #: (dataset id, activity year, activity type or '') -> stand-in sentence
        self.stand_ins: dict[tuple[str, int, str], str] = {}
        self._gwp_cache: dict[str, dict[str, float]] = {}

    # -- helpers ------------------------------------------------------------------------------

    def _gap(self, message: str) -> None:
        if message not in self.gaps:
            self.gaps.append(message)

    def _exclude(self, message: str) -> None:
        if message not in self.exclusions:
            self.exclusions.append(message)

    def _dataset(self, family: str, year: int, kind: str = "") -> Dataset:
        """The edition for a year (FactorLibrary.pick), noting when it is a stand-in.

        ``kind`` is 'electricity' for purchased electricity, whose edition follows the eGRID
        data year nearest the activity year; everything else follows the edition year.
        """
        if family in REFERENCE_FAMILIES and family not in self.pins:
            ds = self.library.editions(family)[-1]  # physical data, not a year's factors
        else:
            pinned = self.pins.get(family)
            ds = self.library.pick(family, year, pinned, activity_type=kind or None)
            note = self.library.stand_in(ds, year, kind or None, pinned=bool(pinned))
            if note:
                self.stand_ins[(ds.id, year, kind)] = note
        self.used[ds.id] = ds
        return ds

    def _datasets_for(self, frame: pd.DataFrame) -> np.ndarray:
        """The dataset id for each row's (family, year, kind); '!' marks a year with no edition."""
        kinds = frame["kind"] if "kind" in frame.columns else pd.Series("", index=frame.index)
        keyed = pd.DataFrame(
            {"family": frame["family"], "year": frame["year"].astype(int), "kind": kinds}
        )
        chosen: dict[tuple[str, int, str], str] = {}
        for family, year, kind in keyed.drop_duplicates().itertuples(index=False):
            try:
                chosen[(family, int(year), kind)] = self._dataset(family, int(year), kind).id
            except MissingFactorError as exc:
                self._gap(str(exc))
                chosen[(family, int(year), kind)] = f"!{family}/{year}"
        keys = zip(keyed["family"], keyed["year"], keyed["kind"], strict=True)
        return np.array([chosen[k] for k in keys], dtype=object)

    def _mark_stand_ins(self, lines: pd.DataFrame, activity: Activity) -> pd.DataFrame:
        """Append the stand-in sentence to the note of every line whose edition is one."""
        if not self.stand_ins or lines.empty:
            return lines
        energy = activity.energy
        electric = (
            set(energy.loc[energy["commodity"] == "electricity", "meter_id"])
            if not energy.empty
            else set()
        )
        is_electric = (lines["source_type"] == "meter") & lines["source_id"].isin(electric)
        kinds = np.where(is_electric, "electricity", "")
        years = lines["month"].str[:4].astype(int)
        extra = [
            self.stand_ins.get((d, y, k), "")
            for d, y, k in zip(lines["dataset"], years, kinds, strict=True)
        ]
        lines = lines.copy()
        lines["note"] = [
            f"{n}; {e}" if n and e else (n or e)
            for n, e in zip(lines["note"].fillna(""), extra, strict=True)
        ]
        return lines

    def _gwps(self, gwp_set: str) -> dict[str, float]:
        if gwp_set not in self._gwp_cache:
            table = self.library.gwp_table(gwp_set)
            self._gwp_cache[gwp_set] = dict(
                zip(table["gas"].str.lower(), table["gwp100"].astype(float), strict=True)
            )
            self.used[f"ipcc-gwp/{gwp_set.lower()}"] = self.library.dataset(
                f"ipcc-gwp/{gwp_set.lower()}"
            )
        return self._gwp_cache[gwp_set]

    def _gwp(self, gwp_set: str, gas: str) -> float:
        try:
            return self._gwps(gwp_set)[gas.lower()]
        except KeyError:
            raise MissingFactorError(f"IPCC {gwp_set} has no GWP100 for {gas}") from None

    def _chosen_set(self, ds: Dataset) -> str:
        if self.gwp:
            return self.gwp
        return ds.gwp_set if ds.gwp_set in ("AR4", "AR5", "AR6") else "AR5"

    # -- applying factor rows to a block of activity ------------------------------------------

    def _apply(
        self,
        block: pd.DataFrame,
        ds: Dataset,
        factors: pd.DataFrame,
        *,
        unit: str,
        commodity: str | None,
        meta: dict[str, Any],
        multiplier: float = 1.0,
        canonical_unit: str | None = None,
        multiplier_note: str = "grid gross loss",
    ) -> pd.DataFrame:
        """Lines for every (activity row, gas) pair of one factor selection.

        ``multiplier`` scales the activity (a grid gross loss fraction, a fuel's volume share
        in a blend); ``multiplier_note`` says which, on every line.
        """
        # The factor rows are a handful: take their columns as arrays once and filter those
        # (profiled: pandas' per-call overhead on these tiny frames, filtering and building,
        # was most of an inventory's time).
        f = {c: factors[c].to_numpy(object) for c in _FACTOR_COLUMNS}
        keep = f["gas"] != ""
        if (keep & (f["gas"] != "CO2e")).any():
            keep &= f["gas"] != "CO2e"
        f = {c: v[keep] for c, v in f.items()}
        per_unit, convert, use_canonical = self._per_unit(f["per_unit"], unit, commodity,
                                                          canonical_unit)  # fmt: skip
        same = f["per_unit"] == per_unit
        f = {c: v[same] for c, v in f.items()}
        source_qty = block["quantity_canonical" if use_canonical else "quantity"].to_numpy(float)
        qty = source_qty * convert * multiplier
        chosen = self._chosen_set(ds)
        # Per factor row (a handful): kg of gas and kg CO2e per unit of activity.
        units_of = f["unit"]
        to_kg = np.array([_MASS_TO_KG.get(u, np.nan) for u in units_of], dtype=float)
        factor_values = f["value"].astype(float)
        values = factor_values * to_kg
        gases = f["gas"]
        basis = f["basis"]
        k = len(gases)
        gas_per, co2e_per = np.full(k, np.nan), np.full(k, np.nan)
        gwp_used, set_used = np.full(k, np.nan), np.empty(k, dtype=object)
        for j, (gas, b) in enumerate(zip(gases, basis, strict=True)):
            if gas == "CO2e":
                co2e_per[j], set_used[j] = values[j], f"{b.split(':')[-1]} (as published)"
                continue
            # a mass, or a gas published as CO2e under the dataset's set: back to mass first
            mass = values[j] if b == "mass" else values[j] / self._gwp(b.split(":")[-1], gas)
            gwp_used[j], set_used[j] = self._gwp(chosen, gas), chosen
            gas_per[j], co2e_per[j] = mass, mass * gwp_used[j]
        # Then whole columns: every activity row times every factor row.
        n = len(block)
        rep, til = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
        q = qty[rep]
        column = {c: block[c].to_numpy() for c in ("facility_id", "month", "source_id", "source")}
        note = meta.get("note", "")
        if multiplier != 1.0:
            note = f"{note}; x {multiplier:g} ({multiplier_note})".lstrip("; ")
        per = f["per_unit"]
        factor_unit = np.array(
            [f"{u}/{p}" for u, p in zip(units_of, per, strict=True)], dtype=object
        )
        built = {
            "facility_id": column["facility_id"][rep],
            "month": column["month"][rep],
            "scope": meta["scope"],
            "category": meta["category"],
            "method": meta.get("method", ""),
            "source_type": meta["source_type"],
            "source_id": column["source_id"][rep],
            "source": column["source"][rep],
            "activity_quantity": source_qty[rep],
            "activity_unit": canonical_unit if use_canonical else unit,
            "factor_quantity": q,
            "factor_per_unit": per_unit,
            "dataset": ds.id,
            "factor_id": f["factor_id"][til],
            "factor_table": f["table"][til],
            "factor_row": f["source_row"][til],
            "factor_value": factor_values[til],
            "factor_unit": factor_unit[til],
            "factor_basis": basis[til],
            "factor_verified": (f["verified"] == "true")[til],
            "gas": gases[til],
            "gas_kg": q * gas_per[til],
            "gwp_set": set_used[til],
            "gwp": gwp_used[til],
            "co2e_kg": q * co2e_per[til],
            "note": note,
        }
        # one frame in the final column order (no reorder copy, no column added after)
        return pd.DataFrame({c: built[c] for c in LINE_COLUMNS}, index=pd.RangeIndex(n * k))

    def _per_unit(
        self, per_units: Any, unit: str, commodity: str | None, canonical_unit: str | None
    ) -> tuple[str, float, bool]:
        """Which per-unit factor to use and the multiplier that takes the activity there.

        A factor in the activity's own dimension is preferred (litres of gas oil with the
        per-litre factor), so no heat content is assumed where the publisher gave one.
        """
        options = [str(u) for u in dict.fromkeys(per_units)]
        if not options:
            raise MissingFactorError("no factor rows")
        if options == ["USD_2022"] or unit.startswith("USD"):
            return options[0], 1.0, False
        entered = units.dimension_of(unit)
        for per_unit in options:
            if units.dimension_of(per_unit) == entered:
                return per_unit, units.convert(1.0, unit, per_unit, commodity), False
        if canonical_unit is not None:
            for per_unit in options:
                try:
                    return per_unit, units.convert(1.0, canonical_unit, per_unit, commodity), True
                except units.UnitError:
                    continue
        raise MissingFactorError(
            f"no factor per unit that {unit!r} converts to (has: {', '.join(options)})"
        )

    def _lookup(
        self, ds: Dataset, activity_type: str, activity: str, region: str | None, who: str
    ) -> pd.DataFrame | None:
        try:
            return self.library.factors(ds.id, activity_type, activity, region)
        except MissingFactorError as exc:
            self._gap(f"{who}: {exc}")
            return None

    # -- energy --------------------------------------------------------------------------------

    def energy(self, activity: Activity) -> list[pd.DataFrame]:
        frame = with_facilities(activity.energy, activity)
        if frame.empty:
            return []
        frame["source_type"] = "meter"
        frame["source_id"] = frame["meter_id"]
        frame["source"] = frame["facility"] + " / " + frame["meter"]
        out: list[pd.DataFrame] = []
        for country in frame.loc[frame["family"].isna(), "country"].unique():
            self._gap(f"no emission factor family for country {country} (have: US, GB)")
        frame = frame.dropna(subset=["family"])
        frame["kind"] = np.where(frame["commodity"] == "electricity", "electricity", "")
        frame["dataset"] = self._datasets_for(frame)
        keys = ["family", "dataset", "commodity", "unit", "grid_region", "country"]
        for (family, ds_id, commodity, unit, grid, country), block in frame.groupby(
            keys, dropna=False
        ):
            if commodity in rules.ZERO_EMISSION_COMMODITIES:
                self._exclude(
                    f"{commodity.replace('_', ' ')}: on-site renewable generation consumed on "
                    "site has no Scope 1 or 2 emissions (GHG Protocol)"
                )
                continue
            reason = rules.NOT_COVERED.get(family, {}).get(commodity)
            if reason:
                self._exclude(f"{commodity.replace('_', ' ')} ({country}): {reason}")
                continue
            if ds_id.startswith("!"):  # no edition for these years: named once by _datasets_for
                continue
            ds = self.used[ds_id]
            commodity_rules = rules.ENERGY_RULES[family].get(commodity)
            if family == "epa-ghg-hub" and commodity == "district_chilled_water":
                commodity_rules = self.chilled_water_rules
            who = f"{commodity} in {ds.label}"
            if not commodity_rules:
                self._gap(f"{who}: greencare has no factor mapping for {commodity}")
                continue
            if family in rules.UPSTREAM_NOT_PUBLISHED:
                self._exclude(rules.UPSTREAM_NOT_PUBLISHED[family])
            for rule in commodity_rules:
                out.extend(self._energy_rule(block, ds, rule, unit, commodity, grid, country, who))
        return out

    def _energy_rule(
        self,
        block: pd.DataFrame,
        ds: Dataset,
        rule: rules.Rule,
        unit: str,
        commodity: str,
        grid: Any,
        country: str,
        who: str,
    ) -> list[pd.DataFrame]:
        region = None
        if rule.region == "grid":
            if not isinstance(grid, str) or not grid:
                self._gap(f"{who}: facility has no grid region (set an eGRID subregion)")
                return []
            region = grid
        elif rule.region == "country":
            region = country
        factors = self._lookup(ds, rule.activity_type, rule.activity, region, who)
        if factors is None:
            return []
        multiplier, multiplier_note = rule.scale, rule.scale_note or "grid gross loss"
        note = rule.note
        if rule.td_loss:
            loss_ds = self._loss_dataset(ds)
            if loss_ds is None:
                self._exclude(
                    f"T&D losses ({ds.label}): the edition publishes no grid gross loss rates"
                )
                return []
            loss = self._lookup(
                loss_ds, "electricity_td_loss", "electricity_grid_gross_loss", region, who
            )
            if loss is None:
                return []
            multiplier = float(loss["value"].iloc[0])
            multiplier_note = "grid gross loss"
            if loss_ds is not ds:
                row = loss.iloc[0]
                note = (
                    f"{note}; grid gross loss from {loss_ds.label}, {row['table']}, row "
                    f"{row['source_row']} ({ds.label} publishes none)"
                ).lstrip("; ")
        meta = {
            "source_type": "meter",
            "scope": rule.scope,
            "category": rule.category,
            "method": "location" if rule.market else "",
            "note": note,
        }
        try:
            lines = self._apply(
                block,
                ds,
                factors,
                unit=unit,
                commodity=commodity,
                meta=meta,
                multiplier=multiplier,
                canonical_unit=units.canonical_unit(commodity),
                multiplier_note=multiplier_note,
            )
        except (MissingFactorError, units.UnitError) as exc:
            self._gap(f"{who}: {exc}")
            return []
        if rule.scale != 1.0:  # a derivation (chilled water / COP): its COP is single-sourced
            lines["factor_verified"] = False
        if not rule.market:
            return [lines]
        market = lines.copy()
        market["method"] = "market"
        market["note"] = _MARKET_NOTE
        return [lines, market]

    def _loss_dataset(self, ds: Dataset) -> Dataset | None:
        """Where the grid gross loss for ``ds``'s electricity comes from, or None.

        The edition's own rate if it publishes one; else eGRID's summary tables for the same
        eGRID data year (Hub 2023 omits the loss column that eGRID2021 Table 1 has).
        """
        if self.library.covers(ds.id, "electricity_td_loss"):
            return ds
        year = ds.data_year("electricity")
        if year is None:
            return None
        for other in self.library.editions("egrid"):
            if other.data_year("electricity") == year and self.library.covers(
                other.id, "electricity_td_loss"
            ):
                self.used[other.id] = other
                return other
        return None

    # -- market-based Scope 2 ------------------------------------------------------------------

    def market(self, parts: list[pd.DataFrame], activity: Activity) -> list[pd.DataFrame]:
        """Apply contractual instruments to the market-based electricity lines."""
        from greencare.core.market import coverage

        if activity.instruments.empty or not parts:
            return parts
        cover = coverage(activity.energy, activity.instruments)
        if cover.empty:
            return parts
        lines = pd.concat(parts, ignore_index=True)
        is_market = (lines["method"] == "market") & (lines["category"] == "purchased_electricity")
        used = (
            activity.energy[activity.energy["commodity"] == "electricity"]
            .groupby(["meter_id", "month"])["quantity_canonical"]
            .sum()
            / 1000.0
        )
        covered = cover.groupby(["meter_id", "month"])["mwh"].sum()
        fraction = (1.0 - covered / used.reindex(covered.index)).clip(lower=0.0)
        key = pd.MultiIndex.from_arrays(
            [lines.loc[is_market, "source_id"].astype(int), lines.loc[is_market, "month"]]
        )
        rest = fraction.reindex(key).fillna(1.0).to_numpy()
        for column in ("activity_quantity", "factor_quantity", "gas_kg", "co2e_kg"):
            lines.loc[is_market, column] = lines.loc[is_market, column].to_numpy() * rest
        lines.loc[is_market, "note"] = [
            _MARKET_NOTE
            if r == 1.0
            else f"market-based: {r:.1%} not covered by an instrument; "
            "location-based factor used for it"
            for r in rest
        ]
        covered_whole = is_market.copy()
        covered_whole.loc[is_market] = rest == 0.0
        lines = lines[~covered_whole]  # fully covered by instruments: no fallback lines
        meters = activity.energy.drop_duplicates("meter_id").set_index("meter_id")["meter"]
        names = activity.facilities.set_index("id")["name"]
        extra = pd.DataFrame(
            {
                "facility_id": cover["facility_id"].to_numpy(),
                "month": cover["month"].to_numpy(),
                "scope": "2",
                "category": "purchased_electricity",
                "method": "market",
                "source_type": "instrument",
                "source_id": cover["instrument"].to_numpy(),
                "source": (
                    cover["facility_id"].map(names) + " / " + cover["meter_id"].map(meters)
                ).to_numpy(),
                "activity_quantity": cover["mwh"].to_numpy(float),
                "activity_unit": "MWh",
                "factor_quantity": cover["mwh"].to_numpy(float),
                "factor_per_unit": "MWh",
                "dataset": "instruments",
                "factor_id": [f"instrument.{i}" for i in cover["instrument"]],
                "factor_table": "instruments",
                "factor_row": cover["instrument"].astype(str).to_numpy(),
                "factor_value": cover["rate"].to_numpy(float),
                "factor_unit": "kg CO2e/MWh",
                "factor_basis": "co2e:instrument",
                "factor_verified": True,
                "gas": "CO2e",
                "gas_kg": np.nan,
                "gwp_set": "instrument (as stated)",
                "gwp": np.nan,
                "co2e_kg": (cover["mwh"] * cover["rate"]).to_numpy(float),
                "note": [
                    f"{k.replace('_', ' ')} (instrument {i})"
                    for k, i in zip(cover["kind"], cover["instrument"], strict=True)
                ],
            }
        )
        return [lines, extra[LINE_COLUMNS]]

    # -- waste ---------------------------------------------------------------------------------

    def waste(self, activity: Activity) -> list[pd.DataFrame]:
        frame = with_facilities(activity.waste, activity)
        if frame.empty:
            return []
        frame["source_type"] = "waste"
        frame["source_id"] = frame["id"]
        frame["source"] = frame["facility"] + " / " + frame["stream"] + " -> " + frame["route"]
        frame["quantity"] = frame["quantity_kg"]
        frame["quantity_canonical"] = frame["quantity_kg"]
        out = []
        for (family, year, stream, route), block in frame.groupby(
            ["family", "year", "stream", "route"], dropna=False
        ):
            who = f"waste {stream} -> {route} ({family} {year})"
            if route in rules.NO_DISPOSAL_ROUTES:
                self._exclude(f"{stream} sent to {route}: no disposal, no Scope 3 cat 5 emissions")
                continue
            if stream in rules.CLINICAL_STREAMS:
                family_used, activity_name = "healthcare-waste", rules.CLINICAL_ROUTES.get(route)
            else:
                family_used = family
                activity_name = rules.WASTE_ACTIVITIES.get(family, {}).get((stream, route))
            if not isinstance(family_used, str) or activity_name is None:
                self._gap(f"{who}: no waste factor mapped for this stream and route")
                continue
            try:
                ds = self._dataset(family_used, int(year))
            except MissingFactorError as exc:
                self._gap(f"{who}: {exc}")
                continue
            factors = self._lookup(ds, "waste", activity_name, None, who)
            if factors is None:
                continue
            note = rules.WASTE_NOTES.get((family_used, stream), "")
            if stream in rules.CLINICAL_STREAMS and route in ("autoclave_landfill",):
                note = "proxy: autoclave then low-temperature incineration (Rizan et al. 2021)"
            meta = {"source_type": "waste", "scope": "3", "category": "cat5_waste", "note": note}
            try:
                out.append(self._apply(block, ds, factors, unit="kg", commodity=None, meta=meta))
            except (MissingFactorError, units.UnitError) as exc:
                self._gap(f"{who}: {exc}")
        return out

    def run(self, activity: Activity) -> Inventory:
        from greencare.core import purchases as purchase_rules

        parts = self.market(self.energy(activity), activity) + self.waste(activity)
        parts += purchase_rules.lines(self, activity)
        parts = [p for p in parts if not p.empty]
        lines = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=LINE_COLUMNS)
        lines = self._mark_stand_ins(lines, activity)
        lines = lines.sort_values(
            ["facility_id", "month", "scope", "category", "source", "gas"], kind="stable"
        ).reset_index(drop=True)
        energy = energy_metrics(self, activity)  # may add the site-to-source dataset
        return Inventory(
            lines=lines,
            gaps=self.gaps,
            exclusions=self.exclusions,
            datasets=dict(sorted(self.used.items())),
            gwp=self.gwp,
            energy=energy,
            stand_ins=sorted(set(self.stand_ins.values()), key=_year_order),
        )


def _year_order(sentence: str) -> tuple[str, str]:
    """Sort stand-in sentences by the activity year they name, then by text."""
    year = sentence.split(" used for ", 1)[-1][:4]
    return year, sentence


def energy_metrics(engine: Engine, activity: Activity) -> pd.DataFrame:
    """Site energy per facility, month and commodity (kWh), with US source energy."""
    frame = activity.energy
    if frame.empty:
        return pd.DataFrame(
            columns=["facility_id", "month", "commodity", "site_kwh", "source_kwh", "cost"]
        )
    energy = frame[frame["canonical_unit"] == units.CANONICAL_ENERGY]
    grouped = energy.groupby(["facility_id", "month", "commodity"], as_index=False).agg(
        site_kwh=("quantity_canonical", "sum"),
        estimated_kwh=("estimated_canonical", "sum"),
        cost=("cost", "sum"),
    )
    ratios = engine.library.table("energy-star-pm/2023", "site_source_ratios.csv")
    by_type = dict(zip(ratios["energy_type"], ratios["ratio"].astype(float), strict=True))
    countries = activity.facilities.set_index("id")["country"]
    is_us = grouped["facility_id"].map(countries) == "US"
    ratio = grouped["commodity"].map(by_type).where(is_us)
    grouped["source_kwh"] = grouped["site_kwh"] * ratio
    if is_us.any():
        engine.used["energy-star-pm/2023"] = engine.library.dataset("energy-star-pm/2023")
    return grouped


def calculate(
    activity: Activity,
    library: FactorLibrary,
    *,
    gwp: str | None = None,
    pins: dict[str, str] | None = None,
    strict: bool = True,
    chiller: str = rules.DEFAULT_CHILLER,
) -> Inventory:
    """Compute the inventory; with ``strict`` a missing factor raises, naming every gap.

    ``chiller`` is the district chilled water plant type for US facilities (a key of
    ``rules.CHILLER_COP``); the default is the electric-driven chiller.
    """
    inventory = Engine(library, gwp=gwp, pins=pins, chiller=chiller).run(activity)
    if strict and inventory.gaps:
        raise MissingFactorError(
            "missing emission factors (nothing was counted as zero; --allow-gaps reports the "
            "totals without them):\n  - " + "\n  - ".join(inventory.gaps)
        )
    return inventory
