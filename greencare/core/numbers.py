"""Numbers as people read them back: exactly what is stored, never rounded for display.

A form that opens a stored value must show every digit it has, or saving the form unchanged
would round it (118,233.40 saved back as 118,233; 1,234,567.8 as 1.23457e+06). Python's
``repr`` of a float is the shortest text that reads back to the same float; this writes it
without an exponent, so it can be typed over like any other number.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal


class NumberError(ValueError):
    """A typed number greencare will not guess at; the message says what to write."""


_GROUPED = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?([eE][-+]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")


def ungrouped(text: str) -> str:
    """A typed number without its thousands separators: ``4,200`` is ``4200``.

    A comma anywhere else is refused, not dropped: ``45,5`` is a decimal comma, and reading it
    as 455 would store ten times the value (the CLI, the API and the forms all type numbers
    through here). Raises NumberError.
    """
    text = text.strip()
    if "," not in text:
        return text
    if _GROUPED.fullmatch(text):
        return text.replace(",", "")
    if _DECIMAL_COMMA.fullmatch(text):
        raise NumberError(
            f"{text!r}: a comma is read only between thousands (4,200); for "
            f"{text.replace(',', '.')} write a decimal point"
        )
    raise NumberError(f"{text!r} is not a number")


def typed_number(text: str) -> float:
    """``ungrouped`` as a float; NumberError for text that is not a number."""
    clean = ungrouped(text)
    try:
        return float(clean)
    except ValueError:
        raise NumberError(f"{text.strip()!r} is not a number") from None


def plain(value: float | int | None) -> str:
    """The exact text of a stored number, without an exponent: ``1234567.8``, ``0.0000001``.

    ``float(plain(x)) == x`` for every finite float; whole numbers lose the ``.0``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return repr(number)
    text = repr(number)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def grouped(value: float | int | None) -> str:
    """The exact number with thousands separators, for messages: ``1,234,567.8``."""
    text = plain(value)
    if not text or not (text.lstrip("-")[:1].isdigit()):
        return text
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}" + (f".{fraction}" if fraction else "")
