"""What the use-case modules share: validation through the models, numbers as typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlite_utils import Database

from greencare.core.errors import InputError
from greencare.core.models import (
    model_errors,
)
from greencare.core.numbers import NumberError, typed_number
from greencare.core.text import quote
from greencare.storage import facilities

M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: dict[str, Any], context: dict[str, Any] | None = None) -> M:
    """Build a model, turning pydantic's errors into one InputError naming every field."""
    try:
        return model.model_validate(data, context=context)
    except (ValidationError, ValueError) as exc:
        pairs = model_errors(exc)
        fields = {name: msg for name, msg in pairs}
        message = "; ".join(msg if name == "record" else f"{name}: {msg}" for name, msg in pairs)
        raise InputError(message, fields) from exc


_QUANTITY_TEXT = re.compile(r"^\s*([-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def split_quantity(text: str) -> tuple[float, str]:
    """Split "350000 ft**2" or "350,000 sq ft" into (350000.0, "ft**2")."""
    match = _QUANTITY_TEXT.match(text)
    if not match or not match.group(2):
        raise InputError(f"{quote(text)} should be a number and a unit, e.g. '350000 ft**2'")
    try:
        return typed_number(match.group(1)), match.group(2)
    except NumberError as exc:
        raise InputError(str(exc)) from None


def _number(value: float | str, field: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return typed_number(str(value))
    except NumberError as exc:
        if "," in str(value):  # a comma that is not between thousands: say so
            raise InputError(f"{field}: {exc}", {field: str(exc)}) from None
        raise InputError(
            f"{field}: {quote(value)} is not a number", {field: "not a number"}
        ) from None


_CURRENCIES = {"US": "USD", "GB": "GBP", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "IE": "EUR"}


def default_currency(country: str) -> str | None:
    return _CURRENCIES.get(country)


def _facility_id(db: Database, facility: int | str) -> int:
    return facilities.facility_id(db, facility)


def run_in_transaction(db: Database, work: Callable[[], Any]) -> Any:
    """Run several service calls so they land together or not at all."""
    with db.atomic():
        return work()


#: What an import or a form says of readings for a retired meter (they are stored and counted).
RETIRED_METER = (
    "the meter is retired: its readings are stored and counted; reinstate it if it is in use"
)
