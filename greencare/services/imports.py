"""The import use-case: one function that brings a meter-data file into the database.

``import_readings(db, path, options)`` reads the file in chunks (memory stays flat whatever its
size), validates every chunk column by column, and writes all of it in ONE transaction: if any
row is bad and the user did not ask to skip bad rows, nothing is written and every problem is
reported with its line, column, value and reason. A file already imported (same bytes) adds
nothing; rows identical to stored readings are counted as unchanged; rows that collide with
different stored readings are errors unless ``replace`` is set (then the old ones are deleted,
audited, and an undo puts them back). The CLI, the TUI and scripts all call this function.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from greencare.core import numbers, units
from greencare.core import plausibility as plausibility_rules
from greencare.core import text as text_rules
from greencare.core.errors import AmbiguousNameError, InputError, NotFoundError
from greencare.core.models import Meter
from greencare.importers import detect, guard
from greencare.importers.base import FormatError, ImportOptions
from greencare.importers.pipeline import NO_SUCH_METER, Problem, text_reasons, validate
from greencare.importers.portfolio_manager import PMMeter
from greencare.services import plausibility
from greencare.services.common import RETIRED_METER
from greencare.services.import_layout import FileLayout, describe_file
from greencare.services.portfolio_manager import PropertyPlan
from greencare.storage import batches, facilities, imports, readings
from greencare.storage import plausibility as plausibility_store
from greencare.storage.db import begin_write, raise_condition

Progress = Callable[[int, int, int], None]  # (bytes done, bytes total, rows so far)


@dataclass
class ImportResult:
    """What an import did, or would do (dry run), for people and scripts."""

    file: str
    format: str
    status: str  # imported | failed | already imported | dry run | nothing to import
    batch_id: int | None = None
    rows_read: int = 0
    inserted: int = 0
    unchanged: int = 0
    replaced: int = 0
    rejected: int = 0
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    rejected_file: str | None = None
    meters_created: list[str] = field(default_factory=list)
    unknown_meters: list[str] = field(default_factory=list)
    #: Facilities created for Portfolio Manager properties (``--properties create``).
    facilities_created: list[str] = field(default_factory=list)
    #: How the file was read, decided once for the whole file (None: nothing needed deciding).
    date_order: str | None = None  # e.g. "day/month/year (line 3 end '15/02/2025' fits no other)"
    numbers: str | None = None  # e.g. "decimal comma, '.' between thousands (1.234,5) (...)"
    encoding: str | None = None  # e.g. "UTF-8", "Windows-1252 (not UTF-8)"

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "already imported", "dry run", "nothing to import")

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "status": self.status,
            "batch_id": self.batch_id,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "rejected": self.rejected,
            "error_count": self.error_count,
            "errors": [p.as_dict() for p in self.errors],
            "warning_count": self.warning_count,
            "warnings": [p.as_dict() for p in self.warnings],
            "rejected_file": self.rejected_file,
            "meters_created": self.meters_created,
            "unknown_meters": self.unknown_meters,
            "facilities_created": self.facilities_created,
            "date_order": self.date_order,
            "numbers": self.numbers,
            "encoding": self.encoding,
        }


class _Run:
    """State carried across the chunks of one import."""

    def __init__(self, db: Database, path: Path, options: ImportOptions, source: str) -> None:
        self.db, self.path, self.options, self.source = db, path, options, source
        self.meters: dict[str, Meter] = {}
        self.unknown: set[str] = set()
        self.why_unknown: dict[str, str] = {}  # key -> why it names no one meter
        self.warned_retired: set[str] = set()
        self.zones: dict[int, str] = {}
        self.places: dict[int, tuple[str | None, str]] = {}  # facility id -> (zone, country)
        self.currencies: dict[int, str] = {}
        self.facility_id: int | None = None
        if options.facility:
            self.facility_id = facilities.get_facility(db, options.facility).id
        self.last_register: dict[str, tuple[Any, float]] = {}
        self.history: dict[int, float | None] = {}
        self.sizes: dict[int, dict[str, Any]] = {}  # meter id -> its facility's size
        self.facility_sizes: dict[int, dict[str, Any]] = {}  # facility id -> its size
        self.has_stored: dict[int, bool] = {}  # meter id -> it had readings before this import
        self.max_end: dict[int, int | None] = {}  # latest end stored or imported, per meter
        self.rejected_rows: list[dict[str, Any]] = []
        self.columns: dict[str, str] = {}  # field -> the file's own header, for messages
        self.pm_meters: dict[str, PMMeter] = {}  # a Portfolio Manager workbook's meters
        self.properties: PropertyPlan | None = None

    def plan_properties(self, meters: dict[str, PMMeter], result: ImportResult) -> None:
        """Once per import: the facility of each Portfolio Manager property (or a refusal)."""
        self.pm_meters = meters
        self.properties = PropertyPlan(self.db, self.path, self.options, self.source)
        self.properties.decide(meters, self.facility_id)
        result.facilities_created = self.properties.facilities_created

    def resolve(self, keys: list[str], result: ImportResult) -> None:
        """Find (or create) the meter for each new key the file uses."""
        from greencare import services

        refused = text_reasons(keys, text_rules.NAME_MAX)  # refused line by line in validate()
        named = self._named(keys, refused)
        owners = {m.facility_id for found in named.values() for m in found}
        self.places |= facilities.facility_places(self.db, sorted(owners - set(self.places)))
        for key in keys:
            if key in self.meters or key in self.unknown:
                continue
            if refused[key]:
                continue
            pm = self.pm_meters.get(key)
            plan = self.properties
            if pm is not None and plan is not None and plan.explicit(key) is None:
                found = plan.find(pm, self.facility_id)
                if found is not None:
                    found = plan.record_id(found, pm)
                elif self.options.create_meters:
                    found = plan.create(pm, self.facility_id)
                    owner = facilities.get_facility(self.db, found.facility_id).name
                    result.meters_created.append(f"{found.name} ({owner})")
                else:
                    self.unknown.add(key)
                    continue
                self._use(key, found)
                continue
            target = self.options.meter or self.options.meter_map.get(key) or key
            if not target:
                self.unknown.add(key)
                continue
            try:
                matches = named.get(facilities.nocase(target), [])
                if len(matches) == 1 and not target.isdigit():  # else get_meter says why not
                    meter = matches[0]
                else:
                    meter = facilities.get_meter(self.db, target, facility_id=self.facility_id)
            except AmbiguousNameError as exc:
                self.unknown.add(key)
                self.why_unknown[key] = str(exc)
                continue
            except NotFoundError:
                if not (self.options.create_meters and key and not self.options.meter):
                    self.unknown.add(key)
                    self.why_unknown[key] = self._no_such_meter(target)
                    continue
                if self.facility_id is None or not self.options.commodity:
                    raise InputError(
                        "--create-meters needs --facility and --commodity to know where the "
                        f"new meter {text_rules.quote(key)} belongs and what it measures"
                    ) from None
                meter = services.add_meter(
                    self.db,
                    facility=self.facility_id,
                    name=key,
                    commodity=self.options.commodity,
                    unit=self.options.unit,
                    source=self.source,
                )
                result.meters_created.append(key)
            self._use(key, meter)

    def _named(self, keys: list[str], refused: dict[str, str | None]) -> dict[str, list[Meter]]:
        """The stored meters the new keys name, found in one query (see ``resolve``)."""
        targets = []
        for key in keys:
            if key in self.meters or key in self.unknown or key in self.pm_meters:
                continue
            target = self.options.meter or self.options.meter_map.get(key) or key
            if target and not refused[key]:
                targets.append(target)
        return facilities.meters_named(self.db, targets, facility_id=self.facility_id)

    def _use(self, key: str, meter: Meter) -> None:
        from greencare import services

        self.meters[key] = meter
        if meter.facility_id not in self.places:
            self.places |= facilities.facility_places(self.db, [meter.facility_id])
        zone, country = self.places[meter.facility_id]
        self.zones[int(meter.id or 0)] = zone or "UTC"
        self.currencies[int(meter.id or 0)] = services.default_currency(country) or ""

    def retired_warnings(self, chunk: pd.DataFrame) -> list[Problem]:
        """A warning at the first line naming each retired meter (once per import)."""
        out = []
        for key, meter in self.meters.items():
            if meter.retired and key not in self.warned_retired:
                at = np.flatnonzero(chunk["meter"].to_numpy(dtype=object) == key)
                if len(at):
                    self.warned_retired.add(key)
                    out.append(Problem(int(chunk["line"].iloc[at[0]]), self.columns.get(
                        "meter", "meter"), key, RETIRED_METER, warning=True))  # fmt: skip
        return out

    def _no_such_meter(self, name: str) -> str:
        sql, params = "SELECT name FROM meters", []
        if self.facility_id is not None:
            sql, params = sql + " WHERE facility_id = ?", [self.facility_id]
        hint = text_rules.did_you_mean(name, [r[0] for r in self.db.execute(sql, params)])
        if not hint:
            return NO_SUCH_METER
        return f"no such meter{hint}; map it with --map FILE=METER, or --create-meters"


def import_readings(
    db: Database,
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    on_progress: Progress | None = None,
    source: str = "api",
) -> ImportResult:
    """Import a meter-data file; see the module docstring for the guarantees."""
    options = options or ImportOptions()
    path = Path(path)
    if options.timezone:
        from greencare.core.regions import check_timezone

        try:
            check_timezone(options.timezone)
        except ValueError as exc:
            raise InputError(f"timezone: {exc}", {"timezone": options.timezone}) from None
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FormatError(path, "the file is empty")
    first = guard.check_head(path)  # binary data and zip bombs, from the head alone
    if options.format is None:
        from greencare.services.setup_imports import kind_of

        if kind := kind_of(path):
            raise FormatError(
                path, f"a {kind} setup file, not meter data: import it with "
                "services.import_setup (`greencare import` tells them apart itself)", line=1,
            )  # fmt: skip
    importer = detect(path, options.format)
    result = ImportResult(file=path.name, format=importer.name, status="failed")
    content_hash = batches.file_hash(path, inspect=guard.Scanner(path, first))
    previous = imports.find_batch_by_hash(db, content_hash)
    if previous and not options.replace:
        result.status = "already imported"
        result.batch_id = int(previous["id"])
        return result
    run = _Run(db, path, options, source)
    stop = options.on_error != "skip"
    with _import_cache(db):
        return _write(db, path, options, on_progress, importer, result, content_hash, run, stop)


@contextlib.contextmanager
def _import_cache(db: Database) -> Iterator[None]:
    """The import's pages (readings, their key, the roll-ups) stay in memory until the commit:
    with SQLite's default 2 MB cache they spill to the WAL and are read back mid-transaction
    (about 10% of a 100,000-bill import). Memory is taken only as pages are touched, and at
    most :data:`IMPORT_CACHE_KB`: a 5M-row interval import stays within its memory target."""
    cache = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache)}")


#: The page cache an import runs with, in KiB (SQLite's default is 2,000).
IMPORT_CACHE_KB = 64 * 1024


def _write(
    db: Database,
    path: Path,
    options: ImportOptions,
    on_progress: Progress | None,
    importer: Any,
    result: ImportResult,
    content_hash: str,
    run: _Run,
    stop: bool,
) -> ImportResult:
    source = run.source
    total = path.stat().st_size
    begin_write(db)  # the write lock up front: a second writer waits, then is told
    try:
        batch_id = batches.create_batch(
            db, file_name=path.name, content_hash=content_hash, fmt=importer.name,
            target_table="readings",
        )  # fmt: skip
        batch_source = f"import:{batch_id}"
        for chunk in _local_hours_whole(importer.read(path, options)):
            result.rows_read += len(chunk) + len(chunk.attrs.get("dropped", []))
            _conventions(result, chunk.attrs)
            run.columns = dict(chunk.attrs.get("columns", {}))
            dropped = [
                Problem(ln, "row", "", why, warning=True)
                for ln, why in chunk.attrs.get("dropped", [])
            ]
            _record(result, dropped, options.max_errors, warnings=True)
            if run.properties is None and chunk.attrs.get("pm_meters"):
                run.plan_properties(chunk.attrs["pm_meters"], result)
            run.resolve(sorted(str(k) for k in pd.unique(chunk["meter"])), result)
            if options.cumulative:
                chunk = _registers_to_usage(chunk, run, result)
            checked = validate(
                chunk, run.meters, run.zones, options, run.currencies, run.why_unknown
            )
            rows = checked.rows
            _record(result, checked.errors, options.max_errors, warnings=False)
            _record(result, run.retired_warnings(chunk), options.max_errors, warnings=True)
            if checked.errors and not stop:
                run.rejected_rows += _rejected(chunk, checked.errors)
            rows, collisions = _against_stored(db, rows, result, options, batch_source, run)
            if collisions and not stop:
                run.rejected_rows += _rejected(chunk, collisions)
            rows, refused, flags = _check_history(db, rows, run, result, options)
            if refused and not stop:
                run.rejected_rows += _rejected(chunk, refused)
            if not (stop and result.error_count):
                result.inserted += _insert(db, rows, batch_id, batch_source)
                _flag(db, flags, batch_id, batch_source)
            if on_progress:
                done = chunk.attrs.get("bytes") or total
                on_progress(int(done), total, result.rows_read)
        result.unknown_meters = sorted(run.unknown)
        if result.rows_read == 0:
            raise FormatError(path, "no data rows (only a header?)", line=2)
        result.rejected = len({p["line"] for p in run.rejected_rows}) if not stop else 0
        if run.rejected_rows and not options.dry_run:
            result.rejected_file = str(_write_rejected(path, run.rejected_rows))
        if stop and result.error_count:
            db.execute("ROLLBACK")
            result.status, result.inserted = "failed", 0
            return result
        if options.dry_run:
            db.execute("ROLLBACK")
            result.status = "dry run"
            return result
        if result.inserted == 0 and result.replaced == 0:
            db.execute("ROLLBACK")
            result.status = "nothing to import"
            return result
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


#: How far back from a chunk's latest local time its rows wait for the next chunk: more than
#: any daylight-saving repeat (one hour, or two at most anywhere).
_LOCAL_HOLD = pd.Timedelta(hours=3)


def _local_hours_whole(chunks: Any) -> Any:
    """Chunks whose tails of local (naive) times are moved into the next chunk.

    A repeated hour (clocks going back) is told apart by its order: 01:45 then 01:00 again.
    If a chunk ended inside that hour, the next would start with a lone second 01:00 that
    cannot be placed. So the rows in the last three hours of a chunk of local times wait and
    are validated with the next chunk; lines, order and counts are unchanged.
    """
    iterator = iter(chunks)
    chunk = next(iterator, None)
    held: pd.DataFrame | None = None
    while chunk is not None:
        following = next(iterator, None)  # the last chunk keeps its tail
        if held is not None:
            attrs = chunk.attrs
            chunk = pd.concat([held, chunk], ignore_index=True)
            chunk.attrs = attrs
            held = None
        cut = _tail_of_local_times(chunk) if following is not None else None
        if cut is not None:
            held = chunk.iloc[cut:].reset_index(drop=True)
            held.attrs = {"columns": chunk.attrs.get("columns", {})}
            chunk = chunk.iloc[:cut]
        yield chunk
        chunk = following


def _tail_of_local_times(chunk: pd.DataFrame) -> int | None:
    """Where the trailing run of rows within ``_LOCAL_HOLD`` of the chunk's last local time
    begins (a file of one meter after another, or of all meters hour by hour, runs forward in
    time at its end), or None (times with offsets, or a chunk that would be held whole)."""
    start, end = chunk["start"], chunk["end"]
    local_start, local_end = _local(start), _local(end)
    if not (local_start or local_end):
        return None
    times = start if local_start else end
    if local_start and local_end:
        times = start.fillna(end)  # a timestamp that ends its interval is in "end"
    stamps = times.to_numpy()
    valid = ~pd.isna(stamps)
    if not valid.any():
        return None
    last = stamps[np.flatnonzero(valid)[-1]]  # the last row's time: files run forward in time
    recent = ~valid | (stamps >= last - _LOCAL_HOLD.to_timedelta64())
    old = np.flatnonzero(~recent)
    if old.size == 0:
        return None  # all of it is recent: a chunk is never held whole
    cut = int(old[-1]) + 1
    return cut if cut < len(chunk) else None


def _local(column: pd.Series) -> bool:
    """A column of wall-clock times without an offset."""
    return pd.api.types.is_datetime64_dtype(column) and not isinstance(
        column.dtype, pd.DatetimeTZDtype
    )


def _conventions(result: ImportResult, attrs: dict[str, Any]) -> None:
    """The date order, number format and encoding the importer decided for the file."""
    for name in ("date_order", "numbers", "encoding"):
        if attrs.get(name):
            setattr(result, name, attrs[name])


def _record(result: ImportResult, problems: list[Problem], cap: int, *, warnings: bool) -> None:
    target = result.warnings if warnings else result.errors
    for problem in problems:
        if len(target) < cap:
            target.append(problem)
    if warnings:
        result.warning_count += len(problems)
    else:
        result.error_count += len(problems)


def _insert(db: Database, rows: pd.DataFrame, batch_id: int, source: str) -> int:
    if rows.empty:
        return 0
    frame = rows.assign(source=source, batch_id=batch_id)
    return readings.insert_frame(db, frame)


#: What a row is compared on with the stored reading of its period: quantity and unit always,
#: the rest when the file has the column and the row a value (the currency with a cost).
_COMPARED = ("quantity", "unit", "cost", "currency", "estimated", "demand_kw", "demand_cost")


def _differences(
    stored: pd.DataFrame, first: np.ndarray, rows: pd.DataFrame, at: np.ndarray, given: dict
) -> np.ndarray:
    """A (rows, fields) mask of the fields of ``_COMPARED`` in which each row differs from the
    stored reading at ``first``: exactly (a quantity nearly equal was taken as unchanged and a
    correction lost)."""
    out = np.zeros((len(at), len(_COMPARED)), dtype=bool)
    for i, name in enumerate(_COMPARED):
        if name not in rows.columns:
            continue
        column = "cost" if name == "currency" else name
        if name not in ("quantity", "unit") and column not in given:
            continue
        old = stored[name].to_numpy()[first]
        new = rows[name].to_numpy()[at]
        if name in ("unit", "currency"):
            old = np.array([None if v is None or v != v else str(v) for v in old], dtype=object)
            new = np.array([None if v is None or v != v else str(v) for v in new], dtype=object)
            out[:, i] = old != new
            if name == "currency":  # only a cost has a currency
                out[:, i] &= pd.notna(rows["cost"].to_numpy()[at])
            continue
        old = pd.to_numeric(pd.Series(old), errors="coerce").to_numpy(dtype=float)
        new = pd.to_numeric(pd.Series(new), errors="coerce").to_numpy(dtype=float)
        out[:, i] = ~((old == new) | (np.isnan(old) & np.isnan(new)))
        if name != "quantity":  # a blank cost or demand is not given (not "no cost")
            out[:, i] &= ~np.isnan(new)
    return out


def _shown(value: Any, name: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "none"
    if name == "estimated":
        return "yes" if value else "no"
    if name == "unit":
        return units.display(str(value))
    if isinstance(value, str):
        return value
    return numbers.plain(float(value))


def _against_stored(
    db: Database,
    rows: pd.DataFrame,
    result: ImportResult,
    options: ImportOptions,
    source: str,
    run: _Run,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows identical to stored readings are unchanged; other collisions are errors or replaced.

    A meter's stored readings never overlap, so sorted by start their ends are sorted too, and
    the stored readings a row overlaps are one slice found by two binary searches.
    """
    if rows.empty:
        return rows, []
    # A meter whose new rows all start after everything stored for it (before this import or
    # in its earlier chunks) cannot collide: the usual case of appending, and of a first import.
    firsts = rows.groupby("meter_id")["start_utc"].min()
    lasts = rows.groupby("meter_id")["end_utc"].max()
    check = []
    unseen = [int(m) for m in firsts.index if int(m) not in run.max_end]
    for meter_id, stored_end in readings.last_ends(db, unseen).items():
        run.max_end[meter_id] = stored_end
        run.has_stored[meter_id] = stored_end is not None
    for meter_id, first in firsts.items():
        stored_end = run.max_end[int(meter_id)]
        if stored_end is not None and first < stored_end:
            check.append(int(meter_id))
    for meter_id, last in lasts.items():  # what this chunk will add
        previous = run.max_end.get(int(meter_id))
        run.max_end[int(meter_id)] = max(int(last), previous or int(last))
    if not check:
        return rows, []
    window = rows[rows["meter_id"].isin(check)]
    stored = imports.stored_in_window(
        db, check, int(window["start_utc"].min()), int(window["end_utc"].max())
    )
    if stored.empty:
        return rows, []
    keep = np.ones(len(rows), dtype=bool)
    problems: list[Problem] = []
    replace_ids: list[int] = []
    meter = rows["meter_id"].to_numpy()
    for meter_id, part in stored.groupby("meter_id"):
        at = np.flatnonzero(meter == meter_id)
        part = part.sort_values("start_utc")
        starts, ends = part["start_utc"].to_numpy(), part["end_utc"].to_numpy()
        r_start = rows["start_utc"].to_numpy()[at]
        r_end = rows["end_utc"].to_numpy()[at]
        hi = np.searchsorted(starts, r_end, side="left")
        lo = np.searchsorted(ends, r_start, side="right")
        hit = hi > lo
        if not hit.any():
            continue
        ids, qty = part["id"].to_numpy(), part["quantity"].to_numpy()
        units_ = part["unit"].to_numpy()
        first = np.minimum(lo, len(starts) - 1)
        same_period = hit & (hi - lo == 1) & (starts[first] == r_start) & (ends[first] == r_end)
        differs = _differences(part, first, rows, at, run.columns)
        exact = same_period & ~differs.any(axis=1)
        result.unchanged += int(exact.sum())
        keep[at[exact]] = False
        clash = hit & ~exact
        if options.replace:
            for a, b in zip(lo[clash], hi[clash], strict=True):
                replace_ids += [int(x) for x in ids[a:b]]
            continue
        lines = rows["line"].to_numpy()[at]
        for j in np.flatnonzero(clash):
            k = first[j]
            period = readings.describe_period(db, int(meter_id), int(starts[k]), int(ends[k]))
            if same_period[j]:
                what = "; ".join(
                    f"{name} {_shown(part[name].iat[k], name)} -> "
                    f"{_shown(rows[name].iat[at[j]], name)}"
                    for i, name in enumerate(_COMPARED)
                    if differs[j, i]
                )
                reason = f"differs from the stored reading {period} ({what})"
            else:
                reason = (f"overlaps the stored reading {period} "
                          f"({qty[k]:g} {units.display(units_[k])})")  # fmt: skip
            problems.append(
                Problem(int(lines[j]), run.columns.get("start", "start"), "",
                        f"{reason}; use --replace to replace it")
            )  # fmt: skip
        keep[at[clash]] = False
    if replace_ids:
        result.replaced += imports.delete_readings(db, sorted(set(replace_ids)), source=source)
    _record(result, problems, options.max_errors, warnings=False)
    return rows[keep], problems


def _check_history(
    db: Database, rows: pd.DataFrame, run: _Run, result: ImportResult, options: ImportOptions
) -> tuple[pd.DataFrame, list[Problem], list[dict[str, Any]]]:
    """Plausibility of each value (greencare.core.plausibility) and gaps in each meter's periods.

    Against the meter's usual daily rate (stored readings, else this file's own median), or,
    without history, the site EUI it implies at the facility: warnings are reported and stored
    as accepted outliers; refusals are errors unless ``accept_outlier`` (then flagged too).
    ``rows`` come sorted by meter and start (validate sorts them); the checks are column-wise.
    Returns (rows to store, refusals, flags for the rows stored).
    """
    if rows.empty:
        return rows, [], []
    meter = rows["meter_id"].to_numpy()
    start, end = rows["start_utc"].to_numpy(), rows["end_utc"].to_numpy()
    rate = rows["quantity_canonical"].to_numpy() / ((end - start) / 86400.0)
    # Per meter: a few values (its usual rate, its facility's size); per row: array arithmetic.
    # A loop over meters doing work over all rows is meters x rows: minutes at 5,000 meters.
    ids, codes = np.unique(meter, return_inverse=True)
    codes = codes.ravel()
    new = [int(m) for m in ids if int(m) not in run.history]
    if new:
        own = _own_rates(rate, meter, new)
        for meter_id in new:
            usual = _usual_rate(db, meter_id) if run.has_stored.get(meter_id, True) else None
            run.history[meter_id] = own.get(meter_id) if usual is None else usual
    by_id = {int(m.id or 0): m for m in run.meters.values()}
    usual_of = np.full(len(ids), np.nan)
    area_of = np.full(len(ids), np.nan)
    about: dict[int, tuple[str, str, str]] = {}  # meter id -> (rule, area text, facility)
    for k, meter_id in enumerate(int(m) for m in ids):
        target = by_id[meter_id]
        if meter_id not in run.sizes:
            if target.facility_id not in run.facility_sizes:
                run.facility_sizes[target.facility_id] = plausibility_store.facility_size(
                    db, target.facility_id
                )
            run.sizes[meter_id] = run.facility_sizes[target.facility_id]
        size = run.sizes[meter_id]
        energy = units.canonical_unit(target.commodity) == units.CANONICAL_ENERGY
        rule, area_text = plausibility.reading_rule(run.history.get(meter_id), energy, size)
        if rule == "history":
            usual_of[k] = run.history[meter_id]
        elif rule == "site_eui":
            area_of[k] = plausibility.reading_area(size)
        about[meter_id] = (rule, area_text, str(size["name"]))
    level, measure = plausibility.levels_by_row(rate, usual_of[codes], area_of[codes])
    lines = rows["line"].to_numpy()
    quantity = rows["quantity"].to_numpy()
    units_ = rows["unit"]  # read only for the rows flagged
    days = (end - start) / 86400.0
    warnings: list[Problem] = []
    refused: list[Problem] = []
    flags: list[dict[str, Any]] = []
    for j in np.flatnonzero(level > 0):
        rule, area_text, name = about[int(meter[j])]
        text = plausibility.reading_message(
            rule, int(level[j]), float(measure[j]), float(quantity[j]), str(units_.iat[j]),
            float(days[j]), name, area_text,
        )  # fmt: skip
        problem = Problem(
            int(lines[j]),
            run.columns.get("quantity", "quantity"),
            numbers.plain(float(quantity[j])),
            text,
            warning=True,
        )
        if level[j] == plausibility_rules.REFUSE and not options.accept_outlier:
            problem.warning = False
            problem.reason = f"{text}; " + plausibility.IMPORT_REFUSAL
            refused.append(problem)
            continue
        if level[j] == plausibility_rules.REFUSE:
            problem.reason = f"{text}; accepted with --accept-outlier"
        warnings.append(problem)
        flags.append({"meter_id": int(meter[j]), "start_utc": int(start[j]),
                      "end_utc": int(end[j]), "rule": rule,
                      "level": plausibility_rules.LEVEL_NAMES[int(level[j])], "message": text})  # fmt: skip
    _record(result, refused, options.max_errors, warnings=False)
    if refused:
        keep = ~np.isin(lines, [p.line for p in refused])
        rows, meter, start, end = rows[keep], meter[keep], start[keep], end[keep]
    # Deliveries to a tank or generator come when it runs low: the time between is no gap.
    bulk = [int(m.id or 0) for m in run.meters.values() if m.delivery_class == "bulk_delivery"]
    same = (meter[1:] == meter[:-1]) & ~np.isin(meter[1:], bulk)
    gap = start[1:] - end[:-1]
    kept_lines = rows["line"].to_numpy()
    for j in np.flatnonzero(same & (gap > 0)):
        warnings.append(
            Problem(int(kept_lines[j + 1]), run.columns.get("start", "start"), "", f"gap of {gap[j] / 3600:,.2f} h before "
                    "this reading", warning=True)
        )  # fmt: skip
    _record(result, warnings, options.max_errors, warnings=True)
    return rows, refused, flags


def _flag(db: Database, flags: list[dict[str, Any]], batch_id: int, source: str) -> None:
    """Store the plausibility flags of rows this chunk inserted (found by meter and period)."""
    out = []
    for flag in flags:
        found = db.execute(
            "SELECT r.id, m.facility_id, f.timezone FROM readings r JOIN meters m ON m.id = "
            "r.meter_id JOIN facilities f ON f.id = m.facility_id WHERE r.meter_id = ? AND "
            "r.start_utc = ? AND r.end_utc = ? AND r.batch_id = ?",
            [flag["meter_id"], flag["start_utc"], flag["end_utc"], batch_id],
        ).fetchone()
        if found is None:  # not inserted (unchanged, or rejected for another reason)
            continue
        local = pd.Timestamp(flag["start_utc"], unit="s", tz="UTC").tz_convert(found[2] or "UTC")
        out.append({**flag, "table_name": "readings", "row_id": int(found[0]),
                    "facility_id": int(found[1]), "month": f"{local.year:04d}-{local.month:02d}",
                    "accepted_by": plausibility.who(), "source": source, "batch_id": batch_id})  # fmt: skip
    plausibility_store.record_bulk(db, out, source=source, batch_id=batch_id)


def _own_rates(rate: np.ndarray, meter: np.ndarray, meter_ids: list[int]) -> dict[int, float]:
    """Each meter's median positive daily rate in this chunk, where it has 12 or more (the
    usual rate of a meter with no stored history), all meters in one group-by."""
    positive = (rate > 0) & np.isin(meter, meter_ids)
    if not positive.any():
        return {}
    grouped = pd.Series(rate[positive]).groupby(meter[positive])
    stats = pd.DataFrame({"median": grouped.median(), "count": grouped.size()})
    stats = stats[stats["count"] >= 12]
    return {int(m): float(v) for m, v in stats["median"].items()}


def _usual_rate(db: Database, meter_id: int) -> float | None:
    rows = db.execute(
        "SELECT quantity_canonical * 86400.0 / (end_utc - start_utc) FROM readings "
        "WHERE meter_id = ? ORDER BY start_utc DESC LIMIT 500",
        [meter_id],
    ).fetchall()
    values = [r[0] for r in rows if r[0] is not None and r[0] > 0]
    return float(np.median(values)) if len(values) >= 3 else None


def _registers_to_usage(chunk: pd.DataFrame, run: _Run, result: ImportResult) -> pd.DataFrame:
    """Cumulative register reads -> usage between reads; a drop is a meter reset (warned)."""
    chunk = chunk.copy()
    chunk["end_is_date"] = False  # a read date is the instant the register was read
    warnings: list[Problem] = []
    keep = np.ones(len(chunk), dtype=bool)
    when = chunk["end"].where(chunk["end"].notna(), chunk["start"])
    for key, idx in chunk.groupby("meter").indices.items():
        order = idx[np.argsort(when.iloc[idx].to_numpy(), kind="stable")]
        for i in order:
            value = chunk["quantity"].iat[i]
            previous = run.last_register.get(key)
            run.last_register[key] = (when.iat[i], value)
            if previous is None:
                keep[i] = False  # the first read has no usage before it
                continue
            before_time, before_value = previous
            usage = value - before_value
            if usage < 0:
                usage = value
                warnings.append(
                    Problem(int(chunk["line"].iat[i]), run.columns.get("quantity", "quantity"),
                            numbers.plain(float(value)),
                            "register went down: taken as a meter reset", warning=True)
                )  # fmt: skip
            chunk.iat[i, chunk.columns.get_loc("quantity")] = usage
            chunk.iat[i, chunk.columns.get_loc("start")] = before_time
            chunk.iat[i, chunk.columns.get_loc("end")] = when.iat[i]
    result.warning_count += len(warnings)
    result.warnings += warnings[: max(0, 50 - len(result.warnings))]
    out = chunk[keep].reset_index(drop=True)
    out.attrs = chunk.attrs
    return out


_REJECTED_FIELDS = ["line", "meter", "start", "end", "quantity", "unit", "cost", "reason"]


def _rejected(chunk: pd.DataFrame, problems: list[Problem]) -> list[dict[str, Any]]:
    """The rejected rows as the file had them, each with every reason it was refused."""
    reasons: dict[int, list[str]] = {}
    for p in problems:
        reasons.setdefault(p.line, []).append(f"{p.column}: {p.reason}")
    raw = chunk[chunk["line"].isin(list(reasons))]
    return [
        {
            "line": int(r.line),
            "meter": r.meter,
            "start": r.start_raw,
            "end": r.end_raw,
            "quantity": r.quantity_raw,
            "unit": r.unit,
            "cost": r.cost_raw,
            "reason": "; ".join(reasons[int(r.line)]),
        }
        for r in raw.itertuples(index=False)
    ]


def _write_rejected(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Rejected rows with reasons, beside the input: NAME.rejected.csv (NAME.rejected-2.csv
    and so on when an earlier one is there), owner-only, formula-like cells neutralised."""
    from greencare.services import outputs

    text = outputs.csv_text(_REJECTED_FIELDS, sorted(rows, key=lambda r: r["line"]))
    return outputs.write_new(path.with_name(path.stem + ".rejected.csv"), text)


def undo(db: Database, batch_id: int, *, source: str = "api") -> dict[str, int]:
    """Remove one import batch (and restore what it replaced), audited."""
    return imports.undo_batch(db, batch_id, source=source)


__all__ = [
    "FileLayout",
    "ImportOptions",
    "ImportResult",
    "describe_file",
    "import_readings",
    "undo",
]
