"""Importing waste and purchase records from CSV: the same guarantees as meter data.

Waste manifests and purchase ledgers are small next to interval data, so each row goes through
the same pydantic model the forms use (one set of rules), with the file line in every message.
The file lands in one transaction as one batch (undo removes it), or not at all; the same file
twice adds nothing, and so do the same rows in another file (CRLF line ends, a blank line
more): a row equal to a stored record in every field it gives is counted unchanged
(``storage.activity.WASTE_SAME``, ``PURCHASE_SAME``). ``on_error="skip"`` imports the good
rows and writes the rest, with reasons, beside the input.

Text is decoded as for meter data (``importers.encodings``: BOM, else UTF-8, else
Windows-1252) and split at the header's delimiter (, ; tab or |). Dates must be YYYY-MM-DD and
numbers plain (1234.5): a d/m/y date or a comma in a number is refused naming its readings.

Waste columns: facility, start (or date), end, stream, route, quantity, unit, hauler, cost,
currency, estimated, notes. Purchase columns: facility, date, category, item, description,
spend, currency, quantity, unit, supplier. ``facility`` may be left out when one is given.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlite_utils import Database

from greencare.core.errors import GreencareError, InputError
from greencare.core.models import Purchase, WasteRecord, model_errors
from greencare.importers import encodings, guard
from greencare.importers.base import FormatError, ImportOptions
from greencare.importers.pipeline import Problem
from greencare.services import plausibility
from greencare.storage import activity, batches, facilities, imports
from greencare.storage.db import begin_write, raise_condition

KINDS = ("waste", "purchases")
_TABLE = {"waste": "waste_records", "purchases": "purchases"}
#: The record files ``import_activity`` takes, by format name: these two, and the setup files
#: (facilities, meters, normalizers) it hands to ``services.setup_imports``.
KIND_OF_FORMAT = {f"{kind}-csv": kind for kind in (*KINDS, "facilities", "meters", "normalizers")}


def kind_of(path: Path) -> str | None:
    """'waste' or 'purchases' when the header says so, or a setup layout ('facilities',
    'meters', 'normalizers', ``setup_imports.kind_of``), else None (meter data)."""
    from greencare.services import setup_imports

    setup = setup_imports.kind_of(path)
    if setup:
        return setup
    try:  # the head only: a file with no line break must not be read whole to find one
        first = encodings.decode_head(guard.head(path))  # a UTF-16 file (BOM) re-encoded
        if b"\x00" in first:
            return None  # binary: the meter-data import refuses it
        text = first.decode("utf-8-sig", errors="replace").splitlines()
        delimiter = _delimiter(text[0] if text else "")
        header = {h.strip().lower() for h in next(csv.reader(text[:1], delimiter=delimiter), [])}
    except (UnicodeDecodeError, OSError, csv.Error):
        return None
    if {"stream", "route"} <= header:
        return "waste"
    if "category" in header and ({"spend", "quantity"} & header):
        return "purchases"
    return None


def _delimiter(header: str) -> str:
    """The header's delimiter, as for meter data: the most frequent of , ; tab and |."""
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(path: Path, codec: str) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding=codec, newline="") as handle:
        delimiter = _delimiter(handle.readline())
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=delimiter)
        if not reader.fieldnames:
            raise FormatError(path, "the file is empty: no header row", line=1)
        for line, row in enumerate(reader, start=2):
            if None in row:
                raise FormatError(path, "more fields than the header has", line=line)
            yield line, {k.strip().lower(): (v or "").strip() for k, v in row.items()}


#: The columns read as dates and as numbers, by kind: checked before the model sees them, so
#: a d/m/y date or a decimal comma is refused naming what it could mean (pydantic's own words
#: were "invalid character in year", and NaN failed as "greater than or equal to 0").
_DATES = {"waste": ("start", "date", "end"), "purchases": ("date",)}
_NUMBERS = {"waste": ("quantity", "cost"), "purchases": ("spend", "quantity")}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")
_DECIMAL_COMMA = re.compile(r"[-+]?\d{1,3}(\.\d{3})*,\d+|[-+]?\d+,\d+")
_PLAIN_RULE = "waste and purchase files take a decimal point and no thousands separator (1234.5)"


def _number_problem(text: str) -> str | None:
    if _PLAIN_NUMBER.fullmatch(text):
        return None if math.isfinite(float(text)) else "not a finite number"
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return "not a finite number"
    if "," not in text:
        return "not a number"
    readings = []
    if _THOUSANDS.fullmatch(text):
        readings.append(f"{text.replace(',', '')} (',' between thousands)")
    if _DECIMAL_COMMA.fullmatch(text):
        readings.append(f"{text.replace('.', '').replace(',', '.')} (a decimal comma)")
    if len(readings) == 2:
        return f"could be {' or '.join(readings)}; {_PLAIN_RULE}"
    if readings:
        return f"reads as {readings[0]}; {_PLAIN_RULE}"
    return f"not a number; {_PLAIN_RULE}"


def _plain_problems(kind: str, line: int, row: dict[str, Any]) -> list[Problem]:
    """Dates that are not YYYY-MM-DD and numbers that are not plain, by the file's column."""
    out = []
    for column in _DATES[kind]:
        value = row.get(column, "")
        if value and not _ISO_DATE.fullmatch(value):
            out.append(Problem(line, column, value, "not a date in YYYY-MM-DD form; waste and "
                               "purchase files take ISO 8601 dates (2025-01-31)"))  # fmt: skip
    for column in _NUMBERS[kind]:
        value = row.get(column, "")
        why = _number_problem(value) if value else None
        if why:
            out.append(Problem(line, column, value, why))
    return out


def _record(kind: str, row: dict[str, Any], facility_id: int, batch_id: int) -> Any:
    fields = {k: v for k, v in row.items() if v != "" and k != "facility"}
    if kind == "waste":
        fields.setdefault("start", fields.pop("date", ""))
        fields["start_date"] = fields.pop("start", "")
        fields["end_date"] = fields.pop("end", fields["start_date"])
        return WasteRecord(facility_id=facility_id, batch_id=batch_id, source="import", **fields)
    return Purchase(facility_id=facility_id, batch_id=batch_id, source="import", **fields)


def import_activity(
    db: Database,
    path: str | Path,
    kind: str,
    options: ImportOptions | None = None,
    *,
    source: str = "api",
) -> Any:
    """Import a waste or purchases CSV; returns an ``ImportResult`` like meter imports. A setup
    kind (facilities, meters, normalizers) goes to ``setup_imports.import_setup``."""
    from greencare.services import setup_imports
    from greencare.services.imports import ImportResult

    if kind in setup_imports.KINDS:
        return setup_imports.import_setup(db, path, kind, options, source=source)
    options = options or ImportOptions()
    path = Path(path)
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    first = guard.check_head(path)
    codec = encodings.text_encoding(path, options)
    result = ImportResult(file=path.name, format=f"{kind}-csv", status="failed")
    if codec != "utf-8":
        result.encoding = encodings.describe_encoding(codec)
    content_hash = batches.file_hash(path, inspect=guard.Scanner(path, first))
    previous = imports.find_batch_by_hash(db, content_hash)
    if previous:
        result.status, result.batch_id = "already imported", int(previous["id"])
        return result
    default = facilities.get_facility(db, options.facility).id if options.facility else None
    known: dict[str, int] = {}
    lines: dict[int, int] = {}  # stored record id -> file line
    rejected: list[dict[str, Any]] = []
    stop = options.on_error != "skip"
    begin_write(db)  # the write lock up front: a second writer waits, then is told
    try:
        batch_id = batches.create_batch(
            db, file_name=path.name, content_hash=content_hash, fmt=result.format,
            target_table=_TABLE[kind],
        )  # fmt: skip
        matched: set[int] = set()  # stored records already found the same as a row
        for line, row in _rows(path, codec):
            result.rows_read += 1
            problems, new_id = _one(
                db, kind, line, row, default, known, batch_id, source, matched, options, result
            )
            if new_id is not None:
                lines[new_id] = line
            if not problems and new_id is None:
                result.unchanged += 1
                continue
            if problems:
                result.error_count += len(problems)
                result.errors += problems[: max(0, options.max_errors - len(result.errors))]
                if not stop:
                    reasons = "; ".join(f"{p.column}: {p.reason}" for p in problems)
                    rejected.append({"line": line, **row, "reason": reasons})
            elif not (stop and result.error_count):
                result.inserted += 1
        if result.rows_read == 0:
            raise FormatError(path, "no data rows (only a header?)", line=2)
        if rejected and not options.dry_run:  # before the commit: if it fails, nothing lands
            result.rejected = len(rejected)
            result.rejected_file = str(_write_rejected(path, rejected))
        if (stop and result.error_count) or options.dry_run or not result.inserted:
            db.execute("ROLLBACK")
            result.inserted = result.inserted if options.dry_run else 0
            result.status = (
                "failed"
                if stop and result.error_count
                else ("dry run" if options.dry_run else "nothing to import")
            )
        else:
            result.rejected = len(rejected)
            batches.finish_batch(
                db, batch_id, rows_read=result.rows_read, rows_inserted=result.inserted,
                rows_skipped=result.unchanged, rows_rejected=result.rejected, source=source,
            )  # fmt: skip
            db.execute("COMMIT")
            result.status, result.batch_id = "imported", batch_id
    except BaseException as exc:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise_condition(exc, db)  # disk full, read-only...: one line, nothing written
        raise
    return result


def _one(
    db: Database,
    kind: str,
    line: int,
    row: dict[str, Any],
    default: int | None,
    known: dict[str, int],
    batch_id: int,
    source: str,
    matched: set[int],
    options: ImportOptions,
    result: Any,
) -> tuple[list[Problem], int | None]:
    """Validate, check and insert one row (inside the import's transaction): (problems, id).

    A row the same as a stored record (``activity.WASTE_SAME``/``PURCHASE_SAME``) not yet
    matched by an earlier row is unchanged: no problems and no new id. So the same rows again,
    whatever their line endings or blank lines, add nothing, and a file with two equal rows
    keeps both.

    Plausibility (greencare.services.plausibility) compares the row with the facility's records from
    before this file, or with its beds: a warning is reported and the row stored and flagged;
    a refusal is an error unless ``options.accept_outlier``.
    """
    name = row.get("facility", "")
    if name:
        if name not in known:
            try:
                known[name] = int(facilities.get_facility(db, name).id or 0)
            except GreencareError as exc:
                return [Problem(line, "facility", name, str(exc))], None
        facility_id = known[name]
    elif default is not None:
        facility_id = default
    else:
        return [Problem(line, "facility", "", "no facility column: give --facility")], None
    plain = _plain_problems(kind, line, row)
    if plain:
        return plain, None
    try:
        record = _record(kind, row, facility_id, batch_id)
    except (ValidationError, ValueError) as exc:
        return [
            Problem(line, field, str(row.get(field, row.get(field.replace("_date", ""), ""))), msg)
            for field, msg in model_errors(exc)
        ], None
    table = _TABLE[kind]
    fields = activity.waste_row(record) if kind == "waste" else record.model_dump(mode="json")
    same = activity.same_stored(db, table, fields, not_ids=matched, not_batch=batch_id)
    if same is not None:
        matched.add(same)
        return [], None
    if kind == "waste":
        found = plausibility.check_waste(db, record, exclude_batch=batch_id)
        month = plausibility.month_of(record.start_date)
    else:
        found = plausibility.check_purchase(db, record, exclude_batch=batch_id)
        month = plausibility.month_of(record.date)
    shown = str(row.get("quantity", ""))
    if any(f.refused for f in found) and not options.accept_outlier:
        return [
            Problem(line, "quantity", shown,
                    f"{f.message}; " + plausibility.IMPORT_REFUSAL)
            for f in found if f.refused
        ], None  # fmt: skip
    for f in found:
        result.warning_count += 1
        if len(result.warnings) < options.max_errors:
            note = "; accepted with --accept-outlier" if f.refused else ""
            result.warnings.append(Problem(line, "quantity", shown, f.message + note, warning=True))
    if kind == "waste":
        new_id = activity.add_waste(db, record, source=source)
    else:
        new_id = activity.add_purchase(db, record, source=source)
    plausibility.remember(
        db,
        _TABLE[kind],
        new_id,
        found,
        facility_id=facility_id,
        month=month,
        source=source,
        batch_id=batch_id,
    )
    return [], new_id


def _write_rejected(path: Path, rows: list[dict[str, Any]]) -> Path:
    """As for meter data: beside the input, never over an earlier one, owner-only, neutralised."""
    from greencare.services import outputs

    fields = list(dict.fromkeys(k for r in rows for k in r))
    text = outputs.csv_text(fields, rows)
    return outputs.write_new(path.with_name(path.stem + ".rejected.csv"), text)
