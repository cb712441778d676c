"""The fixed vocabularies greencare records against.

They follow what Portfolio Manager, Practice Greenhealth and the GHG Protocol ask hospitals for
(see the README's "Units & vocabularies"), so data entered here can be reported to any of them
without re-keying. Values are stable strings: they are stored in the database and appear in
import files, so renaming one needs a migration.
"""

from __future__ import annotations

from enum import StrEnum


class FacilityKind(StrEnum):
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    MEDICAL_OFFICE = "medical_office"
    AMBULATORY_SURGERY = "ambulatory_surgery"
    LONG_TERM_CARE = "long_term_care"
    LABORATORY = "laboratory"
    OTHER = "other"


class Commodity(StrEnum):
    """What a meter measures: Portfolio Manager's energy and water meter types, simplified."""

    ELECTRICITY = "electricity"
    NATURAL_GAS = "natural_gas"
    FUEL_OIL_1 = "fuel_oil_1"
    FUEL_OIL_2 = "fuel_oil_2"
    FUEL_OIL_4 = "fuel_oil_4"
    FUEL_OIL_5_6 = "fuel_oil_5_6"
    DIESEL = "diesel"
    KEROSENE = "kerosene"
    PROPANE = "propane"
    DISTRICT_STEAM = "district_steam"
    DISTRICT_HOT_WATER = "district_hot_water"
    DISTRICT_CHILLED_WATER = "district_chilled_water"
    ONSITE_SOLAR = "onsite_solar"
    ONSITE_WIND = "onsite_wind"
    WATER = "water"
    RECLAIMED_WATER = "reclaimed_water"
    WELL_WATER = "well_water"


#: Commodities whose readings are water volumes rather than energy.
WATER_COMMODITIES = frozenset({Commodity.WATER, Commodity.RECLAIMED_WATER, Commodity.WELL_WATER})

#: Fuels burned on site (Scope 1 stationary combustion when metered at the facility).
COMBUSTION_FUELS = frozenset(
    {
        Commodity.NATURAL_GAS,
        Commodity.FUEL_OIL_1,
        Commodity.FUEL_OIL_2,
        Commodity.FUEL_OIL_4,
        Commodity.FUEL_OIL_5_6,
        Commodity.DIESEL,
        Commodity.KEROSENE,
        Commodity.PROPANE,
    }
)


class DeliveryClass(StrEnum):
    """Portfolio Manager's three ways energy reaches a property."""

    METERED = "metered"
    BULK_DELIVERY = "bulk_delivery"
    ONSITE_GENERATION = "onsite_generation"


class WasteStream(StrEnum):
    """Waste and material streams hospitals track (Practice Greenhealth, NHS ERIC)."""

    REGULATED_MEDICAL_WASTE = "regulated_medical_waste"
    SHARPS = "sharps"
    PATHOLOGICAL = "pathological"
    TRACE_CHEMOTHERAPY = "trace_chemotherapy"
    PHARMACEUTICAL_HAZARDOUS = "pharmaceutical_hazardous"
    PHARMACEUTICAL_NON_HAZARDOUS = "pharmaceutical_non_hazardous"
    HAZARDOUS_CHEMICAL = "hazardous_chemical"
    UNIVERSAL_WASTE = "universal_waste"
    E_WASTE = "e_waste"
    SOLID_WASTE = "solid_waste"
    CARDBOARD = "cardboard"
    PAPER = "paper"
    PLASTICS = "plastics"
    METALS = "metals"
    GLASS = "glass"
    MIXED_RECYCLING = "mixed_recycling"
    FOOD_WASTE = "food_waste"
    CONSTRUCTION_DEMOLITION = "construction_demolition"
    REUSABLE_SHARPS_CONTAINERS = "reusable_sharps_containers"
    REPROCESSED_DEVICES = "reprocessed_devices"


class DisposalRoute(StrEnum):
    LANDFILL = "landfill"
    INCINERATION = "incineration"
    AUTOCLAVE_LANDFILL = "autoclave_landfill"
    ALTERNATIVE_TREATMENT = "alternative_treatment"
    WASTE_TO_ENERGY = "waste_to_energy"
    RECYCLING = "recycling"
    COMPOSTING = "composting"
    ANAEROBIC_DIGESTION = "anaerobic_digestion"
    REUSE = "reuse"
    REPROCESSING = "reprocessing"
    DONATION = "donation"


class HealthcareCategory(StrEnum):
    """Purchases recorded as physical quantities because they have physical emission factors."""

    ANESTHETIC_GAS = "anesthetic_gas"
    INHALER = "inhaler"
    REFRIGERANT = "refrigerant"
    FLEET_FUEL = "fleet_fuel"


#: Known items per healthcare category. Refrigerants also accept any ASHRAE ``R-`` number.
HEALTHCARE_ITEMS: dict[HealthcareCategory, frozenset[str]] = {
    HealthcareCategory.ANESTHETIC_GAS: frozenset(
        {"desflurane", "sevoflurane", "isoflurane", "nitrous_oxide"}
    ),
    HealthcareCategory.INHALER: frozenset(
        {"pmdi_hfa134a_small", "pmdi_hfa134a_large", "pmdi_hfa227ea", "dpi", "smi"}
    ),
    HealthcareCategory.REFRIGERANT: frozenset(
        {
            "R-22",
            "R-32",
            "R-123",
            "R-125",
            "R-134a",
            "R-143a",
            "R-404A",
            "R-407C",
            "R-410A",
            "R-417A",
            "R-422D",
            "R-448A",
            "R-449A",
            "R-454B",
            "R-507A",
            "R-513A",
            "R-514A",
            "R-1234yf",
            "R-1234ze",
        }
    ),
    HealthcareCategory.FLEET_FUEL: frozenset(
        {
            "gasoline",
            "diesel",
            "biodiesel_b5",
            "biodiesel_b20",
            "biodiesel_b100",
            "ethanol_e10",
            "ethanol_e85",
            "ethanol_e100",
            "cng",
        }
    ),
}
