"""Bulk setup: facilities, meters and normalizers from CSV (the layouts in ``sample_data/``).

A health system sets up its sites from a spreadsheet: ``facilities.csv`` (``name, kind,
country, region, postcode, grid_region, timezone, floor_area, floor_area_unit, staffed_beds,
notes``), ``meters.csv`` (``facility, name, commodity, unit, delivery_class, net_metering,
notes``) and ``normalizers.csv`` (``facility, month, patient_days, adjusted_patient_days,
ftes``). Only the key columns are required; the others may be left out, in any order, in any
case.

Create or update: a facility is matched by name (case-insensitive, exact), a meter by its
facility and name, a normalizer by facility and month. A match is updated with the row's
non-blank cells (a row that changes nothing is unchanged), anything else is created. Every
row goes through the same service the forms call (``add_facility``/``update_facility``,
``add_meter``/``update_meter``, ``set_normalizer``), so the rules are theirs. The file lands
in one transaction as one import batch, or not at all: any bad row refuses the whole file
with every problem listed (file, line, field). Each row written is audited with the source
``import:BATCH``, so ``greencare imports undo BATCH`` deletes what the batch created and puts
back what it changed (``storage.imports.undo_batch``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import ConflictError, GreencareError, InputError
from greencare.core.models import MonthlyNormalizer
from greencare.core.text import did_you_mean, quote
from greencare.importers import encodings, guard
from greencare.importers.base import FormatError, ImportOptions
from greencare.importers.pipeline import Problem
from greencare.services import activity
from greencare.services import facilities as facility_service
from greencare.services.common import _validate
from greencare.services.imports import ImportResult
from greencare.storage import activity as activity_store
from greencare.storage import batches, facilities, imports
from greencare.storage.db import begin_write, raise_condition

KINDS = ("facilities", "meters", "normalizers")

#: Every column each layout may have; the key columns first.
COLUMNS = {
    "facilities": ("name", "kind", "country", "region", "postcode", "grid_region", "timezone",
                   "floor_area", "floor_area_unit", "staffed_beds", "notes"),
    "meters": ("facility", "name", "commodity", "unit", "delivery_class", "net_metering", "notes"),
    "normalizers": ("facility", "month", "patient_days", "adjusted_patient_days", "ftes"),
}  # fmt: skip
KEYS = {
    "facilities": ("name",),
    "meters": ("facility", "name"),
    "normalizers": ("facility", "month"),
}


def header(path: Path) -> list[str] | None:
    """The header row's names (stripped, lower case), from the head of the file only."""
    try:  # the head only: a file with no line break must not be read whole to find one
        first = encodings.decode_head(guard.head(path))  # a UTF-16 file (BOM) re-encoded
        if b"\x00" in first:
            return None  # binary: the meter-data import refuses it
        text = first.decode("utf-8-sig", errors="replace").splitlines()
        return [h.strip().lower() for h in next(csv.reader(text[:1]), [])]
    except (UnicodeDecodeError, OSError, csv.Error):
        return None


def kind_of(path: Path) -> str | None:
    """'facilities', 'meters' or 'normalizers' when the header is one of those layouts: its key
    columns, at least one other column of the layout, and no column the layout lacks."""
    names = header(path)
    if not names:
        return None
    found = set(names) - {""}  # trailing empty columns, as spreadsheets save them
    for kind in KINDS:
        keys = set(KEYS[kind])
        if keys <= found <= set(COLUMNS[kind]) and found - keys:
            return kind
    return None


@dataclass
class SetupResult(ImportResult):
    """An ``ImportResult`` (``inserted`` is created + updated) with the setup counts."""

    kind: str = ""
    created: int = 0
    updated: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "kind": self.kind, "created": self.created,
                "updated": self.updated}  # fmt: skip


def import_setup(
    db: Database,
    path: str | Path,
    kind: str | None = None,
    options: ImportOptions | None = None,
    *,
    source: str = "api",
) -> SetupResult:
    """Import a facilities, meters or normalizers CSV (``kind`` None: from its header) as one
    undoable batch; see the module docstring. ``options.dry_run`` checks and writes nothing."""
    options = options or ImportOptions()
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    first = guard.check_head(path)
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, not {quote(kind)}")
    kind = kind or kind_of(path)
    if kind is None:
        raise FormatError(
            path, "the header is not a facilities, meters or normalizers layout (the columns "
            "of sample_data/facilities.csv, meters.csv, normalizers.csv)", line=1,
        )  # fmt: skip
    _refuse_options(path, kind, options)
    result = SetupResult(file=path.name, format=f"{kind}-csv", status="failed", kind=kind)
    content_hash = batches.file_hash(path, inspect=guard.Scanner(path, first))
    previous = imports.find_batch_by_hash(db, content_hash)
    if previous:
        result.status, result.batch_id = "already imported", int(previous["id"])
        return result
    begin_write(db)  # the write lock up front: a second writer waits, then is told
    try:
        batch_id = batches.create_batch(
            db, file_name=path.name, content_hash=content_hash, fmt=result.format,
            target_table=kind,
        )  # fmt: skip
        _apply(db, path, kind, result, batch_id, options.max_errors, options)
        if result.error_count or options.dry_run or not result.inserted:
            db.execute("ROLLBACK")
            if result.error_count:
                result.status, result.inserted = "failed", 0
                result.created = result.updated = 0
            else:
                result.status = "dry run" if options.dry_run else "nothing to import"
            return result
        _finish(db, batch_id, result, source)
        db.execute("COMMIT")
        result.status, result.batch_id = "imported", batch_id
    except BaseException as exc:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise_condition(exc, db)  # disk full, read-only...: one line, nothing written
        raise
    return result


#: Meter-data options (field, as the CLI spells it) that mean nothing for a setup file: given,
#: they are refused rather than ignored, so nobody believes they took effect.
_NOT_FOR_SETUP = (
    ("meter", "--meter"), ("meter_map", "--map"), ("facility", "--facility"),
    ("create_meters", "--create-meters"), ("commodity", "--commodity"), ("unit", "--unit"),
    ("delimiter", "--delimiter"), ("decimal", "--decimal-comma"), ("thousands", "--thousands"),
    ("date_format", "--date-format"), ("dayfirst", "--dayfirst"),
    ("monthfirst", "--monthfirst"), ("timezone", "--timezone"),
    ("interval_minutes", "--interval"), ("timestamp_is_end", "--timestamp-is-end"),
    ("cumulative", "--cumulative"), ("columns", "--column"), ("replace", "--replace"),
)  # fmt: skip


def _refuse_options(path: Path, kind: str, options: ImportOptions) -> None:
    if options.on_error == "skip":
        raise InputError(
            f"{path.name}: a {kind} file lands whole or not at all; --on-error skip does not apply"
        )
    given = [flag for name, flag in _NOT_FOR_SETUP if getattr(options, name, None)]
    if given:
        raise InputError(f"{path.name}: {', '.join(given)} do not apply to a {kind} file")


def load_setup(
    db: Database, path: Path, kind: str, *, source: str, fmt: str | None = None
) -> SetupResult:
    """Import a setup file inside the caller's transaction (the demo build): one batch, and an
    InputError naming the first problems if any row is bad."""
    result = SetupResult(file=path.name, format=fmt or f"{kind}-csv", status="failed", kind=kind)
    batch_id = batches.create_batch(
        db, file_name=path.name, content_hash=batches.file_hash(path), fmt=result.format,
        target_table=kind,
    )  # fmt: skip
    _apply(db, path, kind, result, batch_id, max_errors=5)
    if result.error_count:
        raise InputError("; ".join(p.text(path.name) for p in result.errors))
    _finish(db, batch_id, result, source)
    result.status, result.batch_id = "imported", batch_id
    return result


def _finish(db: Database, batch_id: int, result: SetupResult, source: str) -> None:
    batches.finish_batch(
        db, batch_id, rows_read=result.rows_read, rows_inserted=result.inserted,
        rows_skipped=result.unchanged, source=source,
    )  # fmt: skip


# --- reading the file ----------------------------------------------------------------------


def _rows(path: Path, kind: str, codec: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) with the header's names stripped and lower-cased; the header is checked:
    the key columns present, none unknown, none twice."""
    with path.open(encoding=codec, newline="") as handle:
        reader = csv.reader(handle)
        names = [h.strip().lower() for h in next(reader, [])]
        if not any(names):
            raise FormatError(path, "the file is empty: no header row", line=1)
        unknown = [n for n in names if n and n not in COLUMNS[kind]]
        if unknown:
            raise FormatError(
                path, f"unknown column {', '.join(quote(n) for n in unknown)}: a {kind} file has "
                f"{', '.join(COLUMNS[kind])}", line=1,
            )  # fmt: skip
        twice = sorted({n for n in names if n and names.count(n) > 1})
        if twice:
            raise FormatError(path, f"column {', '.join(map(quote, twice))} appears twice", line=1)
        missing = [k for k in KEYS[kind] if k not in names]
        if missing:
            raise FormatError(path, f"no {', '.join(map(quote, missing))} column", line=1)
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # a blank line
            if len(cells) > len(names):
                raise FormatError(path, "more fields than the header has", line=line)
            cells += [""] * (len(names) - len(cells))
            row = {n: c.strip() for n, c in zip(names, cells, strict=True) if n}
            stray = [i + 1 for i, (n, c) in enumerate(zip(names, cells, strict=True))
                     if not n and c.strip()]  # fmt: skip
            if stray:
                raise FormatError(
                    path, f"a value in column {stray[0]}, which has no name in the header",
                    line=line,
                )  # fmt: skip
            yield line, row


def _problems(line: int, row: dict[str, str], exc: GreencareError, column: str) -> list[Problem]:
    """One problem per field a service refused (InputError names them), else on ``column``."""
    fields = getattr(exc, "fields", None) or {}
    if fields:
        return [Problem(line, f, row.get(f, ""), msg) for f, msg in fields.items()]
    return [Problem(line, column, row.get(column, ""), str(exc))]


def _apply(
    db: Database,
    path: Path,
    kind: str,
    result: SetupResult,
    batch_id: int,
    max_errors: int,
    options: ImportOptions | None = None,
) -> None:
    """Create or update every row (inside the caller's transaction), counting into ``result``.

    The text encoding is decided once for the file, as for meter data (BOM, else UTF-8, else
    Windows-1252, which is what Excel's "CSV" saves on Windows; ``options.encoding`` to say).
    """
    codec = encodings.text_encoding(path, options)
    result.encoding = encodings.describe_encoding(codec)
    writer = f"import:{batch_id}"  # every row's audit entry: what undo reverses
    handler = {"facilities": _facility, "meters": _meter, "normalizers": _normalizer}[kind]
    state = _State(db, kind)
    for line, row in _rows(path, kind, codec):
        result.rows_read += 1
        key = tuple(row.get(k, "").casefold() for k in KEYS[kind])
        try:
            if key in state.seen:
                shown = ", ".join(row[k] for k in KEYS[kind])
                raise InputError(f"{shown} is also on line {state.seen[key]}")
            state.seen[key] = line
            outcome = handler(db, state, row, writer)
        except GreencareError as exc:
            state.notices.clear()
            problems = _problems(line, row, exc, getattr(exc, "column", KEYS[kind][-1]))
            result.error_count += len(problems)
            result.errors += problems[: max(0, max_errors - len(result.errors))]
            continue
        for notice in state.notices:  # where a grid region came from, or why it looks wrong
            if notice.message:
                result.warnings.append(Problem(line, "grid_region", row.get("grid_region", ""),
                                               notice.message, warning=True))  # fmt: skip
                result.warning_count += 1
        state.notices.clear()
        if outcome == "created":
            result.created += 1
        elif outcome == "updated":
            result.updated += 1
        else:
            result.unchanged += 1
    if result.rows_read == 0:
        raise FormatError(path, "no data rows (only a header?)", line=2)
    result.inserted = result.created + result.updated


class _Refused(InputError):
    """A row refused on one column."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class _State:
    """What one file's rows look up: stored facilities by name, meters and normalizers by key."""

    def __init__(self, db: Database, kind: str) -> None:
        self.seen: dict[tuple[str, ...], int] = {}
        self.notices: list[Any] = []  # the facility services' grid-region notes for a row
        self.by_name: dict[str, list[Any]] = {}
        for f in facilities.list_facilities(db, include_retired=True):
            self.by_name.setdefault(f.name.casefold(), []).append(f)
        self.meters: dict[tuple[int, str], list[Any]] = {}
        if kind == "meters":
            for m in facilities.list_meters(db, include_retired=True):
                self.meters.setdefault((m.facility_id, m.name.casefold()), []).append(m)
        self.normalizers: dict[tuple[int, str], dict[str, Any]] = {}
        if kind == "normalizers":
            for n in activity_store.list_normalizers(db):
                self.normalizers[(int(n["facility_id"]), str(n["month"]))] = n

    def facility(self, name: str, column: str) -> Any:
        """The stored facility of this name, or a refusal suggesting close names."""
        if not name:
            raise _Refused(column, "no facility given")
        found = self.by_name.get(name.casefold(), [])
        if len(found) > 1:
            names = ", ".join(quote(f.name) for f in found)
            raise _Refused(column, f"{quote(name)} matches several facilities ({names})")
        if not found:  # worded as storage.facilities.get_facility words it
            names = [f.name for same in self.by_name.values() for f in same]
            hint = did_you_mean(name, names) or " (see `greencare facility list`)"
            if not self.by_name:
                hint = " (there are no facilities yet: import the facilities file first)"
            raise _Refused(column, f"no facility {quote(name)}{hint}")
        return found[0]


def _given(row: dict[str, str], *skip: str) -> dict[str, str]:
    return {k: v for k, v in row.items() if v != "" and k not in skip}


class _Unchanged(Exception):
    """Raised inside an update's savepoint when it changed nothing, to roll the no-op back."""


def _update(
    db: Database, stored: Any, update: Any, row_id: int, writer: str, fields: dict[str, str],
    **extra: Any,
) -> str:  # fmt: skip
    """Run the form's own update (``update_facility``/``update_meter``: its merging and
    validation, nothing copied) in a savepoint; a result equal to the stored record is rolled
    back, so an unchanged row writes nothing, not even an audit entry."""
    if not fields:  # a row naming a stored record and nothing else: nothing to change
        return "unchanged"
    try:
        with db.atomic():
            if update(db, row_id, source=writer, **extra, **fields) == stored:
                raise _Unchanged
    except _Unchanged:
        return "unchanged"
    return "updated"


def _facility(db: Database, state: _State, row: dict[str, str], writer: str) -> str:
    name = row.get("name", "")
    if not name:
        raise _Refused("name", "a facility needs a name")
    fields = _given(row, "name")
    found = state.by_name.get(name.casefold(), [])
    if len(found) > 1:
        names = ", ".join(quote(f.name) for f in found)
        raise _Refused("name", f"{quote(name)} matches several facilities ({names})")
    if found:
        return _update(
            db, found[0], facility_service.update_facility, int(found[0].id), writer, fields,
            notices=state.notices,
        )  # fmt: skip
    if "country" not in fields:
        raise _Refused("country", "a new facility needs a country (ISO code, e.g. US)")
    facility_service.add_facility(db, name=name, source=writer, notices=state.notices, **fields)  # type: ignore[arg-type]
    return "created"


def _meter(db: Database, state: _State, row: dict[str, str], writer: str) -> str:
    owner = state.facility(row.get("facility", ""), "facility")
    name = row.get("name", "")
    if not name:
        raise _Refused("name", "a meter needs a name")
    fields = _given(row, "facility", "name")
    found = state.meters.get((int(owner.id), name.casefold()), [])
    if len(found) > 1:
        names = ", ".join(quote(m.name) for m in found)
        raise _Refused(
            "name", f"{quote(name)} matches several meters of {quote(owner.name)} ({names})"
        )
    if found:
        try:
            return _update(
                db, found[0], facility_service.update_meter, int(found[0].id), writer, fields
            )
        except ConflictError as exc:  # the one conflict: a commodity under readings
            raise _Refused("commodity", str(exc)) from exc
    if "commodity" not in fields:
        raise _Refused("commodity", "a new meter needs a commodity (e.g. electricity)")
    facility_service.add_meter(db, facility=int(owner.id), name=name, source=writer, **fields)  # type: ignore[arg-type]
    return "created"


_FIGURES = ("patient_days", "adjusted_patient_days", "ftes")


def _normalizer(db: Database, state: _State, row: dict[str, str], writer: str) -> str:
    owner = state.facility(row.get("facility", ""), "facility")
    month = row.get("month", "")
    stored = state.normalizers.get((int(owner.id), month))
    figures: dict[str, Any] = {f: stored[f] for f in _FIGURES if stored} if stored else {}
    figures.update(_given(row, "facility", "month"))  # blank cells keep the stored figures
    if stored is not None:
        wanted = _validate(MonthlyNormalizer, {"facility_id": owner.id, "month": month, **figures})
        if all(getattr(wanted, f) == stored[f] for f in _FIGURES):
            return "unchanged"
    activity.set_normalizer(db, facility=int(owner.id), month=month, source=writer, **figures)
    return "updated" if stored is not None else "created"


__all__ = ["COLUMNS", "KINDS", "SetupResult", "import_setup", "kind_of", "load_setup"]
