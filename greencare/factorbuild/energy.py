"""ENERGY STAR Portfolio Manager conversions -> factors/energy-star-pm/2023/.

No workbook is available: the thermal conversion factors (kBtu per unit) and US site-to-source
ratios are written from the documented table below, citing the PM Technical Reference.
"""

from __future__ import annotations

from pathlib import Path

from .common import fmt_num, write_csv, write_toml

THERMAL_COLUMNS = ("fuel", "unit", "kbtu_per_unit", "source", "verified", "notes")
RATIO_COLUMNS = ("energy_type", "ratio", "country", "source", "verified", "notes")

PM_THERMAL = (
    "ENERGY STAR Portfolio Manager Technical Reference: Thermal Conversions (older edition, as "
    "carried in SEED-platform/seed seed/data_importer/utils.py)"
)
PM_SOURCE = "ENERGY STAR Portfolio Manager Technical Reference: Source Energy (August 2023)"

# (fuel, unit, kBtu per unit, notes)
THERMAL: list[tuple[str, str, float, str]] = [
    ("electricity", "kWh", 3.412, ""),
    ("electricity", "MWh", 3412, ""),
    ("electricity", "GJ", 947.817, ""),
    ("electricity", "MMBtu", 1000, ""),
    ("natural_gas", "cf", 1.026, ""),
    ("natural_gas", "ccf", 102.6, ""),
    ("natural_gas", "Mcf", 1026, "PM 'kcf (Mcf)'"),
    ("natural_gas", "therm", 100, ""),
    ("natural_gas", "m**3", 36.303, ""),
    ("fuel_oil_1", "US_gallon", 139, ""),
    ("fuel_oil_2", "US_gallon", 138, ""),
    ("fuel_oil_2", "litre", 36.456, ""),
    ("fuel_oil_4", "US_gallon", 146, ""),
    ("fuel_oil_5_6", "US_gallon", 150, ""),
    ("diesel", "US_gallon", 138, ""),
    ("diesel", "litre", 36.456, ""),
    ("kerosene", "US_gallon", 135, ""),
    ("propane", "US_gallon", 92, "liquid"),
    ("propane", "cf", 2.516, "gas phase"),
    ("propane", "litre", 24.304, "liquid"),
    ("district_steam", "lb", 1.194, "saturated at 150 psi"),
    ("district_steam", "klb", 1194, "saturated at 150 psi"),
    ("district_steam", "kg", 2.632, "saturated at 150 psi"),
    ("district_hot_water", "therm", 100, ""),
    ("district_chilled_water", "ton_hour", 12.0, ""),
]

# (energy type, ratio, verified, notes)
RATIOS: list[tuple[str, float, bool, str]] = [
    ("electricity", 2.8, True, "grid purchase"),
    ("natural_gas", 1.05, True, ""),
    ("onsite_solar", 1.0, True, ""),
    ("onsite_wind", 1.0, True, ""),
    ("fuel_oil_1", 1.01, False, "commonly cited; verify"),
    ("fuel_oil_2", 1.01, False, "commonly cited; verify"),
    ("fuel_oil_4", 1.01, False, "commonly cited; verify"),
    ("fuel_oil_5_6", 1.01, False, "commonly cited; verify"),
    ("diesel", 1.01, False, "commonly cited; verify"),
    ("kerosene", 1.01, False, "commonly cited; verify"),
    ("propane", 1.01, False, "commonly cited; verify"),
    ("district_steam", 1.2, False, "commonly cited; verify"),
    ("district_hot_water", 1.2, False, "commonly cited; verify"),
    ("district_chilled_water", 0.91, False, "approximately 0.91; commonly cited; verify"),
]


def extract(source_dir: Path, out_dir: Path, edition: str = "2023") -> dict[str, int]:
    """Write factors/energy-star-pm/2023/ (source_dir unused: no workbook exists)."""
    dest = out_dir / "energy-star-pm" / edition
    thermal = [
        {
            "fuel": f,
            "unit": u,
            "kbtu_per_unit": fmt_num(v),
            "source": PM_THERMAL,
            "verified": "false",
            "notes": n,
        }
        for f, u, v, n in THERMAL
    ]
    ratios = [
        {
            "energy_type": e,
            "ratio": fmt_num(r),
            "country": "US",
            "source": PM_SOURCE,
            "verified": "true" if ok else "false",
            "notes": n,
        }
        for e, r, ok, n in RATIOS
    ]
    counts = {
        "thermal_conversions.csv": write_csv(
            dest / "thermal_conversions.csv", THERMAL_COLUMNS, thermal
        ),
        "site_source_ratios.csv": write_csv(
            dest / "site_source_ratios.csv", RATIO_COLUMNS, ratios, unique="energy_type"
        ),
    }
    write_toml(
        dest / "dataset.toml",
        {
            "dataset": {
                "id": f"energy-star-pm/{edition}",
                "title": "ENERGY STAR Portfolio Manager thermal conversions and site-to-source ratios",
                "publisher": "U.S. EPA ENERGY STAR",
                "edition": edition,
                "year": int(edition),
                "published": "2023-08",
                "url": "https://portfoliomanager.energystar.gov/pdf/reference/Thermal%20Conversions.pdf",
                "licence": "US Government work, public domain in the US",
                "gwp_set": "none",
                "source_file": "none (documented table in greencare/factorbuild/energy.py, from the "
                "greencare research notes)",
                "extracted_by": "greencare.factorbuild",
                "notes": (
                    "Fuel keys follow greencare.core.vocab.Commodity. Units are pint strings plus "
                    "greencare/core/units.txt tokens (cf, ccf, Mcf, klb, ton_hour, US_gallon). PM "
                    "updates these each August; the thermal table comes from an older edition."
                ),
            },
            "files": {
                "thermal_conversions": {
                    "description": "kBtu per unit of each fuel",
                    "columns": {
                        "fuel": "commodity key",
                        "unit": "unit the fuel is billed in",
                        "kbtu_per_unit": "kBtu per unit",
                        "source": "publication",
                        "verified": "false where the notes say verify",
                        "notes": "free text",
                    },
                },
                "site_source_ratios": {
                    "description": "US source energy per unit of site energy",
                    "columns": {
                        "energy_type": "commodity key",
                        "ratio": "source/site ratio",
                        "country": "US",
                        "source": "publication",
                        "verified": "false where the notes say verify",
                        "notes": "free text",
                    },
                },
            },
            "unverified": [f"thermal:{r['fuel']}:{r['unit']}" for r in thermal]
            + [f"ratio:{r['energy_type']}" for r in ratios if r["verified"] == "false"],
            "unverified_note": "The whole thermal table is marked verify (current PM edition not "
            "checked). Site-to-source ratios other than electricity 2.80, natural gas 1.05 and "
            "on-site solar/wind 1.00 are marked verify.",
        },
    )
    return counts
