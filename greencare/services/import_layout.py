"""What a meter-data file's header says, for a front end that lets the user choose columns.

Kept apart from :mod:`greencare.services.imports` so the import screen's inspection (in a
thread worker, while the user types a path) loads only the importers, not the storage layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greencare.importers import detect, guard
from greencare.importers.base import FormatError, ImportOptions


@dataclass
class FileLayout:
    """What a file's header says, for a front end that lets the user choose its columns."""

    format: str
    header: list[str] = field(default_factory=list)  # the file's columns (generic CSV only)
    columns: dict[str, str] = field(default_factory=dict)  # field -> header, as detected
    unit: str = ""  # the quantity's unit named by its header
    needs_interval: bool = False  # one time per reading and no length given
    timestamp_is_end: bool = False  # that time ends each interval (from the header)
    problem: str | None = None  # the header's refusal (an ambiguous column), when it has one

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("format", "header", "columns", "unit",
                                              "needs_interval", "timestamp_is_end", "problem")}  # fmt: skip


def describe_file(path: str | Path, options: ImportOptions | None = None) -> FileLayout:
    """The format of a meter-data file and, for a generic CSV, its header: which column holds
    each field, the unit its header names, and whether an interval length is still needed.
    A header the import would refuse (two candidate value columns, a time that could be the
    start or the end) is described with ``problem`` set, so the columns can be chosen; a
    file that cannot be read at all raises as the import would."""
    from greencare.importers.generic_csv import GenericCsv, read_header

    options = options or ImportOptions()
    path = Path(path)
    guard.check_head(path)
    importer = detect(path, options.format)
    found = FileLayout(format=importer.name)
    if not isinstance(importer, GenericCsv):
        return found
    found.header = read_header(path, options)
    try:
        layout = importer.layout(path, options, require_interval=False)
    except FormatError as exc:
        found.problem = str(exc)
        return found
    found.columns, found.unit = layout.columns, layout.unit
    found.needs_interval = layout.needs_interval and not options.interval_minutes
    found.timestamp_is_end = layout.timestamp_is_end
    return found


__all__ = ["FileLayout", "describe_file"]
