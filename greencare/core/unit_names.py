"""How stored unit spellings are shown, apart from ``units`` so that showing one (the terminal
app's pickers and tables) needs neither the bill-unit table nor pint."""

from __future__ import annotations

#: How people write the stored spellings that are not already what they write.
_DISPLAY = {
    "m**3": "m³", "ft**2": "ft²", "m**2": "m²", "US_gallon": "US gallon",
    "imperial_gallon": "UK gallon", "short_ton": "short ton", "ton_hour": "ton-hour",
}  # fmt: skip


def display(unit: str | None) -> str:
    """A stored unit spelled as people write it (``m³``, not ``m**3``); every form parses back.

    Only the known stored spellings change; any other text is returned as it is (a unit from a
    file that was refused, say, is shown exactly as the file had it)."""
    if not unit:
        return ""
    return _DISPLAY.get(unit, unit)
