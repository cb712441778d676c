"""ENERGY STAR Portfolio Manager's "Add Bills to Existing Meters" upload workbook (template
"v 2.0", US EPA), written with openpyxl: the template's thirteen sheets in its order, with its
header cells exactly as it spells them (two spaces in "Property  Name", line breaks before
"(Pre-filled)"), and greencare's bills as rows. The template file itself is not copied: its
layout is restated here, and ``tests/reports/test_pm_upload.py`` compares it with the real one.

Rows come from :func:`greencare.services.portfolio_manager.export_bills` as dicts keyed by the
short field names below; text cells are cleaned and formula-like text neutralised as in every
report writer.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from greencare.reports.model import neutralise, safe_text

TITLE = "Add Bills to Existing Meters - Upload Template"
VERSION = "v 2.0"
XLSX_CELL_MAX = 32_767

_IDS = ("Meter ID\n(Pre-filled)", "Meter Consumption ID\n(Pre-filled)",
        "Portfolio Manager ID\n(Pre-filled)", "Property  Name\n(Pre-filled)",
        "Meter Name\n(Pre-filled)", "Meter Type\n(Pre-filled)")  # fmt: skip
_WASTE_IDS = ("Meter ID\n(Pre-filled)", "Meter Entry ID\n(Pre-filled)", *_IDS[2:])
_PERIOD = ("Start Date\n(Required)", "End Date\n(Required)")
_TAIL = ("Meter Unit\n(Pre-filled)", "Cost\n(Optional)", "Estimation (Required)")
_DISPOSAL = "Disposal Destination (Required for all DISPOSED waste and materials, must equal 100%) "
_DISPOSAL_PARTS = (
    "Landfill (%)",
    "Incineration (%)",
    "Waste to Energy (%)",
    "Don't Know/Other (%)",
)

ELECTRICITY = "Add Bills-Electricity"
NON_ELECTRIC = "Add Bills-Non Electric"
WATER = "Add Bills-Water"
ON_SITE = "Add Bills-On-Site"
DELIVERY = "Add Bills-Delivery"

#: (sheet, header rows, visible when empty) in the template's order.
SHEETS: list[tuple[str, list[tuple[Any, ...]], bool]] = [
    ("Instructions", [], True),
    (ELECTRICITY, [(*_IDS, *_PERIOD, "Usage\n(Required)", *_TAIL[:2], "Demand (kW) (Optional)",
                    "Demand Cost ($) (Optional)", _TAIL[2], "Green Power?\n(Required)",
                    "Green Power Quantity\n(Required, if Green Power)",
                    "Generation Location\n(Required, if you have Green Power)",
                    "Generation Facility ID\n(Required, if known)",
                    "eGRID Subregion or Province\n(Required, if known)",
                    "Fuel Source- Biogas % (Optional)", "Fuel Source- Biomass % (Optional)",
                    "Fuel Source- Geothermal % (Optional)",
                    "Fuel Source- Small Hydropower %  (Optional)",
                    "Fuel Source- Solar % (Optional)", "Fuel Source - Wind % (Optional)",
                    "Fuel Source- Unknown % (Optional)")], True),
    (NON_ELECTRIC, [(*_IDS, *_PERIOD, "Quantity\n(Required)", *_TAIL)], True),
    (WATER, [(*_IDS, *_PERIOD, "Usage\n(Required)", *_TAIL)], False),
    ("Add Bills-IT Energy", [(*_IDS, *_PERIOD, "Usage\n(Required)", *_TAIL)], False),
    ("Add Bills-Flow", [(*_IDS, *_PERIOD, "Usage\n(Required)", *_TAIL)], False),
    (ON_SITE, [(*_IDS, *_PERIOD, "Energy Used On-Site\n(Required)",
                "Energy Exported Off-Site\n(Required)", _TAIL[1], _TAIL[0], _TAIL[2],
                "REC Ownership (Required)", "Generation Location\n(Required for Arbitrage)",
                "eGRID Subregion or Province\n(Required for Arbitrage if your Generation "
                "Location is an eGRID region)",
                "Generation Facility ID\n(Required for Arbitrage if your Generation Location "
                "is a specific plant)")], False),
    (DELIVERY, [(*_IDS, "Delivery Date\n(Required)", "Quantity\n(Required)", *_TAIL)], False),
    ("Lists", [], False),
    ("Validation", [("ElectricUnits", "GasUnits", "WaterUnits", "Boolean", "BulkMetered",
                     "Energy Meter Types", "Water Meter Types", "IT Energy Meter Types", "Flow",
                     "Generation Location - Green Power", None, "EGRID", "REC",
                     "Generation Location- Arbitrage", "PowerPlantLookup", None,
                     "Waste Percent Full")], False),
    ("Regular Waste Amounts", [(*_WASTE_IDS, *_PERIOD, "Quantity\n(Required)", *_TAIL, _DISPOSAL),
                               (None,) * 12 + _DISPOSAL_PARTS], False),
    ("Intermittent Waste", [(*_WASTE_IDS, "Date\n(Required)", "Quantity\n(Required)", *_TAIL,
                             _DISPOSAL), (None,) * 11 + _DISPOSAL_PARTS], False),
    ("Regular Waste-Container", [(*_WASTE_IDS, *_PERIOD, "Container Size",
                                  "Number of Times Emptied (Required)", "Average Percent Full",
                                  _TAIL[1], _DISPOSAL), (None,) * 12 + _DISPOSAL_PARTS], False),
]  # fmt: skip

#: The fields of a row (``export_bills``) in each sheet's column order; None: left blank.
FIELDS: dict[str, tuple[str | None, ...]] = {
    ELECTRICITY: ("meter_id", None, "property_id", "property_name", "meter_name", "meter_type",
                  "start", "end", "quantity", "unit", "cost", "demand_kw", "demand_cost",
                  "estimated", "green_power"),
    NON_ELECTRIC: ("meter_id", None, "property_id", "property_name", "meter_name", "meter_type",
                   "start", "end", "quantity", "unit", "cost", "estimated"),
    WATER: ("meter_id", None, "property_id", "property_name", "meter_name", "meter_type",
            "start", "end", "quantity", "unit", "cost", "estimated"),
    ON_SITE: ("meter_id", None, "property_id", "property_name", "meter_name", "meter_type",
              "start", "end", "quantity", None, "cost", "unit", "estimated"),
    DELIVERY: ("meter_id", None, "property_id", "property_name", "meter_name", "meter_type",
               "start", "quantity", "unit", "cost", "estimated"),
}  # fmt: skip


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(safe_text(value, XLSX_CELL_MAX))
    return value


def _currency_format(code: str) -> str:
    """A number format that shows the bill's currency code beside its cost (value unchanged)."""
    code = "".join(c for c in code if c.isalpha())[:3].upper()
    return f'#,##0.00 "{code}"' if code else "#,##0.00"


def write_add_bills(rows_by_sheet: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    """The upload workbook at ``path``; ``rows_by_sheet`` maps sheet names of ``FIELDS`` to
    rows. Sheets with rows are visible; the others keep the template's visibility."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for title, headers, visible in SHEETS:
        sheet = book.create_sheet(title)
        for header in headers:
            sheet.append(list(header))
        for cell in (c for row in sheet.iter_rows() for c in row if c.value is not None):
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        rows = rows_by_sheet.get(title, [])
        fields = FIELDS.get(title, ())
        for row in rows:
            sheet.append([_cell(row.get(f)) if f else None for f in fields])
            for field, cell in zip(fields, sheet[sheet.max_row], strict=False):
                if isinstance(cell.value, date):
                    cell.number_format = "mm/dd/yyyy"
                elif field in ("cost", "demand_cost") and cell.value is not None:
                    cell.number_format = _currency_format(str(row.get("currency") or ""))
        if headers:
            sheet.freeze_panes = f"A{len(headers) + 1}"
            for index in range(1, len(headers[0]) + 1):
                sheet.column_dimensions[sheet.cell(1, index).column_letter].width = 18
        sheet.sheet_state = "visible" if (visible or rows) else "hidden"
    intro = book["Instructions"]
    intro["B2"] = TITLE
    intro["B2"].font = Font(bold=True, size=14)
    intro["B4"] = (
        "Written by greencare: one row per bill in the bill's own period and unit, deliveries "
        "on Add Bills-Delivery, costs in each bill's currency (blank for a bill in another "
        "currency than its property's). Meter ID and Portfolio Manager ID "
        "are blank where greencare has no Portfolio Manager id for the meter or property: fill "
        "them in Portfolio Manager's own download of this template before uploading."
    )
    intro["C45"] = "Template Version"
    intro["F45"] = VERSION
    book.save(path)
    return path
