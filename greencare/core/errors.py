"""Errors a user can cause, with messages meant to be read by that user."""

from __future__ import annotations


class GreencareError(Exception):
    """Base of every error greencare reports to a person instead of a traceback."""


class InputError(GreencareError, ValueError):
    """Input that fails validation: a bad unit, a negative quantity, an inverted period.

    ``fields`` maps a field name to its message so a form can show each beside its field.
    """

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class NotFoundError(GreencareError, LookupError):
    """A facility, meter or record that is not in the database."""


class AmbiguousNameError(NotFoundError):
    """A name that fits more than one record: the message lists them and how to pick one."""


class ConflictError(GreencareError):
    """A write that would duplicate or overlap what is already stored."""


class FieldError(ValueError):
    """Raised inside model validators so the error is shown beside the right form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DatabaseError(GreencareError):
    """The database file cannot be used as asked: not greencare's, newer, damaged, read-only, full.

    The message is one line naming the file, meant for the person who gave it.
    """


class DatabaseBusyError(DatabaseError):
    """Another connection held the write lock for longer than the busy timeout."""
