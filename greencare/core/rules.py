"""Which published factor applies to which activity: greencare's mapping, in one place.

Each factor family (US EPA GHG Emission Factors Hub, UK DESNZ conversion factors) names its
activities in its own words; these tables say which of them greencare uses for each commodity,
waste stream and route, or healthcare item, and in which scope and category the result goes.
The mapping is data about method, so it lives here rather than scattered through the engine;
the methodology section of a report is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from greencare.core.errors import InputError

#: Factor family used for a facility's country.
FAMILY_BY_COUNTRY = {"US": "epa-ghg-hub", "GB": "desnz"}

#: Scope and category names used in results (GHG Protocol).
CATEGORY_LABELS = {
    "stationary_combustion": "Stationary combustion",
    "mobile_combustion": "Mobile combustion (fleet)",
    "anesthetic_gases": "Anesthetic gases",
    "refrigerants": "Refrigerants",
    "inhalers": "Metered-dose inhalers",
    "purchased_electricity": "Purchased electricity",
    "purchased_heat_steam": "Purchased heat and steam",
    "purchased_cooling": "Purchased cooling (district chilled water)",
    "cat1_purchased_goods": "Cat 1 Purchased goods and services",
    "cat3_fuel_energy": "Cat 3 Fuel- and energy-related activities",
    "cat5_waste": "Cat 5 Waste generated in operations",
    "biogenic_co2": "Biogenic CO2 (outside the scopes)",
}


@dataclass(frozen=True)
class Rule:
    """Apply the factor rows of (activity_type, activity) to an activity.

    region: "grid" to look factors up by the facility's grid region, "country" by its country
    code, None for factors without a region. td_loss: multiply by the region's grid gross loss
    fraction first (US T&D losses, Scope 3 category 3). market: also report a market-based line.
    """

    activity_type: str
    activity: str
    scope: str
    category: str
    region: str | None = None
    td_loss: bool = False
    market: bool = False
    note: str = ""
    scale: float = 1.0
    scale_note: str = ""


def _combustion(activity: str, activity_type: str = "stationary_combustion") -> list[Rule]:
    return [Rule(activity_type, activity, "1", "stationary_combustion")]


def _desnz_fuel(activity: str, activity_type: str = "stationary_combustion") -> list[Rule]:
    return [
        Rule(activity_type, activity, "1", "stationary_combustion"),
        Rule("well_to_tank", activity, "3", "cat3_fuel_energy", note="well-to-tank"),
    ]


ENERGY_RULES: dict[str, dict[str, list[Rule]]] = {
    "epa-ghg-hub": {
        "natural_gas": _combustion("natural_gas"),
        "fuel_oil_1": _combustion("distillate_fuel_oil_no_1"),
        "fuel_oil_2": _combustion("distillate_fuel_oil_no_2"),
        "fuel_oil_4": _combustion("distillate_fuel_oil_no_4"),
        "fuel_oil_5_6": _combustion("residual_fuel_oil_no_6"),
        "diesel": [
            Rule(
                "stationary_combustion",
                "distillate_fuel_oil_no_2",
                "1",
                "stationary_combustion",
                note="diesel burned in generators: EPA Table 1 distillate fuel oil No. 2",
            )
        ],
        "kerosene": _combustion("kerosene"),
        "propane": _combustion("propane"),
        "electricity": [
            Rule("electricity", "electricity", "2", "purchased_electricity", "grid", market=True),
            Rule(
                "electricity",
                "electricity",
                "3",
                "cat3_fuel_energy",
                "grid",
                td_loss=True,
                note="T&D losses: consumption x grid gross loss x grid factor",
            ),
        ],
        "district_steam": [
            Rule("steam_heat", "steam_and_heat", "2", "purchased_heat_steam", market=True)
        ],
        "district_hot_water": [
            Rule("steam_heat", "steam_and_heat", "2", "purchased_heat_steam", market=True)
        ],
    },
    "desnz": {
        "natural_gas": _desnz_fuel("natural_gas"),
        "fuel_oil_1": _desnz_fuel("burning_oil"),
        "fuel_oil_2": _desnz_fuel("gas_oil"),
        "fuel_oil_4": _desnz_fuel("fuel_oil"),
        "fuel_oil_5_6": _desnz_fuel("fuel_oil"),
        "diesel": _desnz_fuel("diesel_100_pct_mineral_diesel", "mobile_combustion"),
        "kerosene": _desnz_fuel("burning_oil"),
        "propane": _desnz_fuel("propane"),
        "electricity": [
            Rule(
                "electricity",
                "electricity",
                "2",
                "purchased_electricity",
                "country",
                market=True,
            ),
            Rule(
                "electricity_td_loss",
                "electricity",
                "3",
                "cat3_fuel_energy",
                "country",
                note="T&D losses",
            ),
            Rule("well_to_tank", "electricity", "3", "cat3_fuel_energy", note="well-to-tank"),
            Rule(
                "well_to_tank",
                "electricity_td_loss",
                "3",
                "cat3_fuel_energy",
                note="well-to-tank of T&D losses",
            ),
        ],
        "district_steam": [
            Rule(
                "steam_heat",
                "district_heat_and_steam",
                "2",
                "purchased_heat_steam",
                "country",
                market=True,
            ),
            Rule(
                "steam_heat",
                "district_heat_and_steam_distribution",
                "3",
                "cat3_fuel_energy",
                "country",
                note="distribution losses",
            ),
            Rule(
                "well_to_tank",
                "district_heat_and_steam",
                "3",
                "cat3_fuel_energy",
                note="well-to-tank",
            ),
            Rule(
                "well_to_tank",
                "district_heat_and_steam_distribution",
                "3",
                "cat3_fuel_energy",
                note="well-to-tank of distribution losses (DESNZ 'WTT- district heat & steam "
                "distribution')",
            ),
        ],
        "water": [
            Rule("water_supply", "water_supply", "3", "cat1_purchased_goods", "country"),
            Rule(
                "water_treatment",
                "water_treatment",
                "3",
                "cat5_waste",
                "country",
                note="wastewater treatment, taken as equal to the volume supplied",
            ),
        ],
    },
}
ENERGY_RULES["desnz"]["district_hot_water"] = ENERGY_RULES["desnz"]["district_steam"]

#: District chilled water: neither the EPA Hub nor eGRID publishes a factor, so greencare derives
#: one, and says so on every line: the plant's input energy = cooling delivered / the COP of its
#: chillers, times the published factor of that input (eGRID subregion electricity, EPA Hub
#: Table 7 does not cover cooling; natural gas from Table 1). This is the district-cooling
#: method of the Local Government Operations Protocol v1.1 (CARB, ICLEI, The Climate Registry,
#: May 2010), section 6.5, with its default chiller COPs (Table 6.1, typical coefficients of
#: performance; not re-read from the protocol here, so the lines are marked unverified). The
#: chiller type follows Portfolio Manager's district chilled water meter types; the default is
#: the electric-driven chiller (Portfolio Manager's "District Chilled Water - Other" is not a
#: method, so greencare takes the most common plant type and names it).
CHILLER_COP = {
    "electric_driven": 4.2,
    "absorption_natural_gas": 0.8,
    "engine_driven_natural_gas": 1.2,
}
DEFAULT_CHILLER = "electric_driven"
_CHILLER_SOURCE = (
    "derived: cooling / COP {cop:g} ({label}, LGOP v1.1 Table 6.1 default COP) x {what}"
)


def chilled_water_rules(chiller: str) -> list[Rule]:
    """The US district chilled water rules for a chiller type (see CHILLER_COP)."""
    if chiller not in CHILLER_COP:
        raise InputError(
            f"unknown chiller type {chiller!r}; use one of {', '.join(sorted(CHILLER_COP))}"
        )
    cop = CHILLER_COP[chiller]
    label = chiller.replace("_", " ")
    if chiller == "electric_driven":
        note = _CHILLER_SOURCE.format(cop=cop, label=label, what="eGRID subregion electricity")
        return [
            Rule(
                "electricity",
                "electricity",
                "2",
                "purchased_cooling",
                "grid",
                market=True,
                note=note,
                scale=1 / cop,
                scale_note=f"1 / COP {cop:g}, {label} chiller",
            )
        ]
    note = _CHILLER_SOURCE.format(cop=cop, label=label, what="EPA Table 1 natural gas")
    return [
        Rule(
            "stationary_combustion",
            "natural_gas",
            "2",
            "purchased_cooling",
            market=True,
            note=note,
            scale=1 / cop,
            scale_note=f"1 / COP {cop:g}, {label} chiller",
        )
    ]


ENERGY_RULES["epa-ghg-hub"]["district_chilled_water"] = chilled_water_rules(DEFAULT_CHILLER)

#: Parts of Scope 3 category 3 a family publishes no factors for: not counted, and named (with
#: the reason) in "not counted, by method" whenever the inventory holds energy or fleet fuel.
UPSTREAM_NOT_PUBLISHED = {
    "epa-ghg-hub": (
        "well-to-tank (upstream) emissions of fuels, electricity and district energy, Scope 3 "
        "category 3 (US): the US EPA GHG Emission Factors Hub publishes no well-to-tank "
        "factors, so they are not counted (only T&D losses of electricity are)"
    ),
}

#: Commodities with no emissions of their own: on-site renewables consumed on site.
ZERO_EMISSION_COMMODITIES = frozenset({"onsite_solar", "onsite_wind"})

#: Activities a family's datasets do not cover at all: excluded from the inventory and named
#: in its methodology (as opposed to a missing row, which is an error).
NOT_COVERED = {
    "epa-ghg-hub": {
        "water": "US EPA GHG Emission Factors Hub publishes no water supply or treatment factors",
        "reclaimed_water": "US EPA GHG Emission Factors Hub publishes no water factors",
        "well_water": "US EPA GHG Emission Factors Hub publishes no water factors",
    },
    "desnz": {
        "reclaimed_water": "DESNZ publishes no reclaimed-water factor",
        "well_water": "on-site well water has no supply factor",
    },
}

CLINICAL_STREAMS = frozenset(
    {
        "regulated_medical_waste",
        "sharps",
        "pathological",
        "trace_chemotherapy",
        "pharmaceutical_hazardous",
        "pharmaceutical_non_hazardous",
        "hazardous_chemical",
    }
)

#: Clinical waste (any country): Rizan et al. 2021, by treatment route.
CLINICAL_ROUTES = {
    "incineration": "clinical_high_temperature_incineration",
    "autoclave_landfill": "clinical_autoclave_then_low_temperature_incineration",
    "alternative_treatment": "clinical_autoclave_then_low_temperature_incineration",
    "waste_to_energy": "clinical_low_temperature_incineration_efw",
    "recycling": "clinical_recycling_low",
}

#: Routes that send nothing to disposal: no Scope 3 category 5 emissions, reported as such.
NO_DISPOSAL_ROUTES = frozenset({"reuse", "reprocessing", "donation"})

#: (stream, route) -> activity in each family's waste table.
WASTE_ACTIVITIES: dict[str, dict[tuple[str, str], str]] = {
    "epa-ghg-hub": {
        ("solid_waste", "landfill"): "mixed_msw_landfill",
        ("solid_waste", "incineration"): "mixed_msw_combustion",
        ("solid_waste", "waste_to_energy"): "mixed_msw_combustion",
        ("cardboard", "recycling"): "corrugated_containers_recycling",
        ("cardboard", "landfill"): "corrugated_containers_landfill",
        ("paper", "recycling"): "mixed_paper_general_recycling",
        ("paper", "landfill"): "mixed_paper_general_landfill",
        ("plastics", "recycling"): "mixed_plastics_recycling",
        ("plastics", "landfill"): "mixed_plastics_landfill",
        ("metals", "recycling"): "mixed_metals_recycling",
        ("metals", "landfill"): "mixed_metals_landfill",
        ("glass", "recycling"): "glass_recycling",
        ("glass", "landfill"): "glass_landfill",
        ("mixed_recycling", "recycling"): "mixed_recyclables_recycling",
        ("food_waste", "composting"): "food_waste_composting",
        ("food_waste", "landfill"): "food_waste_landfill",
        ("food_waste", "incineration"): "food_waste_combustion",
        ("food_waste", "waste_to_energy"): "food_waste_combustion",
        ("e_waste", "recycling"): "mixed_electronics_recycling",
        ("e_waste", "landfill"): "mixed_electronics_landfill",
        ("universal_waste", "recycling"): "mixed_electronics_recycling",
    },
    "desnz": {
        ("solid_waste", "landfill"): "commercial_and_industrial_waste_landfill",
        ("solid_waste", "incineration"): (
            "commercial_and_industrial_waste_incineration_energy_recovery"
        ),
        ("solid_waste", "waste_to_energy"): (
            "commercial_and_industrial_waste_incineration_energy_recovery"
        ),
        ("cardboard", "recycling"): "paper_and_board_board_recycling_closed_loop",
        ("cardboard", "landfill"): "paper_and_board_board_landfill",
        ("paper", "recycling"): "paper_and_board_paper_recycling_closed_loop",
        ("paper", "landfill"): "paper_and_board_paper_landfill",
        ("plastics", "recycling"): "plastics_average_plastics_recycling_closed_loop",
        ("plastics", "landfill"): "plastics_average_plastics_landfill",
        ("metals", "recycling"): "metal_scrap_metal_recycling_closed_loop",
        ("glass", "recycling"): "glass_recycling_closed_loop",
        ("mixed_recycling", "recycling"): "paper_and_board_mixed_recycling_closed_loop",
        ("food_waste", "composting"): "organic_food_and_drink_waste_composting",
        ("food_waste", "anaerobic_digestion"): "organic_food_and_drink_waste_anaerobic_digestion",
        ("food_waste", "landfill"): "organic_food_and_drink_waste_landfill",
        ("e_waste", "recycling"): "weee_mixed_recycling_open_loop",
        ("construction_demolition", "recycling"): "average_construction_recycling_open_loop",
    },
}
# DESNZ has no "mixed recyclables" row; mixed dry recycling is mostly paper and board.
WASTE_NOTES = {
    ("desnz", "mixed_recycling"): "mixed dry recycling taken as mixed paper and board (DESNZ)",
    ("epa-ghg-hub", "universal_waste"): "universal waste taken as mixed electronics (EPA WARM)",
}

#: Fleet fuel -> (family -> (activity_type, activity)).
FLEET_FUELS = {
    "epa-ghg-hub": {
        "gasoline": ("mobile_combustion", "motor_gasoline"),
        "diesel": ("mobile_combustion", "diesel_fuel"),
        "biodiesel_b100": ("mobile_combustion", "biodiesel_100_pct"),
        "ethanol_e100": ("mobile_combustion", "ethanol_100_pct"),
        "cng": ("mobile_combustion", "compressed_natural_gas_cng"),
    },
    "desnz": {
        "gasoline": ("mobile_combustion", "petrol_average_biofuel_blend"),
        "diesel": ("mobile_combustion", "diesel_average_biofuel_blend"),
        "cng": ("mobile_combustion", "cng"),
    },
}

#: Fleet fuel blends by volume: item -> ((component fuel, volume fraction), ...). The number in
#: the name is the biofuel's percent by volume (B20 = 20% biodiesel in diesel, E85 = 85% ethanol
#: in gasoline, nominal). EPA Hub Table 2 lists only the pure fuels (Diesel Fuel, Motor
#: Gasoline, Biodiesel (100%), Ethanol (100%)), so a blend is the volume-weighted sum of them.
FUEL_BLENDS: dict[str, tuple[tuple[str, float], ...]] = {
    "biodiesel_b5": (("diesel", 0.95), ("biodiesel_b100", 0.05)),
    "biodiesel_b20": (("diesel", 0.80), ("biodiesel_b100", 0.20)),
    "ethanol_e10": (("gasoline", 0.90), ("ethanol_e100", 0.10)),
    "ethanol_e85": (("gasoline", 0.15), ("ethanol_e100", 0.85)),
}

#: Fuels of biological origin: the CO2 from burning them is biogenic and is reported outside
#: the scopes (GHG Protocol Corporate Standard, ch. 9); their CH4 and N2O stay in Scope 1.
BIOGENIC_FUELS = frozenset({"biodiesel_b100", "ethanol_e100"})

#: Scope value and category of biogenic CO2 lines: never part of a Scope 1-3 total.
OUTSIDE_SCOPES = "outside"
BIOGENIC_CATEGORY = "biogenic_co2"

#: Pure refrigerants: ASHRAE number -> the gas name in the IPCC GWP tables.
PURE_REFRIGERANTS = {
    "R-22": "HCFC-22",
    "R-32": "HFC-32",
    "R-125": "HFC-125",
    "R-134a": "HFC-134a",
    "R-143a": "HFC-143a",
    "R-152a": "HFC-152a",
    "R-227ea": "HFC-227ea",
    "R-23": "HFC-23",
    "R-245fa": "HFC-245fa",
    # Chillers and low-GWP systems hospitals run (ASHRAE 34 single-compound designations).
    "R-123": "HCFC-123",
    "R-124": "HCFC-124",
    "R-1234yf": "HFO-1234yf",
    # R-1234ze as sold for chillers is the (E) isomer; ASHRAE 34 designates it R-1234ze(E).
    "R-1234ze": "HFO-1234ze(E)",
    "R-1233zd": "HCFO-1233zd(E)",
    "R-290": "propane",
    "R-600a": "isobutane",
    "R-744": "CO2",
    "R-717": "ammonia",
}

#: Gases the GHG Protocol requires in an inventory (Kyoto basket) that refrigerants contain.
_REQUIRED_GASES = frozenset({"CO2", "SF6", "NF3"})


def refrigerant_gas_class(gas: str) -> str:
    """How a refrigerant constituent is reported.

    "counted": an HFC or PFC (or CO2, SF6, NF3), a gas the GHG Protocol requires, in Scope 1.
    "montreal": an HCFC or CFC, controlled by the Montreal Protocol, reported outside the scopes.
    "not_required": anything else (hydrocarbons, HFOs, HCFOs, ammonia, trans-dichloroethylene):
    not a gas the GHG Protocol requires; EPA Hub Table 12 likewise bases a blend's GWP "only on
    their HFC and PFC constituents", so the blend totals match the published blend GWPs.
    """
    upper = gas.upper()
    if is_montreal_gas(gas):
        return "montreal"
    if upper.startswith(("HFC-", "PFC-")) or upper in _REQUIRED_GASES:
        return "counted"
    return "not_required"


#: Gases controlled by the Montreal Protocol: reported outside GHG Protocol scope totals.
def is_montreal_gas(gas: str) -> bool:
    return gas.upper().startswith(("HCFC", "CFC"))
