"""Build the demo database from the bundled ``sample_data/`` files.

Two fictional hospitals with 24 months of bills, a year of 15-minute interval data, waste,
purchases and patient days (see ``sample_data/README.md`` for how the figures were chosen).
Each file becomes one import batch, so the demo shows the same traceability as real imports.
The database is built in a temporary file and moved into place, so an interrupted build never
leaves a half-filled demo behind.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlite_utils import Database

from greencare import paths, services
from greencare.core import periods, units
from greencare.core.errors import GreencareError, InputError
from greencare.core.models import (
    Meter,
    Purchase,
    Reading,
    WasteRecord,
    describe_errors,
)
from greencare.storage import activity, batches, readings
from greencare.storage.db import open_db

SOURCE = "demo"
FORMAT = "greencare-sample-csv"


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; line 1 is the header."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            yield line, {k: (v.strip() if v is not None else "") for k, v in row.items()}


def _blank_to_none(row: dict[str, str]) -> dict[str, Any]:
    return {k: (v if v != "" else None) for k, v in row.items()}


def _where(path: Path, line: int, exc: Exception) -> GreencareError:
    detail = describe_errors(exc) if isinstance(exc, ValidationError | ValueError) else str(exc)
    return InputError(f"{path.name}, line {line}: {detail}")


def build_demo(path: Path, *, rebuild: bool = False, data: Path | None = None) -> dict[str, Any]:
    """Create the demo database at ``path`` unless it already exists (or ``rebuild``)."""
    path = Path(path).expanduser()
    if path.exists() and not rebuild:
        return {"db": str(path), "built": False, "counts": {}}
    if path.exists():
        _refuse_non_demo(path)
    source = data or paths.sample_data_dir()
    tmp = path.with_name(path.name + ".building")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    db = open_db(tmp)
    try:
        with db.atomic():
            counts = load_sample_data(db, source)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        db.close()
        for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            stale.unlink(missing_ok=True)
        raise
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    Path(f"{tmp}-wal").unlink(missing_ok=True)
    Path(f"{tmp}-shm").unlink(missing_ok=True)
    return {"db": str(path), "built": True, "counts": counts}


def _refuse_non_demo(path: Path) -> None:
    """Rebuilding deletes the file: only ever delete a database the demo wrote alone."""
    try:
        db = open_db(path, migrate=False)
        try:
            others = db.execute(  # rows a demo setup batch wrote carry "import:BATCH"
                "SELECT count(*) FROM audit_log WHERE source != ? AND NOT (source LIKE "
                "'import:%' AND CAST(substr(source, 8) AS INTEGER) IN (SELECT row_id FROM "
                "audit_log WHERE table_name = 'import_batches' AND action = 'import' AND "
                "source = ?))",
                [SOURCE, SOURCE],
            )
            count = others.fetchone()[0]
        finally:
            db.close()
    except Exception as exc:
        raise GreencareError(f"{path} is not a greencare demo database; not deleting it") from exc
    if count:
        raise GreencareError(
            f"{path} holds {count} changes that did not come from the demo; not deleting it"
        )


def load_sample_data(db: Database, folder: Path) -> dict[str, int]:
    """Load every sample file into ``db`` (the caller holds the transaction).

    Facilities, meters and normalizers go through the bulk setup import
    (``services.setup_imports``), as a user's own files would; each file is one batch.
    """
    from greencare.services.setup_imports import load_setup

    counts: dict[str, int] = {}
    done = load_setup(db, folder / "facilities.csv", "facilities", source=SOURCE, fmt=FORMAT)
    counts["facilities"] = done.created
    done = load_setup(db, folder / "meters.csv", "meters", source=SOURCE, fmt=FORMAT)
    counts["meters"] = done.created
    facility_ids = {f.name: int(f.id or 0) for f in services.list_facilities(db)}
    meters: dict[tuple[str, str], Meter] = {}
    names = {fid: name for name, fid in facility_ids.items()}
    for meter in services.list_meters(db):
        meters[(names[meter.facility_id], meter.name)] = meter
    zones = {
        name: services.get_facility(db, fid).timezone or "UTC" for name, fid in facility_ids.items()
    }
    counts["readings"] = _load_readings(db, folder / "bills.csv", meters, zones)
    counts["readings"] += _load_readings(db, folder / "interval_electricity.csv", meters, zones)
    counts["waste records"] = _load_activity(db, folder / "waste.csv", facility_ids, "waste")
    counts["purchases"] = _load_activity(db, folder / "purchases.csv", facility_ids, "purchase")
    done = load_setup(db, folder / "normalizers.csv", "normalizers", source=SOURCE, fmt=FORMAT)
    counts["normalizer months"] = done.created
    return counts


def _load_readings(
    db: Database, path: Path, meters: dict[tuple[str, str], Meter], zones: dict[str, str]
) -> int:
    batch = batches.create_batch(
        db, file_name=path.name, content_hash=batches.file_hash(path), fmt=FORMAT,
        target_table="readings",
    )  # fmt: skip
    rows = []
    for line, row in _rows(path):
        try:
            meter = meters[(row["facility"], row["meter"])]
            zone = zones[row["facility"]]
            reading = Reading.model_validate(
                {
                    "meter_id": meter.id,
                    "start": periods.parse_instant(row["start"], zone),
                    "end": periods.parse_instant(row["end"], zone, is_end=True),
                    "quantity": row["quantity"],
                    "unit": row["unit"],
                    "cost": row.get("cost") or None,
                    "currency": row.get("currency") or None,
                    "estimated": row.get("estimated") or False,
                    "source": SOURCE,
                    "batch_id": batch,
                },
                context={"meter": meter},
            )
        except (ValidationError, ValueError, KeyError) as exc:
            raise _where(path, line, exc) from exc
        rows.append(
            (
                meter.id,
                periods.to_epoch(reading.start),
                periods.to_epoch(reading.end),
                reading.quantity,
                reading.unit,
                reading.quantity * units.conversion_factor(reading.unit, meter.commodity),
                reading.cost,
                reading.currency,
                int(reading.estimated),
                SOURCE,
                batch,
            )
        )
    inserted = readings.insert_rows(db, rows)
    batches.finish_batch(db, batch, rows_read=len(rows), rows_inserted=inserted, source=SOURCE)
    return inserted


def _load_activity(db: Database, path: Path, facility_ids: dict[str, int], kind: str) -> int:
    batch = batches.create_batch(
        db, file_name=path.name, content_hash=batches.file_hash(path), fmt=FORMAT,
        target_table={"waste": "waste_records", "purchase": "purchases"}[kind],
    )  # fmt: skip
    count = 0
    for line, row in _rows(path):
        fields = _blank_to_none(row)
        try:
            facility_id = facility_ids[fields.pop("facility")]
            if kind == "waste":
                fields["start_date"], fields["end_date"] = fields.pop("start"), fields.pop("end")
                record: Any = WasteRecord(facility_id=facility_id, batch_id=batch, **fields)
                activity.add_waste(db, record, source=SOURCE)
            else:
                record = Purchase(facility_id=facility_id, batch_id=batch, **fields)
                activity.add_purchase(db, record, source=SOURCE)
        except (ValidationError, ValueError, KeyError) as exc:
            raise _where(path, line, exc) from exc
        count += 1
    batches.finish_batch(db, batch, rows_read=count, rows_inserted=count, source=SOURCE)
    return count
