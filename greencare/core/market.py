"""Market-based Scope 2: contractual instruments applied to electricity, month by month.

GHG Protocol Scope 2 Guidance, in the order greencare applies it to each meter and month:
1. Energy attribute certificates (RECs, PPAs, green tariffs) cover their MWh, spread over the
   months they name in proportion to consumption, never more than was consumed.
2. A supplier-specific emission rate covers the rest of that consumption.
3. What remains has no instrument: the location-based factor is used, and the line says so
   (the shipped datasets publish no residual mix).
Each portion becomes its own lines, so the market-based total is still a sum of lines that
name their instrument or factor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_COVER_COLUMNS = ["facility_id", "meter_id", "month", "instrument", "kind", "mwh", "rate"]


def coverage(energy: pd.DataFrame, instruments: pd.DataFrame) -> pd.DataFrame:
    """MWh of each meter-month covered by each instrument (certificates first, then supplier)."""
    elec = energy[energy["commodity"] == "electricity"]
    use = elec.groupby(["facility_id", "meter_id", "month"], as_index=False)[
        "quantity_canonical"
    ].sum()
    use["mwh"] = use["quantity_canonical"] / 1000.0
    if instruments.empty or use.empty:
        return pd.DataFrame(columns=_COVER_COLUMNS)
    parts = []
    for inst in instruments.itertuples():
        target = use[
            (use["facility_id"] == inst.facility_id)
            & (use["month"] >= inst.start_month)
            & (use["month"] <= inst.end_month)
        ]
        if pd.notna(inst.meter_id):
            target = target[target["meter_id"] == int(inst.meter_id)]
        if target.empty:
            continue
        if inst.kind == "supplier_factor":
            share = target["mwh"].to_numpy()  # capped below, after certificates
        else:
            total = target["mwh"].sum()
            share = inst.mwh * target["mwh"].to_numpy() / total if total > 0 else 0 * target["mwh"]
        parts.append(
            pd.DataFrame(
                {
                    "facility_id": target["facility_id"].to_numpy(),
                    "meter_id": target["meter_id"].to_numpy(),
                    "month": target["month"].to_numpy(),
                    "instrument": inst.id,
                    "kind": inst.kind,
                    "mwh": np.asarray(share, dtype=float),
                    "rate": float(inst.co2e_kg_per_mwh),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=_COVER_COLUMNS)
    cover = pd.concat(parts, ignore_index=True).merge(
        use[["meter_id", "month", "mwh"]].rename(columns={"mwh": "used"}), on=["meter_id", "month"]
    )
    certs = cover["kind"] != "supplier_factor"
    claimed = cover[certs].groupby(["meter_id", "month"])["mwh"].transform("sum")
    scale = np.minimum(1.0, cover.loc[certs, "used"] / claimed.where(claimed > 0, 1.0))
    cover.loc[certs, "mwh"] = cover.loc[certs, "mwh"] * scale
    covered = cover[certs].groupby(["meter_id", "month"])["mwh"].sum()
    key = pd.MultiIndex.from_frame(cover[["meter_id", "month"]])
    rest = (cover["used"] - covered.reindex(key).fillna(0.0).to_numpy()).clip(lower=0.0)
    supplier = ~certs
    cover.loc[supplier, "mwh"] = rest[supplier]
    return cover[_COVER_COLUMNS]
