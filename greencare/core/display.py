"""Numbers as people read them: in full, never in exponent notation.

A confirmation line that says "5e+08 kWh" makes a user count digits to check what was stored;
Python's ``g`` format switches to exponents at a million. These helpers print every digit of
the shortest representation of a float (the digits that were typed), with thousands separators.
"""

from __future__ import annotations

import math
from decimal import Decimal


def full_number(value: float | int) -> str:
    """``value`` with every significant digit and no exponent: 5e8 -> "500,000,000",
    1234567.891 -> "1,234,567.891", 1e-7 -> "0.0000001"."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    text = format(Decimal(repr(value)), "f")  # shortest round-trip digits, never an exponent
    whole, _, fraction = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def significant(value: float, digits: int = 6) -> str:
    """``value`` rounded to ``digits`` significant digits, printed in full (no exponent)."""
    if not math.isfinite(value) or value == 0:
        return full_number(value)
    return full_number(float(f"{value:.{digits}g}"))
